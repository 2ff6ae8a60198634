//! The Standard Webhooks specification (<https://www.standardwebhooks.com>), used by Svix and the
//! services built on it: `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>`, the
//! HMAC-SHA256 of `<id>.<timestamp>.<body>`. During a rotation the sender lists several signatures,
//! separated by spaces; signatures of other versions (`v1a`, asymmetric) are ignored. The secret is
//! `whsec_<base64 key>` and the key is the decoded base64, not the text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::SignatureError;
use super::freshness::{Stamped, Tolerance, parse_unix_seconds};
use super::mac::Algorithm;
use crate::http::Headers;

const ID_HEADER: &str = "webhook-id";
const TIMESTAMP_HEADER: &str = "webhook-timestamp";
const SIGNATURE_HEADER: &str = "webhook-signature";
const SECRET_PREFIX: &str = "whsec_";

/// The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as in the reference
/// libraries); `None` for a secret that is not base64.
pub fn secret_key(secret: &[u8]) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX.as_bytes()).unwrap_or(secret);
    BASE64.decode(encoded).ok()
}

/// Checks the MAC first, then the timestamp ([`Stamped::verify`]).
pub(super) fn verify<S: AsRef<[u8]>>(
    tolerance: Tolerance,
    secrets: &[S],
    body: &[u8],
    headers: &Headers,
    now: i64,
) -> Result<(), SignatureError> {
    let present = |name| super::present(headers.get(name));
    let (Some(id), Some(timestamp), Some(signatures)) =
        (present(ID_HEADER), present(TIMESTAMP_HEADER), present(SIGNATURE_HEADER))
    else {
        return Err(SignatureError::Missing);
    };
    let signed_at = parse_unix_seconds(timestamp)?;
    let claimed = signatures
        .split_whitespace()
        .filter_map(|signature| signature.strip_prefix("v1,"))
        .map(|encoded| BASE64.decode(encoded).map_err(|_| SignatureError::Malformed))
        .collect::<Result<Vec<_>, _>>()?;
    if claimed.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let keys: Vec<Vec<u8>> = secrets
        .iter()
        .filter_map(|secret| secret_key(secret.as_ref()))
        .collect();
    if keys.is_empty() && !secrets.is_empty() {
        return Err(SignatureError::UnusableSecret);
    }
    let stamped = Stamped {
        signed: &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
        claimed: &claimed,
        signed_at,
    };
    stamped.verify(&keys, tolerance, now)
}

/// One `webhook-signature` entry, `v1,<base64>`, as a sender keyed with `key` (see [`secret_key`])
/// would write it: for tests and tools.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let mac = Algorithm::Sha256.compute(key, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
    format!("v1,{}", BASE64.encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector of the Standard Webhooks reference libraries (and Svix's documentation).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const AT: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const DOCUMENTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(id: &str, timestamp: &str, signature: &str) -> Headers {
        [
            ("webhook-id".to_owned(), id.to_owned()),
            ("webhook-timestamp".to_owned(), timestamp.to_owned()),
            ("webhook-signature".to_owned(), signature.to_owned()),
        ]
        .into_iter()
        .collect()
    }

    fn check(secrets: &[&str], body: &[u8], signature: &str, now: i64) -> Result<(), SignatureError> {
        verify(
            Tolerance::DEFAULT,
            secrets,
            body,
            &headers(ID, "1614265330", signature),
            now,
        )
    }

    #[test]
    fn the_specifications_test_vector_verifies() {
        let key = secret_key(SECRET.as_bytes()).unwrap();
        assert_eq!(sign(&key, ID, AT, BODY), DOCUMENTED);
        assert_eq!(check(&[SECRET], BODY, DOCUMENTED, AT), Ok(()));
        let without_prefix = &SECRET[SECRET_PREFIX.len()..];
        assert_eq!(check(&[without_prefix], BODY, DOCUMENTED, AT), Ok(()));
    }

    #[test]
    fn a_tampered_body_id_or_a_wrong_secret_is_a_mismatch() {
        assert_eq!(
            check(&[SECRET], br#"{"test": 2432232315}"#, DOCUMENTED, AT),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(&["whsec_c2VjcmV0LWtleQ=="], BODY, DOCUMENTED, AT),
            Err(SignatureError::Mismatch)
        );
        let other_id = verify(
            Tolerance::DEFAULT,
            &[SECRET],
            BODY,
            &headers("msg_other", "1614265330", DOCUMENTED),
            AT,
        );
        assert_eq!(other_id, Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_timestamp_outside_the_tolerance_is_refused() {
        assert_eq!(
            check(&[SECRET], BODY, DOCUMENTED, AT + 301),
            Err(SignatureError::TooOld { tolerance_seconds: 300 })
        );
        assert_eq!(
            check(&[SECRET], BODY, DOCUMENTED, AT - 301),
            Err(SignatureError::TooFarInTheFuture { tolerance_seconds: 300 })
        );
    }

    #[test]
    fn any_listed_v1_signature_and_any_secret_verify_during_a_rotation() {
        let listed = format!("v1,bm9wZQ== v1a,c29tZXRoaW5nIGVsc2U= {DOCUMENTED}");
        assert_eq!(check(&[SECRET], BODY, &listed, AT), Ok(()));
        assert_eq!(check(&["whsec_c2VjcmV0LWtleQ==", SECRET], BODY, DOCUMENTED, AT), Ok(()));
    }

    #[test]
    fn missing_malformed_and_unusable_are_named_so() {
        assert_eq!(
            verify(
                Tolerance::DEFAULT,
                &[SECRET],
                BODY,
                &headers("", "1614265330", DOCUMENTED),
                AT
            ),
            Err(SignatureError::Missing)
        );
        for signature in ["v1a,bm9wZQ==", "v1,***", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="] {
            assert_eq!(
                check(&[SECRET], BODY, signature, AT),
                Err(SignatureError::Malformed),
                "{signature}"
            );
        }
        assert_eq!(
            check(&["whsec_not base64!"], BODY, DOCUMENTED, AT),
            Err(SignatureError::UnusableSecret)
        );
    }
}
