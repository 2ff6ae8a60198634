//! The receive → deliver → delete loop. A message is deleted only after its delivery succeeded; every
//! other outcome leaves it in the queue, hidden for a back-off delay, so SQS hands it out again and its
//! redrive policy (not the relay) moves it to the dead-letter queue after too many receives.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use hookbox_core::Envelope;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit, mpsc, watch};
use tokio::task::JoinSet;

use crate::relay::body::BodyResolver;
use crate::relay::filter::Filter;
use crate::relay::stats::{Stats, Summary};
use crate::relay::target::{Outcome, Target};

/// SQS receives and deletes at most 10 messages per call.
const BATCH: usize = 10;

/// How long the deleter waits for a batch to fill before it deletes what it has. Short beside any
/// visibility timeout (a delivered message is no longer kept hidden), long beside a local delivery: a
/// busy relay sends full DeleteMessageBatch requests instead of one per few messages.
const DELETE_LINGER: Duration = Duration::from_millis(20);

/// How the loop runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    pub visibility_timeout: Duration,
    pub wait: Duration,
    pub retry_delay: Duration,
    pub max_retry_delay: Duration,
    pub once: bool,
    pub dry_run: bool,
}

/// A relay: one queue, one target.
pub struct Relay<T> {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    bodies: BodyResolver,
    target: T,
    filter: Filter,
    settings: Settings,
    stats: Arc<Stats>,
}

/// What one receiver of [`Relay::run`] shares with the others.
struct Receiver {
    index: usize,
    /// A permit per message held, received and not yet finished.
    held: Arc<Semaphore>,
    /// Whether the last receive came back full: the extra receivers run only while it does.
    deep: Arc<watch::Sender<bool>>,
    /// Set by the receiver that found the queue empty under `once`: every receiver stops.
    halt: Arc<watch::Sender<bool>>,
    halted: watch::Receiver<bool>,
    shutdown: watch::Receiver<bool>,
    batches: mpsc::Sender<(Vec<Message>, OwnedSemaphorePermit)>,
}

/// How many receives a relay with `concurrency` delivery slots keeps in flight while the queue is
/// deep: enough batches of 10 to fill its slots once per round trip, at least one.
pub fn receives_in_flight(concurrency: usize) -> usize {
    concurrency.div_ceil(BATCH).max(1)
}

/// A received message's identity, for logs and visibility changes.
struct Received {
    message_id: String,
    receipt_handle: String,
    /// How many times SQS has handed the message out, this time included.
    attempt: u32,
}

impl<T: Target> Relay<T> {
    pub fn new(
        sqs: aws_sdk_sqs::Client,
        queue_url: String,
        bodies: BodyResolver,
        target: T,
        filter: Filter,
        settings: Settings,
    ) -> Self {
        Self {
            sqs,
            queue_url,
            bodies,
            target,
            filter,
            settings,
            stats: Arc::default(),
        }
    }

