//! Media types, read one way everywhere: a `Content-Type` value's essence (`type/subtype`, without
//! parameters, lower-cased), and allow-lists read as users expect: parameters (`; charset=utf-8`) and
//! case do not matter, `application/json` also admits structured `+json` types such as
//! `application/vnd.github+json`, and `text/*` admits every text type.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
