//! API Gateway and Function URL events in, JSON replies out: turning a gateway's Lambda event into the
//! request it describes, and answering in the shape that gateway expects (the error body and the status
//! codes are listed in `ARCHITECTURE.md`).
//!
//! The function reads the `aws_lambda_events` types itself instead of letting `lambda_http` convert
//! them, because that conversion loses what a mailbox must keep: for REST API events it replaces the
//! repeated values of `multiValueHeaders` by the single value in `headers`, and it rebuilds the query
//! from a hash map, so repeats and order are gone before a handler sees them.

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse,
};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbox_core::Headers;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// What the runtime logs and returns when an invocation is no HTTP event at all.
const NOT_A_GATEWAY_EVENT: &str = "expected an API Gateway REST API (payload 1.0), HTTP API (payload 2.0) \
     or Lambda Function URL event";

/// The events this function accepts.
#[derive(Debug)]
pub enum GatewayEvent {
    /// API Gateway REST API (payload format 1.0).
    Rest(Box<ApiGatewayProxyRequest>),
    /// API Gateway HTTP API (payload format 2.0) and Lambda Function URLs, which share its shape.
    Http(Box<ApiGatewayV2httpRequest>),
}

impl<'de> Deserialize<'de> for GatewayEvent {
    /// REST API events are tried first because they carry the mandatory `httpMethod` that HTTP API
    /// and Function URL events lack; anything else gets one clear message instead of serde's
    /// "did not match any variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        if let Ok(event) = serde_json::from_str(raw.get()) {
            return Ok(Self::Rest(Box::new(event)));
        }
        if let Ok(event) = serde_json::from_str(raw.get()) {
            return Ok(Self::Http(Box::new(event)));
        }
        Err(D::Error::custom(NOT_A_GATEWAY_EVENT))
    }
}

impl GatewayEvent {
    pub fn gateway(&self) -> Gateway {
        match self {
            Self::Rest(_) => Gateway::Rest,
            Self::Http(_) => Gateway::Http,
        }
    }
}

/// Which response shape the gateway that sent the event expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Rest,
    Http,
}

/// The HTTP request an event describes, with everything the envelope records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRequest {
    pub gateway: Gateway,
    /// The gateway's request id, when the event has one.
    pub request_id: Option<String>,
    pub method: String,
    /// The path without any stage prefix.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Headers,
    pub source_ip: Option<String>,
    pub body: Vec<u8>,
}

