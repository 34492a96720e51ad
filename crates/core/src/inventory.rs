//! The non-human identity inventory: which credentials a codebase holds, grouped by provider and
//! kind, each distinct credential (by fingerprint) once, with how many locations and files hold
//! it and, for history scans, the first and last commit that wrote it. Secrets appear only
//! redacted.
//!
//! An [`Inventory`] is a [`Sink`]: scan into it, then [`Inventory::write`] a text table, JSON or
//! Markdown.
//!
//! ```
//! use tokenhound::inventory::{Inventory, InventoryFormat};
//!
//! let scanner = tokenhound::Scanner::new()?;
//! let mut inventory = Inventory::new(None);
//! for f in scanner.scan_bytes(b"A=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\n", None) {
//!     tokenhound::Sink::finding(&mut inventory, f);
//! }
//! assert_eq!(inventory.len(), 1);
//! let mut out = Vec::new();
//! inventory.write(&mut out, InventoryFormat::Markdown)?;
//! assert!(String::from_utf8(out)?.contains("| GitHub | access-token |"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::{Error, Finding, Sink};

/// An inventory output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InventoryFormat {
    /// An aligned text table.
    Text,
    /// One JSON document.
    Json,
    /// Markdown, for an audit report.
    Markdown,
}

/// One distinct credential.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Credential {
    /// Its fingerprint.
    pub fingerprint: String,
    /// The rule that found it.
    pub rule: String,
    /// The rule's name.
    pub name: String,
    /// The rule's confidence.
    pub confidence: String,
    /// The secret, redacted.
    pub redacted: String,
    /// How many places it was found (a file and line, or a history occurrence).
    pub locations: u64,
    /// The files it is in, relative to the scan's base where possible.
    pub files: BTreeSet<String>,
    /// History scans: the earliest commit that wrote it (`(timestamp, id, date)`).
    pub first_commit: Option<(i64, String, String)>,
    /// History scans: the latest commit that wrote it at one of its paths.
    pub last_commit: Option<(i64, String, String)>,
    /// How to rotate or revoke it: the rule's first reference, else its remediation text.
    pub remediation: String,
}

/// Distinct credentials by provider and kind. See the module documentation.
#[derive(Debug, Default)]
pub struct Inventory {
    base: Option<PathBuf>,
    groups: BTreeMap<(String, String), BTreeMap<String, Credential>>,
}

impl Inventory {
    /// An empty inventory; file paths are shown relative to `base` when they lie below it.
    pub fn new(base: Option<PathBuf>) -> Inventory {
        Inventory { base, groups: BTreeMap::new() }
    }

