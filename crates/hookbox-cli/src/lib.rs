//! The hookbox command line. Each subcommand lives in its own module; `main.rs` only parses arguments,
//! sets up logging and hands over.

pub mod concourse_config;
pub mod relay;
