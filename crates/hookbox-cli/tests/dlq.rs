//! The real `hookbox dlq` binary against a real moto server on 127.0.0.1.

mod common;

use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::MessageAttributeValue;
use hookbox_core::{BodyObject, Envelope};
use hookbox_testkit::TempDir;
use hookbox_testkit::aws::LocalAws;
use hookbox_testkit::cut_proxy::CutProxy;
use hookbox_testkit::moto::Moto;
use hookbox_testkit::process::Service;
use hookbox_testkit::wait_until;
use sha2::{Digest, Sha256};

const BUCKET: &str = "hookbox-bodies";

/// What a finished `hookbox` run left.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `hookbox dlq ARGS` against moto with stdin closed (no terminal), killed after 30 s.
fn run_dlq(moto: &Moto, args: &[&str]) -> Run {
    let dir = TempDir::new();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut command = common::hookbox(moto);
    let mut child = command
        .arg("dlq")
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("hookbox starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("hookbox dlq {args:?} did not exit within 30s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: std::fs::read_to_string(out).unwrap(),
        stderr: std::fs::read_to_string(err).unwrap(),
    }
}

/// A run that must have succeeded; its stdout.
fn ok(run: Run) -> String {
    assert!(run.status.success(), "{}\n{}\n{}", run.status, run.stdout, run.stderr);
    run.stdout
}

fn envelope(id: &str, route: &str, body: &[u8]) -> Envelope {
    let mut envelope = Envelope::new(
        id.into(),
        format!("2026-11-23T12:00:0{}.000Z", id.len() % 10),
        route.into(),
        "POST".into(),
        format!("/hooks/{route}"),
    );
    envelope.set_inline_body(body);
    envelope
}

/// The envelope ids of `messages`, sorted.
fn ids(messages: &[aws_sdk_sqs::types::Message]) -> Vec<String> {
    let mut ids: Vec<String> = messages
        .iter()
        .map(|message| Envelope::from_json(message.body().unwrap()).unwrap().id)
        .collect();
    ids.sort();
    ids
}

/// A mailbox queue with its DLQ holding `envelopes`.
async fn dead_letters(moto: &Moto, envelopes: &[Envelope]) -> (LocalAws, String, String) {
    let aws = LocalAws::new(&moto.endpoint()).await;
    let (mailbox, dlq) = aws.create_queue_with_dlq("mailbox", 262_144, 5).await;
    let bodies: Vec<String> = envelopes.iter().map(Envelope::to_json).collect();
    aws.send_all(&dlq, &bodies).await;
    (aws, mailbox, dlq)
}

#[test]
fn help_says_that_reading_hides_messages_and_names_the_environment() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .args(["dlq", "list", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("stays hidden"), "{help}");
    assert!(help.contains("[env: HOOKBOX_DLQ_URL="), "{help}");
    assert!(help.contains("[env: HOOKBOX_DLQ_VISIBILITY_TIMEOUT="), "{help}");
}

#[tokio::test]
async fn list_shows_a_row_per_message_and_leaves_them_visible() {
    let moto = Moto::start();
    let (aws, _, dlq) = dead_letters(
        &moto,
        &[
            envelope("gh-1", "github", b"{\"a\":1}"),
            envelope("gitlab-22", "gitlab", &[0xff, 0, 1, 2]),
        ],
    )
    .await;
    aws.send_all(&dlq, &["not an envelope".to_owned()]).await;

    let table = ok(run_dlq(&moto, &["list", "--queue-url", &dlq]));
    let mut lines: Vec<Vec<&str>> = table.lines().map(|line| line.split_whitespace().collect()).collect();
    assert_eq!(
        lines.remove(0),
        ["ID", "ROUTE", "METHOD", "PATH", "RECEIVED", "RECEIVES", "SIZE"],
        "{table}"
    );
    lines.sort_by_key(|cells| cells[1]);
    assert_eq!(lines.len(), 3, "{table}");
    // Every row starts with a message id; the rest is the request.
    assert!(lines.iter().all(|cells| cells[0].len() == 36), "{table}");
    assert_eq!(
        lines[0][1..],
        ["(not", "an", "envelope)", "-", "-", "-", "1", "15"],
        "{table}"
    );
    assert_eq!(
        lines[1][1..],
        ["github", "POST", "/hooks/github", "2026-11-23T12:00:04.000Z", "1", "7"],
        "{table}"
    );
    assert_eq!(
        lines[2][1..],
        ["gitlab", "POST", "/hooks/gitlab", "2026-11-23T12:00:09.000Z", "1", "4"],
        "{table}"
    );
    // Released at the end: visible again at once, not after the 20 s hold.
    assert_eq!(aws.depth(&dlq).await, (3, 0));

    // Listing counts a receive; --max bounds the table.
    let again = ok(run_dlq(&moto, &["list", "--queue-url", &dlq, "--max", "2"]));
    let rows: Vec<&str> = again.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{again}");
    assert!(
        rows.iter().all(|row| row.split_whitespace().rev().nth(1) == Some("2")),
        "{again}"
    );
    assert_eq!(aws.depth(&dlq).await, (3, 0));
}

