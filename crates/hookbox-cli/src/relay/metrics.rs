//! The relay's counters in the Prometheus text exposition format (version 0.0.4), written by hand:
//! a dozen series over the atomics in [`Stats`] need no metrics library, its registry or its locks.

use std::fmt::{Display, Write as _};

use crate::relay::histogram::BOUNDS;
use crate::relay::stats::Stats;

/// The `Content-Type` of [`render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric the relay has, with its `# HELP` and `# TYPE` lines.
pub fn render(stats: &Stats) -> String {
    let summary = stats.summary();
    let gauges = stats.gauges();
    let mut out = Exposition(String::new());

    let messages = "hookbox_relay_messages_total";
    out.family(
        messages,
        "counter",
        "Received messages by what became of them: delivered (and deleted), retried (the target refused or \
         did not answer; back in the queue later), failed (cannot be replayed; left for the dead-letter \
         queue), skipped (filtered out), dry_run, released (handed back undelivered at shutdown).",
    );
    for (outcome, value) in [
        ("delivered", summary.delivered),
        ("retried", summary.retried),
        ("failed", summary.failed),
        ("skipped", summary.skipped),
        ("dry_run", summary.dry_run),
        ("released", summary.released),
    ] {
        out.sample(messages, &format!("outcome=\"{outcome}\""), value);
    }

    let undeleted = "hookbox_relay_delete_failed_messages_total";
    out.family(
        undeleted,
        "counter",
        "Delivered messages whose delete failed: SQS hands them out again, a duplicate delivery.",
    );
    out.sample(undeleted, "", summary.delete_failed);

    let in_flight = "hookbox_relay_in_flight";
    out.family(in_flight, "gauge", "Deliveries under way now.");
    out.sample(in_flight, "", gauges.in_flight);

    let latency = "hookbox_relay_delivery_duration_seconds";
    out.family(
        latency,
        "histogram",
        "How long one delivery attempt took, from reading its body to the target's answer or timeout.",
    );
    let bucket = format!("{latency}_bucket");
    for (bound, count) in BOUNDS.iter().zip(gauges.latency.cumulative) {
        out.sample(&bucket, &format!("le=\"{bound}\""), count);
    }
    out.sample(&bucket, "le=\"+Inf\"", gauges.latency.count);
    out.sample(&format!("{latency}_sum"), "", gauges.latency.sum_seconds);
    out.sample(&format!("{latency}_count"), "", gauges.latency.count);

    let requests = "hookbox_relay_sqs_requests_total";
    out.family(
        requests,
        "counter",
        "SQS requests by operation: receive (ReceiveMessage, the empty long polls included) and delete \
         (DeleteMessageBatch).",
    );
    out.sample(requests, "operation=\"receive\"", summary.receive_requests);
    out.sample(requests, "operation=\"delete\"", summary.delete_requests);

    let errors = "hookbox_relay_sqs_request_errors_total";
    out.family(errors, "counter", "SQS requests by operation that failed as a whole.");
    out.sample(errors, "operation=\"receive\"", summary.receive_errors);
    out.sample(errors, "operation=\"delete\"", summary.delete_errors);

    let last_receive = "hookbox_relay_last_receive_timestamp_seconds";
    out.family(
        last_receive,
        "gauge",
        "Unix time of the last receive SQS answered; 0 before the first.",
    );
    out.sample(last_receive, "", gauges.last_receive);

    out.0
}

/// The text being written. Writing to a `String` cannot fail, so the `fmt::Result`s are dropped.
struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &str, value: impl Display) {
        let _ = if labels.is_empty() {
            writeln!(self.0, "{name} {value}")
        } else {
            writeln!(self.0, "{name}{{{labels}}} {value}")
        };
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The value of the one sample named `series` (name and labels, as written).
    fn value<'a>(text: &'a str, series: &str) -> &'a str {
        let values: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .collect();
        assert_eq!(values.len(), 1, "{series} in:\n{text}");
        values[0]
    }

    #[test]
    fn every_sample_belongs_to_a_declared_family_with_help() {
        let text = render(&Stats::default());
        let mut declared = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                assert!(text.contains(&format!("# HELP {name} ")), "{name} has no help");
                declared.push(name.to_owned());
            } else if !line.starts_with('#') {
                let series = line.split([' ', '{']).next().unwrap();
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|suffix| series.strip_suffix(suffix))
                    .filter(|family| declared.iter().any(|name| name == family))
                    .unwrap_or(series);
                assert!(declared.iter().any(|name| name == family), "{line} has no TYPE");
                let value = line.rsplit(' ').next().unwrap();
                assert!(value.parse::<f64>().is_ok(), "{line}");
            }
        }
        assert!(declared.len() >= 7, "{text}");
    }

    #[test]
    fn counts_and_latencies_are_the_stats() {
        let stats = Stats::default();
        stats.delivered();
        stats.delivered();
        stats.retried();
        stats.receive_request();
        stats.receive_error();
        stats.delete_failed(3);
        stats.delivery_took(Duration::from_millis(20));
        stats.delivery_took(Duration::from_secs(40));
        let _under_way = stats.in_flight();
        let text = render(&stats);
        assert_eq!(value(&text, "hookbox_relay_messages_total{outcome=\"delivered\"}"), "2");
        assert_eq!(value(&text, "hookbox_relay_messages_total{outcome=\"retried\"}"), "1");
        assert_eq!(value(&text, "hookbox_relay_messages_total{outcome=\"failed\"}"), "0");
        assert_eq!(value(&text, "hookbox_relay_delete_failed_messages_total"), "3");
        assert_eq!(value(&text, "hookbox_relay_in_flight"), "1");
        assert_eq!(
            value(&text, "hookbox_relay_sqs_requests_total{operation=\"receive\"}"),
            "1"
        );
        assert_eq!(
            value(&text, "hookbox_relay_sqs_request_errors_total{operation=\"receive\"}"),
            "1"
        );
        assert_eq!(
            value(&text, "hookbox_relay_sqs_request_errors_total{operation=\"delete\"}"),
            "0"
        );
        let latency = "hookbox_relay_delivery_duration_seconds";
        assert_eq!(value(&text, &format!("{latency}_bucket{{le=\"0.01\"}}")), "0");
        assert_eq!(value(&text, &format!("{latency}_bucket{{le=\"0.025\"}}")), "1");
        assert_eq!(value(&text, &format!("{latency}_bucket{{le=\"30\"}}")), "1");
        assert_eq!(value(&text, &format!("{latency}_bucket{{le=\"+Inf\"}}")), "2");
        assert_eq!(value(&text, &format!("{latency}_count")), "2");
        assert_eq!(value(&text, &format!("{latency}_sum")), "40.02");
        assert_eq!(value(&text, "hookbox_relay_last_receive_timestamp_seconds"), "0");
    }
}
