//! One request, start to end: route it, capture it as an envelope, store it in every target queue,
//! and answer 202 only when all of them have it.

use futures::future::join_all;
use hookbox_core::{BodyObject, ENVELOPE_VERSION, Envelope, RouteMatch, Routes};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::config::Settings;
use crate::message::{Attributes, body_key, delivery_id};
use crate::request::IncomingRequest;
use crate::response::Reply;
use crate::storage::{DependencyError, Outgoing, Storage};

/// The mailbox: what the function knows after its cold start.
pub struct Mailbox {
    pub routes: Routes,
    pub settings: Settings,
    pub storage: Storage,
}

/// The 202 answer.
#[derive(Debug, Serialize)]
struct Accepted<'a> {
    id: &'a str,
    route: &'a str,
    /// Whether the body went to the claim-check bucket.
    claim_check: bool,
    messages: Vec<Stored<'a>>,
}

#[derive(Debug, Serialize)]
struct Stored<'a> {
    queue: &'a str,
    message_id: String,
}

impl Mailbox {
    /// Handles one request. `invocation_id` (the Lambda request id) names the envelope when the
    /// gateway gave no request id of its own.
    pub async fn handle(&self, request: IncomingRequest, invocation_id: &str) -> Reply {
        let id = request
            .request_id
            .clone()
            .unwrap_or_else(|| invocation_id.to_owned());
        let route = match self.routes.resolve(&request.method, &request.path) {
            RouteMatch::Found(route) => route,
            RouteMatch::MethodNotAllowed(allowed) => {
                tracing::warn!(request_id = %id, method = %request.method, path = %request.path, "method not allowed");
                let message = format!(
                    "{} is not allowed on {}; use {}",
                    request.method,
                    request.path,
                    allowed.join(", ")
                );
                return Reply::error(405, message, &id).with_allow(&allowed);
            }
            RouteMatch::NotFound => {
                tracing::warn!(request_id = %id, method = %request.method, path = %request.path, "no route");
                return Reply::error(404, format!("no route for {}", request.path), &id);
            }
        };
        if request.body.len() > self.settings.max_body_bytes {
            tracing::warn!(request_id = %id, route = %route.name, size = request.body.len(), "body too large");
            let message = format!(
                "the body has {} bytes; this endpoint accepts at most {}",
                request.body.len(),
                self.settings.max_body_bytes
            );
            return Reply::error(413, message, &id);
        }

        let content_type = request.header("content-type").map(str::to_owned);
        let delivery = delivery_id(|name| request.header(name)).map(str::to_owned);
        let attributes = Attributes::new(&route.name, content_type.as_deref(), delivery.as_deref());
        let IncomingRequest {
            method,
            path,
            query,
            headers,
            source_ip,
            body,
            ..
        } = request;
        let mut envelope = Envelope {
            v: ENVELOPE_VERSION,
            id: id.clone(),
            received_at: now_rfc3339(),
            route: route.name.clone(),
            method,
            path,
            query,
            headers,
            source_ip,
            body: None,
            body_base64: None,
            body_s3: None,
        };
        envelope.set_inline_body(&body);
        let mut message = envelope.to_json();

        let claim_check = message.len() + attributes.sqs_size() > self.settings.max_message_bytes;
        if claim_check {
            let Some(bucket) = self.settings.body_bucket.as_deref() else {
                tracing::warn!(request_id = %id, route = %route.name, size = body.len(), "too large for a message and no claim-check bucket");
                return Reply::error(
                    413,
                    "the request is too large for one message and no claim-check bucket is configured",
                    &id,
                );
            };
            let object = BodyObject {
                bucket: bucket.to_owned(),
                key: body_key(&self.settings.body_prefix, &route.name, &id),
                size: body.len() as u64,
                sha256: hex::encode(Sha256::digest(&body)),
            };
            if let Err(error) = self
                .storage
                .put_body(
                    bucket,
                    &object.key,
                    body,
                    content_type.as_deref(),
                    &object.sha256,
                )
                .await
            {
                return dependency_reply(&error, &id);
            }
            envelope.set_body_object(object);
            message = envelope.to_json();
            if message.len() + attributes.sqs_size() > self.settings.max_message_bytes {
                tracing::warn!(request_id = %id, route = %route.name, "headers alone exceed the message size");
                return Reply::error(
                    413,
                    "the request's headers and query alone exceed the queue's message size",
                    &id,
                );
            }
        }

        let deduplication_key = delivery.as_deref().unwrap_or(&id);
        let sends = route.queues.iter().map(|queue_name| {
            let outgoing = Outgoing {
                queue_name,
                queue_url: &self.settings.queue_urls[queue_name],
                body: &message,
                attributes: &attributes,
                message_group: &route.message_group,
                deduplication_key,
            };
            async move { (queue_name.as_str(), self.storage.send(outgoing).await) }
        });
        let mut stored = Vec::with_capacity(route.queues.len());
        let mut failures = Vec::new();
        for (queue, outcome) in join_all(sends).await {
            match outcome {
                Ok(message_id) => stored.push(Stored { queue, message_id }),
                Err(error) => failures.push(error),
            }
        }
        if let Some(first) = failures.first() {
            // Some queues may already hold the envelope: the sender's retry makes a duplicate there,
            // which consumers tolerate (SQS is at-least-once anyway), whereas a 2xx would lose it.
            let status = failures
                .iter()
                .map(|error| error.status)
                .max()
                .unwrap_or(first.status);
            let reasons: Vec<String> = failures.iter().map(ToString::to_string).collect();
            tracing::error!(request_id = %id, route = %route.name, stored = stored.len(), failed = failures.len(), "not stored in every queue");
            return Reply::error(status, format!("not stored: {}", reasons.join("; ")), &id);
        }
        tracing::info!(
            request_id = %id,
            route = %route.name,
            queues = stored.len(),
            bytes = envelope.body_s3.as_ref().map_or(message.len() as u64, |object| object.size),
            claim_check,
            "stored"
        );
        Reply::json(
            202,
            &Accepted {
                id: &id,
                route: &route.name,
                claim_check,
                messages: stored,
            },
        )
    }
}

fn dependency_reply(error: &DependencyError, id: &str) -> Reply {
    Reply::error(error.status, format!("not stored: {error}"), id)
}

/// Now, as RFC 3339 UTC with milliseconds.
fn now_rfc3339() -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::now_utc()
        .format(format)
        .expect("a UTC time always formats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-11-23T12:00:00.000Z".len(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }
}
