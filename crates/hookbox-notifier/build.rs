//! Bakes the Concourse configuration into the notifier binaries, so that a deployed function needs no
//! file or network call to know its resources. `config/concourse.json` at the workspace root is the
//! file (both notifiers share it: the config generator writes one file for the team); without it a
//! function has an empty configuration that matches nothing, and says so. The file is validated by
//! this crate's tests (and again at cold start), which name the path of any bad field.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config_dir = manifest_dir.join("../../config");
    // Watch the folder, not the file: a missing file would make cargo rerun this script every build.
    println!("cargo:rerun-if-changed={}", config_dir.display());
    let file = config_dir.join("concourse.json");
    let baked = if file.is_file() {
        let file = file.canonicalize().expect("the config file has a canonical path");
        format!(
            "Some(({:?}, include_str!({:?})))",
            file.display().to_string(),
            file.display().to_string()
        )
    } else {
        "None".to_owned()
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("baked_config.rs");
    fs::write(
        out,
        format!("/// The Concourse configuration baked in at build time, as (path, text).\npub const BAKED_CONFIG: Option<(&str, &str)> = {baked};\n"),
    )
    .expect("OUT_DIR is writable");
}
