//! Concourse for the notifier functions: which resources of which pipelines an outside event concerns,
//! and asking the ATC to check them now.
//!
//! - [`config`]: the pipeline configuration baked into a function (ATC, team, auth, resources): the
//!   `concourse.json` model that the generator (`hookbox concourse-config`) writes and the functions
//!   read ([`config::file`]), and its validation with the JSON path of any bad field.
//! - [`kind`], [`auth`], [`vars`]: what the config and the generator both speak of: the resource kinds
//!   matching knows, the ways a function authenticates, Concourse's `((var))` syntax.
//! - [`repo_url`], [`pathspec`], [`push`], [`git`]: matching a GitHub push against git resources.
//! - [`s3`]: matching a new S3 object against s3 and semver resources.
//! - [`client`]: the ATC's check routes, concurrently and with timeouts.

pub mod auth;
pub mod client;
pub mod config;
pub mod git;
pub mod kind;
pub mod pathspec;
pub mod push;
pub mod repo_url;
pub mod s3;
pub mod vars;

pub use auth::AuthMode;
pub use client::{CheckError, CheckTarget, ClientError, ConcourseClient, Credentials, Triggered};
pub use config::{ConcourseConfig, ConfigError, Resource, Source};
pub use git::{GitMatcher, MatchReason, PushMatch};
pub use kind::Kind;
pub use push::PushEvent;
pub use s3::{S3MatchReason, S3Matcher};
