//! `hookbox concourse explain`, the real binary, on the sample events of `events/` against the example
//! config: one line per resource, checked or not, with the reason, and per-file verdicts.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn explain(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .current_dir(root())
        .args(["concourse", "explain"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// The explanation of a sample event against the example config.
fn sample(event: &str) -> String {
    let event = format!("events/{event}");
    let output = explain(&["--config", "config/concourse.example.json", "--event", &event], None);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// `status resource` for every resource line, in config order.
fn statuses(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("checked") || line.starts_with("not checked"))
        .map(|line| {
            let (head, _) = line.split_once(": ").unwrap();
            head.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

#[test]
fn a_branch_push_names_every_resource_and_each_files_verdict() {
    for event in ["github-push.json", "github-push-form.json"] {
        let text = sample(event);
        assert!(
            text.starts_with("push refs/heads/main to acme/api (github.com/acme/api)\n"),
            "{text}"
        );
        assert_eq!(
            statuses(&text),
            [
                "checked api/api-source",
                "not checked api/deploy-config {\"env\":\"staging\"}",
                "not checked api/release-tags",
                "not checked api/tarball",
                "not checked docs/customer-manual",
                "not checked api/version",
            ],
            "{text}"
        );
        for line in [
            "checked      api/api-source: 3f1a2b4 changes src/handlers/empty.rs\n",
            "             ref: branch main is the resource's branch\n",
            "               README.md: ignored (ignore_paths: *.md)\n",
            "               docs/old.md: ignored (ignore_paths: docs)\n",
            "               src/main.rs: not in paths\n",
            "not checked  api/deploy-config {\"env\":\"staging\"}: no changed file passes paths and ignore_paths\n",
            "not checked  api/tarball: not a git resource: a push never concerns it\n",
        ] {
            assert!(text.contains(line), "{line:?} missing from\n{text}");
        }
    }
}

#[test]
fn tag_pushes_deletions_and_s3_events_are_explained() {
    let tag = sample("github-tag-push.json");
    assert!(
        tag.contains("checked      api/release-tags: tag v1.4.0 matches tag_filter v*\n"),
        "{tag}"
    );
    assert!(
        tag.contains("not checked  api/api-source: a tag was pushed; the resource tracks branch commits, not tags\n"),
        "{tag}"
    );
    let deletion = sample("github-branch-delete.json");
    assert!(
        deletion.contains("\n  a deleted ref has no new version to check\n"),
        "{deletion}"
    );
    assert!(!deletion.contains("\nchecked"), "{deletion}");
    let sqs = sample("s3-sqs.json");
    for line in [
        "checked      api/tarball: acme-builds/api/api-1.5.0.tgz: the key matches regexp api/api-(.*).tgz\n",
        "checked      api/version: acme-versions/api: the object is the key api\n",
        "not checked  docs/customer-manual: none of 2 objects matches (",
    ] {
        assert!(sqs.contains(line), "{line:?} missing from\n{sqs}");
    }
    for event in ["s3-put.json", "s3-sns.json"] {
        let text = sample(event);
        assert!(
            text.contains("  created acme-builds/api/api-1.4.0.tgz\n"),
            "{event}: {text}"
        );
        assert!(
            text.contains(
                "checked      api/tarball: acme-builds/api/api-1.4.0.tgz: the key matches regexp api/api-(.*).tgz\n"
            ),
            "{event}: {text}"
        );
        assert!(
            text.contains("not checked  api/version: acme-builds/api/api-1.4.0.tgz: watches bucket acme-versions, not acme-builds\n"),
            "{event}: {text}"
        );
    }
    let test_event = sample("s3-test-event.json");
    assert!(test_event.contains("s3:TestEvent"), "{test_event}");
    assert!(!test_event.contains("\nchecked"), "{test_event}");
}

#[test]
fn json_output_is_the_model_and_stdin_is_read() {
    let payload = serde_json::json!({
        "ref": "refs/heads/main",
        "before": "1111111111111111111111111111111111111111",
        "after": "2222222222222222222222222222222222222222",
        "commits": [{"id": "2222222222222222222222222222222222222222", "message": "Tidy [skip ci]",
                     "modified": ["src/lib.rs"]}],
        "repository": {"full_name": "acme/api", "ssh_url": "git@github.com:Acme/API.git", "default_branch": "main"}
    });
    let output = explain(
        &["--config", "config/concourse.example.json", "--json"],
        Some(payload.to_string().as_bytes()),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(model["event"]["kind"], "push");
    let source = &model["resources"][0];
    assert_eq!(source["resource"], "api-source");
    assert_eq!(source["checked"], false, "{source}");
    assert_eq!(source["reason"], "every new commit is marked [ci skip] or [skip ci]");
    assert_eq!(source["git"]["commits"][0]["skipped"], "[skip ci]");
    assert_eq!(source["git"]["commits"][0]["files"][0]["verdict"], "unfiltered");
}

#[test]
fn without_a_config_or_with_an_unknown_event_it_says_why() {
    let output = Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .current_dir(std::env::temp_dir())
        .args(["concourse", "explain", "--event", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no --config given and no config/concourse.json here"),
        "{stderr}"
    );
    let output = explain(&["--config", "config/concourse.example.json"], Some(b"{\"hello\": 1}"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("neither a GitHub push"), "{stderr}");
}
