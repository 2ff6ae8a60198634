//! The real `hookbox concourse-config` binary against the fake ATC on 127.0.0.1: a team with git, s3,
//! semver, time and other resources, a redefined built-in type, a custom type with an alias, a
//! `((var))` uri, a resource without a webhook_token, an instanced and an archived pipeline. The
//! corpus of real pipelines is `concourse_config_corpus.rs`.

mod concourse_common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use concourse_common::{generate, text};

use hookbox_concourse::ConcourseConfig;
use hookbox_testkit::TempDir;
use hookbox_testkit::fake_atc::{FakeAtc, ServedPipeline};
use serde_json::json;

const TOKEN: &str = "bearer-token-4f1c9e";
/// Secrets of the pipelines' sources that must never reach the file or the logs.
const SOURCE_SECRETS: [&str; 3] = ["PRIVATE-KEY-a81f", "AKIA-SECRET-77", "SECRET-ACCESS-99"];
/// The expected file, with `ATC_URL` for the fake ATC's address.
const EXPECTED: &str = include_str!("fixtures/concourse_expected.json");

/// The fake ATC with the team `main` (and another team's pipeline, which must not be read).
fn atc() -> FakeAtc {
    let atc = FakeAtc::start();
    atc.add_bearer_token(TOKEN);
    atc.add_pipeline(ServedPipeline::new(
        "main",
        "api",
        json!({
            "resources": [
                {"name": "api-source", "type": "git", "webhook_token": "((api-source))", "check_every": "24h",
                 "source": {"uri": "git@github.com:acme/api.git", "branch": "main", "paths": ["src", "Cargo.toml"],
                            "ignore_paths": ["docs"], "private_key": SOURCE_SECRETS[0]}},
                {"name": "api-docs", "type": "git", "webhook_token": "literal-webhook-token",
                 "source": {"uri": "https://github.com/acme/api", "branch": "main", "paths": ["docs"]}},
                {"name": "release-tags", "type": "git", "webhook_token": "((release-tags))",
                 "source": {"uri": "https://github.com/acme/api", "tag_filter": "v*"}},
                {"name": "no-token", "type": "git", "source": {"uri": "https://github.com/acme/api"}},
                {"name": "tarball", "type": "s3", "webhook_token": "((tarball))",
                 "source": {"bucket": "acme-builds", "regexp": "api/api-(.*).tgz",
                            "access_key_id": SOURCE_SECRETS[1], "secret_access_key": SOURCE_SECRETS[2]}},
                {"name": "latest", "type": "s3", "webhook_token": "((latest))",
                 "source": {"bucket": "acme-builds", "versioned_file": "api/latest.tgz"}},
                {"name": "version", "type": "semver", "webhook_token": "((version))",
                 "source": {"driver": "s3", "bucket": "acme-versions", "key": "api", "access_key_id": SOURCE_SECRETS[1]}},
                {"name": "build-number", "type": "semver", "webhook_token": "((build-number))",
                 "source": {"bucket": "acme-versions", "key": "api-build", "initial_version": "1.0.0"}},
                {"name": "git-version", "type": "semver", "webhook_token": "((git-version))",
                 "source": {"driver": "git", "uri": "git@github.com:acme/versions.git", "branch": "main", "file": "api"}},
                {"name": "nightly", "type": "time", "source": {"interval": "24h"}},
                {"name": "image", "type": "registry-image", "source": {"repository": "acme/api"}}
            ],
            "jobs": [{"name": "build", "plan": [{"get": "api-source", "trigger": true}]}]
        }),
    ));
    atc.add_pipeline(ServedPipeline::new(
        "main",
        "deploy",
        json!({
            "resource_types": [
                {"name": "git", "type": "registry-image", "source": {"repository": "acme/git-resource", "tag": "pinned"}},
                {"name": "s3-iam", "type": "registry-image", "source": {"repository": "acme/s3-resource-iam"}}
            ],
            "resources": [
                {"name": "config-repo", "type": "git", "webhook_token": "((config-repo))",
                 "source": {"uri": "https://github.com/acme/deploy.git"}},
                {"name": "artifacts", "type": "s3-iam", "webhook_token": "((artifacts))",
                 "source": {"bucket": "acme-artifacts", "regexp": "deploy/deploy-(.*).zip"}},
                {"name": "env-repo", "type": "git", "webhook_token": "((env-repo))",
                 "source": {"uri": "((env-repo-uri))"}}
            ]
        }),
    ));
    atc.add_pipeline(
        ServedPipeline::new(
            "main",
            "deploy",
            json!({
                "resources": [
                    {"name": "config-repo", "type": "git", "webhook_token": "((deploy-staging))",
                     "source": {"uri": "https://github.com/acme/deploy", "paths": ["deploy/staging"]}},
                    {"name": "every-hour", "type": "time", "source": {"interval": "1h"}}
                ]
            }),
        )
        .instance(json!({"env": "staging"})),
    );
    atc.add_pipeline(
        ServedPipeline::new(
            "main",
            "old",
            json!({"resources": [{"name": "repo", "type": "git", "webhook_token": "((old))",
                                  "source": {"uri": "https://github.com/acme/old"}}]}),
        )
        .archived(),
    );
    atc.add_pipeline(ServedPipeline::new(
        "other",
        "elsewhere",
        json!({"resources": [{"name": "repo", "type": "git", "webhook_token": "((x))",
                              "source": {"uri": "https://github.com/acme/elsewhere"}}]}),
    ));
    atc
}

