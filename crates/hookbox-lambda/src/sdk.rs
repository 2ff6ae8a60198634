//! The AWS SDK configuration a function needs, from the Lambda environment, without aws-config's provider
//! chain at cold start.

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SharedHttpClient;

/// The one HTTPS client of a function: hyper with rustls on ring (no aws-lc-rs). It connects (and reads
/// the root certificates) at the first request, not at cold start.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK configuration from the environment Lambda gives every function: `AWS_REGION`, the execution
/// role's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, and `AWS_ENDPOINT_URL` when a
/// stand-in (moto, LocalStack) answers instead of AWS. Nothing is read from disk or the network.
///
/// Without credentials or region in the environment (a developer's machine with a profile), it runs
/// aws-config's default chain instead, with the same HTTP client and timeouts.
pub async fn sdk_config_from_env(timeouts: TimeoutConfig) -> SdkConfig {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
    let client = https_client();
    match (region, env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(region), Some(key), Some(secret)) => {
            let credentials = Credentials::new(key, secret, env("AWS_SESSION_TOKEN"), None, "Environment");
            let mut builder = SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(region))
                .credentials_provider(SharedCredentialsProvider::new(credentials))
                .timeout_config(timeouts)
                .http_client(client);
            builder.set_endpoint_url(env("AWS_ENDPOINT_URL"));
            builder.build()
        }
        _ => {
            aws_config::defaults(BehaviorVersion::latest())
                .http_client(client)
                .timeout_config(timeouts)
                .load()
                .await
        }
    }
}
