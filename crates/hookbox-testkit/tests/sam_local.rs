//! The SAM workflow as a user runs it: `sam local invoke` of every function with every sample event
//! of `events/`, and `sam local start-api` with curl requests, against moto and a fake ATC on
//! 127.0.0.1, checking every answer and what arrived in the queue or at the ATC.
//!
//! Each command is the one the README gives, plus the flags a machine without AWS's base image needs
//! (`--invoke-image <local image> --skip-pull-image`). The functions run as `sam build` made them
//! (arm64, under qemu on an x86_64 host) inside AWS's runtime interface emulator, which the SAM CLI
//! ships.
//!
//! The containers reach the stand-ins as `host.docker.internal` (`--add-host
//! host.docker.internal:host-gateway`), where they listen on the Docker bridge's gateway address
//! (`HOOKBOX_DOCKER_HOST_IP`) and nowhere else. Not on the host's network: `sam local invoke
//! --docker-network host` gets no answer from its container (SAM then talks to a port the emulator
//! does not listen on; aws-sam-cli issue 4236).
//!
//! Ignored by a plain `cargo test`: it needs `sam build`'s output and Docker. `scripts/sam-local`
//! (and so `scripts/test`) prepares both and runs it.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hookbox_testkit::aws::LocalAws;
use hookbox_testkit::fake_atc::FakeAtc;
use hookbox_testkit::moto::Moto;
use hookbox_testkit::{TempDir, free_port, venv_tool, workspace_root};
use serde_json::{Value, json};

const BUCKET: &str = "hookbox-bodies";
const WEBHOOK_TOKEN: &str = "api-token";
const BEARER_TOKEN: &str = "bearer-token";
/// Where the notifiers find the example config inside their container (`/var/task` is the function's
/// build folder, mounted read-only).
const CONFIG_IN_CONTAINER: &str = "/var/task/concourse.example.json";
/// The host as the containers know it.
const HOST_IN_CONTAINER: &str = "host.docker.internal";

/// What one sample event must do.
enum Expect {
    /// The mailbox stores it and answers 202.
    Stored,
    /// The mailbox refuses it with this status and stores nothing.
    Refused(u16),
    /// The function answers with this status and the mailbox stores nothing (the hooks API).
    Answered(u16),
    /// A notifier answers (200 for an HTTP notifier, success for the S3 one) after checking exactly
    /// these resources of the `api` / `docs` pipelines.
    Checks(&'static [(&'static str, &'static str)]),
}

/// Every sample event, the function it is for and what it must do (`events/README.md` says the same
/// in prose). A file in `events/` missing here fails the test: every sample is run.
fn expectations() -> BTreeMap<&'static str, (&'static str, Expect)> {
    use Expect::*;
    const ENQUEUE: &str = "EnqueueFunction";
    const GITHUB: &str = "GitHubConcourseFunction";
    const S3: &str = "S3ConcourseFunction";
    const HOOKS_API: &str = "HooksApiFunction";
    BTreeMap::from([
        ("enqueue-alb-multi-value.json", (ENQUEUE, Stored)),
        ("enqueue-alb.json", (ENQUEUE, Stored)),
        ("enqueue-binary-httpapi.json", (ENQUEUE, Stored)),
        ("enqueue-form-post-httpapi.json", (ENQUEUE, Stored)),
        ("enqueue-function-url-cookies.json", (ENQUEUE, Stored)),
        ("enqueue-function-url.json", (ENQUEUE, Stored)),
        ("enqueue-get-repeated-query-httpapi.json", (ENQUEUE, Stored)),
        ("enqueue-github-push-httpapi.json", (ENQUEUE, Stored)),
        ("enqueue-github-push-restapi.json", (ENQUEUE, Stored)),
        ("enqueue-malformed.json", (ENQUEUE, Refused(400))),
        ("hooks-api-create-httpapi.json", (HOOKS_API, Answered(200))),
        ("hooks-delivery-unknown-httpapi.json", (ENQUEUE, Refused(404))),
        ("github-push.json", (GITHUB, Checks(&[("api", "api-source")]))),
        ("github-push-form.json", (GITHUB, Checks(&[("api", "api-source")]))),
        ("github-tag-push.json", (GITHUB, Checks(&[("api", "release-tags")]))),
        ("github-branch-delete.json", (GITHUB, Checks(&[]))),
        ("github-ping.json", (GITHUB, Checks(&[]))),
        ("s3-put.json", (S3, Checks(&[("api", "tarball")]))),
        (
            "s3-multipart.json",
            (S3, Checks(&[("api", "tarball"), ("api", "version")])),
        ),
        ("s3-unicode-key.json", (S3, Checks(&[("docs", "customer-manual")]))),
        ("s3-sns.json", (S3, Checks(&[("api", "tarball")]))),
        ("s3-sqs.json", (S3, Checks(&[("api", "tarball"), ("api", "version")]))),
        ("s3-test-event.json", (S3, Checks(&[]))),
    ])
}

