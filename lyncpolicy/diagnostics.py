"""Diagnostics: problems in the input that do not stop the run (unless ``--strict``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DiagnosticLevel = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found while reading input, located at ``path:line``.

    ``code`` is a stable short identifier (``TMSH-DUPLICATE``, ``ARCHIVE-SYMLINK``...), so
    tests and users can filter on it without matching message text.
    """

    level: DiagnosticLevel
    code: str
    message: str
    path: str
    line: int | None = None

    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return f"{self.location()}: {self.level}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "file": self.path,
            "line": self.line,
        }
