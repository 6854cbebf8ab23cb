"""Waivers, inline suppressions (comments and descriptions) and baselines."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lyncpolicy.adapters.tmsh import parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.config import Config, Origin, Waiver, load_config
from lyncpolicy.errors import InputError
from lyncpolicy.findings import Finding, Severity, Status, Suppression
from lyncpolicy.model import Model
from lyncpolicy.suppressions import (
    Baseline,
    BaselineEntry,
    InlineSuppression,
    apply_baseline,
    apply_inline,
    apply_waivers,
    baseline_text,
    inline_index,
    load_baseline,
    parse_directives,
    suppress,
    waiver_matches,
    write_baseline,
)

TODAY = date(2026, 3, 1)


def finding(
    rule_id: str = "LYNC-EDGE-NAT-001",
    obj: str = "/Common/edge_av",
    device: str = "bigip1",
    status: Status = "fail",
    detail: str = "",
    severity: Severity = "warning",
) -> Finding:
    return Finding(
        rule_id, severity, status, obj, "virtual_servers", device, f"{rule_id} on {obj}",
        detail=detail,
    )


def waiver(rule: str = "LYNC-EDGE-NAT-001", line: int = 3, **kwargs: object) -> Waiver:
    return Waiver(rule, "accepted, CAB-1234", origin=Origin("lyncpolicy.yaml", line, 5),
                  **kwargs)  # type: ignore[arg-type]


# -- waivers ---------------------------------------------------------------------------------------


def test_waiver_matching_by_rule_prefix_object_glob_and_device_glob() -> None:
    f = finding()
    assert waiver_matches(waiver(), f)
    assert waiver_matches(waiver("LYNC-EDGE-NAT"), f)
    assert not waiver_matches(waiver("LYNC-EDGE-NAT-002"), f)
    assert waiver_matches(waiver(object_glob="/Common/edge_*"), f)
    assert waiver_matches(waiver(object_glob="/Common/edge_av"), f)
    assert not waiver_matches(waiver(object_glob="/Common/edge_av2"), f)
    assert not waiver_matches(waiver(object_glob="/Other/*"), f)
    assert waiver_matches(waiver(device_glob="bigip*"), f)
    assert not waiver_matches(waiver(device_glob="bigip2*"), f)
    assert not waiver_matches(waiver(object_glob="/common/edge_*"), f)  # case matters


def test_valid_waiver_suppresses_only_failing_findings() -> None:
    findings = [
        finding(),
        finding(status="pass"),
        finding(status="undetermined"),
        finding(obj="/Common/other"),
        finding("LYNC-EDGE-AV-001"),
    ]
    w = replace(
        waiver(object_glob="/Common/edge_*"),
        owner="net-team",
        ticket="CAB-1234",
        expires=date(2027, 6, 30),
    )
    applied = apply_waivers(findings, [w], today=TODAY)
    assert [f.status for f in applied.findings] == [
        "suppressed",
        "pass",
        "undetermined",
        "fail",
        "fail",
    ]
    assert applied.findings[0].suppression == Suppression(
        "waiver", "accepted, CAB-1234", "net-team", "CAB-1234", "2027-06-30"
    )
    assert applied.findings[0].fingerprint == findings[0].fingerprint
    assert findings[0].status == "fail"  # the input is not changed
    assert applied.diagnostics == ()


def test_first_matching_waiver_gives_the_suppression() -> None:
    first = replace(waiver("LYNC-EDGE-NAT"), reason="first")
    second = replace(waiver(line=9), reason="second")
    applied = apply_waivers([finding()], [first, second], today=TODAY)
    assert applied.findings[0].suppression is not None
    assert applied.findings[0].suppression.reason == "first"
    assert applied.diagnostics == ()  # both match a finding: neither is unused


def test_expired_waiver_no_longer_applies_and_warns() -> None:
    expired = waiver(expires=date(2026, 2, 28), object_glob="/Common/edge_*")
    applied = apply_waivers([finding(), finding(obj="/Common/edge_x")], [expired], today=TODAY)
    assert [f.status for f in applied.findings] == ["fail", "fail"]
    assert [str(d) for d in applied.diagnostics] == [
        "lyncpolicy.yaml:3: warning: waiver for LYNC-EDGE-NAT-001 on /Common/edge_* expired on "
        "2026-02-28 and no longer applies (2 failing finding(s) match it): renew it or fix the "
        "findings [WAIVER-EXPIRED]"
    ]


def test_waiver_applies_through_its_last_day_with_a_note() -> None:
    last_day = waiver(expires=TODAY)
    applied = apply_waivers([finding()], [last_day], today=TODAY)
    assert applied.findings[0].status == "suppressed"
    assert [str(d) for d in applied.diagnostics] == [
        "lyncpolicy.yaml:3: note: waiver for LYNC-EDGE-NAT-001 expires today, on 2026-03-01 "
        "(its last day) [WAIVER-EXPIRING]"
    ]


@pytest.mark.parametrize(
    ("expires", "codes"),
    [
        (date(2026, 3, 15), ["WAIVER-EXPIRING"]),  # 14 days
        (date(2026, 3, 16), []),  # 15 days
        (date(2026, 2, 28), ["WAIVER-EXPIRED"]),
        (None, []),
    ],
)
def test_expiry_notice_window(expires: date | None, codes: list[str]) -> None:
    applied = apply_waivers([finding()], [waiver(expires=expires)], today=TODAY)
    assert [d.code for d in applied.diagnostics] == codes
    if codes == ["WAIVER-EXPIRING"]:
        assert applied.diagnostics[0].message.endswith(
            "expires in 14 day(s), on 2026-03-15 (its last day)"
        )
        assert applied.diagnostics[0].level == "note"


def test_unused_waiver_is_a_note_with_its_location() -> None:
    unused = waiver("LYNC-EDGE-AV-001", line=12, object_glob="/Common/av*", device_glob="dc2-*")
    applied = apply_waivers([finding(), finding("LYNC-EDGE-AV-001")], [unused], today=TODAY)
    assert [str(d) for d in applied.diagnostics] == [
        "lyncpolicy.yaml:12: note: waiver for LYNC-EDGE-AV-001 on /Common/av* (device dc2-*) is "
        "unused: no failing finding matches it [WAIVER-UNUSED]"
    ]
    # A passing finding does not use a waiver.
    passing = apply_waivers([finding(status="pass")], [waiver()], today=TODAY)
    assert [d.code for d in passing.diagnostics] == ["WAIVER-UNUSED"]


def test_waiver_for_an_unknown_rule_warns_with_did_you_mean() -> None:
    typo = waiver("LYNC-EDGE-NAT-01X")
    applied = apply_waivers(
        [finding()], [typo], today=TODAY, rule_ids=["LYNC-EDGE-NAT-001", "LYNC-EDGE-AV-001"]
    )
    assert [str(d) for d in applied.diagnostics] == [
        "lyncpolicy.yaml:3: warning: waiver for LYNC-EDGE-NAT-01X names no known rule (did you "
        "mean 'LYNC-EDGE-NAT-001'?) [WAIVER-UNKNOWN-RULE]"
    ]


def test_waivers_from_a_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "lyncpolicy.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            version: 1
            waivers:
              - rule: LYNC-EDGE-NAT-001
                object: "/Common/edge*"
                reason: "F5 NAT-aware design accepted, CAB-1234"
                expires: 2027-06-30
              - rule: LYNC-EDGE-AV-004
                reason: old exception
                expires: 2026-01-31
              - rule: LYNC-GEN
                reason: nothing to waive
            """
        ),
        encoding="utf-8",
    )
    config = load_config(str(path))
    applied = apply_waivers(
        [finding(), finding("LYNC-EDGE-AV-004", severity="error")], config.waivers, today=TODAY
    )
    assert [f.status for f in applied.findings] == ["suppressed", "fail"]
    assert [str(d) for d in applied.diagnostics] == [
        f"{path}:7: warning: waiver for LYNC-EDGE-AV-004 expired on 2026-01-31 and no longer "
        "applies (1 failing finding(s) match it): renew it or fix the findings [WAIVER-EXPIRED]",
        f"{path}:10: note: waiver for LYNC-GEN is unused: no failing finding matches it "
        "[WAIVER-UNUSED]",
    ]


