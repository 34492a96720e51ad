//! The rules' regex dialect: bytes, ASCII classes, no UTF-8 requirement on the haystack. Rule
//! loading parses patterns with it; the engine compiles them with it.

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;

/// The regex dialect of rules: bytes, ASCII classes, no UTF-8 requirement on the haystack.
fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false).multi_line(true).crlf(true)
}

/// Parses a pattern without compiling it, to report syntax errors early.
pub(crate) fn parse_regex(pattern: &str) -> Result<(), String> {
    parse_hir(pattern).map(|_| ())
}

/// Parses a pattern in the rules' dialect.
pub(crate) fn parse_hir(pattern: &str) -> Result<regex_syntax::hir::Hir, String> {
    syntax::parse_with(pattern, &syntax_config()).map_err(|e| {
        // regex-syntax's messages span several lines with a caret diagram; keep the last line.
        let text = e.to_string();
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&text).trim();
        last.strip_prefix("error: ").unwrap_or(last).to_string()
    })
}

pub(crate) fn build_regex(pattern: &str) -> Result<Regex, String> {
    Regex::builder()
        .syntax(syntax_config())
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .nfa_size_limit(Some(20 << 20))
                // The one-pass DFA only speeds up reading capture groups inside a match found
                // already, which is rare; it took a quarter of each compiled regex's memory.
                .onepass(false)
                .hybrid_cache_capacity(512 << 10),
        )
        .build(pattern)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_regex_reports_syntax_errors() {
        assert!(parse_regex(r"(?P<secret>ab[c)").is_err());
        assert!(parse_regex(r"(?P<secret>ab[c])").is_ok());
        assert!(parse_regex(r"(?=x)").is_err(), "look-around is not supported");
    }
}
