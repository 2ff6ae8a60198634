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
//! Resources are indexed by bucket, so an object weighs only the resources of its own bucket.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;
use regex_lite::Regex;
use serde::Serialize;

use crate::config::{ConcourseConfig, ConfigError, Source};

/// The s3 and semver resources of a configuration, indexed by bucket.
#[derive(Debug, Default)]
pub struct S3Matcher {
    by_bucket: HashMap<String, Vec<Watcher>>,
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
        regexp: Option<Regex>,
        versioned_file: Option<String>,
    },
    SemverKey(String),
}

/// Why a resource is checked.
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

impl S3Matcher {
    /// Indexes the s3 and semver(s3) resources of `config`. A `regexp` the s3 resource could not use
    /// either is an error naming its field (the config's own validation reports it first).
    pub fn new(config: &ConcourseConfig) -> Result<Self, ConfigError> {
        let mut by_bucket: HashMap<String, Vec<Watcher>> = HashMap::new();
        for (index, resource) in config.resources.iter().enumerate() {
            let (bucket, rule) = match &resource.source {
                Source::S3(source) => {
                    let regexp = source
                        .regexp
                        .as_deref()
                        .map(|pattern| {
                            anchored(pattern).map_err(|error| {
                                ConfigError::at(format!("resources[{index}].source.regexp"), error.to_string())
                            })
                        })
                        .transpose()?;
                    let rule = Rule::S3 {
                        regexp,
                        versioned_file: source.versioned_file.clone(),
                    };
                    (source.bucket.clone(), rule)
                }
                Source::Semver(source) if source.driver.as_deref().is_none_or(|driver| driver == "s3") => {
                    match (&source.bucket, &source.key) {
                        (Some(bucket), Some(key)) => (bucket.clone(), Rule::SemverKey(key.clone())),
                        _ => {
                            tracing::warn!(
                                pipeline = %resource.pipeline,
                                resource = %resource.name,
                                "a semver resource with the s3 driver needs bucket and key; objects will not match it"
                            );
                            continue;
                        }
                    }
                }
                _ => continue,
            };
            by_bucket
                .entry(bucket)
                .or_default()
                .push(Watcher { resource: index, rule });
        }
        Ok(Self { by_bucket })
    }

    /// The number of resources the matcher watches.
    pub fn len(&self) -> usize {
        self.by_bucket.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_bucket.is_empty()
    }

    /// The resources that watch `key` (decoded, see [`decode_key`]) in `bucket`, in configuration
    /// order, each with why.
    pub fn match_object(&self, bucket: &str, key: &str) -> Vec<(usize, S3MatchReason)> {
        let Some(watchers) = self.by_bucket.get(bucket) else {
            return Vec::new();
        };
        watchers
            .iter()
            .filter_map(|watcher| {
                let reason = match &watcher.rule {
                    Rule::S3 { versioned_file, .. } if versioned_file.as_deref() == Some(key) => {
                        S3MatchReason::VersionedFile
                    }
                    Rule::S3 {
                        regexp: Some(regexp), ..
                    } if regexp.is_match(key) => S3MatchReason::Regexp,
                    Rule::SemverKey(watched) if watched == key => S3MatchReason::SemverKey,
                    _ => return None,
                };
                Some((watcher.resource, reason))
            })
            .collect()
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

    fn names(config: &ConcourseConfig, matches: &[(usize, S3MatchReason)]) -> Vec<String> {
        matches
            .iter()
            .map(|(index, reason)| format!("{}:{reason:?}", config.resources[*index].name))
            .collect()
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
                names(&config, &matcher.match_object(bucket, key)),
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
            assert_eq!(!matcher.match_object("b", key).is_empty(), matches, "{key}");
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
