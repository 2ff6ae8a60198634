//! The Concourse configuration a notifier runs with, and the timeout of its checks.

use std::time::Duration;

use hookbox_concourse::ConcourseConfig;
use hookbox_lambda::{Env, SettingsError};

use crate::StartupError;

include!(concat!(env!("OUT_DIR"), "/baked_config.rs"));

/// Each check (login included) ends within this by default; GitHub waits 10 s for the whole answer.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The configuration in force: the file named by `HOOKBOX_CONCOURSE_CONFIG_FILE` when it is set and
/// not empty (a runtime override that needs no rebuild, e.g. a file of a Lambda layer: the template's
/// `ConcourseConfigFile` parameter, empty by default), else the baked `config/concourse.json`, else an
/// empty one. `HOOKBOX_CONCOURSE_URL`, when set and not empty, replaces its `atc_url`: the template
/// declares it empty so that `sam local invoke --env-vars` can point a notifier at a local ATC.
pub fn config_from_env(env: &Env) -> Result<ConcourseConfig, StartupError> {
    let mut config = load_config(env.var("HOOKBOX_CONCOURSE_CONFIG_FILE").as_deref())?;
    if let Some(url) = env.var("HOOKBOX_CONCOURSE_URL") {
        config.atc_url = url;
    }
    Ok(config)
}

/// The configuration in `override_file` (when given and not empty), or else the baked one, or else an
/// empty one.
pub fn load_config(override_file: Option<&str>) -> Result<ConcourseConfig, StartupError> {
    match hookbox_bake::read(override_file, BAKED_CONFIG) {
        Ok(Some((file, text))) => ConcourseConfig::from_json(&text).map_err(|error| StartupError::File { file, error }),
        Ok(None) => Ok(ConcourseConfig::empty()),
        Err(hookbox_bake::Unreadable { file, error }) => Err(StartupError::Unreadable { file, error }),
    }
}

/// `HOOKBOX_CHECK_TIMEOUT_MS`: how long one check may take, between 1 ms and a minute.
pub fn read_check_timeout(env: &Env) -> Result<Duration, SettingsError> {
    const NAME: &str = "HOOKBOX_CHECK_TIMEOUT_MS";
    const EXPECTED: &str = "milliseconds between 1 and 60000";
    match env.parse::<u64>(NAME, EXPECTED)? {
        None => Ok(DEFAULT_CHECK_TIMEOUT),
        Some(ms) if (1..=60_000).contains(&ms) => Ok(Duration::from_millis(ms)),
        Some(ms) => Err(SettingsError::BadValue {
            name: NAME.to_owned(),
            value: ms.to_string(),
            expected: EXPECTED,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baked_config_file_is_valid() {
        // The check that fails CI, with the path of the bad field, when config/concourse.json is
        // broken: the file is baked into both notifiers, so a broken one must never reach a deployment.
        let config = load_config(None).unwrap_or_else(|error| panic!("{error}"));
        hookbox_concourse::S3Matcher::new(&config).unwrap_or_else(|error| panic!("{error}"));
    }

    #[test]
    fn the_example_config_file_is_valid() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/concourse.example.json");
        let config = load_config(Some(file)).unwrap_or_else(|error| panic!("{error}"));
        assert!(!config.resources.is_empty());
        assert!(!hookbox_concourse::S3Matcher::new(&config).unwrap().is_empty());
    }

    #[test]
    fn an_empty_override_is_no_override() {
        // The template passes its empty default parameter as an empty variable.
        let baked = load_config(None).unwrap();
        assert_eq!(config_from_env(&Env::new(|_| Some(String::new()))).unwrap(), baked);
        assert_eq!(config_from_env(&Env::new(|_| None)).unwrap(), baked);
    }

    #[test]
    fn the_atc_url_variable_replaces_the_files() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/concourse.example.json");
        let env = Env::new(move |name| match name {
            "HOOKBOX_CONCOURSE_CONFIG_FILE" => Some(example.to_owned()),
            "HOOKBOX_CONCOURSE_URL" => Some("http://127.0.0.1:8079".to_owned()),
            _ => None,
        });
        let config = config_from_env(&env).unwrap();
        assert_eq!(config.atc_url, "http://127.0.0.1:8079");
        assert_eq!(config.resources, load_config(Some(example)).unwrap().resources);
    }

    #[test]
    fn an_override_file_that_is_missing_names_itself() {
        let error = load_config(Some("/nonexistent/concourse.json")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/concourse.json"), "{error}");
    }

    #[test]
    fn the_check_timeout_has_a_default_and_refuses_bad_values() {
        assert_eq!(read_check_timeout(&Env::new(|_| None)).unwrap(), DEFAULT_CHECK_TIMEOUT);
        assert_eq!(
            read_check_timeout(&Env::new(|_| Some("250".to_owned()))).unwrap(),
            Duration::from_millis(250)
        );
        for value in ["0", "soon", "60001"] {
            let error = read_check_timeout(&Env::new(move |_| Some(value.to_owned()))).unwrap_err();
            assert!(error.to_string().contains("HOOKBOX_CHECK_TIMEOUT_MS"), "{error}");
        }
    }
}
