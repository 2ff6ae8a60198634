//! Table-driven tests of every rule, through the routes file as users write it.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::routes::{RouteMatch, Routes};
use crate::signature::{HmacScheme, slack, standard_webhooks, stripe};

const SECRET: &str = "It's a Secret to Everybody";
/// The receiver's clock in every test here (unix seconds).
const NOW: i64 = 1_700_000_000;
/// A Standard Webhooks secret: `whsec_` and the base64 of the key "standard-webhooks-key".
const STANDARD_WEBHOOKS_SECRET: &str = "whsec_c3RhbmRhcmQtd2ViaG9va3Mta2V5";

/// A request as a test writes it.
#[derive(Clone)]
struct Req {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    headers: Headers,
    body: Vec<u8>,
}

fn req(path: &str) -> Req {
    Req {
        method: "POST",
        path: path.to_owned(),
        query: Vec::new(),
        headers: Headers::default(),
        body: Vec::new(),
    }
}

impl Req {
    fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
    fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }
    /// Signs the body as GitHub does.
    fn github_signed(self, secret: &str) -> Self {
        let signature = HmacScheme::github_sha256().sign(secret.as_bytes(), &self.body);
        self.header("x-hub-signature-256", &signature)
    }
}

fn secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.insert("github", vec![SECRET.to_owned()]);
    secrets.insert("jenkins", vec!["old-token".to_owned(), "new-token".to_owned()]);
    secrets.insert("gitlab", vec!["gl-secret".to_owned()]);
    secrets.insert("stripe", vec!["whsec_old".to_owned(), "whsec_stripe".to_owned()]);
    secrets.insert("slack", vec!["slack-signing-secret".to_owned()]);
    secrets.insert("standard", vec![STANDARD_WEBHOOKS_SECRET.to_owned()]);
    secrets
}

/// Runs one request through a one-route table whose route has `rules` (JSON fields merged into the
/// route) and returns the outcome.
fn run(path: &str, rules: serde_json::Value, request: &Req) -> Result<Accepted, Rejection> {
    let mut route = json!({"name": "r", "path": path, "queues": ["q"]});
    route
        .as_object_mut()
        .unwrap()
        .extend(rules.as_object().unwrap().clone());
    let routes = Routes::from_json(&json!({"routes": [route]}).to_string()).unwrap_or_else(|error| panic!("{error}"));
    let RouteMatch::Found(route, token) = routes.resolve(request.method, &request.path) else {
        panic!("{} should match {path}", request.path)
    };
    let parts = RequestParts {
        route: &route.name,
        method: request.method,
        path: &request.path,
        query: &request.query,
        headers: &request.headers,
        body: &request.body,
        path_token: token.as_ref(),
        received_at: NOW,
    };
    route.rules.check(&parts, &secrets())
}

fn rejected_by(outcome: Result<Accepted, Rejection>) -> (u16, String) {
    let rejection = outcome.expect_err("the request should be refused");
    assert!(!rejection.message.contains(SECRET) && !rejection.message.contains("token\u{0}"));
    (rejection.status, rejection.rule)
}

#[test]
fn tokens_in_each_place() {
    let query = json!({"token": {"in": "query", "name": "token", "secret": "jenkins"}});
    let header = json!({"token": {"in": "header", "name": "X-Hook-Token", "secret": "jenkins"}});
    let path = json!({"token": {"in": "path", "secret": "jenkins"}});
    let cases: Vec<(&str, &serde_json::Value, Req, Option<u16>)> = vec![
        ("/h", &query, req("/h").query("token", "new-token"), None),
        ("/h", &query, req("/h").query("token", "old-token"), None),
        ("/h", &query, req("/h").query("token", "wrong"), Some(401)),
        ("/h", &query, req("/h").query("token", ""), Some(401)),
        ("/h", &query, req("/h").query("other", "new-token"), Some(401)),
        ("/h", &query, req("/h").header("token", "new-token"), Some(401)),
        ("/h", &header, req("/h").header("x-hook-token", "new-token"), None),
        ("/h", &header, req("/h").header("x-hook-token", "new-token-"), Some(401)),
        ("/h", &header, req("/h").query("x-hook-token", "new-token"), Some(401)),
        ("/h/{token}", &path, req("/h/new-token"), None),
        ("/h/{token}", &path, req("/h/NEW-TOKEN"), Some(401)),
    ];
    for (pattern, rules, request, expected) in cases {
        let outcome = run(pattern, rules.clone(), &request);
        match expected {
            None => assert!(
                outcome.is_ok(),
                "{pattern} {:?} {:?}: {outcome:?}",
                request.query,
                request.headers
            ),
            Some(status) => assert_eq!(
                rejected_by(outcome),
                (status, "token".to_owned()),
                "{pattern} {:?}",
                request.path
            ),
        }
    }
}

