//! The real enqueue binary under the `cargo lambda` runtime emulator, writing to a real moto server.
//! Each test gets its own moto, emulator and function process.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbox_core::Envelope;
use hookbox_core::envelope::BodySource;
use hookbox_core::signature::{Algorithm, Encoding, HmacScheme, slack, standard_webhooks, stripe};
use hookbox_testkit::aws::{LocalAws, local_aws_env};
use hookbox_testkit::lambda::{Emulator, Function};
use hookbox_testkit::logs::{MetricValue, json_lines, line_with, log_lines, metric};
use hookbox_testkit::moto::Moto;
use hookbox_testkit::tls_front::TlsFront;
use hookbox_testkit::{TempDir, workspace_root};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const FUNCTION: &str = "enqueue";
const BUCKET: &str = "hookbox-bodies";
const WAIT: Duration = Duration::from_secs(10);

/// Moto, the emulator and the function, wired as `scripts/dev` wires them.
struct Stack {
    moto: Moto,
    aws: LocalAws,
    emulator: Emulator,
    function: Function,
    mailbox_url: String,
    audit_url: String,
    _routes_dir: Option<TempDir>,
}

struct Options {
    routes: Option<Value>,
    env: Vec<(&'static str, String)>,
    mailbox_queue: &'static str,
    /// The text of a Secrets Manager secret to create and hand over as `HOOKBOX_SECRETS_ARN`.
    secret_store: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            routes: None,
            env: Vec::new(),
            mailbox_queue: "mailbox",
            secret_store: None,
        }
    }
}

impl Stack {
    async fn start(options: Options) -> Self {
        let moto = Moto::start();
        let aws = LocalAws::new(&moto.endpoint()).await;
        let mailbox_url = aws.create_queue(options.mailbox_queue, 262_144).await;
        let audit_url = aws.create_queue("audit", 262_144).await;
        aws.create_bucket(BUCKET).await;

        let mut env = local_aws_env(&moto.endpoint());
        env.push(("HOOKBOX_QUEUE_MAILBOX".into(), mailbox_url.clone()));
        env.push(("HOOKBOX_QUEUE_AUDIT".into(), audit_url.clone()));
        env.push(("HOOKBOX_BODY_BUCKET".into(), BUCKET.into()));
        env.push(("HOOKBOX_MAX_MESSAGE_BYTES".into(), "262144".into()));
        if let Some(text) = options.secret_store {
            env.push((
                "HOOKBOX_SECRETS_ARN".into(),
                aws.create_secret("hookbox/mailbox", text).await,
            ));
        }
        let routes_dir = options.routes.map(|routes| {
            let dir = TempDir::new();
            let file = dir.path().join("routes.json");
            std::fs::write(&file, routes.to_string()).unwrap();
            env.push(("HOOKBOX_ROUTES_FILE".into(), file.display().to_string()));
            dir
        });
        env.extend(options.env.into_iter().map(|(key, value)| (key.to_owned(), value)));

        let emulator = Emulator::start();
        let function = Function::start(&emulator, FUNCTION, Path::new(env!("CARGO_BIN_EXE_enqueue")), &env);
        Self {
            moto,
            aws,
            emulator,
            function,
            mailbox_url,
            audit_url,
            _routes_dir: routes_dir,
        }
    }

    /// Invokes the function with an event and returns (status, JSON body) of its HTTP answer.
    async fn invoke(&self, event: &Value) -> (u16, Value) {
        self.emulator.invoke_http(&self.function, FUNCTION, event).await
    }

    /// Sends a plain HTTP request through the emulator's Function URL.
    async fn http(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = format!("{}{path_and_query}", self.emulator.function_url(FUNCTION));
        let mut request = reqwest::Client::new()
            .request(method, url)
            .body(body)
            .timeout(Duration::from_secs(30));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}\n{}", self.function.logs()));
        (status, body, headers)
    }

    async fn envelopes(&self, queue_url: &str, expected: usize) -> Vec<Envelope> {
        self.aws
            .drain(queue_url, expected, WAIT)
            .await
            .iter()
            .map(|message| Envelope::from_json(message.body().unwrap()).expect("a valid envelope"))
            .collect()
    }

    async fn assert_queue_empty(&self, queue_url: &str) {
        let messages = self.aws.drain(queue_url, 1, Duration::from_secs(1)).await;
        assert!(messages.is_empty(), "expected no message, got {messages:?}");
    }

    async fn body_of(&self, envelope: &Envelope) -> Vec<u8> {
        match envelope.body_source().unwrap() {
            BodySource::Empty => Vec::new(),
            BodySource::Inline(bytes) => bytes,
            BodySource::S3(object) => self.aws.object(&object.bucket, &object.key).await,
        }
    }
}

fn sample_event(name: &str) -> Value {
    let path = workspace_root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn headers_named<'a>(envelope: &'a Envelope, name: &str) -> Vec<&'a str> {
    envelope
        .headers
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// Which gateway a sample event comes from, told apart as the function tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Rest,
    Http,
    Alb,
}

impl Shape {
    fn of(event: &Value) -> Self {
        if event["requestContext"].get("elb").is_some() {
            Self::Alb
        } else if event.get("httpMethod").is_some() {
            Self::Rest
        } else {
            Self::Http
        }
    }
}

/// A map of the event (`headers`, `multiValueQueryStringParameters`, ...) as pairs, in the order the
/// event was sent in (`Value` sorts keys, and the emulator gets `Value::to_string`), repeats apart.
fn event_pairs(map: &Value) -> Vec<(String, String)> {
    let Some(map) = map.as_object() else {
        return Vec::new();
    };
    map.iter()
        .flat_map(|(name, value)| {
            let values: Vec<&str> = match value {
                Value::Array(values) => values.iter().map(|v| v.as_str().unwrap()).collect(),
                other => vec![other.as_str().unwrap()],
            };
            values.into_iter().map(move |value| (name.clone(), value.to_owned()))
        })
        .collect()
}

/// The multi-value map when the event has one, else the single-value map.
fn multi_or_single(event: &Value, multi: &str, single: &str) -> Vec<(String, String)> {
    match event_pairs(&event[multi]) {
        pairs if pairs.is_empty() => event_pairs(&event[single]),
        pairs => pairs,
    }
}

/// What the envelope of a sample event must hold, read from the event by its shape's rules.
struct Expected {
    method: String,
    /// The gateway's request id; ALB has none, and the function names the request with Lambda's.
    id: Option<String>,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    source_ip: Option<String>,
}

impl Expected {
    fn of(event: &Value) -> Self {
        let text = |value: &Value| value.as_str().map(str::to_owned);
        let lower = |pairs: Vec<(String, String)>| -> Vec<(String, String)> {
            pairs
                .into_iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value))
                .collect()
        };
        match Shape::of(event) {
            Shape::Rest => Self {
                method: event["httpMethod"].as_str().unwrap().to_ascii_uppercase(),
                id: text(&event["requestContext"]["requestId"]),
                path: event["path"].as_str().unwrap().to_owned(),
                query: multi_or_single(event, "multiValueQueryStringParameters", "queryStringParameters"),
                headers: lower(multi_or_single(event, "multiValueHeaders", "headers")),
                source_ip: text(&event["requestContext"]["identity"]["sourceIp"]),
            },
            Shape::Http => {
                let mut headers = lower(event_pairs(&event["headers"]));
                let cookies: Vec<&str> = event["cookies"]
                    .as_array()
                    .map(|cookies| cookies.iter().map(|c| c.as_str().unwrap()).collect())
                    .unwrap_or_default();
                if !cookies.is_empty() && !headers.iter().any(|(name, _)| name == "cookie") {
                    headers.push(("cookie".to_owned(), cookies.join("; ")));
                }
                let raw_query = event["rawQueryString"].as_str().unwrap_or("");
                Self {
                    method: event["requestContext"]["http"]["method"]
                        .as_str()
                        .unwrap()
                        .to_ascii_uppercase(),
                    id: text(&event["requestContext"]["requestId"]),
                    path: event["rawPath"].as_str().unwrap().to_owned(),
                    query: form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect(),
                    headers,
                    source_ip: text(&event["requestContext"]["http"]["sourceIp"]),
                }
            }
            Shape::Alb => {
                let headers = lower(multi_or_single(event, "multiValueHeaders", "headers"));
                let source_ip = headers
                    .iter()
                    .rfind(|(name, _)| name == "x-forwarded-for")
                    .and_then(|(_, value)| value.rsplit(',').next())
                    .map(|address| address.trim().to_owned());
                let decode = |text: &str| {
                    form_urlencoded::parse(format!("x={text}").as_bytes())
                        .next()
                        .unwrap()
                        .1
                        .into_owned()
                };
                let query = multi_or_single(event, "multiValueQueryStringParameters", "queryStringParameters")
                    .into_iter()
                    .map(|(name, value)| (decode(&name), decode(&value)))
                    .collect();
                Self {
                    method: event["httpMethod"].as_str().unwrap().to_ascii_uppercase(),
                    id: None,
                    path: event["path"].as_str().unwrap().to_owned(),
                    query,
                    headers,
                    source_ip,
                }
            }
        }
    }
}

