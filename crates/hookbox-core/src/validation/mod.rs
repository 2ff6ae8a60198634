//! The checks a route makes before anything is stored, always in this order, cheapest and most
//! decisive first so that nothing from an unauthenticated sender is parsed:
//!
//! 1. content type (`content_types`, 415) — only for requests with a body;
//! 2. token (`token`, 401);
//! 3. signature (`signature`, 401);
//! 4. header rules (`headers`, 400);
//! 5. body rules (`body`, 400; a body that is not JSON under a body rule is 400 too).
//!
//! A request that passes gets its routing metadata: message attributes, FIFO message group and
//! deduplication id (`attributes`, `message_group`, `deduplication_id` templates).

pub mod auth;
pub mod json_path;
pub mod template;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::http::Headers;
use crate::http::MediaRange;
use crate::http::json_payload;
use crate::path::{TokenSpan, invalid};
use crate::routes::{InvalidValue, RoutesError};
use auth::{SignatureRule, TokenPlace, TokenRule};
use json_path::JsonPath;
use template::{Template, TemplateSource};

/// SQS allows 10 message attributes; `route`, `content-type` and `delivery-id` take three.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 7;

/// The request as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub route: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// Lower-case names.
    pub headers: &'a Headers,
    pub body: &'a [u8],
    /// Where the route path's `{token}` segment is in `path`.
    pub path_token: Option<&'a TokenSpan>,
    /// When the request arrived, in unix seconds: the clock timestamped signatures are judged by.
    pub received_at: i64,
}

impl RequestParts<'_> {
    fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Secret values by name, each with every value accepted during a rotation.
#[derive(Clone, Default)]
pub struct Secrets(HashMap<String, Vec<String>>);

/// Names only: secrets never reach a log, even through a debug print.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        f.debug_tuple("Secrets").field(&names).finish()
    }
}

