//! The s3-concourse Lambda: the notifier, built once at cold start, run by the shared adapter.

use s3_concourse::Notifier;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hookbox_lambda::run(Notifier::from_env()).await
}
