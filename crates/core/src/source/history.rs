//! The history source: every blob the selected commits wrote, each read once.
//!
//! [`Events`] walks commits oldest first (parents before children) and diffs each commit's tree
//! against its first parent's, yielding one event per blob written at a path, marked `first` the
//! first time its blob is seen: only those are read and scanned. The scanner folds the outcomes
//! in event order into one finding per path, secret and occurrence, attributed to the first
//! commit.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::diff::tree::recorder::Change as TreeChange;
use gix::objs::TreeRefIter;

use super::git::{BlobData, GitOptions, chain, git_error, read_blob, repo_path};
use super::{Opened, Options};
use crate::error::Error;
use crate::origin::{GitCommit, Origin};

/// The commits to scan, oldest first with parents before children.
pub(crate) fn select_commits(
    repo: &gix::Repository,
    options: &GitOptions,
) -> Result<Vec<ObjectId>, Error> {
    let mut tips = Vec::new();
    let mut hidden = Vec::new();
    if let Some(range) = &options.range {
        if options.branch.is_some() {
            return Err(git_error("a range and a branch cannot be combined"));
        }
        let spec = repo
            .rev_parse(range.as_str())
            .map_err(|e| git_error(format!("invalid range {range:?}: {}", chain(&e))))?
            .detach();
        use gix::revision::plumbing::Spec;
        match spec {
            Spec::Include(id) => tips.push(id),
            Spec::Range { from, to } => {
                tips.push(to);
                hidden.push(from);
            }
            Spec::Merge { theirs, ours } => {
                tips.extend([theirs, ours]);
                if let Ok(base) = repo.merge_base(theirs, ours) {
                    hidden.push(base.detach());
                }
            }
            _ => {
                return Err(git_error(format!(
                    "unsupported range {range:?}: expected A..B, A...B or a single revision"
                )));
            }
        }
        tips =
            tips.into_iter().map(|id| peel_to_commit(repo, id, range)).collect::<Result<_, _>>()?;
    } else if let Some(branch) = &options.branch {
        let id = repo
            .rev_parse_single(branch.as_str())
            .map_err(|e| {
                git_error(format!("unknown branch or revision {branch:?}: {}", chain(&e)))
            })?
            .detach();
        tips.push(peel_to_commit(repo, id, branch)?);
    } else {
        tips = all_ref_tips(repo)?;
    }
    if let Some(since) = &options.since {
        let id = repo
            .rev_parse_single(since.as_str())
            .map_err(|e| git_error(format!("unknown revision {since:?}: {}", chain(&e))))?
            .detach();
        hidden.push(peel_to_commit(repo, id, since)?);
    }
    hidden = hidden.into_iter().filter_map(|id| peel_to_commit(repo, id, "").ok()).collect();
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    let walk = repo
        .rev_walk(tips)
        .with_hidden(hidden)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
        .map_err(|e| git_error(format!("cannot walk the history: {}", chain(&e))))?;
    let mut graph = Vec::new();
    for info in walk {
        let info =
            info.map_err(|e| git_error(format!("cannot walk the history: {}", chain(&e))))?;
        let parents: Vec<ObjectId> = info.parent_ids().map(|id| id.detach()).collect();
        let time = info.commit_time.unwrap_or_default();
        graph.push((info.id, parents, time));
    }
    Ok(topological(graph))
}

fn peel_to_commit(repo: &gix::Repository, id: ObjectId, name: &str) -> Result<ObjectId, Error> {
    let object = repo.find_object(id).map_err(|e| git_error(format!("{name:?}: {}", chain(&e))))?;
    object
        .peel_to_commit()
        .map(|commit| commit.id)
        .map_err(|_| git_error(format!("{name:?} does not name a commit")))
}

