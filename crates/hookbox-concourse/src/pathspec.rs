//! The `paths` and `ignore_paths` of a git resource, read as the resource reads them: it hands them
//! to `git log -- <paths> :!<ignore_paths>`, so they are git pathspecs, not shell globs.
//!
//! - A pattern without wildcards matches that path and everything under it (`src` matches
//!   `src/main.rs`, not `srcfoo`).
//! - A pattern with wildcards (`*`, `?`, `[...]`) must match the whole path, and its wildcards cross
//!   `/` (`*.md` matches `docs/a/readme.md`): git matches pathspecs without `FNM_PATHNAME`.
//! - A file is included when it matches one of `paths` (or `paths` is empty) and none of
//!   `ignore_paths`; a commit counts when one of its files is included.
//!
//! `tests/pathspec_git.rs` checks all of this against the real `git`.

use serde::Serialize;

/// One pathspec pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pathspec {
    /// The entry as the resource's source gives it.
    source: String,
    pattern: Vec<Token>,
    /// The pattern when it has no wildcards: a path or a directory prefix.
    literal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    Any,
    /// `*` (and `**`, the same thing without `FNM_PATHNAME`)
    Star,
    Class {
        negated: bool,
        items: Vec<ClassItem>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ClassItem {
    Char(char),
    Range(char, char),
}

impl Pathspec {
    pub fn new(entry: &str) -> Self {
        let pattern = entry.strip_prefix("./").unwrap_or(entry);
        let tokens = tokenize(pattern);
        let literal = tokens
            .iter()
            .map(|token| match token {
                Token::Char(c) => Some(*c),
                _ => None,
            })
            .collect();
        Self {
            source: entry.to_owned(),
            pattern: tokens,
            literal,
        }
    }

    /// Whether the file at `path` (relative to the repository root) is matched.
    pub fn matches(&self, path: &str) -> bool {
        match &self.literal {
            Some(literal) => {
                let literal = literal.trim_end_matches('/');
                literal.is_empty()
                    || path == literal
                    || path.strip_prefix(literal).is_some_and(|rest| rest.starts_with('/'))
            }
            None => {
                let path: Vec<char> = path.chars().collect();
                wildmatch(&self.pattern, &path)
            }
        }
    }
}

/// A resource's path filter: `paths` and `ignore_paths` together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathFilter {
    include: Vec<Pathspec>,
    exclude: Vec<Pathspec>,
    caveats: Vec<String>,
}

impl PathFilter {
    pub fn new(paths: &[String], ignore_paths: &[String]) -> Self {
        Self {
            include: paths.iter().map(|p| Pathspec::new(p)).collect(),
            exclude: ignore_paths.iter().map(|p| Pathspec::new(p)).collect(),
            caveats: Vec::new(),
        }
    }

    /// Whether the filter lets every change through (no `paths`, no `ignore_paths`).
    pub fn is_open(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// Whether a change to `path` counts.
    pub fn includes(&self, path: &str) -> bool {
        self.verdict(path).counts()
    }

    /// Whether a change to `path` counts, and which entry decided it: what `hookbox concourse
    /// explain` prints per file and the notifiers log.
    pub fn verdict(&self, path: &str) -> PathVerdict {
        let original = |spec: &Pathspec| spec.source.clone();
        if let Some(spec) = self.exclude.iter().find(|spec| spec.matches(path)) {
            return PathVerdict::Ignored {
                pattern: original(spec),
            };
        }
        if self.include.is_empty() {
            return PathVerdict::Unfiltered;
        }
        match self.include.iter().find(|spec| spec.matches(path)) {
            Some(spec) => PathVerdict::Included {
                pattern: original(spec),
            },
            None => PathVerdict::NotInPaths,
        }
    }

    /// Entries that are matched conservatively (counted as matching) because the push alone cannot
    /// decide them, each with the reason; the generator prints them as warnings.
    pub fn caveats(&self) -> &[String] {
        &self.caveats
    }
}

/// Whether one changed file counts for a resource, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum PathVerdict {
    /// The resource has no `paths` and no entry of `ignore_paths` matched.
    Unfiltered,
    /// This entry of `paths` matched, and no entry of `ignore_paths`.
    Included { pattern: String },
    /// No entry of `paths` matched.
    NotInPaths,
    /// This entry of `ignore_paths` matched.
    Ignored { pattern: String },
    /// The filter cannot be decided from the push alone, so the file counts (see `caveats`).
    Conservative { reason: String },
}