    /// The live counters, for the metrics endpoint.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    /// Runs until `shutdown` turns true (or, with `once`, until the queue has nothing visible), then
    /// lets the deliveries under way finish (each is bounded by the request timeout), hands the
    /// messages received ahead of them back to the queue, deletes what was delivered, and returns what
    /// happened.
    ///
    /// Every receive asks for a full batch: the messages beyond the free delivery slots wait for one,
    /// kept hidden meanwhile. Asking only for as many as there are free slots made a busy relay send
    /// several small receives where one does (SQS bills per request, and each one costs a round trip).
    ///
    /// SQS is a round trip away (tens of ms from behind a firewall), so one receive at a time caps a
    /// relay at 10 messages per round trip however fast its target is. While the queue is deep (the
    /// last receive came back full) up to [`receives_in_flight`] receives run at once; when it is not,
    /// one receiver long-polls alone, so an idle relay costs one request per `--wait`. A relay never
    /// holds more than `concurrency` + 10 per receive in flight.
    pub async fn run(self: Arc<Self>, shutdown: watch::Receiver<bool>) -> Summary {
        let receivers = receives_in_flight(self.settings.concurrency);
        let (deletes, deleter) = mpsc::channel::<String>(self.settings.concurrency.max(BATCH));
        let deleter = tokio::spawn(self.clone().delete_batches(deleter, receivers + 1));
        let slots = Arc::new(Semaphore::new(self.settings.concurrency));
        let held = Arc::new(Semaphore::new(self.settings.concurrency + BATCH * receivers));
        let (halt, halted) = watch::channel(false);
        let (deep, _) = watch::channel(false);
        let (deep, halt) = (Arc::new(deep), Arc::new(halt));
        let (batches, mut received) = mpsc::channel(receivers);
        let mut receiving = JoinSet::new();
        for index in 0..receivers {
            let receiver = Receiver {
                index,
                held: held.clone(),
                deep: deep.clone(),
                halt: halt.clone(),
                halted: halted.clone(),
                shutdown: shutdown.clone(),
                batches: batches.clone(),
            };
            receiving.spawn(self.clone().receive_batches(receiver));
        }
        drop(batches);
        let mut deliveries = JoinSet::new();
        while let Some((messages, mut batch)) = received.recv().await {
            while deliveries.try_join_next().is_some() {}
            for message in messages {
                let hold: OwnedSemaphorePermit = batch.split(1).expect("a batch holds a permit per message");
                let relay = self.clone();
                let (slots, deletes, shutdown) = (slots.clone(), deletes.clone(), shutdown.clone());
                deliveries.spawn(async move {
                    relay.handle(message, &slots, shutdown, deletes).await;
                    drop(hold);
                });
            }
        }
        while receiving.join_next().await.is_some() {}
        while deliveries.try_join_next().is_some() {}
        tracing::info!(
            in_flight = deliveries.len(),
            "stopped receiving; finishing deliveries under way"
        );
        while deliveries.join_next().await.is_some() {}
        drop(deletes);
        let _ = deleter.await;
        let summary = self.stats.summary();
        tracing::info!(
            delivered = summary.delivered,
            retried = summary.retried,
            failed = summary.failed,
            skipped = summary.skipped,
            dry_run = summary.dry_run,
            delete_failed = summary.delete_failed,
            released = summary.released,
            receive_requests = summary.receive_requests,
            receive_errors = summary.receive_errors,
            delete_requests = summary.delete_requests,
            delete_errors = summary.delete_errors,
            "relay summary"
        );
        summary
    }

