//! Lists the rule files of this folder (every `*.toml` but `Cargo.toml`), sorted, for `lib.rs`.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo::rerun-if-changed={dir}");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml") && name != "Cargo.toml")
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for name in &names {
        println!("cargo::rerun-if-changed={dir}/{name}");
        writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{name}\"))),"
        )
        .unwrap();
    }
    out.push_str("]\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("files.rs"), out).unwrap();
}
