//! Embeds the built-in rules (`rules/*.toml`) into the crate, parsed and postcard-encoded.
//!
//! The TOML is parsed here, at build time, rather than at start-up: parsing some hundreds of rule
//! files costs milliseconds that a pre-commit hook or a Python import should not pay. A file that
//! does not parse fails the build with its path, line and column. Semantic checks (regexes,
//! examples) are the job of `tokenhound rules check` and the core test that runs it.
//!
//! The files come from the `tokenhound-rules` crate (the workspace's top-level `rules/` folder),
//! a build dependency: no symbolic link, and a packaged crate finds them the same way.

use std::path::Path;
use std::{env, fs};

#[path = "src/location.rs"]
mod location;
#[path = "src/rules/raw.rs"]
#[allow(dead_code)]
mod raw;

fn main() {
    let mut files = Vec::new();
    for (name, text) in tokenhound_rules::FILES {
        let file: raw::RawRuleFile = toml::from_str(text).unwrap_or_else(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| location::line_col(text, s.start));
            let rule = e
                .span()
                .and_then(|s| raw::enclosing_rule_id(text, s.start))
                .map_or(String::new(), |id| format!(" rule {id}:"));
            panic!("rules/{name}:{line}:{col}:{rule} {}", e.message())
        });
        let rules = file
            .rules
            .into_iter()
            .map(|spanned| (location::line_col(text, spanned.span().start).0, spanned.into_inner()))
            .collect();
        files.push(raw::BuiltFile { name: name.to_string(), allowlist: file.allowlist, rules });
    }
    let encoded = postcard::to_stdvec(&files).expect("rules encode");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.postcard");
    fs::write(dest, encoded).unwrap();
}
