//! Asking the ATC to check resources now.
//!
//! A resource with a webhook token is checked through
//! `POST /api/v1/teams/{team}/pipelines/{pipeline}/resources/{resource}/check/webhook?webhook_token=...`,
//! which needs no user session and so works whatever auth provider the ATC uses (201 on success, 401 on
//! a wrong token). Others go to the authenticated route `POST .../resources/{resource}/check` with a
//! JSON body (`{}`: an empty body is a 400) and a bearer token: a configured one, or one obtained with a
//! username and password through the password grant at `/sky/issuer/token` (as `fly login` does) and
//! obtained again once when the ATC answers 401. Instanced pipelines are named by the `vars` query
//! parameter, their instance vars as JSON.
//!
//! Tokens and passwords never appear in errors or logs: URLs carry the webhook token, so errors are
//! stripped of their URL.

use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::{StatusCode, Url};
use tokio::sync::Mutex;

/// The client id and secret that `fly` uses for the password grant; every ATC knows them.
const FLY_CLIENT_ID: &str = "fly";
const FLY_CLIENT_SECRET: &str = "Zmx5";

/// How the client authenticates on the authenticated check route.
#[derive(Clone, Default)]
pub enum Credentials {
    /// Only webhook-token checks are possible.
    #[default]
    None,
    Bearer(String),
    Password {
        username: String,
        password: String,
    },
}

impl std::fmt::Debug for Credentials {
    /// Never prints a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer(***)"),
            Self::Password { username, .. } => write!(f, "Password {{ username: {username:?} }}"),
        }
    }
}

/// One resource to check.
#[derive(Clone)]
pub struct CheckTarget {
    pub pipeline: String,
    /// The instance vars of an instanced pipeline, as the JSON object Concourse expects in `vars`.
    pub instance_vars: Option<serde_json::Map<String, serde_json::Value>>,
    pub resource: String,
    /// The resolved webhook token; `None` uses the authenticated route.
    pub webhook_token: Option<String>,
}

/// Why a check was not triggered. The messages name no secret.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the ATC did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the ATC could not be reached: {0}")]
    Unreachable(String),
    #[error("the ATC answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the ATC refused the webhook token (401)")]
    WrongWebhookToken,
    #[error("the ATC refused the credentials (401)")]
    Unauthorized,
    #[error("the resource has no webhook token and the function has no Concourse credentials")]
    NoCredentials,
    #[error("logging in to the ATC failed: {0}")]
    Login(String),
}

impl CheckError {
    /// Whether the same check may succeed later without any change on our side: the ATC was down,
    /// slow, overloaded (429, 5xx) or its login failed that way. A refused token, a missing resource
    /// or missing credentials stay refused until someone changes the config or the secrets.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout(_) | Self::Unreachable(_) | Self::Login(_) => true,
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::WrongWebhookToken | Self::Unauthorized | Self::NoCredentials => false,
        }
    }
}

/// Why the client could not be built: a fault of its configuration, found at cold start rather than at
/// the first check.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL names no http(s) server; the check routes are paths below it.
    #[error("the ATC URL {url:?} is not an http(s) URL: {reason}")]
    BadAtcUrl { url: String, reason: String },
    #[error("the HTTP client cannot be set up: {0}")]
    Http(#[source] reqwest::Error),
    #[error("TLS cannot be set up: {0}")]
    Tls(#[source] rustls::Error),
}

/// A successful check request: the ATC's status and the check (build) it created, when it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triggered {
    pub status: u16,
    /// The `id` of the check the ATC created, when its answer has one.
    pub check_id: Option<u64>,
}

/// The ATC client: built once at cold start and shared by every invocation.
pub struct ConcourseClient {
    http: reqwest::Client,
    atc_url: Url,
    team: String,
    credentials: Credentials,
    timeout: Duration,
    /// The token of the password grant, kept between invocations.
    session: Mutex<Option<String>>,
}

/// Which CA roots the client verifies the ATC with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// Mozilla's list, compiled in (webpki-roots): nothing read from disk when the client is built,
    /// which is at a notifier's cold start (the system's store took about 7 ms of it).
    CompiledIn,
    /// The system's store as rustls-native-certs finds it: `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the
    /// system's bundle. For an ATC behind a private CA.
    System,
}

impl ConcourseClient {
    /// `timeout` bounds each check (every request it takes, connecting included), so that every
    /// check of an invocation ends well within the caller's patience.
    pub fn new(
        atc_url: &str,
        team: &str,
        credentials: Credentials,
        timeout: Duration,
        roots: Roots,
    ) -> Result<Self, ClientError> {
        let bad_url = |reason: String| ClientError::BadAtcUrl {
            url: atc_url.to_owned(),
            reason,
        };
        let atc_url = Url::parse(atc_url).map_err(|error| bad_url(error.to_string()))?;
        if !matches!(atc_url.scheme(), "http" | "https") {
            return Err(bad_url(format!("the scheme is {:?}", atc_url.scheme())));
        }
        // reqwest takes the process's default provider; an error only says one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("hookbox/", env!("CARGO_PKG_VERSION")));
        if roots == Roots::CompiledIn {
            builder = builder.tls_backend_preconfigured(compiled_in_tls()?);
        }
        let http = builder.build().map_err(ClientError::Http)?;
        Ok(Self {
            http,
            atc_url,
            team: team.to_owned(),
            credentials,
            timeout,
            session: Mutex::new(None),
        })
    }

