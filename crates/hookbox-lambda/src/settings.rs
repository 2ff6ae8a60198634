//! Where every function's settings and secrets come from, read one way, in one order of precedence:
//!
//! 1. **Secrets** come from the Secrets Manager secret named by `HOOKBOX_SECRETS_ARN` (a JSON object,
//!    read once at cold start) when it has a value for them, else from the environment (the template's
//!    `NoEcho` parameters). The secret store wins so that a secret rotated there takes effect at the next
//!    cold start even when an old parameter value is still deployed.
//! 2. **Env** (sizes, timeouts, flags) come from the environment only.
//!
//! An empty variable counts as unset, as an unset template parameter arrives empty. A secret is one
//! value, or several accepted at once while it is being rotated: a JSON array (`["old", "new"]`) in a
//! variable, an array of strings in the document. Errors name the variable or the document's field,
//! never a value; `Debug` prints no secret.

use std::collections::HashMap;
use std::str::FromStr;

use serde_json::{Map, Value};

/// The name of the variable that names the Secrets Manager secret.
pub const SECRETS_ARN_VARIABLE: &str = "HOOKBOX_SECRETS_ARN";

/// A setting or secret that cannot be read. No message quotes a secret.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{name}={value:?} is not {expected}")]
    BadValue {
        name: String,
        value: String,
        expected: &'static str,
    },
    /// Never quotes the variable's text: it holds a secret.
    #[error("{name} is not {expected}")]
    BadSecretVariable { name: String, expected: &'static str },
    #[error("cannot read the secret {arn}: {reason}")]
    SecretUnreadable { arn: String, reason: String },
    /// Never carries the secret's text, not even a parser's excerpt of it.
    #[error("the secret {arn} is not a JSON object")]
    SecretNotAnObject { arn: String },
    #[error("the secret {arn}: field {field:?} is not {expected}")]
    BadSecretField {
        arn: String,
        field: String,
        expected: &'static str,
    },
    #[error("the secret {arn}: unknown field {field:?} (expected one of {expected})")]
    UnknownSecretField {
        arn: String,
        field: String,
        expected: String,
    },
}

/// Looks a variable up: the process environment, or a test's own.
type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// A function's environment, and the secret store's document when there is one.
pub struct Env {
    env: Lookup,
    store: Option<SecretStore>,
}

/// The Secrets Manager secret's JSON object.
struct SecretStore {
    arn: String,
    fields: Map<String, Value>,
}

/// Variable names only: secrets never reach a log, even through a debug print.
impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = self
            .store
            .as_ref()
            .map(|store| (&store.arn, store.fields.keys().collect::<Vec<_>>()));
        f.debug_struct("Env").field("store", &store).finish_non_exhaustive()
    }
}

impl Env {
    /// Env read through `env` (so tests need not touch the process environment), without a
    /// secret store.
    pub fn new(env: impl Fn(&str) -> Option<String> + 'static) -> Self {
        Self {
            env: Box::new(env),
            store: None,
        }
    }

    /// The process environment, and the Secrets Manager secret it names in `HOOKBOX_SECRETS_ARN`
    /// (fetched now; without the variable no AWS call is made at all).
    #[cfg(feature = "secrets")]
    pub async fn load() -> Result<Self, SettingsError> {
        let env = Self::new(|name| std::env::var(name).ok());
        match env.var(SECRETS_ARN_VARIABLE) {
            None => Ok(env),
            Some(arn) => {
                let text = fetch_secret(&arn).await?;
                env.with_secret_document(&arn, &text)
            }
        }
    }

    /// This environment with the secret store's document `text` (the secret `arn`).
    pub fn with_secret_document(mut self, arn: &str, text: &str) -> Result<Self, SettingsError> {
        let fields = match serde_json::from_str(text) {
            Ok(Value::Object(fields)) => fields,
            _ => return Err(SettingsError::SecretNotAnObject { arn: arn.to_owned() }),
        };
        self.store = Some(SecretStore {
            arn: arn.to_owned(),
            fields,
        });
        Ok(self)
    }

    /// A variable's value, trimmed; `None` when it is unset or empty.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.env)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// A variable read as a `T`; `None` when it is unset or empty.
    pub fn parse<T: FromStr>(&self, name: &str, expected: &'static str) -> Result<Option<T>, SettingsError> {
        self.var(name)
            .map(|value| {
                value.parse().map_err(|_| SettingsError::BadValue {
                    name: name.to_owned(),
                    value,
                    expected,
                })
            })
            .transpose()
    }

