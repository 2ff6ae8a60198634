//! The path filter against the real pipeline: the git resource's `check` joins `paths` and
//! `ignore_paths` into a command line, `eval`s it in bash and lets `git rev-list --first-parent`
//! pick the commits. Whatever that pipeline lists is the truth.
//!
//! One bare scratch repository gets a linear history whose commits add, modify, delete and rename
//! files with nested, dotted, bracketed, spaced and non-ASCII names. For every case (a `paths` and
//! an `ignore_paths` list) bash runs the check's own lines — the same joining, `eval` and
//! `git rev-list --all --first-parent <base>..HEAD -- …` — and lists the matching commits (a few
//! bash processes share the cases); the filter must count exactly those commits, except where it
//! answers `Conservative` (the push alone cannot decide: it then counts the commit, which is
//! never a miss).
//!
//! The cases are the regression table below plus generated ones: `HOOKBOX_PATHSPEC_CASES=N` and
//! `HOOKBOX_PATHSPEC_SEED=S` choose how many and from which seed.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hookbox_concourse::pathspec::{PathFilter, PathVerdict};

/// Every case that once disagreed with git or bash, or pins a rule; always run.
const REGRESSIONS: &[(&[&str], &[&str])] = &[
    (&["src"], &[]),
    (&["src/"], &[]),
    (&["*.md"], &[]),
    (&["pages/[id].tsx"], &[]),
    (&["d??/x"], &[]),
    (&["[[:digit:]]/*"], &[]),
    (&["./docs"], &[]),
    (&["docs/./img/"], &[]),
    (&["x/../docs"], &[]),
    (&["."], &[]),
    (&["."], &["docs"]),
    (&[], &["*.md", "docs"]),
    (&["src"], &["my docs"]),
    (&["'my docs'"], &[]),
    (&["{src,lib}/*.rs"], &[]),
    (&["v{1..2}"], &[]),
    (&["#x", "src"], &[]),
    (&["src", "#x"], &["src/gen"]),
    (&[":(glob)*.md"], &[]),
    (&["':(glob)*.md'"], &[]),
    (&["':(glob)**/*.md'"], &[]),
    (&["':(icase)ab'"], &[]),
    (&["':(top)./src'"], &[]),
    (&["':(literal)a*b'"], &[]),
    (&[":/src"], &[]),
    (&[":^src", "docs"], &[]),
    (&[":"], &[]),
    (&[], &[""]),
    (&[""], &[]),
    (&["''"], &[]),
    (&["a\\*b"], &[]),
    (&["a\\\\*b"], &[]),
    (&["[x]/*.c"], &[]),
    (&["a*"], &[]),
    (&["my\\ docs"], &[]),
    (&["\"my docs\"/*.md"], &[]),
    (&["'unclosed"], &[]),
    (&["/abs"], &[]),
    (&[".."], &[]),
    (&[":#x"], &[]),
    (&["{a}"], &[]),
    (&["{,}src"], &[]),
    (&["x{a,b}"], &[]),
    (&["'x{a,b}'"], &[]),
    // git strips the literal prefix before wildmatch, so `**` right after it spans directories.
    (&[":\\(glob,icase\\)dé**", "':(top)[![]]]a'"], &[]),
    (&["':(glob)d1**'"], &[]),
    (&["':(glob)do*s**'"], &[]),
    // bash pairs a `{` it keeps with a later `}` in ways the filter does not guess.
    (&["x{}{a,b}..a}", "{}..a,}"], &["{}{x..z}..a}"]),
];

