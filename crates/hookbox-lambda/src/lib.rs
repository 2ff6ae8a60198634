//! What every hookbox function does at cold start before its own work, kept to what a Lambda needs:
//!
//! - [`run`] / [`run_http`]: the one entry point every function's `main.rs` calls, around its
//!   [`Function`] or [`HttpHandler`];
//! - [`gateway`]: API Gateway (REST and HTTP APIs), Function URL and Application Load Balancer events
//!   read into the request they describe, and JSON replies in the shape that gateway expects;
//! - [`settings`]: every function's settings and secrets, from the environment and Secrets Manager,
//!   in one order of precedence ([`Env`]);
//! - logging, installed by [`run`]: JSON log lines on stdout (the template's `LogFormat: JSON`), at the level Lambda's
//!   advanced logging controls set (`AWS_LAMBDA_LOG_LEVEL`), else `RUST_LOG`, else INFO. Unlike
//!   `lambda_runtime::tracing::init_default_subscriber` it compiles no `EnvFilter` (and so no regex engine)
//!   and formats no ANSI text; since it is its own small subscriber ([`JsonLog`]) rather than
//!   tracing-subscriber's, no registry or formatting machinery either: scripts/bench measured what each
//!   step saved (see the git history). The runtime, HTTP and AWS SDK libraries are never logged below
//!   INFO, so that no level logs a raw event or a payload.
//! - [`metrics`]: CloudWatch metrics as Embedded Metric Format lines, one per invocation, written by
//!   [`run`] after the function's own log lines; nothing at cold start.
//! - [`sdk_config_from_env`] (feature `sdk`): an `SdkConfig` read straight from the variables Lambda sets
//!   (region, the execution role's credentials, `AWS_ENDPOINT_URL`), with one HTTPS client on rustls and
//!   ring, instead of running aws-config's whole provider chain at cold start. Outside Lambda (no
//!   credentials in the environment) it falls back to that chain, so local runs with a profile still work.

mod function;
pub mod gateway;
mod init_error;
mod json_log;
pub mod metrics;
mod runtime_env;
pub mod settings;
mod trust_store;

pub use function::{Function, HttpFunction, HttpHandler, run, run_http};
pub use gateway::{EventError, Gateway, GatewayEvent, GatewayResponse, IncomingRequest, MalformedEvent, Reply};
pub use json_log::{JsonLog, rfc3339_millis};
pub use metrics::{Metric, Metrics, MetricsConfig, Unit};
pub use settings::{Env, SettingsError};
use tracing::level_filters::LevelFilter;
pub use trust_store::configured as trust_store_configured;

/// Installs the JSON subscriber; [`run`] calls it first thing.
fn init_tracing() {
    let level = log_level(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    // Only fails when a subscriber is already installed, which then keeps logging.
    let _ = tracing::subscriber::set_global_default(JsonLog::new(level));
}

/// The level: Lambda's setting wins, then the bare level in `RUST_LOG` (`debug`, or the `info` of
/// `info,hyper=warn`; per-target directives are not supported and are ignored), then INFO.
fn log_level(lambda: Option<&str>, rust_log: Option<&str>) -> LevelFilter {
    let parse = |text: &str| -> Option<LevelFilter> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("fatal") {
            return Some(LevelFilter::ERROR);
        }
        text.parse().ok()
    };
    lambda
        .and_then(parse)
        .or_else(|| rust_log.and_then(|directives| directives.split(',').find_map(parse)))
        .unwrap_or(LevelFilter::INFO)
}

#[cfg(feature = "sdk")]
mod https;
#[cfg(feature = "sdk")]
mod sdk;
#[cfg(feature = "sdk")]
pub use aws_types::{SdkConfig, sdk_config::TimeoutConfig};
#[cfg(feature = "sdk")]
pub use sdk::{https_client, request_path_timeouts, sdk_config_from_env};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_log_level_wins_then_rust_log_then_info() {
        assert_eq!(log_level(Some("DEBUG"), Some("error")), LevelFilter::DEBUG);
        assert_eq!(log_level(Some("FATAL"), None), LevelFilter::ERROR);
        assert_eq!(log_level(None, Some("hyper=debug,warn")), LevelFilter::WARN);
        assert_eq!(log_level(Some("nonsense"), Some("trace")), LevelFilter::TRACE);
        assert_eq!(log_level(None, Some("hyper=debug")), LevelFilter::INFO);
        assert_eq!(log_level(None, None), LevelFilter::INFO);
    }
}
