//! Where scan results go: a [`Sink`] receives findings, skips and errors as the scan produces
//! them, on the thread that called the scan, in a deterministic order.

use std::path::{Path, PathBuf};

use crate::{Error, Finding, SkipReason, Stats};

/// Receives the results of a scan. Return `false` from any method to stop the scan early.
///
/// `Vec<Finding>` is a sink that keeps findings and ignores the rest; [`Collector`] keeps all.
pub trait Sink {
    /// A finding.
    fn finding(&mut self, finding: Finding) -> bool;

    /// A file that was not scanned, and why. Ignored by default.
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> bool {
        let _ = (path, reason);
        true
    }

    /// A file or directory that could not be read; the scan goes on. Ignored by default.
    fn error(&mut self, error: Error) -> bool {
        let _ = error;
        true
    }

    /// Called after each walked entry (file, directory or skipped entry) has been handled, with
    /// the counts so far, whether or not it produced anything else; in git scans, after each
    /// blob (a history scan counts its findings only at the end). A sink that shows progress,
    /// or that must notice a cancel request during a long scan of clean files (the Python
    /// bindings check for Ctrl-C here), uses it; return `false` to stop. Ignored by default.
    fn progress(&mut self, stats: &Stats) -> bool {
        let _ = stats;
        true
    }
}

impl Sink for Vec<Finding> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.push(finding);
        true
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn finding(&mut self, finding: Finding) -> bool {
        (**self).finding(finding)
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> bool {
        (**self).skipped(path, reason)
    }
    fn error(&mut self, error: Error) -> bool {
        (**self).error(error)
    }
    fn progress(&mut self, stats: &Stats) -> bool {
        (**self).progress(stats)
    }
}

/// A sink that keeps everything.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Collector {
    /// Findings, in order.
    pub findings: Vec<Finding>,
    /// Skipped files and why.
    pub skipped: Vec<(PathBuf, SkipReason)>,
    /// Files or directories that could not be read.
    pub errors: Vec<Error>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Collector {
        Collector::default()
    }
}

impl Sink for Collector {
    fn finding(&mut self, finding: Finding) -> bool {
        self.findings.push(finding);
        true
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> bool {
        self.skipped.push((path.to_path_buf(), reason));
        true
    }
    fn error(&mut self, error: Error) -> bool {
        self.errors.push(error);
        true
    }
}
