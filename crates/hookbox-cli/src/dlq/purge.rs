//! `hookbox dlq purge`: deletes every dead letter, for good. Only with `--yes`, or after a person typed
//! the queue's name at a terminal; a script without `--yes` is refused, never purges by accident.

use std::io::{BufRead, Write};

use aws_sdk_sqs::types::QueueAttributeName;

use crate::dlq::error::DlqError;
use crate::dlq::queue::DeadLetterQueue;

/// How the purge was allowed.
pub enum Confirmation<'a> {
    /// `--yes`.
    Given,
    /// Ask on this terminal: the prompt goes to `prompt`, the answer is read from `answer`.
    Ask {
        prompt: &'a mut dyn Write,
        answer: &'a mut dyn BufRead,
    },
    /// Neither `--yes` nor a terminal.
    Impossible,
}

/// Purges `queue` once `confirmation` allows it, and returns how many messages it held just before
/// (SQS's approximate count).
pub async fn purge(queue: &DeadLetterQueue, confirmation: Confirmation<'_>) -> Result<u64, DlqError> {
    confirm(queue.name(), confirmation)?;
    let count = approximate_count(queue).await?;
    queue
        .sqs
        .purge_queue()
        .queue_url(&queue.url)
        .send()
        .await
        .map_err(|error| DlqError::sqs("purge", &queue.url, error))?;
    Ok(count)
}

fn confirm(name: &str, confirmation: Confirmation<'_>) -> Result<(), DlqError> {
    let refused = || DlqError::NotConfirmed { queue: name.to_owned() };
    match confirmation {
        Confirmation::Given => Ok(()),
        Confirmation::Impossible => Err(DlqError::NoConfirmation { queue: name.to_owned() }),
        Confirmation::Ask { prompt, answer } => {
            write!(
                prompt,
                "Delete every message in {name} for good? Type its name to confirm: "
            )
            .and_then(|()| prompt.flush())
            .map_err(|error| DlqError::io("cannot ask for confirmation", error))?;
            let mut line = String::new();
            answer
                .read_line(&mut line)
                .map_err(|error| DlqError::io("cannot read the confirmation", error))?;
            if line.trim() == name { Ok(()) } else { Err(refused()) }
        }
    }
}

async fn approximate_count(queue: &DeadLetterQueue) -> Result<u64, DlqError> {
    let output = queue
        .sqs
        .get_queue_attributes()
        .queue_url(&queue.url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|error| DlqError::sqs("read the attributes of", &queue.url, error))?;
    let attributes = output.attributes.unwrap_or_default();
    Ok(attributes.values().filter_map(|count| count.parse::<u64>().ok()).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(typed: &str) -> Result<(), DlqError> {
        let mut prompt = Vec::new();
        let mut answer = typed.as_bytes();
        let result = confirm(
            "mailbox-dlq",
            Confirmation::Ask {
                prompt: &mut prompt,
                answer: &mut answer,
            },
        );
        assert!(String::from_utf8(prompt).unwrap().contains("mailbox-dlq"));
        result
    }

    #[test]
    fn only_the_queue_name_or_yes_confirms() {
        assert!(ask("mailbox-dlq\n").is_ok());
        assert!(matches!(ask("y\n"), Err(DlqError::NotConfirmed { .. })));
        assert!(matches!(ask(""), Err(DlqError::NotConfirmed { .. })));
        assert!(confirm("q", Confirmation::Given).is_ok());
        assert!(matches!(
            confirm("q", Confirmation::Impossible),
            Err(DlqError::NoConfirmation { .. })
        ));
    }
}
