//! The staged change: index blobs that differ from `HEAD`, only their added or modified lines.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use gix::ObjectId;
use gix::bstr::BString;
use imara_diff::{Algorithm, Diff, InternedInput};

use super::git::{BlobData, chain, git_error, read_blob, repo_path};
use super::{Opened, Options};
use crate::error::Error;
use crate::finding::Finding;
use crate::origin::Origin;

/// A staged file whose content is not in `HEAD`.
pub(crate) struct Change {
    path: PathBuf,
    blob: ObjectId,
    /// The blob at the same path in `HEAD`, when the file is modified rather than added.
    previous: Option<ObjectId>,
}

/// The bare-repository check a staged scan makes before reading the index.
pub(crate) fn check_work_tree(repo: &gix::Repository) -> Result<(), Error> {
    if repo.is_bare() {
        return Err(git_error(
            "bare repository: a staged scan needs a work tree and its index (use --git to scan history)",
        )
        .with_path(&repo.git_dir().display().to_string()));
    }
    Ok(())
}

/// The staged files whose content is new: added, or modified from `HEAD`. Unmerged entries,
/// intent-to-add entries, symbolic links and submodules are left out.
/// With `files` (repository paths, as the pre-commit framework names them), only those: a file
/// the index has changed as above, and one it has not (`pre-commit run --all-files`) whole, as
/// if it were added. The files not in the index are returned apart.
pub(crate) fn changes(
    repo: &gix::Repository,
    files: Option<&HashSet<BString>>,
) -> Result<(Vec<Change>, Vec<PathBuf>), Error> {
    let index = repo
        .index_or_empty()
        .map_err(|e| git_error(format!("cannot read the index: {}", chain(&e))))?;
    let head_tree = repo
        .head_tree_id_or_empty()
        .map_err(|e| git_error(format!("cannot resolve HEAD: {}", chain(&e))))?;
    let (head_paths, head_blobs) = if head_tree.is_empty_tree() {
        (HashMap::new(), HashSet::new())
    } else {
        let tree = head_tree
            .object()
            .map_err(|e| git_error(format!("cannot read HEAD's tree: {}", chain(&e))))?
            .into_tree();
        let files = tree
            .traverse()
            .breadthfirst
            .files()
            .map_err(|e| git_error(format!("cannot read HEAD's tree: {}", chain(&e))))?;
        let mut paths: HashMap<BString, ObjectId> = HashMap::with_capacity(files.len());
        let mut blobs = HashSet::with_capacity(files.len());
        for entry in files {
            if entry.mode.is_blob() {
                blobs.insert(entry.oid);
                paths.insert(entry.filepath, entry.oid);
            }
        }
        (paths, blobs)
    };
    let mut changes = Vec::new();
    for entry in index.entries() {
        if entry.stage() != gix::index::entry::Stage::Unconflicted
            || entry.flags.contains(gix::index::entry::Flags::INTENT_TO_ADD)
            || !matches!(
                entry.mode,
                gix::index::entry::Mode::FILE | gix::index::entry::Mode::FILE_EXECUTABLE
            )
        {
            continue;
        }
        let path = entry.path(&index);
        let named = match files {
            Some(files) if !files.contains(path) => continue,
            Some(_) => true,
            None => false,
        };
        let previous = match head_paths.get(path) {
            Some(id) if *id == entry.id && named => None,
            Some(id) if *id == entry.id => continue,
            Some(id) => Some(*id),
            // A rename or copy of content already committed adds nothing new.
            None if head_blobs.contains(&entry.id) && !named => continue,
            None => None,
        };
        changes.push(Change { path: repo_path(path), blob: entry.id, previous });
    }
    let mut missing = Vec::new();
    if let Some(files) = files {
        let found: HashSet<&BString> =
            index.entries().iter().map(|e| e.path(&index)).filter_map(|p| files.get(p)).collect();
        missing = files.iter().filter(|f| !found.contains(f)).map(|f| repo_path(f)).collect();
        missing.sort();
    }
    Ok((changes, missing))
}

/// The repository paths of `files` (relative to the current directory, or absolute), for
/// [`changes`]; a file outside the repository's work tree is an error.
pub(crate) fn repository_paths(
    repo: &gix::Repository,
    files: &[PathBuf],
) -> Result<HashSet<BString>, Error> {
    let Some(workdir) = repo.workdir() else {
        return Err(git_error("bare repository: a staged scan needs a work tree"));
    };
    let root = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let cwd =
        std::env::current_dir().map_err(|e| crate::Error::io(e, std::path::Path::new(".")))?;
    let mut out = HashSet::new();
    for file in files {
        let full = cwd.join(file);
        // The file may be gone from the work tree (staged, then deleted): canonicalize its
        // directory.
        let parent = full.parent().and_then(|p| std::fs::canonicalize(p).ok());
        let full = match (parent, full.file_name()) {
            (Some(dir), Some(name)) => dir.join(name),
            _ => full,
        };
        let Ok(relative) = full.strip_prefix(&root) else {
            return Err(git_error("not inside the repository's work tree")
                .with_path(&file.display().to_string()));
        };
        let text = relative.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
        out.insert(BString::from(text));
    }
    Ok(out)
}

/// Reads a staged blob into `buf`.
pub(crate) fn open_change(
    options: &Options,
    repo: &gix::Repository,
    change: &Change,
    buf: &mut Vec<u8>,
) -> Opened {
    match read_blob(options, repo, &change.blob, &change.path, buf) {
        Err(err) => Opened::Error(err),
        Ok(BlobData::Skipped(reason)) => Opened::Skipped(change.path.clone(), reason),
        Ok(BlobData::Read) => Opened::Buffered(Origin::Git {
            path: change.path.clone(),
            blob: change.blob.to_string(),
            commit: None,
        }),
    }
}

/// Keeps the findings of a modified file that are on lines the change adds or modifies, given
/// the staged blob's bytes `data`; an unreadable, huge or binary old side counts as empty, so
/// every line is new. Returns whether none was dropped.
pub(crate) fn keep_added(
    options: &Options,
    repo: &gix::Repository,
    change: &Change,
    data: &[u8],
    findings: &mut Vec<Finding>,
) -> bool {
    let (Some(previous), false) = (change.previous, findings.is_empty()) else { return true };
    let found = findings.len();
    let mut old = Vec::new();
    if let Ok(BlobData::Read) = read_blob(options, repo, &previous, &change.path, &mut old) {
        let added = added_lines(&old, data);
        findings.retain(|f| {
            (f.location.line..=f.location.end_line)
                .any(|line| added.get(line - 1).copied().unwrap_or(true))
        });
    }
    findings.len() == found
}

/// For each line of `new` (0-based), whether a line diff from `old` adds or changes it.
fn added_lines(old: &[u8], new: &[u8]) -> Vec<bool> {
    let input = InternedInput::new(old, new);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    (0..input.after.len() as u32).map(|line| diff.is_added(line)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_marks_insertions_and_edits() {
        let old = b"a\nb\nc\n";
        let new = b"a\nB\nc\nd\n";
        assert_eq!(added_lines(old, new), vec![false, true, false, true]);
        assert_eq!(added_lines(b"", b"x\ny"), vec![true, true]);
        assert_eq!(added_lines(b"x\ny\n", b"y\n"), vec![false]);
    }
}
