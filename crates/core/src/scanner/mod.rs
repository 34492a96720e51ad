//! The [`Scanner`]: rules compiled for scanning, and one method per source, each running the
//! same executor.

mod git;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use crate::engine::{Engine, Scratch};
use crate::error::{Error, ErrorKind};
use crate::exec::{self, Outcome};
use crate::finding::Finding;
use crate::origin::{Blob, Origin};
use crate::rules::{Rule, Rules};
use crate::sink::Sink;
use crate::source::{self, Opened, Options};
use crate::stats::{SkipReason, Stats};

/// Files larger than this are scanned in chunks of this size by default (plus overlap), so that
/// a worker never holds more than about this much of a file.
const CHUNK_SIZE: u64 = 8 << 20;
/// The default maximum file size: larger files are skipped (and counted).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;
/// The confidence threshold of the command line and the Python bindings, chosen from measured
/// precision on a labelled set of real code (`docs/ACCURACY.md`): findings below it are
/// counted, not reported, unless asked for (`--min-confidence low`).
pub const DEFAULT_MIN_CONFIDENCE: crate::rules::Confidence = crate::rules::Confidence::Medium;

/// Scans bytes, files, directory trees and git repositories with a compiled set of rules.
///
/// Cheap to clone and safe to share between threads; each scan takes per-thread scratch memory
/// from an internal pool. Regexes compile lazily, the first time one of a rule's keywords is
/// seen, so building a scanner costs about a millisecond. Every scan of a tree, a staged change,
/// a history or a stream runs on the same executor: a private pool of worker threads and one
/// reorder stage, so results reach the [`Sink`] in a deterministic order.
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
                min_confidence: crate::rules::Confidence::Low,
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
    /// Worker threads; 0 (the default) uses one per CPU.
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
    /// Respect ignore files (default true): inside a git work tree, `.gitignore` and git's
    /// exclude files leave out untracked files git ignores (tracked files are always scanned);
    /// `.ignore` files apply everywhere. `false` scans everything.
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
    /// Findings below this confidence are not passed to the sink of a tree, stream, staged or
    /// history scan; they are counted in [`Stats::below_threshold`]. The default, `Low`, reports
    /// every finding; the command line and the Python bindings default to
    /// [`DEFAULT_MIN_CONFIDENCE`](crate::DEFAULT_MIN_CONFIDENCE). [`Scanner::scan_bytes`] and
    /// [`Scanner::scan_blob`] return every finding whatever this is: each carries its confidence.
    pub fn min_confidence(&mut self, confidence: crate::rules::Confidence) -> &mut Self {
        self.options.min_confidence = confidence;
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
        self.scan_blob(&Blob::new(data, Origin::Bytes(path.map(Path::to_path_buf))))
    }

    /// Scans one blob held in memory, on the calling thread (no worker threads are involved for
    /// one input); its findings carry the blob's origin. Findings on a line with an inline allow
    /// comment are left out (scans that report to a [`Sink`] pass them on, marked suppressed).
    pub fn scan_blob(&self, blob: &Blob<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        self.with_scratch(|scratch| {
            self.inner.engine.find(blob.bytes, &blob.origin, scratch, &mut findings);
            // A rule that fails to build here has no sink to be reported to; the built-in rules
            // all build (a test checks), and user rules are built when the scanner is.
            scratch.rule_errors.clear();
        });
        findings.retain(|f| f.suppression.is_none());
        findings
    }

    /// Scans files and directory trees, in parallel, pushing results to `sink` in a
    /// deterministic order (the walk order: paths sorted, then findings by offset). Unreadable
    /// files are passed to the sink as errors and the scan goes on; it stops early when the
    /// sink returns `Ok(false)`, and with the sink's error when it returns one.
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
        let options = &self.inner.options;
        let walk = source::tree::walker(paths, options).build();
        // The files the walk yields, so that those git tracks but `.gitignore` hides can follow.
        let seen = Mutex::new(HashSet::new());
        let roots: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let walked = walk.map(|entry| {
            if let Ok(e) = &entry
                && e.file_type().is_some_and(|t| t.is_file())
                && let Ok(mut seen) = seen.lock()
            {
                seen.insert(e.path().to_path_buf());
            }
            source::tree::Item::Walked(entry)
        });
        let tracked = std::iter::once(()).flat_map(|()| {
            if !options.ignore_files {
                return Vec::new();
            }
            let seen = seen.lock().map(|mut s| std::mem::take(&mut *s)).unwrap_or_default();
            source::tree::tracked_extras(&roots, &seen)
        });
        self.run(
            walked.chain(tracked.map(source::tree::Item::Tracked)),
            || (),
            |worker, item| {
                let open = |buf: &mut Vec<u8>| source::tree::open_item(item, options, buf);
                self.open_and_scan(worker.scratch, open, |_, outcome, _| outcome)
            },
            |outcome| exec::deliver(outcome, sink, &mut stats),
        )?;
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
        let opened = if data.len() as u64 > options.max_file_size {
            Opened::Skipped(name.to_path_buf(), SkipReason::TooLarge)
        } else if !options.scan_binary
            && source::looks_binary(&data)
            && source::tree::utf16_bom(&data).is_none()
        {
            Opened::Skipped(name.to_path_buf(), SkipReason::Binary)
        } else {
            Opened::Buffered(Origin::Stdin)
        };
        let mut stats = Stats::default();
        self.run(
            std::iter::once(opened),
            || (),
            |worker, opened| self.scan_opened(opened, &data, worker.scratch),
            |outcome| exec::deliver(outcome, sink, &mut stats),
        )?;
        stats.elapsed = started.elapsed();
        Ok(stats)
    }

    /// Scans one file or directory tree; see [`Scanner::scan_paths`].
    pub fn scan_path(&self, path: impl AsRef<Path>, sink: &mut dyn Sink) -> Result<Stats, Error> {
        self.scan_paths(&[path.as_ref()], sink)
    }

    /// Runs a source's items through the executor on this scanner's pool and scratches.
    fn run<I: Send, L, O: Send>(
        &self,
        items: impl Iterator<Item = I> + Send,
        local: impl Fn() -> L + Sync,
        work: impl Fn(&mut exec::Worker<'_, L>, I) -> O + Sync,
        fold: impl FnMut(O) -> Result<bool, Error>,
    ) -> Result<(), Error> {
        let scratches = |f: &mut dyn FnMut(&mut Scratch)| self.with_scratch(f);
        exec::run(self.pool()?, &scratches, items, local, work, fold)
    }

    /// A source's worker step: reads one item into the worker's buffer with `open`, scans it,
    /// runs `then` on the bytes and the outcome (what a source does after the scan, such as a
    /// staged change's line filter), and keeps the buffer for the next item.
    fn open_and_scan<T>(
        &self,
        scratch: &mut Scratch,
        open: impl FnOnce(&mut Vec<u8>) -> Opened,
        then: impl FnOnce(&mut Vec<u8>, Outcome, &mut Scratch) -> T,
    ) -> T {
        let mut buf = scratch.take_buffer();
        let opened = open(&mut buf);
        let outcome = self.scan_opened(opened, &buf, scratch);
        let out = then(&mut buf, outcome, scratch);
        scratch.keep_buffer(buf);
        out
    }

    fn scan_opened(&self, opened: Opened, buf: &[u8], scratch: &mut Scratch) -> Outcome {
        exec::scan_opened(&self.inner.engine, &self.inner.options, opened, buf, scratch)
    }

    fn pool(&self) -> Result<&rayon::ThreadPool, Error> {
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

    fn with_scratch<T>(&self, f: impl FnOnce(&mut Scratch) -> T) -> T {
        let mut scratch =
            self.inner.scratch.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
        let out = f(&mut scratch);
        if let Ok(mut pool) = self.inner.scratch.lock() {
            pool.push(scratch);
        }
        out
    }

    fn options(&self) -> &Options {
        &self.inner.options
    }

    #[cfg(test)]
    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

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
            fn finding(&mut self, _: Finding) -> Result<bool, Error> {
                Ok(true)
            }
            fn scanned(&mut self, path: &Path) -> Result<bool, Error> {
                self.0.push(path.to_path_buf());
                Ok(true)
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
            fn finding(&mut self, _: Finding) -> Result<bool, Error> {
                Ok(true)
            }
            fn progress(&mut self, _: &Stats) -> Result<bool, Error> {
                self.0 += 1;
                Ok(self.0 < self.1)
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
