//! Counters of what the relay did, shared by the deliveries, read by the metrics endpoint
//! ([`crate::relay::metrics`]) while it runs and reported on exit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::relay::histogram::{self, Histogram};

/// Live counters: one increment per handled receive of a message, and one per SQS request.
#[derive(Debug)]
pub struct Stats {
    delivered: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    dry_run: AtomicU64,
    delete_failed: AtomicU64,
    released: AtomicU64,
    receive_requests: AtomicU64,
    receive_errors: AtomicU64,
    delete_requests: AtomicU64,
    delete_errors: AtomicU64,
    in_flight: AtomicU64,
    latency: Histogram,
    /// Unix seconds of the last receive SQS answered; 0 before the first.
    last_receive: AtomicU64,
    /// When SQS last answered any request, in milliseconds after `started`; 0 (the start) before the
    /// first answer, so a relay is given one `--unhealthy-after` to reach SQS.
    last_answer_ms: AtomicU64,
    started: Instant,
}

/// What a relay run did, logged when it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Accepted by the target (and deleted, unless counted in `delete_failed` as well).
    pub delivered: u64,
    /// Attempts the target refused or did not answer in time; the message comes back later.
    pub retried: u64,
    /// Receives of messages that cannot be replayed (not an envelope, bad fields); they are left for
    /// the dead-letter queue.
    pub failed: u64,
    /// Receives of messages the filters passed over; left in the queue.
    pub skipped: u64,
    /// Messages printed by `--dry-run`.
    pub dry_run: u64,
    /// Delivered messages whose delete failed; SQS will hand them out again (a duplicate).
    pub delete_failed: u64,
    /// Messages received ahead of a free delivery slot and handed back to the queue, undelivered,
    /// because the relay was stopped.
    pub released: u64,
    /// ReceiveMessage calls, the empty ones included: with DeleteMessageBatch calls, what SQS bills.
    pub receive_requests: u64,
    /// ReceiveMessage calls that failed (SQS unreachable, refused credentials, ...).
    pub receive_errors: u64,
    /// DeleteMessageBatch calls.
    pub delete_requests: u64,
    /// DeleteMessageBatch calls that failed as a whole.
    pub delete_errors: u64,
}

/// The live values a summary does not keep: what is under way now and how long deliveries took.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauges {
    /// Deliveries holding a slot now.
    pub in_flight: u64,
    pub latency: histogram::Snapshot,
    /// Unix seconds of the last receive SQS answered; 0 before the first.
    pub last_receive: u64,
}

/// A delivery under way, counted in [`Gauges::in_flight`] until it is dropped.
#[must_use]
pub struct InFlight<'a>(&'a Stats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for Stats {
    fn default() -> Self {
        let zero = || AtomicU64::new(0);
        Self {
            delivered: zero(),
            retried: zero(),
            failed: zero(),
            skipped: zero(),
            dry_run: zero(),
            delete_failed: zero(),
            released: zero(),
            receive_requests: zero(),
            receive_errors: zero(),
            delete_requests: zero(),
            delete_errors: zero(),
            in_flight: zero(),
            latency: Histogram::default(),
            last_receive: zero(),
            last_answer_ms: zero(),
            started: Instant::now(),
        }
    }
}

impl Stats {
    pub fn delivered(&self) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }
    pub fn retried(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }
    pub fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }
    pub fn skipped(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
    pub fn dry_run(&self) {
        self.dry_run.fetch_add(1, Ordering::Relaxed);
    }
    pub fn delete_failed(&self, count: u64) {
        self.delete_failed.fetch_add(count, Ordering::Relaxed);
    }
    pub fn released(&self) {
        self.released.fetch_add(1, Ordering::Relaxed);
    }
    pub fn receive_request(&self) {
        self.receive_requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn receive_error(&self) {
        self.receive_errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn delete_request(&self) {
        self.delete_requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn delete_error(&self) {
        self.delete_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// A receive SQS answered (with messages or without).
    pub fn received(&self) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        self.last_receive.store(now.as_secs(), Ordering::Relaxed);
        self.sqs_answered();
    }

    /// Any request SQS answered: a relay busy with slow deliveries receives nothing for a while, but
    /// its visibility changes and deletes still show that SQS is there.
    pub fn sqs_answered(&self) {
        let since_start = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_answer_ms.fetch_max(since_start, Ordering::Relaxed);
    }

    /// How long SQS has not answered, or how long the relay has run if it never has.
    pub fn sqs_silent_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_answer_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    /// Counts a delivery as under way until the guard is dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Records how long one attempt took, from its body's resolution to the target's answer.
    pub fn delivery_took(&self, duration: Duration) {
        self.latency.observe(duration);
    }

    pub fn summary(&self) -> Summary {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Summary {
            delivered: get(&self.delivered),
            retried: get(&self.retried),
            failed: get(&self.failed),
            skipped: get(&self.skipped),
            dry_run: get(&self.dry_run),
            delete_failed: get(&self.delete_failed),
            released: get(&self.released),
            receive_requests: get(&self.receive_requests),
            receive_errors: get(&self.receive_errors),
            delete_requests: get(&self.delete_requests),
            delete_errors: get(&self.delete_errors),
        }
    }

    pub fn gauges(&self) -> Gauges {
        Gauges {
            in_flight: self.in_flight.load(Ordering::Relaxed),
            latency: self.latency.snapshot(),
            last_receive: self.last_receive.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_counts_the_guards_alive() {
        let stats = Stats::default();
        let first = stats.in_flight();
        let second = stats.in_flight();
        assert_eq!(stats.gauges().in_flight, 2);
        drop(first);
        drop(second);
        assert_eq!(stats.gauges().in_flight, 0);
    }

    #[test]
    fn silence_is_measured_from_the_last_answer_or_the_start() {
        let stats = Stats::default();
        std::thread::sleep(Duration::from_millis(30));
        assert!(stats.sqs_silent_for() >= Duration::from_millis(30));
        stats.received();
        assert!(stats.sqs_silent_for() < Duration::from_millis(30));
        assert!(stats.gauges().last_receive > 1_700_000_000);
    }
}
