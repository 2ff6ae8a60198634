//! The table a run prints at its end (on stderr): one row per git, s3 and semver resource of the
//! pipelines, with how the functions will check it, or why they will not, and what is not exact.
//!
//! ```text
//! PIPELINE  RESOURCE     KIND  CHECKED BY              NOTES
//! api       api-source   git   webhook token ((api))
//! api       no-token     git   ATC credentials
//! deploy    env-repo     git   never matched           source.uri holds ((env-repo-uri)) (pass ...)
//! ```

use hookbox_concourse::config::ResourceEntry;
use hookbox_concourse::pathspec::PathFilter;
use hookbox_concourse::{AuthMode, Kind, vars};

/// One resource's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub pipeline: String,
    pub resource: String,
    /// The kind, with the type name when it is another (`s3 (s3-iam)`).
    pub kind: String,
    pub checked: String,
    pub notes: Vec<String>,
}

/// What `CHECKED BY` says of a resource that is left out of the file.
pub const LEFT_OUT: &str = "left out";
/// ... of a resource of a kind the functions match, but not in this variant.
pub const NOT_MATCHED: &str = "not matched";
/// ... of a resource that is written but that no event can match.
pub const NEVER_MATCHED: &str = "never matched";

impl Row {
    pub fn new(pipeline: &str, resource: &str, kind: String, checked: impl Into<String>) -> Self {
        Self {
            pipeline: pipeline.to_owned(),
            resource: resource.to_owned(),
            kind,
            checked: checked.into(),
            notes: Vec::new(),
        }
    }
}

/// `kind`, or `kind (type)` when the pipeline names the type otherwise.
pub fn kind_label(kind: Kind, type_name: &str) -> String {
    if kind.name() == type_name {
        type_name.to_owned()
    } else {
        format!("{} ({type_name})", kind.name())
    }
}

/// How the functions check `entry` when the file's auth is `auth`.
pub fn checked_by(entry: &ResourceEntry, auth: AuthMode) -> String {
    match entry.webhook_token.as_deref() {
        Some(token) => match vars::whole(token) {
            Some(name) => format!("webhook token (({name}))"),
            None => "webhook token (literal)".to_owned(),
        },
        None => match auth {
            AuthMode::Bearer => "ATC token".to_owned(),
            AuthMode::Password => "password login".to_owned(),
            AuthMode::Atc => "ATC credentials".to_owned(),
            // The file's validation refuses this; the generator never writes it.
            AuthMode::WebhookToken => LEFT_OUT.to_owned(),
        },
    }
}

/// What the path filter of a git entry cannot decide from a push alone.
pub fn path_caveats(entry: &ResourceEntry) -> Vec<String> {
    PathFilter::new(&entry.source.paths, &entry.source.ignore_paths)
        .caveats()
        .iter()
        .map(|caveat| format!("matched conservatively: {caveat}"))
        .collect()
}

/// The table: a header, then each row with its first note; further notes on lines of their own.
pub fn render(rows: &[Row]) -> String {
    const HEADER: [&str; 5] = ["PIPELINE", "RESOURCE", "KIND", "CHECKED BY", "NOTES"];
    let width = |column: fn(&Row) -> &str, header: &str| {
        rows.iter()
            .map(|row| column(row).chars().count())
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths = [
        width(|row| &row.pipeline, HEADER[0]),
        width(|row| &row.resource, HEADER[1]),
        width(|row| &row.kind, HEADER[2]),
        width(|row| &row.checked, HEADER[3]),
    ];
    let line = |cells: [&str; 4], note: &str| {
        let mut text = String::new();
        for (cell, width) in cells.iter().zip(widths) {
            text.push_str(&format!("{cell:<width$}  "));
        }
        text.push_str(note);
        let mut text = text.trim_end().to_owned();
        text.push('\n');
        text
    };
    let mut table = line([HEADER[0], HEADER[1], HEADER[2], HEADER[3]], HEADER[4]);
    for row in rows {
        let mut notes = row.notes.iter();
        let first = notes.next().map(String::as_str).unwrap_or("");
        table.push_str(&line([&row.pipeline, &row.resource, &row.kind, &row.checked], first));
        for note in notes {
            table.push_str(&line(["", "", "", ""], note));
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_further_notes_get_lines_of_their_own() {
        let mut second = Row::new("deploy", "env-repo", kind_label(Kind::Git, "git"), NEVER_MATCHED);
        second.notes = vec!["first".into(), "second".into()];
        let rows = [
            Row::new("api", "tarball", kind_label(Kind::S3, "s3-iam"), "webhook token ((t))"),
            second,
        ];
        let expected = [
            "PIPELINE  RESOURCE  KIND         CHECKED BY           NOTES".to_owned(),
            "api       tarball   s3 (s3-iam)  webhook token ((t))".to_owned(),
            "deploy    env-repo  git          never matched        first".to_owned(),
            format!("{}second", " ".repeat(54)),
        ];
        assert_eq!(render(&rows), format!("{}\n", expected.join("\n")));
    }
}
