//! The ATC's read-only API the generator needs, with the target's bearer token:
//!
//! - `GET /api/v1/user`: only to name the user and to say early when the token may not read the team.
//!   A token that may not read it (401, 403, 404: some auth setups, older ATCs) is no error by itself,
//!   but Concourse answers the pipeline list of an unauthenticated caller with its public pipelines
//!   only: after a 401 there, a list of public pipelines only is taken for an expired token, so that it
//!   never quietly produces a config without the private pipelines.
//! - `GET /api/v1/teams/{team}/pipelines`: name, `instance_vars`, `archived`, `public` of every pipeline.
//! - `GET /api/v1/teams/{team}/pipelines/{pipeline}/config` (`?vars=<json>` for an instance):
//!   `{"config": {"resources": [...], ...}}`; Concourse answers 404 for an archived pipeline.

use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::pipeline::PipelineConfig;
use super::target::Target;

/// One pipeline of the team, as the list names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PipelineRef {
    pub name: String,
    /// Set for an instanced pipeline; Concourse writes `null` or leaves it out otherwise.
    #[serde(default)]
    pub instance_vars: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub public: bool,
}

impl PipelineRef {
    /// `name`, or `name/{vars}` for an instance, for messages.
    pub fn label(&self) -> String {
        match &self.instance_vars {
            Some(vars) if !vars.is_empty() => format!("{}/{}", self.name, serde_json::Value::Object(vars.clone())),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AtcError {
    #[error("cannot reach the ATC at {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("the ATC at {url} refused the token (401): has it expired? {hint}")]
    Unauthorized { url: String, hint: String },
    #[error("the token may not read team {team:?} on {url} (its teams: {teams}); pass --team or use another target")]
    NotInTeam { url: String, team: String, teams: String },
    #[error("{url} answered {status}: {body}")]
    Status {
        url: String,
        status: StatusCode,
        body: String,
    },
    #[error("{url} answered something that is not {expected}: {message}")]
    BadAnswer {
        url: String,
        expected: &'static str,
        message: String,
    },
    #[error("{url:?} is not an ATC URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the CA certificate is not PEM: {0}")]
    BadCaCert(#[source] reqwest::Error),
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

impl AtcError {
    /// Whether the ATC says the pipeline is not there (deleted or archived since it was listed).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Status { status, .. } if *status == StatusCode::NOT_FOUND)
    }
}

/// A client for one team of one ATC.
pub struct Atc {
    http: reqwest::Client,
    base: Url,
    target: Target,
}

/// What `GET /api/v1/user` said about the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The user's name, when the ATC said.
    pub user: Option<String>,
    /// The status of a refused `/api/v1/user`.
    pub refused: Option<u16>,
}

impl Login {
    fn refused(status: u16) -> Self {
        Self {
            user: None,
            refused: Some(status),
        }
    }
}

/// What `GET /api/v1/user` tells about the token.
#[derive(Debug, Deserialize)]
struct UserInfo {
    #[serde(default)]
    user_name: Option<String>,
    #[serde(default)]
    is_admin: bool,
    /// team → roles; `None` from an ATC that does not say.
    #[serde(default)]
    teams: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
struct ConfigAnswer {
    config: PipelineConfig,
}

impl Atc {
    /// `timeout` bounds every request, connecting included.
    pub fn new(target: Target, timeout: Duration) -> Result<Self, AtcError> {
        let base = Url::parse(&target.url).map_err(|error| AtcError::BadUrl {
            url: target.url.clone(),
            reason: error.to_string(),
        })?;
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("hookbox/", env!("CARGO_PKG_VERSION")))
            // A redirect to a login page would answer HTML instead of JSON: report the status instead.
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(target.insecure);
        if let Some(pem) = &target.ca_cert {
            let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(AtcError::BadCaCert)?;
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build().map_err(AtcError::Client)?;
        Ok(Self { http, base, target })
    }

    /// Who the token is, when the ATC says: `Ok(None)` when `/api/v1/user` refuses the token or is not
    /// there, with `refused` set on a 401 (see [`Atc::check_listing`]). Fails when the ATC says the
    /// token may not read the team.
    pub async fn user(&self) -> Result<Login, AtcError> {
        let url = self.url(&["api", "v1", "user"], None);
        let user: UserInfo = match self.get_json(url.clone(), "the logged-in user").await {
            Ok(user) => user,
            Err(AtcError::Unauthorized { .. }) => return Ok(Login::refused(401)),
            Err(AtcError::Status { status, .. }) if matches!(status.as_u16(), 403 | 404) => {
                return Ok(Login::refused(status.as_u16()));
            }
            Err(error) => return Err(error),
        };
        match user.teams {
            Some(teams) if !user.is_admin && !teams.contains_key(&self.target.team) => {
                let mut names: Vec<&str> = teams.keys().map(String::as_str).collect();
                names.sort_unstable();
                Err(AtcError::NotInTeam {
                    url: self.target.url.clone(),
                    team: self.target.team.clone(),
                    teams: if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    },
                })
            }
            _ => Ok(Login {
                user: user.user_name.filter(|name| !name.is_empty()),
                refused: None,
            }),
        }
    }

    /// After `/api/v1/user` refused the token with 401, a list of public pipelines only (or none) is what
    /// an expired token gets: fail with the login hint then.
    pub fn check_listing(&self, login: &Login, pipelines: &[PipelineRef]) -> Result<(), AtcError> {
        if login.refused == Some(401) && pipelines.iter().all(|pipeline| pipeline.public) {
            return Err(AtcError::Unauthorized {
                url: self.target.url.clone(),
                hint: self.target.login_hint(),
            });
        }
        Ok(())
    }

    /// The team's pipelines, archived ones included.
    pub async fn pipelines(&self) -> Result<Vec<PipelineRef>, AtcError> {
        let url = self.url(&["api", "v1", "teams", &self.target.team, "pipelines"], None);
        self.get_json(url, "a list of pipelines").await
    }

    /// The current config of one pipeline (instance).
    pub async fn pipeline_config(&self, pipeline: &PipelineRef) -> Result<PipelineConfig, AtcError> {
        let url = self.url(
            &[
                "api",
                "v1",
                "teams",
                &self.target.team,
                "pipelines",
                &pipeline.name,
                "config",
            ],
            pipeline.instance_vars.as_ref().filter(|vars| !vars.is_empty()),
        );
        let answer: ConfigAnswer = self.get_json(url, "a pipeline config").await?;
        Ok(answer.config)
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment, and `vars`.
    fn url(&self, segments: &[&str], vars: Option<&serde_json::Map<String, serde_json::Value>>) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if let Some(vars) = vars {
            url.query_pairs_mut()
                .append_pair("vars", &serde_json::Value::Object(vars.clone()).to_string());
        }
        url
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url, expected: &'static str) -> Result<T, AtcError> {
        let shown = url.to_string();
        let response = self
            .http
            .get(url)
            .bearer_auth(self.target.token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| AtcError::Unreachable {
                url: self.target.url.clone(),
                message: describe(&error),
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| AtcError::Unreachable {
            url: self.target.url.clone(),
            message: describe(&error),
        })?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(AtcError::Unauthorized {
                url: self.target.url.clone(),
                hint: self.target.login_hint(),
            });
        }
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let excerpt: String = text.trim().chars().take(200).collect();
            return Err(AtcError::Status {
                url: shown,
                status,
                body: if excerpt.is_empty() {
                    "(no body)".into()
                } else {
                    excerpt
                },
            });
        }
        serde_json::from_slice(&body).map_err(|error| AtcError::BadAnswer {
            url: shown,
            expected,
            message: error.to_string(),
        })
    }
}

/// The error and its causes in one line ("error sending request ...: tcp connect error: Connection
/// refused"), which reqwest's own `Display` leaves out.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time (see --timeout)".to_owned();
    }
    let mut text = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = current {
        let message = cause.to_string();
        if !text.contains(&message) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&message);
        }
        current = cause.source();
    }
    text
}
