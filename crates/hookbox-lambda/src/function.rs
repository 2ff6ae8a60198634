//! The one way a hookbox function runs: logging first, then its cold start, then the runtime's loop.
//! Every function's `main.rs` is a call to [`run`], so they all start, fail to start and log alike.

use std::future::Future;

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A Lambda function after its cold start: what it does with one invocation.
pub trait Function {
    /// The event it reads.
    type Event: DeserializeOwned;
    /// What it answers.
    type Response: Serialize;

    /// Handles one invocation. An error fails the invocation (Lambda retries asynchronous events).
    fn invoke(
        &self,
        event: LambdaEvent<Self::Event>,
    ) -> impl Future<Output = Result<Self::Response, lambda_runtime::Error>>;
}

/// Installs the JSON log subscriber, runs `start` (the cold start: configuration, secrets, clients,
/// built once), then hands every invocation to the function it built. A cold start that fails is
/// logged as one error line and returned, so the runtime reports it and Lambda does not keep a
/// half-configured function.
pub async fn run<F, E>(start: impl Future<Output = Result<F, E>>) -> Result<(), lambda_runtime::Error>
where
    F: Function,
    E: std::error::Error + Send + Sync + 'static,
{
    crate::init_tracing();
    let function = start.await.inspect_err(|error| {
        tracing::error!(%error, "cannot start");
    })?;
    let function = &function;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<F::Event>| function.invoke(event))).await
}
