//! The file the generator writes: the format `hookbox_concourse::ConcourseConfig::from_json` reads,
//! written the same way every time (resources sorted, keys in a fixed order, two-space JSON, a final
//! newline), so that a regenerated file differs from the committed one only where a pipeline changed,
//! and `--check` ([`super::diff`]) can say which resources did.

use std::collections::BTreeMap;

use hookbox_concourse::{AuthMode, Kind};
use serde::{Deserialize, Serialize};

/// The whole file. Field order is the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub atc_url: String,
    pub team: String,
    /// A hand-written file may leave it out, as the functions default it.
    #[serde(default)]
    pub auth: AuthMode,
    #[serde(default)]
    pub type_aliases: BTreeMap<String, Kind>,
    #[serde(default)]
    pub resources: Vec<ResourceEntry>,
}

/// One resource. Field order is the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceEntry {
    pub pipeline: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_vars: Option<serde_json::Map<String, serde_json::Value>>,
    pub resource: String,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_token: Option<String>,
    #[serde(default)]
    pub source: SourceFields,
}

/// The source fields that matching reads, and no others: a pipeline's source also holds private keys
/// and access keys, which must never reach the file. Unknown fields of an existing (hand-written) file
/// are ignored when it is compared, as the functions ignore them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFields {
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

impl ResourceEntry {
    /// What identifies the resource: pipeline, instance (as compact JSON with sorted keys, `""` for
    /// none) and name. Sorting by it puts a pipeline's plain resources before its instances'.
    pub fn key(&self) -> (String, String, String) {
        let instance = match &self.instance_vars {
            Some(vars) if !vars.is_empty() => serde_json::Value::Object(vars.clone()).to_string(),
            _ => String::new(),
        };
        (self.pipeline.clone(), instance, self.resource.clone())
    }
}

impl ConfigFile {
    /// The file's text: resources sorted by [`ResourceEntry::key`], pretty JSON, a final newline.
    pub fn render(&self) -> String {
        let mut sorted = self.clone();
        sorted.resources.sort_by_key(ResourceEntry::key);
        let mut text = serde_json::to_string_pretty(&sorted).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads an existing file for comparison.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
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
}