impl Secrets {
    pub fn insert(&mut self, name: &str, values: Vec<String>) {
        self.0.insert(name.to_owned(), values);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    fn values(&self, name: &str) -> &[String] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("content_types", &self.content_types)
            .field("token", &self.token)
            .field("signature", &self.signature)
            .field(
                "headers",
                &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
            .field("body", &self.body.iter().map(|(path, _, _)| path).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A request the rules refused: the status to answer and which rule failed. The message never
/// contains a secret or what the sender presented as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {message}")]
pub struct Rejection {
    pub status: u16,
    /// The failed rule as the routes file names it: `token`, `signature`, `content_types`,
    /// `headers.x-github-event`, `body.repository.full_name`.
    pub rule: String,
    pub message: String,
}

fn reject(status: u16, rule: impl Into<String>, message: impl Into<String>) -> Rejection {
    Rejection {
        status,
        rule: rule.into(),
        message: message.into(),
    }
}

/// What a token (or a header carrying a secret) that must not be stored leaves behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redaction {
    /// Drop these query parameters.
    Query(String),
    /// Drop this header.
    Header(String),
    /// Replace this part of the path by `{token}`.
    Path(TokenSpan),
}

/// The outcome for an accepted request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accepted {
    /// What to take out before storing: the route's token and a header that carries the signature
    /// secret itself (GitLab's), unless the route stores them.
    pub redactions: Vec<Redaction>,
    /// Custom message attributes, in name order; empty values are left out.
    pub attributes: Vec<(String, String)>,
    pub message_group: Option<String>,
    pub deduplication_id: Option<String>,
}

/// A route's compiled rules; the default checks nothing.
#[derive(Clone, Default)]
pub struct Rules {
    content_types: Vec<MediaRange>,
    token: Option<TokenRule>,
    signature: Option<SignatureRule>,
    headers: Vec<(String, regex_lite::Regex)>,
    body: Vec<(String, JsonPath, regex_lite::Regex)>,
    attributes: Vec<(String, Template)>,
    message_group: Option<Template>,
    deduplication_id: Option<Template>,
}

/// The rule fields of a route as the routes file writes them.
#[derive(Debug, Default)]
pub(crate) struct RulesSpec {
    pub content_types: Vec<String>,
    pub token: Option<auth::TokenSpec>,
    pub signature: Option<auth::SignatureSpec>,
    pub headers: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    pub attributes: BTreeMap<String, String>,
    pub message_group: Option<String>,
    pub deduplication_id: Option<String>,
}

/// A value of `field` (below the route) that cannot be read.
fn invalid_at(field: impl Into<String>) -> impl FnOnce(InvalidValue) -> RoutesError {
    move |invalid| RoutesError::at(field, invalid.0)
}

impl Rules {
    /// Compiles a route's rule fields; an error's path is the field below the route
    /// (`token.name`, `headers.x-event`).
    pub(crate) fn compile(spec: RulesSpec, path_has_token: bool) -> Result<Self, RoutesError> {
        let content_types = spec
            .content_types
            .iter()
            .enumerate()
            .map(|(i, text)| {
                MediaRange::parse(text)
                    .map_err(|error| RoutesError::at(format!("content_types[{i}]"), error.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let token = spec
            .token
            .map(|token| token.compile(path_has_token))
            .transpose()
            .map_err(|error| error.within("token"))?;
        if path_has_token && token.as_ref().is_none_or(|token| token.place != TokenPlace::Path) {
            return Err(RoutesError::at(
                "token",
                "the path has {token}: add \"token\": {\"in\": \"path\", ...}",
            ));
        }
        let signature = spec
            .signature
            .map(auth::SignatureSpec::compile)
            .transpose()
            .map_err(|error| error.within("signature"))?;
        for secret in token
            .iter()
            .map(|t| t.secret.as_str())
            .chain(signature.iter().map(|rule| rule.secret.as_str()))
        {
            if !crate::routes::is_identifier(secret) {
                return Err(RoutesError::at(
                    "secret",
                    format!("{secret:?} must be 1 to 64 letters, digits, '-' or '_'"),
                ));
            }
        }
        let headers = spec
            .headers
            .into_iter()
            .map(|(name, pattern)| {
                let regex = compile_regex(&pattern).map_err(invalid_at(format!("headers.{name}")))?;
                Ok((name.to_ascii_lowercase(), regex))
            })
            .collect::<Result<_, RoutesError>>()?;
        let body = spec
            .body
            .into_iter()
            .map(|(path, pattern)| {
                let field = format!("body.{path}");
                let json_path = JsonPath::parse(&path).map_err(invalid_at(field.clone()))?;
                let regex = compile_regex(&pattern).map_err(invalid_at(field))?;
                Ok((path, json_path, regex))
            })
            .collect::<Result<_, RoutesError>>()?;
        if spec.attributes.len() > MAX_CUSTOM_ATTRIBUTES {
            return Err(RoutesError::at(
                "attributes",
                format!("SQS carries 10 message attributes and hookbox sets 3: at most {MAX_CUSTOM_ATTRIBUTES} more"),
            ));
        }
        let attributes = spec
            .attributes
            .into_iter()
            .map(|(name, text)| {
                let field = format!("attributes.{name}");
                check_attribute_name(&name).map_err(invalid_at(field.clone()))?;
                Ok((name, Template::parse(&text).map_err(invalid_at(field))?))
            })
            .collect::<Result<_, RoutesError>>()?;
        let template = |field: &str, text: Option<String>| match text {
            None => Ok(None),
            Some(text) if text.is_empty() || text.len() > 128 => {
                Err(RoutesError::at(field, "must be 1 to 128 characters"))
            }
            Some(text) => Template::parse(&text).map(Some).map_err(invalid_at(field)),
        };
        Ok(Self {
            content_types,
            token,
            signature,
            headers,
            body,
            attributes,
            message_group: template("message_group", spec.message_group)?,
            deduplication_id: template("deduplication_id", spec.deduplication_id)?,
        })
    }

    /// The names of the secrets these rules need.
    pub fn secret_names(&self) -> impl Iterator<Item = &str> {
        self.token
            .iter()
            .map(|token| token.secret.as_str())
            .chain(self.signature.iter().map(|rule| rule.secret.as_str()))
    }

    /// Runs the checks in their documented order.
    pub fn check(&self, request: &RequestParts<'_>, secrets: &Secrets) -> Result<Accepted, Rejection> {
        self.check_content_type(request)?;
        let mut redactions: Vec<Redaction> = self.check_token(request, secrets)?.into_iter().collect();
        if let Some(signature) = &self.signature {
            signature
                .scheme
                .verify(
                    secrets.values(&signature.secret),
                    request.body,
                    request.headers,
                    request.received_at,
                )
                .map_err(|error| reject(401, "signature", error.to_string()))?;
            if let Some(header) = signature.scheme.secret_header().filter(|_| !signature.store) {
                redactions.push(Redaction::Header(header.to_owned()));
            }
        }
        for (name, regex) in &self.headers {
            let values = request
                .headers
                .iter()
                .filter(|(key, _)| key == name)
                .map(|(_, value)| value.as_str());
            if !values.clone().any(|value| regex.is_match(value)) {
                let problem = if values.count() == 0 {
                    "is missing"
                } else {
                    "does not match the route's pattern"
                };
                return Err(reject(
                    400,
                    format!("headers.{name}"),
                    format!("header {name} {problem}"),
                ));
            }
        }
        let needs_json = !self.body.is_empty()
            || self.attributes.iter().any(|(_, template)| template.reads_body())
            || self.message_group.as_ref().is_some_and(Template::reads_body)
            || self.deduplication_id.as_ref().is_some_and(Template::reads_body);
        let json = if needs_json { json_body(request) } else { None };
        for (path, json_path, regex) in &self.body {
            let Some(document) = &json else {
                return Err(reject(
                    400,
                    format!("body.{path}"),
                    "the body is not JSON, so the body rules cannot hold",
                ));
            };
            if !json_path.texts(document).iter().any(|text| regex.is_match(text)) {
                return Err(reject(
                    400,
                    format!("body.{path}"),
                    format!("no value at {path} matches the route's pattern"),
                ));
            }
        }
        let source = Source {
            request,
            json: json.as_ref(),
        };
        Ok(Accepted {
            redactions,
            attributes: self
                .attributes
                .iter()
                .filter_map(|(name, template)| Some((name.clone(), template.render(&source)?)))
                .collect(),
            message_group: self
                .message_group
                .as_ref()
                .and_then(|template| template.render(&source)),
            deduplication_id: self
                .deduplication_id
                .as_ref()
                .and_then(|template| template.render(&source)),
        })
    }

    fn check_content_type(&self, request: &RequestParts<'_>) -> Result<(), Rejection> {
        if self.content_types.is_empty() || request.body.is_empty() {
            return Ok(());
        }
        let content_type = request.headers.get("content-type").unwrap_or_default();
        if self.content_types.iter().any(|range| range.admits(content_type)) {
            Ok(())
        } else {
            let shown = if content_type.is_empty() {
                "no content type"
            } else {
                content_type
            };
            Err(reject(
                415,
                "content_types",
                format!("{shown} is not accepted on this route"),
            ))
        }
    }

    fn check_token(&self, request: &RequestParts<'_>, secrets: &Secrets) -> Result<Option<Redaction>, Rejection> {
        let Some(token) = &self.token else {
            return Ok(None);
        };
        let (presented, redaction) = match &token.place {
            TokenPlace::Query(name) => (request.query_value(name), Redaction::Query(name.clone())),
            TokenPlace::Header(name) => (request.headers.get(name), Redaction::Header(name.clone())),
            TokenPlace::Path => {
                let span = request.path_token.cloned().unwrap_or_default();
                (request.path.get(span.clone()), Redaction::Path(span))
            }
        };
        match presented {
            None | Some("") => Err(reject(401, "token", "the token is missing")),
            Some(value) if auth_token_matches(secrets.values(&token.secret), value) => {
                Ok((!token.store).then_some(redaction))
            }
            Some(_) => Err(reject(401, "token", "the token is wrong")),
        }
    }
}

fn auth_token_matches(accepted: &[String], presented: &str) -> bool {
    crate::signature::token_matches(accepted, presented.as_bytes())
}

/// The body as JSON: the delivery's payload (the body, or the `payload` field of a form delivery),
/// else the body itself whatever its content type says.
fn json_body(request: &RequestParts<'_>) -> Option<Value> {
    let payload = json_payload(request.headers.get("content-type"), request.body).unwrap_or(request.body.into());
    serde_json::from_slice(&payload).ok()
}

fn compile_regex(pattern: &str) -> Result<regex_lite::Regex, InvalidValue> {
    regex_lite::Regex::new(pattern).map_err(|error| invalid!("{pattern:?} is not a regular expression: {error}"))
}

/// SQS's rules for attribute names, plus the names hookbox sets itself.
fn check_attribute_name(name: &str) -> Result<(), InvalidValue> {
    let valid_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    let lower = name.to_ascii_lowercase();
    if name.is_empty()
        || name.len() > 256
        || !valid_chars
        || name.starts_with('.')
        || name.ends_with('.')
        || name.contains("..")
    {
        Err(invalid!(
            "{name:?} is not an SQS attribute name (letters, digits, '_', '-', '.')"
        ))
    } else if lower.starts_with("aws.") || lower.starts_with("amazon.") {
        Err(invalid!("{name:?}: names starting with AWS. or Amazon. are reserved"))
    } else if ["route", "content-type", "delivery-id"].contains(&lower.as_str()) {
        Err(invalid!("{name:?} is set by hookbox itself"))
    } else {
        Ok(())
    }
}

struct Source<'a> {
    request: &'a RequestParts<'a>,
    json: Option<&'a Value>,
}

impl TemplateSource for Source<'_> {
    fn route(&self) -> &str {
        self.request.route
    }
    fn method(&self) -> &str {
        self.request.method
    }
    fn path(&self) -> &str {
        self.request.path
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.request.headers.get(name)
    }
    fn query(&self, name: &str) -> Option<&str> {
        self.request.query_value(name)
    }
    fn body(&self, path: &JsonPath) -> Option<String> {
        path.texts(self.json?).into_iter().next()
    }
}

#[cfg(test)]
mod tests;
