//! The git resource's `[ci skip]`: unless its source sets `disable_ci_skip: true`, its check drops
//! every commit whose message matches `git rev-list --grep='\[ci\sskip\]' --grep='\[skip\sci\]'
//! --invert-grep`. Those are basic regular expressions matched against each line of the message, case
//! sensitive, with `\s` one whitespace character: `[ci skip]` and `[skip ci]` count, `[CI SKIP]`,
//! `[ci-skip]` and `[ci  skip]` (two spaces) do not.

/// The marker that makes the git resource skip a commit with this `message`, if any.
pub fn marker(message: &str) -> Option<&str> {
    message.lines().find_map(|line| {
        ["ci", "skip"].into_iter().find_map(|first| {
            let second = if first == "ci" { "skip" } else { "ci" };
            line.match_indices(&format!("[{first}")).find_map(|(start, _)| {
                let rest = &line[start + first.len() + 1..];
                let space = rest.chars().next().filter(|c| is_posix_space(*c))?;
                let rest = &rest[space.len_utf8()..];
                let end = start + first.len() + 1 + space.len_utf8() + second.len() + 1;
                (rest.starts_with(second) && rest[second.len()..].starts_with(']')).then(|| &line[start..end])
            })
        })
    })
}

/// `[[:space:]]` in the C locale, which is what `\s` means to git's regular expressions; a line holds no
/// newline.
fn is_posix_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{b}' | '\u{c}' | '\r')
}

#[cfg(test)]
mod tests {
    use super::marker;

    #[test]
    fn only_the_exact_markers_skip_a_commit() {
        for (message, expected) in [
            ("Fix typo [ci skip]", Some("[ci skip]")),
            ("[skip ci] bump version", Some("[skip ci]")),
            ("Release\n\nNotes [ci\tskip] here", Some("[ci\tskip]")),
            ("a [ci [skip ci]", Some("[skip ci]")),
            ("Fix [CI SKIP]", None),
            ("Fix [Skip CI]", None),
            ("Fix [ci-skip]", None),
            ("Fix [ci  skip]", None),
            ("Fix [ci\nskip]", None),
            ("Fix ci skip", None),
            ("Fix [skip ci", None),
            ("[skip ci ]", None),
            ("", None),
        ] {
            assert_eq!(marker(message), expected, "{message:?}");
        }
    }
}