#[test]
fn tokens_are_redacted_unless_the_route_stores_them() {
    let query = json!({"token": {"in": "query", "name": "token", "secret": "jenkins"}});
    let accepted = run("/h", query, &req("/h").query("token", "new-token")).unwrap();
    assert_eq!(accepted.redactions, vec![Redaction::Query("token".into())]);

    let stored = json!({"token": {"in": "query", "name": "token", "secret": "jenkins", "store": true}});
    assert_eq!(
        run("/h", stored, &req("/h").query("token", "new-token"))
            .unwrap()
            .redactions,
        vec![]
    );

    let path = json!({"token": {"in": "path", "secret": "jenkins"}});
    assert_eq!(
        run("/h/{token}/x", path, &req("/h/new-token/x")).unwrap().redactions,
        vec![Redaction::Path(3..12)]
    );
}

#[test]
fn gitlabs_token_is_redacted_like_a_token_unless_the_signature_stores_it() {
    let gitlab = json!({"signature": {"type": "gitlab", "secret": "gitlab"}});
    let request = req("/h").header("X-Gitlab-Token", "gl-secret");
    assert_eq!(
        run("/h", gitlab, &request).unwrap().redactions,
        vec![Redaction::Header("x-gitlab-token".into())]
    );
    let stored = json!({"signature": {"type": "gitlab", "secret": "gitlab", "store": true}});
    assert_eq!(run("/h", stored, &request).unwrap().redactions, vec![]);

    let both = json!({
        "token": {"in": "query", "name": "token", "secret": "jenkins"},
        "signature": {"type": "gitlab", "secret": "gitlab"}
    });
    let request = request.query("token", "new-token");
    assert_eq!(
        run("/h", both, &request).unwrap().redactions,
        vec![
            Redaction::Query("token".into()),
            Redaction::Header("x-gitlab-token".into())
        ]
    );
    let github = json!({"signature": {"type": "github", "secret": "github"}});
    let signed = req("/h").body("{}").github_signed(SECRET);
    assert_eq!(run("/h", github, &signed).unwrap().redactions, vec![]);
}

