//! Where scanned bytes came from: the [`Origin`] of every [`Blob`] a source yields, which
//! findings carry, and the git commits that history scans attribute findings to.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a blob came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Bytes a caller passed in, named or not.
    Bytes(Option<PathBuf>),
    /// Standard input (named `-` in reports).
    Stdin,
    /// A file of a directory tree, or one named on the command line.
    File(PathBuf),
    /// A blob of a git repository: staged in the index (no commit yet) or written by a commit.
    Git {
        /// The path of the blob in the repository (`/`-separated, relative to its root).
        path: PathBuf,
        /// The blob id (hexadecimal).
        blob: String,
        /// The commit that wrote it; `None` for a staged blob.
        commit: Option<Arc<GitCommit>>,
    },
}

impl Origin {
    /// The path that reports name, if there is one (`-` for standard input).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::Bytes(path) => path.as_deref(),
            Origin::Stdin => Some(Path::new("-")),
            Origin::File(path) | Origin::Git { path, .. } => Some(path),
        }
    }
}

/// Bytes to scan and where they came from: what every source yields.
///
/// ```
/// use tokenhound::{Blob, Origin, Scanner};
///
/// let scanner = Scanner::new()?;
/// let blob = Blob::new(b"T=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\n", Origin::Bytes(None));
/// assert_eq!(scanner.scan_blob(&blob).len(), 1);
/// # Ok::<(), tokenhound::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Blob<'a> {
    /// The content.
    pub bytes: &'a [u8],
    /// Where it came from.
    pub origin: Origin,
}

impl<'a> Blob<'a> {
    /// A blob of these bytes from this origin.
    pub fn new(bytes: &'a [u8], origin: Origin) -> Blob<'a> {
        Blob { bytes, origin }
    }
}

/// Where a finding is in a git repository.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GitOrigin {
    /// The id of the blob the secret is in (hexadecimal).
    pub blob: String,
    /// The first commit that wrote the secret at this path; `None` in a staged scan, where the
    /// commit does not exist yet.
    pub commit: Option<Arc<GitCommit>>,
    /// History scans: how many commits wrote a blob holding this secret at this path (the commit
    /// that introduced it, and later ones that edited the file and kept it). 0 in a staged scan.
    pub commits: u64,
    /// History scans: at how many paths the same secret (same rule and value) was found. 0 in a
    /// staged scan.
    pub paths: u64,
    /// History scans: the last commit that wrote a blob holding this secret at this path (the
    /// same as `commit` when only one did); `None` in a staged scan.
    pub last_commit: Option<Arc<GitCommit>>,
}

/// A commit, as findings name it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GitCommit {
    /// The commit id (hexadecimal).
    pub id: String,
    /// The author's name.
    pub author_name: String,
    /// The author's email address.
    pub author_email: String,
    /// The author date, ISO 8601 with the author's UTC offset (`2024-05-01T12:00:00+02:00`).
    pub date: String,
    /// The author date in seconds since the Unix epoch.
    pub timestamp: i64,
    /// The first line of the message.
    pub subject: String,
}
