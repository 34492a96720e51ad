//! Where scan results go: a [`Sink`] receives findings, skips and errors as the scan produces
//! them, on the thread that called the scan, in a deterministic order.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::finding::Finding;
use crate::stats::{SkipReason, Stats};

/// Receives the results of a scan, as grep-searcher's `Sink` does: every method returns
/// `Ok(true)` to go on, `Ok(false)` to stop the scan early (the scan then returns what it
/// counted so far), or an error, which stops the scan and is returned by it (a report that
/// cannot be written, say: nothing is then reported as clean that was not scanned).
///
/// `Vec<Finding>` is a sink that keeps findings and ignores the rest; [`Collector`] keeps all.
///
/// ```
/// use tokenhound::{Error, Finding, Scanner, Sink};
///
/// /// Stops at the first finding.
/// struct First(Option<Finding>);
/// impl Sink for First {
///     fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
///         self.0 = Some(finding);
///         Ok(false)
///     }
/// }
/// let mut first = First(None);
/// let input = b"a=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\nb=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\n";
/// Scanner::new()?.scan_reader(&input[..], &mut first)?;
/// assert_eq!(first.0.unwrap().location.line, 1);
/// # Ok::<(), tokenhound::Error>(())
/// ```
pub trait Sink {
    /// A finding.
    fn finding(&mut self, finding: Finding) -> Result<bool, Error>;

    /// A file that was not scanned, and why. Ignored by default.
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, Error> {
        let _ = (path, reason);
        Ok(true)
    }

    /// A file or directory that could not be read; the scan goes on. Ignored by default.
    fn error(&mut self, error: Error) -> Result<bool, Error> {
        let _ = error;
        Ok(true)
    }

    /// An input scanned whole, every finding in it passed (or to be passed) to the sink: a
    /// file, `-` for standard input, or in a history scan a path at which a commit wrote a blob
    /// (once per such commit). A staged scan names a file only when it drops none of its
    /// findings as being on unchanged lines. Called before the input's findings; ignored by
    /// default. [`PolicySink`](crate::PolicySink) uses it to tell which baseline entries are
    /// stale.
    fn scanned(&mut self, path: &Path) -> Result<bool, Error> {
        let _ = path;
        Ok(true)
    }

    /// Called after each walked entry (file, directory or skipped entry; in a history scan,
    /// each blob a commit wrote) has been handled, with
    /// the counts so far, whether or not it produced anything else. A sink that shows progress,
    /// or that must notice a cancel request during a long scan of clean files (the Python
    /// bindings check for Ctrl-C here), uses it; return `false` to stop. Ignored by default.
    fn progress(&mut self, stats: &Stats) -> Result<bool, Error> {
        let _ = stats;
        Ok(true)
    }
}

impl Sink for Vec<Finding> {
    fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
        self.push(finding);
        Ok(true)
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
        (**self).finding(finding)
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, Error> {
        (**self).skipped(path, reason)
    }
    fn error(&mut self, error: Error) -> Result<bool, Error> {
        (**self).error(error)
    }
    fn scanned(&mut self, path: &Path) -> Result<bool, Error> {
        (**self).scanned(path)
    }
    fn progress(&mut self, stats: &Stats) -> Result<bool, Error> {
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
    fn finding(&mut self, finding: Finding) -> Result<bool, Error> {
        self.findings.push(finding);
        Ok(true)
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, Error> {
        self.skipped.push((path.to_path_buf(), reason));
        Ok(true)
    }
    fn error(&mut self, error: Error) -> Result<bool, Error> {
        self.errors.push(error);
        Ok(true)
    }
}
