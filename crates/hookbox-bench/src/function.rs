//! One function process under the emulator: one cold start, then warm invocations, then its peak
//! resident memory, read from `/proc/<pid>/status` before it is stopped (afterwards it is gone).

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::runtime_api::{Invocation, Report, RuntimeApi};

/// No single step of a healthy run takes this long; a stuck function fails the run instead of
/// hanging it.
const STEP_LIMIT: Duration = Duration::from_secs(30);

/// What to run and how often.
pub struct Plan {
    /// The function's name, as `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: String,
    /// The bootstrap and its arguments (`python -m awslambdaric module.handler` for Python).
    pub command: Vec<String>,
    /// Extra environment (queue URLs, `AWS_ENDPOINT_URL`, `_HANDLER`...), on top of Lambda's own.
    pub env: Vec<(String, String)>,
    pub event: Vec<u8>,
    /// Warm invocations after the first (cold) one.
    pub invocations: usize,
    /// Where the function's stdout and stderr go.
    pub log: PathBuf,
}

/// Runs the plan once and returns its figures as JSON:
/// `{"init_us", "first_response_us", "warm_us": [...], "vm_hwm_kb", "statuses": {"202": n}, "errors",
/// "last_error"}`.
pub fn run(plan: &Plan) -> Result<Value, String> {
    let arn = format!("arn:aws:lambda:eu-west-1:123456789012:function:{}", plan.name);
    let api = RuntimeApi::start(arn).map_err(|error| format!("cannot start the Runtime API: {error}"))?;
    let mut command = command(plan, &api.host_port())?;
    // Lambda's Init Duration starts before the process exists: the clock starts before the fork and
    // exec, not after `spawn` returns (by then the exec is done and the loader has started).
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", plan.command[0]))?;
    let outcome = drive(plan, &api, started, &mut child);
    let _ = child.kill();
    let _ = child.wait();
    outcome.map_err(|error| {
        let log = std::fs::read_to_string(&plan.log).unwrap_or_default();
        format!("{error}\n--- function output ---\n{log}")
    })
}

/// The function's command, its environment and log files ready: everything but the spawn, so that
/// opening files is not timed.
fn command(plan: &Plan, runtime_api: &str) -> Result<Command, String> {
    let (program, args) = plan.command.split_first().ok_or("no command to run")?;
    let log = File::create(&plan.log).map_err(|error| format!("{}: {error}", plan.log.display()))?;
    let log_err = log.try_clone().map_err(|error| error.to_string())?;
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", &plan.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", plan.name))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_EXECUTION_ENV", "hookbox-bench")
        .env("LANG", "C.UTF-8")
        .envs(plan.env.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    Ok(command)
}

fn drive(plan: &Plan, api: &RuntimeApi, started: Instant, child: &mut Child) -> Result<Value, String> {
    let mut tally = Tally::default();
    let ready = wait_for_next(api, child)?;
    let init = ready - started;
    let (_, responded) = invoke(plan, api, 0, child, &mut tally)?;
    let first_response = responded - started;
    let mut warm = Vec::with_capacity(plan.invocations);
    for number in 1..=plan.invocations {
        wait_for_next(api, child)?;
        let (sent, responded) = invoke(plan, api, number, child, &mut tally)?;
        warm.push(micros(responded - sent));
    }
    // Wait for the runtime to poll again, so that the last invocation's work is all inside the peak.
    wait_for_next(api, child)?;
    let vm_hwm_kb = peak_memory_kb(child.id())?;
    Ok(json!({
        "init_us": micros(init),
        "first_response_us": micros(first_response),
        "warm_us": warm,
        "vm_hwm_kb": vm_hwm_kb,
        "statuses": tally.statuses,
        "errors": tally.errors,
        "last_error": tally.last_error,
    }))
}

#[derive(Default)]
struct Tally {
    /// The `statusCode` of each gateway response, counted.
    statuses: serde_json::Map<String, Value>,
    /// Invocations the function reported as failed, and what the last one said.
    errors: u64,
    last_error: Option<String>,
}

/// Delivers one event and waits for its outcome; returns when the event was handed over and when the
/// outcome arrived.
fn invoke(
    plan: &Plan,
    api: &RuntimeApi,
    number: usize,
    child: &mut Child,
    tally: &mut Tally,
) -> Result<(Instant, Instant), String> {
    let request_id = format!("00000000-0000-4000-8000-{number:012}");
    let sent = Instant::now();
    api.deliver(Invocation {
        request_id: request_id.clone(),
        body: plan.event.clone(),
    });
    loop {
        match next_report(api, child)? {
            Report::Response {
                request_id: id,
                body,
                at,
            } if id == request_id => {
                let status = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|answer| answer.get("statusCode").map(Value::to_string))
                    .unwrap_or_else(|| "none".to_owned());
                let count = tally.statuses.entry(status).or_insert(json!(0));
                *count = json!(count.as_u64().unwrap_or(0) + 1);
                return Ok((sent, at));
            }
            Report::Error {
                request_id: id,
                body,
                at,
            } if id == request_id => {
                tally.errors += 1;
                tally.last_error = Some(String::from_utf8_lossy(&body).into_owned());
                return Ok((sent, at));
            }
            Report::InitError { body, .. } => return Err(format!("init error: {}", String::from_utf8_lossy(&body))),
            _ => {}
        }
    }
}

fn wait_for_next(api: &RuntimeApi, child: &mut Child) -> Result<Instant, String> {
    match next_report(api, child)? {
        Report::Next(at) => Ok(at),
        Report::InitError { body } => Err(format!("init error: {}", String::from_utf8_lossy(&body))),
        other => Err(format!("expected a /next request, got {other:?}")),
    }
}

/// The next report, failing when the process ends or nothing happens within [`STEP_LIMIT`].
fn next_report(api: &RuntimeApi, child: &mut Child) -> Result<Report, String> {
    let deadline = Instant::now() + STEP_LIMIT;
    while Instant::now() < deadline {
        if let Some(report) = api.report(Duration::from_millis(100)) {
            return Ok(report);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the function exited: {status}"));
        }
    }
    Err(format!("nothing from the function within {STEP_LIMIT:?}"))
}

/// `VmHWM` of a live process: the peak resident set size, in kB, since it started.
pub fn peak_memory_kb(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|error| error.to_string())?;
    parse_vm_hwm(&status).ok_or_else(|| format!("no VmHWM in /proc/{pid}/status"))
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_kilobytes() {
        let status = "Name:\tbootstrap\nVmPeak:\t  20000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(5120));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }

    #[test]
    fn this_process_has_a_peak_memory() {
        assert!(peak_memory_kb(std::process::id()).unwrap() > 0);
    }
}
