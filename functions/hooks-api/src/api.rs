//! The management API, one request at a time: who calls (the tenant), which operation, and its answer.
//! A tenant only ever reaches its own hooks: another tenant's hook is answered 404 exactly like one that
//! does not exist, so that ids do not leak across tenants.

use hookbox_hooks::store::{HookStore, StoreError};
use hookbox_hooks::token::{RandomError, is_hook_id, is_token_shaped};
use hookbox_hooks::{Hook, HookError, HookSecrets, TsPath, hash_token};
use hookbox_lambda::{HttpHandler, IncomingRequest, Metrics, Reply};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::metrics::REQUESTS;
use crate::tenant::tenant_id;
use crate::view::HookView;

/// The collection's path; a hook is `/wh/config/{token or id}`.
const CONFIG_PATH: &str = "/wh/config";
/// Hooks in one page of a list unless `?limit=` says otherwise, and the most it may say.
const DEFAULT_PAGE: i32 = 50;
const MAX_PAGE: i32 = 100;

/// The API after its cold start.
pub struct HooksApi {
    pub store: HookStore,
    pub settings: Settings,
}

/// Settings from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `HOOKBOX_HOOKS_TABLE`.
    pub table: String,
    /// `HOOKBOX_TENANT_CLAIM`: the JWT claim that names the tenant (default `sub`).
    pub tenant_claim: String,
    /// `HOOKBOX_HOOKS_BASE_URL`: where hook URLs start (a custom domain); without it, `https://` and the
    /// request's `Host`, the API's own address.
    pub base_url: Option<String>,
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Operation<'a> {
    Save,
    List,
    Show(&'a str),
    Probe(&'a str),
    Delete(&'a str),
}

/// Why a request is not served.
#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("no such hook")]
    NotFound,
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed {
        method: String,
        path: String,
        allow: &'static [&'static str],
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl From<HookError> for ApiError {
    fn from(error: HookError) -> Self {
        Self::BadRequest(error.to_string())
    }
}

impl ApiError {
    fn into_reply(self, id: &str) -> Reply {
        let status = match &self {
            Self::BadRequest(_) => 400,
            Self::NotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::Store(StoreError::Conflict) => 409,
            Self::Store(StoreError::Failed(_)) => 503,
            Self::Store(StoreError::Corrupt(_)) | Self::Random(_) => 500,
        };
        let reply = Reply::error(status, self.to_string(), id);
        match self {
            Self::MethodNotAllowed { allow, .. } => reply.with_allow(allow),
            _ => reply,
        }
    }
}

/// `POST /wh/config`'s body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SaveRequest {
    datasource: String,
    event: String,
    /// Absent: keep (or, for a new hook, none); `""` or `null`: clear; a path: set.
    #[serde(default, deserialize_with = "present")]
    ts_field: Option<Option<String>>,
}

/// Tells an absent field (`None`, by `default`) from a `null` one (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `GET /wh/config`'s answer.
#[derive(Debug, Serialize)]
struct ListPage {
    hooks: Vec<HookView>,
    /// Pass as `?next=` for the following page; `null` on the last.
    next: Option<String>,
}

impl HttpHandler for HooksApi {
    const NAME: &'static str = "hooks-api";

    async fn handle(&self, request: IncomingRequest, invocation_id: &str, metrics: &Metrics) -> Reply {
        let id = request.request_id.clone().unwrap_or_else(|| invocation_id.to_owned());
        let operation = operation(&request.method, &request.path);
        let name = operation.as_ref().map_or("none", Operation::name);
        let reply = self.answer(operation, &request, &id).await;
        metrics.put(
            &REQUESTS,
            1.0,
            &[("Operation", name), ("Status", &reply.status.to_string())],
        );
        reply
    }
}

impl Operation<'_> {
    /// The `Operation` dimension.
    fn name(&self) -> &'static str {
        match self {
            Self::Save => "save",
            Self::List => "list",
            Self::Show(_) => "show",
            Self::Probe(_) => "probe",
            Self::Delete(_) => "delete",
        }
    }
}

