//! Webhook authentication: HMAC signatures over the raw body (GitHub, Gitea, Bitbucket and generic
//! schemes) and shared tokens, always compared in constant time, with several secrets accepted so that
//! a secret can be rotated without a window of refused deliveries.
//!
//! [`SignatureScheme`] is each sender's way of signing, named once here: the mailbox's routes and the
//! GitHub notifier both verify through it, so a scheme added here reaches both.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::Headers;

/// The hash under an HMAC signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    /// Only for senders that offer nothing better (GitHub's legacy `X-Hub-Signature`).
    Sha1,
}

/// How the signature bytes are written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Hex,
    Base64,
}

/// How one sender writes its signature header: `sha256=<hex>` for GitHub and Gitea, plain hex for
/// others, base64 for some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacScheme {
    pub algorithm: Algorithm,
    pub encoding: Encoding,
    /// Text before the signature itself, e.g. `sha256=`; empty for none.
    pub prefix: String,
}

impl HmacScheme {
    /// GitHub's `X-Hub-Signature-256: sha256=<hex>`.
    pub fn github_sha256() -> Self {
        Self {
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Hex,
            prefix: "sha256=".to_owned(),
        }
    }

    /// GitHub's legacy `X-Hub-Signature: sha1=<hex>`.
    pub fn github_sha1() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            encoding: Encoding::Hex,
            prefix: "sha1=".to_owned(),
        }
    }

    /// Checks `header` (the signature as the sender wrote it) against the body for each secret.
    /// The comparison of the MAC is constant-time; which secret matched is not revealed.
    pub fn verify<S: AsRef<[u8]>>(
        &self,
        secrets: &[S],
        body: &[u8],
        header: Option<&str>,
    ) -> Result<(), SignatureError> {
        let header = header
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .ok_or(SignatureError::Missing)?;
        let encoded = strip_prefix_ignore_case(header, &self.prefix).ok_or(SignatureError::Malformed)?;
        let claimed = match self.encoding {
            Encoding::Hex => hex::decode(encoded).map_err(|_| SignatureError::Malformed)?,
            Encoding::Base64 => BASE64.decode(encoded).map_err(|_| SignatureError::Malformed)?,
        };
        let mut matched = false;
        for secret in secrets {
            matched |= match self.algorithm {
                Algorithm::Sha256 => mac_matches::<Hmac<Sha256>>(secret.as_ref(), body, &claimed),
                Algorithm::Sha1 => mac_matches::<Hmac<sha1::Sha1>>(secret.as_ref(), body, &claimed),
            };
        }
        if matched { Ok(()) } else { Err(SignatureError::Mismatch) }
    }

    /// The header value a sender with `secret` would write for `body`: for tests, samples and tools.
    pub fn sign(&self, secret: &[u8], body: &[u8]) -> String {
        let mac = match self.algorithm {
            Algorithm::Sha256 => compute::<Hmac<Sha256>>(secret, body),
            Algorithm::Sha1 => compute::<Hmac<sha1::Sha1>>(secret, body),
        };
        let encoded = match self.encoding {
            Encoding::Hex => hex::encode(mac),
            Encoding::Base64 => BASE64.encode(mac),
        };
        format!("{}{encoded}", self.prefix)
    }
}

/// How one sender signs a delivery: which header carries what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureScheme {
    /// An HMAC of the raw body in `header`, with an optional weaker fallback header (GitHub SHA-1).
    Hmac {
        /// Lower-case header name.
        header: String,
        scheme: HmacScheme,
        fallback: Option<(String, HmacScheme)>,
    },
    /// GitLab sends the secret itself in `X-Gitlab-Token`.
    SharedSecretHeader { header: String },
}

impl SignatureScheme {
    /// GitHub's `X-Hub-Signature-256` (HMAC-SHA256). With `allow_sha1`, the legacy `X-Hub-Signature`
    /// (HMAC-SHA1) counts, but only for a delivery without a SHA-256 signature.
    pub fn github(allow_sha1: bool) -> Self {
        Self::Hmac {
            header: "x-hub-signature-256".to_owned(),
            scheme: HmacScheme::github_sha256(),
            fallback: allow_sha1.then(|| ("x-hub-signature".to_owned(), HmacScheme::github_sha1())),
        }
    }

    /// Gitea's `X-Gitea-Signature`: bare hex HMAC-SHA256.
    pub fn gitea() -> Self {
        Self::hmac("x-gitea-signature", Algorithm::Sha256, Encoding::Hex, "")
    }

    /// Bitbucket's `X-Hub-Signature: sha256=<hex>`.
    pub fn bitbucket() -> Self {
        Self::hmac("x-hub-signature", Algorithm::Sha256, Encoding::Hex, "sha256=")
    }

    /// GitLab's `X-Gitlab-Token`, the secret itself.
    pub fn gitlab() -> Self {
        Self::SharedSecretHeader {
            header: "x-gitlab-token".to_owned(),
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
            fallback: None,
        }
    }

    /// Checks a delivery's headers and raw body against every accepted secret, in constant time.
    pub fn verify<S: AsRef<[u8]>>(&self, secrets: &[S], body: &[u8], headers: &Headers) -> Result<(), SignatureError> {
        match self {
            Self::Hmac {
                header,
                scheme,
                fallback,
            } => match (headers.get(header), fallback) {
                (None, Some((fallback_header, fallback_scheme))) if headers.get(fallback_header).is_some() => {
                    fallback_scheme.verify(secrets, body, headers.get(fallback_header))
                }
                (value, _) => scheme.verify(secrets, body, value),
            },
            Self::SharedSecretHeader { header } => match headers.get(header) {
                None => Err(SignatureError::Missing),
                Some(value) if token_matches(secrets, value.as_bytes()) => Ok(()),
                Some(_) => Err(SignatureError::Mismatch),
            },
        }
    }
}

/// Why a request is not authenticated. The messages never contain a secret or the expected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is missing")]
    Missing,
    #[error("the signature is not in the expected format")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
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

fn mac_matches<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], claimed: &[u8]) -> bool {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(claimed).is_ok()
}

fn compute<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &value[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(github.verify(&secrets, body, &signed), Ok(()));
        assert_eq!(github.verify(&secrets, b"{}", &signed), Err(SignatureError::Mismatch));
        assert_eq!(
            github.verify(&secrets, body, &headers(&[])),
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
            SignatureScheme::github(false).verify(&secrets, body, &legacy),
            Err(SignatureError::Missing)
        );
        assert_eq!(SignatureScheme::github(true).verify(&secrets, body, &legacy), Ok(()));
        let both = headers(&[("x-hub-signature", &sha1), ("x-hub-signature-256", "sha256=00")]);
        assert_eq!(
            SignatureScheme::github(true).verify(&secrets, body, &both),
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
