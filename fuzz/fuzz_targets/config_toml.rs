//! Config files (`tokenhound.toml`) are user input, and a scan picks one up by walking up from
//! the scanned path: parsing any text must give a config or an error naming file, line and
//! column. A config that parses is applied the way the command applies it (built-in rules or
//! not, rule files, inline rules, disabled rules, overrides, scan options, a scanner, then the
//! allowlists over the findings), without panicking, and its allowlists account for every finding.
#![no_main]

use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tokenhound::{Collector, Config, Policy, Rules, Scanner, Sink, SuppressionKind};

/// The config's directory: it does not exist, so rule files named relative to it fail to read
/// instead of reaching real files.
const DIR: &str = "/nonexistent/tokenhound-fuzz";

/// Fake secrets of a few built-in rules, so that allowlists have findings to match.
const INPUT: &[u8] = b"GITHUB_TOKEN = \"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\" # test-only\n\
    password = \"hunter2hunter2\"\nkey: abc token=xyz secret AKIA\n\0\xff";

/// Files the findings are put in, relative to `DIR`, for `paths` globs; `None` is standard input.
const PATHS: [Option<&str>; 4] =
    [Some("src/app.py"), Some("tests/fixtures/keys.env"), None, Some("deploy/../x.snap")];

/// Building a scanner from every built-in rule takes a while under a sanitizer: reuse it when
/// the config leaves the built-in rules as they are.
static BUILTIN: LazyLock<(Rules, Scanner)> =
    LazyLock::new(|| (Rules::builtin(), Scanner::new().expect("built-in rules")));

/// Whether `rules` are the built-in rules, unchanged.
fn unchanged(rules: &Rules) -> bool {
    let builtin = &BUILTIN.0;
    rules.len() == builtin.len()
        && rules.iter().zip(builtin).all(|(a, b)| {
            a.id() == b.id()
                && a.confidence() == b.confidence()
                && a.min_entropy().map(f64::to_bits) == b.min_entropy().map(f64::to_bits)
        })
}

/// A rule file the fuzzer names could be anything on this machine (`/dev/zero`): read only the
/// ones under `DIR`, which do not exist.
fn sandboxed(file: &Path) -> bool {
    file.starts_with(DIR) && !file.components().any(|c| c == Component::ParentDir)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let config = match Config::from_toml(text, "fuzz.toml", DIR) {
        Ok(config) => config,
        Err(e) => {
            assert!(
                e.path() == Some("fuzz.toml") && e.line().is_some() && e.column().is_some(),
                "an error without file, line and column: {e}"
            );
            return;
        }
    };
    let _ = config.warnings();
    let _ = config.scan_options();
    if !config.rule_files().iter().all(|f| sandboxed(f)) {
        return;
    }
    // As `load_rules` in the command does.
    let mut rules = if config.builtin_rules() { BUILTIN.0.clone() } else { Rules::empty() };
    if let Err(e) = config.apply_rules(&mut rules) {
        assert!(e.path().is_some(), "an error without a file: {e}");
        return;
    }
    if rules.is_empty() {
        return;
    }
    let mut builder = Scanner::builder();
    config.apply_scan(&mut builder);
    let scanner = if unchanged(&rules) {
        BUILTIN.1.clone()
    } else {
        match builder.rules(rules).build() {
            Ok(scanner) => scanner,
            Err(_) => return,
        }
    };
    let mut findings = scanner.scan_bytes(INPUT, None);
    // The config's own text as a haystack reaches the keywords of its inline rules.
    findings.extend(scanner.scan_bytes(data, None));
    for (i, f) in findings.iter_mut().enumerate() {
        f.path = PATHS[i % PATHS.len()].map(|p| PathBuf::from(DIR).join(p));
    }
    let n = findings.len() as u64;
    let mut policy = Policy::new(DIR);
    policy.allowlist(config);
    let mut sink = policy.sink(Collector::new(), DIR);
    for f in findings {
        sink.finding(f);
    }
    let (results, outcome) = sink.finish();
    assert_eq!(outcome.new + outcome.allowlisted, n);
    assert_eq!(outcome.baselined, 0);
    assert_eq!(results.findings.len() as u64, n);
    let suppressed = results
        .findings
        .iter()
        .filter(|f| f.suppression.as_ref().is_some_and(|s| s.kind == SuppressionKind::Allowlist))
        .count() as u64;
    assert_eq!(suppressed, outcome.allowlisted);
    assert!(outcome.current.len() as u64 <= outcome.new);
});
