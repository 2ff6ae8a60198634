//! The management API over HTTPS: one request, signed with SigV4 (AWS_IAM) or carrying a bearer token
//! (a JWT authorizer), and its answer.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use reqwest::Method;

use super::sign::signature_headers;

/// How requests prove who sends them.
pub enum Auth {
    /// AWS_IAM: SigV4 with these credentials for this region.
    SigV4 { credentials: Credentials, region: String },
    /// A JWT authorizer: `Authorization: Bearer <token>`.
    Bearer(String),
}

/// A request that got no answer, or an answer that is an error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Sign(#[from] super::sign::SignError),
    #[error("{url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} answered {status}: {message}")]
    Refused { url: String, status: u16, message: String },
    #[error("{url} answered something that is not the API's JSON: {reason}")]
    Unreadable { url: String, reason: String },
}

/// The management API at `base` (its address before `/wh`).
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    auth: Auth,
}

impl ApiClient {
    pub fn new(base: &str, auth: Auth) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client without custom TLS settings builds"),
            base: api_base(base),
            auth,
        }
    }

    /// Sends `method path_and_query` with an optional JSON body and returns the answer's status and
    /// body, or the error of a 4xx/5xx (its `error` field when it has one).
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, String), ApiError> {
        let url = format!("{}{path_and_query}", self.base);
        let body = body.map(|body| body.to_string().into_bytes()).unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), &url)
            .header("content-type", "application/json");
        match &self.auth {
            Auth::SigV4 { credentials, region } => {
                let headers = [("content-type", "application/json")];
                let signed = signature_headers(
                    credentials,
                    region,
                    SystemTime::now(),
                    method.as_str(),
                    &url,
                    &headers,
                    &body,
                )?;
                for (name, value) in signed {
                    request = request.header(name, value);
                }
            }
            Auth::Bearer(token) => request = request.bearer_auth(token),
        }
        let response = request.body(body).send().await.map_err(|error| ApiError::Unreachable {
            url: url.clone(),
            reason: error.to_string(),
        })?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|error| ApiError::Unreachable {
            url: url.clone(),
            reason: error.to_string(),
        })?;
        if status >= 400 {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|json| {
                    json.get("error")
                        .or_else(|| json.get("message"))
                        .and_then(|m| m.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or(text);
            return Err(ApiError::Refused { url, status, message });
        }
        Ok((status, text))
    }

    /// [`ApiClient::send`], its answer read as JSON.
    pub async fn json(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, ApiError> {
        let url = format!("{}{path_and_query}", self.base);
        let (_, text) = self.send(method, path_and_query, body).await?;
        serde_json::from_str(&text).map_err(|error| ApiError::Unreadable {
            url,
            reason: error.to_string(),
        })
    }
}

/// The address before `/wh`: the stack's `HooksApiUrl` output ends in `/wh/config`, and either is
/// accepted, with or without a trailing slash.
fn api_base(url: &str) -> String {
    let url = url.trim_end_matches('/');
    url.strip_suffix("/wh/config").unwrap_or(url).to_owned()
}

/// The region of an `execute-api` address (`https://ID.execute-api.REGION.amazonaws.com`), which its
/// signature must name.
pub fn region_of(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split(['/', ':']).next()?;
    let rest = host.split_once(".execute-api.")?.1;
    let region = rest.split('.').next()?;
    (!region.is_empty()).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_before_wh_and_the_region_comes_from_the_host() {
        assert_eq!(api_base("https://a.example.com/wh/config/"), "https://a.example.com");
        assert_eq!(api_base("https://a.example.com/"), "https://a.example.com");
        let url = "https://abc123.execute-api.eu-central-1.amazonaws.com/wh/config";
        assert_eq!(region_of(url).as_deref(), Some("eu-central-1"));
        assert_eq!(region_of("http://127.0.0.1:8080"), None);
    }
}
