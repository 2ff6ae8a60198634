//! A notifier's secrets: GitHub webhook secrets (github-concourse only) and Concourse credentials.
//! They come from the environment (the template's `NoEcho` parameters) and, when `HOOKBOX_SECRETS_ARN`
//! names one, from a Secrets Manager secret whose values take precedence; both notifiers read the same
//! names, so one secret can serve both. They never go into the config file, the binary or a log line:
//! errors name the field, never the value, and `Debug` prints no secret.

use std::collections::HashMap;

use hookbox_concourse::config::WebhookToken;
use hookbox_concourse::{AuthMode, ConcourseConfig, Credentials};
use hookbox_core::signature::secret_values;
use serde::Deserialize;

use crate::StartupError;

#[derive(Default, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// Every secret a delivery may be signed with; more than one during a rotation.
    pub github_webhook_secrets: Vec<String>,
    pub concourse_token: Option<String>,
    pub concourse_username: Option<String>,
    pub concourse_password: Option<String>,
    /// Values for `((name))` webhook tokens of the config.
    pub webhook_tokens: HashMap<String, String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("github_webhook_secrets", &self.github_webhook_secrets.len())
            .field("concourse_token", &self.concourse_token.is_some())
            .field("concourse_username", &self.concourse_username)
            .field("concourse_password", &self.concourse_password.is_some())
            .field("webhook_tokens", &self.webhook_tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The JSON document of a Secrets Manager secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretDocument {
    #[serde(default)]
    github_webhook_secrets: Vec<String>,
    concourse_token: Option<String>,
    concourse_username: Option<String>,
    concourse_password: Option<String>,
    #[serde(default)]
    webhook_tokens: HashMap<String, String>,
}

impl Secrets {
    /// `HOOKBOX_GITHUB_WEBHOOK_SECRETS` (one value, or a JSON array during a rotation), `HOOKBOX_CONCOURSE_TOKEN`,
    /// `HOOKBOX_CONCOURSE_USERNAME`, `HOOKBOX_CONCOURSE_PASSWORD` and `HOOKBOX_CONCOURSE_WEBHOOK_TOKENS`
    /// (a JSON object of name → token). Empty values count as absent, as unset template parameters are.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, StartupError> {
        let value = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let webhook_tokens = match value("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS") {
            None => HashMap::new(),
            Some(text) => serde_json::from_str(&text).map_err(|error| {
                StartupError::Secrets(format!(
                    "HOOKBOX_CONCOURSE_WEBHOOK_TOKENS is not a JSON object of strings (column {})",
                    error.column()
                ))
            })?,
        };
        Ok(Self {
            github_webhook_secrets: value("HOOKBOX_GITHUB_WEBHOOK_SECRETS")
                .map(|text| secret_values(&text))
                .unwrap_or_default(),
            concourse_token: value("HOOKBOX_CONCOURSE_TOKEN"),
            concourse_username: value("HOOKBOX_CONCOURSE_USERNAME"),
            concourse_password: value("HOOKBOX_CONCOURSE_PASSWORD"),
            webhook_tokens,
        })
    }

    /// The secrets from the environment, with the Secrets Manager secret named by `HOOKBOX_SECRETS_ARN`
    /// laid over them when there is one.
    pub async fn load(env: impl Fn(&str) -> Option<String>) -> Result<Self, StartupError> {
        let mut secrets = Self::from_env(&env)?;
        if let Some(arn) = env("HOOKBOX_SECRETS_ARN").filter(|arn| !arn.is_empty()) {
            secrets.apply_document(&fetch_secret(&arn).await?)?;
        }
        Ok(secrets)
    }

    /// Lays a Secrets Manager secret (its JSON document) over these: what it sets wins.
    pub fn apply_document(&mut self, text: &str) -> Result<(), StartupError> {
        let document: SecretDocument = serde_json::from_str(text).map_err(|error| {
            // serde's message may quote a value: only say where.
            StartupError::Secrets(format!(
                "the secret is not a JSON object with github_webhook_secrets, concourse_token, \
                 concourse_username, concourse_password and webhook_tokens (line {}, column {})",
                error.line(),
                error.column()
            ))
        })?;
        if !document.github_webhook_secrets.is_empty() {
            self.github_webhook_secrets = document.github_webhook_secrets;
        }
        self.concourse_token = document.concourse_token.or(self.concourse_token.take());
        self.concourse_username = document.concourse_username.or(self.concourse_username.take());
        self.concourse_password = document.concourse_password.or(self.concourse_password.take());
        self.webhook_tokens.extend(document.webhook_tokens);
        Ok(())
    }

    /// The webhook secrets, refusing to run without one: an unsigned endpoint would let anyone
    /// trigger checks.
    pub fn require_webhook_secret(&self) -> Result<(), StartupError> {
        if self.github_webhook_secrets.iter().any(|secret| !secret.is_empty()) {
            Ok(())
        } else {
            Err(StartupError::Secrets(
                "no GitHub webhook secret: set the GitHubWebhookSecrets parameter (HOOKBOX_GITHUB_WEBHOOK_SECRETS) \
                 or github_webhook_secrets in the secret"
                    .to_owned(),
            ))
        }
    }

    /// The credentials the config's auth mode needs.
    pub fn credentials(&self, auth: AuthMode) -> Result<Credentials, StartupError> {
        match auth {
            AuthMode::WebhookToken => Ok(Credentials::None),
            AuthMode::Bearer => self
                .concourse_token
                .clone()
                .map(Credentials::Bearer)
                .ok_or_else(|| StartupError::Secrets("auth is \"bearer\" but no Concourse token is set".to_owned())),
            AuthMode::Password => match (&self.concourse_username, &self.concourse_password) {
                (Some(username), Some(password)) => Ok(Credentials::Password {
                    username: username.clone(),
                    password: password.clone(),
                }),
                _ => Err(StartupError::Secrets(
                    "auth is \"password\" but the Concourse username or password is not set".to_owned(),
                )),
            },
        }
    }

    /// Each resource's webhook token, in config order: literal ones as written, `((name))` ones from
    /// the secrets (a name without a value refuses the start, naming the resource and the name).
    pub fn resolve_tokens(&self, config: &ConcourseConfig) -> Result<Vec<Option<String>>, StartupError> {
        config
            .resources
            .iter()
            .enumerate()
            .map(|(index, resource)| match &resource.webhook_token {
                None => Ok(None),
                Some(WebhookToken::Literal(token)) => Ok(Some(token.clone())),
                Some(WebhookToken::Secret(name)) => self.webhook_tokens.get(name).cloned().map(Some).ok_or_else(|| {
                    StartupError::Secrets(format!(
                        "resources[{index}] ({}/{}): webhook_token (({name})) has no value in the webhook tokens secret",
                        resource.pipeline, resource.name
                    ))
                }),
            })
            .collect()
    }
}

