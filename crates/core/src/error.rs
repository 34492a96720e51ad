//! One error type for the library, carrying where the problem is.

use std::fmt;
use std::path::Path;

/// What went wrong, broadly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A rule file or rule is malformed, or a rule fails its self-test.
    Rule,
    /// Reading a file or directory failed.
    Io,
    /// A scan option is invalid.
    Config,
    /// A git repository could not be opened or read: not a repository, a bare repository where
    /// a work tree is needed, a bad revision, a missing or corrupt object.
    Git,
    /// The report could not be written (a full disk, a closed pipe): the scan stops, since
    /// nothing may be reported as clean that was not reported at all.
    Report,
}

/// An error with its location: file, line, column and rule id where they are known.
///
/// Displayed as `FILE:LINE:COL: rule ID: message`, leaving out the parts that are unknown.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    path: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    rule: Option<String>,
    source: Option<std::io::Error>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            path: None,
            line: None,
            column: None,
            rule: None,
            source: None,
        }
    }

    pub(crate) fn io(err: std::io::Error, path: &Path) -> Error {
        let message = io_message(&err);
        Error {
            path: Some(path.display().to_string()),
            source: Some(err),
            ..Error::new(ErrorKind::Io, message)
        }
    }

    /// An error writing the report; its source is the I/O error.
    pub(crate) fn report(err: std::io::Error) -> Error {
        let message = format!("cannot write the report: {}", io_message(&err));
        Error { source: Some(err), ..Error::new(ErrorKind::Report, message) }
    }

    pub(crate) fn with_location(mut self, path: &str, line: usize, column: usize) -> Error {
        self.path = Some(path.to_string());
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub(crate) fn with_line(mut self, path: &str, line: usize) -> Error {
        self.path = Some(path.to_string());
        self.line = Some(line);
        self
    }

    pub(crate) fn with_path(mut self, path: &str) -> Error {
        self.path = Some(path.to_string());
        self
    }

    pub(crate) fn with_rule(mut self, id: &str) -> Error {
        self.rule = Some(id.to_string());
        self
    }

    pub(crate) fn into_kind(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Error {
        let detail = std::mem::replace(&mut self.message, message.into());
        if self.source.is_some() {
            self.message = format!("{}: {detail}", self.message);
        }
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The message, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The file the error is about, if any.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
    /// The 1-based line in [`Error::path`], if known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
    /// The 1-based column (in bytes) in [`Error::path`], if known.
    pub fn column(&self) -> Option<usize> {
        self.column
    }
    /// The id of the rule at fault, if any.
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }
}

/// The largest rule, config or baseline file read: a config that ships with a repository may
/// name `/dev/zero` (or a link to it) as a rule file, which must not exhaust memory.
pub(crate) const MAX_TEXT_FILE: u64 = 64 << 20;

/// Reads a text file the user names (rules, config, baseline): an I/O error says `cannot read
/// {what}`, a file over [`MAX_TEXT_FILE`] is an error, and bytes that are not UTF-8 are an error
/// of `kind` at their line and column.
pub(crate) fn read_text(path: &Path, what: &str, kind: ErrorKind) -> Result<String, Error> {
    use std::io::Read;
    let cannot = |e| Error::io(e, path).with_message(format!("cannot read {what}"));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_TEXT_FILE + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_TEXT_FILE {
        return Err(Error::new(kind, format!("{what} is larger than {} MiB", MAX_TEXT_FILE >> 20))
            .with_path(&path.display().to_string()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or_default();
        let (line, col) = crate::location::line_col(before, valid);
        Error::new(kind, format!("{what} is not UTF-8 text")).with_location(
            &path.display().to_string(),
            line,
            col,
        )
    })
}

fn io_message(err: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match err.kind() {
        K::NotFound => "no such file or directory".into(),
        K::PermissionDenied => "permission denied".into(),
        _ => {
            // std's messages read "Message (os error N)"; keep ours lower-case and short.
            let text = err.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            f.write_str(path)?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            f.write_str(": ")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, "rule {rule}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}
