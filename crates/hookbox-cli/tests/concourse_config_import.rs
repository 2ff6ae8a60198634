//! `hookbox concourse-config --import`: the earlier Node tool's `etc/config.json` (the shape its
//! generators wrote: git filters with `branch: master` and empty lists, S3 filters with a `path`) as a
//! `concourse.json` the functions accept, and what could not be carried over.

mod concourse_common;

use concourse_common::{generate, text};
use hookbox_concourse::{AuthMode, ConcourseConfig, S3Matcher};
use hookbox_testkit::TempDir;
use serde_json::{Value, json};

const OLD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/old_endpoints_config.json");

#[test]
fn the_old_config_becomes_a_config_the_functions_accept() {
    let dir = TempDir::new();
    let file = dir.path().join("concourse.json");
    let output = generate(&["--import", OLD, "-o", file.to_str().unwrap()], &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let written = std::fs::read_to_string(&file).unwrap();
    let config = ConcourseConfig::from_json(&written).expect("the functions accept the file");
    // The Basic header names a local user: the functions log in as it.
    assert_eq!(config.auth, AuthMode::Password);
    assert_eq!(config.team, "main");
    assert_eq!(config.atc_url, "https://ci.example.com");
    let file: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(
        file["resources"],
        json!([
            {"pipeline": "bosh-release", "resource": "bosh-ci", "type": "git",
             "source": {"uri": "https://github.com/cloudfoundry/bosh", "branch": "master", "paths": ["ci/*"],
                        "ignore_paths": ["ci/README.md"]}},
            {"pipeline": "bosh-release", "resource": "bosh-src", "type": "git",
             "source": {"uri": "https://github.com/cloudfoundry/bosh", "branch": "master"}},
            {"pipeline": "stemcells", "resource": "everything", "type": "s3",
             "source": {"bucket": "bosh-os-images", "regexp": ".*"}},
            {"pipeline": "stemcells", "resource": "light-stemcell", "type": "s3",
             "source": {"bucket": "bosh-jenkins-artifacts", "regexp": ".*bosh-stemcell/aws.*"}},
            {"pipeline": "stemcells", "resource": "stemcell-version", "type": "s3",
             "source": {"bucket": "bosh-core-stemcells-candidate", "regexp": "stemcells-[^/]*/version"}}
        ])
    );
    // The S3 filters match at least what the old tool matched.
    let s3 = S3Matcher::new(&config).unwrap();
    let matched = |bucket: &str, key: &str| -> Vec<String> {
        s3.weigh_object(bucket, key)
            .into_iter()
            .filter(|(_, verdict)| verdict.matched_by.is_some())
            .map(|(index, _)| config.resources[index].name.clone())
            .collect()
    };
    assert_eq!(
        matched(
            "bosh-jenkins-artifacts",
            "bosh-stemcell/aws/light-bosh-stemcell-3263.1.tgz"
        ),
        ["light-stemcell"]
    );
    assert_eq!(
        matched("bosh-core-stemcells-candidate", "stemcells-3586/version"),
        ["stemcell-version"]
    );
    assert!(matched("bosh-core-stemcells-candidate", "stemcells-3586/other/version").is_empty());
    assert_eq!(matched("bosh-os-images", "any/key.tgz"), ["everything"]);

    for expected in [
        "HTTP Basic for the user \"concourse\": the functions log in as that user; set ConcourseUsername=concourse \
         and ConcoursePassword to its password",
        "not carried over: the header \"x-forwarded-proto\"",
        "the old config's GitHub webhook secret is not written: give it to the GitHub notifier as \
         GitHubWebhookSecrets",
        "bosh-ci           git   password login  paths are now matched as git-resource matches them (git pathspecs)\n",
        "filter field \"tag_filter\" not carried over\n",
        "light-stemcell    s3    password login  regexp \".*bosh-stemcell/aws.*\" made from the old path filter",
        "everything        s3    password login  regexp \".*\" for the old filter without a path",
        "broken                          ?     left out        check is not PIPELINE/RESOURCE\n",
        "5 resources have no webhook_token: the functions check them with the ATC credentials (auth \"password\"): \
         set ConcourseUsername and ConcoursePassword",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in\n{stderr}");
    }
    for secret in ["concourse-password", "github-webhook-secret-3f9d", "Y29uY291cnNl"] {
        assert!(!stderr.contains(secret) && !written.contains(secret), "{secret} leaked");
    }
}

#[test]
fn import_with_check_compares_and_flags_win() {
    let dir = TempDir::new();
    let file = dir.path().join("concourse.json");
    let first = generate(
        &[
            "--import",
            OLD,
            "--team",
            "release",
            "--auth",
            "atc",
            "-o",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let config = ConcourseConfig::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!((config.team.as_str(), config.auth), ("release", AuthMode::Atc));
    let same = generate(
        &[
            "--import",
            OLD,
            "--team",
            "release",
            "--auth",
            "atc",
            "--check",
            "-o",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stderr));
    let other = generate(&["--import", OLD, "--check", "-o", file.to_str().unwrap()], &[]);
    assert_eq!(other.status.code(), Some(1), "{}", text(&other.stderr));
    assert_eq!(text(&other.stdout), "changed: settings: team, auth\n");
}
