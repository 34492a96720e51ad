//! The project configuration file, `tokenhound.toml`: extra rule files, disabled rules, per-rule
//! overrides, allowlists and scan options.
//!
//! A scan finds it by walking up from the scanned path to the repository root
//! ([`Config::discover`]), so scanning a subdirectory of a monorepo still uses the root's file.
//!
//! ```
//! let text = r#"
//! [rules]
//! disable = ["generic.password"]
//!
//! [[allowlist]]
//! reason = "test fixtures hold fake keys"
//! paths = ["tests/fixtures/**"]
//! "#;
//! let config = tokenhound::Config::from_toml(text, "tokenhound.toml", ".")?;
//! assert_eq!(config.allowlist_len(), 1);
//! # Ok::<(), tokenhound::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::location::line_col;
use crate::policy::{AllowEntry, Date, Policy};
use crate::{Confidence, Error, ErrorKind, Rules, ScannerBuilder};

/// The names a configuration file may have, looked for in this order in each directory.
pub const CONFIG_FILE_NAMES: [&str; 2] = ["tokenhound.toml", ".tokenhound.toml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    scan: RawScan,
    #[serde(default)]
    allowlist: Vec<Spanned<RawAllow>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    builtin: Option<bool>,
    #[serde(default)]
    files: Vec<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default, rename = "override")]
    overrides: BTreeMap<Spanned<String>, RawOverride>,
    #[serde(default)]
    inline: Vec<Spanned<crate::rules::raw::RawRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    #[serde(default)]
    min_entropy: Option<f64>,
    #[serde(default)]
    confidence: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    #[serde(default)]
    max_file_size: Option<Spanned<RawSize>>,
    #[serde(default)]
    ignore: Option<bool>,
    #[serde(default)]
    binary: Option<bool>,
    #[serde(default)]
    follow_links: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSize {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    secrets: Vec<Spanned<String>>,
    #[serde(default)]
    lines: Vec<Spanned<String>>,
    #[serde(default)]
    stopwords: Vec<Spanned<String>>,
    #[serde(default)]
    fingerprints: Vec<Spanned<String>>,
}

/// `[rules.override."ID"]`: the rule id, where it is written, a minimum entropy and a
/// confidence.
type RuleOverride = (String, (usize, usize), Option<f64>, Option<Confidence>);

/// A parsed and validated `tokenhound.toml`.
#[derive(Debug, Default)]
pub struct Config {
    path: Option<PathBuf>,
    name: String,
    dir: PathBuf,
    builtin: Option<bool>,
    rule_files: Vec<PathBuf>,
    inline: Rules,
    disable: Vec<(String, (usize, usize))>,
    overrides: Vec<RuleOverride>,
    max_file_size: Option<u64>,
    ignore: Option<bool>,
    binary: Option<bool>,
    follow_links: Option<bool>,
    pub(crate) allowlist: Vec<AllowEntry>,
}

