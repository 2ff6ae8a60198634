//! Real local stand-ins for integration tests: a moto server for SQS and S3, the `cargo lambda`
//! runtime emulator, the function binaries running under it, and a fake Concourse ATC. Nothing here mocks AWS: the tests
//! talk to real servers on 127.0.0.1, and every wait is bounded.
//!
//! The Python tools come from the project's venv (`scripts/setup` makes it at `.venv`; set
//! `HOOKBOX_VENV` to use another).

pub mod aws;
pub mod fake_atc;
pub mod lambda;
pub mod moto;
pub mod process;

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
    let venv = std::env::var_os("HOOKBOX_VENV")
        .map_or_else(|| workspace_root().join(".venv"), PathBuf::from);
    let tool = venv.join("bin").join(name);
    assert!(
        tool.is_file(),
        "{} is missing: run scripts/setup first",
        tool.display()
    );
    tool
}

/// A port that was free a moment ago. Servers that cannot take port 0 themselves get one of these;
/// the tiny race with another process is acceptable on a test machine.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("the loopback interface has free ports")
        .port()
}