#[test]
fn signatures_of_each_sender() {
    let github = json!({"signature": {"type": "github", "secret": "github"}});
    let github_sha1 = json!({"signature": {"type": "github", "secret": "github", "allow_sha1": true}});
    let gitlab = json!({"signature": {"type": "gitlab", "secret": "gitlab"}});
    let gitea = json!({"signature": {"type": "gitea", "secret": "github"}});
    let bitbucket = json!({"signature": {"type": "bitbucket", "secret": "github"}});
    let generic = json!({"signature": {"type": "hmac", "secret": "github", "header": "X-Signature", "encoding": "base64", "prefix": "v1,"}});
    let gogs = json!({"signature": {"type": "gogs", "secret": "github"}});
    let bitbucket_sha1 = json!({"signature": {"type": "bitbucket", "secret": "github", "allow_sha1": true}});
    let sha512 =
        json!({"signature": {"type": "hmac", "secret": "github", "header": "X-Signature", "algorithm": "sha512"}});
    let stripe = json!({"signature": {"type": "stripe", "secret": "stripe"}});
    let slack = json!({"signature": {"type": "slack", "secret": "slack"}});
    let standard = json!({"signature": {"type": "standard-webhooks", "secret": "standard"}});
    let body = br#"{"zen": "Keep it logically awesome."}"#;
    let sha256_hex = |prefix: &str| {
        HmacScheme {
            prefix: prefix.into(),
            ..HmacScheme::github_sha256()
        }
        .sign(SECRET.as_bytes(), body)
    };
    let sha1 = HmacScheme::github_sha1().sign(SECRET.as_bytes(), body);
    let base64 = HmacScheme {
        algorithm: crate::signature::Algorithm::Sha256,
        encoding: crate::signature::Encoding::Base64,
        prefix: "v1,".into(),
    }
    .sign(SECRET.as_bytes(), body);
    let sha512_hex = HmacScheme {
        algorithm: crate::signature::Algorithm::Sha512,
        ..HmacScheme::bare_hex_sha256()
    }
    .sign(SECRET.as_bytes(), body);
    let with = |name: &str, value: &str| req("/h").body(body).header(name, value);
    let stripe_signed = |secret: &str, at: i64| with("Stripe-Signature", &stripe::sign(secret.as_bytes(), at, body));
    let slack_signed = |secret: &str, at: i64| {
        with("X-Slack-Signature", &slack::sign(secret.as_bytes(), at, body))
            .header("X-Slack-Request-Timestamp", &at.to_string())
    };
    let standard_signed = |secret: &str, at: i64| {
        let key = standard_webhooks::secret_key(secret.as_bytes()).unwrap();
        with("webhook-id", "msg_1")
            .header("webhook-timestamp", &at.to_string())
            .header("webhook-signature", &standard_webhooks::sign(&key, "msg_1", at, body))
    };
    let cases = vec![
        (&github, req("/h").body(body).github_signed(SECRET), true),
        (&github, req("/h").body(body).github_signed("wrong secret"), false),
        (&github, req("/h").body(body), false),
        (&github, with("x-hub-signature", &sha1), false),
        (&github_sha1, with("x-hub-signature", &sha1), true),
        (&github_sha1, with("x-hub-signature", &sha1.replace('a', "b")), false),
        (&gitlab, with("x-gitlab-token", "gl-secret"), true),
        (&gitlab, with("x-gitlab-token", "gl-secre"), false),
        (&gitea, with("x-gitea-signature", &sha256_hex("")), true),
        (&gitea, with("x-gitea-signature", &sha256_hex("sha256=")), false),
        (&bitbucket, with("x-hub-signature", &sha256_hex("sha256=")), true),
        (&generic, with("x-signature", &base64), true),
        (&generic, with("x-signature", &sha256_hex("v1,")), false),
        (&github, with("x-hub-signature", &sha256_hex("sha256=")), true),
        (&github, with("x-hub-signature-256", &sha256_hex("")), false),
        (&gogs, with("x-gogs-signature", &sha256_hex("")), true),
        (&gogs, with("x-gitea-signature", &sha256_hex("")), false),
        (&bitbucket, with("x-hub-signature", &sha1), false),
        (&bitbucket_sha1, with("x-hub-signature", &sha1), true),
        (&sha512, with("x-signature", &sha512_hex), true),
        (&sha512, with("x-signature", &sha256_hex("")), false),
        (&stripe, stripe_signed("whsec_stripe", NOW - 10), true),
        (&stripe, stripe_signed("whsec_old", NOW), true),
        (&stripe, stripe_signed("whsec_other", NOW), false),
        (&stripe, stripe_signed("whsec_stripe", NOW - 301), false),
        (&slack, slack_signed("slack-signing-secret", NOW + 10), true),
        (&slack, slack_signed("other", NOW), false),
        (&slack, slack_signed("slack-signing-secret", NOW - 301), false),
        (&standard, standard_signed(STANDARD_WEBHOOKS_SECRET, NOW), true),
        (&standard, standard_signed("whsec_b3RoZXI=", NOW), false),
        (&standard, standard_signed(STANDARD_WEBHOOKS_SECRET, NOW + 301), false),
    ];
    for (rules, request, ok) in cases {
        let outcome = run("/h", rules.clone(), &request);
        if ok {
            assert!(outcome.is_ok(), "{rules} {:?}: {outcome:?}", request.headers);
        } else {
            assert_eq!(
                rejected_by(outcome),
                (401, "signature".to_owned()),
                "{rules} {:?}",
                request.headers
            );
        }
    }
}

