//! The real s3-concourse binary under the `cargo lambda` runtime emulator, checking resources on a
//! fake ATC (a real HTTP server on 127.0.0.1 that records every request). The events are moto's own:
//! objects are put into moto buckets that notify a queue, and the S3 event notifications moto writes
//! there are handed to the function directly, as an SQS batch and wrapped in SNS, as Lambda would.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use hookbox_testkit::aws::{LocalAws, local_aws_env};
use hookbox_testkit::fake_atc::Behaviour;
use hookbox_testkit::logs::{MetricValue, line_with, log_lines, metric};
use hookbox_testkit::moto::Moto;
use hookbox_testkit::notifier::NotifierStack;
use hookbox_testkit::workspace_root;
use serde_json::{Value, json};

const FUNCTION: &str = "s3-concourse";

/// The function in front of a fake ATC that accepts the config's tokens, with `config`, the test's
/// Concourse secrets and `env` over the defaults.
fn start(config: Value, env: &[(&str, &str)]) -> NotifierStack {
    let mut vars = vec![
        ("HOOKBOX_CONCOURSE_TOKEN", "bearer-token"),
        ("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"tarball": "tarball-token"}"#),
    ];
    vars.extend_from_slice(env);
    let binary = Path::new(env!("CARGO_BIN_EXE_s3-concourse"));
    let stack = NotifierStack::start(FUNCTION, binary, config, &vars);
    stack.atc.add_bearer_token("bearer-token");
    stack.atc.add_webhook_token("api", "tarball", "tarball-token");
    stack
}

/// Invokes the function with `event`; returns its answer or its error, and the checks the ATC
/// received for it.
async fn invoke(stack: &NotifierStack, event: &Value) -> (Result<Value, Value>, Vec<(String, String)>) {
    stack.atc.clear();
    let outcome = stack.invoke(event).await;
    (outcome, stack.atc.checked())
}

fn s3(pipeline: &str, resource: &str, source: Value) -> Value {
    json!({"pipeline": pipeline, "resource": resource, "type": "s3", "source": source})
}

/// The resources of two buckets, and resources no object may trigger.
fn config() -> Value {
    let mut tarball = s3(
        "api",
        "tarball",
        json!({"bucket": "acme-builds", "regexp": "api/api-(.*)\\.tgz", "access_key_id": "ignored"}),
    );
    tarball["webhook_token"] = json!("((tarball))");
    json!({
        "atc_url": "", "team": "main", "auth": "bearer",
        "type_aliases": {"s3-iam": "s3"},
        "resources": [
            tarball,
            s3("api", "latest", json!({"bucket": "acme-builds", "versioned_file": "api/latest.tgz"})),
            s3("docs", "manual", json!({"bucket": "acme-builds", "regexp": "manuals/Handbuch für Kunden v(.*)\\.pdf"})),
            {"pipeline": "docs", "resource": "report", "type": "s3-iam",
             "source": {"bucket": "acme-builds", "regexp": "reports/Q(\\d) report\\.pdf"}},
            {"pipeline": "api", "instance_vars": {"env": "prod"}, "resource": "version", "type": "semver",
             "source": {"bucket": "acme-versions", "key": "api"}},
            {"pipeline": "api", "resource": "version-git", "type": "semver",
             "source": {"driver": "git", "uri": "git@github.com:acme/versions", "bucket": "acme-versions", "key": "api"}},
            {"pipeline": "api", "resource": "source", "type": "git", "source": {"uri": "https://github.com/acme/api"}},
            {"pipeline": "api", "resource": "nightly", "type": "time", "source": {"interval": "24h"}}
        ]
    })
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = list.iter().map(|(p, r)| (p.to_string(), r.to_string())).collect();
    pairs.sort();
    pairs
}

/// Objects put into moto buckets that notify a queue; returns the queue's messages: moto's own S3
/// event notifications (one per object) and its `s3:TestEvent`s (one per configured bucket).
async fn moto_notifications(moto: &Moto, objects: &[(&str, &str)]) -> Vec<Value> {
    let aws = LocalAws::new(&moto.endpoint()).await;
    let queue = aws.create_queue("objects-created", 262_144).await;
    let queue_arn = aws.queue_arn(&queue).await;
    for bucket in ["acme-builds", "acme-versions"] {
        aws.create_bucket(bucket).await;
        aws.notify_queue(bucket, "to-queue", &queue_arn, "").await;
    }
    for (bucket, key) in objects {
        aws.put_object(bucket, key, b"artifact".to_vec()).await;
    }
    let expected = objects.len() + 2;
    let messages = aws.drain(&queue, expected, Duration::from_secs(20)).await;
    assert_eq!(messages.len(), expected, "moto notified every object");
    messages
        .iter()
        .map(|message| serde_json::from_str(message.body().expect("a body")).expect("a JSON notification"))
        .collect()
}

/// An SQS event as Lambda's event source mapping builds it from queue messages.
fn sqs_event(bodies: &[&Value]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(index, body)| {
            json!({"messageId": format!("m-{index}"), "receiptHandle": "r", "body": body.to_string(),
                   "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                   "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:objects-created",
                   "awsRegion": "eu-west-1"})
        })
        .collect();
    json!({ "Records": records })
}

