//! A progress line on a terminal for long scans.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::{Error, Finding, Sink, SkipReason, Stats};

/// How long a scan runs before the progress line appears: short scans stay silent.
const DELAY: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const INTERVAL: Duration = Duration::from_millis(100);

/// A [`Sink`] adapter that draws a one-line progress indicator (files, bytes, findings) on
/// `out`, normally standard error on a terminal, once a scan has run for more than a second,
/// and erases it before passing on each finding and when dropped. The caller decides whether
/// `out` is a terminal.
pub struct Progress<S, W: Write> {
    inner: S,
    out: W,
    start: Instant,
    last: Option<Instant>,
    findings: u64,
    enabled: bool,
}

impl<S, W: Write> std::fmt::Debug for Progress<S, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("findings", &self.findings).finish()
    }
}

impl<S: Sink, W: Write> Progress<S, W> {
    /// Wraps `inner`, drawing on `out`.
    pub fn new(inner: S, out: W) -> Self {
        Progress { inner, out, start: Instant::now(), last: None, findings: 0, enabled: true }
    }

    /// Whether to draw at all (default true); when false the adapter only passes results on.
    pub fn enabled(mut self, yes: bool) -> Self {
        self.enabled = yes;
        self
    }

    fn clear(&mut self) {
        if self.last.is_some() {
            let _ = write!(self.out, "\r\x1b[K");
            let _ = self.out.flush();
            self.last = None;
        }
    }
}

impl<S, W: Write> Drop for Progress<S, W> {
    fn drop(&mut self) {
        if self.last.is_some() {
            let _ = write!(self.out, "\r\x1b[K");
            let _ = self.out.flush();
        }
    }
}

impl<S: Sink, W: Write> Sink for Progress<S, W> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.clear();
        self.findings += 1;
        self.inner.finding(finding)
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> bool {
        self.clear();
        self.inner.skipped(path, reason)
    }
    fn error(&mut self, error: Error) -> bool {
        self.clear();
        self.inner.error(error)
    }
    fn progress(&mut self, stats: &Stats) -> bool {
        let now = Instant::now();
        let due = self.enabled
            && match self.last {
                None => now.duration_since(self.start) >= DELAY,
                Some(last) => now.duration_since(last) >= INTERVAL,
            };
        if due {
            let _ = write!(
                self.out,
                "\r\x1b[Ktokenhound: scanning… {} files ({}), {} finding{}",
                stats.files_scanned,
                super::text::human_bytes(stats.bytes_scanned),
                self.findings,
                if self.findings == 1 { "" } else { "s" }
            );
            let _ = self.out.flush();
            self.last = Some(now);
        }
        self.inner.progress(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_only_after_a_second_and_erases_itself() {
        let mut out = Vec::new();
        {
            let mut p = Progress::new(Vec::<Finding>::new(), &mut out);
            p.progress(&Stats::default());
            assert!(p.last.is_none(), "nothing in the first second");
            p.start -= Duration::from_secs(2);
            p.progress(&Stats::default());
        }
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("scanning… 0 files (0 B), 0 findings"), "{text:?}");
        assert!(text.ends_with("\r\x1b[K"), "{text:?}");

        let mut out = Vec::new();
        {
            let mut p = Progress::new(Vec::<Finding>::new(), &mut out).enabled(false);
            p.start -= Duration::from_secs(2);
            p.progress(&Stats::default());
        }
        assert!(out.is_empty());
    }
}
