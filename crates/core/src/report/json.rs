//! The JSON and JSON Lines formats.

use std::io::{self, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

use super::ReportOptions;
use crate::{Finding, GitOrigin, SkipReason, Stats};

/// The version of the JSON schema of findings; bumped when a field changes meaning.
pub(crate) const SCHEMA_VERSION: u32 = 1;

pub(crate) fn finding(f: &Finding, options: &ReportOptions) -> Value {
    let loc = &f.location;
    let mut value = json!({
        "rule": f.rule_id(),
        "rule_name": f.rule.name(),
        "provider": f.provider(),
        "kind": f.kind().as_str(),
        "confidence": f.confidence().as_str(),
        "confidence_reasons": f.confidence_reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "file_role": f.file_role.map(|r| r.as_str()),
        "also": f.also,
        "path": f.path.as_ref().map(|p| p.display().to_string()),
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "start_offset": loc.start,
        "end_offset": loc.end,
        "secret": if options.show_secrets { f.secret.expose().to_string() } else { f.secret.redacted() },
        "redacted": !options.show_secrets,
        "fingerprint": f.fingerprint,
        "entropy": (f.entropy * 1000.0).round() / 1000.0,
        "checksum": f.checksum_valid().map(|_| "valid"),
        "snippet": f.line_context(options.show_secrets),
    });
    if let Some(git) = &f.git {
        value["git"] = git_json(git);
    }
    if let Some(s) = &f.suppression {
        value["suppression"] = json!({"kind": s.kind.as_str(), "justification": s.justification});
    }
    value
}

/// The git fields of a finding: the blob, and for history scans the commit that introduced the
/// secret at this path and how often it was seen.
pub(crate) fn git_json(git: &GitOrigin) -> Value {
    let mut value = json!({"blob": git.blob});
    if let Some(c) = &git.commit {
        value["commit"] = json!(c.id);
        value["author_name"] = json!(c.author_name);
        value["author_email"] = json!(c.author_email);
        value["date"] = json!(c.date);
        value["subject"] = json!(c.subject);
        value["commits"] = json!(git.commits);
        value["paths"] = json!(git.paths);
    }
    if let Some(c) = &git.last_commit {
        value["last_commit"] = json!(c.id);
        value["last_date"] = json!(c.date);
    }
    value
}

pub(super) fn document(
    out: &mut dyn Write,
    findings: &[Finding],
    stats: &Stats,
    skipped: &[(PathBuf, SkipReason)],
    errors: &[String],
    options: &ReportOptions,
) -> io::Result<()> {
    // Serialized as it is written: one finding or skipped file is in memory at a time, not a
    // tree of the whole document (tens of megabytes for a tree with many binary files).
    // Suppressed findings (allowlisted or baselined) are listed apart and counted apart.
    let suppressed = findings.iter().filter(|f| f.suppression.is_some()).count() as u64;
    let doc = Document {
        version: SCHEMA_VERSION,
        tool: json!({"name": "tokenhound", "version": env!("CARGO_PKG_VERSION")}),
        findings: Lazy(|| {
            findings.iter().filter(|f| f.suppression.is_none()).map(|f| finding(f, options))
        }),
        suppressed: Lazy(|| {
            findings.iter().filter(|f| f.suppression.is_some()).map(|f| finding(f, options))
        }),
        stats: StatsView { stats, skipped, errors, suppressed },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

#[derive(serde::Serialize)]
struct Document<F, G, S> {
    version: u32,
    tool: Value,
    findings: F,
    suppressed: G,
    stats: S,
}

/// A sequence serialized from an iterator made on demand.
struct Lazy<F>(F);

impl<F, I> serde::Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

struct StatsView<'a> {
    stats: &'a Stats,
    skipped: &'a [(PathBuf, SkipReason)],
    errors: &'a [String],
    /// Suppressed findings, counted apart from the reported ones.
    suppressed: u64,
}

impl serde::Serialize for StatsView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let stats = self.stats;
        let by_reason: serde_json::Map<String, Value> =
            stats.skipped.iter().map(|(r, n)| (r.as_str().to_string(), json!(n))).collect();
        let skipped_files = Lazy(|| {
            self.skipped
                .iter()
                .map(|(p, r)| json!({"path": p.display().to_string(), "reason": r.as_str()}))
        });
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("files_scanned", &stats.files_scanned)?;
        map.serialize_entry("bytes_scanned", &stats.bytes_scanned)?;
        map.serialize_entry("findings", &stats.findings.saturating_sub(self.suppressed))?;
        map.serialize_entry("suppressed", &self.suppressed)?;
        map.serialize_entry("below_threshold", &stats.below_threshold)?;
        map.serialize_entry("skipped", &by_reason)?;
        map.serialize_entry("skipped_files", &skipped_files)?;
        map.serialize_entry("errors", &stats.errors)?;
        map.serialize_entry("error_messages", self.errors)?;
        map.serialize_entry("elapsed_ms", &(stats.elapsed.as_millis() as u64))?;
        map.serialize_entry("commits_scanned", &stats.commits_scanned)?;
        map.serialize_entry("shallow", &stats.shallow)?;
        map.end()
    }
}
