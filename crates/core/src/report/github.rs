//! GitHub Actions workflow commands: one `::error` (or `::warning`, for low confidence) line per
//! finding, which GitHub shows as an annotation on the file and line of a pull request.

use std::io::{self, Write};

use super::ReportOptions;
use crate::{Confidence, Finding};

pub(super) fn finding(out: &mut dyn Write, f: &Finding, options: &ReportOptions) -> io::Result<()> {
    let level = match f.confidence() {
        Confidence::High | Confidence::Medium => "error",
        Confidence::Low => "warning",
    };
    let loc = &f.location;
    let secret =
        if options.show_secrets { f.secret.expose().to_string() } else { f.secret.redacted() };
    let mut props = Vec::new();
    if let Some(path) = &f.path {
        let (path, _) = super::relative(path, options.base.as_deref());
        props.push(format!("file={}", property(&path.to_string_lossy().replace('\\', "/"))));
        props.push(format!("line={}", loc.line));
        props.push(format!("col={}", loc.column));
        props.push(format!("endLine={}", loc.end_line));
        props.push(format!("endColumn={}", loc.end_column.max(1)));
    }
    props.push(format!("title={}", property(&format!("tokenhound: {}", f.rule_id()))));
    let message = format!(
        "{} ({}, {} confidence): {secret} (fingerprint {})",
        f.rule.name(),
        f.provider(),
        f.confidence(),
        f.fingerprint
    );
    writeln!(out, "::{level} {}::{}", props.join(","), data(&message))
}

/// Escapes a command's message, as GitHub's toolkit does.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property value, as GitHub's toolkit does.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
