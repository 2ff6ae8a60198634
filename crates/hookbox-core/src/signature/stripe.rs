//! Stripe's `Stripe-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 of `<t>.<body>`, keyed with
//! the endpoint's signing secret exactly as Stripe shows it (`whsec_...` included). While Stripe
//! rolls a secret it sends one `v1` per live secret; any of them may match. Other schemes (`v0`, the
//! test-mode signature) are ignored, as Stripe's own libraries ignore them.

use super::SignatureError;
use super::freshness::{Stamped, Tolerance, parse_unix_seconds};
use super::mac::Algorithm;
use crate::http::Headers;

const HEADER: &str = "stripe-signature";

/// Checks the MAC first, then the timestamp ([`Stamped::verify`]).
pub(super) fn verify<S: AsRef<[u8]>>(
    tolerance: Tolerance,
    secrets: &[S],
    body: &[u8],
    headers: &Headers,
    now: i64,
) -> Result<(), SignatureError> {
    let value = super::present(headers.get(HEADER)).ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for element in value.split(',') {
        let (key, text) = element.split_once('=').ok_or(SignatureError::Malformed)?;
        match key.trim() {
            "t" if timestamp.is_none() => timestamp = Some(text.trim()),
            "t" => return Err(SignatureError::Malformed),
            "v1" => signatures.push(hex::decode(text.trim()).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    let signed_at = parse_unix_seconds(timestamp)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let stamped = Stamped {
        signed: &[timestamp.as_bytes(), b".", body],
        claimed: &signatures,
        signed_at,
    };
    stamped.verify(secrets, tolerance, now)
}

/// The `Stripe-Signature` value Stripe would send for `body` at `timestamp`: for tests and tools.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let mac = Algorithm::Sha256.compute(secret, &[timestamp.as_bytes(), b".", body]);
    format!("t={timestamp},v1={}", hex::encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Stripe publishes no known-answer vector; this one follows Stripe's documented construction
    // ("Verify signatures manually": HMAC-SHA256 of "<t>.<payload>", hex) and was computed apart from
    // this code, with Python's hmac module.
    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_test_webhook","object":"event"}"#;
    const AT: i64 = 1_492_774_577;
    const KNOWN: &str = "t=1492774577,v1=88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a";

    fn headers(value: &str) -> Headers {
        [("stripe-signature".to_owned(), value.to_owned())]
            .into_iter()
            .collect()
    }

    fn check(secrets: &[&str], body: &[u8], value: &str, now: i64) -> Result<(), SignatureError> {
        verify(Tolerance::DEFAULT, secrets, body, &headers(value), now)
    }

    #[test]
    fn the_known_answer_verifies() {
        assert_eq!(sign(SECRET.as_bytes(), AT, BODY), KNOWN);
        assert_eq!(check(&[SECRET], BODY, KNOWN, AT + 10), Ok(()));
    }

    #[test]
    fn a_tampered_body_or_a_wrong_secret_is_a_mismatch() {
        assert_eq!(
            check(&[SECRET], br#"{"id":"evt_test_webhooK","object":"event"}"#, KNOWN, AT),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(check(&["whsec_other"], BODY, KNOWN, AT), Err(SignatureError::Mismatch));
        let moved = KNOWN.replacen("t=1492774577", "t=1492774578", 1);
        assert_eq!(check(&[SECRET], BODY, &moved, AT), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_timestamp_outside_the_tolerance_is_refused_even_when_signed() {
        assert_eq!(
            check(&[SECRET], BODY, KNOWN, AT + 301),
            Err(SignatureError::TooOld { tolerance_seconds: 300 })
        );
        assert_eq!(
            check(&[SECRET], BODY, KNOWN, AT - 301),
            Err(SignatureError::TooFarInTheFuture { tolerance_seconds: 300 })
        );
        let lenient = verify(Tolerance::seconds(3_600), &[SECRET], BODY, &headers(KNOWN), AT + 3_000);
        assert_eq!(lenient, Ok(()));
    }

    #[test]
    fn any_v1_matches_during_a_roll_and_other_schemes_are_ignored() {
        let new = sign(b"whsec_new", AT, BODY);
        let new_v1 = new.split_once(",v1=").unwrap().1;
        let old_v1 = KNOWN.split_once(",v1=").unwrap().1;
        let rolled = format!(
            "t={AT},v1={old_v1},v1={new_v1},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
        );
        assert_eq!(check(&["whsec_new"], BODY, &rolled, AT), Ok(()));
        assert_eq!(check(&[SECRET], BODY, &rolled, AT), Ok(()));
        assert_eq!(check(&["whsec_gone", "whsec_new"], BODY, &new, AT), Ok(()));
        let only_v0 = format!("t={AT},v0={old_v1}");
        assert_eq!(check(&[SECRET], BODY, &only_v0, AT), Err(SignatureError::Malformed));
    }

    #[test]
    fn missing_and_malformed_headers_are_named_so() {
        assert_eq!(
            verify(Tolerance::DEFAULT, &[SECRET], BODY, &Headers::default(), AT),
            Err(SignatureError::Missing)
        );
        for bad in [
            "v1=00",
            "t=abc,v1=00",
            "t=1,t=2,v1=00",
            "t=1492774577,v1=zz",
            "t=1492774577;v1=00",
        ] {
            assert_eq!(check(&[SECRET], BODY, bad, AT), Err(SignatureError::Malformed), "{bad}");
        }
    }
}
