//! `--import`: the config of the earlier Node tool (concourse-resource-endpoints, `etc/config.json`)
//! as a `concourse.json`, and what could not be carried over.
//!
//! That file is `{"atc": {"url", "headers"}, "secret", "checks": [{"check": "PIPELINE/RESOURCE",
//! "filter": {...}}]}`. Its git filters are `{uri, branch, paths, ignore_paths}` (its generator wrote
//! `branch: master` when the resource had none, and that is what it matched); its S3 filters are
//! `{bucket, path}`, where `path` is a glob when it has a `*`, else a substring of the key, and its
//! generator made it from the resource's `regexp` (the part before the last `/`), `key` or
//! `versioned_file`. The tool checked through `/api/v1/pipelines/...`, the API of an ATC before teams:
//! the team is `main` unless `--team` says otherwise.
//!
//! What changes: an S3 `path` becomes an s3 resource's `regexp` that matches at least the keys the old
//! tool matched (the generator run against the ATC gives the resource's own fields); `paths` are
//! matched as git-resource matches them (git pathspecs), not as the old tool's globs. Headers carry
//! credentials the file must not hold: an `authorization` header is turned into which secret to set.

use base64::Engine as _;
use hookbox_concourse::config::{ConfigFile, ResourceEntry, SourceFields};
use hookbox_concourse::{AuthMode, Kind};
use serde_json::Value;

use super::summary::{self, LEFT_OUT, Row};

/// The converted file and what the summary says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub file: ConfigFile,
    pub rows: Vec<Row>,
    /// What was not carried over, and which secrets to set instead: one line each.
    pub advice: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the imported file is not an object with \"atc\" and \"checks\"")]
    NotAConfig,
    #[error("the imported file has no atc.url, and no --url was given")]
    NoUrl,
}

