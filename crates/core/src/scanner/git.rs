//! The git sources on the executor: the staged change a pre-commit hook checks, and the
//! history a CI job checks, folded into one finding per path, secret and occurrence.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use gix::ObjectId;

use super::Scanner;
use crate::error::Error;
use crate::exec::{self, Outcome};
use crate::finding::{Finding, Suppression, SuppressionKind};
use crate::origin::{GitOrigin, Origin};
use crate::sink::Sink;
use crate::source::git::{GitOptions, open};
use crate::source::history::{self, Event, Events};
use crate::source::staged;
use crate::stats::{SkipReason, Stats};

impl Scanner {
    /// Scans the change staged in the index of the repository at (or above) `repo`, as a
    /// pre-commit hook must: the blobs of the index that differ from `HEAD`'s tree (every staged
    /// blob when there is no commit yet), read from the object database, never from the work
    /// tree. Only findings on lines the change adds or modifies are reported; renames, copies
    /// and mode changes of content already in `HEAD`, and deletions, report nothing.
    ///
    /// Honours `GIT_DIR` and `GIT_INDEX_FILE` as git does, so that `git commit -a` and
    /// `git commit PATH` are checked against the index git is about to commit.
    pub fn scan_staged(&self, repo: impl AsRef<Path>, sink: &mut dyn Sink) -> Result<Stats, Error> {
        self.scan_staged_files(repo, &[], sink)
    }

    /// [`Scanner::scan_staged`] for the named files only (paths relative to the current
    /// directory), as the pre-commit framework passes them: a file the index changes is checked
    /// as in a staged scan (added lines only); a file it does not change (`pre-commit run
    /// --all-files`, `--files`) is scanned whole, from the index. A named file that is not in
    /// the index is skipped as [`SkipReason::NotStaged`](crate::SkipReason::NotStaged). With
    /// no files, the whole staged change.
    pub fn scan_staged_files(
        &self,
        repo: impl AsRef<Path>,
        files: &[PathBuf],
        sink: &mut dyn Sink,
    ) -> Result<Stats, Error> {
        let started = Instant::now();
        let repo = open(repo.as_ref())?;
        staged::check_work_tree(&repo)?;
        let named =
            if files.is_empty() { None } else { Some(staged::repository_paths(&repo, files)?) };
        let (changes, missing) = staged::changes(&repo, named.as_ref())?;
        let mut stats = Stats::default();
        for path in missing {
            if !exec::deliver(Outcome::Skipped(path, SkipReason::NotStaged), sink, &mut stats)? {
                return Ok(stats);
            }
        }
        let sync = repo.into_sync();
        let options = self.options();
        self.run(
            changes.into_iter(),
            || sync.to_thread_local(),
            |worker, change| {
                let repo = &worker.local;
                let open = |buf: &mut Vec<u8>| staged::open_change(options, repo, &change, buf);
                self.open_and_scan(worker.scratch, open, |buf, mut outcome, _| {
                    if let Outcome::Scanned { whole, findings, .. } = &mut outcome
                        && !staged::keep_added(options, repo, &change, buf, findings)
                    {
                        // Not every finding of the file is reported: it was not covered whole.
                        *whole = None;
                    }
                    outcome
                })
            },
            |outcome| exec::deliver(outcome, sink, &mut stats),
        )?;
        stats.elapsed = started.elapsed();
        Ok(stats)
    }

    /// Scans the history of the repository at (or above) `repo`: every distinct blob reachable
    /// from the commits `options` select, each once, in parallel, with memory bounded by the
    /// number of distinct blobs and findings rather than by the history's diffs.
    ///
    /// Each finding names the first commit that wrote its secret at its path (oldest first,
    /// parents before children), and counts how many commits did so and at how many paths the
    /// secret was seen; the same secret is reported once per path and occurrence, not once per
    /// commit. Findings reach `sink` in history order once the walk is done (the counts are only
    /// known then); skips and errors as they happen.
    pub fn scan_git(
        &self,
        repo: impl AsRef<Path>,
        options: &GitOptions,
        sink: &mut dyn Sink,
    ) -> Result<Stats, Error> {
        let started = Instant::now();
        let repo = open(repo.as_ref())?;
        let mut stats = Stats { shallow: repo.is_shallow(), ..Stats::default() };
        let commits = history::select_commits(&repo, options)?;
        stats.commits_scanned = commits.len() as u64;
        let sync = repo.clone().into_sync();
        let read = self.options();
        let mark_existing = options.is_partial() && !options.fail_on_existing;
        let mut history = Aggregate::default();
        let mut stopped = false;
        self.run(
            Events::new(repo, commits),
            || sync.to_thread_local(),
            |worker, event| match event {
                Err(err) => Err(err),
                // Later events of a blob need no scan: the fold attributes its findings.
                Ok(event) if !event.first => Ok((event, None, HashSet::new())),
                Ok(event) => {
                    let repo = &worker.local;
                    let open = |buf: &mut Vec<u8>| history::open_event(read, repo, &event, buf);
                    let (outcome, existing) =
                        self.open_and_scan(worker.scratch, open, |buf, outcome, scratch| {
                            let mut existing = HashSet::new();
                            if mark_existing
                                && matches!(&outcome, Outcome::Scanned { findings, .. } if !findings.is_empty())
                                && history::read_previous(read, repo, &event, buf)
                            {
                                // What the file held before this commit: the range did not add it.
                                let mut before = Vec::new();
                                let origin = Origin::Bytes(None);
                                self.inner.engine.find(buf, &origin, scratch, &mut before);
                                scratch.rule_errors.clear();
                                existing = before.into_iter().map(|f| f.fingerprint).collect();
                            }
                            (outcome, existing)
                        });
                    Ok((event, Some(outcome), existing))
                }
            },
            |outcome| {
                let go_on = match outcome {
                    Ok(outcome) => history.fold(outcome, sink, &mut stats)?,
                    Err(err) => exec::deliver(Outcome::Error(err), sink, &mut stats)?,
                };
                stopped |= !go_on;
                Ok(go_on)
            },
        )?;
        if !stopped {
            // Counted as they were found (so that progress shows them), delivered now.
            for finding in history.finish() {
                if !sink.finding(finding)? {
                    break;
                }
            }
        }
        stats.elapsed = started.elapsed();
        Ok(stats)
    }
}

