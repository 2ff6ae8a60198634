//! `hookbox relay`: drains the mailbox queue and replays every stored request to an internal URL,
//! deleting a message only once the target accepted it. Any other outcome leaves the message in the
//! queue to come back later, and the queue's redrive policy (not the relay) moves one that keeps
//! failing to the dead-letter queue.
//!
//! [`worker`] is the receive → deliver → delete loop. For each message it resolves the body
//! ([`body`]), then hands the request to a [`target::Target`], the delivery seam; [`http_target`] is the
//! one there is. The pure parts (which headers travel, how the URL is built, which statuses count) are
//! in their own modules and unit-tested.
//!
//! [`start`] runs a relay from its options, with [`endpoint`] beside it when `--metrics-addr` is set:
//! `/metrics` renders the live [`stats`] ([`metrics`], [`histogram`]) and `/healthz` says whether SQS
//! has answered lately.

pub mod body;
pub mod endpoint;
mod error_chain;
pub mod filter;
pub mod histogram;
pub mod http_target;
pub mod metrics;
pub mod options;
pub mod replay;
pub mod start;
pub mod stats;
pub mod status;
pub mod target;
pub mod worker;

pub use options::RelayArgs;
pub use start::StartError;
pub use stats::Summary;
pub use worker::Relay;

/// The stored request the unit tests start from: a POST to `/hooks/github` on the `github` route.
#[cfg(test)]
fn test_envelope() -> hookbox_core::Envelope {
    hookbox_core::Envelope::new(
        "id-1".into(),
        "2026-11-23T12:00:00Z".into(),
        "github".into(),
        "POST".into(),
        "/hooks/github".into(),
    )
}
