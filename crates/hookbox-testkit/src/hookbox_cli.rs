//! The real `hookbox` command for tests outside its package: `hookbox concourse-config` run on the
//! [`crate::pipelines`] corpus served by a fake ATC, and `hookbox concourse explain --json` on one
//! event, so that a notifier's test can feed the function the file the generator really writes and
//! hold it to what the explanation says.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::TempDir;
use crate::fake_atc::FakeAtc;
use crate::notifier::NotifierStack;
use crate::{pipelines, workspace_binary};

/// The bearer token the corpus's fake ATC accepts from the generator.
const GENERATOR_TOKEN: &str = "corpus-generator-token";

/// The ATC credentials the notifiers get for the generated config (its `auth` is `atc`).
pub const ATC_TOKEN: &str = "corpus-atc-token";

/// The value of the corpus's one webhook-token var, `((app-webhook-token))`.
pub const APP_WEBHOOK_TOKEN: &str = "corpus-app-token";

/// What a user would pass the generator for the corpus: the custom types of alphagov/paas-cf as the
/// s3 and semver they wrap, and enough vars to name every repository and bucket, while
/// `((branch))`, `((logstash-image-git-branch))`, `((branch_name))`, `((paas_cf_tag_filter))` and
/// `((pipeline_trigger_file))` stay for the ATC to resolve, so those resources match any branch,
/// tag or key.
const CORPUS_ARGS: &[&str] = &[
    "--type-alias",
    "s3-iam=s3,semver-iam=semver",
    "-v",
    "logstash-image-git-url=https://github.com/18F/cg-deploy-s3-logstash.git",
    "-v",
    "ci_git_uri=https://github.com/google/kf",
    "-v",
    "ci_website_git_branch=master",
    "-v",
    "release_minor=7.4",
    "-v",
    "state_bucket=gds-paas-dev-state",
];

/// `(pipeline, resource)` pairs, sorted: the checks the fake ATC received, or the resources an
/// explanation calls checked.
pub type Checked = Vec<(String, String)>;

/// The `hookbox` binary, built for this test run.
pub struct Hookbox {
    binary: PathBuf,
}

/// What `hookbox concourse-config` wrote for the corpus: the file and its summary table.
pub struct Generated {
    /// The written `concourse.json`.
    pub config: Value,
    /// Where it is written, for `hookbox concourse explain --config`.
    pub file: PathBuf,
    /// Its standard error: the summary table and its totals.
    pub summary: String,
    _dir: TempDir,
}

impl Hookbox {
    /// Builds `hookbox` (a no-op when it is current) and locates it.
    pub fn build() -> Self {
        Self {
            binary: workspace_binary("hookbox-cli", "hookbox"),
        }
    }

    /// The `hookbox` binary at `binary`: inside its own package, the one cargo built for the test
    /// (`env!("CARGO_BIN_EXE_hookbox")`).
    pub fn at(binary: impl Into<PathBuf>) -> Self {
        Self { binary: binary.into() }
    }

    /// Runs `hookbox` with `args`, `stdin` as its input and nothing of the test's environment but
    /// `PATH`, info logs and `env`; fails the test when it takes more than a minute.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
        let mut child = Command::new(&self.binary)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hookbox starts");
        // Writing and reading on threads: a child that fills one pipe while the test fills the
        // other never deadlocks them.
        let input = child.stdin.take().expect("a stdin pipe");
        let stdin = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let mut input = input;
            let _ = input.write_all(&stdin);
        });
        let read = |mut pipe: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = read(Box::new(child.stdout.take().expect("a stdout pipe")));
        let stderr = read(Box::new(child.stderr.take().expect("a stderr pipe")));
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().expect("hookbox can be waited for") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("hookbox {args:?} did not finish within 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = writer.join();
        Output {
            status,
            stdout: stdout.join().expect("stdout is read"),
            stderr: stderr.join().expect("stderr is read"),
        }
    }

    /// Runs `hookbox concourse-config` with the corpus's vars against a fake ATC serving the whole
    /// corpus in team `main`, and returns what it wrote to standard output; fails the test unless it
    /// succeeds.
    pub fn generate_corpus(&self) -> Generated {
        let atc = FakeAtc::start();
        atc.add_bearer_token(GENERATOR_TOKEN);
        pipelines::serve(&atc, "main");
        let url = atc.url();
        let mut all = vec!["concourse-config", "--timeout", "5s", "-o", "-"];
        all.extend_from_slice(CORPUS_ARGS);
        let output = self.run(
            &all,
            &[
                ("HOOKBOX_CONCOURSE_URL", url.as_str()),
                ("HOOKBOX_CONCOURSE_TOKEN", GENERATOR_TOKEN),
            ],
            b"",
        );
        let summary = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "hookbox concourse-config failed:\n{summary}");
        let config = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("the generator wrote no JSON ({error}):\n{summary}"));
        let dir = TempDir::new();
        let file = dir.path().join("concourse.json");
        std::fs::write(&file, &output.stdout).expect("the temporary directory is writable");
        Generated {
            config,
            file,
            summary,
            _dir: dir,
        }
    }

    /// `(pipeline, resource)` of every resource `hookbox concourse explain --json` calls checked for
    /// `event` (a push payload or an S3 event) against the config file `config`, sorted.
    pub fn explain_checked(&self, config: &Path, event: &Value) -> Checked {
        let config = config.to_str().expect("a UTF-8 temporary path");
        let output = self.run(
            &["concourse", "explain", "--config", config, "--event", "-", "--json"],
            &[],
            event.to_string().as_bytes(),
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "hookbox concourse explain failed:\n{stderr}");
        let model: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("explain wrote no JSON ({error}):\n{stderr}"));
        let mut checked: Checked = model["resources"]
            .as_array()
            .expect("the explanation lists the resources")
            .iter()
            .filter(|resource| resource["checked"] == true)
            .map(|resource| {
                let name = |field: &str| resource[field].as_str().expect("named resources").to_owned();
                (name("pipeline"), name("resource"))
            })
            .collect();
        checked.sort();
        checked
    }
}

