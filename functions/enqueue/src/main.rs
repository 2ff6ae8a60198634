//! The enqueue Lambda: the mailbox, built once at cold start, behind the shared HTTP adapter.

use enqueue::Mailbox;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    hookbox_lambda::run_http(Mailbox::from_env()).await
}
