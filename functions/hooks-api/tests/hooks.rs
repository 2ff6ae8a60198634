//! Webhook tokens end to end: the real hooks-api and enqueue binaries under the `cargo lambda` emulator,
//! against one moto server for DynamoDB and SQS. A hook is created through the API as one tenant,
//! delivered to through enqueue, updated, listed, probed and revoked; another tenant never reaches it;
//! the table never holds a token.

use std::path::Path;
use std::time::Duration;

use hookbox_core::Envelope;
use hookbox_testkit::aws::{LocalAws, local_aws_env};
use hookbox_testkit::lambda::{Emulator, Function};
use hookbox_testkit::logs::{MetricValue, metric};
use hookbox_testkit::moto::Moto;
use hookbox_testkit::workspace_binary;
use serde_json::{Value, json};

const TABLE: &str = "hookbox-hooks";
const TEAM_A: &str = "arn:aws:sts::123456789012:assumed-role/TeamA/alice";
const TEAM_A_OTHER_SESSION: &str = "arn:aws:sts::123456789012:assumed-role/TeamA/ci-run-7";
const TEAM_B: &str = "arn:aws:iam::123456789012:user/bob";
const WAIT: Duration = Duration::from_secs(10);
/// The functions' cache time in these tests: short, so that a revocation shows within a test.
const CACHE_SECONDS: u64 = 1;

struct Stack {
    _moto: Moto,
    aws: LocalAws,
    emulator: Emulator,
    api: Function,
    enqueue: Function,
    mailbox_url: String,
}

impl Stack {
    async fn start() -> Self {
        let enqueue_binary = workspace_binary("enqueue", "enqueue");
        let moto = Moto::start();
        let aws = LocalAws::new(&moto.endpoint()).await;
        let mailbox_url = aws.create_queue("mailbox", 262_144).await;
        aws.create_hooks_table(TABLE).await;

        let mut env = local_aws_env(&moto.endpoint());
        env.push(("HOOKBOX_HOOKS_TABLE".into(), TABLE.into()));
        env.push(("HOOKBOX_HOOKS_CACHE_SECONDS".into(), CACHE_SECONDS.to_string()));
        env.push(("HOOKBOX_QUEUE_MAILBOX".into(), mailbox_url.clone()));
        let emulator = Emulator::start();
        let api = Function::start(&emulator, "hooks-api", Path::new(env!("CARGO_BIN_EXE_hooks-api")), &env);
        let enqueue = Function::start(&emulator, "enqueue", &enqueue_binary, &env);
        Self {
            _moto: moto,
            aws,
            emulator,
            api,
            enqueue,
            mailbox_url,
        }
    }

    /// Asserts that nothing reached the mailbox (a refused delivery stores nothing).
    async fn assert_mailbox_empty(&self) {
        let stored = self.aws.drain(&self.mailbox_url, 1, Duration::from_secs(1)).await;
        assert!(stored.is_empty(), "expected an empty mailbox, got {stored:?}");
    }

    /// Calls the API as `caller` (an IAM principal's ARN) through an HTTP API event with the
    /// AWS_IAM authorizer's context; returns the status and the body (`null` when there is none).
    async fn api(&self, caller: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let authorizer = json!({"iam": {
            "accountId": "123456789012", "callerId": "AROAEXAMPLE:session", "userArn": caller,
            "accessKey": "ASIAEXAMPLE", "principalOrgId": null, "userId": "AROAEXAMPLE:session",
            "cognitoIdentity": null}});
        let event = http_event(method, path, query, "application/json", body, Some(authorizer));
        self.invoke("hooks-api", &self.api, &event).await
    }

    /// Posts `body` to a hook URL (its path) through enqueue.
    async fn deliver(&self, path: &str, content_type: &str, body: &str) -> (u16, Value) {
        let event = http_event("POST", path, "", content_type, Some(body), None);
        self.invoke("enqueue", &self.enqueue, &event).await
    }

