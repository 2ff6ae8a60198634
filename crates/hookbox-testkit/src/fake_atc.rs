//! A fake Concourse ATC: a real HTTP server on 127.0.0.1 that answers the routes the notifier
//! functions call, as Concourse does, and records every request it receives (method, path, query,
//! headers, body) so that a test can assert exactly which checks were triggered.
//!
//! - `POST /api/v1/teams/{team}/pipelines/{pipeline}/resources/{resource}/check/webhook`:
//!   400 without `webhook_token`, 404 for an unknown resource, 401 for a wrong token, else 201.
//! - `POST .../resources/{resource}/check`: 401 without a valid bearer token, 400 for an empty body,
//!   else 201.
//! - `POST /sky/issuer/token`: the password grant with `fly`'s client credentials.
//! - The read-only routes of the config generator, for the pipelines given to
//!   [`FakeAtc::add_pipeline`], each 401 without a valid bearer token: `GET /api/v1/user` (the
//!   token's user and teams, or the status given to [`FakeAtc::refuse_user`]),
//!   `GET /api/v1/teams/{team}/pipelines` (the team's pipelines, archived, public and instanced ones
//!   included) and `GET .../pipelines/{pipeline}/config` (`{"config": ...}`, the
//!   instance named by the `vars` query parameter; 404 for an unknown or archived pipeline, as
//!   Concourse answers).
//! - [`Behaviour`] makes it slow or failing; [`FakeAtc::stop`] takes it down.
//!
//! Routing is one `match` over the path segments.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

use crate::thread_server::ThreadServer;

/// The base64 of `fly:Zmx5`, the client credentials of the password grant.
const FLY_BASIC_AUTH: &str = "Basic Zmx5OlpteDU=";

/// One request as the fake ATC received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Names lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `(pipeline, resource)` when this is a check request (either route).
    pub fn check_of(&self) -> Option<(String, String)> {
        // The webhook route is the authenticated one with `/webhook` after it.
        let path = self.path.strip_suffix("/webhook").unwrap_or(&self.path);
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            [
                "api",
                "v1",
                "teams",
                _,
                "pipelines",
                pipeline,
                "resources",
                resource,
                "check",
            ] => Some((pipeline.to_string(), resource.to_string())),
            _ => None,
        }
    }
}

/// A pipeline the fake ATC lists and whose config it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedPipeline {
    pub team: String,
    pub name: String,
    /// The instance vars of an instanced pipeline (a JSON object).
    pub instance_vars: Option<serde_json::Value>,
    pub archived: bool,
    /// Listed as public (exposed).
    pub public: bool,
    /// The pipeline config, as `GET .../config` answers it under `"config"` (`resources`,
    /// `resource_types`, `jobs`, ...).
    pub config: serde_json::Value,
}

impl ServedPipeline {
    /// A plain pipeline of `team`.
    pub fn new(team: &str, name: &str, config: serde_json::Value) -> Self {
        Self {
            team: team.to_owned(),
            name: name.to_owned(),
            instance_vars: None,
            archived: false,
            public: false,
            config,
        }
    }

    /// This pipeline as the instance of its group named by `vars`.
    pub fn instance(mut self, vars: serde_json::Value) -> Self {
        self.instance_vars = Some(vars);
        self
    }

    /// This pipeline public (exposed): Concourse lists it to anyone.
    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// This pipeline archived: listed, but its config is refused.
    pub fn archived(mut self) -> Self {
        self.archived = true;
        self
    }
}

/// How the fake ATC answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// As Concourse would.
    #[default]
    Normal,
    /// Waits this long before answering anything.
    Slow(Duration),
    /// Answers every request with this status.
    Status(u16),
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    behaviour: Behaviour,
    /// `(pipeline, resource)` → the resource's webhook token.
    webhook_tokens: HashMap<(String, String), String>,
    /// Bearer tokens the authenticated routes accept.
    bearer_tokens: HashSet<String>,
    /// username → password for the password grant.
    users: HashMap<String, String>,
    /// What the read-only routes serve, in the order added.
    pipelines: Vec<ServedPipeline>,
    /// The status `GET /api/v1/user` answers instead of the user.
    user_status: Option<u16>,
    next_id: u64,
}

