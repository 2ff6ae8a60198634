//! The webhook request as hookbox understands it, independent of AWS: what it carries (headers, media
//! type, payload), how its sender authenticates it (signatures, tokens), which route of the mailbox
//! accepts it and what it must satisfy there, and the envelope it is stored as.
//!
//! Nothing in here talks to AWS or the network: callers hand in what the logic needs, so every rule is
//! unit-tested without a cloud and the Lambda binaries stay thin. `ARCHITECTURE.md` at the repository's
//! root shows where each piece is used.

pub mod envelope;
pub mod http;
pub mod path;
pub mod routes;
pub mod signature;
pub mod validation;

pub use envelope::{BodyObject, ENVELOPE_VERSION, Envelope};
pub use http::Headers;
pub use routes::{Route, RouteMatch, Routes, RoutesError};
