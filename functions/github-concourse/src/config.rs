//! The function's settings from the environment. The Concourse config and the secrets are the shared
//! notifier's (`hookbox-notifier`).

use std::time::Duration;

use hookbox_lambda::{Env, SettingsError};
use hookbox_notifier::read_check_timeout;

/// Settings from the environment (secrets apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Whether the legacy `X-Hub-Signature` (HMAC-SHA1) is accepted when there is no SHA-256 one.
    pub allow_sha1: bool,
    pub check_timeout: Duration,
}

impl Settings {
    pub fn read(env: &Env) -> Result<Self, SettingsError> {
        Ok(Self {
            allow_sha1: env.flag("HOOKBOX_ALLOW_SHA1")?,
            check_timeout: read_check_timeout(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_have_defaults_and_refuse_bad_values() {
        let settings = Settings::read(&Env::new(|_| None)).unwrap();
        assert!(!settings.allow_sha1);
        assert_eq!(settings.check_timeout, hookbox_notifier::config::DEFAULT_CHECK_TIMEOUT);
        for (name, value) in [("HOOKBOX_ALLOW_SHA1", "yes"), ("HOOKBOX_CHECK_TIMEOUT_MS", "0")] {
            let error = Settings::read(&Env::new(move |n: &str| (n == name).then(|| value.to_owned()))).unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
        }
    }
}
