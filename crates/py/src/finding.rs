//! `Finding`: one leaked credential, with the fields of the JSON output; `GitOrigin`: its git
//! fields.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use tokenhound::report::{ReportOptions, finding_json};

/// A credential found. Frozen; its attributes are the fields of the JSON output.
///
/// `secret` and `snippet` are redacted unless the scanner was built with `show_secrets=True`;
/// `to_dict(redact=False)` is the other explicit way to the whole secret. `repr` always redacts.
#[pyclass(frozen, module = "tokenhound", name = "Finding")]
#[derive(Debug)]
pub struct PyFinding {
    inner: tokenhound::Finding,
    show: bool,
}

impl PyFinding {
    pub(crate) fn new(inner: tokenhound::Finding, show_secrets: bool) -> Self {
        PyFinding { inner, show: show_secrets }
    }
}

#[pymethods]
impl PyFinding {
    /// The id of the rule, such as `github.pat-classic`.
    #[getter]
    fn rule(&self) -> &str {
        self.inner.rule_id()
    }
    /// The rule's name.
    #[getter]
    fn rule_name(&self) -> &str {
        self.inner.rule.name()
    }
    /// The provider's display name.
    #[getter]
    fn provider(&self) -> &str {
        self.inner.provider()
    }
    /// The kind of credential, such as `access-token`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }
    /// `low`, `medium` or `high`.
    #[getter]
    fn confidence(&self) -> &'static str {
        self.inner.confidence().as_str()
    }
    /// The evidence behind `confidence`, such as `keyword-assignment`, `high-entropy` or the
    /// downgrades `placeholder`, `test-vector-context`, `hash-like-name`.
    #[getter]
    fn confidence_reasons(&self) -> Vec<&'static str> {
        self.inner.confidence_reasons.iter().map(|r| r.as_str()).collect()
    }
    /// What the file is for, from its path: `test`, `fixture`, `docs`, `vendored`,
    /// `generated`, or `None`.
    #[getter]
    fn file_role(&self) -> Option<&'static str> {
        self.inner.file_role.map(|r| r.as_str())
    }
    /// Other rules that matched the same secret, by id (one secret is one finding).
    #[getter]
    fn also(&self) -> Vec<String> {
        self.inner.also.clone()
    }
    /// The file, or `None` for bytes scanned without a name.
    #[getter]
    fn path(&self) -> Option<String> {
        self.inner.path.as_ref().map(|p| p.display().to_string())
    }
    /// 1-based line of the secret's first byte.
    #[getter]
    fn line(&self) -> usize {
        self.inner.location.line
    }
    /// 1-based column (in bytes) of the secret's first byte.
    #[getter]
    fn column(&self) -> usize {
        self.inner.location.column
    }
    /// 1-based line of the secret's last byte.
    #[getter]
    fn end_line(&self) -> usize {
        self.inner.location.end_line
    }
    /// 1-based column one past the secret's last byte.
    #[getter]
    fn end_column(&self) -> usize {
        self.inner.location.end_column
    }
    /// 0-based byte offset of the secret's start.
    #[getter]
    fn start_offset(&self) -> usize {
        self.inner.location.start
    }
    /// 0-based byte offset one past the secret's end.
    #[getter]
    fn end_offset(&self) -> usize {
        self.inner.location.end
    }
    /// The secret: whole with `show_secrets=True`, else a short prefix and `…`.
    #[getter]
    fn secret(&self) -> String {
        if self.show {
            self.inner.secret.expose().to_string()
        } else {
            self.inner.secret.redacted()
        }
    }
    /// Whether `secret` and `snippet` are redacted.
    #[getter]
    fn redacted(&self) -> bool {
        !self.show
    }
    /// A stable id of the credential (rule id and a keyed hash of the secret, not its position).
    #[getter]
    fn fingerprint(&self) -> &str {
        &self.inner.fingerprint
    }
    /// Shannon entropy of the secret, in bits per byte.
    #[getter]
    fn entropy(&self) -> f64 {
        self.inner.entropy
    }
    /// `"valid"` when the rule has a checksum (or structure) check, which the secret passed;
    /// `None` when the rule has none.
    #[getter]
    fn checksum(&self) -> Option<&'static str> {
        self.inner.checksum_valid().map(|_| "valid")
    }
    /// The secret's line, cut short, with the secret redacted like `secret`.
    #[getter]
    fn snippet(&self) -> String {
        self.inner.line_context(self.show)
    }

    /// Where the secret is in a git repository (`scan_staged`, `scan_git`); `None` for other
    /// scans. The JSON output's `git` object.
    #[getter]
    fn git(&self) -> Option<PyGitOrigin> {
        self.inner.git.as_deref().map(|g| PyGitOrigin { inner: g.clone() })
    }

    /// Why the finding is accepted rather than reported, for findings that
    /// an allowlist entry, the baseline, an inline allow comment or (in a range scan) the file's
    /// earlier content suppressed: `{"kind": "allowlist" | "baseline" | "inline" | "existing",
    /// "justification": ...}`, as in the JSON output; `None` otherwise.
    #[getter]
    fn suppression(&self) -> Option<std::collections::BTreeMap<&'static str, String>> {
        self.inner.suppression.as_ref().map(|s| {
            std::collections::BTreeMap::from([
                ("kind", s.kind.as_str().to_string()),
                ("justification", s.justification.clone()),
            ])
        })
    }

    /// The finding as the JSON output writes it (same keys, same values); the secret is
    /// redacted unless `redact=False`.
    #[pyo3(signature = (redact = true))]
    fn to_dict<'py>(&self, py: Python<'py>, redact: bool) -> PyResult<Bound<'py, PyAny>> {
        let mut options = ReportOptions::default();
        options.show_secrets = !redact;
        json_to_py(py, &finding_json(&self.inner, &options))
    }

    fn __repr__(&self) -> String {
        format!(
            "Finding(rule={}, path={}, line={}, column={}, secret={})",
            quote(self.inner.rule_id()),
            self.path().as_deref().map_or_else(|| "None".to_string(), quote),
            self.inner.location.line,
            self.inner.location.column,
            quote(&self.inner.secret.redacted()),
        )
    }
}

