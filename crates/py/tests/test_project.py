"""`tokenhound.Project`: the same tree and config give the same findings from Python as from the
command line, allowlists, inline allow comments and the baseline included."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest

import tokenhound
from conftest import PG_URI, github_pat

Key = Tuple[str, int, str, str, str]


def tree(root: Path, cli_rule_args: List[str]) -> None:
    """A project: a config that allowlists tests/, a recorded baseline, then a new leak."""
    config = '[[allowlist]]\nreason = "fixtures"\npaths = ["tests/"]\n'
    if cli_rule_args:
        config += f'[rules]\nbuiltin = false\nfiles = ["{cli_rule_args[-1]}"]\n'
    (root / "tokenhound.toml").write_text(config)
    (root / "tests").mkdir()
    (root / "tests" / "fixture.py").write_text(f"TOKEN = '{github_pat(1)}'\n")
    (root / "src").mkdir()
    (root / "src" / "old.env").write_text(f"DATABASE_URL={PG_URI}\n")
    (root / "src" / "allowed.py").write_text(f"T = '{github_pat(2)}'  # tokenhound:allow\n")


def cli_keys(report: dict) -> Tuple[List[Key], List[Key]]:
    def key(f: dict) -> Key:
        kind = (f.get("suppression") or {}).get("kind", "")
        return (Path(f["path"]).as_posix(), f["line"], f["rule"], f["fingerprint"], kind)

    return [key(f) for f in report["findings"]], [key(f) for f in report.get("suppressed", [])]


def py_keys(result: tokenhound.ScanResult, root: Path) -> Tuple[List[Key], List[Key]]:
    def key(f: tokenhound.Finding) -> Key:
        path = Path(f.path or "-")
        if path.is_absolute():
            path = path.relative_to(root)
        kind = (f.suppression or {}).get("kind", "")
        return (path.as_posix(), f.line, f.rule, f.fingerprint, kind)

    return [key(f) for f in result.findings], [key(f) for f in result.suppressed]


def test_cli_and_python_agree_on_a_tree_with_config_allowlist_and_baseline(
    tmp_path: Path, console_script: Path, cli_rule_args: List[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tree(tmp_path, cli_rule_args)
    run = lambda *args: subprocess.run(  # noqa: E731
        [str(console_script), "scan", *args], capture_output=True, text=True, cwd=tmp_path,
        timeout=120,
    )
    recorded = run("--write-baseline", "baseline.json", ".")
    assert recorded.returncode == 0, recorded.stderr
    # A new leak after the baseline was recorded: the one finding that fails the build.
    (tmp_path / "src" / "new.py").write_text(f"NEW = '{github_pat(3)}'\n")

    proc = run("-f", "json", "--baseline", "baseline.json", ".")
    assert proc.returncode == 1, proc.stderr
    cli_findings, cli_suppressed = cli_keys(json.loads(proc.stdout))

    monkeypatch.chdir(tmp_path)
    project = tokenhound.Project.discover(".", baseline="baseline.json")
    assert project.config_path is not None and project.config_path.endswith("tokenhound.toml")
    result = project.scan_paths(".")
    findings, suppressed = py_keys(result, tmp_path)

    assert findings == cli_findings
    assert suppressed == cli_suppressed
    # What the policy did, spelled out: the new leak reported, the fixture allowlisted, the old
    # leak baselined, the inline-allowed line suppressed where it stands.
    assert [(p, r) for p, _, r, _, _ in findings] == [("src/new.py", "github.pat-classic")]
    assert sorted((p, kind) for p, _, _, _, kind in suppressed) == [
        ("src/allowed.py", "inline"),
        ("src/old.env", "baseline"),
        ("tests/fixture.py", "allowlist"),
    ]
    # A plain Scanner applies no project policy: only the inline comment still suppresses.
    plain = tokenhound.Scanner(project.rules).scan_paths(".")
    assert len(plain.findings) == 3
    assert [(Path(f.path or "").name, (f.suppression or {}).get("kind")) for f in plain.suppressed] == [
        ("allowed.py", "inline")
    ]


def test_project_options_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tokenhound.toml").write_text("[rules]\nbuiltin = false\n")
    (tmp_path / "a.env").write_text(f"DATABASE_URL={PG_URI}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(tokenhound.TokenhoundError, match="no rules to scan with"):
        tokenhound.Project.discover(".")
    project = tokenhound.Project.discover(".", no_config=True)
    assert project.config_path is None and len(project.rules) > 0
    (tmp_path / "bad.toml").write_text("[allowlist\n")
    with pytest.raises(tokenhound.TokenhoundError, match="bad.toml:1"):
        tokenhound.Project.discover(".", config="bad.toml")
    with pytest.raises(tokenhound.TokenhoundError, match="no rule has id"):
        tokenhound.Project.discover(".", no_config=True, disable=["no.such-rule"])
    scanner = project.scanner(max_file_size=4)
    result = project.scan_paths(".", scanner=scanner)
    # Every file of the tree (the config, a.env, bad.toml) is over 4 bytes.
    assert result.findings == [] and result.stats.skipped.get("too-large") == 3
