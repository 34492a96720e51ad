//! The text format: one block per finding, and a summary line.

use std::io::{self, Write};

use super::Counts;
use super::ReportOptions;
use crate::{Finding, Stats};

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(super) fn finding(out: &mut dyn Write, f: &Finding, options: &ReportOptions) -> io::Result<()> {
    let (bold, red, dim, reset) =
        if options.color { (BOLD, RED, DIM, RESET) } else { ("", "", "", "") };
    let loc = &f.location;
    let secret =
        if options.show_secrets { f.secret.expose().to_string() } else { f.secret.redacted() };
    writeln!(
        out,
        "{bold}{}:{}:{}{reset}: {red}{}{reset} {dim}[{}, {} confidence]{reset} {}",
        f.path_display(),
        loc.line,
        loc.column,
        f.rule_id(),
        f.kind(),
        f.confidence(),
        f.rule.name(),
    )?;
    writeln!(out, "    secret: {secret}  fingerprint: {}", f.fingerprint)?;
    if let Some(link) = f.rule.references().next() {
        writeln!(out, "    rotate or revoke it: {link}")?;
    }
    if let Some(git) = &f.git {
        match &git.commit {
            Some(c) => {
                writeln!(
                    out,
                    "    commit: {} {} {} <{}>: {}",
                    c.id, c.date, c.author_name, c.author_email, c.subject
                )?;
                writeln!(
                    out,
                    "    blob: {}  seen in {} commit{} at {} path{}",
                    git.blob,
                    git.commits,
                    plural(git.commits),
                    git.paths,
                    plural(git.paths)
                )?;
            }
            None => writeln!(out, "    staged blob: {}", git.blob)?,
        }
    }
    writeln!(out, "    {dim}{}{reset}", f.line_context(options.show_secrets))
}

pub(super) fn summary(out: &mut dyn Write, stats: &Stats, counts: &Counts) -> io::Result<()> {
    let from_commits = if stats.commits_scanned > 0 {
        format!(" from {} commit{}", stats.commits_scanned, plural(stats.commits_scanned))
    } else {
        String::new()
    };
    let mut line = format!(
        "tokenhound: scanned {} file{} ({}){from_commits} in {:.2}s: {} finding{}",
        stats.files_scanned,
        plural(stats.files_scanned),
        human_bytes(stats.bytes_scanned),
        stats.elapsed.as_secs_f64(),
        counts.high + counts.medium + counts.low,
        plural(counts.high + counts.medium + counts.low),
    );
    let by_confidence: Vec<String> =
        [("high", counts.high), ("medium", counts.medium), ("low", counts.low)]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
    if !by_confidence.is_empty() {
        line.push_str(&format!(" ({})", by_confidence.join(", ")));
    }
    if stats.below_threshold > 0 {
        line.push_str(&format!(
            "; {} below the confidence threshold (--min-confidence low shows them)",
            stats.below_threshold
        ));
    }
    let suppressed = counts.allowlisted + counts.baselined + counts.existing + counts.inline;
    if suppressed > 0 {
        let mut kinds = Vec::new();
        if counts.inline > 0 {
            kinds.push(format!("{} inline allow", counts.inline));
        }
        if counts.existing > 0 {
            kinds.push(format!("{} already there before the range", counts.existing));
        }
        if counts.baselined > 0 {
            kinds.push(format!("{} baseline", counts.baselined));
        }
        if counts.allowlisted > 0 {
            kinds.push(format!("{} allowlist", counts.allowlisted));
        }
        line.push_str(&format!("; {suppressed} suppressed ({})", kinds.join(", ")));
    }
    let skipped = stats.skipped_total();
    if skipped > 0 {
        let reasons: Vec<String> =
            stats.skipped.iter().map(|(reason, n)| format!("{n} {}", reason.as_str())).collect();
        line.push_str(&format!("; skipped {skipped} ({})", reasons.join(", ")));
    }
    if stats.shallow {
        line.push_str("; shallow clone: history before its boundary is not in the repository");
    }
    if stats.errors > 0 {
        line.push_str(&format!("; {} error{}", stats.errors, plural(stats.errors)));
    }
    writeln!(out, "{line}")?;
    if counts.high + counts.medium + counts.low > 0 {
        writeln!(out, "{NEXT_STEPS}")?;
    }
    Ok(())
}

/// What to do about findings, after the summary.
const NEXT_STEPS: &str = "\
tokenhound: next: rotate or revoke each credential at its provider (the text report links the \
rule's page), then remove it from the code; a leak in git history stays valid until rotated.
tokenhound: not a credential? add `tokenhound:allow` to its line, or an [[allowlist]] entry with \
a reason to tokenhound.toml.
tokenhound: old leaks being fixed? record them once with `tokenhound scan --write-baseline \
.tokenhound-baseline.json`, then scan with `--baseline .tokenhound-baseline.json`: only new ones fail.";

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(super) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
