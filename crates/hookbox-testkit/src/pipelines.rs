//! A corpus of real public Concourse pipelines (`pipelines/<org>-<name>.yml`, each naming its source
//! repository and path in a header comment), served by the fake ATC as Concourse serves them: the
//! YAML with its anchors, aliases and `<<` merge keys expanded, as JSON.
//!
//! The generator's tests run `hookbox concourse-config` against them; a test of the notifiers can
//! feed them the file it wrote.

use std::path::PathBuf;

use crate::fake_atc::{FakeAtc, ServedPipeline};

/// The corpus, by file name without `.yml`; each is served as a pipeline of that name.
pub const CORPUS: [&str; 6] = [
    "18f-cg-deploy-s3-logstash",
    "alphagov-paas-cf",
    "cloudfoundry-bosh-compiled-releases",
    "concourse-release",
    "google-kf-website",
    "hookbox-synthetic",
];

/// The corpus directory.
pub fn dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines"))
}

/// Pipeline `name` of the corpus as the ATC's `GET .../config` holds it under `"config"`.
pub fn load(name: &str) -> serde_json::Value {
    let path = dir().join(format!("{name}.yml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Serves every pipeline of the corpus in `team`.
pub fn serve(atc: &FakeAtc, team: &str) {
    for name in CORPUS {
        atc.add_pipeline(ServedPipeline::new(team, name, load(name)));
    }
}
