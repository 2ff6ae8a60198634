//! Counters of what the relay did, shared by the deliveries and reported on exit.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters: one increment per handled receive of a message, and one per SQS request.
#[derive(Debug, Default)]
pub struct Stats {
    delivered: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    dry_run: AtomicU64,
    delete_failed: AtomicU64,
    released: AtomicU64,
    receive_requests: AtomicU64,
    delete_requests: AtomicU64,
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
    /// DeleteMessageBatch calls.
    pub delete_requests: u64,
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
    pub fn delete_request(&self) {
        self.delete_requests.fetch_add(1, Ordering::Relaxed);
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
            delete_requests: get(&self.delete_requests),
        }
    }
}