#[tokio::test]
async fn show_decodes_text_base64_and_claim_checked_bodies() {
    let moto = Moto::start();
    let mut base64_text = envelope("b64", "github", b"");
    base64_text.body_base64 = Some("aGVsbG8gZnJvbSBiYXNlNjQ=".into());
    let binary = envelope("bin", "github", &[0xff, 0]);
    let mut claimed = envelope("big", "github", b"");
    let big = "x".repeat(300_000);
    claimed.set_body_object(BodyObject {
        bucket: BUCKET.into(),
        key: "bodies/big".into(),
        size: big.len() as u64,
        sha256: hex::encode(Sha256::digest(&big)),
    });
    let mut expired = envelope("gone", "github", b"");
    expired.set_body_object(BodyObject {
        bucket: BUCKET.into(),
        key: "bodies/gone".into(),
        size: 1,
        sha256: "00".into(),
    });
    let (aws, _, dlq) = dead_letters(
        &moto,
        &[
            envelope("text", "github", b"{\"a\":1}"),
            base64_text,
            binary,
            claimed,
            expired,
        ],
    )
    .await;
    aws.create_bucket(BUCKET).await;
    aws.put_object(BUCKET, "bodies/big", big.clone().into_bytes()).await;

    let text = ok(run_dlq(&moto, &["show", "text", "--queue-url", &dlq]));
    assert!(text.contains("\"id\": \"text\""), "{text}");
    assert!(text.contains("\"path\": \"/hooks/github\""), "{text}");
    assert!(text.ends_with("body (7 bytes, text):\n{\"a\":1}\n"), "{text}");

    let decoded = ok(run_dlq(&moto, &["show", "b64", "--queue-url", &dlq]));
    assert!(
        decoded.ends_with("body (17 bytes, text):\nhello from base64\n"),
        "{decoded}"
    );

    let bytes = ok(run_dlq(&moto, &["show", "bin", "--queue-url", &dlq]));
    assert!(bytes.ends_with("body (2 bytes, not text, base64):\n/wA=\n"), "{bytes}");

    let fetched = ok(run_dlq(&moto, &["show", "big", "--queue-url", &dlq]));
    assert!(fetched.contains("\"key\": \"bodies/big\""), "{fetched}");
    assert!(
        fetched.ends_with(&format!("body (300000 bytes, text):\n{big}\n")),
        "text of {} bytes",
        fetched.len()
    );

    // A claim check whose object is gone (the bucket's lifecycle rule): the rest is shown, and it fails.
    let gone = run_dlq(&moto, &["show", "gone", "--queue-url", &dlq]);
    assert!(!gone.status.success());
    assert!(gone.stdout.contains("\"key\": \"bodies/gone\""), "{}", gone.stdout);
    assert!(
        gone.stdout
            .contains("body: cannot be had: cannot fetch the body s3://hookbox-bodies/bodies/gone"),
        "{}",
        gone.stdout
    );
    // One error line, its cause said once.
    assert_eq!(
        gone.stderr.matches("cannot fetch the body").count(),
        1,
        "{}",
        gone.stderr
    );

    // By the message id too, as list shows it.
    let table = ok(run_dlq(&moto, &["list", "--queue-url", &dlq]));
    let row = table.lines().find(|line| line.ends_with(" 7")).expect("the text row");
    let message_id = row.split_whitespace().next().unwrap();
    let by_message_id = ok(run_dlq(&moto, &["show", message_id, "--queue-url", &dlq]));
    assert!(
        by_message_id.starts_with(&format!("message id: {message_id}\n")),
        "{by_message_id}"
    );
    assert!(by_message_id.contains("\"id\": \"text\""), "{by_message_id}");

    let missing = run_dlq(&moto, &["show", "nope", "--queue-url", &dlq]);
    assert!(!missing.status.success());
    assert!(
        missing.stderr.contains("no message nope among the 5 messages"),
        "{}",
        missing.stderr
    );
    assert!(!missing.stderr.contains("raise --max"), "{}", missing.stderr);
    let bounded = run_dlq(&moto, &["show", "nope", "--queue-url", &dlq, "--max", "2"]);
    assert!(bounded.stderr.contains("among the 2 messages"), "{}", bounded.stderr);
    assert!(bounded.stderr.contains("raise --max"), "{}", bounded.stderr);
    assert_eq!(aws.depth(&dlq).await, (5, 0), "show hides nothing once it ends");
}

