//! The request envelope: one JSON object per SQS message that records a whole HTTP request, so that a
//! relay can replay it later. Its fields and the rules for reading it are in `ARCHITECTURE.md`, "The
//! request envelope".

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::http::Headers;

/// The envelope version this crate writes. Consumers check it first so the format can evolve.
pub const ENVELOPE_VERSION: u32 = 1;

/// A captured HTTP request. Field order is the wire order: `v` comes first so that a consumer can
/// decide how to read the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    /// The gateway's request id, or a generated UUID when the event has none.
    pub id: String,
    /// RFC 3339 UTC time at which the function received the request.
    pub received_at: String,
    /// Name of the configured route that accepted the request.
    pub route: String,
    pub method: String,
    /// The raw path as received, without an API Gateway stage prefix.
    pub path: String,
    /// Query parameters in order, repeats kept, values decoded.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased; repeats and order kept as far as the gateway delivers them.
    pub headers: Headers,
    pub source_ip: Option<String>,
    /// The body when it is valid UTF-8.
    pub body: Option<String>,
    /// The body when it is not valid UTF-8.
    pub body_base64: Option<String>,
    /// Where the body is when it was too large to travel inside the message (claim check).
    pub body_s3: Option<BodyObject>,
}

/// A body stored in S3 instead of the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyObject {
    pub bucket: String,
    pub key: String,
    /// Size of the body in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the body, so a reader can prove it fetched the right bytes.
    pub sha256: String,
}

/// Where an envelope's body bytes are.
#[derive(Debug, PartialEq, Eq)]
pub enum BodySource<'a> {
    /// No body was received.
    Empty,
    /// The bytes travel inside the envelope.
    Inline(Vec<u8>),
    /// The bytes must be fetched from S3.
    S3(&'a BodyObject),
}

/// Why an envelope cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the message is not a hookbox envelope: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("envelope version {0} is not supported (this build reads version {ENVELOPE_VERSION})")]
    UnsupportedVersion(u32),
    #[error("body_base64 is not valid base64: {0}")]
    BadBase64(#[from] base64::DecodeError),
    #[error("the envelope sets more than one of body, body_base64 and body_s3")]
    AmbiguousBody,
}

impl Envelope {
    /// The envelope of a `method` request to `path` that `route` accepted: named `id`, received at
    /// `received_at` (RFC 3339), with no query, headers, source or body yet.
    pub fn new(id: String, received_at: String, route: String, method: String, path: String) -> Self {
        Self {
            v: ENVELOPE_VERSION,
            id,
            received_at,
            route,
            method,
            path,
            query: Vec::new(),
            headers: Headers::default(),
            source_ip: None,
            body: None,
            body_base64: None,
            body_s3: None,
        }
    }

    /// Puts `bytes` inside the envelope: as text when they are UTF-8, as base64 otherwise, and as
    /// neither when there are none. Clears any claim check.
    pub fn set_inline_body(&mut self, bytes: &[u8]) {
        self.body_s3 = None;
        (self.body, self.body_base64) = match std::str::from_utf8(bytes) {
            _ if bytes.is_empty() => (None, None),
            Ok(text) => (Some(text.to_owned()), None),
            Err(_) => (None, Some(BASE64.encode(bytes))),
        };
    }

    /// Replaces an inline body by a claim check.
    pub fn set_body_object(&mut self, object: BodyObject) {
        self.body = None;
        self.body_base64 = None;
        self.body_s3 = Some(object);
    }

    /// Reads an envelope from a message body, refusing versions this build does not know.
    pub fn from_json(text: &str) -> Result<Self, EnvelopeError> {
        let envelope: Envelope = serde_json::from_str(text)?;
        if envelope.v != ENVELOPE_VERSION {
            return Err(EnvelopeError::UnsupportedVersion(envelope.v));
        }
        Ok(envelope)
    }