/// The running fake ATC; stopped on drop.
pub struct FakeAtc {
    server: ThreadServer,
    state: Arc<Mutex<State>>,
}

impl FakeAtc {
    /// Starts the server on 127.0.0.1, on its own thread, so it answers whatever the test's runtime
    /// is doing.
    pub fn start() -> Self {
        Self::start_on(std::net::Ipv4Addr::LOCALHOST.into())
    }

    /// [`FakeAtc::start`] listening on `ip` only (the Docker bridge's gateway, for `sam local`'s
    /// containers).
    pub fn start_on(ip: std::net::IpAddr) -> Self {
        let listener = std::net::TcpListener::bind((ip, 0)).expect("a free port");
        let state = Arc::new(Mutex::new(State::default()));
        let served = Arc::clone(&state);
        let server = ThreadServer::start(listener, move |request| answer(Arc::clone(&served), request));
        Self { server, state }
    }

    /// The ATC's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Accepts `token` as the webhook token of `pipeline`'s `resource`.
    pub fn add_webhook_token(&self, pipeline: &str, resource: &str, token: &str) {
        self.lock()
            .webhook_tokens
            .insert((pipeline.to_owned(), resource.to_owned()), token.to_owned());
    }

    /// Accepts `token` on the authenticated routes.
    pub fn add_bearer_token(&self, token: &str) {
        self.lock().bearer_tokens.insert(token.to_owned());
    }

    /// Lets `username` log in with `password` through the password grant.
    pub fn add_user(&self, username: &str, password: &str) {
        self.lock().users.insert(username.to_owned(), password.to_owned());
    }

    /// Lists `pipeline` in its team and serves its config.
    pub fn add_pipeline(&self, pipeline: ServedPipeline) {
        self.lock().pipelines.push(pipeline);
    }

    /// Answers `GET /api/v1/user` with `status` from now on (401, 403, 404: a token or an ATC that
    /// does not tell who the user is).
    pub fn refuse_user(&self, status: u16) {
        self.lock().user_status = Some(status);
    }

    /// Forgets every bearer token, as when sessions expire.
    pub fn expire_tokens(&self) {
        self.lock().bearer_tokens.clear();
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.lock().behaviour = behaviour;
    }

    /// Forgets the requests recorded so far, so that a test can look at the next ones alone.
    pub fn clear(&self) {
        self.lock().requests.clear();
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The check requests so far, either route.
    pub fn checks(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|request| request.check_of().is_some())
            .collect()
    }

    /// `(pipeline, resource)` of every check request so far, sorted.
    pub fn checked(&self) -> Vec<(String, String)> {
        let mut checked: Vec<_> = self.checks().iter().filter_map(Recorded::check_of).collect();
        checked.sort();
        checked
    }

    /// Stops the server: connections to its URL are refused from now on (the ATC is down).
    pub fn stop(&mut self) {
        self.server.stop();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn answer(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes().to_vec())
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let behaviour = {
        let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
        state.requests.push(recorded.clone());
        state.behaviour
    };
    let (status, body) = match behaviour {
        Behaviour::Status(status) => (status, format!("fake ATC failing with {status}")),
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            route(&state, &recorded)
        }
        Behaviour::Normal => route(&state, &recorded),
    };
    let response = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response");
    Ok(response)
}

