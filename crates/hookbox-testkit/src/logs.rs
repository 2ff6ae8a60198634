//! Reading what a function wrote, as Lambda and CloudWatch would: every line a JSON object, log lines
//! with the members Lambda reads, and Embedded Metric Format (EMF) lines checked against the spec
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>)
//! before a test looks at their values. Each reader fails the test, quoting the line, when a line is
//! not what it should be.

use serde_json::{Map, Value};

/// Every line of `output` as a JSON object; any other line fails the test.
pub fn json_lines(output: &str) -> Vec<Map<String, Value>> {
    output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            _ => panic!("not a JSON object line: {line}\n--- all output ---\n{output}"),
        })
        .collect()
}

/// The log lines (every line but the EMF ones), each checked for the members Lambda reads: `timestamp`
/// (RFC 3339 UTC with milliseconds), `level` and `message`, every other member a flat value (no nested
/// `fields` or `spans`) and no `Some(..)` / `None` debug text.
pub fn log_lines(output: &str) -> Vec<Map<String, Value>> {
    let lines: Vec<Map<String, Value>> = json_lines(output)
        .into_iter()
        .filter(|line| !line.contains_key("_aws"))
        .collect();
    for line in &lines {
        let text = Value::Object(line.clone()).to_string();
        let stamp = line.get("timestamp").and_then(Value::as_str).unwrap_or_default();
        let shape: String = stamp
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        assert_eq!(shape, "0000-00-00T00:00:00.000Z", "timestamp: {text}");
        let level = line.get("level").and_then(Value::as_str).unwrap_or_default();
        assert!(
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level),
            "level: {text}"
        );
        assert!(line.get("message").is_some_and(Value::is_string), "message: {text}");
        for (name, value) in line {
            assert!(!value.is_object() && !value.is_array(), "{name} is not flat: {text}");
            let debug = value
                .as_str()
                .is_some_and(|text| text == "None" || text.starts_with("Some("));
            assert!(!debug, "{name} is an Option's debug text: {text}");
        }
    }
    lines
}

/// The first of `lines` whose message is `message`; fails the test, naming the messages there are,
/// when none is.
pub fn line_with<'a>(lines: &'a [Map<String, Value>], message: &str) -> &'a Map<String, Value> {
    lines
        .iter()
        .find(|line| line.get("message").and_then(Value::as_str) == Some(message))
        .unwrap_or_else(|| {
            let messages: Vec<&Value> = lines.iter().filter_map(|line| line.get("message")).collect();
            panic!("no {message:?} line among {messages:?}")
        })
}

/// One metric's values in one EMF line.
#[derive(Debug, Clone)]
pub struct MetricValue {
    pub namespace: String,
    pub name: String,
    pub unit: String,
    /// Each dimension set it is published under, as the line names them.
    pub dimension_sets: Vec<Vec<String>>,
    /// Its values (one, or the line's array).
    pub values: Vec<f64>,
    /// The whole line, for its dimension values and `requestId`.
    pub line: Map<String, Value>,
}

impl MetricValue {
    /// The value of dimension (or any other member) `name` in its line.
    pub fn member(&self, name: &str) -> Option<&str> {
        self.line.get(name).and_then(Value::as_str)
    }

    /// The sum of its values.
    pub fn sum(&self) -> f64 {
        self.values.iter().sum()
    }
}

/// Every metric value of every EMF line in `output`, each line checked against the spec first: a
/// `Timestamp` in milliseconds, directives with a namespace, dimension sets whose every dimension is a
/// string member of the line, and metrics (name, unit) whose every value is a number member (or an
/// array of at most 100 numbers).
pub fn metric_values(output: &str) -> Vec<MetricValue> {
    let mut found = Vec::new();
    for line in json_lines(output).into_iter().filter(|line| line.contains_key("_aws")) {
        let text = Value::Object(line.clone()).to_string();
        let aws = &line["_aws"];
        assert!(
            aws["Timestamp"].as_u64().is_some_and(|ms| ms > 1_600_000_000_000),
            "Timestamp: {text}"
        );
        let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics");
        assert!(!directives.is_empty(), "no directive: {text}");
        for directive in directives {
            let namespace = directive["Namespace"].as_str().expect("Namespace").to_owned();
            let sets: Vec<Vec<String>> = directive["Dimensions"]
                .as_array()
                .expect("Dimensions")
                .iter()
                .map(|set| {
                    let set: Vec<String> = set
                        .as_array()
                        .expect("a dimension set")
                        .iter()
                        .map(|name| name.as_str().expect("a dimension name").to_owned())
                        .collect();
                    for name in &set {
                        assert!(line.get(name).is_some_and(Value::is_string), "dimension {name}: {text}");
                    }
                    set
                })
                .collect();
            for metric in directive["Metrics"].as_array().expect("Metrics") {
                let name = metric["Name"].as_str().expect("Name").to_owned();
                let values: Vec<f64> = match &line.get(&name) {
                    Some(Value::Number(number)) => vec![number.as_f64().unwrap()],
                    Some(Value::Array(values)) if values.len() <= 100 => {
                        values.iter().map(|value| value.as_f64().expect("a number")).collect()
                    }
                    _ => panic!("metric {name} has no value: {text}"),
                };
                found.push(MetricValue {
                    namespace: namespace.clone(),
                    name,
                    unit: metric["Unit"].as_str().expect("Unit").to_owned(),
                    dimension_sets: sets.clone(),
                    values,
                    line: line.clone(),
                });
            }
        }
    }
    found
}

/// The values of metric `name` in `output`.
pub fn metric(output: &str, name: &str) -> Vec<MetricValue> {
    metric_values(output)
        .into_iter()
        .filter(|value| value.name == name)
        .collect()
}
