//! The real github-concourse binary under the `cargo lambda` runtime emulator, checking resources on
//! a fake ATC (a real HTTP server on 127.0.0.1 that records every request). Each test gets its own
//! fake ATC, emulator and function process.

use std::path::Path;
use std::time::{Duration, Instant};

use hookbox_core::signature::HmacScheme;
use hookbox_testkit::aws::{LocalAws, local_aws_env};
use hookbox_testkit::fake_atc::{Behaviour, FakeAtc};
use hookbox_testkit::logs::{MetricValue, line_with, log_lines, metric};
use hookbox_testkit::moto::Moto;
use hookbox_testkit::notifier::NotifierStack;
use serde_json::{Value, json};

const FUNCTION: &str = "github-concourse";
const SECRET: &str = "hookbox-test-secret";

/// The function in front of a fake ATC, with `config`, the test's webhook secrets and `env` over the
/// defaults.
fn start(config: Value, env: &[(&str, &str)]) -> NotifierStack {
    let secrets = format!(r#"["retired-secret", "{SECRET}"]"#);
    let mut vars = vec![("HOOKBOX_GITHUB_WEBHOOK_SECRETS", secrets.as_str())];
    vars.extend_from_slice(env);
    let binary = Path::new(env!("CARGO_BIN_EXE_github-concourse"));
    NotifierStack::start(FUNCTION, binary, config, &vars)
}

/// What GitHub does to the function.
trait GitHub {
    async fn deliver(&self, event: &str, content_type: &str, body: &str, signature: Option<&str>) -> (u16, Value);
    async fn push(&self, push: &Value) -> (u16, Value, Vec<(String, String)>);
}

impl GitHub for NotifierStack {
    /// Delivers `body` as GitHub would: signed with `signature` (or the test secret when `None`).
    async fn deliver(&self, event: &str, content_type: &str, body: &str, signature: Option<&str>) -> (u16, Value) {
        let signed = HmacScheme::github_sha256().sign(SECRET.as_bytes(), body.as_bytes());
        let mut headers = json!({
            "content-type": content_type, "x-github-event": event,
            "x-github-delivery": "d-1", "user-agent": "GitHub-Hookshot/test"
        });
        match signature {
            None => headers["x-hub-signature-256"] = json!(signed),
            Some("") => {}
            Some(forged) => headers["x-hub-signature-256"] = json!(forged),
        }
        self.invoke_http(&http_event(headers, body)).await
    }

    /// Delivers a JSON push and returns the status, answer and the checks the ATC received.
    async fn push(&self, push: &Value) -> (u16, Value, Vec<(String, String)>) {
        self.atc.clear();
        let (status, body) = self.deliver("push", "application/json", &push.to_string(), None).await;
        (status, body, self.atc.checked())
    }
}

fn http_event(headers: Value, body: &str) -> Value {
    json!({
        "version": "2.0", "routeKey": "POST /github-concourse", "rawPath": "/github-concourse",
        "rawQueryString": "", "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "example.com",
            "domainPrefix": "example", "requestId": "req-1", "routeKey": "POST /github-concourse",
            "stage": "$default", "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1,
            "http": {"method": "POST", "path": "/github-concourse", "protocol": "HTTP/1.1",
                     "sourceIp": "140.82.115.54", "userAgent": "GitHub-Hookshot/test"}
        },
        "body": body, "isBase64Encoded": false
    })
}

fn push(repo: &str, git_ref: &str, files: &[&str]) -> Value {
    json!({
        "ref": git_ref,
        "before": "1111111111111111111111111111111111111111",
        "after": "2222222222222222222222222222222222222222",
        "created": false, "deleted": false, "forced": false,
        "commits": [{"id": "2222222222222222222222222222222222222222", "added": [], "removed": [], "modified": files}],
        "repository": {"full_name": repo, "clone_url": format!("https://github.com/{repo}.git"),
                       "ssh_url": format!("git@github.com:{repo}.git"), "default_branch": "main"}
    })
}