/// The event's body says it is base64 but is not.
#[derive(Debug, thiserror::Error)]
#[error("the event's body is marked base64 but does not decode: {0}")]
pub struct BadBody(#[from] base64::DecodeError);

impl IncomingRequest {
    /// The request as an envelope of `route`, named `id`, received at `received_at` (RFC 3339), with
    /// the body inline (or base64 when it is not UTF-8); the body's bytes come back too, for a claim
    /// check when the envelope turns out too large for a message.
    pub fn into_envelope(self, id: String, received_at: String, route: String) -> (hookbox_core::Envelope, Vec<u8>) {
        let mut envelope = hookbox_core::Envelope::new(id, received_at, route, self.method, self.path);
        envelope.query = self.query;
        envelope.headers = self.headers;
        envelope.source_ip = self.source_ip;
        envelope.set_inline_body(&self.body);
        (envelope, self.body)
    }

    pub fn from_event(event: GatewayEvent) -> Result<Self, BadBody> {
        match event {
            GatewayEvent::Rest(event) => Self::from_rest(*event),
            GatewayEvent::Http(event) => Self::from_http(*event),
        }
    }

    /// REST API events keep repeated headers and query values in their multi-value maps; the single-
    /// value maps hold the last of each and are only a fallback for hand-written events.
    fn from_rest(event: ApiGatewayProxyRequest) -> Result<Self, BadBody> {
        let headers = if event.multi_value_headers.is_empty() {
            header_pairs(&event.headers)
        } else {
            header_pairs(&event.multi_value_headers)
        };
        let query_map = if event.multi_value_query_string_parameters.is_empty() {
            &event.query_string_parameters
        } else {
            &event.multi_value_query_string_parameters
        };
        let query = query_map
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Ok(Self {
            gateway: Gateway::Rest,
            request_id: event.request_context.request_id,
            method: event.http_method.as_str().to_owned(),
            path: event.path.unwrap_or_else(|| "/".to_owned()),
            query,
            headers,
            source_ip: event.request_context.identity.source_ip,
            body: decode_body(event.body.as_deref(), event.is_base64_encoded)?,
        })
    }

    /// HTTP API and Function URL events fold repeated headers into one comma-joined value (kept as
    /// it is: splitting on commas would break dates and quoted values), send cookies apart, and keep
    /// the query exactly in `rawQueryString`.
    fn from_http(event: ApiGatewayV2httpRequest) -> Result<Self, BadBody> {
        let mut headers = header_pairs(&event.headers);
        if let Some(cookies) = event.cookies.filter(|cookies| !cookies.is_empty()) {
            headers.push(("cookie".to_owned(), cookies.join("; ")));
        }
        let query = form_urlencoded::parse(event.raw_query_string.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let raw_path = event.raw_path.unwrap_or_else(|| "/".to_owned());
        Ok(Self {
            gateway: Gateway::Http,
            request_id: event.request_context.request_id,
            method: event.request_context.http.method.as_str().to_owned(),
            path: strip_stage(&raw_path, event.request_context.stage.as_deref()).to_owned(),
            query,
            headers,
            source_ip: event.request_context.http.source_ip,
            body: decode_body(event.body.as_deref(), event.is_base64_encoded)?,
        })
    }
}

/// Every header value in map order, repeats included. Values are bytes on the wire but arrive here from
/// JSON strings, so they are UTF-8 and the lossy conversion never loses anything.
fn header_pairs(map: &HeaderMap) -> Headers {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn decode_body(body: Option<&str>, is_base64: bool) -> Result<Vec<u8>, BadBody> {
    match body {
        None => Ok(Vec::new()),
        Some(encoded) if is_base64 => Ok(BASE64.decode(encoded)?),
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}

/// HTTP APIs with a named stage put it in front of `rawPath`; the `$default` stage does not.
fn strip_stage<'a>(raw_path: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|stage| !stage.is_empty() && *stage != "$default") else {
        return raw_path;
    };
    match raw_path.strip_prefix('/').and_then(|rest| rest.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => raw_path,
    }
}

/// An answer before it is put in a gateway's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    /// The `Allow` header of a 405.
    pub allow: Option<String>,
}

impl Reply {
    /// An error answer: `{"error": "...", "request_id": "..."}`.
    pub fn error(status: u16, message: impl Into<String>, request_id: &str) -> Self {
        Self {
            status,
            body: serde_json::json!({ "error": message.into(), "request_id": request_id }),
            allow: None,
        }
    }

    pub fn json(status: u16, body: &impl Serialize) -> Self {
        Self {
            status,
            body: serde_json::to_value(body).expect("reply bodies are plain data"),
            allow: None,
        }
    }

    /// Names the route rule that refused the request (`signature`, `headers.x-github-event`).
    pub fn with_rule(mut self, rule: &str) -> Self {
        if let Some(fields) = self.body.as_object_mut() {
            fields.insert("rule".to_owned(), rule.into());
        }
        self
    }

    pub fn with_allow(mut self, methods: &[&str]) -> Self {
        self.allow = Some(methods.join(", "));
        self
    }

    pub fn into_gateway_response(self, gateway: Gateway) -> GatewayResponse {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|allow| HeaderValue::from_str(allow).ok())
        {
            headers.insert(header::ALLOW, allow);
        }
        let body = Some(Body::Text(self.body.to_string()));
        match gateway {
            Gateway::Rest => {
                let mut response = ApiGatewayProxyResponse::default();
                response.status_code = self.status.into();
                response.headers = headers;
                response.body = body;
                GatewayResponse::Rest(response)
            }
            Gateway::Http => {
                let mut response = ApiGatewayV2httpResponse::default();
                response.status_code = self.status.into();
                response.headers = headers;
                response.body = body;
                GatewayResponse::Http(response)
            }
        }
    }
}

