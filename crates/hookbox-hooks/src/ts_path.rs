//! `tsField`: where a delivery's timestamp is in its JSON body, as a small path: names separated by
//! dots, each followed by any number of array indexes, e.g. `commits[0].timestamp` or
//! `data.items[2][0].at`. A name is any text without `.`, `[` or `]`.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(usize),
}

/// A parsed `tsField`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsPath(Vec<Step>);

/// A `tsField` that is no path, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tsField {path:?} is not a path such as commits[0].timestamp: {reason}")]
pub struct TsPathError {
    pub path: String,
    pub reason: &'static str,
}

/// The longest path accepted: a timestamp is never deep, and the path is stored with every hook.
const MAX_PATH: usize = 256;

impl TsPath {
    pub fn parse(path: &str) -> Result<Self, TsPathError> {
        let error = |reason| TsPathError {
            path: path.to_owned(),
            reason,
        };
        if path.is_empty() || path.len() > MAX_PATH {
            return Err(error("it must have 1 to 256 characters"));
        }
        let mut steps = Vec::new();
        for segment in path.split('.') {
            let (name, mut rest) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
            if name.is_empty() || name.contains(']') {
                return Err(error("every part needs a name before its indexes"));
            }
            steps.push(Step::Field(name.to_owned()));
            while !rest.is_empty() {
                let inner = rest.strip_prefix('[').ok_or_else(|| error("text after an index"))?;
                let (digits, after) = inner.split_once(']').ok_or_else(|| error("an unclosed ["))?;
                if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                    return Err(error("an index must be a number"));
                }
                let index = digits.parse().map_err(|_| error("an index is too large"))?;
                steps.push(Step::Index(index));
                rest = after;
            }
        }
        Ok(Self(steps))
    }

    /// The value at the path in `body`, as an SQS attribute's text: a string as it is, a number or
    /// boolean as its JSON; nothing for `null`, an object, an array, or a path that is not there.
    pub fn find(&self, body: &Value) -> Option<String> {
        let mut value = body;
        for step in &self.0 {
            value = match step {
                Step::Field(name) => value.get(name.as_str())?,
                Step::Index(index) => value.get(*index)?,
            };
        }
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_find_strings_numbers_and_nothing_else() {
        let body = json!({"commits": [{"timestamp": "2026-12-01T10:00:00Z"}], "at": 17, "deep": [[true]], "o": {}});
        let find = |path: &str| TsPath::parse(path).unwrap().find(&body);
        assert_eq!(find("commits[0].timestamp").as_deref(), Some("2026-12-01T10:00:00Z"));
        assert_eq!(find("at").as_deref(), Some("17"));
        assert_eq!(find("deep[0][0]").as_deref(), Some("true"));
        assert_eq!(find("o"), None);
        assert_eq!(find("commits[1].timestamp"), None);
        assert_eq!(find("at.x"), None);
    }

    #[test]
    fn malformed_paths_say_why() {
        for bad in ["", "a..b", "[0]", "a[", "a[x]", "a[0]b", "a]", "a[]", &"a".repeat(257)] {
            assert!(TsPath::parse(bad).is_err(), "{bad:?}");
        }
        let error = TsPath::parse("a[x]").unwrap_err().to_string();
        assert!(error.contains("a[x]") && error.contains("number"), "{error}");
    }
}
