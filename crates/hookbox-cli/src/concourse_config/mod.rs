//! `hookbox concourse-config`: writes the Concourse config the notifier functions are built with
//! (`config/concourse.json`) from what the ATC says now, or checks that file against it; or converts
//! the earlier Node tool's config (`--import`).
//!
//! [`target`] finds the ATC and token (a `fly` target or flags), [`atc`] reads the team's pipelines
//! and their configs, [`vars`] holds the `((vars))` given as fly takes them, [`pipeline`] picks the
//! resources the functions can match (pure), [`summary`] prints what became of each,
//! [`import`](mod@import) converts the old tool's file, and [`diff`](mod@diff) compares an existing
//! file with the generated one. The file itself is `hookbox_concourse`'s model
//! ([`hookbox_concourse::config::file`]), so what is written is what the functions read.

pub mod atc;
pub mod diff;
pub mod import;
pub mod pipeline;
pub mod summary;
pub mod target;
pub mod vars;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use hookbox_concourse::config::ConfigFile;
use hookbox_concourse::kind::UnknownKind;
use hookbox_concourse::{AuthMode, ConcourseConfig, ConfigError, Kind};

use self::atc::{Atc, AtcError};
use self::diff::diff;
use self::import::{ImportError, import};
use self::pipeline::{Rules, Verdict, auth_for, select};
use self::summary::{LEFT_OUT, NEVER_MATCHED, NOT_MATCHED, Row, kind_label};
use self::target::{TargetChoice, TargetError, Token};
use self::vars::{Vars, VarsError};
use crate::duration::parse_duration;

/// Where the functions' build reads the config from.
pub const DEFAULT_OUTPUT: &str = "config/concourse.json";

#[derive(Debug, Clone, Args)]
pub struct ConcourseConfigArgs {
    /// A fly target: the ATC URL, team and token come from the flyrc, as `fly -t NAME` reads them.
    #[arg(long, short = 't', value_name = "NAME", env = "HOOKBOX_CONCOURSE_TARGET")]
    pub target: Option<String>,

    /// The flyrc to read --target from [default: $HOME/.flyrc].
    #[arg(long, value_name = "PATH", env = "HOOKBOX_FLYRC")]
    pub flyrc: Option<PathBuf>,

    /// The ATC URL (instead of, or over, the target's).
    #[arg(long, value_name = "URL", env = "HOOKBOX_CONCOURSE_URL")]
    pub url: Option<String>,

    /// The team whose pipelines are read [default: the target's, else main].
    #[arg(long, short = 'n', value_name = "TEAM", env = "HOOKBOX_CONCOURSE_TEAM")]
    pub team: Option<String>,

    /// A bearer token (instead of, or over, the target's). It is sent to the ATC and never printed.
    #[arg(long, value_name = "TOKEN", env = "HOOKBOX_CONCOURSE_TOKEN", hide_env_values = true)]
    pub token: Option<Token>,

    /// Accept any TLS certificate of the ATC (as `fly -k`; also taken from the target).
    #[arg(long, short = 'k', env = "HOOKBOX_CONCOURSE_INSECURE")]
    pub insecure: bool,

    /// A PEM file with the CA certificate(s) of the ATC (over the target's ca_cert).
    #[arg(long, value_name = "PATH", env = "HOOKBOX_CONCOURSE_CA_CERT")]
    pub ca_cert: Option<PathBuf>,

    /// How the functions check resources without a webhook_token [default: webhook_token when every
    /// resource has one, else atc].
    #[arg(long, value_parser = auth_mode(), env = "HOOKBOX_CONCOURSE_AUTH")]
    pub auth: Option<AuthMode>,

    /// A value for a pipeline's ((var)) in uri, bucket and the other matched fields, as `fly -v`
    /// (repeat the flag; a dotted NAME sets a field of a var). Give the value the ATC's credential
    /// manager holds.
    #[arg(long = "var", short = 'v', value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// A YAML value for a ((var)), as `fly -y` (e.g. -y 'paths=[src, lib]').
    #[arg(long = "yaml-var", short = 'y', value_name = "NAME=YAML")]
    pub yaml_vars: Vec<String>,

    /// A YAML file of vars, as `fly -l` (repeat the flag; a later file wins, -v and -y win over files).
    #[arg(long = "load-vars-from", short = 'l', value_name = "FILE")]
    pub var_files: Vec<PathBuf>,

    /// Convert the earlier Node tool's config (etc/config.json: atc, checks) instead of reading the ATC
    /// (--url and --team win over its own; the target and token are not used).
    #[arg(long = "import", value_name = "FILE")]
    pub import: Option<PathBuf>,

