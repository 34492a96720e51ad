"""Shared fixtures: secrets the rules detect, and the rules to detect them with."""

from __future__ import annotations

import secrets
import string
import sys
import zlib
from pathlib import Path
from typing import List

import pytest

import tokenhound

HERE = Path(__file__).parent
FIXTURE_RULES = HERE / "rules.toml"
RULE_IDS = ("github.pat-classic", "postgres.connection-uri")

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

# A PostgreSQL URI whose password the postgres.connection-uri rule reports.
PG_PASSWORD = "Vq9xL2mZr8Tk4Pw"
PG_URI = f"postgres://app:{PG_PASSWORD}@db.internal:5432/app"


def github_pat(seed: int | None = None) -> str:
    """A GitHub classic PAT with a valid CRC32 checksum: `ghp_` + 30 base62 + 6 base62 of CRC32."""
    rng = secrets.SystemRandom() if seed is None else __import__("random").Random(seed)
    body = "".join(rng.choice(BASE62) for _ in range(30))
    n = zlib.crc32(body.encode())
    check = ""
    while n:
        check = BASE62[n % 62] + check
        n //= 62
    return "ghp_" + body + check.rjust(6, "0")


BUILTIN_HAS_RULES = all(rule_id in tokenhound.Rules.builtin() for rule_id in RULE_IDS)
needs_builtin = pytest.mark.skipif(
    not BUILTIN_HAS_RULES, reason="built-in rules lack github.pat-classic or postgres rules"
)


@pytest.fixture(scope="session")
def rules() -> tokenhound.Rules:
    """The built-in rules when they hold the two rules the tests use, else the test copies."""
    if BUILTIN_HAS_RULES:
        return tokenhound.Rules.builtin()
    return tokenhound.Rules.from_path(FIXTURE_RULES)


@pytest.fixture(scope="session")
def scanner(rules: tokenhound.Rules) -> tokenhound.Scanner:
    return tokenhound.Scanner(rules)


@pytest.fixture(scope="session")
def cli_rule_args() -> List[str]:
    """Command-line arguments that give the CLI the same rules as the `rules` fixture."""
    if BUILTIN_HAS_RULES:
        return []
    return ["--no-builtin-rules", "--rules", str(FIXTURE_RULES)]


@pytest.fixture(scope="session")
def console_script() -> Path:
    """The `tokenhound` command installed next to this interpreter."""
    bindir = Path(sys.executable).parent
    for name in ("tokenhound", "tokenhound.exe"):
        if (bindir / name).exists():
            return bindir / name
    pytest.fail(f"no tokenhound console script in {bindir}: install the package with pip")
