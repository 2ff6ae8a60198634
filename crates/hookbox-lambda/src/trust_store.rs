//! Whether the system has CA certificates to verify TLS servers with, checked at cold start by the
//! functions that use them: the notifiers (their Concourse client), and any function when
//! `SSL_CERT_FILE` or `SSL_CERT_DIR` is set (the SDK's client then uses that store instead of its
//! compiled-in AWS roots).
//!
//! Those clients load the system's certificates lazily, at the first
//! request, the way rustls-native-certs finds them: `SSL_CERT_FILE` / `SSL_CERT_DIR` when either is set,
//! else the bundle files and directories OpenSSL's probe knows (`/etc/ssl/certs/ca-certificates.crt`,
//! `/etc/pki/tls/certs/ca-bundle.crt`, ...). Without any, every request fails (and a debug build
//! panics inside the SDK), so a function refuses to start instead, naming where it looked. The check
//! runs the same search without parsing a certificate: a few `stat`s, not the bundle's 200 KB.

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
