//! What an s3-concourse invocation carries (and `hookbox concourse explain` reads the same way): S3 event
//! notifications, directly or wrapped in the usual fan-outs.
//!
//! One payload may be
//! - an S3 event (`{"Records": [{"eventSource": "aws:s3", ...}]}`), as S3 invokes the function;
//! - an SNS event whose messages are S3 events (a bucket notifies a topic, the topic the function);
//! - an SQS event whose bodies are S3 events, or SNS notifications of them (a bucket notifies a queue,
//!   directly or through a topic without raw delivery);
//! - an EventBridge "Object Created" event (a bucket with EventBridge notifications on);
//! - the `s3:TestEvent` S3 sends once when a notification is configured, on its own or wrapped.
//!
//! Records are read for the fields matching needs and nothing else, so records from S3-compatible
//! stores and older or newer schema versions, which leave out or add fields, are read all the same.
//! Unlike `aws_lambda_events`' S3 types, which require fields such as `userIdentity` that not every
//! producer writes, a record here only needs its bucket, key and event name.

use serde::Deserialize;
use serde_json::Value;

use crate::s3::decode_key;

/// One thing the payload says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An object was created (`ObjectCreated:*`).
    Created(S3Object),
    /// Any other S3 event (removal, restore, tagging, ...): it makes no new version.
    Other { event: String, object: S3Object },
    /// The `s3:TestEvent` of a newly configured notification.
    Test { bucket: Option<String> },
    /// A record this function cannot read, with why; `record` is a short excerpt of it for the log.
    Unreadable { why: String, record: String },
}

/// A bucket and a decoded key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    pub bucket: String,
    pub key: String,
}

/// The fields of an S3 event record that matching reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct S3Record {
    event_name: String,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    bucket: Named,
    object: Keyed,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Keyed {
    key: String,
}

/// Wrappers nest at most SQS → SNS → S3; deeper means a loop or a payload of another kind.
const MAX_DEPTH: usize = 3;

/// Every notice in `payload`, in order.
pub fn read_notices(payload: &Value) -> Vec<Notice> {
    let mut notices = Vec::new();
    read_payload(payload, 0, &mut notices);
    notices
}

fn read_payload(payload: &Value, depth: usize, out: &mut Vec<Notice>) {
    if depth > MAX_DEPTH {
        return out.push(unreadable("wrapped too deeply", payload));
    }
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        for record in records {
            read_record(record, depth, out);
        }
    } else if payload.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        let bucket = payload.get("Bucket").and_then(Value::as_str).map(str::to_owned);
        out.push(Notice::Test { bucket });
    } else if payload.get("Type").and_then(Value::as_str) == Some("Notification") {
        // An SNS notification as SQS receives it from a topic without raw message delivery.
        read_embedded(payload.get("Message"), depth, out, payload);
    } else if payload.get("source").and_then(Value::as_str) == Some("aws.s3") {
        out.push(read_event_bridge(payload));
    } else {
        out.push(unreadable(
            "neither an S3 event nor an SNS, SQS or EventBridge event carrying one",
            payload,
        ));
    }
}

fn read_record(record: &Value, depth: usize, out: &mut Vec<Notice>) {
    // SNS spells the field `EventSource`, S3 and SQS `eventSource`.
    let source = record
        .get("eventSource")
        .or_else(|| record.get("EventSource"))
        .and_then(Value::as_str);
    match source {
        Some("aws:s3") => out.push(read_s3_record(record)),
        Some("aws:sns") => read_embedded(record.pointer("/Sns/Message"), depth, out, record),
        Some("aws:sqs") => read_embedded(record.get("body"), depth, out, record),
        _ => out.push(unreadable("a record from no source this function reads", record)),
    }
}

/// A message or body that is itself a JSON payload.
fn read_embedded(text: Option<&Value>, depth: usize, out: &mut Vec<Notice>, record: &Value) {
    let Some(text) = text.and_then(Value::as_str) else {
        return out.push(unreadable("the wrapped message is missing", record));
    };
    match serde_json::from_str::<Value>(text) {
        Ok(inner) => read_payload(&inner, depth + 1, out),
        Err(error) => out.push(unreadable(&format!("the wrapped message is not JSON: {error}"), record)),
    }
}

fn read_s3_record(record: &Value) -> Notice {
    let parsed = match S3Record::deserialize(record) {
        Ok(parsed) => parsed,
        Err(error) => return unreadable(&format!("an S3 record without {error}"), record),
    };
    let object = S3Object {
        bucket: parsed.s3.bucket.name,
        key: decode_key(&parsed.s3.object.key),
    };
    // S3 writes `ObjectCreated:Put`; some producers keep the `s3:` prefix of the configuration.
    let event = parsed.event_name.strip_prefix("s3:").unwrap_or(&parsed.event_name);
    if event.starts_with("ObjectCreated:") {
        Notice::Created(object)
    } else {
        Notice::Other {
            event: event.to_owned(),
            object,
        }
    }
}

