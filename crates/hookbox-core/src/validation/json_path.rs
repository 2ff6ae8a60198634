//! Dotted JSON field paths for body rules and templates: `project.items.name`. A step through an
//! array looks into every element, so a path names every value it can reach, and a rule holds when
//! any of them matches.

use serde_json::Value;

use crate::path::invalid;
use crate::routes::InvalidValue;

/// A parsed path: its dot-separated field names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(Vec<String>);

impl JsonPath {
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let fields: Vec<String> = text.split('.').map(str::to_owned).collect();
        if fields.iter().any(String::is_empty) {
            return Err(invalid!(
                "{text:?} is not a dotted field path like repository.full_name"
            ));
        }
        Ok(Self(fields))
    }

    /// Every scalar the path reaches, as text (strings as they are, numbers and booleans as JSON
    /// writes them). Objects and nulls are not text and are skipped.
    pub fn texts(&self, document: &Value) -> Vec<String> {
        let mut found = Vec::new();
        collect(document, &self.0, &mut found);
        found
    }
}

fn collect(value: &Value, fields: &[String], found: &mut Vec<String>) {
    if let Value::Array(items) = value {
        for item in items {
            collect(item, fields, found);
        }
        return;
    }
    match fields.split_first() {
        Some((field, rest)) => {
            if let Some(child) = value.get(field) {
                collect(child, rest, found);
            }
        }
        None => match value {
            Value::String(text) => found.push(text.clone()),
            Value::Number(number) => found.push(number.to_string()),
            Value::Bool(flag) => found.push(flag.to_string()),
            Value::Null | Value::Object(_) | Value::Array(_) => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(path: &str, document: Value) -> Vec<String> {
        JsonPath::parse(path).unwrap().texts(&document)
    }

    #[test]
    fn paths_reach_through_objects_and_arrays() {
        let doc = json!({"project": {"items": [{"name": "example_12"}, {"name": "other"}, {"id": 3}]}});
        assert_eq!(texts("project.items.name", doc.clone()), ["example_12", "other"]);
        assert_eq!(texts("project.items.id", doc.clone()), ["3"]);
        assert!(texts("project.missing", doc.clone()).is_empty());
        assert!(texts("project", doc).is_empty(), "objects are not text");
        assert_eq!(texts("a.b", json!({"a": [[{"b": true}], {"b": null}]})), ["true"]);
        assert_eq!(texts("tags", json!({"tags": ["x", "y"]})), ["x", "y"]);
    }

    #[test]
    fn empty_fields_are_refused() {
        for bad in ["", ".a", "a.", "a..b"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
