//! `hookbox dlq list`: one table row per dead letter, so a person sees what failed before deciding to
//! show, redrive or purge it.

use std::io::Write;

use hookbox_core::envelope::BodySource;

use crate::dlq::error::DlqError;
use crate::dlq::queue::{DeadLetter, DeadLetterQueue};
use crate::dlq::text::printable;

const HEADER: [&str; 7] = ["ID", "ROUTE", "METHOD", "PATH", "RECEIVED", "RECEIVES", "SIZE"];

/// Prints the table of up to `max` messages to `out`, and returns how many there were.
pub async fn list(queue: &DeadLetterQueue, max: usize, out: &mut impl Write) -> Result<usize, DlqError> {
    let mut scan = queue.scan(max);
    let mut rows = Vec::new();
    let result = loop {
        match scan.next_batch().await {
            Ok(batch) if batch.is_empty() => break Ok(()),
            Ok(batch) => rows.extend(batch.iter().map(row)),
            Err(error) => break Err(error),
        }
    };
    scan.release().await;
    result?;
    write_table(out, &rows).map_err(|error| DlqError::io("cannot write the table", error))?;
    Ok(rows.len())
}

/// A message's cells. A body that is no envelope has only its id, receive count and size.
fn row(letter: &DeadLetter) -> [String; 7] {
    let receives = letter
        .receive_count
        .map_or_else(|| "-".to_owned(), |count| count.to_string());
    let dash = || "-".to_owned();
    match letter.envelope() {
        Ok(envelope) => {
            let size = match envelope.body_source() {
                Ok(BodySource::Empty) => "0".to_owned(),
                Ok(BodySource::Inline(bytes)) => bytes.len().to_string(),
                Ok(BodySource::S3(object)) => format!("{} (S3)", object.size),
                Err(_) => "?".to_owned(),
            };
            [
                printable(&letter.message_id),
                printable(&envelope.route),
                printable(&envelope.method),
                printable(&envelope.path),
                printable(&envelope.received_at),
                receives,
                size,
            ]
        }
        Err(_) => [
            printable(&letter.message_id),
            "(not an envelope)".to_owned(),
            dash(),
            dash(),
            dash(),
            receives,
            letter.body.len().to_string(),
        ],
    }
}

/// Left-aligned columns two spaces apart, the header first.
fn write_table(out: &mut impl Write, rows: &[[String; 7]]) -> std::io::Result<()> {
    let mut widths = HEADER.map(|title| title.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_owned);
    for cells in std::iter::once(&header).chain(rows) {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dlq::fixtures::github_post;
    use hookbox_core::BodyObject;

    fn letter(body: String) -> DeadLetter {
        DeadLetter {
            message_id: "m-1".into(),
            receipt_handle: "h".into(),
            receive_count: Some(11),
            body,
            attributes: Default::default(),
            group_id: None,
        }
    }

    #[test]
    fn a_row_shows_the_request_and_its_body_size_wherever_the_body_is() {
        let mut inline = github_post();
        inline.set_inline_body(&[0xff, 0, 1]);
        assert_eq!(
            row(&letter(inline.to_json())),
            [
                "m-1",
                "github",
                "POST",
                "/hooks/github",
                "2026-11-23T12:00:00.000Z",
                "11",
                "3"
            ]
        );
        let mut claimed = github_post();
        claimed.set_body_object(BodyObject {
            bucket: "b".into(),
            key: "k".into(),
            size: 300_000,
            sha256: "00".into(),
        });
        assert_eq!(row(&letter(claimed.to_json()))[6], "300000 (S3)");
        assert_eq!(row(&letter(github_post().to_json()))[6], "0");
    }

    #[test]
    fn a_message_that_is_no_envelope_still_has_a_row_and_control_characters_are_escaped() {
        assert_eq!(
            row(&letter("garbage".into())),
            ["m-1", "(not an envelope)", "-", "-", "-", "11", "7"]
        );
        let mut hostile = github_post();
        hostile.path = "/a\u{1b}[2J".into();
        assert_eq!(row(&letter(hostile.to_json()))[3], "/a\\u{1b}[2J");
    }

    #[test]
    fn columns_line_up_under_the_header() {
        let mut out = Vec::new();
        let rows = [[
            "a".to_owned(),
            "bb".into(),
            "c".into(),
            "d".into(),
            "e".into(),
            "f".into(),
            "g".into(),
        ]];
        write_table(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID  ROUTE  METHOD  PATH  RECEIVED  RECEIVES  SIZE\n\
             a   bb     c       d     e         f         g\n"
        );
    }
}
