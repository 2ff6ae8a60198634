//! Webhook authentication: HMAC signatures over the raw body (GitHub, Gitea, Bitbucket and generic
//! schemes) and shared tokens, always compared in constant time, with several secrets accepted so that
//! a secret can be rotated without a window of refused deliveries.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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

/// Reads the value(s) of a secret as deployments write them (a `NoEcho` parameter, an environment
/// variable): one value, or a JSON array of values that are all accepted while the secret is being
/// rotated (`["old", "new"]`). A JSON array is used rather than a separator so that a secret may hold
/// any character. Empty values are dropped; text that starts like an array but is not one gives none.
pub fn secret_values(text: &str) -> Vec<String> {
    let text = text.trim();
    let values = if text.starts_with('[') {
        serde_json::from_str::<Vec<String>>(text).unwrap_or_default()
    } else {
        vec![text.to_owned()]
    };
    values.into_iter().filter(|value| !value.is_empty()).collect()
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

    #[test]
    fn secret_values_are_one_value_or_a_json_array() {
        assert_eq!(
            secret_values(r#"["old", "new, with comma"]"#),
            ["old", "new, with comma"]
        );
        assert_eq!(
            secret_values(" It's a Secret, to Everybody "),
            ["It's a Secret, to Everybody"]
        );
        assert!(secret_values("[not json").is_empty());
        assert!(secret_values("  ").is_empty());
        assert_eq!(secret_values(r#"["", "x"]"#), ["x"]);
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
