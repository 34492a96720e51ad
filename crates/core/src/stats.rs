//! What a scan did: files and bytes scanned, findings, and what was skipped and why.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Why a file was not scanned. Every skip is counted in [`Stats`] and passed to the [`Sink`](crate::Sink).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// A NUL byte in the first 8 KiB, and binary scanning is off.
    Binary,
    /// Larger than the maximum file size.
    TooLarge,
    /// A symbolic link, not followed.
    Symlink,
    /// A symbolic link whose target does not exist (or loops).
    BrokenSymlink,
    /// Not a regular file: a FIFO, socket or device.
    NotAFile,
    /// Named for a staged scan (by the pre-commit framework, say) but not in git's index.
    NotStaged,
}

impl SkipReason {
    /// A short lower-case name, such as `binary` or `too-large`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too-large",
            SkipReason::Symlink => "symlink",
            SkipReason::BrokenSymlink => "broken-symlink",
            SkipReason::NotAFile => "not-a-file",
            SkipReason::NotStaged => "not-staged",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Binary => "binary file",
            SkipReason::TooLarge => "larger than the maximum file size",
            SkipReason::Symlink => "symbolic link not followed",
            SkipReason::BrokenSymlink => "broken symbolic link",
            SkipReason::NotAFile => "not a regular file",
            SkipReason::NotStaged => "not in git's index",
        })
    }
}

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// Files (or inputs) scanned.
    pub files_scanned: u64,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Findings reported; a history scan counts them as it finds them, and delivers them when
    /// its walk is done.
    pub findings: u64,
    /// Findings below the confidence threshold: counted, not reported.
    pub below_threshold: u64,
    /// Files skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Files or directories that could not be read.
    pub errors: u64,
    /// Wall-clock time of the scan.
    pub elapsed: Duration,
    /// Commits whose changes a history scan ([`Scanner::scan_git`](crate::Scanner::scan_git)) walked; 0 for other scans.
    pub commits_scanned: u64,
    /// Whether the repository of a history scan is a shallow clone, so that history before its
    /// shallow boundary was not there to scan.
    pub shallow: bool,
}

impl Stats {
    /// Files skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Adds the counts of another scan to these.
    pub fn merge(&mut self, other: &Stats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.findings += other.findings;
        self.below_threshold += other.below_threshold;
        for (reason, n) in &other.skipped {
            *self.skipped.entry(*reason).or_default() += n;
        }
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.commits_scanned += other.commits_scanned;
        self.shallow |= other.shallow;
    }
}