impl Config {
    /// The configuration file that applies to `start` (a file or directory): the first
    /// `tokenhound.toml` (or `.tokenhound.toml`) met walking up from it, stopping at the
    /// repository root (the directory holding `.git`). `None` when there is none.
    pub fn discover(start: impl AsRef<Path>) -> Option<PathBuf> {
        let start = std::fs::canonicalize(start.as_ref()).ok()?;
        let mut dir = if start.is_dir() { start.as_path() } else { start.parent()? };
        loop {
            for name in CONFIG_FILE_NAMES {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
            if dir.join(".git").exists() {
                return None;
            }
            dir = dir.parent()?;
        }
    }

    /// Reads and validates the file at `path`. Rule files it names are relative to its
    /// directory.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = crate::error::read_text(path, "config file", ErrorKind::Config)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut config = Config::from_toml(&text, &path.display().to_string(), dir)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses configuration text; `name` names it in error messages and `dir` is where the
    /// relative paths it holds start.
    pub fn from_toml(text: &str, name: &str, dir: impl AsRef<Path>) -> Result<Config, Error> {
        let at = |offset: usize, message: String| {
            let (line, col) = line_col(text, offset);
            Error::new(ErrorKind::Config, message).with_location(name, line, col)
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            at(e.span().map_or(0, |s| s.start), e.message().trim_end_matches('.').to_string())
        })?;
        let dir = dir.as_ref().to_path_buf();
        let mut config = Config {
            name: name.to_string(),
            dir: dir.clone(),
            builtin: raw.rules.builtin,
            ..Config::default()
        };
        crate::rules::push_rules(&mut config.inline, raw.rules.inline, text, name)
            .map_err(|e| e.into_kind(ErrorKind::Config))?;
        for file in raw.rules.files {
            config.rule_files.push(dir.join(file.get_ref()));
        }
        for id in raw.rules.disable {
            config.disable.push((id.get_ref().clone(), line_col(text, id.span().start)));
        }
        for (id, o) in raw.rules.overrides {
            let confidence = match o.confidence {
                None => None,
                Some(c) => Some(Confidence::parse(c.get_ref()).ok_or_else(|| {
                    at(
                        c.span().start,
                        format!(
                            "unknown confidence {:?} (expected high, medium or low)",
                            c.get_ref()
                        ),
                    )
                })?),
            };
            if let Some(e) = o.min_entropy
                && !(0.0..=8.0).contains(&e)
            {
                return Err(at(id.span().start, format!("min_entropy {e} is not between 0 and 8")));
            }
            config.overrides.push((
                id.get_ref().clone(),
                line_col(text, id.span().start),
                o.min_entropy,
                confidence,
            ));
        }
        if let Some(size) = raw.scan.max_file_size {
            let bytes = match size.get_ref() {
                RawSize::Bytes(n) => Ok(*n),
                RawSize::Text(t) => parse_size(t),
            };
            config.max_file_size = Some(bytes.map_err(|m| at(size.span().start, m))?);
        }
        config.ignore = raw.scan.ignore;
        config.binary = raw.scan.binary;
        config.follow_links = raw.scan.follow_links;
        for entry in raw.allowlist {
            let span = entry.span();
            let (line, _) = line_col(text, span.start);
            let entry = entry.into_inner();
            let expires = match entry.expires {
                None => None,
                Some(d) => Some(
                    d.get_ref()
                        .date
                        .filter(|_| d.get_ref().time.is_none())
                        .map(|d| Date { year: d.year, month: d.month, day: d.day })
                        .ok_or_else(|| {
                            at(d.span().start, "expires must be a date such as 2025-12-31".into())
                        })?,
                ),
            };
            let allow = AllowEntry::new(
                format!("{name}:{line}"),
                entry.reason,
                expires,
                entry.rules.into_iter().map(Spanned::into_inner).collect(),
                &dir,
                &entry.paths,
                &entry.secrets,
                &entry.lines,
                entry.stopwords.into_iter().map(Spanned::into_inner).collect(),
                entry.fingerprints,
            )
            .map_err(|(offset, message)| at(offset.unwrap_or(span.start), message))?;
            config.allowlist.push(allow);
        }
        Ok(config)
    }

    /// The file this configuration was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The directory the file is in: relative rule files and allowlist path globs start there,
    /// and it is the natural project root for baseline paths.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The rule files `[rules] files` names, joined to [`Config::dir`]: what
    /// [`Config::apply_rules`] reads.
    pub fn rule_files(&self) -> &[PathBuf] {
        &self.rule_files
    }

    /// How many allowlist entries it holds (expired ones included).
    pub fn allowlist_len(&self) -> usize {
        self.allowlist.len()
    }

    /// Warnings worth showing before a scan: allowlist entries whose `expires` date has passed
    /// and that therefore no longer apply.
    pub fn warnings(&self) -> Vec<String> {
        let today = Date::today();
        self.allowlist
            .iter()
            .filter(|e| e.expired(today))
            .map(|e| {
                let reason = e.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                format!(
                    "{}: allowlist entry{reason} expired on {}: it no longer applies",
                    e.origin,
                    e.expires.map(|d| d.to_string()).unwrap_or_default()
                )
            })
            .collect()
    }

    /// Whether the built-in rules are used (`rules.builtin`, default true).
    pub fn builtin_rules(&self) -> bool {
        self.builtin.unwrap_or(true)
    }

    /// Applies the `[rules]` section to `rules`: adds the rule files and inline rules
    /// (`[[rules.inline]]`, with the fields of a rule file's `[[rules]]`), disables rules and applies
    /// the per-rule overrides. A disabled or overridden id that no rule has is an error.
    pub fn apply_rules(&self, rules: &mut Rules) -> Result<(), Error> {
        let name = &self.name;
        for file in &self.rule_files {
            rules.extend(Rules::from_path(file)?)?;
        }
        rules.extend(self.inline.clone())?;
        for (id, (line, col)) in &self.disable {
            if rules.disable(&[id]) == 0 {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("disable: no rule has id {id:?}"),
                )
                .with_location(name, *line, *col));
            }
        }
        for (id, (line, col), min_entropy, confidence) in &self.overrides {
            let Some(rule) = rules.rules.iter_mut().find(|r| r.id == *id).map(Arc::make_mut) else {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("override: no rule has id {id:?}"),
                )
                .with_location(name, *line, *col));
            };
            if let Some(e) = min_entropy {
                rule.min_entropy = Some(*e);
            }
            if let Some(c) = confidence {
                rule.confidence = *c;
            }
        }
        Ok(())
    }

    /// Applies the `[scan]` section to a scanner builder. Call it before applying command-line
    /// options, which take precedence.
    pub fn apply_scan(&self, builder: &mut ScannerBuilder) {
        if let Some(n) = self.max_file_size {
            builder.max_file_size(n);
        }
        if let Some(yes) = self.ignore {
            builder.ignore_files(yes);
        }
        if let Some(yes) = self.binary {
            builder.scan_binary(yes);
        }
        if let Some(yes) = self.follow_links {
            builder.follow_links(yes);
        }
    }

    /// The `[scan]` options as written: max file size, ignore handling, binary, follow links.
    pub fn scan_options(&self) -> (Option<u64>, Option<bool>, Option<bool>, Option<bool>) {
        (self.max_file_size, self.ignore, self.binary, self.follow_links)
    }
}

