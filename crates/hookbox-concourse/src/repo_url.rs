//! Repository URLs compared the way a person would: `https://github.com/Owner/Repo.git`,
//! `git@github.com:owner/repo`, `ssh://git@github.com:22/owner/repo` and `git://github.com/owner/repo`
//! all name the same repository. GitHub and GitHub Enterprise treat owner and repository names without
//! regard to case, so the whole key is lower case.

/// The key of a repository URL: `host/owner/repo`, lower case, without scheme, user, port, `.git` or
/// slashes at either end. `None` when the text names no host and path (e.g. a `((var))`).
pub fn normalize(url: &str) -> Option<String> {
    let url = url.trim();
    let (authority, path) = match url.split_once("://") {
        Some((_scheme, rest)) => rest.split_once('/').unwrap_or((rest, "")),
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
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_end_matches('/');
    if host.is_empty() || path.is_empty() || host.contains("((") || path.contains("((") {
        return None;
    }
    Some(format!("{host}/{path}").to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn every_spelling_of_a_repository_has_one_key() {
        for url in [
            "https://github.com/Owner/Repo.git",
            "https://github.com/owner/repo",
            "https://github.com/owner/repo/",
            "http://GitHub.com/owner/repo.git/",
            "https://user:token@github.com/owner/repo.git",
            "git@github.com:owner/repo.git",
            "git@github.com:/owner/repo",
            "github.com:owner/repo",
            "ssh://git@github.com/owner/repo.git",
            "ssh://git@github.com:22/owner/repo",
            "git://github.com/owner/repo.git",
            "  https://github.com/owner/repo  ",
        ] {
            assert_eq!(normalize(url).as_deref(), Some("github.com/owner/repo"), "{url}");
        }
    }

    #[test]
    fn enterprise_hosts_and_other_repositories_stay_apart() {
        assert_eq!(
            normalize("git@GHE.corp.example:platform/api.git").as_deref(),
            Some("ghe.corp.example/platform/api")
        );
        assert_eq!(
            normalize("https://ghe.corp.example:8443/platform/api").as_deref(),
            Some("ghe.corp.example/platform/api")
        );
        assert_ne!(
            normalize("https://github.com/owner/repo2"),
            normalize("https://github.com/owner/repo")
        );
        assert_ne!(
            normalize("https://gitlab.com/owner/repo"),
            normalize("https://github.com/owner/repo")
        );
    }

    #[test]
    fn text_that_names_no_repository_has_no_key() {
        for url in [
            "",
            "repo",
            "https://github.com",
            "((repo_uri))",
            "https://((host))/o/r",
            "/local/path/repo",
        ] {
            assert_eq!(normalize(url), None, "{url}");
        }
    }
}
