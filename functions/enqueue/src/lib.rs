//! The webhook mailbox: an HTTP endpoint behind API Gateway or a Function URL that stores every
//! accepted request as one envelope (see `ARCHITECTURE.md`) in one or more SQS queues, with bodies too
//! large for a message kept in S3 (claim check).
//!
//! `main.rs` only starts the runtime; everything here is testable without AWS.

pub mod config;
pub mod handler;
pub mod hooks;
pub mod message;
pub mod metrics;
pub mod startup;
pub mod storage;

pub use handler::Mailbox;
