//! The one executor every source runs on: a producer thread takes the source's items in order,
//! workers of the scanner's private rayon pool (one scratch each) read and scan them, and the
//! caller's thread folds the outcomes back in the source's order, so output is deterministic
//! whatever order the workers finish in.
//!
//! At most [`IN_FLIGHT`] items are between the producer and the fold at any time, so memory does
//! not grow with the size of the source (a history of a million blob events, say) when one item
//! is slow. Workers send outcomes in batches, and always flush before they wait for an item, so
//! an outcome never waits in a batch for a worker that waits for the fold.
//! Items go to the workers in chunks too, so that neither side wakes the other once per item.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::TryRecvError;

use crate::chunked;
use crate::engine::{Engine, Scratch};
use crate::error::Error;
use crate::finding::Finding;
use crate::sink::Sink;
use crate::source::tree::transcode_utf16;
use crate::source::{Opened, Options, looks_binary};
use crate::stats::{SkipReason, Stats};

/// Items read from a source and not yet folded, at most.
const IN_FLIGHT: usize = 4096;
/// Chunks of items queued for the workers, at most.
const QUEUE: usize = 64;
/// Items in one chunk, at most.
const CHUNK: usize = 32;
/// Read buffers up to this capacity are kept for the next item.
const RETAINED_BUFFER: usize = 1 << 20;

/// What scanning one item gave.
pub(crate) enum Outcome {
    Nothing,
    /// `whole`: the input scanned whole, every finding in it here, named for
    /// [`Sink::scanned`] (`-` for standard input); `None` when not (a staged change whose
    /// findings on unchanged lines were dropped). `errors`: rules that failed to build the
    /// first time this input needed them.
    Scanned {
        whole: Option<PathBuf>,
        bytes: u64,
        findings: Vec<Finding>,
        errors: Vec<Error>,
        /// Findings below the confidence threshold, left out of `findings`.
        below: u64,
    },
    Skipped(PathBuf, SkipReason),
    Error(Error),
}

/// Scans what a source opened: bytes in `buf` (UTF-16 text transcoded first) or a large file in
/// chunks. The worker's half of every source.
pub(crate) fn scan_opened(
    engine: &Engine,
    options: &Options,
    opened: Opened,
    buf: &[u8],
    scratch: &mut Scratch,
) -> Outcome {
    let (findings, bytes, origin) = match opened {
        Opened::Nothing => return Outcome::Nothing,
        Opened::Skipped(path, reason) => return Outcome::Skipped(path, reason),
        Opened::Error(err) => return Outcome::Error(err),
        Opened::Chunked(file, len, origin) => {
            let chunk = options.chunk_size as usize;
            match chunked::scan(engine, file, len, &origin, chunk, chunked::OVERLAP, scratch) {
                Ok((bytes, findings)) => (findings, bytes, origin),
                Err(err) => return Outcome::Error(err),
            }
        }
        Opened::Buffered(origin) => {
            let mut findings = Vec::new();
            match transcode_utf16(buf) {
                Some(text) => {
                    if !options.scan_binary && looks_binary(&text) {
                        let name = origin.path().unwrap_or(std::path::Path::new("-"));
                        return Outcome::Skipped(name.to_path_buf(), SkipReason::Binary);
                    }
                    engine.find(&text, &origin, scratch, &mut findings);
                }
                None => engine.find(buf, &origin, scratch, &mut findings),
            }
            (findings, buf.len() as u64, origin)
        }
    };
    let mut findings = findings;
    let all = findings.len();
    findings.retain(|f| f.confidence >= options.min_confidence);
    let below = (all - findings.len()) as u64;
    let whole = origin.path().map(PathBuf::from);
    let errors = std::mem::take(&mut scratch.rule_errors);
    Outcome::Scanned { whole, bytes, findings, errors, below }
}

/// Passes one outcome to the sink and counts it; `Ok(false)` when the sink asked to stop.
pub(crate) fn deliver(
    outcome: Outcome,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<bool, Error> {
    let go_on = match outcome {
        Outcome::Nothing => true,
        Outcome::Scanned { whole, bytes, findings, errors, below } => {
            stats.below_threshold += below;
            if !count_scanned(bytes, errors, sink, stats)? {
                return Ok(false);
            }
            if let Some(path) = whole
                && !sink.scanned(&path)?
            {
                return Ok(false);
            }
            for finding in findings {
                stats.findings += 1;
                if !sink.finding(finding)? {
                    return Ok(false);
                }
            }
            true
        }
        Outcome::Skipped(path, reason) => {
            *stats.skipped.entry(reason).or_default() += 1;
            sink.skipped(&path, reason)?
        }
        Outcome::Error(err) => {
            stats.errors += 1;
            sink.error(err)?
        }
    };
    Ok(go_on && sink.progress(stats)?)
}

/// Lends a worker a scratch for as long as the closure it is given runs (the scanner's pool of
/// scratches, so that regex caches outlive one scan).
pub(crate) type Scratches<'a> = dyn Fn(&mut dyn FnMut(&mut Scratch)) + Sync + 'a;

/// Counts one scanned input, after passing on the errors of rules that failed to build for it;
/// `Ok(false)` when the sink asked to stop.
pub(crate) fn count_scanned(
    bytes: u64,
    errors: Vec<Error>,
    sink: &mut dyn Sink,
    stats: &mut Stats,
) -> Result<bool, Error> {
    for err in errors {
        stats.errors += 1;
        if !sink.error(err)? {
            return Ok(false);
        }
    }
    stats.files_scanned += 1;
    stats.bytes_scanned += bytes;
    Ok(true)
}

/// What a worker holds: its scratch (taken from the scanner's pool and given back) and the
/// source's per-thread state.
pub(crate) struct Worker<'a, L> {
    pub(crate) scratch: &'a mut Scratch,
    pub(crate) local: L,
}

