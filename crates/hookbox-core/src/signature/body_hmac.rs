//! An HMAC of the raw body, written in one header: `sha256=<hex>` (GitHub), bare hex (Gitea, Gogs),
//! base64 (some generic senders).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::SignatureError;
use super::mac::Algorithm;

/// How the signature bytes are written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Hex,
    Base64,
}

/// How one sender writes its signature header: `sha256=<hex>` for GitHub, plain hex for Gitea and
/// Gogs, base64 for some.
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
        Self::hex(Algorithm::Sha256, "sha256=")
    }

    /// GitHub's legacy `X-Hub-Signature: sha1=<hex>`.
    pub fn github_sha1() -> Self {
        Self::hex(Algorithm::Sha1, "sha1=")
    }

    /// Bare hex HMAC-SHA256, as Gitea and Gogs write it.
    pub fn bare_hex_sha256() -> Self {
        Self::hex(Algorithm::Sha256, "")
    }

    fn hex(algorithm: Algorithm, prefix: &str) -> Self {
        Self {
            algorithm,
            encoding: Encoding::Hex,
            prefix: prefix.to_owned(),
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
        let header = super::present(header).ok_or(SignatureError::Missing)?;
        let encoded = strip_prefix_ignore_case(header, &self.prefix).ok_or(SignatureError::Malformed)?;
        let claimed = match self.encoding {
            Encoding::Hex => hex::decode(encoded).map_err(|_| SignatureError::Malformed)?,
            Encoding::Base64 => BASE64.decode(encoded).map_err(|_| SignatureError::Malformed)?,
        };
        if self.algorithm.matches_any(secrets, &[body], &claimed) {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// The header value a sender with `secret` would write for `body`: for tests, samples and tools.
    pub fn sign(&self, secret: &[u8], body: &[u8]) -> String {
        let mac = self.algorithm.compute(secret, &[body]);
        let encoded = match self.encoding {
            Encoding::Hex => hex::encode(mac),
            Encoding::Base64 => BASE64.encode(mac),
        };
        format!("{}{encoded}", self.prefix)
    }
}

/// `value` without `prefix`, whose case does not matter (`SHA256=` is `sha256=`).
pub(crate) fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &value[prefix.len()..])
}
