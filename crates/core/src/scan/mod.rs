//! Scanning: the [`Scanner`] and what a scan reports besides findings.

pub(crate) mod checksum;
mod chunked;
pub(crate) mod engine;
pub(crate) mod filters;
mod gate;
mod keywords;
pub(crate) mod source;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::error::{Error, ErrorKind};
use crate::finding::{self, Finding};
use crate::rules::{Rule, Rules};
use crate::sink::Sink;
use engine::{Engine, Scratch};

/// Why a file was not scanned. Every skip is counted in [`Stats`] and passed to the [`Sink`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// A NUL byte in the first 8 KiB, and binary scanning is off.
    Binary,
    /// Larger than the maximum file size.
    TooLarge,
    /// A symbolic link, not followed.
    Symlink,
    /// A symbolic link whose target does not exist (or loops).
    BrokenSymlink,
    /// Not a regular file: a FIFO, socket or device.
    NotAFile,
}

impl SkipReason {
    /// A short lower-case name, such as `binary` or `too-large`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too-large",
            SkipReason::Symlink => "symlink",
            SkipReason::BrokenSymlink => "broken-symlink",
            SkipReason::NotAFile => "not-a-file",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Binary => "binary file",
            SkipReason::TooLarge => "larger than the maximum file size",
            SkipReason::Symlink => "symbolic link not followed",
            SkipReason::BrokenSymlink => "broken symbolic link",
            SkipReason::NotAFile => "not a regular file",
        })
    }
}

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Stats {
    /// Files (or inputs) scanned.
    pub files_scanned: u64,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Findings reported.
    pub findings: u64,
    /// Files skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Files or directories that could not be read.
    pub errors: u64,
    /// Wall-clock time of the scan.
    pub elapsed: Duration,
    /// Commits whose changes a history scan ([`Scanner::scan_git`]) walked; 0 for other scans.
    pub commits_scanned: u64,
    /// Whether the repository of a history scan is a shallow clone, so that history before its
    /// shallow boundary was not there to scan.
    pub shallow: bool,
}

impl Stats {
    /// Files skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Adds the counts of another scan to these.
    pub fn merge(&mut self, other: &Stats) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.findings += other.findings;
        for (reason, n) in &other.skipped {
            *self.skipped.entry(*reason).or_default() += n;
        }
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.commits_scanned += other.commits_scanned;
        self.shallow |= other.shallow;
    }
}

/// Files larger than this are scanned in chunks of this size by default (plus overlap), so that
/// a worker never holds more than about this much of a file.
const CHUNK_SIZE: u64 = 8 << 20;
/// Read buffers up to this capacity are kept for the next file.
const RETAINED_BUFFER: usize = 1 << 20;
/// The default maximum file size: larger files are skipped (and counted).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// Scans bytes, files and directory trees with a compiled set of rules.
///
/// Cheap to clone and safe to share between threads; each scan takes per-thread scratch memory
/// from an internal pool. Regexes compile lazily, the first time one of a rule's keywords is
/// seen, so building a scanner costs about a millisecond.
#[derive(Clone, Debug)]
pub struct Scanner {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    options: Options,
    pool: OnceLock<Result<rayon::ThreadPool, String>>,
    scratch: Mutex<Vec<Scratch>>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.engine.rules.len())
            .field("options", &self.options)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Options {
    threads: usize,
    pub(crate) max_file_size: u64,
    pub(crate) scan_binary: bool,
    ignore_files: bool,
    follow_links: bool,
    chunk_size: u64,
}

/// Configures a [`Scanner`].
#[derive(Clone, Debug)]
pub struct ScannerBuilder {
    rules: Option<Rules>,
    options: Options,
}

impl Default for ScannerBuilder {
    fn default() -> Self {
        ScannerBuilder {
            rules: None,
            options: Options {
                threads: 0,
                max_file_size: DEFAULT_MAX_FILE_SIZE,
                scan_binary: false,
                ignore_files: true,
                follow_links: false,
                chunk_size: CHUNK_SIZE,
            },
        }
    }
}

