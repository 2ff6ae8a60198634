//! One delivery: the envelope's body bytes (inline or from the claim-check bucket) sent to the target,
//! and the answer classified.

use std::time::Duration;

use hookbox_core::Envelope;
use hookbox_core::envelope::{BodyObject, BodySource};
use sha2::{Digest, Sha256};

use crate::relay::replay::{Replay, ReplayPolicy};
use crate::relay::status::DeliveredStatuses;

/// Sends stored requests to the target.
pub struct Deliverer {
    pub http: reqwest::Client,
    pub s3: aws_sdk_s3::Client,
    pub policy: ReplayPolicy,
    pub delivered: DeliveredStatuses,
    /// Bound on one request to the target, from connect to the end of its answer's head.
    pub timeout: Duration,
}

/// What became of one attempt.
#[derive(Debug)]
pub enum Outcome {
    /// The target answered with a status that counts as delivered: the message may be deleted.
    Delivered(u16),
    /// The target answered, but not with a delivered status: try again later.
    Refused(u16),
    /// The target or the bucket could not be reached in time: try again later.
    Failed(String),
    /// The envelope can never be replayed (bad method, header, body field): leave it for the DLQ.
    Unreplayable(String),
}

impl Deliverer {
    /// The request and body that would be sent, without sending it.
    pub async fn prepare(&self, envelope: &Envelope) -> Result<(Replay, Vec<u8>), Outcome> {
        let replay = self
            .policy
            .plan(envelope)
            .map_err(|error| Outcome::Unreplayable(error.to_string()))?;
        let body = match envelope
            .body_source()
            .map_err(|error| Outcome::Unreplayable(error.to_string()))?
        {
            BodySource::Empty => Vec::new(),
            BodySource::Inline(bytes) => bytes,
            BodySource::S3(object) => self.fetch(object).await.map_err(Outcome::Failed)?,
        };
        Ok((replay, body))
    }

    /// Sends `envelope` to the target once.
    pub async fn deliver(&self, envelope: &Envelope) -> Outcome {
        let (replay, body) = match self.prepare(envelope).await {
            Ok(prepared) => prepared,
            Err(outcome) => return outcome,
        };
        let sent = self
            .http
            .request(replay.method, replay.url)
            .headers(replay.headers)
            .body(body)
            .timeout(self.timeout)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                if self.delivered.contains(status) {
                    Outcome::Delivered(status)
                } else {
                    Outcome::Refused(status)
                }
            }
            Err(error) if error.is_timeout() => Outcome::Failed(format!("no answer within {:?}", self.timeout)),
            Err(error) => Outcome::Failed(chain(&error)),
        }
    }

    /// A claim-checked body, checked against its recorded size and hash so that the target never gets
    /// the wrong bytes.
    async fn fetch(&self, object: &BodyObject) -> Result<Vec<u8>, String> {
        let where_ = format!("s3://{}/{}", object.bucket, object.key);
        let output = self
            .s3
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .send()
            .await
            .map_err(|error| format!("cannot fetch the body {where_}: {}", chain(&error)))?;
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|error| format!("cannot read the body {where_}: {}", chain(&error)))?
            .into_bytes()
            .to_vec();
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if bytes.len() as u64 != object.size || sha256 != object.sha256 {
            return Err(format!(
                "the body {where_} is not the stored one ({} bytes, sha256 {sha256})",
                bytes.len()
            ));
        }
        Ok(bytes)
    }
}

/// An error with its causes, which is where reqwest and the SDK say what actually went wrong.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
