//! What the git sources share: opening a repository, reading blobs, and what they select.
//!
//! Staged and history scans read blobs from the object database with `gix` (pure Rust: no C
//! library to build, no `git` process per blob), never from the work tree.

use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::objs::{Find, FindHeader};

use super::{Options, looks_binary};
use crate::error::{Error, ErrorKind};
use crate::stats::SkipReason;

/// What a history scan ([`Scanner::scan_git`](crate::Scanner::scan_git)) covers. The default: every commit reachable from
/// any reference.
///
/// ```
/// let options = tokenhound::GitOptions::new().range("origin/main..HEAD");
/// assert_eq!(options.range.as_deref(), Some("origin/main..HEAD"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GitOptions {
    /// Only the commits of a range, such as `origin/main..HEAD` (reachable from the right side
    /// and not from the left), for pull-request checks. A single revision means it and its
    /// ancestors.
    pub range: Option<String>,
    /// Only commits that are not ancestors of this revision (`REV..` over the tips).
    pub since: Option<String>,
    /// Start from this branch (or any revision) instead of every reference.
    pub branch: Option<String>,
    /// With `range` or `since`: report a secret that was already in a file before the commit
    /// that changed it as a finding like any other. By default such findings are suppressed as
    /// [`Existing`](crate::SuppressionKind::Existing): a pull request is blamed only for what it
    /// added.
    pub fail_on_existing: bool,
}

impl GitOptions {
    /// Every commit reachable from any reference.
    pub fn new() -> GitOptions {
        GitOptions::default()
    }
    /// Only the commits of `range` (`A..B`, or one revision).
    pub fn range(mut self, range: impl Into<String>) -> GitOptions {
        self.range = Some(range.into());
        self
    }
    /// Only commits that are not ancestors of `rev`.
    pub fn since(mut self, rev: impl Into<String>) -> GitOptions {
        self.since = Some(rev.into());
        self
    }
    /// Start from `branch` instead of every reference.
    pub fn branch(mut self, branch: impl Into<String>) -> GitOptions {
        self.branch = Some(branch.into());
        self
    }
    /// Whether this scan covers part of the history (a range, or commits since a revision):
    /// then a secret already in a file before the range is not the range's doing.
    pub fn is_partial(&self) -> bool {
        self.range.is_some() || self.since.is_some()
    }
}

/// Opens the repository at or above `path`, as git finds it (honouring `GIT_DIR`).
pub(crate) fn open(path: &Path) -> Result<gix::Repository, Error> {
    if let Err(err) = std::fs::metadata(path) {
        return Err(Error::io(err, path));
    }
    let mut repo = gix::discover_with_environment_overrides(path).map_err(|err| {
        let detail = match &err {
            gix::discover::Error::Discover(_) => {
                "not a git repository (nor any of its parent directories)".to_string()
            }
            other => format!("cannot open the git repository: {}", chain(other)),
        };
        git_error(detail).with_path(&path.display().to_string())
    })?;
    // Tree diffs and rename checks read the same trees again and again.
    repo.object_cache_size_if_unset(8 << 20);
    Ok(repo)
}

pub(crate) fn git_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Git, message)
}

/// An error and its sources as one lower-case line.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    let text = parts.join(": ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// A repository path (always `/`-separated) as a `PathBuf` for findings.
pub(crate) fn repo_path(path: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(path).into_owned())
}

/// What reading a blob gave.
pub(crate) enum BlobData {
    /// The blob's bytes are in the buffer.
    Read,
    /// Not scanned, and why.
    Skipped(SkipReason),
}

/// Reads blob `id` into `buf` unless it is larger than the maximum file size or (unless binary
/// scanning is on) looks binary. The size is read from the object's header first, so that a huge
/// blob is never inflated.
pub(crate) fn read_blob(
    options: &Options,
    repo: &gix::Repository,
    id: &ObjectId,
    path: &Path,
    buf: &mut Vec<u8>,
) -> Result<BlobData, Error> {
    let missing = || {
        git_error(format!("blob {id} is missing from the object database"))
            .with_path(&path.display().to_string())
    };
    let corrupt = |err: &dyn std::error::Error| {
        git_error(format!("cannot read blob {id}: {}", chain(err)))
            .with_path(&path.display().to_string())
    };
    let header = repo.objects.try_header(id).map_err(|e| corrupt(&*e))?.ok_or_else(missing)?;
    if header.size > options.max_file_size {
        return Ok(BlobData::Skipped(SkipReason::TooLarge));
    }
    let (kind, len) = {
        let data = repo.objects.try_find(id, buf).map_err(|e| corrupt(&*e))?.ok_or_else(missing)?;
        (data.kind, data.data.len())
    };
    if buf.len() != len {
        // The store decoded the object somewhere else than at the start of `buf`.
        let object = repo.find_object(*id).map_err(|e| corrupt(&e))?;
        buf.clear();
        buf.extend_from_slice(&object.data);
    }
    if kind != gix::object::Kind::Blob {
        return Err(git_error(format!("object {id} is a {kind}, not a blob"))
            .with_path(&path.display().to_string()));
    }
    if !options.scan_binary && looks_binary(buf) {
        return Ok(BlobData::Skipped(SkipReason::Binary));
    }
    Ok(BlobData::Read)
}
