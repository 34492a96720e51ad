//! The built-in rules: parsed from the `tokenhound-rules` crate by `build.rs`, embedded in
//! postcard form, and made into rules by the same [`validate`](super::validate) as rule files,
//! so that a rule field is defined once (in `raw.rs`) and checked once.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::raw::BuiltFile;
use super::{AllowlistSpec, Defined, Rules, validate};
use crate::error::{Error, ErrorKind};

static ENCODED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/builtin_rules.postcard"));

/// The built-in rules, decoded once per process, and the rules that did not validate.
struct Loaded {
    rules: Rules,
    /// File, line, rule id and message.
    problems: Vec<(String, usize, String, String)>,
}

fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        // `build.rs` wrote these bytes from the same types: they decode.
        let files: Vec<BuiltFile<&'static str>> =
            postcard::from_bytes(ENCODED).expect("built-in rules decode");
        let mut rules = Rules::default();
        let mut problems = Vec::new();
        for file in files {
            let name = format!("rules/{}", file.name);
            if let Some(allowlist) = file.allowlist {
                rules.global.extend(&AllowlistSpec::from_raw(allowlist));
            }
            for (line, raw) in file.rules {
                let defined = Defined { file: Cow::Owned(name.clone()), line, builtin: true };
                // Regexes are parsed by the self-test, not at every start-up.
                match validate(raw, defined, false) {
                    Ok(rule) => rules.rules.push(std::sync::Arc::new(rule)),
                    Err((_, message, id)) => problems.push((name.clone(), line, id, message)),
                }
            }
        }
        Loaded { rules, problems }
    })
}

/// The built-in rules that validate.
pub(crate) fn load() -> Rules {
    loaded().rules.clone()
}

/// Built-in rules that do not validate, and so are left out: each is a defect, reported by the
/// self-test (`tokenhound rules check`, and the core test that runs it).
pub(crate) fn problems() -> Vec<Error> {
    let error = |(file, line, id, message): &(String, usize, String, String)| {
        Error::new(ErrorKind::Rule, message.as_str()).with_line(file, *line).with_rule(id)
    };
    loaded().problems.iter().map(error).collect()
}
