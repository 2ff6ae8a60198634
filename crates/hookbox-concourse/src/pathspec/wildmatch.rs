//! Git's `wildmatch`, byte for byte: what a wildcard pathspec is compared with.
//!
//! Without [`Flags::pathname`] (plain pathspecs) `*` and `?` cross `/`; with it (`:(glob)`) they
//! stop at `/` and `**` between slashes spans directories. Bytes, not characters: `?` matches one
//! byte of a multi-byte name. Character classes are ASCII (`[[:alpha:]]` never matches `é`), and
//! case folding (`:(icase)`) is ASCII only, as in git.

/// How a pattern is matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Flags {
    /// `WM_PATHNAME`: wildcards do not cross `/` (`:(glob)`).
    pub pathname: bool,
    /// `WM_CASEFOLD`: ASCII letters match either case (`:(icase)`).
    pub casefold: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Match,
    NoMatch,
    /// No later position of the text can match: stop every enclosing `*`.
    AbortAll,
    /// Only a `**` further out can still match.
    AbortToStarStar,
}

/// Whether `text` matches `pattern` as a whole.
pub(super) fn wildmatch(pattern: &[u8], text: &[u8], flags: Flags) -> bool {
    dowild(pattern, text, flags) == Outcome::Match
}

/// The bytes git treats as the start of a wildcard (`is_glob_special`).
pub(super) fn is_glob_special(byte: u8) -> bool {
    matches!(byte, b'*' | b'?' | b'[' | b'\\')
}

fn fold(byte: u8, flags: Flags) -> u8 {
    if flags.casefold {
        byte.to_ascii_lowercase()
    } else {
        byte
    }
}

/// A port of git's `dowild`: the pattern and text end where the slices end (git's NUL).
fn dowild(pattern: &[u8], text: &[u8], flags: Flags) -> Outcome {
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut p, mut t) = (0usize, 0usize);
    while p < pattern.len() {
        let mut p_ch = pattern[p];
        let t_raw = at(text, t);
        if t >= text.len() && p_ch != b'*' {
            return Outcome::AbortAll;
        }
        let t_ch = fold(t_raw, flags);
        p_ch = fold(p_ch, flags);
        match p_ch {
            b'?' => {
                if flags.pathname && t_ch == b'/' {
                    return Outcome::NoMatch;
                }
            }
            b'*' => return star(pattern, p, text, t, flags),
            b'[' => {
                let Some((matched, end)) = class(pattern, p + 1, t_ch, flags) else {
                    return Outcome::AbortAll;
                };
                if !matched || (flags.pathname && t_ch == b'/') {
                    return Outcome::NoMatch;
                }
                p = end;
            }
            _ => {
                // The byte after a backslash is compared as written, even under `icase`.
                let expected = if p_ch == b'\\' {
                    p += 1;
                    at(pattern, p)
                } else {
                    p_ch
                };
                // A trailing backslash compares with the end of the pattern (git's NUL), which a
                // byte of text never equals.
                if p >= pattern.len() || t_ch != expected {
                    return Outcome::NoMatch;
                }
            }
        }
        p += 1;
        t += 1;
    }
    if t < text.len() {
        Outcome::NoMatch
    } else {
        Outcome::Match
    }
}

/// A `*` (or run of them) at `pattern[p]` against `text[t..]`.
fn star(pattern: &[u8], mut p: usize, text: &[u8], mut t: usize, flags: Flags) -> Outcome {
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let match_slash;
    p += 1;
    if at(pattern, p) == b'*' {
        let prev_is_boundary = p < 2 || pattern[p - 2] == b'/';
        while at(pattern, p) == b'*' {
            p += 1;
        }
        let next = at(pattern, p);
        let ends_dir = p >= pattern.len() || next == b'/' || (next == b'\\' && at(pattern, p + 1) == b'/');
        if !flags.pathname || (prev_is_boundary && ends_dir) {
            if flags.pathname && next == b'/' && dowild(&pattern[p + 1..], &text[t..], flags) == Outcome::Match {
                return Outcome::Match;
            }
            match_slash = true;
        } else {
            match_slash = false;
        }
    } else {
        match_slash = !flags.pathname;
    }
    if p >= pattern.len() {
        if !match_slash && text[t..].contains(&b'/') {
            return Outcome::NoMatch;
        }
        return Outcome::Match;
    }
    if !match_slash && pattern[p] == b'/' {
        // One `*` before a slash matches up to the next slash of the text.
        let Some(slash) = text[t..].iter().position(|&b| b == b'/') else {
            return Outcome::NoMatch;
        };
        t += slash;
        return dowild(&pattern[p..], &text[t..], flags);
    }
    loop {
        if t >= text.len() {
            break;
        }
        let next = pattern[p];
        if !is_glob_special(next) {
            // Skip ahead to the next byte that can start the rest of the pattern.
            let want = fold(next, flags);
            while t < text.len() && (match_slash || text[t] != b'/') {
                if fold(text[t], flags) == want {
                    break;
                }
                t += 1;
            }
            if t >= text.len() || fold(text[t], flags) != want {
                return Outcome::NoMatch;
            }
        }
        let matched = dowild(&pattern[p..], &text[t..], flags);
        if matched != Outcome::NoMatch {
            if !match_slash || matched != Outcome::AbortToStarStar {
                return matched;
            }
        } else if !match_slash && text[t] == b'/' {
            return Outcome::AbortToStarStar;
        }
        t += 1;
    }
    Outcome::AbortAll
}

