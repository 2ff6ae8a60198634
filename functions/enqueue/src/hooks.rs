//! Hook deliveries, `POST /wh/{apiToken}/{token}`: a tenant's hook (created through the hooks API) is
//! looked up by its token's hash, and the request is stored like any other, in the mailbox queue, with
//! the message attributes `routing-key` (`event.<tenant>.<datasource>.<event>`) and, when the hook has a
//! `tsField` and the body has a value there, `ts`.
//!
//! Cold start stays as it was: without `HOOKBOX_HOOKS_TABLE` there are no hook routes at all, and with
//! it the DynamoDB client is built by the first delivery that needs it. Lookups are cached for
//! `HOOKBOX_HOOKS_CACHE_SECONDS` (default 30), answers that no hook exists too, so that a burst costs
//! one read and a revoked hook stops accepting within that time.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use hookbox_core::http::MediaType;
use hookbox_core::path::PathPattern;
use hookbox_core::routes::{Route, queue_env_var};
use hookbox_core::validation::{Accepted, Redaction, Rules};
use hookbox_hooks::store::{HookStore, StoreError};
use hookbox_hooks::token::{is_api_token_shaped, is_token_shaped, matches_hash};
use hookbox_hooks::{Hook, TsPath, hash_token};
use hookbox_lambda::{Env, IncomingRequest, SdkConfig, SettingsError};

/// The route name hook deliveries are stored and counted under.
pub const HOOKS_ROUTE: &str = "hooks";
/// The queue hook deliveries go to.
pub const HOOKS_QUEUE: &str = "mailbox";
/// Where hook URLs live.
const PREFIX: &str = "/wh/";
/// The cache time unless `HOOKBOX_HOOKS_CACHE_SECONDS` says otherwise.
pub const DEFAULT_CACHE: Duration = Duration::from_secs(30);
/// Lookups kept at most; beyond it, expired ones go first, then all (a flood of made-up tokens must not
/// grow the function's memory).
const CACHE_ENTRIES: usize = 10_000;

/// What the function knows about hooks after its cold start.
pub struct Hooks {
    table: String,
    cache_time: Duration,
    sdk: SdkConfig,
    /// Built by the first delivery, not at cold start.
    store: OnceLock<HookStore>,
    /// Token hash → when the answer expires, and the hook (`None`: no such hook).
    cache: Mutex<HashMap<String, (Instant, Option<Hook>)>>,
    /// The route deliveries are stored under: the mailbox queue, no rules (the hook is the rule).
    pub route: Route,
}

/// Why a delivery is not stored; each has its answer.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("no such hook")]
    UnknownHook,
    #[error("POST is the only method of a hook URL")]
    MethodNotAllowed,
    #[error("a hook takes application/json (or a +json type), not {0}")]
    NotJson(String),
    #[error("the body is not JSON: {0}")]
    BadJson(String),
    #[error("the hooks table could not be read: {0}")]
    Unavailable(StoreError),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Self::UnknownHook => 404,
            Self::MethodNotAllowed => 405,
            Self::NotJson(_) => 415,
            Self::BadJson(_) => 400,
            Self::Unavailable(_) => 503,
        }
    }
}

impl Hooks {
    /// The hook settings from `env`, or `None` when no table is configured (no hook routes). The
    /// mailbox queue's URL is added to `queue_urls` when the routes do not use it already.
    pub fn read(
        env: &Env,
        sdk: &SdkConfig,
        queue_urls: &mut HashMap<String, String>,
    ) -> Result<Option<Self>, HooksConfigError> {
        let Some(table) = env.var("HOOKBOX_HOOKS_TABLE") else {
            return Ok(None);
        };
        let seconds: Option<u64> = env.parse("HOOKBOX_HOOKS_CACHE_SECONDS", "a number of seconds")?;
        let cache_time = seconds.map_or(DEFAULT_CACHE, Duration::from_secs);
        if !queue_urls.contains_key(HOOKS_QUEUE) {
            let variable = queue_env_var(HOOKS_QUEUE);
            let url = env.var(&variable).ok_or(HooksConfigError::NoQueue(variable))?;
            queue_urls.insert(HOOKS_QUEUE.to_owned(), url);
        }
        Ok(Some(Self {
            table,
            cache_time,
            sdk: sdk.clone(),
            store: OnceLock::new(),
            cache: Mutex::new(HashMap::new()),
            route: Route {
                name: HOOKS_ROUTE.to_owned(),
                path: PathPattern::parse("/wh/*").expect("a valid pattern"),
                methods: Some(vec!["POST".to_owned()]),
                queues: vec![HOOKS_QUEUE.to_owned()],
                rules: Rules::default(),
            },
        }))
    }

    /// Whether `path` is a hook URL (`/wh/<apiToken>/<token>` with tokens of the right shape). Any other
    /// path goes to the routes as before.
    pub fn claims(path: &str) -> bool {
        split(path).is_some()
    }

