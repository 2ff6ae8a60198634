//! Which ATC to ask, as which team, with which token: a `fly` target from `~/.flyrc` (so that whoever
//! ran `fly -t NAME login` needs nothing else), or the URL, team and token given directly, which win
//! over the target's.
//!
//! The flyrc is YAML written by `fly` (`targets: {NAME: {api, team, token: {type, value}, insecure,
//! ca_cert}}`). Error messages name the file and the field, never a value: the file holds tokens.

use std::path::{Path, PathBuf};

/// The team `fly` uses when a target names none.
pub const DEFAULT_TEAM: &str = "main";

/// A bearer token. It is only ever sent in the `Authorization` header: it has no `Display`, and `Debug`
/// hides it, so an error or a debug print of the options cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Token {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let token = text.trim();
        if token.is_empty() {
            return Err("an empty token".into());
        }
        Ok(Self(token.to_owned()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// What the user asked for; [`resolve`] turns it into a [`Target`].
#[derive(Debug, Clone, Default)]
pub struct TargetChoice {
    /// A `fly` target name.
    pub target: Option<String>,
    /// The flyrc to read it from; `$HOME/.flyrc` when `None`.
    pub flyrc: Option<PathBuf>,
    pub url: Option<String>,
    pub team: Option<String>,
    pub token: Option<Token>,
    pub insecure: bool,
    /// A PEM file with the CA certificate(s) the ATC's certificate is signed by.
    pub ca_cert: Option<PathBuf>,
}

/// The ATC, team and credentials to read pipelines with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The ATC's base URL, without a trailing `/`.
    pub url: String,
    pub team: String,
    pub token: Token,
    /// Accept any certificate (`fly login -k`).
    pub insecure: bool,
    /// Extra trusted CA certificates, PEM.
    pub ca_cert: Option<String>,
    /// The `fly` target name, for the hint to log in again.
    pub name: Option<String>,
}

impl Target {
    /// How to get a fresh token, for error messages.
    pub fn login_hint(&self) -> String {
        match &self.name {
            Some(name) => format!("run `fly -t {name} login`"),
            None => "get a new one (fly login) and pass it with --token or HOOKBOX_CONCOURSE_TOKEN".to_owned(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("HOME is not set: name the flyrc with --flyrc")]
    NoHome,
    #[error("cannot read the flyrc {path}: {source} (`fly login` writes it; or pass --flyrc, or --url and --token)")]
    Flyrc {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid YAML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: {field} {expected}")]
    Field {
        path: PathBuf,
        field: String,
        expected: &'static str,
    },
    #[error("no target {name:?} in {path} (its targets: {known}); run `fly -t {name} login --concourse-url URL`")]
    UnknownTarget { name: String, path: PathBuf, known: String },
    #[error("no ATC URL: pass --target NAME (a fly target) or --url (HOOKBOX_CONCOURSE_URL)")]
    NoUrl,
    #[error("{url:?} is not an http(s) URL")]
    BadUrl { url: String },
    #[error("no token for {what}: {hint}")]
    NoToken { what: String, hint: String },
    #[error("target {name:?} has a {kind:?} token; only bearer tokens are supported")]
    TokenType { name: String, kind: String },
}

/// Puts the target together: the flyrc target first (when named), then the flags over it.
pub fn resolve(choice: TargetChoice) -> Result<Target, TargetError> {
    let fly = match &choice.target {
        Some(name) => {
            let path = match &choice.flyrc {
                Some(path) => path.clone(),
                None => default_flyrc()?,
            };
            Some(read_target(&path, name)?)
        }
        None => None,
    };
    let url = choice
        .url
        .or_else(|| fly.as_ref().map(|fly| fly.api.clone()))
        .ok_or(TargetError::NoUrl)?;
    let url = url.trim().trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&url).map_err(|_| TargetError::BadUrl { url: url.clone() })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(TargetError::BadUrl { url });
    }
    let team = choice
        .team
        .or_else(|| fly.as_ref().and_then(|fly| fly.team.clone()))
        .filter(|team| !team.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TEAM.to_owned());
    let token = match choice.token {
        Some(token) => token,
        None => match fly.as_ref().and_then(|fly| fly.token.clone()) {
            Some(token) => token,
            None => {
                let (what, hint) = match &choice.target {
                    Some(name) => (
                        format!("target {name:?}"),
                        format!("run `fly -t {name} login`, or pass --token (HOOKBOX_CONCOURSE_TOKEN)"),
                    ),
                    None => (url.clone(), "pass --token (HOOKBOX_CONCOURSE_TOKEN)".to_owned()),
                };
                return Err(TargetError::NoToken { what, hint });
            }
        },
    };
    let ca_cert = match &choice.ca_cert {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|source| TargetError::Read {
            path: path.clone(),
            source,
        })?),
        None => fly.as_ref().and_then(|fly| fly.ca_cert.clone()),
    };
    Ok(Target {
        url,
        team,
        token,
        insecure: choice.insecure || fly.as_ref().is_some_and(|fly| fly.insecure),
        ca_cert,
        name: choice.target,
    })
}