// Defined here, beside the entries it takes, so that the policy module need not know configs.
impl Policy {
    /// Takes the allowlist entries of a config file (which it consumes).
    pub fn allowlist(&mut self, config: Config) -> &mut Self {
        self.allowlist.extend(config.allowlist);
        self
    }
}

/// Parses a size such as `100`, `64K`, `100M` or `1G` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 10),
        Some((i, 'm' | 'M')) => (&text[..i], 20),
        Some((i, 'g' | 'G')) => (&text[..i], 30),
        _ => (text, 0),
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("invalid size {text:?}: expected a number like 100, 64K, 100M or 1G")
    })?;
    n.checked_mul(1 << shift).ok_or_else(|| format!("size {text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::from_toml(text, "t.toml", ".").unwrap_err().to_string()
    }

    #[track_caller]
    fn has(text: &str, prefix: &str) {
        let e = err(text);
        assert!(e.starts_with(prefix), "{e}");
    }

    #[test]
    fn every_error_names_file_line_and_column() {
        assert_eq!(
            err("[rules]\nbogus = 1\n"),
            "t.toml:2:1: unknown field `bogus`, expected one of `builtin`, `files`, `disable`, `override`, `inline`"
        );
        has("[scan]\nbinary = \"yes\"\n", "t.toml:2:10: invalid type");
        has("[scan]\nmax_file_size = \"lots\"\n", "t.toml:2:17: invalid size");
        has(
            "[[allowlist]]\nsecrets = ['(']\n",
            "t.toml:2:12: secrets: invalid regex \"(\": unclosed group",
        );
        has(
            "[[allowlist]]\nlines = ['[']\n",
            "t.toml:2:10: lines: invalid regex \"[\": unclosed character class",
        );
        has("[[allowlist]]\npaths = ['a/[z-a]']\n", "t.toml:2:10: paths: invalid glob");
        has(
            "[[allowlist]]\nexpires = 2025-01-01T10:00:00\npaths = ['x']\n",
            "t.toml:2:11: expires must be a date",
        );
        assert_eq!(
            err("[[allowlist]]\nreason = \"nothing\"\n"),
            "t.toml:1:1: an allowlist entry needs at least one of paths, secrets, lines, stopwords or fingerprints"
        );
        has("[[allowlist]]\nfingerprints = ['xyz']\n", "t.toml:2:17: fingerprints:");
        has("[rules.override.\"a.b\"]\nconfidence = \"sure\"\n", "t.toml:2:14: unknown confidence");
        has("[[allowlist]]\npaths = ['x']\nunknown = 1\n", "t.toml:3:1: unknown field");
        has("[rules]\ndisable = \"x\"\n", "t.toml:2:11: invalid type");
    }

    #[test]
    fn unknown_rule_ids_are_errors() {
        let mut rules = Rules::builtin();
        let c = Config::from_toml("[rules]\ndisable = [\"no.such\"]\n", "t.toml", ".").unwrap();
        assert_eq!(
            c.apply_rules(&mut rules).unwrap_err().to_string(),
            "t.toml:2:12: disable: no rule has id \"no.such\""
        );
        let c =
            Config::from_toml("[rules.override.\"no.such\"]\nmin_entropy = 3.0\n", "t.toml", ".")
                .unwrap();
        assert!(c.apply_rules(&mut rules).unwrap_err().to_string().contains("override: no rule"));
    }

    #[test]
    fn inline_rules_are_added_and_checked() {
        let text = r#"
[[rules.inline]]
id = "acme.api-key"
name = "Acme API key"
provider = "Acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[a-z0-9]{24})\b'''
"#;
        let c = Config::from_toml(text, "t.toml", ".").unwrap();
        let mut rules = Rules::builtin();
        c.apply_rules(&mut rules).unwrap();
        assert!(rules.get("acme.api-key").is_some());
        has(
            &text.replace("kind = \"api-key\"", "kind = \"api-kee\""),
            "t.toml:6:1: rule acme.api-key: unknown kind",
        );
        has(&text.replace("kind =", "knd ="), "t.toml:6:1: unknown field `knd`");
    }

    #[test]
    fn overrides_change_rules() {
        let mut rules = Rules::builtin();
        let c = Config::from_toml(
            "[rules.override.\"github.pat-classic\"]\nconfidence = \"low\"\nmin_entropy = 2.5\n",
            "t.toml",
            ".",
        )
        .unwrap();
        c.apply_rules(&mut rules).unwrap();
        let r = rules.get("github.pat-classic").unwrap();
        assert_eq!((r.confidence(), r.min_entropy()), (Confidence::Low, Some(2.5)));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("x").is_err());
    }
}
