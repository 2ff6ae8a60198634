//! The one HTTPS client of every function's AWS SDK: hyper's HTTP/1.1 client with rustls on ring.
//!
//! Why not `aws-smithy-http-client`, the SDK's own: it links HTTP/2 (h2, offered through ALPN) and its
//! own connection layers whatever a function asks of it, while AWS's service endpoints answer HTTP/1.1
//! and a function sends one request at a time. Without them enqueue's arm64 zip went from 2.068 to
//! 1.881 MB (scripts/bench). This module keeps what the SDK's client did for the functions:
//!
//! - one pool of kept-alive connections per timeout setting, reused across invocations;
//! - the connect timeout and the read timeout the SDK's `TimeoutConfig` asks for (the per-attempt and
//!   per-operation timeouts are the SDK's own, around this client);
//! - errors classified as the SDK's client classifies them, so that its standard retries take the
//!   same transient failures: a refused or cut connection, a timeout, a message cut short;
//! - trust: the roots AWS's endpoints chain to, compiled in, unless `SSL_CERT_FILE` or `SSL_CERT_DIR`
//!   names a store, read as rustls-native-certs reads it (see [`crate::trust_store`]).
//!
//! No proxy: the SDK's client used none unless configured in code, which no function did.

use std::collections::HashMap;
use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::retries::ErrorKind;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The roots AWS's endpoints chain to, compiled in (see the file's header).
const AWS_ROOTS_PEM: &str = include_str!("aws_roots.pem");

/// The timeouts a pool is built for: the SDK asks for a connector per setting.
type Timeouts = (Option<Duration>, Option<Duration>);

/// The SDK's HTTP client: hands out one [`Connector`] per timeout setting, each with its own pool.
#[derive(Debug)]
pub struct HttpsClient {
    tls: Arc<rustls::ClientConfig>,
    connectors: Mutex<HashMap<Timeouts, SharedHttpConnector>>,
}

impl HttpsClient {
    /// Reads the trust store when one is named; builds no connection (the first request connects).
    pub fn new() -> Self {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring's provider supports TLS 1.2 and 1.3")
            .with_root_certificates(roots())
            .with_no_client_auth();
        Self {
            tls: Arc::new(tls),
            connectors: Mutex::new(HashMap::new()),
        }
    }
}

impl Default for HttpsClient {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClient for HttpsClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        let timeouts = (settings.connect_timeout(), settings.read_timeout());
        // The SDK asks at every attempt: the same setting must get the same pool back.
        let mut connectors = self.connectors.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        connectors
            .entry(timeouts)
            .or_insert_with(|| SharedHttpConnector::new(Connector::new(self.tls.clone(), timeouts)))
            .clone()
    }
}

/// HTTP/1.1 over TLS (or plain HTTP, for a stand-in on 127.0.0.1), with kept-alive connections.
#[derive(Debug)]
struct Connector {
    client: Client<HttpsConnector<TcpConnector>, SdkBody>,
    read_timeout: Option<Duration>,
}

impl Connector {
    fn new(tls: Arc<rustls::ClientConfig>, (connect_timeout, read_timeout): Timeouts) -> Self {
        let mut tcp = TcpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(connect_timeout);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(Arc::unwrap_or_clone(tls))
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            // Without a timer the pool never expires an idle connection.
            .pool_timer(TokioTimer::new())
            .build(https);
        Self { client, read_timeout }
    }
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(error) => return HttpConnectorFuture::ready(Err(ConnectorError::user(error.into()))),
        };
        let response = self.client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let response = match read_timeout {
                Some(limit) => match tokio::time::timeout(limit, response).await {
                    Ok(response) => response,
                    Err(elapsed) => return Err(ConnectorError::timeout(elapsed.into())),
                },
                None => response.await,
            };
            match response {
                Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                    .map_err(|error| ConnectorError::other(error.into(), None)),
                Err(error) => Err(classify(error)),
            }
        })
    }
}

