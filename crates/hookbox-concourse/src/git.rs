//! Which git resources a GitHub push concerns, and why each one does or does not.
//!
//! The resources are indexed by the key of their repository ([`repo_url`]), so a push looks up its
//! repository once and then only weighs the few resources that watch it: a config of 10,000 resources
//! matches in microseconds (`cargo bench -p hookbox-bench`). [`GitMatcher::weigh`] is the one rule,
//! used by [`GitMatcher::match_push`] for the notifier and by [`crate::explain`] for `hookbox concourse
//! explain`, so the two never disagree.
//!
//! The rule follows the git resource's own check, erring towards a spare check (cheap) over a missed
//! build (a pipeline that waits for its next poll):
//! - a branch push concerns resources on that branch (`branch`; without it the repository's default
//!   branch, or any branch when the payload does not name it); a tag push concerns only resources that
//!   track tags and whose `tag_filter` or `tag_regex` ([`crate::tags`]) takes the tag, whatever their
//!   paths; a resource that tracks tags and has a `branch` lists only the tags merged into that branch,
//!   so a push to it may merge a tagged commit and concerns it too; a deleted ref concerns nothing:
//!   there is no new version to find;
//! - of a branch push, some listed commit must both pass the path filter ([`PathFilter`]) and not be
//!   skipped for `[ci skip]` ([`crate::ci_skip`], unless `disable_ci_skip`), because the check filters
//!   commits by both; a commit that lists no files (a merge, say) passes the path filter;
//! - when the delivery may not list every new commit (none listed, too many, forced push, new
//!   branch), the commits cannot rule the push out, and the resource is checked;
//! - a `((var))` in `branch`, `tag_filter` or `tag_regex` is the ATC's to resolve at check time: the
//!   field matches anything. A var in `uri` cannot be matched: the resource never is, and says so.

use std::collections::HashMap;

use serde::Serialize;

use crate::ci_skip;
use crate::config::{ConcourseConfig, GitSource, Source};
use crate::pathspec::{PathFilter, PathVerdict};
use crate::push::{PushEvent, PushedRef};
use crate::repo_url;
use crate::tags::TagRule;
use crate::vars;

/// The git resources of a configuration, indexed for pushes.
#[derive(Debug, Default)]
pub struct GitMatcher {
    by_repo: HashMap<String, Vec<Watcher>>,
    /// Per resource of the config: where it is indexed (repository key, position), or why it is not.
    placement: Vec<Placement>,
}

#[derive(Debug)]
enum Placement {
    Indexed {
        key: String,
        position: usize,
    },
    /// A git resource no push can match, with why.
    Unmatchable(String),
    NotGit,
}

/// One git resource as the matcher needs it.
#[derive(Debug)]
struct Watcher {
    /// Index of the resource in the configuration.
    resource: usize,
    branch: BranchRule,
    tags: Option<TagRule>,
    filter: PathFilter,
    ci_skip: bool,
}

/// How much of the why a verdict carries: every commit and file (explain), or only what decides
/// (the notifier). Both come from the same steps, so they decide alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Decision,
}

#[derive(Debug)]
enum BranchRule {
    Named(String),
    /// `branch` holds a var: any branch, with this reason.
    Var(String),
    /// No `branch`: the repository's default branch.
    Default,
}

/// Why a resource is checked: the kind of rule that let it through, and the rule in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchReason {
    pub reason: MatchKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// A listed commit passes the path filter and is not skipped.
    Changed,
    /// The delivery may not list every change, so its commits could not rule the push out.
    UnknownChanges,
    /// A tag the resource tracks was pushed.
    Tag,
}

impl MatchKind {
    /// The name the notifier's answer and log lines use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Changed => "changed",
            Self::UnknownChanges => "unknown_changes",
            Self::Tag => "tag",
        }
    }
}

/// How one git resource weighs one push: whether it is checked, and every step of why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitVerdict {
    /// Set when the resource is checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<MatchKind>,
    /// The deciding step, in words.
    pub reason: String,
    /// The ref rule: the pushed branch or tag against what the resource tracks.
    #[serde(rename = "ref")]
    pub ref_rule: String,
    /// Fields whose `((var))` made them match anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vars: Vec<String>,
    /// Why the push could not be ruled out though its commits might have, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conservative: Option<String>,
    /// Each listed commit: skipped or not, and each file's path verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<CommitVerdict>,
}

