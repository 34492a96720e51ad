#!/usr/bin/env bash
# Whole-corpus benchmark: scans a real directory tree with tokenhound and, when installed, the peer
# scanners (gitleaks, betterleaks, kingfisher; see ../shared/tools/install-peers.sh), each in
# filesystem mode with JSON output, warm page cache, several runs; prints a markdown table of the
# median wall time, CPU time, peak RSS, MB/s, findings, and each tool's time relative to
# tokenhound's. Also times tokenhound's cold start on one small file.
#
#   benches/corpus.sh [TREE] [RUNS]      TREE defaults to the Python standard library, RUNS to 5
#   PEERS=.peers/bin benches/corpus.sh   where the peers are installed (default .peers/bin)
#
# Record results with the date and machine under benches/record/.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')}
RUNS=${2:-5}
PEERS=${PEERS:-.peers/bin}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

cargo build -q --release -p tokenhound-cli
TH=$PWD/target/release/tokenhound

# Bytes of the files tokenhound reads as text, for MB/s (every tool is given the same figure).
BYTES=$("$TH" scan -q -f json "$TREE" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["bytes_scanned"])' || true)

declare -A CMDS
CMDS[tokenhound]="$TH scan -q -f json -o $OUT/tokenhound.json $TREE"
[ -x "$PEERS/gitleaks" ] && CMDS[gitleaks]="$PEERS/gitleaks dir $TREE --report-format json --report-path $OUT/gitleaks.json --no-banner --exit-code 0 --log-level error"
[ -x "$PEERS/betterleaks" ] && CMDS[betterleaks]="$PEERS/betterleaks filesystem $TREE --output $OUT/betterleaks.json --silent --exit-code 0 --log-level error"
[ -x "$PEERS/kingfisher" ] && CMDS[kingfisher]="$PEERS/kingfisher scan $TREE --no-validate --no-update-check --git-history none --format json --output $OUT/kingfisher.json --quiet"

# Warm the page cache.
cat $(find "$TREE" -type f 2>/dev/null | head -200000) >/dev/null 2>&1 || true

for tool in "${!CMDS[@]}"; do
  for run in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/$tool.time.$run" ${CMDS[$tool]} >/dev/null 2>&1 || true
  done
done

python3 - "$OUT" "$BYTES" "$RUNS" "${!CMDS[@]}" <<'PY'
import json, statistics, sys
out, total, runs, tools = sys.argv[1], int(sys.argv[2] or 0), int(sys.argv[3]), sys.argv[4:]
def findings(tool):
    try:
        data = json.load(open(f"{out}/{tool}.json"))
    except Exception:
        return "?"
    if isinstance(data, dict):
        for key in ("findings", "matches", "results"):
            if key in data and isinstance(data[key], list):
                return len(data[key])
        return "?"
    return len(data)
rows = {}
for tool in tools:
    times = []
    for run in range(1, runs + 1):
        wall, user, sys_, rss = open(f"{out}/{tool}.time.{run}").read().split()[-4:]
        times.append((float(wall), float(user) + float(sys_), int(rss)))
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    rss = max(t[2] for t in times) / 1024
    rows[tool] = (wall, cpu, rss)
base = rows["tokenhound"][0]
print(f"corpus: {total / 1e6:.0f} MB of text scanned by tokenhound; median of {runs} runs\n")
print("| tool | wall s | CPU s | peak RSS MB | MB/s | findings | time vs tokenhound |")
print("|---|---|---|---|---|---|---|")
for tool, (wall, cpu, rss) in sorted(rows.items(), key=lambda r: r[1][0]):
    mbs = total / 1e6 / wall if wall else 0
    print(f"| {tool} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {mbs:.0f} | {findings(tool)} | {wall / base:.2f}x |")
PY

echo
printf 'x = 1\n' > "$OUT/small.py"
for i in 1 2 3 4 5 6 7 8 9 10; do
  /usr/bin/time -f "%e" -o "$OUT/cold.$i" "$TH" scan -q "$OUT/small.py" >/dev/null 2>&1 || true
done
python3 - "$OUT" <<'PY'
import statistics, sys
times = [float(open(f"{sys.argv[1]}/cold.{i}").read().split()[-1]) for i in range(1, 11)]
print(f"one small file, process start to exit: median {statistics.median(times) * 1000:.0f} ms over 10 runs")
PY