    async fn invoke(&self, name: &str, function: &Function, event: &Value) -> (u16, Value) {
        let response = self
            .emulator
            .invoke(name, event)
            .await
            .unwrap_or_else(|error| panic!("the invocation failed: {error}\n{}", function.logs()));
        let status = response["statusCode"].as_u64().expect("a status code") as u16;
        let body = response["body"].as_str().unwrap_or("");
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}\n{}", function.logs()))
        };
        (status, body)
    }

    /// Creates (or updates) a hook as `caller`, expecting 200.
    async fn save(&self, caller: &str, body: Value) -> Value {
        let (status, answer) = self.api(caller, "POST", "/wh/config", Some(&body.to_string())).await;
        assert_eq!(status, 200, "{answer}\n{}", self.api.logs());
        answer
    }

    async fn stored(&self, expected: usize) -> Vec<aws_sdk_sqs::types::Message> {
        self.aws.drain(&self.mailbox_url, expected, WAIT).await
    }
}

/// An HTTP API (payload 2.0) event, with the authorizer's context when the route has one.
fn http_event(
    method: &str,
    path: &str,
    query: &str,
    content_type: &str,
    body: Option<&str>,
    authorizer: Option<Value>,
) -> Value {
    let mut context = json!({
        "accountId": "123456789012", "apiId": "api", "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
        "domainPrefix": "abc123", "requestId": format!("req-{method}-{}", path.len()), "routeKey": "$default",
        "stage": "$default", "time": "01/Dec/2026:12:00:00 +0000", "timeEpoch": 1,
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.10", "userAgent": "test"}
    });
    if let Some(authorizer) = authorizer {
        context["authorizer"] = authorizer;
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"content-type": content_type, "host": "abc123.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": context,
        "body": body,
        "isBase64Encoded": false
    })
}

fn attribute(message: &aws_sdk_sqs::types::Message, name: &str) -> Option<String> {
    message
        .message_attributes()
        .and_then(|attributes| attributes.get(name))
        .and_then(|value| value.string_value())
        .map(str::to_owned)
}

/// The path of a hook URL.
fn path_of(hook_url: &str) -> String {
    let path = hook_url
        .strip_prefix("https://abc123.execute-api.eu-west-1.amazonaws.com")
        .unwrap_or_else(|| panic!("the hook URL is on the API's host: {hook_url}"));
    path.to_owned()
}

