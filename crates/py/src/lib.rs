//! Python bindings of tokenhound: the private `tokenhound._native` module.
//!
//! Thin by design: every behaviour lives in the `tokenhound` crate (and the command line in
//! `tokenhound-cli`); this crate converts arguments and results, releases the GIL while the core
//! works, and maps errors to the exception classes of `tokenhound/_errors.py`.
//!
//! - [`rules`]: `Rules` (a set of rules, immutable) and `Rule` (one rule's metadata).
//! - [`scanner`]: `Scanner`, `ScanResult` and `Stats`.
//! - [`project`]: `Project`, a directory's configuration, rules and policy.
//! - [`finding`]: `Finding`, whose fields mirror the JSON output, and its `GitOrigin`.
//! - [`errors`]: core errors to Python exceptions.
#![deny(missing_docs)]

use pyo3::prelude::*;

pub mod errors;
pub mod finding;
pub mod project;
pub mod rules;
pub mod scanner;

/// Runs the `tokenhound` command line with `argv` (program name first) and returns its exit
/// code: the console script installed by `pip install tokenhound` calls this, so the Python
/// package and the native binary run the same command.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<std::ffi::OsString>) -> u8 {
    py.detach(|| tokenhound_cli::run(argv))
}

/// The native module. Classes are registered under the public `tokenhound` name, which is where
/// users import them from.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_MAX_FILE_SIZE", tokenhound::DEFAULT_MAX_FILE_SIZE)?;
    m.add_class::<rules::PyRules>()?;
    m.add_class::<rules::PyRule>()?;
    m.add_class::<scanner::PyScanner>()?;
    m.add_class::<project::PyProject>()?;
    m.add_class::<scanner::PyScanResult>()?;
    m.add_class::<scanner::PyStats>()?;
    m.add_class::<finding::PyFinding>()?;
    m.add_class::<finding::PyGitOrigin>()?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    Ok(())
}
