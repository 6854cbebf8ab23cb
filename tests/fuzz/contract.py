"""The robustness contract of lyncpolicy's readers, checked on one input.

Shared by the property tests, the crash-regression test and the fuzz harnesses:

* tmsh text: :func:`parse_text` returns a result or raises :class:`TmshSyntaxError` naming the
  file and a line inside the text; everything it returns is inside the text, converts to JSON
  (``lyncpolicy parse --format json``) and builds a model (``build_device``) without raising.
* archives: :func:`read_archive` returns configuration members or raises :class:`InputError`
  with the archive's path and a hint, writes nothing to disk, and every member it returns
  obeys the tmsh contract.

Any other exception escapes unchanged, so a test or a fuzzer sees the real traceback.

Open defects in ``adapters/tmsh.py`` that are already pinned by a failing regression test are
listed in :data:`KNOWN_ISSUES`. With ``allow_known=True`` (the property tests, the fuzzers) an
input that hits one of them is not reported again, so the search goes on for new defects;
``allow_known=False`` (the regression test) checks the full contract.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from lyncpolicy.adapters.archive import Archive, is_config_member, read_archive
from lyncpolicy.adapters.tmsh import ParseResult, parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.errors import InputError, TmshSyntaxError
from lyncpolicy.model import to_jsonable


@dataclass(frozen=True)
class KnownIssue:
    key: str
    summary: str
    regression: str  # the crash input that pins it, under tests/fuzz/crashes/


# Open reader defects a fuzzing run should not report again. None now: the three found so far
# (a NUL byte error without a line, and RecursionError in to_dict on deep nesting or on many
# words before a block) are fixed and pinned by their crash inputs.
KNOWN_ISSUES: Final[dict[str, KnownIssue]] = {}


class ContractViolation(AssertionError):
    """An input made a reader break its contract."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ContractViolation(message)


def check_tmsh(
    text: str, path: str = "fuzz.conf", *, allow_known: bool = True, build: bool = True
) -> ParseResult | None:
    """Check the tmsh contract on ``text``; the result, or None if it was a clean error."""
    last_line = text.count("\n") + 1
    try:
        result = parse_text(text, path)
    except TmshSyntaxError as err:
        check_tmsh_error(err, path, last_line, allow_known=allow_known)
        return None
    _require(isinstance(result, ParseResult), f"parse_text returned {type(result)!r}")
    _require(result.path == path, f"result path {result.path!r} is not {path!r}")
    previous = 0
    for obj in result.objects:
        _require(
            1 <= obj.line <= obj.end_line <= last_line,
            f"object {obj.type} {obj.name} spans {obj.line}-{obj.end_line} of {last_line} lines",
        )
        _require(obj.line >= previous, f"objects out of order at line {obj.line}")
        previous = obj.line
        _require(obj.path == path, f"object path {obj.path!r} is not {path!r}")
        json.dumps(obj.to_dict())
        obj.inline_suppressions()
    for diagnostic in result.diagnostics:
        _require(diagnostic.path == path, f"diagnostic path {diagnostic.path!r}")
        _require(
            diagnostic.line is None or 1 <= diagnostic.line <= last_line,
            f"diagnostic line {diagnostic.line} outside 1-{last_line}: {diagnostic}",
        )
    if build:
        check_model(result, last_line)
    return result


def check_tmsh_error(
    err: TmshSyntaxError, path: str, last_line: int, *, allow_known: bool = True
) -> None:
    _require(err.path == path, f"error path {err.path!r} is not {path!r}: {err}")
    _require(err.line is not None, f"TmshSyntaxError without a line number: {err}")
    assert err.line is not None
    # One past the end: "the file ends here" (an unterminated last line).
    _require(1 <= err.line <= last_line, f"error line {err.line} outside 1-{last_line}: {err}")
    _require(bool(err.message) and bool(err.hint), f"error without message or hint: {err!r}")
    _require("\n" not in str(err), f"error message is not one line: {str(err)!r}")