#[test]
fn a_stale_delivery_is_refused_with_the_tolerance_named_and_the_route_may_widen_it() {
    let body = b"{}";
    let at = NOW - 600;
    let request = req("/h")
        .body(body)
        .header("Stripe-Signature", &stripe::sign(b"whsec_stripe", at, body));
    let strict = json!({"signature": {"type": "stripe", "secret": "stripe"}});
    let rejection = run("/h", strict, &request).expect_err("ten minutes is too old");
    assert_eq!((rejection.status, rejection.rule.as_str()), (401, "signature"));
    assert!(
        rejection.message.contains("too old") && rejection.message.contains("300 seconds"),
        "{rejection}"
    );
    assert!(!rejection.message.contains("whsec_"), "{rejection}");
    let lenient = json!({"signature": {"type": "stripe", "secret": "stripe", "tolerance_seconds": 900}});
    assert!(run("/h", lenient, &request).is_ok());

    let future = req("/h")
        .body(body)
        .header(
            "X-Slack-Signature",
            &slack::sign(b"slack-signing-secret", NOW + 600, body),
        )
        .header("X-Slack-Request-Timestamp", &(NOW + 600).to_string());
    let slack = json!({"signature": {"type": "slack", "secret": "slack"}});
    let rejection = run("/h", slack, &future).expect_err("ten minutes ahead is too far");
    assert!(rejection.message.contains("too far in the future"), "{rejection}");
}

#[test]
fn signature_fields_belong_to_their_senders() {
    let refused = |signature: serde_json::Value| {
        let route = json!({"routes": [{"name": "r", "path": "/h", "queues": ["q"], "signature": signature}]});
        Routes::from_json(&route.to_string())
            .expect_err("should be refused")
            .to_string()
    };
    for (signature, field) in [
        (
            json!({"type": "gitea", "secret": "s", "allow_sha1": true}),
            "allow_sha1",
        ),
        (json!({"type": "github", "secret": "s", "store": true}), "store"),
        (
            json!({"type": "github", "secret": "s", "tolerance_seconds": 60}),
            "tolerance_seconds",
        ),
        (
            json!({"type": "stripe", "secret": "s", "tolerance_seconds": 0}),
            "tolerance_seconds",
        ),
        (json!({"type": "slack", "secret": "s", "header": "x-other"}), "type"),
        (json!({"type": "standard_webhooks", "secret": "s"}), "type"),
    ] {
        let error = refused(signature.clone());
        assert!(error.contains(&format!("signature.{field}")), "{signature}: {error}");
    }
    for kind in [
        "github",
        "gitlab",
        "gitea",
        "gogs",
        "bitbucket",
        "stripe",
        "slack",
        "standard-webhooks",
    ] {
        let route = json!({"routes": [{"name": "r", "path": "/h", "queues": ["q"], "signature": {"type": kind, "secret": "s"}}]});
        assert!(Routes::from_json(&route.to_string()).is_ok(), "{kind}");
    }
}

#[test]
fn a_signature_over_a_re_encoded_body_fails() {
    let rules = json!({"signature": {"type": "github", "secret": "github"}});
    let original = br#"{"a": 1, "b": [1, 2]}"#;
    let signature = HmacScheme::github_sha256().sign(SECRET.as_bytes(), original);
    let reencoded = serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(original).unwrap()).unwrap();
    assert_ne!(reencoded, original);
    let request = req("/h").body(&reencoded).header("x-hub-signature-256", &signature);
    assert_eq!(rejected_by(run("/h", rules, &request)), (401, "signature".to_owned()));
}

#[test]
fn header_rules() {
    let rules = json!({"headers": {"X-GitHub-Event": "^(push|ping)$"}});
    let cases = [
        (req("/h").header("x-github-event", "push"), None),
        (req("/h").header("X-GitHub-Event", "ping"), None),
        (
            req("/h").header("x-github-event", "pull_request"),
            Some("headers.x-github-event"),
        ),
        (
            req("/h").header("x-github-event", "pushy"),
            Some("headers.x-github-event"),
        ),
        (req("/h"), Some("headers.x-github-event")),
        (
            req("/h")
                .header("x-github-event", "issues")
                .header("x-github-event", "push"),
            None,
        ),
    ];
    for (request, failure) in cases {
        let outcome = run("/h", rules.clone(), &request);
        match failure {
            None => assert!(outcome.is_ok(), "{:?}: {outcome:?}", request.headers),
            Some(rule) => assert_eq!(rejected_by(outcome), (400, rule.to_owned()), "{:?}", request.headers),
        }
    }
}

