//! The parts of a GitHub `push` delivery that matching reads.

use serde::Deserialize;

/// GitHub lists at most this many commits in a push delivery; a push with more leaves some changed
/// files unknown.
pub const GITHUB_MAX_LISTED_COMMITS: usize = 2048;

/// The all-zero object id GitHub sends as `before` of a new ref and `after` of a deleted one.
const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

#[derive(Debug, Clone, Deserialize)]
pub struct PushEvent {
    #[serde(rename = "ref")]
    pub git_ref: String,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default)]
    pub commits: Vec<Commit>,
    pub repository: Repository,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Commit {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub modified: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Repository {
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub clone_url: Option<String>,
    #[serde(default)]
    pub ssh_url: Option<String>,
    #[serde(default)]
    pub git_url: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub svn_url: Option<String>,
    /// The web URL in push payloads, the API URL in other events'.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub default_branch: Option<String>,
    /// What older and enterprise payloads call the default branch.
    #[serde(default)]
    pub master_branch: Option<String>,
}

/// What the pushed ref is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushedRef<'a> {
    Branch(&'a str),
    Tag(&'a str),
    /// Anything else (`refs/notes/...`, `refs/pull/...`): no resource tracks it.
    Other,
}

impl PushEvent {
    pub fn pushed_ref(&self) -> PushedRef<'_> {
        if let Some(branch) = self.git_ref.strip_prefix("refs/heads/") {
            PushedRef::Branch(branch)
        } else if let Some(tag) = self.git_ref.strip_prefix("refs/tags/") {
            PushedRef::Tag(tag)
        } else {
            PushedRef::Other
        }
    }

    /// Whether the push removed the ref.
    pub fn is_deletion(&self) -> bool {
        self.deleted || self.after.as_deref() == Some(ZERO_SHA)
    }

    /// Why the listed commits may not show every changed file, if they may not: then a resource with
    /// a path filter is checked anyway (a spare check is cheap, a missed build is not).
    pub fn unknown_changes(&self) -> Option<&'static str> {
        if self.commits.is_empty() {
            Some("the delivery lists no commits")
        } else if self.commits.len() >= GITHUB_MAX_LISTED_COMMITS {
            Some("the delivery lists only the first commits of the push")
        } else if self.forced {
            Some("forced push")
        } else if self.created || self.before.as_deref() == Some(ZERO_SHA) {
            Some("new branch")
        } else {
            None
        }
    }

    /// The repository's keys ([`repo_url::normalize`](crate::repo_url::normalize)) from every URL of
    /// the payload, sorted and without repeats.
    pub fn repository_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.repository_urls().filter_map(crate::repo_url::normalize).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The repository's URLs as the payload spells them.
    pub fn repository_urls(&self) -> impl Iterator<Item = &str> {
        let repo = &self.repository;
        [
            &repo.clone_url,
            &repo.ssh_url,
            &repo.git_url,
            &repo.html_url,
            &repo.svn_url,
            &repo.url,
        ]
        .into_iter()
        .filter_map(|url| url.as_deref())
    }

    /// The default branch, as the payload names it.
    pub fn default_branch(&self) -> Option<&str> {
        self.repository
            .default_branch
            .as_deref()
            .or(self.repository.master_branch.as_deref())
    }
}

impl Commit {
    /// Every file the commit added, modified or removed.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.added
            .iter()
            .chain(&self.modified)
            .chain(&self.removed)
            .map(String::as_str)
    }
}
