"""Find leaked credentials (API keys, tokens, private keys, connection strings) in bytes, files,
directory trees and git repositories (the staged change, or the history). A thin layer over the
Rust library ``tokenhound``; scans run with the GIL released.

>>> import tokenhound
>>> scanner = tokenhound.Scanner()                      # built-in rules
>>> findings = scanner.scan_bytes(b"DATABASE_URL=postgres://app:Vq9xL2mZr8Tk4Pw@db.internal:5432/app\\n")
>>> [(f.rule, f.line, f.secret) for f in findings]      # secrets are redacted unless asked for
[('postgres.connection-uri', 1, 'Vq9…')]
"""

from __future__ import annotations

import os
import threading
from typing import List, Optional, Union

from ._errors import RuleError, ScanError, TokenhoundError
from ._native import (
    DEFAULT_MAX_FILE_SIZE,
    Finding,
    GitOrigin,
    Project,
    Rule,
    Rules,
    Scanner,
    ScanResult,
    Stats,
    __version__,
)

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "Finding",
    "GitOrigin",
    "Project",
    "Rule",
    "RuleError",
    "Rules",
    "ScanError",
    "ScanResult",
    "Scanner",
    "Stats",
    "TokenhoundError",
    "__version__",
    "scan",
]

_default: Optional[Scanner] = None
_default_lock = threading.Lock()


def _default_scanner() -> Scanner:
    global _default
    with _default_lock:
        if _default is None:
            _default = Scanner()
        return _default


def scan(
    target: Union[str, "os.PathLike[str]", bytes, bytearray, memoryview],
) -> List[Finding]:
    """Scan a file, a directory tree or bytes with the built-in rules; return the findings.

    A ``str`` or path-like is a path (use ``Scanner().scan_text`` for text). A file or directory
    that cannot be read raises ``ScanError``; use ``Scanner.scan_paths`` to get partial results,
    skipped files and every error instead.
    """
    scanner = _default_scanner()
    if isinstance(target, (bytes, bytearray, memoryview)):
        return scanner.scan_bytes(target)
    result = scanner.scan_paths(target)
    if result.errors:
        raise result.errors[0]
    return result.findings
