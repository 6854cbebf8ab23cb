"""The ``json`` format: the whole run as a versioned document (``schemas/report.schema.json``).

It is the complete record, whatever the options: every finding including passes (JUnit totals
need them when ``lyncpolicy report`` re-renders it), the rules, the inputs, the topology and
the run's errors. ``summary`` is derived from the findings and ignored when the file is read
back (:mod:`lyncpolicy.report_io`). Output is deterministic: keys in a fixed order, free-form
mappings (witnesses, topology) with sorted keys, findings and rules in report order, so
``render -> load -> render`` gives the same bytes.

The text is exactly ``json.dumps(to_document(report), indent=2, ensure_ascii=False)`` and a
newline, written by :func:`chunks` one finding at a time: a report can be several times the size
of the configuration it checks (a finding's fix may list a whole SNAT's origins), and
``json.dumps`` holds the whole document, its pieces and the text at once, with an indenting
encoder written in Python that was a fifth of a large scan's time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring
from typing import IO, Any, Final

from lyncpolicy.findings import Finding, Remediation, Report, RuleMeta, Suppression
from lyncpolicy.model import Source
from lyncpolicy.reporters._common import TOOL_NAME, count

FORMAT_VERSION: Final = 1


def plain(value: object) -> Any:
    """A JSON value for ``value``: mappings with sorted string keys, sequences as lists, sets
    sorted, non-finite floats and other objects as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(key): plain(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, set | frozenset):
        return [plain(item) for item in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return str(value)


def _record(value: Source | Remediation | Suppression | None) -> dict[str, Any] | None:
    """A flat dataclass as a mapping of its fields, in field order (its JSON object)."""
    if value is None:
        return None
    return {item.name: getattr(value, item.name) for item in dataclasses.fields(value)}


def _rule(rule: RuleMeta) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity,
        "description": rule.description,
        "remediation": rule.remediation,
        "references": [{"title": ref.title, "url": ref.url} for ref in rule.references],
        "tags": list(rule.tags),
        "help_uri": rule.help_uri,
        "pack": rule.pack,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    source = finding.source
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "status": finding.status,
        "object": finding.object_path,
        "object_kind": finding.object_kind,
        "device": finding.device,
        "message": finding.message,
        "file": source.artifact if source is not None else None,
        "line": source.line if source is not None else None,
        "location": str(source) if source is not None else None,
        "source": _record(source),
        "remediation": _record(finding.remediation),
        "suppression": _record(finding.suppression),
        "detail": finding.detail,
        "tags": list(finding.tags),
        "fingerprint": finding.fingerprint,
        "witnesses": plain(finding.witnesses),
    }


def to_document(report: Report) -> dict[str, Any]:
    """The report as the JSON document ``schemas/report.schema.json`` describes."""
    return {
        **_head(report),
        "findings": [_finding(finding) for finding in report.findings],
        "topology": plain(report.topology),
    }


# A finding as _finding() lays it out, two levels deep: one %s per member.
_FINDING_KEYS: Final = (
    "rule_id", "severity", "status", "object", "object_kind", "device", "message", "file",
    "line", "location", "source", "remediation", "suppression", "detail", "tags",
    "fingerprint", "witnesses",
)  # fmt: skip
_FINDING_TEXT: Final = (
    "{" + ",".join(f"\n      {encode_basestring(key)}: %s" for key in _FINDING_KEYS) + "\n    }"
)


def _finding_text(finding: Finding, sources: dict[int, str]) -> str:
    """``_encode(_finding(finding), 2)``, without building the mapping first (findings are
    most of a report); text members are encoded directly, the rest through :func:`_encode`."""
    source = finding.source
    members = (
        finding.rule_id,
        finding.severity,
        finding.status,
        finding.object_path,
        finding.object_kind,
        finding.device,
        finding.message,
        None if source is None else source.artifact,
        None if source is None else source.line,
        None if source is None else str(source),
    )
    source_text = sources.get(id(source))
    if source_text is None:
        source_text = sources[id(source)] = _record_text(source)
    return _FINDING_TEXT % (
        *[encode_basestring(v) if type(v) is str else _encode(v, 3) for v in members],
        source_text,
        _record_text(finding.remediation),
        _record_text(finding.suppression),
        _encode(finding.detail, 3),
        _encode(list(finding.tags), 3),
        _encode(finding.fingerprint, 3),
        _encode(plain(finding.witnesses), 3),
    )


