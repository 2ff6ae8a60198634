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
    let mut connection: Option<(TcpStream, BufReader<TcpStream>)> = None;
    let mut rtts = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let (mut writer, mut reader) = match connection.take() {
            Some(open) => open,
            None => connect(endpoint)?,
        };
        http::write_message(&mut writer, "POST / HTTP/1.1", &headers, request.as_bytes()).map_err(|e| e.to_string())?;
        let response = http::read_message(&mut reader)
            .map_err(|error| error.to_string())?
            .ok_or("moto closed the connection")?;
        rtts.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or_default();
        if answer.get("MessageId").is_none() {
            return Err(format!(
                "moto refused SendMessage: {} {}",
                response.start,
                String::from_utf8_lossy(&response.body)
            ));
        }
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
