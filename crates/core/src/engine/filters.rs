//! Filters applied to a match after its regex confirmed it.

/// Shannon entropy of `data` in bits per byte.
pub(crate) fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let len = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// How many of four classes (lower-case, upper-case, digits, anything else) occur in `data`.
pub(crate) fn char_classes(data: &[u8]) -> u8 {
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for &b in data {
        match b {
            b'a'..=b'z' => lower = true,
            b'A'..=b'Z' => upper = true,
            b'0'..=b'9' => digit = true,
            _ => other = true,
        }
    }
    [lower, upper, digit, other].iter().filter(|&&c| c).count() as u8
}

/// How far a line is followed from a secret, for allow comments and line regexes; minified files
/// can hold megabytes on one line.
const LINE_REACH: usize = 4096;

/// The line (without its end) holding `start..end`, cut at `LINE_REACH` bytes either side.
pub(crate) fn line_of(hay: &[u8], start: usize, end: usize) -> &[u8] {
    let from = start.saturating_sub(LINE_REACH);
    let to = end.saturating_add(LINE_REACH).min(hay.len());
    let lo = memchr::memrchr(b'\n', &hay[from..start]).map_or(from, |p| from + p + 1);
    let hi = memchr::memchr(b'\n', &hay[end..to]).map_or(to, |p| end + p);
    let line = &hay[lo..hi];
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Inline comments that allow a line: our own, and those of scanners teams migrate from.
const ALLOW_MARKERS: &[&[u8]] =
    &[b"tokenhound:allow", b"gitleaks:allow", b"pragma: allowlist secret"];

pub(crate) fn has_allow_comment(line: &[u8]) -> bool {
    ALLOW_MARKERS.iter().any(|m| memchr::memmem::find(line, m).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_data() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ") > 4.3);
    }

    #[test]
    fn char_classes_counts_kinds_of_characters() {
        assert_eq!(char_classes(b""), 0);
        assert_eq!(char_classes(b"password"), 1);
        assert_eq!(char_classes(b"Password1"), 3);
        assert_eq!(char_classes(b"P@ssw0rd"), 4);
        assert_eq!(char_classes(b"db_password"), 2);
    }

    #[test]
    fn line_of_finds_the_whole_line_without_crlf() {
        let hay = b"one\r\ntwo key three\r\nfour";
        let start = 9;
        assert_eq!(line_of(hay, start, start + 3), b"two key three");
        assert_eq!(line_of(hay, 0, 3), b"one");
        assert_eq!(line_of(hay, 20, 24), b"four");
    }

    #[test]
    fn allow_comments_of_every_flavour() {
        assert!(has_allow_comment(b"key = 'x' # tokenhound:allow"));
        assert!(has_allow_comment(b"key = 'x' // gitleaks:allow"));
        assert!(has_allow_comment(b"key = 'x'  # pragma: allowlist secret"));
        assert!(!has_allow_comment(b"key = 'x'  # allow"));
    }
}