/// `$HOME/.flyrc`, where `fly` keeps its targets.
fn default_flyrc() -> Result<PathBuf, TargetError> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".flyrc"))
        .ok_or(TargetError::NoHome)
}

/// One target of a flyrc, as `fly` wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlyTarget {
    pub api: String,
    pub team: Option<String>,
    /// `None` after `fly logout`, or before the first login.
    pub token: Option<Token>,
    pub insecure: bool,
    pub ca_cert: Option<String>,
}

/// Reads target `name` of the flyrc at `path`.
pub fn read_target(path: &Path, name: &str) -> Result<FlyTarget, TargetError> {
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::Flyrc {
        path: path.to_owned(),
        source,
    })?;
    parse_target(path, &text, name)
}

/// Parses the flyrc `text` (read from `path`) and picks target `name`.
///
/// The YAML is read into a JSON value first and the fields are picked from it by hand, so that no error
/// message can quote a value (a deserializer's "invalid type: string ..." would show a token written
/// in the wrong place); YAML syntax errors are reported without the source snippet for the same reason.
pub fn parse_target(path: &Path, text: &str, name: &str) -> Result<FlyTarget, TargetError> {
    let options = serde_saphyr::options! { with_snippet: false };
    let document: serde_json::Value =
        serde_saphyr::from_str_with_options(text, options).map_err(|error| TargetError::Syntax {
            path: path.to_owned(),
            message: error.without_snippet().to_string(),
        })?;
    let field_error = |field: String, expected: &'static str| TargetError::Field {
        path: path.to_owned(),
        field,
        expected,
    };
    let targets = match document.get("targets") {
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(targets)) => targets.clone(),
        Some(_) => return Err(field_error("targets".into(), "must be a mapping of target names")),
    };
    let Some(target) = targets.get(name) else {
        let mut known: Vec<&str> = targets.keys().map(String::as_str).collect();
        known.sort_unstable();
        return Err(TargetError::UnknownTarget {
            name: name.to_owned(),
            path: path.to_owned(),
            known: if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            },
        });
    };
    let at = |field: &str| format!("targets.{name}.{field}");
    let string = |field: &str| -> Result<Option<String>, TargetError> {
        match target.get(field) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(value)) if value.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err(field_error(at(field), "must be a string")),
        }
    };
    let api = string("api")?.ok_or_else(|| field_error(at("api"), "is missing"))?;
    let team = string("team")?;
    let ca_cert = string("ca_cert")?;
    let insecure = match target.get("insecure") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(insecure)) => *insecure,
        Some(_) => return Err(field_error(at("insecure"), "must be true or false")),
    };
    let token = match target.get("token") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Object(token)) => {
            let text = |field: &str| match token.get(field) {
                None | Some(serde_json::Value::Null) => Ok(""),
                Some(serde_json::Value::String(value)) => Ok(value.trim()),
                Some(_) => Err(field_error(at(&format!("token.{field}")), "must be a string")),
            };
            let (kind, value) = (text("type")?, text("value")?);
            if value.is_empty() {
                // `fly logout` leaves an empty token behind.
                None
            } else if kind.eq_ignore_ascii_case("bearer") || kind.is_empty() {
                Some(Token(value.to_owned()))
            } else {
                return Err(TargetError::TokenType {
                    name: name.to_owned(),
                    kind: kind.to_owned(),
                });
            }
        }
        Some(_) => return Err(field_error(at("token"), "must be a mapping with type and value")),
    };
    Ok(FlyTarget {
        api,
        team,
        token,
        insecure,
        ca_cert,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLYRC: &str = "targets:
  ci:
    api: https://ci.example.com/
    team: platform
    token:
      type: Bearer
      value: secret-token-1
  local:
    api: http://127.0.0.1:8080
    insecure: true
    ca_cert: |
      -----BEGIN CERTIFICATE-----
      MIIB
      -----END CERTIFICATE-----
    token:
      type: bearer
      value: \"\"
";

    fn parse(text: &str, name: &str) -> Result<FlyTarget, TargetError> {
        parse_target(Path::new("/home/u/.flyrc"), text, name)
    }

    #[test]
    fn a_fly_target_is_read_as_fly_wrote_it() {
        let ci = parse(FLYRC, "ci").unwrap();
        assert_eq!(ci.api, "https://ci.example.com/");
        assert_eq!(ci.team.as_deref(), Some("platform"));
        assert_eq!(ci.token.as_ref().map(Token::expose), Some("secret-token-1"));
        assert!(!ci.insecure);
        let local = parse(FLYRC, "local").unwrap();
        assert!(local.insecure);
        assert_eq!(local.team, None);
        assert_eq!(local.token, None, "a logged-out target has no token");
        assert!(
            local
                .ca_cert
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----\nMIIB\n")
        );
    }

    #[test]
    fn errors_name_the_field_and_never_quote_a_value() {
        let unknown = parse(FLYRC, "prod").unwrap_err().to_string();
        assert!(
            unknown.contains("no target \"prod\"") && unknown.contains("ci, local"),
            "{unknown}"
        );
        let cases = [
            (
                "targets:\n  ci:\n    api: https://ci\n    token: secret-token-2\n",
                "targets.ci.token",
            ),
            ("targets:\n  ci:\n    team: main\n", "targets.ci.api is missing"),
            (
                "targets:\n  ci:\n    api: [secret-token-2]\n",
                "targets.ci.api must be a string",
            ),
            ("targets: [secret-token-2]\n", "targets must be a mapping"),
            ("targets:\n  ci: {api: \"secret-token-2\n", "not valid YAML"),
        ];
        for (text, expected) in cases {
            let error = parse(text, "ci").unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains("secret-token"), "{text}: {error}");
        }
        let error = parse(
            "targets:\n  ci:\n    api: https://ci\n    token: {type: basic, value: x}\n",
            "ci",
        )
        .unwrap_err();
        assert!(error.to_string().contains("only bearer tokens"), "{error}");
    }

    #[test]
    fn flags_win_over_the_target_and_the_team_defaults_to_main() {
        let dir = std::env::temp_dir().join(format!("hookbox-flyrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let flyrc = dir.join("flyrc");
        std::fs::write(&flyrc, FLYRC).unwrap();
        let from_fly = resolve(TargetChoice {
            target: Some("ci".into()),
            flyrc: Some(flyrc.clone()),
            ..TargetChoice::default()
        })
        .unwrap();
        assert_eq!(
            (from_fly.url.as_str(), from_fly.team.as_str(), from_fly.token.expose()),
            ("https://ci.example.com", "platform", "secret-token-1")
        );
        assert_eq!(from_fly.login_hint(), "run `fly -t ci login`");
        let overridden = resolve(TargetChoice {
            target: Some("ci".into()),
            flyrc: Some(flyrc.clone()),
            team: Some("other".into()),
            token: Some("flag-token".parse().unwrap()),
            ..TargetChoice::default()
        })
        .unwrap();
        assert_eq!(
            (overridden.team.as_str(), overridden.token.expose()),
            ("other", "flag-token")
        );
        let logged_out = resolve(TargetChoice {
            target: Some("local".into()),
            flyrc: Some(flyrc),
            ..TargetChoice::default()
        })
        .unwrap_err();
        assert!(logged_out.to_string().contains("fly -t local login"), "{logged_out}");
        let plain = resolve(TargetChoice {
            url: Some("http://127.0.0.1:1/".into()),
            token: Some("t".parse().unwrap()),
            ..TargetChoice::default()
        })
        .unwrap();
        assert_eq!(
            (plain.url.as_str(), plain.team.as_str()),
            ("http://127.0.0.1:1", DEFAULT_TEAM)
        );
        for url in ["ftp://ci", "ci.example.com"] {
            let error = resolve(TargetChoice {
                url: Some(url.into()),
                token: Some("t".parse().unwrap()),
                ..TargetChoice::default()
            })
            .unwrap_err();
            assert!(matches!(error, TargetError::BadUrl { .. }), "{url}: {error}");
        }
        assert!(matches!(resolve(TargetChoice::default()), Err(TargetError::NoUrl)));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token: Token = "secret-token-3".parse().unwrap();
        assert_eq!(format!("{token:?}"), "Token(***)");
        assert!("  ".parse::<Token>().is_err());
    }
}
