//! The real `hookbox relay` binary against a real moto server and a real HTTP target on 127.0.0.1.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookbox_core::{BodyObject, Envelope};
use hookbox_testkit::aws::LocalAws;
use hookbox_testkit::moto::Moto;
use hookbox_testkit::process::Service;
use hookbox_testkit::target::{Answer, Target};
use hookbox_testkit::{free_port, wait_until};
use sha2::{Digest, Sha256};

const BUCKET: &str = "hookbox-bodies";

/// The relay binary with the local AWS environment and `args`.
fn relay(moto: &Moto, args: &[String]) -> Service {
    let mut command = common::hookbox(moto);
    command.arg("relay").args(args);
    Service::spawn("relay", command)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|arg| arg.to_string()).collect()
}

fn envelope(id: &str, route: &str, content_type: &str, body: &[u8]) -> Envelope {
    let mut envelope = Envelope::new(
        id.into(),
        "2026-11-23T12:00:00Z".into(),
        route.into(),
        "POST".into(),
        format!("/hooks/{route}"),
    );
    envelope.query = vec![("token".into(), "t".into())];
    envelope.headers = vec![
        ("content-type".into(), content_type.into()),
        ("x-amzn-trace-id".into(), "Root=1".into()),
        ("x-forwarded-for".into(), "192.0.2.1".into()),
        ("x-delivery".into(), id.into()),
    ]
    .into();
    envelope.set_inline_body(body);
    envelope
}

#[test]
fn help_documents_every_option_with_its_environment_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .args(["relay", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    // Each option's block runs from its "--name" line to the next one.
    let mut blocks: Vec<String> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("--") || trimmed.starts_with("-h,") {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
        }
    }
    let options: Vec<&String> = blocks.iter().filter(|b| !b.contains("--help")).collect();
    assert_eq!(options.len(), 20, "{help}");
    for block in options {
        assert!(block.contains("[env: HOOKBOX_"), "no environment variable: {block}");
    }
    for option in [
        "--queue-url",
        "--target",
        "--append-path",
        "--header",
        "--timeout",
        "--delivered-status",
        "--concurrency",
        "--visibility-timeout",
        "--route",
        "--content-type",
        "--once",
        "--dry-run",
        "--metrics-addr",
        "--unhealthy-after",
    ] {
        assert!(help.contains(option), "{option} is not documented");
    }
}

#[test]
fn bad_options_are_refused_with_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .args([
            "relay",
            "--queue-url",
            "q",
            "--target",
            "ftp://x/",
            "--delivered-status",
            "2xx",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("http or https"), "{error}");
}

