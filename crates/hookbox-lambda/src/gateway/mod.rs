//! Gateway events in, JSON replies out: turning the Lambda event of an API Gateway REST API (payload
//! 1.0), an HTTP API (payload 2.0), a Function URL or an Application Load Balancer into the request it
//! describes, and answering in the shape that gateway expects (the error body and the status codes are
//! listed in `ARCHITECTURE.md`).
//!
//! The function reads the events itself instead of letting `lambda_http` convert them, because that
//! conversion loses what a mailbox must keep: for REST API events it replaces the repeated values of
//! `multiValueHeaders` by the single value in `headers`, and it rebuilds the query from a hash map, so
//! repeats and order are gone before a handler sees them. Each shape is read into a small struct of its
//! own (one file each) whose header and query maps keep the order they were written in.
//!
//! Reading happens in two steps so that a broken event is answered rather than crashed on: the raw
//! JSON first, which finds the shape by the fields only that shape has, then the shape, whose errors
//! name the field (`requestContext.http.method: missing`) so that the 400 says what to fix.

mod alb;
mod http;
mod ordered;
mod reply;
mod request;
mod rest;
#[cfg(test)]
mod tests;

use serde::de::IgnoredAny;
use serde::{Deserialize, de::DeserializeOwned};

pub use alb::AlbEvent;
pub use http::HttpEvent;
pub use reply::{AlbResponse, GatewayResponse, Reply};
pub use request::IncomingRequest;
pub use rest::RestEvent;

/// What every refusal of something that is no HTTP event starts with.
const NOT_A_GATEWAY_EVENT: &str = "expected an API Gateway REST API (payload 1.0), HTTP API (payload 2.0), \
     Lambda Function URL or Application Load Balancer event";

/// The events this function accepts, one variant per shape.
#[derive(Debug)]
pub enum GatewayEvent {
    /// API Gateway REST API (payload format 1.0).
    Rest(Box<RestEvent>),
    /// API Gateway HTTP API (payload format 2.0) and Lambda Function URLs, which share its shape.
    Http(Box<HttpEvent>),
    /// An Application Load Balancer target group.
    Alb(Box<AlbEvent>),
}

/// Which response shape the gateway that sent the event expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Rest,
    Http,
    /// ALB; `multi_value_headers` when its target group has them on, so the answer must use them too.
    Alb {
        multi_value_headers: bool,
    },
}

/// An invocation that cannot be read as a request.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not a JSON object at all (`null`, an array, a string): no gateway sent it, so there is no one to
    /// answer, and failing the invocation is the honest answer.
    #[error("{NOT_A_GATEWAY_EVENT}, got JSON that is not an object")]
    NotAnObject,
    /// An object that a gateway may have sent but that cannot be read: answered 400 in `gateway`'s
    /// shape (REST API's, the plainest, when not even the shape is known).
    #[error("{error}")]
    Malformed { gateway: Gateway, error: MalformedEvent },
}

/// What is wrong with an event, by field: `requestContext.http.method: missing`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct MalformedEvent {
    pub field: String,
    pub problem: String,
}

impl MalformedEvent {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The fields that tell the shapes apart, and nothing else.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Discriminants {
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default)]
    http_method: Option<IgnoredAny>,
    #[serde(default)]
    multi_value_headers: Option<IgnoredAny>,
    #[serde(default)]
    request_context: Option<serde_json::Map<String, serde_json::Value>>,
}

impl GatewayEvent {
    /// Reads an invocation's JSON: its shape from the fields only that shape has (`requestContext.elb`
    /// for ALB, `version: "2.0"` or `requestContext.http` for payload 2.0, `httpMethod` for 1.0), then
    /// the event as that shape.
    pub fn from_json(json: &str) -> Result<Self, EventError> {
        if !json.trim_start().starts_with('{') {
            return Err(EventError::NotAnObject);
        }
        let malformed = |gateway, error| EventError::Malformed { gateway, error };
        let discriminants: Discriminants = read(json).map_err(|error| malformed(Gateway::Rest, error))?;
        let context = discriminants.request_context.unwrap_or_default();
        let payload_2 = discriminants.version.as_ref().and_then(serde_json::Value::as_str) == Some("2.0")
            || context.contains_key("http");
        if context.contains_key("elb") {
            let gateway = Gateway::Alb {
                multi_value_headers: discriminants.multi_value_headers.is_some(),
            };
            let event = read(json).map_err(|error| malformed(gateway, error))?;
            Ok(Self::Alb(Box::new(event)))
        } else if payload_2 {
            let event = read(json).map_err(|error| malformed(Gateway::Http, error))?;
            Ok(Self::Http(Box::new(event)))
        } else if discriminants.http_method.is_some() {
            let event = read(json).map_err(|error| malformed(Gateway::Rest, error))?;
            Ok(Self::Rest(Box::new(event)))
        } else {
            Err(malformed(
                Gateway::Rest,
                MalformedEvent::new(
                    "httpMethod, requestContext.http or requestContext.elb",
                    format!("missing ({NOT_A_GATEWAY_EVENT})"),
                ),
            ))
        }
    }

    pub fn gateway(&self) -> Gateway {
        match self {
            Self::Rest(_) => Gateway::Rest,
            Self::Http(_) => Gateway::Http,
            Self::Alb(event) => Gateway::Alb {
                multi_value_headers: event.multi_value(),
            },
        }
    }
}

/// `json` as a `T`, or the field that stops it, by its path in the event.
fn read<T: DeserializeOwned>(json: &str) -> Result<T, MalformedEvent> {
    let deserializer = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        // serde_json ends its messages with the position, which the field's path already gives.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(text, _)| text);
        // serde names a missing field in the message and the path stops at the object that lacks it.
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            let field = if path == "." {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            return MalformedEvent::new(field, "missing");
        }
        MalformedEvent::new(if path == "." { "event".to_owned() } else { path }, message)
    })
}
