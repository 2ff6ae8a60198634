//! Concourse for the notifier functions: which resources of which pipelines an outside event concerns,
//! and asking the ATC to check them now.
//!
//! - [`config`]: the pipeline configuration baked into a function (ATC, team, auth, resources): the
//!   `concourse.json` model that the generator (`hookbox concourse-config`) writes and the functions
//!   read ([`config::file`]), and its validation with the JSON path of any bad field.
//! - [`kind`], [`auth`], [`vars`]: what the config and the generator both speak of: the resource kinds
//!   matching knows, the ways a function authenticates, Concourse's `((var))` syntax.
//! - [`repo_url`], [`pathspec`], [`tags`], [`ci_skip`], [`push`], [`git`]: matching a GitHub push
//!   against git resources.
//! - [`s3_event`], [`s3`]: reading S3 notifications (direct or wrapped) and matching a new S3 object
//!   against s3 and semver resources.
//! - [`explain`]: for one event, every resource of the config, checked or not, and why: the model of
//!   `hookbox concourse explain`, built on the matchers' own rules.
//! - [`client`]: the ATC's check routes, concurrently and with timeouts.

pub mod auth;
pub mod ci_skip;
pub mod client;
pub mod config;
pub mod explain;
pub mod git;
pub mod kind;
pub mod pathspec;
pub mod push;
pub mod repo_url;
pub mod s3;
pub mod s3_event;
pub mod tags;
pub mod vars;

pub use auth::AuthMode;
pub use client::{CheckError, CheckTarget, ClientError, ConcourseClient, Credentials, Roots, Triggered};
pub use config::{ConcourseConfig, ConfigError, Resource, Source};
pub use explain::Explanation;
pub use git::{GitMatcher, GitVerdict, MatchKind, MatchReason, PushMatch};
pub use kind::Kind;
pub use push::PushEvent;
pub use s3::{S3MatchReason, S3Matcher, S3Verdict};
