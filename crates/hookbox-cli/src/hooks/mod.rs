//! `hookbox hooks`: webhook tokens as a service from the command line. `create`, `list`, `show` and
//! `delete` call the stack's management API (`/wh/config`), signed with SigV4 from the standard AWS
//! credential chain (API Gateway's AWS_IAM authorization), or with `--bearer` a JWT when the stack uses
//! a JWT authorizer. The API keeps each caller to its own hooks.

pub mod client;
pub mod sign;

use std::io::Write as _;

use anyhow::Context as _;
use aws_credential_types::provider::ProvideCredentials as _;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use client::{ApiClient, Auth, region_of};

#[derive(Debug, Args)]
pub struct HooksArgs {
    /// The management API: the stack's HooksApiUrl output, or the API's address before /wh.
    #[arg(long, env = "HOOKBOX_HOOKS_API_URL", global = true)]
    pub api_url: Option<String>,

    /// Send this JWT as a bearer token instead of signing with AWS credentials (for a stack deployed
    /// with HooksJwtIssuer).
    #[arg(long, env = "HOOKBOX_HOOKS_BEARER", global = true, hide_env_values = true)]
    pub bearer: Option<String>,

    /// The region to sign for; default: the region in an execute-api URL, else AWS_REGION or the profile's.
    #[arg(long, global = true)]
    pub region: Option<String>,

    #[command(subcommand)]
    pub command: HooksCommand,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Create the hook for a datasource and event, or update its tsField when it exists. Prints the new
    /// hook's URL: it is shown this once (the stack keeps only a hash of its tokens). An existing hook
    /// keeps its URL, and nothing is printed but its id.
    Create {
        /// The sender, e.g. github (letters, digits, - and _).
        #[arg(long)]
        datasource: String,
        /// The event, e.g. push.
        #[arg(long)]
        event: String,
        /// Where a delivery's timestamp is in its JSON body, e.g. commits[0].timestamp: sent as the SQS
        /// attribute ts. "" clears it; without the option an existing hook keeps its own.
        #[arg(long)]
        ts_field: Option<String>,
        /// Print the API's JSON answer instead.
        #[arg(long)]
        json: bool,
    },
    /// Every hook of the caller, one per line: id, datasource, event, tsField, created.
    List {
        /// Print the hooks as one JSON array instead.
        #[arg(long)]
        json: bool,
    },
    /// One hook, by its token or its id, as JSON.
    Show { hook: String },
    /// Revoke a hook, by its token or its id: its URL stops accepting within the stack's
    /// HooksCacheSeconds.
    Delete { hook: String },
}

impl HooksArgs {
    /// Runs the subcommand, printing to stdout.
    pub async fn run(self, aws: &aws_config::SdkConfig) -> anyhow::Result<()> {
        let api_url = self
            .api_url
            .context("--api-url (or HOOKBOX_HOOKS_API_URL) is required: the stack's HooksApiUrl output")?;
        let auth = match self.bearer {
            Some(token) => Auth::Bearer(token),
            None => {
                let region = self
                    .region
                    .or_else(|| region_of(&api_url))
                    .or_else(|| aws.region().map(ToString::to_string))
                    .context("no region to sign for: use --region or AWS_REGION")?;
                let provider = aws
                    .credentials_provider()
                    .context("no AWS credentials: configure a profile or AWS_ACCESS_KEY_ID")?;
                let credentials = provider
                    .provide_credentials()
                    .await
                    .context("no AWS credentials to sign with")?;
                Auth::SigV4 { credentials, region }
            }
        };
        let client = ApiClient::new(&api_url, auth);
        let mut out = std::io::stdout().lock();
        match self.command {
            HooksCommand::Create {
                datasource,
                event,
                ts_field,
                json,
            } => {
                let mut body = json!({"datasource": datasource, "event": event});
                if let Some(ts_field) = ts_field {
                    body["tsField"] = ts_field.into();
                }
                let hook = client.json(Method::POST, "/wh/config", Some(&body)).await?;
                if json {
                    writeln!(out, "{hook:#}")?;
                } else {
                    writeln!(out, "{}", created_line(&hook))?;
                }
            }
            HooksCommand::List { json } => {
                let hooks = list_all(&client).await?;
                if json {
                    writeln!(out, "{:#}", Value::Array(hooks))?;
                } else {
                    for hook in &hooks {
                        writeln!(out, "{}", list_line(hook))?;
                    }
                }
            }
            HooksCommand::Show { hook } => {
                let hook = client
                    .json(Method::GET, &format!("/wh/config/{}", segment(&hook)?), None)
                    .await?;
                writeln!(out, "{hook:#}")?;
            }
            HooksCommand::Delete { hook } => {
                client
                    .send(Method::DELETE, &format!("/wh/config/{}", segment(&hook)?), None)
                    .await?;
                writeln!(out, "deleted {hook}")?;
            }
        }
        Ok(())
    }
}

/// Every page of the caller's hooks.
async fn list_all(client: &ApiClient) -> anyhow::Result<Vec<Value>> {
    let mut hooks = Vec::new();
    let mut next: Option<String> = None;
    // Bounded: a thousand pages of a hundred is more hooks than one tenant has.
    for _ in 0..1000 {
        let query = match &next {
            None => "/wh/config?limit=100".to_owned(),
            Some(after) => format!(
                "/wh/config?limit=100&next={}",
                form_urlencoded::byte_serialize(after.as_bytes()).collect::<String>()
            ),
        };
        let page = client.json(Method::GET, &query, None).await?;
        hooks.extend(page["hooks"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(after) => next = Some(after.to_owned()),
            None => return Ok(hooks),
        }
    }
    anyhow::bail!("the API kept answering with a next page")
}

/// A hook's token or id as one path segment: both are URL-safe, anything else is refused here.
fn segment(hook: &str) -> anyhow::Result<&str> {
    let safe = !hook.is_empty()
        && hook
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    anyhow::ensure!(safe, "{hook:?} is neither a hook's token nor its id");
    Ok(hook)
}

/// What `create` prints: the new hook's URL, or that an existing one was updated.
fn created_line(hook: &Value) -> String {
    match hook["hookUrl"].as_str() {
        Some(url) => url.to_owned(),
        None => format!(
            "updated {} ({}/{}); its URL is unchanged",
            text(&hook["id"]),
            text(&hook["datasource"]),
            text(&hook["event"])
        ),
    }
}

/// One line of `list`.
fn list_line(hook: &Value) -> String {
    [
        &hook["id"],
        &hook["datasource"],
        &hook["event"],
        &hook["tsField"],
        &hook["createdAt"],
    ]
    .map(text)
    .join("\t")
}

fn text(value: &Value) -> String {
    value.as_str().map_or_else(|| "-".to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_prints_the_url_once_and_list_one_line_per_hook() {
        let created = json!({"id": "ab", "datasource": "github", "event": "push", "hookUrl": "https://x/wh/a/t"});
        assert_eq!(created_line(&created), "https://x/wh/a/t");
        let updated = json!({"id": "ab", "datasource": "github", "event": "push", "hookUrl": null});
        assert_eq!(created_line(&updated), "updated ab (github/push); its URL is unchanged");
        let listed = json!({"id": "ab", "datasource": "github", "event": "push", "tsField": null, "createdAt": "2026"});
        assert_eq!(list_line(&listed), "ab\tgithub\tpush\t-\t2026");
        assert!(segment("../x").is_err() && segment("abc_-1").is_ok());
    }
}
