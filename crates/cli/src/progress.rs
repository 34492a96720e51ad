//! The progress bar a long scan shows on a terminal.
//!
//! Drawing on a terminal is the command's business, not the library's: the core reports counts
//! through [`Sink::progress`] and this adapter turns them into an `indicatif` spinner, so that
//! the core does not depend on a terminal crate.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{BinaryBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokenhound::{Error, Finding, Sink, SkipReason, Stats};

/// How long a scan runs before the bar appears: short scans stay silent.
const DELAY: Duration = Duration::from_secs(1);
/// How often the counts on the bar are updated (the spinner turns on its own).
const INTERVAL: Duration = Duration::from_millis(100);

/// A [`Sink`] adapter that passes everything on unchanged and, once a scan has run for a
/// second, shows a spinner with the files and bytes scanned, the rate and the findings so far
/// on `target` (standard error on a terminal, normally). While the bar is shown, each result
/// is passed on with the bar cleared (`ProgressBar::suspend`), so that findings printed to the
/// same terminal and messages on standard error are not mixed with it; it is erased when the
/// adapter is dropped.
pub(crate) struct Progress<S> {
    inner: S,
    bar: ProgressBar,
    /// Where to draw once the delay has passed; `None` once shown, or when never to draw.
    target: Option<ProgressDrawTarget>,
    shown: bool,
    start: Instant,
    delay: Duration,
    last: Instant,
    findings: u64,
}

impl<S> std::fmt::Debug for Progress<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("shown", &self.shown)
            .field("findings", &self.findings)
            .finish()
    }
}

impl<S: Sink> Progress<S> {
    /// Wraps `inner`; draws on `target` after a second, or never when `target` is `None`.
    pub(crate) fn new(inner: S, target: Option<ProgressDrawTarget>) -> Self {
        // Created hidden, so that its clock (elapsed time, rate) starts with the scan.
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(
            ProgressStyle::with_template(
                "{spinner} tokenhound: scanning… {msg} ({binary_bytes_per_sec}, {elapsed})",
            )
            .expect("the template is valid"),
        );
        let now = Instant::now();
        Progress {
            inner,
            bar,
            target,
            shown: false,
            start: now,
            delay: DELAY,
            last: now,
            findings: 0,
        }
    }

    /// Runs `f` on the wrapped sink, with the bar cleared while it runs if it is shown.
    fn pass<T>(&mut self, f: impl FnOnce(&mut S) -> T) -> T {
        if self.shown { self.bar.suspend(|| f(&mut self.inner)) } else { f(&mut self.inner) }
    }

