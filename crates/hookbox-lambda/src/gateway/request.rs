//! The request an event describes, the same whatever the shape, and the checks every shape passes
//! before anything is stored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbox_core::Headers;
use percent_encoding::percent_decode_str;

use super::ordered::Ordered;
use super::{AlbEvent, Gateway, GatewayEvent, HttpEvent, MalformedEvent, RestEvent};

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
    /// The caller as the route's authorizer established it (payload 2.0's `requestContext.authorizer`):
    /// the gateway checked it, so a handler may trust it. Never stored in an envelope.
    pub authorizer: Option<serde_json::Value>,
}

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

    /// The request, once its method is an HTTP token (upper-cased: `post` is `POST`), its header names
    /// and values hold no CR, LF or NUL (which no HTTP request can carry, and a relay would replay as
    /// a second header), and a base64 body decodes.
    pub fn from_event(event: GatewayEvent) -> Result<Self, MalformedEvent> {
        match event {
            GatewayEvent::Rest(event) => Self::from_rest(*event),
            GatewayEvent::Http(event) => Self::from_http(*event),
            GatewayEvent::Alb(event) => Self::from_alb(*event),
        }
    }

    /// REST API events keep repeated headers and query values in their multi-value maps. The event
    /// has no raw query string, so the order of different names is the order of the map's keys, not
    /// necessarily the caller's.
    fn from_rest(event: RestEvent) -> Result<Self, MalformedEvent> {
        let headers = if event.multi_value_headers.0.is_empty() {
            header_pairs("headers", event.headers.0)?
        } else {
            header_pairs("multiValueHeaders", flatten(event.multi_value_headers))?
        };
        let query = if event.multi_value_query_string_parameters.0.is_empty() {
            event.query_string_parameters.0
        } else {
            flatten(event.multi_value_query_string_parameters)
        };
        Ok(Self {
            gateway: Gateway::Rest,
            request_id: event.request_context.request_id,
            method: http_method("httpMethod", &event.http_method)?,
            path: event.path.unwrap_or_else(|| "/".to_owned()),
            query,
            headers,
            source_ip: event.request_context.identity.source_ip,
            body: decode_body(event.body.as_deref(), event.is_base64_encoded)?,
            authorizer: None,
        })
    }

    /// HTTP API and Function URL events fold repeated headers into one comma-joined value (kept as
    /// it is: splitting on commas would break dates and quoted values), send cookies apart, and keep
    /// the query exactly in `rawQueryString`. The cookies become a `cookie` header only when there is
    /// none: a gateway that sends both would otherwise have them stored twice.
    fn from_http(event: HttpEvent) -> Result<Self, MalformedEvent> {
        let mut headers = header_pairs("headers", event.headers.0)?;
        if let Some(cookies) = event.cookies.filter(|cookies| !cookies.is_empty())
            && headers.get("cookie").is_none()
        {
            let cookie = cookies.join("; ");
            refuse_control_characters("cookies", &cookie)?;
            headers.push(("cookie".to_owned(), cookie));
        }
        let query = form_urlencoded::parse(event.raw_query_string.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let context = event.request_context;
        let raw_path = event.raw_path.unwrap_or_else(|| "/".to_owned());
        Ok(Self {
            gateway: Gateway::Http,
            request_id: context.request_id,
            method: http_method("requestContext.http.method", &context.http.method)?,
            path: strip_stage(&raw_path, context.stage.as_deref()).to_owned(),
            query,
            headers,
            source_ip: context.http.source_ip,
            body: decode_body(event.body.as_deref(), event.is_base64_encoded)?,
            authorizer: context.authorizer,
        })
    }

    /// ALB events carry the query URL-encoded as sent; it is decoded (`+` as a space, like the
    /// `rawQueryString` of payload 2.0) so that the envelope's `query` means the same for every shape.
    /// The caller's address is the last one ALB appended to `X-Forwarded-For`.
    fn from_alb(event: AlbEvent) -> Result<Self, MalformedEvent> {
        let gateway = Gateway::Alb {
            multi_value_headers: event.multi_value(),
        };
        let headers = match event.multi_value_headers {
            Some(multi_value) => header_pairs("multiValueHeaders", flatten(multi_value))?,
            None => header_pairs("headers", event.headers.0)?,
        };
        let query = if event.multi_value_query_string_parameters.0.is_empty() {
            event.query_string_parameters.0
        } else {
            flatten(event.multi_value_query_string_parameters)
        };
        let query = query
            .into_iter()
            .map(|(name, value)| (url_decode(&name), url_decode(&value)))
            .collect();
        let source_ip = headers
            .get_all("x-forwarded-for")
            .last()
            .and_then(|addresses| addresses.rsplit(',').next())
            .map(|address| address.trim().to_owned())
            .filter(|address| !address.is_empty());
        Ok(Self {
            gateway,
            request_id: None,
            method: http_method("httpMethod", &event.http_method)?,
            path: event.path.unwrap_or_else(|| "/".to_owned()),
            query,
            headers,
            source_ip,
            body: decode_body(event.body.as_deref(), event.is_base64_encoded)?,
            authorizer: None,
        })
    }
}

/// A multi-value map as pairs: each name once per value, in order.
fn flatten(map: Ordered<Vec<String>>) -> Vec<(String, String)> {
    map.0
        .into_iter()
        .flat_map(|(name, values)| values.into_iter().map(move |value| (name.clone(), value)))
        .collect()
}

/// The headers with lower-cased names, refused when a name or value holds CR, LF or NUL; `map` names
/// the event's field in the refusal.
fn header_pairs(map: &str, pairs: impl IntoIterator<Item = (String, String)>) -> Result<Headers, MalformedEvent> {
    pairs
        .into_iter()
        .map(|(name, value)| {
            refuse_control_characters(&format!("{map}.{name}"), &name)?;
            refuse_control_characters(&format!("{map}.{name}"), &value)?;
            Ok((name.to_ascii_lowercase(), value))
        })
        .collect()
}

fn refuse_control_characters(field: &str, text: &str) -> Result<(), MalformedEvent> {
    if text.contains(['\r', '\n', '\0']) {
        return Err(MalformedEvent::new(
            field.escape_debug().to_string(),
            "contains CR, LF or NUL",
        ));
    }
    Ok(())
}

/// The method upper-cased, when it is an HTTP token (RFC 9110 `tchar`s, so no space or separator).
fn http_method(field: &str, method: &str) -> Result<String, MalformedEvent> {
    let is_tchar = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(MalformedEvent::new(field, "not an HTTP method token"));
    }
    Ok(method.to_ascii_uppercase())
}

/// A query name or value as ALB passes it, decoded; bytes that are not UTF-8 become U+FFFD, as
/// `form_urlencoded` does for payload 2.0.
fn url_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn decode_body(body: Option<&str>, is_base64: bool) -> Result<Vec<u8>, MalformedEvent> {
    match body {
        None => Ok(Vec::new()),
        Some(encoded) if is_base64 => BASE64
            .decode(encoded)
            .map_err(|error| MalformedEvent::new("body", format!("marked base64 but does not decode: {error}"))),
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}

/// HTTP APIs with a named stage put it in front of `rawPath`; the `$default` stage does not.
pub(super) fn strip_stage<'a>(raw_path: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|stage| !stage.is_empty() && *stage != "$default") else {
        return raw_path;
    };
    match raw_path.strip_prefix('/').and_then(|rest| rest.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => raw_path,
    }
}
