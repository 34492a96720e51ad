#!/usr/bin/env python3
"""Print blind labelling cards for findings, to label new ones by reading their context.

    python3 run.py --bin PATH --findings-out /tmp/f.json
    python3 label_helper.py /tmp/f.json [--unlabelled-only] [--context 3] > cards.txt

Each card shows the package, path, line, the secret and the lines around it, and deliberately
NOT the rule or the confidence that reported it, so that the label depends on the text alone.
Write the decisions into labels.tsv (label REAL or NOT, a short reason in your own words);
`--tsv-stub` prints labels.tsv rows with an empty label column to fill in.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fetch  # noqa: E402
import run  # noqa: E402


def context(path, line, n, width=220):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except OSError as e:
        return ["<%s>" % e]
    lo, hi = max(1, line - n), min(len(lines), line + n)
    out = []
    for i in range(lo, hi + 1):
        t = lines[i - 1]
        if len(t) > width:
            t = t[:width] + " ...[%d chars]" % len(t)
        out.append("%s%6d| %s" % (">" if i == line else " ", i, t))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("findings", help="JSON written by run.py --findings-out")
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.tsv"))
    ap.add_argument("--cache", default=fetch.default_cache())
    ap.add_argument("--unlabelled-only", action="store_true")
    ap.add_argument("--context", type=int, default=3)
    ap.add_argument("--tsv-stub", action="store_true")
    args = ap.parse_args()
    findings = json.load(open(args.findings, encoding="utf-8"))
    known = set()
    if args.unlabelled_only and os.path.exists(args.labels):
        for lab in run.read_labels(args.labels):
            known.add((lab["ecosystem"], lab["package"], lab["version"], lab["path"],
                       lab["line"], lab["sha256"][:16]))
    for i, f in enumerate(findings):
        key = (f["ecosystem"], f["package"], f["version"], f["relpath"], f["line"], f["sha16"])
        if key in known:
            continue
        if args.tsv_stub:
            print("\t".join([f["ecosystem"], f["package"], f["version"], f["relpath"],
                             str(f["line"]), f["sha16"], f["rule"], "", ""]))
            continue
        sec = f.get("secret") or ""
        print("=== #%d %s %s %s  %s:%d  (len %d)" % (i, f["ecosystem"], f["package"],
                                                   f["version"], f["relpath"], f["line"],
                                                   len(sec)))
        print("secret: %s" % (sec if len(sec) <= 200 else sec[:200] + "..."))
        d = fetch.pkg_dir(args.cache, f["ecosystem"], f["package"], f["version"])
        for t in context(os.path.join(d, f["relpath"]), f["line"], args.context):
            print(t)


if __name__ == "__main__":
    main()
