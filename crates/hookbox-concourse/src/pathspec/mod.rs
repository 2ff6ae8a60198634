//! The `paths` and `ignore_paths` of a git resource, read exactly as the resource's `check` reads
//! them, so that a push is checked when — and only when — the check could find a new version in it.
//!
//! The check does not hand the entries to git directly: it joins them into a command line that
//! bash parses once (`shell.rs`), and git reads the resulting words as pathspecs (`item.rs`),
//! matching them against each commit's changed files as its tree walk does, with `wildmatch.rs`
//! for wildcards. In short:
//!
//! - `src` matches `src` and everything below it; `src/` only below it.
//! - A pattern with `*`, `?`, `[…]` or `\` matches the whole path, and its wildcards cross `/`
//!   (`*.md` matches `docs/a/readme.md`), unless written `:(glob)…`. A directory or file whose
//!   name is the pattern itself also matches (`pages/[id].tsx`).
//! - `:!x`, `:^x`, `:(exclude)x` exclude; `:/x`, `:(top)x`, `:(literal)x`, `:(icase)x` work as
//!   in git. Only ignore paths is the same as "everything except".
//! - Blanks split an entry into two pathspecs (one `ignore_paths` entry `a b` becomes `:!a` and
//!   the *included* `b`), quotes and backslashes are removed, `{a,b}` expands.
//!
//! What the push alone cannot decide — bash expansions of the check container's environment
//! (`$HOME`, `~`), shell operators that run other commands, `:(attr:…)` — counts as matching,
//! and so does a filter that makes the check fail (an unquoted `(`, an unknown magic, a path
//! outside the repository): such a resource never gets versions from its check, and checking it
//! anyway costs one check that shows the error in Concourse, where a silent skip would hide it.
//! [`PathFilter::caveats`] names each such entry.
//!
//! `tests/pathspec_git.rs` compares all of this with real bash and git on generated patterns.

mod item;
mod shell;
mod wildmatch;

use serde::Serialize;

use item::{Interest, Item, Level, levels};
use shell::{Origin, Parsed};

/// A resource's path filter: `paths` and `ignore_paths` together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFilter {
    state: State,
    caveats: Vec<String>,
    /// Whether the check's commit filters after the path search (`[ci skip]`, `commit_filter`) still
    /// run: not when an entry starts a bash comment, nor when bash's reading cannot be decided.
    commit_filters_run: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// The check passes no pathspec: every change counts.
    Open,
    /// Every change counts, for this reason.
    Conservative(String),
    Specs {
        include: Vec<Spec>,
        exclude: Vec<Spec>,
    },
}

/// One pathspec git receives, with the entry it came from (`None`: the `.` the check puts in
/// place of an absent `paths`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    item: Item,
    entry: Option<String>,
}

impl Default for PathFilter {
    fn default() -> Self {
        Self {
            state: State::Open,
            caveats: Vec::new(),
            commit_filters_run: true,
        }
    }
}

