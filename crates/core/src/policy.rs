//! What happens to findings after the scan: config allowlists and a baseline of known findings
//! mark them as suppressed (they are kept, so SARIF can say so), and only the rest count.
//!
//! A [`Policy`] is built from a [`Config`](crate::Config) and an optional [`Baseline`];
//! [`Policy::sink`] wraps any [`Sink`] in a [`PolicySink`] that marks each finding before
//! passing it on, and tells at the end which baseline entries are stale: those that matched no
//! finding although the scan covered their file ([`Coverage`]).
//!
//! ```
//! use tokenhound::{Collector, Coverage, Policy, Scanner};
//!
//! let scanner = Scanner::new()?;
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("app.py"), "T = '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'\n")?;
//!
//! // First run: record what is there.
//! let policy = Policy::new(dir.path());
//! let mut sink = policy.sink(Collector::new(), dir.path());
//! scanner.scan_path(dir.path(), &mut sink)?;
//! let (_, outcome) = sink.finish();
//! assert_eq!(outcome.new, 1);
//!
//! // Later runs: the recorded finding is suppressed, not new.
//! let mut policy = Policy::new(dir.path());
//! policy.baseline(outcome.current, "baseline.json");
//! let mut sink = policy.sink(Collector::new(), dir.path());
//! scanner.scan_path(dir.path(), &mut sink)?;
//! let (results, outcome) = sink.finish();
//! assert_eq!((outcome.new, outcome.baselined), (0, 1));
//! assert!(results.findings[0].suppression.is_some());
//!
//! // Once the file is deleted, its entry is stale for a scan that covers where it was.
//! std::fs::remove_file(dir.path().join("app.py"))?;
//! let mut sink = policy.sink(Collector::new(), dir.path());
//! sink.coverage(Coverage::Paths(vec![dir.path().to_path_buf()]));
//! scanner.scan_path(dir.path(), &mut sink)?;
//! let (_, outcome) = sink.finish();
//! assert_eq!(outcome.stale[0].path, "app.py");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex_automata::meta::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::{Error, ErrorKind, Finding, Sink, SkipReason, Stats, Suppression, SuppressionKind};

/// A calendar date (UTC), for allowlist expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    pub(crate) year: u16,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

impl Date {
    /// Today in UTC.
    pub(crate) fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One `[[allowlist]]` entry of a config file, compiled.
#[derive(Debug)]
pub(crate) struct AllowEntry {
    pub(crate) origin: String,
    pub(crate) reason: Option<String>,
    pub(crate) expires: Option<Date>,
    rules: Vec<String>,
    paths: Option<Gitignore>,
    secrets: Vec<Regex>,
    lines: Vec<Regex>,
    stopwords: Vec<String>,
    fingerprints: Vec<String>,
}

impl AllowEntry {
    /// Compiles an entry; on error returns the offset of the value at fault and a message.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        origin: String,
        reason: Option<String>,
        expires: Option<Date>,
        rules: Vec<String>,
        dir: &Path,
        paths: &[Spanned<String>],
        secrets: &[Spanned<String>],
        lines: &[Spanned<String>],
        stopwords: Vec<String>,
        fingerprints: Vec<Spanned<String>>,
    ) -> Result<AllowEntry, (Option<usize>, String)> {
        if paths.is_empty()
            && secrets.is_empty()
            && lines.is_empty()
            && stopwords.is_empty()
            && fingerprints.is_empty()
        {
            return Err((
                None,
                "an allowlist entry needs at least one of paths, secrets, lines, stopwords or \
                 fingerprints"
                    .into(),
            ));
        }
        let regexes = |key: &str, list: &[Spanned<String>]| {
            list.iter()
                .map(|r| {
                    Regex::new(r.get_ref()).map_err(|e| {
                        // The meta regex's own message ("error parsing pattern 0") hides the
                        // cause; the rules' parser words syntax errors, the source the rest.
                        let detail = crate::rules::syntax::parse_regex(r.get_ref())
                            .err()
                            .unwrap_or_else(|| {
                                std::error::Error::source(&e)
                                    .map_or(e.to_string(), ToString::to_string)
                            });
                        (
                            Some(r.span().start),
                            format!("{key}: invalid regex {:?}: {detail}", r.get_ref()),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let paths = if paths.is_empty() {
            None
        } else {
            let mut builder = GitignoreBuilder::new(dir);
            for glob in paths {
                builder
                    .add_line(None, glob.get_ref())
                    .map_err(|e| (Some(glob.span().start), format!("paths: invalid glob: {e}")))?;
            }
            Some(builder.build().map_err(|e| (None, format!("paths: invalid glob: {e}")))?)
        };
        for f in &fingerprints {
            let text = f.get_ref();
            if text.len() != 32
                || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err((
                    Some(f.span().start),
                    format!(
                        "fingerprints: {text:?} is not a fingerprint (32 lower-case hex digits)"
                    ),
                ));
            }
        }
        Ok(AllowEntry {
            origin,
            reason,
            expires,
            rules,
            paths,
            secrets: regexes("secrets", secrets)?,
            lines: regexes("lines", lines)?,
            stopwords: stopwords.into_iter().map(|s| s.to_ascii_lowercase()).collect(),
            fingerprints: fingerprints.into_iter().map(Spanned::into_inner).collect(),
        })
    }

    pub(crate) fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| today > d)
    }

    fn matches(&self, finding: &Finding, relative: Option<&str>) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == finding.rule_id()) {
            return false;
        }
        if self.fingerprints.contains(&finding.fingerprint) {
            return true;
        }
        let secret = finding.secret.expose();
        if self.secrets.iter().any(|r| r.is_match(secret.as_bytes())) {
            return true;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if self.stopwords.iter().any(|w| lower.contains(w.as_str())) {
                return true;
            }
        }
        if !self.lines.is_empty() {
            let line = finding.line_context(true);
            if self.lines.iter().any(|r| r.is_match(line.as_bytes())) {
                return true;
            }
        }
        if let (Some(paths), Some(rel)) = (&self.paths, relative) {
            return paths.matched_path_or_any_parents(rel, false).is_ignore();
        }
        false
    }

    fn justification(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{reason} (allowlist entry at {})", self.origin),
            None => format!("allowlist entry at {}", self.origin),
        }
    }
}