/// Where a finding is in a git repository: the attributes are the fields of the JSON output's
/// `git` object. A staged finding has only `blob`: its commit does not exist yet, so the commit
/// fields and counts are `None`.
#[pyclass(frozen, module = "tokenhound", name = "GitOrigin")]
#[derive(Debug)]
pub struct PyGitOrigin {
    inner: tokenhound::GitOrigin,
}

impl PyGitOrigin {
    fn commit_field(&self, field: impl FnOnce(&tokenhound::GitCommit) -> &str) -> Option<&str> {
        self.inner.commit.as_deref().map(field)
    }
}

#[pymethods]
impl PyGitOrigin {
    /// The id of the blob the secret is in.
    #[getter]
    fn blob(&self) -> &str {
        &self.inner.blob
    }
    /// The id of the first commit that wrote the secret at this path.
    #[getter]
    fn commit(&self) -> Option<&str> {
        self.commit_field(|c| &c.id)
    }
    /// That commit's author's name.
    #[getter]
    fn author_name(&self) -> Option<&str> {
        self.commit_field(|c| &c.author_name)
    }
    /// That commit's author's email address.
    #[getter]
    fn author_email(&self) -> Option<&str> {
        self.commit_field(|c| &c.author_email)
    }
    /// That commit's author date, ISO 8601 with the author's UTC offset.
    #[getter]
    fn date(&self) -> Option<&str> {
        self.commit_field(|c| &c.date)
    }
    /// The first line of that commit's message.
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.commit_field(|c| &c.subject)
    }
    /// The last commit that wrote a blob holding this secret at this path (`scan_git`).
    #[getter]
    fn last_commit(&self) -> Option<&str> {
        self.inner.last_commit.as_deref().map(|c| c.id.as_str())
    }
    /// That last commit's author date, ISO 8601 with the author's UTC offset.
    #[getter]
    fn last_date(&self) -> Option<&str> {
        self.inner.last_commit.as_deref().map(|c| c.date.as_str())
    }
    /// How many commits wrote a blob holding this secret at this path.
    #[getter]
    fn commits(&self) -> Option<u64> {
        self.inner.commit.as_ref().map(|_| self.inner.commits)
    }
    /// At how many paths the same secret (same rule and value) was found.
    #[getter]
    fn paths(&self) -> Option<u64> {
        self.inner.commit.as_ref().map(|_| self.inner.paths)
    }

    fn __repr__(&self) -> String {
        match &self.inner.commit {
            None => format!("GitOrigin(blob={})", quote(&self.inner.blob)),
            Some(c) => format!(
                "GitOrigin(commit={}, author_email={}, subject={})",
                quote(&c.id),
                quote(&c.author_email),
                quote(&c.subject)
            ),
        }
    }
}

/// A string as Python's `repr` writes it (single quotes), for `__repr__` methods.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A JSON value as the Python object `json.loads` would give.
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}
