//! The delivery seam: where a stored request leaves the relay. The worker decides when a request is
//! delivered and what becomes of its message afterwards; a [`Target`] only knows how to send one request
//! to one place and what the answer means.

use std::future::Future;

use hookbox_core::Envelope;

/// Somewhere the relay replays stored requests to.
///
/// A delivery takes two steps. [`prepare`](Target::prepare) turns the stored request into the
/// target's own, or says why it can never be sent; only then does the relay resolve the body (which
/// may mean a read from the claim-check bucket) and [`deliver`](Target::deliver) sends both once. So a
/// request that no try can deliver is known as such without a read from S3, and a failing read
/// cannot hide it.
///
/// The futures are `Send` because the relay runs its deliveries as tasks.
pub trait Target: Send + Sync + 'static {
    /// A stored request as this target sends it, without its body.
    type Request: Send;
    /// Why a stored request can never be sent to this target.
    type Unreplayable: std::error::Error;

    /// The request to send for `envelope`.
    fn prepare(&self, envelope: &Envelope) -> Result<Self::Request, Self::Unreplayable>;

    /// Sends `request` with its `body` once and says what became of it. Only the answer or its absence
    /// decides the outcome: whatever could make a request unreplayable, [`prepare`](Target::prepare)
    /// has checked.
    fn deliver(&self, request: Self::Request, body: Vec<u8>) -> impl Future<Output = Outcome> + Send;

    /// What [`deliver`](Target::deliver) would send, as the one JSON line `--dry-run` prints for
    /// `envelope`.
    fn describe(&self, envelope: &Envelope, request: &Self::Request, body: &[u8]) -> serde_json::Value;
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
