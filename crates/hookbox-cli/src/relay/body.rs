//! A stored request's body bytes, wherever its envelope keeps them: as text, as base64, or behind a
//! claim check in S3. The relay resolves the body before it hands the request to its target, so no
//! target reads envelopes' body fields or fetches from the bucket itself.

use hookbox_core::Envelope;
use hookbox_core::envelope::{BodyObject, BodySource, EnvelopeError};
use sha2::{Digest, Sha256};

use crate::relay::error_chain::error_chain;
use crate::relay::target::Outcome;

/// Reads bodies, from the claim-check bucket when they were too large to travel in the message.
pub struct BodyResolver {
    pub s3: aws_sdk_s3::Client,
}

/// Why a stored request's body cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The envelope's body fields are unusable (more than one is set, bad base64).
    #[error(transparent)]
    Unreadable(#[from] EnvelopeError),
    /// The bucket did not answer.
    #[error("cannot fetch the body {location}: {cause}")]
    Fetch { location: String, cause: String },
    /// The bucket answered but its bytes did not all arrive.
    #[error("cannot read the body {location}: {cause}")]
    Read { location: String, cause: String },
    /// The bucket holds other bytes than the envelope recorded.
    #[error("the body {location} is not the stored one ({size} bytes, sha256 {sha256})")]
    Mismatch {
        location: String,
        size: usize,
        sha256: String,
    },
}

/// An envelope whose body fields are unusable will never be replayed; a body the bucket did not give,
/// or gave wrong, may be right on a later try.
impl From<BodyError> for Outcome {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::Unreadable(_) => Outcome::Unreplayable(error.to_string()),
            BodyError::Fetch { .. } | BodyError::Read { .. } | BodyError::Mismatch { .. } => {
                Outcome::Failed(error.to_string())
            }
        }
    }
}

impl BodyResolver {
    /// The body bytes of `envelope`, decoded when they travel inline and fetched when claim-checked.
    pub async fn resolve(&self, envelope: &Envelope) -> Result<Vec<u8>, BodyError> {
        match envelope.body_source()? {
            BodySource::Empty => Ok(Vec::new()),
            BodySource::Inline(bytes) => Ok(bytes),
            BodySource::S3(object) => self.fetch(object).await,
        }
    }

    async fn fetch(&self, object: &BodyObject) -> Result<Vec<u8>, BodyError> {
        let location = format!("s3://{}/{}", object.bucket, object.key);
        let output = self
            .s3
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .send()
            .await
            .map_err(|error| BodyError::Fetch {
                location: location.clone(),
                cause: error_chain(&error),
            })?;
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|error| BodyError::Read {
                location: location.clone(),
                cause: error_chain(&error),
            })?
            .into_bytes()
            .to_vec();
        checked(object, location, bytes)
    }
}

/// `bytes` when they have the size and SHA-256 the envelope recorded, so that the target never gets the
/// wrong bytes (an overwritten or truncated object).
fn checked(object: &BodyObject, location: String, bytes: Vec<u8>) -> Result<Vec<u8>, BodyError> {
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if bytes.len() as u64 != object.size || sha256 != object.sha256 {
        return Err(BodyError::Mismatch {
            location,
            size: bytes.len(),
            sha256,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver whose client is never used: inline bodies need no bucket.
    fn resolver() -> BodyResolver {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .build();
        BodyResolver {
            s3: aws_sdk_s3::Client::from_conf(config),
        }
    }

    fn envelope(body: Option<&str>, body_base64: Option<&str>) -> Envelope {
        let mut envelope = crate::relay::test_envelope();
        envelope.body = body.map(Into::into);
        envelope.body_base64 = body_base64.map(Into::into);
        envelope
    }

    fn object(bytes: &[u8]) -> BodyObject {
        BodyObject {
            bucket: "bodies".into(),
            key: "id-1".into(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }

    #[tokio::test]
    async fn inline_bodies_are_text_or_base64_or_nothing() {
        let bodies = resolver();
        assert_eq!(bodies.resolve(&envelope(Some("{}"), None)).await.unwrap(), b"{}");
        assert_eq!(
            bodies.resolve(&envelope(None, Some("/wDDKGE="))).await.unwrap(),
            [0xff, 0x00, 0xc3, 0x28, b'a']
        );
        assert!(bodies.resolve(&envelope(None, None)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn unusable_body_fields_make_the_request_unreplayable() {
        let bodies = resolver();
        let ambiguous = bodies.resolve(&envelope(Some("a"), Some("YQ=="))).await.unwrap_err();
        assert!(matches!(
            Outcome::from(ambiguous),
            Outcome::Unreplayable(reason) if reason == "the envelope sets more than one of body, body_base64 and body_s3"
        ));
        let bad_base64 = bodies.resolve(&envelope(None, Some("not base64!"))).await.unwrap_err();
        assert!(matches!(
            Outcome::from(bad_base64),
            Outcome::Unreplayable(reason) if reason.starts_with("body_base64 is not valid base64")
        ));
    }

    #[test]
    fn a_claim_checked_body_must_be_the_recorded_one() {
        let stored = object(b"stored");
        assert_eq!(
            checked(&stored, "s3://bodies/id-1".into(), b"stored".to_vec()).unwrap(),
            b"stored"
        );
        let other = checked(&stored, "s3://bodies/id-1".into(), b"other!".to_vec()).unwrap_err();
        assert_eq!(
            other.to_string(),
            format!(
                "the body s3://bodies/id-1 is not the stored one (6 bytes, sha256 {})",
                hex::encode(Sha256::digest(b"other!"))
            )
        );
        assert!(matches!(Outcome::from(other), Outcome::Failed(_)));
        assert!(checked(&stored, "s3://bodies/id-1".into(), b"store".to_vec()).is_err());
    }
}
