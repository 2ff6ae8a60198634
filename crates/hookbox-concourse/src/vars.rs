//! Concourse's `((var))` syntax in the strings of a pipeline: Concourse replaces every `((...))` with a
//! value from its credential manager when it runs a check, so the text a pipeline writes is not the text
//! the check sees. A notifier is built from the pipeline's text and cannot do that replacement; it
//! resolves only a `webhook_token` that is one whole `((name))`, from its own secrets.

/// The name when `text` is exactly one `((name))` (whitespace around it or the name aside); `None` for
/// text, an empty name or more than one var.
pub fn whole(text: &str) -> Option<&str> {
    let name = text.trim().strip_prefix("((")?.strip_suffix("))")?.trim();
    let one_var = !name.is_empty() && !name.contains("((") && !name.contains("))");
    one_var.then_some(name)
}

/// Whether `text` refers to a var anywhere: a `((` with a `))` after it.
pub fn any(text: &str) -> bool {
    text.find("((").is_some_and(|start| text[start..].contains("))"))
}

/// The name of the first var in `text`, if it refers to one.
pub fn first(text: &str) -> Option<&str> {
    let start = text.find("((")? + 2;
    let end = start + text[start..].find("))")?;
    Some(text[start..end].trim())
}

/// What a matcher says of a field that refers to a var: the ATC resolves it when it runs the check, so
/// the field matches anything.
pub fn resolved_at_check(field: &str, text: &str) -> Option<String> {
    first(text).map(|name| format!("{field} contains (({name})), resolved by the ATC at check time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_var_gives_its_name() {
        assert_eq!(whole("((a))"), Some("a"));
        assert_eq!(whole("((src:a.b))"), Some("src:a.b"));
        assert_eq!(whole(" (( a )) "), Some("a"));
        for not_whole in ["((a))((b))", "(())", "(( ))", "x((a))", "((a))x", "a", "((a"] {
            assert_eq!(whole(not_whole), None, "{not_whole}");
        }
    }

    #[test]
    fn the_first_var_is_named() {
        assert_eq!(first("v((major)).((minor))"), Some("major"));
        assert_eq!(first("plain"), None);
        assert_eq!(
            resolved_at_check("branch", "((b))").as_deref(),
            Some("branch contains ((b)), resolved by the ATC at check time")
        );
    }

    #[test]
    fn a_var_is_found_anywhere() {
        for with_var in ["x((a))y", "((a))", "((a))((b))", "(())"] {
            assert!(any(with_var), "{with_var}");
        }
        for without in ["((a", "a))((", "plain", ""] {
            assert!(!any(without), "{without}");
        }
    }
}