impl HooksApi {
    /// The answer to one request: its tenant, then its operation.
    async fn answer(&self, operation: Result<Operation<'_>, ApiError>, request: &IncomingRequest, id: &str) -> Reply {
        let tenant = match tenant_id(request.authorizer.as_ref(), &self.settings.tenant_claim) {
            Ok(tenant) => tenant,
            Err(error) => {
                tracing::warn!(%error, "no tenant");
                return Reply::error(401, error.to_string(), id);
            }
        };
        let outcome = match operation {
            Ok(Operation::Save) => self.save(&tenant, request).await,
            Ok(Operation::List) => self.list(&tenant, &request.query).await,
            Ok(Operation::Show(key)) => self
                .find(&tenant, key)
                .await
                .map(|hook| Reply::json(200, &HookView::stored(&hook))),
            Ok(Operation::Probe(key)) => self.find(&tenant, key).await.map(|_| Reply::empty(200)),
            Ok(Operation::Delete(key)) => self.delete(&tenant, key).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(reply) => reply,
            // A HEAD's answer has no body.
            Err(ApiError::NotFound) if request.method == "HEAD" => Reply::empty(404),
            Err(error) => {
                tracing::warn!(%tenant, method = %request.method, %error, "refused");
                error.into_reply(id)
            }
        }
    }
}

/// The operation a method and path ask for.
fn operation<'a>(method: &str, path: &'a str) -> Result<Operation<'a>, ApiError> {
    let not_allowed = |allow| ApiError::MethodNotAllowed {
        method: method.to_owned(),
        path: path.to_owned(),
        allow,
    };
    let rest = path.strip_prefix(CONFIG_PATH).ok_or(ApiError::NotFound)?;
    match rest.trim_end_matches('/') {
        "" => match method {
            "POST" => Ok(Operation::Save),
            "GET" => Ok(Operation::List),
            _ => Err(not_allowed(&["GET", "POST"])),
        },
        key => {
            let key = key
                .strip_prefix('/')
                .filter(|key| !key.contains('/'))
                .ok_or(ApiError::NotFound)?;
            match method {
                "GET" => Ok(Operation::Show(key)),
                "HEAD" => Ok(Operation::Probe(key)),
                "DELETE" => Ok(Operation::Delete(key)),
                _ => Err(not_allowed(&["GET", "HEAD", "DELETE"])),
            }
        }
    }
}

impl HooksApi {
    /// Creates the tenant's hook for (datasource, event), or updates its `tsField` when it exists. An
    /// update keeps the hook's URL (its senders need not change anything), so its answer has no
    /// secrets: they were shown once, at creation. A new URL is a `DELETE` and a new `POST`.
    async fn save(&self, tenant: &str, request: &IncomingRequest) -> Result<Reply, ApiError> {
        let body: SaveRequest = serde_json::from_slice(&request.body)
            .map_err(|error| ApiError::BadRequest(format!("the body is not a hook: {error}")))?;
        hookbox_hooks::hook::check_name("datasource", &body.datasource)?;
        hookbox_hooks::hook::check_name("event", &body.event)?;
        let ts_field = match body.ts_field {
            None => None,
            Some(None) => Some(None),
            Some(Some(path)) if path.is_empty() => Some(None),
            Some(Some(path)) => {
                TsPath::parse(&path).map_err(|error| ApiError::BadRequest(error.to_string()))?;
                Some(Some(path))
            }
        };
        if let Some(mut hook) = self.store.by_name(tenant, &body.datasource, &body.event).await? {
            if let Some(ts_field) = ts_field
                && ts_field != hook.ts_field
            {
                self.store.set_ts_field(&hook, ts_field.as_deref()).await?;
                hook.ts_field = ts_field;
            }
            tracing::info!(%tenant, datasource = %hook.datasource, event = %hook.event, id = %hook.token_hash, "hook updated");
            return Ok(Reply::json(200, &HookView::stored(&hook)));
        }
        let secrets = HookSecrets::generate()?;
        let created_at = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
        let hook = Hook::new(
            tenant,
            &body.datasource,
            &body.event,
            ts_field.flatten(),
            created_at,
            &secrets.api_token,
            &secrets.token,
        )?;
        self.store.create(&hook).await?;
        tracing::info!(%tenant, datasource = %hook.datasource, event = %hook.event, id = %hook.token_hash, "hook created");
        Ok(Reply::json(
            200,
            &HookView::created(&hook, &secrets, &self.base_url(request)),
        ))
    }

