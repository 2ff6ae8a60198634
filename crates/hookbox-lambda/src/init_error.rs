//! A cold start that failed, reported the way Lambda expects: one error line in the log, the error
//! posted to the Runtime API's `/runtime/init/error`, and the process ended with a non-zero status.
//!
//! Without the report, Lambda (and every emulator: AWS's runtime interface emulator under
//! `sam local`, cargo-lambda's) only sees the process exit, and an emulator may keep the caller's
//! request waiting; with it, the caller gets the error at once. `lambda_runtime` reports init errors
//! only for SnapStart hooks, so this is the one place hookbox posts to the Runtime API itself.

use std::io::Write as _;
use std::time::Duration;

use lambda_runtime_api_client::Client;
use lambda_runtime_api_client::body::Body;

/// Lambda's error type for a runtime that failed to initialise.
const ERROR_TYPE: &str = "Runtime.InitError";

/// How long the report may take: the Runtime API is local, and the process ends either way.
const REPORT_TIMEOUT: Duration = Duration::from_secs(2);

/// Logs `error` as the one "cannot start" line, reports it to the Runtime API when there is one, and
/// exits with status 1.
pub async fn exit_with(error: &(dyn std::error::Error + 'static)) -> ! {
    tracing::error!(error = %error, "cannot start");
    if let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") {
        let outcome = match tokio::time::timeout(REPORT_TIMEOUT, report(&api, error)).await {
            Ok(outcome) => outcome,
            Err(_) => Err("timed out".into()),
        };
        if let Err(report_error) = outcome {
            tracing::warn!(error = %report_error, "the Runtime API did not take the init error");
        }
    }
    let _ = std::io::stdout().flush();
    std::process::exit(1)
}

/// Posts `{"errorType", "errorMessage"}` to `/runtime/init/error` of the Runtime API at `api`: what
/// Lambda sets in `AWS_LAMBDA_RUNTIME_API` (`host:port`), or a URL with a path, as emulators that serve
/// several functions give; read as `lambda_runtime` reads it.
async fn report(api: &str, error: &(dyn std::error::Error + 'static)) -> Result<(), lambda_runtime::Error> {
    let endpoint: http::Uri = api.parse()?;
    if endpoint.authority().is_none() {
        return Err(format!("AWS_LAMBDA_RUNTIME_API names no host: {api}").into());
    }
    let diagnostic = lambda_runtime::Diagnostic {
        error_type: ERROR_TYPE.to_owned(),
        error_message: error.to_string(),
    };
    let request = http::Request::post("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", ERROR_TYPE)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&diagnostic)?))?;
    let response = Client::builder().with_endpoint(endpoint).build()?.call(request).await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", response.status()).into())
    }
}
