//! Route paths: an exact path, a prefix written with a trailing `*`, and at most one `{token}` segment
//! that matches one path segment and hands it to token validation (`/hooks/{token}`).

use crate::routes::InvalidValue;

/// `InvalidValue` with a formatted message.
macro_rules! invalid {
    ($($arg:tt)*) => {
        InvalidValue(format!($($arg)*))
    };
}
pub(crate) use invalid;

/// The placeholder of a token segment.
pub const TOKEN_PLACEHOLDER: &str = "{token}";

/// A parsed route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    /// The text before `{token}` (or all of it when there is none).
    head: String,
    /// The text after `{token}`, when there is one.
    tail: Option<String>,
    /// Whether the path may go on after the pattern (a trailing `*`).
    open_end: bool,
}

/// Where a `{token}` segment was found in a request path.
pub type TokenSpan = std::ops::Range<usize>;

impl PathPattern {
    /// Every path (`/*`).
    pub fn everything() -> Self {
        Self {
            head: "/".to_owned(),
            tail: None,
            open_end: true,
        }
    }

    pub fn parse(path: &str) -> Result<Self, InvalidValue> {
        if !path.starts_with('/') {
            return Err(invalid!("{path:?} must start with '/'"));
        }
        let (body, open_end) = match path.strip_suffix('*') {
            Some(body) => (body, true),
            None => (path, false),
        };
        if body.contains('*') {
            return Err(invalid!("{path:?}: '*' may only end a path (a prefix match)"));
        }
        let (head, tail) = match body.split_once(TOKEN_PLACEHOLDER) {
            None => (body.to_owned(), None),
            Some((head, tail)) => {
                if !head.ends_with('/') || !(tail.is_empty() || tail.starts_with('/')) {
                    return Err(invalid!("{path:?}: {TOKEN_PLACEHOLDER} must be a whole path segment"));
                }
                if tail.contains(TOKEN_PLACEHOLDER) {
                    return Err(invalid!("{path:?}: only one {TOKEN_PLACEHOLDER} segment is allowed"));
                }
                (head.to_owned(), Some(tail.to_owned()))
            }
        };
        if head.contains(['{', '}']) || tail.as_deref().is_some_and(|tail| tail.contains(['{', '}'])) {
            return Err(invalid!("{path:?}: the only placeholder is {TOKEN_PLACEHOLDER}"));
        }
        Ok(Self { head, tail, open_end })
    }

    pub fn has_token(&self) -> bool {
        self.tail.is_some()
    }

    /// Whether `path` matches, and where its token segment is.
    pub fn matches(&self, path: &str) -> Option<Option<TokenSpan>> {
        let rest = path.strip_prefix(self.head.as_str())?;
        let Some(tail) = &self.tail else {
            return (self.open_end || rest.is_empty()).then_some(None);
        };
        let token_len = rest.find('/').unwrap_or(rest.len());
        if token_len == 0 {
            return None;
        }
        let after = rest[token_len..].strip_prefix(tail.as_str())?;
        (self.open_end || after.is_empty()).then_some(Some(self.head.len()..self.head.len() + token_len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_of(pattern: &str, path: &str) -> Option<Option<String>> {
        let pattern = PathPattern::parse(pattern).unwrap();
        pattern.matches(path).map(|span| span.map(|span| path[span].to_owned()))
    }

    #[test]
    fn exact_and_prefix_paths() {
        assert_eq!(token_of("/hooks/github", "/hooks/github"), Some(None));
        assert_eq!(token_of("/hooks/github", "/hooks/github/"), None);
        assert_eq!(token_of("/hooks/*", "/hooks/"), Some(None));
        assert_eq!(token_of("/hooks/*", "/hooks/a/b"), Some(None));
        assert_eq!(token_of("/hooks/*", "/hooks"), None);
        assert_eq!(token_of("/*", "/anything"), Some(None));
        assert_eq!(PathPattern::everything().matches("/x"), Some(None));
    }

    #[test]
    fn token_segments_match_one_non_empty_segment() {
        assert_eq!(token_of("/hooks/{token}", "/hooks/s3cr3t"), Some(Some("s3cr3t".into())));
        assert_eq!(token_of("/hooks/{token}", "/hooks/"), None);
        assert_eq!(token_of("/hooks/{token}", "/hooks/a/b"), None);
        assert_eq!(
            token_of("/hooks/{token}/build", "/hooks/t/build"),
            Some(Some("t".into()))
        );
        assert_eq!(token_of("/hooks/{token}/build", "/hooks/t/deploy"), None);
        assert_eq!(token_of("/hooks/{token}/*", "/hooks/t/job/1"), Some(Some("t".into())));
        assert_eq!(token_of("/hooks/{token}/*", "/hooks/t"), None);
    }

    #[test]
    fn bad_patterns_say_why() {
        for bad in [
            "hooks",
            "/a*/b",
            "/a/x{token}",
            "/a/{token}x",
            "/{token}/{token}",
            "/a/{id}",
        ] {
            assert!(PathPattern::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
