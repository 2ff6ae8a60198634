//! The path filter against the real `git`: the git resource hands `paths` and `ignore_paths` to
//! `git log -- <paths> :!<ignore_paths>`, so whatever git selects is the truth.
//!
//! A temporary repository gets one commit per file; for many pattern combinations, the commits
//! `git log` lists must be exactly those whose file the filter includes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use hookbox_concourse::pathspec::PathFilter;

const FILES: &[&str] = &[
    "README.md",
    "Makefile",
    "src/main.rs",
    "src/lib/util.rs",
    "srcfoo/a.rs",
    "sr/x",
    "lib/src/x.rs",
    "docs/guide.md",
    "docs/img/logo.png",
    "deep/a/b/c/d.txt",
    "deep/x/d.txt",
    "test/a_test.go",
    "pkg/test/b_test.go",
    "ci/pipeline.yml",
    "a*b",
    "axb",
    "x[",
    "b.go",
    "c",
];

const PATTERNS: &[&str] = &[
    "src",
    "src/",
    "docs",
    "lib",
    "ci/pipeline.yml",
    "*.md",
    "*.rs",
    "src/*.rs",
    "docs/*",
    "sr?",
    "sr?/*",
    "?",
    "*",
    "**/test/*",
    "*/test/*",
    "[abc]*",
    "[!abc]*",
    "[a-c]*.go",
    "a\\*b",
    "a?b",
    "deep/*/d.txt",
    "*/b/*",
    "x[",
    "*_test.go",
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
        .args(["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("git prints UTF-8")
}

/// A repository with one commit per file; returns it and (commit, file) pairs.
fn repository() -> (Repo, Vec<(String, &'static str)>) {
    let dir = std::env::temp_dir().join(format!("hookbox-pathspec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let repo = Repo(dir.clone());
    git(&dir, &["init", "-q", "-b", "main"]);
    let mut commits = Vec::new();
    for file in FILES {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, file).unwrap();
        // `--literal-pathspecs`-free `add` would glob `a*b`; `--` with `:(literal)` adds exactly it.
        git(&dir, &["add", "--", &format!(":(literal){file}")]);
        git(&dir, &["commit", "-q", "-m", file]);
        commits.push((git(&dir, &["rev-parse", "HEAD"]).trim().to_owned(), *file));
    }
    (repo, commits)
}

fn git_selects(dir: &Path, commits: &[(String, &str)], paths: &[&str], ignore: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["log", "--format=%H", "--"];
    let excludes: Vec<String> = ignore.iter().map(|p| format!(":!{p}")).collect();
    args.extend(paths);
    args.extend(excludes.iter().map(String::as_str));
    let listed: BTreeSet<String> = git(dir, &args).lines().map(str::to_owned).collect();
    commits
        .iter()
        .filter(|(sha, _)| listed.contains(sha))
        .map(|(_, file)| file.to_string())
        .collect()
}

fn filter_selects(paths: &[&str], ignore: &[&str]) -> BTreeSet<String> {
    let owned = |list: &[&str]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let filter = PathFilter::new(&owned(paths), &owned(ignore));
    FILES
        .iter()
        .filter(|file| filter.includes(file))
        .map(|file| file.to_string())
        .collect()
}

#[test]
fn the_filter_selects_what_git_log_selects() {
    let (repo, commits) = repository();
    let mut cases: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for pattern in PATTERNS {
        cases.push((vec![pattern], vec![]));
        cases.push((vec![], vec![pattern]));
    }
    for include in PATTERNS {
        for exclude in PATTERNS {
            cases.push((vec![include], vec![exclude]));
        }
    }
    cases.push((vec!["src", "docs"], vec!["*.md", "*.png"]));
    cases.push((vec!["*.rs", "Makefile"], vec!["lib", "srcfoo"]));
    // An anchor, so that a git that selects nothing (or everything) cannot pass unnoticed.
    assert_eq!(
        git_selects(&repo.0, &commits, &["src"], &[]),
        BTreeSet::from(["src/lib/util.rs".to_owned(), "src/main.rs".to_owned()])
    );
    let mut mismatches = Vec::new();
    for (paths, ignore) in &cases {
        let expected = git_selects(&repo.0, &commits, paths, ignore);
        let actual = filter_selects(paths, ignore);
        if expected != actual {
            mismatches.push(format!(
                "paths {paths:?} ignore_paths {ignore:?}: git {expected:?}, filter {actual:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ from git:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
