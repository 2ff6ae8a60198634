//! The values of a pipeline's `((vars))` given to the generator as `fly set-pipeline` takes them:
//! `-l FILE` (a YAML map, repeatable, a later file wins), `-y NAME=YAML` and `-v NAME=VALUE` (a
//! string), which win over the files. `NAME` may be a dotted path (`-v aws.bucket=b`), as fly allows.
//!
//! Substituting them is what the ATC does at check time: Concourse resolves a `((var))` from its
//! credential manager, so a value given here must be the one the credential manager holds. A field
//! that is exactly one `((var))` takes the value whatever its type (a list for `paths`); a var inside
//! text takes a string or number. A `((source:var))` names a credential manager's var source, which
//! fly never resolves either: it stays a var. What cannot be resolved keeps its `((var))` text.
//!
//! The YAML reader expands anchors, aliases and `<<` merge keys, as fly's does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Why the vars could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VarsError {
    #[error("cannot read the vars file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the vars file {path} is not YAML: {message}")]
    Yaml { path: PathBuf, message: String },
    #[error("the vars file {0} is not a map of names to values")]
    NotAMap(PathBuf),
    #[error("{0:?} is not NAME=VALUE")]
    NotAPair(String),
    #[error("the value of -y {name} is not YAML: {message}")]
    YamlVar { name: String, message: String },
}

/// The vars given on the command line, merged in fly's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    values: serde_json::Map<String, Value>,
}

/// A string with its `((var))`s substituted where they have values.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpolated {
    pub value: Value,
    /// The names of the vars still in it.
    pub unresolved: BTreeSet<String>,
}

impl Vars {
    /// Reads `files` in order, then `yaml_vars` (`NAME=YAML`), then `vars` (`NAME=VALUE`).
    pub fn load(files: &[PathBuf], yaml_vars: &[String], vars: &[String]) -> Result<Self, VarsError> {
        let mut merged = Self::default();
        for path in files {
            let text = std::fs::read_to_string(path).map_err(|source| VarsError::Read {
                path: path.clone(),
                source,
            })?;
            match parse_yaml(&text).map_err(|message| VarsError::Yaml {
                path: path.clone(),
                message,
            })? {
                Value::Object(map) => merged.values.extend(map),
                Value::Null => {}
                _ => return Err(VarsError::NotAMap(path.clone())),
            }
        }
        for pair in yaml_vars {
            let (name, text) = split_pair(pair)?;
            let value = parse_yaml(text).map_err(|message| VarsError::YamlVar {
                name: name.to_owned(),
                message,
            })?;
            merged.set(name, value);
        }
        for pair in vars {
            let (name, text) = split_pair(pair)?;
            merged.set(name, Value::String(text.to_owned()));
        }
        Ok(merged)
    }

    /// Sets `name` (a dotted path makes nested maps).
    fn set(&mut self, name: &str, value: Value) {
        let mut segments = name.split('.').peekable();
        let mut map = &mut self.values;
        while let Some(segment) = segments.next() {
            if segments.peek().is_none() {
                map.insert(segment.to_owned(), value);
                return;
            }
            let entry = map
                .entry(segment.to_owned())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(serde_json::Map::new());
            }
            let Value::Object(inner) = entry else { return };
            map = inner;
        }
    }

    /// The value of the var reference `reference` (the text between `((` and `))`).
    pub fn lookup(&self, reference: &str) -> Option<&Value> {
        let reference = reference.trim();
        // A var source's var: fly leaves it to the ATC.
        if reference.contains(':') {
            return self.values.get(reference);
        }
        let mut segments = path_segments(reference).into_iter();
        let mut value = self.values.get(&segments.next()?)?;
        for segment in segments {
            value = value.as_object()?.get(&segment)?;
        }
        Some(value)
    }

    /// `value` with every `((var))` of its strings (in lists too) substituted where it has a value.
    pub fn interpolate(&self, value: &Value) -> Interpolated {
        let mut unresolved = BTreeSet::new();
        let value = self.walk(value, &mut unresolved);
        Interpolated { value, unresolved }
    }

    fn walk(&self, value: &Value, unresolved: &mut BTreeSet<String>) -> Value {
        match value {
            Value::String(text) => self.string(text, unresolved),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.walk(item, unresolved)).collect()),
            other => other.clone(),
        }
    }

    fn string(&self, text: &str, unresolved: &mut BTreeSet<String>) -> Value {
        // A field that is exactly one var takes the var's value as it is, a list or a map included.
        if let Some(reference) = text.strip_prefix("((").and_then(|rest| rest.strip_suffix("))"))
            && !reference.contains("((")
            && !reference.contains("))")
        {
            return match self.lookup(reference) {
                Some(value) => value.clone(),
                None => {
                    unresolved.insert(reference.trim().to_owned());
                    Value::String(text.to_owned())
                }
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("((") {
            let Some(length) = rest[start + 2..].find("))") else {
                break;
            };
            let reference = &rest[start + 2..start + 2 + length];
            let whole = &rest[start..start + 2 + length + 2];
            out.push_str(&rest[..start]);
            match self.lookup(reference).and_then(scalar_text) {
                Some(value) => out.push_str(&value),
                None => {
                    unresolved.insert(reference.trim().to_owned());
                    out.push_str(whole);
                }
            }
            rest = &rest[start + whole.len()..];
        }
        out.push_str(rest);
        Value::String(out)
    }
}

/// The text a scalar value takes inside a string; `None` for a list or a map, which Concourse refuses
/// to put into text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `a.b."c.d"` → `a`, `b`, `c.d`: dots separate fields, quotes keep one.
fn path_segments(reference: &str) -> Vec<String> {
    let mut segments = vec![String::new()];
    let mut quoted = false;
    for character in reference.chars() {
        match character {
            '"' => quoted = !quoted,
            '.' if !quoted => segments.push(String::new()),
            other => segments.last_mut().expect("one segment at least").push(other),
        }
    }
    segments
}

fn split_pair(pair: &str) -> Result<(&str, &str), VarsError> {
    match pair.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim(), value)),
        _ => Err(VarsError::NotAPair(pair.to_owned())),
    }
}

