//! The tree source: walking directories and reading files.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::{Opened, Options, looks_binary};
use crate::error::{Error, ErrorKind};
use crate::origin::Origin;
use crate::stats::SkipReason;

/// A walker over `paths`: inside a git work tree, `.gitignore` and git's exclude files leave out
/// untracked files git ignores (files git tracks come back through [`tracked_extras`]); outside
/// one, they describe nothing that exists and are not read. `.ignore` files (the project's own
/// excludes) apply everywhere. Hidden files are included (`.env`, `.npmrc` and
/// `.aws/credentials` are where secrets live), `.git/` itself skipped, entries sorted by name so
/// that output order does not depend on the file system. `ignore_files(false)`: everything.
pub(crate) fn walker<P: AsRef<Path>>(paths: &[P], options: &Options) -> ignore::WalkBuilder {
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
        .require_git(true)
        .follow_links(options.follow_links)
        .filter_entry(|entry| entry.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b));
    builder
}

/// What the tree source yields: a walked entry, or a file git tracks that the walk left out
/// because `.gitignore` matches it (git keeps tracking force-added files: they are in the
/// repository, and leak with it).
pub(crate) enum Item {
    Walked(Result<ignore::DirEntry, ignore::Error>),
    Tracked(std::path::PathBuf),
}

/// The files git tracks under `roots` (in their repositories' indexes, present in the work tree)
/// that are not in `seen` (the files the walk yielded), sorted. Roots outside a repository have
/// none.
pub(crate) fn tracked_extras(
    roots: &[std::path::PathBuf],
    seen: &std::collections::HashSet<std::path::PathBuf>,
) -> Vec<std::path::PathBuf> {
    let mut extra = Vec::new();
    for root in roots {
        let Ok(repo) = gix::discover(root) else { continue };
        let (Some(workdir), Ok(index)) = (repo.workdir(), repo.index_or_empty()) else { continue };
        let (Ok(workdir), Ok(canonical_root)) =
            (std::fs::canonicalize(workdir), std::fs::canonicalize(root))
        else {
            continue;
        };
        let Ok(under) = canonical_root.strip_prefix(&workdir) else { continue };
        for entry in index.entries() {
            let rel = String::from_utf8_lossy(entry.path(&index)).into_owned();
            let rel = std::path::Path::new(&rel);
            let Ok(inside) = rel.strip_prefix(under) else { continue };
            // Named as the walk names files: below the root as the user gave it.
            let path = if inside.as_os_str().is_empty() { root.clone() } else { root.join(inside) };
            if !seen.contains(&path) && path.symlink_metadata().is_ok_and(|m| m.is_file()) {
                extra.push(path);
            }
        }
    }
    extra.sort();
    extra.dedup();
    extra
}

/// Reads one item of the tree source; see [`open_entry`].
pub(crate) fn open_item(item: Item, options: &Options, buf: &mut Vec<u8>) -> Opened {
    match item {
        Item::Walked(entry) => open_entry(entry, options, buf),
        Item::Tracked(path) => open_file(&path, options, buf),
    }
}

/// Turns a walker error into ours, keeping the path.
fn walk_error(err: ignore::Error) -> Error {
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

/// A file's contents: in the caller's buffer, or too large for one buffer (scanned in chunks);
/// or why they were not read.
enum Contents {
    Buffered,
    /// Larger than the chunk size: the open file and its length, to be read piece by piece.
    Chunked(File, u64),
    TooLarge,
    Binary,
    NotAFile,
}

/// How much of a file decides whether it is binary.
pub(super) const BINARY_PROBE: usize = 8192;

/// Opens a file without blocking (a FIFO with no writer would otherwise block `open` forever)
/// and checks that it is a regular file before reading a byte.
fn open(path: &Path) -> Result<Option<(File, u64)>, Error> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Error::io(e, path))?;
    let meta = file.metadata().map_err(|e| Error::io(e, path))?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some((file, meta.len())))
}

