//! Whether `SSL_CERT_FILE` or `SSL_CERT_DIR` names a trust store ([`configured`]), and whether that
//! store has CA certificates ([`check`], run at cold start only when one is named).
//!
//! Without either variable every client has its roots compiled in (AWS's for the SDK's client,
//! Mozilla's for the notifiers' Concourse client) and reads nothing from disk. With one, the clients
//! read that store the way rustls-native-certs finds it; an empty or missing store would fail every
//! request, so a function refuses to start instead, naming where it looked. The check runs the same
//! search without parsing a certificate: a few `stat`s.

use std::path::{Path, PathBuf};

/// No CA certificate anywhere the HTTPS clients look.
#[derive(Debug, thiserror::Error)]
#[error(
    "no CA certificates to verify TLS servers with (looked at {looked_at}): install a CA bundle (the \
     ca-certificates package) or point SSL_CERT_FILE at one"
)]
pub struct NoCaCertificates {
    looked_at: String,
}

/// Where the certificates are looked for: the variables when either is set, else the system's places.
struct Places {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    described: String,
}

/// Whether `SSL_CERT_FILE` or `SSL_CERT_DIR` names a trust store.
pub fn configured() -> bool {
    cert_file().is_some() || cert_dirs().is_some()
}

fn cert_file() -> Option<std::ffi::OsString> {
    std::env::var_os("SSL_CERT_FILE").filter(|value| !value.is_empty())
}

fn cert_dirs() -> Option<std::ffi::OsString> {
    std::env::var_os("SSL_CERT_DIR").filter(|value| !value.is_empty())
}

impl Places {
    fn from_env() -> Self {
        let (file, dirs) = (cert_file(), cert_dirs());
        if file.is_some() || dirs.is_some() {
            let files: Vec<PathBuf> = file.into_iter().map(PathBuf::from).collect();
            let dirs: Vec<PathBuf> = dirs
                .map(|dirs| std::env::split_paths(&dirs).collect())
                .unwrap_or_default();
            let described = files
                .iter()
                .map(|file| format!("SSL_CERT_FILE={}", file.display()))
                .chain(dirs.iter().map(|dir| format!("SSL_CERT_DIR {}", dir.display())))
                .collect::<Vec<_>>()
                .join(", ");
            return Self { files, dirs, described };
        }
        let probe = openssl_probe::probe();
        Self {
            files: probe.cert_file.into_iter().collect(),
            dirs: probe.cert_dir,
            described: "SSL_CERT_FILE, SSL_CERT_DIR and the system's CA bundle files and directories".to_owned(),
        }
    }
}

/// Ok when a certificate file is there and not empty, or a certificate directory has an entry.
pub fn check() -> Result<(), NoCaCertificates> {
    let places = Places::from_env();
    let file_has_bytes = |file: &PathBuf| file.metadata().is_ok_and(|meta| meta.is_file() && meta.len() > 0);
    if places.files.iter().any(file_has_bytes) || places.dirs.iter().any(|dir| dir_has_entries(dir)) {
        Ok(())
    } else {
        Err(NoCaCertificates {
            looked_at: places.described,
        })
    }
}

fn dir_has_entries(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}
