//! `hookbox`: the command line. Parses arguments, sets up logging and signals, and hands over to the
//! library; nothing else happens here.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use clap::{CommandFactory as _, Parser, Subcommand, ValueEnum};
use hookbox_cli::concourse_config::{ConcourseConfigArgs, Outcome};
use hookbox_cli::concourse_explain::ConcourseArgs;
use hookbox_cli::dlq::DlqArgs;
use hookbox_cli::docs::{CompletionsArgs, ManArgs};
use hookbox_cli::hooks::HooksArgs;
use hookbox_cli::relay::RelayArgs;
use tokio::sync::watch;

#[derive(Debug, Parser)]
#[command(name = "hookbox", version, about = "hookbox: webhook mailbox tools")]
struct Cli {
    /// Log format: text for a terminal, json for a log collector.
    #[arg(long, global = true, env = "HOOKBOX_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Drain the mailbox queue and replay every request to an internal URL. A message is deleted only
    /// after the target accepted it. AWS credentials and region come from the standard chain
    /// (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...); AWS_ENDPOINT_URL points it elsewhere (e.g. moto).
    /// Logs go to stderr; RUST_LOG sets the level (default info).
    Relay(RelayArgs),
    /// List, show, redrive or purge the dead-letter queue, where requests land that the relay failed
    /// to deliver MaxReceiveCount times. AWS credentials, region and endpoint as for relay.
    Dlq(DlqArgs),
    /// Write the Concourse config the notifier functions are built with (config/concourse.json) from
    /// the team's pipelines on the ATC: every git, s3 and semver resource with the source fields that
    /// matching needs and its webhook_token, then a table of what became of each. Or, with --check,
    /// compare the file with the ATC; with --import, convert the earlier Node tool's etc/config.json.
    /// Exit status: 0 written or up to date, 1 --check found differences, 2 an error (or nothing to
    /// write).
    ConcourseConfig(ConcourseConfigArgs),
    /// Look at a concourse.json from the notifiers' side: `explain` says why an event did or did not
    /// make them check each resource.
    Concourse(ConcourseArgs),
    /// Create, list, show and delete webhook tokens (hooks) through the stack's management API, signed
    /// with the standard AWS credential chain (or a JWT with --bearer). Each caller sees only its own.
    Hooks(HooksArgs),
    /// Print the shell completion script on stdout, e.g. `hookbox completions bash >
    /// /usr/share/bash-completion/completions/hookbox`.
    Completions(CompletionsArgs),
    /// Print a man page (roff) on stdout: hookbox(1), or a subcommand's, e.g. `hookbox man relay >
    /// hookbox-relay.1`.
    Man(ManArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    // The reqwest clients (the relay's target, the Concourse ATC) take the process's default crypto
    // provider: ring, the one the SDK's client below and the functions use.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The AWS configuration of the subcommands that call AWS: the standard chain (environment, profile,
/// SSO, container and instance credentials) with the SDK's HTTPS client.
async fn aws_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(aws_https_client())
        .load()
        .await
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Relay(args) => {
            let aws = aws_config().await;
            args.run(&aws, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Dlq(args) => {
            let aws = aws_config().await;
            args.run(&aws).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Hooks(args) => {
            let aws = aws_config().await;
            args.run(&aws).await?;
            Ok(ExitCode::SUCCESS)
        }
        // Its own statuses, as `diff` has them: 1 means "differs", so an error must be another one.
        Command::ConcourseConfig(args) => Ok(match args.run().await {
            Ok(Outcome::Written | Outcome::UpToDate) => ExitCode::SUCCESS,
            Ok(Outcome::Differs) => ExitCode::from(1),
            Err(error) => {
                // Each message already carries its cause.
                tracing::error!("{error}");
                ExitCode::from(2)
            }
        }),
        Command::Concourse(args) => {
            args.run()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(args) => {
            args.write(Cli::command(), &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man(args) => {
            args.write(Cli::command(), &mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The AWS SDK's HTTPS client: hyper with rustls on ring, as in the functions (`hookbox_lambda`), so
/// the CLI builds no second crypto provider (aws-lc-rs, the SDK's default).
fn aws_https_client() -> aws_sdk_sqs::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// A flag that turns true on SIGINT or SIGTERM: the relay stops receiving, finishes the deliveries under
/// way, hands back the messages still waiting for a slot and exits 0, as a service manager expects.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (sender, receiver) = watch::channel(false);
    tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM can be handled");
        let name = tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "stopping");
        let _ = sender.send(true);
        // Keep the sender alive so the relay never mistakes a dropped sender for "go on forever".
        std::future::pending::<()>().await;
    });
    receiver
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in journald or a log file.
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
