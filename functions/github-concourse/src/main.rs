//! The github-concourse Lambda: the notifier, built once at cold start, behind the shared HTTP adapter.

use github_concourse::Notifier;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hookbox_lambda::run_http(Notifier::from_env()).await
}
