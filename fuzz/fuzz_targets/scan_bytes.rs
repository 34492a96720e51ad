//! Scanning arbitrary bytes with every built-in rule: no panic, and the findings are sane.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tokenhound::Scanner;

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| Scanner::new().expect("built-in rules"));

fuzz_target!(|data: &[u8]| {
    let findings = SCANNER.scan_bytes(data, None);
    let mut last = (0, 0);
    for f in &findings {
        let l = f.location;
        // Inside the input, not empty.
        assert!(l.start < l.end && l.end <= data.len(), "{l:?} outside {} bytes", data.len());
        // Ordered by position.
        assert!((l.start, l.end) >= last, "{l:?} after {last:?}");
        last = (l.start, l.end);
        // The secret is those bytes.
        assert_eq!(f.secret.expose(), String::from_utf8_lossy(&data[l.start..l.end]));
        // Lines and columns agree with the offsets.
        let line = 1 + data[..l.start].iter().filter(|&&b| b == b'\n').count();
        assert_eq!(l.line, line);
        let line_start = data[..l.start].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        assert_eq!(l.column, l.start - line_start + 1);
        // Redaction keeps at most a short prefix of the secret, then an ellipsis.
        let redacted = f.secret.redacted();
        let prefix = redacted.strip_suffix('…').expect("redaction ends with an ellipsis");
        assert!(f.secret.expose().starts_with(prefix));
        let (kept, len) = (prefix.chars().count(), f.secret.expose().chars().count());
        assert!(kept <= 6 && kept * 4 <= len, "{kept} of {len} characters shown");
        // Display shows only the redacted form.
        assert_eq!(f.secret.to_string(), redacted);
    }
});
