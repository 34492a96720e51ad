//! `Rules` and `Rule`.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyIterator;

use crate::errors::to_pyerr;
use crate::finding::quote;

/// A set of detection rules. Immutable: combining (`+`) and disabling return new sets.
#[pyclass(frozen, module = "tokenhound", name = "Rules")]
#[derive(Clone, Debug)]
pub struct PyRules {
    pub(crate) inner: Arc<tokenhound::Rules>,
}

impl PyRules {
    fn new(rules: tokenhound::Rules) -> Self {
        PyRules { inner: Arc::new(rules) }
    }
}

#[pymethods]
impl PyRules {
    /// The built-in rules.
    #[staticmethod]
    fn builtin() -> Self {
        PyRules::new(tokenhound::Rules::builtin())
    }

    /// An empty set.
    #[staticmethod]
    fn empty() -> Self {
        PyRules::new(tokenhound::Rules::empty())
    }

    /// Parses rules from TOML text; `name` names the source in error messages.
    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>"))]
    fn from_toml(py: Python<'_>, text: PyBackedStr, name: &str) -> PyResult<Self> {
        let name = name.to_string();
        py.detach(|| tokenhound::Rules::from_toml(&text, &name))
            .map(PyRules::new)
            .map_err(|e| to_pyerr(py, &e))
    }

    /// Reads and parses a rule file.
    #[staticmethod]
    fn from_path(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| tokenhound::Rules::from_path(&path))
            .map(PyRules::new)
            .map_err(|e| to_pyerr(py, &e))
    }

    /// The rules of both sets; an id defined in both is a `RuleError`.
    fn __add__(&self, py: Python<'_>, other: &Bound<'_, PyRules>) -> PyResult<Self> {
        let mut rules = (*self.inner).clone();
        rules.extend((*other.get().inner).clone()).map_err(|e| to_pyerr(py, &e))?;
        Ok(PyRules::new(rules))
    }

    /// These rules without the ones with the given ids; an unknown id is a `KeyError`.
    #[pyo3(signature = (*ids))]
    fn disable(&self, ids: Vec<String>) -> PyResult<Self> {
        let unknown: Vec<&String> =
            ids.iter().filter(|id| self.inner.get(id.as_str()).is_none()).collect();
        if !unknown.is_empty() {
            return Err(PyKeyError::new_err(format!("no rule has the id(s) {unknown:?}")));
        }
        let mut rules = (*self.inner).clone();
        rules.disable(&ids);
        Ok(PyRules::new(rules))
    }

    /// Runs every rule's self-test (fields, regex compilation, examples and negative examples);
    /// returns one message per problem, empty when all pass.
    fn check(&self, py: Python<'_>) -> Vec<String> {
        let rules = Arc::clone(&self.inner);
        py.detach(move || rules.check().iter().map(ToString::to_string).collect())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, id: &str) -> bool {
        self.inner.get(id).is_some()
    }

    fn __getitem__(&self, id: &str) -> PyResult<PyRule> {
        self.inner
            .get(id)
            .map(|r| PyRule { inner: Arc::new(r.clone()) })
            .ok_or_else(|| PyKeyError::new_err(id.to_string()))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        let rules: Vec<PyRule> =
            self.inner.iter().map(|r| PyRule { inner: Arc::new(r.clone()) }).collect();
        rules.into_pyobject(py)?.try_iter()
    }

    fn __repr__(&self) -> String {
        format!("<Rules: {} rules>", self.inner.len())
    }
}

/// One rule's metadata: read-only.
#[pyclass(frozen, module = "tokenhound", name = "Rule")]
#[derive(Clone, Debug)]
pub struct PyRule {
    pub(crate) inner: Arc<tokenhound::Rule>,
}

#[pymethods]
impl PyRule {
    /// The stable id, such as `github.pat-classic`.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }
    /// A one-line name for people.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }
    /// The provider's display name.
    #[getter]
    fn provider(&self) -> &str {
        self.inner.provider()
    }
    /// The kind of credential, such as `api-key`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }
    /// `low`, `medium` or `high`.
    #[getter]
    fn confidence(&self) -> &'static str {
        self.inner.confidence().as_str()
    }
    /// The literals that must occur near a match.
    #[getter]
    fn keywords(&self) -> Vec<&str> {
        self.inner.keywords().collect()
    }
    /// The regular expression.
    #[getter]
    fn pattern(&self) -> &str {
        self.inner.pattern()
    }
    /// What the credential grants, if the rule says.
    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.description()
    }
    /// How to revoke or rotate the credential, if the rule says.
    #[getter]
    fn remediation(&self) -> Option<&str> {
        self.inner.remediation()
    }
    /// Links to the provider's documentation.
    #[getter]
    fn references(&self) -> Vec<&str> {
        self.inner.references().collect()
    }
    /// The name of the checksum validator, if any.
    #[getter]
    fn checksum(&self) -> Option<&'static str> {
        self.inner.checksum()
    }
    /// Minimum Shannon entropy of the secret, in bits per byte, if any.
    #[getter]
    fn min_entropy(&self) -> Option<f64> {
        self.inner.min_entropy()
    }
    /// Where the rule was defined, as `FILE:LINE`.
    #[getter]
    fn source(&self) -> String {
        self.inner.source()
    }

    fn __repr__(&self) -> String {
        format!(
            "Rule(id={}, provider={}, kind={})",
            quote(self.inner.id()),
            quote(self.inner.provider()),
            quote(self.inner.kind().as_str())
        )
    }
}
