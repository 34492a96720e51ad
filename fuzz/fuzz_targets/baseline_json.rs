//! Baseline files (`--baseline`) are user input, usually committed to the repository: parsing
//! any text must give a baseline or an error naming the file. A baseline that parses is written
//! twice with the same bytes and reads back as itself, and applied to findings (some of them
//! made to match its entries) it accounts for every finding, and what it writes for
//! `--write-baseline` round-trips too.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tokenhound::{Baseline, Collector, Finding, Policy, Scanner, Sink, SuppressionKind};

/// The project root: it does not exist, so nothing is read from disk.
const ROOT: &str = "/nonexistent/tokenhound-fuzz";

/// Findings of a few built-in rules, templates for findings that match the baseline's entries.
static FINDINGS: LazyLock<Vec<Finding>> = LazyLock::new(|| {
    let input = b"GITHUB_TOKEN = \"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\"\n\
        slack = \"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\"\n";
    let mut findings = Scanner::new().expect("built-in rules").scan_bytes(input, None);
    assert!(!findings.is_empty());
    findings[0].path = Some(Path::new(ROOT).join("src/app.py"));
    findings
});

/// The bytes `baseline` writes, checked to be the same when written twice and to read back as
/// the same baseline.
fn write_checked(baseline: &Baseline) -> Vec<u8> {
    let mut first = Vec::new();
    baseline.write(&mut first).expect("writing to memory");
    let mut second = Vec::new();
    baseline.write(&mut second).expect("writing to memory");
    assert_eq!(first, second, "two writes differ");
    let text = std::str::from_utf8(&first).expect("a baseline is written as UTF-8");
    let again = Baseline::from_json(text, "again.json")
        .unwrap_or_else(|e| panic!("a written baseline does not parse: {e}\n{text}"));
    assert_eq!(&again, baseline, "read back differently:\n{text}");
    let mut third = Vec::new();
    again.write(&mut third).expect("writing to memory");
    assert_eq!(first, third, "re-writing what was read back gives other bytes");
    first
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let baseline = match Baseline::from_json(text, "fuzz.json") {
        Ok(baseline) => baseline,
        Err(e) => {
            assert_eq!(e.path(), Some("fuzz.json"), "an error without the file: {e}");
            return;
        }
    };
    write_checked(&baseline);

    // The templates as they are, and one finding per entry (up to 64) with its path and
    // fingerprint: it is baselined when the entry's rule is the template's.
    let mut findings = FINDINGS.clone();
    for (i, entry) in baseline.entries().take(64).enumerate() {
        let mut f = FINDINGS[i % FINDINGS.len()].clone();
        f.path = (entry.path != "-").then(|| Path::new(ROOT).join(&entry.path));
        f.fingerprint = entry.fingerprint.clone();
        findings.push(f);
    }
    let n = findings.len() as u64;
    let mut policy = Policy::new(ROOT);
    policy.baseline(baseline.clone(), "fuzz.json");
    let mut sink = policy.sink(Collector::new(), ROOT);
    for f in findings {
        sink.finding(f);
    }
    let (results, outcome) = sink.finish();
    assert_eq!(outcome.new + outcome.baselined, n);
    assert_eq!(outcome.allowlisted, 0);
    let suppressed = results
        .findings
        .iter()
        .filter(|f| f.suppression.as_ref().is_some_and(|s| s.kind == SuppressionKind::Baseline))
        .count() as u64;
    assert_eq!(suppressed, outcome.baselined);
    // Stale entries are entries that matched nothing.
    for entry in &outcome.stale {
        assert!(baseline.contains(entry), "stale but not in the baseline: {entry:?}");
        assert!(!outcome.current.contains(entry), "stale but found: {entry:?}");
    }
    // Every finding is in `current`; those that are also in the baseline were baselined.
    let known = outcome.current.entries().filter(|e| baseline.contains(e)).count();
    assert!(outcome.baselined >= known as u64);
    assert_eq!(outcome.stale.len() + known, baseline.len());
    write_checked(&outcome.current);
});
