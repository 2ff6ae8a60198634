//! Pure logic shared by the hookbox functions and tools.
//!
//! Nothing in here talks to AWS or the network: callers hand in what the logic needs, so every rule is
//! unit-tested without a cloud and the Lambda binaries stay thin.

pub mod envelope;
pub mod path;
pub mod routes;
pub mod signature;
pub mod validation;

pub use envelope::{BodyObject, ENVELOPE_VERSION, Envelope};
pub use routes::{Route, RouteMatch, Routes, RoutesError};
