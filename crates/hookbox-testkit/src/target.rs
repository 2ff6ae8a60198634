//! A real HTTP/1.1 server on 127.0.0.1 that records every request it receives exactly as it arrived
//! (header order and repeats, body bytes) and answers as the test decides: a status, a connection
//! reset, or a stall. Written on raw sockets so that a reset is a real TCP RST and nothing in between
//! normalises what the client sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as the target saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The request target: path and raw query string.
    pub target: String,
    /// Header names lower-cased, in arrival order, repeats kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// What the target answered.
    pub answer: Answer,
}

impl Received {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The raw query string, without `?`.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }

    /// All values of a header, in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// How the target answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Close the connection with a TCP reset, without an answer.
    Reset,
    /// Answer with the status after this long.
    Slow(Duration, u16),
    /// Say nothing for this long, then close the connection.
    Stall(Duration),
}

type Decide = dyn Fn(&Received) -> Answer + Send + Sync;

/// A running target; stops on drop.
pub struct Target {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Target {
    /// Starts a target that answers every request as `decide` says. `decide` sees the request (its
    /// `answer` field is not set yet) and is called in arrival order. The server runs on its own
    /// thread and runtime, so a test that blocks (waiting for a process) does not stall it.
    pub fn start(decide: impl Fn(&Received) -> Answer + Send + Sync + 'static) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("the loopback interface has free ports");
        listener.set_nonblocking(true).expect("a non-blocking socket");
        let port = listener.local_addr().expect("a bound address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let decide: Arc<Decide> = Arc::new(decide);
        let log = received.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the target");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("a tokio listener");
                let accept = async {
                    while let Ok((stream, _)) = listener.accept().await {
                        tokio::spawn(serve(stream, decide.clone(), log.clone()));
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stopped => {}
                }
            });
            runtime.shutdown_background();
        });
        Self {
            port,
            received,
            stop: Some(stop),
        }
    }

    /// A target that answers 200 to everything.
    pub fn ok() -> Self {
        Self::start(|_| Answer::Status(200))
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("not poisoned").clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().expect("not poisoned").len()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One connection: requests one after the other (keep-alive), until the client closes it or the
/// answer ends it.
async fn serve(stream: TcpStream, decide: Arc<Decide>, log: Arc<Mutex<Vec<Received>>>) {
    let mut stream = BufReader::new(stream);
    loop {
        let Some(mut request) = read_request(&mut stream).await else {
            return;
        };
        let answer = decide(&request);
        request.answer = answer;
        log.lock().expect("not poisoned").push(request);
        match answer {
            Answer::Status(status) | Answer::Slow(_, status) => {
                if let Answer::Slow(delay, _) = answer {
                    tokio::time::sleep(delay).await;
                }
                let head = format!("HTTP/1.1 {status} Test\r\ncontent-length: 0\r\n\r\n");
                if stream.get_mut().write_all(head.as_bytes()).await.is_err() {
                    return;
                }
            }
            Answer::Reset => {
                // A zero linger makes the close send RST at once; it does not block, which is what
                // the deprecation warns about.
                #[allow(deprecated)]
                let _ = stream.get_ref().set_linger(Some(Duration::ZERO));
                return;
            }
            Answer::Stall(duration) => {
                tokio::time::sleep(duration).await;
                return;
            }
        }
    }
}

/// Reads one request with a `content-length` body (what the relay sends); `None` at the end of the
/// connection or on anything else.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read_until(b'\n', &mut head).await.ok()? == 0 {
            return None;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut parsed = httparse::Request::new(&mut headers);
    parsed.parse(&head).ok()?;
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|header| {
            (
                header.name.to_ascii_lowercase(),
                String::from_utf8_lossy(header.value).into_owned(),
            )
        })
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(Some(0), |(_, value)| value.parse::<usize>().ok())?;
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(Received {
        method: parsed.method?.to_owned(),
        target: parsed.path?.to_owned(),
        headers,
        body,
        answer: Answer::Status(0),
    })
}