/// The secret's JSON document from Secrets Manager, read once at cold start and only when
/// `HOOKBOX_SECRETS_ARN` names one, so a notifier without it makes no AWS call at all.
pub async fn fetch_secret(arn: &str) -> Result<String, StartupError> {
    // Secrets Manager answers in milliseconds; a stuck connection must not eat the cold start.
    let timeouts = hookbox_lambda::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(1))
        .operation_timeout(std::time::Duration::from_secs(5))
        .build();
    let aws = hookbox_lambda::sdk_config_from_env(timeouts).await;
    let client = aws_sdk_secretsmanager::Client::new(&aws);
    let output = client.get_secret_value().secret_id(arn).send().await.map_err(|error| {
        StartupError::Secrets(format!(
            "cannot read secret {arn}: {}",
            aws_sdk_secretsmanager::error::DisplayErrorContext(&error)
        ))
    })?;
    output
        .secret_string
        .ok_or_else(|| StartupError::Secrets(format!("secret {arn} has no string value")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    #[test]
    fn secrets_come_from_the_environment_and_the_document_wins() {
        let mut secrets = Secrets::from_env(env_of(&[
            ("HOOKBOX_GITHUB_WEBHOOK_SECRETS", r#"["old", "new"]"#),
            ("HOOKBOX_CONCOURSE_TOKEN", ""),
            ("HOOKBOX_CONCOURSE_USERNAME", "bot"),
            ("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"app": "t1"}"#),
        ]))
        .unwrap();
        assert_eq!(secrets.github_webhook_secrets, ["old", "new"]);
        assert_eq!(secrets.concourse_token, None);
        secrets
            .apply_document(
                r#"{"github_webhook_secrets": ["sm"], "concourse_password": "pw", "webhook_tokens": {"lib": "t2"}}"#,
            )
            .unwrap();
        assert_eq!(secrets.github_webhook_secrets, ["sm"]);
        assert!(matches!(
            secrets.credentials(AuthMode::Password),
            Ok(Credentials::Password { .. })
        ));
        assert!(secrets.credentials(AuthMode::Bearer).is_err());
        assert_eq!(secrets.webhook_tokens.len(), 2);
        let printed = format!("{secrets:?}");
        assert!(
            !printed.contains("sm") && !printed.contains("pw") && !printed.contains("t1"),
            "{printed}"
        );
    }

    #[test]
    fn errors_never_quote_a_secret() {
        let mut secrets = Secrets::default();
        let error = secrets
            .apply_document(r#"{"concourse_token": ["hunter2"]}"#)
            .unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        let error =
            Secrets::from_env(env_of(&[("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"a": ["hunter2"]}"#)])).unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert!(Secrets::default().require_webhook_secret().is_err());
    }

    #[test]
    fn token_references_resolve_or_name_what_is_missing() {
        let config = ConcourseConfig::from_json(
            r#"{"atc_url": "https://ci", "team": "main", "auth": "bearer", "resources": [
                {"pipeline": "p", "resource": "a", "type": "git", "webhook_token": "((app))", "source": {"uri": "https://github.com/o/r"}},
                {"pipeline": "p", "resource": "b", "type": "git", "webhook_token": "plain", "source": {"uri": "https://github.com/o/r"}},
                {"pipeline": "p", "resource": "c", "type": "git", "source": {"uri": "https://github.com/o/r"}}]}"#,
        )
        .unwrap();
        let mut secrets = Secrets::default();
        let error = secrets.resolve_tokens(&config).unwrap_err();
        assert!(
            error.to_string().contains("resources[0] (p/a)") && error.to_string().contains("((app))"),
            "{error}"
        );
        secrets.webhook_tokens.insert("app".into(), "t".into());
        assert_eq!(
            secrets.resolve_tokens(&config).unwrap(),
            [Some("t".to_owned()), Some("plain".to_owned()), None]
        );
    }
}