    /// One receiver: receives batches and hands them on with a hold per message, until the relay
    /// stops or (with `once`) a receive comes back empty. Receiver 0 always runs; the others only
    /// while the queue is deep.
    async fn receive_batches(self: Arc<Self>, receiver: Receiver) {
        let Receiver {
            index,
            held,
            deep,
            halt,
            mut halted,
            mut shutdown,
            batches,
        } = receiver;
        let mut deep_now = deep.subscribe();
        loop {
            if index > 0 {
                tokio::select! {
                    () = stopped(&mut halted) => return,
                    () = stopped(&mut shutdown) => return,
                    _ = deep_now.wait_for(|deep| *deep) => {}
                }
            }
            let batch = tokio::select! {
                () = stopped(&mut halted) => return,
                () = stopped(&mut shutdown) => return,
                permits = held.clone().acquire_many_owned(BATCH as u32) => {
                    permits.expect("the semaphore is never closed")
                }
            };
            // A receive cut short by a signal may have taken messages already: they stay hidden for
            // the visibility timeout and then come back, so nothing is lost. One under way when
            // another receiver found the queue empty runs to its end: its messages are delivered.
            let received = tokio::select! {
                () = stopped(&mut shutdown) => return,
                received = self.receive() => received,
            };
            match received {
                Ok(messages) if messages.is_empty() && self.settings.once => {
                    halt.send_replace(true);
                    return;
                }
                Ok(messages) => {
                    deep.send_replace(messages.len() == BATCH);
                    if !messages.is_empty() && batches.send((messages, batch)).await.is_err() {
                        return;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot receive from the queue; trying again in 1s");
                    tokio::select! {
                        () = stopped(&mut shutdown) => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }

    async fn receive(&self) -> Result<Vec<Message>, String> {
        self.stats.receive_request();
        let output = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(BATCH as i32)
            .wait_time_seconds(self.settings.wait.as_secs() as i32)
            .visibility_timeout(seconds(self.settings.visibility_timeout))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await;
        match output {
            Ok(output) => {
                self.stats.received();
                Ok(output.messages.unwrap_or_default())
            }
            Err(error) => {
                self.stats.receive_error();
                Err(aws_sdk_sqs::error::DisplayErrorContext(error).to_string())
            }
        }
    }

    /// One message, from its body to deletion or back-off.
    async fn handle(
        &self,
        message: Message,
        slots: &Semaphore,
        shutdown: watch::Receiver<bool>,
        deletes: mpsc::Sender<String>,
    ) {
        let received = Received {
            message_id: message.message_id().unwrap_or_default().to_owned(),
            receipt_handle: message.receipt_handle().unwrap_or_default().to_owned(),
            attempt: message
                .attributes()
                .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|count| count.parse().ok())
                .unwrap_or(1),
        };
        let envelope = match Envelope::from_json(message.body().unwrap_or_default()) {
            Ok(envelope) => envelope,
            Err(error) => {
                self.stats.failed();
                tracing::error!(
                    message_id = %received.message_id, attempt = received.attempt, %error,
                    "cannot read the message; leaving it for the dead-letter queue"
                );
                self.back_off(&received).await;
                return;
            }
        };
        if !self
            .filter
            .accepts(&envelope.route, envelope.headers.get("content-type"))
        {
            self.stats.skipped();
            tracing::debug!(id = %envelope.id, route = %envelope.route, "filtered out; left in the queue");
            return;
        }
        if self.settings.dry_run {
            self.print_dry_run(&envelope, &received).await;
            return;
        }
        let Some(_slot) = self.wait_for_slot(&received, slots, shutdown).await else {
            self.stats.released();
            tracing::info!(id = %envelope.id, "stopping before its delivery started; handed back to the queue");
            self.hide(&received, Duration::ZERO).await;
            return;
        };
        let under_way = self.stats.in_flight();
        let started = Instant::now();
        let outcome = self.keep_hidden(&received, self.deliver(&envelope)).await;
        let latency = started.elapsed();
        drop(under_way);
        self.stats.delivery_took(latency);
        let latency_ms = latency.as_millis() as u64;
        let (id, route, attempt) = (&envelope.id, &envelope.route, received.attempt);
        match outcome {
            Outcome::Delivered(status) => {
                self.stats.delivered();
                tracing::info!(%id, %route, status, latency_ms, attempt, "delivered");
                if deletes.send(received.receipt_handle).await.is_err() {
                    tracing::error!(%id, "the deleter has stopped; the message will come back");
                }
            }
            Outcome::Refused(status) => {
                self.stats.retried();
                tracing::warn!(%id, %route, status, latency_ms, attempt, "the target refused; will retry");
                self.back_off(&received).await;
            }
            Outcome::Failed(error) => {
                self.stats.retried();
                tracing::warn!(%id, %route, latency_ms, attempt, %error, "delivery failed; will retry");
                self.back_off(&received).await;
            }
            Outcome::Unreplayable(error) => {
                self.stats.failed();
                tracing::error!(
                    %id, %route, attempt, %error,
                    "cannot replay the request; leaving it for the dead-letter queue"
                );
                self.back_off(&received).await;
            }
        }
    }

    /// Sends `envelope` to the target once.
    async fn deliver(&self, envelope: &Envelope) -> Outcome {
        match self.prepare(envelope).await {
            Ok((request, body)) => self.target.deliver(request, body).await,
            Err(outcome) => outcome,
        }
    }

    /// The target's request for `envelope` and the body bytes: what a delivery sends and a dry run
    /// prints. The target looks at the request first, so that one it can never send is unreplayable
    /// without a read from the claim-check bucket.
    async fn prepare(&self, envelope: &Envelope) -> Result<(T::Request, Vec<u8>), Outcome> {
        let request = self
            .target
            .prepare(envelope)
            .map_err(|error| Outcome::Unreplayable(error.to_string()))?;
        let body = self.bodies.resolve(envelope).await?;
        Ok((request, body))
    }

    /// Prints what would be sent (the target's line, or why nothing could be), and leaves the message
    /// alone.
    async fn print_dry_run(&self, envelope: &Envelope, received: &Received) {
        self.stats.dry_run();
        let line = match self.prepare(envelope).await {
            Ok((request, body)) => self.target.describe(envelope, &request, &body),
            Err(outcome) => serde_json::json!({
                "id": envelope.id,
                "route": envelope.route,
                "error": format!("{outcome:?}"),
            }),
        };
        println!("{line}");
        tracing::info!(id = %envelope.id, attempt = received.attempt, "dry run: not sent");
    }

    /// A delivery slot, or none if the relay stops first. The message stays hidden while it waits.
    async fn wait_for_slot<'a>(
        &self,
        received: &Received,
        slots: &'a Semaphore,
        mut shutdown: watch::Receiver<bool>,
    ) -> Option<SemaphorePermit<'a>> {
        let waiting = async {
            tokio::select! {
                () = stopped(&mut shutdown) => None,
                slot = slots.acquire() => Some(slot.expect("the semaphore is never closed")),
            }
        };
        self.keep_hidden(received, waiting).await
    }

    /// Runs `delivery`, extending the message's visibility while it runs so that no other relay takes
    /// a message whose delivery is merely slow.
    async fn keep_hidden<R>(&self, received: &Received, delivery: impl Future<Output = R>) -> R {
        let period = (self.settings.visibility_timeout / 2).max(Duration::from_millis(500));
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        tokio::pin!(delivery);
        loop {
            tokio::select! {
                output = &mut delivery => return output,
                _ = ticks.tick() => {
                    self.hide(received, self.settings.visibility_timeout).await;
                }
            }
        }
    }

    /// Leaves a message for a later try: hidden for a delay that doubles with each receive.
    async fn back_off(&self, received: &Received) {
        let delay = retry_delay(
            self.settings.retry_delay,
            self.settings.max_retry_delay,
            received.attempt,
        );
        self.hide(received, delay).await;
    }

    async fn hide(&self, received: &Received, duration: Duration) {
        let result = self
            .sqs
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(&received.receipt_handle)
            .visibility_timeout(seconds(duration))
            .send()
            .await;
        match result {
            Ok(_) => self.stats.sqs_answered(),
            // Harmless for correctness: the message comes back after its current timeout instead.
            Err(error) => tracing::warn!(
                message_id = %received.message_id,
                error = %aws_sdk_sqs::error::DisplayErrorContext(error),
                "cannot change the message's visibility"
            ),
        }
    }

    /// Deletes delivered messages in batches of up to 10, until every sender is gone, with up to
    /// `in_flight` DeleteMessageBatch requests under way: deletes never wait behind receives, nor a
    /// full batch behind the previous one's round trip.
    async fn delete_batches(self: Arc<Self>, mut handles: mpsc::Receiver<String>, in_flight: usize) {
        let mut batch = Vec::with_capacity(BATCH);
        let mut requests = JoinSet::new();
        while handles.recv_many(&mut batch, BATCH).await > 0 {
            let deadline = tokio::time::Instant::now() + DELETE_LINGER;
            while batch.len() < BATCH {
                let room = BATCH - batch.len();
                let more = handles.recv_many(&mut batch, room);
                match tokio::time::timeout_at(deadline, more).await {
                    Ok(received) if received > 0 => {}
                    _ => break,
                }
            }
            while requests.len() >= in_flight {
                requests.join_next().await;
            }
            let relay = self.clone();
            let handles = std::mem::take(&mut batch);
            requests.spawn(async move { relay.delete(handles).await });
        }
        while requests.join_next().await.is_some() {}
    }

    async fn delete(&self, handles: Vec<String>) {
        let entries: Vec<_> = handles
            .iter()
            .enumerate()
            .map(|(index, handle)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(handle)
                    .build()
                    .expect("id and receipt handle are set")
            })
            .collect();
        let count = entries.len() as u64;
        self.stats.delete_request();
        let result = self
            .sqs
            .delete_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await;
        match result {
            Ok(output) if output.failed.is_empty() => self.stats.sqs_answered(),
            Ok(output) => {
                self.stats.sqs_answered();
                self.stats.delete_failed(output.failed.len() as u64);
                for failure in &output.failed {
                    tracing::warn!(
                        code = failure.code(),
                        message = failure.message(),
                        "cannot delete a delivered message; it will be delivered again"
                    );
                }
            }
            Err(error) => {
                self.stats.delete_error();
                self.stats.delete_failed(count);
                tracing::warn!(
                    error = %aws_sdk_sqs::error::DisplayErrorContext(error), count,
                    "cannot delete delivered messages; they will be delivered again"
                );
            }
        }
    }
}

/// The delay before the next try of a message received `attempt` times: `base`, doubled per receive,
/// at most `max`.
pub fn retry_delay(base: Duration, max: Duration, attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(20);
    base.saturating_mul(1 << doublings).min(max)
}

/// SQS takes whole seconds; round up so a short delay is never zero.
fn seconds(duration: Duration) -> i32 {
    duration.as_secs_f64().ceil() as i32
}

/// Resolves once the shutdown flag is set; never when its sender is gone without setting it.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbox_core::envelope::BodyObject;
    use reqwest::Url;

