//! `hookbox concourse explain`: why an event did (or did not) make the notifiers check each resource of a
//! `concourse.json`. It reads the event as the functions do and prints `hookbox_concourse::explain`,
//! the model built on the matchers' own rules, so what it says is what the function does.
//!
//! The event is detected by its shape: a GitHub push payload (JSON, or a form body with `payload=`), an
//! API Gateway or Function URL event carrying one as its body, or an S3 event (direct, or wrapped in
//! SNS, SQS or EventBridge, as the s3-concourse function reads it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use clap::{Args, Subcommand};
use hookbox_concourse::explain::{self, EventSummary, Explanation, ResourceExplanation};
use hookbox_concourse::pathspec::PathVerdict;
use hookbox_concourse::{ConcourseConfig, GitMatcher, PushEvent, S3Matcher, s3_event};
use hookbox_core::http::json_payload;
use serde_json::Value;

/// Where the config is looked for when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "config/concourse.json";

#[derive(Debug, Args)]
pub struct ConcourseArgs {
    #[command(subcommand)]
    pub command: ConcourseCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConcourseCommand {
    /// Say, for every resource of a concourse.json, whether an event (a GitHub push or an S3 event)
    /// makes the notifier functions check it, and why: repository, branch or tag, each changed file's
    /// path verdict, [ci skip], ((vars)), and when the push cannot rule a resource out.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The notifiers' config [default: config/concourse.json, when it exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The event: a GitHub push delivery (payload JSON, a form body, or an API Gateway / Function URL
    /// event), or an S3 event (direct, SNS, SQS or EventBridge). `-` reads stdin.
    #[arg(long, value_name = "FILE|-", default_value = "-")]
    pub event: String,
    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

impl ConcourseArgs {
    pub fn run(&self) -> anyhow::Result<()> {
        match &self.command {
            ConcourseCommand::Explain(args) => {
                let text = args.explain()?;
                print!("{text}");
                Ok(())
            }
        }
    }
}

impl ExplainArgs {
    /// The explanation as it is printed.
    pub fn explain(&self) -> anyhow::Result<String> {
        let config_path = match &self.config {
            Some(path) => path.clone(),
            None if Path::new(DEFAULT_CONFIG).exists() => PathBuf::from(DEFAULT_CONFIG),
            None => bail!("no --config given and no {DEFAULT_CONFIG} here"),
        };
        let text =
            std::fs::read_to_string(&config_path).with_context(|| format!("cannot read {}", config_path.display()))?;
        let config = ConcourseConfig::from_json(&text).with_context(|| format!("{}", config_path.display()))?;
        let bytes = if self.event == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).context("cannot read stdin")?;
            bytes
        } else {
            std::fs::read(&self.event).with_context(|| format!("cannot read {}", self.event))?
        };
        let explanation = match read_event(&bytes)? {
            Event::Push(push) => explain::push(&config, &GitMatcher::new(&config), &push),
            Event::S3(payload) => {
                let matcher = S3Matcher::new(&config)?;
                explain::s3(&config, &matcher, &s3_event::read_notices(&payload))
            }
        };
        if self.json {
            let mut text = serde_json::to_string_pretty(&explanation)?;
            text.push('\n');
            Ok(text)
        } else {
            Ok(render(&explanation))
        }
    }
}

/// An event as the notifiers read it.
#[derive(Debug)]
pub enum Event {
    Push(Box<PushEvent>),
    S3(Value),
}

/// Reads a push payload (JSON or form), a gateway event carrying one, or an S3 event.
pub fn read_event(bytes: &[u8]) -> anyhow::Result<Event> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(json_error) => {
            let payload = json_payload(Some("application/x-www-form-urlencoded"), bytes)
                .map_err(|_| anyhow::anyhow!("the event is neither JSON nor a form with payload=: {json_error}"))?;
            serde_json::from_slice(&payload).context("the form's payload is not JSON")?
        }
    };
    if let Some(body) = value.get("body").and_then(Value::as_str)
        && (value.get("requestContext").is_some() || value.get("headers").is_some())
    {
        return read_gateway(&value, body);
    }
    if value.get("ref").is_some() && value.get("repository").is_some() {
        let push = serde_json::from_value(value).context("the push payload is not readable")?;
        return Ok(Event::Push(Box::new(push)));
    }
    let s3_like = value.get("Records").is_some()
        || value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent")
        || value.get("Type").and_then(Value::as_str) == Some("Notification")
        || value.get("source").and_then(Value::as_str) == Some("aws.s3");
    if s3_like {
        return Ok(Event::S3(value));
    }
    bail!(
        "the event is neither a GitHub push (ref, repository) nor an S3 event (Records, or an EventBridge aws.s3 event)"
    )
}

