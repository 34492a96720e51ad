//! The Rust side of `crates/py/bench.py`: times `Scanner::scan_bytes` on a file's contents with
//! the built-in rules, the same call the Python `Scanner.scan_bytes` makes.
//!
//! `cargo run --release -p tokenhound-py --example scan_bytes -- FILE`

use std::time::{Duration, Instant};

fn main() {
    let path = std::env::args().nth(1).expect("usage: scan_bytes FILE");
    let data = std::fs::read(&path).expect("cannot read the input");
    let scanner = tokenhound::Scanner::new().expect("cannot build the scanner");
    let findings = scanner.scan_bytes(&data, None).len();
    let mut times = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline || times.len() < 10 {
        let start = Instant::now();
        let n = scanner.scan_bytes(std::hint::black_box(&data), None).len();
        times.push(start.elapsed());
        assert_eq!(n, findings);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "rust scan_bytes: bytes={} findings={findings} runs={} best_ms={:.3} median_ms={:.3}",
        data.len(),
        times.len(),
        ms(times[0]),
        ms(times[times.len() / 2])
    );
}