/// The sample events of `events/` go through the real binary, and the stored envelope holds exactly
/// what each event carried: method, path, query (order and repeats), headers (order and repeats,
/// cookies once), body bytes and source IP.
#[tokio::test]
async fn every_sample_event_is_stored_whole() {
    let stack = Stack::start(Options::default()).await;
    let shapes = [
        "enqueue-github-push-httpapi.json",
        "enqueue-form-post-httpapi.json",
        "enqueue-binary-httpapi.json",
        "enqueue-get-repeated-query-httpapi.json",
        "enqueue-github-push-restapi.json",
        "enqueue-function-url.json",
        "enqueue-function-url-cookies.json",
        "enqueue-alb.json",
        "enqueue-alb-multi-value.json",
    ];
    let sample_files = std::fs::read_dir(workspace_root().join("events"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("enqueue-") && name != "enqueue-malformed.json");
    for file in sample_files {
        assert!(shapes.contains(&file.as_str()), "{file} is not stored by this test");
    }
    for shape in shapes {
        let event = sample_event(shape);
        let (status, answer) = stack.invoke(&event).await;
        assert_eq!(status, 202, "{shape}: {answer}");
        let [envelope] = <[Envelope; 1]>::try_from(stack.envelopes(&stack.mailbox_url, 1).await)
            .unwrap_or_else(|got| panic!("{shape}: {} messages", got.len()));
        assert_eq!(answer["id"], envelope.id.as_str(), "{shape}");
        assert_eq!(answer["messages"][0]["queue"], "mailbox", "{shape}");
        assert_eq!(envelope.route, "mailbox");

        let expected = Expected::of(&event);
        assert_eq!(envelope.method, expected.method, "{shape}");
        match &expected.id {
            Some(id) => assert_eq!(&envelope.id, id, "{shape}"),
            None => assert!(!envelope.id.is_empty(), "{shape}: Lambda's request id names it"),
        }
        assert_eq!(envelope.source_ip, expected.source_ip, "{shape}");
        assert_eq!(envelope.path, expected.path, "{shape}");
        assert_eq!(envelope.query, expected.query, "{shape}: query");
        assert_eq!(*envelope.headers, expected.headers, "{shape}: headers");
        assert!(
            headers_named(&envelope, "cookie").len() <= 1,
            "{shape}: cookies stored twice"
        );

        let body = stack.body_of(&envelope).await;
        let expected_body = match event["body"].as_str() {
            None => Vec::new(),
            Some(text) if event["isBase64Encoded"] == true => BASE64.decode(text).unwrap(),
            Some(text) => text.as_bytes().to_vec(),
        };
        assert_eq!(body, expected_body, "{shape}: body bytes differ");
        if std::str::from_utf8(&expected_body).is_err() {
            assert!(
                envelope.body.is_none() && envelope.body_base64.is_some(),
                "{shape}: binary must travel as base64"
            );
        }

        let header_source = match Shape::of(&event) {
            Shape::Rest => &event["multiValueHeaders"],
            Shape::Alb if event.get("multiValueHeaders").is_some() => &event["multiValueHeaders"],
            Shape::Http | Shape::Alb => &event["headers"],
        };
        for (name, value) in header_source.as_object().unwrap() {
            let expected: Vec<&str> = match value {
                Value::Array(values) => values.iter().map(|v| v.as_str().unwrap()).collect(),
                other => vec![other.as_str().unwrap()],
            };
            assert_eq!(
                headers_named(&envelope, &name.to_ascii_lowercase()),
                expected,
                "{shape}: header {name}"
            );
        }
        assert!(envelope.received_at.ends_with('Z'), "{shape}");
    }

    // The specific promises of the shapes: repeats in REST API multi-value maps, the raw query string
    // of HTTP APIs, folded headers kept folded, cookies.
    let rest = {
        stack.invoke(&sample_event("enqueue-github-push-restapi.json")).await;
        stack.envelopes(&stack.mailbox_url, 1).await.remove(0)
    };
    assert_eq!(
        headers_named(&rest, "via"),
        ["1.1 proxy-a.example.net", "1.1 proxy-b.example.net"]
    );
    assert_eq!(rest.query, pairs(&[("source", "github"), ("source", "mirror")]));
    let get = {
        stack
            .invoke(&sample_event("enqueue-get-repeated-query-httpapi.json"))
            .await;
        stack.envelopes(&stack.mailbox_url, 1).await.remove(0)
    };
    assert_eq!(get.query, pairs(&[("token", "abc"), ("job", "build"), ("job", "test")]));
    assert_eq!(headers_named(&get, "x-custom"), ["one,two"]);
    assert_eq!(headers_named(&get, "cookie"), ["a=1; b=2"]);
    let cookies = {
        stack.invoke(&sample_event("enqueue-function-url-cookies.json")).await;
        stack.envelopes(&stack.mailbox_url, 1).await.remove(0)
    };
    assert_eq!(
        cookies.query,
        pairs(&[("job", "build"), ("token", "abc"), ("job", "test suite")])
    );
    assert_eq!(headers_named(&cookies, "cookie"), ["session=8f2c1d; theme=dark"]);
    let alb = {
        stack.invoke(&sample_event("enqueue-alb-multi-value.json")).await;
        stack.envelopes(&stack.mailbox_url, 1).await.remove(0)
    };
    assert_eq!(
        alb.query,
        pairs(&[("job", "build"), ("job", "test suite"), ("token", "abc")])
    );
    assert_eq!(
        headers_named(&alb, "via"),
        ["1.1 proxy-a.example.net", "1.1 proxy-b.example.net"]
    );
    assert_eq!(alb.source_ip.as_deref(), Some("203.0.113.24"));
}

/// ALB turns an answer without `statusDescription`, or with the other kind of header map than its
/// event used, into a 502: the function answers each in the shape its event asked for.
#[tokio::test]
async fn alb_events_get_an_alb_shaped_202() {
    let stack = Stack::start(Options::default()).await;
    for (file, headers_field) in [
        ("enqueue-alb.json", "headers"),
        ("enqueue-alb-multi-value.json", "multiValueHeaders"),
    ] {
        let answer = stack
            .emulator
            .invoke(FUNCTION, &sample_event(file))
            .await
            .unwrap_or_else(|error| panic!("{file}: {error}\n{}", stack.function.logs()));
        assert_eq!(answer["statusCode"], 202, "{file}: {answer}");
        assert_eq!(answer["statusDescription"], "202 Accepted", "{file}");
        assert_eq!(answer["isBase64Encoded"], false, "{file}");
        let content_type = &answer[headers_field]["content-type"];
        let content_type = content_type.as_array().map_or(content_type, |values| &values[0]);
        assert_eq!(content_type, "application/json", "{file}: {answer}");
        let other = if headers_field == "headers" {
            "multiValueHeaders"
        } else {
            "headers"
        };
        assert!(answer.get(other).is_none(), "{file}: {answer}");
        assert!(answer.get("cookies").is_none(), "{file}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        let envelope = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
        assert_eq!(body["id"], envelope.id.as_str(), "{file}");
    }
}

/// What a user does with `scripts/dev`: a plain HTTP POST with a header and a repeated query parameter.
#[tokio::test]
async fn http_post_keeps_every_header_both_query_values_and_the_exact_body() {
    let stack = Stack::start(Options::default()).await;
    let body = br#"{"ref":"refs/heads/main","n":[1,2,3],"text":"caf\u00e9 \u2603"}"#.to_vec();
    let (status, answer, _) = stack
        .http(
            reqwest::Method::POST,
            "/hooks/github?job=a&job=b%20c&token=t",
            &[
                ("content-type", "application/json"),
                ("x-github-delivery", "d-1"),
                ("X-Custom-Thing", "value, with comma"),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let envelope = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
    assert_eq!(envelope.method, "POST");
    assert_eq!(envelope.path, "/hooks/github");
    assert_eq!(envelope.query, pairs(&[("job", "a"), ("job", "b c"), ("token", "t")]));
    assert_eq!(headers_named(&envelope, "x-custom-thing"), ["value, with comma"]);
    assert_eq!(headers_named(&envelope, "x-github-delivery"), ["d-1"]);
    assert_eq!(envelope.body.as_deref().map(str::as_bytes), Some(body.as_slice()));

    let message = &stack.aws.drain(&stack.mailbox_url, 0, WAIT).await;
    assert!(message.is_empty());
}

#[tokio::test]
async fn binary_bodies_round_trip_byte_for_byte() {
    let stack = Stack::start(Options::default()).await;
    let body: Vec<u8> = (0..=255u8).rev().chain(0..=255u8).collect();
    let (status, answer, _) = stack
        .http(
            reqwest::Method::PUT,
            "/upload",
            &[("content-type", "application/octet-stream")],
            body.clone(),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let envelope = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
    assert!(envelope.body.is_none());
    assert_eq!(stack.body_of(&envelope).await, body);
}

#[tokio::test]
async fn message_attributes_carry_route_content_type_and_delivery_id() {
    let stack = Stack::start(Options::default()).await;
    stack.invoke(&sample_event("enqueue-github-push-httpapi.json")).await;
    let messages = stack.aws.drain(&stack.mailbox_url, 1, WAIT).await;
    let attributes = messages[0].message_attributes().expect("attributes");
    let value = |name: &str| attributes[name].string_value().unwrap().to_owned();
    assert_eq!(value("route"), "mailbox");
    assert_eq!(value("content-type"), "application/json");
    assert_eq!(
        value("delivery-id"),
        sample_event("enqueue-github-push-httpapi.json")["headers"]["x-github-delivery"]
            .as_str()
            .unwrap()
    );
}

#[tokio::test]
async fn a_300_kb_body_goes_to_the_bucket_with_a_claim_check() {
    let stack = Stack::start(Options::default()).await;
    let text: Vec<u8> = (0..300_000).map(|i| b"abcdefghijklmnopqrstuvwxyz\n"[i % 27]).collect();
    let form = [b"payload=".as_slice(), &text].concat();
    for (content_type, body) in [("text/plain", text), ("application/x-www-form-urlencoded", form)] {
        let (status, answer, _) = stack
            .http(
                reqwest::Method::POST,
                "/hooks/big",
                &[("content-type", content_type)],
                body.clone(),
            )
            .await;
        assert_eq!(status, 202, "{answer}");
        assert_eq!(answer["claim_check"], true);
        let envelope = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
        let object = envelope.body_s3.as_ref().expect("a claim check");
        assert_eq!(object.bucket, BUCKET);
        assert_eq!(object.size, body.len() as u64);
        assert_eq!(object.sha256, hex::encode(Sha256::digest(&body)));
        assert!(envelope.body.is_none() && envelope.body_base64.is_none());
        assert_eq!(stack.aws.object(BUCKET, &object.key).await, body, "{content_type}");
        assert_eq!(headers_named(&envelope, "content-type"), [content_type]);
    }
}

#[tokio::test]
async fn oversize_bodies_are_refused_with_413_and_nothing_is_stored() {
    let stack = Stack::start(Options {
        env: vec![("HOOKBOX_MAX_BODY_BYTES", "1000".into())],
        ..Options::default()
    })
    .await;
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/x", &[], vec![b'a'; 1001])
        .await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("at most 1000"), "{answer}");
    assert!(answer["request_id"].is_string());
    stack.assert_nothing_stored("over the body limit").await;
    let (status, _, _) = stack
        .http(reqwest::Method::POST, "/hooks/x", &[], vec![b'a'; 1000])
        .await;
    assert_eq!(status, 202);
    assert_eq!(stack.envelopes(&stack.mailbox_url, 1).await.len(), 1);
    stack.assert_queue_empty(&stack.mailbox_url).await;
}

#[tokio::test]
async fn too_large_for_a_message_without_a_bucket_is_413() {
    let stack = Stack::start(Options {
        env: vec![("HOOKBOX_BODY_BUCKET", String::new())],
        ..Options::default()
    })
    .await;
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/x", &[], vec![b'a'; 300_000])
        .await;
    assert_eq!(status, 413, "{answer}");
    stack.assert_queue_empty(&stack.mailbox_url).await;
    stack.assert_nothing_stored("no claim-check bucket").await;
}

fn routed() -> Value {
    json!({"routes": [
        {"name": "github", "path": "/hooks/github", "methods": ["POST"], "queues": ["mailbox", "audit"]},
        {"name": "jenkins", "path": "/hooks/jenkins/*", "methods": ["GET", "POST"], "queues": ["mailbox"]}
    ]})
}

#[tokio::test]
async fn fan_out_stores_the_same_envelope_in_every_queue_of_the_route() {
    let stack = Stack::start(Options {
        routes: Some(routed()),
        ..Options::default()
    })
    .await;
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/github", &[], b"{}".to_vec())
        .await;
    assert_eq!(status, 202, "{answer}");
    let queues: Vec<&str> = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["queue"].as_str().unwrap())
        .collect();
    assert_eq!(queues, ["mailbox", "audit"]);
    let mailbox = stack.envelopes(&stack.mailbox_url, 1).await;
    let audit = stack.envelopes(&stack.audit_url, 1).await;
    assert_eq!(mailbox, audit);
    assert_eq!(mailbox[0].route, "github");

    // A route with one queue leaves the other alone.
    let (status, _, _) = stack
        .http(
            reqwest::Method::GET,
            "/hooks/jenkins/job/build?token=x",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(stack.envelopes(&stack.mailbox_url, 1).await[0].route, "jenkins");
    stack.assert_queue_empty(&stack.audit_url).await;
}

#[tokio::test]
async fn wrong_method_is_405_and_unknown_route_is_404_and_neither_is_stored() {
    let stack = Stack::start(Options {
        routes: Some(routed()),
        ..Options::default()
    })
    .await;
    let (status, answer, headers) = stack.http(reqwest::Method::GET, "/hooks/github", &[], Vec::new()).await;
    assert_eq!(status, 405, "{answer}");
    assert_eq!(headers["allow"], "POST");
    assert!(answer["error"].as_str().unwrap().contains("GET"), "{answer}");

    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/unknown", &[], b"{}".to_vec())
        .await;
    assert_eq!(status, 404, "{answer}");
    assert!(answer["request_id"].is_string());

    stack.assert_queue_empty(&stack.mailbox_url).await;
    stack.assert_queue_empty(&stack.audit_url).await;
    stack.assert_nothing_stored("405 and 404").await;
    let logs = stack.function.logs();
    assert!(
        logs.contains("method not allowed") && logs.contains("no route"),
        "{logs}"
    );
}

#[tokio::test]
async fn fifo_queues_get_the_route_as_group_and_the_delivery_id_as_deduplication_id() {
    let stack = Stack::start(Options {
        mailbox_queue: "mailbox.fifo",
        ..Options::default()
    })
    .await;
    let headers = [("x-github-delivery", "delivery-42")];
    for _ in 0..2 {
        let (status, answer, _) = stack
            .http(reqwest::Method::POST, "/hooks/github", &headers, b"{}".to_vec())
            .await;
        assert_eq!(status, 202, "{answer}");
    }
    let messages = stack.aws.drain(&stack.mailbox_url, 2, Duration::from_secs(3)).await;
    assert_eq!(messages.len(), 1, "the redelivery is deduplicated by SQS");
    let system = messages[0].attributes().unwrap();
    use aws_sdk_sqs::types::MessageSystemAttributeName as Name;
    assert_eq!(system[&Name::MessageGroupId], "mailbox");
    assert_eq!(system[&Name::MessageDeduplicationId], "delivery-42");
}

#[tokio::test]
async fn sqs_down_answers_5xx_so_the_sender_retries_and_the_function_survives() {
    let mut stack = Stack::start(Options::default()).await;
    let (status, _, _) = stack
        .http(reqwest::Method::POST, "/hooks/x", &[], b"before".to_vec())
        .await;
    assert_eq!(status, 202);
    stack.moto.stop();
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/x", &[], b"during".to_vec())
        .await;
    assert!(status == 502 || status == 503, "{status} {answer}");
    assert!(answer["error"].as_str().unwrap().contains("queue mailbox"), "{answer}");
    assert!(stack.function.is_running(), "the function must survive an outage");
    assert!(
        stack.function.logs().contains("dependency failed"),
        "{}",
        stack.function.logs()
    );
}

/// JSON that is no object is no gateway's event: the invocation fails, saying what was expected. An
/// object that is no readable event is answered 400 naming the field, and nothing is stored.
#[tokio::test]
async fn malformed_events_are_refused_without_killing_the_function() {
    let mut stack = Stack::start(Options::default()).await;
    let error = stack
        .emulator
        .invoke(FUNCTION, &json!(["not", "an", "object"]))
        .await
        .expect_err("JSON that is no object is an invocation error");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("expected an API Gateway"),
        "{error}"
    );

    let (status, answer) = stack.invoke(&sample_event("enqueue-malformed.json")).await;
    assert_eq!(status, 400, "{answer}");
    let message = answer["error"].as_str().unwrap();
    assert!(
        message.starts_with("httpMethod, requestContext.http or requestContext.elb: missing"),
        "{answer}"
    );
    let mut no_method = sample_event("enqueue-function-url.json");
    no_method["requestContext"]["http"]
        .as_object_mut()
        .unwrap()
        .remove("method");
    let (status, answer) = stack.invoke(&no_method).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "requestContext.http.method: missing");
    assert!(answer["request_id"].is_string());
    assert!(stack.function.logs().contains("malformed event"));

    let mut bad_base64 = sample_event("enqueue-binary-httpapi.json");
    bad_base64["body"] = json!("not base64 at all!");
    let (status, answer) = stack.invoke(&bad_base64).await;
    assert_eq!(status, 400, "{answer}");

    let mut header_injection = sample_event("enqueue-github-push-httpapi.json");
    header_injection["headers"]["x-evil"] = json!("a\r\nx-injected: yes");
    let (status, answer) = stack.invoke(&header_injection).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("x-evil"), "{answer}");

    let mut spaced_method = sample_event("enqueue-github-push-httpapi.json");
    spaced_method["requestContext"]["http"]["method"] = json!("PO ST");
    let (status, answer) = stack.invoke(&spaced_method).await;
    assert_eq!(status, 400, "{answer}");

    // A lower-case method is stored as the method it is, upper-cased, so that a replay is valid HTTP.
    let mut lower_case = sample_event("enqueue-github-push-httpapi.json");
    lower_case["requestContext"]["http"]["method"] = json!("post");
    let (status, _) = stack.invoke(&lower_case).await;
    assert_eq!(status, 202, "the function still serves after bad input");
    assert!(stack.function.is_running());
    let stored = stack.envelopes(&stack.mailbox_url, 1).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].method, "POST");
    stack.assert_queue_empty(&stack.mailbox_url).await;
    // Each event no gateway shape reads is counted; the JSON that is no object failed its invocation.
    let malformed = metric(&stack.function.logs(), "MalformedEvents");
    let counts: Vec<f64> = malformed.iter().map(MetricValue::sum).collect();
    assert_eq!(counts, [1.0; 5], "{malformed:#?}");
    assert!(
        malformed
            .iter()
            .all(|value| value.dimension_sets == [["Stack", "Function"]])
    );
}