#[test]
fn body_rules_with_lists_and_malformed_json() {
    let rules = json!({"body": {"project.items.name": "^example_[0-9]+$", "action": "^opened$"}});
    let cases = [
        (
            json!({"action": "opened", "project": {"items": [{"name": "example_12"}]}}).to_string(),
            None,
        ),
        (
            json!({"action": "opened", "project": {"items": [{"name": "x"}, {"name": "example_7"}]}}).to_string(),
            None,
        ),
        (
            json!({"action": "opened", "project": {"items": {"name": "example_1"}}}).to_string(),
            None,
        ),
        (
            json!({"action": "opened", "project": {"items": [{"name": "example_x"}]}}).to_string(),
            Some("body.project.items.name"),
        ),
        (
            json!({"action": "opened", "project": {"items": []}}).to_string(),
            Some("body.project.items.name"),
        ),
        (
            json!({"action": "closed", "project": {"items": [{"name": "example_1"}]}}).to_string(),
            Some("body.action"),
        ),
        (
            json!({"project": {"items": [{"name": "example_1"}]}}).to_string(),
            Some("body.action"),
        ),
        ("{not json".to_owned(), Some("body.action")),
        (String::new(), Some("body.action")),
    ];
    for (body, failure) in cases {
        let outcome = run("/h", rules.clone(), &req("/h").body(&body));
        match failure {
            None => assert!(outcome.is_ok(), "{body}: {outcome:?}"),
            Some(rule) => assert_eq!(rejected_by(outcome), (400, rule.to_owned()), "{body}"),
        }
    }
}

#[test]
fn body_rules_read_githubs_form_deliveries() {
    let rules = json!({"body": {"repository.full_name": "^example/"}});
    let payload = json!({"repository": {"full_name": "example/app"}}).to_string();
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload)
        .finish();
    let request = req("/h")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(&form);
    assert!(run("/h", rules.clone(), &request).is_ok());
    let not_form = req("/h").header("content-type", "text/plain").body(&form);
    assert_eq!(rejected_by(run("/h", rules, &not_form)).0, 400);
}

#[test]
fn content_types() {
    let rules = json!({"content_types": ["application/json", "text/*"]});
    let cases = [
        (Some("application/json"), "{}", true),
        (Some("application/json; charset=utf-8"), "{}", true),
        (Some("application/vnd.github+json"), "{}", true),
        (Some("TEXT/PLAIN"), "x", true),
        (Some("application/x-www-form-urlencoded"), "a=1", false),
        (Some("application/octet-stream"), "x", false),
        (None, "x", false),
        (None, "", true),
    ];
    for (content_type, body, ok) in cases {
        let mut request = req("/h").body(body);
        if let Some(value) = content_type {
            request = request.header("content-type", value);
        }
        let outcome = run("/h", rules.clone(), &request);
        if ok {
            assert!(outcome.is_ok(), "{content_type:?}: {outcome:?}");
        } else {
            assert_eq!(
                rejected_by(outcome),
                (415, "content_types".to_owned()),
                "{content_type:?}"
            );
        }
    }
}

