//! A `tracing` subscriber that writes one JSON object per event on stdout, in the shape Lambda's
//! `LogFormat: JSON` and CloudWatch Logs Insights expect of an application log line:
//!
//! `{"timestamp":"2026-12-01T16:00:00.123Z","level":"INFO","message":"stored","requestId":"…","bytes":812,"route":"github"}`
//!
//! `timestamp` (RFC 3339 UTC, milliseconds) and `level` are what Lambda reads to stamp and filter the
//! line (`AWS_LAMBDA_LOG_LEVEL`); `message` and `requestId` are the fields Logs Insights and Lambda's
//! own lines use. The fields of the spans the event happened in (the runtime's span carries Lambda's
//! `requestId`, the HTTP adapter's the gateway's `gatewayRequestId`) and the event's own fields follow,
//! flat beside them, the event's winning a clash: one level of keys, so that a query says `route`, never
//! `fields.route` or `spans.0.requestId`.
//!
//! It is all a function needs (a level, the fields, the spans an event happened in) and nothing else:
//! no registry, no per-layer filters, no formatting machinery, so that the deployed binaries stay small.
//!
//! One filter it does have: the libraries that carry a request over the wire ([`WIRE_TARGETS`]) are
//! never written below INFO, whatever the level. At TRACE `lambda_runtime` logs every raw event it
//! receives (headers, tokens, query secrets), and the SDK and HTTP stacks log requests and responses
//! (the envelopes, with their headers). hookbox's own targets follow the level, so DEBUG and TRACE stay
//! useful and no secret reaches a log line at any level. Spans at INFO are always recorded, even when
//! the level is WARN or ERROR, so that those lines still name their request.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::sync::Mutex;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

struct Span {
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

    /// The event as one JSON line: the members Lambda reads first, then the fields of the spans entered
    /// on this thread (outermost first, so an inner span's field wins) and the event's own.
    fn line(&self, event: &Event<'_>) -> Vec<u8> {
        let mut fields = Map::new();
        ENTERED.with(|entered| {
            let open = self.spans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for span in entered.borrow().iter().filter_map(|id| open.get(index(*id))?.as_ref()) {
                fields.extend(span.fields.iter().map(|(name, value)| (name.clone(), value.clone())));
            }
        });
        event.record(&mut Fields(&mut fields));
        // Lambda's members are the line's own: a field of the same name does not replace them.
        fields.remove("timestamp");
        fields.remove("level");
        let message = fields.remove("message").unwrap_or_else(|| Value::from(""));
        let request_id = fields.remove(REQUEST_ID);
        let mut line = Vec::with_capacity(256);
        line.push(b'{');
        member(
            &mut line,
            "timestamp",
            &Value::from(rfc3339_millis(OffsetDateTime::now_utc())),
        );
        member(&mut line, "level", &Value::from(event.metadata().level().as_str()));
        member(&mut line, "message", &message);
        if let Some(request_id) = &request_id {
            member(&mut line, REQUEST_ID, request_id);
        }
        for (name, value) in &fields {
            member(&mut line, name, value);
        }
        line.pop();
        line.extend_from_slice(b"}\n");
        line
    }
}

/// The field Lambda's request id is in: the runtime names it so in its span, and Lambda's own lines too.
const REQUEST_ID: &str = "requestId";

/// Appends `"name":value,` to a line being written.
fn member(line: &mut Vec<u8>, name: &str, value: &Value) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *line, name);
    line.push(b':');
    let _ = serde_json::to_writer(&mut *line, value);
    line.push(b',');
}

/// `2026-12-01T16:00:00.123Z`: RFC 3339 in UTC with milliseconds, what Lambda reads as a line's time.
pub fn rfc3339_millis(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC).format(format).unwrap_or_default()
}

fn index(id: u64) -> usize {
    usize::try_from(id).unwrap_or(usize::MAX).wrapping_sub(1)
}

