//! `hookbox dlq show ID`: one dead letter in full, its body decoded, so a person can see why it was
//! never delivered. The body is resolved as the relay resolves it ([`BodyResolver`]): decoded from
//! base64, or fetched from the claim-check bucket and checked against its recorded SHA-256.

use std::io::Write;

use aws_sdk_sqs::types::MessageAttributeValue;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbox_core::Envelope;

use crate::dlq::error::DlqError;
use crate::dlq::queue::{DeadLetter, DeadLetterQueue};
use crate::dlq::text::{printable, printable_block};
use crate::relay::body::BodyResolver;

/// Finds the message whose SQS message id or envelope id is `id` among the first `max` messages and
/// prints it to `out`.
pub async fn show(
    queue: &DeadLetterQueue,
    bodies: &BodyResolver,
    id: &str,
    max: usize,
    out: &mut impl Write,
) -> Result<(), DlqError> {
    let mut scan = queue.scan(max);
    let found = loop {
        match scan.next_batch().await {
            Ok(batch) if batch.is_empty() => break Ok(None),
            Ok(batch) => {
                if let Some(letter) = batch.into_iter().find(|letter| is(letter, id)) {
                    break Ok(Some(letter));
                }
            }
            Err(error) => break Err(error),
        }
    };
    let scanned = scan.seen();
    scan.release().await;
    let Some(letter) = found? else {
        return Err(DlqError::NotFound {
            id: id.to_owned(),
            scanned,
            queue: queue.url.clone(),
            more: scanned >= max,
        });
    };
    // A body that cannot be had (a claim-checked object the bucket's lifecycle rule expired, a broken
    // body field) still leaves the rest worth seeing: printed first, then the error.
    let (text, failed) = match letter.envelope() {
        Ok(envelope) => match bodies.resolve(&envelope).await {
            Ok(body) => (render(&letter, Some(&envelope), Ok(&body)), None),
            Err(cause) => {
                let text = render(&letter, Some(&envelope), Err(&cause.to_string()));
                let id = letter.message_id.clone();
                (text, Some(DlqError::Body { id, cause }))
            }
        },
        Err(error) => {
            tracing::warn!(id = %letter.message_id, %error, "the message is not an envelope; showing it as it is");
            (render(&letter, None, Ok(letter.body.as_bytes())), None)
        }
    };
    out.write_all(text.as_bytes())
        .map_err(|error| DlqError::io("cannot write the message", error))?;
    failed.map_or(Ok(()), Err)
}

fn is(letter: &DeadLetter, id: &str) -> bool {
    letter.message_id == id || letter.envelope().is_ok_and(|envelope| envelope.id == id)
}

/// The message's SQS facts, its envelope, then the body: as text when it is UTF-8, else as base64. The
/// envelope's inline body fields are emptied when the body is shown decoded, kept when it cannot be.
fn render(letter: &DeadLetter, envelope: Option<&Envelope>, body: Result<&[u8], &str>) -> String {
    let mut text = format!("message id: {}\n", printable(&letter.message_id));
    if let Some(count) = letter.receive_count {
        text.push_str(&format!("receives: {count}\n"));
    }
    let mut names: Vec<&String> = letter.attributes.keys().collect();
    names.sort();
    for name in names {
        let value = attribute_text(&letter.attributes[name]);
        text.push_str(&format!("attribute {}: {}\n", printable(name), printable(&value)));
    }
    match envelope {
        Some(envelope) => {
            // In its wire order (`v` first), which a JSON value would sort away.
            let mut shown = envelope.clone();
            let heading = if body.is_ok() {
                (shown.body, shown.body_base64) = (None, None);
                "envelope (its body below):"
            } else {
                "envelope:"
            };
            let pretty = serde_json::to_string_pretty(&shown).expect("an envelope is JSON");
            text.push_str(&format!("{heading}\n{}\n", printable_block(&pretty)));
        }
        None => text.push_str("envelope: none, the message body is not a hookbox envelope\n"),
    }
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            text.push_str(&format!("body: cannot be had: {}\n", printable(error)));
            return text;
        }
    };
    match std::str::from_utf8(body) {
        _ if body.is_empty() => text.push_str("body: empty\n"),
        Ok(utf8) => text.push_str(&format!(
            "body ({} bytes, text):\n{}\n",
            body.len(),
            printable_block(utf8)
        )),
        Err(_) => text.push_str(&format!(
            "body ({} bytes, not text, base64):\n{}\n",
            body.len(),
            BASE64.encode(body)
        )),
    }
    text
}

fn attribute_text(value: &MessageAttributeValue) -> String {
    match (value.string_value(), value.binary_value()) {
        (Some(text), _) => text.to_owned(),
        (None, Some(bytes)) => BASE64.encode(bytes.as_ref()),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlq::fixtures::github_post;

    fn letter(body: String) -> DeadLetter {
        let route = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("github")
            .build()
            .unwrap();
        DeadLetter {
            message_id: "m-1".into(),
            receipt_handle: "h".into(),
            receive_count: Some(3),
            body,
            attributes: [("route".to_owned(), route)].into(),
            group_id: None,
        }
    }

    #[test]
    fn the_body_is_shown_once_decoded_and_the_envelope_without_it() {
        let mut envelope = github_post();
        envelope.set_inline_body(b"{\"a\":1}\n\x1b");
        let shown = render(&letter(envelope.to_json()), Some(&envelope), Ok(b"{\"a\":1}\n\x1b"));
        assert!(
            shown.starts_with(
                "message id: m-1\nreceives: 3\nattribute route: github\nenvelope (its body below):\n{\n  \"v\": 1,\n"
            ),
            "{shown}"
        );
        assert!(shown.contains("\"route\": \"github\""), "{shown}");
        assert!(shown.contains("\"body\": null,\n  \"body_base64\": null,"), "{shown}");
        assert!(
            shown.ends_with("body (9 bytes, text):\n{\"a\":1}\n\\u{1b}\n"),
            "{shown}"
        );
        let binary = render(&letter(envelope.to_json()), Some(&envelope), Ok(&[0xff, 0]));
        assert!(
            binary.ends_with("body (2 bytes, not text, base64):\n/wA=\n"),
            "{binary}"
        );
    }

    #[test]
    fn a_message_that_is_no_envelope_is_shown_as_it_is() {
        let shown = render(&letter("garbage".into()), None, Ok(b"garbage"));
        assert!(shown.contains("envelope: none"), "{shown}");
        assert!(shown.ends_with("body (7 bytes, text):\ngarbage\n"), "{shown}");
    }

    #[test]
    fn a_body_that_cannot_be_had_leaves_the_envelope_with_its_body_fields() {
        let mut envelope = github_post();
        envelope.body_base64 = Some("not base64!".into());
        let shown = render(
            &letter(envelope.to_json()),
            Some(&envelope),
            Err("body_base64 is not valid base64"),
        );
        assert!(shown.contains("\"body_base64\": \"not base64!\""), "{shown}");
        assert!(
            shown.ends_with("body: cannot be had: body_base64 is not valid base64\n"),
            "{shown}"
        );
    }
}
