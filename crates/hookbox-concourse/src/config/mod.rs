//! The pipeline configuration a notifier function is built with: which ATC and team, how it
//! authenticates, and the resources it may check with the source fields that matching needs.
//!
//! The file is JSON ([`file`](mod@file): the model the generator writes and this reads; see
//! `config/concourse.example.json`). It is baked into the function at build time and parsed by a test,
//! so a bad file fails CI with the JSON path of the bad field (`resources[3].source.uri`) instead of
//! failing a cold start. Secrets never belong in it: a `webhook_token` may be written as `((name))`,
//! which the function resolves from its secrets at cold start.

pub mod file;

use std::collections::BTreeMap;

pub use self::file::{ConfigFile, ResourceEntry, ResourceKey, SourceFields};
use crate::{AuthMode, Kind, vars};

/// A configuration error, with the JSON path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcourseConfig {
    /// The ATC's base URL, without a trailing `/`.
    pub atc_url: String,
    pub team: String,
    pub auth: AuthMode,
    pub resources: Vec<Resource>,
}

/// One resource the function may check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub pipeline: String,
    pub instance_vars: Option<serde_json::Map<String, serde_json::Value>>,
    pub name: String,
    /// The type name as the pipeline writes it.
    pub type_name: String,
    pub webhook_token: Option<WebhookToken>,
    pub source: Source,
}

/// A resource's `webhook_token`: written in the file, or the name of one of the function's secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum WebhookToken {
    Literal(String),
    /// `((name))`: resolved from the function's secrets at cold start.
    Secret(String),
}

impl std::fmt::Debug for WebhookToken {
    /// Never prints a literal token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Literal(_) => f.write_str("Literal(***)"),
            Self::Secret(name) => write!(f, "Secret({name:?})"),
        }
    }
}

/// What a resource watches, by the built-in type it is (or is mapped onto).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Git(GitSource),
    S3(S3Source),
    Semver(SemverSource),
    /// A type no matcher knows: kept so that the config can list it, never matched.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSource {
    pub uri: String,
    /// `None`: the repository's default branch.
    pub branch: Option<String>,
    pub paths: Vec<String>,
    pub ignore_paths: Vec<String>,
    /// `git tag --list` glob of the tags the resource tracks.
    pub tag_filter: Option<String>,
    /// Extended regular expression (`grep -Ex`) of the tags the resource tracks.
    pub tag_regex: Option<String>,
    /// Whether `[ci skip]` / `[skip ci]` commits count as new versions too.
    pub disable_ci_skip: bool,
}

impl GitSource {
    /// Whether the resource tracks tags (`tag_filter` or `tag_regex`) rather than branch commits.
    pub fn tracks_tags(&self) -> bool {
        self.tag_filter.is_some() || self.tag_regex.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Source {
    pub bucket: String,
    pub regexp: Option<String>,
    pub versioned_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemverSource {
    /// `None` is the s3 driver, the semver resource's default.
    pub driver: Option<String>,
    pub bucket: Option<String>,
    pub key: Option<String>,
}

impl ConcourseConfig {
    /// The configuration of a function built without a file: it matches nothing, and says so.
    pub fn empty() -> Self {
        Self {
            atc_url: String::new(),
            team: String::new(),
            auth: AuthMode::WebhookToken,
            resources: Vec::new(),
        }
    }

    /// Parses ([`ConfigFile::parse`]) and validates a configuration file.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let file = ConfigFile::parse(text)?;
        let atc_url = file.atc_url.trim().trim_end_matches('/').to_owned();
        if !(atc_url.starts_with("https://") || atc_url.starts_with("http://")) || atc_url.len() <= "https://".len() {
            return Err(ConfigError::at(
                "atc_url",
                format!("{:?} is not an http(s) URL", file.atc_url),
            ));
        }
        non_empty("team", &file.team)?;
        let resources = file
            .resources
            .into_iter()
            .enumerate()
            .map(|(index, entry)| validate_resource(index, entry, &file.type_aliases, file.auth))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            atc_url,
            team: file.team,
            auth: file.auth,
            resources,
        })
    }

    /// The names of the secrets that `((name))` webhook tokens refer to.
    pub fn token_secret_names(&self) -> impl Iterator<Item = &str> {
        self.resources
            .iter()
            .filter_map(|resource| match &resource.webhook_token {
                Some(WebhookToken::Secret(name)) => Some(name.as_str()),
                _ => None,
            })
    }
}