/// The README's `cargo lambda invoke --data-file events/...` works as shown.
#[tokio::test]
async fn cargo_lambda_invoke_with_a_sample_event_file() {
    let stack = Stack::start(Options::default()).await;
    let (ok, output) = stack.emulator.invoke_cli(
        FUNCTION,
        &workspace_root().join("events/enqueue-github-push-restapi.json"),
    );
    assert!(ok, "{output}");
    assert!(output.contains("\"statusCode\":202"), "{output}");
    assert_eq!(stack.envelopes(&stack.mailbox_url, 1).await[0].route, "mailbox");
}

#[tokio::test]
async fn a_function_without_its_queue_url_refuses_to_start() {
    let emulator = Emulator::start();
    let mut function = Function::start(
        &emulator,
        FUNCTION,
        Path::new(env!("CARGO_BIN_EXE_enqueue")),
        &local_aws_env("http://127.0.0.1:9"),
    );
    assert!(function.exits_within(WAIT), "the function should exit at init");
    assert!(function.logs().contains("HOOKBOX_QUEUE_MAILBOX"), "{}", function.logs());
}

/// A host without a CA bundle (a bare container image): the function refuses to start with one clear
/// error line and a non-zero status, instead of panicking inside the SDK's TLS setup at the first request.
#[tokio::test]
async fn a_function_without_ca_certificates_refuses_to_start_without_a_panic() {
    let emulator = Emulator::start();
    let mut env = local_aws_env("http://127.0.0.1:9");
    env.push(("HOOKBOX_QUEUE_MAILBOX".into(), "http://127.0.0.1:9/q".into()));
    // The clients then look nowhere else, as rustls-native-certs does.
    env.push(("SSL_CERT_FILE".into(), "/nonexistent/ca-certificates.crt".into()));
    let mut function = Function::start(&emulator, FUNCTION, Path::new(env!("CARGO_BIN_EXE_enqueue")), &env);
    assert!(function.exits_within(WAIT), "the function should exit at init");
    let logs = function.logs();
    assert!(!logs.contains("panicked"), "{logs}");
    // The emulator took the report: no warning that it did not.
    assert!(!logs.contains("did not take the init error"), "{logs}");
    let errors: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.to_string().contains("cannot start"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line: {logs}");
    let line = errors[0].to_string();
    assert!(
        line.contains("no CA certificates") && line.contains("/nonexistent/ca-certificates.crt"),
        "{line}"
    );
}

/// The SDK's client trusts AWS's roots, compiled in, and no other: an endpoint behind a CA of its own is
/// refused (a 5xx the sender retries, nothing stored, no panic) until `SSL_CERT_FILE` names that CA, and
/// then the same request is stored through it.
#[tokio::test]
async fn the_sdk_trusts_a_private_ca_only_when_ssl_cert_file_names_it() {
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let mailbox_url = aws.create_queue("mailbox", 262_144).await;
    let front = TlsFront::start(&moto.endpoint());
    let event = sample_event("enqueue-github-push-httpapi.json");
    for trusted in [false, true] {
        let mut env = local_aws_env(&front.endpoint());
        env.push(("HOOKBOX_QUEUE_MAILBOX".into(), mailbox_url.clone()));
        if trusted {
            env.push(("SSL_CERT_FILE".into(), front.ca_file().display().to_string()));
        }
        let emulator = Emulator::start();
        let mut function = Function::start(&emulator, FUNCTION, Path::new(env!("CARGO_BIN_EXE_enqueue")), &env);
        let (status, answer) = emulator.invoke_http(&function, FUNCTION, &event).await;
        let logs = function.logs();
        assert!(!logs.contains("panicked"), "{logs}");
        if trusted {
            assert_eq!(status, 202, "{answer}\n{logs}");
            assert_eq!(aws.drain(&mailbox_url, 1, WAIT).await.len(), 1, "{logs}");
        } else {
            assert!(status == 502 || status == 503, "{status} {answer}\n{logs}");
            assert!(
                logs.contains("UnknownIssuer"),
                "the refusal names the certificate: {logs}"
            );
            assert!(function.is_running(), "{logs}");
            let stored = aws.drain(&mailbox_url, 1, Duration::from_secs(1)).await;
            assert!(stored.is_empty(), "{stored:?}");
        }
    }
}

/// Started by hand, without the variables a Lambda runtime sets: one error line naming the first
/// missing one and status 1, not `lambda_runtime`'s panic.
#[test]
fn a_function_started_outside_lambda_says_so_without_a_panic() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_enqueue"))
        .env_clear()
        .env("HOOKBOX_QUEUE_MAILBOX", "http://127.0.0.1:9/q")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<_> = log_lines(&stdout)
        .into_iter()
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert!(
        errors[0]["error"]
            .as_str()
            .is_some_and(|error| error.contains("AWS_LAMBDA_FUNCTION_NAME is not set")),
        "{stdout}"
    );
}