/// File names the generated histories use: nested and dotted directories, wildcard bytes,
/// blanks, non-ASCII.
const NAMES: &[&str] = &[
    "README.md",
    "Makefile",
    "src/main.rs",
    "src/lib/util.rs",
    "src/lib/.hidden",
    "src/gen/out.rs",
    "srcfoo/a.rs",
    "sr/x",
    "lib/src/x.rs",
    "lib/b.rs",
    "docs/guide.md",
    "docs/img/logo.png",
    "docs/a/b/c/d.md",
    "deep/a/b/c/d.txt",
    "deep/x/d.txt",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".env.example",
    "a/.dot/x",
    "a/b.c/d",
    "a/x",
    "a-b/x",
    "a0",
    "a.c",
    "pages/[id].tsx",
    "pages/i.tsx",
    "pages/[...slug]/index.ts",
    "[x]/a.c",
    "a*b",
    "axb",
    "x[",
    "a]b",
    "q?",
    "b.go",
    "c",
    "C",
    "dé/x",
    "d1/x",
    "é",
    "日本/語.txt",
    "my docs/read me.md",
    "my/docs",
    "docs2/x",
    "Ab/C.md",
    "ab/c.md",
    "x{a,b}",
    "xa",
    "-dash",
    "a,b",
    "1/2/3.txt",
    "v1",
    "v2",
    "v10",
    "sp ace",
    "back\\slash",
    "#hash",
    "~tilde",
    "it's",
    "test/a_test.go",
    "pkg/test/b_test.go",
    "ci/pipeline.yml",
    "ci/tasks/build.sh",
    "generated/x",
];

/// A tiny xorshift generator: reproducible cases without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    command
}

/// A commit of the generated history and the paths it changed.
struct Commit {
    sha: String,
    changed: Vec<String>,
}

/// Whether `name` can join `files` without a file and a directory sharing a path.
fn fits(files: &BTreeSet<String>, name: &str) -> bool {
    !files.contains(name)
        && files
            .iter()
            .all(|file| !file.starts_with(&format!("{name}/")) && !name.starts_with(&format!("{file}/")))
}

fn quote(path: &str) -> String {
    format!("\"{}\"", path.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Builds the history with `git fast-import`; returns the base commit and the commits after it.
fn history(dir: &Path, rng: &mut Rng, count: usize) -> (String, Vec<Commit>) {
    let status = git(dir)
        .args(["init", "-q", "--bare", "-b", "main", "."])
        .status()
        .expect("git runs");
    assert!(status.success());
    let mut stream = String::new();
    let mut files = BTreeSet::new();
    let mut plan: Vec<Vec<String>> = Vec::new();
    let mut serial = 0;
    let mut blob = |stream: &mut String, path: &str| {
        serial += 1;
        let data = format!("{path} {serial}\n");
        stream.push_str(&format!("M 100644 inline {}\ndata {}\n{data}", quote(path), data.len()));
    };
    for index in 0..=count {
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{}\ncommitter hookbox <hookbox@example.com> {} +0000\ndata 9\ncommit {:02}\n",
            index + 1,
            1_700_000_000 + index,
            index % 100
        ));
        if index > 0 {
            stream.push_str(&format!("from :{index}\n"));
        }
        let mut changed = Vec::new();
        if index == 0 {
            for name in NAMES.iter().filter(|_| rng.chance(50)) {
                if fits(&files, name) {
                    files.insert(name.to_string());
                    blob(&mut stream, name);
                }
            }
        } else {
            for _ in 0..1 + rng.below(3) {
                let existing: Vec<String> = files.iter().filter(|f| !changed.contains(*f)).cloned().collect();
                let fresh: Vec<&str> = NAMES
                    .iter()
                    .copied()
                    .filter(|n| fits(&files, n) && !changed.iter().any(|c: &String| c == n))
                    .collect();
                match rng.below(4) {
                    0 if !fresh.is_empty() => {
                        let name = rng.pick(&fresh).to_string();
                        blob(&mut stream, &name);
                        files.insert(name.clone());
                        changed.push(name);
                    }
                    1 if !existing.is_empty() => {
                        let name = rng.pick(&existing).clone();
                        stream.push_str(&format!("D {}\n", quote(&name)));
                        files.remove(&name);
                        changed.push(name);
                    }
                    2 if !existing.is_empty() => {
                        let old = rng.pick(&existing).clone();
                        files.remove(&old);
                        let targets: Vec<&str> = NAMES
                            .iter()
                            .copied()
                            .filter(|n| fits(&files, n) && *n != old && !changed.iter().any(|c: &String| c == n))
                            .collect();
                        if targets.is_empty() {
                            files.insert(old);
                            continue;
                        }
                        let new = rng.pick(&targets).to_string();
                        stream.push_str(&format!("D {}\n", quote(&old)));
                        blob(&mut stream, &new);
                        files.insert(new.clone());
                        changed.push(old);
                        changed.push(new);
                    }
                    _ if !existing.is_empty() => {
                        let name = rng.pick(&existing).clone();
                        blob(&mut stream, &name);
                        changed.push(name);
                    }
                    _ => {}
                }
            }
        }
        plan.push(changed);
    }
    stream.push_str("done\n");
    let mut child = git(dir)
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import runs");
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "fast-import failed");
    let output = git(dir)
        .args(["rev-list", "--reverse", "--first-parent", "main"])
        .output()
        .unwrap();
    let shas: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(shas.len(), plan.len());
    let base = shas[0].clone();
    let commits = shas
        .into_iter()
        .zip(plan)
        .skip(1)
        .map(|(sha, changed)| Commit { sha, changed })
        .collect();
    (base, commits)
}

