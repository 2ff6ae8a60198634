//! What a delivery costs before any network call: matching a push against 10,000 resources, and
//! verifying the signature of a 1 MB body.

use std::hint::black_box;

use criterion::Criterion;
use hookbox_concourse::{ConcourseConfig, GitMatcher, PushEvent};
use hookbox_core::signature::HmacScheme;
use serde_json::{Value, json};

const RESOURCES: usize = 10_000;
const REPOSITORIES: usize = 2_500;

/// 10,000 git resources over 2,500 repositories, with branches and path filters.
fn config() -> ConcourseConfig {
    let resources: Vec<Value> = (0..RESOURCES)
        .map(|i| {
            let repo = i % REPOSITORIES;
            let mut source = json!({"uri": format!("git@github.com:acme/repo-{repo}.git")});
            match i / REPOSITORIES {
                0 => source["branch"] = json!("main"),
                1 => source["paths"] = json!(["src", "Cargo.*"]),
                2 => source["ignore_paths"] = json!(["docs", "*.md"]),
                _ => source["branch"] = json!(format!("release-{i}")),
            }
            json!({"pipeline": format!("p{repo}"), "resource": format!("r{i}"), "type": "git",
                   "webhook_token": "t", "source": source})
        })
        .collect();
    let file = json!({"atc_url": "https://ci.example.com", "team": "main", "resources": resources});
    ConcourseConfig::from_json(&file.to_string()).expect("a valid config")
}

/// A push of 20 commits, 5 files each, to one of the repositories.
fn push() -> PushEvent {
    let commits: Vec<Value> = (0..20)
        .map(|c| {
            json!({"added": [format!("docs/page-{c}.md")],
                        "modified": [format!("src/module_{c}/lib.rs"), "README.md", "Cargo.toml"],
                        "removed": [format!("old/{c}.txt")]})
        })
        .collect();
    serde_json::from_value(json!({
        "ref": "refs/heads/main",
        "before": "1111111111111111111111111111111111111111",
        "after": "2222222222222222222222222222222222222222",
        "commits": commits,
        "repository": {"clone_url": "https://github.com/acme/repo-1234.git",
                       "ssh_url": "git@github.com:acme/repo-1234.git", "default_branch": "main"}
    }))
    .expect("a push event")
}

pub fn matching(c: &mut Criterion) {
    let config = config();
    let matcher = GitMatcher::new(&config);
    let push = push();
    let found = matcher.match_push(&push);
    assert_eq!(
        found.matches.len(),
        3,
        "main, paths and ignore_paths resources of repo-1234"
    );
    c.bench_function("match a 20-commit push against 10,000 resources", |b| {
        b.iter(|| matcher.match_push(black_box(&push)))
    });
    c.bench_function("index 10,000 resources (cold start)", |b| {
        b.iter(|| GitMatcher::new(black_box(&config)))
    });
}

pub fn signature(c: &mut Criterion) {
    let body = vec![b'x'; 1024 * 1024];
    let scheme = HmacScheme::github_sha256();
    let header = scheme.sign(b"hookbox-test-secret", &body);
    let secrets = ["retired-secret", "hookbox-test-secret"];
    c.bench_function("verify X-Hub-Signature-256 of a 1 MB body (2 secrets)", |b| {
        b.iter(|| scheme.verify(black_box(&secrets), black_box(&body), Some(&header)))
    });
}
