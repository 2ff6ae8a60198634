//! Which answers of the target count as delivered. Everything else leaves the message for redelivery.

use std::fmt;
use std::str::FromStr;

/// A set of statuses such as `2xx,404,410`: status classes (`2xx`) and single codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredStatuses(Vec<StatusPattern>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusPattern {
    /// `4xx` is class 4.
    Class(u16),
    Code(u16),
}

impl DeliveredStatuses {
    /// Whether an answer with `status` means the request was delivered and the message may go.
    pub fn contains(&self, status: u16) -> bool {
        self.0.iter().any(|pattern| match *pattern {
            StatusPattern::Class(class) => status / 100 == class,
            StatusPattern::Code(code) => status == code,
        })
    }
}

impl Default for DeliveredStatuses {
    fn default() -> Self {
        Self(vec![StatusPattern::Class(2)])
    }
}

/// An entry of `--delivered-status` that is neither a status nor a class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a status (100-599) or a class such as 2xx")]
pub struct NotAStatus(String);

impl FromStr for DeliveredStatuses {
    type Err = NotAStatus;

    fn from_str(text: &str) -> Result<Self, NotAStatus> {
        let patterns = text
            .split(',')
            .map(str::trim)
            .map(|item| {
                let bad = || NotAStatus(item.to_owned());
                let lower = item.to_ascii_lowercase();
                if let Some(class) = lower.strip_suffix("xx") {
                    match class.parse::<u16>() {
                        Ok(class @ 1..=5) => Ok(StatusPattern::Class(class)),
                        _ => Err(bad()),
                    }
                } else {
                    match item.parse::<u16>() {
                        Ok(code @ 100..=599) => Ok(StatusPattern::Code(code)),
                        _ => Err(bad()),
                    }
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(patterns))
    }
}

impl fmt::Display for DeliveredStatuses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self
            .0
            .iter()
            .map(|pattern| match pattern {
                StatusPattern::Class(class) => format!("{class}xx"),
                StatusPattern::Code(code) => code.to_string(),
            })
            .collect();
        f.write_str(&items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_any_2xx() {
        let statuses = DeliveredStatuses::default();
        assert!(statuses.contains(200) && statuses.contains(202) && statuses.contains(299));
        assert!(!statuses.contains(301) && !statuses.contains(404) && !statuses.contains(500));
    }

    #[test]
    fn classes_and_codes_combine() {
        let statuses: DeliveredStatuses = "2xx, 404,410".parse().unwrap();
        assert!(statuses.contains(201) && statuses.contains(404) && statuses.contains(410));
        assert!(!statuses.contains(400) && !statuses.contains(503));
        assert_eq!(statuses.to_string(), "2xx,404,410");
    }

    #[test]
    fn nonsense_is_refused_with_the_bad_item() {
        for bad in ["", "2x", "6xx", "0xx", "99", "600", "ok"] {
            let error = bad.parse::<DeliveredStatuses>().unwrap_err();
            assert!(error.to_string().contains("is not a status"), "{bad}: {error}");
        }
    }
}
