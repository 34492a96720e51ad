//! Sources: where the bytes of a scan come from. Each one yields items in a fixed order (walk
//! entries, staged changes, history events) and, in a worker, reads an item into a blob: its
//! bytes in the worker's buffer (or an open file too large for one buffer) and its [`Origin`].
//! Nothing here scans or reports: the executor does that, the same way for every source.

pub(crate) mod git;
pub(crate) mod history;
pub(crate) mod staged;
pub(crate) mod tree;

use std::fs::File;
use std::path::PathBuf;

use crate::error::Error;
use crate::origin::Origin;
use crate::stats::SkipReason;

/// How sources read: the limits and walking options a scanner was built with.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) threads: usize,
    pub(crate) max_file_size: u64,
    pub(crate) scan_binary: bool,
    pub(crate) ignore_files: bool,
    pub(crate) follow_links: bool,
    pub(crate) chunk_size: u64,
    /// Findings below this confidence are counted, not reported.
    pub(crate) min_confidence: crate::rules::Confidence,
}

/// What a source made of one item, in a worker.
pub(crate) enum Opened {
    /// Nothing to scan and nothing to report (a directory).
    Nothing,
    /// The item's bytes are in the worker's buffer.
    Buffered(Origin),
    /// A file larger than the chunk size: its open handle and length, scanned piece by piece.
    Chunked(File, u64, Origin),
    /// Not scanned, and why.
    Skipped(PathBuf, SkipReason),
    /// Could not be read; the scan goes on.
    Error(Error),
}

/// A NUL byte in the first 8 KiB marks a file as binary, as git and ripgrep decide.
pub(crate) fn looks_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(tree::BINARY_PROBE)]).is_some()
}