/// One pattern: mostly built from the history's names, then dressed in wildcards, magic and
/// shell syntax.
fn pattern(rng: &mut Rng) -> String {
    let name = *rng.pick(NAMES);
    let parts: Vec<&str> = name.split('/').collect();
    let mut p: String = match rng.below(10) {
        0 => rng
            .pick(&[
                "*.md",
                "*.rs",
                "*",
                "**",
                "*/x",
                "docs/*",
                "*/*",
                "?",
                "*.[ch]",
                "**/d*",
                "*[[:digit:]]*",
            ])
            .to_string(),
        1 => rng
            .pick(&[
                ".", "./", "..", "a/..", "x/../src", "./src", "src/.", "/src", "src//lib",
            ])
            .to_string(),
        2 | 3 => parts[..1 + rng.below(parts.len())].join("/"),
        _ => name.to_string(),
    };
    let edits = rng.below(3);
    for _ in 0..edits {
        let chars: Vec<char> = p.chars().collect();
        if chars.is_empty() {
            break;
        }
        let at = rng.below(chars.len());
        let c = chars[at];
        let replacement: String = match rng.below(9) {
            0 => "?".into(),
            1 => "*".into(),
            2 => "**".into(),
            3 => format!("[{c}x]"),
            4 => format!("[!{c}]"),
            5 => rng
                .pick(&[
                    "[[:digit:]]",
                    "[[:alpha:]]",
                    "[[:upper:]]",
                    "[a-z]",
                    "[]]",
                    "[[:punct:]]",
                ])
                .to_string(),
            6 => format!("{c}/"),
            7 => format!("{{{c},z}}"),
            _ => c.to_uppercase().collect(),
        };
        p = chars[..at].iter().collect::<String>() + &replacement + &chars[at + 1..].iter().collect::<String>();
    }
    if rng.chance(10) {
        p.push('/');
    }
    let mut parens = false;
    if rng.chance(30) {
        let magic = match rng.below(20) {
            0 => *rng.pick(&[":(attr:x)", ":#", ":(nope)", ":(glob,literal)"]),
            1..=8 => *rng.pick(&["./", ":!", ":^", ":/", ":", ":/!", ":!:"]),
            _ => *rng.pick(&[
                ":(glob)",
                ":(icase)",
                ":(exclude)",
                ":(top)",
                ":(literal)",
                ":(glob,icase)",
                ":(exclude,glob)",
                ":(icase,exclude)",
            ]),
        };
        parens = magic.contains('(');
        p = format!("{magic}{p}");
    }
    // Long magic must be quoted to survive bash; mostly it is.
    if parens && rng.chance(85) {
        return match rng.below(3) {
            0 if !p.contains('\'') => format!("'{p}'"),
            1 if !p.contains(['"', '\\', '$', '`']) => format!("\"{p}\""),
            _ => p.replace('(', "\\(").replace(')', "\\)"),
        };
    }
    match rng.below(13) {
        0 => format!("'{p}'"),
        1 => format!("\"{p}\""),
        2 => p.replace('*', "\\*"),
        3 => p.replace(' ', "\\ "),
        4 => format!("{p} {}", rng.pick(NAMES).split('/').next().unwrap_or("x")),
        // Backslashes that reach git: wildcards escaped for git, not for bash.
        5 if !p.contains('\'') => format!("'{}'", p.replace('*', "\\*").replace('?', "\\?")),
        6 if rng.chance(20) => format!("#{p}"),
        7 if rng.chance(20) => {
            rng.pick(&["~", "$x", "a$", "'", "\\", "\"a\\\"b\"", "{1..3}", "{a..c}"])
                .to_string()
                + &p
        }
        _ => p,
    }
}

