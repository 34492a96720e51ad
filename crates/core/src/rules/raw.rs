// The on-disk shape of a rule file: the one definition of the rule syntax, shared by the crate
// and by `build.rs` (which includes this file with `#[path]` to parse the built-in rules at
// compile time). Keep it free of crate imports: only `serde` and `toml` are available to the
// build script.

use serde::{Deserialize, Serialize};

/// A whole rule file: an optional allowlist for every rule, and the rules.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuleFile {
    #[serde(default)]
    pub(crate) allowlist: Option<RawAllowlist>,
    #[serde(default)]
    pub(crate) rules: Vec<toml::Spanned<RawRule>>,
}

/// A built-in rule file as `build.rs` hands it to the crate (postcard-encoded): the same entries,
/// each with the line of its `[[rules]]` header. The crate decodes it with `S = &'static str`,
/// borrowing every string from the embedded bytes instead of allocating it.
#[derive(Debug, Deserialize, Serialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub(crate) struct BuiltFile<S = String> {
    pub(crate) name: S,
    pub(crate) allowlist: Option<RawAllowlist<S>>,
    pub(crate) rules: Vec<(usize, RawRule<S>)>,
}

/// One `[[rules]]` entry, as written. `S` is `String` when parsed from TOML, `&'static str` for
/// the embedded built-in rules.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, bound(deserialize = "S: Deserialize<'de>"))]
pub(crate) struct RawRule<S = String> {
    pub(crate) id: S,
    pub(crate) name: S,
    pub(crate) provider: S,
    pub(crate) kind: S,
    pub(crate) keywords: Vec<S>,
    pub(crate) pattern: S,
    #[serde(default)]
    pub(crate) confidence: Option<S>,
    #[serde(default)]
    pub(crate) min_entropy: Option<f64>,
    #[serde(default)]
    pub(crate) min_char_classes: Option<u8>,
    #[serde(default)]
    pub(crate) checksum: Option<S>,
    #[serde(default)]
    pub(crate) window: Option<u32>,
    #[serde(default)]
    pub(crate) multiline: Option<bool>,
    #[serde(default)]
    pub(crate) description: Option<S>,
    #[serde(default)]
    pub(crate) remediation: Option<S>,
    #[serde(default)]
    pub(crate) references: Vec<S>,
    #[serde(default)]
    pub(crate) examples: Vec<S>,
    #[serde(default)]
    pub(crate) negative_examples: Vec<S>,
    #[serde(default)]
    pub(crate) allowlist: Option<RawAllowlist<S>>,
}

/// Exceptions, per rule or for every rule.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, bound(deserialize = "S: Deserialize<'de>"))]
pub(crate) struct RawAllowlist<S = String> {
    #[serde(default)]
    pub(crate) stopwords: Vec<S>,
    #[serde(default)]
    pub(crate) regexes: Vec<S>,
    #[serde(default)]
    pub(crate) line_regexes: Vec<S>,
}

/// The id of the `[[rules]]` entry that encloses `offset`, for error messages when the entry
/// could not be parsed as a whole.
pub(crate) fn enclosing_rule_id(text: &str, offset: usize) -> Option<String> {
    let head = &text[..offset.min(text.len())];
    let start = head.rfind("[[rules]]")?;
    let entry = &text[start..];
    let end = entry[9..].find("[[rules]]").map_or(entry.len(), |e| e + 9);
    entry[..end].lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("id")?.trim_start().strip_prefix('=')?;
        let value = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        Some(value.to_string())
    })
}
