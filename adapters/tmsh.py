"""A tokenizer-based reader for tmsh configuration text.

Reads ``bigip.conf``, ``bigip_base.conf``, ``bigip_gtm.conf``, partition files, SCF files and
``tmsh list`` output into a list of :class:`TmshObject`, each with its file, start line and end
line. It does not depend on indentation or on a ``#TMSH-VERSION`` header.

Two lexical modes exist because tmsh has two languages in one file:

* tmsh mode: words, ``"quoted strings"`` (may span lines, ``\\"`` escapes), ``{``/``}``, and
  ``#`` comment lines. Newlines end statements.
* Tcl mode, for iRules, ``cli script`` bodies and iApp template sections: the body is kept as
  raw text and its end is found by Tcl's rule (every brace counts unless backslash-escaped).
  When a body never closes that way, braces on Tcl comment lines are ignored as a fallback
  (real configs carry comments like ``# bad comment { here``).

The tree types are plain slotted (not frozen) dataclasses: the reader builds hundreds of
thousands of nodes and frozen ``__init__`` costs would dominate; the normalized model built from
them is frozen.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import TmshSyntaxError

__all__ = [
    "ParseResult",
    "Statement",
    "TmshObject",
    "parse_file",
    "parse_text",
]

# Objects whose whole body is Tcl source.
TCL_OBJECT_TYPES = frozenset(
    {"ltm rule", "gtm rule", "cli script", "pem irule", "ltm rule-profiler"}
)
# Keys whose block is Tcl (or another brace-quoted language) inside these object types.
TCL_KEYS_BY_TYPE: dict[str, frozenset[str]] = {
    "sys application template": frozenset({"implementation", "presentation", "html-help", "macro"}),
    "sys icall script": frozenset({"definition"}),
}

_TOKEN = re.compile(
    r"""
      \n
    | [{}]
    | "(?:[^"\\]|\\.)*"
    | ^[ \t]*\#[^\n]*
    | [^\s{}"]+
    | "
    """,
    re.VERBOSE | re.MULTILINE | re.DOTALL,
)
_TCL = re.compile(r"\\.|[{}]", re.DOTALL)
_TCL_COMMENT_AWARE = re.compile(r"\\.|[{}]|^[ \t]*\#[^\n]*", re.DOTALL | re.MULTILINE)
_HEADER_WORD = re.compile(r"[a-z][a-z0-9_.:-]*\Z")
# Types TMOS itself saves several times under one name (keyed by a property inside).
_REPEATED_BY_DESIGN = frozenset({"security protocol-inspection compliance-objects"})
_SUPPRESS = re.compile(r"lyncpolicy:\s*ignore\[([^\]]*)\]\s*(.*)")


@dataclass(slots=True)
class Statement:
    """One line of an object body: ``key value...``, optionally followed by a ``{ block }``.

    ``block`` holds nested statements; ``raw`` holds the text of a Tcl block instead. A bare
    list item (``/Common/external`` inside ``vlans { }``) is a statement with one word.
    """

    words: list[str]
    line: int
    block: list[Statement] | None = None
    raw: str | None = None

    @property
    def key(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def values(self) -> list[str]:
        return self.words[1:]


@dataclass(slots=True)
class TmshObject:
    """A top-level tmsh object with its exact source location.

    ``type`` is the header words before the name (``ltm virtual``, ``ltm monitor tcp``,
    ``sys global-settings``); ``name`` is the name as written (``None`` for singletons such as
    ``sys global-settings``); ``full_path`` resolves a relative name against the partition in
    effect (``cli admin-partitions { update-partition X }``, default ``Common``).
    """

    type: str
    name: str | None
    partition: str
    path: str
    line: int
    end_line: int = 0
    body: list[Statement] = field(default_factory=list)
    raw: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def full_path(self) -> str | None:
        if self.name is None:
            return None
        if self.name.startswith("/") or self.type == "gtm topology":
            return self.name
        return f"/{self.partition}/{self.name}"

    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def properties(self) -> dict[str, Statement]:
        """Body statements by key (the last one wins, as on the device)."""
        return {stmt.words[0]: stmt for stmt in self.body if stmt.words}

    def inline_suppressions(self) -> list[tuple[list[str], str]]:
        """``# lyncpolicy: ignore[ID, ...] reason`` comments directly above the object."""
        found: list[tuple[list[str], str]] = []
        for comment in self.comments:
            match = _SUPPRESS.search(comment)
            if match:
                ids = [part.strip() for part in match.group(1).split(",") if part.strip()]
                found.append((ids, match.group(2).strip()))
        return found

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "type": self.type,
            "name": self.full_path,
            "file": self.path,
            "line": self.line,
            "end_line": self.end_line,
        }
        if self.name is not None and self.name != self.full_path:
            data["name_as_written"] = self.name
        if self.raw is not None:
            data["body"] = self.raw
        else:
            data["properties"] = block_to_json(self.body)
        return data