fn generated(rng: &mut Rng) -> (Vec<String>, Vec<String>) {
    let paths = (0..rng.below(4)).map(|_| pattern(rng)).collect();
    let ignore = (0..rng.below(3)).map(|_| pattern(rng)).collect();
    (paths, ignore)
}

/// The check's own lines, for each case directory given as an argument. The generated entries
/// hold no shell operators, so the cases can share one shell.
const CHECK: &str = r#"
run_case() {
  paths="$(< "$1/paths")"
  ignore_paths="$(< "$1/ignore_paths")"
  if [ "$paths" = "." ] && [ -z "$ignore_paths" ]; then
    paths_search=""
  else
    paths_search=`echo "-- $paths $ignore_paths" | tr "\n\r" " "`
  fi
  list_command="git rev-list --all --first-parent $log_range $paths_search"
  list_command+=" | git rev-list --stdin --date-order  --grep=\"\\[ci\\sskip\\]\" --grep=\"\\[skip\\sci\\]\" --invert-grep --first-parent --no-walk=unsorted"
  {
    set -f
    eval "$list_command"
    set +f
  }
}
for case in "$@"; do
  echo "@@ $case"
  run_case "$case" 2>/dev/null
done
"#;

/// Runs the check for every case; returns the commits each case lists.
fn pipeline(repo: &Path, work: &Path, base: &str, cases: &[(Vec<String>, Vec<String>)]) -> Vec<BTreeSet<String>> {
    let lines =
        |entries: &[String], prefix: &str| -> String { entries.iter().map(|e| format!("{prefix}{e}\n")).collect() };
    let mut dirs = Vec::new();
    for (index, (paths, ignore)) in cases.iter().enumerate() {
        let dir = work.join(index.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        // jq prints each entry and a newline; an absent `paths` is `["."]`.
        let paths = if paths.is_empty() {
            ".\n".to_owned()
        } else {
            lines(paths, "")
        };
        std::fs::write(dir.join("paths"), paths).unwrap();
        std::fs::write(dir.join("ignore_paths"), lines(ignore, ":!")).unwrap();
        dirs.push(dir.to_string_lossy().into_owned());
    }
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    let shards: Vec<Vec<String>> = dirs
        .chunks(dirs.len().div_ceil(parallel).max(1))
        .map(<[String]>::to_vec)
        .collect();
    let outputs: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = shards
            .iter()
            .map(|shard| {
                scope.spawn(move || {
                    let output = Command::new("bash")
                        .arg("-c")
                        .arg(CHECK)
                        .arg("check")
                        .args(shard)
                        .current_dir(repo)
                        .env("log_range", format!("{base}..HEAD"))
                        .env("GIT_CONFIG_NOSYSTEM", "1")
                        .env("GIT_CONFIG_GLOBAL", "/dev/null")
                        .stderr(Stdio::null())
                        .output()
                        .expect("bash runs");
                    String::from_utf8_lossy(&output.stdout).into_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut listed: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut current = None;
    for line in outputs.iter().flat_map(|o| o.lines()) {
        if let Some(dir) = line.strip_prefix("@@ ") {
            current = Some(dir.to_owned());
            listed.entry(dir.to_owned()).or_default();
        } else if let Some(dir) = &current {
            listed.get_mut(dir).unwrap().insert(line.to_owned());
        }
    }
    dirs.iter()
        .map(|dir| listed.remove(dir).expect("every case ran"))
        .collect()
}

/// What the filter says of one commit: counted, and whether it was only conservatively. The
/// notifier's shortcut (`includes`) must say what the verdict says, file by file.
fn filter_counts(filter: &PathFilter, commit: &Commit) -> (bool, bool) {
    let verdicts: Vec<PathVerdict> = commit.changed.iter().map(|p| filter.verdict(p)).collect();
    for (path, verdict) in commit.changed.iter().zip(&verdicts) {
        assert_eq!(
            filter.includes(path),
            verdict.counts(),
            "includes({path:?}) against {verdict:?}"
        );
    }
    let conservative = verdicts.iter().any(|v| matches!(v, PathVerdict::Conservative { .. }));
    (verdicts.iter().any(PathVerdict::counts), conservative)
}

#[test]
fn the_filter_counts_the_commits_the_check_lists() {
    let seed = std::env::var("HOOKBOX_PATHSPEC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_u64)
        .max(1);
    let generated_cases: usize = std::env::var("HOOKBOX_PATHSPEC_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut rng = Rng(seed);
    let scratch = Scratch(std::env::temp_dir().join(format!("hookbox-pathspec-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    let repo = scratch.0.join("repo.git");
    let work = scratch.0.join("cases");
    std::fs::create_dir_all(&repo).unwrap();
    let (base, commits) = history(&repo, &mut rng, 120);

    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut cases: Vec<(Vec<String>, Vec<String>)> = REGRESSIONS.iter().map(|(p, i)| (owned(p), owned(i))).collect();
    cases.extend((0..generated_cases).map(|_| generated(&mut rng)));
    let started = std::time::Instant::now();
    let listed = pipeline(&repo, &work, &base, &cases);
    let pipeline_time = started.elapsed();

    // An anchor, so that a pipeline that lists nothing (or everything) cannot pass unnoticed.
    let touches = |prefix: &str| {
        commits
            .iter()
            .filter(|c| c.changed.iter().any(|p| p.starts_with(prefix)))
            .map(|c| c.sha.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(listed[0], touches("src/"), "`src` lists the commits that touch src/");
    assert!(!listed[0].is_empty() && listed[0].len() < commits.len());

    let (mut compared, mut conservative, mut counted, mut disagreements) = (0, 0, 0, Vec::new());
    for ((paths, ignore), listed) in cases.iter().zip(&listed) {
        let filter = PathFilter::new(paths, ignore);
        for commit in &commits {
            let (counts, unsure) = filter_counts(&filter, commit);
            let expected = listed.contains(&commit.sha);
            if unsure {
                conservative += 1;
                continue;
            }
            compared += 1;
            counted += usize::from(counts);
            if counts != expected {
                disagreements.push(format!(
                    "paths {paths:?} ignore_paths {ignore:?}: commit changing {:?}: check {}, filter {} ({:?})",
                    commit.changed,
                    if expected { "lists it" } else { "does not" },
                    if counts { "counts it" } else { "does not" },
                    commit.changed.iter().map(|p| filter.verdict(p)).collect::<Vec<_>>()
                ));
            }
        }
    }
    println!(
        "pathspec differential: seed {seed}, {} cases ({} regressions), {} commits, {compared} verdicts compared ({counted} counted), {conservative} conservative, {} disagreements",
        cases.len(),
        REGRESSIONS.len(),
        commits.len(),
        disagreements.len()
    );
    println!(
        "bash and git took {:.1}s, the filter {:.1}s",
        pipeline_time.as_secs_f64(),
        (started.elapsed() - pipeline_time).as_secs_f64()
    );
    assert!(
        disagreements.is_empty(),
        "{} verdicts differ from the check:\n{}",
        disagreements.len(),
        disagreements.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    let total = compared + conservative;
    assert!(
        conservative * 4 < total,
        "too few decided verdicts: {conservative} of {total} conservative"
    );
    assert!(
        counted * 10 > compared && counted * 10 < compared * 9,
        "the cases must both match and miss"
    );
}
