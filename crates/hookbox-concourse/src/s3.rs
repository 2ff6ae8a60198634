//! Which s3 and semver resources a new S3 object concerns.
//!
//! The rules are the resources' own, so that a check is asked for exactly when the resource's next
//! check would find the object:
//! - an s3 resource with `regexp` lists its bucket and keeps the keys that match `"^" + regexp + "$"`
//!   (concourse/s3-resource `versions.Match`). The pattern is glued in as written, not grouped, so an
//!   alternation such as `a|b` is anchored only at its outer ends, exactly as the resource does it;
//! - an s3 resource with `versioned_file` watches that one key;
//! - a semver resource with the s3 driver (or no driver: s3 is its default) watches `key` in `bucket`.
//!
//! - a `((var))` in `regexp`, `versioned_file` or `key` is the ATC's to resolve at check time: the field
//!   matches any key of the bucket. A var in `bucket` cannot be matched: the resource never is, and
//!   says so.
//!
//! Resources are indexed by bucket, so an object weighs only the resources of its own bucket.
//! [`S3Matcher::weigh`] is the one rule, used by [`S3Matcher::weigh_object`] for the notifier and by
//! [`crate::explain`], so the two never disagree.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;
use regex_lite::Regex;
use serde::Serialize;

use crate::config::{ConcourseConfig, ConfigError, Source};
use crate::vars;

/// The s3 and semver resources of a configuration, indexed by bucket.
#[derive(Debug, Default)]
pub struct S3Matcher {
    by_bucket: HashMap<String, Vec<Watcher>>,
    /// Per resource of the config: where it is indexed, or why it is not.
    placement: Vec<Placement>,
}

#[derive(Debug)]
enum Placement {
    Indexed { bucket: String, position: usize },
    Unmatchable(String),
    Elsewhere,
}

#[derive(Debug)]
struct Watcher {
    /// Index of the resource in the configuration.
    resource: usize,
    rule: Rule,
}

#[derive(Debug)]
enum Rule {
    /// `regexp` (anchored as the s3 resource anchors it), and `versioned_file` when it also has one.
    S3 {
        regexp: Option<KeyRule>,
        versioned_file: Option<KeyRule>,
    },
    SemverKey(KeyRule),
}

/// What one field of a resource accepts.
#[derive(Debug)]
enum KeyRule {
    Exact(String),
    Pattern {
        source: String,
        regex: Regex,
    },
    /// The field holds a var: any key, with this reason.
    Var(String),
}

/// Which field let the key through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum S3MatchReason {
    /// The key matches the s3 resource's `regexp`.
    Regexp,
    /// The key is the s3 resource's `versioned_file`.
    VersionedFile,
    /// The key is the semver resource's `key`.
    SemverKey,
}

/// How one resource weighs one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct S3Verdict {
    /// Set when the resource is checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<S3MatchReason>,
    pub reason: String,
    /// Set when a `((var))` made the field match any key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub var: Option<String>,
}

impl S3Verdict {
    fn not(reason: impl Into<String>) -> Self {
        Self {
            matched_by: None,
            reason: reason.into(),
            var: None,
        }
    }
}

impl KeyRule {
    fn new(field: &str, text: &str, pattern: bool) -> Result<Self, String> {
        if let Some(why) = vars::resolved_at_check(field, text) {
            return Ok(Self::Var(why));
        }
        if !pattern {
            return Ok(Self::Exact(text.to_owned()));
        }
        anchored(text)
            .map(|regex| Self::Pattern {
                source: text.to_owned(),
                regex,
            })
            .map_err(|error| error.to_string())
    }

    /// Whether `key` passes, and why in words.
    fn verdict(&self, field: &str, key: &str) -> (bool, String, Option<String>) {
        match self {
            Self::Exact(watched) if watched == key => (true, format!("the object is the {field} {watched}"), None),
            Self::Exact(watched) => (false, format!("the object is not the {field} {watched}"), None),
            Self::Pattern { source, regex } if regex.is_match(key) => {
                (true, format!("the key matches {field} {source}"), None)
            }
            Self::Pattern { source, .. } => (false, format!("the key does not match {field} {source}"), None),
            Self::Var(why) => (true, why.clone(), Some(why.clone())),
        }
    }
}

