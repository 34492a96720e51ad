#!/usr/bin/env python3
"""Download and unpack the packages listed in packages.tsv into a cache, idempotently.

Standard library only (plus the ordinary registry clients: pip for PyPI, apt-get for
Debian source packages; crates are fetched with urllib from the crates.io download host).

Layout of the cache (default: $TOKENHOUND_ACCURACY_CACHE, else ../accuracy-cache next to this
folder when it is not inside a repository, else <repo>/target/accuracy-cache):

    <cache>/dl/<ecosystem>/...            downloaded archives
    <cache>/src/<ecosystem>/<name>-<ver>/  unpacked tree (top-level folder of the archive removed)
    <cache>/src/<ecosystem>/<name>-<ver>/.tokenhound-accuracy-done   marker (sha256 of the archive)

packages.tsv columns: ecosystem, name, version[, sha256]. When sha256 is present, the
downloaded archive must match it (the main archive: sdist, .crate or Debian .orig tarball).
"""
import argparse
import concurrent.futures
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = ".tokenhound-accuracy-done"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"


def default_cache():
    env = os.environ.get("TOKENHOUND_ACCURACY_CACHE")
    if env:
        return env
    # benches/accuracy inside the repository -> <repo>/target/accuracy-cache
    parent = os.path.dirname(HERE)
    if os.path.basename(parent) == "benches" and os.path.exists(
        os.path.join(os.path.dirname(parent), "Cargo.toml")
    ):
        return os.path.join(os.path.dirname(parent), "target", "accuracy-cache")
    return os.path.join(parent, "accuracy-cache")


