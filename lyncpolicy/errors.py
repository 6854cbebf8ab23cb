"""Errors that end a run with exit code 2 and a one-line message (never a traceback)."""

from __future__ import annotations

import os


class LyncpolicyError(Exception):
    """Base class for every error lyncpolicy reports to the user.

    ``str(err)`` is the one line the CLI prints: ``path:line: message (hint)``.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text.replace("\n", " ")


class InputError(LyncpolicyError):
    """An input file cannot be read: wrong format, corrupt, truncated, encrypted, too large."""


class TmshSyntaxError(InputError):
    """tmsh text that cannot be read as configuration (unbalanced braces, prose, binary)."""


class ConfigError(LyncpolicyError):
    """The lyncpolicy configuration file (``lyncpolicy.yaml``) is invalid."""


class RuleError(LyncpolicyError):
    """A rule file or rule pack is invalid."""


class PluginError(LyncpolicyError):
    """A plugin failed to load or registered something invalid."""


def internal_error(path: str, exc: Exception) -> LyncpolicyError:
    """The error of an input whose reading raised ``exc``: a defect of lyncpolicy, reported as
    that input's error so the other inputs are still read. With ``LYNCPOLICY_DEBUG`` set,
    ``exc`` is raised again, for its traceback."""
    if os.environ.get("LYNCPOLICY_DEBUG"):
        raise exc
    return LyncpolicyError(
        f"internal error reading {path}: {type(exc).__name__}: {exc}: please report it",
        hint="set LYNCPOLICY_DEBUG=1 for the traceback",
    )
