"""The ``json`` format: the whole run as a versioned document (``schemas/report.schema.json``).

It is the complete record, whatever the options: every finding including passes (JUnit totals
need them when ``lyncpolicy report`` re-renders it), the rules, the inputs, the topology and
the run's errors. ``summary`` is derived from the findings and ignored when the file is read
back (:mod:`lyncpolicy.report_io`). Output is deterministic: keys in a fixed order, free-form
mappings (witnesses, topology) with sorted keys, findings and rules in report order, so
``render -> load -> render`` gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any, Final

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
        "findings": [_finding(finding) for finding in report.findings],
        "topology": plain(report.topology),
    }


class JsonReporter:
    """``--format json``."""

    name = "json"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"
