//! API Gateway HTTP API events (payload format 2.0) and Lambda Function URL events, which share it.

use serde::Deserialize;

use super::ordered::Ordered;

/// The fields of a payload 2.0 event that the request is made of. Repeated headers arrive folded into
/// one comma-joined value and cookies apart in `cookies`; `rawQueryString` is the query as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpEvent {
    #[serde(default)]
    pub raw_path: Option<String>,
    #[serde(default)]
    pub raw_query_string: Option<String>,
    #[serde(default)]
    pub cookies: Option<Vec<String>>,
    #[serde(default)]
    pub headers: Ordered<String>,
    pub request_context: HttpContext,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpContext {
    #[serde(default)]
    pub request_id: Option<String>,
    /// The stage; a named one prefixes `rawPath`.
    #[serde(default)]
    pub stage: Option<String>,
    pub http: HttpDescription,
    /// What the route's authorizer established (`iam` for AWS_IAM, `jwt` with its claims), as the
    /// gateway sent it; absent on routes without one and on Function URLs with auth NONE.
    #[serde(default)]
    pub authorizer: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpDescription {
    pub method: String,
    #[serde(default)]
    pub source_ip: Option<String>,
}