    /// Checks every target concurrently; the outcomes are in the order of `targets`, each with how long
    /// it took (the ATC's latency, which the notifiers publish as a metric).
    pub async fn check_all(&self, targets: &[CheckTarget]) -> Vec<(Result<Triggered, CheckError>, Duration)> {
        join_all(targets.iter().map(|target| async move {
            let started = Instant::now();
            let outcome = self.check(target).await;
            (outcome, started.elapsed())
        }))
        .await
    }

    /// Checks one resource now, all requests included (a login, a renewed login) within the timeout.
    pub async fn check(&self, target: &CheckTarget) -> Result<Triggered, CheckError> {
        tokio::time::timeout(self.timeout, self.check_unbounded(target))
            .await
            .unwrap_or(Err(CheckError::Timeout(self.timeout)))
    }

    async fn check_unbounded(&self, target: &CheckTarget) -> Result<Triggered, CheckError> {
        if let Some(token) = &target.webhook_token {
            let mut url = self.resource_url(target, "check/webhook");
            url.query_pairs_mut().append_pair("webhook_token", token);
            let response = self.send(self.http.post(url)).await?;
            return match response.status() {
                StatusCode::UNAUTHORIZED => Err(CheckError::WrongWebhookToken),
                _ => triggered(response).await,
            };
        }
        let url = self.resource_url(target, "check");
        let token = self.token(false).await?;
        let response = self.authenticated_check(url.clone(), &token).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return triggered(response).await;
        }
        // A password session may have expired: log in once more. A configured token cannot renew.
        if !matches!(self.credentials, Credentials::Password { .. }) {
            return Err(CheckError::Unauthorized);
        }
        let token = self.token(true).await?;
        let response = self.authenticated_check(url, &token).await?;
        match response.status() {
            StatusCode::UNAUTHORIZED => Err(CheckError::Unauthorized),
            _ => triggered(response).await,
        }
    }

    /// `.../teams/{team}/pipelines/{pipeline}/resources/{resource}/{tail}` with `vars` for instanced
    /// pipelines; every name is percent-encoded as a path segment.
    fn resource_url(&self, target: &CheckTarget, tail: &str) -> Url {
        let mut url = self.atc_url.clone();
        {
            let mut segments = url.path_segments_mut().expect("an http(s) URL has path segments");
            segments.pop_if_empty().extend([
                "api",
                "v1",
                "teams",
                &self.team,
                "pipelines",
                &target.pipeline,
                "resources",
                &target.resource,
            ]);
            segments.extend(tail.split('/'));
        }
        if let Some(vars) = &target.instance_vars {
            url.query_pairs_mut()
                .append_pair("vars", &serde_json::Value::Object(vars.clone()).to_string());
        }
        url
    }

    async fn authenticated_check(&self, url: Url, token: &str) -> Result<reqwest::Response, CheckError> {
        let request = self
            .http
            .post(url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body("{}");
        self.send(request).await
    }

    /// The bearer token: the configured one, or the password grant's (a new one when `renew`).
    async fn token(&self, renew: bool) -> Result<String, CheckError> {
        match &self.credentials {
            Credentials::None => Err(CheckError::NoCredentials),
            Credentials::Bearer(token) => Ok(token.clone()),
            Credentials::Password { username, password } => {
                let mut session = self.session.lock().await;
                if let Some(token) = session.as_ref().filter(|_| !renew) {
                    return Ok(token.clone());
                }
                let token = self.login(username, password).await?;
                *session = Some(token.clone());
                Ok(token)
            }
        }
    }

    /// The password grant, as `fly login` does it.
    async fn login(&self, username: &str, password: &str) -> Result<String, CheckError> {
        let mut url = self.atc_url.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has path segments")
            .pop_if_empty()
            .extend(["sky", "issuer", "token"]);
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "password")
            .append_pair("username", username)
            .append_pair("password", password)
            .append_pair("scope", "openid profile email federated:id groups")
            .finish();
        let request = self
            .http
            .post(url)
            .basic_auth(FLY_CLIENT_ID, Some(FLY_CLIENT_SECRET))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let response = self.send(request).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(CheckError::Login(format!("the ATC answered {}", status.as_u16())));
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            access_token: String,
        }
        let body = response.bytes().await.unwrap_or_default();
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| CheckError::Login("the answer has no access_token".to_owned()))?;
        Ok(answer.access_token)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, CheckError> {
        request.send().await.map_err(|error| {
            if error.is_timeout() {
                CheckError::Timeout(self.timeout)
            } else {
                CheckError::Unreachable(with_causes(&error.without_url()))
            }
        })
    }
}

/// An error and the chain of its causes, innermost last: reqwest's own text ("error sending request")
/// does not say whether the name did not resolve, the port refused, or the certificate was not trusted.
/// No cause carries the URL (and so no webhook token).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text
}

/// A 2xx is a triggered check; anything else is the ATC's refusal, with the start of its answer.
async fn triggered(response: reqwest::Response) -> Result<Triggered, CheckError> {
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        let text = String::from_utf8_lossy(&body);
        let body: String = text.trim().chars().take(200).collect();
        return Err(CheckError::Status { status, body });
    }
    let check_id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value.get("id").and_then(serde_json::Value::as_u64));
    Ok(Triggered { status, check_id })
}

/// rustls on ring with Mozilla's roots: what reqwest builds from the system's store, without reading it.
fn compiled_in_tls() -> Result<rustls::ClientConfig, ClientError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(ClientError::Tls)?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}
