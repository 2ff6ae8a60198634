//! The Concourse notifiers' metrics (ARCHITECTURE.md has the table): the events each function got, the
//! resources they matched and what became of each check. Written by `hookbox_lambda::metrics` as one
//! EMF line per invocation (one per event kind when an S3 invocation mixes kinds).

use hookbox_lambda::{Metric, Metrics, Unit};

/// Events by `Kind`. github-concourse: `push`, `ping`, `ignored` (any other GitHub event) and
/// `refused` (a delivery answered 4xx: bad signature, wrong method, unreadable). s3-concourse, one per
/// record: `created`, `test`, `ignored` (an event that creates nothing) and `unreadable`.
pub const EVENTS: Metric = Metric {
    name: "Events",
    unit: Unit::Count,
    dimensions: &[&["Kind"]],
};

/// Resources an event concerns (0 included), per push or S3 invocation read.
pub const RESOURCES_MATCHED: Metric = Metric {
    name: "ResourcesMatched",
    unit: Unit::Count,
    dimensions: &[&[]],
};

/// Checks the ATC accepted, per invocation that checked anything.
pub const CHECKS_TRIGGERED: Metric = Metric {
    name: "ChecksTriggered",
    unit: Unit::Count,
    dimensions: &[&[]],
};

/// Checks that failed other than by timing out (refused, 5xx, unreachable), per invocation that
/// checked anything.
pub const CHECKS_FAILED: Metric = Metric {
    name: "ChecksFailed",
    unit: Unit::Count,
    dimensions: &[&[]],
};

/// Checks the ATC did not answer within `HOOKBOX_CHECK_TIMEOUT_MS`, per invocation that checked
/// anything. Not counted in [`CHECKS_FAILED`].
pub const CHECKS_TIMED_OUT: Metric = Metric {
    name: "ChecksTimedOut",
    unit: Unit::Count,
    dimensions: &[&[]],
};

/// How long each check took, whatever its outcome (a timed-out one: the timeout).
pub const ATC_LATENCY: Metric = Metric {
    name: "AtcLatency",
    unit: Unit::Milliseconds,
    dimensions: &[&[]],
};

/// Counts `n` events of `kind`.
pub fn count_events(metrics: &Metrics, kind: &str, n: usize) {
    if n > 0 {
        metrics.put(&EVENTS, n as f64, &[("Kind", kind)]);
    }
}

/// Records how many resources an event concerns.
pub fn count_matched(metrics: &Metrics, resources: usize) {
    metrics.put(&RESOURCES_MATCHED, resources as f64, &[]);
}
