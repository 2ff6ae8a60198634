//! The S3 Concourse notifier: S3 says an object was created, the function finds the s3 and semver
//! resources that watch it (`hookbox-concourse`) and asks the ATC to check exactly those, at once, so
//! that pipelines can poll rarely and still start as soon as an artifact lands.
//!
//! `main.rs` only starts the runtime; everything here is testable without AWS.

pub mod handler;
pub mod startup;

pub use handler::Notifier;
