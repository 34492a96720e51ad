"""The exceptions tokenhound raises: ``TokenhoundError`` and its two kinds."""

from __future__ import annotations

from typing import Optional

__all__ = ["TokenhoundError", "RuleError", "ScanError"]


class TokenhoundError(Exception):
    """Base class of every error tokenhound raises."""

    __module__ = "tokenhound"


class RuleError(TokenhoundError, ValueError):
    """A rule file or rule is malformed: ``path``, ``line``, ``column`` and ``rule`` say where.

    ``str(err)`` reads ``FILE:LINE:COL: rule ID: message``, leaving out what is unknown.
    """

    __module__ = "tokenhound"

    def __init__(
        self,
        message: str,
        path: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        rule: Optional[str] = None,
    ) -> None:
        super().__init__(message, path, line, column, rule)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.rule = rule

    def __str__(self) -> str:
        return self.message


class ScanError(TokenhoundError):
    """A file, directory or git repository could not be read (not a repository, an unknown
    revision, a missing object); ``path`` names it when known."""

    __module__ = "tokenhound"

    def __init__(self, message: str, path: Optional[str] = None) -> None:
        super().__init__(message, path)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message
