//! JSON answers, put in the response shape of the gateway that sent the event.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;

use super::Gateway;

/// An answer before it is put in a gateway's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// The JSON body; `null` sends none (a 204, the answer to a HEAD).
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

    /// An answer without a body: 204 No Content, or a HEAD's status.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            body: serde_json::Value::Null,
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
        if !self.body.is_null() {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|allow| HeaderValue::from_str(allow).ok())
        {
            headers.insert(header::ALLOW, allow);
        }
        let body = if self.body.is_null() {
            String::new()
        } else {
            self.body.to_string()
        };
        match gateway {
            Gateway::Rest => {
                let mut response = ApiGatewayProxyResponse::default();
                response.status_code = self.status.into();
                response.headers = headers;
                response.body = Some(Body::Text(body));
                GatewayResponse::Rest(response)
            }
            Gateway::Http => {
                let mut response = ApiGatewayV2httpResponse::default();
                response.status_code = self.status.into();
                response.headers = headers;
                response.body = Some(Body::Text(body));
                GatewayResponse::Http(response)
            }
            Gateway::Alb { multi_value_headers } => {
                GatewayResponse::Alb(AlbResponse::new(self.status, &headers, multi_value_headers, body))
            }
        }
    }
}

/// What the function returns to the Lambda runtime: REST APIs refuse the fields only HTTP APIs know,
/// and ALB wants its own.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum GatewayResponse {
    Rest(ApiGatewayProxyResponse),
    Http(ApiGatewayV2httpResponse),
    Alb(AlbResponse),
}

/// The answer ALB expects: it needs `statusDescription`, and headers in the same kind of map
/// (single- or multi-value) as the event it sent, or it answers the caller 502.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbResponse {
    status_code: u16,
    status_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_value_headers: Option<serde_json::Map<String, serde_json::Value>>,
    body: String,
    is_base64_encoded: bool,
}

impl AlbResponse {
    fn new(status: u16, headers: &HeaderMap, multi_value: bool, body: String) -> Self {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|code| code.canonical_reason())
            .unwrap_or("");
        let pairs = headers.iter().map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let value = if multi_value {
                serde_json::json!([value])
            } else {
                value.into()
            };
            (name.as_str().to_owned(), value)
        });
        let headers: serde_json::Map<_, _> = pairs.collect();
        let (headers, multi_value_headers) = if multi_value {
            (None, Some(headers))
        } else {
            (Some(headers), None)
        };
        Self {
            status_code: status,
            status_description: format!("{status} {reason}").trim_end().to_owned(),
            headers,
            multi_value_headers,
            body,
            is_base64_encoded: false,
        }
    }
}