fn validate_resource(
    index: usize,
    entry: ResourceEntry,
    aliases: &BTreeMap<String, Kind>,
    auth: AuthMode,
) -> Result<Resource, ConfigError> {
    let at = |field: &str| format!("resources[{index}].{field}");
    non_empty(&at("pipeline"), &entry.pipeline)?;
    non_empty(&at("resource"), &entry.resource)?;
    non_empty(&at("type"), &entry.type_name)?;
    let webhook_token = match entry.webhook_token {
        None => None,
        Some(token) => Some(parse_token(&at("webhook_token"), token)?),
    };
    if webhook_token.is_none() && auth == AuthMode::WebhookToken {
        return Err(ConfigError::at(
            at("webhook_token"),
            "required when auth is \"webhook_token\" (or set auth to \"bearer\" or \"password\")",
        ));
    }
    let source = entry.source;
    let source = match Kind::of_type(&entry.type_name, aliases) {
        Some(Kind::Git) => {
            let uri = source
                .uri
                .filter(|uri| !uri.trim().is_empty())
                .ok_or_else(|| ConfigError::at(at("source.uri"), "a git resource needs a uri"))?;
            for (field, patterns) in [("paths", &source.paths), ("ignore_paths", &source.ignore_paths)] {
                if let Some(position) = patterns.iter().position(|p| p.trim().is_empty()) {
                    return Err(ConfigError::at(
                        at(&format!("source.{field}[{position}]")),
                        "an empty pattern",
                    ));
                }
            }
            Source::Git(GitSource {
                uri,
                branch: source.branch.filter(|branch| !branch.trim().is_empty()),
                paths: source.paths,
                ignore_paths: source.ignore_paths,
                tag_filter: source.tag_filter.filter(|filter| !filter.trim().is_empty()),
                tag_regex: source.tag_regex.filter(|regex| !regex.trim().is_empty()),
                disable_ci_skip: source.disable_ci_skip,
            })
        }
        Some(Kind::S3) => {
            let bucket = source
                .bucket
                .ok_or_else(|| ConfigError::at(at("source.bucket"), "an s3 resource needs a bucket"))?;
            if source.regexp.is_none() && source.versioned_file.is_none() {
                return Err(ConfigError::at(
                    at("source"),
                    "an s3 resource needs regexp or versioned_file",
                ));
            }
            // A `((var))` is the ATC's to resolve at check time: the matcher lets it match any key.
            if let Some(pattern) = source.regexp.as_ref().filter(|pattern| !vars::any(pattern)) {
                crate::s3::anchored(pattern)
                    .map_err(|error| ConfigError::at(at("source.regexp"), error.to_string()))?;
            }
            Source::S3(S3Source {
                bucket,
                regexp: source.regexp,
                versioned_file: source.versioned_file,
            })
        }
        Some(Kind::Semver) => Source::Semver(SemverSource {
            driver: source.driver,
            bucket: source.bucket,
            key: source.key,
        }),
        None => Source::Other,
    };
    Ok(Resource {
        pipeline: entry.pipeline,
        instance_vars: entry.instance_vars.filter(|vars| !vars.is_empty()),
        name: entry.resource,
        type_name: entry.type_name,
        webhook_token,
        source,
    })
}

/// A token is literal unless it holds a var. Concourse interpolates every `((...))` of a pipeline, so
/// text with a var is never meant literally; the function resolves only a whole `((name))`.
fn parse_token(path: &str, token: String) -> Result<WebhookToken, ConfigError> {
    if token.trim().is_empty() {
        return Err(ConfigError::at(path, "an empty token"));
    }
    if let Some(name) = vars::whole(&token) {
        return Ok(WebhookToken::Secret(name.to_owned()));
    }
    if vars::any(&token) {
        return Err(ConfigError::at(
            path,
            "holds a ((var)) but is not one whole ((name)), the only kind the function resolves (from its secrets)",
        ));
    }
    Ok(WebhookToken::Literal(token))
}