/// An event, what scanning its blob gave (`None`: a blob seen before), and the fingerprints of
/// the secrets its path held before the commit (in a scan of part of the history).
type Folded = (Event, Option<Outcome>, HashSet<String>);

/// Findings folded by location: one per path, rule, secret and occurrence in the file.
#[derive(Default)]
struct Aggregate {
    /// The findings of each blob that has any, without path or origin.
    blobs: HashMap<ObjectId, Arc<[Finding]>>,
    /// (path, fingerprint, occurrence) to the index in `findings`.
    locations: HashMap<(PathBuf, String, u32), usize>,
    findings: Vec<Finding>,
}

impl Aggregate {
    /// Folds one event's outcome in; `Ok(false)` when the sink asked to stop.
    fn fold(
        &mut self,
        (event, outcome, existing): Folded,
        sink: &mut dyn Sink,
        stats: &mut Stats,
    ) -> Result<bool, Error> {
        let go_on = match outcome {
            Some(Outcome::Scanned { bytes, findings, errors, below, .. }) => {
                stats.below_threshold += below;
                if !exec::count_scanned(bytes, errors, sink, stats)? {
                    return Ok(false);
                }
                let go_on = sink.scanned(&event.path)?;
                if !findings.is_empty() {
                    self.blobs.insert(event.blob, findings.into());
                    stats.findings += self.record(event, &existing);
                }
                go_on
            }
            // A blob seen before: its findings, if any, are recorded at this path too.
            None => {
                let go_on = sink.scanned(&event.path)?;
                stats.findings += self.record(event, &existing);
                go_on
            }
            // Counted and passed on as in a tree scan (which also calls `progress`).
            Some(outcome) => return exec::deliver(outcome, sink, stats),
        };
        Ok(go_on && sink.progress(stats)?)
    }

    /// Attributes the findings of the event's blob to its path and commit; those whose
    /// fingerprint is in `existing` (the file held them before the commit) are marked as such.
    /// Returns how many findings (new locations) it added.
    fn record(&mut self, event: Event, existing: &HashSet<String>) -> u64 {
        let Some(found) = self.blobs.get(&event.blob) else { return 0 };
        let mut added = 0;
        let mut nth: HashMap<&str, u32> = HashMap::new();
        for f in found.iter() {
            let n = nth.entry(&f.fingerprint).or_default();
            *n += 1;
            let key = (event.path.clone(), f.fingerprint.clone(), *n);
            match self.locations.get(&key) {
                Some(&i) => {
                    // Events come in history order: this commit is the latest to write it.
                    if let Some(git) = &mut self.findings[i].git {
                        git.commits += 1;
                        git.last_commit = Some(Arc::clone(&event.commit));
                    }
                }
                None => {
                    let mut finding = f.clone();
                    if existing.contains(&f.fingerprint) {
                        let justification = format!(
                            "already in {} before commit {}",
                            event.path.display(),
                            &event.commit.id[..event.commit.id.len().min(12)]
                        );
                        finding.suppression =
                            Some(Suppression::new(SuppressionKind::Existing, justification));
                    }
                    finding.path = Some(event.path.clone());
                    finding.git = Some(Box::new(GitOrigin {
                        blob: event.blob.to_string(),
                        commit: Some(Arc::clone(&event.commit)),
                        commits: 1,
                        paths: 0,
                        last_commit: Some(Arc::clone(&event.commit)),
                    }));
                    self.locations.insert(key, self.findings.len());
                    self.findings.push(finding);
                    added += 1;
                }
            }
        }
        added
    }

    /// The findings in history order, with the number of paths each secret was seen at.
    fn finish(mut self) -> Vec<Finding> {
        let mut paths: HashMap<&str, HashSet<&PathBuf>> = HashMap::new();
        for (path, fingerprint, _) in self.locations.keys() {
            paths.entry(fingerprint).or_default().insert(path);
        }
        let counts: HashMap<String, u64> =
            paths.into_iter().map(|(f, p)| (f.to_string(), p.len() as u64)).collect();
        for finding in &mut self.findings {
            if let Some(git) = &mut finding.git {
                git.paths = counts.get(&finding.fingerprint).copied().unwrap_or(1);
            }
        }
        self.findings
    }
}
