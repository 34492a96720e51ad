#!/usr/bin/env python3
"""Measure tokenhound's precision and recall on the labelled real-code packages.

    python3 benches/accuracy/run.py [--bin PATH] [--json] [-- SCAN-ARGS...]

Fetches the packages of packages.tsv (via fetch.py) when they are not in the cache yet, scans
them all with the given binary (`scan -f json --show-secrets -q --no-config`, plus any
arguments given after `--`), matches each finding to labels.tsv by (package, path, line,
sha256 of the secret) with a fallback on (package, path, line), and prints precision (REAL /
labelled) overall, per confidence level and per rule, and recall of the REAL labels.
Standard library only.
"""
import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fetch  # noqa: E402

CONF_ORDER = ["high", "medium", "low"]


def repo_root():
    return os.path.dirname(os.path.dirname(HERE))


def sha16(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def read_labels(path):
    labels = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            row = dict(zip(header, line.split("\t")))
            row["line"] = int(row["line"])
            labels.append(row)
    return labels


def scan(binary, dirs, extra, out_json):
    cmd = [binary, "scan", "-f", "json", "--show-secrets", "-q", "--no-config", "-o", out_json]
    cmd += list(extra) + list(dirs)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        raise SystemExit("scan failed with exit code %d: %s" % (proc.returncode, " ".join(cmd)))
    with open(out_json, encoding="utf-8") as f:
        return json.load(f)


def attribute(findings, pkgdirs):
    """Give each finding its (ecosystem, name, version) and a path inside the package."""
    roots = sorted(((os.path.realpath(d) + os.sep, key) for key, d in pkgdirs.items()),
                   key=lambda x: -len(x[0]))
    out = []
    for f in findings:
        p = os.path.realpath(f["path"])
        for root, key in roots:
            if p.startswith(root):
                g = dict(f)
                g["ecosystem"], g["package"], g["version"] = key
                g["relpath"] = p[len(root):]
                g["sha16"] = sha16(f.get("secret") or "")
                out.append(g)
                break
        else:
            sys.stderr.write("warning: finding outside the packages: %s\n" % f["path"])
    return out


def ratio(a, b):
    return (a / b) if b else None


def pct(x):
    return "   n/a" if x is None else "%5.1f%%" % (100.0 * x)


def evaluate(findings, labels):
    exact, by_line = {}, collections.defaultdict(list)
    for lab in labels:
        k = (lab["ecosystem"], lab["package"], lab["version"], lab["path"], lab["line"])
        exact[k + (lab["sha256"][:16],)] = lab
        by_line[k].append(lab)
    real_keys = {k for k, lab in exact.items() if lab["label"] == "REAL"}

    stats = {"findings": len(findings), "labelled": 0, "unlabelled": 0, "matched_exact": 0,
             "matched_fallback": 0}
    overall = collections.Counter()
    per_conf = collections.defaultdict(collections.Counter)
    per_rule = collections.defaultdict(collections.Counter)
    found_real = set()
    unlabelled = []
    for f in findings:
        k = (f["ecosystem"], f["package"], f["version"], f["relpath"], f["line"])
        lab = exact.get(k + (f["sha16"],))
        if lab is not None:
            stats["matched_exact"] += 1
        elif by_line.get(k):
            cands = by_line[k]
            # same line, other span: prefer a label whose secret overlaps this one's rule
            lab = next((c for c in cands if c["rule"] == f["rule"]), cands[0])
            stats["matched_fallback"] += 1
        if lab is None:
            stats["unlabelled"] += 1
            unlabelled.append(f)
            continue
        stats["labelled"] += 1
        lbl = lab["label"]
        overall[lbl] += 1
        per_conf[f.get("confidence", "?")][lbl] += 1
        per_rule[f["rule"]][lbl] += 1
        if lbl == "REAL":
            found_real.add((lab["ecosystem"], lab["package"], lab["version"], lab["path"],
                            lab["line"], lab["sha256"][:16]))

    def block(c):
        n = c["REAL"] + c["NOT"]
        return {"labelled": n, "real": c["REAL"], "not": c["NOT"],
                "precision": ratio(c["REAL"], n)}

    summary = dict(stats)
    summary["overall"] = block(overall)
    summary["per_confidence"] = {k: block(per_conf[k]) for k in
                                 sorted(per_conf, key=lambda x: (CONF_ORDER + [x]).index(x))}
    summary["per_rule"] = {k: block(v) for k, v in
                           sorted(per_rule.items(), key=lambda kv: (-kv[1]["NOT"], kv[0]))}
    summary["recall"] = {"real_labels": len(real_keys), "found": len(found_real & real_keys),
                         "recall": ratio(len(found_real & real_keys), len(real_keys))}
    missed = sorted(real_keys - found_real)
    summary["missed_real"] = [{"ecosystem": m[0], "package": m[1], "version": m[2],
                               "path": m[3], "line": m[4]} for m in missed]
    summary["unlabelled_findings"] = [
        {"ecosystem": f["ecosystem"], "package": f["package"], "version": f["version"],
         "path": f["relpath"], "line": f["line"], "rule": f["rule"],
         "confidence": f.get("confidence"), "sha256": f["sha16"]} for f in unlabelled]
    return summary


def print_report(s, out=sys.stdout, top=None):
    w = out.write
    w("findings %d, labelled %d (exact %d, same-line fallback %d), unlabelled %d\n"
      % (s["findings"], s["labelled"], s["matched_exact"], s["matched_fallback"],
         s["unlabelled"]))
    o = s["overall"]
    w("precision overall: %s  (%d REAL / %d labelled, %d NOT)\n"
      % (pct(o["precision"]), o["real"], o["labelled"], o["not"]))
    w("\nper confidence:\n")
    for k, b in s["per_confidence"].items():
        w("  %-8s %s  REAL %5d  NOT %5d\n" % (k, pct(b["precision"]), b["real"], b["not"]))
    w("\nper rule (most false positives first):\n")
    w("  %-40s %7s %6s %6s\n" % ("rule", "prec", "REAL", "NOT"))
    for i, (k, b) in enumerate(s["per_rule"].items()):
        if top is not None and i >= top:
            w("  ... %d more rules (--top 0 for all)\n" % (len(s["per_rule"]) - top))
            break
        w("  %-40s %7s %6d %6d\n" % (k, pct(b["precision"]), b["real"], b["not"]))
    r = s["recall"]
    w("\nrecall of REAL labels: %s  (%d of %d found)\n"
      % (pct(r["recall"]), r["found"], r["real_labels"]))
    for m in s["missed_real"][:20]:
        w("  missed: %(ecosystem)s %(package)s %(version)s %(path)s:%(line)d\n" % m)
    if len(s["missed_real"]) > 20:
        w("  ... %d more missed\n" % (len(s["missed_real"]) - 20))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Arguments after `--` are passed to `tokenhound scan`.")
    ap.add_argument("--bin", default=os.path.join(repo_root(), "target", "release", "tokenhound"))
    ap.add_argument("--packages", default=os.path.join(HERE, "packages.tsv"))
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.tsv"))
    ap.add_argument("--cache", default=fetch.default_cache())
    ap.add_argument("--json", action="store_true", help="print a JSON summary instead")
    ap.add_argument("--findings-out", help="also write the attributed findings (JSON) here")
    ap.add_argument("--top", type=int, default=25, help="rules shown in the table (0: all)")
    ap.add_argument("-j", "--jobs", type=int, default=4, help="parallel downloads")
    args = ap.parse_args(argv)

    if not os.path.exists(args.bin):
        raise SystemExit("no binary at %s (cargo build --release, or --bin PATH)" % args.bin)
    rows, ready, errors = fetch.fetch_all(args.packages, args.cache, args.jobs,
                                          verbose=not args.json)
    if errors:
        sys.stderr.write("warning: %d packages could not be fetched; their labels count as "
                         "not found\n" % len(errors))
    pkgdirs = {key: d for key, (d, _digest) in ready.items()}

    with tempfile.TemporaryDirectory() as td:
        report = scan(args.bin, [pkgdirs[k] for k in sorted(pkgdirs)], extra,
                      os.path.join(td, "scan.json"))
    findings = attribute(report.get("findings", []), pkgdirs)
    if args.findings_out:
        with open(args.findings_out, "w", encoding="utf-8") as f:
            json.dump(findings, f, indent=1)
    labels = read_labels(args.labels) if os.path.exists(args.labels) else []
    summary = evaluate(findings, labels)
    summary["packages"] = len(pkgdirs)
    summary["packages_failed"] = ["%s %s %s" % k for k in sorted(errors)]
    summary["scan_args"] = extra
    summary["binary"] = args.bin
    summary["scan_stats"] = {k: report.get("stats", {}).get(k) for k in
                             ("files_scanned", "bytes_scanned", "elapsed_ms", "errors")}
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        st = summary["scan_stats"]
        print("packages %d (%d failed to fetch), files %s, %s MB, scan %.1f s"
              % (summary["packages"], len(errors), st["files_scanned"],
                 "%.0f" % ((st["bytes_scanned"] or 0) / 1e6), (st["elapsed_ms"] or 0) / 1000))
        print_report(summary, top=(args.top or None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