    /// Where the body bytes are, decoded when they travel inline.
    pub fn body_source(&self) -> Result<BodySource<'_>, EnvelopeError> {
        match (&self.body, &self.body_base64, &self.body_s3) {
            (None, None, None) => Ok(BodySource::Empty),
            (Some(text), None, None) => Ok(BodySource::Inline(text.as_bytes().to_vec())),
            (None, Some(encoded), None) => Ok(BodySource::Inline(BASE64.decode(encoded)?)),
            (None, None, Some(object)) => Ok(BodySource::S3(object)),
            _ => Err(EnvelopeError::AmbiguousBody),
        }
    }

    /// The envelope as its wire JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an envelope is always representable as JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        let mut envelope = Envelope::new(
            "req-1".into(),
            "2026-11-23T12:00:00Z".into(),
            "github".into(),
            "POST".into(),
            "/hooks/github".into(),
        );
        envelope.query = vec![("a".into(), "1".into()), ("a".into(), "2".into())];
        envelope.headers = vec![("x-github-event".into(), "push".into())].into();
        envelope.source_ip = Some("192.0.2.1".into());
        envelope
    }

    #[test]
    fn wire_format_starts_with_version_and_keeps_pairs_as_arrays() {
        let mut envelope = sample();
        envelope.set_inline_body(b"{}");
        let json = envelope.to_json();
        assert!(json.starts_with(r#"{"v":1,"id":"req-1""#), "{json}");
        assert!(json.contains(r#""query":[["a","1"],["a","2"]]"#), "{json}");
        assert!(
            json.contains(r#""body":"{}","body_base64":null,"body_s3":null"#),
            "{json}"
        );
    }

    #[test]
    fn utf8_body_travels_as_text_and_round_trips() {
        let mut envelope = sample();
        envelope.set_inline_body("héllo".as_bytes());
        assert_eq!(envelope.body.as_deref(), Some("héllo"));
        assert_eq!(envelope.body_base64, None);
        let read = Envelope::from_json(&envelope.to_json()).unwrap();
        assert_eq!(
            read.body_source().unwrap(),
            BodySource::Inline("héllo".as_bytes().to_vec())
        );
    }

    #[test]
    fn binary_body_travels_as_base64_and_round_trips() {
        let bytes = vec![0xff, 0x00, 0xc3, 0x28, b'a'];
        let mut envelope = sample();
        envelope.set_inline_body(&bytes);
        assert_eq!(envelope.body, None);
        assert_eq!(envelope.body_base64.as_deref(), Some("/wDDKGE="));
        let read = Envelope::from_json(&envelope.to_json()).unwrap();
        assert_eq!(read.body_source().unwrap(), BodySource::Inline(bytes));
    }

    #[test]
    fn empty_body_sets_neither_field() {
        let mut envelope = sample();
        envelope.set_inline_body(b"");
        assert_eq!(envelope.body_source().unwrap(), BodySource::Empty);
    }

    #[test]
    fn claim_check_replaces_inline_body() {
        let mut envelope = sample();
        envelope.set_inline_body(b"big");
        let object = BodyObject {
            bucket: "b".into(),
            key: "bodies/req-1".into(),
            size: 3,
            sha256: "ab".into(),
        };
        envelope.set_body_object(object.clone());
        assert_eq!(envelope.body, None);
        assert_eq!(envelope.body_source().unwrap(), BodySource::S3(&object));
    }

    #[test]
    fn reader_refuses_unknown_versions_ambiguous_bodies_and_non_json() {
        let mut envelope = sample();
        envelope.v = 2;
        assert!(matches!(
            Envelope::from_json(&envelope.to_json()),
            Err(EnvelopeError::UnsupportedVersion(2))
        ));
        let mut envelope = sample();
        envelope.body = Some("a".into());
        envelope.body_base64 = Some("YQ==".into());
        assert!(matches!(envelope.body_source(), Err(EnvelopeError::AmbiguousBody)));
        assert!(matches!(
            Envelope::from_json("not json"),
            Err(EnvelopeError::NotJson(_))
        ));
    }

    #[test]
    fn header_lookup_ignores_case() {
        assert_eq!(sample().headers.get("X-GitHub-Event"), Some("push"));
        assert_eq!(sample().headers.get("x-missing"), None);
    }
}
