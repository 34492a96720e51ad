"""The type stubs match the built module, and typed code using the API type-checks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ALLOWLIST = Path(__file__).parent / "stubtest-allowlist.txt"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_stubs_match_the_native_module() -> None:
    """mypy.stubtest fails when a stub and the runtime disagree (a missing or extra name, a
    parameter renamed, a default changed)."""
    args = ["mypy.stubtest", "tokenhound"]
    if ALLOWLIST.exists():
        args += ["--allowlist", str(ALLOWLIST)]
    proc = run(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typed_usage_passes_mypy_strict(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import tokenhound

        rules: tokenhound.Rules = tokenhound.Rules.builtin().disable() + tokenhound.Rules.empty()
        scanner = tokenhound.Scanner(rules, threads=2, show_secrets=False)
        found: list[tokenhound.Finding] = scanner.scan_bytes(b"x", path="a.txt")
        line: int = found[0].line if found else 0
        result = scanner.scan_paths(["."])
        reasons: list[str] = [reason for _, reason in result.skipped]
        errors: list[tokenhound.ScanError] = result.errors
        elapsed: float = result.stats.elapsed
        staged: tokenhound.ScanResult = scanner.scan_staged(".")
        history = scanner.scan_git(".", range="HEAD~1..HEAD", since=None, branch=None)
        commits: int = history.stats.commits_scanned
        origin: tokenhound.GitOrigin | None = history.findings[0].git if history.findings else None
        subject: str | None = origin.subject if origin else None
        count: int | None = origin.commits if origin else None
        d: dict[str, object] = found[0].to_dict(redact=True) if found else {}
        ids: list[str] = [r.id for r in rules]
        more: list[tokenhound.Finding] = tokenhound.scan(b"data") + tokenhound.scan(".")
        try:
            tokenhound.Rules.from_toml("", "x.toml")
        except tokenhound.RuleError as e:
            where: tuple[str | None, int | None, str | None] = (e.path, e.line, e.rule)
        """
    )
    (tmp_path / "usage.py").write_text(code)
    proc = run("mypy", "--strict", "--python-version", "3.10", "usage.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