    /// A `true` or `false` variable; unset or empty is `false`.
    pub fn flag(&self, name: &str) -> Result<bool, SettingsError> {
        Ok(self.parse(name, "true or false")?.unwrap_or(false))
    }

    /// Every value of a secret: the store's `field` (a string or an array of strings) when it has
    /// one, else the variable (one value, or a JSON array of values). Empty values are dropped.
    pub fn secret_values(&self, field: &str, variable: &str) -> Result<Vec<String>, SettingsError> {
        let stored = match self.stored(field) {
            None => Vec::new(),
            Some((_, Value::String(value))) => vec![value.clone()],
            Some((arn, Value::Array(items))) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad_field(arn, field, "a string or an array of strings"))?,
            Some((arn, _)) => return Err(bad_field(arn, field, "a string or an array of strings")),
        };
        let stored: Vec<String> = stored.into_iter().filter(|value| !value.is_empty()).collect();
        if !stored.is_empty() {
            return Ok(stored);
        }
        self.var(variable).map_or(Ok(Vec::new()), |text| {
            variable_values(&text).ok_or_else(|| SettingsError::BadSecretVariable {
                name: variable.to_owned(),
                expected: "a value or a JSON array of strings",
            })
        })
    }

    /// A secret of one value: the store's `field` when it has one, else the variable.
    pub fn secret(&self, field: &str, variable: &str) -> Result<Option<String>, SettingsError> {
        match self.stored(field) {
            Some((_, Value::String(value))) if !value.is_empty() => Ok(Some(value.clone())),
            Some((_, Value::String(_))) | None => Ok(self.var(variable)),
            Some((arn, _)) => Err(bad_field(arn, field, "a string")),
        }
    }

    /// Secrets by name (`{"name": "value"}`): the variable's JSON object, with the store's `field`
    /// laid over it (the store wins for a name both have).
    pub fn secret_map(&self, field: &str, variable: &str) -> Result<HashMap<String, String>, SettingsError> {
        let mut map: HashMap<String, String> = match self.var(variable) {
            None => HashMap::new(),
            Some(text) => serde_json::from_str(&text).map_err(|_| SettingsError::BadSecretVariable {
                name: variable.to_owned(),
                expected: "a JSON object of strings",
            })?,
        };
        if let Some((arn, value)) = self.stored(field) {
            let stored: HashMap<String, String> =
                serde_json::from_value(value.clone()).map_err(|_| bad_field(arn, field, "an object of strings"))?;
            map.extend(stored);
        }
        Ok(map)
    }

    /// Refuses a store document with fields none of `known`: a misspelt field would otherwise be a
    /// secret silently not read.
    pub fn refuse_unknown_secrets(&self, known: &[&str]) -> Result<(), SettingsError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        match store.fields.keys().find(|field| !known.contains(&field.as_str())) {
            None => Ok(()),
            Some(field) => Err(SettingsError::UnknownSecretField {
                arn: store.arn.clone(),
                field: field.clone(),
                expected: known.join(", "),
            }),
        }
    }

    fn stored(&self, field: &str) -> Option<(&str, &Value)> {
        let store = self.store.as_ref()?;
        store
            .fields
            .get(field)
            .filter(|value| !value.is_null())
            .map(|value| (store.arn.as_str(), value))
    }
}

fn bad_field(arn: &str, field: &str, expected: &'static str) -> SettingsError {
    SettingsError::BadSecretField {
        arn: arn.to_owned(),
        field: field.to_owned(),
        expected,
    }
}

/// A variable's secret values: one value, or a JSON array of values (a JSON array rather than a
/// separator, so that a secret may hold any character). Empty values are dropped; text that starts
/// like an array but is not one is `None`.
fn variable_values(text: &str) -> Option<Vec<String>> {
    let values = if text.starts_with('[') {
        serde_json::from_str::<Vec<String>>(text).ok()?
    } else {
        vec![text.to_owned()]
    };
    Some(values.into_iter().filter(|value| !value.is_empty()).collect())
}

