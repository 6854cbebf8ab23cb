"""The ``sarif`` format: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run. ``tool.driver.rules`` holds every rule of the report (sorted by id); each result's
``ruleIndex`` points into it. Which findings become results:

- ``fail``: a result of kind ``fail``, level ``error`` / ``warning`` / ``note`` from the
  severity.
- ``suppressed``: the same result plus ``suppressions`` (waiver and baseline: ``external``;
  inline comment: ``inSource``; status ``accepted``, the reason as ``justification``).
- ``undetermined``: a result of kind ``review`` ("needs a human") and level ``none``, as the
  SARIF spec requires for a kind other than fail (3.27.9-10); its message starts with
  "Undetermined:".
- ``pass``: no result (GitHub turns every result into an alert, whatever its kind).

Locations: the first location is physical: the file relative to ``sarif_root`` (default: the
current directory) with ``uriBaseId`` ``%SRCROOT%`` (a file outside it gets an absolute
``file:`` URI), ``region.startLine`` >= 1. A finding inside an archive points at the archive,
line 1, and keeps the member and its line in the message and in ``properties``. A finding
without a source points at the first input of its device. ``logicalLocations`` name the BIG-IP
object (full path) and the device. ``partialFingerprints`` come from the finding's fingerprint
(rule, device, object, detail: never a line). A failed scan still gives a valid file:
``invocations[0].executionSuccessful`` false and one ``toolExecutionNotifications`` entry per
error.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from lyncpolicy.findings import Finding, Report, RuleMeta
from lyncpolicy.reporters._common import (
    INFORMATION_URI,
    TOOL_NAME,
    artifact_of,
    count,
    member_note,
    opt_str,
    repo_relative,
    rules_by_id,
    source_of,
)

SARIF_SCHEMA: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT: Final = "%SRCROOT%"
FINGERPRINT_KEY: Final = "lyncpolicyFinding/v1"
DEFAULT_AUTOMATION_ID: Final = "lyncpolicy/"
LEVELS: Final[Mapping[str, str]] = {"error": "error", "warning": "warning", "info": "note"}
# GitHub's `problem.severity` for quality alerts.
PROBLEM_SEVERITY: Final[Mapping[str, str]] = {
    "error": "error",
    "warning": "warning",
    "info": "recommendation",
}
# GitHub's `security-severity` (a CVSS-like score, as text) for rules tagged `security`:
# error -> high, warning -> medium, info -> low.
SECURITY_SEVERITY: Final[Mapping[str, str]] = {"error": "8.0", "warning": "5.0", "info": "2.0"}
SUPPRESSION_KINDS: Final[Mapping[str, str]] = {
    "waiver": "external",
    "baseline": "external",
    "inline": "inSource",
}


def rule_name(rule: RuleMeta) -> str:
    """An identifier-like name from the title (``UdpVirtualServersMustNotUseSnat``)."""
    words = re.findall(r"[A-Za-z0-9]+", rule.title)
    name = "".join(word[:1].upper() + word[1:] for word in words)
    return name or re.sub(r"[^A-Za-z0-9]", "", rule.id) or "Rule"


def _help(rule: RuleMeta) -> dict[str, str]:
    text = [rule.description.strip()]
    markdown = [f"**{rule.title}**", "", rule.description.strip()]
    # The remediation is a template: placeholders stay, doubled braces are shown single.
    fix = rule.remediation.strip().replace("{{", "{").replace("}}", "}")
    if fix:
        text += ["", "Fix: " + fix]
        markdown += ["", "## Fix", "", fix]
    if rule.references:
        text += ["", "References:"] + [f"- {ref.title}: {ref.url}" for ref in rule.references]
        markdown += ["", "## References", ""]
        markdown += [f"- [{ref.title}]({ref.url})" for ref in rule.references]
    return {"text": "\n".join(text), "markdown": "\n".join(markdown)}


def reporting_descriptor(rule: RuleMeta) -> dict[str, Any]:
    """One ``tool.driver.rules`` entry."""
    tags = list(dict.fromkeys(rule.tags))
    properties: dict[str, Any] = {
        "tags": tags,
        "precision": "high",
        "problem.severity": PROBLEM_SEVERITY.get(rule.severity, "warning"),
        "pack": rule.pack,
    }
    if "security" in tags:
        properties["security-severity"] = SECURITY_SEVERITY.get(rule.severity, "5.0")
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule_name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(rule.description.split()) or rule.title},
        "help": _help(rule),
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": properties,
    }
    help_uri = rule.help_uri or (rule.references[0].url if rule.references else None)
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def _artifact_location(path: str, root: str) -> dict[str, str]:
    relative = repo_relative(path, root)
    if relative is None:
        return {"uri": Path(os.path.abspath(os.path.join(root, path))).as_uri()}
    return {"uri": urllib.parse.quote(relative), "uriBaseId": SRCROOT}


def _directory_uri(path: str) -> str:
    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.status == "undetermined":
        text = f"Undetermined: {text}"
    source = source_of(finding)
    if source is not None and source.archive is not None:
        text += f" ({member_note(source)} in {source.archive})"
    elif source is None:
        text += f" (object {finding.object_path} on {finding.device}; no source location)"
    if finding.status == "suppressed" and finding.suppression is not None:
        text += f" [suppressed by {finding.suppression.kind}: {finding.suppression.reason}]"
    return text


def _location(report: Report, finding: Finding, root: str) -> dict[str, Any]:
    location: dict[str, Any] = {}
    artifact = artifact_of(report, finding)
    if artifact is not None:
        path, start, end = artifact
        region = {"startLine": start} if end <= start else {"startLine": start, "endLine": end}
        location["physicalLocation"] = {
            "artifactLocation": _artifact_location(path, root),
            "region": region,
        }
    location["logicalLocations"] = [
        {
            "name": finding.object_path,
            "fullyQualifiedName": f"{finding.device}::{finding.object_path}",
            "kind": "object",
        },
        {"name": finding.device, "kind": "namespace"},
    ]
    return location


def _properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "status": finding.status,
        "severity": finding.severity,
        "device": finding.device,
        "object": finding.object_path,
        "objectKind": finding.object_kind,
    }
    if finding.detail:
        properties["detail"] = finding.detail
    source = source_of(finding)
    if source is not None:
        properties["location"] = str(source)
        if source.archive is not None:
            properties.update(
                archive=source.archive,
                member=source.member or source.file,
                memberLine=source.line,
                memberEndLine=source.end_line,
            )
        if source.resource:
            properties["terraformResource"] = source.resource
        if source.change:
            properties["planChange"] = source.change
    if finding.remediation is not None:
        properties["remediation"] = {
            key: value
            for key, value in (
                ("text", finding.remediation.text),
                ("tmsh", finding.remediation.tmsh),
                ("terraform", finding.remediation.terraform),
            )
            if value
        }
    if finding.tags:
        properties["tags"] = list(finding.tags)
    return properties


def _suppressions(finding: Finding) -> list[dict[str, Any]]:
    suppression = finding.suppression
    if suppression is None:
        return [{"kind": "external", "status": "accepted"}]
    properties = {
        key: value
        for key, value in (
            ("lyncpolicyKind", suppression.kind),
            ("owner", suppression.owner),
            ("ticket", suppression.ticket),
            ("expires", suppression.expires),
        )
        if value
    }
    return [
        {
            "kind": SUPPRESSION_KINDS.get(suppression.kind, "external"),
            "status": "accepted",
            "justification": suppression.reason,
            "properties": properties,
        }
    ]


def result(report: Report, finding: Finding, rule_index: int, root: str) -> dict[str, Any]:
    """The SARIF result of one fail, suppressed or undetermined finding."""
    entry: dict[str, Any] = {"ruleId": finding.rule_id, "ruleIndex": rule_index}
    if finding.status == "undetermined":
        entry.update(kind="review", level="none")
    else:
        entry.update(kind="fail", level=LEVELS.get(finding.severity, "warning"))
    entry["message"] = {"text": _message(finding)}
    entry["locations"] = [_location(report, finding, root)]
    entry["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.status == "suppressed":
        entry["suppressions"] = _suppressions(finding)
    entry["properties"] = _properties(finding)
    return entry


def _invocation(report: Report) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": report.execution_successful}
    level = "error" if not report.execution_successful else "warning"
    errors = list(report.errors)
    if not report.execution_successful and not errors:
        errors = ["the scan did not complete: the results are incomplete"]
    if errors:
        invocation["toolExecutionNotifications"] = [
            {"level": level, "message": {"text": error}} for error in errors
        ]
    return invocation


def to_sarif(report: Report, options: Mapping[str, object]) -> dict[str, Any]:
    """The SARIF log as a JSON-ready mapping."""
    root = os.path.abspath(opt_str(options, "sarif_root", os.getcwd()))
    rules = rules_by_id(report)
    index = {rule_id: position for position, rule_id in enumerate(rules)}
    results = [
        result(report, finding, index[finding.rule_id], root)
        for finding in report.findings
        if finding.status != "pass"
    ]
    counts = count(report.findings)
    version = report.tool_version or "0.0.0"
    driver = {
        "name": TOOL_NAME,
        "version": version,
        "semanticVersion": version,
        "informationUri": opt_str(options, "information_uri", INFORMATION_URI),
        "rules": [reporting_descriptor(rule) for rule in rules.values()],
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": opt_str(options, "automation_id", DEFAULT_AUTOMATION_ID)},
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
        "invocations": [_invocation(report)],
        "results": results,
        "properties": {
            "devices": list(report.devices),
            "inputs": [item.path for item in report.inputs],
            "objectCount": report.object_count,
            "elapsedSeconds": round(report.elapsed_seconds, 3),
            "counts": dict(counts.by_status),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifReporter:
    """``--format sarif``."""

    name = "sarif"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        return json.dumps(to_sarif(report, options), indent=2, ensure_ascii=False) + "\n"