/// Converts the old tool's config `old`; `url` and `team` win over its own, `auth` over the one its
/// `authorization` header suggests.
pub fn import(
    old: &Value,
    url: Option<&str>,
    team: Option<&str>,
    auth: Option<AuthMode>,
) -> Result<Imported, ImportError> {
    let object = old.as_object().ok_or(ImportError::NotAConfig)?;
    if !object.contains_key("checks") && !object.contains_key("atc") {
        return Err(ImportError::NotAConfig);
    }
    let mut advice = Vec::new();
    for key in object
        .keys()
        .filter(|key| !["atc", "checks", "secret"].contains(&key.as_str()))
    {
        advice.push(format!("not carried over: the field {key:?}"));
    }
    if object.get("secret").and_then(Value::as_str).is_some_and(is_set) {
        advice.push(
            "the old config's GitHub webhook secret is not written: give it to the GitHub notifier as \
             GitHubWebhookSecrets (or github_webhook_secrets in the ConcourseSecretArn secret)"
                .to_owned(),
        );
    }
    let atc = object.get("atc").and_then(Value::as_object);
    let atc_url = url
        .map(str::to_owned)
        .or_else(|| {
            atc.and_then(|atc| atc.get("url"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .ok_or(ImportError::NoUrl)?;
    for key in atc
        .into_iter()
        .flat_map(|atc| atc.keys())
        .filter(|key| !["url", "headers"].contains(&key.as_str()))
    {
        advice.push(format!("not carried over: the field atc.{key}"));
    }
    let headers = atc.and_then(|atc| atc.get("headers")).and_then(Value::as_object);
    let mut suggested = None;
    for (name, value) in headers.into_iter().flatten() {
        let value = value.as_str().unwrap_or_default();
        if name.eq_ignore_ascii_case("authorization") {
            let (mode, line) = authorization(value);
            suggested = mode;
            advice.push(line);
        } else {
            advice.push(format!(
                "not carried over: the header {name:?} (the functions send only their own credentials)"
            ));
        }
    }
    let mut resources = Vec::new();
    let mut rows = Vec::new();
    for check in object.get("checks").and_then(Value::as_array).into_iter().flatten() {
        let (entry, row) = convert(check);
        resources.extend(entry);
        rows.push(row);
    }
    // The old tool had no webhook tokens: every check needs the ATC credentials.
    let auth = auth.or(suggested).unwrap_or(AuthMode::Atc);
    for (row, entry) in rows.iter_mut().filter(|row| row.checked != LEFT_OUT).zip(&resources) {
        row.checked = summary::checked_by(entry, auth);
    }
    Ok(Imported {
        file: ConfigFile {
            atc_url,
            team: team.unwrap_or("main").to_owned(),
            auth,
            type_aliases: Default::default(),
            resources,
        },
        rows,
        advice,
    })
}

/// A placeholder of the old generator (`@todo`) is no value.
fn is_set(value: &str) -> bool {
    !value.trim().is_empty() && value.trim() != "@todo"
}

/// The auth mode an `authorization` header stands for, and what to set instead.
fn authorization(value: &str) -> (Option<AuthMode>, String) {
    let value = value.trim();
    if !is_set(value) {
        return (
            None,
            "the old config's authorization header has no value: set the ATC credentials (ConcourseUsername and \
             ConcoursePassword, or ConcourseToken)"
                .to_owned(),
        );
    }
    if let Some(encoded) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) {
        let user = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|pair| pair.split_once(':').map(|(user, _)| user.to_owned()));
        if let Some(user) = user {
            return (
                Some(AuthMode::Password),
                format!(
                    "the old config's authorization header is HTTP Basic for the user {user:?}: the functions log in \
                     as that user; set ConcourseUsername={user} and ConcoursePassword to its password (or \
                     concourse_username and concourse_password in the ConcourseSecretArn secret); the password \
                     is neither written nor printed"
                ),
            );
        }
    }
    if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
        return (
            Some(AuthMode::Bearer),
            "the old config's authorization header is a bearer token: set ConcourseToken to it (or \
             concourse_token in the ConcourseSecretArn secret); tokens from fly login expire, a local user's \
             ConcourseUsername and ConcoursePassword do not"
                .to_owned(),
        );
    }
    (
        None,
        "the old config's authorization header is neither Basic nor Bearer: not carried over; set the ATC \
         credentials (ConcourseUsername and ConcoursePassword, or ConcourseToken)"
            .to_owned(),
    )
}

/// One check as a resource entry (or why not), with its row.
fn convert(check: &Value) -> (Option<ResourceEntry>, Row) {
    let name = check.get("check").and_then(Value::as_str).unwrap_or_default();
    let Some((pipeline, resource)) = name.split_once('/').filter(|(p, r)| !p.is_empty() && !r.is_empty()) else {
        let mut row = Row::new(name, "", "?".to_owned(), LEFT_OUT);
        row.notes.push("check is not PIPELINE/RESOURCE".to_owned());
        return (None, row);
    };
    let empty = serde_json::Map::new();
    let filter = check.get("filter").and_then(Value::as_object).unwrap_or(&empty);
    let text = |field: &str| filter.get(field).and_then(Value::as_str).map(str::to_owned);
    let list = |field: &str| -> Vec<String> {
        filter
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|pattern| !pattern.trim().is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (kind, known, source, mut notes): (Kind, &[&str], SourceFields, Vec<String>) = if filter.contains_key("uri") {
        let source = SourceFields {
            uri: text("uri"),
            branch: text("branch"),
            paths: list("paths"),
            ignore_paths: list("ignore_paths"),
            ..SourceFields::default()
        };
        let mut notes = Vec::new();
        if !source.paths.is_empty() || !source.ignore_paths.is_empty() {
            notes.push("paths are now matched as git-resource matches them (git pathspecs)".to_owned());
        }
        (Kind::Git, &["uri", "branch", "paths", "ignore_paths"], source, notes)
    } else if let Some(bucket) = text("bucket") {
        let path = text("path").filter(|path| !path.is_empty());
        let regexp = path.as_deref().map_or_else(|| ".*".to_owned(), old_path_regexp);
        let from = match &path {
            Some(path) => format!("made from the old path filter {path:?}"),
            None => "for the old filter without a path (every key of the bucket)".to_owned(),
        };
        let note = format!(
            "regexp {regexp:?} {from}: run the generator against the ATC for the resource's own regexp, \
             versioned_file or key"
        );
        let source = SourceFields {
            bucket: Some(bucket),
            regexp: Some(regexp),
            ..SourceFields::default()
        };
        (Kind::S3, &["bucket", "path"], source, vec![note])
    } else {
        let mut row = Row::new(pipeline, resource, "?".to_owned(), LEFT_OUT);
        row.notes
            .push("its filter has neither uri (git) nor bucket (s3)".to_owned());
        return (None, row);
    };
    for field in filter.keys().filter(|field| !known.contains(&field.as_str())) {
        notes.push(format!("filter field {field:?} not carried over"));
    }
    let entry = ResourceEntry {
        pipeline: pipeline.to_owned(),
        instance_vars: None,
        resource: resource.to_owned(),
        type_name: kind.name().to_owned(),
        webhook_token: None,
        source,
    };
    let mut row = Row::new(pipeline, resource, kind.name().to_owned(), "");
    row.notes = notes;
    (Some(entry), row)
}

/// The old tool's S3 `path` as a regexp of whole keys that matches every key it matched: a glob (with
/// `*`) as minimatch reads it, else any key that contains it.
fn old_path_regexp(path: &str) -> String {
    if !path.contains('*') {
        return format!(".*{}.*", escape(path));
    }
    let mut pattern = String::new();
    let mut rest = path;
    while let Some(character) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("**") {
            pattern.push_str(".*");
            rest = after;
            continue;
        }
        match character {
            '*' => pattern.push_str("[^/]*"),
            '?' => pattern.push_str("[^/]"),
            other => pattern.push_str(&escape(&other.to_string())),
        }
        rest = &rest[character.len_utf8()..];
    }
    pattern
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if "\\.+*?()|[]{}^$".contains(character) {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn old_paths_become_regexps_that_match_what_the_old_tool_matched() {
        assert_eq!(old_path_regexp("some/file/path"), ".*some/file/path.*");
        assert_eq!(old_path_regexp("rcs/concourse-*.tgz"), "rcs/concourse-[^/]*\\.tgz");
        assert_eq!(old_path_regexp("builds/**/app-?.zip"), "builds/.*/app-[^/]\\.zip");
    }

    #[test]
    fn headers_say_which_secret_to_set_and_never_the_secret() {
        let (mode, line) = authorization("Basic Y29uY291cnNlOmh1bnRlcjI=");
        assert_eq!(mode, Some(AuthMode::Password));
        assert!(line.contains("ConcourseUsername=concourse"), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
        assert_eq!(authorization("Bearer abc").0, Some(AuthMode::Bearer));
        assert_eq!(authorization("@todo").0, None);
        assert_eq!(authorization("Digest x").0, None);
    }

    #[test]
    fn a_check_without_a_usable_filter_is_left_out() {
        let imported = import(
            &json!({"atc": {"url": "https://ci"}, "checks": [{"check": "p"}, {"check": "p/r", "filter": {"x": 1}}]}),
            None,
            None,
            None,
        )
        .unwrap();
        assert!(imported.file.resources.is_empty());
        assert_eq!(imported.rows[0].notes, ["check is not PIPELINE/RESOURCE"]);
        assert_eq!(
            imported.rows[1].notes,
            ["its filter has neither uri (git) nor bucket (s3)"]
        );
        assert!(matches!(
            import(&json!([]), None, None, None),
            Err(ImportError::NotAConfig)
        ));
        assert!(matches!(
            import(&json!({"checks": []}), None, None, None),
            Err(ImportError::NoUrl)
        ));
    }
}