    /// How many distinct credentials.
    pub fn len(&self) -> usize {
        self.groups.values().map(BTreeMap::len).sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The groups: `(provider, kind)` and their credentials by fingerprint.
    pub fn groups(
        &self,
    ) -> impl Iterator<Item = (&(String, String), &BTreeMap<String, Credential>)> {
        self.groups.iter()
    }

    fn add(&mut self, f: &Finding) {
        let key = (f.provider().to_string(), f.kind().as_str().to_string());
        let remediation = f
            .rule
            .references()
            .next()
            .map(str::to_string)
            .or_else(|| f.rule.remediation().map(str::to_string))
            .unwrap_or_default();
        let c =
            self.groups.entry(key).or_default().entry(f.fingerprint.clone()).or_insert_with(|| {
                Credential {
                    fingerprint: f.fingerprint.clone(),
                    rule: f.rule_id().to_string(),
                    name: f.rule.name().to_string(),
                    confidence: f.confidence().as_str().to_string(),
                    redacted: f.secret.redacted(),
                    locations: 0,
                    files: BTreeSet::new(),
                    first_commit: None,
                    last_commit: None,
                    remediation,
                }
            });
        c.locations += 1;
        let file = match &f.path {
            Some(p) => crate::report::relative(p, self.base.as_deref()).0.display().to_string(),
            None => "-".to_string(),
        };
        c.files.insert(file);
        let git = f.git.as_deref();
        let stamp = |c: &crate::GitCommit| (c.timestamp, c.id.clone(), c.date.clone());
        if let Some(first) = git.and_then(|g| g.commit.as_deref()).map(stamp)
            && c.first_commit.as_ref().is_none_or(|known| first < *known)
        {
            c.first_commit = Some(first);
        }
        // The last commit that wrote it at this location (a history scan tracks it), else the
        // first: the latest over every location.
        let last = git.and_then(|g| g.last_commit.as_deref().or(g.commit.as_deref()));
        if let Some(last) = last.map(stamp)
            && c.last_commit.as_ref().is_none_or(|known| last > *known)
        {
            c.last_commit = Some(last);
        }
    }

    /// Writes the inventory.
    pub fn write(&self, out: &mut dyn Write, format: InventoryFormat) -> io::Result<()> {
        match format {
            InventoryFormat::Text => self.text(out),
            InventoryFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.json())?;
                out.write_all(b"\n")
            }
            InventoryFormat::Markdown => self.markdown(out),
        }
    }

    fn totals(&self) -> (usize, u64, usize) {
        let creds = self.groups.values().flat_map(BTreeMap::values);
        let locations = creds.clone().map(|c| c.locations).sum();
        let files: BTreeSet<&String> = creds.flat_map(|c| &c.files).collect();
        (self.len(), locations, files.len())
    }

    fn json(&self) -> Value {
        let (credentials, locations, files) = self.totals();
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|((provider, kind), creds)| {
                json!({
                    "provider": provider,
                    "kind": kind,
                    "credentials": creds.len(),
                    "locations": creds.values().map(|c| c.locations).sum::<u64>(),
                    "items": creds.values().map(|c| {
                        let commit = |x: &Option<(i64, String, String)>| {
                            x.as_ref().map(|(_, id, date)| json!({"id": id, "date": date}))
                        };
                        json!({
                            "fingerprint": c.fingerprint,
                            "rule": c.rule,
                            "name": c.name,
                            "confidence": c.confidence,
                            "secret": c.redacted,
                            "locations": c.locations,
                            "files": c.files,
                            "first_commit": commit(&c.first_commit),
                            "last_commit": commit(&c.last_commit),
                            "remediation": c.remediation,
                        })
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "version": 1,
            "tool": {"name": "tokenhound", "version": env!("CARGO_PKG_VERSION")},
            "totals": {"credentials": credentials, "locations": locations, "files": files},
            "groups": groups,
        })
    }

    fn rows(&self) -> Vec<[String; 9]> {
        let mut rows = Vec::new();
        for ((provider, kind), creds) in &self.groups {
            for c in creds.values() {
                let commits = match (&c.first_commit, &c.last_commit) {
                    (Some(a), Some(b)) if a.1 == b.1 => short(&a.1).to_string(),
                    (Some(a), Some(b)) => format!("{}..{}", short(&a.1), short(&b.1)),
                    // Not a history scan: no commit is known.
                    _ => "-".to_string(),
                };
                let files: Vec<&str> = c.files.iter().map(String::as_str).collect();
                rows.push([
                    provider.clone(),
                    kind.clone(),
                    c.rule.clone(),
                    c.redacted.clone(),
                    c.confidence.clone(),
                    c.locations.to_string(),
                    files.join(", "),
                    commits,
                    c.remediation.clone(),
                ]);
            }
        }
        rows
    }

    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        const HEAD: [&str; 8] =
            ["PROVIDER", "KIND", "RULE", "SECRET", "CONFIDENCE", "LOCATIONS", "FILES", "COMMITS"];
        let rows = self.rows();
        let mut widths: Vec<usize> = HEAD.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        writeln!(out, "{}", line(HEAD.to_vec()))?;
        for row in &rows {
            writeln!(out, "{}", line(row[..8].iter().map(String::as_str).collect()))?;
        }
        let (credentials, locations, files) = self.totals();
        writeln!(
            out,
            "{credentials} distinct credential{} in {} provider/kind group{}, at {locations} location{} in {files} file{}",
            plural(credentials as u64),
            self.groups.len(),
            plural(self.groups.len() as u64),
            plural(locations),
            plural(files as u64)
        )
    }

    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let (credentials, locations, files) = self.totals();
        writeln!(out, "# Non-human identity inventory\n")?;
        writeln!(
            out,
            "{credentials} distinct credential{} at {locations} location{} in {files} file{}. \
             Secrets are redacted.\n",
            plural(credentials as u64),
            plural(locations),
            plural(files as u64)
        )?;
        writeln!(out, "## Summary\n")?;
        writeln!(out, "| provider | kind | credentials | locations |")?;
        writeln!(out, "|---|---|---|---|")?;
        for ((provider, kind), creds) in &self.groups {
            let n: u64 = creds.values().map(|c| c.locations).sum();
            writeln!(out, "| {} | {} | {} | {n} |", cell(provider), kind, creds.len())?;
        }
        writeln!(out, "\n## Credentials\n")?;
        writeln!(
            out,
            "| provider | kind | rule | secret | confidence | locations | files | commits | remediation |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
        for row in self.rows() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| match i {
                    2 | 3 | 6 if !c.is_empty() => format!("`{}`", c.replace(", ", "`, `")),
                    _ => cell(c),
                })
                .collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Sink for Inventory {
    fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
        // An allowlisted or inline-allowed finding is declared not to be a credential; a
        // baselined one still is.
        let declared =
            |k| matches!(k, crate::SuppressionKind::Allowlist | crate::SuppressionKind::Inline);
        if finding.suppression.as_ref().is_none_or(|s| !declared(s.kind)) {
            self.add(&finding);
        }
        Ok(true)
    }
}
