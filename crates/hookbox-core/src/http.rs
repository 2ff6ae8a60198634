//! What an HTTP request carries, read one way everywhere:
//!
//! - [`Headers`]: `(name, value)` pairs in the order the gateway delivered them, repeats kept, names
//!   lower-cased by whoever reads them from an event. A map would lose the order and the repeats that a
//!   replay must keep; this type adds the one thing every reader needs on top of the pairs, a lookup
//!   that ignores the case of the name.
//! - [`MediaType`] and [`MediaRange`]: a `Content-Type` value's essence (`type/subtype`, without
//!   parameters, lower-cased), and allow-lists read as users expect: parameters and case do not matter,
//!   `application/json` also admits structured `+json` types such as `application/vnd.github+json`,
//!   and `text/*` admits every text type.
//! - [`json_payload`]: the JSON document a webhook delivery carries: the body itself, or the `payload`
//!   field of a form delivery (`application/x-www-form-urlencoded`), which GitHub and GitHub-compatible
//!   senders offer beside JSON. The signature always covers the raw body bytes, so this is read only
//!   after it verified.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The headers of one request. On the wire (the envelope) it is an array of `[name, value]` pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// The first value of a header, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a header, in order, by case-insensitive name.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + Clone + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Drops every value of a header, by case-insensitive name.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(key, _)| !key.eq_ignore_ascii_case(name));
    }
}

/// The pairs themselves: iterate, push, index.
impl std::ops::Deref for Headers {
    type Target = Vec<(String, String)>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Headers {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a (String, String);
    type IntoIter = std::slice::Iter<'a, (String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<(String, String)>> for Headers {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self(pairs.into_iter().collect())
    }
}

/// The essence of a media type: `Application/JSON; charset=utf-8` is `application/json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    kind: String,
    subtype: String,
}

impl MediaType {
    /// The essence of a `Content-Type` value, or `None` when it is no `type/subtype`.
    pub fn parse(text: &str) -> Option<Self> {
        let essence = text.split(';').next()?.trim().to_ascii_lowercase();
        let (kind, subtype) = essence.split_once('/')?;
        let token = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+*".contains(&b))
        };
        (token(kind) && token(subtype)).then(|| Self {
            kind: kind.to_owned(),
            subtype: subtype.to_owned(),
        })
    }

    /// `application/json` or a structured `+json` type (`application/vnd.github+json`).
    pub fn is_json(&self) -> bool {
        self.kind == "application" && (self.subtype == "json" || self.subtype.ends_with("+json"))
    }

    /// `application/x-www-form-urlencoded`, as GitHub's form deliveries are sent.
    pub fn is_form(&self) -> bool {
        self.kind == "application" && self.subtype == "x-www-form-urlencoded"
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.subtype)
    }
}

/// One allow-list entry: a media type whose type, subtype or both may be `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRange(MediaType);

/// An allow-list entry that is no media range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaRangeError {
    #[error("{0:?} is not a media type like application/json")]
    NotAMediaType(String),
    #[error("{0:?}: a wildcard type needs a wildcard subtype")]
    WildcardType(String),
}

impl MediaRange {
    pub fn parse(text: &str) -> Result<Self, MediaRangeError> {
        let range = MediaType::parse(text).ok_or_else(|| MediaRangeError::NotAMediaType(text.to_owned()))?;
        if range.kind == "*" && range.subtype != "*" {
            return Err(MediaRangeError::WildcardType(text.to_owned()));
        }
        Ok(Self(range))
    }

    /// Whether a request's `Content-Type` value is admitted.
    pub fn admits(&self, content_type: &str) -> bool {
        let (Self(range), Some(media)) = (self, MediaType::parse(content_type)) else {
            return false;
        };
        if range.kind != "*" && range.kind != media.kind {
            return false;
        }
        range.subtype == "*"
            || range.subtype == media.subtype
            || media
                .subtype
                .rsplit_once('+')
                .is_some_and(|(_, suffix)| suffix == range.subtype && !suffix.is_empty())
    }
}

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

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn lookups_ignore_case_and_keep_order_and_repeats() {
        let mut h = headers(&[("via", "1.1 a"), ("x-github-event", "push"), ("Via", "1.1 b")]);
        assert_eq!(h.get("X-GitHub-Event"), Some("push"));
        assert_eq!(h.get("x-missing"), None);
        assert_eq!(h.get_all("VIA").collect::<Vec<_>>(), ["1.1 a", "1.1 b"]);
        h.remove("via");
        assert_eq!(*h, [("x-github-event".to_owned(), "push".to_owned())]);
    }

    #[test]
    fn the_wire_form_is_an_array_of_pairs() {
        let h = headers(&[("a", "1"), ("a", "2")]);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, r#"[["a","1"],["a","2"]]"#);
        assert_eq!(serde_json::from_str::<Headers>(&json).unwrap(), h);
    }

    #[test]
    fn parameters_case_suffixes_and_wildcards() {
        let json = MediaRange::parse("application/json").unwrap();
        assert!(json.admits("application/json"));
        assert!(json.admits("Application/JSON; charset=utf-8"));
        assert!(json.admits("application/vnd.github+json"));
        assert!(!json.admits("application/x-www-form-urlencoded"));
        assert!(!json.admits("text/json-ish"));
        assert!(!json.admits("application/jsonp"));
        assert!(!json.admits("garbage"));
        assert!(!json.admits(""));

        let text = MediaRange::parse("text/*").unwrap();
        assert!(text.admits("text/plain; charset=us-ascii"));
        assert!(!text.admits("application/json"));
        assert!(MediaRange::parse("*/*").unwrap().admits("image/png"));
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in ["json", "application/", "*/json", "a b/c"] {
            assert!(MediaRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn essences_drop_parameters_and_case_and_know_json_and_forms() {
        let media = MediaType::parse(" Application/X-WWW-Form-Urlencoded ; charset=utf-8").unwrap();
        assert!(media.is_form() && !media.is_json());
        assert_eq!(media.to_string(), "application/x-www-form-urlencoded");
        assert!(MediaType::parse("application/vnd.github+json").unwrap().is_json());
        assert!(!MediaType::parse("text/json").unwrap().is_json());
        assert_eq!(MediaType::parse("garbage"), None);
        assert_eq!(MediaType::parse(""), None);
    }

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