/// The secret's text from Secrets Manager. Secrets Manager answers in milliseconds; a stuck
/// connection must not eat the cold start.
#[cfg(feature = "secrets")]
async fn fetch_secret(arn: &str) -> Result<String, SettingsError> {
    let timeouts = crate::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(1))
        .operation_timeout(std::time::Duration::from_secs(5))
        .build();
    let aws = crate::sdk_config_from_env(timeouts).await;
    let unreadable = |reason: String| SettingsError::SecretUnreadable {
        arn: arn.to_owned(),
        reason,
    };
    let output = aws_sdk_secretsmanager::Client::new(&aws)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|error| unreadable(aws_sdk_secretsmanager::error::DisplayErrorContext(error).to_string()))?;
    output
        .secret_string
        .ok_or_else(|| unreadable("the secret has no text value".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env {
        Env::new(move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn variables_are_trimmed_and_empty_ones_unset() {
        let s = env(&[
            ("A", " x "),
            ("EMPTY", "  "),
            ("N", "42"),
            ("F", "true"),
            ("BAD", "yes"),
        ]);
        assert_eq!(s.var("A").as_deref(), Some("x"));
        assert_eq!(s.var("EMPTY"), None);
        assert_eq!(s.parse::<u32>("N", "a number").unwrap(), Some(42));
        assert_eq!(s.parse::<u32>("MISSING", "a number").unwrap(), None);
        let error = s.parse::<u32>("A", "a number").unwrap_err();
        assert_eq!(error.to_string(), r#"A="x" is not a number"#);
        assert!(s.flag("F").unwrap() && !s.flag("MISSING").unwrap());
        assert!(s.flag("BAD").unwrap_err().to_string().contains("BAD"));
    }

    #[test]
    fn secret_values_are_one_value_or_a_json_array() {
        let s = env(&[
            ("ROTATING", r#"["old", "new, with comma"]"#),
            ("ONE", " It's a Secret, to Everybody "),
            ("BROKEN", "[not json"),
            ("WITH_EMPTY", r#"["", "x"]"#),
        ]);
        assert_eq!(s.secret_values("-", "ROTATING").unwrap(), ["old", "new, with comma"]);
        assert_eq!(s.secret_values("-", "ONE").unwrap(), ["It's a Secret, to Everybody"]);
        assert_eq!(s.secret_values("-", "WITH_EMPTY").unwrap(), ["x"]);
        assert!(s.secret_values("-", "MISSING").unwrap().is_empty());
        let error = s.secret_values("-", "BROKEN").unwrap_err().to_string();
        assert!(error.contains("BROKEN") && !error.contains("not json"), "{error}");
    }

    #[test]
    fn the_secret_store_wins_over_the_environment() {
        let s = env(&[("GITHUB", "from-env"), ("TOKEN", "env-token"), ("ONLY_ENV", "e")])
            .with_secret_document("arn:s", r#"{"github": ["a", "b"], "token": "", "tokens": {"x": "1"}}"#)
            .unwrap();
        assert_eq!(s.secret_values("github", "GITHUB").unwrap(), ["a", "b"]);
        assert_eq!(s.secret("token", "TOKEN").unwrap().as_deref(), Some("env-token"));
        assert_eq!(s.secret("only_env", "ONLY_ENV").unwrap().as_deref(), Some("e"));
        assert_eq!(s.secret_map("tokens", "TOKENS").unwrap()["x"], "1");
        assert!(s.refuse_unknown_secrets(&["github", "token", "tokens"]).is_ok());
        let error = s.refuse_unknown_secrets(&["github"]).unwrap_err().to_string();
        assert!(error.contains("arn:s") && error.contains("token"), "{error}");
    }

    #[test]
    fn errors_name_the_secret_and_the_field_but_never_a_value() {
        for bad in [r#"["a"]"#, r#"{"a": "secret-value""#] {
            let error = env(&[]).with_secret_document("arn:s", bad).unwrap_err().to_string();
            assert!(error.contains("arn:s") && !error.contains("secret-value"), "{error}");
        }
        let s = env(&[("MAP", r#"{"a": ["hunter2"]}"#)])
            .with_secret_document("arn:s", r#"{"a": 5, "b": ["hunter2", 1], "c": ["hunter2"]}"#)
            .unwrap();
        let errors = [
            s.secret_values("a", "-").unwrap_err(),
            s.secret_values("b", "-").unwrap_err(),
            s.secret("c", "-").unwrap_err(),
            s.secret_map("c", "-").unwrap_err(),
            s.secret_map("-", "MAP").unwrap_err(),
        ];
        for error in errors {
            let text = error.to_string();
            assert!(!text.contains("hunter2") && !text.contains('5'), "{text}");
        }
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
