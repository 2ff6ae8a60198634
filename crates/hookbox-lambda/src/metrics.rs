//! CloudWatch metrics as Embedded Metric Format (EMF) lines on stdout: Lambda hands them to CloudWatch
//! Logs with the log lines, and CloudWatch Logs turns them into metrics. No API call, no client, nothing
//! at cold start but reading three variables; each invocation that recorded something ends with one line
//! (one per distinct set of dimension values, usually one).
//!
//! A function declares its metrics as [`Metric`] constants (name, unit, the dimension sets it is
//! published under) and records values through the [`Metrics`] its invocation is handed. Every set also
//! has `Stack` and `Function`, from [`MetricsConfig`]. A line looks like:
//!
//! `{"_aws":{"Timestamp":1764604800123,"CloudWatchMetrics":[{"Namespace":"hookbox","Dimensions":[["Stack","Function","Route","Outcome"],["Stack","Function","Outcome"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Stack":"hookbox","Function":"enqueue","Route":"github","Outcome":"stored","Requests":1,"requestId":"…"}`
//!
//! Written here rather than with a crate: the one maintained Rust EMF crate (`metrics_cloudwatch_embedded`)
//! sits on the `metrics` facade, a process-global recorder flushed as one document per label set, and
//! brings `metrics`, `rapidhash` and tokio's timers; a function needs one line per invocation, which
//! serde_json (already linked) writes in a page of code. ARCHITECTURE.md has the metric table.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The namespace when `HOOKBOX_METRICS_NAMESPACE` is unset.
pub const DEFAULT_NAMESPACE: &str = "hookbox";

/// EMF keeps at most this many values of one metric in one line.
const MAX_VALUES: usize = 100;

/// A CloudWatch unit, as EMF spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Bytes,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Bytes => "Bytes",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// A metric a function publishes.
#[derive(Debug, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    /// The dimension sets it is published under, besides `Stack` and `Function`, which every set has
    /// (`&[]` is those two alone). A set naming a dimension a value was not given is left out for that
    /// value: a 404 has no route, so it counts only under the sets without `Route`.
    pub dimensions: &'static [&'static [&'static str]],
}

/// What every line of the process carries: the namespace and the dimensions every metric has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    namespace: String,
    stack: String,
    function: &'static str,
}

impl MetricsConfig {
    /// For the function `function` (its short name: `enqueue`), from the environment: the namespace
    /// from `HOOKBOX_METRICS_NAMESPACE`, else `hookbox`; the stack from `HOOKBOX_STACK_NAME`, else the
    /// Lambda function's name, else `local`. An empty variable is unset, as everywhere in hookbox.
    pub fn from_env(function: &'static str) -> Self {
        Self::read(function, |name| std::env::var(name).ok())
    }

    fn read(function: &'static str, var: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| var(name).filter(|value| !value.is_empty());
        Self {
            namespace: var("HOOKBOX_METRICS_NAMESPACE").unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
            stack: var("HOOKBOX_STACK_NAME")
                .or_else(|| var("AWS_LAMBDA_FUNCTION_NAME"))
                .unwrap_or_else(|| "local".to_owned()),
            function,
        }
    }
}

/// One invocation's metrics: recorded through a shared reference while it runs, written when it ends.
#[derive(Debug, Default)]
pub struct Metrics {
    documents: RefCell<Vec<Document>>,
}

/// The values of one line: they share its dimension values.
#[derive(Debug, Default)]
struct Document {
    dimensions: BTreeMap<&'static str, String>,
    /// Each metric with the dimension sets its values are published under, in the order first put.
    values: Vec<Recorded>,
}

#[derive(Debug)]
struct Recorded {
    metric: &'static Metric,
    sets: Vec<&'static [&'static str]>,
    values: Vec<f64>,
}

