//! Embeds the built-in rules (`rules/*.toml`) into the crate as static data.
//!
//! The TOML is parsed here, at build time, rather than at start-up: parsing some hundreds of rule
//! files costs milliseconds that a pre-commit hook or a Python import should not pay. A file that
//! does not parse fails the build with its path, line and column. Semantic checks (regexes,
//! examples) are the job of `tokenhound rules check` and the core test that runs it.
//!
//! `rules/` in this crate is a symbolic link to the workspace's top-level `rules/` folder;
//! `cargo package` follows it, so the published crate carries real copies of the files.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

#[path = "src/location.rs"]
mod location;
#[path = "src/rules/raw.rs"]
#[allow(dead_code)]
mod raw;

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap();
    let dir = Path::new(&manifest).join("rules");
    println!("cargo::rerun-if-changed={}", dir.display());

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();

    let mut out = String::from("pub(crate) static BUILTIN: &[StaticFile] = &[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let file: raw::RawRuleFile = toml::from_str(&text).unwrap_or_else(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| location::line_col(&text, s.start));
            let rule = e
                .span()
                .and_then(|s| raw::enclosing_rule_id(&text, s.start))
                .map_or(String::new(), |id| format!(" rule {id}:"));
            panic!("rules/{name}:{line}:{col}:{rule} {}", e.message())
        });
        write_file(&mut out, name, &text, &file);
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    fs::write(dest, out).unwrap();
}

fn write_file(out: &mut String, name: &str, text: &str, file: &raw::RawRuleFile) {
    write!(out, "StaticFile {{ name: {name:?}, allowlist: ").unwrap();
    write_allowlist(out, file.allowlist.as_ref());
    out.push_str(", rules: &[\n");
    for spanned in &file.rules {
        let line = location::line_col(text, spanned.span().start).0;
        let r = spanned.get_ref();
        write!(
            out,
            "StaticRule {{ line: {line}, id: {:?}, name: {:?}, provider: {:?}, kind: {:?}, \
             keywords: &{:?}, pattern: {:?}, confidence: {:?}, min_entropy: {:?}, \
             min_char_classes: {:?}, checksum: {:?}, window: {:?}, multiline: {:?}, description: {:?}, \
             remediation: {:?}, references: &{:?}, examples: &{:?}, negative_examples: &{:?}, \
             allowlist: ",
            r.id,
            r.name,
            r.provider,
            r.kind,
            r.keywords,
            r.pattern,
            r.confidence,
            r.min_entropy,
            r.min_char_classes,
            r.checksum,
            r.window,
            r.multiline,
            r.description,
            r.remediation,
            r.references,
            r.examples,
            r.negative_examples,
        )
        .unwrap();
        write_allowlist(out, r.allowlist.as_ref());
        out.push_str(" },\n");
    }
    out.push_str("] },\n");
}

fn write_allowlist(out: &mut String, list: Option<&raw::RawAllowlist>) {
    match list {
        None => out.push_str("None"),
        Some(a) => write!(
            out,
            "Some(StaticAllowlist {{ stopwords: &{:?}, regexes: &{:?}, line_regexes: &{:?} }})",
            a.stopwords, a.regexes, a.line_regexes
        )
        .unwrap(),
    }
}
