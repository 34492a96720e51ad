"""The Python API: rules, scanning every kind of input, findings, results and errors."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

import pytest

import tokenhound
from conftest import FIXTURE_RULES, PG_PASSWORD, PG_URI, github_pat, needs_builtin

# --- Rules ----------------------------------------------------------------------------------------


@needs_builtin
def test_builtin_rules_have_metadata() -> None:
    rules = tokenhound.Rules.builtin()
    assert len(rules) == len(list(rules)) > 0
    for rule in rules:
        assert isinstance(rule, tokenhound.Rule)
        assert rule.id and rule.name and rule.provider and rule.kind
        assert rule.confidence in {"low", "medium", "high"}
        assert rule.keywords and rule.pattern
        assert rule.id in rules
        assert rules[rule.id].id == rule.id
    assert "no.such-rule" not in rules
    with pytest.raises(KeyError):
        rules["no.such-rule"]


def test_rules_from_path_toml_combine_and_disable(tmp_path: Path) -> None:
    from_file = tokenhound.Rules.from_path(FIXTURE_RULES)
    assert sorted(r.id for r in from_file) == ["github.pat-classic", "postgres.connection-uri"]
    pat = from_file["github.pat-classic"]
    assert (pat.provider, pat.kind, pat.checksum) == ("GitHub", "access-token", "crc32-base62")
    assert pat.source.startswith(str(FIXTURE_RULES))
    assert repr(pat) == "Rule(id='github.pat-classic', provider='GitHub', kind='access-token')"

    extra = tokenhound.Rules.from_toml(
        """
[[rules]]
id = "acme.key"
name = "Acme key"
provider = "Acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\\b(?P<secret>acme_[a-z0-9]{20})\\b'''
""",
        "acme.toml",
    )
    both = from_file + extra
    assert len(both) == 3 and len(from_file) == 2, "combining returns a new set"
    scanner = tokenhound.Scanner(both)
    found = scanner.scan_text("k = acme_0123456789abcdefghij\n")
    assert [f.rule for f in found] == ["acme.key"]

    fewer = both.disable("acme.key", "postgres.connection-uri")
    assert [r.id for r in fewer] == ["github.pat-classic"] and len(both) == 3
    with pytest.raises(KeyError, match="no.such"):
        both.disable("no.such")
    assert tokenhound.Rules.empty().check() == []
    assert len(tokenhound.Rules.empty()) == 0


def test_duplicate_rule_ids_are_a_rule_error() -> None:
    rules = tokenhound.Rules.from_path(FIXTURE_RULES)
    with pytest.raises(tokenhound.RuleError) as info:
        rules + rules
    assert info.value.rule == "github.pat-classic"
    assert "already defined" in str(info.value)


def test_rule_error_says_where() -> None:
    text = """