/// The error as the SDK's retry strategy must see it: transient failures are `io` or `timeout` (or
/// `other` with a transient kind), which it retries; a request it could not send is the caller's.
fn classify(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let error: BoxError = error.into();
    let make = kind_of(error.as_ref());
    make(error)
}

fn kind_of(error: &(dyn Error + 'static)) -> fn(BoxError) -> ConnectorError {
    let timed_out = error_chain(error).any(|error| {
        error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
            || error
                .downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_timeout)
    });
    if timed_out {
        return ConnectorError::timeout;
    }
    if let Some(hyper) = error_chain(error).find_map(|error| error.downcast_ref::<hyper::Error>()) {
        if hyper.is_user() {
            return ConnectorError::user;
        }
        // S3 and others sometimes close a kept-alive connection mid-answer.
        if hyper.is_incomplete_message() {
            return |error| ConnectorError::other(error, Some(ErrorKind::TransientError));
        }
        if hyper.is_closed() || hyper.is_canceled() {
            return ConnectorError::io;
        }
    }
    let connect = error
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    if connect || error_chain(error).any(|error| error.is::<std::io::Error>()) {
        return ConnectorError::io;
    }
    |error| ConnectorError::other(error, None)
}

/// `error`, then each error after it.
fn error_chain<'a>(error: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(error), |&error| error.source())
}

/// The roots the client trusts: the store `SSL_CERT_FILE`/`SSL_CERT_DIR` name, else AWS's, compiled in.
fn roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    if crate::trust_store::configured() {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::warn!(error = %error, "a CA certificate of SSL_CERT_FILE/SSL_CERT_DIR could not be read");
        }
        roots.add_parsable_certificates(found.certs);
    } else {
        roots.add_parsable_certificates(compiled_in_roots());
    }
    roots
}

fn compiled_in_roots() -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(AWS_ROOTS_PEM.as_bytes())
        .filter_map(Result::ok)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A root that does not parse would be dropped without a word: all six must.
    #[test]
    fn each_compiled_in_root_parses() {
        let certificates = compiled_in_roots();
        assert_eq!(certificates.len(), 6);
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(certificates);
        assert_eq!((added, ignored), (6, 0));
    }

    /// A refused connection is transient for the SDK (it retries), not the caller's error.
    #[tokio::test]
    async fn a_refused_connection_is_retryable_io() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let connector = Connector::new(HttpsClient::new().tls, (Some(Duration::from_secs(1)), None));
        let request = HttpRequest::get(format!("http://127.0.0.1:{port}/")).unwrap();
        let error = connector.call(request).await.unwrap_err();
        assert!(error.is_io(), "{error:?}");
    }

    /// A server that takes the request and closes the connection without an answer: transient too.
    #[tokio::test]
    async fn a_connection_closed_without_an_answer_is_retryable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buffer).await;
        });
        let connector = Connector::new(HttpsClient::new().tls, (None, None));
        let request = HttpRequest::get(format!("http://127.0.0.1:{port}/")).unwrap();
        let error = connector.call(request).await.unwrap_err();
        assert!(
            error.is_io() || error.as_other() == Some(ErrorKind::TransientError),
            "{error:?}"
        );
    }

    /// A server that accepts and never answers: the read timeout ends the wait, as a timeout.
    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let connector = Connector::new(HttpsClient::new().tls, (None, Some(Duration::from_millis(200))));
        let request = HttpRequest::get(format!("http://127.0.0.1:{port}/")).unwrap();
        let error = connector.call(request).await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }

    /// The same timeouts get the same connector back, so kept-alive connections are reused.
    #[test]
    fn one_pool_per_timeout_setting() {
        let client = HttpsClient::new();
        let components = aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder::for_tests()
            .build()
            .unwrap();
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(Duration::from_secs(1))
            .build();
        let first = client.http_connector(&settings, &components);
        let again = client.http_connector(&settings, &components);
        let other = client.http_connector(&HttpConnectorSettings::builder().build(), &components);
        assert_eq!(client.connectors.lock().unwrap().len(), 2);
        drop((first, again, other));
    }
}
