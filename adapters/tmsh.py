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

``tmsh list ... one-line`` writes a whole object on its header line, where no newline separates
the statements. When an object's body opens and closes on its header line, the body is split
again into statements the way tmsh writes them (:func:`_split_one_line`); bodies over several
lines are read as written. Blocks nested deeper than :data:`MAX_NESTING` or opened after more
than :data:`MAX_WORDS_BEFORE_BLOCK` words are refused with the line: no real configuration
comes near either, and ``TmshObject.to_dict`` (``lyncpolicy parse --format json``) nests one
level per block and per word before a block.

Speed and memory (budgets and figures: ``docs/performance.md``): most lines of a saved config
are ``key value``, ``key {`` or ``}``. A line-oriented fast path reads those with one
``str.split`` each, over one chunk of lines at a time; every other line goes to the general
regex tokenizer, which is the reference behaviour (both are checked against each other in
``tests/test_tmsh_perf_paths.py``). Statement keys and two-word values are interned (they
repeat across thousands of objects), and word lists are exact-size. Tcl bodies that only close
by the comment-aware fallback cost one scan to the end of the text per file, not per body
(:class:`_TclNeverCloses`).
"""

from __future__ import annotations

import gc
import re
import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, islice

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
# Types that are not reported as duplicates: TMOS saves some several times under one name
# (keyed by a property inside), and `cli admin-partitions { update-partition X }` is a
# directive that switches the partition of the names after it, once per switch in an SCF.
_REPEATED_BY_DESIGN = frozenset(
    {"security protocol-inspection compliance-objects", "cli admin-partitions"}
)
_SUPPRESS = re.compile(r"lyncpolicy:\s*ignore\[([^\]]*)\]\s*(.*)")
# The fast path splits the text into lines one chunk of about this many characters at a time.
_CHUNK = 1 << 16
# Limits that keep every object convertible to JSON (to_dict nests one level per block and one
# per word before a block; json.dumps recurses per level). Real configurations nest at most
# 6 levels and open a block after at most 4 words (`monitor min 1 of {`).
MAX_NESTING = 32
MAX_WORDS_BEFORE_BLOCK = 8

# -- one-line objects (`tmsh list ... one-line`) --------------------------------------------
# Bare keywords tmsh writes alone on a line (flags), each with the values that make the same
# keyword the key of a `key value` statement instead (`enabled yes` on a virtual address,
# `mirror disabled` on a virtual).
_FLAGS: dict[str, frozenset[str]] = {
    flag: frozenset()
    for flag in (
        "disabled",  # virtuals, nodes, SNATs, NATs, GTM objects, interfaces
        "vlans-enabled",
        "vlans-disabled",
        "ip-forward",  # virtual types
        "l2-forward",
        "reject",
        "internal",
        "stateless",
        "dhcp-relay",
        "automap",  # ltm snat
        "blackhole",  # net route
        "bfd-enabled",  # net self, net route-domain
        "bfd-disabled",
        "tagged",  # net vlan interfaces { 1.1 { tagged } }
        "untagged",
        "set-sync-leader",  # cm device-group devices
        "active",  # asm policy
    )
}
_FLAGS["enabled"] = frozenset({"yes", "no"})
_FLAGS["mirror"] = frozenset({"enabled", "disabled", "none"})
# Blocks that list items (names or keywords), one per line or several on one line. A block
# whose first word is a name (not a lower-case keyword) is read as a list too.
_LIST_KEYS = frozenset(
    {
        # names
        "vlans", "rules", "profiles", "persist", "policies", "members", "interfaces",
        "origins", "devices", "monitor", "virtual-servers", "servers", "name-servers",
        "search", "ca-devices", "aliases", "destinations", "port-lists", "log-settings",
        "security-log-profiles", "network-access-resources", "values", "column-names", "row",
        "uri-include", "include-url", "cache-uri-include", "logout-uri-include",
        # keywords
        "allow-service", "options", "controls", "requires", "requires-modules",
        "active-modules", "optional-modules", "accept-languages", "activation-modes",
        "compression-codecs", "frame-types", "protocol-versions", "request-options",
        "metrics-collection-protocols", "cert-extension-includes",
        "c3d-cert-extension-includes", "role-acl", "valid-values", "routing-protocol",
        "defaults",
    }
)  # fmt: skip
# Keys of ltm policy actions and conditions that take a value that may look like a keyword
# (`name host`, `facility local0`); names and other values are not keywords and need no entry.
_POLICY_VALUED = frozenset(
    {"name", "value", "message", "facility", "priority", "pool", "node", "virtual", "policy",
     "datagroup", "location", "snatpool", "clone-pool", "internal-virtual", "from-profile"}
)  # fmt: skip
# A word that can be a property key; anything else (`/Common/x`, `10.1.1.1:80`, `tcp:22`,
# `Upper`, `a_b`) is a name or a value.
_KEY_WORD = re.compile(r"[a-z][a-z0-9-]*\Z")


@dataclass(slots=True)
class Statement:
    """One line of an object body: ``key value...``, optionally followed by a ``{ block }``.

    In an object written on one line, one statement as tmsh writes it on a line of its own
    (see :func:`_split_one_line`); every statement then has the object's line.

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


