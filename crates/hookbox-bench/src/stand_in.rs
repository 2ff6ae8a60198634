//! The stand-in's own round trip: the same `SendMessage` the function makes (AWS JSON 1.0 protocol,
//! same body and attributes), sent straight to moto and timed, so that the warm latencies can be read
//! beside what the stand-in alone costs. Real SQS answers at its own speed; this is the part of a warm
//! figure that no function can remove locally.

use std::io::BufReader;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http;

/// Sends `count` messages with `body` to `queue_url` at the moto `endpoint` (`127.0.0.1:port`) and
/// returns each round trip in microseconds. A connection is reused while the server keeps it open, as
/// an SDK's connection pool would.
pub fn send_message_rtt(
    endpoint: &str,
    region: &str,
    queue_url: &str,
    body: &str,
    count: usize,
) -> Result<Vec<u64>, String> {
    let request = json!({
        "QueueUrl": queue_url,
        "MessageBody": body,
        "MessageAttributes": {
            "route": {"DataType": "String", "StringValue": "mailbox"},
            "content-type": {"DataType": "String", "StringValue": "application/json"},
        },
    })
    .to_string();
    // moto does not check signatures but takes the region from the credential scope.
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/sqs/aws4_request, SignedHeaders=host, Signature=0"
    );
    let headers = [
        ("host", endpoint),
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", "AmazonSQS.SendMessage"),
        ("authorization", authorization.as_str()),
    ];
    timed_posts(
        endpoint,
        "POST / HTTP/1.1",
        &headers,
        request.as_bytes(),
        count,
        |response| {
            let answer: Value = serde_json::from_slice(&response.body).unwrap_or_default();
            match answer.get("MessageId") {
                Some(_) => Ok(()),
                None => Err(format!(
                    "moto refused SendMessage: {} {}",
                    response.start,
                    String::from_utf8_lossy(&response.body)
                )),
            }
        },
    )
}

/// Sends `count` requests (`start` line, `headers`, `body`) to `endpoint` (`127.0.0.1:port`), reusing
/// the connection while the server keeps it open, as an SDK's connection pool would; `check` judges
/// each answer. Returns each round trip in microseconds.
fn timed_posts(
    endpoint: &str,
    start: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    count: usize,
    check: impl Fn(&http::Message) -> Result<(), String>,
) -> Result<Vec<u64>, String> {
    let mut connection: Option<(TcpStream, BufReader<TcpStream>)> = None;
    let mut rtts = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let (mut writer, mut reader) = match connection.take() {
            Some(open) => open,
            None => connect(endpoint)?,
        };
        http::write_message(&mut writer, start, headers, body).map_err(|e| e.to_string())?;
        let response = http::read_message(&mut reader)
            .map_err(|error| error.to_string())?
            .ok_or("the stand-in closed the connection")?;
        rtts.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        check(&response)?;
        if !response.closes() {
            connection = Some((writer, reader));
        }
    }
    Ok(rtts)
}

fn connect(endpoint: &str) -> Result<(TcpStream, BufReader<TcpStream>), String> {
    let address = endpoint.parse().map_err(|_| format!("{endpoint} is not host:port"))?;
    let stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    Ok((stream, reader))
}

/// A local HTTP target that answers every request with `status` and `{}` after `delay` (an ATC's own
/// time for a check): the fake Concourse ATC of the notifier figures and the relay's internal target.
/// `GET /__count` answers at once how many other requests it has had. Prints `{"port": N}` on stdout
/// when it listens, then serves until killed.
pub fn sink(status: u16, delay: Duration) -> Result<(), String> {
    use std::io::Write;
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let port = listener.local_addr().map_err(|error| error.to_string())?.port();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", json!({ "port": port })).map_err(|error| error.to_string())?;
    stdout.flush().map_err(|error| error.to_string())?;
    let status_line = format!("HTTP/1.1 {status} Sink");
    let count = Arc::new(AtomicU64::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (count, status_line) = (Arc::clone(&count), status_line.clone());
        std::thread::spawn(move || {
            let _ = stream.set_nodelay(true);
            let Ok(mut writer) = stream.try_clone() else { return };
            let mut reader = BufReader::new(stream);
            while let Ok(Some(request)) = http::read_message(&mut reader) {
                let headers = [("content-type", "application/json")];
                let written = if request.start.starts_with("GET /__count ") {
                    let body = json!({ "count": count.load(Ordering::SeqCst) }).to_string();
                    http::write_message(&mut writer, "HTTP/1.1 200 OK", &headers, body.as_bytes())
                } else {
                    count.fetch_add(1, Ordering::SeqCst);
                    if !delay.is_zero() {
                        std::thread::sleep(delay);
                    }
                    http::write_message(&mut writer, &status_line, &headers, b"{}")
                };
                if written.is_err() || request.closes() {
                    return;
                }
            }
        });
    }
    Ok(())
}

/// Times `count` POSTs of `body` to `url` (`http://127.0.0.1:port/path?query`) over one kept-alive
/// connection: the stand-in's own round trip beside a function's warm latency.
pub fn http_rtt(url: &str, body: &[u8], count: usize) -> Result<Vec<u64>, String> {
    let rest = url.strip_prefix("http://").ok_or("http-rtt takes an http:// URL")?;
    let (endpoint, target) = rest.find('/').map_or((rest, "/"), |at| (&rest[..at], &rest[at..]));
    let start = format!("POST {target} HTTP/1.1");
    let headers = [("host", endpoint), ("content-type", "application/json")];
    timed_posts(endpoint, &start, &headers, body, count, |_| Ok(()))
}