/// One listed commit as a resource sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitVerdict {
    pub id: String,
    /// The `[ci skip]` marker that makes the resource's check drop the commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Whether the commit makes a new version: not skipped, and a file (or no file listed) passes.
    pub counts: bool,
    pub files: Vec<FileVerdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileVerdict {
    pub path: String,
    #[serde(flatten)]
    pub verdict: PathVerdict,
}

impl GitVerdict {
    fn not(ref_rule: String, reason: impl Into<String>) -> Self {
        Self {
            matched: None,
            reason: reason.into(),
            ref_rule,
            vars: Vec::new(),
            conservative: None,
            commits: Vec::new(),
        }
    }
}

/// The outcome of matching one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMatch {
    /// `(resource index, reason)`, in configuration order.
    pub matches: Vec<(usize, MatchReason)>,
    /// The other resources of the pushed repository, each with why it is not checked.
    pub skipped: Vec<(usize, String)>,
    /// Why nothing matched, when nothing did.
    pub note: Option<&'static str>,
}

/// Why a push concerns no resource at all, before any resource is weighed.
pub fn push_note(push: &PushEvent) -> Option<&'static str> {
    if push.is_deletion() {
        Some("a deleted ref has no new version to check")
    } else if push.pushed_ref() == PushedRef::Other {
        Some("only branches and tags are tracked")
    } else {
        None
    }
}

impl GitMatcher {
    /// Indexes the git resources of `config` whose `uri` names a repository.
    pub fn new(config: &ConcourseConfig) -> Self {
        let mut by_repo: HashMap<String, Vec<Watcher>> = HashMap::new();
        let mut placement = Vec::with_capacity(config.resources.len());
        for (index, resource) in config.resources.iter().enumerate() {
            let Source::Git(source) = &resource.source else {
                placement.push(Placement::NotGit);
                continue;
            };
            let Some(key) = repo_url::normalize(&source.uri) else {
                let why = match vars::first(&source.uri) {
                    Some(name) => format!(
                        "uri contains (({name})), which only the ATC resolves: pushes never match this resource \
                         (write its value into concourse.json)"
                    ),
                    None => format!(
                        "uri {:?} names no repository: pushes never match this resource",
                        source.uri
                    ),
                };
                tracing::warn!(pipeline = %resource.pipeline, resource = %resource.name, uri = %source.uri, "{why}");
                placement.push(Placement::Unmatchable(why));
                continue;
            };
            let watchers = by_repo.entry(key.clone()).or_default();
            placement.push(Placement::Indexed {
                key,
                position: watchers.len(),
            });
            watchers.push(Watcher::new(index, source));
        }
        Self { by_repo, placement }
    }

    /// How many resources the index holds.
    pub fn len(&self) -> usize {
        self.by_repo.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_repo.is_empty()
    }

    /// The resources `push` concerns, each with why, in configuration order.
    pub fn match_push(&self, push: &PushEvent) -> PushMatch {
        if let Some(note) = push_note(push) {
            return PushMatch {
                matches: Vec::new(),
                skipped: Vec::new(),
                note: Some(note),
            };
        }
        let keys = push.repository_keys();
        let mut matches: Vec<(usize, MatchReason)> = Vec::new();
        let mut skipped: Vec<(usize, String)> = Vec::new();
        for watcher in keys.iter().filter_map(|key| self.by_repo.get(key)).flatten() {
            let verdict = watcher.weigh(push, Detail::Decision);
            match verdict.matched {
                Some(reason) => matches.push((
                    watcher.resource,
                    MatchReason {
                        reason,
                        detail: verdict.reason,
                    },
                )),
                None => skipped.push((watcher.resource, verdict.reason)),
            }
        }
        // Each resource sits under one key, so none repeats; when the payload's URLs give several
        // keys (an enterprise host with a separate SSH name), restore configuration order.
        matches.sort_unstable_by_key(|(resource, _)| *resource);
        let note = match (&matches[..], keys.iter().any(|key| self.by_repo.contains_key(key))) {
            (_, false) => Some("no resource watches this repository"),
            ([], true) => Some("no resource of this repository watches this ref and these changes"),
            _ => None,
        };
        skipped.sort_unstable_by_key(|(resource, _)| *resource);
        PushMatch { matches, skipped, note }
    }

