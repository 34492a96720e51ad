//! Where bytes come from: walking trees and reading files.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::Options;
use crate::error::{Error, ErrorKind};

/// A walker over `paths`: `.gitignore` and friends respected unless turned off (also outside a
/// git repository: a file the project ignores is not a leak), hidden files included (`.env`,
/// `.npmrc` and `.aws/credentials` are where secrets live), `.git/` itself skipped, entries
/// sorted by name so that output order does not depend on the file system.
pub(super) fn walker<P: AsRef<Path>>(paths: &[P], options: &Options) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(paths[0].as_ref());
    for path in &paths[1..] {
        builder.add(path.as_ref());
    }
    let respect = options.ignore_files;
    builder
        .hidden(false)
        .parents(respect)
        .ignore(respect)
        .git_ignore(respect)
        .git_global(respect)
        .git_exclude(respect)
        .require_git(false)
        .follow_links(options.follow_links)
        .filter_entry(|entry| entry.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b));
    builder
}

/// Turns a walker error into ours, keeping the path.
pub(super) fn walk_error(err: ignore::Error) -> Error {
    fn find(err: &ignore::Error) -> (Option<&Path>, Option<&std::io::Error>, Option<String>) {
        match err {
            ignore::Error::WithPath { path, err } => {
                let (_, io, other) = find(err);
                (Some(path), io, other)
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            ignore::Error::Loop { child, .. } => {
                (Some(child), None, Some("symbolic link loop".to_string()))
            }
            ignore::Error::Io(io) => (None, Some(io), None),
            other => (None, None, Some(other.to_string())),
        }
    }
    let (path, io, other) = find(&err);
    let path = path.unwrap_or(Path::new("-"));
    match (io, other) {
        (Some(io), _) => Error::io(std::io::Error::new(io.kind(), io.to_string()), path),
        (None, message) => Error::new(ErrorKind::Io, message.unwrap_or_else(|| err.to_string()))
            .with_path(&path.display().to_string()),
    }
}

/// A file's contents: in the caller's buffer, or mapped; or why they were not read.
pub(super) enum Contents {
    Buffered,
    Mapped(memmap2::Mmap),
    TooLarge,
    Binary,
}

impl Contents {
    pub(super) fn bytes<'a>(&'a self, buf: &'a [u8]) -> &'a [u8] {
        match self {
            Contents::Mapped(map) => map,
            Contents::Buffered | Contents::TooLarge | Contents::Binary => buf,
        }
    }
}

/// How much of a file decides whether it is binary.
const BINARY_PROBE: usize = 8192;

/// Reads a file: into `buf` when smaller than `mmap_threshold`, else by memory map (falling back
/// to a read when mapping fails). Unless `binary` is set, a file whose first 8 KiB hold a NUL
/// byte is reported as binary after reading only those 8 KiB.
pub(super) fn read(
    path: &Path,
    max: u64,
    mmap_threshold: u64,
    binary: bool,
    buf: &mut Vec<u8>,
) -> Result<Contents, Error> {
    let mut file = File::open(path).map_err(|e| Error::io(e, path))?;
    let len = file.metadata().map_err(|e| Error::io(e, path))?.len();
    if len > max {
        return Ok(Contents::TooLarge);
    }
    if len >= mmap_threshold
        && let Some(map) = map(&file)
    {
        if !binary && looks_binary(&map) {
            return Ok(Contents::Binary);
        }
        return Ok(Contents::Mapped(map));
    }
    buf.clear();
    buf.reserve(len as usize + 1);
    // The probe first, so binary files cost one small read.
    (&mut file).take(BINARY_PROBE as u64).read_to_end(buf).map_err(|e| Error::io(e, path))?;
    if !binary && looks_binary(buf) {
        return Ok(Contents::Binary);
    }
    if buf.len() == BINARY_PROBE {
        // Read at most one byte past the limit: a file that grew since `metadata` is still
        // bounded.
        let rest = max + 1 - BINARY_PROBE as u64;
        (&mut file).take(rest).read_to_end(buf).map_err(|e| Error::io(e, path))?;
    }
    if buf.len() as u64 > max {
        return Ok(Contents::TooLarge);
    }
    Ok(Contents::Buffered)
}

#[allow(unsafe_code)]
fn map(file: &File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is read-only and private to this scan. If another process truncates the
    // file while it is mapped, reads past the new end raise SIGBUS; only files of at least
    // MMAP_THRESHOLD bytes are mapped, which keeps that window to large files.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// A NUL byte in the first 8 KiB marks a file as binary, as git and ripgrep decide.
pub(crate) fn looks_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(BINARY_PROBE)]).is_some()
}
