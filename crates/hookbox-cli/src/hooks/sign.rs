//! AWS Signature Version 4 for the management API (service `execute-api`), with `aws-sigv4`: the
//! headers to add to a request so that API Gateway's AWS_IAM authorization accepts it. The signature
//! covers the method, the path and query, the `host`, `content-type` and `x-amz-date` headers and the
//! body's SHA-256; a session token is sent (and signed) as `x-amz-security-token`.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

/// The service name API Gateway's `execute-api` endpoints are signed for.
pub const SERVICE: &str = "execute-api";

/// A request that cannot be signed (a header value that is no text, a URL the signer refuses).
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the request: {0}")]
pub struct SignError(String);

/// The headers that sign `method url` with `headers` and `body` for `region` at `time`.
pub fn signature_headers(
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(String, String)>, SignError> {
    let identity: Identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|error| SignError(error.to_string()))?
        .into();
    let request = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body))
        .map_err(|error| SignError(error.to_string()))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|error| SignError(error.to_string()))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_names_the_service_region_and_signed_headers_and_changes_with_the_body() {
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", Some("session".into()), None, "test");
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_764_590_400);
        let url = "https://abc.execute-api.eu-west-1.amazonaws.com/wh/config";
        let headers = [("content-type", "application/json")];
        let sign_body =
            |body: &[u8]| signature_headers(&credentials, "eu-west-1", time, "POST", url, &headers, body).unwrap();
        let signed = sign_body(b"{}");
        let value = |name: &str| {
            signed
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let authorization = value("authorization").unwrap();
        assert!(
            authorization
                .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251201/eu-west-1/execute-api/aws4_request"),
            "{authorization}"
        );
        assert!(
            authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
            "{authorization}"
        );
        assert_eq!(value("x-amz-date").as_deref(), Some("20251201T120000Z"));
        assert_eq!(value("x-amz-security-token").as_deref(), Some("session"));
        assert_ne!(sign_body(b"{ }"), signed);
    }
}
