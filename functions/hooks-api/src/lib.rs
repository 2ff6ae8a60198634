//! Webhook tokens as a service, the management half: `POST /wh/config` creates or updates a tenant's
//! hook, `GET /wh/config` lists them, `GET`, `HEAD` and `DELETE /wh/config/{token}` show, probe and
//! revoke one. The gateway authenticates the caller (AWS_IAM or a JWT authorizer); [`tenant`] turns
//! what it established into the tenant id every hook belongs to. Deliveries are enqueue's
//! (`POST /wh/{apiToken}/{token}`); the shared model is `hookbox_hooks`.
//!
//! `main.rs` only starts the runtime; everything here is testable without AWS.

pub mod api;
pub mod metrics;
pub mod startup;
pub mod tenant;
pub mod view;

pub use api::HooksApi;