    /// Admits a delivery to `path` (which [`Hooks::claims`]): its method, its content type, its hook
    /// (404 when unknown, revoked, or the apiToken does not match), its JSON; returns what the route
    /// rules would: the message attributes and the redaction of the tokens from the stored path.
    pub async fn admit(&self, request: &IncomingRequest) -> Result<(Hook, Accepted), Refusal> {
        let (api_token, token) = split(&request.path).ok_or(Refusal::UnknownHook)?;
        if request.method != "POST" {
            return Err(Refusal::MethodNotAllowed);
        }
        let content_type = request.headers.get("content-type").unwrap_or("");
        if !MediaType::parse(content_type).is_some_and(|media| media.is_json()) {
            let shown = if content_type.is_empty() {
                "no content type"
            } else {
                content_type
            };
            return Err(Refusal::NotJson(shown.to_owned()));
        }
        let hook = self.lookup(&hash_token(token)).await?.ok_or(Refusal::UnknownHook)?;
        if !matches_hash(api_token, &hook.api_token_hash) {
            return Err(Refusal::UnknownHook);
        }
        let body: serde_json::Value =
            serde_json::from_slice(&request.body).map_err(|error| Refusal::BadJson(error.to_string()))?;
        let mut attributes = vec![("routing-key".to_owned(), hook.routing_key())];
        if let Some(ts) = hook
            .ts_field
            .as_deref()
            .and_then(|path| TsPath::parse(path).ok())
            .and_then(|path| path.find(&body))
        {
            attributes.push(("ts".to_owned(), ts));
        }
        let accepted = Accepted {
            redactions: vec![Redaction::Path(PREFIX.len()..request.path.len())],
            attributes,
            message_group: None,
            deduplication_id: None,
        };
        Ok((hook, accepted))
    }

    /// The hook of a token's hash, from the cache while its answer is fresh, else from the table.
    async fn lookup(&self, token_hash: &str) -> Result<Option<Hook>, Refusal> {
        let now = Instant::now();
        if let Some((expires, hook)) = self.cache().get(token_hash)
            && *expires > now
        {
            return Ok(hook.clone());
        }
        let store = self
            .store
            .get_or_init(|| HookStore::new(aws_sdk_dynamodb::Client::new(&self.sdk), self.table.clone()));
        let hook = store
            .by_token_hash(token_hash, false)
            .await
            .map_err(Refusal::Unavailable)?;
        let mut cache = self.cache();
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, (expires, _)| *expires > now);
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(token_hash.to_owned(), (now + self.cache_time, hook.clone()));
        Ok(hook)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Option<Hook>)>> {
        // A panic cannot happen while the lock is held (map operations only); recover the map anyway.
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The apiToken and token of a hook URL.
fn split(path: &str) -> Option<(&str, &str)> {
    let (api_token, token) = path.strip_prefix(PREFIX)?.split_once('/')?;
    (is_api_token_shaped(api_token) && is_token_shaped(token)).then_some((api_token, token))
}

/// A hook configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum HooksConfigError {
    #[error("HOOKBOX_HOOKS_TABLE is set but the mailbox queue is not ({0})")]
    NoQueue(String),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbox_hooks::HookSecrets;

    #[test]
    fn only_well_shaped_hook_urls_are_claimed() {
        let secrets = HookSecrets::generate().unwrap();
        let path = format!("/wh/{}/{}", secrets.api_token, secrets.token);
        assert_eq!(split(&path), Some((secrets.api_token.as_str(), secrets.token.as_str())));
        assert!(!Hooks::claims(&format!("/wh/{}/{}", secrets.token, secrets.api_token)));
        assert!(!Hooks::claims(&format!("{path}/more")));
        assert!(!Hooks::claims("/wh/config/abc"));
        assert!(!Hooks::claims("/hooks/github"));
    }

    #[test]
    fn settings_need_the_mailbox_queue_and_default_the_cache_time() {
        let sdk = SdkConfig::builder().build();
        let none = Env::new(|_| None);
        assert!(Hooks::read(&none, &sdk, &mut HashMap::new()).unwrap().is_none());
        let table_only = Env::new(|name| (name == "HOOKBOX_HOOKS_TABLE").then(|| "hooks".to_owned()));
        let error = Hooks::read(&table_only, &sdk, &mut HashMap::new()).err().unwrap();
        assert!(error.to_string().contains("HOOKBOX_QUEUE_MAILBOX"), "{error}");
        let mut queues = HashMap::from([("mailbox".to_owned(), "http://q".to_owned())]);
        let hooks = Hooks::read(&table_only, &sdk, &mut queues).unwrap().unwrap();
        assert_eq!(hooks.cache_time, DEFAULT_CACHE);
        let bad = Env::new(|name| match name {
            "HOOKBOX_HOOKS_TABLE" => Some("hooks".into()),
            "HOOKBOX_HOOKS_CACHE_SECONDS" => Some("soon".into()),
            _ => None,
        });
        let error = Hooks::read(&bad, &sdk, &mut queues).err().unwrap();
        assert!(error.to_string().contains("HOOKBOX_HOOKS_CACHE_SECONDS"), "{error}");
    }
}