# -- inline ----------------------------------------------------------------------------------------


def test_parse_directives() -> None:
    (one,) = parse_directives(
        "# lyncpolicy: ignore[LYNC-EDGE-NET-005] fastL4 tuned upstream", path="b.conf", line=7
    )
    assert one == InlineSuppression(("LYNC-EDGE-NET-005",), "fastL4 tuned upstream", "b.conf", 7)
    (several,) = parse_directives("lyncpolicy:ignore[ LYNC-EDGE-AV-001 , LYNC-EDGE-NAT ] -- CAB-9")
    assert (several.rules, several.reason) == (("LYNC-EDGE-AV-001", "LYNC-EDGE-NAT"), "CAB-9")
    (bare,) = parse_directives("lyncpolicy: ignore[LYNC-EDGE-AV-001]")
    assert (bare.rules, bare.reason) == (("LYNC-EDGE-AV-001",), "")
    (bad,) = parse_directives("lyncpolicy: ignore[all, LYNC-FE-001] why")
    assert (bad.rules, bad.invalid) == (("LYNC-FE-001",), ("all",))
    first, second = parse_directives(
        "edge VIP lyncpolicy: ignore[LYNC-EDGE-AV-001] one\nlyncpolicy: ignore[LYNC-FE] two",
        path="x",
        line=10,
    )
    assert (first.reason, first.line, second.reason, second.line) == ("one", 10, "two", 11)
    assert parse_directives("lyncpolicy ignore LYNC-EDGE-AV-001") == []
    assert parse_directives("lyncpolicy: ignore LYNC-EDGE-AV-001") == []


