//! `concourse.json` as written: the one model of the file that the generator (`hookbox
//! concourse-config`) writes and the notifiers read.
//!
//! Reading is strict where a typo would silently change what is matched (an unknown field of the file or
//! of a resource is an error) and lenient in `source`, whose other fields (keys, credentials) a
//! hand-written file may carry over from the pipeline and matching ignores. Writing is deterministic
//! ([`ConfigFile::render`]), so that a regenerated file differs from the committed one only where a
//! pipeline changed. [`ConcourseConfig::from_json`](super::ConcourseConfig::from_json) validates what
//! this reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::{AuthMode, Kind};

/// The whole file. Field order is the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub atc_url: String,
    pub team: String,
    #[serde(default)]
    pub auth: AuthMode,
    /// Custom resource type names mapped onto the kind they behave like (`"s3-iam": "s3"`).
    #[serde(default)]
    pub type_aliases: BTreeMap<String, Kind>,
    #[serde(default)]
    pub resources: Vec<ResourceEntry>,
}

/// One resource a notifier may check. Field order is the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceEntry {
    pub pipeline: String,
    /// The instance vars of an instanced pipeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_vars: Option<serde_json::Map<String, serde_json::Value>>,
    pub resource: String,
    /// The type name as the pipeline writes it.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Literal, or `((name))` for one of the function's secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_token: Option<String>,
    #[serde(default)]
    pub source: SourceFields,
}

/// The source fields that matching reads, and no others: a pipeline's source also holds private keys and
/// access keys, which the generator never writes and reading ignores. Field order is the order written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFields {
    // git
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_regex: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_ci_skip: bool,
    // semver and s3
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regexp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioned_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// What identifies a resource: its pipeline, its instance (the instance vars as compact JSON with sorted
/// keys, `""` for none) and its name.
pub type ResourceKey = (String, String, String);

impl ResourceEntry {
    /// The resource's [`ResourceKey`]. Sorting by it puts a pipeline's plain resources before its
    /// instances'.
    pub fn key(&self) -> ResourceKey {
        let instance = match &self.instance_vars {
            Some(vars) if !vars.is_empty() => serde_json::Value::Object(vars.clone()).to_string(),
            _ => String::new(),
        };
        (self.pipeline.clone(), instance, self.resource.clone())
    }
}

impl ConfigFile {
    /// Reads a file, with the JSON path of a bad field (`resources[3].source.paths`) in the error.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            ConfigError::at(path, error.into_inner().to_string())
        })
    }

    /// The file's text: resources sorted by [`ResourceEntry::key`], two-space JSON, a final newline.
    pub fn render(&self) -> String {
        let mut sorted = self.clone();
        sorted.resources.sort_by_key(ResourceEntry::key);
        let mut text = serde_json::to_string_pretty(&sorted).expect("every map of the file has string keys");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(pipeline: &str, resource: &str, vars: Option<serde_json::Value>) -> ResourceEntry {
        ResourceEntry {
            pipeline: pipeline.into(),
            instance_vars: vars.and_then(|vars| vars.as_object().cloned()),
            resource: resource.into(),
            type_name: "git".into(),
            webhook_token: Some("((t))".into()),
            source: SourceFields {
                uri: Some("https://github.com/o/r".into()),
                ..SourceFields::default()
            },
        }
    }

    fn file(resources: Vec<ResourceEntry>) -> ConfigFile {
        ConfigFile {
            atc_url: "https://ci".into(),
            team: "main".into(),
            auth: AuthMode::WebhookToken,
            type_aliases: BTreeMap::new(),
            resources,
        }
    }

    #[test]
    fn rendering_sorts_resources_and_keeps_the_key_order() {
        let text = file(vec![
            entry("b", "x", None),
            entry("a", "z", Some(json!({"env": "prod"}))),
            entry("a", "z", None),
            entry("a", "y", Some(json!({"env": "dev"}))),
        ])
        .render();
        let order: Vec<(String, Option<serde_json::Value>)> = ConfigFile::parse(&text)
            .unwrap()
            .resources
            .iter()
            .map(|r| {
                (
                    r.resource.clone(),
                    r.instance_vars.clone().map(serde_json::Value::Object),
                )
            })
            .collect();
        assert_eq!(
            order,
            [
                ("z".to_owned(), None),
                ("y".to_owned(), Some(json!({"env": "dev"}))),
                ("z".to_owned(), Some(json!({"env": "prod"}))),
                ("x".to_owned(), None),
            ]
        );
        assert!(text.ends_with("}\n"));
        let first = text.find("\"pipeline\"").unwrap();
        assert!(
            first < text.find("\"resource\"").unwrap()
                && text.find("\"type\"").unwrap() < text.find("\"source\"").unwrap()
        );
        assert!(
            text.starts_with(
                "{\n  \"atc_url\": \"https://ci\",\n  \"team\": \"main\",\n  \"auth\": \"webhook_token\","
            )
        );
    }

    #[test]
    fn a_rendered_file_reads_back_as_it_was_written() {
        let mut tagged = entry("a", "tags", None);
        tagged.webhook_token = None;
        tagged.source.tag_regex = Some("v.*".into());
        tagged.source.disable_ci_skip = true;
        let s3 = ResourceEntry {
            type_name: "s3-iam".into(),
            source: SourceFields {
                bucket: Some("b".into()),
                regexp: Some("x-(.*).tgz".into()),
                ..SourceFields::default()
            },
            ..entry("a", "tarball", Some(json!({"env": "dev"})))
        };
        let mut written = file(vec![s3, tagged, entry("a", "repo", None)]);
        written.auth = AuthMode::Password;
        written.type_aliases = BTreeMap::from([("s3-iam".to_owned(), Kind::S3)]);
        let text = written.render();
        assert_eq!(
            text.matches("disable_ci_skip").count(),
            1,
            "written only when true: {text}"
        );
        let read = ConfigFile::parse(&text).unwrap();
        assert_eq!(read.render(), text);
        written.resources.sort_by_key(ResourceEntry::key);
        assert_eq!(read, written);
    }

    #[test]
    fn unknown_fields_are_refused_except_in_a_source() {
        let with = |resource: serde_json::Value| {
            json!({"atc_url": "https://ci", "team": "main", "resources": [resource]}).to_string()
        };
        let kept = ConfigFile::parse(&with(
            json!({"pipeline": "a", "resource": "r", "type": "git", "source": {"uri": "u", "private_key": "k"}}),
        ))
        .unwrap();
        assert_eq!(kept.resources[0].source.uri.as_deref(), Some("u"));
        let resource_field = ConfigFile::parse(&with(
            json!({"pipeline": "a", "resource": "r", "type": "git", "colour": "red"}),
        ));
        assert_eq!(resource_field.unwrap_err().path, "resources[0].colour");
        let file_field = ConfigFile::parse(r#"{"atc_url": "https://ci", "team": "main", "comment": "x"}"#);
        assert_eq!(file_field.unwrap_err().path, "comment");
        let alias = ConfigFile::parse(r#"{"atc_url": "https://ci", "team": "main", "type_aliases": {"x": "docker"}}"#);
        let error = alias.unwrap_err();
        assert_eq!(error.path, "type_aliases.x");
        assert!(
            error.message.contains("\"docker\" is none of git, s3, semver"),
            "{error}"
        );
    }
}