#[tokio::test]
async fn redrive_of_a_route_moves_only_its_messages_with_their_attributes() {
    let moto = Moto::start();
    let (aws, mailbox, dlq) = dead_letters(
        &moto,
        &[
            envelope("gh-1", "github", b"1"),
            envelope("gh-2", "github", b"2"),
            envelope("gl-1", "gitlab", b"3"),
            envelope("gl-2", "gitlab", b"4"),
        ],
    )
    .await;
    let route = MessageAttributeValue::builder()
        .data_type("String")
        .string_value("github")
        .build()
        .unwrap();
    aws.sqs
        .send_message()
        .queue_url(&dlq)
        .message_body(envelope("gh-3", "github", b"5").to_json())
        .message_attributes("route", route)
        .send()
        .await
        .unwrap();

    // No --to-queue-url: the mailbox is the one queue whose redrive policy names the DLQ.
    let summary = ok(run_dlq(&moto, &["redrive", "--queue-url", &dlq, "--route", "github"]));
    assert_eq!(
        summary,
        format!("moved 3 to {mailbox}; left 2 of other routes in {dlq}\n")
    );
    let moved = aws.drain(&mailbox, 3, Duration::from_secs(3)).await;
    assert_eq!(ids(&moved), ["gh-1", "gh-2", "gh-3"]);
    let with_attribute = moved
        .iter()
        .find(|message| message.body().unwrap().contains("gh-3"))
        .unwrap();
    let attribute = with_attribute.message_attributes().unwrap().get("route").unwrap();
    assert_eq!(attribute.string_value(), Some("github"));
    // The others are still there, and visible at once.
    assert_eq!(aws.depth(&dlq).await, (2, 0));
    assert_eq!(ids(&aws.drain(&dlq, 2, Duration::from_secs(3)).await), ["gl-1", "gl-2"]);
}

#[tokio::test]
async fn redrive_moves_at_most_max_messages() {
    let moto = Moto::start();
    let letters: Vec<Envelope> = (0..5).map(|n| envelope(&format!("m-{n}"), "github", b"x")).collect();
    let (aws, mailbox, dlq) = dead_letters(&moto, &letters).await;
    let summary = ok(run_dlq(
        &moto,
        &["redrive", "--queue-url", &dlq, "--to-queue-url", &mailbox, "--max", "2"],
    ));
    assert!(summary.starts_with("moved 2 to "), "{summary}");
    assert_eq!(aws.depth(&mailbox).await, (2, 0));
    assert_eq!(aws.depth(&dlq).await, (3, 0));

    let into_itself = run_dlq(&moto, &["redrive", "--queue-url", &dlq, "--to-queue-url", &dlq]);
    assert!(!into_itself.status.success());
    assert!(
        into_itself.stderr.contains("is the dead-letter queue itself"),
        "{}",
        into_itself.stderr
    );

    // Without --to-queue-url, a queue no redrive policy names has nowhere to send to.
    let orphan = aws.create_queue("orphan", 262_144).await;
    let nowhere = run_dlq(&moto, &["redrive", "--queue-url", &orphan]);
    assert!(!nowhere.status.success());
    assert!(
        nowhere.stderr.contains("no queue names") && nowhere.stderr.contains("give --to-queue-url"),
        "{}",
        nowhere.stderr
    );
}

/// Runs `hookbox dlq redrive` from `dlq` to `mailbox` (holding messages for 1 s) and kills it right
/// after its first SendMessage or DeleteMessage reached moto: an interruption at the worst moment.
async fn redrive_killed_after_its_first_send_or_delete(moto: &Moto, dlq: &str, mailbox: &str) {
    let proxy = CutProxy::start(&moto.endpoint(), &["SendMessage", "DeleteMessage"]);
    let mut command = common::hookbox(moto);
    command.env("AWS_ENDPOINT_URL", proxy.endpoint()).args([
        "dlq",
        "redrive",
        "--queue-url",
        dlq,
        "--to-queue-url",
        mailbox,
        "--visibility-timeout",
        "1s",
    ]);
    let mut redrive = Service::spawn("redrive", command);
    wait_until(Duration::from_secs(20), "the first send or delete", async || {
        proxy.is_cut()
    })
    .await;
    redrive.signal("KILL");
    redrive.wait_exit(Duration::from_secs(5));
}

