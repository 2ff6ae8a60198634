//! The HTTP side shared by every hookbox function behind API Gateway or a Function URL: reading the
//! gateway's Lambda event into the request it describes, and answering in the shape that gateway
//! expects, with the JSON error bodies of `shared/DESIGN.md`.

pub mod request;
pub mod response;

pub use request::{Gateway, GatewayEvent, IncomingRequest};
pub use response::{GatewayResponse, Reply};
