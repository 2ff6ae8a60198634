//! Which git resources a GitHub push concerns.
//!
//! The resources are indexed by the normalised URL of their repository, so a push looks up its
//! repository once and then only weighs the few resources that watch it: a config of 10,000 resources
//! matches in microseconds (`cargo bench -p hookbox-bench`).
//!
//! Deliberate choices, all on the side of a spare check (cheap) over a missed build (not):
//! - a branch push concerns resources on that branch; a resource without `branch` follows the
//!   repository's default branch, and when the payload does not name it, any branch;
//! - a tag push concerns only resources that track tags (`tag_filter`, `tag_regex`), whatever their
//!   paths, and a branch push only the others;
//! - a branch deletion concerns nothing: there is no new version to find;
//! - a path filter is applied to the files of the listed commits, unless the delivery may not list
//!   every change (no commits listed, too many commits, forced push, new branch): then it is checked.

use std::collections::HashMap;

use serde::Serialize;

use crate::config::{ConcourseConfig, Source};
use crate::pathspec::PathFilter;
use crate::push::{PushEvent, PushedRef};
use crate::repo_url;

/// The git resources of a configuration, indexed for pushes.
#[derive(Debug, Default)]
pub struct GitMatcher {
    by_repo: HashMap<String, Vec<Watcher>>,
}

/// One git resource as the matcher needs it.
#[derive(Debug)]
struct Watcher {
    /// Index of the resource in the configuration.
    resource: usize,
    branch: Option<String>,
    filter: PathFilter,
    tracks_tags: bool,
}

/// Why a resource is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum MatchReason {
    /// The resource has no path filter, or a listed change passes it.
    Changed,
    /// The delivery may not list every change, so the path filter could not rule the push out.
    UnknownChanges(&'static str),
    /// A tag was pushed and the resource tracks tags.
    Tag,
}

/// The outcome of matching one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMatch {
    /// `(resource index, reason)`, in configuration order.
    pub matches: Vec<(usize, MatchReason)>,
    /// Why nothing can match, when the push itself rules every resource out.
    pub note: Option<&'static str>,
}

impl GitMatcher {
    /// Indexes the git resources of `config` whose `uri` names a repository.
    pub fn new(config: &ConcourseConfig) -> Self {
        let mut by_repo: HashMap<String, Vec<Watcher>> = HashMap::new();
        for (index, resource) in config.resources.iter().enumerate() {
            let Source::Git(source) = &resource.source else {
                continue;
            };
            let Some(key) = repo_url::normalize(&source.uri) else {
                tracing::warn!(
                    pipeline = %resource.pipeline,
                    resource = %resource.name,
                    uri = %source.uri,
                    "the uri names no repository; pushes will not match this resource"
                );
                continue;
            };
            by_repo.entry(key).or_default().push(Watcher {
                resource: index,
                branch: source.branch.clone(),
                filter: PathFilter::new(&source.paths, &source.ignore_paths),
                tracks_tags: source.tracks_tags,
            });
        }
        Self { by_repo }
    }

    /// How many resources the index holds.
    pub fn len(&self) -> usize {
        self.by_repo.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_repo.is_empty()
    }

    /// The resources `push` concerns.
    pub fn match_push(&self, push: &PushEvent) -> PushMatch {
        let nothing = |note| PushMatch {
            matches: Vec::new(),
            note: Some(note),
        };
        if push.is_deletion() {
            return nothing("a deleted ref has no new version to check");
        }
        let pushed = push.pushed_ref();
        if pushed == PushedRef::Other {
            return nothing("only branches and tags are tracked");
        }
        let mut keys: Vec<String> = push.repository_urls().filter_map(repo_url::normalize).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut matches: Vec<(usize, MatchReason)> = keys
            .iter()
            .filter_map(|key| self.by_repo.get(key))
            .flatten()
            .filter_map(|watcher| watcher.reason(push, pushed).map(|r| (watcher.resource, r)))
            .collect();
        // Each resource sits under one key, so none repeats; when the payload's URLs give several
        // keys (an enterprise host with a separate SSH name), restore configuration order.
        matches.sort_unstable_by_key(|(resource, _)| *resource);
        let note = match (&matches[..], keys.iter().any(|key| self.by_repo.contains_key(key))) {
            (_, false) => Some("no resource watches this repository"),
            ([], true) => Some("no resource of this repository watches this ref and these paths"),
            _ => None,
        };
        PushMatch { matches, note }
    }
}