impl ScannerBuilder {
    /// The rules to scan with (default: [`Rules::builtin`]).
    pub fn rules(&mut self, rules: Rules) -> &mut Self {
        self.rules = Some(rules);
        self
    }
    /// Worker threads for tree scans; 0 (the default) uses one per CPU.
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.options.threads = threads;
        self
    }
    /// Files larger than this many bytes are skipped (default 100 MiB).
    pub fn max_file_size(&mut self, bytes: u64) -> &mut Self {
        self.options.max_file_size = bytes;
        self
    }
    /// Scan files that look binary (a NUL byte in the first 8 KiB) instead of skipping them.
    pub fn scan_binary(&mut self, yes: bool) -> &mut Self {
        self.options.scan_binary = yes;
        self
    }
    /// Respect `.gitignore`, `.ignore` and git's exclude files (default true).
    pub fn ignore_files(&mut self, yes: bool) -> &mut Self {
        self.options.ignore_files = yes;
        self
    }
    /// Follow symbolic links while walking (default false: links are counted as skipped).
    pub fn follow_links(&mut self, yes: bool) -> &mut Self {
        self.options.follow_links = yes;
        self
    }
    /// Files larger than this are read and scanned in chunks of this many bytes, each with
    /// 256 KiB of the file on either side as context; smaller ones are read whole into a reused
    /// buffer (default 8 MiB). A worker thus holds at most about `bytes + 512 KiB` of a file,
    /// however large the file. Files are never memory-mapped: a file truncated by another
    /// process while mapped would crash the scan with SIGBUS.
    pub fn chunk_size(&mut self, bytes: u64) -> &mut Self {
        self.options.chunk_size = bytes.max(1);
        self
    }
    /// Compiles the rules' keyword automaton and freezes the configuration.
    pub fn build(&self) -> Result<Scanner, Error> {
        let builtin;
        let rules = match &self.rules {
            Some(rules) => rules,
            None => {
                builtin = Rules::builtin();
                &builtin
            }
        };
        Ok(Scanner {
            inner: Arc::new(Inner {
                engine: Engine::new(rules)?,
                options: self.options.clone(),
                pool: OnceLock::new(),
                scratch: Mutex::new(Vec::new()),
            }),
        })
    }
}

/// What happened to one walked entry; sent from workers to the thread that owns the sink.
pub(crate) enum Outcome {
    Nothing,
    /// `whole`: the input scanned whole, every finding in it here, named for
    /// [`Sink::scanned`] (`-` for standard input); `None` when not (a staged change whose
    /// findings on unchanged lines were dropped).
    Scanned {
        whole: Option<PathBuf>,
        bytes: u64,
        findings: Vec<Finding>,
    },
    Skipped(PathBuf, SkipReason),
    Error(Error),
}

impl Scanner {
    /// A scanner with the built-in rules and default options.
    pub fn new() -> Result<Scanner, Error> {
        Scanner::builder().build()
    }