    fn update(&self, stats: &Stats) {
        // A history scan delivers its findings once the walk is done (their counts are only
        // known then) and counts them as it finds them: show those.
        let findings = if stats.commits_scanned > 0 { stats.findings } else { self.findings };
        self.bar.set_position(stats.bytes_scanned);
        self.bar.set_message(format!(
            "{} file{} ({}), {} finding{}",
            stats.files_scanned,
            plural(stats.files_scanned),
            BinaryBytes(stats.bytes_scanned),
            findings,
            plural(findings),
        ));
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl<S> Drop for Progress<S> {
    fn drop(&mut self) {
        if self.shown {
            self.bar.finish_and_clear();
        }
    }
}

impl<S: Sink> Sink for Progress<S> {
    fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
        // Suppressed findings are not counted, as in the summary line.
        if finding.suppression.is_none() {
            self.findings += 1;
        }
        self.pass(|inner| inner.finding(finding))
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, Error> {
        self.pass(|inner| inner.skipped(path, reason))
    }
    fn error(&mut self, error: Error) -> Result<bool, Error> {
        self.pass(|inner| inner.error(error))
    }
    fn scanned(&mut self, path: &Path) -> Result<bool, Error> {
        self.inner.scanned(path)
    }
    fn progress(&mut self, stats: &Stats) -> Result<bool, Error> {
        if self.shown {
            let now = Instant::now();
            if now.duration_since(self.last) >= INTERVAL {
                self.last = now;
                self.update(stats);
            }
        } else if self.target.is_some() && self.start.elapsed() >= self.delay {
            let target = self.target.take().expect("checked above");
            self.bar.set_draw_target(target);
            self.bar.enable_steady_tick(INTERVAL);
            self.shown = true;
            self.last = Instant::now();
            self.update(stats);
            self.bar.force_draw();
        }
        self.inner.progress(stats)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use indicatif::InMemoryTerm;
    use tokenhound::{Collector, Scanner};

    use super::*;

    /// A sink that records every call and answers each with `answer`.
    #[derive(Default)]
    struct Recorder {
        collector: Collector,
        progress: Vec<Stats>,
        scanned: Vec<PathBuf>,
        answer: bool,
    }

    impl Sink for Recorder {
        fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
            self.collector.finding(finding)?;
            Ok(self.answer)
        }
        fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, Error> {
            self.collector.skipped(path, reason)?;
            Ok(self.answer)
        }
        fn error(&mut self, error: Error) -> Result<bool, Error> {
            self.collector.error(error)?;
            Ok(self.answer)
        }
        fn scanned(&mut self, path: &Path) -> Result<bool, Error> {
            self.scanned.push(path.to_path_buf());
            Ok(self.answer)
        }
        fn progress(&mut self, stats: &Stats) -> Result<bool, Error> {
            self.progress.push(stats.clone());
            Ok(self.answer)
        }
    }

    fn a_finding() -> Finding {
        let found = Scanner::new().unwrap().scan_bytes(
            b"T = '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'\n",
            Some(Path::new("a.py")),
        );
        found.into_iter().next().expect("a finding")
    }

    fn an_error() -> Error {
        let mut collector = Collector::new();
        let missing = Path::new("no such directory, for the progress tests");
        Scanner::new().unwrap().scan_path(missing, &mut collector).unwrap();
        collector.errors.pop().expect("an error")
    }

    fn stats(files: u64, bytes: u64) -> Stats {
        let mut stats = Stats::default();
        stats.files_scanned = files;
        stats.bytes_scanned = bytes;
        stats
    }

    fn feed(sink: &mut dyn Sink) -> Vec<bool> {
        let stats = stats(3, 4096);
        vec![
            sink.scanned(Path::new("a.py")).unwrap(),
            sink.finding(a_finding()).unwrap(),
            sink.skipped(Path::new("big.bin"), SkipReason::TooLarge).unwrap(),
            sink.error(an_error()).unwrap(),
            sink.progress(&stats).unwrap(),
        ]
    }

    fn in_memory(term: &InMemoryTerm) -> Option<ProgressDrawTarget> {
        Some(ProgressDrawTarget::term_like(Box::new(term.clone())))
    }

    #[test]
    fn passes_everything_through_unchanged() {
        let term = InMemoryTerm::new(4, 120);
        for draw in [false, true] {
            for answer in [true, false] {
                let mut direct = Recorder { answer, ..Recorder::default() };
                let answers = feed(&mut direct);

                let target = if draw { in_memory(&term) } else { None };
                let mut through = Progress::new(Recorder { answer, ..Recorder::default() }, target);
                through.delay = Duration::ZERO;
                assert_eq!(feed(&mut through), answers, "the inner sink's answers come back");
                assert_eq!(through.shown, draw);
                let inner = std::mem::take(&mut through.inner);
                drop(through);

                let c = (&inner.collector, &direct.collector);
                assert_eq!(format!("{:?}", c.0.findings), format!("{:?}", c.1.findings));
                assert_eq!(c.0.skipped, c.1.skipped);
                let errors =
                    |c: &Collector| c.errors.iter().map(ToString::to_string).collect::<Vec<_>>();
                assert_eq!(errors(c.0), errors(c.1));
                assert_eq!(inner.progress, direct.progress);
                assert_eq!(inner.scanned, direct.scanned);
            }
        }
    }

    #[test]
    fn draws_only_after_the_delay_and_erases_itself() {
        let term = InMemoryTerm::new(4, 120);
        let stats = stats(12, 3 << 20);

        // Within the first second nothing is drawn.
        let mut p = Progress::new(Vec::<Finding>::new(), in_memory(&term));
        p.progress(&stats).unwrap();
        assert!(!p.shown);
        drop(p);
        assert_eq!(term.contents(), "");

        // Afterwards the counts are shown; dropping the adapter erases them.
        let mut p = Progress::new(Vec::<Finding>::new(), in_memory(&term));
        p.delay = Duration::ZERO;
        p.finding(a_finding()).unwrap();
        p.progress(&stats).unwrap();
        assert!(p.shown);
        let drawn = term.contents();
        assert!(
            drawn.contains("tokenhound: scanning… 12 files (3.00 MiB), 1 finding"),
            "{drawn:?}"
        );
        drop(p);
        assert_eq!(term.contents(), "");

        // Without a target (standard error not a terminal, or --quiet) nothing ever is.
        let mut p = Progress::new(Vec::<Finding>::new(), None);
        p.delay = Duration::ZERO;
        p.progress(&stats).unwrap();
        assert!(!p.shown);
    }

    #[test]
    fn a_history_scan_shows_the_findings_found_before_they_are_delivered() {
        let term = InMemoryTerm::new(4, 120);
        let mut history = stats(40, 1 << 20);
        history.commits_scanned = 9;
        history.findings = 3;
        let mut p = Progress::new(Vec::<Finding>::new(), in_memory(&term));
        p.delay = Duration::ZERO;
        p.progress(&history).unwrap();
        let drawn = term.contents();
        assert!(drawn.contains("40 files (1.00 MiB), 3 findings"), "{drawn:?}");
    }
}
