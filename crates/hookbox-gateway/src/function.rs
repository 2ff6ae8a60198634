//! An HTTP function: the Lambda side of every hookbox function behind API Gateway or a Function URL,
//! written once. The function itself only says what it does with a request ([`HttpHandler`]).

use std::future::Future;

use hookbox_lambda::Function;
use lambda_runtime::LambdaEvent;

use crate::request::{GatewayEvent, IncomingRequest};
use crate::response::{GatewayResponse, Reply};

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

/// Runs an HTTP function built by `start` (its cold start) with [`hookbox_lambda::run`].
pub async fn run<H, E>(start: impl Future<Output = Result<H, E>>) -> Result<(), lambda_runtime::Error>
where
    H: HttpHandler,
    E: std::error::Error + Send + Sync + 'static,
{
    hookbox_lambda::run(async { start.await.map(HttpFunction) }).await
}
