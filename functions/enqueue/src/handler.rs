//! One request, start to end: route it, check the route's rules, capture it as an envelope, store
//! it in every target queue, and answer 202 only when all of them have it.

use std::time::Instant;

use futures::future::join_all;
use hookbox_core::path::TOKEN_PLACEHOLDER;
use hookbox_core::routes::Route;
use hookbox_core::validation::{Accepted, Redaction, RequestParts};
use hookbox_core::{BodyObject, RouteMatch, Routes};
use hookbox_lambda::{HttpHandler, IncomingRequest, Metrics, Reply};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::Settings;
use crate::hooks::{Hooks, Refusal};
use crate::message::{Attributes, body_key, delivery_id};
use crate::metrics::{BODY_BYTES, CLAIM_CHECKS, Outcome, REFUSED, S3_TIME, SQS_TIME, count_request, elapsed_ms};
use crate::storage::{DependencyError, Outgoing, Storage};

/// The mailbox: what the function knows after its cold start.
pub struct Mailbox {
    pub routes: Routes,
    pub settings: Settings,
    pub storage: Storage,
    /// Hook deliveries (`/wh/{apiToken}/{token}`), when the hooks table is configured.
    pub hooks: Option<Hooks>,
}

/// The 202 answer.
#[derive(Debug, Serialize)]
struct Stored<'a> {
    id: &'a str,
    route: &'a str,
    /// Whether the body went to the claim-check bucket.
    claim_check: bool,
    messages: Vec<QueuedMessage<'a>>,
}

#[derive(Debug, Serialize)]
struct QueuedMessage<'a> {
    queue: &'a str,
    message_id: String,
}

/// The SQS message for one request, ready to send to each queue of its route.
struct Message {
    body: String,
    attributes: Attributes,
    message_group: String,
    deduplication_key: String,
}

/// A body bound for the claim-check bucket: the object the envelope already names, and its bytes.
struct ClaimCheck {
    object: BodyObject,
    body: Vec<u8>,
    content_type: Option<String>,
}

impl HttpHandler for Mailbox {
    const NAME: &'static str = "enqueue";

    /// Handles one request, counting it under its route and outcome. `invocation_id` (the Lambda
    /// request id) names the envelope when the gateway gave no request id of its own.
    async fn handle(&self, request: IncomingRequest, invocation_id: &str, metrics: &Metrics) -> Reply {
        let id = request.request_id.clone().unwrap_or_else(|| invocation_id.to_owned());
        let admitted = match &self.hooks {
            Some(hooks) if Hooks::claims(&request.path) => self.admit_hook(hooks, &request, &id, metrics).await,
            _ => self.admit(&request, &id, metrics),
        };
        let (route, accepted) = match admitted {
            Ok(admitted) => admitted,
            Err(reply) => return reply,
        };
        let (message, claim_check) = match self.message(route, accepted, request, &id) {
            Ok(composed) => composed,
            Err(reply) => {
                count_request(metrics, Some(&route.name), Outcome::TooLarge);
                return reply;
            }
        };
        let (outcome, reply) = self.store(route, &message, claim_check, &id, metrics).await;
        count_request(metrics, Some(&route.name), outcome);
        reply
    }
}