/// The commits every reference (and a detached `HEAD`) points at, through tags; references to
/// other objects are left out.
fn all_ref_tips(repo: &gix::Repository) -> Result<Vec<ObjectId>, Error> {
    let refs =
        |e: &dyn std::error::Error| git_error(format!("cannot read references: {}", chain(e)));
    let platform = repo.references().map_err(|e| refs(&e))?;
    let mut tips = Vec::new();
    for reference in platform.all().map_err(|e| refs(&e))? {
        let Ok(mut reference) = reference else { continue };
        if let Ok(commit) = reference.peel_to_commit() {
            tips.push(commit.id);
        }
    }
    // A detached HEAD has no reference of its own; an unborn one has no commit.
    if let Ok(id) = repo.head_id() {
        tips.push(id.detach());
    }
    tips.sort_unstable();
    tips.dedup();
    Ok(tips)
}

/// Orders commits so that parents come before children, oldest commit time first among those
/// ready (Kahn's algorithm), ties broken by id so the order is deterministic.
fn topological(graph: Vec<(ObjectId, Vec<ObjectId>, i64)>) -> Vec<ObjectId> {
    let index: HashMap<ObjectId, usize> =
        graph.iter().enumerate().map(|(i, (id, _, _))| (*id, i)).collect();
    let mut pending_parents = vec![0usize; graph.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); graph.len()];
    for (i, (_, parents, _)) in graph.iter().enumerate() {
        for parent in parents {
            if let Some(&p) = index.get(parent) {
                pending_parents[i] += 1;
                children[p].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId, usize)>> = graph
        .iter()
        .enumerate()
        .filter(|(i, _)| pending_parents[*i] == 0)
        .map(|(i, (id, _, time))| Reverse((*time, *id, i)))
        .collect();
    let mut order = Vec::with_capacity(graph.len());
    while let Some(Reverse((_, id, i))) = ready.pop() {
        order.push(id);
        for &child in &children[i] {
            pending_parents[child] -= 1;
            if pending_parents[child] == 0 {
                let (id, _, time) = &graph[child];
                ready.push(Reverse((*time, *id, child)));
            }
        }
    }
    order
}

/// A blob written at a path by a commit.
pub(crate) struct Event {
    pub(crate) commit: Arc<GitCommit>,
    pub(crate) path: PathBuf,
    pub(crate) blob: ObjectId,
    /// The first event for this blob: it must be scanned.
    pub(crate) first: bool,
    /// The blob at this path in the commit's first parent, when the commit modified the file.
    pub(crate) previous: Option<ObjectId>,
}

/// Yields the events of the commits in order: for each commit, the blobs it wrote.
pub(crate) struct Events {
    repo: gix::Repository,
    commits: std::vec::IntoIter<ObjectId>,
    queue: VecDeque<Result<Event, Error>>,
    seen: HashSet<ObjectId>,
    state: gix::diff::tree::State,
}

impl Events {
    pub(crate) fn new(repo: gix::Repository, commits: Vec<ObjectId>) -> Self {
        Events {
            repo,
            commits: commits.into_iter(),
            queue: VecDeque::new(),
            seen: HashSet::new(),
            state: Default::default(),
        }
    }

    /// Queues the blobs `id` wrote, compared with its first parent.
    fn diff_commit(&mut self, id: ObjectId) -> Result<(), Error> {
        let fail = |what: &str, e: &dyn std::error::Error| {
            git_error(format!("commit {id}: cannot read {what}: {}", chain(e)))
        };
        let commit = self.repo.find_commit(id).map_err(|e| fail("the commit", &e))?;
        let info = Arc::new(commit_info(&commit).map_err(|e| fail("the commit", &*e))?);
        let tree = commit.tree().map_err(|e| fail("its tree", &e))?;
        let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
        // A parent missing from a shallow clone counts as no parent: its files are all new here.
        let mut parent_trees = Vec::with_capacity(parents.len());
        for parent in &parents {
            match self.repo.try_find_object(*parent) {
                Ok(Some(object)) => {
                    let tree = object
                        .try_into_commit()
                        .map_err(|e| fail("a parent", &e))?
                        .tree()
                        .map_err(|e| fail("a parent's tree", &e))?;
                    parent_trees.push(tree);
                }
                Ok(None) => {}
                Err(e) => return Err(fail("a parent", &e)),
            }
        }
        let mut recorder = gix::diff::tree::Recorder::default();
        {
            let lhs: &[u8] = parent_trees.first().map_or(&[], |t| &t.data);
            gix::diff::tree(
                TreeRefIter::from_bytes(lhs, id.kind()),
                TreeRefIter::from_bytes(&tree.data, id.kind()),
                &mut self.state,
                &self.repo.objects,
                &mut recorder,
            )
            .map_err(|e| fail("its changes", &e))?;
        }
        for change in recorder.records {
            let (mode, blob, path, previous) = match change {
                TreeChange::Addition { entry_mode, oid, path, .. } => (entry_mode, oid, path, None),
                TreeChange::Modification { entry_mode, oid, path, previous_oid, .. } => {
                    (entry_mode, oid, path, Some(previous_oid))
                }
                TreeChange::Deletion { .. } => continue,
            };
            if !mode.is_blob() {
                continue;
            }
            // In a merge, what another parent already has at this path came from that side.
            if parent_trees.len() > 1 && parent_trees[1..].iter().any(|t| has_blob(t, &path, &blob))
            {
                continue;
            }
            let first = self.seen.insert(blob);
            self.queue.push_back(Ok(Event {
                commit: Arc::clone(&info),
                path: repo_path(&path),
                blob,
                first,
                previous,
            }));
        }
        Ok(())
    }
}

fn has_blob(tree: &gix::Tree<'_>, path: &BString, blob: &ObjectId) -> bool {
    let components = path.split(|b| *b == b'/');
    matches!(tree.lookup_entry(components), Ok(Some(entry)) if entry.object_id() == *blob)
}

fn commit_info(
    commit: &gix::Commit<'_>,
) -> Result<GitCommit, Box<dyn std::error::Error + Send + Sync>> {
    let author = commit.author()?;
    let time = author.time()?;
    let date = time.format(gix::date::time::format::ISO8601_STRICT).unwrap_or_default();
    let subject = commit.message()?.summary().to_str_lossy().into_owned();
    Ok(GitCommit {
        id: commit.id.to_string(),
        author_name: author.name.trim().to_str_lossy().into_owned(),
        author_email: author.email.trim().to_str_lossy().into_owned(),
        date,
        timestamp: time.seconds,
        subject,
    })
}

impl Iterator for Events {
    type Item = Result<Event, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            let id = self.commits.next()?;
            if let Err(err) = self.diff_commit(id) {
                self.queue.push_back(Err(err));
            }
        }
    }
}

