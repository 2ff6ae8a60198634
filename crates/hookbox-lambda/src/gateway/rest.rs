//! API Gateway REST API events (payload format 1.0; HTTP APIs send it too when asked for 1.0).

use serde::Deserialize;

use super::ordered::Ordered;

/// The fields of a REST API event that the request is made of. The multi-value maps hold every value;
/// the single-value maps hold the last of each and are only a fallback for hand-written events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestEvent {
    pub http_method: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub headers: Ordered<String>,
    #[serde(default)]
    pub multi_value_headers: Ordered<Vec<String>>,
    #[serde(default)]
    pub query_string_parameters: Ordered<String>,
    #[serde(default)]
    pub multi_value_query_string_parameters: Ordered<Vec<String>>,
    #[serde(default)]
    pub request_context: RestContext,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestContext {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub identity: RestIdentity,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestIdentity {
    #[serde(default)]
    pub source_ip: Option<String>,
}