impl Mailbox {
    /// Routing, the size cap and the route's rules: everything that can refuse a request before it
    /// costs anything. A refusal is counted here.
    fn admit<'r>(
        &'r self,
        request: &IncomingRequest,
        id: &str,
        metrics: &Metrics,
    ) -> Result<(&'r Route, Accepted), Reply> {
        let (route, path_token) = match self.routes.resolve(&request.method, &request.path) {
            RouteMatch::Found(route, path_token) => (route, path_token),
            RouteMatch::MethodNotAllowed(allowed) => {
                tracing::warn!(method = %request.method, path = %request.path, "method not allowed");
                count_request(metrics, None, Outcome::MethodNotAllowed);
                let message = format!(
                    "{} is not allowed on {}; use {}",
                    request.method,
                    request.path,
                    allowed.join(", ")
                );
                return Err(Reply::error(405, message, id).with_allow(&allowed));
            }
            RouteMatch::NotFound => {
                tracing::warn!(method = %request.method, path = %request.path, "no route");
                count_request(metrics, None, Outcome::NoRoute);
                return Err(Reply::error(404, format!("no route for {}", request.path), id));
            }
        };
        metrics.put(&BODY_BYTES, request.body.len() as f64, &[("Route", &route.name)]);
        if request.body.len() > self.settings.max_body_bytes {
            tracing::warn!(route = %route.name, size = request.body.len(), "body too large");
            count_request(metrics, Some(&route.name), Outcome::TooLarge);
            let limit = self.settings.max_body_bytes;
            let message = format!(
                "the body has {} bytes; this endpoint accepts at most {limit}",
                request.body.len()
            );
            return Err(Reply::error(413, message, id));
        }
        let parts = RequestParts {
            route: &route.name,
            method: &request.method,
            path: &request.path,
            query: &request.query,
            headers: &request.headers,
            body: &request.body,
            path_token: path_token.as_ref(),
            received_at: OffsetDateTime::now_utc().unix_timestamp(),
        };
        match route.rules.check(&parts, &self.settings.secrets) {
            Ok(accepted) => Ok((route, accepted)),
            Err(rejection) => {
                tracing::warn!(route = %route.name, rule = %rejection.rule, status = rejection.status, reason = %rejection.message, "rejected");
                let outcome = match rejection.status {
                    415 => Outcome::UnsupportedType,
                    _ => Outcome::Refused,
                };
                count_request(metrics, Some(&route.name), outcome);
                metrics.put(&REFUSED, 1.0, &[("Route", &route.name), ("Rule", &rejection.rule)]);
                Err(Reply::error(rejection.status, rejection.to_string(), id).with_rule(&rejection.rule))
            }
        }
    }

    /// A hook delivery's checks (see `hooks.rs`), counted like a route's under the route `hooks`.
    async fn admit_hook<'r>(
        &'r self,
        hooks: &'r Hooks,
        request: &IncomingRequest,
        id: &str,
        metrics: &Metrics,
    ) -> Result<(&'r Route, Accepted), Reply> {
        let route = &hooks.route;
        metrics.put(&BODY_BYTES, request.body.len() as f64, &[("Route", &route.name)]);
        if request.body.len() > self.settings.max_body_bytes {
            count_request(metrics, Some(&route.name), Outcome::TooLarge);
            let limit = self.settings.max_body_bytes;
            return Err(Reply::error(
                413,
                format!("this endpoint accepts at most {limit} bytes"),
                id,
            ));
        }
        match hooks.admit(request).await {
            Ok((hook, accepted)) => {
                tracing::info!(tenant = %hook.tenant_id, datasource = %hook.datasource, event = %hook.event, "hook delivery");
                Ok((route, accepted))
            }
            Err(refusal) => {
                tracing::warn!(route = %route.name, reason = %refusal, "hook delivery refused");
                let outcome = match refusal {
                    Refusal::UnknownHook => Outcome::NoRoute,
                    Refusal::MethodNotAllowed => Outcome::MethodNotAllowed,
                    Refusal::NotJson(_) => Outcome::UnsupportedType,
                    Refusal::BadJson(_) => Outcome::Refused,
                    Refusal::Unavailable(_) => Outcome::HooksFailed,
                };
                count_request(metrics, Some(&route.name), outcome);
                let reply = Reply::error(refusal.status(), refusal.to_string(), id);
                Err(match refusal {
                    Refusal::MethodNotAllowed => reply.with_allow(&["POST"]),
                    _ => reply,
                })
            }
        }
    }

    /// The envelope as an SQS message, with the body inline or, when the message would be too large,
    /// a claim check, returned with the body for the bucket. Writes nothing: the claim check (bucket,
    /// key, size, SHA-256) is known before the upload, so a request too large even with one is refused
    /// here, before anything is stored, and never leaves an orphaned body behind.
    fn message(
        &self,
        route: &Route,
        accepted: Accepted,
        mut request: IncomingRequest,
        id: &str,
    ) -> Result<(Message, Option<ClaimCheck>), Reply> {
        let content_type = request.headers.get("content-type").map(str::to_owned);
        let delivery = delivery_id(|name| request.headers.get(name)).map(str::to_owned);
        let attributes = Attributes::new(
            &route.name,
            content_type.as_deref(),
            delivery.as_deref(),
            &accepted.attributes,
        );
        for redaction in &accepted.redactions {
            redact(&mut request, redaction);
        }
        let (mut envelope, body) = request.into_envelope(id.to_owned(), now_rfc3339(), route.name.clone());
        let mut text = envelope.to_json();
        let fits = |text: &str| text.len() + attributes.sqs_size() <= self.settings.max_message_bytes;
        let mut claim_check = None;
        if !fits(&text) {
            let Some(bucket) = self.settings.body_bucket.as_deref() else {
                tracing::warn!(route = %route.name, size = body.len(), "too large for a message and no claim-check bucket");
                let message = "the request is too large for one message and no claim-check bucket is configured";
                return Err(Reply::error(413, message, id));
            };
            let object = BodyObject {
                bucket: bucket.to_owned(),
                key: body_key(&self.settings.body_prefix, &route.name, id),
                size: body.len() as u64,
                sha256: hex::encode(Sha256::digest(&body)),
            };
            envelope.set_body_object(object.clone());
            text = envelope.to_json();
            if !fits(&text) {
                tracing::warn!(route = %route.name, bytes = text.len(), "headers alone exceed the message size");
                let message = "the request's headers and query alone exceed the queue's message size";
                return Err(Reply::error(413, message, id));
            }
            claim_check = Some(ClaimCheck {
                object,
                body,
                content_type,
            });
        }
        let message = Message {
            body: text,
            attributes,
            message_group: accepted.message_group.unwrap_or_else(|| route.name.clone()),
            deduplication_key: accepted.deduplication_id.or(delivery).unwrap_or_else(|| id.to_owned()),
        };
        Ok((message, claim_check))
    }

    /// Uploads the claim-checked body, then sends the message to every queue: only writes, every check
    /// is done by now. When no queue took the message the upload is deleted again (best effort: the
    /// bucket's lifecycle rule expires whatever a failed delete or a crash leaves). When some queue did
    /// take it the body stays, since that queue's envelope points at it. Returns the answer with what
    /// it says for the request's count.
    async fn store(
        &self,
        route: &Route,
        message: &Message,
        claim_check: Option<ClaimCheck>,
        id: &str,
        metrics: &Metrics,
    ) -> (Outcome, Reply) {
        let uploaded = match claim_check {
            Some(upload) => match self.upload(upload, metrics).await {
                Ok(object) => Some(object),
                Err(error) => {
                    let reply = Reply::error(error.status, format!("not stored: {error}"), id);
                    return (Outcome::S3Failed, reply);
                }
            },
            None => None,
        };
        let outcome = self.fan_out(route, message, uploaded.is_some(), id, metrics).await;
        if let (Err(Undelivered { stored: 0, .. }), Some(object)) = (&outcome, &uploaded) {
            self.discard(object, metrics).await;
        }
        match outcome {
            Ok(reply) => {
                if uploaded.is_some() {
                    metrics.put(&CLAIM_CHECKS, 1.0, &[("Route", &route.name)]);
                }
                (Outcome::Stored, reply)
            }
            Err(undelivered) => (Outcome::SqsFailed, undelivered.reply),
        }
    }

    /// Puts a body into the claim-check bucket under the key its envelope names.
    async fn upload(&self, upload: ClaimCheck, metrics: &Metrics) -> Result<BodyObject, DependencyError> {
        let ClaimCheck {
            object,
            body,
            content_type,
        } = upload;
        let started = Instant::now();
        let put = self
            .storage
            .put_body(
                &object.bucket,
                &object.key,
                body,
                content_type.as_deref(),
                &object.sha256,
            )
            .await;
        metrics.put(&S3_TIME, elapsed_ms(started), &[]);
        put.map(|()| object)
    }

    /// Deletes a claim-checked body that no queue refers to.
    async fn discard(&self, object: &BodyObject, metrics: &Metrics) {
        let started = Instant::now();
        let deleted = self.storage.delete_body(&object.bucket, &object.key).await;
        metrics.put(&S3_TIME, elapsed_ms(started), &[]);
        match deleted {
            Ok(()) => {
                tracing::info!(key = %object.key, "claim-check body deleted: no queue took its message")
            }
            Err(error) => {
                tracing::error!(key = %object.key, %error, "claim-check body left for the lifecycle rule: its delete failed")
            }
        }
    }

    /// Sends the message to every queue of the route at once; 202 only when all of them took it.
    async fn fan_out(
        &self,
        route: &Route,
        message: &Message,
        claim_check: bool,
        id: &str,
        metrics: &Metrics,
    ) -> Result<Reply, Undelivered> {
        let sends = route.queues.iter().map(|queue_name| {
            let outgoing = Outgoing {
                queue_name,
                queue_url: &self.settings.queue_urls[queue_name],
                body: &message.body,
                attributes: &message.attributes,
                message_group: &message.message_group,
                deduplication_key: &message.deduplication_key,
            };
            async move {
                let started = Instant::now();
                let sent = self.storage.send(outgoing).await;
                (queue_name.as_str(), sent, elapsed_ms(started))
            }
        });
        let mut stored = Vec::with_capacity(route.queues.len());
        let mut failures = Vec::new();
        for (queue, outcome, took) in join_all(sends).await {
            metrics.put(&SQS_TIME, took, &[]);
            match outcome {
                Ok(message_id) => stored.push(QueuedMessage { queue, message_id }),
                Err(error) => failures.push(error),
            }
        }
        if let Some(status) = failures.iter().map(|error| error.status).max() {
            // Some queues may already hold the envelope: the sender's retry makes a duplicate there,
            // which consumers tolerate (SQS is at-least-once anyway), whereas a 2xx would lose it.
            let reasons: Vec<String> = failures.iter().map(ToString::to_string).collect();
            tracing::error!(route = %route.name, stored = stored.len(), failed = failures.len(), "not stored in every queue");
            return Err(Undelivered {
                stored: stored.len(),
                reply: Reply::error(status, format!("not stored: {}", reasons.join("; ")), id),
            });
        }
        tracing::info!(route = %route.name, queues = stored.len(), bytes = message.body.len(), claim_check, "stored");
        let answer = Stored {
            id,
            route: &route.name,
            claim_check,
            messages: stored,
        };
        Ok(Reply::json(202, &answer))
    }
}