# How the words of a block group into statements (see _split_one_line).
_PROPERTIES = 0  # `key value`, `key { }`, flags
_LIST = 1  # one item per word; `name { properties }`
_ACTIONS = 2  # ltm policy `actions`/`conditions`: a list whose items hold _KEYWORDS
_KEYWORDS = 3  # each keyword alone (`forward select pool /Common/p`)


def _split_one_line(body: list[Statement], line: int, kind: str) -> list[Statement]:
    """The statements of an object body written on one line (``tmsh list ... one-line``).

    Read like any line, such a body is one statement per block: ``destination X ip-protocol
    tcp profiles { ... }`` gives one statement of five words with the block. The tokens are
    regrouped the way tmsh writes statements, one a line, in its multi-line form:

    * ``key { block }``; ``key value``; a bare flag (``vlans-enabled``, ``disabled``: see
      ``_FLAGS``);
    * ``key a and b`` (monitors), ``key min N of { block }`` (monitor quorum) and
      ``key name { block }`` when ``name`` is not a keyword (``region /Common/r { }``);
    * a name where a key would be (``last-resort-pool a /Common/p``) goes on with the
      statement before it;
    * in a list block (``vlans { a b }``; the keys in ``_LIST_KEYS`` or a block whose first
      word is a name) every word is an item, and ``name { block }`` an item with properties;
    * in the actions and conditions of an ``ltm policy`` every keyword stands alone
      (``forward``, ``select``, ``pool /Common/p``) except the keys in ``_POLICY_VALUED``.

    Nested blocks are regrouped the same way. A keyword tmsh writes alone that is not in
    ``_FLAGS`` pairs with the word after it: the one-line form does not say where such a
    statement ends.
    """
    return _split_block(body, line, _PROPERTIES, kind == "ltm policy", by_content=False)


