//! One word after the shell step, read as git reads a pathspec (`pathspec.c`), and matched as
//! `git rev-list` matches it while it walks a commit's trees (`tree-walk.c`).

use super::wildmatch::{self, Flags};

/// A parsed pathspec element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Item {
    /// What is compared, after magic and normalisation (`item->match`).
    pattern: Vec<u8>,
    /// Bytes before the first wildcard (`item->nowildcard_len`); the whole pattern when literal.
    nowildcard_len: usize,
    pub exclude: bool,
    glob: bool,
    icase: bool,
    /// `:(attr:…)`: decided by `.gitattributes` in the pushed trees, which a push does not show.
    pub attr: bool,
}

/// Why git refuses a word: `git rev-list` dies, so the check lists nothing.
pub(super) type Refusal = String;

/// How interesting a tree entry is (`enum interesting`, without the "never" shortcut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Interest {
    No,
    /// This entry (a file that matches, or a directory that may hold matches).
    Entry,
    /// Everything below the current directory.
    All,
}

impl Item {
    /// The implicit "everything" git adds when every element is an exclusion: parsed once, as every
    /// file of every push may ask for it.
    pub fn everything() -> &'static Self {
        static EVERYTHING: std::sync::LazyLock<Item> =
            std::sync::LazyLock::new(|| Item::parse(b".").expect("`.` is a valid pathspec"));
        &EVERYTHING
    }

    /// Parses one word as `init_pathspec_item` does in a bare repository at its top.
    pub fn parse(word: &[u8]) -> Result<Self, Refusal> {
        let shown = String::from_utf8_lossy(word);
        if word.is_empty() {
            return Err("an empty word is not a valid pathspec".to_owned());
        }
        let mut item = Self {
            pattern: Vec::new(),
            nowildcard_len: 0,
            exclude: false,
            glob: false,
            icase: false,
            attr: false,
        };
        let (mut top, mut literal) = (false, false);
        let rest: &[u8] = if word[0] != b':' {
            word
        } else if word.get(1) == Some(&b'(') {
            let close =
                long_magic_end(word).ok_or_else(|| format!("`{shown}`: missing `)` after the pathspec magic"))?;
            for name in split_magic(&word[2..close]) {
                match name {
                    b"" => {}
                    b"top" => top = true,
                    b"literal" => literal = true,
                    b"glob" => item.glob = true,
                    b"icase" => item.icase = true,
                    b"exclude" => item.exclude = true,
                    _ if name.starts_with(b"attr:") => item.attr = true,
                    _ if name.starts_with(b"prefix:") => {
                        return Err(format!("`{shown}`: `prefix` magic is internal to git"));
                    }
                    _ => {
                        return Err(format!(
                            "`{shown}`: git knows no pathspec magic `{}`",
                            String::from_utf8_lossy(name)
                        ));
                    }
                }
            }
            &word[close + 1..]
        } else {
            let mut pos = 1;
            while let Some(&c) = word.get(pos) {
                match c {
                    b':' => {
                        pos += 1;
                        break;
                    }
                    b'!' | b'^' => item.exclude = true,
                    b'/' => top = true,
                    _ if is_unimplemented_magic(c) => {
                        return Err(format!("`{shown}`: git has no pathspec magic `{}`", char::from(c)));
                    }
                    _ => break,
                }
                pos += 1;
            }
            &word[pos..]
        };
        if literal && item.glob {
            return Err(format!("`{shown}`: `literal` and `glob` cannot be combined"));
        }
        item.pattern = if top {
            rest.to_vec()
        } else {
            normalize(rest).ok_or_else(|| format!("`{shown}` is outside the repository"))?
        };
        item.nowildcard_len = if literal {
            item.pattern.len()
        } else {
            item.pattern
                .iter()
                .position(|&b| wildmatch::is_glob_special(b))
                .unwrap_or(item.pattern.len())
        };
        Ok(item)
    }

    fn has_wildcard(&self) -> bool {
        self.nowildcard_len < self.pattern.len()
    }

    fn flags(&self) -> Flags {
        Flags {
            pathname: self.glob,
            casefold: self.icase,
        }
    }

    /// `ps_strncmp`: byte equality, ASCII case-insensitive under `icase`.
    fn same(&self, a: &[u8], b: &[u8]) -> bool {
        if self.icase { a.eq_ignore_ascii_case(b) } else { a == b }
    }

    /// The file at `path` as `tree_entry_interesting` sees it: every leading directory, then the
    /// file itself, must be interesting.
    pub fn matches_path(&self, path: &[u8]) -> bool {
        levels(path).all(|level| self.at(level) != Interest::No)
    }

    /// git's `do_match` for this one item: the level's entry inside its directory.
    pub fn at(&self, level: Level<'_>) -> Interest {
        let (base, entry, is_dir) = (level.base(), level.entry(), level.is_dir);
        let pattern = &self.pattern[..];
        let (len, base_len) = (pattern.len(), base.len());
        if base_len >= len {
            // The directory is the pattern or below it (compared literally, wildcards included).
            if self.same(&base[..len], pattern)
                && (len == 0 || base.get(len) == Some(&b'/') || pattern[len - 1] == b'/')
            {
                return Interest::All;
            }
        } else if base_len == 0 || self.same(base, &pattern[..base_len]) {
            let rest = &pattern[base_len..];
            if self.entry_is_prefix(entry, rest, is_dir) {
                return Interest::Entry;
            }
            let fixed = self.nowildcard_len.saturating_sub(base_len);
            if self.has_wildcard() && (self.fnmatch(rest, entry, fixed) || is_dir) {
                return Interest::Entry;
            }
            return Interest::No;
        }
        if !self.has_wildcard() {
            return Interest::No;
        }
        let fixed = self.nowildcard_len;
        if fixed > 0 && (base_len < fixed || !self.same(&base[..fixed], &pattern[..fixed])) {
            return Interest::No;
        }
        if self.fnmatch(pattern, level.upto, fixed) || is_dir {
            Interest::Entry
        } else {
            Interest::No
        }
    }

    /// `git_fnmatch`: the first `fixed` bytes compared literally, the rest with wildmatch. The
    /// rest starts a new pattern, so a `**` right after the literal part counts as leading:
    /// `:(glob)dir**` matches `dir/a/b` although wildmatch alone would keep `**` out of `/`.
    fn fnmatch(&self, pattern: &[u8], text: &[u8], fixed: usize) -> bool {
        if fixed > 0 {
            if text.len() < fixed || !self.same(&pattern[..fixed], &text[..fixed]) {
                return false;
            }
            return wildmatch::wildmatch(&pattern[fixed..], &text[fixed..], self.flags());
        }
        wildmatch::wildmatch(pattern, text, self.flags())
    }

    /// `match_entry`: the remaining pattern names this entry, or a path inside this directory.
    fn entry_is_prefix(&self, entry: &[u8], rest: &[u8], is_dir: bool) -> bool {
        if entry.len() > rest.len() {
            return false;
        }
        if rest.len() > entry.len() && (rest[entry.len()] != b'/' || !is_dir) {
            return false;
        }
        self.same(&rest[..entry.len()], entry)
    }
}

