//! Envelope → HTTP request: what the HTTP target sends for a stored request. The stored method, query
//! and headers go to the target URL, less the headers of one connection and the gateway's own. Pure,
//! so every rule is unit-tested; the body bytes are resolved elsewhere ([`crate::relay::body`]).

use hookbox_core::Envelope;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

/// Headers that describe one connection, not the request; the client sets its own.
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "host",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
];

/// How stored requests become requests to the target.
#[derive(Debug, Clone)]
pub struct ReplayPolicy {
    /// The internal URL; its path replaces the received one unless `append_path` is set, and its own
    /// query (e.g. a `token=`) comes before the stored one.
    pub target: Url,
    pub append_path: bool,
    /// Keep the gateway's `x-forwarded-*` headers (the `x-amzn-*` ones are always dropped).
    pub keep_forwarded: bool,
    /// Headers to set on every request; they replace stored headers of the same name.
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
}

/// A request ready to send, without its body.
#[derive(Debug)]
pub struct Replay {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
}

/// Why a stored request cannot be replayed at all; retrying will not help.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReplayError {
    #[error("{0:?} is not an HTTP method")]
    Method(String),
    #[error("header {0:?} is not a valid HTTP header name")]
    HeaderName(String),
    #[error("the value of header {0:?} is not a valid HTTP header value")]
    HeaderValue(String),
}

impl ReplayPolicy {
    /// The request to send for `envelope`.
    pub fn plan(&self, envelope: &Envelope) -> Result<Replay, ReplayError> {
        let method =
            Method::from_bytes(envelope.method.as_bytes()).map_err(|_| ReplayError::Method(envelope.method.clone()))?;
        let url = self.url(&envelope.path, &envelope.query);
        let mut headers = HeaderMap::new();
        for (name, value) in &envelope.headers {
            if !self.forwards(name) {
                continue;
            }
            let name_parsed =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| ReplayError::HeaderName(name.clone()))?;
            if self.extra_headers.iter().any(|(extra, _)| *extra == name_parsed) {
                continue;
            }
            let value = HeaderValue::from_str(value).map_err(|_| ReplayError::HeaderValue(name.clone()))?;
            headers.append(name_parsed, value);
        }
        for (name, value) in &self.extra_headers {
            headers.append(name.clone(), value.clone());
        }
        Ok(Replay { method, url, headers })
    }

    /// Whether a stored header travels to the target.
    pub fn forwards(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        if HOP_BY_HOP.contains(&name.as_str()) || name.starts_with("x-amzn-") {
            return false;
        }
        self.keep_forwarded || !name.starts_with("x-forwarded-")
    }

    /// The target URL with the stored path (when appending) and query (in order, repeats kept).
    pub fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = self.target.clone();
        if self.append_path {
            let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
            url.set_path(&joined);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(target: &str) -> ReplayPolicy {
        ReplayPolicy {
            target: Url::parse(target).unwrap(),
            append_path: false,
            keep_forwarded: false,
            extra_headers: Vec::new(),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn envelope(headers: &[(&str, &str)]) -> Envelope {
        let mut envelope = crate::relay::test_envelope();
        envelope.query = pairs(&[("job", "a"), ("job", "b c")]);
        envelope.headers = pairs(headers).into();
        envelope
    }

    #[test]
    fn target_path_replaces_the_received_one_by_default() {
        let url = policy("https://jenkins.local/generic-webhook-trigger/invoke").url("/hooks/github", &[]);
        assert_eq!(url.as_str(), "https://jenkins.local/generic-webhook-trigger/invoke");
    }

    #[test]
    fn append_path_joins_without_doubling_the_slash() {
        let mut p = policy("http://ci.local/relay/");
        p.append_path = true;
        assert_eq!(
            p.url("/hooks/github", &[]).as_str(),
            "http://ci.local/relay/hooks/github"
        );
        p.target = Url::parse("http://ci.local").unwrap();
        assert_eq!(p.url("/a/b", &[]).as_str(), "http://ci.local/a/b");
    }

    #[test]
    fn query_keeps_order_and_repeats_after_the_targets_own_and_encodes_values() {
        let url = policy("http://ci.local/invoke?token=secret")
            .url("/x", &pairs(&[("job", "b"), ("job", "a c"), ("q", "☃&=")]));
        assert_eq!(
            url.as_str(),
            "http://ci.local/invoke?token=secret&job=b&job=a+c&q=%E2%98%83%26%3D"
        );
        let decoded: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            decoded,
            pairs(&[("token", "secret"), ("job", "b"), ("job", "a c"), ("q", "☃&=")])
        );
    }

    #[test]
    fn no_query_means_no_question_mark() {
        assert_eq!(policy("http://ci.local/x").url("/y", &[]).as_str(), "http://ci.local/x");
    }

    #[test]
    fn hop_by_hop_and_gateway_headers_are_dropped_and_repeats_kept() {
        let plan = policy("http://ci.local/")
            .plan(&envelope(&[
                ("host", "abc.execute-api.eu-west-1.amazonaws.com"),
                ("content-length", "10"),
                ("connection", "keep-alive"),
                ("transfer-encoding", "chunked"),
                ("keep-alive", "timeout=5"),
                ("upgrade", "h2c"),
                ("x-amzn-trace-id", "Root=1"),
                ("X-Amzn-Other", "y"),
                ("x-forwarded-for", "192.0.2.1"),
                ("via", "1.1 a"),
                ("via", "1.1 b"),
                ("x-hub-signature-256", "sha256=00"),
                ("x-custom", "one,two"),
            ]))
            .unwrap();
        let names: Vec<&str> = plan.headers.keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["via", "x-hub-signature-256", "x-custom"]);
        let via: Vec<_> = plan.headers.get_all("via").iter().collect();
        assert_eq!(via, ["1.1 a", "1.1 b"]);
        assert_eq!(plan.headers["x-custom"], "one,two");
        assert_eq!(plan.method, Method::POST);
        assert_eq!(plan.url.as_str(), "http://ci.local/?job=a&job=b+c");
    }

    #[test]
    fn forwarded_headers_stay_when_asked() {
        let mut p = policy("http://ci.local/");
        p.keep_forwarded = true;
        assert!(p.forwards("x-forwarded-for") && !p.forwards("x-amzn-trace-id"));
    }

    #[test]
    fn extra_headers_replace_stored_ones_of_the_same_name() {
        let mut p = policy("http://ci.local/");
        p.extra_headers = vec![(
            HeaderName::from_static("authorization"),
            HeaderValue::from_static("Bearer internal"),
        )];
        let plan = p
            .plan(&envelope(&[("authorization", "Bearer outside"), ("a", "1")]))
            .unwrap();
        let auth: Vec<_> = plan.headers.get_all("authorization").iter().collect();
        assert_eq!(auth, ["Bearer internal"]);
        assert_eq!(plan.headers["a"], "1");
    }

    #[test]
    fn unreplayable_envelopes_say_why() {
        let mut bad = envelope(&[]);
        bad.method = "GE T".into();
        assert_eq!(
            policy("http://x/").plan(&bad).unwrap_err(),
            ReplayError::Method("GE T".into())
        );
        let bad = envelope(&[("bad name", "x")]);
        assert_eq!(
            policy("http://x/").plan(&bad).unwrap_err(),
            ReplayError::HeaderName("bad name".into())
        );
        let bad = envelope(&[("x-a", "line\nbreak")]);
        assert_eq!(
            policy("http://x/").plan(&bad).unwrap_err(),
            ReplayError::HeaderValue("x-a".into())
        );
    }
}
