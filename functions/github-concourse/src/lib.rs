//! The GitHub-signed Concourse notifier: GitHub sends a push delivery, the function checks its
//! signature, finds the Concourse resources the push concerns (`hookbox-concourse`) and asks the ATC
//! to check exactly those, at once, so that teams can poll rarely and still build immediately.
//!
//! `main.rs` only starts the runtime; everything here is testable without AWS.

pub mod config;
pub mod handler;
pub mod startup;

pub use handler::Notifier;
