//! The bash step of the git resource's `check`: what words reach `git rev-list` for a source's
//! `paths` and `ignore_paths`.
//!
//! The check prints `paths` one per line (`["."]` when absent) and `ignore_paths` one per line,
//! each prefixed with `:!`, joins both into `-- <paths> <ignore_paths> ` with newlines turned into
//! spaces, and splices that into a command line it runs with `eval` under `set -f`. So bash parses
//! the entries as shell code, once: blanks split an entry, quotes and backslashes are removed,
//! braces expand, a word starting with `#` ends the command, and globbing is off. When paths is
//! exactly `.` and there is no ignore path, the check passes no pathspec at all.

use std::fmt;

/// Which source entry a word comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Paths(usize),
    IgnorePaths(usize),
}

/// One argument `git rev-list` receives after `--`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    pub bytes: Vec<u8>,
    /// The entry the word starts in.
    pub origin: Origin,
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.bytes))
    }
}

/// What the shell makes of the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Parsed {
    /// No path filtering: the check lists every commit.
    Open,
    /// The words after `--`, and whether a `#` in an entry started a comment: bash then drops the
    /// rest of the check's command line too, its `[ci skip]` and `commit_filter` stages included.
    Words { words: Vec<Word>, comment: bool },
    /// The result depends on what the push cannot show (the container's environment, commands
    /// run by the check): the reason.
    Undecidable(String),
    /// Bash rejects the command line, so the check lists no commit: the reason.
    SyntaxError(String),
}

/// Runs the check's bash step on `paths` (never empty: the check reads no `paths` as `["."]`)
/// and `ignore_paths`.
pub(super) fn parse(paths: &[String], ignore_paths: &[String]) -> Parsed {
    let joined = |lines: Vec<(Vec<u8>, Origin)>| {
        // `"$(jq -r …)"`: one entry per line, trailing newlines stripped, NUL bytes dropped.
        let mut out: Vec<(u8, Option<Origin>)> = Vec::new();
        for (i, (line, origin)) in lines.into_iter().enumerate() {
            if i > 0 {
                out.push((b'\n', Some(origin)));
            }
            out.extend(line.into_iter().filter(|&b| b != 0).map(|b| (b, Some(origin))));
        }
        while out.last().is_some_and(|&(b, _)| b == b'\n') {
            out.pop();
        }
        out
    };
    let paths_text = joined(
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_bytes().to_vec(), Origin::Paths(i)))
            .collect(),
    );
    let ignore_text = joined(
        ignore_paths
            .iter()
            .enumerate()
            .map(|(i, p)| ([b":!", p.as_bytes()].concat(), Origin::IgnorePaths(i)))
            .collect(),
    );
    if paths_text.iter().map(|&(b, _)| b).eq(*b".") && ignore_text.is_empty() {
        return Parsed::Open;
    }
    // echo "-- $paths $ignore_paths" | tr "\n\r" " "
    let mut line: Vec<(u8, Option<Origin>)> = b"-- ".iter().map(|&b| (b, None)).collect();
    line.extend(paths_text);
    line.push((b' ', None));
    line.extend(ignore_text);
    line.push((b'\n', None));
    for (b, _) in &mut line {
        if *b == b'\n' || *b == b'\r' {
            *b = b' ';
        }
    }
    match lex(&line) {
        Ok((raw, comment)) => {
            let mut words = Vec::new();
            // The first word is always the `--` the check writes.
            for (raw, origin) in raw.into_iter().skip(1) {
                let Some(origin) = origin else { continue };
                let expanded = match expand_braces(&raw) {
                    Ok(expanded) => expanded,
                    Err(reason) => return Parsed::Undecidable(reason),
                };
                for raw in expanded {
                    match finish(&raw) {
                        Ok(Some(bytes)) => words.push(Word { bytes, origin }),
                        Ok(None) => {}
                        Err(reason) => return Parsed::Undecidable(reason),
                    }
                }
            }
            Parsed::Words { words, comment }
        }
        Err(Lex::Undecidable(reason)) => Parsed::Undecidable(reason),
        Err(Lex::Syntax(reason)) => Parsed::SyntaxError(reason),
    }
}

