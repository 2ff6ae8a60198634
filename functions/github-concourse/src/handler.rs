//! One delivery, start to end: authenticate it, read the push, match it against the configured
//! resources and check every matching resource concurrently, answering with each check's outcome.

use hookbox_concourse::{
    CheckError, CheckTarget, ConcourseClient, ConcourseConfig, GitMatcher, MatchReason, PushEvent, Triggered,
};
use hookbox_gateway::{IncomingRequest, Reply};
use serde::Serialize;

use crate::config::Settings;
use crate::delivery::{self, DeliveryError};
use crate::secrets::Secrets;

/// The notifier: what the function knows after its cold start.
pub struct Notifier {
    pub config: ConcourseConfig,
    pub matcher: GitMatcher,
    /// Each resource's resolved webhook token, in config order.
    pub webhook_tokens: Vec<Option<String>>,
    pub client: ConcourseClient,
    pub secrets: Secrets,
    pub settings: Settings,
}

/// One check in the answer.
#[derive(Debug, Serialize)]
struct CheckReport<'a> {
    pipeline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_vars: Option<&'a serde_json::Map<String, serde_json::Value>>,
    resource: &'a str,
    #[serde(flatten)]
    reason: MatchReason,
    /// `triggered` or `failed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    check_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The answer to a push.
#[derive(Debug, Serialize)]
struct PushReport<'a> {
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    #[serde(rename = "ref")]
    git_ref: &'a str,
    checks: Vec<CheckReport<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    request_id: &'a str,
}

impl Notifier {
    /// Handles one delivery; `request_id` names it in the answer and the logs.
    pub async fn handle(&self, request: IncomingRequest, request_id: &str) -> Reply {
        if request.method != "POST" {
            tracing::warn!(request_id, method = %request.method, "method not allowed");
            return Reply::error(405, format!("{} is not allowed; use POST", request.method), request_id)
                .with_allow(&["POST"]);
        }
        if let Err(error) =
            delivery::verify_signature(&request, &self.secrets.github_webhook_secrets, self.settings.allow_sha1)
        {
            tracing::warn!(request_id, %error, "delivery refused: bad signature");
            return Reply::error(401, error.to_string(), request_id);
        }
        let delivery_id = request.header("x-github-delivery");
        let event = match delivery::event_name(&request) {
            Ok(event) => event,
            Err(error) => return bad_delivery(error, request_id),
        };
        match event {
            "push" => {}
            "ping" => {
                tracing::info!(request_id, delivery = ?delivery_id, "ping");
                let body = serde_json::json!({
                    "event": "ping", "message": "pong", "resources": self.config.resources.len(),
                    "request_id": request_id,
                });
                return Reply::json(200, &body);
            }
            other => {
                tracing::info!(request_id, event = other, "event ignored");
                let body = serde_json::json!({
                    "event": other, "ignored": true, "message": "only push events trigger checks",
                    "request_id": request_id,
                });
                return Reply::json(200, &body);
            }
        }
        let payload = match delivery::payload(&request) {
            Ok(payload) => payload,
            Err(error) => return bad_delivery(error, request_id),
        };
        let push: PushEvent = match serde_json::from_slice(&payload) {
            Ok(push) => push,
            Err(error) => {
                tracing::warn!(request_id, %error, "push payload unreadable");
                return Reply::error(400, format!("the push payload is not readable: {error}"), request_id);
            }
        };
        self.handle_push(&push, delivery_id, request_id).await
    }

    async fn handle_push(&self, push: &PushEvent, delivery: Option<&str>, request_id: &str) -> Reply {
        let mut report = PushReport {
            event: "push",
            delivery,
            repository: push.repository.full_name.as_deref(),
            git_ref: &push.git_ref,
            checks: Vec::new(),
            message: None,
            error: None,
            request_id,
        };
        if self.config.resources.is_empty() {
            tracing::warn!(request_id, "the Concourse configuration has no resources");
            report.message =
                Some("the function has no Concourse configuration (config/concourse.json); nothing to check");
            return Reply::json(200, &report);
        }
        let found = self.matcher.match_push(push);
        if found.matches.is_empty() {
            let note = found.note.unwrap_or("no resource matches");
            tracing::info!(request_id, repository = ?report.repository, git_ref = %push.git_ref, note, "nothing to check");
            report.message = Some(note);
            return Reply::json(200, &report);
        }
        let targets: Vec<CheckTarget> = found
            .matches
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
        let mut failed = 0;
        for ((index, reason), outcome) in found.matches.iter().zip(outcomes) {
            let resource = &self.config.resources[*index];
            let mut check = CheckReport {
                pipeline: &resource.pipeline,
                instance_vars: resource.instance_vars.as_ref(),
                resource: &resource.name,
                reason: *reason,
                outcome: "triggered",
                status: None,
                check_id: None,
                error: None,
            };
            match outcome {
                Ok(Triggered { status, check_id }) => {
                    tracing::info!(request_id, pipeline = %resource.pipeline, resource = %resource.name, status, "check triggered");
                    check.status = Some(status);
                    check.check_id = check_id;
                }
                Err(error) => {
                    failed += 1;
                    tracing::warn!(request_id, pipeline = %resource.pipeline, resource = %resource.name, %error, "check failed");
                    check.outcome = "failed";
                    check.status = status_of(&error);
                    check.error = Some(error.to_string());
                }
            }
            report.checks.push(check);
        }
        if failed == 0 {
            return Reply::json(200, &report);
        }
        // 502 shows GitHub a failed delivery that can be redelivered; the triggered checks repeat
        // harmlessly then.
        report.error = Some(format!("{failed} of {} checks failed", report.checks.len()));
        Reply::json(502, &report)
    }
}

fn status_of(error: &CheckError) -> Option<u16> {
    match error {
        CheckError::Status { status, .. } => Some(*status),
        CheckError::WrongWebhookToken | CheckError::Unauthorized => Some(401),
        _ => None,
    }
}

fn bad_delivery(error: DeliveryError, request_id: &str) -> Reply {
    tracing::warn!(request_id, %error, "delivery refused");
    let status = match error {
        DeliveryError::UnsupportedType(_) => 415,
        DeliveryError::MissingEvent | DeliveryError::NoPayloadField => 400,
    };
    Reply::error(status, error.to_string(), request_id)
}
