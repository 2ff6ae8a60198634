//! The two secrets of a hook's URL, `/wh/{apiToken}/{token}`, and the only form the table keeps of
//! them: their SHA-256. A copy of the table therefore lets no one send to a hook.
//!
//! Both come from the operating system's random source and are base64url without padding, so that they
//! go into a URL path as they are. `token` (256 bits) is the lookup key: its hash names the item a
//! delivery reads. `apiToken` (128 bits) is checked against the hash stored in that item, in constant
//! time, so that a guessed `token` alone does not open a hook and the comparison leaks nothing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// Random bytes in a `token`.
const TOKEN_BYTES: usize = 32;
/// Random bytes in an `apiToken`.
const API_TOKEN_BYTES: usize = 16;

/// The random source failed (no `getrandom(2)`, or it refused): no hook is created without it.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

/// A new hook's secrets, in clear: returned once, to whoever created the hook, and never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct HookSecrets {
    pub api_token: String,
    pub token: String,
}

impl std::fmt::Debug for HookSecrets {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("HookSecrets { .. }")
    }
}

impl HookSecrets {
    /// Two fresh secrets from the operating system's random source.
    pub fn generate() -> Result<Self, RandomError> {
        Ok(Self {
            api_token: random_text::<API_TOKEN_BYTES>()?,
            token: random_text::<TOKEN_BYTES>()?,
        })
    }
}

fn random_text<const N: usize>() -> Result<String, RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| RandomError(error.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret: SHA-256, lower-case hex. The secrets are random and long, so a plain
/// hash cannot be reversed by guessing; no salt or slow hash is needed, and the same token always finds
/// the same item.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` is the one whose hash is `stored_hash`, compared in constant time.
pub fn matches_hash(secret: &str, stored_hash: &str) -> bool {
    hash_token(secret).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// Whether `text` could be a `token` at all (43 base64url characters): anything else is refused
/// without a read of the table, so that junk costs nothing and does not fill the cache.
pub fn is_token_shaped(text: &str) -> bool {
    is_base64url_of(text, TOKEN_BYTES)
}

/// Whether `text` could be an `apiToken` (22 base64url characters).
pub fn is_api_token_shaped(text: &str) -> bool {
    is_base64url_of(text, API_TOKEN_BYTES)
}

/// Whether `text` is a hook's id, the hex hash of its token (64 hex digits), as list and show return it.
pub fn is_hook_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_base64url_of(text: &str, bytes: usize) -> bool {
    text.len() == (bytes * 4).div_ceil(3)
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_url_safe_and_different_each_time() {
        let first = HookSecrets::generate().unwrap();
        let second = HookSecrets::generate().unwrap();
        assert_ne!(first, second);
        assert_eq!(first.token.len(), 43);
        assert_eq!(first.api_token.len(), 22);
        assert!(is_token_shaped(&first.token) && is_api_token_shaped(&first.api_token));
        assert!(!is_token_shaped(&first.api_token) && !is_api_token_shaped(&first.token));
        assert!(!format!("{first:?}").contains(&first.token));
    }

    #[test]
    fn hashes_are_sha256_hex_and_compared_exactly() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_hook_id(&hash_token("abc")));
        assert!(matches_hash("abc", &hash_token("abc")));
        assert!(!matches_hash("abd", &hash_token("abc")));
        assert!(!matches_hash("abc", ""));
    }

    #[test]
    fn shapes_refuse_other_alphabets_and_lengths() {
        assert!(!is_token_shaped(&"a".repeat(42)));
        assert!(!is_token_shaped(&format!("{}+", "a".repeat(42))));
        assert!(!is_hook_id(&"A".repeat(64)));
    }
}
