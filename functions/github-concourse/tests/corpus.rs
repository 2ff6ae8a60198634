//! The corpus of real public pipelines (`crates/hookbox-testkit/pipelines/`) end to end: the real
//! `hookbox concourse-config` writes `concourse.json` from them as a fake ATC serves them, the real
//! github-concourse function runs with that file, and GitHub-shaped push deliveries (the sample
//! delivery of `events/github-push.json` with its repository, ref and commits changed, signed with
//! the webhook secret) must check exactly the resources named here, which is also exactly what
//! `hookbox concourse explain --json` says for the same push and file.

use std::path::Path;

use hookbox_core::signature::HmacScheme;
use hookbox_testkit::hookbox_cli::{Checked, Hookbox};
use hookbox_testkit::workspace_root;
use serde_json::{Value, json};

const FUNCTION: &str = "github-concourse";
const SECRET: &str = "corpus-webhook-secret";

/// One commit of a push: its message and the files it added, modified and removed.
struct Commit<'a> {
    message: &'a str,
    added: &'a [&'a str],
    modified: &'a [&'a str],
    removed: &'a [&'a str],
}

const fn commit<'a>(message: &'a str, modified: &'a [&'a str]) -> Commit<'a> {
    Commit {
        message,
        added: &[],
        modified,
        removed: &[],
    }
}

/// The body of the sample delivery with `repo` (owner/name, whose default branch is
/// `default_branch`), `git_ref` and `commits` in place of its own, every URL and id to match; a tag
/// push lists no commits, as GitHub's does for a tag of an existing commit.
fn push(repo: &str, default_branch: &str, git_ref: &str, commits: &[Commit]) -> Value {
    let sample = sample_delivery();
    let mut body: Value = serde_json::from_str(sample["body"].as_str().expect("the sample has a body"))
        .expect("the sample's body is JSON");
    let (owner, name) = repo.split_once('/').expect("owner/name");
    let html = format!("https://github.com/{repo}");
    let repository = &mut body["repository"];
    repository["name"] = json!(name);
    repository["full_name"] = json!(repo);
    repository["owner"] = json!({"name": owner, "login": owner});
    for field in ["html_url", "url", "svn_url"] {
        repository[field] = json!(html);
    }
    repository["git_url"] = json!(format!("git://github.com/{repo}.git"));
    repository["ssh_url"] = json!(format!("git@github.com:{repo}.git"));
    repository["clone_url"] = json!(format!("{html}.git"));
    repository["default_branch"] = json!(default_branch);
    repository["master_branch"] = json!(default_branch);
    let template = body["commits"][0].clone();
    let listed: Vec<Value> = commits
        .iter()
        .enumerate()
        .map(|(index, commit)| {
            let id = format!("{:040x}", 0xc0ffee00 + index);
            let mut listed = template.clone();
            listed["id"] = json!(id);
            listed["url"] = json!(format!("{html}/commit/{id}"));
            listed["message"] = json!(commit.message);
            listed["added"] = json!(commit.added);
            listed["modified"] = json!(commit.modified);
            listed["removed"] = json!(commit.removed);
            listed
        })
        .collect();
    let before = "51de2b835bd35a67eb32dbcd3d77d4b96e5aa39d";
    let after = listed.last().map_or_else(
        || format!("{:040x}", 0x7a9),
        |last| last["id"].as_str().unwrap_or_default().to_owned(),
    );
    body["ref"] = json!(git_ref);
    body["before"] = json!(before);
    body["after"] = json!(after);
    body["compare"] = json!(format!("{html}/compare/{}...{}", &before[..12], &after[..12]));
    body["head_commit"] = listed.last().cloned().unwrap_or_else(|| {
        let mut head = template.clone();
        head["id"] = json!(after);
        head
    });
    if git_ref.starts_with("refs/tags/") {
        body["base_ref"] = json!(format!("refs/heads/{default_branch}"));
        body["created"] = json!(true);
    }
    body["commits"] = Value::Array(listed);
    body
}

/// `push` as GitHub sends the deletion of its ref: no commits, no head commit, `after` all zeros.
fn deleted(mut push: Value) -> Value {
    push["deleted"] = json!(true);
    push["created"] = json!(false);
    push["after"] = json!("0000000000000000000000000000000000000000");
    push["head_commit"] = Value::Null;
    push["commits"] = json!([]);
    push
}

