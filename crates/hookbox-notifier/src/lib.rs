//! What the two Concourse notifier functions (github-concourse, s3-concourse) share, so that they start
//! and check alike:
//!
//! - [`config`]: the pipeline config baked in at build time (`config/concourse.json`), its runtime
//!   override, and the check timeout;
//! - [`secrets`]: webhook secrets and Concourse credentials from the environment and Secrets Manager;
//! - [`checks`]: asking the ATC to check matched resources, and the report of each check;
//! - [`metrics`]: the metrics both publish (events, matches, checks, ATC latency).
//!
//! The matching itself is `hookbox-concourse`'s; the events are each function's own.

pub mod checks;
pub mod config;
pub mod metrics;
pub mod secrets;

pub use checks::{CheckReport, Concourse};
pub use config::{config_from_env, load_config, read_check_timeout};
pub use secrets::Secrets;

/// A start-up problem: the function refuses to start rather than miss builds later. No message quotes
/// a secret.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("Concourse config {file}: {error}")]
    File {
        file: String,
        error: hookbox_concourse::ConfigError,
    },
    #[error("cannot read Concourse config {file}: {error}")]
    Unreadable { file: String, error: std::io::Error },
    #[error(transparent)]
    Settings(#[from] hookbox_lambda::SettingsError),
    #[error(
        "no GitHub webhook secret: set the GitHubWebhookSecrets parameter (HOOKBOX_GITHUB_WEBHOOK_SECRETS) \
         or github_webhook_secrets in the secret"
    )]
    NoWebhookSecret,
    #[error("auth is \"{auth}\" but {missing} is not set")]
    MissingCredentials { auth: &'static str, missing: &'static str },
    #[error(
        "resources[{index}] ({pipeline}/{resource}): webhook_token (({name})) has no value in the webhook tokens secret"
    )]
    UnresolvedWebhookToken {
        index: usize,
        pipeline: String,
        resource: String,
        name: String,
    },
    /// Only a URL the client cannot use: reaching the ATC is left to the checks.
    #[error("cannot build the ATC client: {0}")]
    AtcClient(#[source] hookbox_concourse::ClientError),
}