/// A redrive killed right after its first SendMessage or DeleteMessage reached SQS, whichever it makes
/// first: every message is still in the mailbox or the DLQ (the one sent is in both), and a second
/// redrive finishes the job with that one duplicate. A redrive that deleted before sending would lose
/// the message here.
#[tokio::test]
async fn an_interrupted_redrive_loses_nothing() {
    let moto = Moto::start();
    let letters: Vec<Envelope> = (0..3).map(|n| envelope(&format!("m-{n}"), "github", b"x")).collect();
    let (aws, mailbox, dlq) = dead_letters(&moto, &letters).await;
    redrive_killed_after_its_first_send_or_delete(&moto, &dlq, &mailbox).await;

    // Once the hold of 1 s ends: the one sent is in both queues.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(aws.depth(&mailbox).await, (1, 0));
    assert_eq!(aws.depth(&dlq).await, (3, 0));

    // A second redrive finishes the job, sending the interrupted one again: the documented duplicate.
    ok(run_dlq(
        &moto,
        &["redrive", "--queue-url", &dlq, "--to-queue-url", &mailbox],
    ));
    let mut moved = ids(&aws.drain(&mailbox, 4, Duration::from_secs(3)).await);
    assert_eq!(moved.len(), 4, "{moved:?}");
    moved.dedup();
    assert_eq!(moved, ["m-0", "m-1", "m-2"]);
    assert_eq!(aws.depth(&dlq).await, (0, 0));
}

/// FIFO queues: a redriven message keeps its group, gets a deduplication id of its own (so a copy still
/// in the mailbox with the original id does not swallow it), and the same one for a retry, so that a
/// redrive interrupted after its send and run again sends it once.
#[tokio::test]
async fn a_fifo_redrive_keeps_the_group_and_is_not_duplicated_by_a_retry() {
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let mailbox = aws.create_queue("mailbox.fifo", 262_144).await;
    let dlq = aws.create_queue("mailbox-dlq.fifo", 262_144).await;
    let send = |queue: &str, id: &str, route: &str| {
        aws.sqs
            .send_message()
            .queue_url(queue)
            .message_body(envelope(id, route, b"x").to_json())
            .message_group_id(route)
            .message_deduplication_id(format!("d-{id}"))
            .send()
    };
    send(&mailbox, "f-1", "github").await.unwrap();
    send(&dlq, "f-1", "github").await.unwrap();
    send(&dlq, "f-2", "gitlab").await.unwrap();

    redrive_killed_after_its_first_send_or_delete(&moto, &dlq, &mailbox).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        aws.depth(&mailbox).await,
        (2, 0),
        "the original and the first redriven one"
    );

    ok(run_dlq(
        &moto,
        &["redrive", "--queue-url", &dlq, "--to-queue-url", &mailbox],
    ));
    let messages = aws.drain(&mailbox, 4, Duration::from_secs(3)).await;
    assert_eq!(
        ids(&messages),
        ["f-1", "f-1", "f-2"],
        "the original f-1, and each dead letter once"
    );
    for message in &messages {
        let route = Envelope::from_json(message.body().unwrap()).unwrap().route;
        let group = message
            .attributes()
            .and_then(|attributes| attributes.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId));
        assert_eq!(group, Some(&route));
    }
    assert_eq!(aws.depth(&dlq).await, (0, 0));
}

#[tokio::test]
async fn purge_needs_yes_without_a_terminal() {
    let moto = Moto::start();
    let (aws, _, dlq) = dead_letters(&moto, &[envelope("a", "github", b"x"), envelope("b", "gitlab", b"y")]).await;

    let refused = run_dlq(&moto, &["purge", "--queue-url", &dlq]);
    assert!(!refused.status.success());
    assert!(
        refused.stderr.contains("refusing to purge mailbox-dlq without --yes"),
        "{}",
        refused.stderr
    );
    assert_eq!(aws.depth(&dlq).await, (2, 0));

    let purged = ok(run_dlq(&moto, &["purge", "--queue-url", &dlq, "--yes"]));
    assert_eq!(purged, "purged mailbox-dlq (about 2 messages)\n");
    assert_eq!(aws.depth(&dlq).await, (0, 0));
}