/// Filters, `--dry-run`, `--once`, a claim-checked body, a configured delivered status and the
/// dropped gateway headers.
#[tokio::test]
async fn once_dry_run_and_filters_replay_only_what_was_asked() {
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let (queue, _) = aws.create_queue_with_dlq("mailbox", 262_144, 5).await;
    aws.create_bucket(BUCKET).await;
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    aws.put_object(BUCKET, "bodies/big", big.clone()).await;
    let mut claim = envelope("big", "github", "application/octet-stream", b"");
    claim.set_body_object(BodyObject {
        bucket: BUCKET.into(),
        key: "bodies/big".into(),
        size: big.len() as u64,
        sha256: hex::encode(Sha256::digest(&big)),
    });
    let bodies = vec![
        envelope("gh-1", "github", "application/json; charset=utf-8", b"{\"a\":1}").to_json(),
        claim.to_json(),
        envelope("gl-1", "gitlab", "application/json", b"{}").to_json(),
        envelope("gh-form", "github", "application/x-www-form-urlencoded", b"a=1").to_json(),
    ];
    aws.send_all(&queue, &bodies).await;

    let target = Target::start(|request| {
        // The target answers 404 for the claim-checked request: configured as delivered below.
        if request.header_values("x-delivery") == ["big"] {
            Answer::Status(404)
        } else {
            Answer::Status(200)
        }
    });
    let common = |extra: &[&str]| {
        let mut list = args(&[
            "--queue-url",
            &queue,
            "--target",
            &target.url("/invoke?job=x"),
            "--once",
            "--wait",
            "1s",
            "--visibility-timeout",
            "1s",
            "--route",
            "github",
            "--content-type",
            "application/json,application/octet-stream",
            "--s3-force-path-style",
            "--delivered-status",
            "2xx,404",
        ]);
        list.extend(args(extra));
        list
    };

    let mut dry = relay(&moto, &common(&["--dry-run"]));
    assert!(dry.wait_exit(Duration::from_secs(30)).success(), "{}", dry.output());
    let printed: Vec<serde_json::Value> = dry
        .output()
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut ids: Vec<&str> = printed.iter().map(|line| line["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["big", "gh-1"], "{}", dry.output());
    let gh = printed.iter().find(|line| line["id"] == "gh-1").unwrap();
    assert_eq!(gh["url"], target.url("/invoke?job=x&token=t"));
    assert_eq!(gh["method"], "POST");
    let big_line = printed.iter().find(|line| line["id"] == "big").unwrap();
    assert_eq!(big_line["body_bytes"], big.len());
    assert_eq!(target.count(), 0, "a dry run sends nothing");

    // The dry run left everything in the queue; wait until it is visible again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut real = relay(&moto, &common(&[]));
    assert!(real.wait_exit(Duration::from_secs(30)).success(), "{}", real.output());
    let mut received = target.received();
    received.sort_by(|a, b| a.header_values("x-delivery").cmp(&b.header_values("x-delivery")));
    assert_eq!(received.len(), 2, "{}", real.output());
    assert_eq!(received[0].header_values("x-delivery"), ["big"]);
    assert_eq!(received[0].body, big);
    assert_eq!(received[1].body, b"{\"a\":1}");
    for request in &received {
        assert_eq!(request.target, "/invoke?job=x&token=t");
        assert!(request.header_values("x-amzn-trace-id").is_empty());
        assert!(request.header_values("x-forwarded-for").is_empty());
    }
    assert!(real.output().contains("delivered=2"), "{}", real.output());
    assert!(real.output().contains("skipped=2"), "{}", real.output());

    // The filtered-out requests are still there, and the delivered ones (404 included) are gone.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let left = aws.drain(&queue, 3, Duration::from_secs(3)).await;
    let mut left: Vec<String> = left
        .iter()
        .map(|m| Envelope::from_json(m.body().unwrap()).unwrap().id)
        .collect();
    left.sort();
    assert_eq!(left, ["gh-form", "gl-1"]);
}

/// A relay (`--wait 1s` and `relay_args`) given `ids`, stopped by SIGTERM once the target (answering
/// 200 after `answer_after`) got its first request and every message is received: the relay's logs
/// (it must exit 0), the requests the target got, and the queue's depth (visible, hidden) after it exited.
async fn stopped_during_a_slow_delivery(
    ids: &[&str],
    answer_after: Duration,
    relay_args: &[&str],
) -> (String, usize, (u64, u64)) {
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let (queue, _) = aws.create_queue_with_dlq("mailbox", 262_144, 5).await;
    let target = Target::start(move |_| Answer::Slow(answer_after, 200));
    let mut list = args(&["--queue-url", &queue, "--target", &target.url("/"), "--wait", "1s"]);
    list.extend(args(relay_args));
    let mut service = relay(&moto, &list);
    let bodies: Vec<String> = ids
        .iter()
        .map(|id| envelope(id, "github", "text/plain", b"x").to_json())
        .collect();
    aws.send_all(&queue, &bodies).await;
    wait_until(
        Duration::from_secs(20),
        "the first delivery to start with every message received",
        async || target.count() == 1 && aws.depth(&queue).await == (0, ids.len() as u64),
    )
    .await;
    service.signal("TERM");
    let status = service.wait_exit(Duration::from_secs(15));
    let logs = service.output();
    assert!(status.success(), "{status}: {logs}");
    assert!(logs.contains("SIGTERM"), "{logs}");
    (logs, target.count(), aws.depth(&queue).await)
}

/// SIGTERM while a slow delivery runs: the relay finishes it (keeping the message hidden past its
/// visibility timeout, so it is not delivered twice), deletes it and exits 0.
#[tokio::test]
async fn sigterm_finishes_the_delivery_under_way_and_exits_0() {
    let (logs, requests, depth) = stopped_during_a_slow_delivery(
        &["slow"],
        Duration::from_secs(3),
        &["--visibility-timeout", "1s", "--timeout", "10s"],
    )
    .await;
    assert!(logs.contains("delivered=1"), "{logs}");
    assert_eq!(requests, 1, "the message was handed out twice: {logs}");
    assert_eq!(depth, (0, 0), "{logs}");
}

/// SIGTERM while two messages received with a delivered one wait for its slot: the relay hands them
/// back at once, visible to another relay long before their visibility timeout would have ended.
#[tokio::test]
async fn sigterm_hands_back_the_messages_waiting_for_a_slot() {
    let (logs, requests, depth) = stopped_during_a_slow_delivery(
        &["slow-1", "slow-2", "slow-3"],
        Duration::from_secs(2),
        &["--visibility-timeout", "60s", "--concurrency", "1"],
    )
    .await;
    assert!(logs.contains("delivered=1") && logs.contains("released=2"), "{logs}");
    assert_eq!(requests, 1, "{logs}");
    assert_eq!(depth, (2, 0), "{logs}");
}

/// However few delivery slots are free, every receive asks for a full batch: 25 messages take three
/// receives and the empty one that ends `--once`, not one per free slot. Each message is delivered once.
#[tokio::test]
async fn receives_ask_for_full_batches_whatever_the_concurrency() {
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let (queue, _) = aws.create_queue_with_dlq("mailbox", 262_144, 5).await;
    let bodies: Vec<String> = (0..25)
        .map(|seq| envelope(&format!("m-{seq}"), "github", "text/plain", b"x").to_json())
        .collect();
    aws.send_all(&queue, &bodies).await;
    let target = Target::start(|_| Answer::Status(200));
    let mut service = relay(
        &moto,
        &args(&[
            "--queue-url",
            &queue,
            "--target",
            &target.url("/"),
            "--once",
            "--wait",
            "0s",
            "--concurrency",
            "2",
        ]),
    );
    let status = service.wait_exit(Duration::from_secs(60));
    let logs = service.output();
    assert!(status.success(), "{status}: {logs}");
    assert!(
        logs.contains("delivered=25") && logs.contains("receive_requests=4"),
        "{logs}"
    );
    let mut ids: Vec<String> = target
        .received()
        .iter()
        .map(|request| request.header_values("x-delivery").concat())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 25, "{logs}");
    assert_eq!(target.count(), 25, "{logs}");
    assert_eq!(aws.depth(&queue).await, (0, 0), "{logs}");
}

/// GET `path` from the relay's endpoint on 127.0.0.1:`port`: the status and the body.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the endpoint accepts");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .expect("the endpoint answers and closes");
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok());
    let (_, body) = answer.split_once("\r\n\r\n").unwrap_or_default();
    (status.unwrap_or_else(|| panic!("not HTTP: {answer}")), body.to_owned())
}

