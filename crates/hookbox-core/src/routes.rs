//! Route configuration for the enqueue function: which paths and methods it accepts and which queues
//! each accepted request goes to.
//!
//! The file is JSON (see `config/routes.example.json` and the README). It is baked into the function at
//! build time and parsed by a test, so a bad file fails CI with the path of the bad field instead of
//! failing a cold start in production.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::path::{PathPattern, TokenSpan};
use crate::validation::auth::{SignatureSpec, TokenSpec};
use crate::validation::{Rules, RulesSpec};

/// The name of the queue that the template always creates; the default route sends everything there.
pub const DEFAULT_QUEUE: &str = "mailbox";

/// The methods of the catch-all route: every method that delivers something. HEAD, OPTIONS, TRACE and
/// CONNECT are probes and CORS preflights, not deliveries, and would only fill the mailbox.
pub const CATCH_ALL_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The HTTP methods a route may name.
const KNOWN_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];

/// A configuration error, with the JSON path of the offending field (`routes[1].methods[0]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RoutesError {
    pub path: String,
    pub message: String,
}

impl RoutesError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error, its path read below `parent` (`token.name` within `routes[2]`).
    pub(crate) fn within(self, parent: &str) -> Self {
        Self::at(format!("{parent}.{}", self.path), self.message)
    }
}

/// A value of the routes file that cannot be read (a path, a pattern, a template): what is wrong with
/// it, in words for the file's author. The caller knows which field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub(crate) String);

/// The routes file as written by the user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    routes: Vec<RouteSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteSpec {
    name: String,
    path: String,
    /// Absent or empty: every method.
    #[serde(default)]
    methods: Vec<String>,
    queues: Vec<String>,
    #[serde(default)]
    content_types: Vec<String>,
    #[serde(default)]
    token: Option<TokenSpec>,
    #[serde(default)]
    signature: Option<SignatureSpec>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: BTreeMap<String, String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    /// FIFO queues only: the message group template; the route name when absent.
    #[serde(default)]
    message_group: Option<String>,
    /// FIFO queues only: the deduplication id template; the sender's delivery id (or the request id)
    /// when absent.
    #[serde(default)]
    deduplication_id: Option<String>,
}

/// One validated route.
#[derive(Debug, Clone)]
pub struct Route {
    pub name: String,
    pub path: PathPattern,
    /// Upper-case method names; `None` accepts every method.
    pub methods: Option<Vec<String>>,
    /// Logical queue names (see [`queue_env_var`]), in the order the file gives them.
    pub queues: Vec<String>,
    /// What a request must satisfy before it is stored, and its routing metadata.
    pub rules: Rules,
}

impl Route {
    fn allows(&self, method: &str) -> bool {
        self.methods
            .as_ref()
            .is_none_or(|methods| methods.iter().any(|allowed| allowed.eq_ignore_ascii_case(method)))
    }
}

