//! `--check`: what differs between the committed file and the one the ATC gives now, named by resource
//! and field, so that a reviewer sees which pipeline changed.

use std::collections::BTreeMap;

use hookbox_concourse::config::{ConfigFile, ResourceEntry, ResourceKey, SourceFields};

/// One difference between the file and the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// On the server, not in the file.
    Added(String),
    /// In the file, not on the server.
    Removed(String),
    /// In both, with these fields different.
    Changed(String, Vec<String>),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Added(what) => write!(f, "added: {what}"),
            Self::Removed(what) => write!(f, "removed: {what}"),
            Self::Changed(what, fields) => write!(f, "changed: {what}: {}", fields.join(", ")),
        }
    }
}

/// What changes from `old` (the file) to `new` (the server now): the file's own settings first, then
/// the resources in key order.
pub fn diff(old: &ConfigFile, new: &ConfigFile) -> Vec<Change> {
    let mut changes = Vec::new();
    let settings = [
        ("atc_url", old.atc_url != new.atc_url),
        ("team", old.team != new.team),
        ("auth", old.auth != new.auth),
        ("type_aliases", old.type_aliases != new.type_aliases),
    ];
    let changed_settings: Vec<String> = settings
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(name, _)| (*name).to_owned())
        .collect();
    if !changed_settings.is_empty() {
        changes.push(Change::Changed("settings".to_owned(), changed_settings));
    }
    let index = |file: &ConfigFile| -> BTreeMap<ResourceKey, ResourceEntry> {
        file.resources
            .iter()
            .map(|resource| (resource.key(), resource.clone()))
            .collect()
    };
    let (old, new) = (index(old), index(new));
    let mut keys: Vec<&ResourceKey> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        match (old.get(key), new.get(key)) {
            (None, Some(added)) => changes.push(Change::Added(label(added))),
            (Some(removed), None) => changes.push(Change::Removed(label(removed))),
            (Some(before), Some(after)) => {
                let fields = changed_fields(before, after);
                if !fields.is_empty() {
                    changes.push(Change::Changed(label(after), fields));
                }
            }
            (None, None) => {}
        }
    }
    changes
}

/// `pipeline/resource`, with the instance vars after it.
fn label(resource: &ResourceEntry) -> String {
    let (pipeline, instance, name) = resource.key();
    if instance.is_empty() {
        format!("{pipeline}/{name}")
    } else {
        format!("{pipeline}/{name} (instance {instance})")
    }
}

/// The names of the fields that differ (`type`, `webhook_token`, `source.branch`, ...).
fn changed_fields(before: &ResourceEntry, after: &ResourceEntry) -> Vec<String> {
    let mut fields = Vec::new();
    if before.type_name != after.type_name {
        fields.push("type".to_owned());
    }
    if before.webhook_token != after.webhook_token {
        fields.push("webhook_token".to_owned());
    }
    let as_map = |source: &SourceFields| match serde_json::to_value(source) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (old, new) = (as_map(&before.source), as_map(&after.source));
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        if old.get(name) != new.get(name) {
            fields.push(format!("source.{name}"));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbox_concourse::AuthMode;
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
    fn the_diff_names_added_removed_and_changed_resources() {
        let mut changed = entry("a", "repo", None);
        changed.source.branch = Some("main".into());
        changed.webhook_token = None;
        let old = file(vec![entry("a", "repo", None), entry("a", "gone", None)]);
        let mut new = file(vec![changed, entry("a", "new", Some(json!({"env": "dev"})))]);
        new.auth = AuthMode::Bearer;
        let lines: Vec<String> = diff(&old, &new).iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "changed: settings: auth",
                "removed: a/gone",
                "changed: a/repo: webhook_token, source.branch",
                "added: a/new (instance {\"env\":\"dev\"})",
            ]
        );
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn a_hand_written_file_compares_by_the_fields_that_matter() {
        let text = r#"{"atc_url": "https://ci", "team": "main", "resources": [{"pipeline": "a", "resource": "repo",
            "type": "git", "webhook_token": "((t))", "source": {"uri": "https://github.com/o/r", "private_key": "k"}}]}"#;
        let existing = ConfigFile::parse(text).unwrap();
        assert!(diff(&existing, &file(vec![entry("a", "repo", None)])).is_empty());
    }
}
