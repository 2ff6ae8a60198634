//! The HMAC arithmetic every scheme shares: computing a MAC over a message given in parts (a body,
//! or a timestamp, separators and a body) and checking a claimed MAC in constant time.

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

/// The hash under an HMAC signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha512,
    /// Only for senders that offer nothing better (GitHub's and Bitbucket's legacy `sha1=`).
    Sha1,
}

impl Algorithm {
    /// Whether the MAC of `parts` (concatenated) under any of `secrets` is `claimed`. Every secret is
    /// tried, and each comparison is constant-time, so neither timing nor the answer tells which
    /// secret matched.
    pub(crate) fn matches_any<S: AsRef<[u8]>>(self, secrets: &[S], parts: &[&[u8]], claimed: &[u8]) -> bool {
        let mut matched = false;
        for secret in secrets {
            matched |= self.matches(secret.as_ref(), parts, claimed);
        }
        matched
    }

    /// Whether the MAC of `parts` under `key` is `claimed`, compared in constant time.
    pub(crate) fn matches(self, key: &[u8], parts: &[&[u8]], claimed: &[u8]) -> bool {
        match self {
            Self::Sha256 => keyed::<Hmac<Sha256>>(key, parts).verify_slice(claimed).is_ok(),
            Self::Sha512 => keyed::<Hmac<Sha512>>(key, parts).verify_slice(claimed).is_ok(),
            Self::Sha1 => keyed::<Hmac<sha1::Sha1>>(key, parts).verify_slice(claimed).is_ok(),
        }
    }

    /// The MAC of `parts` under `key`: what a sender computes, for tests, samples and tools.
    pub(crate) fn compute(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Self::Sha256 => keyed::<Hmac<Sha256>>(key, parts).finalize().into_bytes().to_vec(),
            Self::Sha512 => keyed::<Hmac<Sha512>>(key, parts).finalize().into_bytes().to_vec(),
            Self::Sha1 => keyed::<Hmac<sha1::Sha1>>(key, parts).finalize().into_bytes().to_vec(),
        }
    }
}

fn keyed<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> M {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}
