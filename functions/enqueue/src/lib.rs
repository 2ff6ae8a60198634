//! The webhook mailbox: an HTTP endpoint behind API Gateway or a Function URL that stores every
//! accepted request as one envelope (see `shared/DESIGN.md`) in one or more SQS queues, with bodies too
//! large for a message kept in S3 (claim check).
//!
//! `main.rs` only starts the runtime; everything here is testable without AWS.

pub mod config;
pub mod handler;
pub mod message;
pub mod startup;
pub mod storage;

/// The gateway side lives in `hookbox-gateway`, shared with the other HTTP functions.
pub use hookbox_gateway::{request, response};

pub use handler::Mailbox;
