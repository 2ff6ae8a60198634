//! The ATC client against the fake ATC, a real HTTP server on 127.0.0.1.

use std::time::{Duration, Instant};

use hookbox_concourse::{CheckError, CheckTarget, ClientError, ConcourseClient, Credentials, Roots};
use hookbox_testkit::fake_atc::{Behaviour, FakeAtc};

const TIMEOUT: Duration = Duration::from_millis(800);

fn target(pipeline: &str, resource: &str, token: Option<&str>) -> CheckTarget {
    CheckTarget {
        pipeline: pipeline.into(),
        instance_vars: None,
        resource: resource.into(),
        webhook_token: token.map(str::to_owned),
    }
}

fn client(atc: &FakeAtc, credentials: Credentials) -> ConcourseClient {
    ConcourseClient::new(&atc.url(), "main", credentials, TIMEOUT, Roots::CompiledIn).unwrap()
}

#[tokio::test]
async fn webhook_token_checks_name_the_instance_and_refuse_a_wrong_token() {
    let atc = FakeAtc::start();
    atc.add_webhook_token("app", "repo", "s3cr3t");
    let client = client(&atc, Credentials::None);
    let mut instanced = target("app", "repo", Some("s3cr3t"));
    instanced.instance_vars = Some(serde_json::from_str(r#"{"branch":"feature/x"}"#).unwrap());
    let triggered = client.check(&instanced).await.unwrap();
    assert_eq!(triggered.status, 201);
    assert!(triggered.check_id.is_some());
    let wrong = client.check(&target("app", "repo", Some("guess"))).await.unwrap_err();
    assert!(matches!(wrong, CheckError::WrongWebhookToken), "{wrong}");
    assert!(!wrong.to_string().contains("guess"));

    let requests = atc.checks();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.method, "POST");
    assert_eq!(
        first.path,
        "/api/v1/teams/main/pipelines/app/resources/repo/check/webhook"
    );
    assert_eq!(first.query_value("webhook_token"), Some("s3cr3t"));
    assert_eq!(first.query_value("vars"), Some(r#"{"branch":"feature/x"}"#));
    assert_eq!(first.header("authorization"), None);
}

#[tokio::test]
async fn bearer_checks_send_a_json_body_and_fail_without_a_valid_token() {
    let atc = FakeAtc::start();
    atc.add_bearer_token("good");
    let good = client(&atc, Credentials::Bearer("good".into()));
    assert_eq!(good.check(&target("app", "repo", None)).await.unwrap().status, 201);
    let check = &atc.checks()[0];
    assert_eq!(check.path, "/api/v1/teams/main/pipelines/app/resources/repo/check");
    assert_eq!(check.header("authorization"), Some("Bearer good"));
    assert_eq!(check.body, b"{}");
    let bad = client(&atc, Credentials::Bearer("stale".into()));
    let error = bad.check(&target("app", "repo", None)).await.unwrap_err();
    assert!(matches!(error, CheckError::Unauthorized), "{error}");
    let none = client(&atc, Credentials::None);
    let error = none.check(&target("app", "repo", None)).await.unwrap_err();
    assert!(matches!(error, CheckError::NoCredentials), "{error}");
}

#[tokio::test]
async fn password_sessions_are_reused_and_renewed_after_a_401() {
    let atc = FakeAtc::start();
    atc.add_user("ci-bot", "pa55");
    let client = client(
        &atc,
        Credentials::Password {
            username: "ci-bot".into(),
            password: "pa55".into(),
        },
    );
    let logins = || atc.requests().iter().filter(|r| r.path == "/sky/issuer/token").count();
    client.check(&target("app", "a", None)).await.unwrap();
    client.check(&target("app", "b", None)).await.unwrap();
    assert_eq!(logins(), 1, "the session is kept between checks");
    atc.expire_tokens();
    client.check(&target("app", "c", None)).await.unwrap();
    assert_eq!(logins(), 2, "a 401 logs in again once");
    let login = atc
        .requests()
        .into_iter()
        .find(|r| r.path == "/sky/issuer/token")
        .unwrap();
    assert!(String::from_utf8_lossy(&login.body).contains("grant_type=password"));

    let wrong = ConcourseClient::new(
        &atc.url(),
        "main",
        Credentials::Password {
            username: "ci-bot".into(),
            password: "nope".into(),
        },
        TIMEOUT,
        Roots::CompiledIn,
    )
    .unwrap();
    let error = wrong.check(&target("app", "a", None)).await.unwrap_err();
    assert!(matches!(error, CheckError::Login(_)), "{error}");
    assert!(!error.to_string().contains("nope"));
}

#[tokio::test]
async fn a_slow_failing_or_absent_atc_is_an_error_within_the_timeout() {
    let mut atc = FakeAtc::start();
    atc.add_webhook_token("app", "repo", "t");
    let client = client(&atc, Credentials::None);
    let checks = [target("app", "repo", Some("t")), target("app", "repo", Some("t"))];

    atc.set_behaviour(Behaviour::Status(500));
    let error = client.check(&checks[0]).await.unwrap_err();
    assert!(matches!(error, CheckError::Status { status: 500, .. }), "{error}");

    atc.set_behaviour(Behaviour::Slow(Duration::from_secs(5)));
    let started = Instant::now();
    let outcomes = client.check_all(&checks).await;
    assert!(
        started.elapsed() < TIMEOUT * 2,
        "concurrent and bounded: {:?}",
        started.elapsed()
    );
    assert!(
        outcomes
            .iter()
            .all(|(o, took)| matches!(o, Err(CheckError::Timeout(_))) && *took >= TIMEOUT && *took < TIMEOUT * 2),
        "{outcomes:?}"
    );

    atc.stop();
    let error = client.check(&checks[0]).await.unwrap_err();
    assert!(matches!(error, CheckError::Unreachable(_)), "{error}");
    assert!(!error.to_string().contains("webhook_token"), "{error}");
}

#[test]
fn a_url_that_names_no_http_server_is_refused_when_the_client_is_built() {
    for url in [
        "not a url",
        "https://bad host",
        "mailto:ci@example.com",
        "ftp://ci.example.com",
    ] {
        let error = ConcourseClient::new(url, "main", Credentials::None, TIMEOUT, Roots::CompiledIn)
            .err()
            .unwrap_or_else(|| panic!("{url} was accepted"));
        assert!(
            matches!(&error, ClientError::BadAtcUrl { url: named, .. } if named == url),
            "{error}"
        );
        assert!(error.to_string().contains("is not an http(s) URL"), "{error}");
    }
}