/// moto with the stack's queue and bucket, a fake ATC that knows the example config's tokens, and the
/// `--env-vars` file: `events/local-env.json` with the stand-ins' addresses.
struct Local {
    _moto: Moto,
    aws: LocalAws,
    atc: FakeAtc,
    mailbox_url: String,
    env_vars: PathBuf,
    _dir: TempDir,
}

impl Local {
    async fn start() -> Self {
        let bridge: IpAddr = std::env::var("HOOKBOX_DOCKER_HOST_IP")
            .expect("HOOKBOX_DOCKER_HOST_IP: the Docker bridge's gateway (scripts/sam-local sets it)")
            .parse()
            .expect("HOOKBOX_DOCKER_HOST_IP is an IP address");
        let moto = Moto::start_on(bridge);
        let aws = LocalAws::new(&moto.endpoint()).await;
        let mailbox_url = aws.create_queue("mailbox", 262_144).await;
        aws.create_bucket(BUCKET).await;
        // The name events/local-env.json gives HOOKBOX_HOOKS_TABLE.
        aws.create_hooks_table("hookbox-hooks").await;
        let atc = FakeAtc::start_on(bridge);
        atc.add_webhook_token("api", "api-source", WEBHOOK_TOKEN);
        atc.add_bearer_token(BEARER_TOKEN);

        // The notifiers read the example config from their build folder, which sam mounts at /var/task.
        let root = workspace_root();
        for function in ["GitHubConcourseFunction", "S3ConcourseFunction"] {
            let folder = root.join(".aws-sam/build").join(function);
            assert!(folder.is_dir(), "{} is missing: run sam build first", folder.display());
            std::fs::copy(
                root.join("config/concourse.example.json"),
                folder.join("concourse.example.json"),
            )
            .expect("the build folder is writable");
        }

        let in_container = |url: &str| url.replace(&bridge.to_string(), HOST_IN_CONTAINER);
        let env_vars = local_env_vars(
            &in_container(&moto.endpoint()),
            &in_container(&mailbox_url),
            &in_container(&atc.url()),
        );
        let dir = TempDir::new();
        let file = dir.path().join("env.json");
        std::fs::write(&file, serde_json::to_string_pretty(&env_vars).unwrap()).unwrap();
        Self {
            _moto: moto,
            aws,
            atc,
            mailbox_url,
            env_vars: file,
            _dir: dir,
        }
    }

    /// The mailbox's messages (waiting up to a few seconds for `expected` of them), as envelopes.
    async fn stored(&self, expected: usize) -> Vec<Value> {
        let limit = Duration::from_secs(if expected == 0 { 1 } else { 10 });
        self.aws
            .drain(&self.mailbox_url, expected, limit)
            .await
            .iter()
            .map(|message| serde_json::from_str(message.body().unwrap()).expect("an envelope"))
            .collect()
    }
}

/// `events/local-env.json`, the file the README tells a user to pass with `--env-vars`, with its
/// stand-in addresses replaced by this run's, and the notifiers pointed at the example config, the
/// fake ATC and its tokens. A variable the file names that the template does not declare would be
/// ignored by SAM: the template tests check that.
fn local_env_vars(moto: &str, mailbox_url: &str, atc: &str) -> Value {
    let file = workspace_root().join("events/local-env.json");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    let mut vars: Value = serde_json::from_str(&text).expect("events/local-env.json is JSON");
    let shared = vars["Parameters"].as_object_mut().expect("a Parameters object");
    assert_eq!(
        shared["AWS_ENDPOINT_URL"],
        format!("http://{HOST_IN_CONTAINER}:5000"),
        "scripts/dev's moto"
    );
    shared.insert("AWS_ENDPOINT_URL".into(), json!(moto));
    shared.insert("HOOKBOX_QUEUE_MAILBOX".into(), json!(mailbox_url));
    let notifier = json!({
        "HOOKBOX_CONCOURSE_CONFIG_FILE": CONFIG_IN_CONTAINER,
        "HOOKBOX_CONCOURSE_URL": atc,
        "HOOKBOX_CONCOURSE_TOKEN": BEARER_TOKEN,
        "HOOKBOX_CONCOURSE_WEBHOOK_TOKENS": json!({"api-source": WEBHOOK_TOKEN}).to_string(),
    });
    for function in ["GitHubConcourseFunction", "S3ConcourseFunction"] {
        let mut merged = vars[function].as_object_mut().map(std::mem::take).unwrap_or_default();
        merged.extend(notifier.as_object().unwrap().clone());
        vars[function] = Value::Object(merged);
    }
    vars
}

