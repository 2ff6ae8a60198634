//! `hookbox relay`: drains the mailbox queue and replays every stored request to an internal URL,
//! deleting a message only once the target accepted it (see `shared/DESIGN.md`).
//!
//! The pure parts (which headers travel, how the URL is built, which statuses count) are in their own
//! modules and unit-tested; [`worker`] is the receive → deliver → delete loop around them.

pub mod body;
pub mod deliver;
mod error_chain;
pub mod filter;
pub mod options;
pub mod replay;
pub mod stats;
pub mod status;
pub mod worker;

pub use options::RelayArgs;
pub use stats::Summary;
pub use worker::Relay;
