//! What can go wrong with a dead-letter command, each saying which queue or message it concerns, so
//! that `main` prints one line that is enough to act on.

use crate::relay::body::BodyError;

#[derive(Debug, thiserror::Error)]
pub enum DlqError {
    /// An SQS call failed; `cause` is the SDK's whole error chain.
    #[error("cannot {action} {queue}: {cause}")]
    Sqs {
        action: &'static str,
        queue: String,
        cause: String,
    },
    /// `show` looked at every message it could and none has this id; `more` when it stopped at `--max`.
    #[error(
        "no message {id} among the {scanned} messages looked at in {queue}{}",
        if *more { " (raise --max to look further)" } else { "" }
    )]
    NotFound {
        id: String,
        scanned: usize,
        queue: String,
        more: bool,
    },
    /// The body of a message that `show` found cannot be had. (Causes are part of each message, not
    /// `source`s, so that `main`'s `{:#}` does not print them twice.)
    #[error("message {id}: {cause}")]
    Body { id: String, cause: BodyError },
    /// `redrive` was not told where to, and the dead-letter queue has no single source queue.
    #[error("no queue names {queue} as its dead-letter queue: give --to-queue-url (or HOOKBOX_DLQ_TO_QUEUE_URL)")]
    NoSourceQueue { queue: String },
    #[error(
        "several queues use {queue} as their dead-letter queue ({sources}): choose one with --to-queue-url \
         (or HOOKBOX_DLQ_TO_QUEUE_URL)"
    )]
    SeveralSourceQueues { queue: String, sources: String },
    /// `redrive --to-queue-url` named the dead-letter queue itself.
    #[error("{queue} is the dead-letter queue itself: redrive to the mailbox queue")]
    SameQueue { queue: String },
    /// A dead letter reached the mailbox queue but is still in the dead-letter queue too.
    #[error("message {id} was sent to {to} but cannot be deleted from {queue}, so it is in both now: {cause}")]
    NotDeleted {
        id: String,
        to: String,
        queue: String,
        cause: String,
    },
    /// `purge` without `--yes` and without a terminal to ask on.
    #[error("refusing to purge {queue} without --yes: stdin is not a terminal to confirm on")]
    NoConfirmation { queue: String },
    /// `purge` asked, and the answer was not the queue's name.
    #[error("not purged: the answer was not the queue's name {queue:?}")]
    NotConfirmed { queue: String },
    /// Reading the confirmation or writing the output failed.
    #[error("{what}: {cause}")]
    Io { what: &'static str, cause: std::io::Error },
}

impl DlqError {
    /// An SQS failure of `action` on `queue`.
    pub(crate) fn sqs<E>(action: &'static str, queue: &str, error: aws_sdk_sqs::error::SdkError<E>) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Self::Sqs {
            action,
            queue: queue.to_owned(),
            cause: aws_sdk_sqs::error::DisplayErrorContext(error).to_string(),
        }
    }

    pub(crate) fn io(what: &'static str, cause: std::io::Error) -> Self {
        Self::Io { what, cause }
    }
}
