//! The Concourse configuration the function runs with, and its settings from the environment.

use std::time::Duration;

use hookbox_concourse::ConcourseConfig;
use hookbox_concourse::config::ConfigError as FileError;

include!(concat!(env!("OUT_DIR"), "/baked_config.rs"));

/// Each check (login included) ends within this; GitHub waits 10 s for the whole answer.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// A start-up configuration problem: the function refuses to start rather than miss builds later.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Concourse config {file}: {error}")]
    File { file: String, error: FileError },
    #[error("cannot read Concourse config {file}: {error}")]
    Unreadable { file: String, error: std::io::Error },
    #[error("{name}={value:?} is not {expected}")]
    BadValue {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{0}")]
    Secrets(String),
}

/// The configuration in force: the file named by `HOOKBOX_CONCOURSE_CONFIG_FILE` when set (a runtime
/// override that needs no rebuild), else the baked `config/concourse.json`, else an empty one.
pub fn load_config(override_file: Option<&str>) -> Result<ConcourseConfig, ConfigError> {
    let (file, text) = match override_file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|error| ConfigError::Unreadable {
                file: file.to_owned(),
                error,
            })?;
            (file.to_owned(), text)
        }
        None => match BAKED_CONFIG {
            Some((file, text)) => (file.to_owned(), text.to_owned()),
            None => return Ok(ConcourseConfig::empty()),
        },
    };
    ConcourseConfig::from_json(&text).map_err(|error| ConfigError::File { file, error })
}

/// Settings from the environment (secrets apart: see [`crate::secrets`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Whether the legacy `X-Hub-Signature` (HMAC-SHA1) is accepted when there is no SHA-256 one.
    pub allow_sha1: bool,
    pub check_timeout: Duration,
}

impl Settings {
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let allow_sha1 = match env("HOOKBOX_ALLOW_SHA1").as_deref().map(str::trim) {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::BadValue {
                    name: "HOOKBOX_ALLOW_SHA1",
                    value: other.to_owned(),
                    expected: "true or false",
                });
            }
        };
        let check_timeout = match env("HOOKBOX_CHECK_TIMEOUT_MS") {
            None => DEFAULT_CHECK_TIMEOUT,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=60_000).contains(ms))
                .map(Duration::from_millis)
                .ok_or(ConfigError::BadValue {
                    name: "HOOKBOX_CHECK_TIMEOUT_MS",
                    value,
                    expected: "milliseconds between 1 and 60000",
                })?,
        };
        Ok(Self {
            allow_sha1,
            check_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baked_config_file_is_valid() {
        // The check that fails CI, with the path of the bad field, when config/concourse.json is
        // broken: the file is baked in, so a broken one must never reach a deployment.
        load_config(None).unwrap_or_else(|error| panic!("{error}"));
    }

    #[test]
    fn the_example_config_file_is_valid() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/concourse.example.json");
        let config = load_config(Some(file)).unwrap_or_else(|error| panic!("{error}"));
        assert!(!config.resources.is_empty());
    }

    #[test]
    fn an_override_file_that_is_missing_names_itself() {
        let error = load_config(Some("/nonexistent/concourse.json")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/concourse.json"), "{error}");
    }

    #[test]
    fn settings_have_defaults_and_refuse_bad_values() {
        let none = |_: &str| None;
        let settings = Settings::from_env(none).unwrap();
        assert!(!settings.allow_sha1);
        assert_eq!(settings.check_timeout, DEFAULT_CHECK_TIMEOUT);
        for (name, value) in [
            ("HOOKBOX_ALLOW_SHA1", "yes"),
            ("HOOKBOX_CHECK_TIMEOUT_MS", "0"),
            ("HOOKBOX_CHECK_TIMEOUT_MS", "soon"),
        ] {
            let error = Settings::from_env(|n: &str| (n == name).then(|| value.to_owned())).unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
        }
    }
}
