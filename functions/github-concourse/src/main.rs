//! The github-concourse Lambda: start the runtime with a notifier built once at cold start.

use github_concourse::Notifier;
use hookbox_gateway::GatewayEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    hookbox_lambda::init_tracing();
    let notifier = Notifier::from_env().await.inspect_err(|error| {
        tracing::error!(%error, "cannot start");
    })?;
    let notifier = &notifier;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<GatewayEvent>| {
        notifier.invoke(event)
    }))
    .await
}
