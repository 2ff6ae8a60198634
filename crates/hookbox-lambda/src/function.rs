//! The one way a hookbox function runs: logging first, then its cold start, then the runtime's loop.
//! Every function's `main.rs` is a call to [`run`] (or [`run_http`] for a function behind API Gateway
//! or a Function URL), so they all start, fail to start and log alike. An HTTP function only says what
//! it does with a request ([`HttpHandler`]); reading the event and answering in the gateway's shape is
//! written once, here.

use std::future::Future;

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::gateway::{GatewayEvent, GatewayResponse, IncomingRequest, Reply};

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

/// What an HTTP function does with one request.
pub trait HttpHandler {
    /// Answers `request`. `invocation_id` is Lambda's request id: it names the request in the answer
    /// and the logs when the gateway gave it no id of its own.
    fn handle(&self, request: IncomingRequest, invocation_id: &str) -> impl Future<Output = Reply>;
}

/// An [`HttpHandler`] as a Lambda [`Function`]: the event read into a request (one that cannot be read
/// is answered 400, never an invocation error), handled, and the answer put in the shape of the
/// gateway that sent it.
pub struct HttpFunction<H>(pub H);

impl<H: HttpHandler> Function for HttpFunction<H> {
    type Event = GatewayEvent;
    type Response = GatewayResponse;

    async fn invoke(&self, event: LambdaEvent<GatewayEvent>) -> Result<GatewayResponse, lambda_runtime::Error> {
        let (event, context) = event.into_parts();
        let gateway = event.gateway();
        let reply = match IncomingRequest::from_event(event) {
            Ok(request) => self.0.handle(request, &context.request_id).await,
            Err(error) => {
                tracing::warn!(request_id = %context.request_id, %error, "malformed event body");
                Reply::error(400, error.to_string(), &context.request_id)
            }
        };
        Ok(reply.into_gateway_response(gateway))
    }
}

/// [`run`] for an HTTP function built by `start` (its cold start).
pub async fn run_http<H, E>(start: impl Future<Output = Result<H, E>>) -> Result<(), lambda_runtime::Error>
where
    H: HttpHandler,
    E: std::error::Error + Send + Sync + 'static,
{
    run(async { start.await.map(HttpFunction) }).await
}
