//! A latency histogram over atomics: what the deliveries record and the metrics endpoint reads,
//! without a lock between them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in seconds: from a local target's milliseconds to the default 30 s
/// request timeout, so that a slow target and one that times out are told apart.
pub const BOUNDS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Counts per bucket (each value in the first bucket whose bound holds it, the last one for larger
/// values) and the sum of the values.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum_micros: AtomicU64,
}

/// What a histogram held at one moment, as Prometheus reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// For each bound of [`BOUNDS`], how many values were at most that long (cumulative).
    pub cumulative: [u64; BOUNDS.len()],
    /// How many values there are, the ones beyond the last bound included.
    pub count: u64,
    pub sum_seconds: f64,
}

impl Histogram {
    pub fn observe(&self, value: Duration) {
        let seconds = value.as_secs_f64();
        let bucket = BOUNDS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BOUNDS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut cumulative = [0; BOUNDS.len()];
        let mut running = 0;
        for (index, total) in cumulative.iter_mut().enumerate() {
            running += self.buckets[index].load(Ordering::Relaxed);
            *total = running;
        }
        let count = running + self.buckets[BOUNDS.len()].load(Ordering::Relaxed);
        let sum_seconds = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        Snapshot {
            cumulative,
            count,
            sum_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_first_bucket_that_holds_them_and_add_up() {
        let histogram = Histogram::default();
        histogram.observe(Duration::from_millis(5));
        histogram.observe(Duration::from_millis(6));
        histogram.observe(Duration::from_secs(30));
        histogram.observe(Duration::from_secs(31));
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.cumulative, [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3]);
        assert_eq!(snapshot.count, 4);
        assert!((snapshot.sum_seconds - 61.011).abs() < 1e-9, "{}", snapshot.sum_seconds);
    }
}