def test_inline_with_and_without_reason() -> None:
    findings = [
        finding("LYNC-EDGE-NET-005", obj="/Common/fwd"),
        finding("LYNC-EDGE-AV-001", obj="/Common/av"),
        finding("LYNC-EDGE-AV-004", obj="/Common/av"),
        finding("LYNC-EDGE-AV-001", obj="/Common/av", device="bigip2"),
        finding("LYNC-EDGE-AV-006", obj="/Common/av", status="pass"),
    ]
    inline = {
        ("bigip1", "/Common/fwd"): parse_directives(
            "# lyncpolicy: ignore[LYNC-EDGE-NET-005] tuned by the upstream team",
            path="bigip.conf",
            line=40,
        ),
        ("bigip1", "/Common/av"): parse_directives(
            "lyncpolicy: ignore[LYNC-EDGE-AV-001]", path="bigip.conf", line=12
        ),
    }
    applied = apply_inline(findings, inline)
    assert [f.status for f in applied.findings] == ["suppressed", "suppressed", "fail", "fail",
                                                    "pass"]
    assert applied.findings[0].suppression == Suppression("inline", "tuned by the upstream team")
    assert applied.findings[1].suppression == Suppression("inline", "no reason given")
    assert [str(d) for d in applied.diagnostics] == [
        "bigip.conf:12: warning: inline suppression of LYNC-EDGE-AV-001 on /Common/av has no "
        "reason: write why after the ']' [INLINE-NO-REASON]"
    ]


def test_inline_unused_and_invalid_entries() -> None:
    inline = {
        ("bigip1", "/Common/av"): parse_directives(
            "lyncpolicy: ignore[LYNC-EDGE-NAT-002, nat] reason", path="bigip.conf", line=5
        )
    }
    applied = apply_inline([finding(obj="/Common/av")], inline)
    assert applied.findings[0].status == "fail"
    assert [str(d) for d in applied.diagnostics] == [
        "bigip.conf:5: warning: inline suppression of LYNC-EDGE-NAT-002 on /Common/av: not a "
        "rule ID: 'nat' [INLINE-INVALID]",
        "bigip.conf:5: note: unused inline suppression of LYNC-EDGE-NAT-002 on /Common/av: no "
        "failing finding there (device bigip1) [INLINE-UNUSED]",
    ]


TMSH = """\
ltm virtual /Common/edge_av {
    description "Lync A/V lyncpolicy: ignore[LYNC-EDGE-AV-001] media relay design, CAB-7"
    destination /Common/203.0.113.7:3478
    ip-protocol udp
}
# lyncpolicy: ignore[LYNC-EDGE-EXT-005] from a comment
ltm virtual /Common/edge_access {
    destination /Common/203.0.113.5:443
    ip-protocol tcp
}
ltm pool /Common/edge_pool {
    description "lyncpolicy: ignore[LYNC-EDGE-EXT-006]"
}
"""