/// One known finding in a baseline: its rule, fingerprint and path (relative to the project
/// root, `/`-separated). Never a line number, a commit or the secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BaselineEntry {
    /// The path, relative to the project root; `-` for standard input.
    pub path: String,
    /// The rule id.
    pub rule: String,
    /// The finding's fingerprint (rule id and keyed hash of the secret).
    pub fingerprint: String,
}

/// A set of known findings, read from and written to a stable, diff-friendly JSON file: sorted,
/// one entry per line, no timestamps and no secrets, so re-writing an unchanged baseline gives
/// the same bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeSet<BaselineEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    version: u32,
    #[allow(dead_code)]
    tool: String,
    findings: Vec<BaselineEntry>,
}

const BASELINE_VERSION: u32 = 1;

impl Baseline {
    /// An empty baseline.
    pub fn new() -> Baseline {
        Baseline::default()
    }

    /// Reads a baseline file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Baseline, Error> {
        let path = path.as_ref();
        let text = crate::error::read_text(path, "baseline", ErrorKind::Config)?;
        Baseline::from_json(&text, &path.display().to_string())
    }

    /// Parses baseline JSON; `name` names it in error messages.
    pub fn from_json(text: &str, name: &str) -> Result<Baseline, Error> {
        let raw: RawBaseline = serde_json::from_str(text).map_err(|e| {
            // serde_json ends its message with the location, which goes in front instead; its
            // column is 0 at the start of a line, ours are 1-based.
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            Error::new(ErrorKind::Config, format!("invalid baseline: {message}")).with_location(
                name,
                e.line().max(1),
                e.column().max(1),
            )
        })?;
        if raw.version != BASELINE_VERSION {
            return Err(Error::new(
                ErrorKind::Config,
                format!("unsupported baseline version {}", raw.version),
            )
            .with_path(name));
        }
        Ok(Baseline { entries: raw.findings.into_iter().collect() })
    }

    /// Adds an entry.
    pub fn insert(&mut self, entry: BaselineEntry) {
        self.entries.insert(entry);
    }

    /// Whether it holds this entry.
    pub fn contains(&self, entry: &BaselineEntry) -> bool {
        self.entries.contains(entry)
    }

    /// Whether any entry has this path (entries are sorted by path first).
    fn has_path(&self, path: &str) -> bool {
        let first = BaselineEntry {
            path: path.to_string(),
            rule: String::new(),
            fingerprint: String::new(),
        };
        self.entries.range(first..).next().is_some_and(|e| e.path == path)
    }

    /// This baseline without `stale` entries: what `--prune-baseline` writes.
    pub fn without(&self, stale: &[BaselineEntry]) -> Baseline {
        let mut kept = Baseline::new();
        for entry in self.entries().filter(|e| !stale.contains(e)) {
            kept.insert(entry.clone());
        }
        kept
    }

    /// The entries, sorted by path, rule and fingerprint.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &BaselineEntry> {
        self.entries.iter()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the baseline file: the same entries always give the same bytes.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = |t: &str| serde_json::to_string(t).expect("a string serializes");
        writeln!(out, "{{")?;
        writeln!(out, "  \"version\": {BASELINE_VERSION},")?;
        writeln!(out, "  \"tool\": \"tokenhound\",")?;
        if self.entries.is_empty() {
            writeln!(out, "  \"findings\": []")?;
        } else {
            writeln!(out, "  \"findings\": [")?;
            let last = self.entries.len() - 1;
            for (i, e) in self.entries.iter().enumerate() {
                writeln!(
                    out,
                    "    {{\"path\": {}, \"rule\": {}, \"fingerprint\": {}}}{}",
                    s(&e.path),
                    s(&e.rule),
                    s(&e.fingerprint),
                    if i == last { "" } else { "," }
                )?;
            }
            writeln!(out, "  ]")?;
        }
        writeln!(out, "}}")
    }

    /// Writes the baseline to a file (replacing it).
    pub fn write_to(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let mut bytes = Vec::new();
        self.write(&mut bytes).expect("writing to memory succeeds");
        std::fs::write(path, bytes)
            .map_err(|e| Error::io(e, path).with_message("cannot write baseline"))
    }
}

