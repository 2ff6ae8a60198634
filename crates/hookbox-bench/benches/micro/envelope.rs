//! What enqueue and the notifiers do per request, before any network call:
//!
//! - building the envelope of a 25 KB GitHub push, from the gateway event's JSON to the message text,
//!   as enqueue does for every request;
//! - HMAC-SHA256 of a 1 MB body with one secret, the work of `X-Hub-Signature-256`, whose throughput
//!   scripts/bench sets beside `openssl speed -evp sha256` on the same machine.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use hookbox_core::signature::HmacScheme;
use hookbox_lambda::{GatewayEvent, IncomingRequest};
use serde_json::json;

/// The HTTP API event of a push padded with commits to about 25 KB, as bench/run.py sends it.
fn push_event() -> String {
    let commits = crate::push::commits(65);
    let body = json!({"ref": "refs/heads/main", "repository": {"full_name": "example/app"},
                      "head_commit": commits[0], "commits": commits})
    .to_string();
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/hooks/github", "rawQueryString": "a=1&a=2",
        "headers": {"content-type": "application/json", "user-agent": "GitHub-Hookshot/abc1234",
                    "x-github-event": "push", "x-github-delivery": "0b9e2f4a-477b-11f0-8b5e-6f1a2c3d4e5f"},
        "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "example.com",
                           "domainPrefix": "example", "requestId": "LdKxQg7YDoEEMzQ=", "routeKey": "$default",
                           "stage": "$default", "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1,
                           "http": {"method": "POST", "path": "/hooks/github", "protocol": "HTTP/1.1",
                                    "sourceIp": "140.82.115.54", "userAgent": "GitHub-Hookshot/abc1234"}},
        "body": body, "isBase64Encoded": false
    })
    .to_string()
}

fn build_envelope(event: &str) -> String {
    let event = GatewayEvent::from_json(event).unwrap();
    let request = IncomingRequest::from_event(event).unwrap();
    let id = request.request_id.clone().unwrap_or_default();
    let (envelope, _body) = request.into_envelope(id, "2026-11-23T12:00:00.000Z".to_owned(), "mailbox".to_owned());
    envelope.to_json()
}

pub fn envelope(c: &mut Criterion) {
    let event = push_event();
    assert!((24_000..30_000).contains(&event.len()), "{} bytes", event.len());
    c.bench_function("envelope of a 25 KB GitHub push (event JSON to message)", |b| {
        b.iter(|| build_envelope(black_box(&event)))
    });
}

pub fn hmac(c: &mut Criterion) {
    let body = vec![b'x'; 1024 * 1024];
    let scheme = HmacScheme::github_sha256();
    let mut group = c.benchmark_group("hmac");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("HMAC-SHA256 of a 1 MB body, one secret", |b| {
        b.iter(|| scheme.sign(black_box(b"hookbox-test-secret"), black_box(&body)))
    });
    group.finish();
}
