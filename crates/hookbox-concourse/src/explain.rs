//! For one event, every resource of the configuration: checked or not, and why. `hookbox concourse
//! explain` prints it (or its JSON), and it is built on the matchers' own rules ([`GitMatcher::weigh`],
//! [`S3Matcher::weigh`]), the very ones the notifiers check by, so an explanation never disagrees with
//! what the function does.

use serde::Serialize;

use crate::config::{ConcourseConfig, Resource};
use crate::git::{GitMatcher, GitVerdict, push_note};
use crate::push::PushEvent;
use crate::s3::{S3Matcher, S3Verdict};
use crate::s3_event::{Notice, S3Object};

/// The whole answer for one event.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub event: EventSummary,
    /// Every resource of the configuration, in its order.
    pub resources: Vec<ResourceExplanation>,
}

/// What the event was, as matching read it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventSummary {
    Push {
        #[serde(skip_serializing_if = "Option::is_none")]
        repository: Option<String>,
        #[serde(rename = "ref")]
        git_ref: String,
        /// The repository keys of the payload's URLs.
        keys: Vec<String>,
        /// Why the push concerns nothing at all, if so.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'static str>,
    },
    S3 {
        /// Every created object, as `bucket/key`.
        objects: Vec<String>,
        /// The notices that create nothing: test events, other events, unreadable records.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        other: Vec<String>,
    },
}

/// One resource and what the event means to it.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceExplanation {
    pub pipeline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_vars: Option<serde_json::Map<String, serde_json::Value>>,
    pub resource: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub checked: bool,
    pub reason: String,
    /// A git resource's verdict on a push.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<GitVerdict>,
    /// An s3 or semver resource's verdict on each object.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectVerdict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectVerdict {
    /// `bucket/key`.
    pub object: String,
    #[serde(flatten)]
    pub verdict: S3Verdict,
}

impl Explanation {
    /// The config indices of the resources that are checked.
    pub fn checked(&self) -> impl Iterator<Item = usize> + '_ {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, resource)| resource.checked)
            .map(|(index, _)| index)
    }
}

impl ResourceExplanation {
    fn new(resource: &Resource, checked: bool, reason: String) -> Self {
        Self {
            pipeline: resource.pipeline.clone(),
            instance_vars: resource.instance_vars.clone(),
            resource: resource.name.clone(),
            type_name: resource.type_name.clone(),
            checked,
            reason,
            git: None,
            objects: Vec::new(),
        }
    }
}

/// Every resource of `config` against a push; `matcher` is built from the same config.
pub fn push(config: &ConcourseConfig, matcher: &GitMatcher, push: &PushEvent) -> Explanation {
    let keys = push.repository_keys();
    let resources = config
        .resources
        .iter()
        .enumerate()
        .map(|(index, resource)| match matcher.weigh(index, push, &keys) {
            None => ResourceExplanation::new(
                resource,
                false,
                "not a git resource: a push never concerns it".to_owned(),
            ),
            Some(verdict) => {
                let mut explained =
                    ResourceExplanation::new(resource, verdict.matched.is_some(), verdict.reason.clone());
                explained.git = Some(verdict);
                explained
            }
        })
        .collect();
    Explanation {
        event: EventSummary::Push {
            repository: push.repository.full_name.clone(),
            git_ref: push.git_ref.clone(),
            keys,
            note: push_note(push),
        },
        resources,
    }
}