fn git(pipeline: &str, resource: &str, token: Option<&str>, source: Value) -> Value {
    let mut value = json!({"pipeline": pipeline, "resource": resource, "type": "git", "source": source});
    if let Some(token) = token {
        value["webhook_token"] = json!(token);
    }
    value
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = list.iter().map(|(p, r)| (p.to_string(), r.to_string())).collect();
    pairs.sort();
    pairs
}

/// Webhook-token resources (one token from the secrets) and one on the bearer route.
fn config() -> Value {
    json!({
        "atc_url": "", "team": "main", "auth": "bearer",
        "resources": [
            git("api", "src", Some("((api-src))"), json!({"uri": "git@github.com:Acme/API.git", "branch": "main", "paths": ["src"]})),
            git("api", "docs", Some("docs-token"), json!({"uri": "https://github.com/acme/api", "branch": "main", "paths": ["docs", "*.md"]})),
            git("api", "any-main", Some("any-token"), json!({"uri": "https://github.com/acme/api"})),
            git("api", "dev", None, json!({"uri": "https://github.com/acme/api", "branch": "dev"})),
            git("api", "tags", Some("tag-token"), json!({"uri": "https://github.com/acme/api", "tag_filter": "v*"})),
            git("web", "site", Some("web-token"), json!({"uri": "https://github.com/acme/web", "branch": "main"})),
        ]
    })
}

fn atc_accepts_config_tokens(atc: &FakeAtc) {
    atc.add_webhook_token("api", "src", "src-token");
    atc.add_webhook_token("api", "docs", "docs-token");
    atc.add_webhook_token("api", "any-main", "any-token");
    atc.add_webhook_token("api", "tags", "tag-token");
    atc.add_webhook_token("web", "site", "web-token");
    atc.add_bearer_token("bearer-token");
}

const SECRETS: &[(&str, &str)] = &[
    ("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"api-src": "src-token"}"#),
    ("HOOKBOX_CONCOURSE_TOKEN", "bearer-token"),
];

#[tokio::test]
async fn pushes_check_exactly_the_resources_they_concern() {
    let stack = start(config(), SECRETS);
    atc_accepts_config_tokens(&stack.atc);

    let (status, body, checked) = stack.push(&push("acme/api", "refs/heads/main", &["src/lib.rs"])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(checked, pairs(&[("api", "src"), ("api", "any-main")]), "{body}");
    assert_eq!(body["checks"].as_array().unwrap().len(), 2, "{body}");
    assert!(
        body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "triggered" && c["status"] == 201),
        "{body}"
    );
    let src = stack
        .atc
        .checks()
        .into_iter()
        .find(|c| c.path.contains("/resources/src/"))
        .unwrap();
    assert_eq!(src.query_value("webhook_token"), Some("src-token"));

    let (_, body, checked) = stack
        .push(&push("acme/api", "refs/heads/main", &["docs/guide.md", "README.md"]))
        .await;
    assert_eq!(checked, pairs(&[("api", "docs"), ("api", "any-main")]), "{body}");

    let (_, body, checked) = stack.push(&push("acme/api", "refs/heads/dev", &["src/lib.rs"])).await;
    assert_eq!(checked, pairs(&[("api", "dev")]), "{body}");
    let dev = &stack.atc.checks()[0];
    assert_eq!(dev.path, "/api/v1/teams/main/pipelines/api/resources/dev/check");
    assert_eq!(dev.header("authorization"), Some("Bearer bearer-token"));

    let (status, body, checked) = stack
        .push(&push("acme/api", "refs/heads/feature", &["src/lib.rs"]))
        .await;
    assert_eq!((status, checked.len()), (200, 0), "{body}");
    let (status, body, checked) = stack
        .push(&push("acme/elsewhere", "refs/heads/main", &["src/lib.rs"]))
        .await;
    assert_eq!((status, checked.len()), (200, 0), "{body}");
    assert_eq!(body["message"], "no resource watches this repository");
    let (_, body, checked) = stack.push(&push("ACME/Web", "refs/heads/main", &["index.html"])).await;
    assert_eq!(checked, pairs(&[("web", "site")]), "{body}");

    let mut tag = push("acme/api", "refs/tags/v1.2.0", &[]);
    tag["commits"] = json!([]);
    let (_, body, checked) = stack.push(&tag).await;
    assert_eq!(checked, pairs(&[("api", "tags")]), "{body}");

    let mut deletion = push("acme/api", "refs/heads/main", &[]);
    deletion["deleted"] = json!(true);
    deletion["after"] = json!("0000000000000000000000000000000000000000");
    deletion["commits"] = json!([]);
    let (status, body, checked) = stack.push(&deletion).await;
    assert_eq!((status, checked.len()), (200, 0), "{body}");

    // A form delivery: the signature covers the form body, the payload is its `payload` field.
    stack.atc.clear();
    let payload = push("acme/api", "refs/heads/main", &["src/main.rs"]).to_string();
    let form: String = form_encode(&payload);
    let (status, body) = stack
        .deliver("push", "application/x-www-form-urlencoded", &form, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        stack.atc.checked(),
        pairs(&[("api", "src"), ("api", "any-main")]),
        "{body}"
    );
}

fn form_encode(payload: &str) -> String {
    let mut form = String::from("payload=");
    for byte in payload.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => form.push(byte as char),
            b' ' => form.push('+'),
            _ => form.push_str(&format!("%{byte:02X}")),
        }
    }
    form
}

