//! The function's answers: JSON bodies with the status codes listed in `ARCHITECTURE.md`, in the
//! response shape of the gateway that asked.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue, header};
use serde::Serialize;

use crate::request::Gateway;

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
