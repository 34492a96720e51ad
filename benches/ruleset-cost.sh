#!/usr/bin/env bash
# Rule-set cost: scan throughput with every built-in rule against a foundation-sized rule set (the
# providers the first issue named, plus the generic rules), on the same tree, same binary, same run.
# Issue 3 bounds the difference at 15%.
#
#   benches/ruleset-cost.sh [TREE] [RUNS]   TREE defaults to the Python standard library, RUNS to 7
#
# Prints the median wall and CPU time of each set, and the differences: in time, and in throughput
# (bytes per second of wall time), the figure the issue bounds. Record results with the date and machine under benches/record/.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=${1:-$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')}
RUNS=${2:-7}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

cargo build -q --release -p tokenhound-cli
TH=$PWD/target/release/tokenhound

# The foundation's providers (issue 2): AWS, GitHub, GitLab, Slack, Stripe, Google, Azure, private
# keys (PEM, OpenSSH, PGP), JWT, npm, PyPI, Twilio, SendGrid, OpenAI, Anthropic, database URLs, and
# the generic assignments.
FOUNDATION="aws github gitlab slack stripe google-cloud azure pem-private-key openssh pgp jwt npm
pypi twilio sendgrid openai anthropic postgres mysql mongodb redis generic"
ARGS=(--no-builtin-rules --rules rules/global.toml)
for provider in $FOUNDATION; do ARGS+=(--rules "rules/$provider.toml"); done

# Warm the page cache.
"$TH" scan -q -f json "$TREE" >/dev/null 2>&1 || true

# Interleave the two sets so a change in the machine's load hits both alike.
for run in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %U %S" -o "$OUT/foundation.$run" "$TH" scan -q -f json "${ARGS[@]}" "$TREE" >"$OUT/foundation.json" 2>/dev/null || true
  /usr/bin/time -f "%e %U %S" -o "$OUT/all.$run" "$TH" scan -q -f json "$TREE" >"$OUT/all.json" 2>/dev/null || true
done

python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = {}
for name in ("foundation", "all"):
    times = [open(f"{out}/{name}.{run}").read().split()[-3:] for run in range(1, runs + 1)]
    wall = statistics.median(float(t[0]) for t in times)
    cpu = statistics.median(float(t[1]) + float(t[2]) for t in times)
    report = json.load(open(f"{out}/{name}.json"))
    rows[name] = (wall, cpu, report["stats"]["bytes_scanned"], len(report["findings"]))
rules = {"foundation": "foundation-sized", "all": "all built-in"}
print(f"median of {runs} runs, interleaved\n")
print("| rule set | wall s | CPU s | MB/s | findings |")
print("|---|---|---|---|---|")
for name, (wall, cpu, total, findings) in rows.items():
    print(f"| {rules[name]} | {wall:.2f} | {cpu:.2f} | {total / 1e6 / wall:.0f} | {findings} |")
(fw, fc, _, _), (aw, ac, _, _) = rows["foundation"], rows["all"]
print(f"\nall rules vs foundation: wall {100 * (aw / fw - 1):+.0f}%, CPU {100 * (ac / fc - 1):+.0f}%,"
      f" throughput {100 * (fw / aw - 1):+.0f}%")
PY
