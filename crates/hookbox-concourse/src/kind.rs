//! The resource kinds the notifiers match: Concourse's built-in `git`, `s3` and `semver` types. A
//! pipeline may use another type name for one of them (a custom `s3-iam` image behaves like `s3`); the
//! config's `type_aliases` map such names onto their kind.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A built-in resource type that matching knows. Written in the file by its [`name`](Kind::name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Kind {
    Git,
    S3,
    Semver,
}

impl Kind {
    pub const ALL: [Self; 3] = [Self::Git, Self::S3, Self::Semver];

    /// The type name, as pipelines and the config write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Git => "git",
            Self::S3 => "s3",
            Self::Semver => "semver",
        }
    }

    /// The kind of a built-in type name.
    pub fn of(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The kind a resource of type `type_name` behaves like: the one its alias names, else its own.
    /// `None` for a type no matcher knows (`time`, `registry-image`, an unmapped custom type).
    pub fn of_type(type_name: &str, aliases: &BTreeMap<String, Kind>) -> Option<Self> {
        aliases.get(type_name).copied().or_else(|| Self::of(type_name))
    }
}

/// A type name that is not a built-in kind, where only one may stand (a `type_aliases` target, a
/// `--type-alias`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is none of {}", Kind::ALL.map(Kind::name).join(", "))]
pub struct UnknownKind {
    pub name: String,
}

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::of(name).ok_or_else(|| UnknownKind { name: name.to_owned() })
    }
}

impl TryFrom<String> for Kind {
    type Error = UnknownKind;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<Kind> for &'static str {
    fn from(kind: Kind) -> Self {
        kind.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_kinds_map_both_ways() {
        for kind in Kind::ALL {
            assert_eq!(Kind::of(kind.name()), Some(kind));
            assert_eq!(kind.name().parse::<Kind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
        assert_eq!(Kind::of("Git"), None);
        assert_eq!(
            "docker".parse::<Kind>().unwrap_err().to_string(),
            "\"docker\" is none of git, s3, semver"
        );
        assert!(serde_json::from_str::<Kind>("\"time\"").is_err());
    }

    #[test]
    fn an_alias_gives_a_custom_type_its_kind() {
        let aliases = BTreeMap::from([("s3-iam".to_owned(), Kind::S3)]);
        assert_eq!(Kind::of_type("s3-iam", &aliases), Some(Kind::S3));
        assert_eq!(Kind::of_type("git", &aliases), Some(Kind::Git));
        assert_eq!(Kind::of_type("time", &aliases), None);
    }
}
