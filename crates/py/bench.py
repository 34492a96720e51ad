"""Overhead of the Python bindings, against the Rust API on the same input.

    python crates/py/bench.py [--rust PATH_TO_scan_bytes_example]

Reports `scan_bytes` on a 1 MiB buffer (best-of and median per call), the same through
`scan_text`, and the time of `import tokenhound; tokenhound.Scanner()` in a fresh interpreter.
With --rust, runs the Rust example `scan_bytes` (cargo build --release -p tokenhound-py
--example scan_bytes) on the same buffer and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_pat(i: int) -> str:
    body = "".join(BASE62[(i * 7 + j * 13) % 62] for j in range(30))
    n, check = zlib.crc32(body.encode()), ""
    while n:
        check, n = BASE62[n % 62] + check, n // 62
    return "ghp_" + body + check.rjust(6, "0")


def corpus(size: int = 1 << 20) -> bytes:
    """Source-like text: mostly code lines, a keyword hit now and then, a few real secrets."""
    lines = []
    i = 0
    while sum(map(len, lines)) < size:
        i += 1
        if i % 500 == 0:
            lines.append(f'    token = "{github_pat(i)}"\n')
        elif i % 97 == 0:
            lines.append(f"    url = postgres://svc:{i:08x}Qz@db{i}.internal/app\n")
        else:
            lines.append(f"    let value_{i} = compute(input[{i}], &config.section_{i % 13});\n")
    return "".join(lines).encode()[:size]


def timeit(fn, seconds: float = 2.0) -> list[float]:  # type: ignore[no-untyped-def]
    fn()
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 10:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rust", help="path of the built scan_bytes example")
    args = parser.parse_args()

    import tokenhound

    data = corpus()
    text = data.decode()
    scanner = tokenhound.Scanner()
    n = len(scanner.scan_bytes(data))
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {len(scanner.rules)} rules")
    print(f"input: {len(data)} bytes, {n} findings")
    py = timeit(lambda: scanner.scan_bytes(data))
    print(f"python scan_bytes: best {min(py) * 1e3:.3f} ms, median {statistics.median(py) * 1e3:.3f} ms")
    pt = timeit(lambda: scanner.scan_text(text))
    print(f"python scan_text:  best {min(pt) * 1e3:.3f} ms, median {statistics.median(pt) * 1e3:.3f} ms")

    if args.rust:
        with tempfile.NamedTemporaryFile(suffix=".txt") as f:
            f.write(data)
            f.flush()
            out = subprocess.run([args.rust, f.name], capture_output=True, text=True, check=True)
        print(out.stdout.strip())
        fields = dict(part.split("=") for part in out.stdout.split() if "=" in part)
        best, median = float(fields["best_ms"]), float(fields["median_ms"])
        print(
            f"ratio python/rust: best {min(py) * 1e3 / best:.3f}, "
            f"median {statistics.median(py) * 1e3 / median:.3f}"
        )

    code = (
        "import time; t = time.perf_counter(); import tokenhound; tokenhound.Scanner(); "
        "print(time.perf_counter() - t)"
    )
    starts = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(15)
    ]
    print(
        f"import tokenhound; tokenhound.Scanner(): best {min(starts) * 1e3:.1f} ms, "
        f"median {statistics.median(starts) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
