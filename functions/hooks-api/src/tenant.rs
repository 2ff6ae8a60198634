//! Who is calling: the tenant id, from what the route's authorizer established. The gateway has already
//! checked the caller, so this only reads; a request without an authorizer's context (a route deployed
//! without one) is refused rather than served as nobody's.
//!
//! - **AWS_IAM** (`authorizer.iam`): the caller's IAM identity as an ARN that stays the same across
//!   sessions. An IAM user, the account root or a federated user is its `userArn` as it is. A role
//!   session (`arn:aws:sts::123456789012:assumed-role/TeamA/any-session`) is its role,
//!   `arn:aws:iam::123456789012:role/TeamA`: every session of the role, whatever its name, is the same
//!   tenant. (`callerId` is no better: it ends in the session name too.)
//! - **JWT** (`authorizer.jwt.claims`): the value of the configured claim (default `sub`).

use serde_json::Value;

/// No tenant can be read from the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("the request has no authorizer context: deploy the route with AWS_IAM or a JWT authorizer")]
    NoAuthorizer,
    #[error("the IAM authorizer context has no userArn")]
    NoUserArn,
    #[error("the token has no claim {0:?} (a non-empty string or number) to name the tenant")]
    NoClaim(String),
}

/// The tenant id of the caller described by `authorizer` (payload 2.0's `requestContext.authorizer`).
pub fn tenant_id(authorizer: Option<&Value>, claim: &str) -> Result<String, TenantError> {
    let authorizer = authorizer.ok_or(TenantError::NoAuthorizer)?;
    if let Some(claims) = authorizer.get("jwt").and_then(|jwt| jwt.get("claims")) {
        let value = match claims.get(claim) {
            Some(Value::String(text)) if !text.is_empty() => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => return Err(TenantError::NoClaim(claim.to_owned())),
        };
        return Ok(value);
    }
    if let Some(iam) = authorizer.get("iam") {
        let arn = iam
            .get("userArn")
            .and_then(Value::as_str)
            .filter(|arn| !arn.is_empty())
            .ok_or(TenantError::NoUserArn)?;
        return Ok(stable_principal(arn));
    }
    Err(TenantError::NoAuthorizer)
}

/// An STS role-session ARN as its role's ARN; any other ARN as it is.
fn stable_principal(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if let [_, partition, "sts", _, account, resource] = parts[..]
        && let Some(role_session) = resource.strip_prefix("assumed-role/")
        && let Some((role, _session)) = role_session.split_once('/')
    {
        return format!("arn:{partition}:iam::{account}:role/{role}");
    }
    arn.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iam(arn: &str) -> Value {
        json!({"iam": {"accountId": "123456789012", "callerId": "AROAEXAMPLE:s", "userArn": arn}})
    }

    #[test]
    fn role_sessions_are_their_role_and_users_themselves() {
        let session = iam("arn:aws:sts::123456789012:assumed-role/TeamA/alice@example.com");
        assert_eq!(
            tenant_id(Some(&session), "sub").unwrap(),
            "arn:aws:iam::123456789012:role/TeamA"
        );
        let other_session = iam("arn:aws:sts::123456789012:assumed-role/TeamA/ci");
        assert_eq!(tenant_id(Some(&other_session), "sub"), tenant_id(Some(&session), "sub"));
        let china = iam("arn:aws-cn:sts::123456789012:assumed-role/R/s");
        assert_eq!(
            tenant_id(Some(&china), "sub").unwrap(),
            "arn:aws-cn:iam::123456789012:role/R"
        );
        for arn in [
            "arn:aws:iam::123456789012:user/ops/bob",
            "arn:aws:iam::123456789012:root",
        ] {
            assert_eq!(tenant_id(Some(&iam(arn)), "sub").unwrap(), arn);
        }
    }

    #[test]
    fn jwt_tenants_are_the_configured_claim() {
        let jwt = json!({"jwt": {"claims": {"sub": "user-1", "team": "payments", "n": 7}, "scopes": null}});
        assert_eq!(tenant_id(Some(&jwt), "sub").unwrap(), "user-1");
        assert_eq!(tenant_id(Some(&jwt), "team").unwrap(), "payments");
        assert_eq!(tenant_id(Some(&jwt), "n").unwrap(), "7");
        assert_eq!(tenant_id(Some(&jwt), "org"), Err(TenantError::NoClaim("org".into())));
    }

    #[test]
    fn no_authorizer_no_tenant() {
        assert_eq!(tenant_id(None, "sub"), Err(TenantError::NoAuthorizer));
        assert_eq!(
            tenant_id(Some(&json!({"lambda": {}})), "sub"),
            Err(TenantError::NoAuthorizer)
        );
        assert_eq!(tenant_id(Some(&json!({"iam": {}})), "sub"), Err(TenantError::NoUserArn));
    }
}
