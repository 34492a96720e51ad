#!/usr/bin/env bash
# Limits: peak memory and time of `tokenhound scan` on the inputs the hardening issue names, and
# the scaling of keyword-dense input (linear or not). Prints a markdown table; record it with the
# date and machine under benches/record/.
#
#   benches/limits.sh [WORKDIR]     WORKDIR (default a temporary directory) needs about 5 GB free
#   TREE_1M=0 benches/limits.sh     skip the tree of one million files (it takes minutes to create)
#   CORPUS=DIR benches/limits.sh    the real tree for the "1 GB tree" row (default: the Python
#                                   standard library, copied until it holds at least 1 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-$(mktemp -d)}
mkdir -p "$WORK"
cargo build -q --release -p tokenhound-cli
TH=$PWD/target/release/tokenhound
GH=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 # a fake classic PAT with a valid checksum

# measure NAME ARGS...: wall seconds, peak RSS (MB) and the findings count of one scan.
measure() {
    local name=$1
    shift
    local t0 t1 rss findings
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$WORK/rss" "$TH" scan -q -f json -o "$WORK/out.json" "$@" || [ $? -eq 1 ]
    t1=$(date +%s.%N)
    rss=$(($(tail -n 1 "$WORK/rss") / 1024))
    findings=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["stats"]; print(s["findings"], s["bytes_scanned"], dict(s.get("skipped", {})))' "$WORK/out.json")
    printf '| %s | %.2f | %d | %s |\n' "$name" "$(echo "$t1 - $t0" | bc)" "$rss" "$findings"
}

echo "| input | wall s | peak RSS MB | findings, bytes scanned, skipped |"
echo "|---|---:|---:|---|"

# A 1 GiB file: a text head, a sparse middle of zero bytes... which would make it binary, so the
# middle is text: 1 GiB of log-like lines, then a secret at the end.
big=$WORK/big.log
if [ ! -s "$big" ]; then
    python3 - "$big" "$GH" <<'EOF'
import sys
line = b"2026-11-23T10:00:00Z INFO request served path=/api/v1/items status=200 bytes=512\n"
block = line * ((1 << 20) // len(line) + 1)
with open(sys.argv[1], "wb") as f:
    written = 0
    while written < (1 << 30):
        f.write(block)
        written += len(block)
    f.write(f"token = {sys.argv[2]}\n".encode())
EOF
fi
measure "1 GiB text file (--max-file-size 2G)" --max-file-size 2G "$big"

# A 100 MiB single line with a secret at its end.
line=$WORK/line.txt
[ -s "$line" ] || python3 -c "import sys; open(sys.argv[1],'wb').write(b'a'*(100<<20)+b' $GH\n')" "$line"
measure "100 MiB single line" --max-file-size 200M "$line"

# Keyword-dense input: `password=` lines, 250k, 500k, 1M and 2M of them; linear time means the
# wall time doubles with the line count.
for n in 250000 500000 1000000 2000000; do
    f=$WORK/dense-$n.env
    [ -s "$f" ] || python3 -c "
import sys
n = int(sys.argv[2])
with open(sys.argv[1], 'w') as f:
    for i in range(n):
        f.write(f'password=Xk9{i:08d}vQ2mT7pLr\n')
" "$f" "$n"
    measure "$n lines of password=… ($(($(stat -c %s "$f") >> 20)) MiB)" --max-file-size 1G "$f"
done
# One line of a million keywords: `password=` repeated with no value worth reporting.
f=$WORK/oneline.txt
[ -s "$f" ] || python3 -c "import sys; open(sys.argv[1],'w').write('password=' * 1000000 + '\n')" "$f"
measure "one line, password= x 1,000,000 (9 MB)" "$f"

# A real tree of at least 1 GB.
CORPUS=${CORPUS:-$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')}
tree=$WORK/tree-1g
if [ ! -d "$tree" ]; then
    i=0
    while [ "$(du -sb "$tree" 2>/dev/null | cut -f1 || echo 0)" -lt 1000000000 ]; do
        mkdir -p "$tree/copy$i"
        cp -r "$CORPUS/." "$tree/copy$i/"
        i=$((i + 1))
    done
fi
measure "real tree, $(du -sh "$tree" | cut -f1) ($CORPUS copied)" --no-ignore "$tree"

# A tree of one million small files.
if [ "${TREE_1M:-1}" != 0 ]; then
    many=$WORK/tree-1m
    if [ ! -d "$many" ]; then
        python3 - "$many" "$GH" <<'EOF'
import os, sys
root, gh = sys.argv[1], sys.argv[2]
for d in range(1000):
    sub = os.path.join(root, f"d{d:03}")
    os.makedirs(sub)
    for i in range(1000):
        with open(os.path.join(sub, f"f{i:03}.txt"), "w") as f:
            f.write(f"config line {d} {i}\n" + (f"token={gh}\n" if i == 0 and d % 100 == 0 else ""))
EOF
    fi
    measure "tree of 1,000,000 small files" "$many"
fi
