//! From a pipeline's config to the resources the notifier functions can match, and why the others
//! are left out. Pure: no I/O, so every rule is unit-tested.
//!
//! The rule: a resource Concourse could find a new version in is written, unless the file cannot say
//! what Concourse would check; whatever is not exact is said in a note.
//!
//! - A resource's kind is its type name: `git`, `s3` and `semver` count even when the pipeline
//!   redefines that name in `resource_types` (a pinned or forked image behaves the same); other names
//!   count only when `--type-alias` maps them. Everything else (`time`, `registry-image`, ...) is
//!   skipped and only counted.
//! - Only the source fields matching reads are copied; the rest (private keys, access keys) never.
//! - `((vars))` in those fields are substituted from `-v`/`-y`/`-l` ([`Vars`]) as the ATC would
//!   substitute them. One left in `uri`, `bucket` or `driver` means the functions cannot know what the
//!   resource watches: it is written (so that `--check` and a later run with the value see it) and
//!   noted as never matched. One left in `branch`, `tag_filter`, `tag_regex`, `regexp`,
//!   `versioned_file` or `key` stays in the file as written, for the functions to match as "anything".
//!   A `paths` entry with one drops the whole `paths` filter, and an `ignore_paths` entry with one is
//!   dropped: both only widen what is checked, never narrow it.
//! - `paths` or `ignore_paths` written as one string: concourse/git-resource's `check` iterates them
//!   with jq (`(.source.paths // ["."])[]`), which fails on a string, so the resource's checks fail
//!   until it is a list. The resource is written without that filter (checked on every push to its
//!   branch) and noted.
//! - `webhook_token` is copied as written, literal or `((var))` (which the functions resolve from their
//!   secrets); a resource without one is checked with the config's `auth`, except under an explicit
//!   `--auth webhook_token`, which leaves it out.

use std::collections::BTreeMap;

use hookbox_concourse::config::{ResourceEntry, SourceFields};
use hookbox_concourse::{AuthMode, Kind, vars};
use serde::Deserialize;
use serde_json::Value;

use super::atc::PipelineRef;
use super::vars::Vars;

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
    pub source: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub webhook_token: Option<String>,
}

/// How resources are chosen.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Custom type names that behave like a built-in kind.
    pub aliases: BTreeMap<String, Kind>,
    /// `--auth`; `None`: chosen after reading the pipelines ([`auth_for`]).
    pub auth: Option<AuthMode>,
    /// The values of `((vars))` the user gave.
    pub vars: Vars,
}

/// What becomes of one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Written to the file, with what the summary says about it.
    Included {
        entry: Box<ResourceEntry>,
        /// Why the functions will never match it, when they cannot (a `((var))` left in `uri`).
        never_matched: Option<String>,
        /// Where the file is not exact, or the pipeline has a problem of its own.
        notes: Vec<String>,
    },
    /// A type the functions do not match (`time`, `registry-image`, an unmapped custom type).
    OtherType(String),
    /// A kind the functions match, but not this variant of it (a semver resource on git): a note.
    Unmatchable(String),
    /// A resource the functions should match but cannot from this file: a warning.
    LeftOut(String),
}

/// The auth mode for `--auth` (`None`: automatic) and the resources written: automatically,
/// `webhook_token` when every resource has one (no ATC credentials at all), else `atc`.
pub fn auth_for(choice: Option<AuthMode>, resources: &[ResourceEntry]) -> AuthMode {
    choice.unwrap_or(if resources.iter().all(|entry| entry.webhook_token.is_some()) {
        AuthMode::WebhookToken
    } else {
        AuthMode::Atc
    })
}

/// Decides about `resource` of `pipeline`.
pub fn select(pipeline: &PipelineRef, resource: &ResourceConfig, rules: &Rules) -> Verdict {
    let Some(kind) = Kind::of_type(&resource.type_name, &rules.aliases) else {
        return Verdict::OtherType(resource.type_name.clone());
    };
    let empty = serde_json::Map::new();
    let source = resource.source.as_ref().unwrap_or(&empty);
    let mut reading = Reading {
        source,
        vars: &rules.vars,
        notes: Vec::new(),
        never_matched: None,
    };
    let fields = match reading.fields(kind) {
        Ok(fields) => fields,
        Err(Problem::Unmatchable(reason)) => return Verdict::Unmatchable(reason),
        Err(Problem::LeftOut(reason)) => return Verdict::LeftOut(reason),
    };
    let mut notes = reading.notes;
    let webhook_token = resource
        .webhook_token
        .as_deref()
        .map(str::trim)
        .filter(|token| !token.is_empty());
    match webhook_token {
        None if rules.auth == Some(AuthMode::WebhookToken) => {
            return Verdict::LeftOut(
                "no webhook_token, and with --auth webhook_token the functions have no other way to check \
                 it (give it a webhook_token in the pipeline, or leave --auth to choose)"
                    .to_owned(),
            );
        }
        None => {}
        Some(token) if vars::whole(token).is_some() => {}
        Some(token) if vars::any(token) => {
            return Verdict::LeftOut(
                "webhook_token mixes text and ((var)); the functions resolve only a whole ((name))".to_owned(),
            );
        }
        Some(_) => notes.push(
            "webhook_token is written literally in the pipeline and so in the file; write it as ((name)) \
             in the pipeline to keep it out of the repository"
                .to_owned(),
        ),
    }
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
        never_matched: reading.never_matched,
        notes,
    }
}

