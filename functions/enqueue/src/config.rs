//! Everything the function reads once at cold start: its routes and its settings from the
//! environment that the SAM template (or `scripts/dev`) gives it.

use std::collections::HashMap;

use hookbox_core::Routes;
use hookbox_core::routes::{RoutesError, queue_env_var, secret_env_var};
use hookbox_core::validation::Secrets;
use hookbox_lambda::{Env, SettingsError};

include!(concat!(env!("OUT_DIR"), "/baked_routes.rs"));

/// SQS's own default `MaximumMessageSize`, used when the template does not say what it set.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 262_144;
/// SQS's largest message.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1_048_576;
/// Lambda refuses synchronous invocations over 6 MB, so larger bodies never arrive anyway.
pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// A start-up configuration problem. The function refuses to start rather than lose requests later.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("routes file {file}: {error}")]
    Routes { file: String, error: RoutesError },
    #[error("cannot read routes file {file}: {error}")]
    RoutesUnreadable { file: String, error: std::io::Error },
    #[error("the routes send to queues whose URLs are not set: {}", .0.join(", "))]
    MissingQueues(Vec<String>),
    #[error("the routes need secrets that are not set: {}", .0.join(", "))]
    MissingSecrets(Vec<String>),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Hooks(#[from] crate::hooks::HooksConfigError),
}

/// The routes in force: the file named by `HOOKBOX_ROUTES_FILE` when set (a runtime override that
/// needs no rebuild, e.g. a file in a layer), else the baked file, else the catch-all route.
pub fn load_routes(override_file: Option<&str>) -> Result<Routes, ConfigError> {
    match hookbox_bake::read(override_file, BAKED_ROUTES) {
        Ok(Some((file, text))) => Routes::from_json(&text).map_err(|error| ConfigError::Routes { file, error }),
        Ok(None) => Ok(Routes::catch_all()),
        Err(hookbox_bake::Unreadable { file, error }) => Err(ConfigError::RoutesUnreadable { file, error }),
    }
}

/// Settings from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The values of every secret the routes name (tokens, signature secrets).
    pub secrets: Secrets,
    /// Logical queue name → queue URL, for every queue the routes use.
    pub queue_urls: HashMap<String, String>,
    /// The claim-check bucket for bodies too large for a message; `None` answers 413 instead.
    pub body_bucket: Option<String>,
    /// Key prefix of claim-check objects (the bucket's lifecycle rule expires this prefix).
    pub body_prefix: String,
    /// The queues' `MaximumMessageSize`, as deployed.
    pub max_message_bytes: usize,
    /// Larger bodies are refused with 413.
    pub max_body_bytes: usize,
}

