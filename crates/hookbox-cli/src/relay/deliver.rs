//! One delivery: the envelope's body bytes (see [`crate::relay::body`]) sent to the target, and the
//! answer classified.

use std::time::Duration;

use hookbox_core::Envelope;

use crate::relay::body::BodyResolver;
use crate::relay::error_chain::error_chain;
use crate::relay::replay::{Replay, ReplayPolicy};
use crate::relay::status::DeliveredStatuses;

/// Sends stored requests to the target.
pub struct Deliverer {
    pub http: reqwest::Client,
    pub bodies: BodyResolver,
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
        let body = self.bodies.resolve(envelope).await?;
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
            Err(error) => Outcome::Failed(error_chain(&error)),
        }
    }
}
