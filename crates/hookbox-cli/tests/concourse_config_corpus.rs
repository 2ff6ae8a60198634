//! The real `hookbox concourse-config` binary against the fake ATC serving the test kit's corpus of
//! real public pipelines (`crates/hookbox-testkit/pipelines/`), parsed as the ATC holds them: anchors,
//! aliases and merge keys expanded. What is checked: which resources are written and how the
//! functions will check them, that `((vars))` stay or are substituted from `-v`/`-l`, and the table.

mod concourse_common;

use std::process::Output;

use concourse_common::{generate, text};
use hookbox_concourse::{AuthMode, ConcourseConfig, GitMatcher, S3Matcher};
use hookbox_testkit::TempDir;
use hookbox_testkit::fake_atc::{FakeAtc, ServedPipeline};
use hookbox_testkit::pipelines;
use serde_json::{Value, json};

const TOKEN: &str = "corpus-token-5e2a";
const ALIASES: &str = "s3-iam=s3,semver-iam=semver";

fn atc() -> FakeAtc {
    let atc = FakeAtc::start();
    atc.add_bearer_token(TOKEN);
    pipelines::serve(&atc, "main");
    atc
}

fn run(atc: &FakeAtc, args: &[&str]) -> Output {
    let url = atc.url();
    generate(
        args,
        &[
            ("HOOKBOX_CONCOURSE_URL", url.as_str()),
            ("HOOKBOX_CONCOURSE_TOKEN", TOKEN),
        ],
    )
}

/// The written file's resource `pipeline/resource`.
fn resource<'a>(file: &'a Value, name: &str) -> &'a Value {
    let (pipeline, resource) = name.split_once('/').unwrap();
    file["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["pipeline"] == pipeline && entry["resource"] == resource)
        .unwrap_or_else(|| panic!("no {name} in {file:#}"))
}

