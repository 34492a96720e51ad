//! `Scanner`, `ScanResult` and `Stats`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyByteArray, PyBytes, PyIterator, PyMemoryView, PyString};
use tokenhound::{Collector, Finding, Sink, SkipReason, Stats};

use crate::errors::{exception, scan_error, to_pyerr};
use crate::finding::PyFinding;
use crate::rules::PyRules;

/// How often a path scan checks for Ctrl-C (and other signals with Python handlers).
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// Scans bytes, text, files, trees and git repositories. Immutable, reusable and safe to share between threads;
/// every scan runs with the GIL released.
#[pyclass(frozen, module = "tokenhound", name = "Scanner")]
#[derive(Debug)]
pub struct PyScanner {
    rules: Arc<tokenhound::Rules>,
    builder: tokenhound::ScannerBuilder,
    show_secrets: bool,
    /// The process that built `scanner`.
    pid: u32,
    scanner: tokenhound::Scanner,
    /// The scanner rebuilt in a forked child, and that child's pid. A scanner's worker pool,
    /// scratch pool and lazily compiled regexes may have been in use by other threads at the
    /// moment of `fork()`; a child starts from fresh ones instead of threads and locks that do
    /// not exist in it.
    forked: Mutex<Option<(u32, tokenhound::Scanner)>>,
}

impl PyScanner {
    /// The core scanner to use in this process.
    fn current(&self, py: Python<'_>) -> PyResult<tokenhound::Scanner> {
        let pid = std::process::id();
        if pid == self.pid {
            return Ok(self.scanner.clone());
        }
        let mut slot = self.forked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((p, scanner)) = &*slot
            && *p == pid
        {
            return Ok(scanner.clone());
        }
        let scanner = self.builder.build().map_err(|e| to_pyerr(py, &e))?;
        *slot = Some((pid, scanner.clone()));
        Ok(scanner)
    }

    fn wrap(&self, findings: Vec<Finding>) -> Vec<PyFinding> {
        findings.into_iter().map(|f| PyFinding::new(f, self.show_secrets)).collect()
    }

    /// Runs `scan` with the GIL released, into a sink that collects everything and stops on
    /// Ctrl-C (`KeyboardInterrupt`), and returns what it collected.
    pub(crate) fn collect(
        &self,
        py: Python<'_>,
        scan: impl FnOnce(&tokenhound::Scanner, &mut PySink) -> Result<Stats, tokenhound::Error> + Send,
    ) -> PyResult<PyScanResult> {
        let scanner = self.current(py)?;
        let mut sink =
            PySink { collector: Collector::new(), last_check: Instant::now(), interrupted: None };
        let result = py.detach(|| scan(&scanner, &mut sink));
        if let Some(err) = sink.interrupted {
            return Err(err);
        }
        let stats = result.map_err(|e| to_pyerr(py, &e))?;
        let collector = sink.collector;
        let (suppressed, findings): (Vec<Finding>, Vec<Finding>) =
            collector.findings.into_iter().partition(|f| f.suppression.is_some());
        let wrap = |list: Vec<Finding>| -> PyResult<Vec<Py<PyFinding>>> {
            self.wrap(list).into_iter().map(|f| Py::new(py, f)).collect()
        };
        Ok(PyScanResult {
            findings: wrap(findings)?,
            suppressed: wrap(suppressed)?,
            stats: Py::new(py, PyStats { inner: stats })?,
            skipped: collector
                .skipped
                .iter()
                .map(|(p, r)| (p.display().to_string(), r.as_str()))
                .collect(),
            errors: collector
                .errors
                .iter()
                .map(|e| exception(py, e).map(Bound::unbind))
                .collect::<PyResult<_>>()?,
        })
    }
}

/// Input bytes: borrowed from an immutable `bytes` object, or copied from a mutable buffer
/// (which another thread could change while the scan runs without the GIL).
enum Data<'py> {
    Bytes(Bound<'py, PyBytes>),
    Copied(Vec<u8>),
}

impl Data<'_> {
    fn from_object<'py>(data: &Bound<'py, PyAny>) -> PyResult<Data<'py>> {
        if let Ok(bytes) = data.cast::<PyBytes>() {
            Ok(Data::Bytes(bytes.clone()))
        } else if let Ok(array) = data.cast::<PyByteArray>() {
            Ok(Data::Copied(array.to_vec()))
        } else if data.is_instance_of::<PyMemoryView>() {
            Ok(Data::Bytes(data.call_method0("tobytes")?.cast_into::<PyBytes>()?))
        } else {
            Err(PyTypeError::new_err(format!(
                "expected bytes, bytearray or memoryview, not {}",
                data.get_type().name()?
            )))
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Data::Bytes(b) => b.as_bytes(),
            Data::Copied(v) => v,
        }
    }
}

