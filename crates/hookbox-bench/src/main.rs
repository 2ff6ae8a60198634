//! `hookbox-bench`: the measuring half of `scripts/bench`.
//!
//! - `hookbox-bench lambda --name N --event FILE --invocations M --log FILE [--env K=V]... -- CMD ARGS...`
//!   starts CMD under a Lambda Runtime API emulator on 127.0.0.1, times its cold start (spawn → first
//!   `/next`, spawn → first response), runs M warm invocations, reads its peak memory, and prints one
//!   JSON object.
//! - `hookbox-bench sqs-rtt --endpoint HOST:PORT --region R --queue-url URL --body-file FILE --count M`
//!   times M `SendMessage` calls straight to the stand-in and prints `{"rtt_us": [...]}`.
//! - `hookbox-bench sink --status S [--delay-ms D]` serves a local HTTP target (the fake ATC, the relay's
//!   target) that answers S to everything, D ms after each request (default at once); prints `{"port": N}`, then serves until killed. `GET /__count` counts.
//! - `hookbox-bench http-rtt --url URL --body-file FILE --count M` times M POSTs straight to such a
//!   target and prints `{"rtt_us": [...]}`.
//! - `hookbox-bench delay-proxy --upstream HOST:PORT --rtt-ms N` puts N ms of network in front of a
//!   stand-in (half each way, a round trip per new connection); prints `{"port": N}`, then serves until
//!   killed.
//!
//! `bench/run.py` runs these, interleaving the Rust and Python functions, and makes the report.

mod delay_proxy;
mod function;
mod http;
mod runtime_api;
mod stand_in;

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.split_first() {
        Some((command, rest)) if command == "lambda" => lambda(rest),
        Some((command, rest)) if command == "sqs-rtt" => sqs_rtt(rest),
        Some((command, rest)) if command == "http-rtt" => http_rtt(rest),
        Some((command, rest)) if command == "sink" => sink(rest),
        Some((command, rest)) if command == "delay-proxy" => delay_proxy(rest),
        _ => Err(
            "usage: hookbox-bench lambda ... -- CMD ARGS | hookbox-bench sqs-rtt ... (see the crate docs)".to_owned(),
        ),
    };
    match outcome {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("hookbox-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn lambda(args: &[String]) -> Result<serde_json::Value, String> {
    let (options, command) = match args.iter().position(|arg| arg == "--") {
        Some(split) => (&args[..split], args[split + 1..].to_vec()),
        None => return Err("lambda: give the function's command after --".to_owned()),
    };
    let options = Options::parse(options)?;
    let event_file = options.one("event")?;
    let plan = function::Plan {
        name: options.one("name")?.to_owned(),
        command,
        env: options
            .all("env")
            .map(|pair| pair.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect::<Option<_>>()
            .ok_or("--env takes NAME=VALUE")?,
        event: std::fs::read(event_file).map_err(|error| format!("{event_file}: {error}"))?,
        invocations: options.number("invocations")?,
        log: PathBuf::from(options.one("log")?),
    };
    function::run(&plan)
}

fn sink(args: &[String]) -> Result<serde_json::Value, String> {
    let options = Options::parse(args)?;
    let status = u16::try_from(options.number("status")?).map_err(|error| error.to_string())?;
    let delay = match options.all("delay-ms").last() {
        Some(_) => options.number("delay-ms")? as u64,
        None => 0,
    };
    stand_in::sink(status, std::time::Duration::from_millis(delay))?;
    Ok(json!({}))
}

fn delay_proxy(args: &[String]) -> Result<serde_json::Value, String> {
    use std::io::Write;

    let options = Options::parse(args)?;
    let rtt = std::time::Duration::from_millis(options.number("rtt-ms")? as u64);
    delay_proxy::serve(options.one("upstream")?, rtt, |port| {
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "{}", json!({ "port": port }));
        let _ = stdout.flush();
    })?;
    Ok(json!({}))
}

fn sqs_rtt(args: &[String]) -> Result<serde_json::Value, String> {
    let options = Options::parse(args)?;
    let body_file = options.one("body-file")?;
    let body = std::fs::read_to_string(body_file).map_err(|error| format!("{body_file}: {error}"))?;
    let rtts = stand_in::send_message_rtt(
        options.one("endpoint")?,
        options.one("region")?,
        options.one("queue-url")?,
        &body,
        options.number("count")?,
    )?;
    Ok(json!({ "rtt_us": rtts }))
}

fn http_rtt(args: &[String]) -> Result<serde_json::Value, String> {
    let options = Options::parse(args)?;
    let body_file = options.one("body-file")?;
    let body = std::fs::read(body_file).map_err(|error| format!("{body_file}: {error}"))?;
    let rtts = stand_in::http_rtt(options.one("url")?, &body, options.number("count")?)?;
    Ok(json!({ "rtt_us": rtts }))
}

/// `--name value` pairs, in order; a name may repeat (`--env`).
struct Options(Vec<(String, String)>);

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {arg}"))?;
            let value = args.next().ok_or_else(|| format!("--{name} needs a value"))?;
            pairs.push((name.to_owned(), value.clone()));
        }
        Ok(Self(pairs))
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn one(&self, name: &str) -> Result<&str, String> {
        self.all(name).last().ok_or_else(|| format!("--{name} is required"))
    }

    fn number(&self, name: &str) -> Result<usize, String> {
        self.one(name)?.parse().map_err(|_| format!("--{name} takes a number"))
    }
}
