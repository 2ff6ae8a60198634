//! The relay's HTTP endpoint for its operators: `GET /metrics` for Prometheus and `GET /healthz` for a
//! liveness or readiness probe. hyper's server half parses the requests (hyper is in the binary already,
//! for the SDK and reqwest); the answers are a few lines here. It serves a scraper and a kubelet on a
//! cluster network, not the Internet: no TLS, no authentication.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::relay::metrics;
use crate::relay::stats::Stats;

/// How long a client may take to send its request's headers before its connection is closed.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What the endpoint answers from.
pub struct Endpoint {
    pub stats: Arc<Stats>,
    /// How long SQS may stay silent before `/healthz` answers 503.
    pub unhealthy_after: Duration,
}

impl Endpoint {
    /// Serves the connections `listener` accepts, until the task is aborted.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, most likely: wait instead of spinning.
                    tracing::warn!(%error, "the metrics endpoint cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let endpoint = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let answer = endpoint.answer(&request);
                    async move { Ok::<_, Infallible>(answer) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service);
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "a metrics endpoint connection ended with an error");
                }
            });
        }
    }

    fn answer(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        let path = request.uri().path();
        if path != "/metrics" && path != "/healthz" {
            return reply(StatusCode::NOT_FOUND, "not found: /metrics or /healthz\n".into());
        }
        if request.method() != Method::GET {
            let mut response = reply(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".into());
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET"));
            return response;
        }
        if path == "/healthz" {
            return self.health();
        }
        let mut response = reply(StatusCode::OK, metrics::render(&self.stats));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(metrics::CONTENT_TYPE));
        response
    }

    /// 200 while SQS answered within `unhealthy_after`, else 503: the relay cannot reach its queue
    /// (network, credentials, a deleted queue), which a restart or another node may cure.
    fn health(&self) -> Response<Full<Bytes>> {
        let silent = self.stats.sqs_silent_for();
        if silent <= self.unhealthy_after {
            reply(StatusCode::OK, format!("ok: SQS answered {}s ago\n", silent.as_secs()))
        } else {
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "unhealthy: SQS has not answered for {}s (--unhealthy-after {}s)\n",
                    silent.as_secs(),
                    self.unhealthy_after.as_secs()
                ),
            )
        }
    }
}

fn reply(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