impl PathVerdict {
    /// Whether the file counts as a change of the resource.
    pub fn counts(&self) -> bool {
        matches!(
            self,
            Self::Unfiltered | Self::Included { .. } | Self::Conservative { .. }
        )
    }
}

/// Git's pattern syntax: `\` escapes the next character; `[` starts a class unless it is never closed.
fn tokenize(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                tokens.push(Token::Char(chars[i + 1]));
                i += 2;
            }
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                tokens.push(Token::Any);
                i += 1;
            }
            '[' => match parse_class(&chars, i + 1) {
                Some((token, next)) => {
                    tokens.push(token);
                    i = next;
                }
                None => {
                    tokens.push(Token::Char('['));
                    i += 1;
                }
            },
            c => {
                tokens.push(Token::Char(c));
                i += 1;
            }
        }
    }
    tokens
}

/// A bracket expression starting after `[`: `!` or `^` negates, `]` first is literal, `a-z` is a
/// range. Returns the token and the index after `]`, or `None` when there is no closing `]`.
fn parse_class(chars: &[char], mut i: usize) -> Option<(Token, usize)> {
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let mut c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, items }, i + 1));
        }
        first = false;
        if c == '\\' {
            i += 1;
            c = *chars.get(i)?;
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&end| end != ']') {
            let mut end = chars[i + 2];
            let mut step = 3;
            if end == '\\' {
                end = *chars.get(i + 3)?;
                step = 4;
            }
            items.push(ClassItem::Range(c, end));
            i += step;
        } else {
            items.push(ClassItem::Char(c));
            i += 1;
        }
    }
}

/// Matches the whole path; `*` and `?` cross `/`. Classic backtracking over the last star, which is
/// linear in practice and quadratic at worst.
fn wildmatch(pattern: &[Token], path: &[char]) -> bool {
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < path.len() {
        match pattern.get(p) {
            Some(Token::Star) => {
                star = Some((p, s));
                p += 1;
                continue;
            }
            Some(token) if single(token, path[s]) => {
                p += 1;
                s += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_p, star_s)) => {
                p = star_p + 1;
                s = star_s + 1;
                star = Some((star_p, star_s + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|token| *token == Token::Star)
}

fn single(token: &Token, c: char) -> bool {
    match token {
        Token::Char(expected) => *expected == c,
        Token::Any => true,
        Token::Star => false,
        Token::Class { negated, items } => {
            let hit = items.iter().any(|item| match item {
                ClassItem::Char(x) => *x == c,
                ClassItem::Range(a, b) => (*a..=*b).contains(&c),
            });
            hit != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Pathspec::new(pattern).matches(path)
    }

    #[test]
    fn literal_patterns_match_the_path_and_everything_under_it() {
        assert!(m("src", "src"));
        assert!(m("src", "src/a/b.rs"));
        assert!(m("src/", "src/a.rs"));
        assert!(!m("src", "srcfoo/a.rs"));
        assert!(!m("src", "lib/src/a.rs"));
        assert!(m("./docs", "docs/x"));
    }

    #[test]
    fn wildcards_match_the_whole_path_and_cross_slashes() {
        assert!(m("*.md", "README.md"));
        assert!(m("*.md", "docs/a/guide.md"));
        assert!(!m("*.md", "README.mdx"));
        assert!(m("src/*.rs", "src/a/b.rs"));
        assert!(m("docs/*", "docs/a/b"));
        assert!(!m("sr?", "src/a"));
        assert!(m("sr?/*", "src/a"));
        assert!(m("?", "a"));
        assert!(m("**/test/*", "a/test/b"));
        assert!(m("[abc]*", "b/x"));
        assert!(!m("[!abc]*", "b/x"));
        assert!(m("[a-c]*.go", "c.go"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("[]]", "]"));
        assert!(m("x[", "x["));
    }

    #[test]
    fn ignore_paths_win_over_paths() {
        let filter = PathFilter::new(&["src".into()], &["*.md".into()]);
        assert!(filter.includes("src/a.rs"));
        assert!(!filter.includes("src/readme.md"));
        assert!(!filter.includes("lib/a.rs"));
        let ignore_only = PathFilter::new(&[], &["docs".into()]);
        assert!(ignore_only.includes("src/a.rs"));
        assert!(!ignore_only.includes("docs/a"));
        assert!(PathFilter::new(&[], &[]).is_open());
    }
}