/// EventBridge writes the key as it is, not URL-encoded.
fn read_event_bridge(event: &Value) -> Notice {
    let detail_type = event.get("detail-type").and_then(Value::as_str).unwrap_or_default();
    let bucket = event.pointer("/detail/bucket/name").and_then(Value::as_str);
    let key = event.pointer("/detail/object/key").and_then(Value::as_str);
    match (bucket, key) {
        (Some(bucket), Some(key)) => {
            let object = S3Object {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            };
            if detail_type == "Object Created" {
                Notice::Created(object)
            } else {
                Notice::Other {
                    event: detail_type.to_owned(),
                    object,
                }
            }
        }
        _ => unreadable(
            "an EventBridge S3 event without detail.bucket.name and detail.object.key",
            event,
        ),
    }
}

fn unreadable(why: &str, record: &Value) -> Notice {
    let text = record.to_string();
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Notice::Unreadable {
        why: why.to_owned(),
        record: text[..end].to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s3_event(event: &str, bucket: &str, key: &str) -> Value {
        json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": event,
            "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}}}]})
    }

    fn created(bucket: &str, key: &str) -> Notice {
        Notice::Created(S3Object {
            bucket: bucket.into(),
            key: key.into(),
        })
    }

    #[test]
    fn direct_sns_sqs_and_sns_in_sqs_events_carry_the_same_object() {
        let direct = s3_event("ObjectCreated:Put", "b", "dir/caf%C3%A9+1.tgz");
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": direct.to_string()}}]});
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m", "body": direct.to_string()}]});
        let notification = json!({"Type": "Notification", "Message": direct.to_string()});
        let sns_in_sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": notification.to_string()}]});
        for payload in [direct, sns, sqs, sns_in_sqs] {
            assert_eq!(read_notices(&payload), [created("b", "dir/café 1.tgz")], "{payload}");
        }
    }

    #[test]
    fn test_events_other_events_and_event_bridge_are_told_apart() {
        let test = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"});
        assert_eq!(
            read_notices(&test),
            [Notice::Test {
                bucket: Some("b".into())
            }]
        );
        let wrapped = json!({"Records": [{"eventSource": "aws:sqs", "body": test.to_string()}]});
        assert_eq!(
            read_notices(&wrapped),
            [Notice::Test {
                bucket: Some("b".into())
            }]
        );
        let removed = read_notices(&s3_event("ObjectRemoved:Delete", "b", "k"));
        assert!(matches!(&removed[..], [Notice::Other { event, .. }] if event == "ObjectRemoved:Delete"));
        assert_eq!(
            read_notices(&s3_event("s3:ObjectCreated:CompleteMultipartUpload", "b", "k")),
            [created("b", "k")]
        );
        let bridge = json!({"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": "b"}, "object": {"key": "a b+c.tgz"}}});
        assert_eq!(read_notices(&bridge), [created("b", "a b+c.tgz")]);
    }

    #[test]
    fn what_cannot_be_read_says_why_and_never_stops_the_rest() {
        let good = s3_event("ObjectCreated:Put", "b", "k")["Records"][0].clone();
        let payload = json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}}},
            {"eventSource": "aws:sqs", "body": "not json"},
            {"eventSource": "aws:sns", "Sns": {}},
            {"eventSource": "aws:kinesis"},
            good
        ]});
        let notices = read_notices(&payload);
        assert_eq!(notices.len(), 5);
        let whys: Vec<&str> = notices
            .iter()
            .filter_map(|notice| match notice {
                Notice::Unreadable { why, .. } => Some(why.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(whys.len(), 4, "{notices:?}");
        assert!(whys[0].contains("object"), "{}", whys[0]);
        assert!(whys[1].contains("not JSON"), "{}", whys[1]);
        assert_eq!(notices[4], created("b", "k"));
        for payload in [json!({"hello": "world"}), json!([1, 2]), json!("text")] {
            assert!(
                matches!(&read_notices(&payload)[..], [Notice::Unreadable { .. }]),
                "{payload}"
            );
        }
    }

    #[test]
    fn wrappers_nest_only_so_deep() {
        let mut payload = s3_event("ObjectCreated:Put", "b", "k");
        for _ in 0..5 {
            payload = json!({"Records": [{"eventSource": "aws:sqs", "body": payload.to_string()}]});
        }
        assert!(matches!(&read_notices(&payload)[..], [Notice::Unreadable { why, .. }] if why.contains("deeply")));
    }
}
