//! Configuration baked into a function at build time, so that a deployed function needs no file or
//! network call to know its routes or its Concourse resources, with a runtime override that needs no
//! rebuild (a file, e.g. from a Lambda layer).
//!
//! A function's `build.rs` calls [`bake`] (this crate is its build-dependency too); its code includes
//! the generated constant and reads it with [`read`]. The crate has no dependencies: build scripts
//! stay quick.

use std::path::PathBuf;
use std::{env, fs};

/// For a `build.rs`: writes `$OUT_DIR/<const_name lower-cased>.rs` with
/// `pub const <const_name>: Option<(&str, &str)>`, the path and text of `config/<file_name>` at the
/// workspace root, or `None` without that file. The function includes it with
/// `include!(concat!(env!("OUT_DIR"), "/<const_name lower-cased>.rs"))`.
///
/// Panics (failing the build, which is what a build script is for) only when cargo's own variables
/// are missing or `OUT_DIR` cannot be written.
pub fn bake(file_name: &str, const_name: &str) {
    let workspace =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../..");
    let config_dir = workspace.join("config");
    // Watch the folder, not the file: a missing file would make cargo rerun the script every build.
    println!("cargo:rerun-if-changed={}", config_dir.display());
    let file = config_dir.join(file_name);
    let baked = match file.canonicalize() {
        Ok(file) if file.is_file() => {
            let path = file.display().to_string();
            format!("Some(({path:?}, include_str!({path:?})))")
        }
        _ => "None".to_owned(),
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join(format!("{}.rs", const_name.to_lowercase()));
    let text = format!(
        "/// `config/{file_name}` as it was at build time: (path, text), or `None` without the file.\n\
         pub const {const_name}: Option<(&str, &str)> = {baked};\n"
    );
    fs::write(out, text).expect("OUT_DIR is writable");
}

/// The file that cannot be read, and why.
#[derive(Debug)]
pub struct Unreadable {
    pub file: String,
    pub error: std::io::Error,
}

/// The text in force, with the file it came from: `override_file` when given and not empty, else the
/// baked file, else `None` (the function's built-in default).
pub fn read(override_file: Option<&str>, baked: Option<(&str, &str)>) -> Result<Option<(String, String)>, Unreadable> {
    match override_file.filter(|file| !file.trim().is_empty()) {
        Some(file) => match fs::read_to_string(file) {
            Ok(text) => Ok(Some((file.to_owned(), text))),
            Err(error) => Err(Unreadable {
                file: file.to_owned(),
                error,
            }),
        },
        None => Ok(baked.map(|(file, text)| (file.to_owned(), text.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_wins_and_an_empty_one_is_none() {
        let baked = Some(("/baked.json", "{}"));
        assert_eq!(read(None, baked).unwrap(), Some(("/baked.json".into(), "{}".into())));
        assert_eq!(
            read(Some(" "), baked).unwrap(),
            Some(("/baked.json".into(), "{}".into()))
        );
        assert_eq!(read(None, None).unwrap(), None);
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let (file, text) = read(Some(manifest), baked).unwrap().unwrap();
        assert_eq!(file, manifest);
        assert!(text.contains("hookbox-bake"));
        let missing = read(Some("/nonexistent/x.json"), baked).unwrap_err();
        assert_eq!(missing.file, "/nonexistent/x.json");
    }
}