@dataclass(slots=True)
class ParseResult:
    """Objects of one file, in file order, and the diagnostics found while reading it."""

    path: str
    objects: list[TmshObject]
    diagnostics: list[Diagnostic]
    tmsh_version: str | None = None


def block_to_json(stmts: list[Statement]) -> object:
    """Render a statement list as JSON-friendly data (a tmsh-to-JSON converter).

    A block of bare words becomes a list; a block of unnamed ``{ }`` items a list of objects;
    otherwise an object keyed by the first word. Repeated keys collect into a list.
    """
    if not stmts:
        return {}
    if all(len(s.words) == 1 and s.block is None and s.raw is None for s in stmts):
        return [s.words[0] for s in stmts]
    if all(not s.words for s in stmts):
        return [_statement_value(s) for s in stmts]
    result: dict[str, object] = {}
    repeated: set[str] = set()
    for stmt in stmts:
        key = stmt.words[0] if stmt.words else ""
        value = _statement_value(stmt, skip=1)
        if key not in result:
            result[key] = value
        elif key in repeated:
            cast_list = result[key]
            assert isinstance(cast_list, list)
            cast_list.append(value)
        else:
            result[key] = [result[key], value]
            repeated.add(key)
    return result


def _statement_value(stmt: Statement, skip: int = 0) -> object:
    values = stmt.words[skip:]
    inner: object
    if stmt.raw is not None:
        inner = stmt.raw
    elif stmt.block is not None:
        inner = block_to_json(stmt.block)
    else:
        if not values:
            return True
        return values[0] if len(values) == 1 else values
    # `key name { ... }` nests the block under the extra words.
    for word in reversed(values):
        inner = {word: inner}
    return inner


def _unquote(token: str) -> str:
    inner = token[1:-1]
    if "\\" in inner:
        inner = inner.replace('\\"', '"').replace("\\\\", "\\")
    return inner


def _tcl_close(text: str, start: int, comment_aware: bool) -> int | None:
    """Offset of the brace closing a Tcl body that starts at ``start``, or None at EOF."""
    depth = 1
    pattern = _TCL_COMMENT_AWARE if comment_aware else _TCL
    for match in pattern.finditer(text, start):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return match.start()
    return None


