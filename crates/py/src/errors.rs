//! Core errors as Python exceptions.
//!
//! The exception classes are plain Python classes in `tokenhound/_errors.py` (a small hierarchy:
//! `TokenhoundError` → `RuleError` (also a `ValueError`), `ScanError`), which gives them
//! ordinary constructors, attributes and pickling; this module looks them up once and builds
//! instances from a [`tokenhound::Error`].

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use tokenhound::ErrorKind;

static TOKENHOUND_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static RULE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SCAN_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const MODULE: &str = "tokenhound._errors";

/// The exception instance for `err`: `RuleError(str, path, line, column, rule)` for rule errors,
/// `ScanError(str, path)` for I/O and git errors (not a repository, an unknown revision, a
/// missing object), `TokenhoundError(str)` for the rest.
pub fn exception<'py>(py: Python<'py>, err: &tokenhound::Error) -> PyResult<Bound<'py, PyAny>> {
    let text = err.to_string();
    match err.kind() {
        ErrorKind::Rule => RULE_ERROR.import(py, MODULE, "RuleError")?.call1((
            text,
            err.path(),
            err.line(),
            err.column(),
            err.rule(),
        )),
        ErrorKind::Io | ErrorKind::Git => {
            SCAN_ERROR.import(py, MODULE, "ScanError")?.call1((text, err.path()))
        }
        _ => TOKENHOUND_ERROR.import(py, MODULE, "TokenhoundError")?.call1((text,)),
    }
}

/// `err` as a `PyErr`, ready to raise.
pub fn to_pyerr(py: Python<'_>, err: &tokenhound::Error) -> PyErr {
    match exception(py, err) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// A `ScanError` that is not from the core (a directory given to `scan_file`, say).
pub fn scan_error(py: Python<'_>, message: String, path: Option<String>) -> PyErr {
    match SCAN_ERROR.import(py, MODULE, "ScanError").and_then(|c| c.call1((message, path))) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}
