//! Application Load Balancer target-group events. With multi-value headers enabled on the target group
//! the event carries `multiValueHeaders` / `multiValueQueryStringParameters` (every value) instead of
//! `headers` / `queryStringParameters` (the last of each), and the answer must use the same kind.

use serde::Deserialize;

use super::ordered::Ordered;

/// The fields of an ALB event that the request is made of. Unlike API Gateway, ALB passes query names
/// and values URL-encoded as the caller sent them, and it has no request id or source IP of its own:
/// the caller is the last address it appended to `X-Forwarded-For`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbEvent {
    pub http_method: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub headers: Ordered<String>,
    #[serde(default)]
    pub multi_value_headers: Option<Ordered<Vec<String>>>,
    #[serde(default)]
    pub query_string_parameters: Ordered<String>,
    #[serde(default)]
    pub multi_value_query_string_parameters: Ordered<Vec<String>>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
}

impl AlbEvent {
    /// Whether the target group has multi-value headers on, so that the answer uses them too.
    pub fn multi_value(&self) -> bool {
        self.multi_value_headers.is_some()
    }
}
