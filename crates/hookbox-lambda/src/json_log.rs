//! A `tracing` subscriber that writes one JSON object per event on stdout, in the shape of
//! tracing-subscriber's `fmt().json()` without time and target (what Lambda's `LogFormat: JSON` wants):
//!
//! `{"level":"INFO","fields":{"message":"stored","bytes":812},"span":{"requestId":"…","name":"…"},"spans":[…]}`
//!
//! It is all a function needs (a level, the fields, the spans an event happened in) and nothing else:
//! no registry, no per-layer filters, no formatting machinery, so that the deployed binaries stay small.
//!
//! One filter it does have: the libraries that carry a request over the wire ([`WIRE_TARGETS`]) are
//! never written below INFO, whatever the level. At TRACE `lambda_runtime` logs every raw event it
//! receives (headers, tokens, query secrets), and the SDK and HTTP stacks log requests and responses
//! (the envelopes, with their headers). hookbox's own targets follow the level, so DEBUG and TRACE stay
//! useful and no secret reaches a log line at any level.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::sync::Mutex;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

struct Span {
    name: &'static str,
    fields: Map<String, Value>,
    references: usize,
}

type Output = dyn Fn(&[u8]) + Send + Sync;

/// Crates (a target's first `::` segment; a trailing `_` matches a family) whose debug and trace events
/// carry payloads: the Lambda runtime (the raw event), the HTTP and TLS stacks under it and under the
/// SDK (requests, headers), and the AWS SDK (operation inputs and outputs: message bodies, objects).
const WIRE_TARGETS: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "hyper",
    "hyper_util",
    "hyper_rustls",
    "h2",
    "http_body_util",
    "rustls",
    "tokio_rustls",
    "tower",
    "tower_http",
    "reqwest",
    "aws_config",
    "aws_runtime",
    "aws_sigv4",
    "aws_credential_types",
    "aws_types",
    "aws_smithy_",
    "aws_sdk_",
];

/// Whether `target` belongs to one of the [`WIRE_TARGETS`].
fn is_wire_target(target: &str) -> bool {
    let krate = target.split("::").next().unwrap_or(target);
    WIRE_TARGETS.iter().any(|wire| match wire.strip_suffix('_') {
        Some(family) => krate.starts_with(family) && krate[family.len()..].starts_with('_'),
        None => krate == *wire,
    })
}

/// The subscriber; install it with `tracing::subscriber::set_global_default`.
pub struct JsonLog {
    max: LevelFilter,
    /// Where the lines go: stdout, or a test's buffer.
    output: Box<Output>,
    /// Open spans; a span's id is its index plus one. Closed slots are reused.
    spans: Mutex<Vec<Option<Span>>>,
}

