//! `hookbox hooks` signs its requests as AWS does: the real binary sends them to a recording server on
//! 127.0.0.1, and botocore (the AWS SDK for Python, in the project's venv) recomputes each signature
//! from the recorded request, the same fixed credentials and the request's own `x-amz-date`. Any
//! difference in the canonical request (path, query, headers, body hash) or the key derivation shows
//! as a different signature.

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbox_testkit::target::{Answer, Received, Target};
use hookbox_testkit::{TempDir, venv_tool};
use serde_json::{Value, json};

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str = "session/token+with=odd";
const REGION: &str = "eu-west-1";

/// botocore's SigV4 of a recorded request: its signature and signed headers.
const BOTOCORE: &str = r#"
import base64, json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

recorded = json.load(open(sys.argv[1]))
headers = dict(recorded["headers"])
signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
request = AWSRequest(
    method=recorded["method"], url=recorded["url"], data=base64.b64decode(recorded["body"]),
    headers={name: value for name, value in headers.items() if name in signed},
)
request.context["timestamp"] = headers["x-amz-date"]
auth = SigV4Auth(Credentials(sys.argv[2], sys.argv[3], sys.argv[4]), "execute-api", sys.argv[5])
canonical = auth.canonical_request(request)
print(json.dumps({
    "signature": auth.signature(auth.string_to_sign(request, canonical), request),
    "signed_headers": auth.signed_headers(auth.headers_to_sign(request)),
}))
"#;

fn hookbox(target: &Target, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hookbox"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOOKBOX_HOOKS_API_URL", target.url("/wh/config"))
        .arg("hooks")
        .args(args)
        .output()
        .expect("hookbox runs")
}

/// What botocore says the signature of `request` (received at `url`) is.
fn botocore(request: &Received, url: &str, dir: &TempDir) -> Value {
    let file = dir.path().join("request.json");
    let headers: serde_json::Map<String, Value> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), Value::from(value.as_str())))
        .collect();
    let recorded =
        json!({"method": request.method, "url": url, "headers": headers, "body": BASE64.encode(&request.body)});
    std::fs::write(&file, recorded.to_string()).unwrap();
    let output = Command::new(venv_tool("python"))
        .arg("-c")
        .arg(BOTOCORE)
        .arg(&file)
        .args([ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, REGION])
        .output()
        .expect("the venv's python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("botocore's answer is JSON")
}

#[test]
fn botocore_computes_the_same_signatures_as_hookbox_hooks() {
    let target = Target::start(|_| Answer::Status(204));
    let dir = TempDir::new();
    let id = "a".repeat(64);
    // A body, no body, a query; the answers do not matter here, only the requests.
    let _ = hookbox(
        &target,
        &[
            "create",
            "--datasource",
            "github",
            "--event",
            "push",
            "--ts-field",
            "commits[0].timestamp",
        ],
    );
    let deleted = hookbox(&target, &["delete", &id]);
    assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
    let _ = hookbox(&target, &["list"]);

    let received = target.received();
    let summary: Vec<(String, String)> = received.iter().map(|r| (r.method.clone(), r.target.clone())).collect();
    assert_eq!(
        summary,
        [
            ("POST".to_owned(), "/wh/config".to_owned()),
            ("DELETE".to_owned(), format!("/wh/config/{id}")),
            ("GET".to_owned(), "/wh/config?limit=100".to_owned()),
        ]
    );
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(
        body,
        json!({"datasource": "github", "event": "push", "tsField": "commits[0].timestamp"})
    );
    for request in &received {
        let authorization = request.header_values("authorization")[0].to_owned();
        let (_, signature) = authorization.rsplit_once("Signature=").expect("a signature");
        let expected = botocore(request, &target.url(&request.target), &dir);
        assert_eq!(
            signature, expected["signature"],
            "{} {}: {authorization}",
            request.method, request.target
        );
        assert!(
            authorization.contains(&format!(
                "SignedHeaders={},",
                expected["signed_headers"].as_str().unwrap()
            )),
            "{authorization} vs {expected}"
        );
        assert!(
            authorization.contains(&format!("/{REGION}/execute-api/aws4_request")),
            "{authorization}"
        );
        assert_eq!(request.header_values("x-amz-security-token"), [SESSION_TOKEN]);
    }

    // The comparison can fail: the same request with another body has another signature.
    let request = &received[0];
    let mut other = request.clone();
    other.body = b"{}".to_vec();
    let changed = botocore(&other, &target.url(&request.target), &dir);
    let authorization = request.header_values("authorization")[0];
    assert!(!authorization.ends_with(changed["signature"].as_str().unwrap()));
}