/// Collects results and checks for Ctrl-C now and then during a path scan.
pub(crate) struct PySink {
    collector: Collector,
    last_check: Instant,
    interrupted: Option<PyErr>,
}

impl Sink for PySink {
    fn finding(&mut self, finding: Finding) -> Result<bool, tokenhound::Error> {
        self.collector.finding(finding)
    }
    fn skipped(&mut self, path: &Path, reason: SkipReason) -> Result<bool, tokenhound::Error> {
        self.collector.skipped(path, reason)
    }
    fn error(&mut self, error: tokenhound::Error) -> Result<bool, tokenhound::Error> {
        self.collector.error(error)
    }
    fn progress(&mut self, _stats: &Stats) -> Result<bool, tokenhound::Error> {
        if self.last_check.elapsed() < SIGNAL_CHECK_INTERVAL {
            return Ok(true);
        }
        self.last_check = Instant::now();
        match Python::attach(|py| py.check_signals()) {
            Ok(()) => Ok(true),
            Err(err) => {
                self.interrupted = Some(err);
                Ok(false)
            }
        }
    }
}

/// One path, or an iterable of paths.
pub(crate) fn paths_of(paths: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    if paths.is_instance_of::<PyString>() || paths.hasattr("__fspath__")? {
        return Ok(vec![paths.extract()?]);
    }
    PyIterator::from_object(paths)?.map(|p| p?.extract()).collect()
}

/// A `min_confidence=` argument: `low`, `medium` or `high`; `None` is the default threshold.
pub(crate) fn parse_confidence(level: Option<&str>) -> PyResult<tokenhound::Confidence> {
    match level {
        None => Ok(tokenhound::DEFAULT_MIN_CONFIDENCE),
        Some("low") => Ok(tokenhound::Confidence::Low),
        Some("medium") => Ok(tokenhound::Confidence::Medium),
        Some("high") => Ok(tokenhound::Confidence::High),
        Some(other) => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "unknown confidence {other:?} (expected low, medium or high)"
        ))),
    }
}

impl PyScanner {
    /// A scanner built from `builder` (which holds its rules).
    pub(crate) fn from_builder(
        py: Python<'_>,
        rules: Arc<tokenhound::Rules>,
        builder: tokenhound::ScannerBuilder,
        show_secrets: bool,
    ) -> PyResult<Self> {
        let scanner = py.detach(|| builder.build()).map_err(|e| to_pyerr(py, &e))?;
        Ok(PyScanner {
            rules,
            builder,
            show_secrets,
            pid: std::process::id(),
            scanner,
            forked: Mutex::new(None),
        })
    }
}

