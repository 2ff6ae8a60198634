//! The one way a hookbox function runs: logging first, then its cold start, then the runtime's loop.
//! Every function's `main.rs` is a call to [`run`] (or [`run_http`] for a function behind API Gateway
//! or a Function URL), so they all start, fail to start and log alike. An HTTP function only says what
//! it does with a request ([`HttpHandler`]); reading the event and answering in the gateway's shape is
//! written once, here.

use std::future::Future;

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use serde_json::value::RawValue;

use crate::gateway::{EventError, Gateway, GatewayEvent, GatewayResponse, IncomingRequest, MalformedEvent, Reply};

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

/// Installs the JSON log subscriber, checks that TLS can work (the system has CA certificates), runs
/// `start` (the cold start: configuration, secrets, clients, built once), then hands every invocation
/// to the function it built. A cold start that fails is logged as one error line, reported to the
/// Runtime API and ends the process with status 1, so that Lambda does not keep a half-configured
/// function and the caller hears of it at once.
pub async fn run<F, E>(start: impl Future<Output = Result<F, E>>) -> Result<(), lambda_runtime::Error>
where
    F: Function,
    E: std::error::Error + Send + Sync + 'static,
{
    crate::init_tracing();
    if let Err(error) = crate::trust_store::check() {
        crate::init_error::exit_with(&error).await;
    }
    let function = match start.await {
        Ok(function) => function,
        Err(error) => crate::init_error::exit_with(&error).await,
    };
    let function = &function;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<F::Event>| function.invoke(event))).await
}

/// What an HTTP function does with one request.
pub trait HttpHandler {
    /// Answers `request`. `invocation_id` is Lambda's request id: it names the request in the answer
    /// and the logs when the gateway gave it no id of its own.
    fn handle(&self, request: IncomingRequest, invocation_id: &str) -> impl Future<Output = Reply>;
}

/// An [`HttpHandler`] as a Lambda [`Function`]: the event read into a request, handled, and the answer
/// put in the shape of the gateway that sent it. It takes the event as raw JSON and reads the shape
/// itself, so that an event it cannot read is answered 400 naming the field (logged at WARN), never an
/// invocation error, which a gateway turns into a bare 502. Only JSON that is no object at all fails
/// the invocation: no gateway sent it (and JSON that does not parse fails in the runtime, before this).
pub struct HttpFunction<H>(pub H);

impl<H: HttpHandler> Function for HttpFunction<H> {
    type Event = Box<RawValue>;
    type Response = GatewayResponse;

    async fn invoke(&self, event: LambdaEvent<Box<RawValue>>) -> Result<GatewayResponse, lambda_runtime::Error> {
        let (json, context) = event.into_parts();
        let request_id = context.request_id.as_str();
        let event = match GatewayEvent::from_json(json.get()) {
            Ok(event) => event,
            Err(EventError::Malformed { gateway, error }) => return Ok(malformed(gateway, &error, request_id)),
            Err(error @ EventError::NotAnObject) => return Err(error.into()),
        };
        let gateway = event.gateway();
        let reply = match IncomingRequest::from_event(event) {
            Ok(request) => self.0.handle(request, request_id).await,
            Err(error) => return Ok(malformed(gateway, &error, request_id)),
        };
        Ok(reply.into_gateway_response(gateway))
    }
}

/// The 400 of an event that cannot be read, logged at WARN.
fn malformed(gateway: Gateway, error: &MalformedEvent, request_id: &str) -> GatewayResponse {
    tracing::warn!(request_id, %error, "malformed event");
    Reply::error(400, error.to_string(), request_id).into_gateway_response(gateway)
}

/// [`run`] for an HTTP function built by `start` (its cold start).
pub async fn run_http<H, E>(start: impl Future<Output = Result<H, E>>) -> Result<(), lambda_runtime::Error>
where
    H: HttpHandler,
    E: std::error::Error + Send + Sync + 'static,
{
    run(async { start.await.map(HttpFunction) }).await
}
