//! Cold start: read the configuration and the secrets, build the ATC client once, then answer
//! invocations.

use aws_config::BehaviorVersion;
use hookbox_concourse::{ConcourseClient, GitMatcher};
use hookbox_gateway::{GatewayEvent, GatewayResponse, IncomingRequest, Reply};
use lambda_runtime::LambdaEvent;

use crate::config::{ConfigError, Settings, load_config};
use crate::handler::Notifier;
use crate::secrets::Secrets;

impl Notifier {
    /// Builds the notifier from the process environment: config, settings, secrets, client.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let env = |name: &str| std::env::var(name).ok();
        let config = load_config(env("HOOKBOX_CONCOURSE_CONFIG_FILE").as_deref())?;
        let settings = Settings::from_env(env)?;
        let mut secrets = Secrets::from_env(env)?;
        if let Some(arn) = env("HOOKBOX_SECRETS_ARN").filter(|arn| !arn.is_empty()) {
            secrets.apply_document(&fetch_secret(&arn).await?)?;
        }
        secrets.require_webhook_secret()?;
        let (credentials, webhook_tokens) = if config.resources.is_empty() {
            tracing::warn!("no Concourse configuration: pushes will match nothing");
            (Default::default(), Vec::new())
        } else {
            (secrets.credentials(config.auth)?, secrets.resolve_tokens(&config)?)
        };
        // Without a configuration the client is never called (every push matches nothing); it still
        // needs a URL to exist.
        let atc_url = if config.atc_url.is_empty() {
            "http://127.0.0.1"
        } else {
            &config.atc_url
        };
        let client = ConcourseClient::new(atc_url, &config.team, credentials, settings.check_timeout)
            .map_err(|error| ConfigError::Secrets(format!("cannot build the ATC client: {error}")))?;
        let matcher = GitMatcher::new(&config);
        tracing::info!(
            resources = config.resources.len(),
            git_resources = matcher.len(),
            "ready"
        );
        Ok(Self {
            config,
            matcher,
            webhook_tokens,
            client,
            secrets,
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

/// The secret's JSON document from Secrets Manager (read once, at cold start).
async fn fetch_secret(arn: &str) -> Result<String, ConfigError> {
    let aws = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let client = aws_sdk_secretsmanager::Client::new(&aws);
    let output = client.get_secret_value().secret_id(arn).send().await.map_err(|error| {
        ConfigError::Secrets(format!(
            "cannot read secret {arn}: {}",
            aws_sdk_secretsmanager::error::DisplayErrorContext(&error)
        ))
    })?;
    output
        .secret_string
        .ok_or_else(|| ConfigError::Secrets(format!("secret {arn} has no string value")))
}