/// YAML (anchors, aliases and merge keys expanded) as JSON.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(text).map_err(|error| error.to_string())
}

/// Reads a YAML or JSON file as JSON.
pub fn read_yaml_file(path: &Path) -> Result<Value, VarsError> {
    let text = std::fs::read_to_string(path).map_err(|source| VarsError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_yaml(&text).map_err(|message| VarsError::Yaml {
        path: path.to_owned(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(value: Value) -> Vars {
        Vars {
            values: value.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn whole_vars_take_any_value_and_inner_vars_take_text() {
        let vars = vars(json!({"minor": "7.4", "build": 12, "dirs": ["src", "lib"], "aws": {"bucket": "b"}}));
        let cases = [
            (json!("release/((minor)).x"), json!("release/7.4.x"), vec![]),
            (json!("((dirs))"), json!(["src", "lib"]), vec![]),
            (
                json!("v((build))-((missing))"),
                json!("v12-((missing))"),
                vec!["missing"],
            ),
            (json!("((aws.bucket))"), json!("b"), vec![]),
            (json!("((aws.region))"), json!("((aws.region))"), vec!["aws.region"]),
            (
                json!("((vault:bucket))"),
                json!("((vault:bucket))"),
                vec!["vault:bucket"],
            ),
            (json!("x-((dirs))"), json!("x-((dirs))"), vec!["dirs"]),
            (json!(["((minor))", "docs"]), json!(["7.4", "docs"]), vec![]),
            (json!(true), json!(true), vec![]),
        ];
        for (input, expected, missing) in cases {
            let result = vars.interpolate(&input);
            assert_eq!(result.value, expected, "{input}");
            assert_eq!(result.unresolved.into_iter().collect::<Vec<_>>(), missing, "{input}");
        }
    }

    #[test]
    fn files_then_yaml_vars_then_vars_with_dotted_names_and_merge_keys() {
        let temp = hookbox_testkit::TempDir::new();
        let dir = temp.path();
        let first = dir.join("a.yml");
        let second = dir.join("b.yml");
        std::fs::write(
            &first,
            "base: &base\n  bucket: from-anchor\n  region: eu-west-1\nstate: {<<: *base, region: us-east-1}\nbranch: main\n",
        )
        .unwrap();
        std::fs::write(&second, "branch: develop\n").unwrap();
        let loaded = Vars::load(
            &[first, second],
            &["paths=[src, docs]".to_owned()],
            &["branch=hotfix".to_owned(), "aws.key=k".to_owned()],
        )
        .unwrap();
        assert_eq!(loaded.lookup("state.bucket"), Some(&json!("from-anchor")));
        assert_eq!(loaded.lookup("state.region"), Some(&json!("us-east-1")));
        assert_eq!(loaded.lookup("branch"), Some(&json!("hotfix")));
        assert_eq!(loaded.lookup("paths"), Some(&json!(["src", "docs"])));
        assert_eq!(loaded.lookup("aws.key"), Some(&json!("k")));
        assert!(matches!(
            Vars::load(&[], &[], &["novalue".to_owned()]),
            Err(VarsError::NotAPair(_))
        ));
        let list = dir.join("list.yml");
        std::fs::write(&list, "- a\n").unwrap();
        assert!(matches!(Vars::load(&[list], &[], &[]), Err(VarsError::NotAMap(_))));
    }

    #[test]
    fn quoted_segments_keep_their_dots() {
        assert_eq!(path_segments(r#"a."b.c".d"#), ["a", "b.c", "d"]);
    }
}
