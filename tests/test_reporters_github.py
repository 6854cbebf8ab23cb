"""GitHub workflow commands: escaping, levels, locations and GitHub's annotation cap."""

from __future__ import annotations

import dataclasses
import re

from test_reporters_common import (
    MESSY,
    check_golden,
    failed_report,
    render,
    sample_report,
)

from lyncpolicy.findings import Report
from lyncpolicy.model import Source
from lyncpolicy.reporters.github import ANNOTATION_LIMIT, escape_data, escape_property

COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    found = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        if match:
            props = dict(p.split("=", 1) for p in (match.group(2) or "").strip().split(",") if p)
            found.append((match.group(1), props, match.group(3)))
    return found


def unescape(text: str) -> str:
    for code, char in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        text = text.replace(code, char)
    return text


def test_golden() -> None:
    check_golden("sample.github.txt", render("github", sample_report()))


def test_escaping() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("%0A") == "%250A"  # an escape sequence in the text stays text
    for text in (MESSY, "a%3Ab", "x\r\ny:z,w%%"):
        assert unescape(escape_property(text)) == text


def test_levels_and_what_is_annotated() -> None:
    found = commands(render("github", sample_report()))
    levels = [(level, props["title"].split("%3A")[0]) for level, props, _ in found]
    assert levels == [
        ("error", "LYNC-EDGE-AV-001"),
        ("error", "LYNC-EDGE-AV-001"),
        ("error", "LYNC-EDGE-NET-002"),
        ("notice", "LYNC-GEN-001"),
        ("notice", "LYNC-EDGE-NET-009"),
    ]
    assert unescape(found[-1][1]["title"]).endswith("(undetermined)")


def test_locations() -> None:
    found = commands(render("github", sample_report()))
    first = found[0][1]
    assert (first["file"], first["line"], first["endLine"]) == (
        "configs/bigip-a/bigip.conf", "40", "55"
    )
    archive = found[1]
    assert archive[1]["file"] == "backups/bigip-b.ucs" and "line" not in archive[1]
    assert "(config/bigip.conf line 812 in backups/bigip-b.ucs)" in unescape(archive[2])
    sourceless = found[3][1]
    assert "file" not in sourceless


def test_messages_keep_their_text_and_fix() -> None:
    found = commands(render("github", sample_report()))
    message = unescape(found[2][2])
    assert message.startswith(MESSY)
    assert "\nFix: Add a forwarding virtual" in message
    assert "\n" not in found[2][2] and "\r" not in found[2][2]


def _many(count: int) -> Report:
    report = sample_report()
    base = report.findings[0]
    findings = tuple(
        dataclasses.replace(base, object_path=f"/Common/vs{i}",
                            source=Source("configs/bigip-a/bigip.conf", i + 1, i + 1))
        for i in range(count)
    )
    return dataclasses.replace(report, findings=findings)


def test_cap_per_type_and_the_left_out_are_listed() -> None:
    text = render("github", _many(25))
    found = commands(text)
    assert [level for level, _, _ in found] == ["error"] * ANNOTATION_LIMIT
    lines = text.splitlines()
    assert "15 findings past GitHub's limit of 10 annotations per type and step:" in lines
    plain = [line for line in lines if line.startswith("error: LYNC-EDGE-AV-001 ")]
    assert len(plain) == 15 and plain[0].startswith(
        "error: LYNC-EDGE-AV-001 configs/bigip-a/bigip.conf:11: "
    )
    assert lines[-1].startswith("lyncpolicy: 25 failed (25 error)")
    assert lines[-1].endswith(
        "; 15 not annotated (GitHub shows at most 10 errors, warnings and notices per step): "
        "listed above"
    )


def test_no_cap_message_under_the_limit() -> None:
    text = render("github", _many(ANNOTATION_LIMIT))
    assert len(commands(text)) == ANNOTATION_LIMIT and "not annotated" not in text


def test_scan_errors_are_error_annotations_first() -> None:
    text = render("github", failed_report())
    lines = text.splitlines()
    assert lines[0] == (
        "::error title=lyncpolicy::backups/bigip-c.ucs: archive is truncated (re-copy the file)"
    )
    assert lines[-1].startswith("lyncpolicy: scan incomplete (1 error)")
    report = dataclasses.replace(failed_report(), errors=tuple(f"e{i}" for i in range(12)))
    lines = render("github", report).splitlines()
    assert sum(line.startswith("::error title=lyncpolicy::") for line in lines) == 10
    assert "error: e11" in lines