    /// A builder, to choose rules and options.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// The rules this scanner uses.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Rule> {
        self.inner.engine.rules.iter().map(|r| &*r.rule)
    }

    /// Scans one input held in memory; `path` names it in the findings.
    pub fn scan_bytes(&self, data: &[u8], path: Option<&Path>) -> Vec<Finding> {
        let mut findings = Vec::new();
        self.with_scratch(|scratch| self.scan_into(data, path, scratch, &mut findings));
        findings
    }

    /// Scans files and directory trees, in parallel, pushing results to `sink` in a
    /// deterministic order (the walk order: paths sorted, then findings by offset). Unreadable
    /// files are passed to the sink as errors and the scan goes on; it stops early only when the
    /// sink returns `false`.
    pub fn scan_paths<P: AsRef<Path>>(
        &self,
        paths: &[P],
        sink: &mut dyn Sink,
    ) -> Result<Stats, Error> {
        let started = Instant::now();
        let mut stats = Stats::default();
        if paths.is_empty() {
            return Ok(stats);
        }
        let pool = self.pool()?;
        let walk = source::walker(paths, &self.inner.options).build();
        let stop = AtomicBool::new(false);
        let (tx, rx) = crossbeam_channel::bounded::<Vec<(u64, Outcome)>>(64);
        std::thread::scope(|scope| {
            let stop = &stop;
            scope.spawn(move || {
                pool.install(|| {
                    // Once the sink has asked to stop, the walk stops too (the `Err`), so that
                    // stopping a scan of a huge tree returns promptly.
                    let _ = walk.enumerate().par_bridge().try_for_each_init(
                        || Batch::new(tx.clone()),
                        |batch, (index, entry)| {
                            if stop.load(Ordering::Relaxed) {
                                return Err(());
                            }
                            let outcome = self.scan_entry(entry);
                            batch.push(index as u64, outcome)
                        },
                    );
                });
                drop(tx);
            });
            // Deliver in walk order, whatever order the workers finish in.
            let mut next = 0u64;
            let mut pending: HashMap<u64, Outcome> = HashMap::new();
            for batch in rx.iter() {
                for (index, outcome) in batch {
                    pending.insert(index, outcome);
                }
                while let Some(outcome) = pending.remove(&next) {
                    next += 1;
                    if !stop.load(Ordering::Relaxed) && !deliver(outcome, sink, &mut stats) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        });
        stats.elapsed = started.elapsed();
        Ok(stats)
    }

    /// Reads `reader` to its end (standard input, say) and scans it as one input named `-`,
    /// applying the same size and binary limits as files.
    pub fn scan_reader(
        &self,
        reader: impl std::io::Read,
        sink: &mut dyn Sink,
    ) -> Result<Stats, Error> {
        use std::io::Read as _;
        let started = Instant::now();
        let options = &self.inner.options;
        let name = Path::new("-");
        let mut data = Vec::new();
        reader
            .take(options.max_file_size + 1)
            .read_to_end(&mut data)
            .map_err(|e| Error::io(e, name))?;
        let outcome = if data.len() as u64 > options.max_file_size {
            Outcome::Skipped(name.to_path_buf(), SkipReason::TooLarge)
        } else if !options.scan_binary
            && source::looks_binary(&data)
            && source::utf16_bom(&data).is_none()
        {
            Outcome::Skipped(name.to_path_buf(), SkipReason::Binary)
        } else {
            self.with_scratch(|scratch| self.scan_text(&data, None, scratch))
        };
        let mut stats = Stats::default();
        deliver(outcome, sink, &mut stats);
        stats.elapsed = started.elapsed();
        Ok(stats)
    }

    /// Scans one file or directory tree; see [`Scanner::scan_paths`].
    pub fn scan_path(&self, path: impl AsRef<Path>, sink: &mut dyn Sink) -> Result<Stats, Error> {
        self.scan_paths(&[path.as_ref()], sink)
    }

    pub(crate) fn pool(&self) -> Result<&rayon::ThreadPool, Error> {
        self.inner
            .pool
            .get_or_init(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(self.inner.options.threads)
                    .thread_name(|i| format!("tokenhound-{i}"))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::new(ErrorKind::Config, format!("cannot start worker threads: {e}")))
    }

    pub(crate) fn with_scratch<T>(&self, f: impl FnOnce(&mut Scratch) -> T) -> T {
        let mut scratch =
            self.inner.scratch.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
        let out = f(&mut scratch);
        if let Ok(mut pool) = self.inner.scratch.lock() {
            pool.push(scratch);
        }
        out
    }

    pub(crate) fn scan_into(
        &self,
        data: &[u8],
        path: Option<&Path>,
        scratch: &mut Scratch,
        out: &mut Vec<Finding>,
    ) {
        let engine = &self.inner.engine;
        engine.scan(data, scratch);
        finding::build(data, path, &scratch.matches, &engine.rules, out);
    }

    /// Scans a file's or stream's contents, transcoding UTF-16 text (with a byte-order mark) to
    /// UTF-8 first; findings in such text have offsets and columns of the UTF-8 text.
    fn scan_text(&self, data: &[u8], path: Option<&Path>, scratch: &mut Scratch) -> Outcome {
        let mut findings = Vec::new();
        match source::transcode_utf16(data) {
            Some(text) => {
                if !self.inner.options.scan_binary && source::looks_binary(&text) {
                    let name = path.unwrap_or(Path::new("-")).to_path_buf();
                    return Outcome::Skipped(name, SkipReason::Binary);
                }
                self.scan_into(&text, path, scratch, &mut findings)
            }
            None => self.scan_into(data, path, scratch, &mut findings),
        }
        let whole = Some(path.unwrap_or(Path::new("-")).to_path_buf());
        Outcome::Scanned { whole, bytes: data.len() as u64, findings }
    }

    pub(crate) fn options(&self) -> &Options {
        &self.inner.options
    }

    fn scan_entry(&self, entry: Result<ignore::DirEntry, ignore::Error>) -> Outcome {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => return Outcome::Error(source::walk_error(err)),
        };
        let path = entry.path();
        let Some(file_type) = entry.file_type() else { return Outcome::Nothing };
        if file_type.is_dir() {
            return Outcome::Nothing;
        }
        if file_type.is_symlink() {
            // Links met while walking are not followed (unless asked); say whether they dangle.
            return match std::fs::metadata(path) {
                Err(_) => Outcome::Skipped(path.to_path_buf(), SkipReason::BrokenSymlink),
                Ok(_) => Outcome::Skipped(path.to_path_buf(), SkipReason::Symlink),
            };
        }
        if !file_type.is_file() {
            return Outcome::Skipped(path.to_path_buf(), SkipReason::NotAFile);
        }
        self.with_scratch(|scratch| self.scan_file(path, scratch))
    }

    fn scan_file(&self, path: &Path, scratch: &mut Scratch) -> Outcome {
        let options = &self.inner.options;
        let mut buf = std::mem::take(&mut scratch.buf);
        let read = source::read(
            path,
            options.max_file_size,
            options.chunk_size,
            options.scan_binary,
            &mut buf,
        );
        let outcome = match read {
            Err(err) => Outcome::Error(err),
            Ok(source::Contents::TooLarge) => {
                Outcome::Skipped(path.to_path_buf(), SkipReason::TooLarge)
            }
            Ok(source::Contents::Binary) => {
                Outcome::Skipped(path.to_path_buf(), SkipReason::Binary)
            }
            Ok(source::Contents::NotAFile) => {
                Outcome::Skipped(path.to_path_buf(), SkipReason::NotAFile)
            }
            Ok(source::Contents::Chunked(file, len)) => {
                let chunk = options.chunk_size as usize;
                match chunked::scan(self, file, len, path, chunk, chunked::OVERLAP, scratch) {
                    Ok((bytes, findings)) => {
                        Outcome::Scanned { whole: Some(path.to_path_buf()), bytes, findings }
                    }
                    Err(err) => Outcome::Error(err),
                }
            }
            Ok(source::Contents::Buffered) => self.scan_text(&buf, Some(path), scratch),
        };
        scratch.keep_buffer(buf);
        outcome
    }
}

