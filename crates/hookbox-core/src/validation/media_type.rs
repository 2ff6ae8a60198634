//! Content-type allow-lists, read as users expect: parameters (`; charset=utf-8`) and case do not
//! matter, `application/json` also admits structured `+json` types such as
//! `application/vnd.github+json`, and `text/*` admits every text type.

/// One allow-list entry, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRange {
    kind: String,
    /// `*` for any subtype.
    subtype: String,
}

impl MediaRange {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, subtype) =
            essence(text).ok_or_else(|| format!("{text:?} is not a media type like application/json"))?;
        if kind == "*" && subtype != "*" {
            return Err(format!("{text:?}: a wildcard type needs a wildcard subtype"));
        }
        Ok(Self { kind, subtype })
    }

    /// Whether a request's `Content-Type` value is admitted.
    pub fn admits(&self, content_type: &str) -> bool {
        let Some((kind, subtype)) = essence(content_type) else {
            return false;
        };
        if self.kind != "*" && self.kind != kind {
            return false;
        }
        self.subtype == "*"
            || self.subtype == subtype
            || subtype
                .rsplit_once('+')
                .is_some_and(|(_, suffix)| suffix == self.subtype && !suffix.is_empty())
    }
}

/// `type/subtype` without parameters, lower-cased.
fn essence(text: &str) -> Option<(String, String)> {
    let essence = text.split(';').next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = essence.split_once('/')?;
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+*".contains(&b))
    };
    (token(kind) && token(subtype)).then(|| (kind.to_owned(), subtype.to_owned()))
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
}
