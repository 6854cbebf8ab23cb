"""Recognize an input file by its content first and its file name second.

Users point lyncpolicy at whatever they have: a UCS, a qkview, a ``bigip.conf`` copied off the
box, a Terraform plan or state, an AS3 or DO declaration, or a folder holding several of them.
File names lie (a ``.ucs`` that is really an HTML error page, a Terraform state named
``.json.bak``), so the first bytes decide, and the extension only breaks ties.

A file meant as JSON (it starts with ``{`` or ``[``, or is named ``.json`` or ``.tfstate``) that
does not parse is not "unrecognized": when its first keys still tell its kind (a truncated
plan), it is read as that kind and its reader says where the JSON breaks; otherwise that is the
error (named explicitly) or a warning (found in a folder).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from typing import Final, Literal

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError

from .archive import looks_encrypted, looks_like_archive
from .declarative import json_error

InputKind = Literal[
    "archive",
    "encrypted-archive",
    "tmsh",
    "terraform-plan",
    "terraform-state",
    "terraform-show-state",
    "as3",
    "do",
    "unknown",
]

SUPPORTED_INPUTS: Final = (
    "supported inputs: tmsh text (bigip.conf, .scf), UCS/qkview/.tar/.tar.gz archives, "
    "Terraform plan or state JSON, AS3 and DO declarations"
)

_HEAD_BYTES: Final = 64 * 1024
# JSON is classified by its top-level keys, which needs a full parse; past this size only the
# first _HEAD_BYTES are searched for those keys, so detection never costs a huge parse.
_MAX_JSON_PARSE_BYTES: Final = 64 * 1024 * 1024
_TMSH_HEADER: Final = re.compile(r"[a-z][a-z0-9-]*(?: [^\s{]+)* \{")
# Files with these names are tmsh by intent: even when their text is not (prose, binary), the
# tmsh reader is the one that explains what is wrong with them.
_TMSH_SUFFIXES: Final = (".conf", ".scf", ".tmsh")
# Terraform sources: `resource "bigip_ltm_pool" "p" {` has the shape of a tmsh header, but HCL
# is not configuration (a plan or state made from it is).
_HCL_SUFFIXES: Final = (".tf", ".tfvars", ".hcl")
# Files with these names are JSON by intent: when they do not parse, that is what is said.
_JSON_SUFFIXES: Final = (".json", ".tfstate")
_AS3_CLASSES: Final = frozenset({"AS3", "ADC"})
_DO_CLASSES: Final = frozenset({"DO", "Device"})


def detect_input(path: str) -> InputKind:
    """The kind of input in the file at ``path``, reading at most its first 64 KiB.

    JSON is parsed whole only when it is smaller than 64 MiB. Raises :class:`InputError` when
    the path is missing, a directory, not a regular file, or unreadable.
    """
    head, size = _read_head(path)
    if looks_like_archive(head):
        return "archive"
    if looks_encrypted(head):
        return "encrypted-archive"
    # A line cut short at the end of the head keeps its start, and only line starts are
    # judged, so the head can be decoded and searched as it is.
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    kind: InputKind | None = None
    if text.startswith("{"):
        kind = _json_kind(path, size, text)
    elif path.lower().endswith(_HCL_SUFFIXES):
        return "unknown"
    elif "\x00" not in text and _looks_like_tmsh(text):
        kind = "tmsh"
    if kind is None and path.lower().endswith(_TMSH_SUFFIXES):
        kind = "tmsh"
    return kind or "unknown"


def iter_inputs(paths: Sequence[str]) -> tuple[list[tuple[str, InputKind]], list[Diagnostic]]:
    """Expand files and directories into (path, kind) pairs, in order and without duplicates.

    Directories are walked recursively in sorted order, skipping hidden files and folders;
    unrecognized files found there become notes. A file named explicitly must be recognized:
    otherwise, or when a path does not exist, :class:`InputError` is raised.
    """
    inputs: list[tuple[str, InputKind]] = []
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    for path in paths:
        explicit = not os.path.isdir(path)
        for file in [path] if explicit else _walk(path, diagnostics):
            key = os.path.realpath(file)
            if key in seen:
                continue
            seen.add(key)
            kind = _explicit_kind(file) if explicit else _walked_kind(file, diagnostics)
            if kind == "unknown" and not explicit and (broken := _broken_json(file)):
                kind, error = broken
                if kind is None:
                    diagnostics.append(Diagnostic("warning", "INPUT-UNREADABLE",
                                                  error.message, file, error.line))
                    continue
            if kind == "unknown":
                diagnostics.append(
                    Diagnostic("note", "INPUT-SKIPPED", "skipped: not a recognized input", file)
                )
            elif kind is not None:
                inputs.append((file, kind))
    return inputs, diagnostics


def _explicit_kind(path: str) -> InputKind:
    kind = detect_input(path)
    if kind == "unknown":
        reason = _unsupported_terraform(path)
        if reason is not None:
            raise InputError(reason[0], path=path, hint=reason[1])
        broken = _broken_json(path)
        if broken is not None:
            guess, error = broken
            if guess is None:
                raise error
            return guess  # its reader reports the broken JSON: the other inputs go on
        raise InputError("not a recognized input", path=path, hint=SUPPORTED_INPUTS)
    return kind


def _broken_json(path: str) -> tuple[InputKind | None, InputError] | None:
    """For a file meant as JSON that does not parse: the kind its first keys tell (or None)
    and the error saying where the JSON breaks. None for other files."""
    try:
        head, size = _read_head(path)
    except InputError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not (text.startswith(("{", "[")) or path.lower().endswith(_JSON_SUFFIXES)):
        return None
    if size >= _MAX_JSON_PARSE_BYTES:
        return None  # never parsed whole: judged by its first keys alone
    try:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    except json.JSONDecodeError as err:
        return _json_head_kind(text), json_error(path, err)
    except (OSError, ValueError, RecursionError):  # not UTF-8, or nested too deep
        return None
    return None


def _unsupported_terraform(path: str) -> tuple[str, str] | None:
    """Message and hint for Terraform input of a version lyncpolicy does not read (a state of
    Terraform 0.11 or older, a future state version), or for HCL source named explicitly."""
    if path.lower().endswith(_HCL_SUFFIXES):
        return (
            "Terraform source (HCL) is not an input",
            "scan the plan instead: terraform plan -out p && terraform show -json p > plan.json",
        )
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read(_MAX_JSON_PARSE_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or "terraform_version" not in document:
        return None
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version != 4:
        return (
            f"Terraform state version {version} is not supported",
            "lyncpolicy reads state version 4 (Terraform 0.12 and later): run "
            "`terraform show -json` with a current Terraform and scan its output",
        )
    return None


def _walk(root: str, diagnostics: list[Diagnostic]) -> Iterator[str]:
    """Files under ``root``, sorted, hidden files and folders left out."""

    def unreadable(err: OSError) -> None:
        where = err.filename if isinstance(err.filename, str) else root
        message = f"cannot read directory: {err.strerror or err}"
        diagnostics.append(Diagnostic("warning", "INPUT-UNREADABLE", message, where))

    for folder, subfolders, files in os.walk(root, onerror=unreadable):
        # Hidden folders are tool state (.git, .terraform with provider binaries), and hidden
        # files include macOS "._x.conf" AppleDouble twins that are not configuration.
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        yield from (
            os.path.join(folder, name) for name in sorted(files) if not name.startswith(".")
        )


def _walked_kind(path: str, diagnostics: list[Diagnostic]) -> InputKind | None:
    """Kind of a file found by a walk; None (with a diagnostic) if it cannot be judged."""
    if not os.path.isfile(path):  # FIFO, socket, dangling symlink: never open those
        diagnostics.append(Diagnostic("note", "INPUT-SKIPPED", "skipped: not a regular file", path))
        return None
    try:
        return detect_input(path)
    except InputError as err:
        diagnostics.append(Diagnostic("warning", "INPUT-UNREADABLE", err.message, path))
        return None


def _read_head(path: str) -> tuple[bytes, int]:
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory", path=path, hint="pass the files inside it")
        if not stat.S_ISREG(info.st_mode):  # reading a FIFO or device could block forever
            raise InputError("not a regular file", path=path, hint="pass a file or a directory")
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES), info.st_size
    except FileNotFoundError:
        raise InputError("no such file or directory", path=path, hint="check the path") from None
    except OSError as err:
        raise InputError(
            f"cannot read file: {err.strerror or err}", path=path, hint="check its permissions"
        ) from None


def _looks_like_tmsh(text: str) -> bool:
    if text.startswith("#TMSH-VERSION"):
        return True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return _TMSH_HEADER.match(stripped) is not None
    return False


def _json_kind(path: str, size: int, head_text: str) -> InputKind | None:
    if size >= _MAX_JSON_PARSE_BYTES:
        return _json_head_kind(head_text)
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):  # unreadable, not JSON, or nested too deep
        return None
    return _json_document_kind(document)


def _json_document_kind(document: object) -> InputKind | None:
    if not isinstance(document, dict):
        return None
    if "format_version" in document:
        if "planned_values" in document or "resource_changes" in document:
            return "terraform-plan"
        if "values" in document:
            return "terraform-show-state"
    if document.get("version") == 4 and "terraform_version" in document and "resources" in document:
        return "terraform-state"
    return _declaration_kind(document)


def _declaration_kind(document: dict[str, object]) -> InputKind | None:
    declaration_class = document.get("class")
    inner = document.get("declaration")
    # A bare declaration, as in a Terraform bigip_as3 resource: {"declaration": {"class": ...}}
    if declaration_class is None and isinstance(inner, dict):
        declaration_class = inner.get("class")
    if not isinstance(declaration_class, str):  # also keeps lists and objects out of "in"
        return None
    if declaration_class in _AS3_CLASSES:
        return "as3"
    if declaration_class in _DO_CLASSES:
        return "do"
    return None


_HEAD_KEY: Final = {
    key: re.compile(rf'"{key}"\s*:')
    for key in (
        "format_version",
        "planned_values",
        "resource_changes",
        "values",
        "terraform_version",
    )
}
_HEAD_STATE_VERSION: Final = re.compile(r'"version"\s*:\s*4\s*[,}]')
_HEAD_CLASS: Final = re.compile(r'"class"\s*:\s*"(AS3|ADC|DO|Device)"')


def _json_head_kind(head_text: str) -> InputKind | None:
    """Best guess for JSON too large to parse, from the keys near its start.

    Terraform writes ``format_version``/``version`` and ``terraform_version`` first, and an
    AS3/DO document states its class before its (large) body.
    """

    def has(key: str) -> bool:
        return _HEAD_KEY[key].search(head_text) is not None

    if has("format_version"):
        if has("planned_values") or has("resource_changes"):
            return "terraform-plan"
        if has("values"):
            return "terraform-show-state"
    if _HEAD_STATE_VERSION.search(head_text) and has("terraform_version"):
        return "terraform-state"
    match = _HEAD_CLASS.search(head_text)
    if match is None:
        return None
    return "as3" if match.group(1) in _AS3_CLASSES else "do"
