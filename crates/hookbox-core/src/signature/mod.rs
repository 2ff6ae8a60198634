//! Webhook authentication: HMAC signatures (over the raw body, or over a timestamp and the body) and
//! shared tokens, always compared in constant time, with several secrets accepted so that a secret
//! can be rotated without a window of refused deliveries.
//!
//! [`SignatureScheme`] is each sender's way of signing, named once here: the mailbox's routes and the
//! GitHub notifier both verify through it, so a scheme added here reaches both. One file per family:
//! `hub` (GitHub, Bitbucket), `body_hmac` (one header with an HMAC of the body: Gitea, Gogs, generic),
//! `stripe`, `slack`, `standard_webhooks` (timestamped, with `freshness`), and `mac` under them all.

mod body_hmac;
mod freshness;
mod hub;
mod mac;
pub mod slack;
pub mod standard_webhooks;
pub mod stripe;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::Headers;
pub use body_hmac::{Encoding, HmacScheme};
pub use freshness::Tolerance;
pub use mac::Algorithm;

/// How one sender signs a delivery: which headers carry what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureScheme {
    /// GitHub's `X-Hub-Signature-256: sha256=<hex>`, else `X-Hub-Signature: sha256=<hex>` (see `hub`);
    /// `X-Hub-Signature: sha1=<hex>` only with `allow_sha1`.
    GitHub { allow_sha1: bool },
    /// Bitbucket Cloud's and Data Center's `X-Hub-Signature: sha256=<hex>`; `sha1=<hex>` only with
    /// `allow_sha1`.
    Bitbucket { allow_sha1: bool },
    /// An HMAC of the raw body in one header (Gitea, Gogs, any generic sender).
    Hmac {
        /// Lower-case header name.
        header: String,
        scheme: HmacScheme,
    },
    /// GitLab sends the secret itself in `X-Gitlab-Token`.
    SharedSecretHeader {
        /// Lower-case header name.
        header: String,
    },
    /// `Stripe-Signature: t=<unix>,v1=<hex>` (see `stripe`).
    Stripe { tolerance: Tolerance },
    /// `X-Slack-Signature: v0=<hex>` with `X-Slack-Request-Timestamp` (see `slack`).
    Slack { tolerance: Tolerance },
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` (see `standard_webhooks`).
    StandardWebhooks { tolerance: Tolerance },
}

impl SignatureScheme {
    /// GitHub's `X-Hub-Signature-256` (HMAC-SHA256), or SHA-256 in `X-Hub-Signature` as
    /// GitHub-compatible senders write it. With `allow_sha1`, the legacy `X-Hub-Signature: sha1=`
    /// (HMAC-SHA1) counts, but only for a delivery without a SHA-256 signature.
    pub fn github(allow_sha1: bool) -> Self {
        Self::GitHub { allow_sha1 }
    }

    /// Gitea's `X-Gitea-Signature`: bare hex HMAC-SHA256.
    pub fn gitea() -> Self {
        Self::hmac("x-gitea-signature", Algorithm::Sha256, Encoding::Hex, "")
    }

    /// Gogs' `X-Gogs-Signature`: bare hex HMAC-SHA256.
    pub fn gogs() -> Self {
        Self::hmac("x-gogs-signature", Algorithm::Sha256, Encoding::Hex, "")
    }

    /// Bitbucket's `X-Hub-Signature: sha256=<hex>`; with `allow_sha1`, also `sha1=<hex>` (older
    /// Bitbucket Server).
    pub fn bitbucket(allow_sha1: bool) -> Self {
        Self::Bitbucket { allow_sha1 }
    }

    /// GitLab's `X-Gitlab-Token`, the secret itself.
    pub fn gitlab() -> Self {
        Self::SharedSecretHeader {
            header: GITLAB_TOKEN_HEADER.to_owned(),
        }
    }

    /// Any other sender's HMAC of the body in one header.
    pub fn hmac(header: &str, algorithm: Algorithm, encoding: Encoding, prefix: &str) -> Self {
        Self::Hmac {
            header: header.to_ascii_lowercase(),
            scheme: HmacScheme {
                algorithm,
                encoding,
                prefix: prefix.to_owned(),
            },
        }
    }

    /// The header that carries the secret itself, if the scheme sends one: a header that must not be
    /// stored or forwarded.
    pub fn secret_header(&self) -> Option<&str> {
        match self {
            Self::SharedSecretHeader { header } => Some(header),
            _ => None,
        }
    }

    /// Checks a delivery's headers and raw body against every accepted secret, in constant time.
    /// `now` (unix seconds) is the receiver's clock, against which the timestamped schemes judge a
    /// delivery's age; the others ignore it.
    pub fn verify<S: AsRef<[u8]>>(
        &self,
        secrets: &[S],
        body: &[u8],
        headers: &Headers,
        now: i64,
    ) -> Result<(), SignatureError> {
        match self {
            Self::GitHub { allow_sha1 } => hub::verify_github(*allow_sha1, secrets, body, headers),
            Self::Bitbucket { allow_sha1 } => hub::verify_hub_signature(*allow_sha1, secrets, body, headers),
            Self::Hmac { header, scheme } => scheme.verify(secrets, body, headers.get(header)),
            Self::SharedSecretHeader { header } => match headers.get(header) {
                None => Err(SignatureError::Missing),
                Some(value) if token_matches(secrets, value.as_bytes()) => Ok(()),
                Some(_) => Err(SignatureError::Mismatch),
            },
            Self::Stripe { tolerance } => stripe::verify(*tolerance, secrets, body, headers, now),
            Self::Slack { tolerance } => slack::verify(*tolerance, secrets, body, headers, now),
            Self::StandardWebhooks { tolerance } => standard_webhooks::verify(*tolerance, secrets, body, headers, now),
        }
    }
}

const GITLAB_TOKEN_HEADER: &str = "x-gitlab-token";

/// Why a request is not authenticated. The messages never contain a secret, the expected value or
/// what the sender presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is missing")]
    Missing,
    #[error("the signature is not in the expected format")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
    #[error("the signature's timestamp is too old: more than {tolerance_seconds} seconds before now")]
    TooOld { tolerance_seconds: u64 },
    #[error("the signature's timestamp is too far in the future: more than {tolerance_seconds} seconds after now")]
    TooFarInTheFuture { tolerance_seconds: u64 },
    #[error("no configured secret is usable by this scheme (Standard Webhooks secrets are whsec_<base64>)")]
    UnusableSecret,
}

/// Whether `presented` equals one of `tokens`, in time that depends on neither value: both sides are
/// hashed first, so not even the length of a token leaks through timing.
pub fn token_matches<S: AsRef<[u8]>>(tokens: &[S], presented: &[u8]) -> bool {
    let presented = Sha256::digest(presented);
    let mut matched = subtle::Choice::from(0);
    for token in tokens {
        matched |= Sha256::digest(token.as_ref()).ct_eq(&presented);
    }
    matched.into()
}

/// A signature header's value as the schemes read it: trimmed, and an empty one counts as absent
/// (an unset header and a blank one are both "the signature is missing").
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The receiver's clock in these tests; the schemes here have no timestamp, so any instant does.
    const NOW: i64 = 1_700_000_000;

    // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
    const GITHUB_EXAMPLE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn verifies_githubs_documented_example() {
        let scheme = HmacScheme::github_sha256();
        assert_eq!(
            scheme.sign(b"It's a Secret to Everybody", b"Hello, World!"),
            GITHUB_EXAMPLE
        );
        assert_eq!(
            scheme.verify(&["It's a Secret to Everybody"], b"Hello, World!", Some(GITHUB_EXAMPLE)),
            Ok(())
        );
    }

    #[test]
    fn refuses_missing_malformed_and_wrong_signatures() {
        let scheme = HmacScheme::github_sha256();
        let secret = ["It's a Secret to Everybody"];
        assert_eq!(
            scheme.verify(&secret, b"Hello, World!", None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            scheme.verify(&secret, b"Hello, World!", Some(" ")),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            scheme.verify(&secret, b"Hello, World!", Some("sha1=abcd")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            scheme.verify(&secret, b"Hello, World!", Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            scheme.verify(&secret, b"Hello, World?", Some(GITHUB_EXAMPLE)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            scheme.verify(&["other"], b"Hello, World!", Some(GITHUB_EXAMPLE)),
            Err(SignatureError::Mismatch)
        );
        let no_secrets: [&str; 0] = [];
        assert_eq!(
            scheme.verify(&no_secrets, b"Hello, World!", Some(GITHUB_EXAMPLE)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_secrets_verifies_during_rotation() {
        let scheme = HmacScheme::github_sha256();
        let header = scheme.sign(b"new", b"body");
        assert_eq!(scheme.verify(&["old", "new"], b"body", Some(&header)), Ok(()));
    }

    #[test]
    fn sha1_and_base64_schemes_round_trip() {
        let schemes = [
            HmacScheme::github_sha1(),
            HmacScheme {
                algorithm: Algorithm::Sha256,
                encoding: Encoding::Base64,
                prefix: String::new(),
            },
        ];
        for scheme in schemes {
            let header = scheme.sign(b"s", b"payload");
            assert_eq!(scheme.verify(&["s"], b"payload", Some(&header)), Ok(()), "{scheme:?}");
            assert_eq!(
                scheme.verify(&["s"], b"payloaD", Some(&header)),
                Err(SignatureError::Mismatch),
                "{scheme:?}"
            );
        }
    }

    #[test]
    fn prefix_case_is_forgiven_but_not_its_absence() {
        let scheme = HmacScheme::github_sha256();
        let upper = GITHUB_EXAMPLE.replacen("sha256", "SHA256", 1);
        assert_eq!(
            scheme.verify(&["It's a Secret to Everybody"], b"Hello, World!", Some(&upper)),
            Ok(())
        );
        let bare = &GITHUB_EXAMPLE["sha256=".len()..];
        assert_eq!(
            scheme.verify(&["It's a Secret to Everybody"], b"Hello, World!", Some(bare)),
            Err(SignatureError::Malformed)
        );
    }

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn github_sha256_signatures_verify_with_any_accepted_secret() {
        let github = SignatureScheme::github(false);
        let body = br#"{"ref":"refs/heads/main"}"#;
        let signature = HmacScheme::github_sha256().sign(b"new", body);
        let secrets = ["old".to_owned(), "new".to_owned()];
        let signed = headers(&[("x-hub-signature-256", &signature)]);
        assert_eq!(github.verify(&secrets, body, &signed, NOW), Ok(()));
        assert_eq!(
            github.verify(&secrets, b"{}", &signed, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            github.verify(&secrets, body, &headers(&[]), NOW),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn github_sha1_counts_only_when_allowed_and_never_over_a_sha256_signature() {
        let body = b"payload";
        let sha1 = HmacScheme::github_sha1().sign(b"s", body);
        let secrets = ["s".to_owned()];
        let legacy = headers(&[("x-hub-signature", &sha1)]);
        assert_eq!(
            SignatureScheme::github(false).verify(&secrets, body, &legacy, NOW),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            SignatureScheme::github(true).verify(&secrets, body, &legacy, NOW),
            Ok(())
        );
        let both = headers(&[("x-hub-signature", &sha1), ("x-hub-signature-256", "sha256=00")]);
        assert_eq!(
            SignatureScheme::github(true).verify(&secrets, body, &both, NOW),
            Err(SignatureError::Mismatch)
        );
    }

    /// GitHub's documented example, in each header a GitHub-compatible sender may use.
    fn githubs_example_in(header: &str, value: &str) -> Result<(), SignatureError> {
        SignatureScheme::github(false).verify(
            &["It's a Secret to Everybody"],
            b"Hello, World!",
            &headers(&[(header, value)]),
            NOW,
        )
    }

    #[test]
    fn github_accepts_sha256_in_the_older_header_but_never_bare_hex() {
        assert_eq!(githubs_example_in("x-hub-signature", GITHUB_EXAMPLE), Ok(()));
        let bare = &GITHUB_EXAMPLE["sha256=".len()..];
        assert_eq!(
            githubs_example_in("x-hub-signature", bare),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            githubs_example_in("x-hub-signature-256", bare),
            Err(SignatureError::Malformed)
        );
        let tampered = SignatureScheme::github(false).verify(
            &["It's a Secret to Everybody"],
            b"Hello, World?",
            &headers(&[("x-hub-signature", GITHUB_EXAMPLE)]),
            NOW,
        );
        assert_eq!(tampered, Err(SignatureError::Mismatch));
    }

    #[test]
    fn bitbucket_verifies_sha256_and_sha1_only_when_allowed() {
        let body = br#"{"push":{}}"#;
        let secrets = ["old", "new"];
        let sha256 = headers(&[("x-hub-signature", &HmacScheme::github_sha256().sign(b"new", body))]);
        let sha1 = headers(&[("x-hub-signature", &HmacScheme::github_sha1().sign(b"new", body))]);
        let bitbucket = SignatureScheme::bitbucket(false);
        assert_eq!(bitbucket.verify(&secrets, body, &sha256, NOW), Ok(()));
        assert_eq!(
            bitbucket.verify(&secrets, b"{}", &sha256, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            bitbucket.verify(&["other"], body, &sha256, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            bitbucket.verify(&secrets, body, &sha1, NOW),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            SignatureScheme::bitbucket(true).verify(&secrets, body, &sha1, NOW),
            Ok(())
        );
        let github_header = headers(&[("x-hub-signature-256", &HmacScheme::github_sha256().sign(b"new", body))]);
        assert_eq!(
            bitbucket.verify(&secrets, body, &github_header, NOW),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn gitea_and_gogs_sign_bare_hex_in_their_own_header() {
        let body = br#"{"ref":"refs/heads/main"}"#;
        let signature = HmacScheme::bare_hex_sha256().sign(b"new", body);
        for (scheme, header) in [
            (SignatureScheme::gitea(), "x-gitea-signature"),
            (SignatureScheme::gogs(), "x-gogs-signature"),
        ] {
            let signed = headers(&[(header, &signature)]);
            assert_eq!(scheme.verify(&["old", "new"], body, &signed, NOW), Ok(()), "{header}");
            assert_eq!(
                scheme.verify(&["old", "new"], b"{}", &signed, NOW),
                Err(SignatureError::Mismatch)
            );
            assert_eq!(
                scheme.verify(&["old"], body, &signed, NOW),
                Err(SignatureError::Mismatch)
            );
            let prefixed = headers(&[(header, &format!("sha256={signature}"))]);
            assert_eq!(
                scheme.verify(&["new"], body, &prefixed, NOW),
                Err(SignatureError::Malformed)
            );
        }
    }

    #[test]
    fn gitlabs_token_is_the_secret_and_the_header_to_keep_out_of_storage() {
        let gitlab = SignatureScheme::gitlab();
        let sent = |token: &str| headers(&[("x-gitlab-token", token)]);
        assert_eq!(gitlab.verify(&["old", "new"], b"{}", &sent("new"), NOW), Ok(()));
        assert_eq!(
            gitlab.verify(&["old", "new"], b"{}", &sent("newer"), NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            gitlab.verify(&["new"], b"{}", &headers(&[]), NOW),
            Err(SignatureError::Missing)
        );
        assert_eq!(gitlab.secret_header(), Some("x-gitlab-token"));
        assert_eq!(SignatureScheme::github(false).secret_header(), None);
    }

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC_4231_SHA512: &str = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";

    #[test]
    fn generic_hmac_signs_with_sha512() {
        let scheme = SignatureScheme::hmac("X-Signature", Algorithm::Sha512, Encoding::Hex, "");
        let body = b"what do ya want for nothing?";
        let signed = headers(&[("x-signature", RFC_4231_SHA512)]);
        assert_eq!(scheme.verify(&["Jefe"], body, &signed, NOW), Ok(()));
        assert_eq!(
            scheme.verify(&["jefe"], body, &signed, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            scheme.verify(&["Jefe"], b"what do ya want for something?", &signed, NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn tokens_match_exactly_one_of_the_accepted() {
        assert!(token_matches(&["old", "new"], b"new"));
        assert!(!token_matches(&["old", "new"], b"ne"));
        assert!(!token_matches(&["old", "new"], b""));
        let none: [&str; 0] = [];
        assert!(!token_matches(&none, b"anything"));
    }
}