impl PathFilter {
    pub fn new(paths: &[String], ignore_paths: &[String]) -> Self {
        // The check reads an absent (or empty) `paths` as `["."]`.
        let implicit = paths.is_empty();
        let everything = [".".to_owned()];
        let paths = if implicit { &everything[..] } else { paths };
        let entry = |origin: Origin| match origin {
            Origin::Paths(_) if implicit => None,
            Origin::Paths(i) => Some(paths[i].clone()),
            Origin::IgnorePaths(i) => Some(ignore_paths[i].clone()),
        };
        let conservative = |reason: String| Self {
            caveats: vec![format!("{reason}; every push is checked")],
            state: State::Conservative(reason),
            commit_filters_run: true,
        };
        let (words, comment) = match shell::parse(paths, ignore_paths) {
            Parsed::Open => return Self::default(),
            Parsed::Words { words, comment } => (words, comment),
            Parsed::Undecidable(reason) => {
                return Self {
                    commit_filters_run: false,
                    ..conservative(reason)
                };
            }
            Parsed::SyntaxError(reason) => {
                return conservative(format!("{reason}, so the check of this resource finds no version"));
            }
        };
        let mut caveats = Vec::new();
        if comment {
            caveats.push(
                "a `#` starts a bash comment that also drops the check's [ci skip] filter, so [ci skip] commits count"
                    .to_owned(),
            );
        }
        for (index, written) in paths.iter().enumerate().filter(|_| !implicit) {
            note_rewrite(&mut caveats, "paths", written, &words, Origin::Paths(index));
        }
        for (index, written) in ignore_paths.iter().enumerate() {
            note_rewrite(
                &mut caveats,
                "ignore_paths",
                written,
                &words,
                Origin::IgnorePaths(index),
            );
        }
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for word in &words {
            match Item::parse(&word.bytes) {
                Ok(item) => {
                    let spec = Spec {
                        entry: entry(word.origin),
                        item,
                    };
                    if spec.item.exclude {
                        exclude.push(spec);
                    } else {
                        include.push(spec);
                    }
                }
                Err(refusal) => {
                    return conservative(format!(
                        "git refuses the pathspec {refusal}, so the check of this resource finds no version"
                    ));
                }
            }
        }
        if include.is_empty() && exclude.is_empty() {
            return Self {
                state: State::Open,
                caveats,
                commit_filters_run: !comment,
            };
        }
        for spec in include.iter().chain(&exclude).filter(|spec| spec.item.attr) {
            caveats.push(format!(
                "`{}` depends on .gitattributes, which a push does not show; pushes its pattern could match are checked",
                spec.entry.as_deref().unwrap_or_default()
            ));
        }
        Self {
            state: State::Specs { include, exclude },
            caveats,
            commit_filters_run: !comment,
        }
    }

    /// Whether the check's `[ci skip]` filter runs after the path search: a `#` that starts a bash
    /// comment in an entry drops it with the rest of the command line, and so may an entry whose
    /// reading by bash cannot be decided.
    pub fn ci_skip_runs(&self) -> bool {
        self.commit_filters_run
    }

    /// Whether the filter lets every change through: the check runs without a pathspec.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Whether a change to `path` counts: [`PathFilter::verdict`] without the reason, which the
    /// notifier asks of every file of a push and so is worth not spelling out.
    pub fn includes(&self, path: &str) -> bool {
        match &self.state {
            State::Open | State::Conservative(_) => true,
            State::Specs { include, exclude } => {
                let path = path.as_bytes();
                let counts = |attr_holds| decide(include, exclude, path, attr_holds).counts();
                // An attr item that would change the outcome makes the file count (see `verdict`).
                counts(false) || (self.has_attr() && counts(true))
            }
        }
    }

    /// Whether a change to `path` counts, and which entry decided it: what `hookbox concourse
    /// explain` prints per file and the notifiers log.
    pub fn verdict(&self, path: &str) -> PathVerdict {
        match &self.state {
            State::Open => PathVerdict::Unfiltered,
            State::Conservative(reason) => PathVerdict::Conservative { reason: reason.clone() },
            State::Specs { include, exclude } => {
                let path = path.as_bytes();
                let without = decide(include, exclude, path, false);
                if !self.has_attr() {
                    return without.reason(include, path);
                }
                let with = decide(include, exclude, path, true);
                if with.counts() == without.counts() {
                    return without.reason(include, path);
                }
                let entry = include
                    .iter()
                    .chain(exclude)
                    .find(|spec| spec.item.attr)
                    .and_then(|spec| spec.entry.as_deref())
                    .unwrap_or_default();
                PathVerdict::Conservative {
                    reason: format!("`{entry}` depends on .gitattributes, which a push does not show"),
                }
            }
        }
    }

    /// Whether some pathspec is an `:(attr:…)` item, which the push cannot decide.
    fn has_attr(&self) -> bool {
        match &self.state {
            State::Specs { include, exclude } => include.iter().chain(exclude).any(|spec| spec.item.attr),
            State::Open | State::Conservative(_) => false,
        }
    }

    /// Entries that are matched conservatively (counted as matching) because the push alone cannot
    /// decide them, and entries bash rewrites into something else than one pathspec, each with the
    /// reason and the rewritten form; the generator prints them as warnings.
    pub fn caveats(&self) -> &[String] {
        &self.caveats
    }
}