/// Allowlists and a baseline, applied to findings after the scan. See the module example.
#[derive(Debug)]
pub struct Policy {
    root: PathBuf,
    pub(crate) allowlist: Vec<AllowEntry>,
    baseline: Option<(Baseline, String)>,
}

impl Policy {
    /// A policy that suppresses nothing yet. `root` is the project root: baseline paths and
    /// allowlist path globs are relative to it.
    pub fn new(root: impl AsRef<Path>) -> Policy {
        let root = root.as_ref();
        Policy {
            root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            allowlist: Vec::new(),
            baseline: None,
        }
    }

    /// Suppresses the findings of `baseline`; `name` (its file) is quoted in justifications.
    pub fn baseline(&mut self, baseline: Baseline, name: impl Into<String>) -> &mut Self {
        self.baseline = Some((baseline, name.into()));
        self
    }

    /// Whether a baseline is in use (SARIF then gives each result a `baselineState`).
    pub fn has_baseline(&self) -> bool {
        self.baseline.is_some()
    }

    /// Wraps `inner` so that each finding is marked before it gets there. `base` is the
    /// directory that relative finding paths start from: the current directory for file scans,
    /// the repository root for git scans. See [`PolicySink::coverage`] for which baseline
    /// entries it may call stale.
    pub fn sink<S: Sink>(&self, inner: S, base: impl AsRef<Path>) -> PolicySink<'_, S> {
        let base = base.as_ref();
        PolicySink {
            policy: self,
            inner,
            base: std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf()),
            today: Date::today(),
            matched: BTreeSet::new(),
            coverage: Coverage::default(),
            scanned: BTreeSet::new(),
            outcome: PolicyOutcome::default(),
        }
    }

    /// Whether the file at `path` (a baseline path: relative to the root) no longer exists.
    /// Standard input and paths outside the root (kept as they were found) never count.
    fn gone(&self, path: &str) -> bool {
        let rel = Path::new(path);
        if path == "-" || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return false;
        }
        match std::fs::symlink_metadata(self.root.join(rel)) {
            Ok(_) => false,
            Err(e) => matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory),
        }
    }

    fn relative(&self, path: Option<&Path>, base: &Path) -> Option<String> {
        let Some(path) = path else { return Some("-".to_string()) };
        let joined = if path.is_absolute() { path.to_path_buf() } else { base.join(path) };
        let mut clean = PathBuf::new();
        for c in joined.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    clean.pop();
                }
                other => clean.push(other),
            }
        }
        let rel = clean.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> =
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        Some(parts.join("/"))
    }
}