def _split_block(
    stmts: list[Statement], line: int, mode: int, policy: bool, by_content: bool = True
) -> list[Statement]:
    # The block as written: its words, each block (a statement holding it) after its words.
    units: list[str | Statement] = []
    for stmt in stmts:
        units.extend(stmt.words)
        if stmt.block is not None or stmt.raw is not None:
            units.append(stmt)
    if by_content and mode == _PROPERTIES and units:
        first = units[0]
        if isinstance(first, str) and _KEY_WORD.match(first) is None:
            mode = _LIST  # `origins { 10.0.0.0/8 }`, `allow-service { tcp:22 }`
    listing = mode in (_LIST, _ACTIONS)
    item_mode = _KEYWORDS if mode == _ACTIONS else _PROPERTIES
    out: list[Statement] = []
    count = len(units)
    index = 0
    while index < count:
        unit = units[index]
        if not isinstance(unit, str):  # `{ ... }` with no word before it: an unnamed item
            out.append(_split_nested([], unit, line, item_mode, policy))
            index += 1
            continue
        following = units[index + 1] if index + 1 < count else None
        if following is not None and not isinstance(following, str):  # `word { ... }`
            # A list item's block holds its properties; a property's block may be a list.
            if listing:
                nested = item_mode
            elif policy and mode == _PROPERTIES and unit in ("actions", "conditions"):
                nested = _ACTIONS
            else:
                nested = _LIST if unit in _LIST_KEYS else _PROPERTIES
            out.append(_split_nested([unit], following, line, nested, policy))
            index += 2
            continue
        if listing:
            out.append(Statement([unit], line))
            index += 1
            continue
        if _KEY_WORD.match(unit) is None:
            # A name where a key would be: more words of the statement before it.
            previous = out[-1] if out else None
            if previous is not None and previous.block is None and previous.raw is None:
                previous.words.append(unit)
            else:
                out.append(Statement([unit], line))
            index += 1
            continue
        if mode == _KEYWORDS:
            if following is not None and unit in _POLICY_VALUED:
                out.append(Statement([unit, following], line))
                index += 2
            else:
                out.append(Statement([unit], line))
                index += 1
            continue
        values = _FLAGS.get(unit)
        if following is None or (values is not None and following not in values):
            out.append(Statement([unit], line))  # a bare flag (or a key at the very end)
            index += 1
            continue
        words = [unit, following]
        after = index + 2
        block = units[after] if after < count else None
        if block is not None and not isinstance(block, str):
            if _KEY_WORD.match(following) is not None:
                # `flag key { ... }`: `unit` stands alone, `following` opens the block.
                out.append(Statement([unit], line))
                index += 1
                continue
            out.append(_split_nested(words, block, line, _PROPERTIES, policy))  # `key name {`
            index = after + 1
            continue
        # `monitor a and b and c`
        while after + 1 < count and units[after] == "and":
            more = units[after + 1]
            if not isinstance(more, str):
                break
            words += ("and", more)
            after += 2
        # `monitor min 1 of { a b }`
        if (
            following == "min"
            and after + 2 < count
            and isinstance(quorum := units[after], str)
            and quorum.isdigit()
            and units[after + 1] == "of"
            and not isinstance(names := units[after + 2], str)
        ):
            words += (quorum, "of")
            out.append(_split_nested(words, names, line, _LIST, policy))
            index = after + 3
            continue
        out.append(Statement(words, line))
        index = after
    return out


def _split_nested(
    words: list[str], holder: Statement, line: int, mode: int, policy: bool
) -> Statement:
    """A statement of ``words`` with the block (or Tcl body) of ``holder``, regrouped."""
    if holder.raw is not None:
        return Statement(words, line, None, holder.raw)
    assert holder.block is not None
    return Statement(words, line, _split_block(holder.block, line, mode, policy))


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


class _TclNeverCloses:
    """Answers "does the plain Tcl scan from here run to the end of the text?" in O(log n).

    A Tcl body whose comment holds an unbalanced '{' never closes by Tcl's rule: the plain scan
    runs to the end of the text before the comment-aware fallback finds the close. With many
    such bodies that is O(bodies x size). After the first such scan (from ``start``), this
    index records every brace token from there on (positions, running balance, suffix minima
    of the balance); a later scan from ``p >= start`` never closes exactly when the balance
    never drops below its level at ``p``. Positions line up because a body starts right after
    a '{', which no ``\\.`` token can straddle.
    """

    def __init__(self, text: str, start: int) -> None:
        self.start = start
        positions: list[int] = []
        balances: list[int] = []
        balance = 0
        for match in _TCL.finditer(text, start):
            char = match.group()
            if char == "{":
                balance += 1
            elif char == "}":
                balance -= 1
            else:
                continue  # an escaped character
            positions.append(match.start())
            balances.append(balance)
        self.positions = array("q", positions)
        self.balances = array("q", balances)
        minima = array("q", accumulate(reversed(balances), min))
        minima.reverse()
        self.minima = minima

    def __call__(self, body_start: int) -> bool:
        index = bisect_left(self.positions, body_start)
        if index == len(self.positions):
            return True
        level = self.balances[index - 1] if index else 0
        return self.minima[index] >= level