/// `config/routes.example.json`, copied into place as the README suggests, starts the function with
/// nothing but the variables the template gives it (its queues are the template's) and routes by it.
#[tokio::test]
async fn the_example_routes_file_starts_the_function_with_the_templates_variables() {
    let template = include_str!("../../../template.yaml");
    let moto = Moto::start();
    let aws = LocalAws::new(&moto.endpoint()).await;
    let mailbox_url = aws.create_queue("mailbox", 262_144).await;
    aws.create_bucket(BUCKET).await;
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/routes.example.json");
    let mut env = local_aws_env(&moto.endpoint());
    for (name, value) in [
        ("HOOKBOX_QUEUE_MAILBOX", mailbox_url.as_str()),
        ("HOOKBOX_BODY_BUCKET", BUCKET),
        ("HOOKBOX_MAX_MESSAGE_BYTES", "262144"),
        ("HOOKBOX_MAX_BODY_BYTES", "5242880"),
    ] {
        assert!(
            template.contains(&format!("{name}: ")),
            "template.yaml does not set {name}"
        );
        env.push((name.into(), value.into()));
    }
    env.push(("HOOKBOX_ROUTES_FILE".into(), example.into()));
    let emulator = Emulator::start();
    let function = Function::start(&emulator, FUNCTION, Path::new(env!("CARGO_BIN_EXE_enqueue")), &env);
    let event = sample_event("enqueue-github-push-httpapi.json");
    let (status, answer) = emulator.invoke_http(&function, FUNCTION, &event).await;
    assert_eq!(status, 202, "{answer}\n{}", function.logs());
    let stored = aws.drain(&mailbox_url, 1, WAIT).await;
    let envelope = Envelope::from_json(stored[0].body().unwrap()).unwrap();
    assert_eq!(envelope.route, "github");
}