enum Problem {
    Unmatchable(String),
    LeftOut(String),
}

/// One resource's source, read field by field with its vars substituted; what is not exact is noted.
struct Reading<'a> {
    source: &'a serde_json::Map<String, Value>,
    vars: &'a Vars,
    notes: Vec<String>,
    never_matched: Option<String>,
}

/// What a `((var))` still in a field means for matching.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unresolved {
    /// The functions cannot tell what the resource watches (`uri`, `bucket`, `driver`).
    NeverMatched,
    /// The functions match the field as "anything".
    Anything,
}

impl Reading<'_> {
    /// The field's value with its vars substituted, and the names still unresolved.
    fn value(&self, name: &str) -> Option<(Value, Vec<String>)> {
        let value = self.source.get(name)?;
        let result = self.vars.interpolate(value);
        Some((result.value, result.unresolved.into_iter().collect()))
    }

    fn unresolved(&mut self, name: &str, missing: &[String], meaning: Unresolved) {
        if missing.is_empty() {
            return;
        }
        let names = missing
            .iter()
            .map(|name| format!("(({name}))"))
            .collect::<Vec<_>>()
            .join(", ");
        let pass = missing
            .iter()
            .map(|name| format!("-v {name}=..."))
            .collect::<Vec<_>>()
            .join(" ");
        match meaning {
            Unresolved::NeverMatched => {
                if self.never_matched.is_none() {
                    self.never_matched = Some(format!("source.{name} holds {names} (pass {pass} or -l FILE)"));
                }
            }
            Unresolved::Anything => self.notes.push(format!(
                "source.{name} keeps {names}, matched as anything (pass {pass} to match it exactly)"
            )),
        }
    }

    /// A text field; scalars are taken as jq's `-r` prints them.
    fn text(&mut self, name: &str, meaning: Unresolved) -> Result<Option<String>, Problem> {
        let Some((value, missing)) = self.value(name) else {
            return Ok(None);
        };
        let text = match value {
            Value::Null => return Ok(None),
            Value::String(text) if text.trim().is_empty() => return Ok(None),
            Value::String(text) => text,
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => return Err(Problem::LeftOut(format!("source.{name} is not a string"))),
        };
        self.unresolved(name, &missing, meaning);
        Ok(Some(text))
    }

    /// A list of patterns (`paths`, `ignore_paths`). `widening`: whether an unreadable entry may be
    /// dropped (true for `ignore_paths`); otherwise the whole filter is.
    fn patterns(&mut self, name: &str, widening: bool) -> Result<Vec<String>, Problem> {
        let Some((value, missing)) = self.value(name) else {
            return Ok(Vec::new());
        };
        let items = match value {
            Value::Null => return Ok(Vec::new()),
            Value::Array(items) => items,
            Value::String(text) if vars::any(&text) => {
                self.notes.push(format!(
                    "source.{name} is {text}, which only Concourse resolves; written without {name}, so that \
                     every push to the branch checks it (pass -v or -l to keep the filter)"
                ));
                return Ok(Vec::new());
            }
            Value::String(text) => {
                self.notes.push(format!(
                    "source.{name} is the string {text:?}, not a list: git-resource's check fails on it (jq cannot \
                     iterate a string), so Concourse finds no new version until it is a list; written without \
                     {name}, so that every push to the branch checks it"
                ));
                return Ok(Vec::new());
            }
            _ => return Err(Problem::LeftOut(format!("source.{name} is not a list of strings"))),
        };
        let mut patterns = Vec::with_capacity(items.len());
        for item in items {
            let pattern = match item {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                _ => {
                    return Err(Problem::LeftOut(format!(
                        "source.{name} holds a pattern that is not a string"
                    )));
                }
            };
            if pattern.trim().is_empty() {
                return Err(Problem::LeftOut(format!(
                    "source.{name} holds an empty pattern, which git refuses, so Concourse's checks of it fail"
                )));
            }
            if vars::any(&pattern) {
                if widening {
                    self.notes.push(format!(
                        "source.{name} entry {pattern:?} holds a ((var)); written without it, so that a change there \
                         still checks the resource"
                    ));
                    continue;
                }
                self.notes.push(format!(
                    "source.{name} entry {pattern:?} holds a ((var)); written without {name}, so that every push to \
                     the branch checks it (pass {} to keep the filter)",
                    missing
                        .iter()
                        .map(|name| format!("-v {name}=..."))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
                return Ok(Vec::new());
            }
            patterns.push(pattern);
        }
        Ok(patterns)
    }

    /// `disable_ci_skip`: true or false as git-resource reads it (`== "true"`); a var left in it counts
    /// as true, so that no commit is skipped that Concourse might take.
    fn disable_ci_skip(&mut self) -> bool {
        match self.value("disable_ci_skip") {
            None => false,
            Some((Value::Bool(flag), _)) => flag,
            Some((Value::String(text), missing)) if !missing.is_empty() => {
                self.notes.push(format!(
                    "source.disable_ci_skip is {text:?}; taken as true, so that commits marked [ci skip] still \
                     check the resource"
                ));
                true
            }
            Some((Value::String(text), _)) => text == "true",
            Some(_) => false,
        }
    }

    /// The fields of `kind` that matching reads, checked the way `ConcourseConfig::from_json` will.
    fn fields(&mut self, kind: Kind) -> Result<SourceFields, Problem> {
        use Unresolved::{Anything, NeverMatched};
        let missing = |what: &str| Problem::LeftOut(format!("source.{what} is missing"));
        match kind {
            Kind::Git => {
                let fields = SourceFields {
                    uri: self.text("uri", NeverMatched)?,
                    branch: self.text("branch", Anything)?,
                    paths: self.patterns("paths", false)?,
                    ignore_paths: self.patterns("ignore_paths", true)?,
                    tag_filter: self.text("tag_filter", Anything)?,
                    tag_regex: self.text("tag_regex", Anything)?,
                    disable_ci_skip: self.disable_ci_skip(),
                    ..SourceFields::default()
                };
                if fields.uri.is_none() {
                    return Err(missing("uri"));
                }
                Ok(fields)
            }
            Kind::S3 => {
                let fields = SourceFields {
                    bucket: self.text("bucket", NeverMatched)?,
                    regexp: self.text("regexp", Anything)?,
                    versioned_file: self.text("versioned_file", Anything)?,
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
                let driver = self.text("driver", NeverMatched)?;
                if let Some(driver) = driver.as_deref().filter(|driver| *driver != "s3" && !vars::any(driver)) {
                    return Err(Problem::Unmatchable(format!(
                        "semver with the {driver} driver: only the s3 driver is matched (on S3 events)"
                    )));
                }
                let fields = SourceFields {
                    driver,
                    bucket: self.text("bucket", NeverMatched)?,
                    key: self.text("key", Anything)?,
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
            public: false,
        }
    }

    fn resource(value: Value) -> ResourceConfig {
        serde_json::from_value(value).unwrap()
    }

    fn rules(auth: Option<AuthMode>, vars: Value) -> Rules {
        let vars_file = hookbox_testkit::TempDir::new();
        let path = vars_file.path().join("vars.yml");
        std::fs::write(&path, vars.to_string()).unwrap();
        Rules {
            aliases: BTreeMap::from([("s3-iam".to_owned(), Kind::S3)]),
            auth,
            vars: Vars::load(&[path], &[], &[]).unwrap(),
        }
    }

    fn verdict(value: Value, auth: Option<AuthMode>) -> Verdict {
        select(&pipeline(), &resource(value), &rules(auth, json!({})))
    }

    fn included_with(value: Value, vars: Value) -> (ResourceEntry, Option<String>, Vec<String>) {
        match select(&pipeline(), &resource(value), &rules(None, vars)) {
            Verdict::Included {
                entry,
                never_matched,
                notes,
            } => (*entry, never_matched, notes),
            other => panic!("{other:?}"),
        }
    }

    fn included(value: Value) -> ResourceEntry {
        included_with(value, json!({})).0
    }

    fn left_out(value: Value, auth: Option<AuthMode>) -> String {
        match verdict(value, auth) {
            Verdict::LeftOut(reason) => reason,
            other => panic!("{other:?}"),
        }
    }

    fn source_of(entry: &ResourceEntry) -> Value {
        serde_json::to_value(&entry.source).unwrap()
    }

    #[test]
    fn only_the_fields_that_matter_are_copied() {
        let entry = included(
            json!({"name": "repo", "type": "git", "webhook_token": "((t))", "check_every": "24h",
            "source": {"uri": "git@github.com:o/r.git", "branch": "main", "paths": ["src"], "private_key": "KEY",
                       "tag_filter": "v*", "password": "p", "disable_ci_skip": true}}),
        );
        assert_eq!(
            source_of(&entry),
            json!({"uri": "git@github.com:o/r.git", "branch": "main", "paths": ["src"], "tag_filter": "v*",
                   "disable_ci_skip": true})
        );
        assert_eq!(entry.webhook_token.as_deref(), Some("((t))"));
        let s3 = included(
            json!({"name": "t", "type": "s3-iam", "source": {"bucket": "b", "versioned_file": "f.tgz",
            "access_key_id": "AKIA", "secret_access_key": "S"}}),
        );
        assert_eq!(source_of(&s3), json!({"bucket": "b", "versioned_file": "f.tgz"}));
        assert_eq!(s3.type_name, "s3-iam");
        let semver = included(
            json!({"name": "v", "type": "semver", "source": {"bucket": "b", "key": "k",
            "access_key_id": "AKIA", "initial_version": "1.0.0"}}),
        );
        assert_eq!(source_of(&semver), json!({"bucket": "b", "key": "k"}));
    }

    #[test]
    fn types_are_chosen_by_name_and_alias() {
        assert_eq!(
            verdict(json!({"name": "t", "type": "time", "source": {"interval": "1h"}}), None),
            Verdict::OtherType("time".into())
        );
        assert_eq!(
            verdict(json!({"name": "t", "type": "git-fork", "source": {"uri": "u"}}), None),
            Verdict::OtherType("git-fork".into())
        );
        assert!(matches!(
            verdict(json!({"name": "v", "type": "semver", "source": {"driver": "git", "uri": "u"}}), None),
            Verdict::Unmatchable(reason) if reason.contains("git driver")
        ));
    }

    #[test]
    fn given_vars_are_substituted_as_the_atc_would() {
        let vars = json!({"repo": "https://github.com/o/r", "minor": "7.4", "state_bucket": "paas-state",
                          "dirs": ["src", "lib"], "skip": "true"});
        let (entry, never, notes) = included_with(
            json!({"name": "r", "type": "git", "source": {"uri": "((repo))", "branch": "release/((minor)).x",
                   "paths": "((dirs))", "disable_ci_skip": "((skip))"}}),
            vars.clone(),
        );
        assert_eq!(
            source_of(&entry),
            json!({"uri": "https://github.com/o/r", "branch": "release/7.4.x", "paths": ["src", "lib"],
                   "disable_ci_skip": true})
        );
        assert_eq!((never, notes), (None, vec![]));
        let (entry, never, _) = included_with(
            json!({"name": "s", "type": "s3-iam", "source": {"bucket": "((state_bucket))", "versioned_file": "vpc.tfstate"}}),
            vars,
        );
        assert_eq!(entry.source.bucket.as_deref(), Some("paas-state"));
        assert_eq!(never, None);
    }

    #[test]
    fn vars_left_unresolved_stay_in_the_file_and_are_said() {
        let (entry, never, notes) = included_with(
            json!({"name": "r", "type": "git", "source": {"uri": "((repo))", "branch": "release/((minor)).x",
                   "tag_filter": "((filter))", "paths": ["src", "((dir))/x"], "ignore_paths": ["docs", "((skip))"],
                   "disable_ci_skip": "((ci))"}}),
            json!({}),
        );
        assert_eq!(
            source_of(&entry),
            json!({"uri": "((repo))", "branch": "release/((minor)).x", "ignore_paths": ["docs"],
                   "tag_filter": "((filter))", "disable_ci_skip": true})
        );
        assert_eq!(
            never.as_deref(),
            Some("source.uri holds ((repo)) (pass -v repo=... or -l FILE)")
        );
        let notes = notes.join("\n");
        for expected in [
            "source.branch keeps ((minor)), matched as anything (pass -v minor=... to match it exactly)",
            "source.tag_filter keeps ((filter))",
            "source.paths entry \"((dir))/x\" holds a ((var)); written without paths",
            "source.ignore_paths entry \"((skip))\" holds a ((var)); written without it",
            "source.disable_ci_skip is \"((ci))\"; taken as true",
        ] {
            assert!(notes.contains(expected), "{expected} not in\n{notes}");
        }
        let (entry, never, _) = included_with(
            json!({"name": "v", "type": "semver", "source": {"bucket": "((bucket))", "key": "((key))"}}),
            json!({}),
        );
        assert_eq!(source_of(&entry), json!({"bucket": "((bucket))", "key": "((key))"}));
        assert!(never.unwrap().starts_with("source.bucket holds ((bucket))"));
        let (_, never, _) = included_with(
            json!({"name": "v", "type": "semver", "source": {"driver": "((d))", "bucket": "b", "key": "k"}}),
            json!({}),
        );
        assert!(never.unwrap().starts_with("source.driver holds ((d))"));
    }

    #[test]
    fn comma_strings_in_paths_are_dropped_as_filters_and_said() {
        let (entry, never, notes) = included_with(
            json!({"name": "r", "type": "git", "source": {"uri": "u", "paths": "src,lib", "ignore_paths": "docs"}}),
            json!({}),
        );
        assert_eq!(source_of(&entry), json!({"uri": "u"}));
        assert_eq!(never, None);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with("source.paths is the string \"src,lib\", not a list: git-resource's check fails"));
        assert!(notes[1].starts_with("source.ignore_paths is the string \"docs\""));
    }

    #[test]
    fn what_cannot_be_read_is_left_out_with_the_reason() {
        let cases = [
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
                json!({"name": "r", "type": "git", "source": {"uri": "u", "branch": ["main"]}}),
                "source.branch is not a string",
            ),
            (
                json!({"name": "r", "type": "git", "source": {"uri": "u", "paths": ["a", ""]}}),
                "source.paths holds an empty pattern",
            ),
            (
                json!({"name": "r", "type": "git", "webhook_token": "a((b))", "source": {"uri": "u"}}),
                "mixes text",
            ),
        ];
        for (value, expected) in cases {
            let reason = left_out(value.clone(), None);
            assert!(reason.contains(expected), "{value}: {reason}");
        }
        let numbers =
            included(json!({"name": "r", "type": "git", "source": {"uri": "u", "branch": 3363, "paths": [2024]}}));
        assert_eq!(
            source_of(&numbers),
            json!({"uri": "u", "branch": "3363", "paths": ["2024"]})
        );
    }

    #[test]
    fn a_resource_without_a_token_is_left_out_only_by_an_explicit_webhook_token_auth() {
        let without_token = json!({"name": "r", "type": "git", "source": {"uri": "u"}});
        assert!(left_out(without_token.clone(), Some(AuthMode::WebhookToken)).contains("no webhook_token"));
        for auth in [None, Some(AuthMode::Password), Some(AuthMode::Atc)] {
            assert!(matches!(
                verdict(without_token.clone(), auth),
                Verdict::Included { never_matched: None, ref notes, .. } if notes.is_empty()
            ));
        }
        let with_token = |token: Option<&str>| ResourceEntry {
            webhook_token: token.map(str::to_owned),
            ..included(without_token.clone())
        };
        assert_eq!(auth_for(None, &[with_token(Some("((a))"))]), AuthMode::WebhookToken);
        assert_eq!(
            auth_for(None, &[with_token(Some("((a))")), with_token(None)]),
            AuthMode::Atc
        );
        assert_eq!(auth_for(Some(AuthMode::Bearer), &[with_token(None)]), AuthMode::Bearer);
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
            json!({"name": "release", "type": "git", "source": {"uri": "((uri))", "branch": "release/((minor)).x"}}),
        ];
        let rules = rules(None, json!({}));
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
            auth: auth_for(rules.auth, &entries),
            type_aliases: rules.aliases.clone(),
            resources: entries,
        };
        let config = hookbox_concourse::ConcourseConfig::from_json(&file.render()).unwrap();
        assert_eq!(config.auth, AuthMode::Atc);
        assert_eq!(config.resources.len(), 6);
        assert!(
            config
                .resources
                .iter()
                .all(|resource| resource.source != hookbox_concourse::Source::Other)
        );
    }

    #[test]
    fn a_literal_token_is_copied_with_a_note() {
        let value = json!({"name": "r", "type": "git", "webhook_token": "abc123", "source": {"uri": "u"}});
        let Verdict::Included { entry, notes, .. } = verdict(value, Some(AuthMode::WebhookToken)) else {
            panic!()
        };
        assert_eq!(entry.webhook_token.as_deref(), Some("abc123"));
        assert!(notes[0].contains("literally"));
    }
}
