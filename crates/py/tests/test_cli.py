"""The `tokenhound` console script that `pip install` puts next to the interpreter."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import List

from conftest import PG_URI, github_pat


def run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_exit_code_0_when_clean(tmp_path: Path, console_script: Path, cli_rule_args: List[str]) -> None:
    (tmp_path / "clean.txt").write_text("nothing here\n")
    proc = run(console_script, "scan", *cli_rule_args, ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


def test_exit_code_1_with_findings(tmp_path: Path, console_script: Path, cli_rule_args: List[str]) -> None:
    pat = github_pat()
    (tmp_path / "app.env").write_text(f"GITHUB_TOKEN={pat}\nDATABASE_URL={PG_URI}\n")
    proc = run(console_script, "scan", *cli_rule_args, "--format", "json", "app.env", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    found = [(f["path"], f["line"], f["rule"]) for f in report["findings"]]
    assert found == [
        ("app.env", 1, "github.pat-classic"),
        ("app.env", 2, "postgres.connection-uri"),
    ]
    assert pat not in proc.stdout, "redacted by default"

    text = run(console_script, "scan", *cli_rule_args, "--show-secrets", "app.env", cwd=tmp_path)
    assert text.returncode == 1 and pat in text.stdout and "app.env:1:" in text.stdout


def test_exit_code_2_on_errors_and_help(tmp_path: Path, console_script: Path) -> None:
    bad = run(console_script, "scan", "--no-such-option", cwd=tmp_path)
    assert bad.returncode == 2 and "--no-such-option" in bad.stderr
    (tmp_path / "bad.toml").write_text("[[rules]]\nid = 'x.y'\n")
    rules = run(console_script, "scan", "--rules", "bad.toml", ".", cwd=tmp_path)
    assert rules.returncode == 2 and "bad.toml:1" in rules.stderr
    helped = run(console_script, "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "tokenhound" in helped.stdout
    version = run(console_script, "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("tokenhound ")


def test_reads_standard_input(tmp_path: Path, console_script: Path, cli_rule_args: List[str]) -> None:
    proc = subprocess.run(
        [str(console_script), "scan", *cli_rule_args, "-"],
        input=f"url = {PG_URI}\n", capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert proc.returncode == 1 and "postgres.connection-uri" in proc.stdout
