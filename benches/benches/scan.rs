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

/// Pseudo-random bytes, as in compressed or compiled files, with NUL bytes: what `--scan-binary`
/// walks through. Keywords occur only by chance.
fn binary_haystack(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    let mut n = 0x9E37_79B9_7F4A_7C15u64;
    while out.len() < size {
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
        out.extend_from_slice(&n.to_le_bytes());
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
    let haystacks = [
        ("clean", clean_haystack(4 << 20)),
        ("dense", dense_haystack(4 << 20)),
        ("binary", binary_haystack(4 << 20)),
    ];
    for (name, hay) in haystacks {
        // Warm the lazily compiled regexes so the measurement is the steady state.
        scanner.scan_bytes(&hay, None);
        group.throughput(Throughput::Bytes(hay.len() as u64));
        group.bench_function(name, |b| b.iter(|| scanner.scan_bytes(black_box(&hay), None)));
    }
    group.finish();
}

/// A tree of many small files, through the whole file path: walk, open, read, scan, sort.
/// Binary files are skipped after their first 8 KiB, so a tree of them measures the probe.
fn tree(c: &mut Criterion) {
    const FILES: usize = 5000;
    let dir = std::env::temp_dir().join(format!("tokenhound-bench-tree-{}", std::process::id()));
    let hay = clean_haystack(FILES * 2048);
    let mut bytes = 0;
    for i in 0..FILES {
        let sub = dir.join(format!("d{:02}", i % 50));
        std::fs::create_dir_all(&sub).unwrap();
        // Sizes from 256 B to about 4 KiB, like a source tree's.
        let len = 256 + (i * 7919) % 3840;
        let at = (i * 2048) % (hay.len() - len);
        std::fs::write(sub.join(format!("f{i:05}.py")), &hay[at..at + len]).unwrap();
        bytes += len as u64;
    }
    let mut group = c.benchmark_group("tree");
    group.sample_size(20);
    group.throughput(Throughput::Elements(FILES as u64));
    for threads in [1, 0] {
        let scanner = Scanner::builder().threads(threads).build().unwrap();
        let name = if threads == 0 {
            "5000-small-files/all-cpus".to_string()
        } else {
            format!("5000-small-files/{threads}-thread")
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = tokenhound::Collector::new();
                let stats = scanner.scan_path(black_box(&dir), &mut sink).unwrap();
                assert_eq!(stats.bytes_scanned, bytes);
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, compile, throughput, tree);
criterion_main!(benches);
