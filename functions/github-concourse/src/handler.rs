//! One delivery, start to end: authenticate it (`SignatureScheme::github`), read its event and its
//! payload (the same readers as the mailbox's routes: `hookbox_core::http`), match the push against the
//! configured resources and check every matching resource concurrently, answering with each check's
//! outcome.

use std::time::{SystemTime, UNIX_EPOCH};

use hookbox_concourse::{GitMatcher, MatchReason, PushEvent};
use hookbox_core::Headers;
use hookbox_core::http::{PayloadError, json_payload};
use hookbox_core::signature::SignatureScheme;
use hookbox_lambda::{HttpHandler, IncomingRequest, Metrics, Reply};
use hookbox_notifier::metrics::{count_events, count_matched};
use hookbox_notifier::{CheckReport, Concourse};
use serde::Serialize;

use crate::config::Settings;

/// The notifier: what the function knows after its cold start.
pub struct Notifier {
    pub concourse: Concourse,
    pub matcher: GitMatcher,
    /// Every secret a delivery may be signed with; more than one during a rotation.
    pub webhook_secrets: Vec<String>,
    /// GitHub's signature, SHA-1 only when the settings allow it.
    pub signature: SignatureScheme,
    pub settings: Settings,
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
    checks: Vec<CheckReport<'a, MatchReason>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    request_id: &'a str,
}

impl HttpHandler for Notifier {
    const NAME: &'static str = "github-concourse";

    /// Handles one delivery, named in the answer by the gateway's request id, or else by
    /// `invocation_id`, and counted by kind: `push`, `ping`, `ignored` or `refused` (any 4xx).
    async fn handle(&self, request: IncomingRequest, invocation_id: &str, metrics: &Metrics) -> Reply {
        let request_id = &request.request_id.clone().unwrap_or_else(|| invocation_id.to_owned());
        let reply = self.deliver(request, request_id, metrics).await;
        if (400..500).contains(&reply.status) {
            count_events(metrics, "refused", 1);
        }
        reply
    }
}

impl Notifier {
    /// The delivery's answer, counting every kind but a refusal, which [`Notifier::handle`] counts
    /// from the answer's status.
    async fn deliver(&self, request: IncomingRequest, request_id: &str, metrics: &Metrics) -> Reply {
        if request.method != "POST" {
            tracing::warn!(method = %request.method, "method not allowed");
            return Reply::error(405, format!("{} is not allowed; use POST", request.method), request_id)
                .with_allow(&["POST"]);
        }
        if let Err(error) = self
            .signature
            .verify(&self.webhook_secrets, &request.body, &request.headers, unix_now())
        {
            tracing::warn!(%error, "delivery refused: bad signature");
            return Reply::error(401, error.to_string(), request_id);
        }
        let delivery_id = request.headers.get("x-github-delivery");
        let event = match event_name(&request.headers) {
            Ok(event) => event,
            Err(error) => return bad_delivery(error, request_id),
        };
        match event {
            "push" => {}
            "ping" => {
                tracing::info!(delivery = delivery_id, "ping");
                count_events(metrics, "ping", 1);
                let body = serde_json::json!({
                    "event": "ping", "message": "pong", "resources": self.concourse.config.resources.len(),
                    "request_id": request_id,
                });
                return Reply::json(200, &body);
            }
            other => {
                tracing::info!(event = other, "event ignored");
                count_events(metrics, "ignored", 1);
                let body = serde_json::json!({
                    "event": other, "ignored": true, "message": "only push events trigger checks",
                    "request_id": request_id,
                });
                return Reply::json(200, &body);
            }
        }
        let payload = match json_payload(request.headers.get("content-type"), &request.body) {
            Ok(payload) => payload,
            Err(error) => return bad_delivery(error.into(), request_id),
        };
        let push: PushEvent = match serde_json::from_slice(&payload) {
            Ok(push) => push,
            Err(error) => {
                tracing::warn!(%error, "push payload unreadable");
                return Reply::error(400, format!("the push payload is not readable: {error}"), request_id);
            }
        };
        count_events(metrics, "push", 1);
        self.handle_push(&push, delivery_id, request_id, metrics).await
    }

    async fn handle_push(
        &self,
        push: &PushEvent,
        delivery: Option<&str>,
        request_id: &str,
        metrics: &Metrics,
    ) -> Reply {
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
        if self.concourse.config.resources.is_empty() {
            tracing::warn!("the Concourse configuration has no resources");
            count_matched(metrics, 0);
            report.message =
                Some("the function has no Concourse configuration (config/concourse.json); nothing to check");
            return Reply::json(200, &report);
        }
        let found = self.matcher.match_push(push);
        count_matched(metrics, found.matches.len());
        for (index, reason) in &found.matches {
            let resource = &self.concourse.config.resources[*index];
            tracing::info!(
                pipeline = %resource.pipeline, resource = %resource.name, reason = reason.reason.as_str(),
                detail = %reason.detail, "resource matched"
            );
        }
        for (index, why) in &found.skipped {
            let resource = &self.concourse.config.resources[*index];
            tracing::debug!(pipeline = %resource.pipeline, resource = %resource.name, reason = %why, "resource not matched");
        }
        if found.matches.is_empty() {
            let note = found.note.unwrap_or("no resource matches");
            tracing::info!(repository = report.repository, git_ref = %push.git_ref, note, "nothing to check");
            report.message = Some(note);
            return Reply::json(200, &report);
        }
        report.checks = self.concourse.check(found.matches, metrics).await;
        let failed = report.checks.iter().filter(|check| check.failed()).count();
        if failed == 0 {
            return Reply::json(200, &report);
        }
        // 502 shows GitHub a failed delivery that can be redelivered; the triggered checks repeat
        // harmlessly then.
        report.error = Some(format!("{failed} of {} checks failed", report.checks.len()));
        Reply::json(502, &report)
    }
}

fn bad_delivery(error: DeliveryError, request_id: &str) -> Reply {
    tracing::warn!(%error, "delivery refused");
    let status = match error {
        DeliveryError::Payload(PayloadError::UnsupportedType(_)) => 415,
        DeliveryError::MissingEvent | DeliveryError::Payload(PayloadError::NoPayloadField) => 400,
    };
    Reply::error(status, error.to_string(), request_id)
}

/// Why a delivery cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the X-GitHub-Event header is missing")]
    MissingEvent,
    #[error(transparent)]
    Payload(#[from] PayloadError),
}

/// The `X-GitHub-Event` of the delivery.
pub fn event_name(headers: &Headers) -> Result<&str, DeliveryError> {
    headers
        .get("x-github-event")
        .map(str::trim)
        .filter(|event| !event.is_empty())
        .ok_or(DeliveryError::MissingEvent)
}

/// The clock the signature is checked against, in unix seconds (GitHub's signature has no timestamp,
/// but the scheme's interface takes the receiver's clock).
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_comes_from_its_header() {
        let headers: Headers = vec![("x-github-event".to_owned(), " push ".to_owned())].into();
        assert_eq!(event_name(&headers), Ok("push"));
        let json: Headers = vec![("content-type".to_owned(), "application/json".to_owned())].into();
        assert_eq!(event_name(&json), Err(DeliveryError::MissingEvent));
    }
}