    /// How the resource at `index` of the config weighs `push`; `None` when it is no git resource.
    /// `keys` are the push's [`PushEvent::repository_keys`].
    pub fn weigh(&self, index: usize, push: &PushEvent, keys: &[String]) -> Option<GitVerdict> {
        let (key, position) = match self.placement.get(index)? {
            Placement::NotGit => return None,
            Placement::Unmatchable(why) => return Some(GitVerdict::not(String::new(), why.clone())),
            Placement::Indexed { key, position } => (key, *position),
        };
        if !keys.contains(key) {
            return Some(GitVerdict::not(
                String::new(),
                format!("watches {key}; the push is to {}", keys.join(", ")),
            ));
        }
        Some(self.by_repo[key][position].weigh(push, Detail::Full))
    }
}

impl Watcher {
    fn new(resource: usize, source: &GitSource) -> Self {
        let branch = match source.branch.as_deref().map(|branch| branch.trim_start_matches(' ')) {
            None => BranchRule::Default,
            Some(branch) => match vars::resolved_at_check("branch", branch) {
                Some(why) => BranchRule::Var(why),
                None => BranchRule::Named(branch.to_owned()),
            },
        };
        let filter = PathFilter::new(&source.paths, &source.ignore_paths);
        Self {
            resource,
            branch,
            tags: TagRule::new(source.tag_filter.as_deref(), source.tag_regex.as_deref()),
            ci_skip: !source.disable_ci_skip && filter.ci_skip_runs(),
            filter,
        }
    }

    fn weigh(&self, push: &PushEvent, detail: Detail) -> GitVerdict {
        if let Some(note) = push_note(push) {
            return GitVerdict::not(push.git_ref.clone(), note);
        }
        match push.pushed_ref() {
            PushedRef::Tag(tag) => self.weigh_tag(tag),
            PushedRef::Branch(branch) => self.weigh_branch(push, branch, detail),
            PushedRef::Other => GitVerdict::not(push.git_ref.clone(), "only branches and tags are tracked"),
        }
    }

    fn weigh_tag(&self, tag: &str) -> GitVerdict {
        let Some(rule) = &self.tags else {
            return GitVerdict::not(
                format!("tag {tag}"),
                "a tag was pushed; the resource tracks branch commits, not tags",
            );
        };
        let verdict = rule.verdict(tag);
        let mut result = GitVerdict::not(verdict.why.clone(), verdict.why.clone());
        if !verdict.matches {
            return result;
        }
        result.vars.extend(verdict.var);
        result.matched = Some(MatchKind::Tag);
        // The check also requires the tagged commit to be on `branch` and to pass the path and
        // `[ci skip]` filters; a tag push does not show enough of its history to rule it out.
        if matches!(self.branch, BranchRule::Named(_) | BranchRule::Var(_)) || !self.filter.is_open() || self.ci_skip {
            result.conservative = Some(
                "a tag push does not show whether the tagged commit is on the branch and passes paths and [ci skip]"
                    .to_owned(),
            );
        }
        result
    }

    /// A branch push makes no tag, but the check of a tag resource with a `branch` lists only the tags
    /// merged into it (`git tag --contains <version> --merged <branch>`): a push that merges a commit
    /// already tagged makes that tag a new version, and the delivery does not say which pushed
    /// commits carry tags. Without `branch` the check lists tags wherever they are, so a branch push
    /// changes nothing.
    fn weigh_branch_of_tags(&self, branch: &str) -> GitVerdict {
        let ref_rule = format!("branch {branch}");
        let var = match &self.branch {
            BranchRule::Named(tracked) if tracked == branch => None,
            BranchRule::Var(why) => Some(why.clone()),
            BranchRule::Named(_) | BranchRule::Default => {
                return GitVerdict::not(
                    ref_rule,
                    "a branch was pushed; the resource tracks tags (tag_filter or tag_regex) merged into another \
                     branch or on any, which this push does not make",
                );
            }
        };
        let why = format!(
            "the resource tracks tags merged into branch {branch}, and a push may merge a commit already tagged"
        );
        GitVerdict {
            matched: Some(MatchKind::UnknownChanges),
            reason: format!("{why}: the listed commits cannot rule the push out"),
            ref_rule,
            vars: var.into_iter().collect(),
            conservative: Some(why),
            commits: Vec::new(),
        }
    }

