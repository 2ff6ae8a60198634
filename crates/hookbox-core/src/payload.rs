//! The JSON document a webhook delivery carries: the body itself, or the `payload` field of a form
//! delivery (`application/x-www-form-urlencoded`), which GitHub and GitHub-compatible senders offer
//! beside JSON. The signature always covers the raw body bytes, so this is read only after it verified.

use std::borrow::Cow;

use crate::media_type::MediaType;

/// Why a delivery carries no JSON document that could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("content type {0:?} is not application/json or application/x-www-form-urlencoded")]
    UnsupportedType(String),
    #[error("the form delivery has no payload field")]
    NoPayloadField,
}

/// The JSON bytes of a delivery with this `Content-Type` (none counts as JSON) and body.
pub fn json_payload<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Cow<'a, [u8]>, PayloadError> {
    let Some(content_type) = content_type.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(Cow::Borrowed(body));
    };
    match MediaType::parse(content_type) {
        Some(media) if media.is_json() => Ok(Cow::Borrowed(body)),
        Some(media) if media.is_form() => form_urlencoded::parse(body)
            .find(|(name, _)| name == "payload")
            .map(|(_, value)| Cow::Owned(value.into_owned().into_bytes()))
            .ok_or(PayloadError::NoPayloadField),
        Some(media) => Err(PayloadError::UnsupportedType(media.to_string())),
        None => Err(PayloadError::UnsupportedType(content_type.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_come_from_json_or_form_bodies() {
        assert_eq!(json_payload(Some("application/json"), b"{}").unwrap(), &b"{}"[..]);
        assert_eq!(json_payload(None, b"{}").unwrap(), &b"{}"[..]);
        assert_eq!(
            json_payload(
                Some("application/x-www-form-urlencoded; charset=utf-8"),
                b"payload=%7B%22a%22%3A+1%7D"
            )
            .unwrap(),
            &br#"{"a": 1}"#[..]
        );
        assert_eq!(
            json_payload(Some("application/x-www-form-urlencoded"), b"x=1"),
            Err(PayloadError::NoPayloadField)
        );
        assert_eq!(
            json_payload(Some("text/xml"), b"<a/>"),
            Err(PayloadError::UnsupportedType("text/xml".into()))
        );
    }
}
