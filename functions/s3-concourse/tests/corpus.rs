//! The corpus of real public pipelines (`crates/hookbox-testkit/pipelines/`) end to end: the real
//! `hookbox concourse-config` writes `concourse.json` from them as a fake ATC serves them, the real
//! s3-concourse function runs with that file, and S3 ObjectCreated events shaped as S3 sends them
//! (the sample of `events/s3-put.json` with its bucket and key changed, the key URL-encoded as S3
//! encodes it) must check exactly the resources named here, which is also exactly what `hookbox
//! concourse explain --json` says for the same event and file.

use std::path::Path;

use hookbox_testkit::hookbox_cli::{Checked, Hookbox};
use hookbox_testkit::workspace_root;
use serde_json::{Value, json};

const FUNCTION: &str = "s3-concourse";

/// The sample event with one record: `event_name` of `key` (as S3 writes it: URL-encoded, a space
/// as `+`) in `bucket`.
fn s3_event(event_name: &str, bucket: &str, key: &str) -> Value {
    let path = workspace_root().join("events/s3-put.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mut event: Value = serde_json::from_str(&text).expect("the sample is JSON");
    let record = &mut event["Records"][0];
    record["eventName"] = json!(event_name);
    record["s3"]["bucket"]["name"] = json!(bucket);
    record["s3"]["bucket"]["arn"] = json!(format!("arn:aws:s3:::{bucket}"));
    record["s3"]["object"]["key"] = json!(key);
    event
}

fn created(bucket: &str, key: &str) -> Value {
    s3_event("ObjectCreated:Put", bucket, key)
}

fn pairs(list: &[(&str, &str)]) -> Checked {
    let mut pairs: Vec<_> = list.iter().map(|(p, r)| (p.to_string(), r.to_string())).collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn real_pipelines_check_exactly_the_resources_an_object_concerns() {
    let hookbox = Hookbox::build();
    let generated = hookbox.generate_corpus();
    let stack = generated.start_notifier(FUNCTION, Path::new(env!("CARGO_BIN_EXE_s3-concourse")), &[]);

    let stemcells = "bosh-jenkins-artifacts";
    let tarballs = "bosh-compiled-release-tarballs";
    let state = "gds-paas-dev-state";
    // alphagov/paas-cf's semver `key: ((pipeline_trigger_file))` is the ATC's to resolve: any key of
    // its bucket may be it.
    let trigger = ("alphagov-paas-cf", "pipeline-trigger");
    let cases: Vec<(&str, Value, Checked)> = vec![
        // cloudfoundry/bosh: regexps with Go's named groups and escapes, two per bucket.
        (
            "a 3263 stemcell",
            created(
                stemcells,
                "bosh-stemcell/aws/light-bosh-stemcell-3263.8-aws-xen-hvm-ubuntu-trusty-go_agent.tgz",
            ),
            pairs(&[("cloudfoundry-bosh-compiled-releases", "ubuntu-trusty-3263-stemcell")]),
        ),
        (
            "the 3263 stemcell without a patch version, which only its optional group takes",
            created(
                stemcells,
                "bosh-stemcell/aws/light-bosh-stemcell-3263-aws-xen-hvm-ubuntu-trusty-go_agent.tgz",
            ),
            pairs(&[("cloudfoundry-bosh-compiled-releases", "ubuntu-trusty-3263-stemcell")]),
        ),
        (
            "a 3233 stemcell",
            created(
                stemcells,
                "bosh-stemcell/aws/light-bosh-stemcell-3233.10-aws-xen-hvm-ubuntu-trusty-go_agent.tgz",
            ),
            pairs(&[("cloudfoundry-bosh-compiled-releases", "ubuntu-trusty-3233-stemcell")]),
        ),
        (
            "a xenial stemcell neither regexp takes",
            created(
                stemcells,
                "bosh-stemcell/aws/light-bosh-stemcell-3263.8-aws-xen-hvm-ubuntu-xenial-go_agent.tgz",
            ),
            pairs(&[]),
        ),
        (
            "a compiled bosh release",
            created(
                tarballs,
                "release-bosh-257.3-on-ubuntu-trusty-stemcell-3263.8-20170301.tgz",
            ),
            pairs(&[("cloudfoundry-bosh-compiled-releases", "bosh-on-ubuntu-trusty-3263")]),
        ),
        (
            "a compiled uaa release",
            created(tarballs, "release-uaa-24-on-ubuntu-trusty-stemcell-3263.8-20170301.tgz"),
            pairs(&[("cloudfoundry-bosh-compiled-releases", "uaa-on-ubuntu-trusty-3263")]),
        ),
        (
            "a release compiled on another stemcell",
            created(
                tarballs,
                "release-bosh-257.3-on-ubuntu-trusty-stemcell-3312.1-20170301.tgz",
            ),
            pairs(&[]),
        ),
        // alphagov/paas-cf: versioned_file in the bucket of -v state_bucket.
        (
            "vpc.tfstate",
            created(state, "vpc.tfstate"),
            pairs(&[("alphagov-paas-cf", "vpc-tfstate"), trigger]),
        ),
        (
            "cf.tfstate",
            created(state, "cf.tfstate"),
            pairs(&[("alphagov-paas-cf", "cf-tfstate"), trigger]),
        ),
        (
            "overview_marker_id",
            created(state, "overview_marker_id"),
            pairs(&[("alphagov-paas-cf", "overview-marker-id"), trigger]),
        ),
        (
            "another key of the state bucket",
            created(state, "create-cloudfoundry.trigger"),
            pairs(&[trigger]),
        ),
        (
            "a versioned file's backup, which is not the file",
            created(state, "vpc.tfstate.backup"),
            pairs(&[trigger]),
        ),
        // The synthetic pipeline: an s3 regexp (anchored at both ends) and a semver with driver s3.
        (
            "an app tarball",
            created("acme-builds", "app/app-1.4.0.tgz"),
            pairs(&[("hookbox-synthetic", "app-tarball")]),
        ),
        (
            "an app tarball whose key S3 encoded",
            created("acme-builds", "app/app-1.4.0%2Bbuild.7+final.tgz"),
            pairs(&[("hookbox-synthetic", "app-tarball")]),
        ),
        (
            "an app tarball's checksum, which the anchored regexp refuses",
            created("acme-builds", "app/app-1.4.0.tgz.sha256"),
            pairs(&[]),
        ),
        (
            "the app's version",
            created("acme-versions", "app/version"),
            pairs(&[("hookbox-synthetic", "app-version")]),
        ),
        (
            "another key of the versions bucket",
            created("acme-versions", "web/version"),
            pairs(&[]),
        ),
        (
            "a deletion, which makes no version",
            s3_event("ObjectRemoved:Delete", "acme-versions", "app/version"),
            pairs(&[]),
        ),
        (
            "concourse-artifacts: semver with the gcs driver, never matched",
            created("concourse-artifacts", "version-7.4"),
            pairs(&[]),
        ),
    ];

    let mut everything_checked = Vec::new();
    for (name, event, expected) in &cases {
        assert_eq!(
            &hookbox.explain_checked(&generated.file, event),
            expected,
            "{name}: hookbox concourse explain"
        );
        stack.atc.clear();
        let answer = stack.invoke(event).await;
        assert!(answer.is_ok(), "{name}: {answer:?}");
        generated.assert_checks(&stack, expected, &format!("{name}: {answer:?}"));
        everything_checked.extend(expected.iter().cloned());
    }
    // The objects reach every s3 and semver resource the generator wrote: none is matched by nothing.
    everything_checked.sort();
    everything_checked.dedup();
    let mut watched = generated.resources_of("s3");
    watched.extend(generated.resources_of("semver"));
    watched.sort();
    assert_eq!(everything_checked, watched, "{}", generated.summary);
}