/// Reads the blob at the event's path before the commit (when it modified the file) into `buf`;
/// `false` when there is none, or it cannot be read, or it is skipped (huge, binary).
pub(crate) fn read_previous(
    options: &Options,
    repo: &gix::Repository,
    event: &Event,
    buf: &mut Vec<u8>,
) -> bool {
    let Some(previous) = event.previous else { return false };
    matches!(read_blob(options, repo, &previous, &event.path, buf), Ok(BlobData::Read))
}

/// Reads the blob of an event that is the first for its blob into `buf`.
pub(crate) fn open_event(
    options: &Options,
    repo: &gix::Repository,
    event: &Event,
    buf: &mut Vec<u8>,
) -> Opened {
    match read_blob(options, repo, &event.blob, &event.path, buf) {
        Err(err) => Opened::Error(err),
        Ok(BlobData::Skipped(reason)) => Opened::Skipped(event.path.clone(), reason),
        // Attributed to commits when the outcomes are folded, not here.
        Ok(BlobData::Read) => Opened::Buffered(Origin::Bytes(None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    #[test]
    fn parents_come_before_children_whatever_the_times() {
        // 3 is a merge of 1 and 2; 2's clock is behind its parent 1's.
        let graph = vec![
            (id(3), vec![id(1), id(2)], 30),
            (id(2), vec![id(1)], 5),
            (id(1), vec![id(0)], 10),
        ];
        assert_eq!(topological(graph), vec![id(1), id(2), id(3)]);
    }
}