/// The table's line of `pipeline`/`resource`, its columns split on runs of spaces.
fn row(stderr: &str, pipeline: &str, resource: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .find(|line| {
            let mut cells = line.split_whitespace();
            cells.next() == Some(pipeline) && cells.next() == Some(resource)
        })
        .unwrap_or_else(|| panic!("no row {pipeline} {resource} in\n{stderr}"));
    line.split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_real_pipeline_gives_its_resources_with_how_they_are_checked() {
    let atc = atc();
    let output = run(&atc, &["--type-alias", ALIASES, "-o", "-"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let written = text(&output.stdout);
    let config = ConcourseConfig::from_json(&written).expect("the functions accept the file");
    GitMatcher::new(&config);
    S3Matcher::new(&config).expect("the S3 notifier accepts the file");
    let file: Value = serde_json::from_str(&written).unwrap();

    // Resources without a webhook_token are checked with the ATC credentials, whichever the
    // deployment has: nothing is left out for want of a token.
    assert_eq!(config.auth, AuthMode::Atc);
    let mut names: Vec<String> = config
        .resources
        .iter()
        .map(|resource| format!("{}/{}", resource.pipeline, resource.name))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "18f-cg-deploy-s3-logstash/cg-deploy-s3-logstash",
            "alphagov-paas-cf/cf-tfstate",
            "alphagov-paas-cf/overview-marker-id",
            "alphagov-paas-cf/paas-cf",
            "alphagov-paas-cf/pipeline-trigger",
            "alphagov-paas-cf/vpc-tfstate",
            "cloudfoundry-bosh-compiled-releases/bosh-on-ubuntu-trusty-3263",
            "cloudfoundry-bosh-compiled-releases/bosh-src",
            "cloudfoundry-bosh-compiled-releases/uaa-on-ubuntu-trusty-3263",
            "cloudfoundry-bosh-compiled-releases/ubuntu-trusty-3233-stemcell",
            "cloudfoundry-bosh-compiled-releases/ubuntu-trusty-3263-stemcell",
            "concourse-release/cbd",
            "concourse-release/charts",
            "concourse-release/concourse",
            "concourse-release/concourse-release-repo",
            "concourse-release/docs",
            "concourse-release/docs-gh-pages",
            "google-kf-website/ci-image-src",
            "hookbox-synthetic/app-ci",
            "hookbox-synthetic/app-docs",
            "hookbox-synthetic/app-src",
            "hookbox-synthetic/app-tarball",
            "hookbox-synthetic/app-version",
        ]
    );

    // Vars stay as written; the anchors of the kf pipeline and the merge keys of the synthetic one are
    // expanded; only the matched fields are copied.
    assert_eq!(
        resource(&file, "concourse-release/concourse")["source"],
        json!({"uri": "https://github.com/concourse/concourse.git", "branch": "release/((release_minor)).x"})
    );
    assert_eq!(
        resource(&file, "google-kf-website/ci-image-src")["source"],
        json!({"uri": "((ci_git_uri))", "branch": "((ci_website_git_branch))",
               "paths": ["docs/kf.dev/ci/concourse/image"]})
    );
    assert_eq!(
        resource(&file, "alphagov-paas-cf/pipeline-trigger")["source"],
        json!({"bucket": "((state_bucket))", "key": "((pipeline_trigger_file))"})
    );
    assert_eq!(
        resource(&file, "hookbox-synthetic/app-src"),
        &json!({"pipeline": "hookbox-synthetic", "resource": "app-src", "type": "git",
                "webhook_token": "((app-webhook-token))",
                "source": {"uri": "git@github.com:acme/app.git", "branch": "main", "paths": ["src", "Cargo.toml"],
                           "ignore_paths": ["src/**/*.md", "docs/*"]}})
    );
    assert_eq!(
        resource(&file, "hookbox-synthetic/app-docs")["source"],
        json!({"uri": "git@github.com:acme/app.git", "branch": "main", "disable_ci_skip": true})
    );
    assert_eq!(
        resource(&file, "hookbox-synthetic/app-version")["source"],
        json!({"driver": "s3", "bucket": "acme-versions", "key": "app/version"})
    );
    assert_eq!(
        resource(&file, "cloudfoundry-bosh-compiled-releases/ubuntu-trusty-3263-stemcell")["source"]["regexp"],
        "bosh-stemcell/aws/light-bosh-stemcell-(?P<version>3263(\\.[^-]+)?)-aws-xen-hvm-ubuntu-trusty-go_agent.tgz"
    );
    for secret in [
        "private_key",
        "access_key_id",
        "secret_access_key",
        "json_key",
        "commit_verification_keys",
    ] {
        assert!(!written.contains(secret), "{secret} in the file");
    }

    // The table: every git, s3 and semver resource, how it is checked or why not, and the notes.
    for (pipeline, resource, expected) in [
        (
            "hookbox-synthetic",
            "app-src",
            vec!["git", "webhook token ((app-webhook-token))"],
        ),
        ("hookbox-synthetic", "app-tarball", vec!["s3", "ATC credentials"]),
        (
            "alphagov-paas-cf",
            "overview-marker-id",
            vec![
                "s3 (s3-iam)",
                "never matched",
                "source.bucket holds ((state_bucket)) (pass -v state_bucket=... or -l FILE)",
            ],
        ),
        (
            "concourse-release",
            "version",
            vec![
                "semver",
                "not matched",
                "semver with the gcs driver: only the s3 driver is matched (on S3 events)",
            ],
        ),
        (
            "concourse-release",
            "concourse",
            vec![
                "git",
                "ATC credentials",
                "source.branch keeps ((release_minor)), matched as anything (pass -v release_minor=... to match it exactly)",
            ],
        ),
    ] {
        assert_eq!(row(&stderr, pipeline, resource)[2..], expected, "{stderr}");
    }
    let docs = row(&stderr, "hookbox-synthetic", "app-docs");
    assert!(
        docs[4].starts_with("source.paths is the string \"docs,README.md\", not a list: git-resource's check fails"),
        "{docs:?}"
    );
    assert!(stderr.contains(
        "23 resources from 6 pipelines of team main; 6 of them never matched; 1 not matchable; other types \
         skipped: bosh-io-release 1, bosh-release 2, cf 1, docker-image 2, gcs 1, metadata 1, pull-request 1, \
         registry-image 2"
    ));
    assert!(stderr.contains(
        "20 resources have no webhook_token: the functions check them with the ATC credentials (auth \"atc\")"
    ));
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn vars_given_as_fly_takes_them_are_substituted_into_uri_bucket_and_the_rest() {
    let atc = atc();
    let dir = TempDir::new();
    let vars = dir.path().join("vars.yml");
    std::fs::write(
        &vars,
        "defaults: &defaults\n  state_bucket: gds-paas-dev-state\nstate: {<<: *defaults}\nstate_bucket: gds-paas-dev-state\n\
         branch_name: main\nci_git_uri: https://github.com/google/kf\nci_website_git_branch: master\n\
         release_minor: '7.4'\n",
    )
    .unwrap();
    let output = run(
        &atc,
        &[
            "--type-alias",
            ALIASES,
            "-l",
            vars.to_str().unwrap(),
            "-v",
            "release_minor=7.5",
            "-v",
            "pipeline_trigger_file=create-cloudfoundry.trigger",
            "-o",
            "-",
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let file: Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    // -v wins over the file, as with fly.
    assert_eq!(
        resource(&file, "concourse-release/concourse")["source"]["branch"],
        "release/7.5.x"
    );
    assert_eq!(
        resource(&file, "google-kf-website/ci-image-src")["source"],
        json!({"uri": "https://github.com/google/kf", "branch": "master", "paths": ["docs/kf.dev/ci/concourse/image"]})
    );
    assert_eq!(
        resource(&file, "alphagov-paas-cf/pipeline-trigger")["source"],
        json!({"bucket": "gds-paas-dev-state", "key": "create-cloudfoundry.trigger"})
    );
    assert_eq!(
        row(&stderr, "alphagov-paas-cf", "vpc-tfstate")[2..],
        ["s3 (s3-iam)", "ATC credentials"]
    );
    // Still unresolved: said with its name.
    assert_eq!(
        row(&stderr, "18f-cg-deploy-s3-logstash", "cg-deploy-s3-logstash")[3..],
        [
            "never matched",
            "source.uri holds ((logstash-image-git-url)) (pass -v logstash-image-git-url=... or -l FILE)"
        ]
    );
    assert!(stderr.contains("1 of them never matched"), "{stderr}");
}

#[test]
fn a_run_that_would_write_nothing_fails_and_says_why() {
    let atc = FakeAtc::start();
    atc.add_bearer_token(TOKEN);
    atc.add_pipeline(ServedPipeline::new(
        "main",
        "logstash",
        pipelines::load("18f-cg-deploy-s3-logstash"),
    ));
    let dir = TempDir::new();
    let file = dir.path().join("concourse.json");
    let output = run(&atc, &["--auth", "webhook_token", "-o", file.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nothing written: the pipelines have 1 git, s3 or semver resources and each was left out"),
        "{stderr}"
    );
    assert_eq!(
        row(&stderr, "logstash", "cg-deploy-s3-logstash")[2..4],
        ["git", "left out"]
    );
    assert!(!file.exists());
    // Without --auth the same pipeline is written, checked with the ATC credentials.
    let output = run(&atc, &["-o", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"auth\": \"atc\""));
}

#[test]
fn a_token_that_may_not_read_the_user_still_reads_the_team() {
    for status in [401, 403, 404] {
        let atc = atc();
        atc.refuse_user(status);
        let output = run(&atc, &["--type-alias", ALIASES, "-o", "-"]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{status}: {stderr}");
        assert!(
            stderr.contains(&format!("/api/v1/user answered {status}: the user is not named")),
            "{stderr}"
        );
        assert!(text(&output.stdout).contains("\"hookbox-synthetic\""));
    }
    // After a 401 there, a list of public pipelines only is what an expired token gets.
    let atc = FakeAtc::start();
    atc.add_bearer_token(TOKEN);
    atc.refuse_user(401);
    atc.add_pipeline(ServedPipeline::new("main", "kf", pipelines::load("google-kf-website")).public());
    let output = run(&atc, &["-o", "-"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("refused the token (401): has it expired?"), "{stderr}");
}
