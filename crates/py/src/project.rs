//! `Project`: a directory's `tokenhound.toml`, rules and policy, as `tokenhound scan` loads them.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;

use crate::errors::to_pyerr;
use crate::rules::PyRules;
use crate::scanner::{PyScanResult, PyScanner, paths_of};

/// The project a path belongs to: its configuration file (found walking up to the repository
/// root, as the command does), its rules in layers and its policy (allowlists, inline allow
/// comments, a baseline). Scans through a project give the findings `tokenhound scan` gives on
/// the same tree with the same options, suppressed ones listed apart. Immutable.
#[pyclass(frozen, module = "tokenhound", name = "Project")]
#[derive(Debug)]
pub struct PyProject {
    inner: Arc<tokenhound::Project>,
    rules: Arc<tokenhound::Rules>,
}

#[pymethods]
impl PyProject {
    /// Loads the project `path` belongs to. `config` names a configuration file instead of
    /// discovering one, `no_config=True` uses none; `rules` adds rule files; `builtin_rules=False`
    /// starts without the built-in rules; `disable` turns rules off by id; `baseline` names a
    /// baseline file whose findings are suppressed. A malformed rule file is a `RuleError`, a
    /// malformed configuration or baseline a `TokenhoundError`, naming its file, line and column.
    #[staticmethod]
    #[pyo3(
        signature = (
            path = PathBuf::from("."),
            *,
            config = None,
            no_config = false,
            rules = Vec::new(),
            builtin_rules = true,
            disable = Vec::new(),
            baseline = None,
        ),
        text_signature = "(path='.', *, config=None, no_config=False, rules=(), builtin_rules=True, disable=(), baseline=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn discover(
        py: Python<'_>,
        path: PathBuf,
        config: Option<PathBuf>,
        no_config: bool,
        rules: Vec<PathBuf>,
        builtin_rules: bool,
        disable: Vec<String>,
        baseline: Option<PathBuf>,
    ) -> PyResult<Self> {
        let mut builder = tokenhound::Project::builder();
        if no_config {
            builder.no_config();
        } else if let Some(config) = config {
            builder.config_file(config);
        }
        for file in rules {
            builder.rule_file(file);
        }
        builder.builtin_rules(builtin_rules);
        for id in disable {
            builder.disable_rule(id);
        }
        if let Some(baseline) = baseline {
            builder.baseline(baseline);
        }
        let project = py.detach(|| builder.discover(&path)).map_err(|e| to_pyerr(py, &e))?;
        let rules = Arc::new(project.rules().clone());
        Ok(PyProject { inner: Arc::new(project), rules })
    }

    /// The configuration file in use, or `None`.
    #[getter]
    fn config_path(&self) -> Option<String> {
        self.inner.config_path().map(|p| p.display().to_string())
    }

    /// Where baseline paths and allowlist globs start.
    #[getter]
    fn root(&self) -> String {
        self.inner.root().display().to_string()
    }

    /// Warnings about the configuration, such as expired allowlist entries.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings().to_vec()
    }

    /// The project's rules, in their layers.
    #[getter]
    fn rules(&self) -> PyRules {
        PyRules { inner: Arc::clone(&self.rules) }
    }

    /// A `Scanner` with the project's rules and `[scan]` options; keyword arguments override
    /// them as the command's options do.
    #[pyo3(signature = (
        *,
        threads = None,
        max_file_size = None,
        scan_binary = None,
        no_ignore = None,
        follow_links = None,
        show_secrets = false,
        min_confidence = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn scanner(
        &self,
        py: Python<'_>,
        threads: Option<usize>,
        max_file_size: Option<u64>,
        scan_binary: Option<bool>,
        no_ignore: Option<bool>,
        follow_links: Option<bool>,
        show_secrets: bool,
        min_confidence: Option<&str>,
    ) -> PyResult<PyScanner> {
        let mut builder = self.inner.scanner_builder();
        builder.threads(threads.unwrap_or(0));
        builder.min_confidence(crate::scanner::parse_confidence(min_confidence)?);
        if let Some(n) = max_file_size {
            builder.max_file_size(n);
        }
        if let Some(yes) = scan_binary {
            builder.scan_binary(yes);
        }
        if let Some(yes) = no_ignore {
            builder.ignore_files(!yes);
        }
        if let Some(yes) = follow_links {
            builder.follow_links(yes);
        }
        PyScanner::from_builder(py, Arc::clone(&self.rules), builder, show_secrets)
    }

    /// Scans files and trees (default: the current directory) with `scanner` (default:
    /// `self.scanner()`), applying the project's policy: suppressed findings are in
    /// `ScanResult.suppressed`, the rest in `findings`.
    #[pyo3(signature = (paths = None, *, scanner = None))]
    fn scan_paths(
        &self,
        py: Python<'_>,
        paths: Option<&Bound<'_, PyAny>>,
        scanner: Option<&Bound<'_, PyScanner>>,
    ) -> PyResult<PyScanResult> {
        let paths = match paths {
            Some(p) => paths_of(p)?,
            None => vec![PathBuf::from(".")],
        };
        self.run(py, scanner, tokenhound::Target::Paths(paths))
    }

    /// Scans the staged change of the repository at (or above) `repo` with the project's
    /// policy; see `Scanner.scan_staged`.
    #[pyo3(
        signature = (repo = PathBuf::from("."), *, scanner = None),
        text_signature = "($self, repo='.', *, scanner=None)"
    )]
    fn scan_staged(
        &self,
        py: Python<'_>,
        repo: PathBuf,
        scanner: Option<&Bound<'_, PyScanner>>,
    ) -> PyResult<PyScanResult> {
        self.run(py, scanner, tokenhound::Target::Staged(repo))
    }

    /// Scans the history of the repository at (or above) `repo` with the project's policy; see
    /// `Scanner.scan_git`.
    #[pyo3(
        signature = (
            repo = PathBuf::from("."),
            *,
            range = None,
            since = None,
            branch = None,
            fail_on_existing = false,
            scanner = None
        ),
        text_signature = "($self, repo='.', *, range=None, since=None, branch=None, fail_on_existing=False, scanner=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn scan_git(
        &self,
        py: Python<'_>,
        repo: PathBuf,
        range: Option<String>,
        since: Option<String>,
        branch: Option<String>,
        fail_on_existing: bool,
        scanner: Option<&Bound<'_, PyScanner>>,
    ) -> PyResult<PyScanResult> {
        let mut options = tokenhound::GitOptions::new();
        options.range = range;
        options.since = since;
        options.branch = branch;
        options.fail_on_existing = fail_on_existing;
        self.run(py, scanner, tokenhound::Target::Git(repo, options))
    }

    fn __repr__(&self) -> String {
        format!(
            "<Project: {} rules, config {}>",
            self.rules.len(),
            self.config_path().unwrap_or_else(|| "none".to_string())
        )
    }
}

impl PyProject {
    fn run(
        &self,
        py: Python<'_>,
        scanner: Option<&Bound<'_, PyScanner>>,
        target: tokenhound::Target,
    ) -> PyResult<PyScanResult> {
        let owned;
        let scanner = match scanner {
            Some(s) => s.get(),
            None => {
                owned = self.scanner(py, None, None, None, None, None, false, None)?;
                &owned
            }
        };
        let project = Arc::clone(&self.inner);
        scanner.collect(py, move |scanner, sink| {
            project.scan(scanner, &target, sink).map(|(stats, _)| stats)
        })
    }
}
