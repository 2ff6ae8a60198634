//! A hook: one (tenant, datasource, event) with its token, and the two items the table keeps of it.
//!
//! The table has a string partition key `pk` and sort key `sk`, and two items per hook, written and
//! deleted together in one transaction:
//!
//! - the **hook item**, `pk = tenant#<tenantId>`, `sk = hook#<datasource>#<event>`: what the management
//!   API reads, lists (one query per tenant, in name order) and finds an existing hook by;
//! - the **token item**, `pk = token#<sha256(token)>`, `sk = token`: the same attributes, found by a
//!   delivery with one `GetItem` from the URL alone.
//!
//! Both hold `tenantId`, `datasource`, `event`, `createdAt`, `tokenHash`, `apiTokenHash` and, when set,
//! `tsField`; never a token in clear.

use crate::token::hash_token;

/// The longest datasource or event name.
const MAX_NAME: usize = 64;

/// A hook as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub tenant_id: String,
    pub datasource: String,
    pub event: String,
    /// Where in the body a delivery's timestamp is (see [`crate::TsPath`]); `None` sends no `ts`.
    pub ts_field: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// SHA-256 hex of the token: also the hook's id in the API.
    pub token_hash: String,
    pub api_token_hash: String,
}

/// A request that names a hook badly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("{field} must be 1 to {MAX_NAME} letters, digits, '-' or '_'")]
    BadName { field: &'static str },
    #[error("the tenant id is empty")]
    NoTenant,
}

/// Datasource and event names: they become parts of the routing key (dot-separated) and of the sort
/// key (`#`-separated), so neither character may appear in them.
pub fn check_name(field: &'static str, name: &str) -> Result<(), HookError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if valid {
        Ok(())
    } else {
        Err(HookError::BadName { field })
    }
}

impl Hook {
    /// A new hook of `tenant_id` for a token and apiToken (hashed here, never kept).
    pub fn new(
        tenant_id: &str,
        datasource: &str,
        event: &str,
        ts_field: Option<String>,
        created_at: String,
        api_token: &str,
        token: &str,
    ) -> Result<Self, HookError> {
        if tenant_id.is_empty() {
            return Err(HookError::NoTenant);
        }
        check_name("datasource", datasource)?;
        check_name("event", event)?;
        Ok(Self {
            tenant_id: tenant_id.to_owned(),
            datasource: datasource.to_owned(),
            event: event.to_owned(),
            ts_field,
            created_at,
            token_hash: hash_token(token),
            api_token_hash: hash_token(api_token),
        })
    }

    /// The key of the hook item.
    pub fn hook_key(&self) -> (String, String) {
        hook_key(&self.tenant_id, &self.datasource, &self.event)
    }

    /// The key of the token item.
    pub fn token_key(&self) -> (String, String) {
        token_key(&self.token_hash)
    }

    /// The SQS message attribute `routing-key` of a delivery: `event.<tenant>.<datasource>.<event>`.
    pub fn routing_key(&self) -> String {
        routing_key(&self.tenant_id, &self.datasource, &self.event)
    }
}

/// The key (`pk`, `sk`) of the hook item of (tenant, datasource, event).
pub fn hook_key(tenant_id: &str, datasource: &str, event: &str) -> (String, String) {
    (
        tenant_partition(tenant_id),
        format!("{HOOK_SORT_PREFIX}{datasource}#{event}"),
    )
}

/// The partition of a tenant's hook items.
pub fn tenant_partition(tenant_id: &str) -> String {
    format!("tenant#{tenant_id}")
}

/// What every hook item's sort key begins with.
pub const HOOK_SORT_PREFIX: &str = "hook#";

/// The key (`pk`, `sk`) of the token item of a token's hash.
pub fn token_key(token_hash: &str) -> (String, String) {
    (format!("token#{token_hash}"), "token".to_owned())
}

/// `event.<tenant>.<datasource>.<event>`, the routing key the system hookbox replaces published
/// messages with. Datasource and event names hold no dot ([`check_name`]); a tenant id may (an e-mail
/// as a JWT claim, a role name), so its `%` and `.` are percent-encoded: every key splits into the
/// same four parts and two tenants never share one.
pub fn routing_key(tenant_id: &str, datasource: &str, event: &str) -> String {
    let tenant = tenant_id.replace('%', "%25").replace('.', "%2E");
    format!("event.{tenant}.{datasource}.{event}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook() -> Hook {
        Hook::new(
            "team-a",
            "github",
            "push",
            None,
            "2026-12-01T00:00:00Z".into(),
            "api",
            "tok",
        )
        .unwrap()
    }

    #[test]
    fn a_hook_keeps_hashes_only_and_has_two_keys() {
        let hook = hook();
        assert_eq!(hook.token_hash, hash_token("tok"));
        assert_eq!(hook.api_token_hash, hash_token("api"));
        assert_eq!(hook.hook_key(), ("tenant#team-a".into(), "hook#github#push".into()));
        assert_eq!(
            hook.token_key(),
            (format!("token#{}", hash_token("tok")), "token".into())
        );
    }

    #[test]
    fn names_are_refused_when_they_would_break_a_key() {
        for bad in ["", "a.b", "a#b", "a b", &"x".repeat(65)] {
            let error = Hook::new("t", bad, "push", None, String::new(), "a", "b").unwrap_err();
            assert_eq!(error, HookError::BadName { field: "datasource" }, "{bad:?}");
        }
        assert_eq!(
            Hook::new("", "a", "b", None, String::new(), "a", "b").unwrap_err(),
            HookError::NoTenant
        );
    }

    #[test]
    fn routing_keys_split_into_four_parts_whatever_the_tenant() {
        assert_eq!(hook().routing_key(), "event.team-a.github.push");
        let key = routing_key("arn:aws:iam::1:role/ci.bot", "github", "push");
        assert_eq!(key, "event.arn:aws:iam::1:role/ci%2Ebot.github.push");
        assert_eq!(key.split('.').count(), 4);
        assert_ne!(routing_key("a%2Eb", "d", "e"), routing_key("a.b", "d", "e"));
    }
}