/// With no routes file every delivery is stored, but probes such as OPTIONS (a CORS preflight) are not.
#[tokio::test]
async fn the_default_route_answers_405_to_probes() {
    let stack = Stack::start(Options::default()).await;
    let (status, answer, headers) = stack
        .http(reqwest::Method::OPTIONS, "/hooks/github", &[], Vec::new())
        .await;
    assert_eq!(status, 405, "{answer}");
    assert_eq!(headers["allow"], "GET, POST, PUT, PATCH, DELETE");
    stack.assert_queue_empty(&stack.mailbox_url).await;
}

fn validated() -> Value {
    json!({"routes": [
        {"name": "github", "path": "/hooks/github", "methods": ["POST"], "queues": ["mailbox"],
         "content_types": ["application/json"],
         "signature": {"type": "github", "secret": "github"},
         "headers": {"x-github-event": "^(push|ping)$"},
         "attributes": {"routing-key": "event.{header:x-github-event}.{route}"}},
        {"name": "jenkins", "path": "/hooks/jenkins/*", "methods": ["GET", "POST"], "queues": ["mailbox"],
         "token": {"in": "query", "name": "token", "secret": "jenkins"}},
        {"name": "secret-path", "path": "/hooks/{token}", "queues": ["mailbox"],
         "token": {"in": "path", "secret": "jenkins"}}
    ]})
}