/// Notes an entry that does not reach git as the one pathspec it looks like.
fn note_rewrite(caveats: &mut Vec<String>, field: &str, written: &str, words: &[shell::Word], origin: Origin) {
    let produced: Vec<String> = words
        .iter()
        .filter(|word| word.origin == origin)
        .map(|word| format!("`{word}`"))
        .collect();
    match produced.len() {
        1 => {}
        0 => caveats.push(format!(
            "{field} entry `{written}` reaches git as nothing (bash drops it or a `#` before it starts a comment)"
        )),
        _ => caveats.push(format!(
            "{field} entry `{written}` reaches git as {} pathspecs: {}",
            produced.len(),
            produced.join(" ")
        )),
    }
}

/// What git's tree walk decides for one file, borrowing the spec that decided.
enum Decision<'a> {
    Included,
    NotInPaths,
    Ignored(&'a Spec),
}

impl Decision<'_> {
    fn counts(&self) -> bool {
        matches!(self, Self::Included)
    }

    /// The decision with the entry that made it, `:(attr:…)` items taken not to hold (as `verdict`
    /// reports them): which included pathspec takes the file is looked for only here, as only
    /// `explain` and the log lines name it.
    fn reason(&self, include: &[Spec], path: &[u8]) -> PathVerdict {
        match self {
            Self::NotInPaths => PathVerdict::NotInPaths,
            Self::Ignored(spec) => PathVerdict::Ignored {
                pattern: spec.entry.clone().unwrap_or_default(),
            },
            Self::Included if include.is_empty() => PathVerdict::Unfiltered,
            Self::Included => {
                let usable = |spec: &&Spec| !spec.item.attr;
                let decided_by = include
                    .iter()
                    .filter(usable)
                    .find(|spec| spec.item.matches_path(path))
                    .or_else(|| {
                        include
                            .iter()
                            .filter(usable)
                            .find(|spec| spec.item.at(Level::file(path)) != Interest::No)
                    });
                match decided_by.map(|spec| &spec.entry) {
                    Some(Some(entry)) => PathVerdict::Included { pattern: entry.clone() },
                    Some(None) => PathVerdict::Unfiltered,
                    None => PathVerdict::NotInPaths,
                }
            }
        }
    }
}

/// The decision of git's tree walk for one file, with `:(attr:…)` items taken to hold or not.
fn decide<'a>(include: &[Spec], exclude: &'a [Spec], path: &[u8], attr_holds: bool) -> Decision<'a> {
    let usable = |spec: &&Spec| attr_holds || !spec.item.attr;
    let interests = |level: Level<'_>| {
        if include.is_empty() {
            Item::everything().at(level) != Interest::No
        } else {
            include
                .iter()
                .filter(usable)
                .any(|spec| spec.item.at(level) != Interest::No)
        }
    };
    // Every leading directory and then the file must interest one of the included pathspecs.
    if !levels(path).all(interests) {
        return Decision::NotInPaths;
    }
    // An exclusion decides at the file itself (one that covers a directory covers its files).
    let file = Level::file(path);
    match exclude
        .iter()
        .filter(usable)
        .find(|spec| spec.item.at(file) != Interest::No)
    {
        Some(spec) => Decision::Ignored(spec),
        None => Decision::Included,
    }
}

