//! The hooks API's metric (ARCHITECTURE.md has the table): each request by operation and answer, so that
//! a dashboard shows how many hooks are created and revoked, and how often callers are refused.

use hookbox_lambda::{Metric, Unit};

/// Requests by `Operation` (`save`, `list`, `show`, `probe`, `delete`, `none` when the path or method
/// names none) and `Status` (the HTTP status answered, e.g. `200`, `404`).
pub const REQUESTS: Metric = Metric {
    name: "Requests",
    unit: Unit::Count,
    dimensions: &[&["Operation", "Status"]],
};
