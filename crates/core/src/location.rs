// Line and column of a byte offset in text, for error messages. Free of crate imports: `build.rs`
// includes this file with `#[path]` too.

/// Converts a byte offset into a 1-based line and column (column counted in bytes).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (line, offset - line_start + 1)
}
