//! The hookbox command line. Each subcommand lives in its own module, and what both read from the command
//! line (durations) in one of its own; `main.rs` only parses arguments, sets up logging and hands over.

pub mod concourse_config;
pub mod dlq;
pub mod duration;
pub mod relay;
