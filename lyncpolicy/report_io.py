"""Read a JSON report (``lyncpolicy scan --format json``) back into a :class:`Report`.

``lyncpolicy report results.json --format sarif`` re-renders any format from it without
rescanning. The file is validated against ``schemas/report.schema.json`` first; any problem is
an :class:`~lyncpolicy.errors.InputError`: one line naming the file, what is wrong and what to
do. ``summary`` and ``fingerprint`` are derived values: they are recomputed, not read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib.resources import files
from typing import Any, Final, TypeVar

from lyncpolicy.errors import InputError
from lyncpolicy.findings import (
    Finding,
    InputInfo,
    Reference,
    Remediation,
    Report,
    RuleMeta,
    Suppression,
)
from lyncpolicy.model import Source

SCHEMA_NAME: Final = "report.schema.json"
SUPPORTED_VERSION: Final = 1
_HINT: Final = "give a report written by `lyncpolicy scan --format json`"
T = TypeVar("T")


def report_schema() -> dict[str, Any]:
    """``schemas/report.schema.json`` as shipped."""
    text = files("lyncpolicy.schemas").joinpath(SCHEMA_NAME).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load(path: str) -> Report:
    """Read and validate the JSON report at ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise InputError("no such report file", path=path, hint=_HINT) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a report file", path=path, hint=_HINT) from None
    except UnicodeDecodeError:
        raise InputError("not a JSON report (not UTF-8 text)", path=path, hint=_HINT) from None
    except OSError as exc:
        raise InputError(f"cannot read the report: {exc.strerror or exc}", path=path) from None
    return loads(text, path)


def loads(text: str, path: str = "<report>") -> Report:
    """Validate a JSON report given as text (``path`` names it in errors)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not a JSON report: {exc.msg} at line {exc.lineno} column {exc.colno}",
            path=path,
            hint=_HINT,
        ) from None
    if not isinstance(document, dict):
        raise InputError("not a lyncpolicy JSON report (not a JSON object)", path=path,
                         hint=_HINT)
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and (
        version > SUPPORTED_VERSION
    ):
        raise InputError(
            f"report format version {version} is newer than this lyncpolicy reads "
            f"({SUPPORTED_VERSION})",
            path=path,
            hint="upgrade lyncpolicy, or re-run the scan with this version",
        )
    _validate(document, path)
    return from_document(document)


def _validate(document: Mapping[str, Any], path: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return
    where = error.json_path
    raise InputError(
        f"not a valid lyncpolicy JSON report: {where}: {_short(error.message)}",
        path=path,
        hint=_HINT,
    )


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _record(cls: Callable[..., T], data: Mapping[str, Any] | None) -> T | None:
    """A flat dataclass from its JSON object (the schema checked the keys), or None."""
    return None if data is None else cls(**data)


def _finding(data: Mapping[str, Any]) -> Finding:
    return Finding(
        rule_id=data["rule_id"],
        severity=data["severity"],
        status=data["status"],
        object_path=data["object"],
        object_kind=data["object_kind"],
        device=data["device"],
        message=data["message"],
        source=_record(Source, data["source"]),
        remediation=_record(Remediation, data["remediation"]),
        suppression=_record(Suppression, data["suppression"]),
        detail=data["detail"],
        tags=tuple(data["tags"]),
        witnesses=data["witnesses"],
    )


def _rule(data: Mapping[str, Any]) -> RuleMeta:
    return RuleMeta(
        id=data["id"],
        title=data["title"],
        severity=data["severity"],
        description=data["description"],
        remediation=data["remediation"],
        references=tuple(Reference(ref["title"], ref["url"]) for ref in data["references"]),
        tags=tuple(data["tags"]),
        help_uri=data["help_uri"],
        pack=data["pack"],
    )


def from_document(document: Mapping[str, Any]) -> Report:
    """A :class:`Report` from a document that validates against the report schema."""
    return Report(
        findings=tuple(_finding(item) for item in document["findings"]),
        rules=tuple(_rule(item) for item in document["rules"]),
        inputs=tuple(
            InputInfo(item["path"], item["kind"], item["device"]) for item in document["inputs"]
        ),
        devices=tuple(document["devices"]),
        object_count=document["object_count"],
        elapsed_seconds=float(document["elapsed_seconds"]),
        tool_version=document["tool"]["version"],
        execution_successful=document["execution_successful"],
        errors=tuple(document["errors"]),
        topology=document["topology"],
    )
