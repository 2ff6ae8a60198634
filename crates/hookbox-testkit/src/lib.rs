//! Real local stand-ins for integration tests: a moto server for SQS and S3, the `cargo lambda`
//! runtime emulator, the function binaries running under it, an HTTP target that records what it
//! receives, a fake Concourse ATC with a notifier function in front of it, the `hookbox` command
//! (the generator on the pipeline corpus, and `explain`), readers of the log and metric lines a
//! function writes, a proxy that cuts a process's line to moto after a chosen call, and a TLS front
//! with a CA of its own.
//! Nothing here mocks AWS: the tests talk to real servers on 127.0.0.1 (or, for `sam local`'s
//! containers, on the Docker bridge's gateway), and every wait is bounded.
//!
//! The Python tools come from the project's venv (`scripts/setup` makes it at `.venv`; set
//! `HOOKBOX_VENV` to use another).

pub mod aws;
pub mod cut_proxy;
pub mod fake_atc;
pub mod hookbox_cli;
pub mod lambda;
pub mod logs;
pub mod moto;
pub mod notifier;
pub mod pipelines;
pub mod process;
pub mod target;
mod thread_server;
pub mod tls_front;

use std::net::TcpListener;
use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// A tool from the project's venv, with a clear message when the venv has not been made yet.
pub fn venv_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("HOOKBOX_VENV").map_or_else(|| workspace_root().join(".venv"), PathBuf::from);
    let tool = venv.join("bin").join(name);
    assert!(tool.is_file(), "{} is missing: run scripts/setup first", tool.display());
    tool
}

/// A binary of another workspace package, built now so that it is current: an integration test can
/// only name its own package's binaries (`CARGO_BIN_EXE_*`).
pub fn workspace_binary(package: &str, binary: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .args(["build", "--quiet", "--package", package, "--bin", binary])
        .current_dir(workspace_root());
    // Without the variables cargo sets for the running test: build scripts that watch one (ring's
    // watches CARGO_MANIFEST_DIR) would otherwise rebuild on every run, here and again in the shell.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if is_test_variable(&name) {
            command.env_remove(&*name);
        }
    }
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build --bin {binary} failed");
    // Tests run from <target>/<profile>/deps; the binaries are in <target>/<profile>.
    let test = std::env::current_exe().expect("the test knows its path");
    let path = test
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from a target directory")
        .join(binary);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Whether cargo sets the variable `name` for the test binary it runs (and not for itself).
fn is_test_variable(name: &str) -> bool {
    ["CARGO_PKG_", "CARGO_BIN_EXE_", "CARGO_MANIFEST_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || [
            "CARGO_CRATE_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_CURRENT_DIR",
        ]
        .contains(&name)
}

/// A port that was free a moment ago. Servers that cannot take port 0 themselves get one of these;
/// the tiny race with another process is acceptable on a test machine.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("the loopback interface has free ports")
        .port()
}

/// Waits until `done` holds, polling every 200 ms, and fails the test with `what` after `limit`.
pub async fn wait_until(limit: std::time::Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A temporary directory for files a test hands to a process (a routes or config file), removed on
/// drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "hookbox-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("the temp dir is writable");
        Self(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