#[tokio::test]
async fn forged_or_missing_signatures_trigger_nothing() {
    let stack = start(config(), SECRETS);
    atc_accepts_config_tokens(&stack.atc);
    let body = push("acme/api", "refs/heads/main", &["src/lib.rs"]).to_string();
    let forged = HmacScheme::github_sha256().sign(b"guessed-secret", body.as_bytes());
    let other_body = HmacScheme::github_sha256().sign(SECRET.as_bytes(), b"{}");
    for signature in ["", forged.as_str(), other_body.as_str(), "sha256=zz", "sha1=abc"] {
        let (status, answer) = stack.deliver("push", "application/json", &body, Some(signature)).await;
        assert_eq!(status, 401, "{signature:?}: {answer}");
        assert!(
            answer["error"].is_string() && answer["request_id"].is_string(),
            "{answer}"
        );
    }
    // The legacy SHA-1 signature is not accepted unless allowed.
    let sha1 = HmacScheme::github_sha1().sign(SECRET.as_bytes(), body.as_bytes());
    let mut headers = json!({"content-type": "application/json", "x-github-event": "push", "x-hub-signature": sha1});
    assert_eq!(stack.invoke_http(&http_event(headers.clone(), &body)).await.0, 401);
    assert!(stack.atc.requests().is_empty(), "{:?}", stack.atc.requests());
    let logs = stack.function.logs();
    assert!(logs.contains("bad signature"), "{logs}");
    assert!(
        !logs.contains(SECRET) && !logs.contains("src-token") && !logs.contains("bearer-token"),
        "{logs}"
    );

    // A signature by the retired secret still verifies during rotation; ping and other events answer 200.
    let retired = HmacScheme::github_sha256().sign(b"retired-secret", body.as_bytes());
    headers["x-hub-signature-256"] = json!(retired);
    assert_eq!(stack.invoke_http(&http_event(headers, &body)).await.0, 200);
    let (status, answer) = stack
        .deliver("ping", "application/json", r#"{"zen": "Keep it simple."}"#, None)
        .await;
    assert_eq!((status, answer["message"].as_str()), (200, Some("pong")), "{answer}");
    let (status, answer) = stack.deliver("issues", "application/json", "{}", None).await;
    assert_eq!((status, answer["ignored"].as_bool()), (200, Some(true)), "{answer}");
    let (status, answer) = stack.deliver("push", "text/plain", &body, None).await;
    assert_eq!(status, 415, "{answer}");
    let (status, answer) = stack.deliver("push", "application/json", "{not json", None).await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn sha1_signatures_count_when_allowed() {
    let stack = start(config(), &[SECRETS[0], SECRETS[1], ("HOOKBOX_ALLOW_SHA1", "true")]);
    atc_accepts_config_tokens(&stack.atc);
    let body = push("acme/web", "refs/heads/main", &["a"]).to_string();
    let sha1 = HmacScheme::github_sha1().sign(SECRET.as_bytes(), body.as_bytes());
    let headers = json!({"content-type": "application/json", "x-github-event": "push", "x-hub-signature": sha1});
    let (status, answer) = stack.invoke_http(&http_event(headers, &body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(stack.atc.checked(), pairs(&[("web", "site")]));
}

#[tokio::test]
async fn a_slow_failing_or_down_atc_answers_502_within_the_timeout() {
    let mut stack = start(config(), SECRETS);
    atc_accepts_config_tokens(&stack.atc);
    let matching = push("acme/api", "refs/heads/main", &["src/lib.rs"]);

    stack.atc.set_behaviour(Behaviour::Slow(Duration::from_secs(8)));
    let started = Instant::now();
    let (status, body, checked) = stack.push(&matching).await;
    let elapsed = started.elapsed();
    assert_eq!(status, 502, "{body}");
    // Two concurrent checks, each bounded by HOOKBOX_CHECK_TIMEOUT_MS=1000: far within GitHub's 10 s.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_eq!(checked.len(), 2, "both checks were sent concurrently");
    assert_eq!(body["error"], "2 of 2 checks failed", "{body}");
    assert!(
        body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "failed"),
        "{body}"
    );

    stack.atc.set_behaviour(Behaviour::Status(500));
    let (status, body, _) = stack.push(&matching).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["checks"][0]["status"], 500, "{body}");

    stack.atc.stop();
    let started = Instant::now();
    let (status, body, _) = stack.push(&matching).await;
    assert_eq!(status, 502, "{body}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        body["checks"][0]["error"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{body}"
    );
    assert!(!body.to_string().contains("src-token"), "{body}");
}

/// The Concourse client trusts Mozilla's roots, compiled in, and no other: an ATC behind a private CA
/// fails every check (502, nothing reaches it, the certificate named in the log) until `SSL_CERT_FILE`
/// names that CA; then the same push checks both resources through TLS.
#[tokio::test]
async fn an_atc_behind_a_private_ca_is_trusted_only_through_ssl_cert_file() {
    let matching = push("acme/api", "refs/heads/main", &["src/lib.rs"]);
    for trusted in [false, true] {
        let secrets = format!(r#"["{SECRET}"]"#);
        let mut env = vec![("HOOKBOX_GITHUB_WEBHOOK_SECRETS", secrets.as_str())];
        env.extend_from_slice(SECRETS);
        let binary = Path::new(env!("CARGO_BIN_EXE_github-concourse"));
        let stack = NotifierStack::start_over_tls(FUNCTION, binary, config(), &env, trusted);
        atc_accepts_config_tokens(&stack.atc);
        let (status, body, checked) = stack.push(&matching).await;
        if trusted {
            assert_eq!(status, 200, "{body}\n{}", stack.function.logs());
            assert_eq!(checked.len(), 2, "{body}");
        } else {
            assert_eq!(status, 502, "{body}");
            assert!(checked.is_empty(), "{checked:?}");
            let logs = stack.function.logs();
            assert!(
                logs.contains("UnknownIssuer"),
                "the refusal names the certificate: {logs}"
            );
        }
    }
}

#[tokio::test]
async fn password_logins_are_renewed_after_the_session_expires() {
    let mut config = config();
    config["auth"] = json!("password");
    let stack = start(
        config,
        &[
            SECRETS[0],
            ("HOOKBOX_CONCOURSE_USERNAME", "ci-bot"),
            ("HOOKBOX_CONCOURSE_PASSWORD", "pa55word"),
        ],
    );
    atc_accepts_config_tokens(&stack.atc);
    stack.atc.add_user("ci-bot", "pa55word");
    let dev = push("acme/api", "refs/heads/dev", &["src/lib.rs"]);
    assert_eq!(stack.push(&dev).await.0, 200);
    stack.atc.expire_tokens();
    let (status, body, checked) = stack.push(&dev).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        checked,
        pairs(&[("api", "dev"), ("api", "dev")]),
        "refused once, then renewed"
    );
    assert!(!stack.function.logs().contains("pa55word"));
}

#[tokio::test]
async fn atc_auth_uses_the_password_when_it_has_one_and_else_the_token() {
    let mut config = config();
    config["auth"] = json!("atc");
    let dev = push("acme/api", "refs/heads/dev", &["src/lib.rs"]);
    let with_both = start(
        config.clone(),
        &[
            SECRETS[0],
            ("HOOKBOX_CONCOURSE_TOKEN", "atc-token"),
            ("HOOKBOX_CONCOURSE_USERNAME", "ci-bot"),
            ("HOOKBOX_CONCOURSE_PASSWORD", "pa55word"),
        ],
    );
    atc_accepts_config_tokens(&with_both.atc);
    with_both.atc.add_user("ci-bot", "pa55word");
    let (status, body, checked) = with_both.push(&dev).await;
    assert_eq!((status, checked), (200, pairs(&[("api", "dev")])), "{body}");
    assert!(with_both.atc.requests().iter().any(|r| r.path == "/sky/issuer/token"));

    let token_only = start(config, &[SECRETS[0], ("HOOKBOX_CONCOURSE_TOKEN", "atc-token")]);
    atc_accepts_config_tokens(&token_only.atc);
    token_only.atc.add_bearer_token("atc-token");
    let (status, body, checked) = token_only.push(&dev).await;
    assert_eq!((status, checked), (200, pairs(&[("api", "dev")])), "{body}");
    assert!(token_only.atc.requests().iter().all(|r| r.path != "/sky/issuer/token"));
}

#[tokio::test]
async fn without_a_configuration_the_function_says_it_checks_nothing() {
    let stack = start(json!({"team": "main", "resources": []}), &[]);
    let (status, body, checked) = stack.push(&push("acme/api", "refs/heads/main", &["src"])).await;
    assert_eq!((status, checked.len()), (200, 0), "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("no Concourse configuration"),
        "{body}"
    );
    let matched = metric(&stack.function.logs(), "ResourcesMatched");
    assert_eq!(matched.iter().map(MetricValue::sum).collect::<Vec<_>>(), [0.0]);
}

#[tokio::test]
async fn the_sample_events_verify_and_match_the_example_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let example = std::fs::read_to_string(root.join("config/concourse.example.json")).unwrap();
    let stack = start(
        serde_json::from_str(&example).unwrap(),
        &[
            ("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"api-source": "api-token"}"#),
            ("HOOKBOX_CONCOURSE_TOKEN", "bearer-token"),
        ],
    );
    stack.atc.add_webhook_token("api", "api-source", "api-token");
    stack.atc.add_bearer_token("bearer-token");
    let cases: [(&str, &[(&str, &str)]); 5] = [
        ("github-push.json", &[("api", "api-source")]),
        ("github-push-form.json", &[("api", "api-source")]),
        ("github-tag-push.json", &[("api", "release-tags")]),
        ("github-branch-delete.json", &[]),
        ("github-ping.json", &[]),
    ];
    for (file, expected) in cases {
        stack.atc.clear();
        let text = std::fs::read_to_string(root.join("events").join(file)).unwrap();
        let (status, body) = stack.invoke_http(&serde_json::from_str(&text).unwrap()).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert_eq!(stack.atc.checked(), pairs(expected), "{file}: {body}");
    }
}

#[tokio::test]
async fn secrets_can_come_from_secrets_manager_alone() {
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let document = json!({
        "github_webhook_secrets": [SECRET],
        "concourse_token": "bearer-token",
        "webhook_tokens": {"api-src": "src-token"}
    });
    let arn = aws
        .create_secret("hookbox/github-concourse", &document.to_string())
        .await;
    let mut env: Vec<(String, String)> = local_aws_env(&moto.endpoint());
    env.push(("HOOKBOX_SECRETS_ARN".into(), arn));
    // No secret at all in the environment: everything comes from Secrets Manager.
    env.push(("HOOKBOX_GITHUB_WEBHOOK_SECRETS".into(), String::new()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let stack = start(config(), &env);
    atc_accepts_config_tokens(&stack.atc);

    let (status, body, checked) = stack.push(&push("acme/api", "refs/heads/main", &["src/a.rs"])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(checked, pairs(&[("api", "src"), ("api", "any-main")]), "{body}");
    let (_, _, checked) = stack.push(&push("acme/api", "refs/heads/dev", &["src/a.rs"])).await;
    assert_eq!(checked, pairs(&[("api", "dev")]));
    let body = push("acme/api", "refs/heads/main", &["src/a.rs"]).to_string();
    let retired = HmacScheme::github_sha256().sign(b"retired-secret", body.as_bytes());
    let (status, _) = stack.deliver("push", "application/json", &body, Some(&retired)).await;
    assert_eq!(status, 401, "the secret's list replaced the environment's");
    let logs = stack.function.logs();
    assert!(
        !logs.contains(SECRET) && !logs.contains("src-token") && !logs.contains("bearer-token"),
        "{logs}"
    );
}

/// Every line the real binary writes is a JSON object; its log lines are Lambda-shaped, name the
/// delivery by Lambda's `requestId` and the gateway's `gatewayRequestId`, and log an optional value as
/// itself (`delivery`, `repository`), never as `Some(..)`.
#[tokio::test]
async fn log_lines_are_lambda_shaped_and_name_their_request() {
    let stack = start(config(), SECRETS);
    atc_accepts_config_tokens(&stack.atc);
    let (status, body, _) = stack.push(&push("acme/api", "refs/heads/dev", &["src/lib.rs"])).await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = stack.push(&push("acme/elsewhere", "refs/heads/main", &["a"])).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = stack.deliver("ping", "application/json", "{}", None).await;
    assert_eq!(status, 200);

    let logs = stack.function.logs();
    let lines = log_lines(&logs);
    let line = |message: &str| line_with(&lines, message);
    let triggered = line("check triggered");
    assert_eq!(
        (
            &triggered["level"],
            &triggered["gatewayRequestId"],
            &triggered["pipeline"],
            &triggered["resource"]
        ),
        (&json!("INFO"), &json!("req-1"), &json!("api"), &json!("dev")),
        "{triggered:?}"
    );
    assert!(
        triggered["requestId"]
            .as_str()
            .is_some_and(|id| !id.is_empty() && id != "req-1")
    );
    assert!(!triggered.contains_key("request_id"), "one name per id: {triggered:?}");
    assert_eq!(line("nothing to check")["repository"], "acme/elsewhere");
    assert_eq!(line("ping")["delivery"], "d-1");
    let ids: std::collections::HashSet<&str> = lines
        .iter()
        .filter_map(|line| line.get("requestId")?.as_str())
        .collect();
    assert_eq!(ids.len(), 3, "one Lambda request id per delivery: {ids:?}");
}

/// The notifiers' metric family through the real binary: events by kind, the resources a push
/// matched, and every check triggered, failed or timed out, with the ATC's latency per check.
#[tokio::test]
async fn metrics_count_events_matches_and_checks() {
    let stack = start(config(), SECRETS);
    atc_accepts_config_tokens(&stack.atc);
    let matching = push("acme/api", "refs/heads/main", &["src/lib.rs"]);
    assert_eq!(stack.push(&matching).await.0, 200);
    assert_eq!(stack.deliver("ping", "application/json", "{}", None).await.0, 200);
    assert_eq!(stack.deliver("issues", "application/json", "{}", None).await.0, 200);
    let body = matching.to_string();
    assert_eq!(
        stack
            .deliver("push", "application/json", &body, Some("sha256=00"))
            .await
            .0,
        401
    );
    let (status, _, checked) = stack.push(&push("acme/elsewhere", "refs/heads/main", &["a"])).await;
    assert_eq!((status, checked.len()), (200, 0));
    stack.atc.set_behaviour(Behaviour::Slow(Duration::from_secs(3)));
    assert_eq!(stack.push(&matching).await.0, 502);
    stack.atc.set_behaviour(Behaviour::Status(500));
    assert_eq!(stack.push(&matching).await.0, 502);

    let logs = stack.function.logs();
    let events = metric(&logs, "Events");
    let kinds: Vec<(Option<&str>, f64)> = events.iter().map(|value| (value.member("Kind"), value.sum())).collect();
    let kind = |name| (Some(name), 1.0);
    assert_eq!(
        kinds,
        [
            kind("push"),
            kind("ping"),
            kind("ignored"),
            kind("refused"),
            kind("push"),
            kind("push"),
            kind("push")
        ]
    );
    for value in &events {
        assert_eq!((value.namespace.as_str(), value.unit.as_str()), ("hookbox", "Count"));
        assert_eq!(value.dimension_sets, [["Stack", "Function", "Kind"]]);
        assert_eq!(
            (value.member("Stack"), value.member("Function")),
            (Some(FUNCTION), Some(FUNCTION)),
            "the stack falls back to the Lambda function's name"
        );
    }
    let sums = |name: &str| -> Vec<f64> {
        let values = metric(&logs, name);
        for value in &values {
            assert_eq!(value.dimension_sets, [["Stack", "Function"]], "{value:#?}");
        }
        values.iter().map(MetricValue::sum).collect()
    };
    assert_eq!(sums("ResourcesMatched"), [2.0, 0.0, 2.0, 2.0]);
    assert_eq!(sums("ChecksTriggered"), [2.0, 0.0, 0.0]);
    assert_eq!(sums("ChecksTimedOut"), [0.0, 2.0, 0.0]);
    assert_eq!(sums("ChecksFailed"), [0.0, 0.0, 2.0]);
    let latency = metric(&logs, "AtcLatency");
    let per_check: Vec<usize> = latency.iter().map(|value| value.values.len()).collect();
    assert_eq!(per_check, [2, 2, 2], "one value per check");
    assert!(latency.iter().all(|value| value.unit == "Milliseconds"));
    assert!(
        latency[1].values.iter().all(|ms| (1000.0..2500.0).contains(ms)),
        "a timed-out check took the timeout: {:?}",
        latency[1].values
    );
}

/// What `hookbox concourse explain` says (its model, `hookbox_concourse::explain`) is what the real
/// function checks: for pushes that exercise every rule (repository spellings, branches, `((vars))`,
/// tags, `[ci skip]`, path filters, unknown changes), the ATC receives exactly the checks the
/// explanation calls checked.
#[tokio::test]
async fn the_function_checks_exactly_what_explain_says() {
    let config = json!({
        "atc_url": "", "team": "main", "auth": "bearer",
        "resources": [
            git("api", "src", None, json!({"uri": "ssh://git@ssh.github.com:443/Acme/API.git", "branch": "main", "paths": ["src"]})),
            git("api", "not-docs", None, json!({"uri": "https://www.github.com/acme/api/", "branch": "main", "ignore_paths": ["docs"]})),
            git("api", "every-commit", None, json!({"uri": "https://((user)):((token))@github.com/acme/api", "branch": "main", "disable_ci_skip": true})),
            git("api", "any-branch", None, json!({"uri": "git@github.com:acme/api", "branch": "((branch))"})),
            git("api", "releases", None, json!({"uri": "https://github.com/acme/api", "tag_regex": "v[0-9]+\\.[0-9]+"})),
            git("api", "any-tag", None, json!({"uri": "https://github.com/acme/api", "tag_filter": "((tags))"})),
            git("api", "var-uri", None, json!({"uri": "https://github.com/((org))/api", "branch": "main"})),
            git("web", "site", None, json!({"uri": "https://github.com/acme/web"})),
        ]
    });
    let stack = start(config.clone(), &[("HOOKBOX_CONCOURSE_TOKEN", "bearer-token")]);
    stack.atc.add_bearer_token("bearer-token");
    // The stack fills in the fake ATC's URL; the explanation only needs some URL.
    let mut explained = config.clone();
    explained["atc_url"] = json!("https://ci.example.com");
    let parsed = hookbox_concourse::ConcourseConfig::from_json(&explained.to_string()).unwrap();
    let matcher = hookbox_concourse::GitMatcher::new(&parsed);

    let commit = |message: &str, files: &[&str]| json!({"id": "3333333333333333333333333333333333333333", "message": message, "modified": files});
    let with = |mut event: Value, field: &str, value: Value| {
        event[field] = value;
        event
    };
    let main = push("acme/api", "refs/heads/main", &["src/lib.rs"]);
    let pushes = [
        main.clone(),
        with(
            main.clone(),
            "commits",
            json!([commit("Docs [ci skip]", &["docs/a.md"]), commit("Code", &["src/a.rs"])]),
        ),
        with(main.clone(), "commits", json!([commit("Docs only", &["docs/a.md"])])),
        with(
            main.clone(),
            "commits",
            json!([commit("Tidy [skip ci]", &["src/a.rs"])]),
        ),
        with(main.clone(), "forced", json!(true)),
        push("acme/api", "refs/heads/feature/x", &["src/lib.rs"]),
        with(push("acme/api", "refs/tags/v1.2", &[]), "commits", json!([])),
        with(push("acme/api", "refs/tags/nightly", &[]), "commits", json!([])),
        push("ACME/Web", "refs/heads/main", &["index.html"]),
        push("acme/elsewhere", "refs/heads/main", &["src/lib.rs"]),
    ];
    let mut checked_per_push = Vec::new();
    for (index, event) in pushes.iter().enumerate() {
        let explanation =
            hookbox_concourse::explain::push(&parsed, &matcher, &serde_json::from_value(event.clone()).unwrap());
        let said: Vec<(&str, &str)> = explanation
            .resources
            .iter()
            .filter(|resource| resource.checked)
            .map(|resource| (resource.pipeline.as_str(), resource.resource.as_str()))
            .collect();
        let (status, body, checked) = stack.push(event).await;
        assert_eq!(status, 200, "push {index}: {body}");
        assert_eq!(checked, pairs(&said), "push {index}: {body}\n{explanation:#?}");
        checked_per_push.push(checked.len());
    }
    // The pushes tell the resources apart: a rule that matched everything or nothing would show here.
    assert_eq!(checked_per_push, [4, 4, 2, 1, 4, 1, 2, 1, 1, 0]);
    let lines = log_lines(&stack.function.logs());
    let matched = line_with(&lines, "resource matched");
    assert_eq!(
        (&matched["resource"], &matched["reason"], &matched["detail"]),
        (
            &json!("src"),
            &json!("changed"),
            &json!("2222222 changes src/lib.rs (paths: src)")
        ),
        "{matched:?}"
    );
}
