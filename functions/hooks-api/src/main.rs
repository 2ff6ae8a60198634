//! The hooks-api Lambda: the management API of webhook tokens, built once at cold start, behind the
//! shared HTTP adapter.

use hooks_api::HooksApi;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hookbox_lambda::run_http(HooksApi::from_env()).await
}
