#!/usr/bin/env bash
# Benchmarks the git sources of tokenhound on generated repositories:
#   1. `scan --git` over a long synthetic history: blobs/s and MB/s;
#   2. `scan --staged` end to end (process start included) for a 10-file staged change in a
#      10,000-file repository: median latency;
#   3. gitleaks' `git` mode on the same history, when gitleaks is installed
#      (bash ../shared/tools/install-peers.sh DIR; pass GITLEAKS=DIR/gitleaks).
#
#   benches/git-history.sh [COMMITS] [WORKDIR]      (defaults: 5000, a temporary directory)
#
# Uses target/release/tokenhound (built here). When the built-in rule set is empty, scans with
# the rule files in $TOKENHOUND_RULES_DIR (default: rules/), else with the test fixture.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
commits=${1:-5000}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

cargo build --quiet --release -p tokenhound-cli
target=${CARGO_TARGET_DIR:-$root/target}
bin="$target/release/tokenhound"

rules=()
if ! "$bin" rules list >/dev/null 2>&1; then
    dir=${TOKENHOUND_RULES_DIR:-$root/rules}
    files=$(find "$dir" -maxdepth 1 -name '*.toml' ! -name global.toml ! -name Cargo.toml 2>/dev/null | sort)
    if [ -z "$files" ]; then files="$root/crates/core/tests/fixtures/git-rules.toml"; fi
    rules=(--no-builtin-rules)
    # Rule files this build cannot read (written for a newer format) are left out.
    for f in $files; do
        if "$bin" rules list --rules "$f" >/dev/null 2>&1; then rules+=(--rules "$f"); fi
    done
fi
echo "rules: $("$bin" rules list "${rules[@]:1}" 2>/dev/null | wc -l)"

# A history of $commits commits over 800 files of ~2-6 KiB of source-like text; each commit
# edits 1-4 files; every 250th commit adds a GitHub token, every 400th a postgres URI.
gen() {
    python3 - "$@" <<'PY'
import random, string, sys, zlib
mode, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
D = string.digits + string.ascii_uppercase + string.ascii_lowercase
def token():
    body = "".join(rng.choice(D) for _ in range(30))
    c, s = zlib.crc32(body.encode()), ""
    while c: s = D[c % 62] + s; c //= 62
    return "ghp_" + body + s.rjust(6, "0")
words = "let const value config return import from def class self data item user request response error".split()
def text(lines):
    out = []
    for i in range(lines):
        out.append("    " * rng.randrange(3) + " ".join(rng.choice(words) for _ in range(rng.randrange(3, 12))) + f" = {rng.randrange(10**6)}")
    return "\n".join(out) + "\n"
out = sys.stdout.buffer
def blob(data):
    data = data.encode()
    out.write(b"data %d\n" % len(data) + data + b"\n")
t = 1_600_000_000
if mode == "history":
    files = {f"src/m{i // 50}/f{i}.py": text(rng.randrange(40, 120)) for i in range(800)}
    for c in range(n):
        t += 60
        out.write(b"commit refs/heads/main\n")
        out.write(f"author Dev {c % 7} <dev{c % 7}@example.com> {t} +0000\ncommitter CI <ci@example.com> {t} +0000\n".encode())
        blob(f"change {c}\n")
        if c == 0:
            changed = list(files)
        else:
            changed = rng.sample(sorted(files), rng.randrange(1, 5))
        for path in changed:
            if c:
                lines = files[path].splitlines(True)
                k = rng.randrange(len(lines))
                lines[k:k + 1] = text(rng.randrange(1, 4)).splitlines(True)
                if c % 250 == 0 and path == changed[0]:
                    lines.insert(1, f"GITHUB_TOKEN = '{token()}'\n")
                if c % 400 == 0 and path == changed[0]:
                    lines.insert(2, f"DB = 'postgres://app:{''.join(rng.choice(D) for _ in range(14))}@db{c}.internal/app'\n")
                files[path] = "".join(lines)
            out.write(f"M 100644 inline {path}\n".encode())
            blob(files[path])
        out.write(b"\n")
else:
    out.write(b"commit refs/heads/main\n")
    out.write(f"author Dev <dev@example.com> {t} +0000\ncommitter Dev <dev@example.com> {t} +0000\n".encode())
    blob("10,000 files\n")
    for i in range(n):
        out.write(f"M 100644 inline pkg{i // 100}/file{i}.txt\n".encode())
        blob(text(rng.randrange(5, 30)))
PY
}

history="$work/history"
if [ ! -d "$history/.git" ]; then
    git -c init.defaultBranch=main init -q "$history"
    gen history "$commits" | git -C "$history" fast-import --quiet
    git -C "$history" repack -adq
fi
pack=$(du -sk "$history/.git/objects" | cut -f1)
echo "history: $(git -C "$history" rev-list --count --all) commits, objects ${pack} KiB"

"$bin" scan --git "$history" "${rules[@]}" -f json -o "$work/git.json" -q || true
python3 - "$work/git.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
secs = max(s["elapsed_ms"], 1) / 1000
print(f"scan --git: {s['files_scanned']} blobs, {s['bytes_scanned'] / 1e6:.1f} MB, {s['commits_scanned']} commits "
      f"in {secs:.2f}s: {s['files_scanned'] / secs:,.0f} blobs/s, {s['bytes_scanned'] / 1e6 / secs:.1f} MB/s, "
      f"{s['findings']} findings")
PY
start=$(date +%s.%N)
"$bin" scan --git "$history" "${rules[@]}" -q >/dev/null || true
end=$(date +%s.%N)
echo "scan --git wall time (process): $(python3 -c "print(f'{$end - $start:.2f}s')")"

if [ -n "${GITLEAKS:-}" ] && [ -x "$GITLEAKS" ]; then
    start=$(date +%s.%N)
    "$GITLEAKS" git "$history" --no-banner --report-path "$work/gitleaks.json" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    echo "gitleaks git: $(python3 -c "print(f'{$end - $start:.2f}s')"), $(python3 -c "import json; print(len(json.load(open('$work/gitleaks.json'))))") findings"
fi

big="$work/big"
if [ ! -d "$big/.git" ]; then
    git -c init.defaultBranch=main init -q "$big"
    gen tree 10000 | git -C "$big" fast-import --quiet
    git -C "$big" checkout -q main
fi
git -C "$big" reset -q --hard
for i in 0 1 2 3 4 5 6 7 8 9; do
    echo "edited = $i" >> "$big/pkg$((i * 7))/file$((i * 700)).txt"
done
git -C "$big" add -A
# Twice: with the rules above (rule files parsed at each start count), and with the two-rule
# test fixture, which leaves the git work (index, HEAD tree, diffs) and process start.
staged() {
python3 - "$bin" "$big" "$@" <<'PY'
import statistics, subprocess, sys, time
bin, repo, label, rules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = []
for _ in range(30):
    t = time.perf_counter()
    subprocess.run([bin, "scan", "--staged", repo, *rules, "-q"], stdout=subprocess.DEVNULL)
    runs.append((time.perf_counter() - t) * 1000)
print(f"scan --staged (10 files staged, 10,000-file repository, {label}), end to end: "
      f"median {statistics.median(runs):.1f} ms, min {min(runs):.1f} ms over {len(runs)} runs")
PY
}
staged "rules as above" "${rules[@]}"
staged "2 rules" --no-builtin-rules --rules "$root/crates/core/tests/fixtures/git-rules.toml"
