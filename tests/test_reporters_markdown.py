"""Markdown for pull requests and step summaries, and its Mermaid diagram of the deployment."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from test_reporters_common import (
    DEVICE_A,
    DEVICE_B,
    check_golden,
    empty_report,
    failed_report,
    render,
    sample_report,
)

from lyncpolicy.findings import Finding
from lyncpolicy.reporters import markdown
from lyncpolicy.reporters.markdown import cell, code
from lyncpolicy.reporters.mermaid import flowchart, label, text

NODE = re.compile(
    r"^\s+([A-Za-z0-9_]+)"  # id
    r"(\(\(|\(\[|\[\[|\[/|\{\{|>|\[)"  # opening of a shape
    r"\"(.*)\""  # quoted label
    r"(\)\)|\]\)|\]\]|/\]|\\\]|\}\}|\])$"  # closing of a shape
)
SUBGRAPH = re.compile(r'^\s+subgraph ([A-Za-z0-9_]+)\["(.*)"\]$')
EDGE = re.compile(r'^\s+([A-Za-z0-9_]+) (-->|-\.->|---|<-->|<-\.->)(\|"[^"]*"\|)? ([A-Za-z0-9_]+)$')


def diagram(text_: str) -> str:
    match = re.search(r"```mermaid\n(.*?)```", text_, re.S)
    assert match, "no mermaid block"
    return match.group(1)


def test_golden() -> None:
    check_golden("sample.md", render("markdown", sample_report()))


def test_golden_failed_scan_without_topology() -> None:
    check_golden("failed.md", render("markdown", failed_report()))


def test_counts_table_and_heading() -> None:
    text_ = render("markdown", sample_report())
    assert text_.startswith("## lyncpolicy: 4 problems found\n")
    assert "| failed | 3 | 0 | 1 | 4 |" in text_
    assert "| suppressed | 0 | 3 | 0 | 3 |" in text_
    assert render("markdown", empty_report()).startswith("## lyncpolicy: no problems found")
    assert render("markdown", failed_report()).startswith("## lyncpolicy: scan incomplete")


def test_no_topology_no_diagram() -> None:
    text_ = render("markdown", failed_report())
    assert "```mermaid" not in text_
    assert "No Lync / Skype for Business Edge deployment was recognized" in text_
    report = dataclasses.replace(sample_report(), topology={"devices": [
        {"device": "x", "found": False, "edge_pools": []}]})
    assert "```mermaid" not in render("markdown", report)


def test_every_line_of_the_diagram_is_well_formed() -> None:
    source = diagram(render("markdown", sample_report()))
    lines = source.splitlines()
    assert lines[0] == "flowchart LR"
    ids: set[str] = set()
    for line in lines[1:]:
        stripped = line.strip()
        if stripped == "end" or stripped.startswith(("classDef ", "class ", "style ")):
            continue
        node, sub, edge = NODE.match(line), SUBGRAPH.match(line), EDGE.match(line)
        assert node or sub or edge, f"unexpected line: {line!r}"
        if node:
            assert '"' not in node.group(3)
            ids.add(node.group(1))
        if sub:
            ids.add(sub.group(1))
        if edge:
            assert {edge.group(1), edge.group(4)} <= ids, line
    assert "end" not in ids and all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)


def _node_labels(source: str) -> dict[str, str]:
    return {m.group(1): m.group(3) for m in map(NODE.match, source.splitlines()) if m}


def test_diagram_content() -> None:
    source = diagram(render("markdown", sample_report()))
    labels = _node_labels(source)
    joined = "\n".join(labels.values())
    for expected in ("Access Edge VIP<br/>203.0.113.5", "A/V Edge VIP<br/>203.0.113.7",
                     "Edge internal VIP<br/>172.25.33.5", "pool edge-pool-1",
                     "edge01<br/>Access 203.0.113.10", "gateway self IP edge_dmz_float",
                     "default route default<br/>via 198.51.100.1",
                     "forwarding outbound edge_outbound_fwd", "NAT nat_edge01",
                     "SNAT snat_mgmt", "A/V Edge VIP<br/>10.45.16.7%9"):
        assert expected in joined, expected
    assert "bigip-lab" not in source  # no Edge deployment recognized there
    by_label = {v.split("<br/>")[0] + "|" + k[:2]: k for k, v in labels.items()}
    internal_vip = next(k for k, v in labels.items() if v.startswith("Edge internal VIP"))
    assert f"internal -->|\"tcp/443\"| {internal_vip}" in source
    av_a = by_label["A/V Edge VIP|d0"]
    assert f'internet -->|"udp/3478, tcp/443"| {av_a}' in source
    assert "d0_subgraph" not in source
    assert f'subgraph d0["{DEVICE_A}<br/>HA pair"]' in source
    assert f'subgraph d1["{DEVICE_B}<br/>standalone"]' in source


def _classes(source: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for match in re.finditer(r"^\s+class (\S+) (\w+)$", source, re.M):
        found.setdefault(match.group(2), set()).update(match.group(1).split(","))
    return found


def test_failing_objects_are_red_and_others_styled() -> None:
    source = diagram(render("markdown", sample_report()))
    labels = _node_labels(source)
    classes = _classes(source)
    failing = {labels[i].split("<br/>")[0] + "@" + i[:2] for i in classes["fail"]}
    # AV-001 fails on the A/V VIP of both devices; NET-002 on the outbound forwarding virtual.
    assert failing == {"A/V Edge VIP@d0", "A/V Edge VIP@d1",
                       "forwarding outbound edge_outbound_fwd@d0"}
    assert {labels[i].split("<br/>")[0] for i in classes["undetermined"]} == {
        "gateway self IP edge_dmz_self"}
    suppressed = {labels[i].split("<br/>")[0] for i in classes["suppressed"]}
    assert suppressed == {"NAT nat_edge01", "Access Edge VIP"}
    assert "classDef fail fill:#ffebe9,stroke:#cf222e" in source
    # The device-level failure of LYNC-GEN-001 outlines bigip-a's subgraph.
    assert "style d0 stroke:#cf222e,stroke-width:3px" in source


def test_passes_do_not_style_and_fail_wins() -> None:
    topology = sample_report().topology
    vs = "/Common/edge_av_3478"
    findings = [Finding("R", "error", status, vs, "virtual_servers", DEVICE_A, "m")
                for status in ("pass", "suppressed", "undetermined")]
    assert _classes(flowchart(topology, findings) or "").keys() == {"undetermined"}
    findings.append(Finding("R", "error", "fail", vs, "virtual_servers", DEVICE_A, "m"))
    assert _classes(flowchart(topology, findings) or "").keys() == {"fail"}
    other_device = [Finding("R", "error", "fail", vs, "virtual_servers", "elsewhere", "m")]
    assert _classes(flowchart(topology, other_device) or "") == {}


HOSTILE = 'end"] --> x{{evil}} %% #quot; <b>&amp;</b> `code` | pipe \\ back\nnew;line'


def _hostile_topology() -> dict[str, Any]:
    h = HOSTILE
    return {"devices": [{
        "device": h, "ha": None, "found": True,
        "edge_pools": [{"name": h, "vips": [{"role": h, "address": h, "route_domain": 3,
                                             "virtual_servers": [h], "ports": [h]}],
                        "servers": [{"name": h, "access": h, "nat": None}]}],
        "forwarding_virtuals": [{"name": h, "direction": "both", "source": h,
                                 "destination": None}],
        "nats": [{"name": h, "originating": h, "translation": h}],
        "snats": [{"name": h, "origins": [h], "translation": "automap"}],
        "gateway_self_ips": [{"name": h, "address": h, "floating": False}],
        "default_routes": [{"name": h, "route_domain": 2, "gateway": h}],
        "unknown_future_field": {"x": [1, 2]},
    }]}


def test_hostile_names_cannot_break_the_diagram() -> None:
    source = flowchart(_hostile_topology(), [
        Finding("R", "error", "fail", HOSTILE, "virtual_servers", HOSTILE, "m")])
    assert source is not None
    for line in source.splitlines()[1:]:
        if line.strip() == "end" or line.strip().startswith(("classDef", "class ", "style ")):
            continue
        assert NODE.match(line) or SUBGRAPH.match(line) or EDGE.match(line), line
    assert "<b>" not in source and "`" not in source and "\n  %%" not in source
    assert "d0_vip2" in _classes(source)["fail"]  # every node has that name: all fail


def test_label_escaping() -> None:
    assert text('a"b#c<d>e&f`g|h\\i') == "a#34;b#35;c#60;d#62;e#38;f#96;g#124;h#92;i"
    assert text("tab\tnew\nline") == "tab new line"
    assert label("a", None, "", "b<") == "a<br/>b#60;"


def test_topology_of_unexpected_shape_is_tolerated() -> None:
    assert flowchart({}, []) is None
    assert flowchart({"devices": "nope"}, []) is None
    odd = {"devices": [{"device": 1, "found": True, "edge_pools": [
        {"name": None, "vips": [None, {"role": None}], "servers": "x"}]}]}
    source = flowchart(odd, [])
    assert source is not None and source.startswith("flowchart LR")


def test_table_cells_are_escaped() -> None:
    assert cell("a|b") == "a\\|b"
    assert cell("<script>&") == "&lt;script&gt;&amp;"
    assert cell("x\ny") == "x<br>y"
    assert cell("*bold* _it_ [l](u) ~s~ `c`") == (
        "\\*bold\\* \\_it\\_ \\[l\\](u) \\~s\\~ \\`c\\`"
    )
    assert code("/Common/a|b") == "`/Common/a\\|b`"
    assert code("a`b") == "``a`b``"
    assert code("`a") == "`` `a ``"
    assert code("") == "-"


def test_findings_table() -> None:
    text_ = render("markdown", sample_report())
    rows = [line for line in text_.splitlines() if line.startswith("| ") and "`LYNC-" in line]
    assert len(rows) == 8
    assert rows[0].startswith("| error | fail | `LYNC-EDGE-AV-001` | bigip-a.example.com")
    messy = next(row for row in rows if "NET-002" in row)
    assert "100% &lt;A/V&gt; \\| \"loss\" &amp; \\`x\\`" in messy
    assert messy.count(" | ") == 6  # seven cells, the message's pipe escaped
    waived = next(row for row in rows if "nat_edge01" in row)
    assert "suppressed (waiver: F5 NAT-aware design accepted, CAB-1234)" in waived
    assert "<details>" not in text_


def test_show_passes_and_quiet() -> None:
    text_ = render("markdown", sample_report(), show_passes=True)
    assert "<details><summary>3 passed checks</summary>" in text_
    quiet = render("markdown", sample_report(), quiet=True)
    assert "```mermaid" not in quiet and "### Findings" not in quiet
    assert "| failed | 3 | 0 | 1 | 4 |" in quiet


def test_long_tables_are_cut_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown, "MAX_ROWS", 3)
    text_ = render("markdown", sample_report())
    assert "... and 5 more findings: see the JSON or SARIF report." in text_


def test_errors_are_listed() -> None:
    assert "- backups/bigip-c.ucs: archive is truncated (re-copy the file)" in render(
        "markdown", failed_report())