[[rules]]
id = "acme.key"
name = "Acme key"
provider = "Acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''(unclosed'''
"""
    with pytest.raises(tokenhound.RuleError) as info:
        tokenhound.Scanner(tokenhound.Rules.from_toml(text, "acme.toml")).scan_text("acme_x")
        # A bad regex may be caught at parse time or at first use; both must raise.
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, tokenhound.TokenhoundError)
    assert err.path == "acme.toml" and err.rule == "acme.key" and err.line is not None
    assert str(err).startswith(f"acme.toml:{err.line}:")
    # Exceptions survive pickling (multiprocessing sends them between processes).
    again = pickle.loads(pickle.dumps(err))
    assert (type(again), str(again), again.path, again.line, again.rule) == (
        tokenhound.RuleError, str(err), err.path, err.line, err.rule,
    )


def test_malformed_toml_and_missing_file() -> None:
    with pytest.raises(tokenhound.RuleError) as info:
        tokenhound.Rules.from_toml("[[rules]]\nid = 'x.y'\n", "bad.toml")
    assert info.value.path == "bad.toml" and info.value.line == 1
    with pytest.raises(tokenhound.TokenhoundError) as missing:
        tokenhound.Rules.from_path("/no/such/rules.toml")
    assert missing.value.path == "/no/such/rules.toml"


# --- Scanning inputs ------------------------------------------------------------------------------


def test_scan_bytes_finds_both_rules(scanner: tokenhound.Scanner) -> None:
    pat = github_pat()
    data = f'token = "{pat}"\nDATABASE_URL={PG_URI}\n'.encode()
    found = scanner.scan_bytes(data, path="config/app.env")
    assert [(f.rule, f.line) for f in found] == [
        ("github.pat-classic", 1),
        ("postgres.connection-uri", 2),
    ]
    gh, pg = found
    assert (gh.path, gh.column, gh.end_column) == ("config/app.env", 10, 50)
    assert data[gh.start_offset : gh.end_offset] == pat.encode()
    assert data[pg.start_offset : pg.end_offset] == PG_PASSWORD.encode()
    assert (gh.kind, gh.confidence, gh.checksum) == ("access-token", "high", "valid")
    assert pg.checksum is None
    assert len(gh.fingerprint) == 32 and gh.entropy > 3


def test_every_buffer_type_gives_the_same_findings(scanner: tokenhound.Scanner) -> None:
    text = f"a = 1\nkey: {github_pat()}\n"
    raw = text.encode()
    expected = [f.to_dict() for f in scanner.scan_bytes(raw)]
    assert len(expected) == 1
    for data in (bytearray(raw), memoryview(raw), memoryview(b"xx" + raw)[2:]):
        assert [f.to_dict() for f in scanner.scan_bytes(data)] == expected
    assert [f.to_dict() for f in scanner.scan_text(text)] == expected
    with pytest.raises(TypeError, match="bytes, bytearray or memoryview"):
        scanner.scan_bytes(text)  # type: ignore[arg-type]


def test_fingerprint_ignores_position(scanner: tokenhound.Scanner) -> None:
    pat = github_pat()
    a = scanner.scan_text(f"x = '{pat}'")[0]
    b = scanner.scan_text(f"\n\n    other_name = '{pat}'", path="elsewhere.py")[0]
    assert a.fingerprint == b.fingerprint and a.line != b.line


def test_no_findings_in_clean_or_near_miss_input(scanner: tokenhound.Scanner) -> None:
    pat = github_pat()
    broken = pat[:-1] + ("A" if pat[-1] != "A" else "B")  # wrong checksum
    assert scanner.scan_text(f"t = {broken}\nurl = postgres://app:${{DB_PASSWORD}}@db/app\n") == []
    assert scanner.scan_bytes(b"") == []


def test_scan_file(tmp_path: Path, scanner: tokenhound.Scanner) -> None:
    f = tmp_path / "settings.py"
    f.write_text(f"DATABASE = '{PG_URI}'\n")
    found = scanner.scan_file(f)
    assert [(x.rule, x.path) for x in found] == [("postgres.connection-uri", str(f))]
    assert scanner.scan_file(str(f))[0].to_dict() == found[0].to_dict()
    with pytest.raises(tokenhound.ScanError) as missing:
        scanner.scan_file(tmp_path / "missing.py")
    assert missing.value.path == str(tmp_path / "missing.py")
    assert "no such file" in str(missing.value)
    with pytest.raises(tokenhound.ScanError, match="directory"):
        scanner.scan_file(tmp_path)


def make_tree(root: Path) -> dict[str, str]:
    """A small repository-like tree: secrets in tracked and ignored files, a binary, a big file."""
    pats = {name: github_pat() for name in ("a", "b", "ignored", "big")}
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text(f"TOKEN = '{pats['a']}'\n")
    (root / "src" / "b.yaml").write_text(f"db: {PG_URI}\ntoken: {pats['b']}\n")
    (root / "clean.txt").write_text("nothing to see\n")
    (root / "blob.bin").write_bytes(b"\x00\x01" + pats["a"].encode())
    (root / "big.txt").write_text("x" * 5000 + f"\n{pats['big']}\n")
    (root / "ignored.log").write_text(f"{pats['ignored']}\n")
    # `.ignore` works like `.gitignore` without needing a git repository (or git) around it.
    (root / ".ignore").write_text("*.log\n")
    return pats


def test_scan_paths_results(tmp_path: Path, rules: tokenhound.Rules) -> None:
    pats = make_tree(tmp_path)
    scanner = tokenhound.Scanner(rules, max_file_size=4096, threads=2)
    result = scanner.scan_paths(tmp_path)
    assert isinstance(result, tokenhound.ScanResult)
    found = [(Path(f.path).relative_to(tmp_path).as_posix(), f.rule, f.line) for f in result]
    assert found == [
        ("src/a.py", "github.pat-classic", 1),
        ("src/b.yaml", "postgres.connection-uri", 1),
        ("src/b.yaml", "github.pat-classic", 2),
    ]
    assert len(result) == 3 == result.stats.findings
    skipped = {(Path(p).name, reason) for p, reason in result.skipped}
    assert skipped == {("blob.bin", "binary"), ("big.txt", "too-large")}
    stats = result.stats
    assert stats.skipped == {"binary": 1, "too-large": 1}
    assert stats.files_scanned == 4  # a.py, b.yaml, clean.txt, .ignore
    assert stats.errors == 0 and result.errors == [] and stats.elapsed >= 0
    assert stats.bytes_scanned > 0

    everything = tokenhound.Scanner(
        rules, no_ignore=True, scan_binary=True, max_file_size=1 << 20
    ).scan_paths([tmp_path / "ignored.log", str(tmp_path / "blob.bin"), tmp_path / "big.txt"])
    assert sorted(f.secret for f in everything) == sorted(
        tokenhound.Scanner(rules).scan_text(pats[k])[0].secret for k in ("ignored", "a", "big")
    )


def test_scan_paths_reports_errors_and_goes_on(tmp_path: Path, scanner: tokenhound.Scanner) -> None:
    (tmp_path / "a.env").write_text(f"DB={PG_URI}\n")
    result = scanner.scan_paths([tmp_path / "missing", tmp_path / "a.env"])
    assert [f.rule for f in result.findings] == ["postgres.connection-uri"]
    assert result.stats.errors == 1
    (err,) = result.errors
    assert isinstance(err, tokenhound.ScanError) and err.path == str(tmp_path / "missing")
    assert scanner.scan_paths([]).stats.files_scanned == 0
    assert len(scanner.scan_paths(p for p in [tmp_path / "a.env"])) == 1


@needs_builtin
def test_module_level_scan(tmp_path: Path) -> None:
    (tmp_path / "x.env").write_text(f"DB={PG_URI}\n")
    assert [f.rule for f in tokenhound.scan(tmp_path)] == ["postgres.connection-uri"]
    assert [f.rule for f in tokenhound.scan(str(tmp_path / "x.env"))] == ["postgres.connection-uri"]
    assert [f.rule for f in tokenhound.scan(f"t={github_pat()}".encode())] == ["github.pat-classic"]
    with pytest.raises(tokenhound.ScanError):
        tokenhound.scan(tmp_path / "missing")


@needs_builtin
def test_default_scanner_uses_builtin_rules() -> None:
    scanner = tokenhound.Scanner()
    assert len(scanner.rules) == len(tokenhound.Rules.builtin())
    assert [f.rule for f in scanner.scan_text(PG_URI)] == ["postgres.connection-uri"]


# --- Findings: fields, immutability, redaction ----------------------------------------------------

JSON_FIELDS = [
    "rule", "rule_name", "provider", "kind", "confidence", "confidence_reasons", "file_role",
    "also", "path", "line", "column", "end_line", "end_column", "start_offset", "end_offset",
    "secret", "redacted", "fingerprint", "entropy", "checksum", "snippet",
]


def test_finding_attributes_mirror_the_json_output(scanner: tokenhound.Scanner) -> None:
    f = scanner.scan_text(f"export GH={github_pat()}\n", path="x.sh")[0]
    d = f.to_dict()
    assert list(d) == JSON_FIELDS
    assert f.git is None, "a file or bytes scan has no git fields (and no `git` key)"
    for key, value in d.items():
        attr = getattr(f, key)
        assert attr == (round(value, 3) if key == "entropy" else value) or (
            key == "entropy" and round(attr, 3) == value
        ), key


def test_findings_and_results_are_frozen(scanner: tokenhound.Scanner, tmp_path: Path) -> None:
    f = scanner.scan_text(PG_URI)[0]
    for obj, attr in [(f, "secret"), (f, "line"), (scanner, "rules"), (scanner.rules, "x")]:
        with pytest.raises(AttributeError):
            setattr(obj, attr, "changed")
    result = scanner.scan_paths(tmp_path)
    with pytest.raises(AttributeError):
        result.findings = []  # type: ignore[misc]
    result.findings.append(f)  # a copy: the result itself does not change
    assert len(result.findings) == 0
    assert not dataclasses.is_dataclass(f)


def test_secrets_are_redacted_unless_asked_for(rules: tokenhound.Rules) -> None:
    pat = github_pat()
    line = f"token: {pat}  # CI\n"
    hidden = tokenhound.Scanner(rules).scan_text(line)[0]
    assert hidden.redacted and hidden.secret == pat[:6] + "…"
    assert pat not in hidden.snippet and hidden.snippet == f"token: {pat[:6]}…  # CI"
    assert pat not in repr(hidden) and pat[:6] in repr(hidden)
    assert pat not in str(hidden)
    assert hidden.to_dict()["secret"] == pat[:6] + "…"
    whole = hidden.to_dict(redact=False)
    assert whole["secret"] == pat and whole["redacted"] is False and pat in whole["snippet"]

    shown = tokenhound.Scanner(rules, show_secrets=True).scan_text(line)[0]
    assert shown.secret == pat and not shown.redacted and pat in shown.snippet
    assert pat not in repr(shown), "repr never shows a whole secret"
    assert shown.to_dict()["secret"] == pat[:6] + "…", "to_dict redacts by default"


def test_repr(scanner: tokenhound.Scanner) -> None:
    f = scanner.scan_text(PG_URI, path="db.env")[0]
    assert repr(f) == "Finding(rule='postgres.connection-uri', path='db.env', line=1, column=16, secret='Vq9…')"
    assert repr(scanner).startswith("<Scanner: ")
    assert repr(tokenhound.Rules.empty()) == "<Rules: 0 rules>"


def test_version_and_exports() -> None:
    assert tokenhound.__version__.count(".") == 2
    assert tokenhound.DEFAULT_MAX_FILE_SIZE == 100 << 20
    for name in tokenhound.__all__:
        assert hasattr(tokenhound, name), name
    assert tokenhound.RuleError.__module__ == "tokenhound"
    assert os.fspath(FIXTURE_RULES)
