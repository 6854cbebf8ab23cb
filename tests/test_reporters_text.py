"""The text reporter: the table grouped by severity, colors, quiet, passes, the summary."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reporters_common import (
    check_golden,
    empty_report,
    failed_report,
    render,
    sample_report,
)

from lyncpolicy.reporters.text import simple_table, use_color

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_golden_plain() -> None:
    check_golden("sample.txt", render("text", sample_report()))


def test_golden_with_colors_and_passes() -> None:
    check_golden("sample-color-passes.txt",
                 render("text", sample_report(), color=True, show_passes=True))


def test_golden_failed_scan() -> None:
    check_golden("failed.txt", render("text", failed_report()))


def _rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    body = lines[2:lines.index("")]  # header, rule, rows until the blank line
    # Skip separators and the continuation lines of wrapped messages.
    return [re.split(r"\s{2,}", line) for line in body
            if not line.startswith(("-", " "))]


def test_rows_are_grouped_by_severity_fail_first() -> None:
    rows = _rows(render("text", sample_report()))
    severities = [row[0] for row in rows]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert [row[1] for row in rows[:3]] == ["fail"] * 3
    statuses = {row[1] for row in rows}
    assert {"undetermined", "suppressed (waiver)", "suppressed (baseline)",
            "suppressed (inline)"} <= statuses
    assert "pass" not in statuses


def test_separator_between_severity_groups() -> None:
    lines = render("text", sample_report()).splitlines()
    separators = [i for i, line in enumerate(lines[2:], start=2) if line.startswith("---")]
    assert len(separators) == 2  # error | warning | info


def test_suppressed_rows_say_why_and_sourceless_rows_say_dash() -> None:
    text = render("text", sample_report())
    assert "[waiver: F5 NAT-aware design accepted, CAB-1234]" in " ".join(text.split())
    device_row = next(line for line in text.splitlines() if "LYNC-GEN-001" in line)
    assert " - " in device_row
    assert "backups/bigip-b.ucs!config/bigip.conf:812" in text


def test_show_passes_adds_pass_rows() -> None:
    rows = _rows(render("text", sample_report(), show_passes=True))
    assert sum(row[1] == "pass" for row in rows) == 3


def test_quiet_prints_the_summary_only() -> None:
    text = render("text", sample_report(), quiet=True)
    assert text.count("\n") == 1
    assert text.startswith("4 failed (3 error, 1 info)")
    failed = render("text", failed_report(), quiet=True).splitlines()
    assert failed[0].startswith("error: backups/bigip-c.ucs") and len(failed) == 2


def test_no_colors_unless_asked() -> None:
    assert not ANSI.search(render("text", sample_report(), color=False))
    colored = render("text", sample_report(), color=True)
    assert ANSI.search(colored)
    assert ANSI.sub("", colored) == render("text", sample_report(), color=False)


def test_color_none_respects_no_color_and_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color({"color": None}) is False
    assert use_color({}) is False
    assert use_color({"color": True}) is True  # the caller decided
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset (no-color.org)
    assert use_color({}) is True
    monkeypatch.delenv("NO_COLOR")
    assert use_color({"color": False}) is False


def test_long_messages_are_wrapped_not_cut() -> None:
    report = sample_report()
    long = "word " * 60
    import dataclasses

    report = dataclasses.replace(
        report, findings=(dataclasses.replace(report.findings[0], message=long),)
    )
    text = render("text", report)
    assert max(len(line) for line in text.splitlines()[:-1]) < 250
    assert text.count("word") == 60


def test_nothing_to_show() -> None:
    assert render("text", empty_report()).startswith("No findings to show.\n\n0 failed")


def test_device_level_findings_show_what_they_are_about() -> None:
    from lyncpolicy.findings import Finding, Report
    from lyncpolicy.reporters.text import TextReporter

    finding = Finding(
        rule_id="LYNC-EDGE-NET-002",
        severity="error",
        status="fail",
        object_path="bigip-a",
        object_kind="device",
        device="bigip-a",
        message="Edge external address 203.0.113.20 cannot leave through the BIG-IP",
        detail="address=203.0.113.20",
    )
    text = TextReporter().render(Report(findings=(finding,), rules=()), {"color": False})
    (row,) = [line for line in text.splitlines() if line.startswith("error")]
    assert row.split()[3:5] == ["bigip-a", "address=203.0.113.20"]


# -- the table is tabulate's "simple" format, laid out without tabulate -------------------------

_WORD = st.text(alphabet="abcdefghij-./:[]0123456789", min_size=1, max_size=30)
_CELL = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)
_MESSAGE = st.lists(_WORD, min_size=1, max_size=40).map(" ".join)
_COLORED = st.tuples(st.sampled_from(["", "\x1b[1;31m", "\x1b[33m", "\x1b[2m"]), _CELL).map(
    lambda styled: f"{styled[0]}{styled[1]}\x1b[0m" if styled[0] else styled[1]
)
_ROW = st.tuples(_COLORED, _COLORED, _CELL, _CELL, _CELL, _CELL, _MESSAGE).map(list)


@settings(max_examples=300, deadline=None)
@given(groups=st.lists(st.lists(_ROW, min_size=1, max_size=5), min_size=1, max_size=4),
       width=st.integers(min_value=30, max_value=90))
def test_simple_table_lays_out_what_tabulate_does(
    groups: list[list[list[str]]], width: int
) -> None:
    """Same bytes as tabulate for the text reporter's tables: severity groups apart, colored
    cells, messages wrapped (words no longer than the width: a longer one is cut where
    textwrap cuts it, which can differ from tabulate's own wrapper)."""
    from tabulate import SEPARATING_LINE, tabulate

    headers = ("severity", "status", "rule", "device", "object", "location", "message")
    rows: list[list[str] | None] = []
    for group in groups:
        rows.extend([None] if rows else [])
        rows.extend(group)
    expected = tabulate(
        [[SEPARATING_LINE] if row is None else row for row in rows],
        headers=headers, tablefmt="simple", disable_numparse=True,
        maxcolwidths=[None] * 6 + [width],
    )
    assert simple_table(headers, rows, width) == expected