/// `--url` and `--token` through the environment, as CI would pass them.
fn generate_with_env(atc: &FakeAtc, args: &[&str]) -> Output {
    let url = atc.url();
    generate(
        args,
        &[
            ("HOOKBOX_CONCOURSE_URL", url.as_str()),
            ("HOOKBOX_CONCOURSE_TOKEN", TOKEN),
        ],
    )
}

fn expected(atc: &FakeAtc) -> String {
    EXPECTED.replace("ATC_URL", &atc.url())
}

/// Neither the token nor a source secret appears in `output`'s streams.
fn assert_no_secrets(output: &Output) {
    for stream in [text(&output.stdout), text(&output.stderr)] {
        for secret in SOURCE_SECRETS.iter().chain([&TOKEN]) {
            assert!(!stream.contains(secret), "{secret} leaked: {stream}");
        }
    }
}

fn write_flyrc(dir: &Path, atc: &FakeAtc, token: &str) -> std::path::PathBuf {
    let path = dir.join(".flyrc");
    let flyrc = format!(
        "targets:\n  ci:\n    api: {}\n    team: main\n    token:\n      type: bearer\n      value: {token}\n",
        atc.url()
    );
    std::fs::write(&path, flyrc).unwrap();
    path
}

#[test]
fn every_kind_of_resource_becomes_the_expected_config() {
    let atc = atc();
    let dir = TempDir::new();
    let file = dir.path().join("concourse.json");
    let file_arg = file.to_str().unwrap();
    let output = generate_with_env(&atc, &["--type-alias", "s3-iam=s3", "--output", file_arg]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, expected(&atc), "{stderr}");
    ConcourseConfig::from_json(&written).expect("the functions accept the generated file");
    assert_no_secrets(&output);
    for expected in [
        "api                       api-docs      git          webhook token (literal)           webhook_token is written literally",
        "api                       no-token      git          ATC credentials\n",
        "api                       git-version   semver       not matched                       semver with the git driver",
        "deploy                    env-repo      git          never matched                     source.uri holds ((env-repo-uri)) \
         (pass -v env-repo-uri=... or -l FILE)",
        "deploy/{\"env\":\"staging\"}  config-repo   git          webhook token ((deploy-staging))\n",
        "INFO hookbox_cli::concourse_config: old: skipped: the pipeline is archived",
        "12 resources from 3 pipelines of team main; 1 of them never matched; 1 not matchable; \
         1 archived pipelines skipped; other types skipped: registry-image 1, time 2",
        "1 resources have no webhook_token: the functions check them with the ATC credentials (auth \"atc\")",
        "the functions need a value for each ((name)) webhook_token (ConcourseWebhookTokens, or webhook_tokens \
         in the ConcourseSecretArn secret): api-source, artifacts, build-number, config-repo, deploy-staging, \
         env-repo, latest, release-tags, tarball, version\n",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in\n{stderr}");
    }
    assert_eq!(stderr.matches(" WARN ").count(), 0, "{stderr}");

    // What was asked: the user, the list, one config per live pipeline (the instance by its vars),
    // nothing of the archived pipeline or the other team, and always with the token.
    let requests = atc.requests();
    let asked: Vec<(String, Option<&str>)> = requests
        .iter()
        .map(|request| (request.path.clone(), request.query_value("vars")))
        .collect();
    assert_eq!(
        asked,
        [
            ("/api/v1/user".to_owned(), None),
            ("/api/v1/teams/main/pipelines".to_owned(), None),
            ("/api/v1/teams/main/pipelines/api/config".to_owned(), None),
            ("/api/v1/teams/main/pipelines/deploy/config".to_owned(), None),
            (
                "/api/v1/teams/main/pipelines/deploy/config".to_owned(),
                Some(r#"{"env":"staging"}"#)
            ),
        ]
    );
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        requests
            .iter()
            .all(|request| request.method == "GET" && request.header("authorization") == Some(&bearer))
    );

    // The same server gives the same bytes, to a file or to stdout.
    let again = generate_with_env(&atc, &["--type-alias", "s3-iam=s3", "--output", "-"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), written);
    let rewritten = generate_with_env(&atc, &["--type-alias", "s3-iam=s3", "--output", file_arg]);
    assert_eq!(rewritten.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
}

#[test]
fn check_reports_an_added_and_a_removed_resource_and_writes_nothing() {
    let atc = atc();
    let dir = TempDir::new();
    let file = dir.path().join("concourse.json");
    let file_arg = file.to_str().unwrap();
    let check = |extra: &[&str]| {
        let mut args = vec!["--type-alias", "s3-iam=s3", "--output", file_arg, "--check"];
        args.extend_from_slice(extra);
        generate_with_env(&atc, &args)
    };

    let stdout = generate_with_env(&atc, &["--check", "--output", "-"]);
    assert_eq!(stdout.status.code(), Some(2));
    assert!(
        text(&stdout.stderr).contains("--check compares a file"),
        "{}",
        text(&stdout.stderr)
    );

    let missing = check(&[]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    assert!(text(&missing.stderr).contains("run without --check to write it"));
    assert!(!file.exists(), "--check never writes");

    std::fs::write(&file, expected(&atc)).unwrap();
    let same = check(&[]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stderr));
    assert_eq!(text(&same.stdout), "");
    assert!(text(&same.stderr).contains("is up to date"));

    // The file lacks api/tarball and still has a resource of a pipeline that is gone.
    let mut edited: serde_json::Value = serde_json::from_str(&expected(&atc)).unwrap();
    let resources = edited["resources"].as_array_mut().unwrap();
    resources.retain(|resource| resource["resource"] != "tarball");
    resources.push(
        json!({"pipeline": "gone", "resource": "repo", "type": "git", "webhook_token": "((gone))",
                          "source": {"uri": "https://github.com/acme/gone"}}),
    );
    let edited = serde_json::to_string_pretty(&edited).unwrap();
    std::fs::write(&file, &edited).unwrap();
    let differs = check(&[]);
    assert_eq!(differs.status.code(), Some(1), "{}", text(&differs.stderr));
    assert_eq!(text(&differs.stdout), "added: api/tarball\nremoved: gone/repo\n");
    assert!(text(&differs.stderr).contains("run without --check to update it"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited, "--check never writes");

    // An explicit webhook_token auth changes the settings and leaves out the resource without a token.
    std::fs::write(&file, expected(&atc)).unwrap();
    let tokens_only = check(&["--auth", "webhook_token"]);
    assert_eq!(tokens_only.status.code(), Some(1), "{}", text(&tokens_only.stderr));
    assert_eq!(
        text(&tokens_only.stdout),
        "changed: settings: auth\nremoved: api/no-token\n"
    );
}

#[test]
fn a_fly_target_is_read_from_home_and_its_token_sent_as_bearer() {
    let atc = atc();
    let home = TempDir::new();
    write_flyrc(home.path(), &atc, TOKEN);
    let home_dir = home.path().to_str().unwrap();
    let output = generate(
        &["--target", "ci", "--type-alias", "s3-iam=s3", "-o", "-"],
        &[("HOME", home_dir)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), expected(&atc));
    assert_no_secrets(&output);
    let bearer = format!("Bearer {TOKEN}");
    let requests = atc.requests();
    assert_eq!(requests.len(), 5);
    assert!(
        requests
            .iter()
            .all(|request| request.header("authorization") == Some(&bearer))
    );

    let unknown = generate(&["--target", "prod", "-o", "-"], &[("HOME", home_dir)]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("no target \"prod\""),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn an_expired_token_is_a_clear_error() {
    let atc = atc();
    let dir = TempDir::new();
    let flyrc = write_flyrc(dir.path(), &atc, "expired-token-0b2d");
    let file = dir.path().join("concourse.json");
    let output = generate(
        &[
            "--target",
            "ci",
            "--flyrc",
            flyrc.to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
        ],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refused the token (401): has it expired? run `fly -t ci login`"),
        "{stderr}"
    );
    assert!(!stderr.contains("expired-token-0b2d"), "{stderr}");
    assert!(!file.exists());
    // The user, then the list, which the ATC refuses too; no pipeline config is asked for.
    assert_eq!(atc.requests().len(), 2, "nothing after the refused list");
}

#[test]
fn a_team_the_token_cannot_read_is_a_clear_error() {
    let atc = atc();
    let output = generate_with_env(&atc, &["--team", "nobody", "-o", "-"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("may not read team \"nobody\""), "{stderr}");
    assert!(stderr.contains("its teams: main, other"), "{stderr}");
}

#[test]
fn an_atc_that_is_down_is_a_clear_error() {
    let mut atc = atc();
    atc.stop();
    let started = Instant::now();
    let output = generate_with_env(&atc, &["-o", "-"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the ATC at {}", atc.url())),
        "{stderr}"
    );
    assert_eq!(text(&output.stdout), "");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_token_never_shows_in_the_help() {
    let output = generate(&["--help"], &[("HOOKBOX_CONCOURSE_TOKEN", TOKEN)]);
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    assert!(
        help.contains("--token") && help.contains("[env: HOOKBOX_CONCOURSE_TOKEN]"),
        "{help}"
    );
    assert!(!help.contains(TOKEN));
}
