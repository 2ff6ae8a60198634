//! The HTTP side shared by every hookbox function behind API Gateway or a Function URL: reading the
//! gateway's Lambda event into the request it describes, answering in the shape that gateway expects
//! (JSON bodies; the error body and the status codes are in `ARCHITECTURE.md`), and the Lambda adapter
//! around a function's request handler.

pub mod function;
pub mod request;
pub mod response;

pub use function::{HttpFunction, HttpHandler, run};
pub use request::{Gateway, GatewayEvent, IncomingRequest};
pub use response::{GatewayResponse, Reply};