impl Watcher {
    fn reason(&self, push: &PushEvent, pushed: PushedRef<'_>) -> Option<MatchReason> {
        match pushed {
            PushedRef::Tag(_) => self.tracks_tags.then_some(MatchReason::Tag),
            PushedRef::Other => None,
            // A resource that tracks tags finds no version in branch commits.
            PushedRef::Branch(_) if self.tracks_tags => None,
            PushedRef::Branch(branch) => {
                let tracked = self.branch.as_deref().or(push.default_branch());
                if tracked.is_some_and(|tracked| tracked != branch) {
                    return None;
                }
                if self.filter.is_open() {
                    return Some(MatchReason::Changed);
                }
                if let Some(why) = push.unknown_changes() {
                    return Some(MatchReason::UnknownChanges(why));
                }
                push.changed_files()
                    .any(|file| self.filter.includes(file))
                    .then_some(MatchReason::Changed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn config(resources: Value) -> ConcourseConfig {
        ConcourseConfig::from_json(
            &json!({"atc_url": "https://ci", "team": "main", "auth": "bearer", "resources": resources}).to_string(),
        )
        .unwrap()
    }

    fn git(name: &str, source: Value) -> Value {
        json!({"pipeline": "p", "resource": name, "type": "git", "source": source})
    }

    fn push(git_ref: &str, files: &[&str], extra: Value) -> PushEvent {
        let mut event = json!({
            "ref": git_ref,
            "before": "1111111111111111111111111111111111111111",
            "after": "2222222222222222222222222222222222222222",
            "commits": [{"added": [], "modified": files, "removed": []}],
            "repository": {"clone_url": "https://github.com/Acme/App.git",
                           "ssh_url": "git@github.com:Acme/App.git", "default_branch": "main"}
        });
        for (key, value) in extra.as_object().unwrap() {
            event[key] = value.clone();
        }
        serde_json::from_value(event).unwrap()
    }

    fn names(config: &ConcourseConfig, found: &PushMatch) -> Vec<String> {
        found
            .matches
            .iter()
            .map(|(i, _)| config.resources[*i].name.clone())
            .collect()
    }

    fn setup() -> (ConcourseConfig, GitMatcher) {
        let config = config(json!([
            git("main", json!({"uri": "git@github.com:acme/app", "branch": "main"})),
            git("default", json!({"uri": "https://github.com/acme/app"})),
            git("dev", json!({"uri": "https://github.com/acme/app.git", "branch": "dev"})),
            git("src", json!({"uri": "https://github.com/acme/app", "branch": "main", "paths": ["src"]})),
            git("no-docs", json!({"uri": "https://github.com/acme/app", "branch": "main", "ignore_paths": ["docs", "*.md"]})),
            git("tags", json!({"uri": "https://github.com/acme/app", "tag_filter": "v*"})),
            git("other-repo", json!({"uri": "https://github.com/acme/other", "branch": "main"})),
            {"pipeline": "p", "resource": "bucket", "type": "s3", "source": {"bucket": "b", "regexp": "x"}},
        ]));
        let matcher = GitMatcher::new(&config);
        (config, matcher)
    }

    #[test]
    fn a_branch_push_checks_the_resources_of_that_repository_branch_and_paths() {
        let (config, matcher) = setup();
        let found = matcher.match_push(&push("refs/heads/main", &["src/lib.rs"], json!({})));
        assert_eq!(names(&config, &found), ["main", "default", "src", "no-docs"]);
        let found = matcher.match_push(&push("refs/heads/main", &["docs/guide.md", "README.md"], json!({})));
        assert_eq!(names(&config, &found), ["main", "default"]);
        let found = matcher.match_push(&push("refs/heads/dev", &["src/lib.rs"], json!({})));
        assert_eq!(names(&config, &found), ["dev"]);
        let found = matcher.match_push(&push("refs/heads/feature", &["src/lib.rs"], json!({})));
        assert!(found.matches.is_empty());
        assert!(found.note.unwrap().contains("no resource of this repository"));
    }

    #[test]
    fn a_resource_without_branch_follows_any_branch_when_the_default_is_unknown() {
        let (config, matcher) = setup();
        let mut event = push("refs/heads/feature", &["x"], json!({}));
        event.repository.default_branch = None;
        assert_eq!(names(&config, &matcher.match_push(&event)), ["default"]);
    }

    #[test]
    fn other_repositories_match_nothing() {
        let (_, matcher) = setup();
        let event = push(
            "refs/heads/main",
            &["src/a"],
            json!({"repository": {"clone_url": "https://github.com/acme/nope"}}),
        );
        let found = matcher.match_push(&event);
        assert!(found.matches.is_empty());
        assert_eq!(found.note, Some("no resource watches this repository"));
    }

    #[test]
    fn tags_deletions_and_other_refs_are_handled_deliberately() {
        let (config, matcher) = setup();
        let found = matcher.match_push(&push("refs/tags/v1.0", &[], json!({"commits": []})));
        assert_eq!(names(&config, &found), ["tags"]);
        assert_eq!(found.matches[0].1, MatchReason::Tag);
        let deletion = push(
            "refs/heads/main",
            &[],
            json!({"deleted": true, "after": "0000000000000000000000000000000000000000", "commits": []}),
        );
        let found = matcher.match_push(&deletion);
        assert!(found.matches.is_empty() && found.note.unwrap().contains("deleted"));
        assert!(
            matcher
                .match_push(&push("refs/notes/x", &["src/a"], json!({})))
                .matches
                .is_empty()
        );
    }

    #[test]
    fn unknown_changes_check_path_filtered_resources_anyway() {
        let (config, matcher) = setup();
        for extra in [
            json!({"commits": []}),
            json!({"forced": true}),
            json!({"created": true}),
            json!({"commits": vec![json!({"modified": ["docs/a.md"]}); crate::push::GITHUB_MAX_LISTED_COMMITS]}),
        ] {
            let found = matcher.match_push(&push("refs/heads/main", &["docs/a.md"], extra.clone()));
            assert_eq!(names(&config, &found), ["main", "default", "src", "no-docs"], "{extra}");
            assert!(matches!(found.matches[2].1, MatchReason::UnknownChanges(_)), "{extra}");
        }
    }

    #[test]
    fn ten_thousand_resources_are_indexed() {
        let resources: Vec<Value> = (0..10_000)
            .map(|i| {
                git(
                    &format!("r{i}"),
                    json!({"uri": format!("https://github.com/acme/repo{}", i % 2500), "branch": "main"}),
                )
            })
            .collect();
        let config = config(Value::Array(resources));
        let matcher = GitMatcher::new(&config);
        assert_eq!(matcher.len(), 10_000);
        let event = push(
            "refs/heads/main",
            &["a"],
            json!({"repository": {"clone_url": "https://github.com/acme/repo7"}}),
        );
        assert_eq!(
            names(&config, &matcher.match_push(&event)),
            ["r7", "r2507", "r5007", "r7507"]
        );
    }
}
