//! Criterion benchmarks: rule compilation and scan throughput on generated haystacks.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tokenhound::{Rules, Scanner};

/// Deterministic source-like text with no secrets: identifiers, keywords, comments.
fn clean_haystack(size: usize) -> Vec<u8> {
    let lines = [
        "def compute_total(items, tax_rate=0.2):\n",
        "    # sum the prices and apply the tax; see the token module for parsing\n",
        "    total = sum(item.price for item in items)  # password policy lives elsewhere\n",
        "    return round(total * (1 + tax_rate), 2)\n",
        "const config = { retries: 3, timeout: 5000, endpoint: \"https://api.example.org/v1\" };\n",
        "let secret_name = format!(\"{}-{}\", prefix, suffix);\n",
        "<div class=\"container\"><span>Hello, world</span></div>\n",
        "SELECT id, name FROM users WHERE created_at > NOW() - INTERVAL '1 day';\n",
    ];
    let mut out = Vec::with_capacity(size + 128);
    let mut i = 0usize;
    while out.len() < size {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    out
}

/// The clean haystack with a keyword hit on every line.
fn dense_haystack(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 128);
    let mut n = 0u64;
    while out.len() < size {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        out.extend_from_slice(
            format!("password = \"hunter{}\"  # api_key token secret\n", n % 1000).as_bytes(),
        );
    }
    out
}

fn compile(c: &mut Criterion) {
    c.bench_function("compile/builtin", |b| {
        b.iter(|| Scanner::builder().rules(black_box(Rules::builtin())).build().unwrap())
    });
}

fn throughput(c: &mut Criterion) {
    let scanner = Scanner::new().unwrap();
    let mut group = c.benchmark_group("scan");
    for (name, hay) in [("clean", clean_haystack(4 << 20)), ("dense", dense_haystack(4 << 20))] {
        // Warm the lazily compiled regexes so the measurement is the steady state.
        scanner.scan_bytes(&hay, None);
        group.throughput(Throughput::Bytes(hay.len() as u64));
        group.bench_function(name, |b| b.iter(|| scanner.scan_bytes(black_box(&hay), None)));
    }
    group.finish();
}

criterion_group!(benches, compile, throughput);
criterion_main!(benches);