def test_descriptions_and_comments_of_model_objects_suppress() -> None:
    device, _ = build_device([TmshInput(parse_text(TMSH, "bigip.conf"))], "bigip1")
    merged = inline_index(Model((device,)))
    assert sorted(merged) == [
        ("bigip1", "/Common/edge_access"),
        ("bigip1", "/Common/edge_av"),
        ("bigip1", "/Common/edge_pool"),
    ]
    assert merged[("bigip1", "/Common/edge_av")] == [
        InlineSuppression(("LYNC-EDGE-AV-001",), "media relay design, CAB-7", "bigip.conf", 2)
    ]
    # A comment directly above the object: located at the object's header line.
    assert merged[("bigip1", "/Common/edge_access")] == [
        InlineSuppression(("LYNC-EDGE-EXT-005",), "from a comment", "bigip.conf", 7)
    ]
    findings = [
        finding("LYNC-EDGE-AV-001", obj="/Common/edge_av", severity="error"),
        finding("LYNC-EDGE-EXT-005", obj="/Common/edge_access"),
        finding("LYNC-EDGE-EXT-006", obj="/Common/edge_pool"),
    ]
    applied = apply_inline(findings, merged)
    assert [(f.status, f.suppression and f.suppression.reason) for f in applied.findings] == [
        ("suppressed", "media relay design, CAB-7"),
        ("suppressed", "from a comment"),
        ("suppressed", "no reason given"),
    ]
    assert [str(d) for d in applied.diagnostics] == [
        "bigip.conf:12: warning: inline suppression of LYNC-EDGE-EXT-006 on /Common/edge_pool "
        "has no reason: write why after the ']' [INLINE-NO-REASON]"
    ]


# -- baselines -------------------------------------------------------------------------------------

BASELINE_FINDINGS = [
    finding("LYNC-EDGE-NET-002", obj="/Common/fwd_out", detail="address=203.0.113.31"),
    finding("LYNC-EDGE-AV-001", obj="/Common/edge_av"),
    finding("LYNC-EDGE-AV-001", obj="/Common/edge_av"),  # same fingerprint: one entry
    finding("LYNC-EDGE-NET-002", obj="/Common/fwd_out", detail="address=203.0.113.30"),
    finding("LYNC-EDGE-AV-006", obj="/Common/edge_av", status="pass"),
    finding("LYNC-EDGE-AV-004", obj="/Common/edge_av", status="undetermined"),
    replace(
        finding("LYNC-EDGE-NAT-001"),
        status="suppressed",
        suppression=Suppression("waiver", "accepted"),
    ),
]


def test_baseline_file_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert write_baseline(BASELINE_FINDINGS, str(first), today=TODAY, tool_version="9.9") == 3
    write_baseline(list(reversed(BASELINE_FINDINGS)), str(second), today=TODAY,
                   tool_version="9.9")
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text("utf-8"))
    av = BASELINE_FINDINGS[1]
    assert document == {
        "version": 1,
        "tool": "lyncpolicy",
        "tool_version": "9.9",
        "created": "2026-03-01",
        "entries": [
            {
                "fingerprint": av.fingerprint,
                "rule": "LYNC-EDGE-AV-001",
                "device": "bigip1",
                "object": "/Common/edge_av",
                "detail": "",
            },
            {
                "fingerprint": BASELINE_FINDINGS[3].fingerprint,
                "rule": "LYNC-EDGE-NET-002",
                "device": "bigip1",
                "object": "/Common/fwd_out",
                "detail": "address=203.0.113.30",
            },
            {
                "fingerprint": BASELINE_FINDINGS[0].fingerprint,
                "rule": "LYNC-EDGE-NET-002",
                "device": "bigip1",
                "object": "/Common/fwd_out",
                "detail": "address=203.0.113.31",
            },
        ],
    }
    assert first.read_text("utf-8").endswith("}\n")
    assert baseline_text([], today=TODAY, tool_version="1") == (
        '{\n  "version": 1,\n  "tool": "lyncpolicy",\n  "tool_version": "1",\n'
        '  "created": "2026-03-01",\n  "entries": []\n}\n'
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]  # no temp files