impl S3Matcher {
    /// Indexes the s3 and semver(s3) resources of `config`. A `regexp` the s3 resource could not use
    /// either is an error naming its field (the config's own validation reports it first).
    pub fn new(config: &ConcourseConfig) -> Result<Self, ConfigError> {
        let mut by_bucket: HashMap<String, Vec<Watcher>> = HashMap::new();
        let mut placement = Vec::with_capacity(config.resources.len());
        for (index, resource) in config.resources.iter().enumerate() {
            let field_error =
                |field: &str, message: String| ConfigError::at(format!("resources[{index}].source.{field}"), message);
            let (bucket, rule) = match &resource.source {
                Source::S3(source) => {
                    let regexp = source
                        .regexp
                        .as_deref()
                        .map(|text| KeyRule::new("regexp", text, true).map_err(|e| field_error("regexp", e)))
                        .transpose()?;
                    let versioned_file = source
                        .versioned_file
                        .as_deref()
                        .map(|text| {
                            KeyRule::new("versioned_file", text, false).map_err(|e| field_error("versioned_file", e))
                        })
                        .transpose()?;
                    (source.bucket.clone(), Rule::S3 { regexp, versioned_file })
                }
                Source::Semver(source) if source.driver.as_deref().is_none_or(|driver| driver == "s3") => {
                    match (&source.bucket, &source.key) {
                        (Some(bucket), Some(key)) => {
                            let rule = KeyRule::new("key", key, false).map_err(|e| field_error("key", e))?;
                            (bucket.clone(), Rule::SemverKey(rule))
                        }
                        _ => {
                            let why =
                                "a semver resource with the s3 driver needs bucket and key; objects never match it";
                            tracing::warn!(pipeline = %resource.pipeline, resource = %resource.name, "{why}");
                            placement.push(Placement::Unmatchable(why.to_owned()));
                            continue;
                        }
                    }
                }
                Source::Semver(source) => {
                    let driver = source.driver.as_deref().unwrap_or_default();
                    placement.push(Placement::Unmatchable(format!(
                        "a semver resource with the {driver} driver keeps its version outside S3"
                    )));
                    continue;
                }
                _ => {
                    placement.push(Placement::Elsewhere);
                    continue;
                }
            };
            if let Some(name) = vars::first(&bucket) {
                let why = format!(
                    "bucket contains (({name})), which only the ATC resolves: objects never match this resource \
                     (write its value into concourse.json)"
                );
                tracing::warn!(pipeline = %resource.pipeline, resource = %resource.name, "{why}");
                placement.push(Placement::Unmatchable(why));
                continue;
            }
            let watchers = by_bucket.entry(bucket.clone()).or_default();
            placement.push(Placement::Indexed {
                bucket,
                position: watchers.len(),
            });
            watchers.push(Watcher { resource: index, rule });
        }
        Ok(Self { by_bucket, placement })
    }

    /// The number of resources the matcher watches.
    pub fn len(&self) -> usize {
        self.by_bucket.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_bucket.is_empty()
    }

    /// Every resource that watches `bucket`, in configuration order, with its verdict on `key`
    /// (decoded, see [`decode_key`]): those whose `matched_by` is set are to be checked.
    pub fn weigh_object(&self, bucket: &str, key: &str) -> Vec<(usize, S3Verdict)> {
        let Some(watchers) = self.by_bucket.get(bucket) else {
            return Vec::new();
        };
        watchers
            .iter()
            .map(|watcher| (watcher.resource, watcher.weigh(key)))
            .collect()
    }

    /// How the resource at `index` of the config weighs the object; `None` when it is neither an s3
    /// nor a semver resource.
    pub fn weigh(&self, index: usize, bucket: &str, key: &str) -> Option<S3Verdict> {
        match self.placement.get(index)? {
            Placement::Elsewhere => None,
            Placement::Unmatchable(why) => Some(S3Verdict::not(why.clone())),
            Placement::Indexed { bucket: watched, .. } if watched != bucket => {
                Some(S3Verdict::not(format!("watches bucket {watched}, not {bucket}")))
            }
            Placement::Indexed {
                bucket: watched,
                position,
            } => Some(self.by_bucket[watched][*position].weigh(key)),
        }
    }
}

