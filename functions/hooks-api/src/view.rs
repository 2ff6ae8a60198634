//! A hook as the API answers it. The secrets (`apiToken`, `token`) and the `hookUrl` made of them are
//! there only in the answer that created the hook: the table keeps their hashes, so every later answer
//! has them `null`. `id` (the token's SHA-256) names the hook in `GET`, `HEAD` and `DELETE` as well as
//! its token does.

use hookbox_hooks::{Hook, HookSecrets};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookView {
    pub id: String,
    pub tenant_id: String,
    pub datasource: String,
    pub event: String,
    pub ts_field: Option<String>,
    pub created_at: String,
    pub api_token: Option<String>,
    pub token: Option<String>,
    pub hook_url: Option<String>,
    /// `event.<tenant>.<datasource>.<event>`, the `routing-key` of its deliveries.
    pub routing_key: String,
}

impl HookView {
    /// A stored hook, without its secrets.
    pub fn stored(hook: &Hook) -> Self {
        Self {
            id: hook.token_hash.clone(),
            tenant_id: hook.tenant_id.clone(),
            datasource: hook.datasource.clone(),
            event: hook.event.clone(),
            ts_field: hook.ts_field.clone(),
            created_at: hook.created_at.clone(),
            api_token: None,
            token: None,
            hook_url: None,
            routing_key: hook.routing_key(),
        }
    }

    /// A hook just created, with its secrets and its URL under `base_url` (no trailing slash).
    pub fn created(hook: &Hook, secrets: &HookSecrets, base_url: &str) -> Self {
        Self {
            api_token: Some(secrets.api_token.clone()),
            token: Some(secrets.token.clone()),
            hook_url: Some(format!("{base_url}/wh/{}/{}", secrets.api_token, secrets.token)),
            ..Self::stored(hook)
        }
    }
}
