//! Route configuration for the enqueue function: which paths and methods it accepts and which queues
//! each accepted request goes to.
//!
//! The file is JSON (see `config/routes.example.json` and the README). It is baked into the function at
//! build time and parsed by a test, so a bad file fails CI with the path of the bad field instead of
//! failing a cold start in production.

use serde::Deserialize;

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
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

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
    /// FIFO queues only: the message group; the route name when absent.
    #[serde(default)]
    message_group: Option<String>,
}

/// Which request paths a route accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPattern {
    /// Exactly this path.
    Exact(String),
    /// This prefix and everything below it (written with a trailing `*`).
    Prefix(String),
}

impl PathPattern {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathPattern::Exact(exact) => path == exact,
            PathPattern::Prefix(prefix) => path.starts_with(prefix.as_str()),
        }
    }
}

/// One validated route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub name: String,
    pub path: PathPattern,
    /// Upper-case method names; `None` accepts every method.
    pub methods: Option<Vec<String>>,
    /// Logical queue names (see [`queue_env_var`]), in the order the file gives them.
    pub queues: Vec<String>,
    pub message_group: String,
}

impl Route {
    fn allows(&self, method: &str) -> bool {
        self.methods.as_ref().is_none_or(|methods| {
            methods
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(method))
        })
    }
}

/// The outcome of looking a request up.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteMatch<'a> {
    Found(&'a Route),
    /// A route has this path but none allows the method: answer 405 with these in `Allow`.
    MethodNotAllowed(Vec<&'a str>),
    NotFound,
}

/// The validated route table, tried in file order: the first route whose path and method match wins.
#[derive(Debug, Clone, PartialEq, Eq)]
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
                path: PathPattern::Prefix("/".to_owned()),
                methods: Some(
                    CATCH_ALL_METHODS
                        .iter()
                        .map(|method| (*method).to_owned())
                        .collect(),
                ),
                queues: vec![DEFAULT_QUEUE.to_owned()],
                message_group: DEFAULT_QUEUE.to_owned(),
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
        if let Some((index, route)) = routes.iter().enumerate().find(|(index, route)| {
            routes[..*index]
                .iter()
                .any(|earlier| earlier.name == route.name)
        }) {
            return Err(RoutesError::at(
                format!("routes[{index}].name"),
                format!(
                    "{:?} is used by an earlier route; names must be unique",
                    route.name
                ),
            ));
        }
        Ok(Self { routes })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
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
        for route in self.routes.iter().filter(|route| route.path.matches(path)) {
            if route.allows(method) {
                return RouteMatch::Found(route);
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
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    format!("HOOKBOX_QUEUE_{suffix}")
}

fn is_identifier(name: &str) -> bool {
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
            format!(
                "{:?} must be 1 to 64 letters, digits, '-' or '_'",
                spec.name
            ),
        ));
    }
    let path = parse_path(&spec.path).map_err(|message| RoutesError::at(at("path"), message))?;
    let mut methods = Vec::with_capacity(spec.methods.len());
    for (i, method) in spec.methods.iter().enumerate() {
        let upper = method.to_ascii_uppercase();
        if !KNOWN_METHODS.contains(&upper.as_str()) {
            return Err(RoutesError::at(
                at(&format!("methods[{i}]")),
                format!(
                    "{method:?} is not an HTTP method (one of {})",
                    KNOWN_METHODS.join(", ")
                ),
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
    let message_group = spec.message_group.unwrap_or_else(|| spec.name.clone());
    if message_group.is_empty() || message_group.len() > 128 {
        return Err(RoutesError::at(
            at("message_group"),
            "must be 1 to 128 characters",
        ));
    }
    Ok(Route {
        name: spec.name,
        path,
        methods: (!methods.is_empty()).then_some(methods),
        queues: spec.queues,
        message_group,
    })
}

fn parse_path(path: &str) -> Result<PathPattern, String> {
    if !path.starts_with('/') {
        return Err(format!("{path:?} must start with '/'"));
    }
    match path.find('*') {
        None => Ok(PathPattern::Exact(path.to_owned())),
        Some(star) if star == path.len() - 1 => Ok(PathPattern::Prefix(path[..star].to_owned())),
        Some(_) => Err(format!(
            "{path:?}: '*' may only end a path (a prefix match)"
        )),
    }
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
        let RouteMatch::Found(github) = routes.resolve("POST", "/hooks/github") else {
            panic!("POST /hooks/github should match")
        };
        assert_eq!(github.name, "github");
        assert_eq!(github.queues, ["mailbox", "audit"]);
        let RouteMatch::Found(get) = routes.resolve("GET", "/hooks/github") else {
            panic!("GET /hooks/github should match the later route")
        };
        assert_eq!(get.name, "github-get");
        assert!(matches!(
            routes.resolve("GET", "/hooks/jenkins/job/build"),
            RouteMatch::Found(Route { name, .. }) if name == "jenkins"
        ));
        assert_eq!(
            routes.resolve("POST", "/hooks/github/"),
            RouteMatch::NotFound
        );
        assert_eq!(
            routes.resolve("POST", "/hooks/jenkins"),
            RouteMatch::NotFound
        );
        assert_eq!(routes.resolve("GET", "/other"), RouteMatch::NotFound);
    }

    #[test]
    fn wrong_method_lists_what_the_path_allows() {
        let routes = Routes::from_json(EXAMPLE).unwrap();
        assert_eq!(
            routes.resolve("DELETE", "/hooks/github"),
            RouteMatch::MethodNotAllowed(vec!["POST", "GET"])
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
            let RouteMatch::Found(route) = routes.resolve(method, path) else {
                panic!("{method} {path} should match")
            };
            assert_eq!(route.queues, [DEFAULT_QUEUE]);
        }
        for method in ["HEAD", "OPTIONS", "TRACE", "CONNECT"] {
            assert_eq!(
                routes.resolve(method, "/hooks/github"),
                RouteMatch::MethodNotAllowed(CATCH_ALL_METHODS.to_vec())
            );
        }
        assert_eq!(routes.queue_names(), [DEFAULT_QUEUE]);
    }

    #[test]
    fn queue_names_are_listed_once_in_first_use_order() {
        assert_eq!(
            Routes::from_json(EXAMPLE).unwrap().queue_names(),
            ["mailbox", "audit"]
        );
    }

    #[test]
    fn env_var_names_follow_the_queue_name() {
        assert_eq!(queue_env_var("mailbox"), "HOOKBOX_QUEUE_MAILBOX");
        assert_eq!(queue_env_var("audit-log_2"), "HOOKBOX_QUEUE_AUDIT_LOG_2");
    }

    #[test]
    fn message_group_defaults_to_the_route_name() {
        let routes = Routes::from_json(
            r#"{"routes":[{"name":"a","path":"/a","queues":["q"]},
                           {"name":"b","path":"/b","queues":["q"],"message_group":"g"}]}"#,
        )
        .unwrap();
        let groups: Vec<_> = routes.iter().map(|r| r.message_group.as_str()).collect();
        assert_eq!(groups, ["a", "g"]);
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
