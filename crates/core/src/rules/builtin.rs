//! The built-in rules, parsed by `build.rs` and embedded as static data.

use std::borrow::Cow;

use super::{AllowlistSpec, Confidence, Defined, Kind, Rule, Rules};
use crate::rules::checksum::Checksum;

pub(crate) struct StaticFile {
    name: &'static str,
    allowlist: Option<StaticAllowlist>,
    rules: &'static [StaticRule],
}

pub(crate) struct StaticRule {
    line: usize,
    id: &'static str,
    name: &'static str,
    provider: &'static str,
    kind: &'static str,
    keywords: &'static [&'static str],
    pattern: &'static str,
    confidence: Option<&'static str>,
    min_entropy: Option<f64>,
    min_char_classes: Option<u8>,
    checksum: Option<&'static str>,
    window: Option<u32>,
    multiline: Option<bool>,
    description: Option<&'static str>,
    remediation: Option<&'static str>,
    references: &'static [&'static str],
    examples: &'static [&'static str],
    negative_examples: &'static [&'static str],
    allowlist: Option<StaticAllowlist>,
}

pub(crate) struct StaticAllowlist {
    stopwords: &'static [&'static str],
    regexes: &'static [&'static str],
    line_regexes: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

fn strs(list: &'static [&'static str]) -> Vec<Cow<'static, str>> {
    list.iter().map(|s| Cow::Borrowed(*s)).collect()
}

fn allowlist(a: &Option<StaticAllowlist>) -> AllowlistSpec {
    match a {
        None => AllowlistSpec::default(),
        Some(a) => AllowlistSpec {
            stopwords: strs(a.stopwords),
            regexes: strs(a.regexes),
            line_regexes: strs(a.line_regexes),
        },
    }
}

/// Builds the built-in set. Values that fail to parse (an unknown kind, say) fall back to a
/// default here; the core test `builtin_rules_pass_their_self_check` rejects them.
pub(crate) fn load() -> Rules {
    let mut rules = Rules::default();
    for file in BUILTIN {
        rules.global.extend(&allowlist(&file.allowlist));
        for r in file.rules {
            rules.rules.push(Rule {
                id: Cow::Borrowed(r.id),
                name: Cow::Borrowed(r.name),
                provider: Cow::Borrowed(r.provider),
                kind: Kind::parse(r.kind).unwrap_or(Kind::Credentials),
                keywords: strs(r.keywords),
                pattern: Cow::Borrowed(r.pattern),
                confidence: r.confidence.and_then(Confidence::parse).unwrap_or(Confidence::Medium),
                min_entropy: r.min_entropy,
                min_char_classes: r.min_char_classes.unwrap_or(0),
                checksum: r.checksum.and_then(Checksum::parse),
                window: r.window.unwrap_or(super::DEFAULT_WINDOW).clamp(16, super::MAX_WINDOW),
                multiline: r.multiline.unwrap_or(false),
                description: r.description.map(Cow::Borrowed),
                remediation: r.remediation.map(Cow::Borrowed),
                references: strs(r.references),
                examples: strs(r.examples),
                negative_examples: strs(r.negative_examples),
                allowlist: allowlist(&r.allowlist),
                origin: Defined {
                    file: Cow::Owned(format!("rules/{}", file.name)),
                    line: r.line,
                    builtin: true,
                },
            });
        }
    }
    rules
}

/// Values of built-in rules that [`load`] had to replace with a default: each is a defect.
pub(crate) fn problems() -> Vec<crate::Error> {
    let mut out = Vec::new();
    for f in BUILTIN {
        for r in f.rules {
            let bad = |what: &str, value: &str| {
                crate::Error::new(
                    crate::error::ErrorKind::Rule,
                    format!("unknown {what} {value:?}"),
                )
                .with_line(&format!("rules/{}", f.name), r.line)
                .with_rule(r.id)
            };
            if Kind::parse(r.kind).is_none() {
                out.push(bad("kind", r.kind));
            }
            if let Some(c) = r.confidence.filter(|c| Confidence::parse(c).is_none()) {
                out.push(bad("confidence", c));
            }
            if let Some(c) = r.checksum.filter(|c| Checksum::parse(c).is_none()) {
                out.push(bad("checksum validator", c));
            }
            if let Some(n) = r.min_char_classes.filter(|n| *n > 4) {
                out.push(bad("min_char_classes", &n.to_string()));
            }
            if let Some(w) = r.window.filter(|w| !(16..=super::MAX_WINDOW).contains(w)) {
                out.push(bad("window", &w.to_string()));
            }
        }
    }
    out
}