/// The outcome of looking a request up.
#[derive(Debug)]
pub enum RouteMatch<'a> {
    /// The route, and where the path's `{token}` segment is when the route has one.
    Found(&'a Route, Option<TokenSpan>),
    /// A route has this path but none allows the method: answer 405 with these in `Allow`.
    MethodNotAllowed(Vec<&'a str>),
    NotFound,
}

/// The validated route table, tried in file order: the first route whose path and method match wins.
#[derive(Debug, Clone)]
pub struct Routes {
    routes: Vec<Route>,
}

impl Routes {
    /// One catch-all route named `mailbox` that sends every delivery, whatever its path, to the
    /// `mailbox` queue: the simplest mailbox, used when no routes file is baked in.
    pub fn catch_all() -> Self {
        Self {
            routes: vec![Route {
                name: DEFAULT_QUEUE.to_owned(),
                path: PathPattern::everything(),
                methods: Some(CATCH_ALL_METHODS.iter().map(|method| (*method).to_owned()).collect()),
                queues: vec![DEFAULT_QUEUE.to_owned()],
                rules: Rules::default(),
            }],
        }
    }

    /// Parses and validates a routes file.
    pub fn from_json(text: &str) -> Result<Self, RoutesError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let file: RoutesFile = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            RoutesError::at(path, error.into_inner().to_string())
        })?;
        let routes = file
            .routes
            .into_iter()
            .enumerate()
            .map(|(index, spec)| validate_route(index, spec))
            .collect::<Result<Vec<_>, _>>()?;
        if routes.is_empty() {
            return Err(RoutesError::at("routes", "at least one route is required"));
        }
        if let Some((index, route)) = routes
            .iter()
            .enumerate()
            .find(|(index, route)| routes[..*index].iter().any(|earlier| earlier.name == route.name))
        {
            return Err(RoutesError::at(
                format!("routes[{index}].name"),
                format!("{:?} is used by an earlier route; names must be unique", route.name),
            ));
        }
        Ok(Self { routes })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }

    /// Every secret name some route needs, each once.
    pub fn secret_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for name in self.routes.iter().flat_map(|route| route.rules.secret_names()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Every logical queue name some route sends to, each once, in first-use order.
    pub fn queue_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for queue in self.routes.iter().flat_map(|route| &route.queues) {
            if !names.contains(&queue.as_str()) {
                names.push(queue);
            }
        }
        names
    }

    /// Finds the route for a request.
    pub fn resolve(&self, method: &str, path: &str) -> RouteMatch<'_> {
        let mut allowed: Vec<&str> = Vec::new();
        for (route, token) in self
            .routes
            .iter()
            .filter_map(|route| Some((route, route.path.matches(path)?)))
        {
            if route.allows(method) {
                return RouteMatch::Found(route, token);
            }
            for name in route.methods.iter().flatten() {
                if !allowed.contains(&name.as_str()) {
                    allowed.push(name);
                }
            }
        }
        if allowed.is_empty() {
            RouteMatch::NotFound
        } else {
            RouteMatch::MethodNotAllowed(allowed)
        }
    }
}

/// The environment variable through which the template hands the function a queue's URL:
/// `mailbox` → `HOOKBOX_QUEUE_MAILBOX`, `audit-log` → `HOOKBOX_QUEUE_AUDIT_LOG`.
pub fn queue_env_var(queue: &str) -> String {
    let suffix: String = queue
        .chars()
        .map(|c| if c == '-' { '_' } else { c.to_ascii_uppercase() })
        .collect();
    format!("HOOKBOX_QUEUE_{suffix}")
}

/// The environment variable that holds a secret's value(s): `github` → `HOOKBOX_SECRET_GITHUB`.
pub fn secret_env_var(secret: &str) -> String {
    format!("HOOKBOX_SECRET_{}", env_suffix(secret))
}

fn env_suffix(name: &str) -> String {
    name.chars()
        .map(|c| if c == '-' { '_' } else { c.to_ascii_uppercase() })
        .collect()
}

