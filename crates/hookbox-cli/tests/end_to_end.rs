//! A thousand varied requests travel the whole way: HTTP → the real enqueue binary (under the cargo
//! lambda emulator) → moto SQS/S3 → the real relay → a flaky target on 127.0.0.1. The target fails a
//! third of the first attempts (500, connection reset, stall past the relay's timeout), and the relay is
//! killed with SIGKILL mid-run and started again. Afterwards every request must have been delivered with
//! its exact method, path, query, headers and body bytes, nothing may be left in the queue, duplicates
//! are counted, and the poison messages must sit in the dead-letter queue.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use hookbox_testkit::aws::{LocalAws, local_aws_env};
use hookbox_testkit::lambda::{Emulator, Function};
use hookbox_testkit::moto::Moto;
use hookbox_testkit::process::Service;
use hookbox_testkit::target::{Answer, Received, Target};
use hookbox_testkit::{wait_until, workspace_binary};

const REQUESTS: usize = 1000;
/// Generous, so that a loaded CI machine's slow answers never push a good request into the DLQ.
const MAX_RECEIVE_COUNT: u32 = 8;
const BUCKET: &str = "hookbox-bodies";
/// The relay gives up on a request after this long; stalls last longer.
const RELAY_TIMEOUT: &str = "2s";
const STALL: Duration = Duration::from_secs(3);

