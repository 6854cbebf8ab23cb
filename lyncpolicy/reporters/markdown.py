"""The ``markdown`` format: a pull-request comment or a ``$GITHUB_STEP_SUMMARY`` page.

A heading with the verdict, the summary line, a table of counts (status by severity), the
run's errors, a Mermaid diagram of the recognized Edge deployment with the objects that have
findings highlighted (see :mod:`lyncpolicy.reporters.mermaid`; without a recognized deployment
a sentence says so), and a table of the findings: failures, undetermined and suppressed ones
(most severe first), passes in a folded section with ``show_passes``. ``quiet`` keeps the
heading, the summary and the counts. Tables stop after ``MAX_ROWS`` rows and say how many were
left out (a GitHub comment holds 65,536 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from lyncpolicy.findings import Finding, Report
from lyncpolicy.reporters._common import (
    SEVERITIES,
    STATUSES,
    by_severity,
    count,
    location_text,
    opt_bool,
    plural,
    subject_of,
    summary_line,
)
from lyncpolicy.reporters.mermaid import flowchart

MAX_ROWS: Final = 100
STATUS_WORDS: Final[Mapping[str, str]] = {
    "fail": "failed",
    "undetermined": "undetermined",
    "suppressed": "suppressed",
    "pass": "passed",
}
_BACKSLASHED: Final = frozenset("\\`*_[]|~")
LEGEND: Final = (
    "Red: objects with failing findings; amber, dashed: undetermined; grey, dotted: "
    "suppressed. Solid arrows: client traffic to the VIPs and the Edge servers' outbound "
    "path; dotted: the servers' default gateway, 1:1 NATs and inbound forwarding."
)


def cell(value: object) -> str:
    """Text safe in a table cell: Markdown and HTML specials escaped, lines joined with
    ``<br>``."""
    out = []
    for char in str(value):
        if char == "&":
            out.append("&amp;")
        elif char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        elif char == "\n":
            out.append("<br>")
        elif ord(char) < 32:
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def code(value: str) -> str:
    """A code span for a table cell (object paths, locations): no Markdown inside, ``|``
    escaped, a fence longer than any run of backticks in the text."""
    if not value:
        return "-"
    flat = " ".join(value.split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _row(cells: Iterable[str]) -> str:
    """A table row of cells already escaped with :func:`cell` or :func:`code`."""
    return "| " + " | ".join(cells) + " |"


def _table(headers: tuple[str, ...], rows: Sequence[Sequence[str]], what: str) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += [_row(row) for row in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines += ["", f"... and {len(rows) - MAX_ROWS} more {what}: see the JSON or SARIF report."]
    return lines


def _status(finding: Finding) -> str:
    if finding.status == "suppressed" and finding.suppression is not None:
        return f"suppressed ({finding.suppression.kind}: {finding.suppression.reason})"
    return finding.status


def _heading(report: Report, failed: int) -> str:
    if not report.execution_successful:
        return "## lyncpolicy: scan incomplete"
    if failed:
        return f"## lyncpolicy: {plural(failed, 'problem')} found"
    return "## lyncpolicy: no problems found"


def _counts_table(report: Report) -> list[str]:
    counts = count(report.findings)
    lines = ["| | " + " | ".join(SEVERITIES) + " | total |",
             "|---|" + "---:|" * (len(SEVERITIES) + 1)]
    for status in STATUSES:
        numbers = [counts.by_status_and_severity[(status, sev)] for sev in SEVERITIES]
        lines.append(
            f"| {STATUS_WORDS[status]} | " + " | ".join(map(str, numbers))
            + f" | {counts.by_status[status]} |"
        )
    return lines


def _diagram(report: Report) -> list[str]:
    source = flowchart(report.topology, report.findings)
    if source is None:
        return [
            "### Edge deployment",
            "",
            "No Lync / Skype for Business Edge deployment was recognized in the inputs, "
            "so there is no diagram.",
        ]
    return ["### Edge deployment", "", "```mermaid", source, "```", "", LEGEND]


def _findings(report: Report, show_passes: bool) -> list[str]:
    problems = by_severity(f for f in report.findings if f.status != "pass")
    lines = ["### Findings", ""]
    if problems:
        rows = [
            (str(f.severity), cell(_status(f)), code(f.rule_id), cell(f.device),
             code(subject_of(f)), code(location_text(f)), cell(f.message))
            for f in problems
        ]
        headers = ("Severity", "Status", "Rule", "Device", "Object", "Location", "Message")
        lines += _table(headers, rows, "findings")
    else:
        lines.append("No failing, undetermined or suppressed findings.")
    passes = [f for f in report.findings if f.status == "pass"]
    if show_passes and passes:
        lines += ["", f"<details><summary>{plural(len(passes), 'passed check')}</summary>", ""]
        passed = [
            (code(f.rule_id), cell(f.device), code(subject_of(f)), code(location_text(f)))
            for f in passes
        ]
        lines += _table(("Rule", "Device", "Object", "Location"), passed, "passed checks")
        lines += ["", "</details>"]
    return lines


class MarkdownReporter:
    """``--format markdown``."""

    name = "markdown"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        failed = sum(f.status == "fail" for f in report.findings)
        lines = [_heading(report, failed), "", summary_line(report) + ".", ""]
        lines += _counts_table(report)
        if report.errors:
            lines += ["", "**Errors:**", ""] + [f"- {cell(error)}" for error in report.errors]
        if not opt_bool(options, "quiet"):
            show_passes = opt_bool(options, "show_passes")
            lines += ["", *_diagram(report), "", *_findings(report, show_passes)]
        return "\n".join(lines) + "\n"