/// The command line, byte by byte, with the entry each byte comes from.
type Line = [(u8, Option<Origin>)];

/// A word as bash reads it, quotes still in place, with the entry it starts in.
type RawWord = (Vec<u8>, Option<Origin>);

enum Lex {
    Undecidable(String),
    Syntax(String),
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Splits the command line into raw words (quotes kept), stopping at a comment; `true` with them
/// when a comment cut the line.
fn lex(line: &Line) -> Result<(Vec<RawWord>, bool), Lex> {
    let byte = |i: usize| line.get(i).map(|&(b, _)| b);
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while byte(i).is_some_and(is_blank) {
            i += 1;
        }
        let Some(first) = byte(i) else { break };
        if first == b'#' {
            return Ok((words, true));
        }
        let origin = line[i].1;
        let mut raw = Vec::new();
        while let Some(c) = byte(i) {
            match c {
                _ if is_blank(c) => break,
                b'(' | b')' => {
                    return Err(Lex::Syntax(format!("bash rejects the unquoted `{}`", char::from(c))));
                }
                b'|' | b'&' | b';' | b'<' | b'>' => {
                    return Err(Lex::Undecidable(format!(
                        "the unquoted `{}` makes bash run something other than the path search",
                        char::from(c)
                    )));
                }
                b'`' => {
                    return Err(Lex::Undecidable(
                        "a backquote runs a command inside the check".to_owned(),
                    ));
                }
                b'\\' => {
                    raw.push(c);
                    raw.push(byte(i + 1).unwrap_or(b' '));
                    i += 2;
                }
                b'\'' | b'"' => {
                    let close = (i + 1..line.len())
                        .find(|&j| line[j].0 == c && (c == b'\'' || !escaped(line, i + 1, j)))
                        .ok_or_else(|| Lex::Syntax(format!("bash finds no closing `{}`", char::from(c))))?;
                    raw.extend(line[i..=close].iter().map(|&(b, _)| b));
                    i = close + 1;
                }
                _ => {
                    raw.push(c);
                    i += 1;
                }
            }
        }
        words.push((raw, origin));
    }
    Ok((words, false))
}

/// Whether the byte at `j` inside double quotes opened before `start` is backslash-escaped.
fn escaped(line: &Line, start: usize, j: usize) -> bool {
    let backslashes = line[start..j].iter().rev().take_while(|&&(b, _)| b == b'\\').count();
    backslashes % 2 == 1
}

