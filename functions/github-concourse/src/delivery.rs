//! A GitHub delivery before it is trusted: its signature over the raw body bytes, its event name and
//! its JSON payload, which form deliveries (`application/x-www-form-urlencoded`) wrap in `payload=`.

use hookbox_core::signature::{HmacScheme, SignatureError};
use hookbox_gateway::IncomingRequest;

/// Why a delivery cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the X-GitHub-Event header is missing")]
    MissingEvent,
    #[error("content type {0:?} is not application/json or application/x-www-form-urlencoded")]
    UnsupportedType(String),
    #[error("the form delivery has no payload field")]
    NoPayloadField,
}

/// Checks the delivery's signature with every accepted secret, in constant time.
/// `X-Hub-Signature-256` (HMAC-SHA256) is always preferred; the legacy `X-Hub-Signature` (HMAC-SHA1)
/// counts only when `allow_sha1` and the delivery has no SHA-256 signature.
pub fn verify_signature(request: &IncomingRequest, secrets: &[String], allow_sha1: bool) -> Result<(), SignatureError> {
    let sha256 = request.header("x-hub-signature-256");
    if sha256.is_none() && allow_sha1 {
        HmacScheme::github_sha1().verify(secrets, &request.body, request.header("x-hub-signature"))
    } else {
        HmacScheme::github_sha256().verify(secrets, &request.body, sha256)
    }
}

/// The `X-GitHub-Event` of the delivery.
pub fn event_name(request: &IncomingRequest) -> Result<&str, DeliveryError> {
    request
        .header("x-github-event")
        .map(str::trim)
        .filter(|event| !event.is_empty())
        .ok_or(DeliveryError::MissingEvent)
}

/// The JSON payload: the body itself, or the `payload` field of a form delivery.
pub fn payload(request: &IncomingRequest) -> Result<Vec<u8>, DeliveryError> {
    let content_type = request
        .header("content-type")
        .map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    match content_type.as_str() {
        "application/json" | "" => Ok(request.body.clone()),
        "application/x-www-form-urlencoded" => form_urlencoded::parse(&request.body)
            .find(|(name, _)| name == "payload")
            .map(|(_, value)| value.into_owned().into_bytes())
            .ok_or(DeliveryError::NoPayloadField),
        other => Err(DeliveryError::UnsupportedType(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbox_gateway::Gateway;

    fn request(headers: &[(&str, &str)], body: &[u8]) -> IncomingRequest {
        IncomingRequest {
            gateway: Gateway::Http,
            request_id: None,
            method: "POST".into(),
            path: "/github-concourse".into(),
            query: Vec::new(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            source_ip: None,
            body: body.to_vec(),
        }
    }

    #[test]
    fn sha256_signatures_verify_with_any_accepted_secret() {
        let body = br#"{"ref":"refs/heads/main"}"#;
        let signature = HmacScheme::github_sha256().sign(b"new", body);
        let secrets = ["old".to_owned(), "new".to_owned()];
        let signed = request(&[("x-hub-signature-256", &signature)], body);
        assert_eq!(verify_signature(&signed, &secrets, false), Ok(()));
        let tampered = request(&[("x-hub-signature-256", &signature)], b"{}");
        assert_eq!(
            verify_signature(&tampered, &secrets, false),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&request(&[], body), &secrets, false),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn sha1_counts_only_when_allowed_and_never_over_a_sha256_signature() {
        let body = b"payload";
        let sha1 = HmacScheme::github_sha1().sign(b"s", body);
        let secrets = ["s".to_owned()];
        let legacy = request(&[("x-hub-signature", &sha1)], body);
        assert_eq!(verify_signature(&legacy, &secrets, false), Err(SignatureError::Missing));
        assert_eq!(verify_signature(&legacy, &secrets, true), Ok(()));
        let both = request(
            &[("x-hub-signature", &sha1), ("x-hub-signature-256", "sha256=00")],
            body,
        );
        assert_eq!(verify_signature(&both, &secrets, true), Err(SignatureError::Mismatch));
    }

    #[test]
    fn payloads_come_from_json_or_form_bodies() {
        let json = request(&[("content-type", "application/json")], b"{}");
        assert_eq!(payload(&json).unwrap(), b"{}");
        let form = request(
            &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
            b"payload=%7B%22a%22%3A+1%7D",
        );
        assert_eq!(payload(&form).unwrap(), br#"{"a": 1}"#);
        let empty_form = request(&[("content-type", "application/x-www-form-urlencoded")], b"x=1");
        assert_eq!(payload(&empty_form), Err(DeliveryError::NoPayloadField));
        let xml = request(&[("content-type", "text/xml")], b"<a/>");
        assert!(matches!(payload(&xml), Err(DeliveryError::UnsupportedType(_))));
        assert_eq!(event_name(&json), Err(DeliveryError::MissingEvent));
    }
}
