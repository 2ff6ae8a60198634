//! The mailbox's metrics (ARCHITECTURE.md has the table): what happened to each request, how big it
//! was, and how long SQS and S3 took. Written by `hookbox_lambda::metrics` as one EMF line per request.

use std::time::Instant;

use hookbox_lambda::{Metric, Metrics, Unit};

/// Requests by route and [`Outcome`]; also by outcome alone, which is where a 404 (no route) counts.
pub const REQUESTS: Metric = Metric {
    name: "Requests",
    unit: Unit::Count,
    dimensions: &[&["Route", "Outcome"], &["Outcome"]],
};

/// Requests a route's rule refused, by route and the rule as the routes file names it (`signature`,
/// `token`, `content_types`, `headers.x-github-event`).
pub const REFUSED: Metric = Metric {
    name: "Refused",
    unit: Unit::Count,
    dimensions: &[&["Route", "Rule"]],
};

/// The body's size, for every request that found its route.
pub const BODY_BYTES: Metric = Metric {
    name: "BodyBytes",
    unit: Unit::Bytes,
    dimensions: &[&["Route"]],
};

/// Requests stored (202) with their body in the claim-check bucket.
pub const CLAIM_CHECKS: Metric = Metric {
    name: "ClaimChecks",
    unit: Unit::Count,
    dimensions: &[&["Route"]],
};

/// Each SendMessage call, answered or failed.
pub const SQS_TIME: Metric = Metric {
    name: "SqsTime",
    unit: Unit::Milliseconds,
    dimensions: &[&[]],
};

/// Each claim-check PutObject or DeleteObject call, answered or failed.
pub const S3_TIME: Metric = Metric {
    name: "S3Time",
    unit: Unit::Milliseconds,
    dimensions: &[&[]],
};

/// What became of a request: the `Outcome` dimension of [`REQUESTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 202: every queue of the route has it.
    Stored,
    /// 400 or 401: a route rule refused it.
    Refused,
    /// 415: the route's `content_types` rule refused it.
    UnsupportedType,
    /// 404.
    NoRoute,
    /// 405.
    MethodNotAllowed,
    /// 413: over the size cap, or too large for a message even with a claim check.
    TooLarge,
    /// 502/503: some queue did not take it.
    SqsFailed,
    /// 502/503: the claim-check bucket did not take the body.
    S3Failed,
    /// 503: the hooks table could not be read, so a hook delivery is neither accepted nor refused.
    HooksFailed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Refused => "refused",
            Self::UnsupportedType => "unsupported_type",
            Self::NoRoute => "no_route",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::TooLarge => "too_large",
            Self::SqsFailed => "sqs_failed",
            Self::S3Failed => "s3_failed",
            Self::HooksFailed => "hooks_failed",
        }
    }
}

/// Counts one request under its route (none for a 404) and outcome.
pub fn count_request(metrics: &Metrics, route: Option<&str>, outcome: Outcome) {
    let outcome = ("Outcome", outcome.as_str());
    match route {
        Some(route) => metrics.put(&REQUESTS, 1.0, &[("Route", route), outcome]),
        None => metrics.put(&REQUESTS, 1.0, &[outcome]),
    }
}

/// Milliseconds since `started`, for a `*Time` metric.
pub fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}
