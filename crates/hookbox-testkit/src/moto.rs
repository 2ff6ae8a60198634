//! A moto server on 127.0.0.1: real SQS and S3 APIs for tests, one fresh server per test.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Command;
use std::time::Duration;

use crate::process::Service;
use crate::{free_port, venv_tool};

/// A running moto server, stopped on drop.
pub struct Moto {
    service: Service,
    address: SocketAddr,
}

impl Moto {
    pub fn start() -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// A server listening on `ip` only: the Docker bridge's gateway, for the containers of `sam local`
    /// (which cannot use the host's network) to reach.
    pub fn start_on(ip: IpAddr) -> Self {
        let address = SocketAddr::new(ip, free_port());
        let mut command = Command::new(venv_tool("moto_server"));
        command.args(["-H", &ip.to_string(), "-p", &address.port().to_string()]);
        let mut service = Service::spawn("moto", command);
        service.wait_for(address, Duration::from_secs(60));
        Self { service, address }
    }

    /// The endpoint URL to give SDKs (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Stops the server, as an outage: requests to it are refused from now on.
    pub fn stop(&mut self) {
        self.service.stop();
    }
}
