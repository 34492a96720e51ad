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
use crate::finding::Finding;
use crate::origin::GitOrigin;
use crate::sink::Sink;
use crate::source::git::{GitOptions, open};
use crate::source::history::{self, Event, Events};
use crate::source::staged;
use crate::stats::Stats;

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
        let started = Instant::now();
        let repo = open(repo.as_ref())?;
        staged::check_work_tree(&repo)?;
        let changes = staged::changes(&repo)?;
        let mut stats = Stats::default();
        let sync = repo.into_sync();
        let options = self.options();
        self.run(
            changes.into_iter(),
            || sync.to_thread_local(),
            |worker, change| {
                let repo = &worker.local;
                let mut buf = worker.scratch.take_buffer();
                let opened = staged::open_change(options, repo, &change, &mut buf);
                let mut outcome = self.scan_opened(opened, &buf, worker.scratch);
                if let Outcome::Scanned { whole, findings, .. } = &mut outcome
                    && !staged::keep_added(options, repo, &change, &buf, findings)
                {
                    // Not every finding of the file is reported: it was not covered whole.
                    *whole = None;
                }
                worker.scratch.keep_buffer(buf);
                outcome
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
        let mut history = Aggregate::default();
        let mut stopped = false;
        self.run(
            Events::new(repo, commits),
            || sync.to_thread_local(),
            |worker, event| match event {
                Err(err) => Err(err),
                // Later events of a blob need no scan: the fold attributes its findings.
                Ok(event) if !event.first => Ok((event, None)),
                Ok(event) => {
                    let mut buf = worker.scratch.take_buffer();
                    let opened = history::open_event(read, &worker.local, &event, &mut buf);
                    let outcome = self.scan_opened(opened, &buf, worker.scratch);
                    worker.scratch.keep_buffer(buf);
                    Ok((event, Some(outcome)))
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
            for finding in history.finish() {
                stats.findings += 1;
                if !sink.finding(finding)? {
                    break;
                }
            }
        }
        stats.elapsed = started.elapsed();
        Ok(stats)
    }
}

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
        (event, outcome): (Event, Option<Outcome>),
        sink: &mut dyn Sink,
        stats: &mut Stats,
    ) -> Result<bool, Error> {
        let go_on = match outcome {
            Some(Outcome::Scanned { bytes, findings, errors, below, .. }) => {
                stats.below_threshold += below;
                for err in errors {
                    stats.errors += 1;
                    if !sink.error(err)? {
                        return Ok(false);
                    }
                }
                stats.files_scanned += 1;
                stats.bytes_scanned += bytes;
                let go_on = sink.scanned(&event.path)?;
                if !findings.is_empty() {
                    self.blobs.insert(event.blob, findings.into());
                    self.record(event);
                }
                go_on
            }
            // A blob seen before: its findings, if any, are recorded at this path too.
            None => {
                let go_on = sink.scanned(&event.path)?;
                self.record(event);
                go_on
            }
            // Counted and passed on as in a tree scan (which also calls `progress`).
            Some(outcome) => return exec::deliver(outcome, sink, stats),
        };
        Ok(go_on && sink.progress(stats)?)
    }

    fn record(&mut self, event: Event) {
        let Some(found) = self.blobs.get(&event.blob) else { return };
        let mut nth: HashMap<&str, u32> = HashMap::new();
        for f in found.iter() {
            let n = nth.entry(&f.fingerprint).or_default();
            *n += 1;
            let key = (event.path.clone(), f.fingerprint.clone(), *n);
            match self.locations.get(&key) {
                Some(&i) => {
                    if let Some(git) = &mut self.findings[i].git {
                        git.commits += 1;
                    }
                }
                None => {
                    let mut finding = f.clone();
                    finding.path = Some(event.path.clone());
                    finding.git = Some(Box::new(GitOrigin {
                        blob: event.blob.to_string(),
                        commit: Some(Arc::clone(&event.commit)),
                        commits: 1,
                        paths: 0,
                    }));
                    self.locations.insert(key, self.findings.len());
                    self.findings.push(finding);
                }
            }
        }
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