    fn weigh_branch(&self, push: &PushEvent, branch: &str, detail: Detail) -> GitVerdict {
        if self.tags.is_some() {
            return self.weigh_branch_of_tags(branch);
        }
        let mut vars = Vec::new();
        let mut conservative = None;
        let ref_rule = match &self.branch {
            BranchRule::Var(why) => {
                vars.push(why.clone());
                format!("branch {branch}: {why}")
            }
            BranchRule::Named(tracked) if tracked == branch => format!("branch {branch} is the resource's branch"),
            BranchRule::Named(tracked) => {
                return GitVerdict::not(
                    format!("branch {branch}"),
                    format!("branch {branch} was pushed; the resource tracks {tracked}"),
                );
            }
            BranchRule::Default => match push.default_branch() {
                Some(default) if default == branch => {
                    format!("branch {branch} is the default branch, which the resource tracks")
                }
                Some(default) => {
                    return GitVerdict::not(
                        format!("branch {branch}"),
                        format!("branch {branch} was pushed; the resource tracks the default branch, {default}"),
                    );
                }
                None => {
                    conservative = Some("the payload names no default branch, so any branch may be it".to_owned());
                    format!("branch {branch} may be the default branch")
                }
            },
        };
        let mut verdict = GitVerdict {
            matched: None,
            reason: String::new(),
            ref_rule,
            vars,
            conservative,
            commits: Vec::new(),
        };
        let unknown = push.unknown_changes();
        let (deciding, skipped) = match detail {
            Detail::Full => {
                verdict.commits = push.commits.iter().map(|commit| self.commit_verdict(commit)).collect();
                let deciding = verdict
                    .commits
                    .iter()
                    .find(|commit| commit.counts)
                    .map(|commit| Deciding {
                        id: commit.id.clone(),
                        file: commit.files.iter().find(|file| file.verdict.counts()).cloned(),
                    });
                let skipped = verdict.commits.iter().filter(|commit| commit.skipped.is_some()).count();
                (deciding, skipped)
            }
            // The notifier needs only the first commit that counts and its first file that does (and
            // nothing when the commits cannot decide): no verdict for every file of every commit.
            Detail::Decision if unknown.is_some() => (None, 0),
            Detail::Decision => {
                let mut skipped = 0;
                let mut deciding = None;
                for commit in &push.commits {
                    if self.skip_marker(commit).is_some() {
                        skipped += 1;
                        continue;
                    }
                    deciding = self.deciding(commit);
                    if deciding.is_some() {
                        break;
                    }
                }
                (deciding, skipped)
            }
        };
        if let Some(why) = unknown {
            verdict.matched = Some(MatchKind::UnknownChanges);
            verdict.reason = format!("{why}: the listed commits cannot rule the push out");
            verdict.conservative = Some(why.to_owned());
            return verdict;
        }
        match deciding {
            Some(Deciding { id, file }) => {
                verdict.matched = Some(MatchKind::Changed);
                verdict.reason = match file {
                    Some(file) => match &file.verdict {
                        PathVerdict::Included { pattern } => {
                            format!("{} changes {} (paths: {pattern})", short(&id), file.path)
                        }
                        PathVerdict::Conservative { reason } => {
                            format!("{} changes {} ({reason})", short(&id), file.path)
                        }
                        _ => format!("{} changes {}", short(&id), file.path),
                    },
                    None => format!("{} is a new commit", short(&id)),
                };
            }
            None => {
                verdict.reason = if skipped == push.commits.len() {
                    "every new commit is marked [ci skip] or [skip ci]".to_owned()
                } else if skipped > 0 {
                    format!("{skipped} new commits are marked [ci skip] and no other changes a file the paths take")
                } else {
                    "no changed file passes paths and ignore_paths".to_owned()
                };
            }
        }
        verdict
    }

