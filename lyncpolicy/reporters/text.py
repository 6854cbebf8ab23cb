"""The ``text`` format: a table for a terminal, grouped by severity, and a summary line.

Rows: failures, undetermined and suppressed findings (passes with ``show_passes``), most severe
group first, a separator between severity groups. A suppressed row says by what and why.
``quiet`` prints the summary line only (and the run's errors). Colors: ``color`` True or
False as the caller decided; when it is absent or None, colors are used only if ``NO_COLOR``
is unset (or empty) and standard output is a terminal.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Final

from lyncpolicy.findings import Finding, Report
from lyncpolicy.reporters._common import (
    by_severity,
    location_text,
    opt_bool,
    shown,
    subject_of,
    summary_line,
)

_RESET: Final = "\x1b[0m"
_STYLES: Final[Mapping[str, str]] = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[33m",
    "info": "\x1b[36m",
    "fail": "\x1b[31m",
    "undetermined": "\x1b[35m",
    "suppressed": "\x1b[2m",
    "pass": "\x1b[32m",
}
HEADERS: Final = ("severity", "status", "rule", "device", "object", "location", "message")
MESSAGE_WIDTH: Final = 72


def use_color(options: Mapping[str, object]) -> bool:
    """The ``color`` option, or (when None) NO_COLOR and whether stdout is a terminal."""
    value = options.get("color")
    if value is not None:
        return bool(value)
    if os.environ.get("NO_COLOR", ""):
        return False
    return sys.stdout.isatty()


def _paint(text: str, style: str, color: bool) -> str:
    code = _STYLES.get(style)
    return f"{code}{text}{_RESET}" if color and code else text


def _status(finding: Finding) -> str:
    if finding.status == "suppressed" and finding.suppression is not None:
        return f"suppressed ({finding.suppression.kind})"
    return finding.status


def _message(finding: Finding) -> str:
    text = " ".join(finding.message.split())
    if finding.status == "suppressed" and finding.suppression is not None:
        text += f" [{finding.suppression.kind}: {' '.join(finding.suppression.reason.split())}]"
    return text


def table(findings: list[Finding], color: bool) -> str:
    """The findings as one table, a separating line between severity groups."""
    rows: list[list[str] | None] = []
    previous: str | None = None
    for finding in by_severity(findings):
        if previous is not None and finding.severity != previous:
            rows.append(None)
        previous = finding.severity
        rows.append(
            [
                _paint(finding.severity, finding.severity, color),
                _paint(_status(finding), finding.status, color),
                finding.rule_id,
                finding.device,
                subject_of(finding),
                location_text(finding) or "-",
                _message(finding),
            ]
        )
    return simple_table(HEADERS, rows, MESSAGE_WIDTH)


_ANSI: Final = re.compile(r"\x1b\[[0-9;]*m")


def _visible_width(cell: str) -> int:
    return len(_ANSI.sub("", cell)) if "\x1b" in cell else len(cell)


def simple_table(
    headers: Sequence[str], rows: Sequence[Sequence[str] | None], last_width: int
) -> str:
    """Text cells as tabulate's ``simple`` table (left-aligned, ``None`` rows as separating
    lines), the last column wrapped at ``last_width``.

    tabulate itself spends most of a fleet scan's text output guessing column types and
    measuring widths through regular expressions; findings are text, so this lays them out
    directly. Colored cells are measured without their escape sequences.
    """
    wrapper = textwrap.TextWrapper(width=last_width)
    cells: list[list[list[str]] | None] = []
    for row in rows:
        if row is None:
            cells.append(None)
            continue
        *first, last = (cell.strip() for cell in row)
        wrapped = [last] if len(last) <= last_width else wrapper.wrap(last)
        cells.append([[cell] for cell in first] + [wrapped or [""]])
    widths = [len(header) + 2 for header in headers]
    for row_cells in cells:
        for index, lines in enumerate(row_cells or ()):
            widths[index] = max(widths[index], *map(_visible_width, lines))

    def line(parts: Sequence[str]) -> str:
        return "  ".join(
            part + " " * (width - _visible_width(part))
            for part, width in zip(parts, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    out = [line(headers), rule]
    for row_cells in cells:
        if row_cells is None:
            out.append(rule)
            continue
        height = max(len(lines) for lines in row_cells)
        for number in range(height):
            out.append(line([lines[number] if number < len(lines) else ""
                             for lines in row_cells]))
    return "\n".join(out)


class TextReporter:
    """``--format text`` (the default)."""

    name = "text"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        color = use_color(options)
        lines: list[str] = []
        if not opt_bool(options, "quiet"):
            findings = shown(report, opt_bool(options, "show_passes"))
            lines.append(table(findings, color) if findings else "No findings to show.")
            lines.append("")
        lines.extend(_paint(f"error: {error}", "fail", color) for error in report.errors)
        failed = any(f.status == "fail" for f in report.findings)
        style = "fail" if failed or not report.execution_successful else "pass"
        lines.append(_paint(summary_line(report), style, color))
        return "\n".join(lines) + "\n"
