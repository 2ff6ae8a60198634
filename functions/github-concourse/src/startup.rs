//! Cold start: read the configuration and the secrets, build the ATC client once, then answer
//! invocations.

use hookbox_concourse::GitMatcher;
use hookbox_gateway::{GatewayEvent, GatewayResponse, IncomingRequest, Reply};
use hookbox_notifier::{Concourse, Secrets, StartupError, config_from_env};
use lambda_runtime::LambdaEvent;

use crate::config::Settings;
use crate::handler::Notifier;

impl Notifier {
    /// Builds the notifier from the process environment: config, settings, secrets, client.
    pub async fn from_env() -> Result<Self, StartupError> {
        let env = |name: &str| std::env::var(name).ok();
        let config = config_from_env(env)?;
        let settings = Settings::from_env(env)?;
        let secrets = Secrets::load(env).await?;
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
            settings,
        })
    }

    /// One Lambda invocation.
    pub async fn invoke(&self, event: LambdaEvent<GatewayEvent>) -> Result<GatewayResponse, lambda_runtime::Error> {
        let (event, context) = event.into_parts();
        let gateway = event.gateway();
        let reply = match IncomingRequest::from_event(event) {
            Ok(request) => {
                let id = request.request_id.clone().unwrap_or_else(|| context.request_id.clone());
                self.handle(request, &id).await
            }
            Err(error) => {
                tracing::warn!(request_id = %context.request_id, %error, "malformed event body");
                Reply::error(400, error.to_string(), &context.request_id)
            }
        };
        Ok(reply.into_gateway_response(gateway))
    }
}