/// Whether one changed file counts for a resource, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum PathVerdict {
    /// The resource's check uses no pathspec, or only ignore paths and none of them matched.
    Unfiltered,
    /// This entry of `paths` matched (or, split by a blank, of `ignore_paths`), and no exclusion.
    Included { pattern: String },
    /// No included pathspec matched.
    NotInPaths,
    /// This entry's exclusion matched.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn filter(paths: &[&str], ignore: &[&str]) -> PathFilter {
        PathFilter::new(&strings(paths), &strings(ignore))
    }

    fn m(pattern: &str, path: &str) -> bool {
        filter(&[pattern], &[]).includes(path)
    }

    fn conservative(filter: &PathFilter) -> bool {
        matches!(filter.verdict("any/file"), PathVerdict::Conservative { .. }) && !filter.caveats().is_empty()
    }

    #[test]
    fn literal_patterns_match_the_path_and_everything_under_it() {
        assert!(m("src", "src"));
        assert!(m("src", "src/a/b.rs"));
        assert!(!m("src", "srcfoo/a.rs"));
        assert!(!m("src", "lib/src/a.rs"));
        assert!(m("src/a.rs", "src/a.rs"));
        assert!(!m("src/a.rs", "src/a.rs.bak"));
    }

    #[test]
    fn a_trailing_slash_matches_only_below_a_directory() {
        assert!(m("src/", "src/a.rs"));
        assert!(!m("src/", "src"));
        assert!(m("src//", "src/a.rs"));
    }

    #[test]
    fn dot_components_are_normalised_and_dot_is_everything() {
        assert!(m("./docs", "docs/x"));
        assert!(m("docs/./img/", "docs/img/a.png"));
        assert!(m("x/../docs", "docs/x"));
        assert!(m(".", "anything/at/all"));
        assert!(filter(&["."], &[]).is_open());
        assert!(filter(&[], &[]).is_open());
        assert!(!filter(&["./"], &[]).is_open());
        assert!(m("./", "a"));
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
        assert!(m("**/test/*", "a/test/b"));
        assert!(m("*/b/*", "a/b/c"));
        assert!(!m("d*/", "d1/x"));
    }

    #[test]
    fn question_marks_match_bytes_not_characters() {
        assert!(m("d??/x", "dé/x"));
        assert!(!m("d?/x", "dé/x"));
    }

    #[test]
    fn bracket_expressions_and_posix_classes() {
        assert!(m("[abc]*", "b/x"));
        assert!(!m("[!abc]*", "b/x"));
        assert!(!m("[^abc]*", "b/x"));
        assert!(m("[a-c]*.go", "c.go"));
        assert!(m("v[[:digit:]]", "v7"));
        assert!(!m("v[[:digit:]]", "vx"));
        assert!(m("[[:upper:]]*", "Makefile"));
        assert!(m("[]]", "]"));
        assert!(m("x[", "x["));
        assert!(!m("[[:nope:]]", "n"));
    }

    #[test]
    fn a_wildcard_pattern_also_matches_its_own_name() {
        assert!(m("pages/[id].tsx", "pages/[id].tsx"));
        assert!(m("pages/[id].tsx", "pages/i.tsx"));
        assert!(m("[x]/*.c", "[x]/a.c"));
        assert!(m("a*", "a*/deep/file"));
    }

    #[test]
    fn backslashes_escape_wildcards() {
        // bash removes one level of backslashes before git sees the pattern.
        assert!(m("a\\\\*b", "a*b"));
        assert!(!m("a\\\\*b", "axb"));
        assert!(m("a\\*b", "axb"));
    }

    #[test]
    fn glob_magic_keeps_wildcards_inside_one_directory() {
        assert!(m("':(glob)*.md'", "a.md"));
        assert!(!m("':(glob)*.md'", "docs/a.md"));
        assert!(m("':(glob)**/*.md'", "docs/a/b.md"));
        assert!(m("':(glob)docs/**'", "docs/a/b.md"));
        // git compares the part before the first wildcard on its own, and `**` then leads.
        assert!(m("':(glob)docs**'", "docs/a/b.md"));
        assert!(!m("':(glob)do*s**'", "docs/a/b.md"));
    }

    #[test]
    fn icase_literal_and_top_magic() {
        assert!(m("':(icase)readme.MD'", "README.md"));
        assert!(!m("readme.MD", "README.md"));
        assert!(m("':(literal)a*b'", "a*b"));
        assert!(!m("':(literal)a*b'", "axb"));
        assert!(m(":/src", "src/a"));
        assert!(m("':(top)src'", "src/a"));
        // `top` skips normalisation: `./src` is taken as written and names no path.
        assert!(!m("':(top)./src'", "src/a"));
        assert!(m(":", "a/b"));
    }

    #[test]
    fn exclusions_in_every_spelling() {
        let f = filter(&["src"], &["*.md"]);
        assert!(f.includes("src/a.rs"));
        assert_eq!(
            f.verdict("src/readme.md"),
            PathVerdict::Ignored { pattern: "*.md".into() }
        );
        assert_eq!(f.verdict("lib/a.rs"), PathVerdict::NotInPaths);
        let only = filter(&[], &["docs"]);
        assert_eq!(only.verdict("src/a.rs"), PathVerdict::Unfiltered);
        assert!(!only.includes("docs/a"));
        assert!(!filter(&["src", ":^src/gen"], &[]).includes("src/gen/x"));
        assert!(!filter(&["src", "':(exclude)src/gen'"], &[]).includes("src/gen/x"));
        assert!(!filter(&[], &[""]).includes("a"));
    }

    #[test]
    fn verdicts_name_the_entry_as_written() {
        let f = filter(&["'docs'", "src"], &[]);
        assert_eq!(
            f.verdict("docs/a"),
            PathVerdict::Included {
                pattern: "'docs'".into()
            }
        );
    }

    #[test]
    fn blanks_split_an_entry_and_an_ignore_entry_can_include() {
        let f = filter(&["src"], &["my docs"]);
        assert!(f.includes("docs/x"), "`docs` became an included pathspec");
        assert!(!f.includes("my/x"));
        assert!(
            f.caveats().iter().any(|c| c.contains("`:!my` `docs`")),
            "{:?}",
            f.caveats()
        );
        assert!(m("'my docs'", "my docs/x"));
        assert!(m("my\\ docs", "my docs/x"));
        assert!(m("\"my docs\"", "my docs/x"));
    }

    #[test]
    fn braces_expand() {
        let f = filter(&["{src,lib}/*.rs"], &[]);
        assert!(f.includes("src/a.rs") && f.includes("lib/b.rs") && !f.includes("bin/c.rs"));
        assert!(m("v{1..3}", "v2"));
        assert!(!m("v{1..3}", "v4"));
        assert!(m("{a}", "{a}"));
        // After a brace bash keeps, it may pair braces differently: counted, not guessed.
        assert!(conservative(&filter(&["x{}{a,b}..a}"], &[])));
        assert!(m("'{a,b}'", "{a,b}"));
    }

    #[test]
    fn a_comment_drops_the_rest() {
        let f = filter(&["src", "#docs", "lib"], &["src/gen"]);
        assert!(f.includes("src/gen/x"), "the ignore path after the comment is gone");
        assert!(!f.includes("lib/x"));
        assert_eq!(f.caveats().len(), 4, "{:?}", f.caveats());
        assert!(!f.ci_skip_runs(), "the check's [ci skip] stage is commented out too");
        assert!(filter(&["#x"], &[]).is_open());
        assert!(!filter(&["#x"], &[]).ci_skip_runs());
        assert!(filter(&["src"], &["docs"]).ci_skip_runs());
        assert!(!filter(&["$HOME"], &[]).ci_skip_runs(), "undecidable: counted as cut");
    }

    #[test]
    fn what_the_push_cannot_decide_counts() {
        for entry in [
            "$HOME", "~/x", "a=~", "${x}", "\"$x\"", "a;b", "a|b", "a>b", "`x`", "{a,$}x",
        ] {
            assert!(conservative(&filter(&[entry], &[])), "{entry}");
        }
        let attr = filter(&["src", "':(attr:generated)'"], &[]);
        assert!(matches!(attr.verdict("lib/x"), PathVerdict::Conservative { .. }));
        assert!(attr.includes("src/x"));
        assert!(!attr.caveats().is_empty());
    }

    #[test]
    fn arbitrary_entries_and_paths_never_panic() {
        const BYTES: &[&str] = &[
            "a", "/", ".", "..", "*", "**", "?", "[", "]", "!", "^", ":", "(", ")", ",", "{", "}", "\\", "'", "\"",
            " ", "\t", "\n", "\r", "#", "$", "~", "-", "é", "\0", "[:", ":]", "attr:", "glob",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut text = |len: usize| (0..len).map(|_| BYTES[next(BYTES.len())]).collect::<String>();
            let paths: Vec<String> = (0..3).map(|_| text(6)).collect();
            let ignore: Vec<String> = (0..2).map(|_| text(6)).collect();
            let filter = PathFilter::new(&paths, &ignore);
            for _ in 0..5 {
                let _ = filter.verdict(&text(8));
            }
            let _ = filter.caveats();
        }
    }

    #[test]
    fn what_makes_the_check_fail_counts_and_says_so() {
        for entry in [
            ":(glob)*.md",
            "a(b",
            "'unclosed",
            "\"unclosed",
            ":(nope)x",
            ":#x",
            "/abs",
            "..",
            "''",
            ":(glob,literal)x",
        ] {
            let f = filter(&[entry], &[]);
            assert!(conservative(&f), "{entry}");
        }
        let f = filter(&["src"], &["(generated)"]);
        assert!(f.caveats()[0].contains("finds no version"), "{:?}", f.caveats());
    }
}