fn validated_options() -> Options {
    Options {
        routes: Some(validated()),
        env: vec![
            ("HOOKBOX_SECRET_GITHUB", "hookbox-test-secret".into()),
            ("HOOKBOX_SECRET_JENKINS", r#"["old-token", "new-token"]"#.into()),
        ],
        ..Options::default()
    }
}

/// The sample GitHub push (signed with the documented test secret) passes every rule; a forged one,
/// a wrong event, a wrong content type and a missing token are refused with the rule named, logged
/// without the secret, and nothing is stored.
#[tokio::test]
async fn route_rules_admit_the_signed_push_and_refuse_the_rest() {
    let stack = Stack::start(validated_options()).await;
    let event = sample_event("enqueue-github-push-httpapi.json");
    let (status, answer) = stack.invoke(&event).await;
    assert_eq!(status, 202, "{answer}");
    let messages = stack.aws.drain(&stack.mailbox_url, 1, WAIT).await;
    let attributes = messages[0].message_attributes().unwrap();
    assert_eq!(attributes["routing-key"].string_value(), Some("event.push.github"));

    let mut forged = event.clone();
    forged["body"] = json!(event["body"].as_str().unwrap().replace("main", "evil"));
    let mut wrong_event = event.clone();
    wrong_event["headers"]["x-github-event"] = json!("issues");
    let mut wrong_type = event.clone();
    wrong_type["headers"]["content-type"] = json!("text/plain");
    let mut unsigned = event.clone();
    unsigned["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-hub-signature-256");
    for (case, status, rule) in [
        (forged, 401, "signature"),
        (unsigned, 401, "signature"),
        (wrong_event, 400, "headers.x-github-event"),
        (wrong_type, 415, "content_types"),
    ] {
        let (got, answer) = stack.invoke(&case).await;
        assert_eq!((got, answer["rule"].as_str()), (status, Some(rule)), "{answer}");
    }
    let (status, answer, _) = stack
        .http(reqwest::Method::GET, "/hooks/jenkins/job?token=nope", &[], Vec::new())
        .await;
    assert_eq!((status, answer["rule"].as_str()), (401, Some("token")), "{answer}");

    stack.assert_queue_empty(&stack.mailbox_url).await;
    stack.assert_nothing_stored("refused by a rule").await;
    let logs = stack.function.logs();
    assert!(
        logs.contains("\"rule\":\"signature\"") && logs.contains("rejected"),
        "{logs}"
    );
    assert!(
        !logs.contains("hookbox-test-secret") && !logs.contains("new-token"),
        "a secret reached the logs"
    );
}

/// A token that the route does not store is taken out of the envelope, wherever it was.
#[tokio::test]
async fn tokens_are_checked_in_query_and_path_and_not_stored() {
    let stack = Stack::start(validated_options()).await;
    let (status, answer, _) = stack
        .http(
            reqwest::Method::POST,
            "/hooks/jenkins/build?job=a&token=old-token",
            &[],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/new-token", &[], b"{}".to_vec())
        .await;
    assert_eq!(status, 202, "{answer}");
    let envelopes = stack.envelopes(&stack.mailbox_url, 2).await;
    let by_route = |name: &str| {
        envelopes
            .iter()
            .find(|envelope| envelope.route == name)
            .expect("stored")
    };
    assert_eq!(by_route("jenkins").query, pairs(&[("job", "a")]));
    assert_eq!(by_route("secret-path").path, "/hooks/{token}");
    let (status, _, _) = stack
        .http(reqwest::Method::POST, "/hooks/wrong-token", &[], b"{}".to_vec())
        .await;
    assert_eq!(status, 401);
}

/// The same secrets from a Secrets Manager secret instead of the environment.
#[tokio::test]
async fn route_secrets_can_come_from_secrets_manager() {
    let stack = Stack::start(Options {
        secret_store: Some(r#"{"github": "hookbox-test-secret", "jenkins": ["old-token", "new-token"]}"#),
        env: Vec::new(),
        ..validated_options()
    })
    .await;
    let (status, answer) = stack.invoke(&sample_event("enqueue-github-push-httpapi.json")).await;
    assert_eq!(status, 202, "{answer}");
    let (status, _, _) = stack
        .http(
            reqwest::Method::GET,
            "/hooks/jenkins/x?token=new-token",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(status, 202);
    let (status, _, _) = stack
        .http(reqwest::Method::GET, "/hooks/jenkins/x?token=bad", &[], Vec::new())
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_route_whose_secret_is_not_set_refuses_to_start() {
    let emulator = Emulator::start();
    let dir = TempDir::new();
    let routes = dir.path().join("routes.json");
    std::fs::write(&routes, validated().to_string()).unwrap();
    let mut env = local_aws_env("http://127.0.0.1:9");
    env.push(("HOOKBOX_QUEUE_MAILBOX".into(), "http://127.0.0.1:9/q".into()));
    env.push(("HOOKBOX_ROUTES_FILE".into(), routes.display().to_string()));
    let mut function = Function::start(&emulator, FUNCTION, Path::new(env!("CARGO_BIN_EXE_enqueue")), &env);
    assert!(function.exits_within(WAIT), "the function should exit at init");
    assert!(function.logs().contains("HOOKBOX_SECRET_GITHUB"), "{}", function.logs());
}

/// One route per sender type, each keyed with its own secret.
fn senders() -> Value {
    let route = |name: &str, signature: Value| json!({"name": name, "path": format!("/hooks/{name}"), "queues": ["mailbox"], "signature": signature});
    json!({"routes": [
        route("github", json!({"type": "github", "secret": "github"})),
        route("gitlab", json!({"type": "gitlab", "secret": "gitlab"})),
        route("gitea", json!({"type": "gitea", "secret": "gitea"})),
        route("gogs", json!({"type": "gogs", "secret": "gogs"})),
        route("bitbucket", json!({"type": "bitbucket", "secret": "bitbucket"})),
        route("stripe", json!({"type": "stripe", "secret": "stripe"})),
        route("slack", json!({"type": "slack", "secret": "slack"})),
        route("standard", json!({"type": "standard-webhooks", "secret": "standard"})),
        route("hmac", json!({"type": "hmac", "secret": "hmac", "header": "X-Signature", "algorithm": "sha512", "encoding": "base64"})),
    ]})
}

const STANDARD_WEBHOOKS_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn senders_options() -> Options {
    Options {
        routes: Some(senders()),
        env: vec![
            ("HOOKBOX_SECRET_GITHUB", "github-secret".into()),
            ("HOOKBOX_SECRET_GITLAB", "gitlab-token-value".into()),
            ("HOOKBOX_SECRET_GITEA", "gitea-secret".into()),
            ("HOOKBOX_SECRET_GOGS", "gogs-secret".into()),
            ("HOOKBOX_SECRET_BITBUCKET", "bitbucket-secret".into()),
            ("HOOKBOX_SECRET_STRIPE", r#"["whsec_old", "whsec_stripe"]"#.into()),
            ("HOOKBOX_SECRET_SLACK", "slack-signing-secret".into()),
            ("HOOKBOX_SECRET_STANDARD", STANDARD_WEBHOOKS_SECRET.into()),
            ("HOOKBOX_SECRET_HMAC", "hmac-secret".into()),
        ],
        ..Options::default()
    }
}

fn unix_now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

/// Whether a sender's signature carries a timestamp that must be recent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stamped {
    Yes,
    No,
}

/// Through the real binary: a delivery that `route`'s sender signs with `secret` now (`sign` gives its
/// headers for a secret, a unix time and a body) is stored with 202. The same headers over a tampered
/// body, a delivery signed with a wrong secret and, for timestamped senders, one signed ten minutes
/// ago are each refused with 401 and the rule `signature`, and nothing more is stored.
async fn signed_is_stored_and_tampered_is_refused(
    route: &str,
    secret: &[u8],
    stamped: Stamped,
    sign: impl Fn(&[u8], i64, &[u8]) -> Vec<(&'static str, String)>,
) {
    let stack = Stack::start(senders_options()).await;
    let path = format!("/hooks/{route}");
    let body = format!(r#"{{"sender": "{route}", "amount": 100}}"#).into_bytes();
    let now = unix_now();
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let (stack, path) = (&stack, &path);
        async move {
            let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
            stack.http(reqwest::Method::POST, path, &headers, body).await
        }
    };

    let (status, answer, _) = post(sign(secret, now, &body), body.clone()).await;
    assert_eq!(status, 202, "{route}: {answer}\n{}", stack.function.logs());
    let stored = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
    assert_eq!(stored.route, route);
    assert_eq!(stack.body_of(&stored).await, body);

    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("100", "999")
        .into_bytes();
    let mut refused = vec![
        ("tampered body", post(sign(secret, now, &body), tampered).await),
        (
            "wrong secret",
            post(sign(b"whsec_d3Jvbmcgc2VjcmV0", now, &body), body.clone()).await,
        ),
    ];
    if stamped == Stamped::Yes {
        refused.push((
            "signed ten minutes ago",
            post(sign(secret, now - 600, &body), body.clone()).await,
        ));
    }
    for (case, (status, answer, _)) in refused {
        assert_eq!(
            (status, answer["rule"].as_str()),
            (401, Some("signature")),
            "{route}, {case}: {answer}"
        );
        if case == "signed ten minutes ago" {
            assert!(
                answer["error"].as_str().unwrap().contains("too old"),
                "{route}: {answer}"
            );
        }
    }
    stack.assert_queue_empty(&stack.mailbox_url).await;
}

#[tokio::test]
async fn senders_github_signed_is_stored_and_tampered_is_refused() {
    signed_is_stored_and_tampered_is_refused("github", b"github-secret", Stamped::No, |secret, _, body| {
        vec![("X-Hub-Signature-256", HmacScheme::github_sha256().sign(secret, body))]
    })
    .await;
}

/// GitLab's token is the secret itself and signs nothing, so its "tampered" delivery is one with a
/// wrong token: refused with 401 and the rule `signature`. The right token is checked and then
/// taken out of the stored envelope, and never logged.
#[tokio::test]
async fn senders_gitlab_token_is_checked_and_not_stored() {
    let stack = Stack::start(senders_options()).await;
    let body = br#"{"object_kind": "push"}"#.to_vec();
    let path = "/hooks/gitlab";
    let event = ("X-Gitlab-Event", "Push Hook");
    let right = [("X-Gitlab-Token", "gitlab-token-value"), event];
    let (status, answer, _) = stack.http(reqwest::Method::POST, path, &right, body.clone()).await;
    assert_eq!(status, 202, "{answer}");
    let stored = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
    assert!(
        headers_named(&stored, "x-gitlab-token").is_empty(),
        "{:?}",
        stored.headers
    );
    assert_eq!(headers_named(&stored, "x-gitlab-event"), ["Push Hook"]);
    assert_eq!(stack.body_of(&stored).await, br#"{"object_kind": "push"}"#);

    let wrong = [("X-Gitlab-Token", "gitlab-token-guess"), event];
    let (status, answer, _) = stack.http(reqwest::Method::POST, path, &wrong, body).await;
    assert_eq!((status, answer["rule"].as_str()), (401, Some("signature")), "{answer}");
    stack.assert_queue_empty(&stack.mailbox_url).await;
    let logs = stack.function.logs();
    assert!(!logs.contains("gitlab-token-value"), "the token reached the logs");
}

#[tokio::test]
async fn senders_gitea_signed_is_stored_and_tampered_is_refused() {
    signed_is_stored_and_tampered_is_refused("gitea", b"gitea-secret", Stamped::No, |secret, _, body| {
        vec![("X-Gitea-Signature", HmacScheme::bare_hex_sha256().sign(secret, body))]
    })
    .await;
}

#[tokio::test]
async fn senders_gogs_signed_is_stored_and_tampered_is_refused() {
    signed_is_stored_and_tampered_is_refused("gogs", b"gogs-secret", Stamped::No, |secret, _, body| {
        vec![("X-Gogs-Signature", HmacScheme::bare_hex_sha256().sign(secret, body))]
    })
    .await;
}

#[tokio::test]
async fn senders_bitbucket_signed_is_stored_and_tampered_is_refused() {
    signed_is_stored_and_tampered_is_refused("bitbucket", b"bitbucket-secret", Stamped::No, |secret, _, body| {
        vec![("X-Hub-Signature", HmacScheme::github_sha256().sign(secret, body))]
    })
    .await;
}

#[tokio::test]
async fn senders_stripe_signed_is_stored_and_tampered_is_refused() {
    // The function accepts ["whsec_old", "whsec_stripe"]: signing with the second is a rotation.
    signed_is_stored_and_tampered_is_refused("stripe", b"whsec_stripe", Stamped::Yes, |secret, at, body| {
        vec![("Stripe-Signature", stripe::sign(secret, at, body))]
    })
    .await;
}

#[tokio::test]
async fn senders_slack_signed_is_stored_and_tampered_is_refused() {
    signed_is_stored_and_tampered_is_refused("slack", b"slack-signing-secret", Stamped::Yes, |secret, at, body| {
        vec![
            ("X-Slack-Signature", slack::sign(secret, at, body)),
            ("X-Slack-Request-Timestamp", at.to_string()),
        ]
    })
    .await;
}

#[tokio::test]
async fn senders_standard_webhooks_signed_is_stored_and_tampered_is_refused() {
    let secret = STANDARD_WEBHOOKS_SECRET.as_bytes();
    signed_is_stored_and_tampered_is_refused("standard", secret, Stamped::Yes, |secret, at, body| {
        let key = standard_webhooks::secret_key(secret).unwrap();
        vec![
            ("webhook-id", "msg_hookbox_test".to_owned()),
            ("webhook-timestamp", at.to_string()),
            (
                "webhook-signature",
                standard_webhooks::sign(&key, "msg_hookbox_test", at, body),
            ),
        ]
    })
    .await;
}

#[tokio::test]
async fn senders_generic_hmac_sha512_signed_is_stored_and_tampered_is_refused() {
    let scheme = HmacScheme {
        algorithm: Algorithm::Sha512,
        encoding: Encoding::Base64,
        prefix: String::new(),
    };
    signed_is_stored_and_tampered_is_refused("hmac", b"hmac-secret", Stamped::No, |secret, _, body| {
        vec![("X-Signature", scheme.sign(secret, body))]
    })
    .await;
}

impl Stack {
    /// Nothing half-stored: no message in either queue and no object in the claim-check bucket.
    async fn assert_nothing_stored(&self, case: &str) {
        self.assert_queue_empty(&self.mailbox_url).await;
        self.assert_queue_empty(&self.audit_url).await;
        let objects = self.aws.object_keys(BUCKET).await;
        assert!(objects.is_empty(), "{case}: left in the bucket: {objects:?}");
    }
}

/// An HTTP API POST to the catch-all route with exactly these headers and this body.
fn post_event(headers: Value, body: &str) -> Value {
    let mut event = sample_event("enqueue-github-push-httpapi.json");
    event["headers"] = headers;
    event["body"] = json!(body);
    event
}

/// Requests whose envelope is too large even with the body in the bucket are refused with 413 before
/// anything is written: no message, and no body uploaded and left behind.
#[tokio::test]
async fn too_large_even_with_a_claim_check_is_413_and_nothing_is_stored() {
    let stack = Stack::start(Options::default()).await;
    let many: serde_json::Map<String, Value> = (0..20_000).map(|i| (format!("x-h-{i}"), json!("v"))).collect();
    let one_large = json!({"x-large": "h".repeat(300_000)});
    let cases = [
        ("20,000 headers", post_event(Value::Object(many), "{}")),
        ("one 300 KB header", post_event(one_large.clone(), "{}")),
        (
            "300 KB body and 300 KB of headers",
            post_event(one_large, &"b".repeat(300_000)),
        ),
    ];
    for (case, event) in cases {
        let (status, answer) = stack.invoke(&event).await;
        assert_eq!(status, 413, "{case}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("headers"),
            "{case}: {answer}"
        );
        stack.assert_nothing_stored(case).await;
    }
    let logs = stack.function.logs();
    assert_eq!(
        logs.matches("headers alone exceed the message size").count(),
        3,
        "{logs}"
    );
}

/// A queue URL that moto does not know: every send to it fails with a service error.
const MISSING_QUEUE_URL: &str = "http://127.0.0.1:9/123456789012/hookbox-missing";

/// When no queue takes the message, the body already uploaded for it is deleted again, and the
/// sender gets a 502 to retry.
#[tokio::test]
async fn a_claim_check_no_queue_took_is_deleted_and_the_sender_retries() {
    let stack = Stack::start(Options {
        routes: Some(json!({"routes": [
            {"name": "lost", "path": "/hooks/lost", "queues": ["missing"]}
        ]})),
        env: vec![("HOOKBOX_QUEUE_MISSING", MISSING_QUEUE_URL.into())],
        ..Options::default()
    })
    .await;
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/lost", &[], vec![b'a'; 300_000])
        .await;
    assert_eq!(status, 502, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("queue missing"), "{answer}");
    stack.assert_nothing_stored("no queue took it").await;
    let logs = stack.function.logs();
    assert!(logs.contains("claim-check body deleted"), "{logs}");
    // Counted as an SQS failure, not as a claim check; S3 was called twice: the put and the delete.
    let requests = metric(&logs, "Requests");
    assert_eq!(requests[0].member("Outcome"), Some("sqs_failed"), "{requests:#?}");
    assert!(metric(&logs, "ClaimChecks").is_empty(), "{logs}");
    assert_eq!(metric(&logs, "S3Time")[0].values.len(), 2, "{logs}");
}

/// When only some queues take the message, their envelopes point at the body, so it stays (a
/// deleted body would turn them into messages no relay can deliver); the sender still gets a 502 and
/// its retry is a duplicate there, which consumers tolerate.
#[tokio::test]
async fn a_claim_check_some_queue_took_stays_for_that_queue() {
    let stack = Stack::start(Options {
        routes: Some(json!({"routes": [
            {"name": "half", "path": "/hooks/half", "queues": ["mailbox", "missing"]}
        ]})),
        env: vec![("HOOKBOX_QUEUE_MISSING", MISSING_QUEUE_URL.into())],
        ..Options::default()
    })
    .await;
    let body = vec![b'a'; 300_000];
    let (status, answer, _) = stack
        .http(reqwest::Method::POST, "/hooks/half", &[], body.clone())
        .await;
    assert_eq!(status, 502, "{answer}");
    let envelope = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
    assert_eq!(stack.body_of(&envelope).await, body);
}

/// At TRACE, the level that makes `lambda_runtime` log every raw event and the SDK every request, no
/// line the function writes holds a secret: not the query token, the signature secret, the
/// `authorization` header (kept in the envelope, so in the SQS request) or the GitLab token.
#[tokio::test]
async fn no_secret_reaches_a_log_line_at_trace() {
    let secrets = [
        "query-token-value",
        "github-signing-secret",
        "Bearer authorization-value",
        "gitlab-token-value",
    ];
    let stack = Stack::start(Options {
        routes: Some(json!({"routes": [
            {"name": "jenkins", "path": "/hooks/jenkins", "queues": ["mailbox"],
             "token": {"in": "query", "name": "token", "secret": "jenkins"}},
            {"name": "github", "path": "/hooks/github", "queues": ["mailbox"],
             "signature": {"type": "github", "secret": "github"}},
            {"name": "gitlab", "path": "/hooks/gitlab", "queues": ["mailbox"],
             "signature": {"type": "gitlab", "secret": "gitlab"}}
        ]})),
        env: vec![
            ("AWS_LAMBDA_LOG_LEVEL", "TRACE".into()),
            ("HOOKBOX_SECRET_JENKINS", secrets[0].into()),
            ("HOOKBOX_SECRET_GITHUB", secrets[1].into()),
            ("HOOKBOX_SECRET_GITLAB", secrets[3].into()),
        ],
        ..Options::default()
    })
    .await;
    let body = br#"{"ref": "refs/heads/main"}"#.to_vec();
    let signature = HmacScheme::github_sha256().sign(secrets[1].as_bytes(), &body);
    let requests = [
        (
            "/hooks/jenkins?token=query-token-value",
            vec![("authorization", secrets[2])],
        ),
        ("/hooks/github", vec![("x-hub-signature-256", signature.as_str())]),
        ("/hooks/gitlab", vec![("x-gitlab-token", secrets[3])]),
    ];
    for (path, headers) in &requests {
        let (status, answer, _) = stack.http(reqwest::Method::POST, path, headers, body.clone()).await;
        assert_eq!(status, 202, "{path}: {answer}");
    }
    let stored = stack.envelopes(&stack.mailbox_url, 3).await;
    assert_eq!(stored.len(), 3);
    let logs = stack.function.logs();
    assert!(logs.contains("\"stored\""), "the function logged: {logs}");
    for secret in secrets {
        let leaks: Vec<&str> = logs.lines().filter(|line| line.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret} was logged: {leaks:#?}");
    }
}

/// A request id too long for an S3 key becomes its SHA-256 in the claim check's key, and the body is
/// stored and found under it.
#[tokio::test]
async fn a_very_long_request_id_gets_a_bounded_claim_check_key() {
    let stack = Stack::start(Options::default()).await;
    let id = "r".repeat(2_000);
    let body = "b".repeat(300_000);
    let mut event = post_event(json!({"content-type": "text/plain"}), &body);
    event["requestContext"]["requestId"] = json!(id);
    let (status, answer) = stack.invoke(&event).await;
    assert_eq!(status, 202, "{answer}");
    let envelope = stack.envelopes(&stack.mailbox_url, 1).await.remove(0);
    assert_eq!(envelope.id, id);
    let key = &envelope.body_s3.as_ref().expect("a claim check").key;
    assert!(key.len() <= 1024, "{key}");
    assert!(key.ends_with(&hex::encode(Sha256::digest(id.as_bytes()))), "{key}");
    assert_eq!(stack.body_of(&envelope).await, body.as_bytes());
}

/// Every line the real binary writes is a JSON object. Its log lines are what Lambda and Logs Insights
/// read (`timestamp`, `level`, `message`, flat fields, no Option debug text) and, while it handles a
/// request, name it by Lambda's `requestId` and the gateway's `gatewayRequestId`, and the request's
/// EMF line names the same `requestId`.
#[tokio::test]
async fn log_lines_are_lambda_shaped_and_name_their_request() {
    let stack = Stack::start(Options::default()).await;
    let mut event = sample_event("enqueue-github-push-httpapi.json");
    event["requestContext"]["requestId"] = json!("gw-42");
    let (status, answer) = stack.invoke(&event).await;
    assert_eq!(status, 202, "{answer}");
    let (status, answer, _) = stack.http(reqwest::Method::OPTIONS, "/hooks/x", &[], Vec::new()).await;
    assert_eq!(status, 405, "{answer}");

    let logs = stack.function.logs();
    let lines = log_lines(&logs);
    let stored = line_with(&lines, "stored");
    assert_eq!(stored["level"], "INFO", "{stored:?}");
    assert_eq!(stored["gatewayRequestId"], "gw-42", "{stored:?}");
    assert!(stored["route"].is_string() && stored["queues"] == 1, "{stored:?}");
    assert!(!stored.contains_key("request_id"), "one name per id: {stored:?}");
    let lambda_id = stored["requestId"].as_str().expect("Lambda's request id");
    assert!(!lambda_id.is_empty() && lambda_id != "gw-42", "{stored:?}");

    let refused = line_with(&lines, "method not allowed");
    assert_eq!(refused["level"], "WARN", "{refused:?}");
    let refused_id = refused["requestId"].as_str().expect("Lambda's request id");
    assert_ne!(refused_id, lambda_id, "each invocation has its own");

    let requests = metric(&logs, "Requests");
    let ids: Vec<Option<&str>> = requests.iter().map(|value| value.member("requestId")).collect();
    assert_eq!(ids, [Some(lambda_id), Some(refused_id)], "{requests:#?}");
}

/// The mailbox's metric family through the real binary: one EMF line per request, counting it under
/// its route and outcome (and a refusal under its rule), with its body size, its claim check and the
/// time SQS and S3 took, for every outcome: stored, refused, 415, 405, 404, 413, SQS down, S3 down.
#[tokio::test]
async fn metrics_count_each_request_by_route_and_outcome() {
    let mut stack = Stack::start(Options {
        routes: Some(json!({"routes": [
            {"name": "github", "path": "/hooks/github", "methods": ["POST"], "queues": ["mailbox"],
             "content_types": ["application/json"], "signature": {"type": "github", "secret": "github"}},
            {"name": "any", "path": "/hooks/any", "queues": ["mailbox", "audit"]}
        ]})),
        env: vec![
            ("HOOKBOX_SECRET_GITHUB", "metrics-secret".into()),
            ("HOOKBOX_MAX_BODY_BYTES", "400000".into()),
            ("HOOKBOX_STACK_NAME", "test-stack".into()),
        ],
        ..Options::default()
    })
    .await;
    let push = br#"{"ref": "refs/heads/main"}"#.to_vec();
    let signed = HmacScheme::github_sha256().sign(b"metrics-secret", &push);
    let forged = HmacScheme::github_sha256().sign(b"guessed", &push);
    let post = reqwest::Method::POST;
    let json_type = ("content-type", "application/json");
    let (signed, forged) = (signed.as_str(), forged.as_str());
    let requests = [
        (
            post.clone(),
            "/hooks/github",
            vec![json_type, ("x-hub-signature-256", signed)],
            push.clone(),
            202,
        ),
        (
            post.clone(),
            "/hooks/github",
            vec![json_type, ("x-hub-signature-256", forged)],
            push.clone(),
            401,
        ),
        (
            post.clone(),
            "/hooks/github",
            vec![("content-type", "text/plain"), ("x-hub-signature-256", signed)],
            push.clone(),
            415,
        ),
        (reqwest::Method::GET, "/hooks/github", vec![], Vec::new(), 405),
        (post.clone(), "/nowhere", vec![], b"{}".to_vec(), 404),
        (post.clone(), "/hooks/any", vec![], vec![b'a'; 400_001], 413),
        (post.clone(), "/hooks/any", vec![], vec![b'b'; 300_000], 202),
    ];
    for (method, path, headers, body, expected) in requests {
        let (status, answer, _) = stack.http(method, path, &headers, body).await;
        assert_eq!(status, expected, "{path}: {answer}");
    }
    stack.moto.stop();
    for body in [b"small".to_vec(), vec![b'c'; 300_000]] {
        let (status, answer, _) = stack.http(post.clone(), "/hooks/any", &[], body).await;
        assert!(status == 502 || status == 503, "{status} {answer}");
    }

    let logs = stack.function.logs();
    let requests = metric(&logs, "Requests");
    let counted: Vec<(Option<&str>, Option<&str>, f64)> = requests
        .iter()
        .map(|value| (value.member("Route"), value.member("Outcome"), value.sum()))
        .collect();
    assert_eq!(
        counted,
        [
            (Some("github"), Some("stored"), 1.0),
            (Some("github"), Some("refused"), 1.0),
            (Some("github"), Some("unsupported_type"), 1.0),
            (None, Some("method_not_allowed"), 1.0),
            (None, Some("no_route"), 1.0),
            (Some("any"), Some("too_large"), 1.0),
            (Some("any"), Some("stored"), 1.0),
            (Some("any"), Some("sqs_failed"), 1.0),
            (Some("any"), Some("s3_failed"), 1.0),
        ],
        "{requests:#?}"
    );
    let full = [
        vec!["Stack", "Function", "Route", "Outcome"],
        vec!["Stack", "Function", "Outcome"],
    ];
    for value in &requests {
        assert_eq!((value.namespace.as_str(), value.unit.as_str()), ("hookbox", "Count"));
        assert_eq!(
            (value.member("Stack"), value.member("Function")),
            (Some("test-stack"), Some("enqueue"))
        );
        let expected: &[Vec<&str>] = if value.member("Route").is_some() {
            &full
        } else {
            &full[1..]
        };
        assert_eq!(value.dimension_sets, expected, "{value:#?}");
    }
    let lines = json_lines(&logs)
        .into_iter()
        .filter(|line| line.contains_key("_aws"))
        .count();
    assert_eq!(lines, 9, "one EMF line per request");

    let refused = metric(&logs, "Refused");
    let refused: Vec<(Option<&str>, Option<&str>)> = refused
        .iter()
        .inspect(|value| assert_eq!(value.dimension_sets, [["Stack", "Function", "Route", "Rule"]]))
        .map(|value| (value.member("Route"), value.member("Rule")))
        .collect();
    assert_eq!(
        refused,
        [
            (Some("github"), Some("signature")),
            (Some("github"), Some("content_types"))
        ]
    );

    let bodies = metric(&logs, "BodyBytes");
    let bodies: Vec<(Option<&str>, Option<&str>, f64)> = bodies
        .iter()
        .inspect(|value| {
            assert_eq!(value.unit, "Bytes");
            assert_eq!(value.dimension_sets, [["Stack", "Function", "Route"]]);
        })
        .map(|value| (value.member("Route"), value.member("Outcome"), value.sum()))
        .collect();
    let push_len = push.len() as f64;
    assert_eq!(
        bodies,
        [
            (Some("github"), Some("stored"), push_len),
            (Some("github"), Some("refused"), push_len),
            (Some("github"), Some("unsupported_type"), push_len),
            (Some("any"), Some("too_large"), 400_001.0),
            (Some("any"), Some("stored"), 300_000.0),
            (Some("any"), Some("sqs_failed"), 5.0),
            (Some("any"), Some("s3_failed"), 300_000.0),
        ]
    );

    let claim_checks = metric(&logs, "ClaimChecks");
    assert_eq!(claim_checks.len(), 1, "only the stored one: {claim_checks:#?}");
    assert_eq!(
        (
            claim_checks[0].member("Route"),
            claim_checks[0].sum(),
            claim_checks[0].unit.as_str()
        ),
        (Some("any"), 1.0, "Count")
    );

    // SQS: one call for the github route's queue, two for the claim check's and the outage's fan-out.
    let sqs = metric(&logs, "SqsTime");
    let sqs: Vec<(Option<&str>, usize)> = sqs
        .iter()
        .inspect(|value| {
            assert_eq!(value.unit, "Milliseconds");
            assert_eq!(value.dimension_sets, [["Stack", "Function"]]);
            assert!(value.values.iter().all(|ms| *ms >= 0.0 && *ms < 10_000.0), "{value:#?}");
        })
        .map(|value| (value.member("Outcome"), value.values.len()))
        .collect();
    assert_eq!(sqs, [(Some("stored"), 1), (Some("stored"), 2), (Some("sqs_failed"), 2)]);
    let s3 = metric(&logs, "S3Time");
    let s3: Vec<(Option<&str>, usize)> = s3
        .iter()
        .inspect(|value| assert_eq!(value.unit, "Milliseconds"))
        .map(|value| (value.member("Outcome"), value.values.len()))
        .collect();
    assert_eq!(s3, [(Some("stored"), 1), (Some("s3_failed"), 1)]);
}
