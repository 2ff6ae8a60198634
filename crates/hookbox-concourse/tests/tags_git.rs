//! Tag selection and `[ci skip]` against the real tools the git resource's check runs: `git tag --list
//! <tag_filter>`, `grep -Ex <tag_regex>` and `git rev-list --grep='\[ci\sskip\]' --grep='\[skip\sci\]'
//! --invert-grep`. Whatever they select is the truth.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hookbox_concourse::ci_skip;
use hookbox_concourse::tags::TagRule;

const TAGS: &[&str] = &[
    "v1",
    "v1.2",
    "v1.2.3",
    "v1.2.3-rc1",
    "V2.0",
    "v10.0",
    "release-1.0",
    "release/2.0",
    "nightly",
    "x_y",
    "xay",
    "1.0",
    "v1.0/hotfix",
];

const FILTERS: &[&str] = &[
    "*",
    "v*",
    "v?.*",
    "v[0-9]*",
    "v[!0-9]*",
    "v[^0-9]*",
    "v[[:digit:]].*",
    "release/*",
    "release*",
    "*.0",
    "v1.2",
    "x\\*y",
    "x?y",
    "v\\[1\\]",
    "[0-9]*",
    "**/hotfix",
    "*/*",
    "V*",
];

const REGEXES: &[&str] = &[
    "v[0-9]+",
    "v[0-9]+(\\.[0-9]+)*",
    "v[0-9]+\\.[0-9]+\\.[0-9]+",
    "v.*",
    "release[-/].*",
    "rc|v1",
    "nightly|v1\\.2",
    "v[[:digit:]]+\\.[[:digit:]]+",
    "[^v].*",
    "(v|V)[0-9]+\\.0",
    "v1\\.2\\.3-rc[0-9]",
    "v[0-9]{2}\\.0",
    ".*/.*",
    "x[_]y",
];

const MESSAGES: &[&str] = &[
    "Plain change",
    "Fix typo [ci skip]",
    "[skip ci] bump version",
    "Release\n\nBody says [ci\tskip] here",
    "Shouting [CI SKIP]",
    "Title case [Skip CI]",
    "Dashed [ci-skip]",
    "Two spaces [ci  skip]",
    "Across lines [ci\nskip]",
    "No brackets ci skip",
    "Unclosed [skip ci",
    "Nested [ci [skip ci]",
    "Mixed [skip  ci] and [ci skip]",
];

struct Repo(PathBuf);

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=hookbox", "-c", "user.email=hookbox@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("git prints UTF-8")
}

/// A repository named `name` (one per test: they run in parallel) with one commit per message and
/// every tag on the last commit; returns it and the (commit, message) pairs. Tag names cannot hold
/// `*`, `?` or `[`, so the escapes of a filter only ever select nothing.
fn repository(name: &str) -> (Repo, Vec<(String, &'static str)>) {
    let dir = std::env::temp_dir().join(format!("hookbox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let repo = Repo(dir.clone());
    git(&dir, &["init", "-q", "-b", "main"]);
    let mut commits = Vec::new();
    for message in MESSAGES {
        git(&dir, &["commit", "-q", "--allow-empty", "-m", message]);
        commits.push((git(&dir, &["rev-parse", "HEAD"]).trim().to_owned(), *message));
    }
    for tag in TAGS {
        git(&dir, &["tag", tag]);
    }
    (repo, commits)
}

fn set(lines: &str) -> BTreeSet<String> {
    lines.lines().map(str::to_owned).collect()
}

fn grep_ex(regex: &str) -> BTreeSet<String> {
    let mut child = Command::new("grep")
        .args(["-Ex", regex])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("grep runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(TAGS.join("\n").as_bytes()).unwrap();
    drop(input);
    set(&String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap())
}

fn selected(rule: &TagRule) -> BTreeSet<String> {
    TAGS.iter()
        .filter(|tag| rule.verdict(tag).matches)
        .map(|tag| tag.to_string())
        .collect()
}

#[test]
fn tag_filter_and_tag_regex_select_what_git_tag_and_grep_select() {
    let (repo, _) = repository("tags");
    // Anchors, so that a tool that selects nothing (or everything) cannot pass unnoticed.
    assert_eq!(git(&repo.0, &["tag", "--list", "release/*"]), "release/2.0\n");
    assert_eq!(grep_ex("v[0-9]+"), BTreeSet::from(["v1".to_owned()]));
    let mut mismatches = Vec::new();
    for filter in FILTERS {
        let expected = set(&git(&repo.0, &["tag", "--list", filter]));
        let actual = selected(&TagRule::new(Some(filter), None).unwrap());
        if expected != actual {
            mismatches.push(format!("tag_filter {filter}: git {expected:?}, rule {actual:?}"));
        }
    }
    for regex in REGEXES {
        let expected = grep_ex(regex);
        let actual = selected(&TagRule::new(None, Some(regex)).unwrap());
        if expected != actual {
            mismatches.push(format!("tag_regex {regex}: grep {expected:?}, rule {actual:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "differ from the tools:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn ci_skip_skips_what_git_rev_list_drops() {
    let (repo, commits) = repository("ci-skip");
    let kept = set(&git(
        &repo.0,
        &[
            "rev-list",
            "--all",
            "--grep=\\[ci\\sskip\\]",
            "--grep=\\[skip\\sci\\]",
            "--invert-grep",
        ],
    ));
    assert!(
        kept.contains(&commits[0].0) && !kept.contains(&commits[1].0),
        "anchor: {kept:?}"
    );
    let mismatches: Vec<String> = commits
        .iter()
        .filter(|(sha, message)| kept.contains(sha) == ci_skip::marker(message).is_some())
        .map(|(sha, message)| format!("{message:?}: git keeps it: {}", kept.contains(sha)))
        .collect();
    assert!(mismatches.is_empty(), "differ from git:\n{}", mismatches.join("\n"));
}