def test_baseline_round_trip_suppresses_known_and_reports_new_and_fixed(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    write_baseline(BASELINE_FINDINGS, str(path), today=TODAY)
    baseline = load_baseline(str(path))
    assert baseline.created == "2026-03-01"
    assert len(baseline.entries) == 3
    # Later: one old finding fixed (.31), a new one appears, line numbers moved.
    later = [
        finding("LYNC-EDGE-NET-002", obj="/Common/fwd_out", detail="address=203.0.113.30"),
        finding("LYNC-EDGE-AV-001", obj="/Common/edge_av"),
        finding("LYNC-EDGE-AV-001", obj="/Common/edge_av2"),
        finding("LYNC-EDGE-AV-006", obj="/Common/edge_av", status="pass"),
    ]
    applied = apply_baseline(later, baseline)
    assert [f.status for f in applied.findings] == ["suppressed", "suppressed", "fail", "pass"]
    assert applied.findings[0].suppression == Suppression(
        "baseline", f"recorded in baseline {path} (2026-03-01)"
    )
    assert applied.fixed == (
        BaselineEntry(
            "LYNC-EDGE-NET-002",
            "bigip1",
            "/Common/fwd_out",
            "address=203.0.113.31",
            BASELINE_FINDINGS[0].fingerprint,
        ),
    )
    assert [str(d) for d in applied.diagnostics] == [
        f"{path}: note: 1 of 3 baseline entries match no finding any more (fixed): write the "
        "baseline again to drop them [BASELINE-FIXED]"
    ]
    # Writing again after applying it keeps the entries the baseline suppressed.
    again = tmp_path / "again.json"
    assert write_baseline(applied.findings, str(again), today=TODAY) == 3
    assert load_baseline(str(again)).fingerprints == {f.fingerprint for f in later[:3]}


def test_baseline_entry_still_present_as_waived_is_not_fixed() -> None:
    waived = replace(
        finding(), status="suppressed", suppression=Suppression("waiver", "accepted")
    )
    entry = BaselineEntry(waived.rule_id, waived.device, waived.object_path, "",
                          waived.fingerprint)
    applied = apply_baseline([waived], Baseline("b.json", (entry,)))
    assert applied.findings == (waived,)
    assert (applied.fixed, applied.diagnostics) == ((), ())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", ":1: not a lyncpolicy baseline: invalid JSON (Expecting property name enclosed in "
              "double quotes, column 2)"),
        ("[]", ": not a lyncpolicy baseline: expected a JSON object"),
        ('{"version": 2, "entries": []}',
         ": not a lyncpolicy baseline: unsupported version 2 (expected 1)"),
        ('{"version": 1}', ": not a lyncpolicy baseline: 'entries' must be a list"),
        ('{"version": 1, "entries": [{"fingerprint": "ab"}]}',
         ": not a lyncpolicy baseline: entries[0] needs the strings fingerprint, rule, device, "
         "object, detail"),
        ('{"version": 1, "entries": [{"fingerprint": "XYZ", "rule": "R", "device": "d", '
         '"object": "o", "detail": ""}]}',
         ": not a lyncpolicy baseline: entries[0]: 'XYZ' is not a fingerprint"),
    ],
)
def test_bad_baseline_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_baseline(str(path))
    assert str(caught.value) == (
        f"{path}{message} (write one with `lyncpolicy scan ... --write-baseline FILE`)"
    )


def test_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_baseline(str(tmp_path / "none.json"))
    assert str(caught.value) == (
        f"{tmp_path / 'none.json'}: baseline file not found "
        "(write one with `lyncpolicy scan ... --write-baseline FILE`)"
    )


# -- all together ----------------------------------------------------------------------------------


def test_suppress_runs_inline_then_waivers_then_baseline() -> None:
    findings = [
        finding("LYNC-EDGE-AV-001", obj="/Common/a"),
        finding("LYNC-EDGE-AV-001", obj="/Common/b"),
        finding("LYNC-EDGE-AV-001", obj="/Common/c"),
        finding("LYNC-EDGE-AV-001", obj="/Common/d"),
    ]
    inline = {("bigip1", "/Common/a"): parse_directives("lyncpolicy: ignore[LYNC-EDGE-AV] x")}
    config = Config(waivers=(waiver("LYNC-EDGE-AV-001", object_glob="/Common/[ab]"),))
    baseline = Baseline(
        "b.json",
        tuple(
            BaselineEntry(f.rule_id, f.device, f.object_path, "", f.fingerprint)
            for f in findings[:3]
        ),
    )
    applied = suppress(findings, config, inline=inline, baseline=baseline, today=TODAY)
    kinds = [f.suppression.kind if f.suppression else f.status for f in applied.findings]
    assert kinds == ["inline", "waiver", "baseline", "fail"]
    assert applied.diagnostics == ()
    assert applied.fixed == ()
    unpacked, diagnostics = applied
    assert (unpacked, diagnostics) == (applied.findings, ())
