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
from collections.abc import Iterator, Sequence
from typing import Final

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError
from lyncpolicy.hookspecs import AdapterSpec
from lyncpolicy.inputs import MAX_JSON_PARSE_BYTES, Probe

from .builtin import BUILTIN_ADAPTERS, HCL_SUFFIXES, json_head_kind
from .declarative import json_error

# A kind an adapter claims ("tmsh", "archive", "terraform-plan"...), or "unknown".
InputKind = str

SUPPORTED_INPUTS: Final = (
    "supported inputs: tmsh text (bigip.conf, .scf), UCS/qkview/.tar/.tar.gz archives, "
    "Terraform plan or state JSON, AS3 and DO declarations"
)

# Files with these names are JSON by intent: when they do not parse, that is what is said.
_JSON_SUFFIXES: Final = (".json", ".tfstate")


def detect_input(path: str, adapters: Sequence[AdapterSpec] | None = None) -> InputKind:
    """The kind of input in the file at ``path``, reading at most its first 64 KiB.

    ``adapters`` (default: the built-in ones) are asked in order; the first to claim the file
    by content wins, then the first whose ``suffixes`` match its name. JSON is parsed whole
    only when it is smaller than 64 MiB, and once for all adapters. Raises
    :class:`InputError` when the path is missing, a directory, not a regular file, or
    unreadable.
    """
    probe = Probe.of(path)
    candidates = BUILTIN_ADAPTERS if adapters is None else adapters
    for adapter in candidates:
        kind = adapter.detect(probe)
        if kind is not None:
            return kind
    name = path.lower()
    for adapter in candidates:
        if adapter.suffixes and name.endswith(tuple(adapter.suffixes)):
            return adapter.kinds[0]
    return "unknown"


def iter_inputs(
    paths: Sequence[str], adapters: Sequence[AdapterSpec] | None = None
) -> tuple[list[tuple[str, InputKind]], list[Diagnostic]]:
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
            kind = (
                _explicit_kind(file, adapters) if explicit
                else _walked_kind(file, adapters, diagnostics)
            )
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


def _explicit_kind(path: str, adapters: Sequence[AdapterSpec] | None) -> InputKind:
    kind = detect_input(path, adapters)
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
        probe = Probe.of(path)
    except InputError:
        return None
    text = probe.text
    if not (text.startswith(("{", "[")) or path.lower().endswith(_JSON_SUFFIXES)):
        return None
    if probe.too_large_to_parse:
        return None  # never parsed whole: judged by its first keys alone
    try:
        with open(path, "rb") as handle:
            json.loads(handle.read())
    except json.JSONDecodeError as err:
        return json_head_kind(text), json_error(path, err)
    except (OSError, ValueError, RecursionError):  # not UTF-8, or nested too deep
        return None
    return None


def _unsupported_terraform(path: str) -> tuple[str, str] | None:
    """Message and hint for Terraform input of a version lyncpolicy does not read (a state of
    Terraform 0.11 or older, a future state version), or for HCL source named explicitly."""
    if path.lower().endswith(HCL_SUFFIXES):
        return (
            "Terraform source (HCL) is not an input",
            "scan the plan instead: terraform plan -out p && terraform show -json p > plan.json",
        )
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read(MAX_JSON_PARSE_BYTES))
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


def _walked_kind(
    path: str, adapters: Sequence[AdapterSpec] | None, diagnostics: list[Diagnostic]
) -> InputKind | None:
    """Kind of a file found by a walk; None (with a diagnostic) if it cannot be judged."""
    if not os.path.isfile(path):  # FIFO, socket, dangling symlink: never open those
        diagnostics.append(Diagnostic("note", "INPUT-SKIPPED", "skipped: not a regular file", path))
        return None
    try:
        return detect_input(path, adapters)
    except InputError as err:
        diagnostics.append(Diagnostic("warning", "INPUT-UNREADABLE", err.message, path))
        return None
