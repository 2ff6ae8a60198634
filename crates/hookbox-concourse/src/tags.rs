//! Which tags a git resource tracks, as its check selects them:
//!
//! - `tag_filter` goes to `git tag --list <tag_filter>`, which matches the tag name with git's
//!   wildmatch and no flags: not `WM_PATHNAME`, so `*` and `?` cross `/` (`v*` lists `v1/rc`), and
//!   `**` is `*`; `[...]` classes take `!` or `^`, ranges and `[:alpha:]`-style names; `\` escapes;
//!   case counts.
//! - `tag_regex` goes to `grep -Ex <tag_regex>`: a POSIX extended regular expression that must match
//!   the whole tag. It is compiled with `regex_lite` as `^(?:...)$`, which accepts the same for what tag
//!   patterns use (groups, alternation, `+ ? * {m,n}`, classes with `[:digit:]`-style names, GNU grep's
//!   `\s \w \b`). Where the two differ, the tag counts: inside a bracket a `\` is literal to POSIX and
//!   kept literal here; what `regex_lite` refuses (a back-reference `\1`, GNU's `\<`, a `{` that is no
//!   interval) makes the resource match any tag rather than miss one. Leftmost-longest against
//!   leftmost-first does not matter to a yes/no whole-string match.
//! - A `((var))` in either field is resolved by the ATC at check time, so any tag may match.

use regex_lite::Regex;

use crate::vars;

fn var_name(text: &str) -> Option<String> {
    vars::first(text).map(str::to_owned)
}

/// A resource's tag selection.
#[derive(Debug)]
pub enum TagRule {
    Filter(Glob),
    Regex {
        source: String,
        regex: Regex,
    },
    /// The regex as written cannot be compiled here: every tag counts, for this reason.
    Unreadable {
        source: String,
        why: String,
    },
    /// `field` holds `((name))`: every tag counts.
    Var {
        field: &'static str,
        name: String,
    },
    /// Both fields are set, which the resource's check refuses: no tag ever becomes a version.
    Both,
}

/// Whether a pushed tag is one the resource tracks, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagVerdict {
    pub matches: bool,
    pub why: String,
    /// Set when a `((var))` made the field match any tag.
    pub var: Option<String>,
}

impl TagRule {
    /// The rule of a resource with these fields; `None` when it tracks no tags.
    pub fn new(tag_filter: Option<&str>, tag_regex: Option<&str>) -> Option<Self> {
        let rule = match (tag_filter, tag_regex) {
            (None, None) => return None,
            (Some(_), Some(_)) => Self::Both,
            (Some(filter), None) => match var_name(filter) {
                Some(name) => Self::Var {
                    field: "tag_filter",
                    name,
                },
                None => Self::Filter(Glob::new(filter.trim_start_matches(' '))),
            },
            (None, Some(regex)) => match var_name(regex) {
                Some(name) => Self::Var {
                    field: "tag_regex",
                    name,
                },
                None => {
                    let source = regex.trim_start_matches(' ').to_owned();
                    match Regex::new(&format!("^(?:{})$", posix_brackets(&source))) {
                        Ok(regex) => Self::Regex { source, regex },
                        Err(error) => Self::Unreadable {
                            why: error.to_string().lines().next().unwrap_or_default().to_owned(),
                            source,
                        },
                    }
                }
            },
        };
        Some(rule)
    }

    pub fn verdict(&self, tag: &str) -> TagVerdict {
        let verdict = |matches: bool, why: String| TagVerdict {
            matches,
            why,
            var: None,
        };
        match self {
            Self::Filter(glob) if glob.matches(tag) => {
                verdict(true, format!("tag {tag} matches tag_filter {}", glob.source))
            }
            Self::Filter(glob) => verdict(false, format!("tag {tag} does not match tag_filter {}", glob.source)),
            Self::Regex { source, regex } if regex.is_match(tag) => {
                verdict(true, format!("tag {tag} matches tag_regex {source}"))
            }
            Self::Regex { source, .. } => verdict(false, format!("tag {tag} does not match tag_regex {source}")),
            Self::Unreadable { source, why } => verdict(
                true,
                format!("tag_regex {source} cannot be read here ({why}), so every tag counts"),
            ),
            Self::Var { field, name } => {
                let why = format!("{field} contains (({name})), resolved by the ATC at check time");
                TagVerdict {
                    matches: true,
                    var: Some(why.clone()),
                    why,
                }
            }
            Self::Both => verdict(
                false,
                "the source sets both tag_filter and tag_regex, which the resource's check refuses".to_owned(),
            ),
        }
    }
}