/// A bracket expression whose body starts at `pattern[p]` (after `[`), against the byte `t_ch`
/// (already folded). Returns whether it matched and the index of the closing `]`, or `None` when
/// the pattern is malformed (git's `WM_ABORT_ALL`).
fn class(pattern: &[u8], mut p: usize, t_ch: u8, flags: Flags) -> Option<(bool, usize)> {
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let mut p_ch = at(p);
    let negated = p_ch == b'!' || p_ch == b'^';
    if negated {
        p += 1;
        p_ch = at(p);
    }
    let mut prev_ch = 0u8;
    let mut matched = false;
    loop {
        if p >= pattern.len() {
            return None;
        }
        if p_ch == b'\\' {
            p += 1;
            if p >= pattern.len() {
                return None;
            }
            p_ch = pattern[p];
            if t_ch == p_ch {
                matched = true;
            }
        } else if p_ch == b'-' && prev_ch != 0 && p + 1 < pattern.len() && pattern[p + 1] != b']' {
            p += 1;
            p_ch = pattern[p];
            if p_ch == b'\\' {
                p += 1;
                if p >= pattern.len() {
                    return None;
                }
                p_ch = pattern[p];
            }
            if t_ch <= p_ch && t_ch >= prev_ch {
                matched = true;
            } else if flags.casefold && t_ch.is_ascii_lowercase() {
                let upper = t_ch.to_ascii_uppercase();
                if upper <= p_ch && upper >= prev_ch {
                    matched = true;
                }
            }
            p_ch = 0;
        } else if p_ch == b'[' && at(p + 1) == b':' {
            let start = p + 2;
            let mut end = start;
            while end < pattern.len() && pattern[end] != b']' {
                end += 1;
            }
            if end >= pattern.len() {
                return None;
            }
            if end < start + 1 || pattern[end - 1] != b':' {
                // No `:]`: the `[` is an ordinary member.
                p = start - 2;
                p_ch = b'[';
                if t_ch == p_ch {
                    matched = true;
                }
            } else {
                if named_class(&pattern[start..end - 1], t_ch, flags)? {
                    matched = true;
                }
                p = end;
                p_ch = 0;
            }
        } else if t_ch == p_ch {
            matched = true;
        }
        prev_ch = p_ch;
        p += 1;
        p_ch = at(p);
        if p < pattern.len() && p_ch == b']' {
            break;
        }
    }
    Some((matched != negated, p))
}

/// `[:name:]` against one byte; `None` for a name git does not know (the pattern never matches).
fn named_class(name: &[u8], c: u8, flags: Flags) -> Option<bool> {
    Some(match name {
        b"alnum" => c.is_ascii_alphanumeric(),
        b"alpha" => c.is_ascii_alphabetic(),
        b"blank" => c == b' ' || c == b'\t',
        b"cntrl" => c < 0x20 || c == 0x7f,
        b"digit" => c.is_ascii_digit(),
        b"graph" => (0x21..=0x7e).contains(&c),
        b"lower" => c.is_ascii_lowercase(),
        b"print" => (0x20..=0x7e).contains(&c),
        b"punct" => c.is_ascii_punctuation(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\r'),
        b"upper" => c.is_ascii_uppercase() || (flags.casefold && c.is_ascii_lowercase()),
        b"xdigit" => c.is_ascii_hexdigit(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(p: &str, t: &str) -> bool {
        wildmatch(p.as_bytes(), t.as_bytes(), Flags::default())
    }

    fn glob(p: &str, t: &str) -> bool {
        let flags = Flags {
            pathname: true,
            casefold: false,
        };
        wildmatch(p.as_bytes(), t.as_bytes(), flags)
    }

    #[test]
    fn stars_cross_slashes_only_without_pathname() {
        assert!(plain("a*c", "ab/bc"));
        assert!(!glob("a*c", "ab/bc"));
        assert!(glob("a/**/c", "a/c"));
        assert!(glob("a/**/c", "a/x/y/c"));
        assert!(glob("**/c", "c"));
        assert!(!glob("a**c", "a/c"));
        assert!(plain("a**c", "a/c"));
    }

    #[test]
    fn classes_ranges_and_escapes() {
        assert!(plain("[a-c]", "b"));
        assert!(plain("[!a-c]", "d"));
        assert!(plain("[]-]", "-"));
        assert!(plain("[[:alpha:]]", "q"));
        assert!(!plain("[[:alpha:]]", "é"));
        assert!(plain("[[:space:]]", " "));
        assert!(plain("[a[:digit:]]", "5"));
        assert!(plain("[[:]", "["));
        assert!(!plain("[abc", "a"));
        assert!(plain("\\*", "*"));
        assert!(!plain("a\\", "a"));
        assert!(!glob("a[/]b", "a/b"));
        assert!(!glob("a?b", "a/b"));
    }

    #[test]
    fn casefold_is_ascii_and_skips_escapes() {
        let icase = Flags {
            pathname: false,
            casefold: true,
        };
        assert!(wildmatch(b"*.MD", b"a.md", icase));
        assert!(wildmatch(b"[A-Z]", b"q", icase));
        assert!(!wildmatch(b"\\A", b"A", icase));
        assert!(!wildmatch("É".as_bytes(), "é".as_bytes(), icase));
    }
}
