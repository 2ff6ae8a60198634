//! Who may post to a route: a shared token (query parameter, header or path segment) and a sender's
//! signature scheme. Both name a secret; the secret's values come from the environment or a secret
//! store at cold start, never from the routes file.

use serde::Deserialize;

use crate::routes::RoutesError;
use crate::signature::{Algorithm, Encoding, SignatureScheme, Tolerance};

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
/// algorithm, encoding and prefix. `allow_sha1` is for GitHub and Bitbucket, `tolerance_seconds` for
/// the timestamped schemes, `store` for GitLab (whose header is the secret itself).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureSpec {
    #[serde(rename = "type")]
    kind: SignatureKind,
    secret: String,
    #[serde(default)]
    allow_sha1: bool,
    #[serde(default)]
    tolerance_seconds: Option<u64>,
    #[serde(default)]
    store: bool,
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
#[serde(rename_all = "kebab-case")]
enum SignatureKind {
    Github,
    Gitlab,
    Gitea,
    Gogs,
    Bitbucket,
    Stripe,
    Slack,
    StandardWebhooks,
    Hmac,
}

impl SignatureKind {
    fn is_timestamped(self) -> bool {
        matches!(self, Self::Stripe | Self::Slack | Self::StandardWebhooks)
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AlgorithmSpec {
    Sha256,
    Sha512,
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

/// A route's signature check: the sender's scheme and the name of the secret it is keyed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRule {
    pub scheme: SignatureScheme,
    pub secret: String,
    /// Keep a header that carries the secret itself (GitLab's token) in the envelope; dropped
    /// otherwise, like a token.
    pub store: bool,
}

impl TokenSpec {
    pub(crate) fn compile(self, path_has_token: bool) -> Result<TokenRule, RoutesError> {
        let name = self.name.filter(|name| !name.is_empty());
        let place = match (self.place, name) {
            (TokenPlaceSpec::Query, Some(name)) => TokenPlace::Query(name),
            (TokenPlaceSpec::Header, Some(name)) => TokenPlace::Header(name.to_ascii_lowercase()),
            (TokenPlaceSpec::Query | TokenPlaceSpec::Header, None) => {
                return Err(RoutesError::at(
                    "name",
                    "a query or header token needs the parameter's or header's name",
                ));
            }
            (TokenPlaceSpec::Path, Some(_)) => {
                return Err(RoutesError::at(
                    "name",
                    "a path token has no name: put {token} in the route's path",
                ));
            }
            (TokenPlaceSpec::Path, None) if !path_has_token => {
                return Err(RoutesError::at(
                    "in",
                    "\"path\" needs a {token} segment in the route's path",
                ));
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
    pub(crate) fn compile(self) -> Result<SignatureRule, RoutesError> {
        let generic_fields =
            self.header.is_some() || self.algorithm.is_some() || self.encoding.is_some() || self.prefix.is_some();
        if generic_fields && !matches!(self.kind, SignatureKind::Hmac) {
            return Err(RoutesError::at(
                "type",
                "header, algorithm, encoding and prefix are for \"hmac\" signatures only",
            ));
        }
        if self.allow_sha1 && !matches!(self.kind, SignatureKind::Github | SignatureKind::Bitbucket) {
            return Err(RoutesError::at(
                "allow_sha1",
                "only GitHub and Bitbucket have a legacy SHA-1 signature",
            ));
        }
        if self.store && !matches!(self.kind, SignatureKind::Gitlab) {
            return Err(RoutesError::at(
                "store",
                "only \"gitlab\" sends the secret itself, which \"store\" keeps in the envelope",
            ));
        }
        let tolerance = match self.tolerance_seconds {
            Some(_) if !self.kind.is_timestamped() => {
                return Err(RoutesError::at(
                    "tolerance_seconds",
                    "only \"stripe\", \"slack\" and \"standard-webhooks\" signatures carry a timestamp",
                ));
            }
            Some(0) => {
                return Err(RoutesError::at(
                    "tolerance_seconds",
                    "must be at least 1: no delivery arrives in the second it was signed",
                ));
            }
            Some(seconds) => Tolerance::seconds(seconds),
            None => Tolerance::DEFAULT,
        };
        let scheme = match self.kind {
            SignatureKind::Github => SignatureScheme::github(self.allow_sha1),
            SignatureKind::Gitea => SignatureScheme::gitea(),
            SignatureKind::Gogs => SignatureScheme::gogs(),
            SignatureKind::Bitbucket => SignatureScheme::bitbucket(self.allow_sha1),
            SignatureKind::Gitlab => SignatureScheme::gitlab(),
            SignatureKind::Stripe => SignatureScheme::Stripe { tolerance },
            SignatureKind::Slack => SignatureScheme::Slack { tolerance },
            SignatureKind::StandardWebhooks => SignatureScheme::StandardWebhooks { tolerance },
            SignatureKind::Hmac => {
                let header = self.header.filter(|header| !header.is_empty()).ok_or_else(|| {
                    RoutesError::at("header", "an \"hmac\" signature needs the header that carries it")
                })?;
                let algorithm = match self.algorithm.unwrap_or(AlgorithmSpec::Sha256) {
                    AlgorithmSpec::Sha256 => Algorithm::Sha256,
                    AlgorithmSpec::Sha512 => Algorithm::Sha512,
                    AlgorithmSpec::Sha1 => Algorithm::Sha1,
                };
                let encoding = match self.encoding.unwrap_or(EncodingSpec::Hex) {
                    EncodingSpec::Hex => Encoding::Hex,
                    EncodingSpec::Base64 => Encoding::Base64,
                };
                SignatureScheme::hmac(&header, algorithm, encoding, &self.prefix.unwrap_or_default())
            }
        };
        Ok(SignatureRule {
            scheme,
            secret: self.secret,
            store: self.store,
        })
    }
}