/// Concourse's answer to a request: (status, body).
fn route(state: &Mutex<State>, request: &Recorded) -> (u16, String) {
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    let segments: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        (
            "POST",
            [
                "api",
                "v1",
                "teams",
                team,
                "pipelines",
                pipeline,
                "resources",
                resource,
                "check",
                "webhook",
            ],
        ) => {
            let Some(presented) = request.query_value("webhook_token") else {
                return (400, String::new());
            };
            let key = (pipeline.to_string(), resource.to_string());
            match state.webhook_tokens.get(&key) {
                None => (404, String::new()),
                Some(token) if token != presented => (401, String::new()),
                Some(_) => created_check(&mut state, team),
            }
        }
        ("POST", ["api", "v1", "teams", team, "pipelines", _, "resources", _, "check"]) => {
            let token = request
                .header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "));
            if !token.is_some_and(|token| state.bearer_tokens.contains(token)) {
                return (401, "not authorized".to_owned());
            }
            if request.body.is_empty() {
                return (400, r#"{"errors":["malformed request payload"]}"#.to_owned());
            }
            created_check(&mut state, team)
        }
        ("POST", ["sky", "issuer", "token"]) => {
            if request.header("authorization") != Some(FLY_BASIC_AUTH) {
                return (401, r#"{"error":"invalid_client"}"#.to_owned());
            }
            let form: HashMap<String, String> = form_urlencoded::parse(&request.body).into_owned().collect();
            let valid = form.get("grant_type").map(String::as_str) == Some("password")
                && form
                    .get("username")
                    .and_then(|user| state.users.get(user))
                    .is_some_and(|password| Some(password) == form.get("password"));
            if !valid {
                return (401, r#"{"error":"invalid_grant"}"#.to_owned());
            }
            state.next_id += 1;
            let token = format!("session-{}", state.next_id);
            state.bearer_tokens.insert(token.clone());
            let body = serde_json::json!({
                "access_token": token, "token_type": "bearer", "expires_in": 86399, "id_token": "id"
            });
            (200, body.to_string())
        }
        ("GET", ["api", "v1", "user"]) => {
            if let Some(status) = state.user_status {
                return (status, "not available".to_owned());
            }
            if !has_bearer(&state, request) {
                return (401, "not authorized".to_owned());
            }
            let teams: serde_json::Map<String, serde_json::Value> = state
                .pipelines
                .iter()
                .map(|pipeline| (pipeline.team.clone(), serde_json::json!(["member"])))
                .collect();
            let body = serde_json::json!({"user_name": "fake", "is_admin": false, "teams": teams});
            (200, body.to_string())
        }
        ("GET", ["api", "v1", "teams", team, "pipelines"]) => {
            if !has_bearer(&state, request) {
                return (401, "not authorized".to_owned());
            }
            let listed: Vec<serde_json::Value> = state
                .pipelines
                .iter()
                .enumerate()
                .filter(|(_, pipeline)| pipeline.team == *team)
                .map(|(index, pipeline)| {
                    serde_json::json!({
                        "id": index + 1, "name": pipeline.name, "instance_vars": pipeline.instance_vars,
                        "paused": false, "public": pipeline.public, "archived": pipeline.archived,
                        "team_name": team,
                    })
                })
                .collect();
            (200, serde_json::Value::Array(listed).to_string())
        }
        ("GET", ["api", "v1", "teams", team, "pipelines", name, "config"]) => {
            if !has_bearer(&state, request) {
                return (401, "not authorized".to_owned());
            }
            let vars = match request
                .query_value("vars")
                .map(serde_json::from_str::<serde_json::Value>)
            {
                None => None,
                Some(Ok(vars)) => Some(vars),
                Some(Err(_)) => return (400, r#"{"errors":["malformed vars"]}"#.to_owned()),
            };
            let served = state
                .pipelines
                .iter()
                .find(|p| p.team == *team && p.name == *name && p.instance_vars == vars);
            match served {
                Some(pipeline) if !pipeline.archived => {
                    (200, serde_json::json!({"config": pipeline.config}).to_string())
                }
                _ => (404, String::new()),
            }
        }
        _ => (404, String::new()),
    }
}

/// Whether the request carries a bearer token the ATC accepts.
fn has_bearer(state: &State, request: &Recorded) -> bool {
    request
        .header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| state.bearer_tokens.contains(token))
}

/// 201 with the check build Concourse creates.
fn created_check(state: &mut State, team: &str) -> (u16, String) {
    state.next_id += 1;
    let body = serde_json::json!({
        "id": state.next_id, "team_name": team, "name": "check", "status": "started"
    });
    (201, body.to_string())
}
