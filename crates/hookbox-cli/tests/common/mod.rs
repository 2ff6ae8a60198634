//! What the relay test files share.

use std::process::Command;

use hookbox_testkit::aws::local_aws_env;
use hookbox_testkit::moto::Moto;

/// The `hookbox` binary with nothing of the test's environment but `PATH`, info logs, and the local
/// AWS environment of `moto`; the caller adds the arguments.
pub fn hookbox(moto: &Moto) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookbox"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .envs(local_aws_env(&moto.endpoint()));
    command
}
