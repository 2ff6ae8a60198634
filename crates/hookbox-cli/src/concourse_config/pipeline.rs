//! From a pipeline's config to the resources the notifier functions can match, and why the others
//! are left out. Pure: no I/O, so every rule is unit-tested.
//!
//! - A resource's kind is its type name: `git`, `s3` and `semver` count even when the pipeline
//!   redefines that name in `resource_types` (a pinned or forked image behaves the same); other names
//!   count only when `--type-alias` maps them. Everything else (`time`, `registry-image`, ...) is
//!   skipped and only counted.
//! - Only the source fields matching reads are copied; the rest (private keys, access keys) never.
//! - A field matching needs that holds a `((var))` is resolved by Concourse at check time, so the
//!   function cannot know its value when it is built: the resource is left out with a warning.
//! - `webhook_token` is copied as written, literal or `((var))` (which the functions resolve from their
//!   secrets).

use std::collections::BTreeMap;

use hookbox_concourse::config::{ResourceEntry, SourceFields};
use hookbox_concourse::{AuthMode, Kind, vars};
use serde::Deserialize;

use super::atc::PipelineRef;

/// A pipeline config as the ATC answers it; only what the generator reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PipelineConfig {
    #[serde(default)]
    pub resources: Option<Vec<ResourceConfig>>,
}

/// One resource of a pipeline config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResourceConfig {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub source: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub webhook_token: Option<String>,
}

/// How resources are chosen.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Custom type names that behave like a built-in kind.
    pub aliases: BTreeMap<String, Kind>,
    pub auth: AuthMode,
}

/// What becomes of one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Written to the file; with a caution to show when there is one.
    Included {
        entry: Box<ResourceEntry>,
        caution: Option<String>,
    },
    /// A type the functions do not match (`time`, `registry-image`, an unmapped custom type).
    OtherType(String),
    /// A kind the functions match, but not this variant of it (a semver resource on git): a note.
    Unmatchable(String),
    /// A resource the functions should match but cannot from this file: a warning.
    LeftOut(String),
}

/// Decides about `resource` of `pipeline`.
pub fn select(pipeline: &PipelineRef, resource: &ResourceConfig, rules: &Rules) -> Verdict {
    let Some(kind) = Kind::of_type(&resource.type_name, &rules.aliases) else {
        return Verdict::OtherType(resource.type_name.clone());
    };
    let empty = serde_json::Map::new();
    let source = resource.source.as_ref().unwrap_or(&empty);
    let fields = match read_fields(kind, source) {
        Ok(fields) => fields,
        Err(Problem::Unmatchable(reason)) => return Verdict::Unmatchable(reason),
        Err(Problem::LeftOut(reason)) => return Verdict::LeftOut(reason),
    };
    let webhook_token = resource
        .webhook_token
        .as_deref()
        .map(str::trim)
        .filter(|token| !token.is_empty());
    let caution = match webhook_token {
        None if rules.auth == AuthMode::WebhookToken => {
            return Verdict::LeftOut(
                "no webhook_token, and with --auth webhook_token the function could not check it \
                 (give it a webhook_token in the pipeline, or use --auth bearer or password)"
                    .to_owned(),
            );
        }
        None => None,
        Some(token) if vars::whole(token).is_some() => None,
        Some(token) if vars::any(token) => {
            return Verdict::LeftOut(
                "webhook_token mixes text and ((var)); the functions resolve only a whole ((name))".to_owned(),
            );
        }
        Some(_) => Some(
            "webhook_token is written literally in the pipeline and so in the file; write it as ((name)) \
             in the pipeline to keep it out of the repository"
                .to_owned(),
        ),
    };
    let instance_vars = pipeline.instance_vars.clone().filter(|vars| !vars.is_empty());
    Verdict::Included {
        entry: Box::new(ResourceEntry {
            pipeline: pipeline.name.clone(),
            instance_vars,
            resource: resource.name.clone(),
            type_name: resource.type_name.clone(),
            webhook_token: webhook_token.map(str::to_owned),
            source: fields,
        }),
        caution,
    }
}

enum Problem {
    Unmatchable(String),
    LeftOut(String),
}

