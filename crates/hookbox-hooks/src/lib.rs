//! Webhook tokens as a service: a tenant creates a hook for a (datasource, event) pair and gets a secret
//! URL, `/wh/{apiToken}/{token}`, that stores what is posted to it in the mailbox. This crate is the one
//! home of what the management API (`functions/hooks-api`), the delivery route (`functions/enqueue`) and
//! the CLI (`hookbox hooks`) share: the tokens and their hashes ([`token`]), the hook and its stored
//! items ([`hook`]), the `tsField` path ([`ts_path`]), and, with the feature `dynamodb`, the table
//! ([`store`]). `ARCHITECTURE.md` ("Hooks") describes the data model.
//!
//! Nothing here builds an AWS client: the store is handed one.

pub mod hook;
#[cfg(feature = "dynamodb")]
pub mod store;
pub mod token;
pub mod ts_path;

pub use hook::{Hook, HookError, routing_key};
pub use token::{HookSecrets, hash_token};
pub use ts_path::TsPath;
