//! HTTP headers as hookbox keeps them: `(name, value)` pairs in the order the gateway delivered them,
//! repeats kept, names lower-cased by whoever reads them from an event. A map would lose the order and
//! the repeats that a replay must keep; this type adds the one thing every reader needs on top of the
//! pairs, a lookup that ignores the case of the name.

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
}