/// An SNS event as Lambda receives it from a topic the bucket notifies.
fn sns_event(message: &Value) -> Value {
    json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:objects-created:1",
        "Sns": {"Type": "Notification", "MessageId": "n-1", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:objects-created",
                "Subject": "Amazon S3 Notification", "Message": message.to_string(), "Timestamp": "2026-11-23T10:00:00.000Z"}}]})
}

fn key_of(notification: &Value) -> Option<&str> {
    notification.pointer("/Records/0/s3/object/key").and_then(Value::as_str)
}

#[tokio::test]
async fn objects_put_into_notifying_buckets_check_exactly_the_resources_that_watch_them() {
    let moto = Moto::start();
    let objects = [
        ("acme-builds", "api/api-1.4.0.tgz"),
        ("acme-builds", "api/api-1.4.0.tgz.sha256"),
        ("acme-builds", "api/latest.tgz"),
        ("acme-builds", "manuals/Handbuch für Kunden v2.1.pdf"),
        ("acme-builds", "reports/Q3 report.pdf"),
        ("acme-builds", "elsewhere/api/api-1.4.0.tgz"),
        ("acme-versions", "api"),
        ("acme-versions", "web"),
    ];
    let notifications = moto_notifications(&moto, &objects).await;
    let stack = start(config(), &[]);
    let expected: [&[(&str, &str)]; 8] = [
        &[("api", "tarball")],
        &[],
        &[("api", "latest")],
        &[("docs", "manual")],
        &[("docs", "report")],
        &[],
        &[("api", "version")],
        &[],
    ];

    let (tests, events): (Vec<&Value>, Vec<&Value>) = notifications.iter().partition(|n| n["Event"] == "s3:TestEvent");
    assert_eq!(tests.len(), 2);
    for test in &tests {
        let (answer, checked) = invoke(&stack, test).await;
        let answer = answer.unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            (answer["test_events"].as_u64(), checked.len()),
            (Some(1), 0),
            "{answer}"
        );
    }
    assert!(
        events
            .iter()
            .any(|n| key_of(n).is_some_and(|key| key.contains("%C3%BC") && key.contains('+'))),
        "moto encodes keys as S3 does: {events:?}"
    );
    for ((bucket, key), expected) in objects.iter().zip(expected) {
        let notification = events
            .iter()
            .find(|n| {
                n.pointer("/Records/0/s3/bucket/name") == Some(&json!(bucket))
                    && key_of(n).map(hookbox_concourse::s3::decode_key).as_deref() == Some(*key)
            })
            .unwrap_or_else(|| panic!("no notification of {bucket}/{key}"));
        for event in [
            (*notification).clone(),
            sqs_event(&[notification]),
            sns_event(notification),
        ] {
            let (answer, checked) = invoke(&stack, &event).await;
            let answer = answer.unwrap_or_else(|error| panic!("{bucket}/{key}: {error}"));
            assert_eq!(checked, pairs(expected), "{bucket}/{key}: {answer}");
            assert_eq!(answer["objects"], json!([format!("{bucket}/{key}")]), "{answer}");
        }
    }

    // The tarball goes by its webhook token, the others by the bearer route; instance vars go along.
    let (_, checked) = invoke(&stack, &sqs_event(&events)).await;
    let requests = stack.atc.checks();
    let tarball = requests.iter().find(|r| r.path.contains("/tarball/")).unwrap();
    assert_eq!(tarball.query_value("webhook_token"), Some("tarball-token"));
    let version = requests.iter().find(|r| r.path.contains("/version/")).unwrap();
    assert_eq!(version.header("authorization"), Some("Bearer bearer-token"));
    assert_eq!(version.query_value("vars"), Some(r#"{"env":"prod"}"#));
    // One batch with every notification, the tarball's twice (S3 may deliver twice): each resource once.
    let mut batch: Vec<&Value> = events.clone();
    batch.extend(tests);
    batch.push(events[0]);
    let (answer, again) = invoke(&stack, &sqs_event(&batch)).await;
    let answer = answer.unwrap();
    assert_eq!(again, checked);
    assert_eq!(
        checked,
        pairs(&[
            ("api", "tarball"),
            ("api", "latest"),
            ("docs", "manual"),
            ("docs", "report"),
            ("api", "version")
        ])
    );
    assert_eq!(stack.atc.checks().len(), 5, "{answer}");
    assert_eq!(answer["test_events"], 2, "{answer}");
    assert!(
        answer["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["outcome"] == "triggered"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_concourse_outage_fails_the_invocation_so_that_lambda_retries_it() {
    let event = s3_event("ObjectCreated:Put", "acme-builds", "api/api-2.0.0.tgz");
    let mut stack = start(config(), &[]);
    let (answer, checked) = invoke(&stack, &event).await;
    assert!(answer.is_ok() && checked.len() == 1, "{answer:?}");

    for behaviour in [Behaviour::Status(503), Behaviour::Slow(Duration::from_secs(3))] {
        stack.atc.set_behaviour(behaviour);
        let (answer, _) = invoke(&stack, &event).await;
        let error = answer.expect_err("an outage fails the invocation");
        assert!(
            error["errorMessage"]
                .as_str()
                .is_some_and(|message| message.contains("may succeed on a retry") && message.contains("api/tarball")),
            "{behaviour:?}: {error}"
        );
        assert!(!error.to_string().contains("tarball-token"), "{error}");
    }
    // A refusal no retry can fix (the token is wrong) is logged and reported, not retried.
    stack.atc.set_behaviour(Behaviour::Status(401));
    let (answer, _) = invoke(&stack, &event).await;
    let answer = answer.expect("a refused token is no reason to retry");
    assert_eq!(answer["checks"][0]["outcome"], "failed", "{answer}");
    assert_eq!(answer["error"], "1 of 1 checks failed", "{answer}");
    // An object nothing watches never reaches the ATC, up or down.
    stack.atc.stop();
    let (answer, _) = invoke(&stack, &s3_event("ObjectCreated:Put", "acme-builds", "unwatched.txt")).await;
    assert_eq!(answer.unwrap()["message"], "no resource watches these objects");
    let (answer, _) = invoke(&stack, &event).await;
    let error = answer.expect_err("an ATC that is down fails the invocation");
    assert!(error.to_string().contains("could not be reached"), "{error}");
    let logs = stack.function.logs();
    assert!(
        logs.contains("failing the invocation so that Lambda retries it"),
        "{logs}"
    );
    assert!(
        !logs.contains("tarball-token") && !logs.contains("bearer-token"),
        "{logs}"
    );
}

fn s3_event(event: &str, bucket: &str, key: &str) -> Value {
    json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
        "eventTime": "2026-11-23T10:00:00.000Z", "eventName": event,
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": {"key": key, "size": 8}}}]})
}

#[tokio::test]
async fn payloads_it_cannot_read_are_logged_and_never_crash_it() {
    let stack = start(config(), &[]);
    for payload in [
        json!({"hello": "world"}),
        json!({"Records": [{"eventSource": "aws:sqs", "body": "{not json"}]}),
        json!([1, 2, 3]),
    ] {
        let (answer, checked) = invoke(&stack, &payload).await;
        let answer = answer.unwrap_or_else(|error| panic!("{payload}: {error}"));
        assert_eq!(answer["unreadable"].as_array().map(Vec::len), Some(1), "{answer}");
        assert!(checked.is_empty());
    }
    let (answer, checked) = invoke(
        &stack,
        &s3_event("ObjectRemoved:Delete", "acme-builds", "api/api-1.0.0.tgz"),
    )
    .await;
    assert_eq!(
        answer.unwrap()["ignored"][0],
        "ObjectRemoved:Delete acme-builds/api/api-1.0.0.tgz"
    );
    assert!(checked.is_empty());
    assert!(stack.function.logs().contains("record unreadable"));
}

#[tokio::test]
async fn the_sample_events_match_the_example_config_through_cargo_lambda_invoke() {
    let root = workspace_root();
    let example: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("config/concourse.example.json")).unwrap()).unwrap();
    let stack = start(
        example,
        &[("HOOKBOX_CONCOURSE_WEBHOOK_TOKENS", r#"{"api-source": "t"}"#)],
    );
    let cases: [(&str, &[(&str, &str)]); 6] = [
        ("s3-put.json", &[("api", "tarball")]),
        ("s3-multipart.json", &[("api", "tarball"), ("api", "version")]),
        ("s3-unicode-key.json", &[("docs", "customer-manual")]),
        ("s3-sns.json", &[("api", "tarball")]),
        ("s3-sqs.json", &[("api", "tarball"), ("api", "version")]),
        ("s3-test-event.json", &[]),
    ];
    for (file, expected) in cases {
        stack.atc.clear();
        let (ok, output) = stack.emulator.invoke_cli(FUNCTION, &root.join("events").join(file));
        assert!(ok, "{file}: {output}");
        assert_eq!(stack.atc.checked(), pairs(expected), "{file}: {output}");
    }
}

#[test]
fn connect_bucket_adds_its_notification_and_keeps_the_others() {
    let moto = Moto::start();
    let function = "arn:aws:lambda:eu-west-1:123456789012:function:hookbox-S3ConcourseFunction";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let aws = runtime.block_on(LocalAws::new(&moto.endpoint()));
    runtime.block_on(async {
        aws.create_bucket("shared-bucket").await;
        let queue = aws.create_queue("audit", 262_144).await;
        let arn = aws.queue_arn(&queue).await;
        aws.notify_queue("shared-bucket", "audit", &arn, "logs/").await;
    });
    let connect = |args: &[&str]| {
        let output = Command::new(workspace_root().join("scripts/connect-bucket"))
            .args(args)
            .envs(local_aws_env(&moto.endpoint()))
            .output()
            .expect("scripts/connect-bucket runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        (output.status.code(), text)
    };
    // What moto has now, read back: (Lambda configurations as (Id, ARN, prefix), queue Ids).
    let notifications = || {
        let output = runtime
            .block_on(
                aws.s3
                    .get_bucket_notification_configuration()
                    .bucket("shared-bucket")
                    .send(),
            )
            .unwrap();
        let lambdas: Vec<(String, String, String)> = output
            .lambda_function_configurations()
            .iter()
            .map(|c| {
                let prefix = c
                    .filter()
                    .and_then(|f| f.key())
                    .and_then(|k| k.filter_rules().first())
                    .and_then(|r| r.value())
                    .unwrap_or_default();
                (
                    c.id().unwrap_or_default().to_owned(),
                    c.lambda_function_arn().to_owned(),
                    prefix.to_owned(),
                )
            })
            .collect();
        let queues: Vec<String> = output
            .queue_configurations()
            .iter()
            .map(|c| c.id().unwrap_or_default().to_owned())
            .collect();
        (lambdas, queues)
    };
    let ours = |arn: &str, prefix: &str| ("hookbox-s3-concourse".to_owned(), arn.to_owned(), prefix.to_owned());
    let audit = vec!["audit".to_owned()];

    let (code, text) = connect(&[
        "--bucket",
        "shared-bucket",
        "--function-arn",
        function,
        "--prefix",
        "builds/",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(notifications(), (vec![ours(function, "builds/")], audit.clone()));
    // Connecting again replaces its own entry only.
    let renamed = "arn:aws:lambda:eu-west-1:123456789012:function:renamed";
    let (code, text) = connect(&[
        "--bucket",
        "shared-bucket",
        "--function-arn",
        renamed,
        "--prefix",
        "builds/",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(notifications(), (vec![ours(renamed, "builds/")], audit.clone()));
    // Every key would include the audit queue's logs/: S3 refuses overlapping configurations, and so
    // does the script, before writing anything.
    let (code, text) = connect(&["--bucket", "shared-bucket", "--function-arn", function]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("'audit'") && text.contains("overlapping"), "{text}");
    assert_eq!(notifications(), (vec![ours(renamed, "builds/")], audit.clone()));
    let (code, text) = connect(&["--bucket", "shared-bucket", "--remove"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(notifications(), (vec![], audit));
    let (code, text) = connect(&["--bucket", "no-such-bucket", "--function-arn", function]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("NoSuchBucket") && !text.contains("Traceback"), "{text}");
}

/// Every line the real binary writes is a JSON object; its log lines are Lambda-shaped, name the
/// invocation by Lambda's `requestId`, and log an optional value as itself (the test event's
/// `bucket`), never as `Some(..)`.
#[tokio::test]
async fn log_lines_are_lambda_shaped_and_name_their_request() {
    let stack = start(config(), &[]);
    let (answer, checked) = invoke(
        &stack,
        &s3_event("ObjectCreated:Put", "acme-builds", "api/api-2.0.0.tgz"),
    )
    .await;
    assert!(answer.is_ok() && checked.len() == 1, "{answer:?}");
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "acme-builds"});
    assert!(invoke(&stack, &test_event).await.0.is_ok());

    let logs = stack.function.logs();
    let lines = log_lines(&logs);
    let line = |message: &str| line_with(&lines, message);
    let triggered = line("check triggered");
    assert_eq!(
        (&triggered["level"], &triggered["pipeline"], &triggered["resource"]),
        (&json!("INFO"), &json!("api"), &json!("tarball")),
        "{triggered:?}"
    );
    let request_id = triggered["requestId"].as_str().expect("Lambda's request id");
    assert_eq!(line("object created")["requestId"], request_id);
    assert!(!triggered.contains_key("request_id"), "one name per id: {triggered:?}");
    let test = line("s3:TestEvent: the bucket notification reaches this function");
    assert_eq!(test["bucket"], "acme-builds", "{test:?}");
    assert!(test["requestId"].as_str().is_some_and(|id| id != request_id));
}

/// The notifiers' metric family through the real binary: every record counted by kind (created,
/// test, ignored, unreadable), the resources the objects matched, and every check triggered, timed
/// out or failed, with the ATC's latency per check; an invocation that fails still writes its line.
#[tokio::test]
async fn metrics_count_records_matches_and_checks() {
    let mut stack = start(config(), &[]);
    let created = s3_event("ObjectCreated:Put", "acme-builds", "api/api-2.0.0.tgz");
    let removed = s3_event("ObjectRemoved:Delete", "acme-builds", "api/api-1.0.0.tgz");
    let mixed = json!({"Records": [
        created["Records"][0], removed["Records"][0], {"eventSource": "aws:sqs", "body": "{not json"}
    ]});
    let (answer, checked) = invoke(&stack, &mixed).await;
    assert!(answer.is_ok() && checked.len() == 1, "{answer:?}");
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "acme-builds"});
    assert!(invoke(&stack, &test_event).await.0.is_ok());
    stack.atc.set_behaviour(Behaviour::Slow(Duration::from_secs(3)));
    assert!(invoke(&stack, &created).await.0.is_err(), "a timeout is retried");
    stack.atc.set_behaviour(Behaviour::Status(401));
    assert!(invoke(&stack, &created).await.0.is_ok(), "a refusal is not");
    stack.atc.stop();

    let logs = stack.function.logs();
    let events = metric(&logs, "Events");
    let kinds: Vec<(Option<&str>, f64)> = events.iter().map(|value| (value.member("Kind"), value.sum())).collect();
    assert_eq!(
        kinds,
        [
            (Some("created"), 1.0),
            (Some("ignored"), 1.0),
            (Some("unreadable"), 1.0),
            (Some("test"), 1.0),
            (Some("created"), 1.0),
            (Some("created"), 1.0),
        ]
    );
    for value in &events {
        assert_eq!(value.dimension_sets, [["Stack", "Function", "Kind"]]);
        assert_eq!(
            (value.member("Stack"), value.member("Function")),
            (Some(FUNCTION), Some(FUNCTION))
        );
    }
    let sums = |name: &str| -> Vec<f64> {
        let values = metric(&logs, name);
        for value in &values {
            assert_eq!(value.dimension_sets, [["Stack", "Function"]], "{value:#?}");
            assert_eq!(value.namespace, "hookbox");
        }
        values.iter().map(MetricValue::sum).collect()
    };
    assert_eq!(sums("ResourcesMatched"), [1.0, 0.0, 1.0, 1.0]);
    assert_eq!(sums("ChecksTriggered"), [1.0, 0.0, 0.0]);
    assert_eq!(sums("ChecksTimedOut"), [0.0, 1.0, 0.0]);
    assert_eq!(sums("ChecksFailed"), [0.0, 0.0, 1.0]);
    let latency = metric(&logs, "AtcLatency");
    assert_eq!(
        latency.iter().map(|value| value.values.len()).collect::<Vec<_>>(),
        [1, 1, 1]
    );
    assert!(latency.iter().all(|value| value.unit == "Milliseconds"));
    assert!(
        (1000.0..2500.0).contains(&latency[1].values[0]),
        "{:?}",
        latency[1].values
    );
}

/// What `hookbox concourse explain` says (its model, `hookbox_concourse::explain`) is what the real
/// function checks: for objects that exercise every rule (`regexp`, `versioned_file`, semver `key`,
/// `((vars))` in them and in `bucket`, other buckets), the ATC receives exactly the checks the
/// explanation calls checked, and the function logs each one's reason.
#[tokio::test]
async fn the_function_checks_exactly_what_explain_says() {
    let config = json!({
        "atc_url": "", "team": "main", "auth": "bearer",
        "resources": [
            s3("api", "tarball", json!({"bucket": "acme-builds", "regexp": "api/api-(.*)\\.tgz"})),
            s3("api", "latest", json!({"bucket": "acme-builds", "versioned_file": "api/latest.tgz"})),
            s3("api", "any-build", json!({"bucket": "acme-builds", "regexp": "((prefix))/(.*)"})),
            s3("api", "any-file", json!({"bucket": "acme-other", "versioned_file": "((file))"})),
            s3("api", "var-bucket", json!({"bucket": "((bucket))", "regexp": ".*"})),
            {"pipeline": "api", "resource": "version", "type": "semver", "source": {"bucket": "acme-versions", "key": "api"}},
            {"pipeline": "api", "resource": "any-version", "type": "semver", "source": {"bucket": "acme-versions", "key": "((key))"}},
        ]
    });
    let stack = start(config.clone(), &[]);
    // The stack fills in the fake ATC's URL; the explanation only needs some URL.
    let mut explained = config.clone();
    explained["atc_url"] = json!("https://ci.example.com");
    let parsed = hookbox_concourse::ConcourseConfig::from_json(&explained.to_string()).unwrap();
    let matcher = hookbox_concourse::S3Matcher::new(&parsed).unwrap();

    let events = [
        s3_event("ObjectCreated:Put", "acme-builds", "api/api-1.2.tgz"),
        s3_event("ObjectCreated:Put", "acme-builds", "api/latest.tgz"),
        s3_event("ObjectCreated:Put", "acme-builds", "unrelated.txt"),
        s3_event("ObjectCreated:Put", "acme-other", "x"),
        s3_event("ObjectCreated:Put", "acme-versions", "api"),
        s3_event("ObjectCreated:Put", "acme-versions", "web"),
        s3_event("ObjectRemoved:Delete", "acme-builds", "api/api-1.2.tgz"),
        s3_event("ObjectCreated:Put", "elsewhere", "api/api-1.2.tgz"),
    ];
    let mut checked_per_event = Vec::new();
    for (index, event) in events.iter().enumerate() {
        let notices = hookbox_concourse::s3_event::read_notices(event);
        let explanation = hookbox_concourse::explain::s3(&parsed, &matcher, &notices);
        let said: Vec<(&str, &str)> = explanation
            .resources
            .iter()
            .filter(|resource| resource.checked)
            .map(|resource| (resource.pipeline.as_str(), resource.resource.as_str()))
            .collect();
        let (answer, checked) = invoke(&stack, event).await;
        assert!(answer.is_ok(), "event {index}: {answer:?}");
        assert_eq!(checked, pairs(&said), "event {index}: {answer:?}\n{explanation:#?}");
        checked_per_event.push(checked.len());
    }
    // The objects tell the resources apart: a rule that matched everything or nothing would show here.
    assert_eq!(checked_per_event, [2, 2, 1, 1, 2, 1, 0, 0]);
    let lines = log_lines(&stack.function.logs());
    let matched = line_with(&lines, "resource matched");
    assert_eq!(
        (&matched["resource"], &matched["reason"]),
        (&json!("tarball"), &json!("the key matches regexp api/api-(.*)\\.tgz")),
        "{matched:?}"
    );
}