class _Reader:
    """One pass over one file's text. Not reused across files.

    Two scanners share the reader's state (the open object, its block stack, the words of the
    statement being read, the line number):

    * :meth:`_scan` is the general tokenizer (the ``_TOKEN`` regex): quoted strings spanning
      lines, comments, braces attached to words, Tcl bodies. It is the reference behaviour.
    * :meth:`_scan_lines` is the fast path for the common case, a whole line that holds no
      ``"`` and no ``#`` and whose braces stand alone between spaces: for such a line the
      tokens of ``_TOKEN`` are exactly ``line.split()``, so the line is read with one
      ``str.split`` and no per-token work. Of those it handles ``words...``, ``words... {``,
      ``}`` and ``words... { items... }``, plus statements whose quoted strings all close on
      their line (``_TOKEN.findall`` on the line). Every other line (a Tcl body's first line,
      a string going on to the next line, a comment, an attached brace, several blocks or a
      whole object on one line, a ``!`` or ``}`` at the top level) is handed to :meth:`_scan`,
      which reads it, and whatever a Tcl body or a string carries over, and returns at the
      start of the next line; the fast path resumes there. ``tests/test_tmsh_perf_paths.py``
      checks that both give identical results. An object that opens and closes on its
      header line is therefore always closed by :meth:`_scan`, which regroups its body
      (:func:`_split_one_line`) for both paths.
    """

    def __init__(self, text: str, path: str, fast: bool = True) -> None:
        self.text = text
        self.path = path
        self.fast = fast
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
        # Header words before the name (as a tuple) -> the object type, for headers already
        # seen; one shared type string per type.
        self.types: dict[tuple[str, ...], str] = {}
        # Built on the first Tcl body that never closes by Tcl's rule (see the class).
        self.tcl_never_closes: _TclNeverCloses | None = None

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.diagnostics.append(Diagnostic("warning", code, message, self.path, line))

    def read(self) -> ParseResult:
        nul = self.text.find("\x00", 0, 8192)
        if nul >= 0:
            raise TmshSyntaxError(
                "binary data, not tmsh configuration text",
                path=self.path,
                line=self.text.count("\n", 0, nul) + 1,
                hint="pass a bigip.conf, an SCF file or a UCS archive",
            )
        if self.fast:
            self._scan_lines()
        else:
            self._scan(0)
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

    def _scan_lines(self) -> None:
        """Read the whole text, line by line, handing unusual lines to :meth:`_scan`.

        The text is split into lines one chunk (~64 KB) at a time, so no list of all lines
        exists. ``lineno`` is the number of the line being read; ``self.line`` and
        ``self.obj`` are synchronised only around calls to :meth:`_scan`.
        """
        text = self.text
        end = len(text)
        stack = self.stack
        stray = self.stray_lines
        statement = Statement
        intern = sys.intern
        classify = self._classify
        open_object = self._open_object
        finish_object = self._finish_object
        tcl_types = TCL_OBJECT_TYPES
        tcl_keys_by_type = TCL_KEYS_BY_TYPE
        obj = self.obj
        current = stack[-1] if stack else None
        tcl_keys = None if obj is None else tcl_keys_by_type.get(obj.type)
        pos = 0
        lineno = 0  # the number of the line before the one at ``pos``
        while pos < end:
            stop = text.find("\n", pos + _CHUNK)
            if stop < 0:
                stop = text.rfind("\n", pos)
                if stop < 0:
                    break  # only an unterminated last line is left
            lines = text[pos:stop].split("\n")
            first = lineno  # lines[i] is line first + i + 1
            known_index, known_offset = 0, pos  # where lines[known_index] starts in the text
            pos = stop + 1  # where the next chunk starts, unless _scan reads past it
            it = iter(lines)
            for line in it:
                lineno += 1
                parts = line.split()
                if not parts:
                    continue
                last = parts[-1]
                if last == "}" and len(parts) == 1:
                    # A line holding just '}'.
                    if current is not None:
                        stack.pop()
                        if stack:
                            current = stack[-1]
                            continue
                        assert obj is not None
                        obj.end_line = lineno
                        finish_object(obj)
                        obj = current = tcl_keys = None
                        continue
                elif '"' not in line and "#" not in line:
                    if last == "{":
                        if line.count("{") == 1 and "}" not in line:
                            # `words... {`: a block (or an object) opens.
                            parts[0] = intern(parts[0])
                            words = parts[:-1]
                            if current is None:
                                kind = classify(words)
                                if kind is None or kind[0] not in tcl_types:
                                    obj = open_object(kind, words, lineno)
                                    current = obj.body
                                    stack.append(current)
                                    tcl_keys = tcl_keys_by_type.get(obj.type)
                                    continue
                            elif tcl_keys is None or not words or words[0] not in tcl_keys:
                                if len(stack) > MAX_NESTING or len(words) > MAX_WORDS_BEFORE_BLOCK:
                                    self._check_block(len(stack), len(words), lineno)
                                block: list[Statement] = []
                                current.append(statement(words, lineno, block))
                                stack.append(block)
                                current = block
                                continue
                    elif last == "}":
                        if (
                            current is not None
                            and tcl_keys is None
                            and line.count("{") == 1
                            and line.count("}") == 1
                            and "{" in parts
                        ):
                            # `words... { items... }`: a block opened and closed on the line.
                            brace = parts.index("{")
                            if len(stack) > MAX_NESTING or brace > MAX_WORDS_BEFORE_BLOCK:
                                self._check_block(len(stack), brace, lineno)
                            items = parts[brace + 1 : -1]
                            if brace:
                                parts[0] = intern(parts[0])
                            current.append(
                                statement(
                                    parts[:brace],
                                    lineno,
                                    [statement(items, lineno)] if items else [],
                                )
                            )
                            continue
                    elif "{" not in line and "}" not in line:
                        # `words...`: a statement (exact-size word lists; the key and the
                        # value of two-word statements interned: they repeat a lot).
                        if current is not None:
                            if len(parts) == 2:
                                words = [intern(parts[0]), intern(last)]
                            elif len(parts) == 1:
                                words = [intern(last)]
                            else:
                                parts[0] = intern(parts[0])
                                words = parts[:]
                            current.append(statement(words, lineno))
                            continue
                        if not parts[0].startswith("!"):
                            stray.append(lineno)
                            continue
                elif (
                    current is not None
                    and "#" not in line
                    and "{" not in line
                    and "}" not in line
                    and '"' not in (tokens := _TOKEN.findall(line))
                ):
                    # A statement with quoted strings, all closed on this line (a lone '"'
                    # token opens a string that goes on, or never ends: _scan decides).
                    current.append(
                        statement([_unquote(t) if t[0] == '"' else t for t in tokens], lineno)
                    )
                    continue
                # Anything else: the general tokenizer reads this line (and the lines a
                # quoted string or a Tcl body carries it over) and stops at a line start.
                index = lineno - first - 1
                offset = known_offset + sum(map(len, lines[known_index:index]))
                offset += index - known_index
                self.line, self.obj = lineno, obj
                resume = self._scan(offset, line_mode=True)
                if resume is None:
                    return
                obj = self.obj
                current = stack[-1] if stack else None
                tcl_keys = None if obj is None else tcl_keys_by_type.get(obj.type)
                lineno = self.line - 1
                if resume > stop:
                    pos = resume
                    break
                known_index, known_offset = lineno - first, resume
                skip = known_index - index - 1
                if skip:
                    next(islice(it, skip, skip), None)
        self.line, self.obj = lineno + 1, obj
        if pos < end:
            self._scan(pos)

    def _scan(self, pos: int, line_mode: bool = False) -> int | None:
        """Tokenize from ``pos`` to the end of the text, or, in ``line_mode``, only up to the
        end of the current line: then return the offset of the next line's start. Return
        None at the end of the text or of its tmsh part."""
        text = self.text
        line = self.line
        words = self.words
        word_line = self.word_line
        obj = self.obj
        stack = self.stack
        current = stack[-1] if stack else None
        # Line of a block opened after too many words on the header line of the open object:
        # an error unless the object turns out to be a one-line object (its body is regrouped).
        wide = 0
        while True:
            for match in _TOKEN.finditer(text, pos):
                tok = match.group()
                first = tok[0]
                if first == "\n":
                    if words:
                        if current is not None:
                            current.append(Statement(words, word_line))
                        elif words[0].startswith("!"):
                            self._skip_non_tmsh(word_line)
                            self.line, self.words, self.word_line = line, [], word_line
                            return None
                        else:
                            self.stray_lines.append(word_line)
                        words = []
                    if wide:  # the object goes on after its header line
                        self._check_block(0, MAX_WORDS_BEFORE_BLOCK + 1, wide)
                        wide = 0
                    line += 1
                    if line_mode:
                        self.line, self.words, self.word_line = line, words, word_line
                        return match.end()
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
                            obj = self.obj = None
                            pos = close + 1
                            break  # restart the tokenizer after the Tcl body
                        stack.append(obj.body)
                        current = obj.body
                        continue
                    stmt = Statement(words, word_line if words else line, [])
                    words = []
                    current.append(stmt)
                    assert obj is not None
                    if len(stack) > MAX_NESTING:
                        self._check_block(len(stack), 0, stmt.line)
                    if len(stmt.words) > MAX_WORDS_BEFORE_BLOCK:
                        if obj.line == line:
                            wide = wide or stmt.line
                        else:
                            self._check_block(0, len(stmt.words), stmt.line)
                    tcl_keys = TCL_KEYS_BY_TYPE.get(obj.type)
                    if tcl_keys is not None and stmt.words and stmt.words[0] in tcl_keys:
                        close = self._find_tcl_close(stmt.line, match.end())
                        stmt.raw = text[match.end() : close]
                        stmt.block = None
                        line += stmt.raw.count("\n")
                        pos = close + 1
                        break  # restart the tokenizer after the Tcl body
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
                        if obj.line == line and obj.body and not self.discard:
                            # The whole body is on the header line (`tmsh list ... one-line`).
                            obj.body = _split_one_line(obj.body, line, obj.type)
                        elif wide:
                            self._check_block(0, MAX_WORDS_BEFORE_BLOCK + 1, wide)
                        wide = 0
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
            else:
                break  # end of the text
        self.line, self.words, self.word_line = line, words, word_line
        if words and current is None:
            self.stray_lines.append(word_line)
            self.words = []
        return None

    def _check_block(self, depth: int, width: int, line: int) -> None:
        """Refuse a block ``depth`` levels into an object or opened after ``width`` words.

        Called only when a limit is passed; blocks of a dropped non-object (prose in braces)
        are not converted, so no limit applies to them.
        """
        if self.discard:
            return
        if depth > MAX_NESTING:
            raise TmshSyntaxError(
                f"blocks nested more than {MAX_NESTING} levels deep",
                path=self.path,
                line=line,
                hint="tmsh configurations nest a few levels; check for '{' without '}'",
            )
        if width > MAX_WORDS_BEFORE_BLOCK:
            raise TmshSyntaxError(
                f"a block opened after more than {MAX_WORDS_BEFORE_BLOCK} words",
                path=self.path,
                line=line,
                hint="a block follows a key and at most a few words, as in "
                "'monitor min 1 of { ... }'; check for a missing line break or '}'",
            )

    def _skip_non_tmsh(self, line: int) -> None:
        self.warn(
            "TMSH-NON-TMSH-SECTION",
            f"non-tmsh section (ZebOS/imish routing configuration) from line {line} "
            "to the end of the file was skipped",
            line,
        )

    def _classify(self, header: list[str]) -> tuple[str, str | None] | None:
        """The object type and name a header spells, or None when it is not an object."""
        if len(header) >= 3 and header[-1] != "global-settings":
            key = tuple(header[:-1])
            known = self.types.get(key)
            if known is not None:
                return known, header[-1]
            kind = _classify_header(header)
            if kind is not None and kind[0] != "gtm topology":
                self.types[key] = kind[0]
            return kind
        return _classify_header(header)

    def _start_object(self, header: list[str], line: int) -> TmshObject:
        return self._open_object(self._classify(header), header, line)

    def _open_object(
        self, kind: tuple[str, str | None] | None, header: list[str], line: int
    ) -> TmshObject:
        comments, self.comments = self.comments, []
        if kind is None:
            # A block that is not an object (prose, a stray '{'): read it to stay in sync,
            # then drop it (with the comments above it).
            self.stray_lines.append(line)
            self.discard = True
            return TmshObject("", None, self.partition, self.path, line)
        self.discard = False
        # Comments directly above an object belong to it (inline suppressions live there).
        return TmshObject(kind[0], kind[1], self.partition, self.path, line, 0, [], None, comments)

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
        never_closes = self.tcl_never_closes
        close = None
        if never_closes is None or body_start < never_closes.start or not never_closes(body_start):
            close = _tcl_close(self.text, body_start, comment_aware=False)
            if close is None and never_closes is None:
                self.tcl_never_closes = _TclNeverCloses(self.text, body_start)
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
        # Keyed by type, then full path: no tuple per object (this runs when the whole tree
        # is built, at the parse's memory peak).
        seen: dict[str, dict[str | None, int]] = {}
        for obj in self.objects:
            type_, name = obj.type, obj.name
            if name is not None and not name.startswith("/") and type_ != "gtm topology":
                name = f"/{obj.partition}/{name}"  # obj.full_path, inlined
            lines = seen.get(type_)
            if lines is None:
                lines = seen[type_] = {}
            first = lines.get(name)
            if first is not None and type_ not in _REPEATED_BY_DESIGN:
                label = f"{type_} {name}" if obj.name else type_
                self.warn(
                    "TMSH-DUPLICATE",
                    f"duplicate object '{label}' (first defined at line {first}); both are kept",
                    obj.line,
                )
            else:
                lines[name] = obj.line


