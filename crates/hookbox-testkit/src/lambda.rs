//! The `cargo lambda watch` runtime emulator, and function binaries attached to it, as they run in
//! Lambda: the real binary polls the emulator's Runtime API for events.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::process::Service;
use crate::{free_port, venv_tool, workspace_root};

/// A `cargo lambda watch --only-lambda-apis` emulator on 127.0.0.1: it serves the Runtime API to
/// functions started by the test, the Invoke API, and Function URL emulation under `/lambda-url/`.
pub struct Emulator {
    service: Service,
    port: u16,
}

impl Emulator {
    pub fn start() -> Self {
        let port = free_port();
        let mut command = Command::new(venv_tool("cargo-lambda"));
        command
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "--disable-cors",
                "--invoke-address",
                "127.0.0.1",
            ])
            .args(["--invoke-port", &port.to_string()])
            .current_dir(workspace_root());
        let mut service = Service::spawn("cargo-lambda-watch", command);
        service.wait_for_port(port, Duration::from_secs(60));
        Self { service, port }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL of the emulator.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The URL under which the emulator turns plain HTTP requests into Function URL events for
    /// `function`.
    pub fn function_url(&self, function: &str) -> String {
        format!("{}/lambda-url/{function}", self.url())
    }

    /// Invokes `function` with `event` through the Invoke API, as `cargo lambda invoke` does, and
    /// returns the function's response or its error document.
    pub async fn invoke(
        &self,
        function: &str,
        event: &serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.url());
        let response = reqwest::Client::new()
            .post(url)
            .body(event.to_string())
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("the emulator answers invocations");
        let ok = response.status().is_success();
        let text = response.text().await.expect("the emulator's answer reads");
        let document: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("the emulator answered non-JSON: {text}"));
        if ok { Ok(document) } else { Err(document) }
    }

    /// Invokes the HTTP function `name` (running as `function`) with a gateway event and returns the
    /// status and JSON body of its answer; an invocation that fails outright fails the test, with the
    /// function's logs.
    pub async fn invoke_http(
        &self,
        function: &Function,
        name: &str,
        event: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .invoke(name, event)
            .await
            .unwrap_or_else(|error| panic!("the invocation failed: {error}\n{}", function.logs()));
        let status = response["statusCode"].as_u64().expect("a status code") as u16;
        let body = serde_json::from_str(response["body"].as_str().expect("a body")).expect("a JSON body");
        (status, body)
    }

    /// Runs `cargo lambda invoke --data-file` (the command the README shows users) and returns its
    /// exit status and output.
    pub fn invoke_cli(&self, function: &str, data_file: &Path) -> (bool, String) {
        let output = Command::new(venv_tool("cargo-lambda"))
            .args(["lambda", "invoke", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string()])
            .arg("--data-file")
            .arg(data_file)
            .arg(function)
            .current_dir(workspace_root())
            .output()
            .expect("cargo lambda invoke runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    }

    /// Output of the emulator so far.
    pub fn output(&self) -> String {
        self.service.output()
    }
}

/// A function binary polling an [`Emulator`] for events, killed on drop.
pub struct Function {
    service: Service,
}

impl Function {
    /// Starts `binary` as the function `name`, with the environment Lambda would give it plus `env`.
    pub fn start(emulator: &Emulator, name: &str, binary: &Path, env: &[(String, String)]) -> Self {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{}/.rt/{name}", emulator.port()),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .envs(env.iter().map(|(key, value)| (key, value)));
        Self {
            service: Service::spawn(name, command),
        }
    }

    /// Everything the function has logged so far.
    pub fn logs(&self) -> String {
        self.service.output()
    }

    pub fn is_running(&mut self) -> bool {
        self.service.is_running()
    }

    /// Waits up to `limit` for the process to end (a function that refuses to start); true if it did.
    pub fn exits_within(&mut self, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while self.is_running() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        !self.is_running()
    }
}