pub(crate) fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn validate_route(index: usize, spec: RouteSpec) -> Result<Route, RoutesError> {
    let at = |field: &str| format!("routes[{index}].{field}");
    if !is_identifier(&spec.name) {
        return Err(RoutesError::at(
            at("name"),
            format!("{:?} must be 1 to 64 letters, digits, '-' or '_'", spec.name),
        ));
    }
    let path = PathPattern::parse(&spec.path).map_err(|invalid| RoutesError::at(at("path"), invalid.0))?;
    let mut methods = Vec::with_capacity(spec.methods.len());
    for (i, method) in spec.methods.iter().enumerate() {
        let upper = method.to_ascii_uppercase();
        if !KNOWN_METHODS.contains(&upper.as_str()) {
            return Err(RoutesError::at(
                at(&format!("methods[{i}]")),
                format!("{method:?} is not an HTTP method (one of {})", KNOWN_METHODS.join(", ")),
            ));
        }
        if !methods.contains(&upper) {
            methods.push(upper);
        }
    }
    if spec.queues.is_empty() {
        return Err(RoutesError::at(at("queues"), "name at least one queue"));
    }
    for (i, queue) in spec.queues.iter().enumerate() {
        if !is_identifier(queue) {
            return Err(RoutesError::at(
                at(&format!("queues[{i}]")),
                format!("{queue:?} must be 1 to 64 letters, digits, '-' or '_'"),
            ));
        }
        if spec.queues[..i].contains(queue) {
            return Err(RoutesError::at(
                at(&format!("queues[{i}]")),
                format!("{queue:?} is listed twice; each queue gets one copy"),
            ));
        }
    }
    let rules = Rules::compile(
        RulesSpec {
            content_types: spec.content_types,
            token: spec.token,
            signature: spec.signature,
            headers: spec.headers,
            body: spec.body,
            attributes: spec.attributes,
            message_group: spec.message_group,
            deduplication_id: spec.deduplication_id,
        },
        path.has_token(),
    )
    .map_err(|error| error.within(&format!("routes[{index}]")))?;
    Ok(Route {
        name: spec.name,
        path,
        methods: (!methods.is_empty()).then_some(methods),
        queues: spec.queues,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "routes": [
        {"name": "github", "path": "/hooks/github", "methods": ["post"], "queues": ["mailbox", "audit"]},
        {"name": "jenkins", "path": "/hooks/jenkins/*", "methods": ["GET", "POST"], "queues": ["mailbox"]},
        {"name": "github-get", "path": "/hooks/github", "methods": ["GET"], "queues": ["mailbox"]}
      ]
    }"#;

    fn error_of(json: &str) -> RoutesError {
        Routes::from_json(json).expect_err("the file should be refused")
    }

    #[test]
    fn resolves_exact_prefix_and_method() {
        let routes = Routes::from_json(EXAMPLE).unwrap();
        let RouteMatch::Found(github, None) = routes.resolve("POST", "/hooks/github") else {
            panic!("POST /hooks/github should match")
        };
        assert_eq!(github.name, "github");
        assert_eq!(github.queues, ["mailbox", "audit"]);
        let RouteMatch::Found(get, None) = routes.resolve("GET", "/hooks/github") else {
            panic!("GET /hooks/github should match the later route")
        };
        assert_eq!(get.name, "github-get");
        assert!(matches!(
            routes.resolve("GET", "/hooks/jenkins/job/build"),
            RouteMatch::Found(Route { name, .. }, None) if name == "jenkins"
        ));
        assert!(matches!(routes.resolve("POST", "/hooks/github/"), RouteMatch::NotFound));
        assert!(matches!(routes.resolve("POST", "/hooks/jenkins"), RouteMatch::NotFound));
        assert!(matches!(routes.resolve("GET", "/other"), RouteMatch::NotFound));
    }

    #[test]
    fn wrong_method_lists_what_the_path_allows() {
        let routes = Routes::from_json(EXAMPLE).unwrap();
        assert!(
            matches!(routes.resolve("DELETE", "/hooks/github"), RouteMatch::MethodNotAllowed(allowed) if allowed == vec!["POST", "GET"])
        );
    }

    #[test]
    fn catch_all_accepts_every_delivery_into_the_mailbox_but_no_probes() {
        let routes = Routes::catch_all();
        for (method, path) in [
            ("POST", "/"),
            ("DELETE", "/x/y"),
            ("GET", "/hooks/github"),
            ("PATCH", "/a"),
        ] {
            let RouteMatch::Found(route, _) = routes.resolve(method, path) else {
                panic!("{method} {path} should match")
            };
            assert_eq!(route.queues, [DEFAULT_QUEUE]);
        }
        for method in ["HEAD", "OPTIONS", "TRACE", "CONNECT"] {
            assert!(
                matches!(routes.resolve(method, "/hooks/github"), RouteMatch::MethodNotAllowed(allowed) if allowed == CATCH_ALL_METHODS.to_vec())
            );
        }
        assert_eq!(routes.queue_names(), [DEFAULT_QUEUE]);
    }

    #[test]
    fn queue_names_are_listed_once_in_first_use_order() {
        assert_eq!(Routes::from_json(EXAMPLE).unwrap().queue_names(), ["mailbox", "audit"]);
    }

    #[test]
    fn env_var_names_follow_the_queue_name() {
        assert_eq!(queue_env_var("mailbox"), "HOOKBOX_QUEUE_MAILBOX");
        assert_eq!(queue_env_var("audit-log_2"), "HOOKBOX_QUEUE_AUDIT_LOG_2");
    }

    /// The README's route examples are real: every JSON block there that is a route or a routes file
    /// parses.
    #[test]
    fn the_readme_route_examples_are_valid() {
        let readme = include_str!("../../../README.md");
        let blocks: Vec<&str> = readme
            .split("```json\n")
            .skip(1)
            .filter_map(|rest| rest.split("```").next())
            .collect();
        let mut checked = 0;
        for block in blocks {
            let file = match block.trim_start() {
                route if route.starts_with("{\"name\"") => format!("{{\"routes\": [{route}]}}"),
                file if file.starts_with("{\n  \"routes\"") => file.to_owned(),
                _ => continue,
            };
            Routes::from_json(&file).unwrap_or_else(|error| panic!("README example does not parse: {error}\n{block}"));
            checked += 1;
        }
        assert!(checked >= 4, "only {checked} examples found");
    }

    #[test]
    fn token_paths_resolve_with_their_token_span() {
        let routes = Routes::from_json(
            r#"{"routes":[{"name":"a","path":"/hooks/{token}","queues":["q"],
                            "token":{"in":"path","secret":"hooks"}}]}"#,
        )
        .unwrap();
        assert!(matches!(routes.resolve("POST", "/hooks/abc"), RouteMatch::Found(_, Some(span)) if span == (7..10)));
        assert_eq!(routes.secret_names(), ["hooks"]);
        assert_eq!(secret_env_var("git-hub"), "HOOKBOX_SECRET_GIT_HUB");
    }

    #[test]
    fn errors_name_the_bad_field() {
        let cases = [
            ("[]", "."),
            (r#"{"routes": []}"#, "routes"),
            (r#"{"routes": [{"name": "a", "path": "/a"}]}"#, "routes[0]"),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "extra": 1}]}"#,
                "routes[0].extra",
            ),
            (
                r#"{"routes": [{"name": "a", "path": 5, "queues": ["q"]}]}"#,
                "routes[0].path",
            ),
            (
                r#"{"routes": [{"name": "a b", "path": "/a", "queues": ["q"]}]}"#,
                "routes[0].name",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "a", "queues": ["q"]}]}"#,
                "routes[0].path",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/*/x", "queues": ["q"]}]}"#,
                "routes[0].path",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "methods": ["GET", "FETCH"], "queues": ["q"]}]}"#,
                "routes[0].methods[1]",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": []}]}"#,
                "routes[0].queues",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q", "q"]}]}"#,
                "routes[0].queues[1]",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["a.b"]}]}"#,
                "routes[0].queues[0]",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "message_group": ""}]}"#,
                "routes[0].message_group",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"]},
                               {"name": "a", "path": "/b", "queues": ["q"]}]}"#,
                "routes[1].name",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a/{token}", "queues": ["q"]}]}"#,
                "routes[0].token",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "token": {"in": "query", "secret": "s"}}]}"#,
                "routes[0].token.name",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "token": {"in": "path", "secret": "s"}}]}"#,
                "routes[0].token.in",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "token": {"in": "cookie", "name": "t", "secret": "s"}}]}"#,
                "routes[0].token.in",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "signature": {"type": "github", "secret": "a b"}}]}"#,
                "routes[0].secret",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "signature": {"type": "hmac", "secret": "s"}}]}"#,
                "routes[0].signature.header",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "signature": {"type": "gitea", "secret": "s", "allow_sha1": true}}]}"#,
                "routes[0].signature.allow_sha1",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "signature": {"type": "github", "secret": "s", "prefix": "x"}}]}"#,
                "routes[0].signature.type",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "content_types": ["json"]}]}"#,
                "routes[0].content_types[0]",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "headers": {"x-event": "(unclosed"}}]}"#,
                "routes[0].headers.x-event",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "body": {"a..b": "x"}}]}"#,
                "routes[0].body.a..b",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "attributes": {"route": "{route}"}}]}"#,
                "routes[0].attributes.route",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "attributes": {"k": "{nope}"}}]}"#,
                "routes[0].attributes.k",
            ),
            (
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["q"], "attributes":
                   {"a1": "x", "a2": "x", "a3": "x", "a4": "x", "a5": "x", "a6": "x", "a7": "x", "a8": "x"}}]}"#,
                "routes[0].attributes",
            ),
        ];
        for (json, path) in cases {
            let error = error_of(json);
            assert_eq!(error.path, path, "{json} gave {error}");
            assert!(!error.message.is_empty());
        }
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        let error = error_of(r#"{"routes": [{"name": "a""#);
        assert!(error.message.contains("EOF"), "{error}");
    }
}
