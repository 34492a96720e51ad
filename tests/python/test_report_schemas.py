"""The CLI's reports, validated against their schemas: SARIF against the OASIS SARIF 2.1.0 schema
(tests/schemas/, a copy of the one in ../shared/schemas), JSON and JSONL parsed and checked."""

import json
import os
import subprocess
import zlib
import string
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOKENHOUND_BIN", str(ROOT / "target" / "debug" / "tokenhound"))
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def github_token(body: str) -> str:
    n, check = zlib.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        check = B62[r] + check
    return "ghp_" + body + check.rjust(6, "0")


def run(*args, cwd, stdin=None):
    return subprocess.run([BIN, *args], cwd=cwd, input=stdin, capture_output=True, check=False)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        f'TOKEN = "{github_token("Qm7Xk2Lp9Vr4Tz8Wb3Nc6Df1Gh5Jk0")}"\n'
    )
    (tmp_path / "config dir").mkdir()
    (tmp_path / "config dir" / ".env").write_text(
        "DATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db.internal:5432/app\n"
        "API_KEY = a8Kd92jXk3L0pQ7rT5vW1yZ4\n"
    )
    return tmp_path


def test_sarif_of_a_tree_is_valid(tree):
    out = run("scan", "-f", "sarif", ".", cwd=tree)
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SARIF_SCHEMA)
    results = doc["runs"][0]["results"]
    assert len(results) >= 2
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "config%20dir/.env" in uris and "src/app.py" in uris
    ids = [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids)), "each rule appears once"


def test_sarif_of_stdin_and_of_a_clean_tree_are_valid(tree, tmp_path):
    token = github_token("Zz7Xk2Lp9Vr4Tz8Wb3Nc6Df1Gh5Jk0")
    out = run("scan", "-f", "sarif", "-", cwd=tree, stdin=f"export T={token}\n".encode())
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SARIF_SCHEMA)
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stdin"
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.txt").write_text("nothing here\n")
    out = run("scan", "-f", "sarif", ".", cwd=clean)
    assert out.returncode == 0
    jsonschema.validate(json.loads(out.stdout), SARIF_SCHEMA)


def test_sarif_with_an_error_notification_is_valid(tree):
    out = run("scan", "-f", "sarif", ".", "missing-dir", cwd=tree)
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SARIF_SCHEMA)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("missing-dir" in n["message"]["text"] for n in notes)


def test_sarif_with_suppressions_and_baseline_state_is_valid(tree):
    (tree / ".git").mkdir()
    base = run("scan", "--write-baseline", "baseline.json", "src", cwd=tree)
    assert base.returncode == 0, base.stderr
    (tree / "tokenhound.toml").write_text(
        '[[allowlist]]\nreason = "fixture"\nexpires = 2999-01-01\npaths = ["config dir/"]\n'
    )
    (tree / "new.py").write_text(f'K = "{github_token("Nn7Xk2Lp9Vr4Tz8Wb3Nc6Df1Gh5Jk0")}"\n')
    out = run("scan", "-f", "sarif", "--baseline", "baseline.json", ".", cwd=tree)
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SARIF_SCHEMA)
    results = doc["runs"][0]["results"]
    states = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    assert states["src/app.py"]["baselineState"] == "unchanged"
    assert states["src/app.py"]["suppressions"][0]["status"] == "accepted"
    assert states["config%20dir/.env"]["suppressions"][0]["justification"].startswith("fixture")
    assert states["new.py"]["baselineState"] == "new" and "suppressions" not in states["new.py"]


def test_sarif_of_git_history_is_valid(tree):
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="a@example.com",
               GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@example.com")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "leak"]):
        subprocess.run(["git", *args], cwd=tree, env=env, check=True)
    out = run("scan", "--git", "-f", "sarif", cwd=tree)
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SARIF_SCHEMA)
    assert all("tokenhound/commit/v1" in r["partialFingerprints"] for r in doc["runs"][0]["results"])


def test_json_and_jsonl_agree(tree):
    doc = json.loads(run("scan", "-f", "json", ".", cwd=tree).stdout)
    lines = [json.loads(l) for l in run("scan", "-f", "jsonl", ".", cwd=tree).stdout.splitlines()]
    assert doc["findings"] == lines
    for f in lines:
        assert f["secret"].endswith("…") and f["redacted"] is True
        for key in ("rule", "provider", "kind", "confidence", "path", "line", "column",
                    "end_line", "end_column", "fingerprint"):
            assert key in f