/// The value of the sample `series` (name and labels as the relay writes them) in a scrape.
fn sample(metrics: &str, series: &str) -> f64 {
    let values: Vec<f64> = metrics
        .lines()
        .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .collect();
    assert_eq!(values.len(), 1, "{series} in:\n{metrics}");
    values[0]
}

fn outcome(metrics: &str, outcome: &str) -> f64 {
    sample(
        metrics,
        &format!("hookbox_relay_messages_total{{outcome=\"{outcome}\"}}"),
    )
}

/// `/metrics` counts what the test sent, by outcome, while the relay runs: six requests the target
/// takes, three it refuses and one message that is no envelope. `/healthz` answers 200 while moto
/// answers and 503 once it has been stopped for longer than `--unhealthy-after`.
#[tokio::test]
async fn metrics_count_every_outcome_and_healthz_follows_sqs() {
    let mut moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let (queue, _) = aws.create_queue_with_dlq("mailbox", 262_144, 5).await;
    let target = Target::start(|request| match request.header_values("x-delivery").as_slice() {
        [id] if id.starts_with("ok-") => Answer::Status(200),
        _ => Answer::Status(500),
    });
    let port = free_port();
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as f64;
    let mut service = relay(
        &moto,
        &args(&[
            "--queue-url",
            &queue,
            "--target",
            &target.url("/"),
            "--wait",
            "1s",
            // The refused messages do not come back during the test.
            "--retry-delay",
            "10m",
            "--metrics-addr",
            &format!("127.0.0.1:{port}"),
            "--unhealthy-after",
            "3s",
        ]),
    );
    service.wait_for_port(port, Duration::from_secs(30));
    let (status, body) = get(port, "/healthz");
    assert_eq!(status, 200, "{body}");

    let mut bodies: Vec<String> = (0..6)
        .map(|seq| format!("ok-{seq}"))
        .chain((0..3).map(|seq| format!("bad-{seq}")))
        .map(|id| envelope(&id, "github", "text/plain", b"x").to_json())
        .collect();
    bodies.push("not an envelope".into());
    aws.send_all(&queue, &bodies).await;
    wait_until(Duration::from_secs(30), "every message to be counted", async || {
        let metrics = get(port, "/metrics").1;
        outcome(&metrics, "delivered") + outcome(&metrics, "retried") + outcome(&metrics, "failed") >= 10.0
    })
    .await;
    // The deleter lingers a moment before its batch.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, metrics) = get(port, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(outcome(&metrics, "delivered"), 6.0, "{metrics}");
    assert_eq!(outcome(&metrics, "retried"), 3.0, "{metrics}");
    assert_eq!(outcome(&metrics, "failed"), 1.0, "{metrics}");
    assert_eq!(outcome(&metrics, "skipped"), 0.0, "{metrics}");
    assert_eq!(target.count(), 9);
    // Only the nine requests that reached the target were timed; none is under way any more.
    assert_eq!(sample(&metrics, "hookbox_relay_delivery_duration_seconds_count"), 9.0);
    assert_eq!(
        sample(&metrics, "hookbox_relay_delivery_duration_seconds_bucket{le=\"+Inf\"}"),
        9.0
    );
    assert_eq!(sample(&metrics, "hookbox_relay_in_flight"), 0.0);
    let receives = sample(&metrics, "hookbox_relay_sqs_requests_total{operation=\"receive\"}");
    let deletes = sample(&metrics, "hookbox_relay_sqs_requests_total{operation=\"delete\"}");
    assert!(receives >= 1.0 && (1.0..=6.0).contains(&deletes), "{metrics}");
    assert_eq!(
        sample(
            &metrics,
            "hookbox_relay_sqs_request_errors_total{operation=\"receive\"}"
        ),
        0.0
    );
    assert_eq!(
        sample(&metrics, "hookbox_relay_sqs_request_errors_total{operation=\"delete\"}"),
        0.0
    );
    assert_eq!(sample(&metrics, "hookbox_relay_delete_failed_messages_total"), 0.0);
    assert!(
        sample(&metrics, "hookbox_relay_last_receive_timestamp_seconds") >= before,
        "{metrics}"
    );
    assert_eq!(aws.depth(&queue).await, (0, 4), "the delivered messages are deleted");
    assert_eq!(get(port, "/healthz").0, 200);
    assert_eq!(get(port, "/nothing").0, 404);

    moto.stop();
    let stopped = Instant::now();
    wait_until(Duration::from_secs(20), "/healthz to answer 503", async || {
        get(port, "/healthz").0 == 503
    })
    .await;
    // The last answer came at most one long poll (1s) before the stop.
    assert!(
        stopped.elapsed() >= Duration::from_secs(2),
        "503 after {:?}",
        stopped.elapsed()
    );
    // A receive fails only once the SDK has given up its retries, which may take longer than that.
    let errors = "hookbox_relay_sqs_request_errors_total{operation=\"receive\"}";
    wait_until(Duration::from_secs(30), "a failed receive to be counted", async || {
        sample(&get(port, "/metrics").1, errors) >= 1.0
    })
    .await;
    assert_eq!(outcome(&get(port, "/metrics").1, "delivered"), 6.0);

    service.signal("TERM");
    let status = service.wait_exit(Duration::from_secs(15));
    let logs = service.output();
    assert!(status.success(), "{status}: {logs}");
    assert!(
        logs.contains("delivered=6") && logs.contains("retried=3") && logs.contains("failed=1"),
        "{logs}"
    );
}

/// A `--metrics-addr` that cannot be bound stops the relay at once, naming the flag.
#[test]
fn a_metrics_address_in_use_is_refused_at_start() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .env_clear()
        .args([
            "relay",
            "--queue-url",
            "http://127.0.0.1:9/q",
            "--target",
            "http://127.0.0.1:9/",
        ])
        .args(["--metrics-addr", &address])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains(&format!("cannot listen on --metrics-addr {address}")),
        "{error}"
    );
}