impl Generated {
    /// Starts the notifier `name` from `binary` with this config, the credentials it needs (the ATC
    /// token, the value of `((app-webhook-token))`) and `env`, in front of a fake ATC that accepts them.
    pub fn start_notifier(&self, name: &str, binary: &Path, env: &[(&str, &str)]) -> NotifierStack {
        let tokens = json!({"app-webhook-token": APP_WEBHOOK_TOKEN}).to_string();
        let mut vars = vec![
            ("HOOKBOX_CONCOURSE_TOKEN", ATC_TOKEN),
            ("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", tokens.as_str()),
        ];
        vars.extend_from_slice(env);
        let stack = NotifierStack::start(name, binary, self.config.clone(), &vars);
        stack.atc.add_bearer_token(ATC_TOKEN);
        for (pipeline, resource) in self.webhook_token_resources() {
            stack.atc.add_webhook_token(&pipeline, &resource, APP_WEBHOOK_TOKEN);
        }
        stack
    }

    /// `(pipeline, resource)` of every written resource of `kind` (`git`, `s3`, `semver`), its type
    /// or the type its `type_aliases` entry names, sorted.
    pub fn resources_of(&self, kind: &str) -> Checked {
        let aliases = &self.config["type_aliases"];
        self.pairs(|resource| {
            let written = &resource["type"];
            let resolved = written.as_str().and_then(|name| aliases.get(name)).unwrap_or(written);
            resolved == kind
        })
    }

    fn webhook_token_resources(&self) -> Checked {
        self.pairs(|resource| resource.get("webhook_token").is_some())
    }

    fn pairs(&self, keep: impl Fn(&Value) -> bool) -> Checked {
        let mut pairs: Checked = self.config["resources"]
            .as_array()
            .expect("the config lists resources")
            .iter()
            .filter(|resource| keep(resource))
            .map(|resource| {
                let name = |field: &str| resource[field].as_str().expect("named resources").to_owned();
                (name("pipeline"), name("resource"))
            })
            .collect();
        pairs.sort();
        pairs
    }

    /// Fails the test unless the fake ATC received checks of exactly `expected` since it was last
    /// cleared, each by the route its resource needs: the webhook route with the resource's token
    /// when it has one, else the ATC credentials.
    pub fn assert_checks(&self, stack: &NotifierStack, expected: &[(String, String)], what: &str) {
        assert_eq!(stack.atc.checked(), expected, "{what}: the ATC's checks");
        let webhook = self.webhook_token_resources();
        let bearer = format!("Bearer {ATC_TOKEN}");
        for check in stack.atc.checks() {
            let Some(pair) = check.check_of() else { continue };
            if webhook.contains(&pair) {
                assert!(check.path.ends_with("/check/webhook"), "{what}: {}", check.path);
                assert_eq!(check.query_value("webhook_token"), Some(APP_WEBHOOK_TOKEN), "{what}");
            } else {
                assert_eq!(
                    check.header("authorization"),
                    Some(bearer.as_str()),
                    "{what}: {}",
                    check.path
                );
            }
        }
    }
}