    /// A custom resource type that behaves like git, s3 or semver, e.g. s3-iam=s3 (repeat the flag,
    /// or comma-separate). Written into the file's type_aliases.
    #[arg(long = "type-alias", value_name = "NAME=TYPE", env = "HOOKBOX_CONCOURSE_TYPE_ALIASES",
          value_delimiter = ',', value_parser = parse_alias)]
    pub type_aliases: Vec<(String, Kind)>,

    /// The file to write (or, with --check, to compare); `-` writes to stdout.
    #[arg(long, short = 'o', value_name = "FILE", default_value = DEFAULT_OUTPUT)]
    pub output: PathBuf,

    /// Compare the file with the ATC instead of writing it: print what was added, removed or changed,
    /// and exit 1 when they differ (0 when equal, 2 on errors).
    #[arg(long)]
    pub check: bool,

    /// How long one request to the ATC may take.
    #[arg(long, default_value = "30s", value_parser = parse_duration, env = "HOOKBOX_CONCOURSE_TIMEOUT")]
    pub timeout: Duration,
}

/// How a run ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file was written (or printed).
    Written,
    /// `--check`: the file is what the ATC says.
    UpToDate,
    /// `--check`: the file differs from what the ATC says.
    Differs,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Atc(#[from] AtcError),
    #[error(transparent)]
    Vars(#[from] VarsError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("--check compares a file: name it with --output")]
    CheckStdout,
    #[error(
        "nothing written: the pipelines have {candidates} git, s3 or semver resources and each was left out \
         (the table above says why)"
    )]
    NothingToWrite { candidates: usize },
    #[error("cannot read {path}: {source} (run without --check to write it)")]
    ReadExisting {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a Concourse config: {source}")]
    ParseExisting {
        path: PathBuf,
        #[source]
        source: ConfigError,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A generator bug: what it made would fail the functions' build.
    #[error("the generated config does not pass the functions' validation ({0}); please report this")]
    Invalid(#[from] ConfigError),
}

/// What the pipelines gave, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    pipelines: usize,
    archived: usize,
    left_out: usize,
    unmatchable: usize,
    never_matched: usize,
    /// type name → resources of that type that the functions do not match.
    other_types: BTreeMap<String, usize>,
}

/// A generated file and what the run says about it.
struct Generated {
    file: ConfigFile,
    rows: Vec<Row>,
    /// Lines said after the table.
    advice: Vec<String>,
    tally: Option<Tally>,
}

impl ConcourseConfigArgs {
    /// Reads the ATC (or the imported file) and writes (or checks) the file. The summary table goes to
    /// stderr, notes and warnings to the log (stderr); `--check`'s differences and `-o -`'s file go to
    /// stdout.
    pub async fn run(self) -> Result<Outcome, Error> {
        if self.check && self.output == Path::new("-") {
            return Err(Error::CheckStdout);
        }
        let generated = match &self.import {
            Some(path) => {
                let old = vars::read_yaml_file(path)?;
                let imported = import(&old, self.url.as_deref(), self.team.as_deref(), self.auth)?;
                Generated {
                    file: imported.file,
                    rows: imported.rows,
                    advice: imported.advice,
                    tally: None,
                }
            }
            None => self.read_atc().await?,
        };
        let text = generated.file.render();
        // The functions' build validates the file the same way: never hand it one it would refuse.
        let validated = ConcourseConfig::from_json(&text)?;
        eprint!("{}", summary::render(&generated.rows));
        if let Some(tally) = &generated.tally {
            tracing::info!("{}", summary_line(&generated.file, tally));
        }
        for line in &generated.advice {
            tracing::warn!("{line}");
        }
        let candidates = generated.rows.iter().filter(|row| row.checked != NOT_MATCHED).count();
        if generated.file.resources.is_empty() && candidates > 0 {
            return Err(Error::NothingToWrite { candidates });
        }
        say_secrets(&generated.file, &validated);
        if self.check {
            check(&self.output, &generated.file)
        } else {
            write(&self.output, &text)?;
            Ok(Outcome::Written)
        }
    }

    /// The file from the team's pipelines on the ATC.
    async fn read_atc(&self) -> Result<Generated, Error> {
        let rules = Rules {
            aliases: self.type_aliases.iter().cloned().collect(),
            auth: self.auth,
            vars: Vars::load(&self.var_files, &self.yaml_vars, &self.vars)?,
        };
        let target = target::resolve(TargetChoice {
            target: self.target.clone(),
            flyrc: self.flyrc.clone(),
            url: self.url.clone(),
            team: self.team.clone(),
            token: self.token.clone(),
            insecure: self.insecure,
            ca_cert: self.ca_cert.clone(),
        })?;
        let (atc_url, team) = (target.url.clone(), target.team.clone());
        let atc = Atc::new(target, self.timeout)?;
        let login = atc.user().await?;
        match (&login.user, login.refused) {
            (Some(user), _) => tracing::info!("reading team {team} of {atc_url} as {user}"),
            (None, Some(status)) => tracing::info!(
                "{atc_url}/api/v1/user answered {status}: the user is not named; reading team {team} with the token"
            ),
            (None, None) => {}
        }
        let mut pipelines = atc.pipelines().await?;
        atc.check_listing(&login, &pipelines)?;
        pipelines.sort_by_key(|pipeline| (pipeline.name.clone(), pipeline.label()));
        let mut tally = Tally::default();
        let mut rows = Vec::new();
        let mut included = Vec::new();
        for pipeline in &pipelines {
            let label = pipeline.label();
            if pipeline.archived {
                tracing::info!("{label}: skipped: the pipeline is archived, and Concourse refuses its checks");
                tally.archived += 1;
                continue;
            }
            let config = match atc.pipeline_config(pipeline).await {
                Ok(config) => config,
                Err(error) if error.is_not_found() => {
                    tracing::warn!("{label}: skipped: the pipeline went away while it was read");
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            tally.pipelines += 1;
            for resource in config.resources.unwrap_or_default() {
                let kind = Kind::of_type(&resource.type_name, &rules.aliases)
                    .map(|kind| kind_label(kind, &resource.type_name))
                    .unwrap_or_default();
                let row = |checked: &str, note: String| {
                    let mut row = Row::new(&label, &resource.name, kind.clone(), checked);
                    row.notes.push(note);
                    row
                };
                match select(pipeline, &resource, &rules) {
                    Verdict::Included {
                        entry,
                        never_matched,
                        notes,
                    } => {
                        let mut row = Row::new(&label, &resource.name, kind.clone(), "");
                        if let Some(reason) = never_matched {
                            row.checked = NEVER_MATCHED.to_owned();
                            row.notes.push(reason);
                            tally.never_matched += 1;
                        }
                        row.notes.extend(notes);
                        row.notes.extend(summary::path_caveats(&entry));
                        rows.push(row);
                        included.push(*entry);
                    }
                    Verdict::OtherType(type_name) => *tally.other_types.entry(type_name).or_default() += 1,
                    Verdict::Unmatchable(reason) => {
                        rows.push(row(NOT_MATCHED, reason));
                        tally.unmatchable += 1;
                    }
                    Verdict::LeftOut(reason) => {
                        rows.push(row(LEFT_OUT, reason));
                        tally.left_out += 1;
                    }
                }
            }
        }
        let auth = auth_for(rules.auth, &included);
        let mut entries = included.iter();
        for row in rows
            .iter_mut()
            .filter(|row| ![LEFT_OUT, NOT_MATCHED].contains(&row.checked.as_str()))
        {
            let entry = entries
                .next()
                .expect("one included entry per row of an included resource");
            if row.checked.is_empty() {
                row.checked = summary::checked_by(entry, auth);
            }
        }
        let file = ConfigFile {
            atc_url,
            team,
            auth,
            type_aliases: rules.aliases,
            resources: included,
        };
        Ok(Generated {
            file,
            rows,
            advice: Vec::new(),
            tally: Some(tally),
        })
    }
}

/// Says which secrets the functions need for `file`, before it is written: they refuse to start without
/// them.
fn say_secrets(file: &ConfigFile, validated: &ConcourseConfig) {
    let without_token = file
        .resources
        .iter()
        .filter(|entry| entry.webhook_token.is_none())
        .count();
    if without_token > 0 {
        let how = match file.auth {
            AuthMode::Bearer => "ConcourseToken (a bearer token; fly's expire after a day by default)".to_owned(),
            AuthMode::Password => "ConcourseUsername and ConcoursePassword (a local user of the team)".to_owned(),
            _ => "ConcourseUsername and ConcoursePassword (a local user of the team; they do not expire), or \
                  ConcourseToken (a bearer token; fly's expire after a day by default)"
                .to_owned(),
        };
        tracing::info!(
            "{without_token} resources have no webhook_token: the functions check them with the ATC credentials \
             (auth \"{}\"): set {how} (concourse_username, concourse_password, concourse_token in the \
             ConcourseSecretArn secret)",
            file.auth.name()
        );
    }
    let mut secrets: Vec<&str> = validated.token_secret_names().collect();
    secrets.sort_unstable();
    secrets.dedup();
    if !secrets.is_empty() {
        tracing::info!(
            "the functions need a value for each ((name)) webhook_token (ConcourseWebhookTokens, or \
             webhook_tokens in the ConcourseSecretArn secret): {}",
            secrets.join(", ")
        );
    }
}

/// Compares the file at `path` with `generated` and prints the differences to stdout.
fn check(path: &Path, generated: &ConfigFile) -> Result<Outcome, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadExisting {
        path: path.to_owned(),
        source,
    })?;
    let existing = ConfigFile::parse(&text).map_err(|source| Error::ParseExisting {
        path: path.to_owned(),
        source,
    })?;
    let changes = diff(&existing, generated);
    if changes.is_empty() {
        tracing::info!("{} is up to date", path.display());
        return Ok(Outcome::UpToDate);
    }
    for change in &changes {
        println!("{change}");
    }
    tracing::warn!(
        "{} differs from the pipelines ({} differences): run without --check to update it",
        path.display(),
        changes.len()
    );
    Ok(Outcome::Differs)
}

/// Writes `text` to `path` (`-`: stdout) through a temporary file and a rename, so that a build never
/// sees half a file.
fn write(path: &Path, text: &str) -> Result<(), Error> {
    if path == Path::new("-") {
        print!("{text}");
        return Ok(());
    }
    let error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text).map_err(error)?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        error(source)
    })?;
    tracing::info!("wrote {}", path.display());
    Ok(())
}