#[pymethods]
impl PyScanner {
    #[new]
    #[pyo3(signature = (
        rules = None,
        *,
        threads = None,
        max_file_size = tokenhound::DEFAULT_MAX_FILE_SIZE,
        scan_binary = false,
        no_ignore = false,
        follow_links = false,
        show_secrets = false,
        min_confidence = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        rules: Option<&Bound<'_, PyRules>>,
        threads: Option<usize>,
        max_file_size: u64,
        scan_binary: bool,
        no_ignore: bool,
        follow_links: bool,
        show_secrets: bool,
        min_confidence: Option<&str>,
    ) -> PyResult<Self> {
        let min_confidence = parse_confidence(min_confidence)?;
        let rules = match rules {
            Some(r) => Arc::clone(&r.get().inner),
            None => Arc::new(tokenhound::Rules::builtin()),
        };
        let mut builder = tokenhound::Scanner::builder();
        builder
            .rules((*rules).clone())
            .threads(threads.unwrap_or(0))
            .max_file_size(max_file_size)
            .scan_binary(scan_binary)
            .ignore_files(!no_ignore)
            .follow_links(follow_links)
            .min_confidence(min_confidence);
        PyScanner::from_builder(py, rules, builder, show_secrets)
    }

    /// The rules this scanner uses.
    #[getter]
    fn rules(&self) -> PyRules {
        PyRules { inner: Arc::clone(&self.rules) }
    }

    /// Whether findings show secrets whole.
    #[getter]
    fn show_secrets(&self) -> bool {
        self.show_secrets
    }

    /// Scans bytes held in memory (`bytes` without a copy; `bytearray` and `memoryview` are
    /// copied once); `path` names the input in the findings.
    #[pyo3(signature = (data, path = None))]
    fn scan_bytes(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        path: Option<PathBuf>,
    ) -> PyResult<Vec<PyFinding>> {
        let data = Data::from_object(data)?;
        let scanner = self.current(py)?;
        let hay = data.as_slice();
        let findings = py.detach(|| scanner.scan_bytes(hay, path.as_deref()));
        Ok(self.wrap(findings))
    }

    /// Scans text (as UTF-8); offsets and columns in the findings count bytes.
    #[pyo3(signature = (text, path = None))]
    fn scan_text(
        &self,
        py: Python<'_>,
        text: PyBackedStr,
        path: Option<PathBuf>,
    ) -> PyResult<Vec<PyFinding>> {
        let scanner = self.current(py)?;
        let hay: &str = &text;
        let findings = py.detach(|| scanner.scan_bytes(hay.as_bytes(), path.as_deref()));
        Ok(self.wrap(findings))
    }

    /// Scans one file. A file that cannot be read is a `ScanError`; a skipped one (binary, too
    /// large) has no findings: `scan_paths` says why.
    fn scan_file(&self, py: Python<'_>, path: PathBuf) -> PyResult<Vec<PyFinding>> {
        if path.is_dir() {
            return Err(scan_error(
                py,
                format!("{}: is a directory (scan_paths scans trees)", path.display()),
                Some(path.display().to_string()),
            ));
        }
        let scanner = self.current(py)?;
        let mut collector = Collector::new();
        py.detach(|| scanner.scan_path(&path, &mut collector)).map_err(|e| to_pyerr(py, &e))?;
        if let Some(err) = collector.errors.first() {
            return Err(to_pyerr(py, err));
        }
        // As scan_bytes: a line with an inline allow comment is left out (scan_paths lists it
        // under `suppressed`).
        let findings = collector.findings.into_iter().filter(|f| f.suppression.is_none()).collect();
        Ok(self.wrap(findings))
    }

    /// Scans files and directory trees in parallel (`.gitignore` respected unless the scanner
    /// was built with `no_ignore=True`). Unreadable files are listed in `errors` and the scan
    /// goes on. Ctrl-C stops it with `KeyboardInterrupt`.
    fn scan_paths(&self, py: Python<'_>, paths: &Bound<'_, PyAny>) -> PyResult<PyScanResult> {
        let paths = paths_of(paths)?;
        self.collect(py, |scanner, sink| scanner.scan_paths(&paths, sink))
    }

    /// Scans the change staged for commit in the repository at (or above) `repo`, as a
    /// pre-commit hook must: index blobs that differ from `HEAD`, read from the object database
    /// (never the work tree), reporting only lines the change adds or modifies. Paths are
    /// relative to the repository root. Not a repository: `ScanError`.
    #[pyo3(signature = (repo = PathBuf::from(".")), text_signature = "($self, repo='.')")]
    fn scan_staged(&self, py: Python<'_>, repo: PathBuf) -> PyResult<PyScanResult> {
        self.collect(py, |scanner, sink| scanner.scan_staged(&repo, sink))
    }

    /// Scans the history of the repository at (or above) `repo`: each distinct blob once, each
    /// finding attributed to the commit that introduced it (`Finding.git`). Every commit
    /// reachable from any reference by default; `range` (`"A..B"`, or one revision and its
    /// ancestors), `since` (commits that are not ancestors of a revision) and `branch` (start
    /// there instead of every reference) narrow it. Not a repository, an unknown revision, or
    /// `range` with `branch`: `ScanError`. Ctrl-C stops it with `KeyboardInterrupt`.
    #[pyo3(
        signature = (repo = PathBuf::from("."), *, range = None, since = None, branch = None, fail_on_existing = false),
        text_signature = "($self, repo='.', *, range=None, since=None, branch=None, fail_on_existing=False)"
    )]
    fn scan_git(
        &self,
        py: Python<'_>,
        repo: PathBuf,
        range: Option<String>,
        since: Option<String>,
        branch: Option<String>,
        fail_on_existing: bool,
    ) -> PyResult<PyScanResult> {
        let mut options = tokenhound::GitOptions::new();
        options.range = range;
        options.since = since;
        options.branch = branch;
        options.fail_on_existing = fail_on_existing;
        self.collect(py, |scanner, sink| scanner.scan_git(&repo, &options, sink))
    }

    fn __repr__(&self) -> String {
        format!("<Scanner: {} rules>", self.rules.len())
    }
}

