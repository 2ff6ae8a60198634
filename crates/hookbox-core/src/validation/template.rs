//! Value templates for message attributes, FIFO message groups and deduplication ids:
//! `event.{header:X-GitHub-Event}.{route}` or `{body:head_commit.timestamp}`.

use super::json_path::JsonPath;
use crate::path::invalid;
use crate::routes::InvalidValue;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Route,
    Method,
    Path,
    Header(String),
    Query(String),
    Body(JsonPath),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Part>);

/// What a template can read from a request.
pub trait TemplateSource {
    fn route(&self) -> &str;
    fn method(&self) -> &str;
    fn path(&self) -> &str;
    fn header(&self, name: &str) -> Option<&str>;
    fn query(&self, name: &str) -> Option<&str>;
    /// The first text the path reaches in the JSON body, if the body is JSON.
    fn body(&self, path: &JsonPath) -> Option<String>;
}

impl Template {
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| invalid!("{text:?}: '{{' without '}}'"))?
                + open;
            parts.push(parse_placeholder(&rest[open + 1..close]).map_err(|error| invalid!("{text:?}: {error}"))?);
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(invalid!("{text:?}: '}}' without '{{'"));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Self(parts))
    }

    /// Whether the template reads the JSON body (so the body must be parsed).
    pub fn reads_body(&self) -> bool {
        self.0.iter().any(|part| matches!(part, Part::Body(_)))
    }

    /// The rendered text; a placeholder whose value is missing renders as nothing, and `None` is
    /// returned when nothing at all came out.
    pub fn render(&self, source: &impl TemplateSource) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Route => out.push_str(source.route()),
                Part::Method => out.push_str(source.method()),
                Part::Path => out.push_str(source.path()),
                Part::Header(name) => out.push_str(source.header(name).unwrap_or_default()),
                Part::Query(name) => out.push_str(source.query(name).unwrap_or_default()),
                Part::Body(path) => out.push_str(&source.body(path).unwrap_or_default()),
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

fn parse_placeholder(inside: &str) -> Result<Part, InvalidValue> {
    let nonempty = |name: &str, what: &str| {
        if name.is_empty() {
            Err(invalid!("{{{what}:...}} needs a name"))
        } else {
            Ok(name.to_owned())
        }
    };
    Ok(match inside.split_once(':') {
        None => match inside {
            "route" => Part::Route,
            "method" => Part::Method,
            "path" => Part::Path,
            other => {
                return Err(invalid!(
                    "unknown placeholder {{{other}}} (route, method, path, header:, query:, body:)"
                ));
            }
        },
        Some(("header", name)) => Part::Header(nonempty(name, "header")?.to_ascii_lowercase()),
        Some(("query", name)) => Part::Query(nonempty(name, "query")?),
        Some(("body", path)) => Part::Body(JsonPath::parse(path)?),
        Some((other, _)) => return Err(invalid!("unknown placeholder kind {other:?} (header, query, body)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Request(serde_json::Value);

    impl TemplateSource for Request {
        fn route(&self) -> &str {
            "github"
        }
        fn method(&self) -> &str {
            "POST"
        }
        fn path(&self) -> &str {
            "/hooks/github"
        }
        fn header(&self, name: &str) -> Option<&str> {
            (name == "x-github-event").then_some("push")
        }
        fn query(&self, name: &str) -> Option<&str> {
            (name == "job").then_some("build")
        }
        fn body(&self, path: &JsonPath) -> Option<String> {
            path.texts(&self.0).into_iter().next()
        }
    }

    fn render(template: &str) -> Option<String> {
        Template::parse(template)
            .unwrap()
            .render(&Request(json!({"head_commit": {"timestamp": "2026-11-23T12:00:00Z"}})))
    }

    #[test]
    fn renders_every_placeholder() {
        assert_eq!(
            render("event.{header:X-GitHub-Event}.{route}").as_deref(),
            Some("event.push.github")
        );
        assert_eq!(
            render("{method} {path}?job={query:job}").as_deref(),
            Some("POST /hooks/github?job=build")
        );
        assert_eq!(
            render("{body:head_commit.timestamp}").as_deref(),
            Some("2026-11-23T12:00:00Z")
        );
        assert_eq!(render("plain").as_deref(), Some("plain"));
        assert_eq!(render("{header:x-missing}"), None, "nothing came out");
        assert_eq!(render("a-{query:missing}").as_deref(), Some("a-"));
        assert!(Template::parse("{body:x}").unwrap().reads_body());
        assert!(!Template::parse("{route}").unwrap().reads_body());
    }

    #[test]
    fn malformed_templates_say_why() {
        for bad in ["{", "}", "{nope}", "{header:}", "{cookie:a}", "{body:a..b}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
