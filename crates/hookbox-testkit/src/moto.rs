//! A moto server on 127.0.0.1: real SQS and S3 APIs for tests, one fresh server per test.

use std::process::Command;
use std::time::Duration;

use crate::process::Service;
use crate::{free_port, venv_tool};

/// A running moto server, stopped on drop.
pub struct Moto {
    service: Service,
    port: u16,
}

impl Moto {
    pub fn start() -> Self {
        let port = free_port();
        let mut command = Command::new(venv_tool("moto_server"));
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        let mut service = Service::spawn("moto", command);
        service.wait_for_port(port, Duration::from_secs(60));
        Self { service, port }
    }

    /// The endpoint URL to give SDKs (`AWS_ENDPOINT_URL`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server, as an outage: requests to it are refused from now on.
    pub fn stop(&mut self) {
        self.service.stop();
    }
}
