//! Cold start: read the configuration and the secrets and build the ATC client, once.

use hookbox_concourse::GitMatcher;
use hookbox_core::signature::SignatureScheme;
use hookbox_lambda::Env;
use hookbox_notifier::{Concourse, Secrets, StartupError, config_from_env};

use crate::config::Settings;
use crate::handler::Notifier;

impl Notifier {
    /// Builds the notifier from the process environment: config, settings, secrets, client.
    pub async fn from_env() -> Result<Self, StartupError> {
        let env = Env::load().await?;
        let config = config_from_env(&env)?;
        let settings = Settings::read(&env)?;
        let secrets = Secrets::read(&env)?;
        secrets.require_webhook_secret()?;
        let matcher = GitMatcher::new(&config);
        let concourse = Concourse::new(config, &secrets, settings.check_timeout)?;
        tracing::info!(
            resources = concourse.config.resources.len(),
            git_resources = matcher.len(),
            "ready"
        );
        Ok(Self {
            concourse,
            matcher,
            webhook_secrets: secrets.github_webhook_secrets,
            signature: SignatureScheme::github(settings.allow_sha1),
            settings,
        })
    }
}