/// One step of git's tree walk towards a file: an entry inside a directory.
///
/// It keeps the path up to the end of the entry, so that a wildcard pattern can be matched against
/// the directory and the entry together without joining them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Level<'a> {
    /// The path up to and including the entry's name.
    upto: &'a [u8],
    /// Where the entry's name starts: the directory before it (empty, or ending with `/`).
    base_len: usize,
    /// Whether the entry is a directory on the way to the file.
    pub is_dir: bool,
}

impl<'a> Level<'a> {
    pub fn base(&self) -> &'a [u8] {
        &self.upto[..self.base_len]
    }

    pub fn entry(&self) -> &'a [u8] {
        &self.upto[self.base_len..]
    }

    /// The file itself: the last level of `path`.
    pub fn file(path: &'a [u8]) -> Self {
        let base_len = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        Self {
            upto: path,
            base_len,
            is_dir: false,
        }
    }
}

/// The tree levels of a file path: each leading directory, then the file.
pub(super) fn levels(path: &[u8]) -> impl Iterator<Item = Level<'_>> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start > path.len() {
            return None;
        }
        let end = path[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(path.len(), |i| start + i);
        let level = Level {
            upto: &path[..end],
            base_len: start,
            is_dir: end < path.len(),
        };
        start = end + 1;
        Some(level)
    })
}

/// The index of the `)` closing `:(…`, skipping backslash-escaped bytes (`strcspn_escaped`).
fn long_magic_end(word: &[u8]) -> Option<usize> {
    let mut i = 2;
    while i < word.len() {
        match word[i] {
            b'\\' => i += 2,
            b')' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The comma-separated names inside `:(…)`; a backslash keeps a comma in the name.
fn split_magic(body: &[u8]) -> Vec<&[u8]> {
    let mut names = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b',' => {
                names.push(&body[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    names.push(&body[start.min(body.len())..]);
    names
}

/// Bytes git reserves as short magic without implementing them: after `:` they make git die.
fn is_unimplemented_magic(c: u8) -> bool {
    matches!(
        c,
        b'"' | b'#' | b'%' | b'&' | b'\'' | b',' | b'-' | b';' | b'<' | b'=' | b'>' | b'@' | b'_' | b'`' | b'~'
    )
}

/// `normalize_path_copy_len` on a relative path: drops `.` components and repeated slashes,
/// resolves `..`; `None` when the path leaves the repository (or is absolute: a bare repository
/// has no work tree to hold it).
fn normalize(path: &[u8]) -> Option<Vec<u8>> {
    if path.first() == Some(&b'/') {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(path.len());
    let mut i = 0;
    let skip_slashes = |mut i: usize| {
        while path.get(i) == Some(&b'/') {
            i += 1;
        }
        i
    };
    loop {
        if path.get(i) == Some(&b'.') {
            match path.get(i + 1) {
                None => break,
                Some(b'/') => {
                    i = skip_slashes(i + 2);
                    continue;
                }
                Some(b'.') if matches!(path.get(i + 2), None | Some(b'/')) => {
                    i = skip_slashes(i + 2);
                    // Up one: drop the last component and its slash.
                    if out.is_empty() {
                        return None;
                    }
                    out.pop();
                    while out.last().is_some_and(|&b| b != b'/') {
                        out.pop();
                    }
                    if i >= path.len() {
                        break;
                    }
                    continue;
                }
                _ => {}
            }
        }
        let mut slash = false;
        while let Some(&b) = path.get(i) {
            i += 1;
            if b == b'/' {
                slash = true;
                break;
            }
            out.push(b);
        }
        if !slash {
            break;
        }
        out.push(b'/');
        i = skip_slashes(i);
    }
    Some(out)
}
