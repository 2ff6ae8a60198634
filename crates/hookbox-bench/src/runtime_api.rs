//! The Lambda Runtime API (`/2018-06-01/runtime/...`) on 127.0.0.1, as a function's runtime client sees
//! it in Lambda: a long-poll `GET invocation/next` that answers with the next event, and `POST`s for
//! the response or an error. Every request is reported to the driver with the instant it arrived, so
//! that the driver measures the function, not its own bookkeeping.
//!
//! One server serves one function process: a killed process can leave a `/next` waiting, and that
//! must never take an event meant for the next process.

use std::io::{self, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::http::{self, Message};

const PREFIX: &str = "/2018-06-01/runtime/";
/// The deadline the function is told it has, as Lambda computes it from the configured timeout.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);

/// An event for the function.
pub struct Invocation {
    pub request_id: String,
    pub body: Vec<u8>,
}

/// What the function did, and when the request that said so had arrived in full.
#[derive(Debug)]
pub enum Report {
    /// The runtime asked for the next event: it is initialised (first time) or done (later).
    Next(Instant),
    Response {
        request_id: String,
        body: Vec<u8>,
        at: Instant,
    },
    Error {
        request_id: String,
        body: Vec<u8>,
        at: Instant,
    },
    InitError {
        body: Vec<u8>,
    },
}

/// A running Runtime API server. Dropping it disconnects the event queue, which ends every handler.
pub struct RuntimeApi {
    address: SocketAddr,
    events: Sender<Invocation>,
    reports: Receiver<Report>,
}

impl RuntimeApi {
    pub fn start(function_arn: String) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let (events, pending) = mpsc::channel();
        let (report, reports) = mpsc::channel();
        let shared = Arc::new(Shared {
            pending: Mutex::new(pending),
            function_arn,
        });
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let shared = Arc::clone(&shared);
                let report = report.clone();
                thread::spawn(move || serve(stream, &shared, &report));
            }
        });
        Ok(Self {
            address,
            events,
            reports,
        })
    }

    /// `AWS_LAMBDA_RUNTIME_API` as Lambda sets it: host and port, no scheme.
    pub fn host_port(&self) -> String {
        self.address.to_string()
    }

    /// Queues an event for the next `/next`.
    pub fn deliver(&self, invocation: Invocation) {
        // The receiver lives as long as `self`; sending cannot fail.
        let _ = self.events.send(invocation);
    }

    /// The next report, or `None` after `limit`.
    pub fn report(&self, limit: Duration) -> Option<Report> {
        self.reports.recv_timeout(limit).ok()
    }
}

struct Shared {
    pending: Mutex<Receiver<Invocation>>,
    function_arn: String,
}

/// One connection, keep-alive: requests until the client closes or the server is dropped.
fn serve(stream: TcpStream, shared: &Shared, report: &Sender<Report>) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = http::read_message(&mut reader) {
        let at = Instant::now();
        let Some(outcome) = answer(&request, at, shared, report) else {
            return;
        };
        let (status, headers, body) = outcome;
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if http::write_message(&mut writer, status, &headers, &body).is_err() {
            return;
        }
    }
}

type Answer = (&'static str, Vec<(&'static str, String)>, Vec<u8>);

/// The answer to one request; `None` when the server is shutting down.
fn answer(request: &Message, at: Instant, shared: &Shared, report: &Sender<Report>) -> Option<Answer> {
    let mut words = request.start.split(' ');
    let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    let route = target.strip_prefix(PREFIX).unwrap_or_default();
    let accepted = || Some(("HTTP/1.1 202 Accepted", Vec::new(), br#"{"status":"OK"}"#.to_vec()));
    match (method, route.split('/').collect::<Vec<_>>().as_slice()) {
        ("GET", ["invocation", "next"]) => {
            report.send(Report::Next(at)).ok()?;
            let invocation = next_invocation(shared)?;
            let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + FUNCTION_TIMEOUT;
            let headers = vec![
                ("content-type", "application/json".to_owned()),
                ("lambda-runtime-aws-request-id", invocation.request_id),
                ("lambda-runtime-deadline-ms", deadline.as_millis().to_string()),
                ("lambda-runtime-invoked-function-arn", shared.function_arn.clone()),
                (
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
                ),
            ];
            Some(("HTTP/1.1 200 OK", headers, invocation.body))
        }
        ("POST", ["invocation", id, kind @ ("response" | "error")]) => {
            let (request_id, body) = ((*id).to_owned(), request.body.clone());
            let sent = if *kind == "response" {
                report.send(Report::Response { request_id, body, at })
            } else {
                report.send(Report::Error { request_id, body, at })
            };
            sent.ok()?;
            accepted()
        }
        ("POST", ["init", "error"]) => {
            report
                .send(Report::InitError {
                    body: request.body.clone(),
                })
                .ok()?;
            accepted()
        }
        _ => Some(("HTTP/1.1 404 Not Found", Vec::new(), b"{}".to_vec())),
    }
}

/// Waits for the driver's next event; `None` once the driver has dropped the server.
fn next_invocation(shared: &Shared) -> Option<Invocation> {
    shared.pending.lock().ok()?.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(stream: &mut TcpStream, start: &str, body: &[u8]) -> Message {
        http::write_message(stream, start, &[("host", "runtime")], body).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        http::read_message(&mut reader).unwrap().unwrap()
    }

    #[test]
    fn serves_an_event_and_reports_the_response_as_lambda_would() {
        let api = RuntimeApi::start("arn:aws:lambda:eu-west-1:1:function:f".to_owned()).unwrap();
        let mut stream = TcpStream::connect(api.host_port()).unwrap();
        let runtime = thread::spawn(move || {
            let next = request(&mut stream, "GET /2018-06-01/runtime/invocation/next HTTP/1.1", b"");
            let id = next.header("lambda-runtime-aws-request-id").unwrap().to_owned();
            assert!(
                next.header("lambda-runtime-deadline-ms")
                    .unwrap()
                    .parse::<u64>()
                    .is_ok()
            );
            let path = format!("POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1");
            let answer = request(&mut stream, &path, b"{\"statusCode\":202}");
            (next.body, answer.start)
        });
        assert!(matches!(api.report(Duration::from_secs(5)), Some(Report::Next(_))));
        api.deliver(Invocation {
            request_id: "r-1".to_owned(),
            body: b"{\"event\":1}".to_vec(),
        });
        match api.report(Duration::from_secs(5)) {
            Some(Report::Response { request_id, body, .. }) => {
                assert_eq!(
                    (request_id.as_str(), body.as_slice()),
                    ("r-1", &b"{\"statusCode\":202}"[..])
                );
            }
            other => panic!("expected the response, got {other:?}"),
        }
        let (event, status) = runtime.join().unwrap();
        assert_eq!(
            (event.as_slice(), status.as_str()),
            (&b"{\"event\":1}"[..], "HTTP/1.1 202 Accepted")
        );
    }
}
