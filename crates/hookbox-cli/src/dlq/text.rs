//! Stored requests come from the internet: their paths, routes and bodies are printed to a person's
//! terminal only with control characters escaped, so that no sender can move the cursor, clear the
//! screen or fake a line of output.

/// `text` for one table cell or line: every control character escaped (`\n`, `\u{1b}`).
pub fn printable(text: &str) -> String {
    escape(text, |_| false)
}

/// `text` for a block of lines: line feeds and tabs kept, every other control character escaped.
pub fn printable_block(text: &str) -> String {
    escape(text, |c| c == '\n' || c == '\t')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_a_block_keeps_its_lines() {
        assert_eq!(printable("a\u{1b}[2J\nb\u{7f}"), "a\\u{1b}[2J\\nb\\u{7f}");
        assert_eq!(printable_block("a\n\tb\r\u{9b}"), "a\n\tb\\r\\u{9b}");
        assert_eq!(printable("ünïcode ✓"), "ünïcode ✓");
    }
}
