"""The README's example runs (docs that run)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import needs_builtin

README = Path(__file__).parent.parent / "README.md"


@needs_builtin
def test_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    monkeypatch.chdir(tmp_path)  # it scans "."
    (tmp_path / "clean.txt").write_text("nothing\n")
    exec(compile(block, str(README), "exec"), {"__name__": "readme"})
    assert os.getcwd() == str(tmp_path)
