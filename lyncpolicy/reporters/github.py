"""The ``github`` format: GitHub Actions workflow commands that become annotations.

``::error file=F,line=L,endLine=E,title=T::MESSAGE`` per finding, then a summary line.

- ``fail`` with severity error / warning / info: ``::error`` / ``::warning`` / ``::notice``.
- ``undetermined``: ``::notice`` titled "... (undetermined)", after the info failures.
- ``suppressed`` and ``pass``: no annotation; counted in the summary line.

GitHub shows at most 10 annotations of each type (error, warning, notice) per step and drops
the rest silently, and a workflow command line never appears in the log. So the reporter caps
each type at 10, most severe first, prints the findings past the cap as plain log lines (which
stay visible), and the summary line says how many were left out of the annotations.

Paths are relative to ``sarif_root`` (the repository root; default the current directory). A
finding inside an archive is annotated on the archive without a line (the member and line are
in the message); one without a source has no file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Final

from lyncpolicy.findings import Finding, Report
from lyncpolicy.reporters._common import (
    by_severity,
    location_text,
    member_note,
    opt_str,
    plural,
    repo_relative,
    rules_by_id,
    source_of,
    summary_line,
)

ANNOTATION_LIMIT: Final = 10
COMMANDS: Final[Mapping[str, str]] = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_of(finding: Finding) -> str:
    if finding.status == "undetermined":
        return "notice"
    return COMMANDS.get(finding.severity, "warning")


def _properties(finding: Finding, title: str, root: str) -> str:
    properties: list[tuple[str, str]] = []
    source = source_of(finding)
    if source is not None:
        relative = repo_relative(source.artifact, root)
        if relative is not None:
            properties.append(("file", relative))
            if source.archive is None and source.line >= 1:
                properties.append(("line", str(source.line)))
                if source.end_line > source.line:
                    properties.append(("endLine", str(source.end_line)))
    properties.append(("title", title))
    return ",".join(f"{key}={escape_property(value)}" for key, value in properties)


def _message(finding: Finding) -> str:
    text = f"{finding.message} [{finding.device} {finding.object_path}]"
    source = source_of(finding)
    if source is not None and source.archive is not None:
        text += f" ({member_note(source)} in {source.archive})"
    if finding.remediation is not None and finding.remediation.text:
        text += f"\nFix: {finding.remediation.text}"
        if finding.remediation.tmsh:
            text += f"\ntmsh: {finding.remediation.tmsh}"
    return text


def _plain_line(finding: Finding) -> str:
    where = location_text(finding) or f"{finding.device} {finding.object_path}"
    message = " ".join(finding.message.split())
    return f"{command_of(finding)}: {finding.rule_id} {where}: {message}"


class GithubReporter:
    """``--format github``."""

    name = "github"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        root = os.path.abspath(opt_str(options, "sarif_root", os.getcwd()))
        titles = {rule_id: rule.title for rule_id, rule in rules_by_id(report).items()}
        # The run's own errors first: they make every other result incomplete.
        errors = list(report.errors)
        lines = [
            f"::error title=lyncpolicy::{escape_data(error)}"
            for error in errors[:ANNOTATION_LIMIT]
        ]
        lines += [f"error: {error}" for error in errors[ANNOTATION_LIMIT:]]
        used = {"error": min(len(errors), ANNOTATION_LIMIT)}
        left_out: list[Finding] = []
        for finding in _ordered(report.findings):
            command = command_of(finding)
            if used.get(command, 0) >= ANNOTATION_LIMIT:
                left_out.append(finding)
                continue
            used[command] = used.get(command, 0) + 1
            title = f"{finding.rule_id}: {titles.get(finding.rule_id, finding.rule_id)}"
            if finding.status == "undetermined":
                title += " (undetermined)"
            lines.append(
                f"::{command} {_properties(finding, title, root)}::"
                f"{escape_data(_message(finding))}"
            )
        summary = f"lyncpolicy: {summary_line(report)}"
        if left_out:
            lines.append(
                f"{plural(len(left_out), 'finding')} past GitHub's limit of "
                f"{ANNOTATION_LIMIT} annotations per type and step:"
            )
            lines.extend(_plain_line(finding) for finding in left_out)
            summary += (
                f"; {len(left_out)} not annotated (GitHub shows at most {ANNOTATION_LIMIT} "
                "errors, warnings and notices per step): listed above"
            )
        lines.append(summary)
        return "\n".join(lines) + "\n"


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Failures most severe first, then undetermined ones (report order within each)."""
    findings = list(findings)
    failures = by_severity(f for f in findings if f.status == "fail")
    return failures + [f for f in findings if f.status == "undetermined"]
