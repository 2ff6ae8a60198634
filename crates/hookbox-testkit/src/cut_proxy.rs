//! An HTTP proxy in front of moto that lets requests through until the first one of chosen AWS
//! actions: that request reaches moto, but its answer never comes back, and no later request gets
//! through. A process stuck behind it, then killed, is a process killed right after that call took
//! effect: how a test interrupts a command at an exact point without a hook in the command.
//!
//! The actions are read from the `X-Amz-Target` header of the AWS JSON protocol (the SQS SDK's):
//! `AmazonSQS.SendMessage` is the action `SendMessage`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

use crate::thread_server::ThreadServer;

/// The running proxy; stopped on drop.
pub struct CutProxy {
    server: ThreadServer,
    cut: Arc<AtomicBool>,
}

struct Forward {
    upstream: String,
    actions: Vec<String>,
    client: reqwest::Client,
    cut: Arc<AtomicBool>,
}

impl CutProxy {
    /// Starts a proxy to `upstream` (moto's endpoint) that cuts the line after the first request of
    /// one of `actions`. It runs on its own thread, so a test that blocks does not stall it.
    pub fn start(upstream: &str, actions: &[&str]) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let cut = Arc::new(AtomicBool::new(false));
        let forward = Arc::new(Forward {
            upstream: upstream.trim_end_matches('/').to_owned(),
            actions: actions.iter().map(|action| (*action).to_owned()).collect(),
            client: reqwest::Client::new(),
            cut: Arc::clone(&cut),
        });
        let server = ThreadServer::start(listener, move |request| Arc::clone(&forward).pass(request));
        Self { server, cut }
    }

    /// The endpoint URL to give the process (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Whether a request of one of the actions has reached moto (and so the line is cut).
    pub fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
}

impl Forward {
    async fn pass(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        if self.cut.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        let (parts, body) = request.into_parts();
        let action = parts
            .headers
            .get("x-amz-target")
            .and_then(|target| target.to_str().ok())
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let body = body
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
        let mut forwarded = self
            .client
            .request(parts.method, format!("{}{path}", self.upstream))
            .body(body);
        for (name, value) in &parts.headers {
            if name != hyper::header::HOST {
                forwarded = forwarded.header(name, value);
            }
        }
        let answer = forwarded.send().await;
        if self.actions.contains(&action) {
            self.cut.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }
        let Ok(answer) = answer else {
            return Ok(Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Full::new(Bytes::new()))
                .expect("a plain response"));
        };
        let mut response = Response::builder().status(answer.status().as_u16());
        for (name, value) in answer.headers() {
            if name != hyper::header::TRANSFER_ENCODING && name != hyper::header::CONTENT_LENGTH {
                response = response.header(name, value);
            }
        }
        let bytes = answer.bytes().await.unwrap_or_default();
        Ok(response.body(Full::new(bytes)).expect("moto's headers are valid"))
    }
}
