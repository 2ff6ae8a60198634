//! Replay protection for the timestamped schemes (Stripe, Slack, Standard Webhooks): the signed
//! timestamp must be within a tolerance of the receiver's clock, either way. The clock is a
//! parameter, never read here, so that every rule is tested at a fixed instant.

use super::SignatureError;
use super::mac::Algorithm;

/// What a timestamped delivery claims: the signed message (in parts), the signatures it carries and
/// the time it was signed at.
pub(super) struct Stamped<'a> {
    pub signed: &'a [&'a [u8]],
    pub claimed: &'a [Vec<u8>],
    pub signed_at: i64,
}

impl Stamped<'_> {
    /// The timestamped schemes' one rule: the MAC first (any claimed signature under any key, every
    /// pair tried in constant time, all HMAC-SHA256), then the clock. So a delivery refused as too old
    /// was genuinely the sender's, which tells the operator to look at clocks or queues rather than
    /// at secrets.
    pub(super) fn verify<K: AsRef<[u8]>>(
        &self,
        keys: &[K],
        tolerance: Tolerance,
        now: i64,
    ) -> Result<(), SignatureError> {
        let matched = self.claimed.iter().fold(false, |matched, claimed| {
            matched | Algorithm::Sha256.matches_any(keys, self.signed, claimed)
        });
        if !matched {
            return Err(SignatureError::Mismatch);
        }
        tolerance.admits(self.signed_at, now)
    }
}

/// How far a signed timestamp may be from the receiver's clock, before or after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerance {
    seconds: u64,
}

impl Tolerance {
    /// Five minutes, what Stripe, Slack and Standard Webhooks each recommend.
    pub const DEFAULT: Self = Self { seconds: 300 };

    pub const fn seconds(seconds: u64) -> Self {
        Self { seconds }
    }

    /// Whether a delivery signed at `signed_at` is acceptable at `now` (both unix seconds).
    pub(crate) fn admits(self, signed_at: i64, now: i64) -> Result<(), SignatureError> {
        let age = i128::from(now) - i128::from(signed_at);
        let tolerance_seconds = self.seconds;
        if age > i128::from(tolerance_seconds) {
            Err(SignatureError::TooOld { tolerance_seconds })
        } else if -age > i128::from(tolerance_seconds) {
            Err(SignatureError::TooFarInTheFuture { tolerance_seconds })
        } else {
            Ok(())
        }
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A timestamp as the timestamped schemes write it: decimal unix seconds, digits only.
pub(crate) fn parse_unix_seconds(text: &str) -> Result<i64, SignatureError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed);
    }
    text.parse().map_err(|_| SignatureError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_within_the_tolerance_either_way_is_admitted() {
        let tolerance = Tolerance::seconds(300);
        assert_eq!(tolerance.admits(1_000, 1_300), Ok(()));
        assert_eq!(tolerance.admits(1_300, 1_000), Ok(()));
        assert_eq!(
            tolerance.admits(1_000, 1_301),
            Err(SignatureError::TooOld { tolerance_seconds: 300 })
        );
        assert_eq!(
            tolerance.admits(1_301, 1_000),
            Err(SignatureError::TooFarInTheFuture { tolerance_seconds: 300 })
        );
        assert_eq!(
            Tolerance::DEFAULT.admits(0, i64::MAX),
            Err(SignatureError::TooOld { tolerance_seconds: 300 })
        );
    }

    #[test]
    fn timestamps_are_decimal_digits_only() {
        assert_eq!(parse_unix_seconds("1531420618"), Ok(1_531_420_618));
        for bad in ["", " ", "-5", "+5", "1.5", "0x10", "99999999999999999999"] {
            assert_eq!(parse_unix_seconds(bad), Err(SignatureError::Malformed), "{bad:?}");
        }
    }
}
