//! Cold start: the settings and the DynamoDB client, once.

use hookbox_hooks::store::HookStore;
use hookbox_lambda::{Env, SettingsError};

use crate::api::{HooksApi, Settings};

/// The variable that names the hooks table.
pub const TABLE_VARIABLE: &str = "HOOKBOX_HOOKS_TABLE";

/// A start-up configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{TABLE_VARIABLE} is not set: the function has no table to keep hooks in")]
    NoTable,
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl HooksApi {
    /// Builds the API from the process environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let env = Env::new(|name| std::env::var(name).ok());
        let settings = Settings::read(&env)?;
        let aws = hookbox_lambda::sdk_config_from_env(hookbox_lambda::request_path_timeouts()).await;
        let store = HookStore::new(aws_sdk_dynamodb::Client::new(&aws), settings.table.clone());
        Ok(Self { store, settings })
    }
}

impl Settings {
    pub fn read(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.var(TABLE_VARIABLE).ok_or(ConfigError::NoTable)?,
            tenant_claim: env.var("HOOKBOX_TENANT_CLAIM").unwrap_or_else(|| "sub".to_owned()),
            base_url: env
                .var("HOOKBOX_HOOKS_BASE_URL")
                .map(|url| url.trim_end_matches('/').to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_required_and_the_rest_has_defaults() {
        let error = Settings::read(&Env::new(|_| None)).unwrap_err();
        assert!(error.to_string().contains(TABLE_VARIABLE), "{error}");
        let settings = Settings::read(&Env::new(|name| match name {
            "HOOKBOX_HOOKS_TABLE" => Some("hooks".into()),
            "HOOKBOX_HOOKS_BASE_URL" => Some("https://hooks.example.com/".into()),
            _ => None,
        }))
        .unwrap();
        assert_eq!(settings.table, "hooks");
        assert_eq!(settings.tenant_claim, "sub");
        assert_eq!(settings.base_url.as_deref(), Some("https://hooks.example.com"));
    }
}