/// One line: what was written and what was not, so that a skipped custom type is noticed.
fn summary_line(generated: &ConfigFile, tally: &Tally) -> String {
    let mut line = format!(
        "{} resources from {} pipelines of team {}",
        generated.resources.len(),
        tally.pipelines,
        generated.team
    );
    if tally.never_matched > 0 {
        line.push_str(&format!("; {} of them never matched", tally.never_matched));
    }
    if tally.left_out > 0 {
        line.push_str(&format!("; {} left out", tally.left_out));
    }
    if tally.unmatchable > 0 {
        line.push_str(&format!("; {} not matchable", tally.unmatchable));
    }
    if tally.archived > 0 {
        line.push_str(&format!("; {} archived pipelines skipped", tally.archived));
    }
    if !tally.other_types.is_empty() {
        let counts: Vec<String> = tally
            .other_types
            .iter()
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
        line.push_str(&format!(
            "; other types skipped: {} (--type-alias NAME=git|s3|semver maps a custom type)",
            counts.join(", ")
        ));
    }
    line
}

/// `--auth`: an [`AuthMode`] by its name, each listed in the help with what it means for the generator.
fn auth_mode() -> impl TypedValueParser<Value = AuthMode> {
    let help = |mode| match mode {
        AuthMode::WebhookToken => "Every resource must have a webhook_token; resources without one are left out",
        AuthMode::Bearer => "The function's bearer token (ConcourseToken) checks the others",
        AuthMode::Password => "The function's username and password check the others",
        AuthMode::Atc => "The function's username and password, else its bearer token, check the others",
    };
    let values = AuthMode::ALL.map(|mode| PossibleValue::new(mode.name()).help(help(mode)));
    PossibleValuesParser::new(values).try_map(|name| name.parse::<AuthMode>())
}

