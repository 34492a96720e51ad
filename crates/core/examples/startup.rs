//! Times the parts of start-up: loading the built-in rules, building a scanner (the keyword
//! automaton), and the first scan of a small input (which compiles the regexes it needs).
use std::time::Instant;
fn main() {
    let t = Instant::now();
    let rules = tokenhound::Rules::builtin();
    let load = t.elapsed();
    let t = Instant::now();
    let scanner = tokenhound::Scanner::builder().rules(rules).build().unwrap();
    let build = t.elapsed();
    let t = Instant::now();
    let found =
        scanner.scan_bytes(b"def main():\n    token = load_token()\n    return token\n", None);
    let first = t.elapsed();
    println!(
        "load {load:?}, build {build:?}, first small scan {first:?} ({} findings)",
        found.len()
    );
}