/// What a policy did during a scan.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PolicyOutcome {
    /// Findings that nothing suppressed: the ones that fail a build.
    pub new: u64,
    /// Findings an allowlist entry suppressed.
    pub allowlisted: u64,
    /// Findings the baseline suppressed.
    pub baselined: u64,
    /// Findings a history scan of part of the commits marked as already there before the
    /// commit that touched their file ([`SuppressionKind::Existing`]).
    pub existing: u64,
    /// Findings on a line with an inline allow comment ([`SuppressionKind::Inline`]).
    pub inline: u64,
    /// Baseline entries that matched no finding although the scan covered their path (see
    /// [`Coverage`]): the leak was fixed, or the file deleted. Entries outside what was scanned
    /// are never stale.
    pub stale: Vec<BaselineEntry>,
    /// Every finding no allowlist suppressed, as a baseline: what `--write-baseline` writes.
    pub current: Baseline,
}

/// What a scan covered, which decides which baseline entries that matched no finding are
/// stale ([`PolicyOutcome::stale`]): only those the scan would have matched were their secret
/// still there. An entry for a file the scan did not look at (another directory, a file left
/// out by `.gitignore`, skipped or unreadable) is not stale, and `--prune-baseline` keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Coverage {
    /// Entries for the inputs the scan reported scanned whole ([`Sink::scanned`]): files,
    /// standard input (`-`), the paths at which a history scan saw blobs written, the files of
    /// a staged change none of whose findings were dropped as being on unchanged lines. The
    /// default; right for a history scan of every commit and for a staged change.
    #[default]
    Scanned,
    /// As [`Coverage::Scanned`], and also entries for files that no longer exist under these
    /// paths (the files and directories given to [`Scanner::scan_paths`](crate::Scanner), as
    /// given: relative to the sink's base): a deleted file cannot be scanned, but its entries
    /// are stale all the same.
    Paths(Vec<PathBuf>),
    /// No entry is stale: the scan saw part of the history (a commit range, commits since a
    /// revision, one branch), so a secret it did not find at a path may still be in an older
    /// blob there, or on another branch.
    Partial,
}

/// A [`Sink`] adapter that applies a [`Policy`]; see [`Policy::sink`].
#[derive(Debug)]
pub struct PolicySink<'p, S> {
    policy: &'p Policy,
    inner: S,
    base: PathBuf,
    today: Date,
    matched: BTreeSet<BaselineEntry>,
    coverage: Coverage,
    /// The baseline paths that the scan reported scanned whole.
    scanned: BTreeSet<String>,
    outcome: PolicyOutcome,
}

impl<S> PolicySink<'_, S> {
    /// Says what the scan covers (default [`Coverage::Scanned`]), for
    /// [`PolicyOutcome::stale`].
    pub fn coverage(&mut self, coverage: Coverage) -> &mut Self {
        self.coverage = coverage;
        self
    }

    /// The wrapped sink, and what the policy did.
    pub fn finish(mut self) -> (S, PolicyOutcome) {
        if let Some((baseline, _)) = &self.policy.baseline {
            let roots: Vec<String> = match &self.coverage {
                Coverage::Paths(roots) => {
                    roots.iter().filter_map(|r| self.policy.relative(Some(r), &self.base)).collect()
                }
                _ => Vec::new(),
            };
            let covered = |e: &BaselineEntry| match &self.coverage {
                Coverage::Partial => false,
                _ if self.scanned.contains(&e.path) => true,
                _ => roots.iter().any(|r| under(&e.path, r)) && self.policy.gone(&e.path),
            };
            self.outcome.stale = baseline
                .entries()
                .filter(|e| !self.matched.contains(*e) && covered(e))
                .cloned()
                .collect();
        }
        (self.inner, self.outcome)
    }

    /// The wrapped sink.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: Sink> Sink for PolicySink<'_, S> {
    fn finding(&mut self, mut finding: Finding) -> Result<bool, Error> {
        match finding.suppression.as_ref().map(|s| s.kind) {
            // Not this change's doing; neither new nor part of the current findings.
            Some(SuppressionKind::Existing) => {
                self.outcome.existing += 1;
                return self.inner.finding(finding);
            }
            // Declared not a credential where it stands.
            Some(SuppressionKind::Inline) => {
                self.outcome.inline += 1;
                return self.inner.finding(finding);
            }
            _ => {}
        }
        let relative = self.policy.relative(finding.path.as_deref(), &self.base);
        let allowed = self
            .policy
            .allowlist
            .iter()
            .find(|e| !e.expired(self.today) && e.matches(&finding, relative.as_deref()));
        let entry = BaselineEntry {
            path: relative.unwrap_or_else(|| finding.path_display()),
            rule: finding.rule_id().to_string(),
            fingerprint: finding.fingerprint.clone(),
        };
        if let Some(allow) = allowed {
            finding.suppression =
                Some(Suppression::new(SuppressionKind::Allowlist, allow.justification()));
            self.outcome.allowlisted += 1;
            // A baseline entry for an allowlisted finding still matches something: it is not
            // stale, and stays useful should the allowlist entry expire.
            if self.policy.baseline.as_ref().is_some_and(|(b, _)| b.contains(&entry)) {
                self.matched.insert(entry);
            }
        } else {
            match &self.policy.baseline {
                Some((baseline, name)) if baseline.contains(&entry) => {
                    finding.suppression = Some(Suppression::new(
                        SuppressionKind::Baseline,
                        format!("recorded in the baseline {name}"),
                    ));
                    self.outcome.baselined += 1;
                    self.matched.insert(entry.clone());
                }
                _ => self.outcome.new += 1,
            }
            self.outcome.current.insert(entry);
        }
        self.inner.finding(finding)
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, Error> {
        self.inner.skipped(path, reason)
    }
    fn error(&mut self, error: Error) -> Result<bool, Error> {
        self.inner.error(error)
    }
    fn scanned(&mut self, path: &Path) -> Result<bool, Error> {
        if let Some((baseline, _)) = &self.policy.baseline {
            // Standard input, as findings without a path are recorded.
            let relative = if path == Path::new("-") {
                Some("-".to_string())
            } else {
                self.policy.relative(Some(path), &self.base)
            };
            if let Some(relative) = relative
                && baseline.has_path(&relative)
            {
                self.scanned.insert(relative);
            }
        }
        self.inner.scanned(path)
    }
    fn progress(&mut self, stats: &Stats) -> Result<bool, Error> {
        self.inner.progress(stats)
    }
}