/// POSIX bracket expressions in `regex_lite`'s syntax: inside `[...]` a `\` is literal and a `[` opens
/// nothing but `[:name:]`, `[.x.]` or `[=x=]`, while `regex_lite` reads both as syntax.
fn posix_brackets(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push('\\');
                out.push(chars[i + 1]);
                i += 2;
            }
            '[' => {
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` first in the bracket is a member.
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                while i < chars.len() && chars[i] != ']' {
                    match chars[i] {
                        '[' if chars.get(i + 1) == Some(&':') => {
                            let close = chars[i + 2..]
                                .windows(2)
                                .position(|w| w == [':', ']'])
                                .map(|at| i + 2 + at + 2);
                            let end = close.unwrap_or(i + 1);
                            out.extend(&chars[i..end]);
                            i = end;
                            continue;
                        }
                        c @ ('\\' | '[' | '&' | '~') => {
                            out.push('\\');
                            out.push(c);
                        }
                        c => out.push(c),
                    }
                    i += 1;
                }
                if i < chars.len() {
                    out.push(']');
                    i += 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// A `git tag --list` pattern: git's wildmatch without `WM_PATHNAME`.
#[derive(Debug)]
pub struct Glob {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug)]
enum Token {
    Char(char),
    Any,
    Star,
    Class {
        negated: bool,
        items: Vec<Item>,
    },
    /// A `[` without its `]`: wildmatch matches nothing then.
    Broken,
}

#[derive(Debug)]
enum Item {
    Char(char),
    Range(char, char),
    Named(String),
}

impl Glob {
    pub fn new(pattern: &str) -> Self {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' if i + 1 < chars.len() => {
                    tokens.push(Token::Char(chars[i + 1]));
                    i += 2;
                }
                '?' => {
                    tokens.push(Token::Any);
                    i += 1;
                }
                '*' => {
                    if !matches!(tokens.last(), Some(Token::Star)) {
                        tokens.push(Token::Star);
                    }
                    i += 1;
                }
                '[' => {
                    let (token, next) = class(&chars, i + 1);
                    tokens.push(token);
                    i = next;
                }
                c => {
                    tokens.push(Token::Char(c));
                    i += 1;
                }
            }
        }
        Self {
            source: pattern.to_owned(),
            tokens,
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        matches_from(&self.tokens, &text)
    }
}

/// A class starting after its `[`: the token and the index after its `]`.
fn class(chars: &[char], mut i: usize) -> (Token, usize) {
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return (Token::Broken, chars.len());
        };
        if c == ']' && !first {
            return (Token::Class { negated, items }, i + 1);
        }
        first = false;
        if c == '[' && chars.get(i + 1) == Some(&':') {
            let name_end = chars[i + 2..].windows(2).position(|w| w == [':', ']']);
            if let Some(length) = name_end {
                items.push(Item::Named(chars[i + 2..i + 2 + length].iter().collect()));
                i += 2 + length + 2;
                continue;
            }
        }
        let c = if c == '\\' && i + 1 < chars.len() {
            i += 1;
            chars[i]
        } else {
            c
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&end| end != ']') {
            let mut end = chars[i + 2];
            let mut skip = 3;
            if end == '\\' && i + 3 < chars.len() {
                end = chars[i + 3];
                skip = 4;
            }
            items.push(Item::Range(c, end));
            i += skip;
        } else {
            items.push(Item::Char(c));
            i += 1;
        }
    }
}

fn matches_from(tokens: &[Token], text: &[char]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match token {
        Token::Star => (0..=text.len()).any(|skip| matches_from(rest, &text[skip..])),
        Token::Broken => false,
        _ => text
            .split_first()
            .is_some_and(|(c, tail)| one(token, *c) && matches_from(rest, tail)),
    }
}

fn one(token: &Token, c: char) -> bool {
    match token {
        Token::Char(expected) => *expected == c,
        Token::Any => true,
        Token::Class { negated, items } => items.iter().any(|item| in_item(item, c)) != *negated,
        Token::Star | Token::Broken => false,
    }
}

fn in_item(item: &Item, c: char) -> bool {
    match item {
        Item::Char(expected) => *expected == c,
        Item::Range(low, high) => (*low..=*high).contains(&c),
        Item::Named(name) => match name.as_str() {
            "alnum" => c.is_ascii_alphanumeric(),
            "alpha" => c.is_ascii_alphabetic(),
            "blank" => c == ' ' || c == '\t',
            "cntrl" => c.is_ascii_control(),
            "digit" => c.is_ascii_digit(),
            "graph" => c.is_ascii_graphic(),
            "lower" => c.is_ascii_lowercase(),
            "print" => c.is_ascii_graphic() || c == ' ',
            "punct" => c.is_ascii_punctuation(),
            "space" => c.is_ascii_whitespace() || c == '\u{b}',
            "upper" => c.is_ascii_uppercase(),
            "xdigit" => c.is_ascii_hexdigit(),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pattern: &str, tag: &str) -> bool {
        TagRule::new(Some(pattern), None).unwrap().verdict(tag).matches
    }

    fn regex(pattern: &str, tag: &str) -> bool {
        TagRule::new(None, Some(pattern)).unwrap().verdict(tag).matches
    }

    #[test]
    fn tag_filters_match_as_git_tag_list_does() {
        for (pattern, tag, expected) in [
            ("v*", "v1.2.0", true),
            ("v*", "release-1", false),
            ("v*", "v1/rc", true),
            ("v*", "V1", false),
            ("*", "anything/at/all", true),
            ("v?.*", "v1.0", true),
            ("v?.*", "v10.0", false),
            ("v[0-9]*", "v3", true),
            ("v[!0-9]*", "v3", false),
            ("v[^0-9]*", "vx", true),
            ("v[[:digit:]].*", "v1.2", true),
            ("v\\*", "v*", true),
            ("v\\*", "v1", false),
            ("release/**", "release/a/b", true),
            ("v1.0", "v1.0", true),
            ("v1.0", "v1.0.1", false),
            ("v[1", "v[1", false),
            ("[]]x", "]x", true),
        ] {
            assert_eq!(filter(pattern, tag), expected, "{pattern} {tag}");
        }
    }

    #[test]
    fn tag_regexes_match_the_whole_tag_as_grep_ex_does() {
        for (pattern, tag, expected) in [
            ("v[0-9]+\\.[0-9]+\\.[0-9]+", "v1.2.3", true),
            ("v[0-9]+\\.[0-9]+\\.[0-9]+", "v1.2.3-rc1", false),
            ("v[0-9]+", "xv1", false),
            ("rc|v.*", "v1", true),
            ("rc|v.*", "rc", true),
            ("rc|v.*", "xrc", false),
            ("v[[:digit:]]+", "v12", true),
            ("v[\\d]", "v\\", true),
            ("v[\\d]", "v1", false),
            ("v[a[]", "v[", true),
            ("v\\s?1", "v 1", true),
            ("(v)\\1", "x", true),
        ] {
            assert_eq!(regex(pattern, tag), expected, "{pattern} {tag}");
        }
        let unreadable = TagRule::new(None, Some("(v)\\1")).unwrap().verdict("x");
        assert!(unreadable.why.contains("cannot be read here"), "{}", unreadable.why);
    }

    #[test]
    fn vars_match_every_tag_and_both_fields_match_none() {
        let verdict = TagRule::new(Some("((tags))"), None).unwrap().verdict("anything");
        assert!(verdict.matches);
        assert_eq!(
            verdict.var.as_deref(),
            Some("tag_filter contains ((tags)), resolved by the ATC at check time")
        );
        assert!(TagRule::new(None, Some("v((major)).*")).unwrap().verdict("x").matches);
        assert!(!TagRule::new(Some("v*"), Some("v.*")).unwrap().verdict("v1").matches);
        assert!(TagRule::new(None, None).is_none());
    }
}
