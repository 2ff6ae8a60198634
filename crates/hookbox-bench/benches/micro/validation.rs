//! Validation time of a 25 KB GitHub push against a route that uses every rule kind.

use std::hint::black_box;

use criterion::Criterion;
use hookbox_core::routes::{RouteMatch, Routes};
use hookbox_core::signature::HmacScheme;
use hookbox_core::validation::{RequestParts, Secrets};
use serde_json::json;

const SECRET: &str = "hookbox-test-secret";

/// A push event padded with commits to about 25 KB, as GitHub sends for a busy push.
fn push_body() -> Vec<u8> {
    let commits = crate::push::commits(68);
    let body = json!({"ref": "refs/heads/main", "before": "0".repeat(40), "after": "1".repeat(40),
                      "repository": {"full_name": "example/app", "default_branch": "main"},
                      "head_commit": commits[0], "commits": commits});
    serde_json::to_vec(&body).unwrap()
}

pub fn validation(c: &mut Criterion) {
    let routes = Routes::from_json(
        &json!({"routes": [{
            "name": "github", "path": "/hooks/github", "methods": ["POST"], "queues": ["mailbox"],
            "content_types": ["application/json"],
            "token": {"in": "query", "name": "token", "secret": "token"},
            "signature": {"type": "github", "secret": "github"},
            "headers": {"x-github-event": "^(push|ping)$", "user-agent": "^GitHub-Hookshot/"},
            "body": {"repository.full_name": "^example/", "commits.author.email": "@example\\.com$"},
            "attributes": {"routing-key": "event.{header:x-github-event}.{route}", "timestamp": "{body:head_commit.timestamp}"},
            "message_group": "{body:repository.full_name}",
            "deduplication_id": "{header:x-github-delivery}"
        }]})
        .to_string(),
    )
    .unwrap();
    let RouteMatch::Found(route, token) = routes.resolve("POST", "/hooks/github") else {
        unreachable!()
    };
    let mut secrets = Secrets::default();
    secrets.insert("github", vec![SECRET.to_owned()]);
    secrets.insert("token", vec!["t0ken".to_owned()]);
    let body = push_body();
    assert!((24_000..27_000).contains(&body.len()), "{} bytes", body.len());
    let signature = HmacScheme::github_sha256().sign(SECRET.as_bytes(), &body);
    let headers: hookbox_core::Headers = [
        ("content-type", "application/json"),
        ("user-agent", "GitHub-Hookshot/abc1234"),
        ("x-github-event", "push"),
        ("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        ("x-hub-signature-256", signature.as_str()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    let query = vec![("token".to_owned(), "t0ken".to_owned())];
    let parts = RequestParts {
        route: "github",
        method: "POST",
        path: "/hooks/github",
        query: &query,
        headers: &headers,
        body: &body,
        path_token: token.as_ref(),
        received_at: 1_700_000_000,
    };
    assert!(route.rules.check(&parts, &secrets).is_ok());
    c.bench_function("validate 25 KB GitHub push, every rule kind", |b| {
        b.iter(|| route.rules.check(black_box(&parts), black_box(&secrets)).unwrap())
    });
}