/// Every resource of `config` against the objects an S3 event created; `matcher` is built from the
/// same config.
pub fn s3(config: &ConcourseConfig, matcher: &S3Matcher, notices: &[Notice]) -> Explanation {
    let mut objects: Vec<&S3Object> = Vec::new();
    let mut other = Vec::new();
    for notice in notices {
        match notice {
            Notice::Created(object) => objects.push(object),
            Notice::Test { bucket } => other.push(format!(
                "s3:TestEvent {}: creates nothing",
                bucket.as_deref().unwrap_or_default()
            )),
            Notice::Other { event, object } => {
                other.push(format!("{event} {}/{}: creates nothing", object.bucket, object.key));
            }
            Notice::Unreadable { why, .. } => other.push(format!("unreadable: {why}")),
        }
    }
    let resources = config
        .resources
        .iter()
        .enumerate()
        .map(|(index, resource)| {
            let verdicts: Option<Vec<ObjectVerdict>> = objects
                .iter()
                .map(|object| {
                    matcher
                        .weigh(index, &object.bucket, &object.key)
                        .map(|verdict| ObjectVerdict {
                            object: format!("{}/{}", object.bucket, object.key),
                            verdict,
                        })
                })
                .collect();
            let Some(verdicts) = verdicts else {
                return ResourceExplanation::new(
                    resource,
                    false,
                    "neither an s3 nor a semver resource: an S3 object never concerns it".to_owned(),
                );
            };
            let matched = verdicts.iter().find(|object| object.verdict.matched_by.is_some());
            let reason = match (matched, verdicts.first()) {
                (Some(object), _) => format!("{}: {}", object.object, object.verdict.reason),
                (None, None) => "no object was created".to_owned(),
                (None, Some(first)) if verdicts.len() == 1 => format!("{}: {}", first.object, first.verdict.reason),
                (None, Some(first)) => format!(
                    "none of {} objects matches ({}: {})",
                    verdicts.len(),
                    first.object,
                    first.verdict.reason
                ),
            };
            let mut explained = ResourceExplanation::new(resource, matched.is_some(), reason);
            explained.objects = verdicts;
            explained
        })
        .collect();
    Explanation {
        event: EventSummary::S3 {
            objects: objects
                .iter()
                .map(|object| format!("{}/{}", object.bucket, object.key))
                .collect(),
            other,
        },
        resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn config() -> ConcourseConfig {
        ConcourseConfig::from_json(
            &json!({"atc_url": "https://ci", "team": "main", "auth": "bearer", "resources": [
                {"pipeline": "p", "resource": "src", "type": "git", "source": {"uri": "git@github.com:acme/app", "branch": "main", "paths": ["src"]}},
                {"pipeline": "p", "resource": "docs", "type": "git", "source": {"uri": "https://github.com/acme/app", "branch": "main", "ignore_paths": ["src"]}},
                {"pipeline": "p", "resource": "no-skip", "type": "git", "source": {"uri": "https://github.com/acme/app", "branch": "main", "disable_ci_skip": true}},
                {"pipeline": "p", "resource": "any-branch", "type": "git", "source": {"uri": "https://github.com/acme/app", "branch": "((branch))"}},
                {"pipeline": "p", "resource": "tags", "type": "git", "source": {"uri": "https://github.com/acme/app", "tag_regex": "v[0-9]+(\\.[0-9]+)*"}},
                {"pipeline": "p", "resource": "var-uri", "type": "git", "source": {"uri": "https://github.com/((org))/app"}},
                {"pipeline": "p", "resource": "other", "type": "git", "source": {"uri": "https://github.com/acme/other"}},
                {"pipeline": "p", "resource": "tarball", "type": "s3", "source": {"bucket": "b", "regexp": "app-(.*).tgz"}},
                {"pipeline": "p", "resource": "version", "type": "semver", "source": {"bucket": "b", "key": "((key))"}}
            ]})
            .to_string(),
        )
        .unwrap()
    }

    fn push_event(git_ref: &str, commits: Value) -> PushEvent {
        serde_json::from_value(json!({
            "ref": git_ref,
            "before": "1111111111111111111111111111111111111111",
            "after": "2222222222222222222222222222222222222222",
            "commits": commits,
            "repository": {"full_name": "acme/app", "clone_url": "https://github.com/Acme/App.git", "default_branch": "main"}
        }))
        .unwrap()
    }

    fn checked(explanation: &Explanation) -> Vec<&str> {
        explanation
            .resources
            .iter()
            .filter(|r| r.checked)
            .map(|r| r.resource.as_str())
            .collect()
    }

    /// The notifier's matcher and the explanation agree on every push.
    fn agrees(config: &ConcourseConfig, matcher: &GitMatcher, push_event: &PushEvent) -> Explanation {
        let explanation = push(config, matcher, push_event);
        let found = matcher.match_push(push_event);
        let matched: Vec<usize> = found.matches.iter().map(|(index, _)| *index).collect();
        assert_eq!(explanation.checked().collect::<Vec<_>>(), matched, "{explanation:#?}");
        // The notifier's reasons (weighed without every file's verdict) read as the explanation's.
        let reasons = found
            .matches
            .iter()
            .map(|(index, reason)| (*index, &reason.detail))
            .chain(found.skipped.iter().map(|(index, why)| (*index, why)));
        for (index, reason) in reasons {
            assert_eq!(&explanation.resources[index].reason, reason, "{explanation:#?}");
        }
        assert_eq!(explanation.resources.len(), config.resources.len());
        explanation
    }

    #[test]
    fn a_push_is_explained_for_every_resource_with_its_files_and_commits() {
        let config = config();
        let matcher = GitMatcher::new(&config);
        let commits = json!([
            {"id": "aaaaaaaaaa", "message": "Fix the docs [ci skip]", "modified": ["docs/a.md"]},
            {"id": "bbbbbbbbbb", "message": "Change the code", "modified": ["src/lib.rs"]}
        ]);
        let explanation = agrees(&config, &matcher, &push_event("refs/heads/main", commits));
        assert_eq!(checked(&explanation), ["src", "no-skip", "any-branch"]);
        let by_name = |name: &str| explanation.resources.iter().find(|r| r.resource == name).unwrap();
        let docs = by_name("docs");
        assert_eq!(
            docs.reason,
            "1 new commits are marked [ci skip] and no other changes a file the paths take"
        );
        let docs_git = docs.git.as_ref().unwrap();
        assert_eq!(docs_git.commits[0].skipped.as_deref(), Some("[ci skip]"));
        assert_eq!(by_name("src").reason, "bbbbbbb changes src/lib.rs (paths: src)");
        assert_eq!(
            by_name("any-branch").git.as_ref().unwrap().vars,
            ["branch contains ((branch)), resolved by the ATC at check time"]
        );
        assert!(
            by_name("var-uri").reason.contains("uri contains ((org))"),
            "{:?}",
            by_name("var-uri")
        );
        assert!(by_name("other").reason.starts_with("watches github.com/acme/other"));
        assert!(by_name("tarball").reason.starts_with("not a git resource"));
        let json = serde_json::to_value(&explanation).unwrap();
        assert_eq!(json["event"]["kind"], "push");
        assert_eq!(
            json["resources"][0]["git"]["commits"][1]["files"][0]["verdict"],
            "included"
        );
        assert_eq!(json["resources"][0]["git"]["commits"][1]["files"][0]["pattern"], "src");
    }

    #[test]
    fn tags_deletions_and_new_branches_agree_with_the_matcher() {
        let config = config();
        let matcher = GitMatcher::new(&config);
        let tag = agrees(&config, &matcher, &push_event("refs/tags/v1.2", json!([])));
        assert_eq!(checked(&tag), ["tags"]);
        assert_eq!(
            tag.resources[4].reason,
            "tag v1.2 matches tag_regex v[0-9]+(\\.[0-9]+)*"
        );
        let not_a_version = agrees(&config, &matcher, &push_event("refs/tags/v1.2-rc", json!([])));
        assert!(checked(&not_a_version).is_empty());
        let feature = agrees(
            &config,
            &matcher,
            &push_event("refs/heads/feature", json!([{"id": "c", "modified": ["src/a"]}])),
        );
        assert_eq!(checked(&feature), ["any-branch"]);
        let new_branch: PushEvent = {
            let mut event = push_event("refs/heads/main", json!([]));
            event.created = true;
            event
        };
        let created = agrees(&config, &matcher, &new_branch);
        assert_eq!(checked(&created), ["src", "docs", "no-skip", "any-branch"]);
        assert!(
            created.resources[0]
                .reason
                .contains("the listed commits cannot rule the push out")
        );
        let mut deletion = push_event("refs/heads/main", json!([]));
        deletion.deleted = true;
        let deleted = agrees(&config, &matcher, &deletion);
        assert!(checked(&deleted).is_empty());
        assert!(matches!(deleted.event, EventSummary::Push { note: Some(_), .. }));
    }

    #[test]
    fn an_s3_event_is_explained_per_object() {
        let config = config();
        let matcher = S3Matcher::new(&config).unwrap();
        let notices = crate::s3_event::read_notices(&json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "app-1.tgz"}}},
            {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "b"}, "object": {"key": "x"}}}
        ]}));
        let explanation = s3(&config, &matcher, &notices);
        assert_eq!(checked(&explanation), ["tarball", "version"]);
        assert_eq!(
            explanation.resources[7].reason,
            "b/app-1.tgz: the key matches regexp app-(.*).tgz"
        );
        assert_eq!(
            explanation.resources[8].objects[0].verdict.var.as_deref(),
            Some("key contains ((key)), resolved by the ATC at check time")
        );
        assert!(explanation.resources[0].reason.starts_with("neither an s3"));
        let EventSummary::S3 { objects, other } = &explanation.event else {
            panic!("{explanation:?}")
        };
        assert_eq!((objects.len(), other.len()), (1, 1));
    }
}
