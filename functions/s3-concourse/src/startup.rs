//! Cold start: read the configuration and the secrets and build the ATC client, once; then the Lambda
//! side of an invocation.

use hookbox_concourse::S3Matcher;
use hookbox_lambda::{Env, Metrics};
use hookbox_notifier::{Concourse, Secrets, StartupError, config_from_env, read_check_timeout};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::handler::Notifier;

impl Notifier {
    /// Builds the notifier from the process environment: config, secrets, client.
    pub async fn from_env() -> Result<Self, StartupError> {
        let env = Env::load().await?;
        let config = config_from_env(&env)?;
        let check_timeout = read_check_timeout(&env)?;
        let secrets = Secrets::read(&env)?;
        let matcher = S3Matcher::new(&config).map_err(|error| StartupError::File {
            file: "the Concourse config".to_owned(),
            error,
        })?;
        let concourse = Concourse::new(config, &secrets, check_timeout)?;
        tracing::info!(
            resources = concourse.config.resources.len(),
            s3_resources = matcher.len(),
            "ready"
        );
        Ok(Self { concourse, matcher })
    }
}

impl hookbox_lambda::Function for Notifier {
    const NAME: &'static str = "s3-concourse";
    type Event = Value;
    type Response = Value;

    /// One Lambda invocation: an error only when Lambda should retry it.
    async fn invoke(&self, event: LambdaEvent<Value>, metrics: &Metrics) -> Result<Value, lambda_runtime::Error> {
        let (payload, context) = event.into_parts();
        Ok(self.handle(&payload, &context.request_id, metrics).await?)
    }
}