/// `events/github-push.json`: an HTTP API event of a real GitHub push delivery.
fn sample_delivery() -> Value {
    let path = workspace_root().join("events/github-push.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).expect("the sample is JSON")
}

/// The sample delivery carrying `body`, with the length and signatures GitHub would send for it.
fn delivery(body: &Value) -> Value {
    let body = body.to_string();
    let mut event = sample_delivery();
    let headers = &mut event["headers"];
    headers["content-length"] = json!(body.len().to_string());
    headers["x-hub-signature"] = json!(HmacScheme::github_sha1().sign(SECRET.as_bytes(), body.as_bytes()));
    headers["x-hub-signature-256"] = json!(HmacScheme::github_sha256().sign(SECRET.as_bytes(), body.as_bytes()));
    event["body"] = json!(body);
    event
}

fn pairs(list: &[(&str, &str)]) -> Checked {
    let mut pairs: Vec<_> = list.iter().map(|(p, r)| (p.to_string(), r.to_string())).collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn real_pipelines_check_exactly_the_resources_a_push_concerns() {
    let hookbox = Hookbox::build();
    let generated = hookbox.generate_corpus();
    let stack = generated.start_notifier(
        FUNCTION,
        Path::new(env!("CARGO_BIN_EXE_github-concourse")),
        &[("HOOKBOX_GITHUB_WEBHOOK_SECRETS", SECRET)],
    );

    let app = "acme/app";
    let cases: Vec<(&str, Value, Checked)> = vec![
        // google/kf: master with a change under `paths`, and one outside them.
        (
            "kf: a change under paths",
            push(
                "google/kf",
                "main",
                "refs/heads/master",
                &[
                    commit("Bump Go", &["go.mod"]),
                    commit("Update the CI image", &["docs/kf.dev/ci/concourse/image/Dockerfile"]),
                ],
            ),
            pairs(&[("google-kf-website", "ci-image-src")]),
        ),
        (
            "kf: no change under paths",
            push(
                "google/kf",
                "main",
                "refs/heads/master",
                &[commit(
                    "Fix a flake",
                    &["pkg/kf/apps/client.go", "docs/kf.dev/content/en/docs/_index.md"],
                )],
            ),
            pairs(&[]),
        ),
        (
            "kf: another branch",
            push(
                "google/kf",
                "main",
                "refs/heads/v2.11",
                &[commit(
                    "Update the CI image",
                    &["docs/kf.dev/ci/concourse/image/Dockerfile"],
                )],
            ),
            pairs(&[]),
        ),
        // concourse/*: the release branch of -v release_minor=7.4, and branches nothing tracks.
        (
            "concourse: the release branch",
            push(
                "concourse/concourse",
                "master",
                "refs/heads/release/7.4.x",
                &[commit("Backport the fix", &["atc/api/handler.go"])],
            ),
            pairs(&[("concourse-release", "concourse")]),
        ),
        (
            "concourse: master",
            push(
                "concourse/concourse",
                "master",
                "refs/heads/master",
                &[commit("A feature", &["atc/api/handler.go"])],
            ),
            pairs(&[]),
        ),
        (
            "concourse: an older release",
            push(
                "concourse/concourse",
                "master",
                "refs/heads/release/7.3.x",
                &[commit("Backport the fix", &["atc/api/handler.go"])],
            ),
            pairs(&[]),
        ),
        (
            "concourse/docs: gh-pages",
            push(
                "concourse/docs",
                "master",
                "refs/heads/gh-pages",
                &[commit("Publish", &["index.html"])],
            ),
            pairs(&[("concourse-release", "docs-gh-pages")]),
        ),
        (
            "concourse/docs: v7.4",
            push(
                "concourse/docs",
                "master",
                "refs/heads/v7.4",
                &[commit("Release notes", &["lit/docs.lit"])],
            ),
            pairs(&[("concourse-release", "docs")]),
        ),
        (
            "concourse-bosh-release: the release branch",
            push(
                "concourse/concourse-bosh-release",
                "master",
                "refs/heads/release/7.4.x",
                &[commit("Bump", &["jobs/web/spec"])],
            ),
            pairs(&[("concourse-release", "concourse-release-repo")]),
        ),
        (
            "concourse-bosh-deployment: the release branch",
            push(
                "concourse/concourse-bosh-deployment",
                "master",
                "refs/heads/release/7.4.x",
                &[commit("Bump", &["cluster/concourse.yml"])],
            ),
            pairs(&[("concourse-release", "cbd")]),
        ),
        (
            "helm/charts: master, all commits skipped",
            push(
                "helm/charts",
                "master",
                "refs/heads/master",
                &[
                    commit("Tidy [ci skip]", &["README.md"]),
                    commit("[skip ci] typo", &["stable/x/Chart.yaml"]),
                ],
            ),
            pairs(&[]),
        ),
        (
            "helm/charts: master",
            push(
                "helm/charts",
                "master",
                "refs/heads/master",
                &[
                    commit("Tidy [ci skip]", &["README.md"]),
                    commit("New chart", &["stable/x/Chart.yaml"]),
                ],
            ),
            pairs(&[("concourse-release", "charts")]),
        ),
        // ((branch)) left to the ATC: any branch.
        (
            "bosh: a var branch takes any branch",
            push(
                "cloudfoundry/bosh",
                "main",
                "refs/heads/some-feature",
                &[commit("Compile releases", &["src/bosh-director/lib/x.rb"])],
            ),
            pairs(&[("cloudfoundry-bosh-compiled-releases", "bosh-src")]),
        ),
        (
            "bosh: every commit skipped",
            push(
                "cloudfoundry/bosh",
                "main",
                "refs/heads/main",
                &[commit("Tidy [ci skip]", &["README.md"])],
            ),
            pairs(&[]),
        ),
        (
            "logstash: a var branch takes any branch",
            push(
                "18F/cg-deploy-s3-logstash",
                "master",
                "refs/heads/staging",
                &[commit("Pin logstash", &["Dockerfile"])],
            ),
            pairs(&[("18f-cg-deploy-s3-logstash", "cg-deploy-s3-logstash")]),
        ),
        (
            "logstash: a tag, which a branch resource does not track",
            push("18F/cg-deploy-s3-logstash", "master", "refs/tags/v1.0.0", &[]),
            pairs(&[]),
        ),
        // alphagov/paas-cf: tag_filter ((paas_cf_tag_filter)) takes any tag, and the check lists the
        // tags merged into branch ((branch_name)), which any push may do; a deleted branch makes nothing.
        (
            "paas-cf: a tag against a var tag_filter",
            push("alphagov/paas-cf", "main", "refs/tags/v0.2.0", &[]),
            pairs(&[("alphagov-paas-cf", "paas-cf")]),
        ),
        (
            "paas-cf: a branch push may merge a tagged commit into the var branch",
            push(
                "alphagov/paas-cf",
                "main",
                "refs/heads/main",
                &[commit("Bump CF", &["manifests/cf.yml"])],
            ),
            pairs(&[("alphagov-paas-cf", "paas-cf")]),
        ),
        (
            "paas-cf: a deleted branch",
            deleted(push("alphagov/paas-cf", "main", "refs/heads/old-release", &[])),
            pairs(&[]),
        ),
        // acme/app (the synthetic pipeline): paths, ignore_paths, disable_ci_skip. app-docs and app-ci
        // write theirs as one string, on which git-resource's check fails: the generator writes them
        // without the filter, so every push to main that is not skipped checks them.
        (
            "app: a source change",
            push(
                app,
                "main",
                "refs/heads/main",
                &[commit("Fix the parser", &["src/parse.rs"])],
            ),
            pairs(&[
                ("hookbox-synthetic", "app-src"),
                ("hookbox-synthetic", "app-docs"),
                ("hookbox-synthetic", "app-ci"),
            ]),
        ),
        (
            "app: only ignored paths under src",
            push(
                app,
                "main",
                "refs/heads/main",
                &[Commit {
                    message: "Document the parser",
                    added: &["src/parse/README.md"],
                    modified: &[],
                    removed: &["src/parse/old.md"],
                }],
            ),
            pairs(&[("hookbox-synthetic", "app-docs"), ("hookbox-synthetic", "app-ci")]),
        ),
        (
            // Without `:(glob)`, git's pathspec `*` spans slashes but `**` is no more than `*`:
            // src/**/*.md wants a slash after src/ and one more, so src/CHANGES.md is not ignored.
            "app: a file src/**/*.md does not reach",
            push(
                app,
                "main",
                "refs/heads/main",
                &[commit("Changelog", &["src/CHANGES.md"])],
            ),
            pairs(&[
                ("hookbox-synthetic", "app-src"),
                ("hookbox-synthetic", "app-docs"),
                ("hookbox-synthetic", "app-ci"),
            ]),
        ),
        (
            "app: everything skipped, but app-docs disables ci skip",
            push(
                app,
                "main",
                "refs/heads/main",
                &[
                    commit("Bump [ci skip]", &["Cargo.toml"]),
                    commit("[skip ci] tidy", &["ci/build.sh"]),
                ],
            ),
            pairs(&[("hookbox-synthetic", "app-docs")]),
        ),
        (
            "app: outside src",
            push(app, "main", "refs/heads/main", &[commit("CI", &["ci/build.sh"])]),
            pairs(&[("hookbox-synthetic", "app-docs"), ("hookbox-synthetic", "app-ci")]),
        ),
        (
            "app: another branch",
            push(app, "main", "refs/heads/feature/x", &[commit("WIP", &["src/parse.rs"])]),
            pairs(&[]),
        ),
        (
            "a repository nothing watches",
            push(
                "acme/other",
                "main",
                "refs/heads/main",
                &[commit("Hello", &["src/parse.rs"])],
            ),
            pairs(&[]),
        ),
    ];

    let mut everything_checked = Vec::new();
    for (name, body, expected) in &cases {
        assert_eq!(
            &hookbox.explain_checked(&generated.file, body),
            expected,
            "{name}: hookbox concourse explain"
        );
        stack.atc.clear();
        let (status, answer) = stack.invoke_http(&delivery(body)).await;
        assert_eq!(status, 200, "{name}: {answer}");
        generated.assert_checks(&stack, expected, &format!("{name}: {answer}"));
        everything_checked.extend(expected.iter().cloned());
    }
    // The pushes reach every git resource the generator wrote: none is matched by nothing.
    everything_checked.sort();
    everything_checked.dedup();
    assert_eq!(
        everything_checked,
        generated.resources_of("git"),
        "{}",
        generated.summary
    );
}