/// What the function returns to the Lambda runtime: REST APIs refuse the fields only HTTP APIs know.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum GatewayResponse {
    Rest(ApiGatewayProxyResponse),
    Http(ApiGatewayV2httpResponse),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(event: serde_json::Value) -> IncomingRequest {
        let event: GatewayEvent = serde_json::from_value(event).expect("a gateway event");
        IncomingRequest::from_event(event).expect("a valid body")
    }

    fn http_event(raw_query: &str, body: Option<&str>, is_base64: bool) -> serde_json::Value {
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/hooks/github",
            "rawQueryString": raw_query,
            "cookies": ["a=1", "b=2"],
            "headers": {"content-type": "application/json", "x-multi": "one,two"},
            "requestContext": {
                "accountId": "123456789012", "apiId": "api", "domainName": "example.com",
                "domainPrefix": "example", "requestId": "req-v2", "routeKey": "$default",
                "stage": "$default", "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1,
                "http": {"method": "POST", "path": "/hooks/github", "protocol": "HTTP/1.1",
                         "sourceIp": "192.0.2.10", "userAgent": "curl"}
            },
            "body": body,
            "isBase64Encoded": is_base64
        })
    }

    #[test]
    fn http_api_event_keeps_query_order_repeats_and_folded_headers() {
        let request = parse(http_event("b=2&a=1&a=x%20y+z&flag", Some("{}"), false));
        assert_eq!(request.gateway, Gateway::Http);
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/hooks/github");
        assert_eq!(request.request_id.as_deref(), Some("req-v2"));
        assert_eq!(request.source_ip.as_deref(), Some("192.0.2.10"));
        let query: Vec<(&str, &str)> = request.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(query, [("b", "2"), ("a", "1"), ("a", "x y z"), ("flag", "")]);
        assert_eq!(request.headers.get("X-Multi"), Some("one,two"));
        assert_eq!(request.headers.get("cookie"), Some("a=1; b=2"));
        assert_eq!(request.body, b"{}");
    }

    #[test]
    fn base64_bodies_are_decoded_and_bad_base64_is_an_error() {
        let request = parse(http_event("", Some("/wDDKA=="), true));
        assert_eq!(request.body, [0xff, 0x00, 0xc3, 0x28]);
        let event: GatewayEvent = serde_json::from_value(http_event("", Some("%%%"), true)).unwrap();
        assert!(IncomingRequest::from_event(event).is_err());
    }

    #[test]
    fn rest_api_event_keeps_repeated_headers_and_query_values() {
        let request = parse(json!({
            "resource": "/{proxy+}",
            "path": "/hooks/github",
            "httpMethod": "PUT",
            "headers": {"X-Repeat": "second", "Content-Type": "text/plain"},
            "multiValueHeaders": {"X-Repeat": ["first", "second"], "Content-Type": ["text/plain"]},
            "queryStringParameters": {"source": "mirror"},
            "multiValueQueryStringParameters": {"source": ["github", "mirror"]},
            "requestContext": {
                "accountId": "123456789012", "resourceId": "r", "stage": "prod", "requestId": "req-v1",
                "identity": {"sourceIp": "198.51.100.7"}, "resourcePath": "/{proxy+}",
                "httpMethod": "PUT", "apiId": "api", "path": "/prod/hooks/github"
            },
            "body": "hello",
            "isBase64Encoded": false
        }));
        assert_eq!(request.gateway, Gateway::Rest);
        assert_eq!(request.method, "PUT");
        assert_eq!(request.path, "/hooks/github");
        let repeats: Vec<&str> = request
            .headers
            .iter()
            .filter(|(name, _)| name == "x-repeat")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(repeats, ["first", "second"]);
        assert_eq!(
            request.query,
            [("source".into(), "github".into()), ("source".into(), "mirror".into())]
        );
        assert_eq!(request.source_ip.as_deref(), Some("198.51.100.7"));
        assert_eq!(request.body, b"hello");
    }

    #[test]
    fn named_stages_are_stripped_from_http_api_paths() {
        assert_eq!(strip_stage("/dev/hooks/x", Some("dev")), "/hooks/x");
        assert_eq!(strip_stage("/dev", Some("dev")), "/");
        assert_eq!(strip_stage("/development/x", Some("dev")), "/development/x");
        assert_eq!(strip_stage("/hooks/x", Some("$default")), "/hooks/x");
        assert_eq!(strip_stage("/hooks/x", None), "/hooks/x");
    }

    #[test]
    fn something_that_is_no_gateway_event_is_refused() {
        for event in ["{\"hello\": \"world\"}", "[1, 2]", "\"text\""] {
            let error = serde_json::from_str::<GatewayEvent>(event).unwrap_err();
            assert!(error.to_string().contains(NOT_A_GATEWAY_EVENT), "{error}");
        }
    }

    #[test]
    fn error_reply_has_json_body_and_allow_header_in_both_shapes() {
        let reply = Reply::error(405, "POST only", "req-1").with_allow(&["POST", "PUT"]);
        for gateway in [Gateway::Rest, Gateway::Http] {
            let json = serde_json::to_value(reply.clone().into_gateway_response(gateway)).unwrap();
            assert_eq!(json["statusCode"], 405);
            assert_eq!(json["headers"]["allow"], "POST, PUT");
            assert_eq!(json["headers"]["content-type"], "application/json");
            let body: serde_json::Value = serde_json::from_str(json["body"].as_str().unwrap()).unwrap();
            assert_eq!(body, serde_json::json!({"error": "POST only", "request_id": "req-1"}));
            assert_eq!(json.get("cookies").is_some(), gateway == Gateway::Http, "{json}");
        }
    }
}
