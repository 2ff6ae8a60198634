//! The enqueue Lambda: start the runtime with a mailbox built once at cold start.

use enqueue::Mailbox;
use enqueue::request::GatewayEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    hookbox_lambda::init_tracing();
    let mailbox = Mailbox::from_env().await.inspect_err(|error| {
        tracing::error!(%error, "cannot start");
    })?;
    let mailbox = &mailbox;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<GatewayEvent>| {
        mailbox.invoke(event)
    }))
    .await
}
