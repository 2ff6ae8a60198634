//! SDK clients pointed at a local moto server, and the few queue, bucket and table operations tests need.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};

/// The region and fake credentials every local process uses; moto accepts any.
pub const REGION: &str = "eu-west-1";

/// Environment for a process (a function, the relay) that should talk to `endpoint` instead of AWS.
pub fn local_aws_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("HOOKBOX_S3_FORCE_PATH_STYLE", "true"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

/// SQS, S3, Secrets Manager and DynamoDB clients for a moto endpoint.
pub struct LocalAws {
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl LocalAws {
    pub async fn new(endpoint: &str) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "testing", "testing", None, None, "testkit",
            ))
            .load()
            .await;
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Self {
            sqs: aws_sdk_sqs::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
        }
    }

    /// Creates a Secrets Manager secret with a text value and returns its ARN.
    pub async fn create_secret(&self, name: &str, text: &str) -> String {
        let output = self
            .secrets
            .create_secret()
            .name(name)
            .secret_string(text)
            .send()
            .await
            .expect("moto creates secrets");
        output.arn.expect("a created secret has an ARN")
    }

    /// Creates a hooks table as the template's `HooksTable`: string keys `pk` and `sk`, on demand.
    pub async fn create_hooks_table(&self, name: &str) {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set")
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .expect("name and type are set")
        };
        self.dynamodb
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk"))
            .attribute_definitions(attribute("sk"))
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .send()
            .await
            .expect("moto creates tables");
    }

    /// Creates a queue with the given `MaximumMessageSize` and returns its URL.
    pub async fn create_queue(&self, name: &str, max_message_bytes: usize) -> String {
        let mut request = self
            .sqs
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::MaximumMessageSize, max_message_bytes.to_string());
        if name.ends_with(".fifo") {
            request = request.attributes(QueueAttributeName::FifoQueue, "true");
        }
        let output = request.send().await.expect("moto creates queues");
        output.queue_url.expect("a created queue has a URL")
    }

    /// Creates `name` with a dead-letter queue `name-dlq` that takes messages received more than
    /// `max_receive_count` times, as the SAM template does; returns both URLs.
    pub async fn create_queue_with_dlq(
        &self,
        name: &str,
        max_message_bytes: usize,
        max_receive_count: u32,
    ) -> (String, String) {
        let dlq_url = self.create_queue(&format!("{name}-dlq"), max_message_bytes).await;
        let dlq_arn = self.queue_attribute(&dlq_url, QueueAttributeName::QueueArn).await;
        let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":{max_receive_count}}}"#);
        let url = self.create_queue(name, max_message_bytes).await;
        self.sqs
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(QueueAttributeName::RedrivePolicy, policy)
            .send()
            .await
            .expect("moto sets the redrive policy");
        (url, dlq_url)
    }

    async fn queue_attribute(&self, queue_url: &str, name: QueueAttributeName) -> String {
        let output = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(name.clone())
            .send()
            .await
            .expect("moto reads queue attributes");
        output
            .attributes
            .and_then(|mut attributes| attributes.remove(&name))
            .expect("the attribute is set")
    }

    /// Messages in a queue: (visible, received but not yet deleted or released).
    pub async fn depth(&self, queue_url: &str) -> (u64, u64) {
        let count = |name| async move {
            self.queue_attribute(queue_url, name)
                .await
                .parse::<u64>()
                .expect("a count")
        };
        (
            count(QueueAttributeName::ApproximateNumberOfMessages).await,
            count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await,
        )
    }

    /// Sends message bodies in batches of ten.
    pub async fn send_all(&self, queue_url: &str, bodies: &[String]) {
        for chunk in bodies.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(index, body)| {
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(index.to_string())
                        .message_body(body)
                        .build()
                        .expect("id and body are set")
                })
                .collect();
            let output = self
                .sqs
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .expect("moto sends");
            assert!(output.failed.is_empty(), "{:?}", output.failed);
        }
    }

    /// Stores an object.
    pub async fn put_object(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .expect("moto stores objects");
    }

    pub async fn create_bucket(&self, name: &str) {
        self.s3
            .create_bucket()
            .bucket(name)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                    .build(),
            )
            .send()
            .await
            .expect("moto creates buckets");
    }

    /// The ARN of a queue, as bucket notifications name it.
    pub async fn queue_arn(&self, queue_url: &str) -> String {
        let output = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("moto answers queue attributes");
        output
            .attributes
            .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn).cloned())
            .expect("a queue has an ARN")
    }

    /// Makes `bucket` send every ObjectCreated event of the keys under `prefix` ("" for all) to the
    /// queue `queue_arn` (replacing its notification configuration, as S3's API does), the way a
    /// bucket feeds an SQS fan-out. moto then writes its S3 event notifications into the queue,
    /// starting with an `s3:TestEvent`.
    pub async fn notify_queue(&self, bucket: &str, id: &str, queue_arn: &str, prefix: &str) {
        use aws_sdk_s3::types::{
            Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
            QueueConfiguration, S3KeyFilter,
        };
        let mut queue = QueueConfiguration::builder()
            .id(id)
            .queue_arn(queue_arn)
            .events(Event::S3ObjectCreated);
        if !prefix.is_empty() {
            let rule = FilterRule::builder().name(FilterRuleName::Prefix).value(prefix).build();
            let key = S3KeyFilter::builder().filter_rules(rule).build();
            queue = queue.filter(NotificationConfigurationFilter::builder().key(key).build());
        }
        let queue = queue.build().expect("a complete queue configuration");
        self.s3
            .put_bucket_notification_configuration()
            .bucket(bucket)
            .notification_configuration(NotificationConfiguration::builder().queue_configurations(queue).build())
            .send()
            .await
            .expect("moto stores notification configurations");
    }

    /// Receives (and deletes) messages until `expected` have arrived or `limit` has passed.
    pub async fn drain(&self, queue_url: &str, expected: usize, limit: Duration) -> Vec<Message> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut messages = Vec::new();
        while messages.len() < expected && tokio::time::Instant::now() < deadline {
            let output = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .message_attribute_names("All")
                .send()
                .await
                .expect("moto receives");
            for message in output.messages.unwrap_or_default() {
                if let Some(handle) = message.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .expect("moto deletes");
                }
                messages.push(message);
            }
        }
        messages
    }

    /// The keys of every object in a bucket (up to the first thousand).
    pub async fn object_keys(&self, bucket: &str) -> Vec<String> {
        let output = self
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .expect("moto lists objects");
        output
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|object| object.key)
            .collect()
    }

    /// An object's bytes.
    pub async fn object(&self, bucket: &str, key: &str) -> Vec<u8> {
        let output = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .expect("the object exists");
        output
            .body
            .collect()
            .await
            .expect("the object body reads")
            .into_bytes()
            .to_vec()
    }
}