fn non_empty(path: &str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(ConfigError::at(path, "must not be empty"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<ConcourseConfig, ConfigError> {
        ConcourseConfig::from_json(&value.to_string())
    }

    fn git(name: &str) -> serde_json::Value {
        json!({"pipeline": "app", "resource": name, "type": "git", "webhook_token": "((app))",
               "source": {"uri": "https://github.com/o/r.git", "private_key": "ignored"}})
    }

    #[test]
    fn a_full_config_is_read_with_every_resource_kind() {
        let config = parse(json!({
            "atc_url": "https://ci.example.com/", "team": "main", "auth": "bearer",
            "type_aliases": {"s3-iam": "s3"},
            "resources": [
                {"pipeline": "app", "instance_vars": {"branch": "x"}, "resource": "repo", "type": "git",
                 "webhook_token": "literal", "source": {"uri": "git@github.com:o/r", "branch": "main",
                 "paths": ["src"], "ignore_paths": ["*.md"]}},
                {"pipeline": "app", "resource": "tags", "type": "git", "source": {"uri": "https://github.com/o/r", "tag_filter": "v*"}},
                {"pipeline": "app", "resource": "tarball", "type": "s3-iam", "source": {"bucket": "b", "regexp": "x-(.*).tgz"}},
                {"pipeline": "app", "resource": "version", "type": "semver", "source": {"driver": "git"}},
                {"pipeline": "app", "resource": "timer", "type": "time"}
            ]
        }))
        .unwrap();
        assert_eq!(config.atc_url, "https://ci.example.com");
        assert_eq!(config.auth, AuthMode::Bearer);
        let repo = &config.resources[0];
        assert_eq!(repo.instance_vars.as_ref().unwrap()["branch"], "x");
        assert_eq!(repo.webhook_token, Some(WebhookToken::Literal("literal".into())));
        assert_eq!(format!("{:?}", repo.webhook_token), "Some(Literal(***))");
        let Source::Git(source) = &repo.source else {
            panic!("{repo:?}")
        };
        assert_eq!(source.branch.as_deref(), Some("main"));
        assert!(!source.tracks_tags());
        assert!(matches!(&config.resources[1].source, Source::Git(g) if g.tracks_tags()));
        assert!(matches!(&config.resources[2].source, Source::S3(s) if s.bucket == "b"));
        assert!(matches!(&config.resources[3].source, Source::Semver(s) if s.driver.as_deref() == Some("git")));
        assert_eq!(config.resources[4].source, Source::Other);
    }

    #[test]
    fn errors_name_the_path_of_the_bad_field() {
        let base =
            |resources: serde_json::Value| json!({"atc_url": "https://ci", "team": "main", "resources": resources});
        let cases = [
            (json!({"atc_url": "ftp://x", "team": "main"}), "atc_url"),
            (json!({"atc_url": "https://ci", "team": " "}), "team"),
            (
                json!({"atc_url": "https://ci", "team": "t", "type_aliases": {"x": "docker"}}),
                "type_aliases.x",
            ),
            (
                base(json!([git("a"), {"pipeline": "p", "resource": "r", "type": "git", "webhook_token": "t"}])),
                "resources[1].source.uri",
            ),
            (
                base(json!([{"pipeline": "p", "resource": "r", "type": "git", "source": {"uri": "u"}}])),
                "resources[0].webhook_token",
            ),
            (
                base(
                    json!([{"pipeline": "p", "resource": "r", "type": "git", "webhook_token": "(( ))", "source": {"uri": "u"}}]),
                ),
                "resources[0].webhook_token",
            ),
            (
                base(
                    json!([{"pipeline": "p", "resource": "r", "type": "git", "webhook_token": "t", "source": {"uri": "u", "paths": ["a", ""]}}]),
                ),
                "resources[0].source.paths[1]",
            ),
            (
                base(
                    json!([{"pipeline": "p", "resource": "r", "type": "s3", "webhook_token": "t", "source": {"bucket": "b"}}]),
                ),
                "resources[0].source",
            ),
            (
                base(
                    json!([{"pipeline": "p", "resource": "r", "type": "git", "webhook_token": "t", "source": {"uri": "u", "paths": "src"}}]),
                ),
                "resources[0].source.paths",
            ),
            (
                base(json!([{"pipeline": "p", "resource": "r", "type": "git", "colour": "red"}])),
                "resources[0].colour",
            ),
        ];
        for (file, path) in cases {
            let error = parse(file.clone()).unwrap_err();
            assert_eq!(error.path, path, "{file}: {error}");
        }
    }

    #[test]
    fn vars_in_matched_fields_are_accepted_for_the_atc_to_resolve() {
        let config = parse(json!({"atc_url": "https://ci", "team": "main", "auth": "bearer", "resources": [
            {"pipeline": "p", "resource": "g", "type": "git", "source": {"uri": "https://github.com/((org))/r",
             "branch": "((branch))", "tag_regex": "((tags))", "disable_ci_skip": true}},
            {"pipeline": "p", "resource": "s", "type": "s3", "source": {"bucket": "((bucket))", "regexp": "((dir))/app-(.*"}},
            {"pipeline": "p", "resource": "f", "type": "s3", "source": {"bucket": "b", "versioned_file": "((file))"}},
            {"pipeline": "p", "resource": "v", "type": "semver", "source": {"bucket": "b", "key": "((key))"}}
        ]}))
        .unwrap();
        let Source::Git(git) = &config.resources[0].source else {
            panic!("{config:?}")
        };
        assert_eq!(
            (git.branch.as_deref(), git.tag_regex.as_deref(), git.disable_ci_skip),
            (Some("((branch))"), Some("((tags))"), true)
        );
        assert!(git.tracks_tags());
    }

    #[test]
    fn token_references_are_listed_for_the_function_to_resolve() {
        let config =
            parse(json!({"atc_url": "https://ci", "team": "main", "resources": [git("a"), git("b")]})).unwrap();
        assert_eq!(config.token_secret_names().collect::<Vec<_>>(), ["app", "app"]);
    }

    #[test]
    fn a_token_is_literal_or_one_whole_var() {
        let token = |token: &str| {
            let resource = json!({"pipeline": "p", "resource": "r", "type": "git", "webhook_token": token,
                                  "source": {"uri": "u"}});
            parse(json!({"atc_url": "https://ci", "team": "main", "resources": [resource]}))
                .map(|config| config.resources[0].webhook_token.clone())
        };
        assert_eq!(token(" (( app )) "), Ok(Some(WebhookToken::Secret("app".into()))));
        assert_eq!(token(" s3cr3t "), Ok(Some(WebhookToken::Literal(" s3cr3t ".into()))));
        // Concourse would interpolate these in the pipeline: never a literal, and no name to resolve.
        for mixed in ["prefix-((app))", "((a))((b))", "(( ))"] {
            let error = token(mixed).unwrap_err();
            assert_eq!(error.path, "resources[0].webhook_token", "{mixed}: {error}");
            assert!(error.message.contains("not one whole ((name))"), "{mixed}: {error}");
        }
    }

    #[test]
    fn a_rendered_model_validates_into_the_same_resources() {
        let entry = |resource: &str, type_name: &str, source: SourceFields| ResourceEntry {
            pipeline: "app".into(),
            instance_vars: None,
            resource: resource.into(),
            type_name: type_name.into(),
            webhook_token: Some(format!("(({resource}))")),
            source,
        };
        let file = ConfigFile {
            atc_url: "https://ci.example.com".into(),
            team: "main".into(),
            auth: AuthMode::WebhookToken,
            type_aliases: BTreeMap::from([("s3-iam".to_owned(), Kind::S3)]),
            resources: vec![
                entry(
                    "repo",
                    "git",
                    SourceFields {
                        uri: Some("https://github.com/o/r".into()),
                        branch: Some("main".into()),
                        paths: vec!["src".into()],
                        tag_filter: Some("v*".into()),
                        ..SourceFields::default()
                    },
                ),
                entry(
                    "tarball",
                    "s3-iam",
                    SourceFields {
                        bucket: Some("b".into()),
                        regexp: Some("x-(.*).tgz".into()),
                        ..SourceFields::default()
                    },
                ),
                entry(
                    "version",
                    "semver",
                    SourceFields {
                        bucket: Some("v".into()),
                        key: Some("k".into()),
                        ..SourceFields::default()
                    },
                ),
            ],
        };
        let config = ConcourseConfig::from_json(&file.render()).unwrap();
        assert_eq!(
            (config.atc_url.as_str(), config.team.as_str()),
            ("https://ci.example.com", "main")
        );
        assert_eq!(config.auth, file.auth);
        let read: Vec<(&str, &str, Option<&WebhookToken>)> = config
            .resources
            .iter()
            .map(|r| (r.name.as_str(), r.type_name.as_str(), r.webhook_token.as_ref()))
            .collect();
        let secret = |name: &str| WebhookToken::Secret(name.into());
        assert_eq!(
            read,
            [
                ("repo", "git", Some(&secret("repo"))),
                ("tarball", "s3-iam", Some(&secret("tarball"))),
                ("version", "semver", Some(&secret("version"))),
            ]
        );
        assert_eq!(
            config.resources[0].source,
            Source::Git(GitSource {
                uri: "https://github.com/o/r".into(),
                branch: Some("main".into()),
                paths: vec!["src".into()],
                ignore_paths: Vec::new(),
                tag_filter: Some("v*".into()),
                tag_regex: None,
                disable_ci_skip: false,
            })
        );
        assert_eq!(
            config.resources[1].source,
            Source::S3(S3Source {
                bucket: "b".into(),
                regexp: Some("x-(.*).tgz".into()),
                versioned_file: None,
            })
        );
        assert_eq!(
            config.resources[2].source,
            Source::Semver(SemverSource {
                driver: None,
                bucket: Some("v".into()),
                key: Some("k".into()),
            })
        );
    }
}