def read_packages(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if i == 0 and parts[0] == "ecosystem":
                continue
            eco, name, ver = parts[0], parts[1], parts[2]
            sha = parts[3] if len(parts) > 3 and parts[3] else None
            rows.append((eco, name, ver, sha))
    return rows


def pkg_dir(cache, eco, name, ver):
    return os.path.join(cache, "src", eco, "%s-%s" % (name, ver.replace(":", "_")))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _safe_members(tf, dest):
    dest = os.path.realpath(dest)
    for m in tf.getmembers():
        if m.issym() or m.islnk() or m.isdev() or m.isfifo():
            continue  # links are not needed for a text scan; never follow them out
        target = os.path.realpath(os.path.join(dest, m.name))
        if not (target == dest or target.startswith(dest + os.sep)):
            continue
        yield m


def unpack(archive, dest):
    """Unpack archive into dest; when it holds one top-level folder, lift its contents."""
    tmp = dest + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for n in zf.namelist():
                t = os.path.realpath(os.path.join(tmp, n))
                if t.startswith(os.path.realpath(tmp) + os.sep):
                    zf.extract(n, tmp)
    else:
        with tarfile.open(archive) as tf:
            members = list(_safe_members(tf, tmp))
            for m in members:
                if m.isdir():
                    m.mode = 0o755
                else:
                    m.mode = 0o644
            tf.extractall(tmp, members=members)
    entries = os.listdir(tmp)
    root = tmp
    if len(entries) == 1 and os.path.isdir(os.path.join(tmp, entries[0])):
        root = os.path.join(tmp, entries[0])
    shutil.rmtree(dest, ignore_errors=True)
    shutil.move(root, dest)
    shutil.rmtree(tmp, ignore_errors=True)


def fetch_pypi(cache, name, ver):
    dl = os.path.join(cache, "dl", "pypi", "%s-%s" % (name, ver))
    os.makedirs(dl, exist_ok=True)
    files = [f for f in os.listdir(dl) if not f.startswith(".")]
    if not files:
        # pip prepares an sdist's metadata before it saves it; with build isolation that
        # builds every build backend from source (minutes each), so use a private venv that
        # has the common backends and pass --no-build-isolation.
        py = ensure_pipenv(cache)
        subprocess.run(
            [py, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
             "--no-build-isolation", "--ignore-requires-python", "-d", dl, "%s==%s" % (name, ver)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        files = [f for f in os.listdir(dl) if not f.startswith(".")]
    if len(files) != 1:
        raise RuntimeError("expected one sdist in %s, got %r" % (dl, files))
    return os.path.join(dl, files[0])


BUILD_BACKENDS = [
    "pip", "setuptools", "wheel", "hatchling", "hatch-vcs", "hatch-fancy-pypi-readme",
    "flit_core", "poetry-core", "pdm-backend", "setuptools-scm", "maturin", "setuptools-rust",
    "cython", "scikit-build-core", "meson-python", "cffi", "pbr",
]
_pipenv_lock = __import__("threading").Lock()


def ensure_pipenv(cache):
    env = os.path.join(cache, "pipenv")
    py = os.path.join(env, "bin", "python")
    with _pipenv_lock:
        if not os.path.exists(os.path.join(env, ".ready")):
            subprocess.run([sys.executable, "-m", "venv", env], check=True)
            subprocess.run([py, "-m", "pip", "install", "-q", "--upgrade"] + BUILD_BACKENDS,
                           check=True)
            open(os.path.join(env, ".ready"), "w").close()
    return py


def crate_url(name, ver):
    return "https://static.crates.io/crates/%s/%s-%s.crate" % (name, name, ver)


def fetch_crate(cache, name, ver):
    dl = os.path.join(cache, "dl", "crates")
    os.makedirs(dl, exist_ok=True)
    path = os.path.join(dl, "%s-%s.crate" % (name, ver))
    if not os.path.exists(path):
        req = urllib.request.Request(crate_url(name, ver),
                                     headers={"User-Agent": "tokenhound-accuracy-bench"})
        with urllib.request.urlopen(req, timeout=120) as r, open(path + ".part", "wb") as f:
            shutil.copyfileobj(r, f)
        os.replace(path + ".part", path)
    return path


def apt_opts(cache):
    a = os.path.join(cache, "apt")
    return [
        "-o", "Dir::Etc::SourceList=" + os.path.join(a, "sources.list"),
        "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", "Dir::State::Lists=" + os.path.join(a, "lists"),
        "-o", "Dir::Cache=" + os.path.join(a, "cache"),
    ]


_apt_ready = False
_apt_lock = __import__("threading").Lock()


def apt_prepare(cache):
    """A private apt configuration with a deb-src line: the machine's own is left alone."""
    global _apt_ready
    if _apt_ready:
        return
    a = os.path.join(cache, "apt")
    for d in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(a, d), exist_ok=True)
    sl = os.path.join(a, "sources.list")
    want = "deb-src %s %s main\n" % (DEBIAN_MIRROR, DEBIAN_SUITE)
    if not os.path.exists(sl) or open(sl).read() != want:
        with open(sl, "w") as f:
            f.write(want)
    if not glob.glob(os.path.join(a, "lists", "*Sources*")):
        subprocess.run(["apt-get"] + apt_opts(cache) + ["-q", "update"], check=True,
                       stdout=subprocess.DEVNULL)
    _apt_ready = True


def fetch_debian(cache, name, ver):
    dl = os.path.join(cache, "dl", "debian", "%s-%s" % (name, ver.replace(":", "_")))
    os.makedirs(dl, exist_ok=True)
    done = os.path.join(dl, ".complete")
    if not os.path.exists(done):
        apt_prepare(cache)
        with _apt_lock:  # apt-get takes a lock on its state: one at a time
            subprocess.run(["apt-get"] + apt_opts(cache) + ["-q", "source", "--download-only",
                            "%s=%s" % (name, ver)], check=True, cwd=dl,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        open(done, "w").close()
    origs = sorted(f for f in os.listdir(dl) if ".orig.tar." in f and not f.endswith(".asc")
                   and ".orig-" not in f)
    if not origs:  # a native package: its single .tar.*
        origs = sorted(f for f in os.listdir(dl) if ".tar." in f and not f.endswith(".asc")
                       and ".debian.tar." not in f)
    if len(origs) != 1:
        raise RuntimeError("expected one upstream tarball in %s, got %r" % (dl, origs))
    return os.path.join(dl, origs[0])


FETCHERS = {"pypi": fetch_pypi, "crates": fetch_crate, "debian": fetch_debian}


def ensure(cache, eco, name, ver, sha=None):
    dest = pkg_dir(cache, eco, name, ver)
    marker = os.path.join(dest, MARKER)
    if os.path.exists(marker):
        return dest, open(marker).read().strip()
    archive = FETCHERS[eco](cache, name, ver)
    digest = sha256_file(archive)
    if sha and digest != sha:
        raise RuntimeError("%s %s %s: sha256 %s != expected %s" % (eco, name, ver, digest, sha))
    unpack(archive, dest)
    with open(marker, "w") as f:
        f.write(digest + "\n")
    return dest, digest


def fetch_all(packages_tsv, cache, jobs=4, only=None, verbose=True):
    rows = read_packages(packages_tsv)
    if only:
        rows = [r for r in rows if r[1] in only]
    if any(r[0] == "debian" for r in rows):
        apt_prepare(cache)  # once, before the threads
    results, errors = {}, {}

    def one(row):
        eco, name, ver, sha = row
        return row, ensure(cache, eco, name, ver, sha)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = [ex.submit(one, r) for r in rows]
        for fut in concurrent.futures.as_completed(futs):
            try:
                row, (dest, digest) = fut.result()
                results[row[:3]] = (dest, digest)
            except Exception as e:  # report every failure, go on with the others
                idx = futs.index(fut)
                msg = str(e)
                if getattr(e, "stderr", None):
                    tail = e.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
                    msg += ": " + " | ".join(tail)
                errors[rows[idx][:3]] = msg
                e = msg
                if verbose:
                    print("FAILED %s %s %s: %s" % (rows[idx][:3] + (e,)), file=sys.stderr)
    return rows, results, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packages", default=os.path.join(HERE, "packages.tsv"))
    ap.add_argument("--cache", default=default_cache())
    ap.add_argument("-j", "--jobs", type=int, default=4)
    ap.add_argument("--write-hashes", action="store_true",
                    help="fill the sha256 column of packages.tsv from the downloaded archives")
    ap.add_argument("only", nargs="*", help="fetch only these package names")
    args = ap.parse_args()
    rows, results, errors = fetch_all(args.packages, args.cache, args.jobs, set(args.only))
    print("%d packages ready in %s, %d failed" % (len(results), args.cache, len(errors)))
    if args.write_hashes:
        all_rows = read_packages(args.packages)
        with open(args.packages, "w", encoding="utf-8") as f:
            f.write("ecosystem\tname\tversion\tsha256\n")
            for eco, name, ver, sha in all_rows:
                got = results.get((eco, name, ver))
                f.write("%s\t%s\t%s\t%s\n" % (eco, name, ver, got[1] if got else (sha or "")))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