def check_model(result: ParseResult, last_line: int) -> None:
    """``build_device`` on a parsed file never raises; its diagnostics point into the file."""
    device, diagnostics = build_device([TmshInput(result)], "fuzz")
    json.dumps(to_jsonable(device))
    for diagnostic in diagnostics:
        _require(
            diagnostic.line is None or 1 <= diagnostic.line <= last_line,
            f"model diagnostic line {diagnostic.line} outside 1-{last_line}: {diagnostic}",
        )


# -- archives ------------------------------------------------------------------------------


class _WriteGuard:
    """A process-wide audit hook that records (and blocks) writes while armed.

    Audit hooks cannot be removed, so one hook is installed once and armed per check. It sees
    every ``open`` (Python and C level, tarfile's extraction included) and the calls that
    create, move or delete files.
    """

    _WRITE_FLAGS: Final = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    _EVENTS: Final = frozenset(
        {
            "os.mkdir",
            "os.symlink",
            "os.link",
            "os.rename",
            "os.remove",
            "os.rmdir",
            "os.truncate",
            "os.chmod",
            "os.utime",
            "os.mknod",
            "os.mkfifo",
            "shutil.copyfile",
            "shutil.move",
        }
    )

    def __init__(self) -> None:
        self.armed = False
        self.writes: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if not self.armed:
            return
        if event == "open":
            path, mode, flags = (*args, None, None, None)[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and bool(flags & self._WRITE_FLAGS)
            )
            # The import system caching bytecode is not the reader writing.
            if writing and "__pycache__" not in str(path):
                self.writes.append(f"open({path!r}, {mode!r}, {flags!r})")
                raise ContractViolation(f"archive reader opened {path!r} for writing")
        elif event in self._EVENTS:
            self.writes.append(f"{event}{args!r}")
            raise ContractViolation(f"archive reader called {event}{args!r}")

    @contextmanager
    def watching(self) -> Iterator[list[str]]:
        self.writes = []
        self.armed = True
        try:
            yield self.writes
        finally:
            self.armed = False


_GUARD: _WriteGuard | None = None


def write_guard() -> _WriteGuard:
    global _GUARD
    if _GUARD is None:
        _GUARD = _WriteGuard()
    return _GUARD


def check_archive(
    path: str,
    *,
    allow_known: bool = True,
    parse_members: bool = True,
    read: Callable[[str], Archive] = read_archive,
) -> Archive | None:
    """Check the archive contract on the file at ``path``; the archive, or None on an error."""
    guard = write_guard()
    try:
        with guard.watching() as writes:
            archive = read(path)
    except InputError as err:
        _require(not writes, f"writes during a failed read: {writes}")
        _require(err.path == path, f"error path {err.path!r} is not {path!r}: {err}")
        _require(bool(err.message) and bool(err.hint), f"error without message or hint: {err!r}")
        _require("\n" not in str(err), f"error message is not one line: {str(err)!r}")
        return None
    _require(not writes, f"writes during a read: {writes}")
    _require(isinstance(archive, Archive), f"read_archive returned {type(archive)!r}")
    _require(archive.path == path and bool(archive.members), "an archive without members")
    names = [member.name for member in archive.members]
    _require(len(set(names)) == len(names), f"duplicate members {names}")
    for member in archive.members:
        _require(is_config_member(member.name), f"not a config member: {member.name!r}")
        _require(isinstance(member.text, str), "member text is not str")
    for diagnostic in archive.diagnostics:
        _require(diagnostic.path == path, f"diagnostic path {diagnostic.path!r}")
        _require("\n" not in diagnostic.message, f"multi-line diagnostic {diagnostic.message!r}")
    if parse_members:
        for member in archive.members:
            check_tmsh(member.text, f"{path}!{member.name}", allow_known=allow_known)
    return archive