/// What `Scanner.scan_paths`, `scan_staged` or `scan_git` (or a `Project`'s) found: findings, counts, skipped files
/// and per-file (or per-blob) errors.
#[pyclass(frozen, module = "tokenhound", name = "ScanResult")]
#[derive(Debug)]
pub struct PyScanResult {
    findings: Vec<Py<PyFinding>>,
    suppressed: Vec<Py<PyFinding>>,
    stats: Py<PyStats>,
    skipped: Vec<(String, &'static str)>,
    errors: Vec<Py<PyAny>>,
}

#[pymethods]
impl PyScanResult {
    /// The findings nothing suppressed, in a deterministic order (paths sorted, then by
    /// offset).
    #[getter]
    fn findings(&self, py: Python<'_>) -> Vec<Py<PyFinding>> {
        self.findings.iter().map(|f| f.clone_ref(py)).collect()
    }
    /// The suppressed findings (`Finding.suppression` says which suppression and why), as the
    /// JSON report lists them apart: a `Project`'s allowlist and baseline, and inline allow
    /// comments (the only ones of a `Scanner`'s own scans).
    #[getter]
    fn suppressed(&self, py: Python<'_>) -> Vec<Py<PyFinding>> {
        self.suppressed.iter().map(|f| f.clone_ref(py)).collect()
    }
    /// Counts: files and bytes scanned, findings, skips by reason, errors, time.
    #[getter]
    fn stats(&self, py: Python<'_>) -> Py<PyStats> {
        self.stats.clone_ref(py)
    }
    /// Files not scanned, as `(path, reason)`; reasons are `binary`, `too-large`, `symlink`,
    /// `broken-symlink` and `not-a-file`.
    #[getter]
    fn skipped(&self) -> Vec<(String, &'static str)> {
        self.skipped.clone()
    }
    /// Files, directories or git objects that could not be read, as `ScanError`s (with `.path`).
    #[getter]
    fn errors(&self, py: Python<'_>) -> Vec<Py<PyAny>> {
        self.errors.iter().map(|e| e.clone_ref(py)).collect()
    }
    fn __len__(&self) -> usize {
        self.findings.len()
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        self.findings(py).into_pyobject(py)?.try_iter()
    }
    fn __repr__(&self) -> String {
        format!(
            "<ScanResult: {} findings, {} skipped, {} errors>",
            self.findings.len(),
            self.skipped.len(),
            self.errors.len()
        )
    }
}

/// What a scan did.
#[pyclass(frozen, module = "tokenhound", name = "Stats")]
#[derive(Debug)]
pub struct PyStats {
    inner: Stats,
}

#[pymethods]
impl PyStats {
    /// Files scanned.
    #[getter]
    fn files_scanned(&self) -> u64 {
        self.inner.files_scanned
    }
    /// Bytes scanned.
    #[getter]
    fn bytes_scanned(&self) -> u64 {
        self.inner.bytes_scanned
    }
    /// Findings reported.
    #[getter]
    fn findings(&self) -> u64 {
        self.inner.findings
    }
    /// Findings below the scanner's `min_confidence`: counted, not reported.
    #[getter]
    fn below_threshold(&self) -> u64 {
        self.inner.below_threshold
    }
    /// Files skipped, by reason.
    #[getter]
    fn skipped(&self) -> BTreeMap<&'static str, u64> {
        self.inner.skipped.iter().map(|(r, n)| (r.as_str(), *n)).collect()
    }
    /// Files or directories that could not be read.
    #[getter]
    fn errors(&self) -> u64 {
        self.inner.errors
    }
    /// Wall-clock time of the scan, in seconds.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.inner.elapsed.as_secs_f64()
    }
    /// Commits whose changes `scan_git` walked; 0 for other scans.
    #[getter]
    fn commits_scanned(&self) -> u64 {
        self.inner.commits_scanned
    }
    /// Whether `scan_git` scanned a shallow clone, whose history before its boundary is not
    /// there to scan.
    #[getter]
    fn shallow(&self) -> bool {
        self.inner.shallow
    }
    fn __repr__(&self) -> String {
        format!(
            "Stats(files_scanned={}, bytes_scanned={}, findings={}, skipped={}, errors={})",
            self.inner.files_scanned,
            self.inner.bytes_scanned,
            self.inner.findings,
            self.inner.skipped_total(),
            self.inner.errors
        )
    }
}