/// An API Gateway, Function URL or ALB event whose body is the delivery.
fn read_gateway(event: &Value, body: &str) -> anyhow::Result<Event> {
    let header = |name: &str| {
        event.get("headers").and_then(Value::as_object).and_then(|headers| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .and_then(|(_, value)| value.as_str())
        })
    };
    if let Some(kind) = header("x-github-event").filter(|kind| *kind != "push") {
        bail!("a GitHub {kind} delivery: only push events trigger checks");
    }
    let body = if event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .context("the event's body is not base64")?
    } else {
        body.as_bytes().to_vec()
    };
    let payload = json_payload(header("content-type"), &body).context("the event's body")?;
    let push = serde_json::from_slice(&payload).context("the push payload is not readable")?;
    Ok(Event::Push(Box::new(push)))
}

/// The explanation for a person: the event, then one line per resource with its reason, and below a
/// git resource its vars, conservative reasons and each commit's files.
pub fn render(explanation: &Explanation) -> String {
    let mut out = String::new();
    match &explanation.event {
        EventSummary::Push {
            repository,
            git_ref,
            keys,
            note,
        } => {
            let _ = writeln!(
                out,
                "push {git_ref} to {} ({})",
                repository.as_deref().unwrap_or("a repository"),
                keys.join(", ")
            );
            if let Some(note) = note {
                let _ = writeln!(out, "  {note}");
            }
        }
        EventSummary::S3 { objects, other } => {
            let _ = writeln!(out, "s3: {} object(s) created", objects.len());
            for object in objects {
                let _ = writeln!(out, "  created {object}");
            }
            for line in other {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    for resource in &explanation.resources {
        render_resource(&mut out, resource);
    }
    out
}

fn render_resource(out: &mut String, resource: &ResourceExplanation) {
    let status = if resource.checked { "checked" } else { "not checked" };
    let instance = resource
        .instance_vars
        .as_ref()
        .map(|vars| format!(" {}", Value::Object(vars.clone())))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{status:<12} {}/{}{instance}: {}",
        resource.pipeline, resource.resource, resource.reason
    );
    if let Some(git) = &resource.git {
        if !git.ref_rule.is_empty() && git.ref_rule != resource.reason {
            let _ = writeln!(out, "             ref: {}", git.ref_rule);
        }
        for var in &git.vars {
            let _ = writeln!(out, "             var: {var}");
        }
        if let Some(why) = &git.conservative {
            let _ = writeln!(out, "             conservative: {why}");
        }
        for commit in &git.commits {
            let id = commit.id.get(..7).unwrap_or(&commit.id);
            let state = match (&commit.skipped, commit.counts) {
                (Some(marker), _) => format!("skipped, its message says {marker}"),
                (None, true) => "counts".to_owned(),
                (None, false) => "no file counts".to_owned(),
            };
            let _ = writeln!(out, "             commit {id}: {state}");
            for file in &commit.files {
                let _ = writeln!(out, "               {}: {}", file.path, verdict_text(&file.verdict));
            }
        }
    }
    for object in &resource.objects {
        if let Some(var) = &object.verdict.var {
            let _ = writeln!(out, "             var: {var}");
        }
    }
}

fn verdict_text(verdict: &PathVerdict) -> String {
    match verdict {
        PathVerdict::Unfiltered => "counts (no paths to pass)".to_owned(),
        PathVerdict::Included { pattern } => format!("counts (paths: {pattern})"),
        PathVerdict::NotInPaths => "not in paths".to_owned(),
        PathVerdict::Ignored { pattern } => format!("ignored (ignore_paths: {pattern})"),
        PathVerdict::Conservative { reason } => format!("counts ({reason})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_told_apart_by_their_shape() {
        let push = json!({"ref": "refs/heads/main", "repository": {"clone_url": "https://github.com/o/r"}});
        assert!(matches!(
            read_event(push.to_string().as_bytes()).unwrap(),
            Event::Push(_)
        ));
        let form = format!("payload={}", push.to_string().replace('/', "%2F").replace(':', "%3A"));
        assert!(matches!(read_event(form.as_bytes()).unwrap(), Event::Push(_)));
        let gateway = json!({"headers": {"Content-Type": "application/json", "X-GitHub-Event": "push"},
                             "requestContext": {}, "body": push.to_string()});
        assert!(matches!(
            read_event(gateway.to_string().as_bytes()).unwrap(),
            Event::Push(_)
        ));
        let encoded = base64::engine::general_purpose::STANDARD.encode(push.to_string());
        let base64_gateway = json!({"headers": {}, "body": encoded, "isBase64Encoded": true});
        assert!(matches!(
            read_event(base64_gateway.to_string().as_bytes()).unwrap(),
            Event::Push(_)
        ));
        let ping = json!({"headers": {"x-github-event": "ping"}, "body": "{}"});
        let error = read_event(ping.to_string().as_bytes()).unwrap_err();
        assert!(error.to_string().contains("ping delivery"), "{error}");
        let s3 = json!({"Records": []});
        assert!(matches!(read_event(s3.to_string().as_bytes()).unwrap(), Event::S3(_)));
        let bridge = json!({"source": "aws.s3", "detail": {}});
        assert!(matches!(
            read_event(bridge.to_string().as_bytes()).unwrap(),
            Event::S3(_)
        ));
        for unknown in [&b"{\"hello\": 1}"[..], b"not json"] {
            assert!(read_event(unknown).is_err());
        }
    }
}
