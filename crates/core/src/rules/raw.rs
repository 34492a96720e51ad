// The on-disk shape of a rule file: the one definition of the rule syntax, shared by the crate
// and by `build.rs` (which includes this file with `#[path]` to parse the built-in rules at
// compile time). Keep it free of crate imports: only `serde` and `toml` are available to the
// build script.

use serde::Deserialize;

/// A whole rule file: an optional allowlist for every rule, and the rules.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuleFile {
    #[serde(default)]
    pub(crate) allowlist: Option<RawAllowlist>,
    #[serde(default)]
    pub(crate) rules: Vec<toml::Spanned<RawRule>>,
}

/// One `[[rules]]` entry, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) provider: String,
    pub(crate) kind: String,
    pub(crate) keywords: Vec<String>,
    pub(crate) pattern: String,
    #[serde(default)]
    pub(crate) confidence: Option<String>,
    #[serde(default)]
    pub(crate) min_entropy: Option<f64>,
    #[serde(default)]
    pub(crate) min_char_classes: Option<u8>,
    #[serde(default)]
    pub(crate) checksum: Option<String>,
    #[serde(default)]
    pub(crate) window: Option<u32>,
    #[serde(default)]
    pub(crate) multiline: Option<bool>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) remediation: Option<String>,
    #[serde(default)]
    pub(crate) references: Vec<String>,
    #[serde(default)]
    pub(crate) examples: Vec<String>,
    #[serde(default)]
    pub(crate) negative_examples: Vec<String>,
    #[serde(default)]
    pub(crate) allowlist: Option<RawAllowlist>,
}

/// Exceptions, per rule or for every rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAllowlist {
    #[serde(default)]
    pub(crate) stopwords: Vec<String>,
    #[serde(default)]
    pub(crate) regexes: Vec<String>,
    #[serde(default)]
    pub(crate) line_regexes: Vec<String>,
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
