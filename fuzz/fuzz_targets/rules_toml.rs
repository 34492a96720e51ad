//! Rule files are user input: parsing and compiling any text must return a rule set or an error,
//! and a scanner built from the rules must scan without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenhound::{Rules, Scanner};

/// A small input that hits common keywords, so that lazily compiled regexes get compiled.
const INPUT: &[u8] = b"password = \"hunter2hunter2\"\nkey: abc token=xyz secret AKIA\n\0\xff";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(rules) = Rules::from_toml(text, "fuzz.toml") else { return };
    // `check` compiles every rule and tries its examples.
    let _ = rules.check();
    let Ok(scanner) = Scanner::builder().rules(rules.clone()).build() else { return };
    let _ = scanner.scan_bytes(INPUT, None);
    // The rules' own text as a haystack reaches their keywords.
    let _ = scanner.scan_bytes(data, None);
});
