//! What the tests of `hookbox concourse-config` share: running the real binary.

use std::process::Output;

use hookbox_testkit::hookbox_cli::Hookbox;

/// Runs `hookbox concourse-config` with `args` and nothing of the test's environment but `PATH`,
/// info logs and `env`; fails the test when it takes more than a minute.
pub fn generate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut all = vec!["concourse-config", "--timeout", "5s"];
    all.extend_from_slice(args);
    Hookbox::at(env!("CARGO_BIN_EXE_hookbox")).run(&all, env, &[])
}

/// A stream as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
