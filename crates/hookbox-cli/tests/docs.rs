//! `hookbox completions` and `hookbox man`: generated from the real command line, so they know every
//! subcommand and option.

use std::process::{Command, Output};

fn hookbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookbox")).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn completions_know_every_subcommand_and_the_relay_options() {
    let bash = stdout(&hookbox(&["completions", "bash"]));
    assert!(bash.contains("complete -F _hookbox"), "{bash}");
    for word in [
        "relay",
        "concourse-config",
        "completions",
        "man",
        "--queue-url",
        "--metrics-addr",
    ] {
        assert!(bash.contains(word), "{word} is not completed");
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&hookbox(&["completions", shell]));
        assert!(script.contains("unhealthy-after"), "{shell}: {script}");
    }
    assert_eq!(hookbox(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_prints_roff_pages_of_the_command_and_each_subcommand() {
    let page = stdout(&hookbox(&["man"]));
    // After clap_mangen's definition of the apostrophe string, the title.
    assert!(page.starts_with(".ie ") && page.contains("\n.TH hookbox 1 "), "{page}");
    assert!(
        page.contains(".SH SUBCOMMANDS") && page.contains("hookbox\\-relay(1)"),
        "{page}"
    );
    let relay = stdout(&hookbox(&["man", "relay"]));
    assert!(relay.contains("\n.TH hookbox-relay 1  \"hookbox 0."), "{relay}");
    assert!(
        relay.contains("\\fB\\-\\-metrics\\-addr\\fR") && relay.contains("Serve GET /metrics"),
        "{relay}"
    );

    let unknown = hookbox(&["man", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    let error = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        error.contains("no subcommand \"nope\"") && error.contains("relay"),
        "{error}"
    );
}
