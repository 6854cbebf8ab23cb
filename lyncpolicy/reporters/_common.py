"""What several reporters share: counts, the summary line, options, rules and paths.

Only the standard library is imported here; heavy modules (tabulate, xml) wait inside the
functions that render a format.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from lyncpolicy.findings import Finding, Report, RuleMeta
from lyncpolicy.model import NO_SOURCE, Source

SEVERITIES: Final = ("error", "warning", "info")
STATUSES: Final = ("fail", "undetermined", "suppressed", "pass")
SUPPRESSION_KINDS: Final = ("waiver", "baseline", "inline")
TOOL_NAME: Final = "lyncpolicy"
# Where people read about the tool (SARIF ``informationUri``); the JSON schemas use this host
# for their ``$id`` too.
INFORMATION_URI: Final = "https://lyncpolicy.dev"

_SEVERITY_RANK: Final = {name: rank for rank, name in enumerate(SEVERITIES)}
_STATUS_RANK: Final = {name: rank for rank, name in enumerate(STATUSES)}


# -- options -------------------------------------------------------------------------------------


def opt_bool(options: Mapping[str, object], key: str, default: bool = False) -> bool:
    """A boolean option; absent or None gives ``default``."""
    value = options.get(key)
    return default if value is None else bool(value)


def opt_str(options: Mapping[str, object], key: str, default: str) -> str:
    """A text option; absent, None or empty gives ``default``."""
    value = options.get(key)
    return str(value) if value not in (None, "") else default


# -- counting ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """How many findings of each status, failures by severity, suppressions by kind."""

    by_status: Mapping[str, int]
    failed_by_severity: Mapping[str, int]
    by_status_and_severity: Mapping[tuple[str, str], int]
    suppressed_by_kind: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def failed(self) -> int:
        return self.by_status.get("fail", 0)


def count(findings: Iterable[Finding]) -> Counts:
    statuses: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    kinds: Counter[str] = Counter()
    for finding in findings:
        statuses[finding.status] += 1
        pairs[(finding.status, finding.severity)] += 1
        if finding.status == "suppressed" and finding.suppression is not None:
            kinds[finding.suppression.kind] += 1
    return Counts(
        by_status={status: statuses[status] for status in STATUSES},
        failed_by_severity={severity: pairs[("fail", severity)] for severity in SEVERITIES},
        by_status_and_severity={
            (status, severity): pairs[(status, severity)]
            for status in STATUSES
            for severity in SEVERITIES
        },
        suppressed_by_kind={kind: kinds[kind] for kind in SUPPRESSION_KINDS},
    )


def plural(number: int, word: str) -> str:
    return f"{number} {word if number == 1 else word + 's'}"


def _breakdown(parts: Mapping[str, int]) -> str:
    shown = [f"{number} {name}" for name, number in parts.items() if number]
    return f" ({', '.join(shown)})" if shown else ""


def summary_line(report: Report, counts: Counts | None = None) -> str:
    """One line: findings by status (failures by severity, suppressions by kind), then inputs,
    devices, objects and elapsed time. The same words in every human format."""
    counts = counts or count(report.findings)
    status = counts.by_status
    parts = [
        f"{status['fail']} failed{_breakdown(counts.failed_by_severity)}",
        f"{status['undetermined']} undetermined",
        f"{status['suppressed']} suppressed{_breakdown(counts.suppressed_by_kind)}",
        f"{status['pass']} passed",
    ]
    scope = [
        plural(len(report.inputs), "input"),
        plural(len(report.devices), "device"),
        plural(report.object_count, "object"),
    ]
    line = f"{', '.join(parts)}; {', '.join(scope)} in {report.elapsed_seconds:.2f}s"
    if not report.execution_successful:
        line = f"scan incomplete ({plural(len(report.errors), 'error')}): {line}"
    return line


# -- ordering and rules --------------------------------------------------------------------------


def severity_rank(severity: str) -> int:
    """0 for error, 1 for warning, 2 for info (unknown severities last)."""
    return _SEVERITY_RANK.get(severity, len(SEVERITIES))


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first; within a severity fail, undetermined, suppressed, pass; the report's
    order otherwise (a stable sort, so the output is deterministic)."""
    return sorted(
        findings,
        key=lambda f: (severity_rank(f.severity), _STATUS_RANK.get(f.status, len(STATUSES))),
    )


def shown(report: Report, show_passes: bool) -> list[Finding]:
    """The findings a human format lists: everything but passes, unless asked."""
    return [f for f in report.findings if show_passes or f.status != "pass"]


def rules_by_id(report: Report) -> dict[str, RuleMeta]:
    """Every rule of the report by id, sorted, plus a stand-in for a rule a finding names that
    the report does not describe (a report edited by hand or written by a plugin)."""
    rules = {rule.id: rule for rule in report.rules}
    for finding in report.findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = RuleMeta(
                id=finding.rule_id,
                title=finding.rule_id,
                severity=finding.severity,
                description=f"Rule {finding.rule_id} (not described in this report).",
                remediation="",
                tags=finding.tags,
            )
    return {key: rules[key] for key in sorted(rules)}


# -- locations -----------------------------------------------------------------------------------


def subject_of(finding: Finding) -> str:
    """What a finding is about, for a table's Object column: the object, or for a
    device-level finding its detail (``address=203.0.113.20``) rather than the device again."""
    if finding.object_kind == "device" and finding.detail:
        return finding.detail
    return finding.object_path


def source_of(finding: Finding) -> Source | None:
    """The finding's source, None when it has none (or only the model's placeholder)."""
    source = finding.source
    if source is None or source == NO_SOURCE:
        return None
    return source


def location_text(finding: Finding) -> str:
    """``file:line`` or ``archive!member:line``; empty when the finding has no source."""
    source = source_of(finding)
    return str(source) if source is not None else ""


def member_note(source: Source) -> str:
    """For a finding inside an archive: where in the archive (``config/bigip.conf line 42``)."""
    if source.archive is None:
        return ""
    return f"{source.member or source.file} line {source.line}"


def repo_relative(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` with ``/`` separators, or None when it lies outside.

    A relative ``path`` is as the scan named it, relative to the current folder; when that
    lies outside ``root`` (a saved report re-rendered from another folder), it is read
    relative to ``root`` instead.
    """
    candidates = [os.path.abspath(path)]
    if not os.path.isabs(path):
        candidates.append(os.path.abspath(os.path.join(root, path)))
    for absolute in candidates:
        relative = os.path.relpath(absolute, os.path.abspath(root)).replace(os.sep, "/")
        if relative != ".." and not relative.startswith("../"):
            return posixpath.normpath(relative)
    return None


def artifact_of(report: Report, finding: Finding) -> tuple[str, int, int] | None:
    """The file a code-scanning tool should point at, with a line span (1-based, at least 1).

    Archive members point at the archive, line 1 (a line inside a compressed archive means
    nothing to an editor); a finding without a source points at the first input of its device.
    """
    source = source_of(finding)
    if source is not None and source.archive is not None:
        return source.archive, 1, 1
    if source is not None:
        start = max(source.line, 1)
        return source.file, start, max(source.end_line, start)
    for item in report.inputs:
        if item.device == finding.device:
            return item.path, 1, 1
    return None