    /// One page of the tenant's hooks.
    async fn list(&self, tenant: &str, query: &[(String, String)]) -> Result<Reply, ApiError> {
        let value = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let limit = match value("limit") {
            None => DEFAULT_PAGE,
            Some(text) => text
                .parse()
                .ok()
                .filter(|limit| (1..=MAX_PAGE).contains(limit))
                .ok_or_else(|| ApiError::BadRequest(format!("limit must be a number from 1 to {MAX_PAGE}")))?,
        };
        let page = self.store.list(tenant, limit, value("next")).await?;
        let answer = ListPage {
            hooks: page.hooks.iter().map(HookView::stored).collect(),
            next: page.next,
        };
        Ok(Reply::json(200, &answer))
    }

    /// The tenant's hook named by its token or its id; any other tenant's is not found.
    async fn find(&self, tenant: &str, key: &str) -> Result<Hook, ApiError> {
        let token_hash = if is_hook_id(key) {
            key.to_owned()
        } else if is_token_shaped(key) {
            hash_token(key)
        } else {
            return Err(ApiError::NotFound);
        };
        match self.store.by_token_hash(&token_hash, true).await? {
            Some(hook) if hook.tenant_id == tenant => Ok(hook),
            _ => Err(ApiError::NotFound),
        }
    }

    /// Revokes the tenant's hook: its URL answers 404 once the deliveries' caches expire.
    async fn delete(&self, tenant: &str, key: &str) -> Result<Reply, ApiError> {
        let hook = self.find(tenant, key).await?;
        self.store.delete(&hook).await?;
        tracing::info!(%tenant, datasource = %hook.datasource, event = %hook.event, id = %hook.token_hash, "hook deleted");
        Ok(Reply::empty(204))
    }

    /// Where hook URLs start: the configured base, else this API's own address.
    fn base_url(&self, request: &IncomingRequest) -> String {
        match (&self.settings.base_url, request.headers.get("host")) {
            (Some(base), _) => base.clone(),
            (None, Some(host)) => format!("https://{host}"),
            (None, None) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_methods_pick_the_operation() {
        assert_eq!(operation("POST", "/wh/config").unwrap(), Operation::Save);
        assert_eq!(operation("GET", "/wh/config/").unwrap(), Operation::List);
        assert_eq!(operation("GET", "/wh/config/abc").unwrap(), Operation::Show("abc"));
        assert_eq!(operation("HEAD", "/wh/config/abc").unwrap(), Operation::Probe("abc"));
        assert_eq!(operation("DELETE", "/wh/config/abc").unwrap(), Operation::Delete("abc"));
        assert!(matches!(
            operation("PUT", "/wh/config"),
            Err(ApiError::MethodNotAllowed { .. })
        ));
        assert!(matches!(
            operation("POST", "/wh/config/abc"),
            Err(ApiError::MethodNotAllowed { .. })
        ));
        assert!(matches!(operation("GET", "/wh/config/a/b"), Err(ApiError::NotFound)));
        assert!(matches!(operation("GET", "/other"), Err(ApiError::NotFound)));
    }

    #[test]
    fn ts_field_tells_absent_from_null_and_refuses_unknown_fields() {
        let parse = |text: &str| serde_json::from_str::<SaveRequest>(text).map(|body| body.ts_field);
        assert_eq!(parse(r#"{"datasource":"a","event":"b"}"#).unwrap(), None);
        assert_eq!(
            parse(r#"{"datasource":"a","event":"b","tsField":null}"#).unwrap(),
            Some(None)
        );
        assert_eq!(
            parse(r#"{"datasource":"a","event":"b","tsField":"x"}"#).unwrap(),
            Some(Some("x".into()))
        );
        assert!(parse(r#"{"datasource":"a","event":"b","tsfield":"x"}"#).is_err());
    }
}
