//! The hookbox command line. Each subcommand lives in its own module, and what both read from the command
//! line (durations) in one of its own; `main.rs` only parses arguments, sets up logging and hands over.
//! [`docs`] prints the completions and man pages generated from that command line.

pub mod concourse_config;
pub mod concourse_explain;
pub mod dlq;
pub mod docs;
pub mod duration;
pub mod hooks;
pub mod relay;
