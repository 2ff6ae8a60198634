//! What goes into SQS besides the envelope: message attributes, FIFO ids, and the size arithmetic
//! that decides whether a body travels inside the message or in the claim-check bucket.

use sha2::{Digest, Sha256};

/// Headers that senders use for a per-delivery id, tried in this order: GitHub, GitLab, Gitea,
/// Bitbucket Cloud.
const DELIVERY_ID_HEADERS: &[&str] = &[
    "x-github-delivery",
    "x-gitlab-event-uuid",
    "x-gitea-delivery",
    "x-request-uuid",
];

/// SQS message attributes of type `String`: `route`, `content-type` and `delivery-id`, so that
/// consumers can filter without parsing the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes(Vec<(String, String)>);

impl Attributes {
    /// The built-in attributes, then the route's own (already checked to be valid names, at most
    /// seven, so the total stays within SQS's ten).
    pub fn new(
        route: &str,
        content_type: Option<&str>,
        delivery_id: Option<&str>,
        custom: &[(String, String)],
    ) -> Self {
        let built_in = [
            ("route", Some(route)),
            ("content-type", content_type),
            ("delivery-id", delivery_id),
        ];
        let custom = custom.iter().map(|(name, value)| (name.as_str(), Some(value.as_str())));
        Self(
            built_in
                .into_iter()
                .chain(custom)
                .filter_map(|(name, value)| Some((name.to_owned(), sqs_text(value?)?)))
                .collect(),
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// What the attributes count towards the message size: SQS adds each name, data type and value.
    pub fn sqs_size(&self) -> usize {
        self.0
            .iter()
            .map(|(name, value)| name.len() + "String".len() + value.len())
            .sum()
    }
}

/// The delivery id a sender put on the request, if it is one we know.
pub fn delivery_id<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<&'a str> {
    DELIVERY_ID_HEADERS
        .iter()
        .find_map(|name| header(name))
        .filter(|id| !id.is_empty())
}

/// SQS accepts only some characters in strings; a value it would refuse is dropped (attributes are a
/// convenience, the envelope keeps everything).
fn sqs_text(value: &str) -> Option<String> {
    let allowed =
        |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    (!value.is_empty() && value.chars().all(allowed)).then(|| value.to_owned())
}

/// A FIFO deduplication id: the delivery id when SQS accepts it as one (at most 128 ASCII letters,
/// digits and punctuation), else its SHA-256 in hex, so that a redelivery is still recognised.
pub fn deduplication_id(id: &str) -> String {
    let acceptable = !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic());
    if acceptable {
        id.to_owned()
    } else {
        hex::encode(Sha256::digest(id.as_bytes()))
    }
}

/// FIFO queues are the ones whose name ends in `.fifo`.
pub fn is_fifo(queue_url: &str) -> bool {
    queue_url.ends_with(".fifo")
}

/// The longest request id kept readable in a claim-check key. S3 refuses keys over 1,024 bytes; ids
/// are far shorter in practice (a gateway's is about 40), so a longer one is hashed instead.
const MAX_ID_IN_KEY: usize = 200;

/// The claim-check object key of a request's body: the route and the request id, readable, with any
/// character S3 or a shell would trip on replaced. An id longer than [`MAX_ID_IN_KEY`] becomes its
/// SHA-256 in hex, so that the key stays within S3's limit and is still the same for the same id.
pub fn body_key(prefix: &str, route: &str, id: &str) -> String {
    if id.len() > MAX_ID_IN_KEY {
        return format!("{prefix}{route}/{}", hex::encode(Sha256::digest(id.as_bytes())));
    }
    let safe_id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}{route}/{safe_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_skip_missing_and_unsendable_values_and_count_like_sqs() {
        let custom = [("routing-key".to_owned(), "event.push".to_owned())];
        let attributes = Attributes::new("github", Some("application/json"), None, &custom);
        let listed: Vec<_> = attributes.iter().collect();
        assert_eq!(
            listed,
            [
                ("route", "github"),
                ("content-type", "application/json"),
                ("routing-key", "event.push")
            ]
        );
        let expected = "route".len() + 6 + 6 + "content-type".len() + 6 + 16 + "routing-key".len() + 6 + 10;
        assert_eq!(attributes.sqs_size(), expected);

        let attributes = Attributes::new("r", Some(""), Some("bad\u{0}id"), &[]);
        assert_eq!(attributes.iter().count(), 1);
    }

    #[test]
    fn delivery_id_comes_from_the_first_known_header() {
        let headers = [("x-gitlab-event-uuid", "gl-1"), ("x-github-delivery", "gh-1")];
        let lookup = |name: &str| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        assert_eq!(delivery_id(lookup), Some("gh-1"));
        assert_eq!(delivery_id(|_| None), None);
    }

    #[test]
    fn deduplication_ids_are_kept_when_valid_and_hashed_otherwise() {
        assert_eq!(
            deduplication_id("72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            "72d3162e-cc78-11e3-81ab-4c9367dc0958"
        );
        let hashed = deduplication_id("has space");
        assert_eq!(hashed.len(), 64);
        assert_eq!(hashed, deduplication_id("has space"));
        assert_eq!(deduplication_id(&"x".repeat(129)).len(), 64);
    }

    #[test]
    fn body_keys_are_safe_and_fifo_queues_are_recognised() {
        assert_eq!(body_key("bodies/", "github", "abc=/1"), "bodies/github/abc=_1");
        assert!(is_fifo("https://sqs.eu-west-1.amazonaws.com/1/q.fifo"));
        assert!(!is_fifo("https://sqs.eu-west-1.amazonaws.com/1/q"));
    }

    #[test]
    fn body_keys_of_long_ids_are_hashed_to_stay_within_s3s_limit() {
        let longest_kept = "a".repeat(MAX_ID_IN_KEY);
        assert_eq!(
            body_key("bodies/", "r", &longest_kept),
            format!("bodies/r/{longest_kept}")
        );
        let huge = "é/".repeat(10_000);
        let key = body_key("bodies/", "github", &huge);
        assert_eq!(
            key,
            format!("bodies/github/{}", hex::encode(Sha256::digest(huge.as_bytes())))
        );
        assert!(key.len() <= 1024, "{}", key.len());
        assert_eq!(key, body_key("bodies/", "github", &huge), "the same id, the same key");
    }
}