impl Subscriber for JsonLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let mut max = self.max;
        if metadata.is_span() {
            // The spans name the request (the runtime's is at INFO): a WARN line needs them too.
            max = max.max(LevelFilter::INFO);
        }
        if is_wire_target(metadata.target()) {
            max = max.min(LevelFilter::INFO);
        }
        max >= *metadata.level()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max.max(LevelFilter::INFO))
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Map::new();
        attributes.record(&mut Fields(&mut fields));
        let span = Span { fields, references: 1 };
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

    /// Runs `body` under a subscriber at `max` and returns what it wrote.
    fn text(max: LevelFilter, body: impl FnOnce()) -> String {
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&written);
        let log = JsonLog::with_output(max, move |line| sink.lock().unwrap().extend_from_slice(line));
        tracing::subscriber::with_default(log, body);
        let text = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert!(text.is_empty() || text.ends_with('\n'), "{text}");
        text
    }

    /// [`text`], each line parsed.
    fn written(max: LevelFilter, body: impl FnOnce()) -> Vec<Value> {
        let text = text(max, body);
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    /// The line without its timestamp, after checking that it is RFC 3339 UTC with milliseconds.
    fn untimed(mut line: Value) -> Value {
        let stamp = line["timestamp"].as_str().expect("a timestamp").to_owned();
        let shape: String = stamp
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        assert_eq!(
            shape, "0000-00-00T00:00:00.000Z",
            "RFC 3339, UTC, milliseconds: {stamp}"
        );
        line.as_object_mut().unwrap().remove("timestamp");
        line
    }

    #[test]
    fn events_are_flat_json_lines_with_their_spans_fields() {
        let lines = written(LevelFilter::INFO, || {
            let span = tracing::info_span!("Lambda runtime invoke", requestId = "r-1", xrayTraceId = "t-1");
            let entered = span.enter();
            tracing::debug!("not written");
            let inner = tracing::info_span!("gateway request", gatewayRequestId = "g-1", route = "outer");
            let inner_entered = inner.enter();
            tracing::info!(bytes = 812_u64, ok = true, error = %"boom", route = "github", "stored");
            drop(inner_entered);
            drop(entered);
            drop(span);
            tracing::warn!("outside");
            let span = tracing::info_span!("again", n = 2, requestId = "r-2");
            let _entered = span.enter();
            let written_by = "test";
            tracing::error!(?written_by, requestId = "mine", level = "not the level", "inside");
            tracing::info!(count = 1);
        });
        let lines: Vec<Value> = lines.into_iter().map(untimed).collect();
        assert_eq!(
            lines,
            [
                serde_json::json!({"level": "INFO", "message": "stored", "requestId": "r-1", "xrayTraceId": "t-1",
                                   "gatewayRequestId": "g-1", "bytes": 812, "ok": true, "error": "boom", "route": "github"}),
                serde_json::json!({"level": "WARN", "message": "outside"}),
                serde_json::json!({"level": "ERROR", "message": "inside", "requestId": "mine", "n": 2,
                                   "written_by": "\"test\""}),
                serde_json::json!({"level": "INFO", "message": "", "requestId": "r-2", "n": 2, "count": 1}),
            ]
        );
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let at = time::macros::datetime!(2026-12-01 17:00:00.123456 +01:00);
        assert_eq!(rfc3339_millis(at), "2026-12-01T16:00:00.123Z");
    }

    #[test]
    fn lines_begin_with_what_lambda_reads() {
        let text = text(LevelFilter::INFO, || {
            let span = tracing::info_span!("Lambda runtime invoke", requestId = "r-1");
            let _entered = span.enter();
            tracing::info!(aardvark = 1, "first");
        });
        let rest = text.strip_prefix("{\"timestamp\":\"").expect("the timestamp first");
        let (_, rest) = rest.split_once('"').unwrap();
        assert_eq!(
            rest,
            ",\"level\":\"INFO\",\"message\":\"first\",\"requestId\":\"r-1\",\"aardvark\":1}\n"
        );
    }

    #[test]
    fn warnings_name_their_request_even_when_info_is_off() {
        let lines = written(LevelFilter::WARN, || {
            let span = tracing::info_span!(target: "lambda_runtime", "Lambda runtime invoke", requestId = "r-1");
            let _entered = span.enter();
            tracing::info!("not written");
            tracing::warn!("refused");
            let debug = tracing::debug_span!("detail", secret = "never");
            let _inside = debug.enter();
            tracing::warn!("still named");
        });
        let lines: Vec<Value> = lines.into_iter().map(untimed).collect();
        assert_eq!(
            lines,
            [
                serde_json::json!({"level": "WARN", "message": "refused", "requestId": "r-1"}),
                serde_json::json!({"level": "WARN", "message": "still named", "requestId": "r-1"}),
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
            .map(|line| serde_json::from_str::<Value>(line).unwrap()["message"].to_string())
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