/// The `sam` command of the venv, run from the workspace root with moto's credentials (SAM hands the
/// caller's credentials and region to the container). SAM waits 20 s by default for the emulator in a
/// new container to accept a connection; an arm64 container under qemu on two busy cores has taken
/// longer, so it waits up to two minutes.
fn sam() -> Command {
    let mut command = Command::new(venv_tool("sam"));
    command
        .current_dir(workspace_root())
        .env("SAM_CLI_CONTAINER_CONNECTION_TIMEOUT", "120")
        .env("SAM_CLI_TELEMETRY", "0")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_REGION", "eu-west-1");
    command
}

/// The flags of a Linux machine: the host's name for the containers (Docker Desktop knows it without),
/// and the base image this machine has (one that can pull AWS's leaves these two out).
fn local_flags() -> Vec<String> {
    let image = std::env::var("HOOKBOX_SAM_INVOKE_IMAGE").unwrap_or_else(|_| "hookbox/lambda-base:arm64".into());
    let host = format!("{HOST_IN_CONTAINER}:host-gateway");
    ["--add-host", &host, "--invoke-image", &image, "--skip-pull-image"]
        .map(String::from)
        .to_vec()
}

/// Runs `sam local invoke <function> -e events/<file>` and returns what the function answered.
fn invoke(local: &Local, function: &str, file: &str) -> Value {
    let mut args: Vec<String> = ["local", "invoke", function, "-e", &format!("events/{file}")]
        .map(String::from)
        .to_vec();
    args.extend(["--env-vars".into(), local.env_vars.display().to_string()]);
    args.extend(local_flags());
    let started = Instant::now();
    let output = sam().args(&args).stdin(Stdio::null()).output().expect("sam runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "sam {} failed:\n{stdout}\n{stderr}",
        args.join(" ")
    );
    assert!(!stderr.contains("panicked"), "the function panicked:\n{stderr}");
    // The answer is the last line of stdout; the function's logs go to stderr.
    let answer = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .unwrap_or_else(|| panic!("no answer from sam {}:\n{stdout}\n{stderr}", args.join(" ")));
    println!(
        "sam local invoke {function} -e events/{file} → {} ({:.1} s)",
        summary(&answer),
        started.elapsed().as_secs_f64()
    );
    answer
}

/// `statusCode 202`, or the error of a failed invocation, for the log.
fn summary(answer: &Value) -> String {
    match (answer.get("statusCode"), answer.get("errorMessage")) {
        (Some(status), _) => format!("statusCode {status}"),
        (None, Some(error)) => format!("error {error}"),
        (None, None) => "answered".to_owned(),
    }
}

fn sample_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(workspace_root().join("events"))
        .expect("events/ exists")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json") && name != "local-env.json")
        .collect();
    files.sort();
    files
}

#[tokio::test]
#[ignore = "needs `sam build` output and Docker: scripts/sam-local runs it"]
async fn every_sample_event_through_sam_local_invoke() {
    let local = Local::start().await;
    let expectations = expectations();
    let files = sample_files();
    let unlisted: Vec<&String> = files
        .iter()
        .filter(|file| !expectations.contains_key(file.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "sample events without an expectation here: {unlisted:?}"
    );

    for file in &files {
        let (function, expect) = &expectations[file.as_str()];
        local.atc.clear();
        let answer = invoke(&local, function, file);
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(workspace_root().join("events").join(file)).unwrap())
                .unwrap();
        match expect {
            Expect::Stored => {
                assert_eq!(answer["statusCode"], 202, "{file}: {answer}");
                let stored = local.stored(1).await;
                assert_eq!(stored.len(), 1, "{file}: expected one message, got {stored:?}");
                assert_eq!(stored[0]["method"], method_of(&event), "{file}: {}", stored[0]);
                assert!(local.stored(0).await.is_empty(), "{file}: stored more than once");
            }
            Expect::Refused(status) | Expect::Answered(status) => {
                assert_eq!(answer["statusCode"], *status, "{file}: {answer}");
                assert!(local.stored(0).await.is_empty(), "{file}: stored a refused event");
            }
            Expect::Checks(resources) => {
                if let Some(status) = answer.get("statusCode") {
                    assert_eq!(status, 200, "{file}: {answer}");
                }
                assert!(answer.get("errorMessage").is_none(), "{file}: {answer}");
                let expected: Vec<(String, String)> =
                    resources.iter().map(|(p, r)| (p.to_string(), r.to_string())).collect();
                assert_eq!(local.atc.checked(), expected, "{file}: {answer}");
            }
        }
    }
}

