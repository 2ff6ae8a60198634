//! Starting a relay from its options: the metrics endpoint's port is taken first, so a port in use
//! stops the relay before it receives anything, then the endpoint serves beside the loop until it ends.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::relay::endpoint::Endpoint;
use crate::relay::options::RelayArgs;
use crate::relay::stats::Summary;

/// Why a relay did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot build the HTTP client for the target: {0}")]
    Client(#[from] reqwest::Error),
    #[error("cannot listen on --metrics-addr {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

impl RelayArgs {
    /// Runs the relay these options describe, with clients built from `aws`, until `shutdown` turns
    /// true (or `--once` has drained the queue), serving `/metrics` and `/healthz` meanwhile when
    /// `--metrics-addr` is set.
    pub async fn run(
        self,
        aws: &aws_config::SdkConfig,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Summary, StartError> {
        let listener = match self.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Listen { addr, source })?,
            ),
            None => None,
        };
        let unhealthy_after = self.unhealthy_after();
        let relay = Arc::new(self.into_relay(aws)?);
        let endpoint = listener.map(|listener| {
            let address = listener.local_addr().map(|addr| addr.to_string()).unwrap_or_default();
            tracing::info!(%address, ?unhealthy_after, "serving /metrics and /healthz");
            let endpoint = Arc::new(Endpoint {
                stats: relay.stats(),
                unhealthy_after,
            });
            tokio::spawn(endpoint.serve(listener))
        });
        let summary = relay.run(shutdown).await;
        if let Some(endpoint) = endpoint {
            endpoint.abort();
        }
        Ok(summary)
    }
}
