"""What an input adapter is given and gives back (the types of the ``lyncpolicy_adapters`` hook).

Recognition goes by content first: every adapter is shown a :class:`Probe` of the file (its
first 64 KiB, its size, and its JSON document parsed once for all of them) and names the kind
it claims, or None. Only when no adapter claims a file by content does its name count
(``AdapterSpec.suffixes``). A claimed file is then read by its adapter into a :class:`Reading`.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Final

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError

if TYPE_CHECKING:
    from lyncpolicy.adapters.declarative import Parts
    from lyncpolicy.adapters.tmsh_model import TmshInput

HEAD_BYTES: Final = 64 * 1024
# Past this size a JSON file is never parsed to be recognized: adapters judge its head alone.
MAX_JSON_PARSE_BYTES: Final = 64 * 1024 * 1024
_NOT_PARSED: Final = object()


class Probe:
    """A file being recognized: ``path``, ``head`` (its first 64 KiB) and ``size``.

    :meth:`json` parses the whole file at most once, however many adapters ask.
    """

    __slots__ = ("_document", "_text", "head", "path", "size")

    def __init__(self, path: str, head: bytes, size: int) -> None:
        self.path = path
        self.head = head
        self.size = size
        self._text: str | None = None
        self._document: object = _NOT_PARSED

    @classmethod
    def of(cls, path: str) -> Probe:
        """Read the head of the file at ``path``. Raises :class:`InputError` when it is missing,
        a directory, not a regular file, or unreadable."""
        with open_regular_file(path, "file", "pass the files inside it",
                               "pass a file or a directory") as handle:
            try:
                return cls(path, handle.read(HEAD_BYTES), os.fstat(handle.fileno()).st_size)
            except OSError as err:
                raise _unreadable(path, "file", err) from None

    @property
    def text(self) -> str:
        """The head decoded (undecodable bytes replaced), byte-order mark and leading blanks
        stripped. A line cut short at the end keeps its start, so line starts can be judged."""
        if self._text is None:
            self._text = self.head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
        return self._text

    @property
    def too_large_to_parse(self) -> bool:
        return self.size >= MAX_JSON_PARSE_BYTES

    def json(self) -> object:
        """The file's JSON document; None when it does not start like a JSON object, is too
        large to parse (:attr:`too_large_to_parse`) or does not parse."""
        if self._document is _NOT_PARSED:
            self._document = None
            if self.text.startswith("{") and not self.too_large_to_parse:
                try:
                    with open(self.path, "rb") as handle:
                        self._document = json.loads(handle.read())
                except (OSError, ValueError, RecursionError):  # unreadable, not JSON, too deep
                    pass
        return self._document


def open_regular_file(path: str, noun: str, directory_hint: str, special_hint: str) -> BinaryIO:
    """``path`` opened for reading in binary. Raises :class:`InputError` (a one-line message
    about the ``noun``, "file" or "archive") when it is missing, a directory, not a regular
    file (a FIFO or a device would block or never end), or unreadable."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a directory", path=path, hint=directory_hint)
        if not stat.S_ISREG(mode):
            raise InputError("not a regular file", path=path, hint=special_hint)
        return open(path, "rb")  # closed by the caller's "with"
    except FileNotFoundError:
        raise InputError("no such file or directory", path=path, hint="check the path") from None
    except OSError as err:
        raise _unreadable(path, noun, err) from None


def _unreadable(path: str, noun: str, err: OSError) -> InputError:
    return InputError(f"cannot read {noun}: {err.strerror or err}", path=path,
                      hint="check its permissions")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Limits the user set for reading (``--max-config-size``); None means the default."""

    max_config_bytes: int | None = None


@dataclass(slots=True)
class Reading:
    """What an adapter read from one input, to become (part of) a device.

    ``tmsh``: parsed tmsh files, the base of the device. ``parts``: objects of a declarative
    input (Terraform, AS3, DO), laid over the tmsh objects of the same device.
    """

    tmsh: list[TmshInput] = field(default_factory=list)
    parts: Parts | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def from_tmsh_text(cls, text: str, path: str) -> Reading:
        """The reading of ``text``, tmsh configuration an adapter made from its input (the
        simplest way for a plugin to read a format of its own); locations point into ``text``
        under the name ``path``."""
        from lyncpolicy.adapters.tmsh import parse_text
        from lyncpolicy.adapters.tmsh_model import TmshInput

        return cls(tmsh=[TmshInput(parse_text(text, path))])
