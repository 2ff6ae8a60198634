//! The relay's options: every one is a flag and an environment variable, so the relay runs the same
//! from a shell, a systemd unit or a container.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};

use crate::duration::parse_duration;
use crate::relay::body::BodyResolver;
use crate::relay::filter::Filter;
use crate::relay::http_target::HttpTarget;
use crate::relay::replay::ReplayPolicy;
use crate::relay::status::DeliveredStatuses;
use crate::relay::worker::{Relay, Settings};

/// SQS allows at most 20 seconds of long polling.
const MAX_WAIT: Duration = Duration::from_secs(20);
/// SQS allows a message to stay hidden for at most 12 hours.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Clone, Args)]
pub struct RelayArgs {
    /// The mailbox queue to drain (the stack's MailboxQueueUrl output).
    #[arg(long, env = "HOOKBOX_RELAY_QUEUE_URL")]
    pub queue_url: String,

    /// The internal URL every request is replayed to. Its path replaces the received path (see
    /// --append-path); its query comes before the received query.
    #[arg(long, env = "HOOKBOX_RELAY_TARGET", value_parser = parse_target)]
    pub target: Url,

    /// Append the received path to the target's path instead of replacing it.
    #[arg(long, env = "HOOKBOX_RELAY_APPEND_PATH")]
    pub append_path: bool,

    /// A header to set on every request ("Name: value"), replacing a received one of the same name.
    /// Repeat the flag; in the environment, one header per line.
    #[arg(long = "header", value_name = "NAME: VALUE", env = "HOOKBOX_RELAY_HEADERS",
          value_delimiter = '\n', value_parser = parse_header)]
    pub headers: Vec<(HeaderName, HeaderValue)>,

    /// Keep the gateway's x-forwarded-* headers (x-amzn-* and hop-by-hop headers are always dropped).
    #[arg(long, env = "HOOKBOX_RELAY_KEEP_FORWARDED_HEADERS")]
    pub keep_forwarded_headers: bool,

    /// How long one request to the target may take before it counts as failed and is retried later.
    #[arg(long, env = "HOOKBOX_RELAY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Answers that count as delivered (the message is deleted), e.g. "2xx,404". Anything else is
    /// retried.
    #[arg(long, env = "HOOKBOX_RELAY_DELIVERED_STATUS", default_value = "2xx")]
    pub delivered_status: DeliveredStatuses,

    /// How many requests are delivered at the same time.
    #[arg(long, env = "HOOKBOX_RELAY_CONCURRENCY", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: u32,

    /// How long a received message stays hidden from other relays; extended while its delivery still
    /// runs, so a crashed relay's messages come back after at most this long.
    #[arg(long, env = "HOOKBOX_RELAY_VISIBILITY_TIMEOUT", default_value = "60s",
          value_parser = parse_visibility)]
    pub visibility_timeout: Duration,

    /// Long-polling wait of one receive (at most 20s).
    #[arg(long, env = "HOOKBOX_RELAY_WAIT", default_value = "20s", value_parser = parse_wait)]
    pub wait: Duration,

    /// Delay before a failed message is tried again; it doubles with every receive of the message.
    #[arg(long, env = "HOOKBOX_RELAY_RETRY_DELAY", default_value = "10s",
          value_parser = parse_visibility)]
    pub retry_delay: Duration,

    /// The longest delay between two tries of a message.
    #[arg(long, env = "HOOKBOX_RELAY_MAX_RETRY_DELAY", default_value = "15m",
          value_parser = parse_visibility)]
    pub max_retry_delay: Duration,

    /// Replay only these routes (repeat the flag, or comma-separate); others stay in the queue.
    #[arg(
        long = "route",
        value_name = "NAME",
        env = "HOOKBOX_RELAY_ROUTES",
        value_delimiter = ','
    )]
    pub routes: Vec<String>,

    /// Replay only requests with these content types, e.g. application/json (repeat or
    /// comma-separate); others stay in the queue.
    #[arg(
        long = "content-type",
        value_name = "TYPE",
        env = "HOOKBOX_RELAY_CONTENT_TYPES",
        value_delimiter = ','
    )]
    pub content_types: Vec<String>,

    /// Drain what the queue holds now, then exit.
    #[arg(long, env = "HOOKBOX_RELAY_ONCE")]
    pub once: bool,

    /// Print what would be sent (one JSON line per request on stdout); send and delete nothing.
    #[arg(long, env = "HOOKBOX_RELAY_DRY_RUN")]
    pub dry_run: bool,

    /// Address S3 buckets by path (for local stand-ins such as moto).
    #[arg(long, env = "HOOKBOX_S3_FORCE_PATH_STYLE")]
    pub s3_force_path_style: bool,

    /// Serve GET /metrics (Prometheus) and GET /healthz on this address, e.g. 0.0.0.0:9464 in a
    /// container. Off when unset.
    #[arg(long, value_name = "ADDR", env = "HOOKBOX_RELAY_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// How long SQS may go without answering before /healthz answers 503 (default: 3 times --wait, plus 30s).
    #[arg(long, value_name = "DURATION", env = "HOOKBOX_RELAY_UNHEALTHY_AFTER",
          value_parser = parse_duration)]
    pub unhealthy_after: Option<Duration>,
}

