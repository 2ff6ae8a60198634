//! The hooks-api Lambda: the management API of webhook tokens, built once at cold start, behind the
//! shared HTTP adapter.

// The layout of the runtime's future nests the SDK's transaction futures deeper than rustc's default
// query depth (128) allows.
#![recursion_limit = "256"]

use hooks_api::HooksApi;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hookbox_lambda::run_http(HooksApi::from_env()).await
}