/// One request as the test sent it.
struct Sent {
    method: &'static str,
    path: String,
    /// The raw query string, without `?`.
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Request `seq`: methods, paths, queries (repeats, escapes, none), headers (commas, signatures) and
/// bodies (JSON, form, binary, empty, claim-checked) vary with it.
fn request(seq: usize) -> Sent {
    let method = ["POST", "PUT", "PATCH", "DELETE", "GET"][seq % 5];
    let path = format!("/hooks/{}/{seq}", ["github", "gitlab", "jenkins"][seq % 3]);
    let query = match seq % 4 {
        0 => String::new(),
        1 => format!("token=t%2Bx&seq={seq}"),
        2 => "job=a&job=b%20c&job=a&snow=%E2%98%83&empty=".into(),
        _ => format!("q={seq}&list=1,2,3"),
    };
    let (content_type, body): (&str, Vec<u8>) = match seq % 6 {
        _ if seq % 250 == 7 => (
            "application/octet-stream",
            (0..300_000).map(|i| ((i * 7 + seq) % 256) as u8).collect(),
        ),
        0 => (
            "application/json",
            format!(r#"{{"seq":{seq},"text":"caf\u00e9 ☃","ref":"refs/heads/main"}}"#).into_bytes(),
        ),
        1 => (
            "application/x-www-form-urlencoded",
            format!("payload=%7B%22seq%22%3A{seq}%7D").into_bytes(),
        ),
        2 => (
            "application/octet-stream",
            (0..(seq % 97 + 3)).map(|i| (255 - (i + seq) % 256) as u8).collect(),
        ),
        3 => ("text/plain; charset=utf-8", Vec::new()),
        4 => ("application/json", b"[]".to_vec()),
        _ => ("application/xml", format!("<seq>{seq}</seq>\r\n").into_bytes()),
    };
    let mut headers = vec![
        ("content-type".to_owned(), content_type.to_owned()),
        ("x-test-seq".to_owned(), seq.to_string()),
        ("x-custom".to_owned(), format!("one, two,{seq}")),
    ];
    if seq % 4 == 1 {
        headers.push(("x-hub-signature-256".into(), format!("sha256={seq:064x}")));
        headers.push(("x-github-delivery".into(), format!("delivery-{seq}")));
    }
    Sent {
        method,
        path,
        query,
        headers,
        body,
    }
}

/// The target's behaviour: the first attempt of every third request fails, in turn with a 500, a
/// connection reset and a stall past the relay's timeout; everything else is accepted.
fn flaky() -> impl Fn(&Received) -> Answer + Send + Sync + 'static {
    let seen = Mutex::new(HashSet::new());
    move |request| {
        let Some(seq) = request
            .header_values("x-test-seq")
            .first()
            .and_then(|v| v.parse::<usize>().ok())
        else {
            return Answer::Status(400);
        };
        let first = seen.lock().unwrap().insert(seq);
        if first && seq % 3 == 0 {
            [Answer::Status(500), Answer::Reset, Answer::Stall(STALL)][(seq / 3) % 3]
        } else {
            Answer::Status(200)
        }
    }
}

fn start_relay(moto: &Moto, queue: &str, target: &Target) -> Service {
    let mut command = common::hookbox(moto);
    command
        .args(["--log-format", "json", "relay", "--queue-url", queue])
        .args(["--target", &target.url("/relay")])
        .args(["--append-path", "--concurrency", "16", "--timeout", RELAY_TIMEOUT])
        .args(["--visibility-timeout", "2s", "--wait", "1s"])
        .args(["--retry-delay", "1s", "--max-retry-delay", "2s"]);
    Service::spawn("relay", command)
}

fn decoded(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// Headers grouped by name, values in arrival order: what HTTP promises to keep.
fn by_name(headers: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        map.entry(name.clone()).or_default().push(value.clone());
    }
    map
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_requests_survive_a_flaky_target_and_a_relay_crash() {
    let started = Instant::now();
    let enqueue = workspace_binary("enqueue", "enqueue");
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let (queue, dlq) = aws.create_queue_with_dlq("mailbox", 262_144, MAX_RECEIVE_COUNT).await;
    aws.create_bucket(BUCKET).await;
    let mut env = local_aws_env(&moto.endpoint());
    env.push(("HOOKBOX_QUEUE_MAILBOX".into(), queue.clone()));
    env.push(("HOOKBOX_BODY_BUCKET".into(), BUCKET.into()));
    env.push(("HOOKBOX_MAX_MESSAGE_BYTES".into(), "262144".into()));
    let emulator = Emulator::start();
    // Two function processes share the emulator's queue of invocations, as two Lambda sandboxes would.
    let functions = [
        Function::start(&emulator, "enqueue", &enqueue, &env),
        Function::start(&emulator, "enqueue", &enqueue, &env),
    ];
    let target = Target::start(flaky());

    // Poison: a message that is no envelope, and an envelope that cannot be replayed.
    let poison = vec![
        "this is not an envelope".to_owned(),
        r#"{"v":1,"id":"bad-method","received_at":"2026-11-23T12:00:00Z","route":"x","method":"NOT A METHOD","path":"/","query":[],"headers":[],"source_ip":null,"body":null,"body_base64":null,"body_s3":null}"#.to_owned(),
    ];
    aws.send_all(&queue, &poison).await;

    let client = reqwest::Client::new();
    let base = emulator.function_url("enqueue");
    let sent: Vec<Sent> = (0..REQUESTS).map(request).collect();
    // The relay drains the queue while requests arrive (moto slows down as a queue fills up). Once it
    // has made 300 attempts it is killed with SIGKILL, as a crash would, and another one starts.
    let first_relay = start_relay(&moto, &queue, &target);
    let crash = async {
        let mut first_relay = first_relay;
        wait_until(
            Duration::from_secs(180),
            "the first relay to make 300 attempts",
            async || target.count() >= 300,
        )
        .await;
        first_relay.signal("KILL");
        first_relay.wait_exit(Duration::from_secs(5));
        let killed_at = target.count();
        let relay = start_relay(&moto, &queue, &target);
        (first_relay.output(), killed_at, relay)
    };
    let enqueue_all = futures::stream::iter(sent.iter().enumerate())
        .map(|(seq, request)| {
            let mut url = format!("{base}{}", request.path);
            if !request.query.is_empty() {
                url = format!("{url}?{}", request.query);
            }
            let mut builder = client
                .request(request.method.parse().unwrap(), url)
                .body(request.body.clone())
                .timeout(Duration::from_secs(30));
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            async move {
                let response = builder.send().await.expect("the emulator answers");
                (
                    seq,
                    response.status().as_u16(),
                    response.text().await.unwrap_or_default(),
                )
            }
        })
        .buffer_unordered(6)
        .collect::<Vec<(usize, u16, String)>>();
    let (answers, (first_logs, killed_at, mut relay)) = tokio::join!(enqueue_all, crash);
    for (seq, status, body) in &answers {
        assert_eq!(
            *status,
            202,
            "request {seq}: {body}\n{}{}",
            functions[0].logs(),
            functions[1].logs()
        );
    }
    eprintln!("enqueued {REQUESTS} requests in {:?}", started.elapsed());

    let delivered_all = || {
        let accepted: HashSet<String> = target
            .received()
            .iter()
            .filter(|r| r.answer == Answer::Status(200))
            .filter_map(|r| r.header_values("x-test-seq").first().map(|s| s.to_string()))
            .collect();
        accepted.len() == REQUESTS
    };
    wait_until(Duration::from_secs(120), "every request to be delivered", async || {
        delivered_all()
    })
    .await;
    wait_until(
        Duration::from_secs(60),
        "the poison messages in the dead-letter queue",
        async || aws.depth(&dlq).await.0 == poison.len() as u64,
    )
    .await;
    relay.signal("TERM");
    let status = relay.wait_exit(Duration::from_secs(15));
    let logs = relay.output();
    assert!(status.success(), "the relay must exit 0 on SIGTERM: {status}\n{logs}");

    // Every request arrived at least once with its exact method, path, query, headers and body.
    let received = target.received();
    let mut accepted: BTreeMap<usize, Vec<&Received>> = BTreeMap::new();
    for request in &received {
        for (name, _) in &request.headers {
            assert!(
                !name.starts_with("x-amzn-") && !name.starts_with("x-forwarded-"),
                "a gateway header reached the target: {name}"
            );
        }
        if request.answer == Answer::Status(200) {
            let seq: usize = request.header_values("x-test-seq")[0].parse().unwrap();
            accepted.entry(seq).or_default().push(request);
        }
    }
    assert_eq!(accepted.len(), REQUESTS, "requests were lost");
    for (seq, deliveries) in &accepted {
        let sent = &sent[*seq];
        for got in deliveries {
            assert_eq!(got.method, sent.method, "request {seq}");
            assert_eq!(got.path(), format!("/relay{}", sent.path), "request {seq}");
            assert_eq!(decoded(got.query()), decoded(&sent.query), "request {seq}");
            assert!(
                got.body == sent.body,
                "request {seq}: body differs ({} bytes, sent {})",
                got.body.len(),
                sent.body.len()
            );
            let mut expected = by_name(&sent.headers);
            // What every HTTP client adds and the mailbox stores: reqwest's default accept.
            expected.insert("accept".into(), vec!["*/*".into()]);
            let mut got_headers = by_name(&got.headers);
            got_headers.remove("host");
            // The emulator's Function URL stand-in adds its request id as a header (AWS does not);
            // the mailbox stores it as it stores any header.
            got_headers.remove("lambda-runtime-aws-request-id");
            let length = got_headers.remove("content-length");
            assert_eq!(got_headers, expected, "request {seq}: headers differ");
            if !sent.body.is_empty() {
                assert_eq!(length, Some(vec![sent.body.len().to_string()]), "request {seq}");
            }
        }
    }

    // The target really failed every third first attempt, and those were retried.
    let failed: Vec<&Received> = received.iter().filter(|r| r.answer != Answer::Status(200)).collect();
    let expected_failures = (0..REQUESTS).filter(|seq| seq % 3 == 0).count();
    assert_eq!(failed.len(), expected_failures);
    for kind in [Answer::Status(500), Answer::Reset, Answer::Stall(STALL)] {
        assert!(failed.iter().any(|r| r.answer == kind), "no {kind:?}");
    }

    // Nothing is left in the queue; the dead-letter queue holds exactly the poison.
    assert_eq!(aws.depth(&queue).await, (0, 0), "messages left in the mailbox");
    let dead: Vec<String> = aws
        .drain(&dlq, poison.len() + 1, Duration::from_secs(3))
        .await
        .iter()
        .map(|m| m.body().unwrap().to_owned())
        .collect();
    let mut dead_sorted = dead.clone();
    dead_sorted.sort();
    let mut poison_sorted = poison.clone();
    poison_sorted.sort();
    assert_eq!(dead_sorted, poison_sorted);

    // Duplicates: SQS is at-least-once, and a crash, a stall or a reset after the target read the
    // request means the target sees it again. Counted and reported; the target must deduplicate.
    let mut arrivals: BTreeMap<&str, usize> = BTreeMap::new();
    for request in &received {
        *arrivals.entry(request.header_values("x-test-seq")[0]).or_default() += 1;
    }
    let seen_more_than_once = arrivals.values().filter(|&&n| n > 1).count();
    let accepted_twice: usize = accepted.values().map(|d| d.len() - 1).sum();
    eprintln!(
        "delivered {REQUESTS} requests in {:?}: {} attempts reached the target, {} failed on purpose; \
         duplicates: {seen_more_than_once} requests reached the target more than once, \
         {accepted_twice} were accepted twice; the first relay was killed after {killed_at} attempts",
        started.elapsed(),
        received.len(),
        failed.len(),
    );
    assert!(
        seen_more_than_once >= failed.len(),
        "every failed attempt is followed by another"
    );

    // One structured line per delivery, and a summary on exit whose counters match the lines.
    let lines: Vec<serde_json::Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let count = |text: &str| {
        lines
            .iter()
            .filter(|l| l["message"].as_str().is_some_and(|m| m.contains(text)))
            .count() as u64
    };
    let delivery = lines
        .iter()
        .find(|l| l["message"] == "delivered")
        .unwrap_or_else(|| panic!("no delivery line: {logs}"));
    for field in ["id", "route", "status", "latency_ms", "attempt"] {
        assert!(!delivery[field].is_null(), "{field} missing: {delivery}");
    }
    let summary = lines
        .iter()
        .find(|l| l["message"] == "relay summary")
        .unwrap_or_else(|| panic!("no summary: {logs}"));
    assert_eq!(summary["delivered"], count("delivered"), "{summary}");
    assert_eq!(summary["retried"], count("will retry"), "{summary}");
    assert_eq!(summary["failed"], count("dead-letter"), "{summary}");
    assert!(summary["delivered"].as_u64().unwrap() > 0, "{summary}");
    // Between them, the two relays retried and left poison for the dead-letter queue.
    let both = format!("{first_logs}{logs}");
    assert!(both.contains("will retry") && both.contains("dead-letter queue"));
    assert!(both.contains(r#""attempt":2"#), "no redelivery was logged");
}
