//! Cold start: read the configuration and build the AWS clients once, then answer invocations.

use std::time::Duration;

use hookbox_lambda::{SdkConfig, TimeoutConfig};
use lambda_runtime::LambdaEvent;

use crate::config::{ConfigError, Settings, StoredSecrets, load_routes, parse_stored_secrets};
use crate::handler::Mailbox;
use crate::request::{GatewayEvent, IncomingRequest};
use crate::response::{GatewayResponse, Reply};
use crate::storage::Storage;

/// SQS and S3 answer in milliseconds; a stuck connection must not eat the caller's whole timeout (GitHub
/// gives up after 10 s), so each attempt is bounded and the SDK's standard retries get their turn.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(6))
        .build()
}

/// Fetches the Secrets Manager secret that holds route secrets. Only when `HOOKBOX_SECRETS_ARN` is set,
/// so a mailbox without it pays nothing at cold start.
async fn read_secret_store(aws: &SdkConfig, arn: &str) -> Result<StoredSecrets, ConfigError> {
    let unreadable = |reason: String| ConfigError::SecretStoreUnreadable {
        arn: arn.to_owned(),
        reason,
    };
    let output = aws_sdk_secretsmanager::Client::new(aws)
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|error| unreadable(aws_sdk_secretsmanager::error::DisplayErrorContext(error).to_string()))?;
    let text = output
        .secret_string()
        .ok_or_else(|| unreadable("the secret has no text value".to_owned()))?;
    parse_stored_secrets(arn, text)
}

impl Mailbox {
    /// Builds the mailbox from the process environment: routes, settings, clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let env = |name: &str| std::env::var(name).ok();
        let routes = load_routes(env("HOOKBOX_ROUTES_FILE").as_deref())?;
        // From the variables Lambda sets, not aws-config's provider chain: nothing to read at cold start.
        let aws = hookbox_lambda::sdk_config_from_env(timeouts()).await;
        let stored = match env("HOOKBOX_SECRETS_ARN").filter(|arn| !arn.is_empty()) {
            Some(arn) => read_secret_store(&aws, &arn).await?,
            None => StoredSecrets::new(),
        };
        let settings = Settings::from_env(&routes, env, &stored)?;
        // Local S3 stand-ins such as moto serve buckets by path, not by virtual host.
        let path_style = env("HOOKBOX_S3_FORCE_PATH_STYLE").is_some_and(|value| value == "true");
        let s3_config = aws_sdk_s3::config::Builder::from(&aws)
            .force_path_style(path_style)
            .build();
        Ok(Self {
            storage: Storage {
                sqs: aws_sdk_sqs::Client::new(&aws),
                s3: aws_sdk_s3::Client::from_conf(s3_config),
            },
            routes,
            settings,
        })
    }

    /// One Lambda invocation.
    pub async fn invoke(&self, event: LambdaEvent<GatewayEvent>) -> Result<GatewayResponse, lambda_runtime::Error> {
        let (event, context) = event.into_parts();
        let gateway = event.gateway();
        let reply = match IncomingRequest::from_event(event) {
            Ok(request) => self.handle(request, &context.request_id).await,
            Err(error) => {
                tracing::warn!(request_id = %context.request_id, %error, "malformed event body");
                Reply::error(400, error.to_string(), &context.request_id)
            }
        };
        Ok(reply.into_gateway_response(gateway))
    }
}
