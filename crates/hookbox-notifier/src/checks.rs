//! Asking the ATC to check the resources an event concerns, and reporting each outcome the same way
//! in both notifiers: one log line per check, one entry per check in the function's answer, and the
//! checks' metrics.

use std::time::Duration;

use hookbox_concourse::{CheckError, CheckTarget, ConcourseClient, ConcourseConfig, Roots, Triggered};
use hookbox_lambda::Metrics;
use serde::Serialize;

use crate::metrics::{ATC_LATENCY, CHECKS_FAILED, CHECKS_TIMED_OUT, CHECKS_TRIGGERED};
use crate::{Secrets, StartupError};

/// The configured resources and the client that checks them: built once at cold start.
pub struct Concourse {
    pub config: ConcourseConfig,
    /// Each resource's resolved webhook token, in config order.
    webhook_tokens: Vec<Option<String>>,
    client: ConcourseClient,
}

/// The outcome of one check, as the function reports it. `cause` says why the resource was chosen
/// (each notifier has its own reasons) and is written beside the other fields.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a, C> {
    pub pipeline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_vars: Option<&'a serde_json::Map<String, serde_json::Value>>,
    pub resource: &'a str,
    #[serde(flatten)]
    pub cause: C,
    /// `triggered` or `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether asking again later could succeed (the ATC was down or slow), as opposed to a refusal
    /// that only a change of config or secrets can fix.
    #[serde(skip)]
    pub transient: bool,
}

impl<C> CheckReport<'_, C> {
    pub fn failed(&self) -> bool {
        self.outcome == "failed"
    }
}

impl Concourse {
    /// Resolves the credentials and webhook tokens `config` needs from `secrets` (a missing one refuses
    /// the start, naming it) and builds the client; every check ends within `timeout`.
    pub fn new(config: ConcourseConfig, secrets: &Secrets, timeout: Duration) -> Result<Self, StartupError> {
        let (credentials, webhook_tokens) = if config.resources.is_empty() {
            tracing::warn!("no Concourse configuration (config/concourse.json): events will match nothing");
            (Default::default(), Vec::new())
        } else {
            (secrets.credentials(config.auth)?, secrets.resolve_tokens(&config)?)
        };
        // Without a configuration the client is never called (every event matches nothing); it still
        // needs a URL to exist.
        let atc_url = if config.atc_url.is_empty() {
            "http://127.0.0.1"
        } else {
            &config.atc_url
        };
        // Mozilla's roots compiled in, unless SSL_CERT_FILE or SSL_CERT_DIR names a store (a private CA).
        let roots = if hookbox_lambda::trust_store_configured() {
            Roots::System
        } else {
            Roots::CompiledIn
        };
        let client = ConcourseClient::new(atc_url, &config.team, credentials, timeout, roots)
            .map_err(StartupError::AtcClient)?;
        Ok(Self {
            config,
            webhook_tokens,
            client,
        })
    }

    /// Checks the resources at `matches` (config indices, each with its cause) concurrently and
    /// reports each outcome in that order, logging one line per check and recording the checks'
    /// metrics.
    pub async fn check<C>(&self, matches: Vec<(usize, C)>, metrics: &Metrics) -> Vec<CheckReport<'_, C>> {
        let targets: Vec<CheckTarget> = matches
            .iter()
            .map(|(index, _)| {
                let resource = &self.config.resources[*index];
                CheckTarget {
                    pipeline: resource.pipeline.clone(),
                    instance_vars: resource.instance_vars.clone(),
                    resource: resource.name.clone(),
                    webhook_token: self.webhook_tokens[*index].clone(),
                }
            })
            .collect();
        let outcomes = self.client.check_all(&targets).await;
        let (mut triggered, mut failed, mut timed_out) = (0_u32, 0_u32, 0_u32);
        let reports = matches
            .into_iter()
            .zip(outcomes)
            .map(|((index, cause), (outcome, took))| {
                metrics.put(&ATC_LATENCY, took.as_secs_f64() * 1000.0, &[]);
                let resource = &self.config.resources[index];
                let mut report = CheckReport {
                    pipeline: &resource.pipeline,
                    instance_vars: resource.instance_vars.as_ref(),
                    resource: &resource.name,
                    cause,
                    outcome: "triggered",
                    status: None,
                    check_id: None,
                    error: None,
                    transient: false,
                };
                match outcome {
                    Ok(Triggered { status, check_id }) => {
                        triggered += 1;
                        tracing::info!(pipeline = %resource.pipeline, resource = %resource.name, status, "check triggered");
                        report.status = Some(status);
                        report.check_id = check_id;
                    }
                    Err(error) => {
                        if matches!(error, CheckError::Timeout(_)) {
                            timed_out += 1;
                        } else {
                            failed += 1;
                        }
                        tracing::warn!(pipeline = %resource.pipeline, resource = %resource.name, %error, "check failed");
                        report.outcome = "failed";
                        report.status = status_of(&error);
                        report.transient = error.is_transient();
                        report.error = Some(error.to_string());
                    }
                }
                report
            })
            .collect();
        metrics.put(&CHECKS_TRIGGERED, f64::from(triggered), &[]);
        metrics.put(&CHECKS_FAILED, f64::from(failed), &[]);
        metrics.put(&CHECKS_TIMED_OUT, f64::from(timed_out), &[]);
        reports
    }
}

fn status_of(error: &CheckError) -> Option<u16> {
    match error {
        CheckError::Status { status, .. } => Some(*status),
        CheckError::WrongWebhookToken | CheckError::Unauthorized => Some(401),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atc_url_the_client_cannot_use_refuses_the_start() {
        // The config checks only the scheme; the client finds the rest.
        let config = ConcourseConfig::from_json(r#"{"atc_url": "https://bad host", "team": "main"}"#).unwrap();
        let error = Concourse::new(config, &Secrets::default(), Duration::from_secs(1))
            .err()
            .expect("the start is refused");
        assert!(matches!(error, StartupError::AtcClient(_)), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("cannot build the ATC client: the ATC URL"),
            "{error}"
        );
    }
}