/// Bytes after `$` that start an expansion (a parameter, `${`, `$(`, `$'`, `$"`, `$[`).
fn starts_expansion(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_{(['\"@*#?-$!".contains(&b)
}

/// Quote removal, refusing what bash would expand: parameters, command substitution, `~`.
/// `None` when the word disappears (unquoted and empty after brace expansion).
fn finish(raw: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let shown = || String::from_utf8_lossy(raw).into_owned();
    let expands = |i: usize| raw.get(i + 1).is_some_and(|&b| starts_expansion(b));
    let mut out = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\\' => {
                out.extend(raw.get(i + 1));
                quoted = true;
                i += 2;
            }
            b'\'' => {
                let close = i + 1 + raw[i + 1..].iter().position(|&b| b == b'\'').unwrap_or(0);
                out.extend(&raw[i + 1..close]);
                quoted = true;
                i = close + 1;
            }
            b'"' => {
                quoted = true;
                i += 1;
                while i < raw.len() && raw[i] != b'"' {
                    match raw[i] {
                        b'\\' if raw.get(i + 1).is_some_and(|b| b"$`\"\\".contains(b)) => {
                            out.push(raw[i + 1]);
                            i += 2;
                            continue;
                        }
                        b'$' if expands(i) => {
                            return Err(format!("bash expands `$` in `{}`", shown()));
                        }
                        b'`' => return Err(format!("bash runs a command in `{}`", shown())),
                        b => out.push(b),
                    }
                    i += 1;
                }
                i += 1;
            }
            b'$' if expands(i) => return Err(format!("bash expands `$` in `{}`", shown())),
            b'~' if i == 0 || matches!(raw[i - 1], b'=' | b':') => {
                return Err(format!("bash may replace `~` in `{}` with a home directory", shown()));
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok((quoted || !out.is_empty()).then_some(out))
}

/// The end of the quoted or escaped run starting at `raw[i]`, or `i + 1` for a plain byte.
fn skip_quoted(raw: &[u8], i: usize) -> usize {
    match raw[i] {
        b'\\' => i + 2,
        b'\'' => i + 2 + raw[i + 1..].iter().position(|&b| b == b'\'').unwrap_or(raw.len()),
        b'"' => {
            let mut j = i + 1;
            while j < raw.len() && raw[j] != b'"' {
                j += if raw[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        }
        _ => i + 1,
    }
}

/// The most words one entry may expand to before the filter gives up and checks every push.
const MAX_EXPANSION: usize = 4096;

/// Bash brace expansion of one raw word: `a{b,c}d` → `abd acd`, `{1..3}`, `{a..c}`; a brace
/// without a matching `}`, a top-level `,` or a sequence stays literal.
fn expand_braces(raw: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if empty_pair_closed_later(raw) {
        return Err(format!(
            "bash's brace expansion of `{}` depends on how it pairs braces",
            String::from_utf8_lossy(raw)
        ));
    }
    let mut open = 0;
    // Whether a `{` before was kept literally: bash then sometimes pairs it with a later `}`
    // (`x{}{a,b}..a}` gives `x}a..a x}b..a`), which this module does not reproduce.
    let mut kept = false;
    while open < raw.len() {
        let c = raw[open];
        if c == b'$' && raw.get(open + 1) == Some(&b'{') {
            return Err(format!("bash expands `${{` in `{}`", String::from_utf8_lossy(raw)));
        }
        if c != b'{' {
            open = skip_quoted(raw, open);
            continue;
        }
        // Bash ignores a `{` that starts the word and is followed by `}`.
        if open == 0 && matches!(raw.get(1), None | Some(b'}')) {
            open += 1;
            continue;
        }
        let Some((close, commas)) = group(raw, open) else {
            kept = true;
            open += 1;
            continue;
        };
        let amble = &raw[open + 1..close];
        let sequence_items = if commas.is_empty() {
            match sequence(amble)? {
                Some(items) => Some(items),
                None => {
                    kept = true;
                    open += 1;
                    continue;
                }
            }
        } else {
            None
        };
        if kept {
            return Err(format!(
                "bash's brace expansion of `{}` depends on how it pairs braces",
                String::from_utf8_lossy(raw)
            ));
        }
        let alternatives = match sequence_items {
            Some(items) => items,
            None => {
                let mut parts = Vec::new();
                let mut start = open + 1;
                for &comma in commas.iter().chain([close].iter()) {
                    parts.extend(expand_braces(&raw[start..comma])?);
                    start = comma + 1;
                }
                parts
            }
        };
        let rest = expand_braces(&raw[close + 1..])?;
        if alternatives.len().saturating_mul(rest.len()) > MAX_EXPANSION {
            return Err(format!("`{}` expands to too many words", String::from_utf8_lossy(raw)));
        }
        let mut out = Vec::new();
        for alternative in &alternatives {
            for tail in &rest {
                out.push([&raw[..open], alternative, tail].concat());
            }
        }
        return Ok(out);
    }
    Ok(vec![raw.to_vec()])
}

/// Whether an unquoted `{}` is followed by another unquoted `}`: bash may then pair the `{` with
/// the later `}` (`{}..a,}` gives `}..a` and an empty word).
fn empty_pair_closed_later(raw: &[u8]) -> bool {
    let mut unquoted = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if matches!(raw[i], b'{' | b'}') {
            unquoted.push((i, raw[i]));
        }
        i = skip_quoted(raw, i);
    }
    unquoted.windows(2).enumerate().any(|(k, pair)| {
        pair[0].1 == b'{' && pair[1] == (pair[0].0 + 1, b'}') && unquoted[k + 2..].iter().any(|&(_, b)| b == b'}')
    })
}

/// The `}` matching the `{` at `open`, and the unquoted commas at its top level.
fn group(raw: &[u8], open: usize) -> Option<(usize, Vec<usize>)> {
    let mut depth = 0;
    let mut commas = Vec::new();
    let mut i = open + 1;
    while i < raw.len() {
        match raw[i] {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some((i, commas)),
            b'}' => depth -= 1,
            b',' if depth == 0 => commas.push(i),
            b'\\' | b'\'' | b'"' => {
                i = skip_quoted(raw, i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A sequence expression `x..y[..step]` of integers or same-case letters. `Ok(None)` when the
/// text is not one (bash keeps the braces); an error for the forms whose output this module does
/// not reproduce (zero padding, letters of different case, huge ranges).
fn sequence(amble: &[u8]) -> Result<Option<Vec<Vec<u8>>>, String> {
    let text = String::from_utf8_lossy(amble);
    let parts: Vec<&str> = text.split("..").collect();
    if !(parts.len() == 2 || parts.len() == 3) {
        return Ok(None);
    }
    let unsupported = || Err(format!("bash sequence expression `{{{text}}}`"));
    let int = |s: &str| -> Option<i64> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let plain = !digits.is_empty() && digits.len() <= 6 && digits.bytes().all(|b| b.is_ascii_digit());
        plain.then(|| s.parse().ok()).flatten()
    };
    let step = match parts.get(2) {
        None => 1,
        Some(s) => match int(s) {
            Some(n) => n.unsigned_abs().max(1),
            None => return if s.is_empty() { Ok(None) } else { unsupported() },
        },
    };
    let padded = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        digits.len() > 1 && digits.starts_with('0')
    };
    let range = |from: i64, to: i64| -> Vec<i64> {
        let mut items = Vec::new();
        let mut n = from;
        loop {
            items.push(n);
            if items.len() > MAX_EXPANSION {
                break;
            }
            let next = if from <= to { n + step as i64 } else { n - step as i64 };
            if (from <= to && next > to) || (from > to && next < to) {
                break;
            }
            n = next;
        }
        items
    };
    if let (Some(from), Some(to)) = (int(parts[0]), int(parts[1])) {
        if padded(parts[0]) || padded(parts[1]) {
            return unsupported();
        }
        let items = range(from, to);
        if items.len() > MAX_EXPANSION {
            return unsupported();
        }
        return Ok(Some(items.iter().map(|n| n.to_string().into_bytes()).collect()));
    }
    let letter = |s: &str| {
        let b = s.as_bytes();
        (b.len() == 1 && b[0].is_ascii_alphabetic()).then(|| b[0])
    };
    match (letter(parts[0]), letter(parts[1])) {
        (Some(from), Some(to)) if from.is_ascii_lowercase() == to.is_ascii_lowercase() => Ok(Some(
            range(i64::from(from), i64::from(to))
                .into_iter()
                .map(|n| vec![n as u8])
                .collect(),
        )),
        (Some(_), Some(_)) => unsupported(),
        _ => {
            let looks_numeric = parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+'));
            if looks_numeric { unsupported() } else { Ok(None) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(paths: &[&str], ignore: &[&str]) -> Parsed {
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        parse(&owned(paths), &owned(ignore))
    }

    fn texts(parsed: &Parsed) -> Vec<String> {
        match parsed {
            Parsed::Words { words, .. } => words.iter().map(Word::to_string).collect(),
            other => panic!("not words: {other:?}"),
        }
    }

    #[test]
    fn the_check_line_is_split_quoted_and_expanded() {
        assert_eq!(words(&["."], &[]), Parsed::Open);
        assert_eq!(words(&[".", ""], &[]), Parsed::Open);
        assert_eq!(texts(&words(&["."], &["x"])), [".", ":!x"]);
        assert_eq!(
            texts(&words(&["a b", "'c d'"], &["e f"])),
            ["a", "b", "c d", ":!e", "f"]
        );
        assert_eq!(texts(&words(&["{a,b}{1..2}"], &[])), ["a1", "a2", "b1", "b2"]);
        assert_eq!(texts(&words(&["x{a,}", "{,}"], &[])), ["xa", "x"]);
        assert_eq!(texts(&words(&["a", "#b", "c"], &["d"])), ["a"]);
        assert_eq!(texts(&words(&["a\\"], &[])), ["a "]);
        assert_eq!(texts(&words(&["\"a\\\"b\\c\""], &[])), ["a\"b\\c"]);
    }

    /// A tiny xorshift generator for the cases below.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// The words bash itself makes of the check's line, for generated entries full of braces,
    /// quotes, backslashes and blanks.
    #[test]
    fn the_words_are_the_words_bash_makes() {
        const PIECES: &[&str] = &[
            "a", "b", "é", "{", "}", ",", "..", "1", "3", "c", "'", "\"", "\\", " ", "#", "*", "{a,b}", "{1..3}",
            "{x..z}", ":!", "/", "{}", "\t",
        ];
        let mut rng = Rng(0x0bad_cafe);
        let dir = std::env::temp_dir().join(format!("hookbox-shell-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Entries this test once found bash to read differently, then generated ones.
        const REGRESSIONS: &[[&str; 3]] = &[
            ["*..*:!", "{1..3}#c{a,b}\\3", "{}{x..z}..a}"],
            ["é", "..", "{}..a,}"],
            ["x{}{a,b}..a}", "x{q}{a,b}..a}", "{x{a,b}}"],
            ["{a{b,c}", "{a,b{}", "x{}{a,b}}"],
        ];
        let mut cases = Vec::new();
        for index in 0..600 {
            let mut entry = || {
                (0..1 + rng.below(6))
                    .map(|_| PIECES[rng.below(PIECES.len())])
                    .collect::<String>()
            };
            let [paths, ignore] = match REGRESSIONS.get(index) {
                Some([a, b, c]) => [vec![a.to_string(), b.to_string()], vec![c.to_string()]],
                None => [vec![entry(), entry()], vec![entry()]],
            };
            let case = dir.join(index.to_string());
            std::fs::create_dir_all(&case).unwrap();
            std::fs::write(case.join("paths"), format!("{}\n{}\n", paths[0], paths[1])).unwrap();
            std::fs::write(case.join("ignore_paths"), format!(":!{}\n", ignore[0])).unwrap();
            cases.push((case, paths, ignore));
        }
        let script = r#"
for case in "$@"; do
  paths="$(< "$case/paths")"
  ignore_paths="$(< "$case/ignore_paths")"
  paths_search=`echo "-- $paths $ignore_paths" | tr "\n\r" " "`
  { set -f; eval "printf '%s\0' SENTINEL $paths_search"; set +f; } 2>/dev/null
  printf '\001\0'
done
"#;
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .arg("words")
            .args(cases.iter().map(|(case, _, _)| case))
            .output()
            .expect("bash runs");
        let _ = std::fs::remove_dir_all(&dir);
        let mut printed: Vec<Vec<String>> = vec![Vec::new()];
        for word in output.stdout.split(|&b| b == 0) {
            if word == b"\x01" {
                printed.push(Vec::new());
            } else if !word.is_empty() || printed.last().is_some_and(|w| !w.is_empty()) {
                printed
                    .last_mut()
                    .unwrap()
                    .push(String::from_utf8_lossy(word).into_owned());
            }
        }
        let (mut compared, mut errors, mut mismatches) = (0, 0, Vec::new());
        for ((_, paths, ignore), bash) in cases.iter().zip(&printed) {
            match parse(paths, ignore) {
                Parsed::Words { words, .. } => {
                    compared += 1;
                    let mut ours = vec!["SENTINEL".to_owned(), "--".to_owned()];
                    ours.extend(words.iter().map(Word::to_string));
                    if &ours != bash {
                        mismatches.push(format!("{paths:?} {ignore:?}: bash {bash:?}, ours {ours:?}"));
                    }
                }
                Parsed::SyntaxError(_) => {
                    errors += 1;
                    if !bash.is_empty() {
                        mismatches.push(format!("{paths:?} {ignore:?}: bash ran {bash:?}, ours a syntax error"));
                    }
                }
                _ => {}
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} differ:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
        assert!(
            compared > 200 && errors > 50,
            "{compared} compared, {errors} syntax errors"
        );
    }
}
