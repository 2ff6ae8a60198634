//! Who may post to a route: a shared token (query parameter, header or path segment) and a sender's
//! signature scheme. Both name a secret; the secret's values come from the environment or a secret
//! store at cold start, never from the routes file.

use serde::Deserialize;

use crate::signature::{Algorithm, Encoding, HmacScheme, SignatureError, token_matches};

/// `"token": {"in": "query", "name": "token", "secret": "jenkins", "store": true}`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenSpec {
    #[serde(rename = "in")]
    place: TokenPlaceSpec,
    #[serde(default)]
    name: Option<String>,
    secret: String,
    #[serde(default)]
    store: bool,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum TokenPlaceSpec {
    Query,
    Header,
    Path,
}

/// `"signature": {"type": "github", "secret": "github"}`, or a generic `hmac` with its header,
/// algorithm, encoding and prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureSpec {
    #[serde(rename = "type")]
    kind: SignatureKind,
    secret: String,
    #[serde(default)]
    allow_sha1: bool,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    algorithm: Option<AlgorithmSpec>,
    #[serde(default)]
    encoding: Option<EncodingSpec>,
    #[serde(default)]
    prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SignatureKind {
    Github,
    Gitlab,
    Gitea,
    Bitbucket,
    Hmac,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AlgorithmSpec {
    Sha256,
    Sha1,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EncodingSpec {
    Hex,
    Base64,
}

/// Where a route's token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenPlace {
    Query(String),
    /// Lower-case header name.
    Header(String),
    /// The `{token}` segment of the route path.
    Path,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRule {
    pub place: TokenPlace,
    pub secret: String,
    /// Keep the token in the envelope (Jenkins' `?token=` must reach Jenkins); dropped otherwise.
    pub store: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureRule {
    /// An HMAC of the raw body in `header`, with an optional weaker fallback header (GitHub SHA-1).
    Hmac {
        header: String,
        scheme: HmacScheme,
        fallback: Option<(String, HmacScheme)>,
        secret: String,
    },
    /// GitLab sends the secret itself in `X-Gitlab-Token`.
    SharedSecretHeader { header: String, secret: String },
}

impl TokenSpec {
    pub(crate) fn compile(self, path_has_token: bool) -> Result<TokenRule, (&'static str, String)> {
        let name = self.name.filter(|name| !name.is_empty());
        let place = match (self.place, name) {
            (TokenPlaceSpec::Query, Some(name)) => TokenPlace::Query(name),
            (TokenPlaceSpec::Header, Some(name)) => TokenPlace::Header(name.to_ascii_lowercase()),
            (TokenPlaceSpec::Query | TokenPlaceSpec::Header, None) => {
                return Err((
                    "name",
                    "a query or header token needs the parameter's or header's name".to_owned(),
                ));
            }
            (TokenPlaceSpec::Path, Some(_)) => {
                return Err((
                    "name",
                    "a path token has no name: put {token} in the route's path".to_owned(),
                ));
            }
            (TokenPlaceSpec::Path, None) if !path_has_token => {
                return Err(("in", "\"path\" needs a {token} segment in the route's path".to_owned()));
            }
            (TokenPlaceSpec::Path, None) => TokenPlace::Path,
        };
        Ok(TokenRule {
            place,
            secret: self.secret,
            store: self.store,
        })
    }
}

impl SignatureSpec {
    pub(crate) fn compile(self) -> Result<SignatureRule, (&'static str, String)> {
        let generic_fields =
            self.header.is_some() || self.algorithm.is_some() || self.encoding.is_some() || self.prefix.is_some();
        if generic_fields && !matches!(self.kind, SignatureKind::Hmac) {
            return Err((
                "type",
                "header, algorithm, encoding and prefix are for \"hmac\" signatures only".to_owned(),
            ));
        }
        if self.allow_sha1 && !matches!(self.kind, SignatureKind::Github) {
            return Err(("allow_sha1", "only GitHub has a legacy SHA-1 signature".to_owned()));
        }
        let hex_sha256 = |prefix: &str| HmacScheme {
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Hex,
            prefix: prefix.to_owned(),
        };
        let secret = self.secret;
        Ok(match self.kind {
            SignatureKind::Github => SignatureRule::Hmac {
                header: "x-hub-signature-256".to_owned(),
                scheme: HmacScheme::github_sha256(),
                fallback: self
                    .allow_sha1
                    .then(|| ("x-hub-signature".to_owned(), HmacScheme::github_sha1())),
                secret,
            },
            SignatureKind::Gitea => SignatureRule::Hmac {
                header: "x-gitea-signature".to_owned(),
                scheme: hex_sha256(""),
                fallback: None,
                secret,
            },
            SignatureKind::Bitbucket => SignatureRule::Hmac {
                header: "x-hub-signature".to_owned(),
                scheme: hex_sha256("sha256="),
                fallback: None,
                secret,
            },
            SignatureKind::Gitlab => SignatureRule::SharedSecretHeader {
                header: "x-gitlab-token".to_owned(),
                secret,
            },
            SignatureKind::Hmac => SignatureRule::Hmac {
                header: self
                    .header
                    .filter(|header| !header.is_empty())
                    .ok_or((
                        "header",
                        "an \"hmac\" signature needs the header that carries it".to_owned(),
                    ))?
                    .to_ascii_lowercase(),
                scheme: HmacScheme {
                    algorithm: match self.algorithm.unwrap_or(AlgorithmSpec::Sha256) {
                        AlgorithmSpec::Sha256 => Algorithm::Sha256,
                        AlgorithmSpec::Sha1 => Algorithm::Sha1,
                    },
                    encoding: match self.encoding.unwrap_or(EncodingSpec::Hex) {
                        EncodingSpec::Hex => Encoding::Hex,
                        EncodingSpec::Base64 => Encoding::Base64,
                    },
                    prefix: self.prefix.unwrap_or_default(),
                },
                fallback: None,
                secret,
            },
        })
    }
}

impl SignatureRule {
    pub fn secret(&self) -> &str {
        match self {
            SignatureRule::Hmac { secret, .. } | SignatureRule::SharedSecretHeader { secret, .. } => secret,
        }
    }

    /// Checks the request; `header` looks a header up by lower-case name.
    pub fn verify<'a>(
        &self,
        secrets: &[String],
        body: &[u8],
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<(), SignatureError> {
        match self {
            SignatureRule::Hmac {
                header: name,
                scheme,
                fallback,
                ..
            } => match (header(name), fallback) {
                (None, Some((fallback_name, fallback_scheme))) if header(fallback_name).is_some() => {
                    fallback_scheme.verify(secrets, body, header(fallback_name))
                }
                (value, _) => scheme.verify(secrets, body, value),
            },
            SignatureRule::SharedSecretHeader { header: name, .. } => match header(name) {
                None => Err(SignatureError::Missing),
                Some(value) if token_matches(secrets, value.as_bytes()) => Ok(()),
                Some(_) => Err(SignatureError::Mismatch),
            },
        }
    }
}
