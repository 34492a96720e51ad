"""Git scans: the staged change (`scan_staged`) and the history (`scan_git`), on repositories
built in temporary directories with the `git` command (its global and system config shut out)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import List, Tuple

import pytest

import tokenhound
from conftest import github_pat

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")

# A GitHub classic PAT with a valid CRC32 checksum.
TOKEN = "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"
OTHER = github_pat(7)


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_700_000_000
        root.mkdir()
        self.git("-c", "init.defaultBranch=main", "init", "-q")

    def git(self, *args: str) -> str:
        env = dict(os.environ)
        for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
            env.pop(name, None)  # set when the tests run from a git hook
        date = f"@{self.clock} +0200"
        env.update(
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            GIT_AUTHOR_NAME="Ann Dev",
            GIT_AUTHOR_EMAIL="ann@example.com",
            GIT_COMMITTER_NAME="Ann Dev",
            GIT_COMMITTER_EMAIL="ann@example.com",
            GIT_AUTHOR_DATE=date,
            GIT_COMMITTER_DATE=date,
        )
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    def write(self, path: str, text: str) -> None:
        (self.root / path).write_text(text)

    def commit(self, subject: str) -> str:
        """Commits everything, a minute after the last commit; returns the commit id."""
        self.clock += 60
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", subject)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        monkeypatch.delenv(name, raising=False)  # the scans honour them, as git does
    return Repo(tmp_path / "repo")


def places(result: tokenhound.ScanResult) -> List[Tuple[str | None, int, str]]:
    return [(f.path, f.line, f.rule) for f in result]


def test_scan_staged_reports_the_index_not_the_work_tree(
    repo: Repo, scanner: tokenhound.Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("first")
    repo.write("cfg.py", f"x = 1\ntoken = {TOKEN!r}\n")
    repo.git("add", "cfg.py")
    # Only in the work tree: an unstaged file, and an unstaged edit of the staged one.
    repo.write("loose.txt", f"{OTHER}\n")
    repo.write("cfg.py", f"x = 1\ntoken = {TOKEN!r}\nother = {OTHER!r}\n")

    result = scanner.scan_staged(repo.root)
    assert isinstance(result, tokenhound.ScanResult)
    assert places(result) == [("cfg.py", 2, "github.pat-classic")]
    assert result.errors == [] and result.stats.files_scanned == 1
    assert result.stats.commits_scanned == 0
    git = result.findings[0].git
    assert isinstance(git, tokenhound.GitOrigin)
    assert git.blob == repo.git("rev-parse", ":cfg.py")
    # The commit does not exist yet: no commit fields, no counts, as in the JSON output.
    assert (git.commit, git.author_name, git.author_email, git.date, git.subject) == (None,) * 5
    assert (git.commits, git.paths) == (None, None)
    assert result.findings[0].to_dict()["git"] == {"blob": git.blob}
    assert repr(git) == f"GitOrigin(blob='{git.blob}')"

    # Nothing staged once committed; the default repository is the current directory's.
    repo.git("add", "cfg.py")
    repo.commit("add cfg")
    monkeypatch.chdir(repo.root)
    assert len(scanner.scan_staged()) == 0


def test_scan_git_attributes_each_secret_to_its_commit(
    repo: Repo, scanner: tokenhound.Scanner
) -> None:
    repo.write("README.md", "hello\n")
    repo.commit("first")
    repo.write("cfg.py", f"x = 1\ntoken = {TOKEN!r}\n")
    added = repo.commit("add token")
    repo.write("cfg.py", f"x = 1\ntoken = {TOKEN!r}\ny = 2\n")
    repo.commit("edit cfg")
    repo.write("cfg.py", "x = 1\n")
    repo.commit("remove token")

    result = scanner.scan_git(repo.root)
    assert result.errors == []
    assert result.stats.commits_scanned == 4 and result.stats.shallow is False
    assert places(result) == [("cfg.py", 2, "github.pat-classic")]
    f = result.findings[0]
    assert f.git is not None
    git = f.git
    assert git.commit == added
    assert (git.author_name, git.author_email) == ("Ann Dev", "ann@example.com")
    assert git.date == "2023-11-15T00:15:20+02:00"
    assert git.subject == "add token"
    assert (git.commits, git.paths) == (2, 1), "written by two commits, at one path"
    assert git.blob == repo.git("rev-parse", f"{added}:cfg.py")
    # The attributes are the JSON output's `git` object.
    d = f.to_dict()["git"]
    assert isinstance(d, dict)
    assert d == {key: getattr(git, key) for key in d}
    assert set(d) == {
        "blob", "commit", "author_name", "author_email", "date", "subject", "commits", "paths",
        "last_commit", "last_date",
    }
    assert repr(git) == f"GitOrigin(commit='{added}', author_email='ann@example.com', subject='add token')"


def test_scan_git_range_since_and_branch(repo: Repo, scanner: tokenhound.Scanner) -> None:
    repo.write("one.txt", f"{TOKEN}\n")
    first = repo.commit("one")
    repo.write("two.txt", f"{OTHER}\n")
    second = repo.commit("two")
    repo.git("checkout", "-q", "-b", "side", first)
    repo.write("side.txt", f"{github_pat(8)}\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")

    everything = scanner.scan_git(repo.root)
    assert sorted(f.path for f in everything) == ["one.txt", "side.txt", "two.txt"]

    in_range = scanner.scan_git(repo.root, range=f"{first}..{second}")
    assert in_range.stats.commits_scanned == 1
    assert [(f.path, f.git.subject if f.git else None) for f in in_range] == [("two.txt", "two")]
    assert len(scanner.scan_git(repo.root, range=first)) == 1, "one revision and its ancestors"
    assert sorted(f.path for f in scanner.scan_git(repo.root, since=first)) == [
        "side.txt",
        "two.txt",
    ]
    assert [f.path for f in scanner.scan_git(repo.root, branch="main")] == ["one.txt", "two.txt"]
    assert [f.path for f in scanner.scan_git(repo.root, branch="side", since=first)] == [
        "side.txt"
    ]


def test_git_errors_are_scan_errors(
    repo: Repo, scanner: tokenhound.Scanner, tmp_path: Path
) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("a")
    plain = tmp_path / "plain"
    plain.mkdir()
    for scan in (scanner.scan_staged, scanner.scan_git):
        with pytest.raises(tokenhound.ScanError, match="not a git repository") as info:
            scan(plain)
        assert info.value.path == str(plain)
        with pytest.raises(tokenhound.ScanError) as info:
            scan(tmp_path / "missing")
        assert info.value.path == str(tmp_path / "missing")
    cases = [
        ({"range": "nope..HEAD"}, 'invalid range "nope..HEAD"'),
        ({"since": "nope"}, 'unknown revision "nope"'),
        ({"branch": "nope"}, 'unknown branch or revision "nope"'),
        ({"range": "HEAD", "branch": "main"}, "a range and a branch cannot be combined"),
    ]
    for options, message in cases:
        with pytest.raises(tokenhound.ScanError) as info:
            scanner.scan_git(repo.root, **options)  # type: ignore[arg-type]
        assert message in str(info.value), (options, str(info.value))
        assert isinstance(info.value, tokenhound.TokenhoundError)


def test_scan_git_from_threads_while_python_runs(
    repo: Repo, scanner: tokenhound.Scanner
) -> None:
    """Scans in threads (GIL released) agree with each other while the main thread runs Python."""

    for n in range(20):
        repo.write(f"f{n}.txt", f"{github_pat(100 + n)}\n")
        repo.commit(f"c{n}")
    expected = places(scanner.scan_git(repo.root))
    assert len(expected) == 20
    results: List[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(places(scanner.scan_git(repo.root))))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        sum(range(1000))  # Python work on the main thread meanwhile
    for t in threads:
        t.join(60)
    assert results == [expected] * 4