def _classify_header(header: list[str]) -> tuple[str, str | None] | None:
    """``(type, name)`` of an object header (``name`` None for singletons), or None when the
    words do not form an object header."""
    if header and all(_HEADER_WORD.match(w) for w in header[:2]):
        if header[0] == "gtm" and len(header) > 2 and header[1] == "topology":
            return "gtm topology", " ".join(header[2:])
        if len(header) <= 2 or header[-1] == "global-settings":
            # `ltm persistence global-settings { }` is a singleton, not a named object.
            return " ".join(header), None
        if all(_HEADER_WORD.match(w) for w in header[:-1]):
            return " ".join(header[:-1]), header[-1]
    return None


def _parse_text(text: str, path: str, fast: bool) -> ParseResult:
    """``parse_text``; ``fast=False`` reads every line with the general tokenizer (tests)."""
    # The reader allocates many small containers that never form cycles; pausing the cyclic
    # collector during the pass halves its time on large files.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Reader(text.removeprefix("\ufeff"), path, fast).read()
    finally:
        if paused:
            gc.enable()


def parse_text(text: str, path: str = "<string>") -> ParseResult:
    """Read tmsh configuration text. Raises :class:`TmshSyntaxError` on unreadable input."""
    return _parse_text(text, path, fast=True)


def parse_file(path: str) -> ParseResult:
    """Read a tmsh file from disk (UTF-8; undecodable bytes are replaced, not fatal)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise TmshSyntaxError(
            f"cannot read file: {exc.strerror or exc}", path=path, hint="check the path"
        ) from None
    # utf-8-sig drops the byte-order mark Windows editors put in front of saved files. The
    # bytes are released before the parse: only the decoded text is held while reading it.
    text = data.decode("utf-8-sig", errors="replace")
    del data
    return parse_text(text, path)
