//! What GitHub adds to a delivery beyond the signature and the payload, which are read the same way as
//! for the mailbox's routes (`hookbox_core::signature`, `hookbox_core::payload`): the event's name.

use hookbox_core::Headers;
use hookbox_core::payload::PayloadError;

/// Why a delivery cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the X-GitHub-Event header is missing")]
    MissingEvent,
    #[error(transparent)]
    Payload(#[from] PayloadError),
}

/// The `X-GitHub-Event` of the delivery.
pub fn event_name(headers: &Headers) -> Result<&str, DeliveryError> {
    headers
        .get("x-github-event")
        .map(str::trim)
        .filter(|event| !event.is_empty())
        .ok_or(DeliveryError::MissingEvent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_comes_from_its_header() {
        let headers: Headers = vec![("x-github-event".to_owned(), " push ".to_owned())].into();
        assert_eq!(event_name(&headers), Ok("push"));
        let json: Headers = vec![("content-type".to_owned(), "application/json".to_owned())].into();
        assert_eq!(event_name(&json), Err(DeliveryError::MissingEvent));
    }
}