impl RelayArgs {
    /// `--unhealthy-after`, or long enough for three long polls that SQS answers late.
    pub fn unhealthy_after(&self) -> Duration {
        self.unhealthy_after.unwrap_or(self.wait * 3 + Duration::from_secs(30))
    }

    /// The relay these options describe, with clients built from `aws`.
    pub fn into_relay(self, aws: &aws_config::SdkConfig) -> Result<Relay<HttpTarget>, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            // A followed 301/302 would turn a POST into a body-less GET: a redirect is an answer like
            // any other, delivered only when --delivered-status says so.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let s3 = aws_sdk_s3::config::Builder::from(aws)
            .force_path_style(self.s3_force_path_style)
            .build();
        let bodies = BodyResolver {
            s3: aws_sdk_s3::Client::from_conf(s3),
        };
        let target = HttpTarget {
            client,
            policy: ReplayPolicy {
                target: self.target,
                append_path: self.append_path,
                keep_forwarded: self.keep_forwarded_headers,
                extra_headers: self.headers,
            },
            delivered: self.delivered_status,
            timeout: self.timeout,
        };
        let settings = Settings {
            concurrency: self.concurrency as usize,
            visibility_timeout: self.visibility_timeout,
            wait: self.wait,
            retry_delay: self.retry_delay,
            max_retry_delay: self.max_retry_delay,
            once: self.once,
            dry_run: self.dry_run,
        };
        let filter = Filter {
            routes: self.routes,
            content_types: self.content_types,
        };
        Ok(Relay::new(
            aws_sdk_sqs::Client::new(aws),
            self.queue_url,
            bodies,
            target,
            filter,
            settings,
        ))
    }
}

fn parse_target(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("{text:?} is not a URL: {error}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("the target must be http or https, not {other}")),
    }
}

fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not \"Name: value\""))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("{:?} is not a header name", name.trim()))?;
    let value =
        HeaderValue::from_str(value.trim()).map_err(|_| format!("the value of {name} is not a valid header value"))?;
    Ok((name, value))
}

fn parse_wait(text: &str) -> Result<Duration, String> {
    let wait = parse_duration(text)?;
    if wait > MAX_WAIT {
        return Err("SQS long polling waits at most 20s".into());
    }
    Ok(wait)
}

fn parse_visibility(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_secs(1) || duration > MAX_VISIBILITY {
        return Err("SQS hides a message for 1s to 12h".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_name_colon_value() {
        let (name, value) = parse_header("Authorization: Bearer a:b").unwrap();
        assert_eq!(name, "authorization");
        assert_eq!(value, "Bearer a:b");
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
    }

    #[test]
    fn targets_must_be_http_urls() {
        assert!(parse_target("https://jenkins.local/generic-webhook-trigger/invoke").is_ok());
        assert!(parse_target("ftp://x/").unwrap_err().contains("http or https"));
        assert!(parse_target("jenkins.local").is_err());
    }

    #[test]
    fn unhealthy_after_defaults_to_three_long_polls_and_half_a_minute() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            relay: RelayArgs,
        }
        let parse = |extra: &[&str]| {
            let base = ["relay", "--queue-url", "q", "--target", "http://ci.local/"];
            <Cli as clap::Parser>::try_parse_from(base.iter().chain(extra))
                .unwrap()
                .relay
        };
        assert_eq!(parse(&[]).unhealthy_after(), Duration::from_secs(90));
        assert_eq!(parse(&["--wait", "1s"]).unhealthy_after(), Duration::from_secs(33));
        assert_eq!(
            parse(&["--unhealthy-after", "5m"]).unhealthy_after(),
            Duration::from_secs(300)
        );
        assert!(parse(&[]).metrics_addr.is_none());
    }

    #[test]
    fn waits_and_visibilities_stay_within_sqs_limits() {
        assert!(parse_wait("20s").is_ok() && parse_wait("21s").is_err());
        assert!(parse_visibility("500ms").is_err() && parse_visibility("13h").is_err());
        assert!(parse_visibility("1s").is_ok());
    }
}
