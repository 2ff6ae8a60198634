//! `hookbox dlq`: the dead-letter queue without the AWS CLI. A request the relay failed to deliver
//! `MaxReceiveCount` times ends there; these commands let a person see it ([`list`], [`show`]), send it
//! back to the mailbox queue for another try ([`redrive`]), or give it up ([`purge`]).
//!
//! Reading from SQS means receiving: [`queue`] receives with a short hold and makes what it did not
//! delete visible again when the command ends.

pub mod error;
pub mod list;
pub mod purge;
pub mod queue;
pub mod redrive;
pub mod show;
mod text;

/// What the unit tests of the subcommands share.
#[cfg(test)]
mod fixtures {
    use hookbox_core::Envelope;

    /// A GitHub POST as the mailbox stores it, without a body.
    pub fn github_post() -> Envelope {
        Envelope::new(
            "id-1".into(),
            "2026-11-23T12:00:00.000Z".into(),
            "github".into(),
            "POST".into(),
            "/hooks/github".into(),
        )
    }
}

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::duration::parse_duration;
use crate::relay::body::BodyResolver;
pub use error::DlqError;
use purge::Confirmation;
use queue::DeadLetterQueue;

/// SQS hides a received message for at most 12 hours.
const MAX_HOLD: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Args)]
pub struct DlqArgs {
    #[command(subcommand)]
    pub command: DlqCommand,
}

#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// A table of the dead letters, one row each.
    ///
    /// Columns: message id, route, method, path, when the request was received, how often SQS handed
    /// the message out, body size. Listing receives each message: it stays hidden from everyone else
    /// until the listing ends (at most --visibility-timeout if the command is killed), and its receive
    /// count goes up by one.
    List {
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        hold: HoldArgs,
        /// List at most this many messages.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
        max: u32,
    },
    /// One dead letter in full, its body decoded.
    ///
    /// Its SQS facts, its envelope, and its body (base64 decoded, claim-checked bodies fetched from S3
    /// and checked), as text when it is UTF-8. Finding it receives messages as list does.
    Show {
        /// The SQS message id (as list shows it) or the envelope's request id.
        id: String,
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        hold: HoldArgs,
        /// Look at most at this many messages to find it.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        max: u32,
        /// Address S3 buckets by path (for local stand-ins such as moto).
        #[arg(long, env = "HOOKBOX_S3_FORCE_PATH_STYLE")]
        s3_force_path_style: bool,
    },
    /// Send dead letters back to the mailbox queue for the relay to try again.
    ///
    /// Body and attributes are kept. Each message is sent first and deleted from the dead-letter queue
    /// only after the send succeeded: an interruption between the two leaves it in both queues
    /// (delivered twice, never lost). The messages not moved are left as they were.
    Redrive {
        #[command(flatten)]
        queue: QueueArgs,
        #[command(flatten)]
        hold: HoldArgs,
        /// The mailbox queue to send them to. Default: the one queue whose redrive policy names this
        /// dead-letter queue (SQS ListDeadLetterSourceQueues).
        #[arg(long, env = "HOOKBOX_DLQ_TO_QUEUE_URL")]
        to_queue_url: Option<String>,
        /// Move only the requests of these routes (repeat the flag, or comma-separate); default all.
        #[arg(
            long = "route",
            value_name = "NAME",
            env = "HOOKBOX_DLQ_ROUTES",
            value_delimiter = ','
        )]
        routes: Vec<String>,
        /// Move at most this many messages.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        max: u32,
    },
    /// Delete every dead letter, for good.
    ///
    /// Asks for the queue's name on a terminal; without one, only with --yes.
    Purge {
        #[command(flatten)]
        queue: QueueArgs,
        /// Purge without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct QueueArgs {
    /// The dead-letter queue (the stack's MailboxDeadLetterQueueUrl output).
    #[arg(long, env = "HOOKBOX_DLQ_URL")]
    pub queue_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct HoldArgs {
    /// How long a message received by this command stays hidden from everyone else if the command
    /// does not get to make it visible again (it is killed); when it ends, it releases them at once.
    #[arg(long, env = "HOOKBOX_DLQ_VISIBILITY_TIMEOUT", default_value = "20s", value_parser = parse_hold)]
    pub visibility_timeout: Duration,
}

impl DlqArgs {
    /// Runs the command with clients built from `aws`, writing its output to stdout.
    pub async fn run(self, aws: &aws_config::SdkConfig) -> Result<(), DlqError> {
        let sqs = aws_sdk_sqs::Client::new(aws);
        let queue = |queue: QueueArgs, hold: Duration| DeadLetterQueue {
            sqs: sqs.clone(),
            url: queue.queue_url,
            hold,
        };
        let mut out = std::io::stdout().lock();
        match self.command {
            DlqCommand::List { queue: q, hold, max } => {
                let count = list::list(&queue(q, hold.visibility_timeout), max as usize, &mut out).await?;
                tracing::info!(count, "listed");
            }
            DlqCommand::Show {
                id,
                queue: q,
                hold,
                max,
                s3_force_path_style,
            } => {
                let s3 = aws_sdk_s3::config::Builder::from(aws)
                    .force_path_style(s3_force_path_style)
                    .build();
                let bodies = BodyResolver {
                    s3: aws_sdk_s3::Client::from_conf(s3),
                };
                show::show(&queue(q, hold.visibility_timeout), &bodies, &id, max as usize, &mut out).await?;
            }
            DlqCommand::Redrive {
                queue: q,
                hold,
                to_queue_url,
                routes,
                max,
            } => {
                let queue = queue(q, hold.visibility_timeout);
                let to = match to_queue_url {
                    Some(url) => url,
                    None => queue.source_queue().await?,
                };
                if to == queue.url {
                    return Err(DlqError::SameQueue { queue: to });
                }
                let done = redrive::redrive(&queue, &to, routes, max as usize).await?;
                writeln!(
                    out,
                    "moved {} to {to}; left {} of other routes in {}",
                    done.moved, done.kept, queue.url
                )
                .map_err(|error| DlqError::io("cannot write the summary", error))?;
            }
            DlqCommand::Purge { queue: q, yes } => {
                let queue = queue(q, Duration::ZERO);
                let stdin = std::io::stdin();
                let (mut prompt, mut answer) = (std::io::stderr(), stdin.lock());
                let confirmation = if yes {
                    Confirmation::Given
                } else if stdin.is_terminal() {
                    Confirmation::Ask {
                        prompt: &mut prompt,
                        answer: &mut answer,
                    }
                } else {
                    Confirmation::Impossible
                };
                let count = purge::purge(&queue, confirmation).await?;
                let noun = if count == 1 { "message" } else { "messages" };
                writeln!(out, "purged {} (about {count} {noun})", queue.name())
                    .map_err(|error| DlqError::io("cannot write the summary", error))?;
            }
        }
        Ok(())
    }
}

fn parse_hold(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_secs(1) || duration > MAX_HOLD {
        return Err("SQS hides a message for 1s to 12h".into());
    }
    Ok(duration)
}