/// The request method an event carries, whichever gateway shape it has.
fn method_of(event: &Value) -> Value {
    event
        .pointer("/requestContext/http/method")
        .or_else(|| event.get("httpMethod"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// `sam local start-api`, stopped (with the containers it keeps warm) on drop.
struct StartApi {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl StartApi {
    fn start(local: &Local) -> Self {
        let port = free_port();
        let log = local.env_vars.with_file_name("start-api.log");
        let file = std::fs::File::create(&log).unwrap();
        let mut args: Vec<String> = ["local", "start-api", "--host", "127.0.0.1", "--port", &port.to_string()]
            .map(String::from)
            .to_vec();
        args.extend(["--env-vars".into(), local.env_vars.display().to_string()]);
        args.extend(["--warm-containers".into(), "LAZY".into()]);
        args.extend(local_flags());
        println!("sam {}", args.join(" "));
        let child = sam()
            .args(&args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("sam runs");
        let mut api = Self { child, port, log };
        api.wait_until_listening(Duration::from_secs(120));
        api
    }

    fn wait_until_listening(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                matches!(self.child.try_wait(), Ok(None)),
                "sam local start-api exited:\n{}",
                self.output()
            );
            assert!(
                Instant::now() < deadline,
                "start-api did not listen:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `curl` against the API and returns the status and the body.
    fn curl(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, String) {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut args: Vec<String> = [
            "-sS",
            "--max-time",
            "120",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "-X",
            method,
        ]
        .map(String::from)
        .to_vec();
        for (name, value) in headers {
            args.extend(["-H".into(), format!("{name}: {value}")]);
        }
        if let Some(body) = body {
            args.extend(["--data-binary".into(), body.to_owned()]);
        }
        args.push(url.clone());
        let started = Instant::now();
        let output = Command::new("curl").args(&args).output().expect("curl runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        let status: u16 = status.trim().parse().unwrap_or(0);
        println!(
            "curl -X {method} {url} → {status} ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        (status, body.to_owned())
    }
}

impl Drop for StartApi {
    fn drop(&mut self) {
        // SIGINT, as Ctrl-C: SAM stops the containers it keeps warm before it exits.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body and headers GitHub sent in `events/github-push.json` (signed with the test secret).
fn github_push_delivery() -> (String, Vec<(String, String)>) {
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(workspace_root().join("events/github-push.json")).unwrap())
            .unwrap();
    let headers = event["headers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| name.starts_with("x-") || *name == "content-type")
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect();
    (event["body"].as_str().unwrap().to_owned(), headers)
}

#[tokio::test]
#[ignore = "needs `sam build` output and Docker: scripts/sam-local runs it"]
async fn sam_local_start_api_serves_the_mailbox_and_the_github_notifier() {
    let local = Local::start().await;
    let api = StartApi::start(&local);

    let (status, body) = api.curl(
        "POST",
        "/hooks/github?source=start-api",
        &[("content-type", "application/json"), ("x-github-event", "push")],
        Some(r#"{"hello": "world"}"#),
    );
    assert_eq!(status, 202, "{body}\n{}", api.output());
    let stored = local.stored(1).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["method"], "POST");
    assert_eq!(stored[0]["path"], "/hooks/github");
    assert!(stored[0].to_string().contains("start-api"), "{}", stored[0]);

    let (status, body) = api.curl("GET", "/hooks/jenkins?job=build&job=test", &[], None);
    assert_eq!(status, 202, "{body}\n{}", api.output());
    let stored = local.stored(1).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["method"], "GET");

    let (payload, headers) = github_push_delivery();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    local.atc.clear();
    let (status, body) = api.curl("POST", "/github-concourse", &headers, Some(&payload));
    assert_eq!(status, 200, "{body}\n{}", api.output());
    assert_eq!(local.atc.checked(), vec![("api".to_owned(), "api-source".to_owned())]);

    // The same delivery with a forged signature: refused, nothing checked.
    local.atc.clear();
    let forged: Vec<(&str, &str)> = headers
        .iter()
        .map(|&(name, value)| match name {
            "x-hub-signature-256" => (
                name,
                "sha256=0000000000000000000000000000000000000000000000000000000000000000",
            ),
            _ => (name, value),
        })
        .collect();
    let (status, body) = api.curl("POST", "/github-concourse", &forged, Some(&payload));
    assert_eq!(status, 401, "{body}");
    assert!(local.atc.checked().is_empty());
    assert!(
        local.stored(0).await.is_empty(),
        "the notifier route must not reach the mailbox"
    );
}