/// Reads one walked entry: a file into `buf` (or open, when larger than the chunk size); links,
/// special files and unreadable entries become skips and errors.
pub(crate) fn open_entry(
    entry: Result<ignore::DirEntry, ignore::Error>,
    options: &Options,
    buf: &mut Vec<u8>,
) -> Opened {
    let entry = match entry {
        Ok(entry) => entry,
        Err(err) => return Opened::Error(walk_error(err)),
    };
    let path = entry.path();
    let Some(file_type) = entry.file_type() else { return Opened::Nothing };
    if file_type.is_dir() {
        return Opened::Nothing;
    }
    if file_type.is_symlink() {
        // Links met while walking are not followed (unless asked); say whether they dangle.
        return match std::fs::metadata(path) {
            Err(_) => Opened::Skipped(path.to_path_buf(), SkipReason::BrokenSymlink),
            Ok(_) => Opened::Skipped(path.to_path_buf(), SkipReason::Symlink),
        };
    }
    if !file_type.is_file() {
        return Opened::Skipped(path.to_path_buf(), SkipReason::NotAFile);
    }
    open_file(path, options, buf)
}

/// Reads a regular file into `buf` (or open, when larger than the chunk size).
fn open_file(path: &Path, options: &Options, buf: &mut Vec<u8>) -> Opened {
    let skipped = |reason| Opened::Skipped(path.to_path_buf(), reason);
    match read(path, options.max_file_size, options.chunk_size, options.scan_binary, buf) {
        Err(err) => Opened::Error(err),
        Ok(Contents::TooLarge) => skipped(SkipReason::TooLarge),
        Ok(Contents::Binary) => skipped(SkipReason::Binary),
        Ok(Contents::NotAFile) => skipped(SkipReason::NotAFile),
        Ok(Contents::Chunked(file, len)) => Opened::Chunked(file, len, Origin::File(path.into())),
        Ok(Contents::Buffered) => Opened::Buffered(Origin::File(path.into())),
    }
}

/// Reads a file into `buf` when it is at most `chunk` bytes long; a larger one is handed back
/// open, for the executor to scan piece by piece in bounded memory. Nothing is
/// memory-mapped: a file truncated while mapped raises SIGBUS, and a scanner runs on trees other
/// processes write to. Unless `binary` is set, a file whose first 8 KiB hold a NUL byte (and no
/// UTF-16 byte-order mark) is reported as binary after reading only those 8 KiB.
fn read(
    path: &Path,
    max: u64,
    chunk: u64,
    binary: bool,
    buf: &mut Vec<u8>,
) -> Result<Contents, Error> {
    let Some((mut file, len)) = open(path)? else { return Ok(Contents::NotAFile) };
    if len > max {
        return Ok(Contents::TooLarge);
    }
    buf.clear();
    // The probe first, so binary files cost one small read.
    (&mut file).take(BINARY_PROBE as u64).read_to_end(buf).map_err(|e| Error::io(e, path))?;
    if !binary && looks_binary(buf) && utf16_bom(buf).is_none() {
        return Ok(Contents::Binary);
    }
    if len > chunk {
        use std::io::Seek;
        file.rewind().map_err(|e| Error::io(e, path))?;
        return Ok(Contents::Chunked(file, len));
    }
    if buf.len() == BINARY_PROBE {
        // Read at most one byte past the limits: a file that grew since `metadata` is still
        // bounded.
        buf.reserve((len as usize + 1).saturating_sub(BINARY_PROBE));
        let rest = (max.min(chunk) + 1).saturating_sub(BINARY_PROBE as u64);
        (&mut file).take(rest).read_to_end(buf).map_err(|e| Error::io(e, path))?;
    }
    if buf.len() as u64 > max {
        return Ok(Contents::TooLarge);
    }
    if buf.len() as u64 > chunk {
        // It grew past the chunk size while being read: scan it in chunks from the start.
        use std::io::Seek;
        file.rewind().map_err(|e| Error::io(e, path))?;
        return Ok(Contents::Chunked(file, max.min(buf.len() as u64)));
    }
    Ok(Contents::Buffered)
}

/// Whether `data` opens with a UTF-16 byte-order mark: `Some(true)` for little-endian.
pub(crate) fn utf16_bom(data: &[u8]) -> Option<bool> {
    match data {
        [0xFF, 0xFE, ..] => Some(true),
        [0xFE, 0xFF, ..] => Some(false),
        _ => None,
    }
}

/// Transcodes UTF-16 text with a byte-order mark to UTF-8 (unpaired surrogates become U+FFFD),
/// so that its secrets can be matched; `None` when `data` has no UTF-16 byte-order mark.
pub(crate) fn transcode_utf16(data: &[u8]) -> Option<Vec<u8>> {
    let little = utf16_bom(data)?;
    let units = data[2..].chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if little { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
    });
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut tmp = [0u8; 4];
    for c in char::decode_utf16(units) {
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
    Some(out)
}
