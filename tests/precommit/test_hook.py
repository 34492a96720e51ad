"""The pre-commit framework runs tokenhound's hook as this repository defines it.

Two modes, chosen with TOKENHOUND_PRECOMMIT_MODE:

- ``local`` (default): a ``repo: local`` hook with the fields of ``.pre-commit-hooks.yaml`` and
  the entry pointed at the built binary (TOKENHOUND_BIN, else CARGO_TARGET_DIR or target/,
  ``debug/tokenhound``). Seconds: what the hook does, through the real framework.
- ``build``: the hook as users get it, ``repo:`` this repository at its HEAD commit; the
  framework builds it with ``cargo install --path .`` (``language: rust``). A release build of
  the workspace, minutes the first time (set CARGO_TARGET_DIR to reuse one).

When the built-in rules lack the two rules used here (the rule files are written separately),
the hook is given ``--no-builtin-rules --rules`` with the test fixture holding those two.
"""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_RULES = ROOT / "crates" / "core" / "tests" / "fixtures" / "git-rules.toml"
MODE = os.environ.get("TOKENHOUND_PRECOMMIT_MODE", "local")
DIGITS = string.digits + string.ascii_uppercase + string.ascii_lowercase


def github_token(seed: int) -> str:
    """A GitHub classic token with a valid CRC32 checksum."""
    rng = random.Random(seed)
    body = "".join(rng.choice(DIGITS) for _ in range(30))
    n = zlib.crc32(body.encode())
    check = ""
    while n:
        check = DIGITS[n % 62] + check
        n //= 62
    return "ghp_" + body + check.rjust(6, "0")


def binary() -> Path:
    if os.environ.get("TOKENHOUND_BIN"):
        return Path(os.environ["TOKENHOUND_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "debug" / "tokenhound"
    if not path.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "tokenhound-cli"], cwd=ROOT, check=True)
    return path


def rule_args() -> list[str]:
    # Fails (no rules to list) while the built-in rule set is empty.
    listed = subprocess.run(
        [str(binary()), "rules", "list"], capture_output=True, text=True, check=False
    ).stdout
    ids = {line.split()[0] for line in listed.splitlines() if line.strip()}
    if {"github.pat-classic", "postgres.connection-uri"} <= ids:
        return []
    return ["--no-builtin-rules", "--rules", str(FIXTURE_RULES)]


def hook_config() -> dict:
    (manifest,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    args = rule_args()
    if MODE == "build":
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        hook = {"id": manifest["id"]}
        if args:
            hook["args"] = args
        return {"repos": [{"repo": str(ROOT), "rev": rev, "hooks": [hook]}]}
    hook = dict(manifest)
    hook["language"] = "system"
    hook["entry"] = f"{binary()} scan --pre-commit"
    if args:
        hook["args"] = args
    return {"repos": [{"repo": "local", "hooks": [hook]}]}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    env = git_env(tmp_path)
    path = tmp_path / "work"
    path.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)

    git("-c", "init.defaultBranch=main", "init", "-q")
    git("config", "user.name", "Ann Dev")
    git("config", "user.email", "ann@example.com")
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(hook_config()))
    (path / "README.md").write_text("hello\n")
    git("add", ".")
    git("commit", "-q", "--no-verify", "-m", "init")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def git_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env.setdefault("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-cache"))
    return env


def commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo,
        env=git_env(repo.parent),
        capture_output=True,
        text=True,
    )


def head_subject(repo: Path) -> str:
    return subprocess.run(
        ["git", "log", "-1", "--format=%s"],
        cwd=repo,
        env=git_env(repo.parent),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_a_commit_that_stages_a_secret_is_blocked(repo: Path) -> None:
    token = github_token(7)
    (repo / "settings.py").write_text(f"DEBUG = False\nGITHUB_TOKEN = '{token}'\n")
    subprocess.run(["git", "add", "settings.py"], cwd=repo, env=git_env(repo.parent), check=True)
    result = commit(repo, "add settings")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "settings.py:2:" in output, output
    assert "github.pat-classic" in output, output
    assert token not in output, "the secret is redacted"
    assert head_subject(repo) == "init"


def test_a_clean_commit_passes(repo: Path) -> None:
    (repo / "app.py").write_text("print('hello')\n")
    subprocess.run(["git", "add", "app.py"], cwd=repo, env=git_env(repo.parent), check=True)
    result = commit(repo, "add app")
    assert result.returncode == 0, result.stdout + result.stderr
    assert head_subject(repo) == "add app"


def test_a_secret_already_committed_does_not_block_other_changes(repo: Path) -> None:
    (repo / "db.env").write_text("DATABASE_URL=postgres://app:Qx7vLm2Rt9Zp@db.internal/app\n")
    env = git_env(repo.parent)
    subprocess.run(["git", "add", "db.env"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", "legacy"], cwd=repo, env=env, check=True)
    (repo / "db.env").write_text(
        "DATABASE_URL=postgres://app:Qx7vLm2Rt9Zp@db.internal/app\nPOOL_SIZE=5\n"
    )
    subprocess.run(["git", "add", "db.env"], cwd=repo, env=env, check=True)
    result = commit(repo, "pool size")
    assert result.returncode == 0, result.stdout + result.stderr


def run_all_files(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=repo,
        env=git_env(repo.parent),
        capture_output=True,
        text=True,
    )


def test_run_all_files_fails_on_a_secret_already_committed(repo: Path) -> None:
    env = git_env(repo.parent)
    assert run_all_files(repo).returncode == 0, "a clean repository passes"
    token = github_token(11)
    (repo / "old.py").write_text(f"TOKEN = '{token}'\n")
    subprocess.run(["git", "add", "old.py"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", "legacy"], cwd=repo, env=env, check=True)
    # Nothing staged: a commit-time run would pass; --all-files scans every file whole.
    result = run_all_files(repo)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "old.py:1:" in output and "github.pat-classic" in output, output
    assert token not in output, "the secret is redacted"
