//! One key per repository, whichever way a URL spells it: `https://github.com/Owner/Repo.git`,
//! `git@github.com:owner/repo`, `ssh://git@ssh.github.com:443/owner/repo`, `https://www.github.com/owner/repo`
//! and `https://((user)):((token))@github.com/owner/repo` all name one repository.
//!
//! - Scheme, user and password (literal or `((var))`), port, a trailing `.git` and slashes at either
//!   end do not name the repository; the host's case does not either.
//! - The SSH-over-HTTPS hosts name the main host: `ssh.github.com` is GitHub's (port 443),
//!   `altssh.gitlab.com` GitLab's and `altssh.bitbucket.org` Bitbucket's; `www.` is dropped.
//! - GitHub, GitHub Enterprise and Bitbucket Cloud resolve owner and repository names without regard to
//!   case, and so does GitLab (its routes find a project by its full path in any case, subgroups
//!   included), so the key is lower case throughout. A plain git server on a case-sensitive file system
//!   could hold two repositories that differ only in case; they share a key, which costs at most a
//!   spare check, never a missed one.
//! - GitLab subgroups keep every segment: `group/sub/repo`.
//! - The API URL of a repository (`https://api.github.com/repos/o/r`, GitHub Enterprise's
//!   `https://ghe/api/v3/repos/o/r`) names it too.

/// The key of a repository URL: `host/owner/repo`, lower case. `None` when the text names no host and
/// path, or holds a `((var))` in either: the ATC resolves that at check time, and a push cannot be
/// matched against it.
pub fn normalize(url: &str) -> Option<String> {
    let url = url.trim();
    let (authority, path) = match url.split_once("://") {
        Some((_scheme, rest)) => split_authority(rest),
        // scp-like syntax `[user@]host:path`, which has no scheme and a colon before any slash.
        None => {
            let (host, path) = url.split_once(':')?;
            if host.contains('/') {
                return None;
            }
            (host, path)
        }
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host_port,
    };
    let host = host.to_ascii_lowercase();
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_end_matches('/');
    let (host, path) = api_path(canonical_host(&host), path);
    if host.is_empty() || path.is_empty() || host.contains("((") || path.contains("((") {
        return None;
    }
    // Built in one allocation: every push asks for the keys of its URLs.
    let mut key = String::with_capacity(host.len() + 1 + path.len());
    key.push_str(host);
    key.push('/');
    key.push_str(path);
    key.make_ascii_lowercase();
    Some(key)
}

/// `user:password@host:port` and the path after it. The user or password may be a `((var))` whose
/// name holds no `/`, so the authority ends at the first `/` after the last `@` before any `/`.
fn split_authority(rest: &str) -> (&str, &str) {
    let at = rest.find('/').map_or(rest.rfind('@'), |slash| rest[..slash].rfind('@'));
    let host_start = at.map_or(0, |at| at + 1);
    match rest[host_start..].find('/') {
        Some(slash) => (&rest[..host_start + slash], &rest[host_start + slash + 1..]),
        None => (rest, ""),
    }
}

/// The host a repository lives on, for the hosts that answer under another name too.
fn canonical_host(host: &str) -> &str {
    let host = host.strip_prefix("www.").unwrap_or(host);
    match host {
        "ssh.github.com" => "github.com",
        "altssh.gitlab.com" => "gitlab.com",
        "altssh.bitbucket.org" => "bitbucket.org",
        other => other,
    }
}

/// The repository's host and path from an API URL of it, else both as they are.
fn api_path<'a>(host: &'a str, path: &'a str) -> (&'a str, &'a str) {
    if host == "api.github.com"
        && let Some(repo) = path.strip_prefix("repos/")
    {
        return ("github.com", repo);
    }
    (host, path.strip_prefix("api/v3/repos/").unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn every_spelling_of_a_repository_has_one_key() {
        for url in [
            // the push payload's own URLs
            "https://github.com/Owner/Repo.git",
            "git@github.com:Owner/Repo.git",
            "git://github.com/Owner/Repo.git",
            "https://github.com/Owner/Repo",
            "https://api.github.com/repos/Owner/Repo",
            // what pipelines write
            "https://github.com/owner/repo",
            "https://github.com/owner/repo/",
            "http://GitHub.com/owner/repo.git/",
            "https://www.github.com/owner/repo",
            "https://user:token@github.com/owner/repo.git",
            "https://x-access-token:ghs_abc@github.com/owner/repo.git",
            "https://((user)):((pass))@github.com/owner/repo",
            "https://((github-token))@github.com/owner/repo.git",
            "git@github.com:owner/repo.git",
            "git@github.com:owner/repo.git/",
            "git@github.com:/owner/repo",
            "github.com:owner/repo",
            "ssh://git@github.com/owner/repo.git",
            "ssh://git@github.com:22/owner/repo",
            "ssh://git@ssh.github.com:443/owner/repo.git",
            "git+ssh://git@github.com/owner/repo",
            "git://github.com/owner/repo.git",
            "  https://github.com/owner/repo  ",
        ] {
            assert_eq!(normalize(url).as_deref(), Some("github.com/owner/repo"), "{url}");
        }
    }

    #[test]
    fn enterprise_gitlab_and_bitbucket_spellings_have_one_key_each() {
        let cases: [(&str, &[&str]); 3] = [
            (
                "ghe.corp.example/platform/api",
                &[
                    "git@GHE.corp.example:platform/api.git",
                    "https://ghe.corp.example:8443/platform/api",
                    "ssh://git@ghe.corp.example:2222/Platform/API.git",
                    "https://ghe.corp.example/api/v3/repos/platform/api",
                ],
            ),
            (
                "gitlab.com/group/sub/repo",
                &[
                    "https://gitlab.com/group/sub/repo.git",
                    "git@gitlab.com:Group/Sub/Repo.git",
                    "ssh://git@altssh.gitlab.com:443/group/sub/repo.git",
                    "https://oauth2:((gitlab-token))@gitlab.com/group/sub/repo",
                ],
            ),
            (
                "bitbucket.org/team/repo",
                &[
                    "https://bitbucket.org/team/repo.git",
                    "https://user@bitbucket.org/Team/repo.git",
                    "git@bitbucket.org:team/repo.git",
                    "ssh://git@altssh.bitbucket.org:443/team/repo.git",
                ],
            ),
        ];
        for (key, spellings) in cases {
            for url in spellings {
                assert_eq!(normalize(url).as_deref(), Some(key), "{url}");
            }
        }
    }

    #[test]
    fn other_repositories_stay_apart() {
        let key = normalize("https://github.com/owner/repo");
        for other in [
            "https://github.com/owner/repo2",
            "https://github.com/owner2/repo",
            "https://gitlab.com/owner/repo",
            "https://github.com/group/owner/repo",
            "https://ghe.corp.example/owner/repo",
        ] {
            assert_ne!(normalize(other), key, "{other}");
        }
    }

    #[test]
    fn text_that_names_no_repository_or_holds_a_var_has_no_key() {
        for url in [
            "",
            "repo",
            "https://github.com",
            "((repo_uri))",
            "https://((host))/o/r",
            "https://github.com/((org))/repo",
            "git@github.com:((org))/repo.git",
            "/local/path/repo",
        ] {
            assert_eq!(normalize(url), None, "{url}");
        }
    }
}
