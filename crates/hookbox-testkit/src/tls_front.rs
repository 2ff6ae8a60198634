//! A TLS front for a local stand-in: it terminates TLS on 127.0.0.1 with a certificate made for this
//! run by a CA of its own, and passes the bytes on to the stand-in's plain port. No public root store
//! has that CA, so a client reaches the stand-in through it only when told to trust [`TlsFront::ca_file`]
//! (`SSL_CERT_FILE`): how a test tells which roots a function's HTTPS client really uses.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use crate::TempDir;
use crate::thread_server::ThreadServer;

/// The running front; stopped on drop.
pub struct TlsFront {
    server: ThreadServer,
    dir: TempDir,
}

impl TlsFront {
    /// Starts a front for `upstream` (a stand-in's `http://127.0.0.1:PORT` endpoint) on a thread of its
    /// own, with a new CA and a server certificate for `127.0.0.1` and `localhost`.
    pub fn start(upstream: &str) -> Self {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("an http://IP:PORT endpoint");
        let (ca_pem, chain, key) = certificates();
        let dir = TempDir::new();
        std::fs::write(dir.path().join("ca.pem"), ca_pem).expect("the CA file is written");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a valid server certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let server = ThreadServer::start_connections(listener, move |stream| {
            let acceptor = acceptor.clone();
            async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            }
        });
        Self { server, dir }
    }

    /// The endpoint URL to give a process (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> String {
        format!("https://{}", self.server.addr())
    }

    /// The PEM file of the CA that signed the front's certificate (`SSL_CERT_FILE`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

/// A new CA (PEM), the server's chain signed by it, and the server's key.
fn certificates() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "hookbox test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("a CA key")).expect("a CA");
    let mut server_params = CertificateParams::new(vec!["localhost".to_owned()]).expect("server parameters");
    server_params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    let server_key = KeyPair::generate().expect("a server key");
    let server = server_params.signed_by(&server_key, &ca).expect("a server certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    (ca.pem(), vec![server.der().clone()], key)
}