#[test]
fn rules_run_in_the_documented_order() {
    let rules = json!({
        "content_types": ["application/json"],
        "token": {"in": "query", "name": "token", "secret": "jenkins"},
        "signature": {"type": "github", "secret": "github"},
        "headers": {"x-github-event": "^push$"},
        "body": {"ref": "^refs/heads/"}
    });
    let good = req("/h")
        .query("token", "new-token")
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .body(r#"{"ref": "refs/heads/main"}"#)
        .github_signed(SECRET);
    assert!(run("/h", rules.clone(), &good).is_ok());
    let mut wrong_everything = req("/h")
        .query("token", "bad")
        .header("content-type", "text/plain")
        .body("x");
    assert_eq!(
        rejected_by(run("/h", rules.clone(), &wrong_everything)).1,
        "content_types"
    );
    wrong_everything.headers[0].1 = "application/json".into();
    assert_eq!(rejected_by(run("/h", rules.clone(), &wrong_everything)).1, "token");
    wrong_everything.query[0].1 = "new-token".into();
    assert_eq!(rejected_by(run("/h", rules.clone(), &wrong_everything)).1, "signature");
    let wrong_everything = wrong_everything.github_signed(SECRET);
    assert_eq!(
        rejected_by(run("/h", rules.clone(), &wrong_everything)).1,
        "headers.x-github-event"
    );
    let wrong_body = wrong_everything.header("x-github-event", "push");
    assert_eq!(rejected_by(run("/h", rules, &wrong_body)).1, "body.ref");
}

#[test]
fn routing_metadata_from_headers_body_and_route() {
    let rules = json!({
        "attributes": {"routing-key": "event.{header:X-GitHub-Event}.{route}", "timestamp": "{body:head_commit.timestamp}", "absent": "{header:x-none}"},
        "message_group": "{body:repository.full_name}",
        "deduplication_id": "{header:x-github-delivery}"
    });
    let request = req("/h")
        .header("x-github-event", "push")
        .header("x-github-delivery", "d-1")
        .body(r#"{"head_commit": {"timestamp": "2026-11-23T12:00:00Z"}, "repository": {"full_name": "example/app"}}"#);
    let accepted = run("/h", rules, &request).unwrap();
    assert_eq!(
        accepted.attributes,
        [
            ("routing-key".to_owned(), "event.push.r".to_owned()),
            ("timestamp".to_owned(), "2026-11-23T12:00:00Z".to_owned())
        ]
    );
    assert_eq!(accepted.message_group.as_deref(), Some("example/app"));
    assert_eq!(accepted.deduplication_id.as_deref(), Some("d-1"));
}

/// A signed GitHub route and a token route: a request either is exactly what was signed, or fails.
fn signed_route() -> serde_json::Value {
    json!({"signature": {"type": "github", "secret": "github"}})
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_body_mutation_is_accepted(body in proptest::collection::vec(any::<u8>(), 1..512), index in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let signed = req("/h").body(&body).github_signed(SECRET);
        prop_assert!(run("/h", signed_route(), &signed).is_ok());
        let mut mutated = signed.clone();
        let at = index.index(body.len());
        mutated.body[at] ^= flip;
        prop_assert_eq!(rejected_by(run("/h", signed_route(), &mutated)).0, 401);
        let mut truncated = signed.clone();
        truncated.body.truncate(at);
        prop_assert_eq!(rejected_by(run("/h", signed_route(), &truncated)).0, 401);
        let mut extended = signed;
        extended.body.push(flip);
        prop_assert_eq!(rejected_by(run("/h", signed_route(), &extended)).0, 401);
    }

    #[test]
    fn no_signature_mutation_is_accepted(body in proptest::collection::vec(any::<u8>(), 0..256), index in any::<prop::sample::Index>(), replacement in "[0-9a-fA-F=]") {
        let signed = req("/h").body(&body).github_signed(SECRET);
        let signature = signed.headers[0].1.clone();
        let at = index.index(signature.len());
        let mut mutated_signature = signature.clone();
        mutated_signature.replace_range(at..at + 1, &replacement);
        prop_assume!(!mutated_signature.eq_ignore_ascii_case(&signature));
        let mut mutated = signed;
        mutated.headers[0].1 = mutated_signature;
        prop_assert_eq!(rejected_by(run("/h", signed_route(), &mutated)).0, 401);
    }

    #[test]
    fn no_other_secret_is_accepted(body in proptest::collection::vec(any::<u8>(), 0..256), secret in ".{0,40}") {
        prop_assume!(secret != SECRET);
        let forged = req("/h").body(&body).github_signed(&secret);
        prop_assert_eq!(rejected_by(run("/h", signed_route(), &forged)).0, 401);
    }

    #[test]
    fn no_other_token_is_accepted(token in "[!-~]{0,40}") {
        prop_assume!(token != "old-token" && token != "new-token");
        let rules = json!({"token": {"in": "query", "name": "token", "secret": "jenkins"}});
        prop_assert_eq!(rejected_by(run("/h", rules, &req("/h").query("token", &token))).0, 401);
    }
}