class _Reader:
    """One pass over one file's text. Not reused across files.

    The token loop lives in :meth:`_scan`; it returns whenever a Tcl body was skipped so the
    tokenizer restarts after it. Its state is kept on the instance between restarts.
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.objects: list[TmshObject] = []
        self.diagnostics: list[Diagnostic] = []
        self.partition = "Common"
        self.tmsh_version: str | None = None
        self.stray_lines: list[int] = []
        self.line = 1
        # Top level: comments above the next object.
        self.comments: list[str] = []
        # Inside an object: the object, its open blocks, the words of the current statement.
        self.obj: TmshObject | None = None
        self.discard = False
        self.stack: list[list[Statement]] = []
        self.words: list[str] = []
        self.word_line = 0

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.diagnostics.append(Diagnostic("warning", code, message, self.path, line))

    def read(self) -> ParseResult:
        if "\x00" in self.text[:8192]:
            raise TmshSyntaxError(
                "binary data, not tmsh configuration text",
                path=self.path,
                hint="pass a bigip.conf, an SCF file or a UCS archive",
            )
        pos: int | None = 0
        while pos is not None:
            pos = self._scan(pos)
        if self.obj is not None:
            raise self._unclosed(self.obj)
        if not self.objects and self.stray_lines:
            first = self.stray_lines[0]
            raise TmshSyntaxError(
                f"not a tmsh configuration: text outside any object at line {first}",
                path=self.path,
                line=first,
                hint="expected objects such as 'ltm virtual /Common/vs { ... }'",
            )
        for line in self.stray_lines:
            self.warn("TMSH-STRAY-TEXT", "text outside any object was ignored", line)
        self._report_duplicates()
        return ParseResult(self.path, self.objects, self.diagnostics, self.tmsh_version)

    def _scan(self, pos: int) -> int | None:
        """Tokenize from ``pos``; return where to restart after a Tcl body, or None at EOF."""
        text = self.text
        line = self.line
        words = self.words
        word_line = self.word_line
        obj = self.obj
        stack = self.stack
        current = stack[-1] if stack else None
        for match in _TOKEN.finditer(text, pos):
            tok = match.group()
            first = tok[0]
            if first == "\n":
                if words:
                    if current is not None:
                        current.append(Statement(words, word_line))
                    elif words[0].startswith("!"):
                        self._skip_non_tmsh(word_line)
                        self.words = []
                        return None
                    else:
                        self.stray_lines.append(word_line)
                    words = []
                line += 1
            elif first == "{":
                if current is None:
                    obj = self._start_object(words, word_line if words else line)
                    words = []
                    self.obj = obj
                    if obj.type in TCL_OBJECT_TYPES:
                        close = self._find_tcl_close(obj.line, match.end())
                        obj.raw = text[match.end() : close]
                        line += obj.raw.count("\n")
                        obj.end_line = line
                        self._finish_object(obj)
                        self.obj = None
                        self.line, self.words, self.word_line = line, words, word_line
                        return close + 1
                    stack.append(obj.body)
                    current = obj.body
                    continue
                stmt = Statement(words, word_line if words else line, [])
                words = []
                current.append(stmt)
                assert obj is not None
                tcl_keys = TCL_KEYS_BY_TYPE.get(obj.type)
                if tcl_keys is not None and stmt.words and stmt.words[0] in tcl_keys:
                    close = self._find_tcl_close(stmt.line, match.end())
                    stmt.raw = text[match.end() : close]
                    stmt.block = None
                    line += stmt.raw.count("\n")
                    self.line, self.words, self.word_line = line, words, word_line
                    return close + 1
                assert stmt.block is not None
                stack.append(stmt.block)
                current = stmt.block
            elif first == "}":
                if current is None:
                    raise TmshSyntaxError(
                        "unbalanced braces: '}' without a matching '{'",
                        path=self.path,
                        line=line,
                        hint="an object above this line was closed twice or never opened",
                    )
                if words:
                    current.append(Statement(words, word_line))
                    words = []
                stack.pop()
                if stack:
                    current = stack[-1]
                else:
                    assert obj is not None
                    obj.end_line = line
                    self._finish_object(obj)
                    obj = self.obj = None
                    current = None
            elif first == "#" or (first in " \t"):
                if current is None and not words:
                    comment = tok.strip()
                    if comment.startswith("#TMSH-VERSION:"):
                        self.tmsh_version = comment.split(":", 1)[1].strip()
                    else:
                        self.comments.append(comment)
                # Comment lines inside bodies carry no configuration.
            else:
                if first == '"':
                    if len(tok) == 1 or tok[-1] != '"':
                        raise TmshSyntaxError(
                            "unterminated quoted string",
                            path=self.path,
                            line=line,
                            hint="a '\"' opens a string that is never closed",
                        )
                    if not words:
                        word_line = line
                    line += tok.count("\n")
                    words.append(_unquote(tok))
                    continue
                if not words:
                    word_line = line
                words.append(tok)
        self.line, self.words, self.word_line = line, words, word_line
        if words and current is None:
            self.stray_lines.append(word_line)
            self.words = []
        return None

    def _skip_non_tmsh(self, line: int) -> None:
        self.warn(
            "TMSH-NON-TMSH-SECTION",
            f"non-tmsh section (ZebOS/imish routing configuration) from line {line} "
            "to the end of the file was skipped",
            line,
        )

    def _start_object(self, header: list[str], line: int) -> TmshObject:
        comments, self.comments = self.comments, []
        obj: TmshObject | None = None
        if header and all(_HEADER_WORD.match(w) for w in header[:2]):
            if header[0] == "gtm" and len(header) > 2 and header[1] == "topology":
                name = " ".join(header[2:])
                obj = TmshObject("gtm topology", name, self.partition, self.path, line)
            elif len(header) <= 2 or header[-1] == "global-settings":
                # `ltm persistence global-settings { }` is a singleton, not a named object.
                obj = TmshObject(" ".join(header), None, self.partition, self.path, line)
            elif all(_HEADER_WORD.match(w) for w in header[:-1]):
                type_ = " ".join(header[:-1])
                obj = TmshObject(type_, header[-1], self.partition, self.path, line)
        if obj is None:
            # A block that is not an object (prose, a stray '{'): read it to stay in sync,
            # then drop it.
            self.stray_lines.append(line)
            self.discard = True
            return TmshObject("", None, self.partition, self.path, line)
        self.discard = False
        # Comments directly above an object belong to it (inline suppressions live there).
        obj.comments = comments
        return obj

    def _finish_object(self, obj: TmshObject) -> None:
        if self.discard:
            self.discard = False
            return
        self.objects.append(obj)
        if obj.type == "cli admin-partitions":
            for stmt in obj.body:
                if stmt.key == "update-partition" and stmt.values:
                    self.partition = stmt.values[0].strip("/")

    def _find_tcl_close(self, line: int, body_start: int) -> int:
        close = _tcl_close(self.text, body_start, comment_aware=False)
        if close is None:
            close = _tcl_close(self.text, body_start, comment_aware=True)
            if close is None:
                raise TmshSyntaxError(
                    "unbalanced braces: the Tcl body opened here is never closed",
                    path=self.path,
                    line=line,
                    hint="check the iRule or script for a missing '}'",
                )
            self.warn(
                "TMSH-TCL-COMMENT-BRACE",
                "this Tcl body only closes when braces in '#' comments are ignored; "
                "a comment holds an unbalanced brace",
                line,
            )
        return close

    def _unclosed(self, obj: TmshObject) -> TmshSyntaxError:
        label = f"{obj.type} {obj.name}" if obj.name else (obj.type or "block")
        return TmshSyntaxError(
            f"unbalanced braces: '{label}' opened here is never closed",
            path=self.path,
            line=obj.line,
            hint="add the missing '}' or take a fresh copy from the device",
        )

    def _report_duplicates(self) -> None:
        seen: dict[tuple[str, str | None], int] = {}
        for obj in self.objects:
            key = (obj.type, obj.full_path)
            if key in seen and obj.type not in _REPEATED_BY_DESIGN:
                label = f"{obj.type} {obj.full_path}" if obj.name else obj.type
                self.warn(
                    "TMSH-DUPLICATE",
                    f"duplicate object '{label}' (first defined at line {seen[key]}); "
                    "both are kept",
                    obj.line,
                )
            else:
                seen[key] = obj.line


def parse_text(text: str, path: str = "<string>") -> ParseResult:
    """Read tmsh configuration text. Raises :class:`TmshSyntaxError` on unreadable input."""
    # The reader allocates many small containers that never form cycles; pausing the cyclic
    # collector during the pass halves its time on large files.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Reader(text.removeprefix("\ufeff"), path).read()
    finally:
        if paused:
            gc.enable()


def parse_file(path: str) -> ParseResult:
    """Read a tmsh file from disk (UTF-8; undecodable bytes are replaced, not fatal)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise TmshSyntaxError(
            f"cannot read file: {exc.strerror or exc}", path=path, hint="check the path"
        ) from None
    # utf-8-sig drops the byte-order mark Windows editors put in front of saved files.
    return parse_text(data.decode("utf-8-sig", errors="replace"), path)