impl Settings {
    /// Reads the settings the routes need from `env` (secrets: the secret store's field of the
    /// secret's name, else `HOOKBOX_SECRET_<NAME>`).
    pub fn read(routes: &Routes, env: &Env) -> Result<Self, ConfigError> {
        let mut queue_urls = HashMap::new();
        let mut missing = Vec::new();
        for queue in routes.queue_names() {
            let variable = queue_env_var(queue);
            match env.var(&variable) {
                Some(url) => {
                    queue_urls.insert(queue.to_owned(), url);
                }
                None => missing.push(format!("{queue} ({variable})")),
            }
        }
        if !missing.is_empty() {
            return Err(ConfigError::MissingQueues(missing));
        }
        let secrets = read_secrets(routes, env)?;
        let max_message_bytes = size_var(env, "HOOKBOX_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES)?;
        if !(1024..=SQS_MAX_MESSAGE_BYTES).contains(&max_message_bytes) {
            return Err(SettingsError::BadValue {
                name: "HOOKBOX_MAX_MESSAGE_BYTES".to_owned(),
                value: max_message_bytes.to_string(),
                expected: "between 1024 and 1048576 (SQS's limits)",
            }
            .into());
        }
        Ok(Self {
            secrets,
            queue_urls,
            body_bucket: env.var("HOOKBOX_BODY_BUCKET"),
            body_prefix: env.var("HOOKBOX_BODY_PREFIX").unwrap_or_else(|| "bodies/".to_owned()),
            max_message_bytes,
            max_body_bytes: size_var(env, "HOOKBOX_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)?,
        })
    }
}

/// Each secret the routes name, every value accepted during a rotation.
fn read_secrets(routes: &Routes, env: &Env) -> Result<Secrets, ConfigError> {
    let mut secrets = Secrets::default();
    let mut missing = Vec::new();
    for name in routes.secret_names() {
        let variable = secret_env_var(name);
        let values = env.secret_values(name, &variable)?;
        if values.is_empty() {
            missing.push(format!("{name} ({variable} or HOOKBOX_SECRETS_ARN)"));
        } else {
            secrets.insert(name, values);
        }
    }
    if missing.is_empty() {
        Ok(secrets)
    } else {
        Err(ConfigError::MissingSecrets(missing))
    }
}

fn size_var(env: &Env, name: &str, default: usize) -> Result<usize, SettingsError> {
    Ok(env.parse(name, "a number of bytes")?.unwrap_or(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> Env {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env::new(move |name| map.get(name).cloned())
    }

    #[test]
    fn the_baked_routes_file_is_valid() {
        // This is the check that fails CI, with the path of the bad field, when config/routes.json is
        // broken: the file is baked in, so a broken one must never reach a deployment.
        let routes = load_routes(None).unwrap_or_else(|error| panic!("{error}"));
        assert!(routes.iter().count() > 0);
    }

    #[test]
    fn the_template_hands_the_function_every_queue_and_secret_the_baked_and_example_routes_use() {
        let template = include_str!("../../../template.yaml");
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/routes.example.json");
        for routes in [load_routes(None).unwrap(), load_routes(Some(example)).unwrap()] {
            assert_template_sets_every_variable_of(template, &routes);
        }
    }

    fn assert_template_sets_every_variable_of(template: &str, routes: &Routes) {
        let queues = routes.queue_names().into_iter().map(queue_env_var);
        let secrets = routes.secret_names().into_iter().map(secret_env_var);
        for variable in queues.chain(secrets) {
            assert!(
                template.contains(&format!("{variable}: ")),
                "template.yaml does not set {variable} for EnqueueFunction"
            );
        }
    }

    #[test]
    fn the_example_routes_file_is_valid() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/routes.example.json");
        load_routes(Some(file)).unwrap_or_else(|error| panic!("{error}"));
    }

    #[test]
    fn an_override_file_that_is_missing_or_bad_names_itself() {
        let error = load_routes(Some("/nonexistent/routes.json")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/routes.json"), "{error}");
    }

    #[test]
    fn defaults_apply_and_every_routed_queue_needs_a_url() {
        let routes = Routes::catch_all();
        let settings = Settings::read(&routes, &env_of(&[("HOOKBOX_QUEUE_MAILBOX", "http://q")])).unwrap();
        assert_eq!(settings.queue_urls["mailbox"], "http://q");
        assert_eq!(settings.max_message_bytes, DEFAULT_MAX_MESSAGE_BYTES);
        assert_eq!(settings.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(settings.body_bucket, None);
        assert_eq!(settings.body_prefix, "bodies/");

        let error = Settings::read(&routes, &env_of(&[])).unwrap_err();
        assert!(error.to_string().contains("HOOKBOX_QUEUE_MAILBOX"), "{error}");
    }

    #[test]
    fn secrets_come_from_the_environment_one_or_several() {
        let routes = routes_with_two_secrets();
        let base = [("HOOKBOX_QUEUE_MAILBOX", "http://q")];
        let error = Settings::read(&routes, &env_of(&base)).unwrap_err().to_string();
        assert!(
            error.contains("HOOKBOX_SECRET_JENKINS") && error.contains("HOOKBOX_SECRET_GITHUB"),
            "{error}"
        );

        let env = [
            base[0],
            ("HOOKBOX_SECRET_JENKINS", r#"["old", "new"]"#),
            ("HOOKBOX_SECRET_GITHUB", "It's a secret"),
        ];
        let settings = Settings::read(&routes, &env_of(&env)).unwrap();
        assert!(settings.secrets.contains("jenkins") && settings.secrets.contains("github"));
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("It's a secret") && !shown.contains("\"old\""),
            "{shown}"
        );
    }

    /// One route that needs the secrets `jenkins` (a token) and `github` (a signature).
    fn routes_with_two_secrets() -> Routes {
        Routes::from_json(
            r#"{"routes": [{"name": "a", "path": "/a", "queues": ["mailbox"],
                            "token": {"in": "query", "name": "t", "secret": "jenkins"},
                            "signature": {"type": "github", "secret": "github"}}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn stored_secrets_fill_what_the_environment_does_not_set() {
        let routes = routes_with_two_secrets();
        let stored = r#"{"github": "from-store", "jenkins": ["a", "b"]}"#;
        let env = [
            ("HOOKBOX_QUEUE_MAILBOX", "http://q"),
            ("HOOKBOX_SECRET_GITHUB", "from-env"),
        ];
        let env = env_of(&env).with_secret_document("arn:s", stored).unwrap();
        let settings = Settings::read(&routes, &env).unwrap();
        assert!(settings.secrets.contains("jenkins") && settings.secrets.contains("github"));

        for bad in [r#"["a"]"#, r#"{"a": 5}"#, r#"{"a": "secret-value""#] {
            let routes = Routes::from_json(
                r#"{"routes": [{"name": "a", "path": "/a", "queues": ["mailbox"],
                                "token": {"in": "query", "name": "t", "secret": "a"}}]}"#,
            )
            .unwrap();
            let error = env_of(&[("HOOKBOX_QUEUE_MAILBOX", "http://q")])
                .with_secret_document("arn:s", bad)
                .map_err(ConfigError::from)
                .and_then(|env| Settings::read(&routes, &env))
                .unwrap_err()
                .to_string();
            assert!(error.contains("arn:s") && !error.contains("secret-value"), "{error}");
        }
    }

    #[test]
    fn bad_sizes_are_refused() {
        for (name, value) in [
            ("HOOKBOX_MAX_MESSAGE_BYTES", "lots"),
            ("HOOKBOX_MAX_MESSAGE_BYTES", "2000000"),
            ("HOOKBOX_MAX_BODY_BYTES", "-1"),
        ] {
            let env = env_of(&[("HOOKBOX_QUEUE_MAILBOX", "http://q"), (name, value)]);
            let error = Settings::read(&Routes::catch_all(), &env).unwrap_err();
            assert!(error.to_string().contains(name), "{error}");
        }
    }
}
