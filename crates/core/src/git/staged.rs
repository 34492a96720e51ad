//! The staged change: index blobs that differ from `HEAD`, only their added or modified lines.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use gix::ObjectId;
use gix::bstr::BString;
use imara_diff::{Algorithm, Diff, InternedInput};
use rayon::prelude::*;

use super::{BlobData, GitOrigin, chain, git_error, read_blob, repo_path};
use crate::error::Error;
use crate::scan::{Outcome, Scanner, Stats, deliver};
use crate::sink::Sink;

/// A staged file whose content is not in `HEAD`.
struct Change {
    path: PathBuf,
    blob: ObjectId,
    /// The blob at the same path in `HEAD`, when the file is modified rather than added.
    previous: Option<ObjectId>,
}

pub(super) fn scan(
    scanner: &Scanner,
    repo: gix::Repository,
    sink: &mut dyn Sink,
) -> Result<Stats, Error> {
    let started = Instant::now();
    if repo.is_bare() {
        return Err(git_error(
            "bare repository: a staged scan needs a work tree and its index (use --git to scan history)",
        )
        .with_path(&repo.git_dir().display().to_string()));
    }
    let changes = changes(&repo)?;
    let mut stats = Stats::default();
    if changes.is_empty() {
        stats.elapsed = started.elapsed();
        return Ok(stats);
    }
    let outcomes: Vec<Outcome> = if changes.len() <= 4 {
        // A typical commit: threads would cost more than they save.
        changes.iter().map(|change| scan_change(scanner, &repo, change)).collect()
    } else {
        let sync = repo.clone().into_sync();
        scanner.pool()?.install(|| {
            changes
                .par_iter()
                .map_init(
                    || sync.to_thread_local(),
                    |repo, change| scan_change(scanner, repo, change),
                )
                .collect()
        })
    };
    for outcome in outcomes {
        if !deliver(outcome, sink, &mut stats) {
            break;
        }
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// The staged files whose content is new: added, or modified from `HEAD`. Unmerged entries,
/// intent-to-add entries, symbolic links and submodules are left out.
fn changes(repo: &gix::Repository) -> Result<Vec<Change>, Error> {
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
        let previous = match head_paths.get(path) {
            Some(id) if *id == entry.id => continue,
            Some(id) => Some(*id),
            // A rename or copy of content already committed adds nothing new.
            None if head_blobs.contains(&entry.id) => continue,
            None => None,
        };
        changes.push(Change { path: repo_path(path), blob: entry.id, previous });
    }
    Ok(changes)
}

fn scan_change(scanner: &Scanner, repo: &gix::Repository, change: &Change) -> Outcome {
    scanner.with_scratch(|scratch| {
        let mut data = std::mem::take(&mut scratch.buf);
        let outcome = match read_blob(scanner, repo, &change.blob, &change.path, &mut data) {
            Err(err) => Outcome::Error(err),
            Ok(BlobData::Skipped(reason)) => Outcome::Skipped(change.path.clone(), reason),
            Ok(BlobData::Read) => {
                let mut findings = Vec::new();
                scanner.scan_into(&data, Some(&change.path), scratch, &mut findings);
                let found = findings.len();
                if !findings.is_empty()
                    && let Some(previous) = change.previous
                {
                    let mut old = Vec::new();
                    // An unreadable, huge or binary old side counts as empty: every line is new.
                    if let Ok(BlobData::Read) =
                        read_blob(scanner, repo, &previous, &change.path, &mut old)
                    {
                        let added = added_lines(&old, &data);
                        findings.retain(|f| {
                            (f.location.line..=f.location.end_line)
                                .any(|line| added.get(line - 1).copied().unwrap_or(true))
                        });
                    }
                }
                let blob = change.blob.to_string();
                for f in &mut findings {
                    f.git = Some(Box::new(GitOrigin {
                        blob: blob.clone(),
                        commit: None,
                        commits: 0,
                        paths: 0,
                    }));
                }
                // Named as scanned whole only when no finding was dropped as unchanged.
                let whole = (findings.len() == found).then(|| change.path.clone());
                Outcome::Scanned { whole, bytes: data.len() as u64, findings }
            }
        };
        scratch.keep_buffer(data);
        outcome
    })
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
