//! A notifier's secrets: GitHub webhook secrets (github-concourse only) and Concourse credentials.
//! They are read through `hookbox_lambda::Env`, so with its precedence: the Secrets Manager secret
//! named by `HOOKBOX_SECRETS_ARN` wins, the environment (the template's `NoEcho` parameters) fills what
//! it lacks. Both notifiers read the same names, so one secret can serve both. They never go into the
//! config file, the binary or a log line: errors name the field, never the value, and `Debug` prints
//! no secret.

use std::collections::HashMap;

use hookbox_concourse::config::WebhookToken;
use hookbox_concourse::{AuthMode, ConcourseConfig, Credentials};
use hookbox_lambda::Env;

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

impl Secrets {
    /// Reads every secret a notifier may need: `github_webhook_secrets` (else
    /// `HOOKBOX_GITHUB_WEBHOOK_SECRETS`: one value, or a JSON array during a rotation),
    /// `concourse_token`, `concourse_username`, `concourse_password` (else `HOOKBOX_CONCOURSE_TOKEN`,
    /// `..._USERNAME`, `..._PASSWORD`) and `webhook_tokens` (laid over `HOOKBOX_CONCOURSE_WEBHOOK_TOKENS`,
    /// a JSON object of name → token).
    pub fn read(env: &Env) -> Result<Self, StartupError> {
        env.refuse_unknown_secrets(&[
            "github_webhook_secrets",
            "concourse_token",
            "concourse_username",
            "concourse_password",
            "webhook_tokens",
        ])?;
        Ok(Self {
            github_webhook_secrets: env.secret_values("github_webhook_secrets", "HOOKBOX_GITHUB_WEBHOOK_SECRETS")?,
            concourse_token: env.secret("concourse_token", "HOOKBOX_CONCOURSE_TOKEN")?,
            concourse_username: env.secret("concourse_username", "HOOKBOX_CONCOURSE_USERNAME")?,
            concourse_password: env.secret("concourse_password", "HOOKBOX_CONCOURSE_PASSWORD")?,
            webhook_tokens: env.secret_map("webhook_tokens", "HOOKBOX_CONCOURSE_WEBHOOK_TOKENS")?,
        })
    }

    /// The webhook secrets, refusing to run without one: an unsigned endpoint would let anyone
    /// trigger checks.
    pub fn require_webhook_secret(&self) -> Result<(), StartupError> {
        if self.github_webhook_secrets.iter().any(|secret| !secret.is_empty()) {
            Ok(())
        } else {
            Err(StartupError::NoWebhookSecret)
        }
    }

    /// The credentials the config's auth mode needs.
    pub fn credentials(&self, auth: AuthMode) -> Result<Credentials, StartupError> {
        match auth {
            AuthMode::WebhookToken => Ok(Credentials::None),
            AuthMode::Bearer => {
                self.concourse_token
                    .clone()
                    .map(Credentials::Bearer)
                    .ok_or(StartupError::MissingCredentials {
                        auth: "bearer",
                        missing: "the Concourse token",
                    })
            }
            AuthMode::Password => self.password().ok_or(StartupError::MissingCredentials {
                auth: "password",
                missing: "the Concourse username or password",
            }),
            // The password first: a bearer token from `fly login` expires (a day by default).
            AuthMode::Atc => self
                .password()
                .or_else(|| self.concourse_token.clone().map(Credentials::Bearer))
                .ok_or(StartupError::MissingCredentials {
                    auth: "atc",
                    missing: "the Concourse username and password, or a Concourse token",
                }),
        }
    }

    fn password(&self) -> Option<Credentials> {
        match (&self.concourse_username, &self.concourse_password) {
            (Some(username), Some(password)) => Some(Credentials::Password {
                username: username.clone(),
                password: password.clone(),
            }),
            _ => None,
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
                    StartupError::UnresolvedWebhookToken {
                        index,
                        pipeline: resource.pipeline.clone(),
                        resource: resource.name.clone(),
                        name: name.clone(),
                    }
                }),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> Env {
        Env::new(move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    const ENV: &[(&str, &str)] = &[
        ("HOOKBOX_GITHUB_WEBHOOK_SECRETS", r#"["old", "new"]"#),
        ("HOOKBOX_CONCOURSE_TOKEN", ""),
        ("HOOKBOX_CONCOURSE_USERNAME", "bot"),
        ("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"app": "t1"}"#),
    ];

    #[test]
    fn secrets_come_from_the_environment_and_the_document_wins() {
        let secrets = Secrets::read(&env_of(ENV)).unwrap();
        assert_eq!(secrets.github_webhook_secrets, ["old", "new"]);
        assert_eq!(secrets.concourse_token, None);
        let document =
            r#"{"github_webhook_secrets": ["sm"], "concourse_password": "pw", "webhook_tokens": {"lib": "t2"}}"#;
        let secrets = Secrets::read(&env_of(ENV).with_secret_document("arn:s", document).unwrap()).unwrap();
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
    fn atc_auth_takes_the_password_first_and_else_the_token() {
        let with = |token: Option<&str>, user: Option<(&str, &str)>| Secrets {
            concourse_token: token.map(str::to_owned),
            concourse_username: user.map(|(name, _)| name.to_owned()),
            concourse_password: user.map(|(_, password)| password.to_owned()),
            ..Secrets::default()
        };
        assert!(matches!(
            with(Some("t"), Some(("bot", "pw"))).credentials(AuthMode::Atc),
            Ok(Credentials::Password { username, .. }) if username == "bot"
        ));
        assert!(matches!(
            with(Some("t"), None).credentials(AuthMode::Atc),
            Ok(Credentials::Bearer(token)) if token == "t"
        ));
        let error = with(None, None).credentials(AuthMode::Atc).unwrap_err();
        assert_eq!(
            error.to_string(),
            "auth is \"atc\" but the Concourse username and password, or a Concourse token is not set"
        );
    }

    #[test]
    fn errors_never_quote_a_secret() {
        let document = r#"{"concourse_token": ["hunter2"]}"#;
        let error = Secrets::read(&env_of(&[]).with_secret_document("arn:s", document).unwrap()).unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        let error = Secrets::read(&env_of(&[(
            "HOOKBOX_CONCOURSE_WEBHOOK_TOKENS",
            r#"{"a": ["hunter2"]}"#,
        )]))
        .unwrap_err();
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