/// Whether the `/`-separated `path` is `root` or lies under it; `""` is the project root.
fn under(path: &str, root: &str) -> bool {
    root.is_empty()
        || path.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The repository root holding `start` (the nearest directory with `.git`), if any.
pub fn repository_root(start: impl AsRef<Path>) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start.as_ref()).ok()?;
    let mut dir = if start.is_dir() { start.as_path() } else { start.parent()? };
    loop {
        if dir.join(".git").exists() {
            return Some(dir.to_path_buf());
        }
        dir = dir.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(19_723).to_string(), "2024-01-01");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
    }

    #[test]
    fn baseline_round_trips_byte_for_byte() {
        let mut b = Baseline::new();
        for (p, r) in [("z.py", "b.x"), ("a b/\"q\".env", "a.y"), ("z.py", "a.x")] {
            b.insert(BaselineEntry {
                path: p.into(),
                rule: r.into(),
                fingerprint: "0123456789abcdef0123456789abcdef".into(),
            });
        }
        let mut first = Vec::new();
        b.write(&mut first).unwrap();
        let text = String::from_utf8(first.clone()).unwrap();
        let again = Baseline::from_json(&text, "b.json").unwrap();
        assert_eq!(again, b);
        let mut second = Vec::new();
        again.write(&mut second).unwrap();
        assert_eq!(first, second);
        assert!(text.find("a b/").unwrap() < text.find("z.py").unwrap(), "sorted by path");
        let mut empty = Vec::new();
        Baseline::new().write(&mut empty).unwrap();
        assert_eq!(
            Baseline::from_json(std::str::from_utf8(&empty).unwrap(), "e").unwrap().len(),
            0
        );
    }

    #[test]
    fn bad_baselines_name_line_and_column() {
        let e =
            Baseline::from_json("{\n  \"version\": 1,\n  \"oops\": 2\n}", "b.json").unwrap_err();
        assert!(e.to_string().starts_with("b.json:3:"), "{e}");
        let e = Baseline::from_json("{\n  \"version\": 1,\n  \"findings\": [,]\n}", "b.json")
            .unwrap_err();
        assert_eq!(e.to_string(), "b.json:3:16: invalid baseline: expected value");
        let e = Baseline::from_json("", "b.json").unwrap_err();
        assert_eq!(e.to_string(), "b.json:1:1: invalid baseline: EOF while parsing a value");
        let e =
            Baseline::from_json("{\"version\": 9, \"tool\": \"x\", \"findings\": []}", "b.json")
                .unwrap_err();
        assert_eq!(e.to_string(), "b.json: unsupported baseline version 9");
    }
}