impl Metrics {
    /// Records one value of `metric` with the values of its dimensions (`("Route", "github")`). Values
    /// of one metric with the same dimensions add up in CloudWatch (a sum) or make a distribution (a
    /// latency's percentiles): a count is put once per invocation with its total, a duration once per
    /// call timed. A value that is not finite, or whose dimensions fit none of the metric's sets, is
    /// not recorded.
    pub fn put(&self, metric: &'static Metric, value: f64, dimensions: &[(&'static str, &str)]) {
        let given = |name: &&str| dimensions.iter().any(|(given, _)| given == name);
        let sets: Vec<&'static [&'static str]> = metric
            .dimensions
            .iter()
            .copied()
            .filter(|set| set.iter().all(given))
            .collect();
        if sets.is_empty() || !value.is_finite() {
            return;
        }
        let used: BTreeMap<&'static str, &str> = dimensions
            .iter()
            .filter(|(name, _)| sets.iter().any(|set| set.contains(name)))
            .copied()
            .collect();
        let mut documents = self.documents.borrow_mut();
        let fits = |document: &Document| {
            used.iter()
                .all(|(name, value)| document.dimensions.get(name).is_none_or(|held| held == value))
                && document
                    .values
                    .iter()
                    .all(|recorded| recorded.metric.name != metric.name || recorded.sets == sets)
        };
        let at = match documents.iter().position(fits) {
            Some(at) => at,
            None => {
                documents.push(Document::default());
                documents.len() - 1
            }
        };
        let document = &mut documents[at];
        for (name, value) in used {
            document.dimensions.insert(name, value.to_owned());
        }
        match document
            .values
            .iter_mut()
            .find(|recorded| recorded.metric.name == metric.name)
        {
            Some(recorded) if recorded.values.len() < MAX_VALUES => recorded.values.push(value),
            Some(_) => {}
            None => document.values.push(Recorded {
                metric,
                sets,
                values: vec![value],
            }),
        }
    }

    /// The EMF lines (without their newline), each naming the invocation by `request_id`.
    pub fn lines(&self, config: &MetricsConfig, request_id: &str, timestamp_ms: u64) -> Vec<String> {
        self.documents
            .borrow()
            .iter()
            .map(|document| document.line(config, request_id, timestamp_ms))
            .collect()
    }

    /// Writes the lines on stdout, where Lambda's log lines go, and forgets them.
    pub fn write(&self, config: &MetricsConfig, request_id: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
        let lines = self.lines(config, request_id, now);
        self.documents.borrow_mut().clear();
        if lines.is_empty() {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        for line in lines {
            let _ = writeln!(stdout, "{line}");
        }
        let _ = stdout.flush();
    }
}

impl Document {
    fn line(&self, config: &MetricsConfig, request_id: &str, timestamp_ms: u64) -> String {
        // One directive per distinct list of dimension sets, in the order first put.
        let mut directives: Vec<(&[&'static [&'static str]], Vec<Value>)> = Vec::new();
        for recorded in &self.values {
            let definition = json!({"Name": recorded.metric.name, "Unit": recorded.metric.unit.as_str()});
            match directives
                .iter_mut()
                .find(|(sets, _)| *sets == recorded.sets.as_slice())
            {
                Some((_, metrics)) => metrics.push(definition),
                None => directives.push((&recorded.sets, vec![definition])),
            }
        }
        let directives: Vec<Value> = directives
            .into_iter()
            .map(|(sets, metrics)| {
                let dimensions: Vec<Vec<&str>> = sets
                    .iter()
                    .map(|set| ["Stack", "Function"].iter().chain(set.iter()).copied().collect())
                    .collect();
                json!({"Namespace": config.namespace, "Dimensions": dimensions, "Metrics": metrics})
            })
            .collect();
        let mut line = Map::new();
        line.insert(
            "_aws".into(),
            json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": directives}),
        );
        line.insert("Stack".into(), Value::from(config.stack.as_str()));
        line.insert("Function".into(), Value::from(config.function));
        for (name, value) in &self.dimensions {
            line.insert((*name).into(), Value::from(value.as_str()));
        }
        for recorded in &self.values {
            let value = match recorded.values.as_slice() {
                [one] => number(*one),
                many => Value::Array(many.iter().copied().map(number).collect()),
            };
            line.insert(recorded.metric.name.into(), value);
        }
        line.insert("requestId".into(), Value::from(request_id));
        Value::Object(line).to_string()
    }
}

