//! One invocation, start to end: read the notices, match each new object against the configured
//! resources, check every matching resource once and concurrently, and decide whether Lambda should
//! retry.
//!
//! S3 invokes asynchronously and nobody reads the answer, so what matters is the outcome: success when
//! every check was triggered, nothing matched, or a check was refused in a way no retry can fix (a
//! wrong token, a deleted pipeline: logged, and visible in the answer); an error when the ATC was down,
//! slow or overloaded, so that Lambda retries and the on-failure destination keeps the event. Checks are
//! idempotent, so the triggered ones repeating on a retry is harmless, and S3 delivering an event twice
//! is too.

use std::collections::BTreeMap;

use hookbox_concourse::s3_event::{Notice, S3Object, read_notices};
use hookbox_concourse::{S3MatchReason, S3Matcher};
use hookbox_lambda::Metrics;
use hookbox_notifier::metrics::{count_events, count_matched};
use hookbox_notifier::{CheckReport, Concourse};
use serde::Serialize;
use serde_json::Value;

/// The notifier: what the function knows after its cold start.
pub struct Notifier {
    pub concourse: Concourse,
    pub matcher: S3Matcher,
}

/// Why a resource is checked: how the first of its objects matched, and every object that did.
#[derive(Debug, Serialize)]
pub struct S3Cause {
    pub matched_by: S3MatchReason,
    /// The rule that let the first object through, in words.
    pub reason: String,
    pub objects: Vec<String>,
}

/// The answer, for `cargo lambda invoke`, the logs and the on-failure destination.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// Every created object, as `bucket/key`.
    objects: Vec<String>,
    checks: Vec<CheckReport<'a, S3Cause>>,
    #[serde(skip_serializing_if = "is_zero")]
    test_events: usize,
    /// Events that create nothing (removals, restores, ...), as `event bucket/key`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignored: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unreadable: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    request_id: &'a str,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// Checks failed in a way a retry may fix: the invocation fails so that Lambda retries it.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} checks failed and may succeed on a retry: {details}")]
pub struct RetryLater {
    pub failed: usize,
    pub total: usize,
    pub details: String,
}

impl Notifier {
    /// Handles one invocation's payload; `request_id` names it in the answer. Every record is counted
    /// by kind: `created`, `test`, `ignored` or `unreadable`.
    pub async fn handle(&self, payload: &Value, request_id: &str, metrics: &Metrics) -> Result<Value, RetryLater> {
        let mut report = Report {
            objects: Vec::new(),
            checks: Vec::new(),
            test_events: 0,
            ignored: Vec::new(),
            unreadable: Vec::new(),
            message: None,
            error: None,
            request_id,
        };
        let mut created: Vec<S3Object> = Vec::new();
        for notice in read_notices(payload) {
            match notice {
                Notice::Created(object) => created.push(object),
                Notice::Test { bucket } => {
                    tracing::info!(bucket, "s3:TestEvent: the bucket notification reaches this function");
                    report.test_events += 1;
                }
                Notice::Other { event, object } => {
                    tracing::info!(event, bucket = %object.bucket, key = %object.key, "event ignored: it creates no object");
                    report.ignored.push(format!("{event} {}/{}", object.bucket, object.key));
                }
                Notice::Unreadable { why, record } => {
                    // A retry would read it no better: say so loudly and go on with the rest.
                    tracing::error!(why, record, "record unreadable; skipped");
                    report.unreadable.push(why);
                }
            }
        }
        report.objects = created
            .iter()
            .map(|object| format!("{}/{}", object.bucket, object.key))
            .collect();
        count_events(metrics, "created", created.len());
        count_events(metrics, "test", report.test_events);
        count_events(metrics, "ignored", report.ignored.len());
        count_events(metrics, "unreadable", report.unreadable.len());
        let matches = self.match_objects(&created);
        count_matched(metrics, matches.len());
        if matches.is_empty() {
            report.message = Some(if self.concourse.config.resources.is_empty() {
                "the function has no Concourse configuration (config/concourse.json); nothing to check"
            } else if created.is_empty() {
                "no object was created"
            } else {
                "no resource watches these objects"
            });
            return Ok(to_value(&report));
        }
        report.checks = self.concourse.check(matches, metrics).await;
        let failed: Vec<&CheckReport<'_, S3Cause>> = report.checks.iter().filter(|check| check.failed()).collect();
        if failed.is_empty() {
            return Ok(to_value(&report));
        }
        let summary = format!("{} of {} checks failed", failed.len(), report.checks.len());
        let transient: Vec<String> = failed
            .iter()
            .filter(|check| check.transient)
            .map(|check| {
                format!(
                    "{}/{}: {}",
                    check.pipeline,
                    check.resource,
                    check.error.as_deref().unwrap_or_default()
                )
            })
            .collect();
        if !transient.is_empty() {
            tracing::warn!(
                failed = failed.len(),
                retryable = transient.len(),
                "failing the invocation so that Lambda retries it"
            );
            return Err(RetryLater {
                failed: transient.len(),
                total: report.checks.len(),
                details: transient.join("; "),
            });
        }
        tracing::error!(%summary, "checks refused; a retry cannot help: fix the config or the secrets");
        report.error = Some(summary);
        Ok(to_value(&report))
    }

    /// Each matching resource once, in config order, with every object that concerns it.
    fn match_objects(&self, objects: &[S3Object]) -> Vec<(usize, S3Cause)> {
        let mut matches: BTreeMap<usize, S3Cause> = BTreeMap::new();
        for object in objects {
            let found = self.matcher.weigh_object(&object.bucket, &object.key);
            let matched = found.iter().filter(|(_, verdict)| verdict.matched_by.is_some()).count();
            tracing::info!(bucket = %object.bucket, key = %object.key, resources = matched, "object created");
            for (index, verdict) in found {
                let resource = &self.concourse.config.resources[index];
                let Some(matched_by) = verdict.matched_by else {
                    tracing::debug!(
                        pipeline = %resource.pipeline, resource = %resource.name, key = %object.key,
                        reason = %verdict.reason, "resource not matched"
                    );
                    continue;
                };
                tracing::info!(
                    pipeline = %resource.pipeline, resource = %resource.name, key = %object.key,
                    reason = %verdict.reason, "resource matched"
                );
                let cause = matches.entry(index).or_insert_with(|| S3Cause {
                    matched_by,
                    reason: verdict.reason,
                    objects: Vec::new(),
                });
                let name = format!("{}/{}", object.bucket, object.key);
                if !cause.objects.contains(&name) {
                    cause.objects.push(name);
                }
            }
        }
        matches.into_iter().collect()
    }
}

fn to_value(report: &Report<'_>) -> Value {
    serde_json::to_value(report).unwrap_or_else(|error| serde_json::json!({"error": error.to_string()}))
}
