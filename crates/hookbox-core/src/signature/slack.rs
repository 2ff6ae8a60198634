//! Slack's signing secret: `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of
//! `v0:<X-Slack-Request-Timestamp>:<body>`. Slack asks receivers to refuse requests whose timestamp
//! is more than five minutes from their clock, so that a captured request cannot be replayed.

use super::SignatureError;
use super::body_hmac::strip_prefix_ignore_case;
use super::freshness::{Stamped, Tolerance, parse_unix_seconds};
use super::mac::Algorithm;
use crate::http::Headers;

const SIGNATURE_HEADER: &str = "x-slack-signature";
const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
const VERSION: &str = "v0";

/// Checks the MAC first, then the timestamp ([`Stamped::verify`]).
pub(super) fn verify<S: AsRef<[u8]>>(
    tolerance: Tolerance,
    secrets: &[S],
    body: &[u8],
    headers: &Headers,
    now: i64,
) -> Result<(), SignatureError> {
    let present = |name| super::present(headers.get(name));
    let (Some(signature), Some(timestamp)) = (present(SIGNATURE_HEADER), present(TIMESTAMP_HEADER)) else {
        return Err(SignatureError::Missing);
    };
    let signed_at = parse_unix_seconds(timestamp)?;
    let encoded = strip_prefix_ignore_case(signature, "v0=").ok_or(SignatureError::Malformed)?;
    let claimed = hex::decode(encoded).map_err(|_| SignatureError::Malformed)?;
    let stamped = Stamped {
        signed: &[VERSION.as_bytes(), b":", timestamp.as_bytes(), b":", body],
        claimed: &[claimed],
        signed_at,
    };
    stamped.verify(secrets, tolerance, now)
}

/// The `X-Slack-Signature` value Slack would send for `body` with `X-Slack-Request-Timestamp:
/// <timestamp>`: for tests and tools.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let mac = Algorithm::Sha256.compute(secret, &[VERSION.as_bytes(), b":", timestamp.as_bytes(), b":", body]);
    format!("{VERSION}={}", hex::encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example of Slack's "Verifying requests from Slack"
    // (https://api.slack.com/authentication/verifying-requests-from-slack).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const AT: i64 = 1_531_420_618;
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const DOCUMENTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn headers(signature: &str, timestamp: &str) -> Headers {
        [
            ("x-slack-signature".to_owned(), signature.to_owned()),
            ("x-slack-request-timestamp".to_owned(), timestamp.to_owned()),
        ]
        .into_iter()
        .collect()
    }

    fn check(secrets: &[&str], body: &[u8], signature: &str, now: i64) -> Result<(), SignatureError> {
        verify(
            Tolerance::DEFAULT,
            secrets,
            body,
            &headers(signature, "1531420618"),
            now,
        )
    }

    #[test]
    fn slacks_documented_example_verifies() {
        assert_eq!(sign(SECRET.as_bytes(), AT, BODY), DOCUMENTED);
        assert_eq!(check(&[SECRET], BODY, DOCUMENTED, AT + 60), Ok(()));
    }

    #[test]
    fn a_tampered_body_timestamp_or_secret_is_a_mismatch() {
        let tampered = String::from_utf8(BODY.to_vec()).unwrap().replace("foobar", "foobaz");
        assert_eq!(
            check(&[SECRET], tampered.as_bytes(), DOCUMENTED, AT),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(&["another-secret"], BODY, DOCUMENTED, AT),
            Err(SignatureError::Mismatch)
        );
        let moved = verify(
            Tolerance::DEFAULT,
            &[SECRET],
            BODY,
            &headers(DOCUMENTED, "1531420619"),
            AT,
        );
        assert_eq!(moved, Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_request_older_than_five_minutes_is_refused() {
        assert_eq!(
            check(&[SECRET], BODY, DOCUMENTED, AT + 5 * 60 + 1),
            Err(SignatureError::TooOld { tolerance_seconds: 300 })
        );
        assert_eq!(
            check(&[SECRET], BODY, DOCUMENTED, AT - 5 * 60 - 1),
            Err(SignatureError::TooFarInTheFuture { tolerance_seconds: 300 })
        );
    }

    #[test]
    fn either_secret_verifies_during_a_rotation() {
        assert_eq!(check(&["old-secret", SECRET], BODY, DOCUMENTED, AT), Ok(()));
        assert_eq!(check(&[SECRET, "new-secret"], BODY, DOCUMENTED, AT), Ok(()));
    }

    #[test]
    fn missing_and_malformed_headers_are_named_so() {
        let only_signature: Headers = [("x-slack-signature".to_owned(), DOCUMENTED.to_owned())]
            .into_iter()
            .collect();
        assert_eq!(
            verify(Tolerance::DEFAULT, &[SECRET], BODY, &only_signature, AT),
            Err(SignatureError::Missing)
        );
        let bare = &DOCUMENTED["v0=".len()..];
        for (signature, timestamp) in [(bare, "1531420618"), ("v0=zz", "1531420618"), (DOCUMENTED, "soon")] {
            assert_eq!(
                verify(Tolerance::DEFAULT, &[SECRET], BODY, &headers(signature, timestamp), AT),
                Err(SignatureError::Malformed),
                "{signature} {timestamp}"
            );
        }
    }
}
