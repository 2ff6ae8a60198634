//! The dead-letter queue as the commands see it: messages read one batch at a time, each once, and
//! handed back when the command is done with them.
//!
//! SQS has no way to look at a message without receiving it, and a received message is hidden from
//! everyone else for its visibility timeout. So a [`Scan`] receives with a short hold (the
//! `--visibility-timeout`), which also keeps the messages it has seen out of its own next receives,
//! and at the end makes every message it did not delete visible again at once. A command that is
//! killed leaves its messages hidden for at most the hold; none is lost. Each receive also counts in
//! the message's `ApproximateReceiveCount`, which for a dead letter (in a queue without a redrive
//! policy of its own) only informs.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, Message, MessageAttributeValue, MessageSystemAttributeName,
};
use hookbox_core::Envelope;
use hookbox_core::envelope::EnvelopeError;

use crate::dlq::error::DlqError;

/// SQS receives and changes at most 10 messages per call.
const BATCH: usize = 10;

/// How long one receive waits for messages. Long polling (more than zero) asks every SQS server, so an
/// empty answer means the queue has nothing visible rather than "this server had nothing".
const WAIT_SECONDS: i32 = 1;

/// A dead-letter queue and how long its commands hide what they receive.
pub struct DeadLetterQueue {
    pub sqs: aws_sdk_sqs::Client,
    pub url: String,
    pub hold: Duration,
}

/// One received dead letter.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub message_id: String,
    pub receipt_handle: String,
    /// How many times SQS has handed the message out (in the mailbox queue and here), this time
    /// included.
    pub receive_count: Option<u32>,
    /// The message body: a hookbox envelope, unless something else wrote to the queue.
    pub body: String,
    /// The message attributes (`route`, `content-type`, `delivery-id`), kept when it is redriven.
    pub attributes: HashMap<String, MessageAttributeValue>,
    /// The FIFO message group, when the queue is a FIFO queue.
    pub group_id: Option<String>,
}

impl DeadLetter {
    fn from_message(message: Message) -> Self {
        let system = |name: MessageSystemAttributeName| {
            message
                .attributes()
                .and_then(|attributes| attributes.get(&name))
                .cloned()
        };
        Self {
            receive_count: system(MessageSystemAttributeName::ApproximateReceiveCount)
                .and_then(|count| count.parse().ok()),
            group_id: system(MessageSystemAttributeName::MessageGroupId),
            message_id: message.message_id.unwrap_or_default(),
            receipt_handle: message.receipt_handle.unwrap_or_default(),
            body: message.body.unwrap_or_default(),
            attributes: message.message_attributes.unwrap_or_default(),
        }
    }

    /// The stored request, when the body is an envelope this build reads.
    pub fn envelope(&self) -> Result<Envelope, EnvelopeError> {
        Envelope::from_json(&self.body)
    }
}

impl DeadLetterQueue {
    /// The queue's name, the last segment of its URL: what `purge` asks a person to type.
    pub fn name(&self) -> &str {
        self.url.rsplit('/').next().unwrap_or(&self.url)
    }

    /// A new scan that looks at no more than `limit` messages.
    pub fn scan(&self, limit: usize) -> Scan<'_> {
        Scan {
            queue: self,
            limit,
            seen: HashSet::new(),
            held: HashMap::new(),
        }
    }

    /// The queue whose redrive policy names this one as its dead-letter queue, when there is exactly
    /// one: where `redrive` sends messages unless told otherwise. (SQS's `RedriveAllowPolicy` only says
    /// which queues may use this one; `ListDeadLetterSourceQueues` says which do.)
    pub async fn source_queue(&self) -> Result<String, DlqError> {
        let output = self
            .sqs
            .list_dead_letter_source_queues()
            .queue_url(&self.url)
            .send()
            .await
            .map_err(|error| DlqError::sqs("list the source queues of", &self.url, error))?;
        let mut sources = output.queue_urls;
        match sources.len() {
            0 => Err(DlqError::NoSourceQueue {
                queue: self.url.clone(),
            }),
            1 if output.next_token.is_none() => Ok(sources.remove(0)),
            _ => Err(DlqError::SeveralSourceQueues {
                queue: self.url.clone(),
                sources: sources.join(", "),
            }),
        }
    }

    /// Deletes one message by its receipt handle.
    pub async fn delete(&self, letter: &DeadLetter) -> Result<(), String> {
        self.sqs
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&letter.receipt_handle)
            .send()
            .await
            .map(drop)
            .map_err(|error| aws_sdk_sqs::error::DisplayErrorContext(error).to_string())
    }

    async fn receive(&self) -> Result<Vec<DeadLetter>, DlqError> {
        let output = self
            .sqs
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(BATCH as i32)
            .wait_time_seconds(WAIT_SECONDS)
            .visibility_timeout(self.hold.as_secs().clamp(1, i32::MAX as u64) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|error| DlqError::sqs("receive from", &self.url, error))?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(DeadLetter::from_message)
            .collect())
    }
}

/// Messages of a dead-letter queue, each handed out once, the ones not deleted made visible again by
/// [`Scan::release`].
pub struct Scan<'q> {
    queue: &'q DeadLetterQueue,
    limit: usize,
    /// Message ids handed out so far.
    seen: HashSet<String>,
    /// Message id → the latest receipt handle of every message received and not deleted.
    held: HashMap<String, String>,
}

impl Scan<'_> {
    /// The next messages not handed out before; none when the queue has nothing more to show, a
    /// receive brought only messages seen already (the hold ran out during a long scan), or `limit`
    /// messages have been handed out.
    pub async fn next_batch(&mut self) -> Result<Vec<DeadLetter>, DlqError> {
        let room = self.limit.saturating_sub(self.seen.len());
        if room == 0 {
            return Ok(Vec::new());
        }
        let received = self.queue.receive().await?;
        let mut fresh = Vec::new();
        for letter in received {
            self.held
                .insert(letter.message_id.clone(), letter.receipt_handle.clone());
            if fresh.len() < room && self.seen.insert(letter.message_id.clone()) {
                fresh.push(letter);
            }
        }
        Ok(fresh)
    }

    /// How many messages have been handed out.
    pub fn seen(&self) -> usize {
        self.seen.len()
    }

    /// Notes that `letter` was deleted, so that it is not released.
    pub fn deleted(&mut self, letter: &DeadLetter) {
        self.held.remove(&letter.message_id);
    }

    /// Makes every message received and not deleted visible again now. A failure only delays that
    /// until their hold ends, so it is logged, not returned.
    pub async fn release(self) {
        let handles: Vec<String> = self.held.into_values().collect();
        for chunk in handles.chunks(BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(index, handle)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(index.to_string())
                        .receipt_handle(handle)
                        .visibility_timeout(0)
                        .build()
                        .expect("id and receipt handle are set")
                })
                .collect();
            let result = self
                .queue
                .sqs
                .change_message_visibility_batch()
                .queue_url(&self.queue.url)
                .set_entries(Some(entries))
                .send()
                .await;
            let failed = match result {
                Ok(output) => output.failed.len(),
                Err(error) => {
                    tracing::warn!(
                        error = %aws_sdk_sqs::error::DisplayErrorContext(error),
                        "cannot make messages visible again"
                    );
                    chunk.len()
                }
            };
            if failed > 0 {
                tracing::warn!(
                    count = failed,
                    hold_s = self.queue.hold.as_secs(),
                    "some messages stay hidden until their visibility timeout ends"
                );
            }
        }
    }
}