/// Runs `work` on every item of `items` on `pool`, and `fold` on each result in the order of
/// `items`, on the caller's thread. `fold` returning `Ok(false)` stops the run early; an error
/// stops it and is returned.
pub(crate) fn run<I, L, O>(
    pool: &rayon::ThreadPool,
    scratches: &Scratches<'_>,
    items: impl Iterator<Item = I> + Send,
    local: impl Fn() -> L + Sync,
    work: impl Fn(&mut Worker<'_, L>, I) -> O + Sync,
    mut fold: impl FnMut(O) -> Result<bool, Error>,
) -> Result<(), Error>
where
    I: Send,
    O: Send,
{
    let stop = AtomicBool::new(false);
    // Items sent to the workers and not yet folded.
    let in_flight = AtomicUsize::new(0);
    let (item_tx, item_rx) = crossbeam_channel::bounded::<Vec<(u64, I)>>(QUEUE);
    let (out_tx, out_rx) = crossbeam_channel::unbounded::<Vec<(u64, O)>>();
    let mut failure = None;
    std::thread::scope(|scope| {
        let (stop, in_flight) = (&stop, &in_flight);
        scope.spawn(move || {
            // Items go in chunks, so that a worker is woken once per chunk rather than per item,
            // except when the workers are waiting for work: then at once.
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut items = items.enumerate().peekable();
            while let Some((index, item)) = items.next() {
                chunk.push((index as u64, item));
                let last = items.peek().is_none();
                if chunk.len() < CHUNK && !item_tx.is_empty() && !last {
                    continue;
                }
                // Wait while IN_FLIGHT items wait to be folded: a slow item holds the fold, and
                // what the others produce meanwhile must not pile up. Rare, so polled.
                while in_flight.load(Ordering::Acquire) + chunk.len() > IN_FLIGHT
                    && !stop.load(Ordering::Relaxed)
                {
                    std::thread::sleep(Duration::from_micros(200));
                }
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                in_flight.fetch_add(chunk.len(), Ordering::AcqRel);
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if item_tx.send(full).is_err() {
                    break;
                }
            }
        });
        let (local, work) = (&local, &work);
        scope.spawn(move || {
            pool.broadcast(|_| {
                scratches(&mut |scratch| {
                    let mut worker = Worker { scratch, local: local() };
                    let mut batch = Batch::new(out_tx.clone());
                    loop {
                        let chunk = match item_rx.try_recv() {
                            Ok(chunk) => chunk,
                            Err(TryRecvError::Disconnected) => break,
                            Err(TryRecvError::Empty) => {
                                if batch.flush().is_err() {
                                    break;
                                }
                                match item_rx.recv() {
                                    Ok(chunk) => chunk,
                                    Err(_) => break,
                                }
                            }
                        };
                        for (index, item) in chunk {
                            // Once stopped, drain the queue so that the producer can finish.
                            if stop.load(Ordering::Relaxed) {
                                continue;
                            }
                            let outcome = work(&mut worker, item);
                            if batch.push(index, outcome).is_err() {
                                return;
                            }
                        }
                    }
                })
            });
            drop(out_tx);
        });
        let mut next = 0u64;
        let mut pending: HashMap<u64, O> = HashMap::new();
        for batch in out_rx.iter() {
            if stop.load(Ordering::Relaxed) {
                continue;
            }
            pending.extend(batch);
            while let Some(outcome) = pending.remove(&next) {
                next += 1;
                in_flight.fetch_sub(1, Ordering::AcqRel);
                match fold(outcome) {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(err) => failure = Some(err),
                }
                stop.store(true, Ordering::Relaxed);
                pending.clear();
                break;
            }
        }
    });
    failure.map_or(Ok(()), Err)
}

impl Scratch {
    /// Takes the worker's read buffer; give it back with [`Scratch::keep_buffer`].
    pub(crate) fn take_buffer(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Keeps a read buffer for the next item, unless a large one made it large: most inputs are
    /// small, and a retained 8 MiB buffer per worker would dominate the scan's memory.
    pub(crate) fn keep_buffer(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() <= RETAINED_BUFFER {
            buf.clear();
            self.buf = buf;
        }
    }
}

/// A worker's outcomes on their way to the fold, sent in batches: one message per item woke the
/// folding thread tens of thousands of times a second, and its spinning and context switches
/// took a tenth of the workers' time. A batch goes when it is full, when it has waited
/// [`Batch::MAX_WAIT`] (so progress and Ctrl-C stay responsive), before its worker waits for an
/// item, and when the worker finishes.
struct Batch<O> {
    tx: crossbeam_channel::Sender<Vec<(u64, O)>>,
    items: Vec<(u64, O)>,
    since: Instant,
}

impl<O> Batch<O> {
    const SIZE: usize = 64;
    const MAX_WAIT: Duration = Duration::from_millis(20);

    fn new(tx: crossbeam_channel::Sender<Vec<(u64, O)>>) -> Batch<O> {
        Batch { tx, items: Vec::with_capacity(Self::SIZE), since: Instant::now() }
    }

    /// Adds an outcome; `Err` when the receiving side has gone.
    fn push(&mut self, index: u64, outcome: O) -> Result<(), ()> {
        if self.items.is_empty() {
            self.since = Instant::now();
        }
        self.items.push((index, outcome));
        if self.items.len() >= Self::SIZE || self.since.elapsed() >= Self::MAX_WAIT {
            return self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ()> {
        if self.items.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut self.items, Vec::with_capacity(Self::SIZE));
        self.tx.send(items).map_err(|_| ())
    }
}

impl<O> Drop for Batch<O> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
