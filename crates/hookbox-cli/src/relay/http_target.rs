//! The HTTP target: each stored request replayed to one internal URL, as [`ReplayPolicy`] says, and the
//! answer's status judged by [`DeliveredStatuses`].

use std::time::Duration;

use hookbox_core::Envelope;

use crate::relay::error_chain::error_chain;
use crate::relay::replay::{Replay, ReplayError, ReplayPolicy};
use crate::relay::status::DeliveredStatuses;
use crate::relay::target::{Outcome, Target};

/// Replays stored requests over HTTP.
pub struct HttpTarget {
    pub client: reqwest::Client,
    pub policy: ReplayPolicy,
    pub delivered: DeliveredStatuses,
    /// Bound on one request to the target, from connect to the end of its answer's head.
    pub timeout: Duration,
}

impl Target for HttpTarget {
    type Request = Replay;
    type Unreplayable = ReplayError;

    fn prepare(&self, envelope: &Envelope) -> Result<Replay, ReplayError> {
        self.policy.plan(envelope)
    }

    async fn deliver(&self, replay: Replay, body: Vec<u8>) -> Outcome {
        let sent = self
            .client
            .request(replay.method, replay.url)
            .headers(replay.headers)
            .body(body)
            .timeout(self.timeout)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                if self.delivered.contains(status) {
                    Outcome::Delivered(status)
                } else {
                    Outcome::Refused(status)
                }
            }
            Err(error) if error.is_timeout() => Outcome::Failed(format!("no answer within {:?}", self.timeout)),
            Err(error) => Outcome::Failed(error_chain(&error)),
        }
    }

    /// The method, URL and headers as sent (header values that are not UTF-8 lossily), and the body's
    /// size rather than the body.
    fn describe(&self, envelope: &Envelope, replay: &Replay, body: &[u8]) -> serde_json::Value {
        serde_json::json!({
            "id": envelope.id,
            "route": envelope.route,
            "method": replay.method.as_str(),
            "url": replay.url.as_str(),
            "headers": replay.headers.iter()
                .map(|(name, value)| {
                    [name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()]
                })
                .collect::<Vec<_>>(),
            "body_bytes": body.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Url;

    fn target() -> HttpTarget {
        let _ = rustls::crypto::ring::default_provider().install_default();
        HttpTarget {
            client: reqwest::Client::new(),
            policy: ReplayPolicy {
                target: Url::parse("http://ci.local/invoke?token=t").unwrap(),
                append_path: false,
                keep_forwarded: false,
                extra_headers: Vec::new(),
            },
            delivered: DeliveredStatuses::default(),
            timeout: Duration::from_secs(1),
        }
    }

    fn envelope() -> Envelope {
        let mut envelope = crate::relay::test_envelope();
        envelope.query = vec![("job".into(), "a".into())];
        envelope.headers = vec![
            ("x-amzn-trace-id".into(), "Root=1".into()),
            ("x-github-event".into(), "push".into()),
        ]
        .into();
        envelope
    }

    #[test]
    fn a_dry_run_line_shows_the_request_as_sent_and_the_body_size() {
        let target = target();
        let envelope = envelope();
        let replay = target.prepare(&envelope).unwrap();
        assert_eq!(
            target.describe(&envelope, &replay, b"{}"),
            serde_json::json!({
                "id": "id-1",
                "route": "github",
                "method": "POST",
                "url": "http://ci.local/invoke?token=t&job=a",
                "headers": [["x-github-event", "push"]],
                "body_bytes": 2,
            })
        );
    }
}