/// Why a `--type-alias` was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum AliasError {
    #[error("{0:?} is not NAME=TYPE")]
    NotAPair(String),
    #[error("{0:?} has no type name")]
    NoName(String),
    /// The functions would apply the alias to the built-in type too, and match it as the other kind.
    #[error("{0} is a built-in type; only custom types take an alias")]
    BuiltIn(String),
    #[error(transparent)]
    UnknownKind(#[from] UnknownKind),
}

fn parse_alias(text: &str) -> Result<(String, Kind), AliasError> {
    let (name, kind) = text
        .split_once('=')
        .ok_or_else(|| AliasError::NotAPair(text.to_owned()))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(AliasError::NoName(text.to_owned()));
    }
    if Kind::of(name).is_some() {
        return Err(AliasError::BuiltIn(name.to_owned()));
    }
    Ok((name.to_owned(), kind.trim().parse()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_a_name_onto_a_built_in_kind() {
        assert_eq!(parse_alias("s3-iam=s3"), Ok(("s3-iam".into(), Kind::S3)));
        assert_eq!(parse_alias(" git-fork = git "), Ok(("git-fork".into(), Kind::Git)));
        for bad in ["s3-iam", "=s3", "x=docker", "git=s3"] {
            assert!(parse_alias(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_summary_counts_what_was_not_written() {
        let file = ConfigFile {
            atc_url: "https://ci".into(),
            team: "main".into(),
            auth: AuthMode::WebhookToken,
            type_aliases: BTreeMap::new(),
            resources: Vec::new(),
        };
        let tally = Tally {
            pipelines: 2,
            archived: 1,
            left_out: 3,
            unmatchable: 1,
            never_matched: 2,
            other_types: BTreeMap::from([("time".to_owned(), 2), ("docker-image".to_owned(), 1)]),
        };
        assert_eq!(
            summary_line(&file, &tally),
            "0 resources from 2 pipelines of team main; 2 of them never matched; 3 left out; 1 not matchable; \
             1 archived pipelines skipped; other types skipped: docker-image 1, time 2 \
             (--type-alias NAME=git|s3|semver maps a custom type)"
        );
    }
}