/// A message that not every queue took.
struct Undelivered {
    /// How many queues did take it.
    stored: usize,
    /// The 502/503 answer, so that the sender retries.
    reply: Reply,
}

/// Takes a token that the route does not store out of the request.
fn redact(request: &mut IncomingRequest, redaction: &Redaction) {
    match redaction {
        Redaction::Query(name) => request.query.retain(|(key, _)| key != name),
        Redaction::Header(name) => request.headers.remove(name),
        Redaction::Path(span) => request.path.replace_range(span.clone(), TOKEN_PLACEHOLDER),
    }
}

/// Now, as RFC 3339 UTC with milliseconds, the format of the log lines' timestamps.
fn now_rfc3339() -> String {
    hookbox_lambda::rfc3339_millis(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbox_lambda::Gateway;

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-11-23T12:00:00.000Z".len(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }

    #[test]
    fn redaction_removes_the_token_from_query_header_or_path() {
        let request = IncomingRequest {
            gateway: Gateway::Http,
            request_id: None,
            method: "POST".into(),
            path: "/hooks/s3cr3t/build".into(),
            query: vec![
                ("token".into(), "a".into()),
                ("job".into(), "b".into()),
                ("token".into(), "c".into()),
            ],
            headers: vec![("x-token".into(), "a".into()), ("accept".into(), "*/*".into())].into(),
            source_ip: None,
            body: Vec::new(),
            authorizer: None,
        };
        let mut query = request.clone();
        redact(&mut query, &Redaction::Query("token".into()));
        assert_eq!(query.query, [("job".to_owned(), "b".to_owned())]);
        let mut header = request.clone();
        redact(&mut header, &Redaction::Header("X-Token".into()));
        assert_eq!(*header.headers, [("accept".to_owned(), "*/*".to_owned())]);
        let mut path = request;
        redact(&mut path, &Redaction::Path(7..13));
        assert_eq!(path.path, "/hooks/{token}/build");
    }
}