/// The fields of `kind` that matching reads, checked the way `ConcourseConfig::from_json` will.
fn read_fields(kind: Kind, source: &serde_json::Map<String, serde_json::Value>) -> Result<SourceFields, Problem> {
    let text = |name: &str| -> Result<Option<String>, Problem> {
        match source.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(value)) if vars::any(value) => Err(unresolved(name)),
            Some(serde_json::Value::String(value)) if value.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err(Problem::LeftOut(format!("source.{name} is not a string"))),
        }
    };
    let list = |name: &str| -> Result<Vec<String>, Problem> {
        match source.get(name) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    serde_json::Value::String(value) if vars::any(value) => Err(unresolved(name)),
                    serde_json::Value::String(value) if !value.trim().is_empty() => Ok(value.clone()),
                    _ => Err(Problem::LeftOut(format!(
                        "source.{name} holds an empty or non-string pattern"
                    ))),
                })
                .collect(),
            Some(serde_json::Value::String(value)) if vars::any(value) => Err(unresolved(name)),
            Some(_) => Err(Problem::LeftOut(format!("source.{name} is not a list of strings"))),
        }
    };
    let missing = |what: &str| Problem::LeftOut(format!("source.{what} is missing"));
    match kind {
        Kind::Git => {
            let fields = SourceFields {
                uri: text("uri")?,
                branch: text("branch")?,
                paths: list("paths")?,
                ignore_paths: list("ignore_paths")?,
                tag_filter: text("tag_filter")?,
                tag_regex: text("tag_regex")?,
                ..SourceFields::default()
            };
            if fields.uri.is_none() {
                return Err(missing("uri"));
            }
            Ok(fields)
        }
        Kind::S3 => {
            let fields = SourceFields {
                bucket: text("bucket")?,
                regexp: text("regexp")?,
                versioned_file: text("versioned_file")?,
                ..SourceFields::default()
            };
            if fields.bucket.is_none() {
                return Err(missing("bucket"));
            }
            if fields.regexp.is_none() && fields.versioned_file.is_none() {
                return Err(missing("regexp (or versioned_file)"));
            }
            // A Go pattern the functions cannot read (say, a `\p{...}` class) leaves out this resource
            // only, instead of failing the whole file.
            if let Some(Err(error)) = fields.regexp.as_deref().map(hookbox_concourse::s3::anchored) {
                return Err(Problem::LeftOut(format!("source.regexp is {error}")));
            }
            Ok(fields)
        }
        Kind::Semver => {
            let driver = text("driver")?;
            if let Some(driver) = driver.as_deref().filter(|driver| *driver != "s3") {
                return Err(Problem::Unmatchable(format!(
                    "semver with the {driver} driver: only the s3 driver is matched (on S3 events)"
                )));
            }
            let fields = SourceFields {
                driver,
                bucket: text("bucket")?,
                key: text("key")?,
                ..SourceFields::default()
            };
            if fields.bucket.is_none() {
                return Err(missing("bucket"));
            }
            if fields.key.is_none() {
                return Err(missing("key"));
            }
            Ok(fields)
        }
    }
}