    use crate::relay::http_target::HttpTarget;
    use crate::relay::replay::ReplayPolicy;
    use crate::relay::status::DeliveredStatuses;

    /// A relay whose AWS clients have no connection: any call to SQS or S3 fails.
    fn unconnected_relay() -> Relay<HttpTarget> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let behavior = aws_sdk_s3::config::BehaviorVersion::latest();
        let sqs = aws_sdk_sqs::Config::builder().behavior_version(behavior).build();
        let s3 = aws_sdk_s3::Config::builder().behavior_version(behavior).build();
        let target = HttpTarget {
            client: reqwest::Client::new(),
            policy: ReplayPolicy {
                target: Url::parse("http://ci.local/").unwrap(),
                append_path: false,
                keep_forwarded: false,
                extra_headers: Vec::new(),
            },
            delivered: DeliveredStatuses::default(),
            timeout: Duration::from_secs(1),
        };
        let settings = Settings {
            concurrency: 1,
            visibility_timeout: Duration::from_secs(60),
            wait: Duration::ZERO,
            retry_delay: Duration::from_secs(10),
            max_retry_delay: Duration::from_secs(60),
            once: true,
            dry_run: false,
        };
        Relay::new(
            aws_sdk_sqs::Client::from_conf(sqs),
            "queue".into(),
            BodyResolver {
                s3: aws_sdk_s3::Client::from_conf(s3),
            },
            target,
            Filter::default(),
            settings,
        )
    }

    #[tokio::test]
    async fn a_request_the_target_cannot_send_is_unreplayable_before_its_body_is_fetched() {
        let mut envelope = crate::relay::test_envelope();
        envelope.method = "GE T".into();
        // The bucket cannot be reached: reading the body first would make this a retried failure.
        envelope.set_body_object(BodyObject {
            bucket: "bodies".into(),
            key: "id-1".into(),
            size: 1,
            sha256: "00".into(),
        });
        let outcome = unconnected_relay().deliver(&envelope).await;
        assert!(
            matches!(&outcome, Outcome::Unreplayable(reason) if reason == "\"GE T\" is not an HTTP method"),
            "{outcome:?}"
        );
    }

    #[test]
    fn retry_delay_doubles_per_receive_up_to_the_limit() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(60);
        let delays: Vec<u64> = (1..=6)
            .map(|attempt| retry_delay(base, max, attempt).as_secs())
            .collect();
        assert_eq!(delays, [10, 20, 40, 60, 60, 60]);
        assert_eq!(retry_delay(base, max, 0), base);
        assert_eq!(retry_delay(base, Duration::MAX, 1000), base * (1 << 20));
    }

    #[test]
    fn a_relay_keeps_enough_receives_in_flight_to_fill_its_slots() {
        let receives: Vec<usize> = [1, 8, 10, 11, 32, 64].map(receives_in_flight).into();
        assert_eq!(receives, [1, 1, 1, 2, 4, 7]);
    }

    #[test]
    fn visibility_seconds_round_up() {
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_secs(3)), 3);
    }
}