/// A whole number as an integer (`1`, not `1.0`: what a count reads as in Logs Insights), any other as
/// itself.
fn number(value: f64) -> Value {
    // Beyond 2^53 an f64 no longer holds every integer; such a value stays a float.
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUESTS: Metric = Metric {
        name: "Requests",
        unit: Unit::Count,
        dimensions: &[&["Route", "Outcome"], &["Outcome"]],
    };
    const BODY: Metric = Metric {
        name: "BodyBytes",
        unit: Unit::Bytes,
        dimensions: &[&["Route"]],
    };
    const LATENCY: Metric = Metric {
        name: "Latency",
        unit: Unit::Milliseconds,
        dimensions: &[&[]],
    };
    const EVENTS: Metric = Metric {
        name: "Events",
        unit: Unit::Count,
        dimensions: &[&["Kind"]],
    };

    fn config() -> MetricsConfig {
        MetricsConfig {
            namespace: "hookbox".into(),
            stack: "prod".into(),
            function: "enqueue",
        }
    }

    fn parsed(metrics: &Metrics) -> Vec<Value> {
        metrics
            .lines(&config(), "r-1", 1_764_604_800_123)
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn an_invocation_is_one_line_with_a_directive_per_dimension_sets() {
        let metrics = Metrics::default();
        metrics.put(&REQUESTS, 1.0, &[("Route", "github"), ("Outcome", "stored")]);
        metrics.put(&BODY, 812.0, &[("Route", "github")]);
        metrics.put(&LATENCY, 12.5, &[]);
        metrics.put(&LATENCY, 20.0, &[]);
        assert_eq!(
            parsed(&metrics),
            [json!({
                "_aws": {"Timestamp": 1_764_604_800_123_u64, "CloudWatchMetrics": [
                    {"Namespace": "hookbox",
                     "Dimensions": [["Stack", "Function", "Route", "Outcome"], ["Stack", "Function", "Outcome"]],
                     "Metrics": [{"Name": "Requests", "Unit": "Count"}]},
                    {"Namespace": "hookbox", "Dimensions": [["Stack", "Function", "Route"]],
                     "Metrics": [{"Name": "BodyBytes", "Unit": "Bytes"}]},
                    {"Namespace": "hookbox", "Dimensions": [["Stack", "Function"]],
                     "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]},
                ]},
                "Stack": "prod", "Function": "enqueue", "Route": "github", "Outcome": "stored",
                "Requests": 1, "BodyBytes": 812, "Latency": [12.5, 20], "requestId": "r-1"
            })]
        );
    }

    #[test]
    fn a_value_without_a_dimension_counts_only_under_the_sets_it_fills() {
        let metrics = Metrics::default();
        metrics.put(&REQUESTS, 1.0, &[("Outcome", "no_route")]);
        metrics.put(&BODY, 3.0, &[]);
        let lines = parsed(&metrics);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(
            lines[0]["_aws"]["CloudWatchMetrics"],
            json!([{"Namespace": "hookbox", "Dimensions": [["Stack", "Function", "Outcome"]],
                    "Metrics": [{"Name": "Requests", "Unit": "Count"}]}])
        );
        assert!(lines[0].get("Route").is_none() && lines[0].get("BodyBytes").is_none());
    }

    #[test]
    fn different_values_of_a_dimension_go_to_lines_of_their_own() {
        let metrics = Metrics::default();
        metrics.put(&EVENTS, 2.0, &[("Kind", "created")]);
        metrics.put(&LATENCY, 5.0, &[]);
        metrics.put(&LATENCY, 0.25, &[]);
        metrics.put(&EVENTS, 1.0, &[("Kind", "test")]);
        let lines = parsed(&metrics);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!((&lines[0]["Kind"], &lines[0]["Events"]), (&json!("created"), &json!(2)));
        assert_eq!(lines[0]["Latency"], json!([5, 0.25]));
        assert_eq!((&lines[1]["Kind"], &lines[1]["Events"]), (&json!("test"), &json!(1)));
        assert!(lines[1].get("Latency").is_none());
    }

    #[test]
    fn nothing_recorded_is_no_line_and_odd_values_are_dropped() {
        let metrics = Metrics::default();
        metrics.put(&LATENCY, f64::NAN, &[]);
        metrics.put(&EVENTS, 1.0, &[]);
        assert!(parsed(&metrics).is_empty());
        for n in 0..150 {
            metrics.put(&LATENCY, f64::from(n), &[]);
        }
        assert_eq!(parsed(&metrics)[0]["Latency"].as_array().unwrap().len(), MAX_VALUES);
    }

    #[test]
    fn namespace_and_stack_come_from_the_environment() {
        let read = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            MetricsConfig::read("enqueue", |name| {
                vars.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
            })
        };
        let config = read(&[]);
        assert_eq!((config.namespace.as_str(), config.stack.as_str()), ("hookbox", "local"));
        let config = read(&[
            ("AWS_LAMBDA_FUNCTION_NAME", "prod-Enqueue-1"),
            ("HOOKBOX_STACK_NAME", ""),
        ]);
        assert_eq!(config.stack, "prod-Enqueue-1");
        let config = read(&[
            ("AWS_LAMBDA_FUNCTION_NAME", "prod-Enqueue-1"),
            ("HOOKBOX_STACK_NAME", "prod"),
            ("HOOKBOX_METRICS_NAMESPACE", "acme/hooks"),
        ]);
        assert_eq!(
            (config.namespace.as_str(), config.stack.as_str()),
            ("acme/hooks", "prod")
        );
        assert_eq!(config.function, "enqueue");
    }
}