    /// The `[ci skip]` marker of a commit, when the resource skips such commits.
    fn skip_marker<'a>(&self, commit: &'a crate::push::Commit) -> Option<&'a str> {
        self.ci_skip.then(|| ci_skip::marker(&commit.message)).flatten()
    }

    /// A commit that is not skipped, as the reason of a match names it, when it makes a new version:
    /// it lists no files (a merge, say, may still have changed the paths) or a file that passes the
    /// path filter, the first of which it names. [`Watcher::commit_verdict`] says the same with every
    /// file's verdict.
    fn deciding(&self, commit: &crate::push::Commit) -> Option<Deciding> {
        let mut files = commit.files().peekable();
        let file = match files.peek() {
            None => None,
            Some(_) => {
                let path = files.find(|path| self.filter.includes(path))?;
                Some(FileVerdict {
                    path: path.to_owned(),
                    verdict: self.filter.verdict(path),
                })
            }
        };
        Some(Deciding {
            id: commit.id.clone(),
            file,
        })
    }

    fn commit_verdict(&self, commit: &crate::push::Commit) -> CommitVerdict {
        let skipped = self.skip_marker(commit).map(str::to_owned);
        let files: Vec<FileVerdict> = commit
            .files()
            .map(|path| FileVerdict {
                path: path.to_owned(),
                verdict: self.filter.verdict(path),
            })
            .collect();
        let passes = files.is_empty() || files.iter().any(|file| file.verdict.counts());
        CommitVerdict {
            id: commit.id.clone(),
            counts: skipped.is_none() && passes,
            skipped,
            files,
        }
    }
}

/// The first listed commit that makes a new version, and its first file that counts (none when the
/// commit lists no files): what the reason of a match names.
struct Deciding {
    id: String,
    file: Option<FileVerdict>,
}