thread_local! {
    /// The spans this thread is inside, innermost last.
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl JsonLog {
    /// Lines on stdout, events up to `max`.
    pub fn new(max: LevelFilter) -> Self {
        Self::with_output(max, |line| {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(line);
            let _ = stdout.flush();
        })
    }

    fn with_output(max: LevelFilter, output: impl Fn(&[u8]) + Send + Sync + 'static) -> Self {
        Self {
            max,
            output: Box::new(output),
            spans: Mutex::new(Vec::new()),
        }
    }

    /// The event as one JSON line, with the spans entered on this thread.
    fn line(&self, event: &Event<'_>) -> Vec<u8> {
        let mut fields = Map::new();
        event.record(&mut Fields(&mut fields));
        let mut object = Map::new();
        object.insert("level".into(), Value::from(event.metadata().level().as_str()));
        object.insert("fields".into(), Value::Object(fields));
        let spans: Vec<Value> = ENTERED.with(|entered| {
            let open = self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            entered
                .borrow()
                .iter()
                .filter_map(|id| open.get(index(*id))?.as_ref())
                .map(|span| {
                    let mut fields = span.fields.clone();
                    fields.insert("name".into(), Value::from(span.name));
                    Value::Object(fields)
                })
                .collect()
        });
        if let Some(innermost) = spans.last() {
            object.insert("span".into(), innermost.clone());
        }
        if !spans.is_empty() {
            object.insert("spans".into(), Value::Array(spans));
        }
        let mut line = serde_json::to_vec(&Value::Object(object)).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

fn index(id: u64) -> usize {
    usize::try_from(id).unwrap_or(usize::MAX).wrapping_sub(1)
}

impl Subscriber for JsonLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let max = if is_wire_target(metadata.target()) {
            self.max.min(LevelFilter::INFO)
        } else {
            self.max
        };
        max >= *metadata.level()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max)
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Map::new();
        attributes.record(&mut Fields(&mut fields));
        let span = Span {
            name: attributes.metadata().name(),
            fields,
            references: 1,
        };
        let mut spans = self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = match spans.iter().position(Option::is_none) {
            Some(free) => {
                spans[free] = Some(span);
                free
            }
            None => {
                spans.push(Some(span));
                spans.len() - 1
            }
        };
        Id::from_u64(slot as u64 + 1)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(Some(span)) = spans.get_mut(index(span.into_u64())) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        (self.output)(&self.line(event));
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        ENTERED.with(|entered| {
            let mut entered = entered.borrow_mut();
            if let Some(at) = entered.iter().rposition(|open| *open == id) {
                entered.remove(at);
            }
        });
    }

    fn clone_span(&self, span: &Id) -> Id {
        let mut spans = self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(Some(open)) = spans.get_mut(index(span.into_u64())) {
            open.references += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut spans = self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = index(span.into_u64());
        let Some(Some(open)) = spans.get_mut(slot) else {
            return false;
        };
        open.references -= 1;
        if open.references > 0 {
            return false;
        }
        spans[slot] = None;
        true
    }
}

/// Records fields into a JSON object: numbers and booleans as such, the rest as text.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn events_are_json_lines_with_their_fields_and_spans() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&written);
        let log = JsonLog::with_output(LevelFilter::INFO, move |line| {
            sink.lock().unwrap().extend_from_slice(line)
        });
        tracing::subscriber::with_default(log, || {
            let span = tracing::info_span!("invoke", requestId = "r-1");
            let entered = span.enter();
            tracing::debug!("not written");
            tracing::info!(bytes = 812_u64, ok = true, error = %"boom", "stored");
            drop(entered);
            drop(span);
            tracing::warn!("outside");
            let span = tracing::info_span!("again", n = 2);
            let _entered = span.enter();
            let written_by = "test";
            tracing::error!(?written_by, "inside");
        });
        let text = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(
            lines,
            [
                serde_json::json!({"level": "INFO", "fields": {"message": "stored", "bytes": 812, "ok": true, "error": "boom"},
                                   "span": {"requestId": "r-1", "name": "invoke"}, "spans": [{"requestId": "r-1", "name": "invoke"}]}),
                serde_json::json!({"level": "WARN", "fields": {"message": "outside"}}),
                serde_json::json!({"level": "ERROR", "fields": {"message": "inside", "written_by": "\"test\""},
                                   "span": {"n": 2, "name": "again"}, "spans": [{"n": 2, "name": "again"}]}),
            ]
        );
    }

    #[test]
    fn wire_targets_are_never_written_below_info_and_ours_follow_the_level() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&written);
        let log = JsonLog::with_output(LevelFilter::TRACE, move |line| {
            sink.lock().unwrap().extend_from_slice(line)
        });
        tracing::subscriber::with_default(log, || {
            tracing::trace!(target: "lambda_runtime::layers::api_response", body = "secret", "raw JSON event");
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator", "request secret");
            tracing::debug!(target: "aws_sdk_sqs::operation", "input secret");
            tracing::trace!(target: "hyper::proto::h1", "headers secret");
            tracing::info!(target: "lambda_runtime", "runtime info");
            tracing::warn!(target: "hyper_util::client", "hyper warning");
            tracing::trace!(target: "enqueue::handler", "our trace");
            tracing::debug!(target: "hookbox_lambda::function", "our debug");
            tracing::trace!(target: "aws_smithyish", "not the SDK's family");
        });
        let text = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        let messages: Vec<String> = text
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap()["fields"]["message"].to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "\"runtime info\"",
                "\"hyper warning\"",
                "\"our trace\"",
                "\"our debug\"",
                "\"not the SDK's family\""
            ]
        );
        assert!(!text.contains("secret"), "{text}");
    }
}
