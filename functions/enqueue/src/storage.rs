//! Writing to AWS: envelopes to SQS, large bodies to S3. The clients are built once at cold start by
//! `main.rs` and handed in.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::MessageAttributeValue;

use crate::message::{Attributes, deduplication_id, is_fifo};

/// A dependency (SQS or S3) did not take the request.
#[derive(Debug, thiserror::Error)]
#[error("{what} failed: {reason}")]
pub struct DependencyError {
    /// What was being written, e.g. `queue mailbox`.
    pub what: String,
    /// The service's error code, or what went wrong on the way to it; safe to show the caller.
    pub reason: String,
    /// 502 when the service answered with an error, 503 when it could not be reached in time: either
    /// way the sender should retry.
    pub status: u16,
}

impl DependencyError {
    fn from_sdk<E, R>(what: String, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        tracing::error!(target_name = %what, error = %DisplayErrorContext(error), "dependency failed");
        let (status, reason) = match error {
            SdkError::ServiceError(service) => (502, service.err().code().unwrap_or("service error").to_owned()),
            SdkError::TimeoutError(_) => (503, "timed out".to_owned()),
            SdkError::DispatchFailure(_) => (503, "unreachable".to_owned()),
            _ => (502, "unexpected response".to_owned()),
        };
        Self { what, reason, status }
    }
}

/// The AWS clients the function writes with.
#[derive(Debug, Clone)]
pub struct Storage {
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
}

/// One message for one queue.
pub struct Outgoing<'a> {
    pub queue_name: &'a str,
    pub queue_url: &'a str,
    pub body: &'a str,
    pub attributes: &'a Attributes,
    /// FIFO queues: the message group.
    pub message_group: &'a str,
    /// FIFO queues: the delivery id or, without one, the envelope id.
    pub deduplication_key: &'a str,
}

impl Storage {
    /// Sends one message and returns its SQS message id.
    pub async fn send(&self, message: Outgoing<'_>) -> Result<String, DependencyError> {
        let mut request = self
            .sqs
            .send_message()
            .queue_url(message.queue_url)
            .message_body(message.body);
        for (name, value) in message.attributes.iter() {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .expect("data type is set");
            request = request.message_attributes(name, value);
        }
        if is_fifo(message.queue_url) {
            request = request
                .message_group_id(message.message_group)
                .message_deduplication_id(deduplication_id(message.deduplication_key));
        }
        let what = || format!("queue {}", message.queue_name);
        let output = request
            .send()
            .await
            .map_err(|error| DependencyError::from_sdk(what(), &error))?;
        Ok(output.message_id.unwrap_or_default())
    }

    /// Stores a body in the claim-check bucket. The object is always `application/octet-stream`, with
    /// the request's content type kept as metadata: the envelope's headers are what a relay replays, and
    /// a form content type on a PUT makes some S3 stand-ins (moto) parse the body away as a form.
    pub async fn put_body(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
        sha256_hex: &str,
    ) -> Result<(), DependencyError> {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/octet-stream")
            .set_metadata(Some(
                [("sha256", Some(sha256_hex)), ("request-content-type", content_type)]
                    .into_iter()
                    .filter_map(|(name, value)| Some((name.to_owned(), value?.to_owned())))
                    .collect(),
            ))
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|error| DependencyError::from_sdk(format!("claim-check bucket {bucket}"), &error))?;
        Ok(())
    }

    /// Deletes a claim-checked body that no message refers to.
    pub async fn delete_body(&self, bucket: &str, key: &str) -> Result<(), DependencyError> {
        self.s3
            .delete_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|error| DependencyError::from_sdk(format!("claim-check bucket {bucket}"), &error))?;
        Ok(())
    }
}
