//! `hookbox dlq redrive`: dead letters back into the mailbox queue, for the relay to try again.
//!
//! Each message is sent to the mailbox queue first and deleted from the dead-letter queue only after
//! the send succeeded, so an interruption between the two (a kill, a lost connection) leaves the
//! message in both queues, never in neither: it may be delivered twice, it is never lost. The copy
//! keeps the message's body and attributes; it is a new message to SQS (new id, receive count 0).
//!
//! SQS has a server-side move (`StartMessageMoveTask`), but it cannot filter by route and the local
//! stand-in the tests run against (moto) does not implement it, so every redrive takes this path,
//! which the tests prove.

use aws_sdk_sqs::types::MessageAttributeValue;

use crate::dlq::error::DlqError;
use crate::dlq::queue::{DeadLetter, DeadLetterQueue};
use crate::relay::filter::Filter;

/// The most messages one redrive looks at, moved or not: a bound on its receives whatever the queue
/// holds.
pub const SCAN_LIMIT: usize = 10_000;

/// What a redrive did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Redriven {
    /// Sent to the mailbox queue and deleted from the dead-letter queue.
    pub moved: usize,
    /// Left where they are because their route was not asked for.
    pub kept: usize,
}

/// Moves up to `max` messages whose route is one of `routes` (all when empty) from `queue` to the
/// queue at `to`. Stops at the first failure, after which every message is still in one of the two
/// queues (or both, see the module's documentation).
pub async fn redrive(queue: &DeadLetterQueue, to: &str, routes: Vec<String>, max: usize) -> Result<Redriven, DlqError> {
    let filter = Filter {
        routes,
        content_types: Vec::new(),
    };
    let mut done = Redriven::default();
    let mut scan = queue.scan(SCAN_LIMIT);
    let result = 'scan: loop {
        let batch = match scan.next_batch().await {
            Ok(batch) if batch.is_empty() => break Ok(()),
            Ok(batch) => batch,
            Err(error) => break Err(error),
        };
        for letter in batch {
            if !wanted(&filter, &letter) {
                done.kept += 1;
                continue;
            }
            if let Err(error) = move_one(queue, to, &letter).await {
                break 'scan Err(error);
            }
            scan.deleted(&letter);
            done.moved += 1;
            if done.moved >= max {
                break 'scan Ok(());
            }
        }
    };
    scan.release().await;
    if result.is_err() {
        tracing::info!(moved = done.moved, kept = done.kept, "redrive stopped before the end");
    }
    result.map(|()| done)
}

/// Whether `letter` is to be moved: any message when no route is asked for (also one that is no
/// envelope, as SQS's own redrive would), else an envelope of one of the routes.
fn wanted(filter: &Filter, letter: &DeadLetter) -> bool {
    if filter.routes.is_empty() {
        return true;
    }
    letter
        .envelope()
        .is_ok_and(|envelope| filter.accepts(&envelope.route, None))
}

/// Sends `letter` to `to`, then deletes it from `queue`: in this order, so that no interruption
/// loses it.
async fn move_one(queue: &DeadLetterQueue, to: &str, letter: &DeadLetter) -> Result<(), DlqError> {
    let attributes: Option<std::collections::HashMap<String, MessageAttributeValue>> =
        (!letter.attributes.is_empty()).then(|| letter.attributes.clone());
    let sent = queue
        .sqs
        .send_message()
        .queue_url(to)
        .message_body(&letter.body)
        .set_message_attributes(attributes)
        // A FIFO dead letter keeps its group. Its deduplication id is new, or SQS would drop the copy
        // of a message first sent less than five minutes ago; it is the same for every retry of this
        // redrive, so a retry after an interruption within five minutes does not duplicate it.
        .set_message_group_id(letter.group_id.clone())
        .set_message_deduplication_id(
            letter
                .group_id
                .as_ref()
                .map(|_| format!("redrive-{}", letter.message_id)),
        )
        .send()
        .await
        .map_err(|error| DlqError::sqs("send to", to, error))?;
    queue.delete(letter).await.map_err(|cause| DlqError::NotDeleted {
        id: letter.message_id.clone(),
        to: to.to_owned(),
        queue: queue.url.clone(),
        cause,
    })?;
    let route = letter.envelope().map(|envelope| envelope.route).unwrap_or_default();
    tracing::info!(
        id = %letter.message_id,
        %route,
        new_id = sent.message_id().unwrap_or_default(),
        "moved back to the mailbox queue"
    );
    Ok(())
}