/// A commit id as people read it.
fn short(id: &str) -> &str {
    if id.is_empty() {
        "a commit"
    } else {
        id.get(..7).unwrap_or(id)
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
    fn a_push_to_the_branch_of_a_tag_resource_may_merge_a_tag_into_it() {
        let config = config(json!([
            git(
                "main-tags",
                json!({"uri": "https://github.com/acme/app", "branch": "main", "tag_filter": "v*"})
            ),
            git(
                "any-branch-tags",
                json!({"uri": "https://github.com/acme/app", "branch": "((b))", "tag_regex": "v.*"})
            ),
            git(
                "tags",
                json!({"uri": "https://github.com/acme/app", "tag_filter": "v*"})
            ),
        ]));
        let matcher = GitMatcher::new(&config);
        let found = matcher.match_push(&push("refs/heads/main", &["src/lib.rs"], json!({})));
        assert_eq!(names(&config, &found), ["main-tags", "any-branch-tags"]);
        assert!(
            found
                .matches
                .iter()
                .all(|(_, why)| why.reason == MatchKind::UnknownChanges)
        );
        let found = matcher.match_push(&push("refs/heads/dev", &["src/lib.rs"], json!({})));
        assert_eq!(names(&config, &found), ["any-branch-tags"]);
    }

    #[test]
    fn tags_deletions_and_other_refs_are_handled_deliberately() {
        let (config, matcher) = setup();
        let found = matcher.match_push(&push("refs/tags/v1.0", &[], json!({"commits": []})));
        assert_eq!(names(&config, &found), ["tags"]);
        assert_eq!(found.matches[0].1.reason, MatchKind::Tag);
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
            assert_eq!(found.matches[2].1.reason, MatchKind::UnknownChanges, "{extra}");
        }
    }

    #[test]
    fn a_commit_counts_when_it_passes_the_paths_and_is_not_skipped() {
        let config = config(json!([
            git(
                "src",
                json!({"uri": "https://github.com/acme/app", "branch": "main", "paths": ["src"]})
            ),
            git(
                "src-all",
                json!({"uri": "https://github.com/acme/app", "branch": "main", "paths": ["src"], "disable_ci_skip": true})
            ),
            git("open", json!({"uri": "https://github.com/acme/app", "branch": "main"})),
            git(
                "root",
                json!({"uri": "https://github.com/acme/app", "branch": "main", "paths": ["./"]})
            ),
            git(
                "dot",
                json!({"uri": "https://github.com/acme/app", "branch": "main", "paths": ["."]})
            ),
            // The `#` comments out the rest of the check's command line, its [ci skip] stage too.
            git(
                "commented",
                json!({"uri": "https://github.com/acme/app", "branch": "main", "paths": ["src", "#notes"]})
            ),
        ]));
        let matcher = GitMatcher::new(&config);
        let with_commits = |commits: Value| push("refs/heads/main", &[], json!({"commits": commits}));
        let cases: [(Value, &[&str]); 6] = [
            // The skipped commit touches src, the other does not: only the resources that keep skipped
            // commits find a version under src.
            (
                json!([{"message": "x [ci skip]", "modified": ["src/a"]}, {"message": "docs", "modified": ["docs/a"]}]),
                &["src-all", "open", "root", "dot", "commented"],
            ),
            (
                json!([{"message": "x [skip ci]", "modified": ["src/a"]}]),
                &["src-all", "commented"],
            ),
            (json!([{"message": "x [skip ci]", "modified": ["docs/a"]}]), &[]),
            // A merge lists no files, yet may change src.
            (
                json!([{"message": "Merge branch 'x'"}]),
                &["src", "src-all", "open", "root", "dot", "commented"],
            ),
            (
                json!([{"message": "Root", "modified": ["README"]}]),
                &["open", "root", "dot"],
            ),
            (
                json!([{"message": "[CI SKIP] is not the marker", "modified": ["src/a"]}]),
                &["src", "src-all", "open", "root", "dot", "commented"],
            ),
        ];
        for (commits, expected) in cases {
            let found = matcher.match_push(&with_commits(commits.clone()));
            assert_eq!(names(&config, &found), expected, "{commits}");
            assert_eq!(found.matches.len() + found.skipped.len(), 6, "{commits}");
        }
        let skipped = matcher.match_push(&with_commits(
            json!([{"message": "x [skip ci]", "modified": ["docs/a"]}]),
        ));
        assert_eq!(
            skipped.skipped[2].1,
            "every new commit is marked [ci skip] or [skip ci]"
        );
    }

    /// The notifier decides from the first commit and file that count (`Detail::Decision`), `explain`
    /// from every verdict (`Detail::Full`): both must check the same resources, for the same words.
    #[test]
    fn the_notifier_and_explain_give_the_same_reasons() {
        let (config, matcher) = setup();
        let commits = json!([
            {"id": "aaaaaaa1", "message": "docs", "modified": ["docs/a.md", "README.md"]},
            {"id": "bbbbbbb2", "message": "code", "added": ["docs/b.md"], "modified": ["src/lib.rs", "src/x.rs"]},
            {"id": "ccccccc3", "message": "merge"},
            {"id": "ddddddd4", "message": "wip [ci skip]", "modified": ["src/y.rs"]},
        ]);
        for (git_ref, commits) in [
            ("refs/heads/main", commits.clone()),
            ("refs/heads/main", json!([commits[3], commits[0]])),
            ("refs/heads/main", json!([commits[3], commits[1]])),
            ("refs/heads/main", json!([commits[2]])),
            ("refs/heads/main", json!([commits[0]])),
            ("refs/heads/dev", commits.clone()),
            ("refs/tags/v1.2", commits.clone()),
        ] {
            let push = push(git_ref, &[], json!({"commits": commits}));
            let keys = push.repository_keys();
            let found = matcher.match_push(&push);
            for index in 0..config.resources.len() {
                let Some(full) = matcher.weigh(index, &push, &keys) else {
                    continue;
                };
                let decided = found.matches.iter().find(|(resource, _)| *resource == index);
                let skipped = found.skipped.iter().find(|(resource, _)| *resource == index);
                match (full.matched, decided, skipped) {
                    (Some(kind), Some((_, reason)), None) => {
                        assert_eq!(
                            (reason.reason, &reason.detail),
                            (kind, &full.reason),
                            "{git_ref} {index}"
                        );
                    }
                    (None, None, Some((_, why))) => assert_eq!(why, &full.reason, "{git_ref} {index}"),
                    // Only another repository's resource is neither checked nor listed as skipped.
                    (None, None, None) => assert_eq!(config.resources[index].name, "other-repo"),
                    other => panic!("{git_ref}: resource {index} weighs {other:?}"),
                }
            }
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