const PUSH: &str = r#"{"ref": "refs/heads/main", "commits": [{"id": "c1", "timestamp": "2026-12-01T10:00:00Z"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_is_created_delivered_to_updated_listed_and_revoked() {
    let stack = Stack::start().await;
    let created = stack
        .save(
            TEAM_A,
            json!({"datasource": "github", "event": "push", "tsField": "commits[0].timestamp"}),
        )
        .await;
    let tenant = "arn:aws:iam::123456789012:role/TeamA";
    assert_eq!(created["tenantId"], tenant, "{created}");
    assert_eq!(created["tsField"], "commits[0].timestamp");
    let (api_token, token) = (
        created["apiToken"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );
    let hook_url = created["hookUrl"].as_str().unwrap();
    assert_eq!(path_of(hook_url), format!("/wh/{api_token}/{token}"));
    assert!(created["createdAt"].as_str().unwrap().starts_with("20"), "{created}");

    // Delivered: stored with its routing key and timestamp, the tokens out of the stored path.
    let (status, answer) = stack
        .deliver(&path_of(hook_url), "application/json; charset=utf-8", PUSH)
        .await;
    assert_eq!(status, 202, "{answer}\n{}", stack.enqueue.logs());
    let messages = stack.stored(1).await;
    assert_eq!(messages.len(), 1);
    let routing_key = "event.arn:aws:iam::123456789012:role/TeamA.github.push";
    assert_eq!(attribute(&messages[0], "routing-key").as_deref(), Some(routing_key));
    assert_eq!(attribute(&messages[0], "ts").as_deref(), Some("2026-12-01T10:00:00Z"));
    assert_eq!(attribute(&messages[0], "route").as_deref(), Some("hooks"));
    let envelope = Envelope::from_json(messages[0].body().unwrap()).unwrap();
    assert_eq!(envelope.path, "/wh/{token}");
    assert_eq!(envelope.route, "hooks");
    assert!(!messages[0].body().unwrap().contains(token) && !messages[0].body().unwrap().contains(api_token));

    // Another session of the same role is the same tenant: saving again updates, keeps the URL, and
    // an absent tsField keeps the old one.
    let kept = stack
        .save(TEAM_A_OTHER_SESSION, json!({"datasource": "github", "event": "push"}))
        .await;
    assert_eq!(kept["id"], created["id"]);
    assert_eq!(kept["tsField"], "commits[0].timestamp");
    assert_eq!(kept["token"], Value::Null, "the token is shown once");
    assert_eq!(kept["hookUrl"], Value::Null);
    let cleared = stack
        .save(TEAM_A, json!({"datasource": "github", "event": "push", "tsField": ""}))
        .await;
    assert_eq!(cleared["tsField"], Value::Null);
    tokio::time::sleep(Duration::from_secs(CACHE_SECONDS + 1)).await;
    let (status, _) = stack
        .deliver(&path_of(hook_url), "application/vnd.github+json", PUSH)
        .await;
    assert_eq!(status, 202);
    let messages = stack.stored(1).await;
    assert_eq!(attribute(&messages[0], "ts"), None, "tsField cleared");
    assert_eq!(attribute(&messages[0], "routing-key").as_deref(), Some(routing_key));

    // A second hook; the list pages through both, in name order.
    stack
        .save(TEAM_A, json!({"datasource": "gitlab", "event": "merge_request"}))
        .await;
    let (status, page) = stack.api(TEAM_A, "GET", "/wh/config?limit=1", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["hooks"].as_array().unwrap().len(), 1);
    assert_eq!(page["hooks"][0]["datasource"], "github");
    assert_eq!(page["hooks"][0]["token"], Value::Null);
    let next = page["next"].as_str().expect("a next page");
    let query = format!("/wh/config?limit=1&next={}", next.replace('#', "%23"));
    let (_, page) = stack.api(TEAM_A, "GET", &query, None).await;
    assert_eq!(page["hooks"][0]["datasource"], "gitlab", "{page}");

    // Show and HEAD by token or by id.
    let (status, shown) = stack.api(TEAM_A, "GET", &format!("/wh/config/{token}"), None).await;
    assert_eq!((status, &shown["event"]), (200, &json!("push")), "{shown}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        stack.api(TEAM_A, "HEAD", &format!("/wh/config/{id}"), None).await,
        (200, Value::Null)
    );

    // Revoked: 204, then HEAD 404, and within the cache time the URL answers 404.
    assert_eq!(
        stack.api(TEAM_A, "DELETE", &format!("/wh/config/{token}"), None).await,
        (204, Value::Null)
    );
    assert_eq!(
        stack.api(TEAM_A, "HEAD", &format!("/wh/config/{token}"), None).await,
        (404, Value::Null)
    );
    tokio::time::sleep(Duration::from_secs(CACHE_SECONDS + 1)).await;
    let (status, answer) = stack.deliver(&path_of(hook_url), "application/json", PUSH).await;
    assert_eq!(status, 404, "{answer}");
    let (_, page) = stack.api(TEAM_A, "GET", "/wh/config", None).await;
    assert_eq!(page["hooks"].as_array().unwrap().len(), 1, "{page}");

    // Every request counted by operation and answer.
    let requests = metric(&stack.api.logs(), "Requests");
    let count = |operation: &str, status: &str| -> f64 {
        requests
            .iter()
            .filter(|value| value.member("Operation") == Some(operation) && value.member("Status") == Some(status))
            .map(MetricValue::sum)
            .sum()
    };
    assert_eq!(count("save", "200"), 4.0, "{requests:?}");
    assert_eq!(
        (count("delete", "204"), count("probe", "404"), count("probe", "200")),
        (1.0, 1.0, 1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_never_reaches_another_tenants_hook() {
    let stack = Stack::start().await;
    let created = stack
        .save(TEAM_A, json!({"datasource": "github", "event": "push"}))
        .await;
    let token = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    for key in [token, id] {
        let path = format!("/wh/config/{key}");
        let (status, answer) = stack.api(TEAM_B, "GET", &path, None).await;
        assert_eq!(status, 404, "{answer}");
        assert_eq!(answer["error"], "no such hook", "the same answer as for no hook at all");
        assert_eq!(stack.api(TEAM_B, "HEAD", &path, None).await, (404, Value::Null));
        assert_eq!(stack.api(TEAM_B, "DELETE", &path, None).await.0, 404);
    }
    let (_, page) = stack.api(TEAM_B, "GET", "/wh/config", None).await;
    assert_eq!(page["hooks"], json!([]));
    // B's hook of the same name is B's own, with other tokens; A's is untouched.
    let theirs = stack
        .save(TEAM_B, json!({"datasource": "github", "event": "push", "tsField": "x"}))
        .await;
    assert_ne!(theirs["id"], created["id"]);
    assert_eq!(theirs["tenantId"], TEAM_B);
    let (status, mine) = stack.api(TEAM_A, "GET", &format!("/wh/config/{id}"), None).await;
    assert_eq!((status, &mine["tsField"]), (200, &Value::Null), "{mine}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_and_requests_that_are_wrong_are_refused_and_the_table_holds_no_token() {
    let stack = Stack::start().await;
    let created = stack
        .save(TEAM_A, json!({"datasource": "github", "event": "push"}))
        .await;
    let (api_token, token) = (
        created["apiToken"].as_str().unwrap(),
        created["token"].as_str().unwrap(),
    );
    let path = format!("/wh/{api_token}/{token}");

    let (status, answer) = stack.deliver(&path, "text/plain", PUSH).await;
    assert_eq!(status, 415, "{answer}");
    let (status, _) = stack.deliver(&path, "application/json", "not json").await;
    assert_eq!(status, 400);
    // One character off in either token: unknown.
    let flip = |text: &str| {
        let mut chars: Vec<char> = text.chars().collect();
        chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    for wrong in [
        format!("/wh/{api_token}/{}", flip(token)),
        format!("/wh/{}/{token}", flip(api_token)),
    ] {
        let (status, answer) = stack.deliver(&wrong, "application/json", PUSH).await;
        assert_eq!(status, 404, "{wrong}: {answer}");
    }
    stack.assert_mailbox_empty().await;
    let (status, _) = stack.deliver(&path, "application/json", PUSH).await;
    assert_eq!(status, 202);

    // Malformed requests to the API.
    for body in [
        "{",
        r#"{"datasource": "github"}"#,
        r#"{"datasource": "a.b", "event": "push"}"#,
        r#"{"datasource": "a", "event": "b", "tsField": "x[y]"}"#,
        r#"{"datasource": "a", "event": "b", "extra": 1}"#,
    ] {
        let (status, answer) = stack.api(TEAM_A, "POST", "/wh/config", Some(body)).await;
        assert_eq!(status, 400, "{body}: {answer}");
    }
    let (status, _) = stack.api(TEAM_A, "GET", "/wh/config?limit=0", None).await;
    assert_eq!(status, 400);
    let (status, _) = stack.api(TEAM_A, "PUT", "/wh/config", None).await;
    assert_eq!(status, 405);
    let event = http_event("GET", "/wh/config", "", "application/json", None, None);
    assert_eq!(
        stack.invoke("hooks-api", &stack.api, &event).await.0,
        401,
        "no authorizer, no tenant"
    );

    // Every attribute of every item: no token in clear, only hashes.
    let items = stack.aws.dynamodb.scan().table_name(TABLE).send().await.unwrap();
    assert_eq!(items.count(), 2, "the hook item and the token item");
    for item in items.items() {
        for (name, value) in item {
            let text = format!("{value:?}");
            assert!(
                !text.contains(token) && !text.contains(api_token),
                "{name} holds a token: {text}"
            );
        }
        assert_eq!(item["tokenHash"].as_s().unwrap().len(), 64);
    }
}

/// The sample events of `events/` for hooks, as `sam local invoke` runs them: the create answers 200 for
/// the role in its authorizer context, the delivery to tokens no hook has answers 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_events_create_a_hook_and_refuse_an_unknown_one() {
    let stack = Stack::start().await;
    let sample = |file: &str| -> Value {
        let path = hookbox_testkit::workspace_root().join("events").join(file);
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let (status, created) = stack
        .invoke("hooks-api", &stack.api, &sample("hooks-api-create-httpapi.json"))
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["tenantId"], "arn:aws:iam::123456789012:role/TeamA");
    assert!(
        created["hookUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://abc123defg.execute-api.eu-west-1.amazonaws.com/wh/")
    );
    let (status, answer) = stack
        .invoke(
            "enqueue",
            &stack.enqueue,
            &sample("hooks-delivery-unknown-httpapi.json"),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    stack.assert_mailbox_empty().await;
}
