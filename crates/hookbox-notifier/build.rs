//! Bakes `config/concourse.json` into the notifier binaries (see `hookbox-bake`); both notifiers share
//! it, as the config generator writes one file for the team. Without it a function has an empty
//! configuration that matches nothing, and says so.

fn main() {
    hookbox_bake::bake("concourse.json", "BAKED_CONFIG");
}