fn unresolved(name: &str) -> Problem {
    Problem::LeftOut(format!(
        "source.{name} holds a ((var)) that only Concourse resolves, so it cannot be matched"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pipeline() -> PipelineRef {
        PipelineRef {
            name: "app".into(),
            instance_vars: None,
            archived: false,
        }
    }

    fn resource(value: serde_json::Value) -> ResourceConfig {
        serde_json::from_value(value).unwrap()
    }

    fn rules(auth: AuthMode) -> Rules {
        Rules {
            aliases: BTreeMap::from([("s3-iam".to_owned(), Kind::S3)]),
            auth,
        }
    }

    fn verdict(value: serde_json::Value, auth: AuthMode) -> Verdict {
        select(&pipeline(), &resource(value), &rules(auth))
    }

    fn included(value: serde_json::Value) -> ResourceEntry {
        match verdict(value, AuthMode::Bearer) {
            Verdict::Included { entry, .. } => *entry,
            other => panic!("{other:?}"),
        }
    }

    fn left_out(value: serde_json::Value, auth: AuthMode) -> String {
        match verdict(value, auth) {
            Verdict::LeftOut(reason) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_the_fields_that_matter_are_copied() {
        let entry = included(
            json!({"name": "repo", "type": "git", "webhook_token": "((t))", "check_every": "24h",
            "source": {"uri": "git@github.com:o/r.git", "branch": "main", "paths": ["src"], "private_key": "KEY",
                       "tag_filter": "v*", "password": "p"}}),
        );
        let written = serde_json::to_value(&entry.source).unwrap();
        assert_eq!(
            written,
            json!({"uri": "git@github.com:o/r.git", "branch": "main", "paths": ["src"], "tag_filter": "v*"})
        );
        assert_eq!(entry.webhook_token.as_deref(), Some("((t))"));
        let s3 = included(
            json!({"name": "t", "type": "s3-iam", "source": {"bucket": "b", "versioned_file": "f.tgz",
            "access_key_id": "AKIA", "secret_access_key": "S"}}),
        );
        assert_eq!(
            serde_json::to_value(&s3.source).unwrap(),
            json!({"bucket": "b", "versioned_file": "f.tgz"})
        );
        assert_eq!(s3.type_name, "s3-iam");
        let semver = included(
            json!({"name": "v", "type": "semver", "source": {"bucket": "b", "key": "k",
            "access_key_id": "AKIA", "initial_version": "1.0.0"}}),
        );
        assert_eq!(
            serde_json::to_value(&semver.source).unwrap(),
            json!({"bucket": "b", "key": "k"})
        );
    }

    #[test]
    fn types_are_chosen_by_name_and_alias() {
        assert_eq!(
            verdict(
                json!({"name": "t", "type": "time", "source": {"interval": "1h"}}),
                AuthMode::Bearer
            ),
            Verdict::OtherType("time".into())
        );
        assert_eq!(
            verdict(
                json!({"name": "t", "type": "git-fork", "source": {"uri": "u"}}),
                AuthMode::Bearer
            ),
            Verdict::OtherType("git-fork".into())
        );
        assert!(matches!(
            verdict(json!({"name": "v", "type": "semver", "source": {"driver": "git", "uri": "u"}}), AuthMode::Bearer),
            Verdict::Unmatchable(reason) if reason.contains("git driver")
        ));
    }

    #[test]
    fn vars_in_matching_fields_and_missing_tokens_leave_a_resource_out() {
        let cases = [
            (
                json!({"name": "r", "type": "git", "source": {"uri": "((repo-uri))"}}),
                "source.uri holds a ((var))",
            ),
            (
                json!({"name": "r", "type": "git", "source": {"uri": "u", "paths": ["a", "((dir))/x"]}}),
                "source.paths holds a ((var))",
            ),
            (
                json!({"name": "r", "type": "s3", "source": {"bucket": "b-((env))", "regexp": "x"}}),
                "source.bucket holds",
            ),
            (
                json!({"name": "r", "type": "semver", "source": {"driver": "((d))"}}),
                "source.driver holds",
            ),
            (
                json!({"name": "r", "type": "s3", "source": {"bucket": "b"}}),
                "source.regexp (or versioned_file) is missing",
            ),
            (
                json!({"name": "r", "type": "semver", "source": {"bucket": "b"}}),
                "source.key is missing",
            ),
            (
                json!({"name": "r", "type": "s3", "source": {"bucket": "b", "regexp": "x-\\p{Greek}(.*)"}}),
                "source.regexp is not a regular expression",
            ),
            (json!({"name": "r", "type": "git"}), "source.uri is missing"),
            (
                json!({"name": "r", "type": "git", "source": {"uri": "u", "branch": 3}}),
                "source.branch is not a string",
            ),
            (
                json!({"name": "r", "type": "git", "webhook_token": "a((b))", "source": {"uri": "u"}}),
                "mixes text",
            ),
        ];
        for (value, expected) in cases {
            let reason = left_out(value.clone(), AuthMode::Bearer);
            assert!(reason.contains(expected), "{value}: {reason}");
        }
        let without_token = json!({"name": "r", "type": "git", "source": {"uri": "u"}});
        assert!(left_out(without_token.clone(), AuthMode::WebhookToken).contains("no webhook_token"));
        assert!(matches!(
            verdict(without_token, AuthMode::Password),
            Verdict::Included { caution: None, .. }
        ));
    }

    #[test]
    fn what_is_included_the_functions_accept() {
        let resources = [
            json!({"name": "repo", "type": "git", "webhook_token": "((repo))",
                   "source": {"uri": "git@github.com:o/r.git", "branch": "main", "paths": ["src"], "ignore_paths": ["docs"]}}),
            json!({"name": "tags", "type": "git", "webhook_token": " literal ", "source": {"uri": "u", "tag_regex": "v.*"}}),
            json!({"name": "tarball", "type": "s3-iam", "source": {"bucket": "b", "regexp": "x-(.*).tgz"}}),
            json!({"name": "latest", "type": "s3", "source": {"bucket": "b", "versioned_file": "f.tgz"}}),
            json!({"name": "version", "type": "semver", "source": {"driver": "s3", "bucket": "v", "key": "k"}}),
        ];
        let rules = rules(AuthMode::Password);
        let entries: Vec<ResourceEntry> = resources
            .into_iter()
            .map(|value| match select(&pipeline(), &resource(value), &rules) {
                Verdict::Included { entry, .. } => *entry,
                other => panic!("{other:?}"),
            })
            .collect();
        let file = hookbox_concourse::config::ConfigFile {
            atc_url: "https://ci".into(),
            team: "main".into(),
            auth: rules.auth,
            type_aliases: rules.aliases.clone(),
            resources: entries,
        };
        let config = hookbox_concourse::ConcourseConfig::from_json(&file.render()).unwrap();
        assert_eq!(config.resources.len(), 5);
        assert!(
            config
                .resources
                .iter()
                .all(|resource| resource.source != hookbox_concourse::Source::Other)
        );
    }

    #[test]
    fn a_literal_token_is_copied_with_a_caution() {
        let value = json!({"name": "r", "type": "git", "webhook_token": "abc123", "source": {"uri": "u"}});
        let Verdict::Included { entry, caution } = verdict(value, AuthMode::WebhookToken) else {
            panic!()
        };
        assert_eq!(entry.webhook_token.as_deref(), Some("abc123"));
        assert!(caution.unwrap().contains("literally"));
    }
}
