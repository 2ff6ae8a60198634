//! Bakes `config/routes.json` into the binary (see `hookbox-bake`); without the file the function
//! uses its built-in catch-all route.

fn main() {
    hookbox_bake::bake("routes.json", "BAKED_ROUTES");
}
