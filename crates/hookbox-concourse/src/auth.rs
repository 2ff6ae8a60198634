//! How a notifier authenticates the check of a resource that has no `webhook_token`: the config's
//! `auth`, the fallback for every such resource, which the generator chooses from what the pipelines
//! need (or its `--auth` sets). A resource with a `webhook_token` always uses it.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The config's `auth`. Written in the file by its [`name`](AuthMode::name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum AuthMode {
    /// Every resource must have a `webhook_token`: no user credentials at all.
    #[default]
    WebhookToken,
    /// A bearer token from the function's secrets, for the authenticated check route.
    Bearer,
    /// A username and password from the function's secrets, exchanged for a token (as `fly login`).
    Password,
    /// Whichever ATC credentials the function has: the username and password when both are set
    /// (they do not expire), else the bearer token. The generator's choice when a pipeline has
    /// resources without a `webhook_token`, so that the deployment, not the file, decides which.
    Atc,
}

impl AuthMode {
    pub const ALL: [Self; 4] = [Self::WebhookToken, Self::Bearer, Self::Password, Self::Atc];

    /// The name the file (and `--auth`) writes.
    pub fn name(self) -> &'static str {
        match self {
            Self::WebhookToken => "webhook_token",
            Self::Bearer => "bearer",
            Self::Password => "password",
            Self::Atc => "atc",
        }
    }

    /// Every name, in the order of [`AuthMode::ALL`].
    pub fn names() -> [&'static str; 4] {
        Self::ALL.map(Self::name)
    }
}

/// A name that is no [`AuthMode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is none of {}", AuthMode::names().join(", "))]
pub struct UnknownAuthMode {
    pub name: String,
}

impl FromStr for AuthMode {
    type Err = UnknownAuthMode;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.name() == name)
            .ok_or_else(|| UnknownAuthMode { name: name.to_owned() })
    }
}

impl TryFrom<String> for AuthMode {
    type Error = UnknownAuthMode;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<AuthMode> for &'static str {
    fn from(mode: AuthMode) -> Self {
        mode.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_modes_map_both_ways() {
        assert_eq!(AuthMode::names(), ["webhook_token", "bearer", "password", "atc"]);
        for mode in AuthMode::ALL {
            assert_eq!(mode.name().parse::<AuthMode>(), Ok(mode));
            let written = serde_json::to_string(&mode).unwrap();
            assert_eq!(written, format!("\"{}\"", mode.name()));
            assert_eq!(serde_json::from_str::<AuthMode>(&written).unwrap(), mode);
        }
        assert_eq!(
            "Bearer".parse::<AuthMode>().unwrap_err().to_string(),
            "\"Bearer\" is none of webhook_token, bearer, password, atc"
        );
    }
}