def _record_text(value: Source | Remediation | Suppression | None) -> str:
    """``_encode(_record(value), 3)``."""
    if value is None:
        return "null"
    parts = []
    for name in _FIELD_NAMES.get(type(value)) or _field_names(value):
        item = getattr(value, name)
        text = encode_basestring(item) if type(item) is str else _encode(item, 4)
        parts.append(f"\n        {encode_basestring(name)}: {text}")
    return "{" + ",".join(parts) + "\n      }"


def _field_names(value: Any) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(value))


# Looked up once per class, not per finding.
_FIELD_NAMES: Final[Mapping[type, tuple[str, ...]]] = {
    cls: _field_names(cls) for cls in (Source, Remediation, Suppression)
}


def _head(report: Report) -> dict[str, Any]:
    """The document's members before ``findings``, in order."""
    counts = count(report.findings)
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "execution_successful": report.execution_successful,
        "errors": list(report.errors),
        "elapsed_seconds": round(report.elapsed_seconds, 3),
        "object_count": report.object_count,
        "devices": list(report.devices),
        "inputs": [
            {"path": item.path, "kind": item.kind, "device": item.device}
            for item in report.inputs
        ],
        "summary": {
            "total": counts.total,
            "by_status": dict(counts.by_status),
            "failed_by_severity": dict(counts.failed_by_severity),
            "suppressed_by_kind": dict(counts.suppressed_by_kind),
        },
        "rules": [_rule(rule) for rule in report.rules],
    }


def chunks(report: Report) -> Iterator[str]:
    """The text of the report in pieces of at most one finding each."""
    yield "{"
    for index, (key, value) in enumerate(_head(report).items()):
        separator = "\n  " if index == 0 else ",\n  "
        yield separator + encode_basestring(key) + ": " + _encode(value, 1)
    if not report.findings:
        yield ',\n  "findings": []'
    # The text of each source, by identity: an object's findings share its Source.
    sources: dict[int, str] = {}
    for index, finding in enumerate(report.findings):
        separator = ',\n  "findings": [\n    ' if index == 0 else ",\n    "
        yield separator + _finding_text(finding, sources)
    if report.findings:
        yield "\n  ]"
    yield ',\n  "topology": ' + _encode(plain(report.topology), 1) + "\n}\n"


# "\n" and the indentation of each nesting level (deeper levels are made as needed).
_NEWLINES: Final = ["\n" + "  " * level for level in range(8)]


def _newline(level: int) -> str:
    while len(_NEWLINES) <= level:
        _NEWLINES.append("\n" + "  " * len(_NEWLINES))
    return _NEWLINES[level]


def _encode(value: object, level: int) -> str:
    """``value`` as ``json.dumps(indent=2, ensure_ascii=False)`` writes it ``level`` deep
    (same tests in the same order, so the same text)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = _newline(level + 1)
        items = [
            encode_basestring(item) if type(item) is str else _encode(item, level + 1)
            for item in value
        ]
        return "[" + inner + ("," + inner).join(items) + _newline(level) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = _newline(level + 1)
        members = [
            encode_basestring(key if type(key) is str else _key(key))
            + ": "
            + (encode_basestring(item) if type(item) is str else _encode(item, level + 1))
            for key, item in value.items()
        ]
        return "{" + inner + ("," + inner).join(members) + _newline(level) + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


class JsonReporter:
    """``--format json``."""

    name = "json"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        return "".join(chunks(report))

    def write(self, report: Report, options: Mapping[str, object], stream: IO[str]) -> None:
        """``render`` into ``stream`` without holding the whole text."""
        for chunk in chunks(report):
            stream.write(chunk)