impl engine::Scratch {
    /// Keeps a read buffer for the next file or blob, unless a large one made it large: most
    /// inputs are small, and a retained 8 MiB buffer per worker would dominate the scan's
    /// memory.
    pub(crate) fn keep_buffer(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() <= RETAINED_BUFFER {
            buf.clear();
            self.buf = buf;
        }
    }
}

/// A worker's outcomes on their way to the sink's thread, sent in batches: one message per walked
/// entry woke that thread tens of thousands of times a second, and its spinning and context
/// switches took a tenth of the workers' time. A batch goes when it is full, when it has waited
/// [`Batch::MAX_WAIT`] (so progress and Ctrl-C stay responsive), and when the worker finishes.
struct Batch {
    tx: crossbeam_channel::Sender<Vec<(u64, Outcome)>>,
    items: Vec<(u64, Outcome)>,
    since: Instant,
}

impl Batch {
    const SIZE: usize = 64;
    const MAX_WAIT: Duration = Duration::from_millis(20);

    fn new(tx: crossbeam_channel::Sender<Vec<(u64, Outcome)>>) -> Batch {
        Batch { tx, items: Vec::with_capacity(Batch::SIZE), since: Instant::now() }
    }

    /// Adds an outcome; `Err` when the receiving side has gone.
    fn push(&mut self, index: u64, outcome: Outcome) -> Result<(), ()> {
        if self.items.is_empty() {
            self.since = Instant::now();
        }
        self.items.push((index, outcome));
        if self.items.len() >= Batch::SIZE || self.since.elapsed() >= Batch::MAX_WAIT {
            return self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ()> {
        if self.items.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut self.items, Vec::with_capacity(Batch::SIZE));
        self.tx.send(items).map_err(|_| ())
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Passes one outcome to the sink and counts it; false when the sink asked to stop.
pub(crate) fn deliver(outcome: Outcome, sink: &mut dyn Sink, stats: &mut Stats) -> bool {
    let go_on = match outcome {
        Outcome::Nothing => true,
        Outcome::Scanned { whole, bytes, findings } => {
            stats.files_scanned += 1;
            stats.bytes_scanned += bytes;
            if let Some(path) = whole
                && !sink.scanned(&path)
            {
                return false;
            }
            for finding in findings {
                stats.findings += 1;
                if !sink.finding(finding) {
                    return false;
                }
            }
            true
        }
        Outcome::Skipped(path, reason) => {
            *stats.skipped.entry(reason).or_default() += 1;
            sink.skipped(&path, reason)
        }
        Outcome::Error(err) => {
            stats.errors += 1;
            sink.error(err)
        }
    };
    go_on && sink.progress(stats)
}

/// A fixed stream of pseudo-random numbers for tests (xorshift32): the same cases on every run.
#[cfg(test)]
pub(crate) fn xorshift(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Scanner>();
        check::<Rules>();
        check::<Finding>();
        check::<Error>();
        check::<Stats>();
    }

    #[test]
    fn files_and_standard_input_are_named_as_scanned_but_skipped_files_are_not() {
        struct Names(Vec<PathBuf>);
        impl Sink for Names {
            fn finding(&mut self, _: Finding) -> bool {
                true
            }
            fn scanned(&mut self, path: &Path) -> bool {
                self.0.push(path.to_path_buf());
                true
            }
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "nothing here\n").unwrap();
        std::fs::write(dir.path().join("b.bin"), b"\0binary").unwrap();
        let scanner = Scanner::new().unwrap();
        let mut names = Names(Vec::new());
        scanner.scan_path(dir.path(), &mut names).unwrap();
        scanner.scan_reader(&b"text\n"[..], &mut names).unwrap();
        assert_eq!(names.0, [dir.path().join("a.txt"), PathBuf::from("-")]);
    }

    #[test]
    fn progress_is_called_per_entry_and_can_stop_the_scan() {
        struct StopAfter(usize, usize);
        impl Sink for StopAfter {
            fn finding(&mut self, _: Finding) -> bool {
                true
            }
            fn progress(&mut self, _: &Stats) -> bool {
                self.0 += 1;
                self.0 < self.1
            }
        }
        let dir = tempfile::tempdir().unwrap();
        for i in 0..40 {
            std::fs::write(dir.path().join(format!("f{i:02}.txt")), "nothing here\n").unwrap();
        }
        let scanner = Scanner::builder().threads(2).build().unwrap();

        let mut all = StopAfter(0, usize::MAX);
        let stats = scanner.scan_path(dir.path(), &mut all).unwrap();
        assert_eq!(stats.files_scanned, 40);
        assert_eq!(all.0, 41, "one call per file plus the directory itself");

        let mut few = StopAfter(0, 5);
        let stats = scanner.scan_path(dir.path(), &mut few).unwrap();
        assert_eq!(few.0, 5, "no calls after the sink asked to stop");
        assert!(stats.files_scanned <= 5, "{stats:?}");
    }
}
