//! The `X-Hub-Signature` family, GitHub's and everyone who copied it:
//!
//! - `X-Hub-Signature-256: sha256=<hex>`: GitHub, and Gitea and Forgejo when they pose as GitHub;
//! - `X-Hub-Signature: sha256=<hex>`: Bitbucket Cloud and Data Center, and GitHub-compatible senders
//!   that put SHA-256 in the older header;
//! - `X-Hub-Signature: sha1=<hex>`: GitHub's legacy header and older Bitbucket Server, counted only
//!   when the route allows SHA-1 (it is weaker, and a forger would choose it).
//!
//! The prefix names the algorithm and is required: a bare hex value in these headers is no sender's
//! documented form, so it is refused as malformed rather than guessed at.

use super::SignatureError;
use super::body_hmac::{HmacScheme, strip_prefix_ignore_case};
use crate::http::Headers;

const GITHUB_SHA256_HEADER: &str = "x-hub-signature-256";
const HUB_HEADER: &str = "x-hub-signature";

/// GitHub: `X-Hub-Signature-256` when present (then nothing else counts, so a weaker signature
/// cannot stand in for a wrong stronger one), else `X-Hub-Signature`.
pub(super) fn verify_github<S: AsRef<[u8]>>(
    allow_sha1: bool,
    secrets: &[S],
    body: &[u8],
    headers: &Headers,
) -> Result<(), SignatureError> {
    match headers.get(GITHUB_SHA256_HEADER) {
        Some(value) => HmacScheme::github_sha256().verify(secrets, body, Some(value)),
        None => verify_hub_signature(allow_sha1, secrets, body, headers),
    }
}

/// `X-Hub-Signature: sha256=<hex>`, or `sha1=<hex>` when allowed. A SHA-1 signature on a route that
/// does not allow SHA-1 counts as no signature at all.
pub(super) fn verify_hub_signature<S: AsRef<[u8]>>(
    allow_sha1: bool,
    secrets: &[S],
    body: &[u8],
    headers: &Headers,
) -> Result<(), SignatureError> {
    let value = super::present(headers.get(HUB_HEADER)).ok_or(SignatureError::Missing)?;
    let scheme = if strip_prefix_ignore_case(value, "sha256=").is_some() {
        HmacScheme::github_sha256()
    } else if strip_prefix_ignore_case(value, "sha1=").is_some() {
        if !allow_sha1 {
            return Err(SignatureError::Missing);
        }
        HmacScheme::github_sha1()
    } else {
        return Err(SignatureError::Malformed);
    };
    scheme.verify(secrets, body, Some(value))
}