impl Watcher {
    fn weigh(&self, key: &str) -> S3Verdict {
        let fields: Vec<(S3MatchReason, &str, &KeyRule)> = match &self.rule {
            Rule::S3 { regexp, versioned_file } => [
                versioned_file
                    .as_ref()
                    .map(|rule| (S3MatchReason::VersionedFile, "versioned_file", rule)),
                regexp.as_ref().map(|rule| (S3MatchReason::Regexp, "regexp", rule)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            Rule::SemverKey(rule) => vec![(S3MatchReason::SemverKey, "key", rule)],
        };
        let mut misses = Vec::new();
        for (reason, field, rule) in fields {
            let (matches, why, var) = rule.verdict(field, key);
            if matches {
                return S3Verdict {
                    matched_by: Some(reason),
                    reason: why,
                    var,
                };
            }
            misses.push(why);
        }
        S3Verdict::not(misses.join("; "))
    }
}

/// The s3 resource's anchoring of its `regexp`: `"^" + pattern + "$"`, compiled. The pattern syntax
/// is Go's RE2, which `regex_lite` shares for what s3 keys need (its `\d`, `\w`, `\s` are ASCII
/// like Go's; it has no `\p{...}` classes).
pub fn anchored(pattern: &str) -> Result<Regex, InvalidRegexp> {
    Regex::new(&format!("^{pattern}$")).map_err(InvalidRegexp)
}

/// A `regexp` that [`anchored`] cannot compile: not RE2, or a part of RE2 that `regex_lite` lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a regular expression: {0}")]
pub struct InvalidRegexp(#[source] regex_lite::Error);

/// An object key as S3 writes it into an event notification: URL-encoded the way HTML forms are, so
/// `+` is a space and everything else non-ASCII or reserved is `%XX`. Keys are UTF-8; a key that is
/// not (which S3 does not allow) keeps its invalid bytes as U+FFFD rather than failing the event.
pub fn decode_key(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matcher(resources: serde_json::Value) -> (ConcourseConfig, S3Matcher) {
        let config = ConcourseConfig::from_json(
            &json!({"atc_url": "https://ci", "team": "main", "auth": "bearer",
                    "type_aliases": {"s3-iam": "s3"}, "resources": resources})
            .to_string(),
        )
        .unwrap();
        let matcher = S3Matcher::new(&config).unwrap();
        (config, matcher)
    }

    fn names(config: &ConcourseConfig, matches: &[(usize, S3Verdict)]) -> Vec<String> {
        matches
            .iter()
            .filter_map(|(index, verdict)| Some(format!("{}:{:?}", config.resources[*index].name, verdict.matched_by?)))
            .collect()
    }

    #[test]
    fn vars_match_any_key_of_the_bucket_and_a_var_bucket_matches_nothing() {
        let (config, matcher) = matcher(json!([
            {"pipeline": "p", "resource": "any-regexp", "type": "s3", "source": {"bucket": "b", "regexp": "app/((prefix))-(.*).tgz"}},
            {"pipeline": "p", "resource": "any-file", "type": "s3", "source": {"bucket": "b", "versioned_file": "((file))"}},
            {"pipeline": "p", "resource": "any-key", "type": "semver", "source": {"bucket": "b", "key": "((key))"}},
            {"pipeline": "p", "resource": "var-bucket", "type": "s3", "source": {"bucket": "((bucket))", "regexp": "x"}},
            {"pipeline": "p", "resource": "timer", "type": "time"}
        ]));
        let found = matcher.weigh_object("b", "whatever/key");
        assert_eq!(
            names(&config, &found),
            ["any-regexp:Regexp", "any-file:VersionedFile", "any-key:SemverKey"]
        );
        assert_eq!(
            found[0].1.var.as_deref(),
            Some("regexp contains ((prefix)), resolved by the ATC at check time")
        );
        assert!(matcher.weigh_object("((bucket))", "x").is_empty());
        assert_eq!(found.len(), 3, "the var bucket is not indexed");
        let var_bucket = matcher.weigh(3, "b", "x").unwrap();
        assert!(var_bucket.matched_by.is_none() && var_bucket.reason.contains("bucket contains ((bucket))"));
        assert_eq!(matcher.weigh(4, "b", "x"), None);
        assert!(
            matcher
                .weigh(0, "other", "x")
                .unwrap()
                .reason
                .contains("watches bucket b")
        );
    }

    #[test]
    fn keys_decode_as_s3_encodes_them() {
        for (raw, key) in [
            ("plain/key.tgz", "plain/key.tgz"),
            ("with+space/a+b.txt", "with space/a b.txt"),
            ("plus%2Bsign", "plus+sign"),
            ("caf%C3%A9/%E6%97%A5%E6%9C%AC.tgz", "café/日本.tgz"),
            ("percent%25literal", "percent%literal"),
            ("bad%FFbyte", "bad\u{FFFD}byte"),
            ("dangling%", "dangling%"),
        ] {
            assert_eq!(decode_key(raw), key, "{raw}");
        }
    }

    #[test]
    fn objects_match_by_bucket_and_the_resources_own_rules() {
        let (config, matcher) = matcher(json!([
            {"pipeline": "p", "resource": "tarball", "type": "s3", "source": {"bucket": "builds", "regexp": "app/app-(.*)\\.tgz"}},
            {"pipeline": "p", "resource": "latest", "type": "s3-iam", "source": {"bucket": "builds", "versioned_file": "app/latest.tgz"}},
            {"pipeline": "p", "resource": "version", "type": "semver", "source": {"bucket": "versions", "key": "app"}},
            {"pipeline": "p", "resource": "version-s3", "type": "semver", "source": {"driver": "s3", "bucket": "versions", "key": "app"}},
            {"pipeline": "p", "resource": "version-git", "type": "semver", "source": {"driver": "git", "uri": "x", "bucket": "versions", "key": "app"}},
            {"pipeline": "p", "resource": "spaced", "type": "s3", "source": {"bucket": "builds", "regexp": "reports/Q(\\d) report\\.pdf"}},
            {"pipeline": "p", "resource": "unicode", "type": "s3", "source": {"bucket": "builds", "regexp": "café/日本-(.*)\\.tgz"}},
            {"pipeline": "p", "resource": "timer", "type": "time"}
        ]));
        let cases: [(&str, &str, &[&str]); 9] = [
            ("builds", "app/app-1.2.3.tgz", &["tarball:Regexp"]),
            ("builds", "app/latest.tgz", &["latest:VersionedFile"]),
            ("builds", "app/app-1.2.3.tgz.sha256", &[]),
            ("builds", "prefix/app/app-1.2.3.tgz", &[]),
            ("other", "app/app-1.2.3.tgz", &[]),
            ("versions", "app", &["version:SemverKey", "version-s3:SemverKey"]),
            ("versions", "app2", &[]),
            ("builds", "reports/Q3 report.pdf", &["spaced:Regexp"]),
            ("builds", "café/日本-2.tgz", &["unicode:Regexp"]),
        ];
        for (bucket, key, expected) in cases {
            assert_eq!(
                names(&config, &matcher.weigh_object(bucket, key)),
                expected,
                "{bucket}/{key}"
            );
        }
        assert_eq!(matcher.len(), 6);
    }

    #[test]
    fn a_regexp_is_anchored_exactly_as_the_s3_resource_anchors_it() {
        // Go: regexp.MatchString("^" + "a/x-.*|b/y" + "$", key): the alternation splits the anchors.
        let (config, matcher) = matcher(json!([
            {"pipeline": "p", "resource": "either", "type": "s3", "source": {"bucket": "b", "regexp": "a/x-.*|b/y"}}
        ]));
        for (key, matches) in [
            ("a/x-1", true),
            ("a/x-1/trailing", true),
            ("b/y", true),
            ("zzz/b/y", true),
            ("b/y/z", false),
            ("c/a/x-1", false),
        ] {
            let found = matcher.weigh_object("b", key);
            assert_eq!(found[0].1.matched_by.is_some(), matches, "{key}");
        }
        assert_eq!(config.resources.len(), 1);
    }

    #[test]
    fn a_bad_regexp_names_its_field() {
        let error = ConcourseConfig::from_json(
            &json!({"atc_url": "https://ci", "team": "main", "auth": "bearer", "resources": [
                {"pipeline": "p", "resource": "r", "type": "s3", "source": {"bucket": "b", "regexp": "app-(.*.tgz"}}
            ]})
            .to_string(),
        )
        .unwrap_err();
        assert_eq!(error.path, "resources[0].source.regexp", "{error}");
    }
}
