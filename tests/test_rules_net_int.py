"""The network and Edge internal rules (LYNC-EDGE-NET-001..009, LYNC-EDGE-INT-001..004).

End to end on every seed scenario and on ``examples/clean`` and ``examples/broken`` (the exact
failing findings of these thirteen rules, with the decisions of the authoring brief applied),
then focused cases on the scenario configurations edited in place: route domains (and their
parents), unknown inputs, HA against standalone, the intent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from lync_support import (
    EXAMPLES,
    SCENARIOS,
    Row,
    assert_examples_behave,
    assert_scenario,
    device_of,
    edit_block,
    example_text,
    failing,
    located_examples,
    lync_rules,
    remove_block,
    run_device,
    run_rules,
    statuses,
    with_unknown,
)

from lyncpolicy.addresses import Address, parse_address
from lyncpolicy.conditions import KINDS, ROLES_TYPE, Compiler, ConditionError, compile_condition
from lyncpolicy.engine import MEMO, Memo
from lyncpolicy.findings import Finding
from lyncpolicy.lync import net_int
from lyncpolicy.lync.common import DeviceFacts, snats_covering
from lyncpolicy.model import Device
from lyncpolicy.plugins import collect, make_plugin_manager
from lyncpolicy.topology import Topology, build_topology

NET = [f"LYNC-EDGE-NET-00{i}" for i in range(1, 10)]
INT = [f"LYNC-EDGE-INT-00{i}" for i in range(1, 5)]
RULES = NET + INT
DEVICE = "bigip1.example.com"

Texts = tuple[str, ...]


def uncovered(*addresses: str) -> list[Row]:
    return [("LYNC-EDGE-NET-002", "error", DEVICE, f"address={a}") for a in addresses]


GATEWAY_INFO: Row = ("LYNC-EDGE-NET-001", "info", "/Common/edge_dmz_float", "")
D_INTERNAL = [
    ("LYNC-EDGE-INT-003", "error", f"/Common/lync_edge.app/lync_edge_edge_internal_ip_{p}", "")
    for p in (443, 3478, 5061, 5062)
]
SECONDARY = ("203.0.113.20", "203.0.113.21", "203.0.113.30", "203.0.113.31")

# Folder -> the failing findings of the thirteen rules (decision (2): in e_nat_design_missing
# the missing NAT is LYNC-EDGE-NAT-002's alone, so NET-002 reports nothing there).
EXPECTED: Mapping[Path, list[Row]] = {
    SCENARIOS / "a_supported": [GATEWAY_INFO],
    SCENARIOS / "b_av_snat": [GATEWAY_INFO],
    SCENARIOS / "c_fwd_primary_only": [GATEWAY_INFO, *uncovered(*(f"{a}%9" for a in SECONDARY))],
    SCENARIOS / "d_iapp_internal_route": [GATEWAY_INFO, *D_INTERNAL],
    SCENARIOS / "e_nat_design": [GATEWAY_INFO],
    SCENARIOS / "e_nat_design_missing": [GATEWAY_INFO],
    EXAMPLES / "clean": [GATEWAY_INFO],
    EXAMPLES / "broken": [
        GATEWAY_INFO,
        *uncovered(*SECONDARY),
        ("LYNC-EDGE-NET-004", "warning", "/Common/edge_outbound_fwd", ""),
        ("LYNC-EDGE-INT-001", "error", DEVICE, "vip=172.25.33.5"),
    ],
}


# -- helpers ---------------------------------------------------------------------------------------


def texts_of(folder: Path) -> Texts:
    return tuple(p.read_text("utf-8") for p in sorted(folder.glob("*.conf")))


A = texts_of(SCENARIOS / "a_supported")
C = texts_of(SCENARIOS / "c_fwd_primary_only")
D = texts_of(SCENARIOS / "d_iapp_internal_route")
E = texts_of(SCENARIOS / "e_nat_design")
BROKEN = texts_of(EXAMPLES / "broken")


def example(name: str) -> Texts:
    return (example_text(name),)


def run(
    rule_ids: Sequence[str],
    texts: Texts,
    deployment: Mapping[str, Any] | None = None,
    unknown_kinds: Sequence[str] = (),
) -> list[Finding]:
    return run_device(rule_ids, bigip(texts, unknown_kinds), deployment)


def bigip(texts: Texts, unknown_kinds: Sequence[str] = ()) -> Device:
    """The device of these texts, named like the scenarios' BIG-IP."""
    return device_of(*texts, name=DEVICE, unknown_kinds=unknown_kinds)


def only(findings: Sequence[Finding], status: str = "fail") -> Finding:
    (found,) = [f for f in findings if f.status == status]
    return found


def edit(texts: Texts, header: str, old: str, new: str) -> Texts:
    """``texts`` with ``old`` replaced by ``new`` inside the top-level object ``header``."""
    out = tuple(edit_block(t, header, old, new) if header + " {\n" in t else t for t in texts)
    assert out != texts, header
    return out


def remove(texts: Texts, *headers: str) -> Texts:
    out = list(texts)
    for header in headers:
        (i,) = [n for n, t in enumerate(out) if header + " {\n" in t]
        out[i] = remove_block(out[i], header)
    return tuple(out)


def add(texts: Texts, block: str) -> Texts:
    return (*texts[:-1], texts[-1] + block.lstrip("\n"))


def gateways(address: str, **extra: object) -> dict[str, object]:
    servers = [{"name": n, "external_default_gateway": address} for n in ("edge01", "edge02")]
    return {"edge_pools": [{"name": "edgepool01.example.com", "servers": servers}], **extra}


def routes_via(address: str, **extra: object) -> dict[str, object]:
    servers = [
        {"name": "edge01", "internal": "172.25.33.10", "internal_routes_via": address},
        {"name": "edge02", "internal": "172.25.33.11", "internal_routes_via": address},
    ]
    return {"edge_pools": [{"name": "edgepool01.example.com", "servers": servers}], **extra}


SNAT_AUTOMAP = "    source-address-translation {\n        type automap\n    }\n"
DMZ_ONLY = "    vlans {\n        /Common/edge_dmz\n    }\n    vlans-enabled\n"


def snat_all_external(texts: Texts) -> Texts:
    for name in ("access_443", "access_5061", "webconf_443", "av_443", "av_3478"):
        texts = edit(
            texts,
            f"ltm virtual /Common/edge_{name}",
            "    translate-address enabled\n",
            SNAT_AUTOMAP + "    translate-address enabled\n",
        )
    return texts


# -- the seed scenarios and the examples -----------------------------------------------------------


@pytest.mark.parametrize("folder", list(EXPECTED), ids=lambda p: p.name)
def test_scenario_failing_findings(folder: Path) -> None:
    assert_scenario(folder, RULES, EXPECTED[folder])


@pytest.mark.parametrize(
    ("folder", "evaluated"),
    [
        # No virtual on 8057/23456: INT-002 selects nothing; every other rule checks something.
        (SCENARIOS / "a_supported", set(RULES) - {"LYNC-EDGE-INT-002"}),
        # The NAT design has no forwarding virtuals.
        (
            SCENARIOS / "e_nat_design",
            set(RULES) - {"LYNC-EDGE-INT-002", "LYNC-EDGE-NET-004", "LYNC-EDGE-NET-005"},
        ),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_every_rule_selects_objects(folder: Path, evaluated: set[str]) -> None:
    assert {f.rule_id for f in run_rules(folder, RULES)} == evaluated


def test_scenario_a_gateway_info_names_the_inferred_self_ip() -> None:
    info = only(run_rules(SCENARIOS / "a_supported", ["LYNC-EDGE-NET-001"]))
    assert info.message.startswith(
        "Edge external default gateway (/Common/edge_dmz_float, 203.0.113.1): cannot verify the "
        "Edge external default gateway without intent"
    )
    assert "Inferred: /Common/edge_dmz_float 203.0.113.1/26 on /Common/edge_dmz (floating)" in (
        info.message
    )
    assert info.remediation is not None
    assert "route -p add 0.0.0.0 mask 0.0.0.0 203.0.113.1`" in info.remediation.text


def test_scenario_c_names_each_missed_address_and_the_wider_source() -> None:
    findings = run_rules(SCENARIOS / "c_fwd_primary_only", ["LYNC-EDGE-NET-002"])
    assert [f.status for f in findings if f.detail.startswith("address=203.0.113.1")] == [
        "pass",
        "pass",
    ]
    (av,) = [f for f in findings if f.detail == "address=203.0.113.31%9"]
    assert av.message == (
        "Edge external address 203.0.113.31%9 (A/V, edge02) cannot leave through the BIG-IP: "
        "the source 203.0.113.8%9/29 of /Common/edge_outbound_fwd leaves it out; no ltm nat "
        "originates it and no ltm snat origin contains it"
    )
    assert av.remediation is not None
    assert (
        av.remediation.tmsh
        == "modify ltm virtual /Common/edge_outbound_fwd source 203.0.113.0%9/26"
    )


def test_scenario_d_int003_names_the_iapp_answer() -> None:
    findings = run_rules(SCENARIOS / "d_iapp_internal_route", ["LYNC-EDGE-INT-003"])
    finding = next(f for f in findings if f.object_path.endswith("_5062"))
    assert "route internal traffic via 172.25.33.254, which is not a BIG-IP floating self IP" in (
        finding.message
    )
    assert finding.remediation is not None
    assert "edge_internal_ip__snat = Yes" in finding.remediation.text
    assert finding.remediation.tmsh == (
        "modify sys application service /Common/lync_edge.app/lync_edge variables modify "
        "{ edge_internal_ip__snat { value No } } execute-action definition"
    )


def test_scenario_d_without_intent_int003_is_a_warning() -> None:
    findings = run(["LYNC-EDGE-INT-003"], D)
    assert {(f.status, f.severity) for f in findings} == {("fail", "warning")}
    assert len(findings) == 4
    assert "cannot verify the return path" in findings[0].message


def test_broken_int001_and_net004_messages_and_fixes() -> None:
    findings = run_rules(EXAMPLES / "broken", ["LYNC-EDGE-INT-001", "LYNC-EDGE-NET-004"])
    services = only([f for f in findings if f.rule_id == "LYNC-EDGE-INT-001"])
    assert services.message == (
        "Internal Edge VIP 172.25.33.5 does not load balance tcp/5062 (it has tcp/443, "
        "tcp/5061, udp/3478)"
    )
    assert services.remediation is not None and services.remediation.tmsh is not None
    assert services.remediation.tmsh.splitlines()[0] == (
        "create ltm pool /Common/edge_int_5062_pool { load-balancing-mode "
        "least-connections-member members replace-all-with { 172.25.33.10:5062 { } "
        "172.25.33.11:5062 { } } monitor /Common/tcp }"
    )
    scope = only([f for f in findings if f.rule_id == "LYNC-EDGE-NET-004"])
    assert scope.message == (
        "Edge forwarding virtual /Common/edge_outbound_fwd reaches too far: it is enabled on all "
        "VLANs (/Common/edge_int, /Common/external, /Common/ha included)"
    )
    assert scope.remediation is not None
    assert scope.remediation.tmsh == (
        "modify ltm virtual /Common/edge_outbound_fwd vlans replace-all-with "
        "{ /Common/edge_dmz } vlans-enabled"
    )


# -- NET-001 / NET-009: the Edge gateway -----------------------------------------------------------


def test_net001_declared_floating_self_passes() -> None:
    findings = run(["LYNC-EDGE-NET-001"], A, gateways("203.0.113.1"))
    assert statuses(findings) == [("/Common/edge_dmz_float", "", "pass", "error")]


def test_net001_declared_firewall_is_an_error_on_the_floating_self() -> None:
    findings = run(["LYNC-EDGE-NET-001"], A, gateways("203.0.113.62"))
    assert statuses(findings) == [("/Common/edge_dmz_float", "", "fail", "error")]
    assert "declared default gateway 203.0.113.62 (edge01, edge02) is not a BIG-IP self IP" in (
        findings[0].message
    )


def test_net001_every_external_vip_snat_passes() -> None:
    findings = run(["LYNC-EDGE-NET-001"], snat_all_external(A), gateways("203.0.113.62"))
    assert {f.status for f in findings} == {"pass"}
    assert {f.status for f in run(["LYNC-EDGE-NET-001"], snat_all_external(A))} == {"pass"}


def test_net001_unknown_snat_is_undetermined() -> None:
    device = bigip(A)
    for name in ("access_443", "access_5061", "webconf_443", "av_443", "av_3478"):
        device = with_unknown(device, "virtual_servers", f"/Common/edge_{name}", "snat_type")
    findings = run_device(["LYNC-EDGE-NET-001"], device, gateways("203.0.113.62"))
    assert {f.status for f in findings} == {"undetermined"}


def test_net001_route_domains_count() -> None:
    """203.0.113.1 is not 203.0.113.1%9: the declaration must carry the route domain."""
    findings = run(["LYNC-EDGE-NET-001"], C, gateways("203.0.113.1"))
    assert statuses(findings) == [("/Common/edge_dmz_float", "", "fail", "error")]
    findings = run(["LYNC-EDGE-NET-001"], C, gateways("203.0.113.1%9"))
    assert statuses(findings) == [("/Common/edge_dmz_float", "", "pass", "error")]


def test_declared_local_only_gateway_is_net009s() -> None:
    """A local-only gateway still routes through the BIG-IP (NET-001 passes); in an HA pair it
    does not survive a failover (NET-009 warns)."""
    findings = run(["LYNC-EDGE-NET-001", "LYNC-EDGE-NET-009"], A, gateways("203.0.113.2"))
    assert failing(findings) == [("LYNC-EDGE-NET-009", "warning", "/Common/edge_dmz_self", "")]
    standalone = run(["LYNC-EDGE-NET-009"], A, gateways("203.0.113.2", ha=False))
    assert {f.status for f in standalone} == {"pass"}


def test_net009_without_floating_self_in_ha() -> None:
    texts = remove(A, "net self /Common/edge_dmz_float")
    assert failing(run(["LYNC-EDGE-NET-009"], texts)) == [
        ("LYNC-EDGE-NET-009", "warning", "/Common/edge_dmz_self", "")
    ]
    # The local-only self beside the floating gateway is not the gateway.
    assert {f.status for f in run(["LYNC-EDGE-NET-009"], A)} == {"pass"}


# -- NET-002 / NET-003: leaving the BIG-IP ---------------------------------------------------------


def test_net002_forwarder_in_another_route_domain_covers_nothing() -> None:
    texts = edit(C, "ltm virtual /Common/edge_outbound_fwd", "0.0.0.0%9:0", "0.0.0.0:0")
    texts = edit(
        texts, "ltm virtual /Common/edge_outbound_fwd", "203.0.113.8%9/29", "203.0.113.0/26"
    )
    findings = run(["LYNC-EDGE-NET-002", "LYNC-EDGE-NET-006"], texts)
    rows = failing(findings)
    assert rows[:6] == uncovered(*(f"203.0.113.{n}%9" for n in (10, 11, 20, 21, 30, 31)))
    assert rows[6] == ("LYNC-EDGE-NET-006", "error", DEVICE, "mismatched=/Common/edge_outbound_fwd")
    assert "/Common/edge_outbound_fwd forwards in route domain 0, not in route domain 9" in (
        findings[0].message
    )


def test_net002_forwarder_not_on_the_edge_vlan() -> None:
    texts = edit(A, "ltm virtual /Common/edge_outbound_fwd", "/Common/edge_dmz", "/Common/external")
    assert failing(run(["LYNC-EDGE-NET-002"], texts)) == uncovered(
        *(f"203.0.113.{n}" for n in (10, 11, 20, 21, 30, 31))
    )


def test_net002_snat_out_covers_access_but_not_av() -> None:
    findings = run(["LYNC-EDGE-NET-002"], example("LYNC-EDGE-NET-002/fail-av-only-snat.conf"))
    assert failing(findings) == uncovered("203.0.113.30", "203.0.113.31")
    assert "covered only by ltm snat /Common/edge_dmz_out" in only(findings[4:5]).message
    passing = run(
        ["LYNC-EDGE-NET-002"], example("LYNC-EDGE-NET-002/pass-access-snat-av-forwarded.conf")
    )
    assert {f.status for f in passing} == {"pass"}


def test_net002_unknown_forwarders_and_nats_are_undetermined() -> None:
    texts = remove(A, "ltm virtual /Common/edge_outbound_fwd")
    findings = run(["LYNC-EDGE-NET-002"], texts, unknown_kinds=["forwarding_virtuals", "nats"])
    assert {f.status for f in findings} == {"undetermined"}
    assert len(findings) == 6
    # Known forwarders still decide.
    findings = run(["LYNC-EDGE-NET-002"], A, unknown_kinds=["forwarding_virtuals", "nats"])
    assert {f.status for f in findings} == {"pass"}


def test_net002_without_forwarder_proposes_one() -> None:
    findings = run(["LYNC-EDGE-NET-002"], remove(C, "ltm virtual /Common/edge_outbound_fwd"))
    fixes = {f.remediation.tmsh for f in findings if f.remediation}
    assert fixes == {
        "create ltm virtual /Common/edge_outbound_fwd { destination 0.0.0.0%9:0 mask any "
        "ip-forward ip-protocol any source 203.0.113.0%9/26 profiles replace-all-with "
        "{ /Common/fastL4 } translate-address disabled translate-port disabled "
        "vlans replace-all-with { /Common/edge_dmz } vlans-enabled }"
    }


def test_net003_dmz_snat_av_error_access_warning() -> None:
    findings = run(["LYNC-EDGE-NET-003"], example("LYNC-EDGE-NET-003/fail-dmz-snat-automap.conf"))
    assert failing(findings) == sorted(
        (
            "LYNC-EDGE-NET-003",
            "error" if n >= 30 else "warning",
            DEVICE,
            f"address=203.0.113.{n}; translated_by=/Common/edge_dmz_out",
        )
        for n in (10, 11, 20, 21, 30, 31)
    )
    assert {f.remediation.tmsh for f in findings if f.remediation} == {
        "delete ltm snat /Common/edge_dmz_out"
    }


def test_net003_snat_on_another_vlan_passes() -> None:
    snat = (
        "ltm snat /Common/internal_out {\n    automap\n    origins {\n        0.0.0.0/0 { }\n"
        "    }\n    vlans {\n        /Common/edge_int\n    }\n    vlans-enabled\n}\n"
    )
    assert {f.status for f in run(["LYNC-EDGE-NET-003"], add(A, snat))} == {"pass"}


def test_net003_irule_snat_on_the_forwarder() -> None:
    rule = "ltm rule /Common/fwd_snat {\nwhen CLIENT_ACCEPTED {\n    snat automap\n}\n}\n"
    texts = edit(
        add(A, rule),
        "ltm virtual /Common/edge_outbound_fwd",
        "    source 203.0.113.0/26\n",
        "    rules {\n        /Common/fwd_snat\n    }\n    source 203.0.113.0/26\n",
    )
    findings = run(["LYNC-EDGE-NET-003", "LYNC-EDGE-NET-002"], texts)
    rows = failing(findings)
    assert (
        "LYNC-EDGE-NET-003",
        "error",
        DEVICE,
        "address=203.0.113.30; translated_by=/Common/edge_outbound_fwd",
    ) in rows
    # The A/V addresses have no untranslated way out either.
    assert uncovered("203.0.113.30", "203.0.113.31") == [r for r in rows if r[0].endswith("002")]
    assert {f.remediation.tmsh for f in findings if f.remediation and "003" in f.rule_id} == {
        "modify ltm virtual /Common/edge_outbound_fwd rules none"
    }


# -- NET-004: forwarding scope ---------------------------------------------------------------------


def test_net004_parent_route_domain_reaches_the_internal_side() -> None:
    texts = edit(
        C, "net route-domain /Common/rd9", "    id 9\n", "    id 9\n    parent /Common/0\n"
    )
    finding = only(run(["LYNC-EDGE-NET-004"], texts))
    assert finding.object_path == "/Common/edge_outbound_fwd"
    assert "into 172.25.33.0/24 (the Edge internal network)" in finding.message
    assert "into 10.0.0.0/8 (routed by /Common/internal_clients via 172.25.33.254)" in (
        finding.message
    )
    assert finding.remediation is not None and finding.remediation.tmsh is not None
    assert finding.remediation.tmsh.splitlines()[0] == (
        "create ltm virtual /Common/edge_dmz_reject_172_25_33_0_rd9_24 { destination "
        "172.25.33.0%9:0 mask 255.255.255.0 reject ip-protocol any profiles replace-all-with "
        "{ /Common/fastL4 } vlans replace-all-with { /Common/edge_dmz } vlans-enabled }"
    )


def test_net004_partial_reject_leaves_the_rest_reachable() -> None:
    texts = edit(
        A, "ltm virtual /Common/edge_dmz_reject_edge_int", "255.255.255.0", "255.255.255.128"
    )
    finding = only(run(["LYNC-EDGE-NET-004"], texts))
    assert "no more specific virtual on /Common/edge_dmz takes 172.25.33.128/25 first" in (
        finding.message
    )


def test_net004_tcp_only_reject_does_not_block_udp() -> None:
    texts = edit(
        A,
        "ltm virtual /Common/edge_dmz_reject_edge_int",
        "    reject\n",
        "    ip-protocol tcp\n    reject\n",
    )
    assert only(run(["LYNC-EDGE-NET-004"], texts)).object_path == "/Common/edge_outbound_fwd"


def test_net004_scope_of_each_direction() -> None:
    outbound = edit(
        A,
        "ltm virtual /Common/edge_outbound_fwd",
        "        /Common/edge_dmz\n",
        "        /Common/edge_dmz\n        /Common/external\n",
    )
    assert (
        "it is also enabled on /Common/external"
        in only(run(["LYNC-EDGE-NET-004"], outbound)).message
    )
    inbound = edit(
        A,
        "ltm virtual /Common/edge_inbound_fwd",
        "        /Common/external\n",
        "        /Common/edge_int\n        /Common/external\n",
    )
    finding = only(run(["LYNC-EDGE-NET-004"], inbound))
    assert finding.object_path == "/Common/edge_inbound_fwd"
    assert "it is also enabled on /Common/edge_int" in finding.message


# -- NET-005: fastL4 tuning ------------------------------------------------------------------------


def test_net005_forwarder_without_profile_has_tmos_defaults() -> None:
    texts = edit(
        A,
        "ltm virtual /Common/edge_outbound_fwd",
        "    profiles {\n        /Common/edge_fwd_fastl4 { }\n    }\n",
        "",
    )
    finding = only(run(["LYNC-EDGE-NET-005"], texts))
    assert finding.object_path == "/Common/edge_outbound_fwd"
    assert finding.message == (
        "Edge forwarding virtual /Common/edge_outbound_fwd uses fastL4 profile /Common/fastL4 "
        "with loose-initialization disabled, loose-close disabled. Also: idle-timeout 300 (the "
        "reader comment's profile uses immediate)"
    )


def test_net005_custom_profile_is_modified() -> None:
    findings = run(["LYNC-EDGE-NET-005"], example("LYNC-EDGE-NET-005/fail-loose-init-only.conf"))
    assert {f.remediation.tmsh for f in findings if f.remediation} == {
        "modify ltm profile fastl4 /Common/edge_fwd_fastl4 loose-initialization enabled "
        "loose-close enabled"
    }
    assert {"loose-close disabled" in f.message for f in findings} == {True}


# -- NET-006 / NET-007: route domains and the default route ----------------------------------------


def test_net006_vlan_outside_the_edge_route_domain() -> None:
    texts = edit(C, "net route-domain /Common/rd9", "        /Common/external\n", "")
    texts = edit(
        texts,
        "net route-domain /Common/0",
        "        /Common/ha\n",
        "        /Common/ha\n        /Common/external\n",
    )
    finding = only(run(["LYNC-EDGE-NET-006"], texts))
    assert finding.detail == "mismatched=/Common/external"
    assert finding.remediation is not None
    assert (
        finding.remediation.tmsh
        == "modify net route-domain /Common/rd9 vlans add { /Common/external }"
    )


def test_net006_nat_in_another_route_domain() -> None:
    texts = edit(
        E,
        "ltm nat /Common/edge01_av_nat",
        "originating-address 10.45.16.30",
        "originating-address 10.45.16.30%5",
    )
    finding = only(
        run(["LYNC-EDGE-NET-006"], texts, {"edge_pools": [{"external_addressing": "nat"}]})
    )
    assert finding.detail == "mismatched=/Common/edge01_av_nat"
    assert "originates 10.45.16.30%5 (route domain 5), not the Edge server address 10.45.16.30" in (
        finding.message
    )


def test_net006_members_in_another_route_domain() -> None:
    finding = only(run(["LYNC-EDGE-NET-006"], example("LYNC-EDGE-NET-006/fail-members-rd0.conf")))
    assert finding.detail == "mismatched=/Common/edge_av_3478, /Common/edge_av_443"


def test_net007_missing_default_route() -> None:
    texts = remove(A, "net route /Common/default_gw")  # sys management-route does not count
    finding = only(run(["LYNC-EDGE-NET-007"], texts))
    assert finding.message == (
        f"BIG-IP {DEVICE} has no usable default route for the Edge: no default route in route "
        "domain 0 (default routes: none)"
    )


def test_net007_rd0_route_for_rd9_edge() -> None:
    finding = only(
        run(["LYNC-EDGE-NET-007"], example("LYNC-EDGE-NET-007/fail-rd0-route-only.conf"))
    )
    assert finding.remediation is not None
    assert (
        finding.remediation.tmsh
        == "create net route /Common/default_rd9 { network default%9 gw 198.51.100.1%9 }"
    )


def test_net007_gateway_on_the_edge_dmz_is_one_arm_unless_upstream_is_declared() -> None:
    texts = edit(A, "net route /Common/default_gw", "gw 198.51.100.1", "gw 203.0.113.62")
    assert {f.status for f in run(["LYNC-EDGE-NET-007"], texts)} == {"pass"}
    declared = {"vlans": {"upstream": "/Common/external"}}
    finding = only(run(["LYNC-EDGE-NET-007"], texts, declared))
    assert finding.message.endswith(
        "the gateway 203.0.113.62 of /Common/default_gw is on /Common/edge_dmz, not on the "
        "upstream VLAN /Common/external"
    )
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "modify net route /Common/default_gw gw <upstream router in 198.51.100.0/24>"
    )


def test_net007_gateway_on_an_edge_server() -> None:
    texts = edit(A, "net route /Common/default_gw", "gw 198.51.100.1", "gw 203.0.113.10")
    assert only(run(["LYNC-EDGE-NET-007"], texts)).message.endswith(
        "/Common/default_gw points at the Edge server address 203.0.113.10"
    )


# -- NET-008 ---------------------------------------------------------------------------------------


def test_net008_one_arm_is_info_and_no_leg_is_an_error() -> None:
    one_arm = run(["LYNC-EDGE-NET-008"], example("LYNC-EDGE-NET-008/fail-one-arm-info.conf"))
    assert failing(one_arm) == [("LYNC-EDGE-NET-008", "info", DEVICE, "")]
    no_leg = run(["LYNC-EDGE-NET-008"], example("LYNC-EDGE-NET-008/fail-no-leg.conf"))
    assert failing(no_leg) == [("LYNC-EDGE-NET-008", "error", DEVICE, "")]
    assert "No BIG-IP self IP holds the A/V Edge addresses 203.0.113.30, 203.0.113.31" in (
        no_leg[0].message
    )


def test_net008_no_leg_is_fine_when_the_av_vips_snat() -> None:
    texts = snat_all_external(
        remove(A, "net self /Common/edge_dmz_float", "net self /Common/edge_dmz_self")
    )
    assert {f.status for f in run(["LYNC-EDGE-NET-008"], texts)} == {"pass"}


def test_net008_shared_subnet() -> None:
    finding = only(run(["LYNC-EDGE-NET-008"], example("LYNC-EDGE-NET-008/fail-shared-subnet.conf")))
    assert finding.severity == "error"
    assert "the self IP subnet 203.0.113.0/26 holds Edge external" in finding.message


# -- INT-001 / INT-002 -----------------------------------------------------------------------------


def test_int001_any_protocol_serves_udp() -> None:
    texts = edit(A, "ltm virtual /Common/edge_int_3478", "ip-protocol udp", "ip-protocol any")
    assert {f.status for f in run(["LYNC-EDGE-INT-001"], texts)} == {"pass"}


def test_int001_wrong_protocol_is_fixed_in_place() -> None:
    finding = only(run(["LYNC-EDGE-INT-001"], example("LYNC-EDGE-INT-001/fail-3478-tcp.conf")))
    assert finding.detail == "vip=172.25.33.5"
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "modify ltm virtual /Common/edge_int_3478 ip-protocol udp profiles replace-all-with "
        "{ /Common/lync_edge_fastl4 }"
    )


def test_int001_rejects_bad_services() -> None:
    predicates = {p.name: p for p in net_int.PREDICATES}
    compiler = Compiler(predicates, {"device": Device, "topology": Topology, "vip": Address})
    node = {"lync.int-vip-services": {"address": "vip", "services": ["sctp/1"]}}
    with pytest.raises(ConditionError, match="a service is 'tcp/5061' or 'udp/3478'"):
        compile_condition(node, compiler)


def test_int002_xmpp_to_the_edge_internal_addresses() -> None:
    pool = (
        "ltm pool /Common/xmpp_pool {\n    members {\n        /Common/172.25.33.10:23456 {\n"
        "            address 172.25.33.10\n        }\n    }\n}\n"
        "ltm virtual /Common/xmpp {\n    destination /Common/10.20.30.40:23456\n"
        "    ip-protocol tcp\n    mask 255.255.255.255\n    pool /Common/xmpp_pool\n}\n"
    )
    finding = only(run(["LYNC-EDGE-INT-002"], add(A, pool)))
    assert finding.message == (
        "/Common/xmpp load balances the internal XMPP gateway service (10.20.30.40:23456), which "
        "must reach each Edge server directly: its pool /Common/xmpp_pool load balances the Edge "
        "internal addresses 172.25.33.10"
    )
    assert finding.remediation is not None
    assert (
        finding.remediation.tmsh
        == "delete ltm virtual /Common/xmpp\ndelete ltm pool /Common/xmpp_pool"
    )


# -- INT-003 / INT-004 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("via", "ha", "status"),
    [
        ("172.25.33.1", True, "pass"),  # the floating self IP
        ("172.25.33.2", True, "fail"),  # local-only in an HA pair
        ("172.25.33.2", False, "pass"),  # a standalone unit owns it
        ("172.25.33.254", True, "fail"),  # the internal firewall
    ],
)
def test_int003_declared_next_hop(via: str, ha: bool, status: str) -> None:
    findings = run(["LYNC-EDGE-INT-003"], D, routes_via(via, ha=ha))
    assert {(f.status, f.severity) for f in findings} == {(status, "error")}


def test_int003_clients_on_the_edge_internal_subnet() -> None:
    intent = {"internal_networks": ["172.25.33.0/24"]}
    findings = run(["LYNC-EDGE-INT-003"], D, intent)
    assert {(f.status, f.severity) for f in findings} == {("fail", "error")}
    assert "are on the Edge internal subnet" in findings[0].message


def test_int003_plain_virtual_gets_the_snat_command() -> None:
    texts = example("LYNC-EDGE-INT-003/fail-no-snat-next-hop-not-bigip.conf")
    findings = run(["LYNC-EDGE-INT-003"], texts, routes_via("172.25.33.1"))
    finding = next(f for f in findings if f.object_path == "/Common/edge_int_5062")
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "modify ltm virtual /Common/edge_int_5062 source-address-translation { type automap }"
    )
    assert "iApp" not in finding.remediation.text


def test_int004_external_vip_on_all_vlans() -> None:
    texts = edit(
        A,
        "ltm virtual /Common/edge_av_3478",
        "    vlans {\n        /Common/external\n    }\n    vlans-enabled\n",
        "",
    )
    finding = only(run(["LYNC-EDGE-INT-004"], texts))
    assert finding.object_path == "/Common/edge_av_3478"
    assert finding.message.endswith(
        "is exposed: it is enabled on all VLANs, including an Edge VLAN /Common/edge_dmz, "
        "/Common/edge_int"
    )


def test_holds_edge_address_says_what_the_some_clause_says() -> None:
    """`lync.net-holds-edge-address` is the NET-001/NET-009 `where` clause, indexed."""
    registry = collect(make_plugin_manager(load_entrypoints=False))
    compiler = Compiler(
        registry.predicates,
        {"object": KINDS["self_ips"], "device": Device, "roles": ROLES_TYPE, "topology": Topology},
    )
    indexed = compile_condition(
        {"lync.net-holds-edge-address": {"network": "object.network"}}, compiler
    )
    quantified = compile_condition(
        {
            "some": {
                "over": "topology.edge_external_addresses",
                "as": "a",
                "condition": {"contains-address": {"network": "object.network", "address": "a"}},
            }
        },
        compiler,
    )
    seen: set[str] = set()
    for texts, intent in ((A, None), (BROKEN, None), (D, routes_via("172.25.33.1"))):
        device = device_of(*texts)
        topology = build_topology(device, intent)
        no_network = dataclasses.replace(next(iter(device.self_ips.values())), name="/Common/x")
        no_network = dataclasses.replace(no_network, network=None, address=None)
        memo = Memo()
        for self_ip in (*device.self_ips.values(), no_network):
            scope = {"object": self_ip, "device": device, "topology": topology, MEMO: memo}
            status = indexed(scope).status
            assert status == quantified(scope).status, self_ip.name
            seen.add(status.value)
    assert seen == {"pass", "fail"}


# -- the rule files --------------------------------------------------------------------------------


def test_predicates_are_documented() -> None:
    names = [p.name for p in net_int.PREDICATES]
    assert len(names) == len(set(names))
    for predicate in net_int.PREDICATES:
        assert predicate.name.startswith(("lync.net-", "lync.int-"))
        assert predicate.summary and predicate.example.startswith(predicate.name)


def test_rule_files_match_the_catalog() -> None:
    loaded = lync_rules(*RULES)
    assert [r.id for r in loaded] == RULES
    severities = {r.id: r.severity for r in loaded}
    # Decisions: NET-005 warning, NET-009 new (warning), INT-001 error.
    assert severities["LYNC-EDGE-NET-005"] == "warning"
    assert severities["LYNC-EDGE-NET-009"] == "warning"
    assert severities["LYNC-EDGE-INT-001"] == "error"
    for rule in loaded:
        assert rule.metadata["catalog"] == rule.id
        assert {"lync", "edge"} <= set(rule.tags)
        assert rule.examples is not None and rule.examples.fail and rule.examples.passing


def test_rule_examples_behave() -> None:
    assert_examples_behave(lync_rules(*RULES))


def test_net004_a_more_specific_forwarder_beats_the_reject() -> None:
    """BIG-IP picks the most specific destination: a /25 forwarder wins over the /24 reject."""
    forwarder = (
        "ltm virtual /Common/edge_to_int_fwd {\n    destination /Common/172.25.33.0:0\n"
        "    ip-forward\n    mask 255.255.255.128\n    source 203.0.113.0/26\n"
        "    translate-address disabled\n    translate-port disabled\n"
        f"{DMZ_ONLY}}}\n"
    )
    findings = run(["LYNC-EDGE-NET-004"], add(A, forwarder))
    finding = only(findings)
    assert finding.object_path == "/Common/edge_to_int_fwd"
    assert (
        "routes Edge external traffic into 172.25.33.0/24 (the Edge internal network): no more "
        "specific virtual on /Common/edge_dmz takes 172.25.33.0/25 first"
    ) in finding.message


# -- unknown inputs (Terraform): undetermined, never pass or fail ----------------------------------

INT_443 = "/Common/lync_edge.app/lync_edge_edge_internal_ip_443"


@pytest.mark.parametrize(
    ("rule", "texts", "virtual", "field", "deployment", "subject"),
    [
        ("LYNC-EDGE-NET-004", A, "/Common/edge_outbound_fwd", "vlans", None, None),
        ("LYNC-EDGE-NET-005", A, "/Common/edge_outbound_fwd", "profiles", None, None),
        ("LYNC-EDGE-INT-001", BROKEN, "/Common/edge_int_443", "port", None, DEVICE),
        ("LYNC-EDGE-INT-003", D, INT_443, "snat_type", routes_via("172.25.33.1"), None),
        ("LYNC-EDGE-INT-004", A, "/Common/edge_int_443", "vlans_mode", None, None),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("LYNC") else "",
)
def test_unknown_field_is_undetermined(
    rule: str,
    texts: Texts,
    virtual: str,
    field: str,
    deployment: Mapping[str, Any] | None,
    subject: str | None,
) -> None:
    device = with_unknown(bigip(texts), "virtual_servers", virtual, field)
    findings = run_device([rule], device, deployment)
    subject = subject or virtual
    assert {f.status for f in findings if f.object_path == subject} == {"undetermined"}
    assert {f.status for f in findings if f.object_path != subject} <= {"pass"}


@pytest.mark.parametrize(
    ("rule", "kinds"),
    [("LYNC-EDGE-NET-003", ["snats"]), ("LYNC-EDGE-NET-007", ["routes"])],
)
def test_unknown_kind_is_undetermined(rule: str, kinds: list[str]) -> None:
    assert {f.status for f in run([rule], A, unknown_kinds=kinds)} == {"undetermined"}


# -- device-level findings are located -------------------------------------------------------------

# (example, object) pairs: each failing finding of a device-level rule's fail examples points at
# the object to fix (its `at` witness), whose file and line the finding takes.
DEVICE_LEVEL_AT: dict[str, list[tuple[str, str]]] = {
    "LYNC-EDGE-NET-002": [
        # No forwarder at all: the Edge gateway self IP.
        ("fail-av-only-snat.conf", "/Common/edge_dmz_float"),
        ("fail-no-outbound-path.conf", "/Common/edge_dmz_float"),
        # The outbound forwarder whose source leaves the secondary addresses out.
        ("fail-primary-only-rd9.conf", "/Common/edge_outbound_fwd"),
    ],
    "LYNC-EDGE-NET-003": [
        ("fail-dmz-snat-automap.conf", "/Common/edge_dmz_out"),
        ("fail-forwarder-automap.conf", "/Common/edge_outbound_fwd"),
    ],
    "LYNC-EDGE-NET-006": [
        ("fail-forwarder-source-rd0.conf", "/Common/edge_outbound_fwd"),
        ("fail-members-rd0.conf", "/Common/edge_av_3478"),
    ],
    "LYNC-EDGE-NET-007": [
        ("fail-gateway-in-edge-dmz.conf", "/Common/default_gw"),
        ("fail-gateway-on-edge-internal.conf", "/Common/default_gw"),
        # No default route in route domain 9: the route domain.
        ("fail-rd0-route-only.conf", "/Common/rd9"),
    ],
    "LYNC-EDGE-NET-008": [
        ("fail-no-leg.conf", "/Common/edge_av_3478"),
        ("fail-one-arm-info.conf", "/Common/external"),
        ("fail-shared-subnet.conf", "/Common/edge_dmz_float"),
    ],
    # The first virtual server of the internal VIP.
    "LYNC-EDGE-INT-001": [
        ("fail-3478-tcp.conf", "/Common/edge_int_3478"),
        ("fail-no-5062.conf", "/Common/edge_int_3478"),
    ],
}


@pytest.mark.parametrize("rule_id", sorted(DEVICE_LEVEL_AT))
def test_device_level_findings_point_at_the_object_to_fix(rule_id: str) -> None:
    assert located_examples(rule_id) == DEVICE_LEVEL_AT[rule_id]


def test_net002_in_examples_broken_points_at_the_forwarder_to_widen() -> None:
    findings = [
        f for f in run_rules(EXAMPLES / "broken", ["LYNC-EDGE-NET-002"]) if f.status == "fail"
    ]
    assert len(findings) == 4
    for finding in findings:
        assert finding.witnesses["at"] == "/Common/edge_outbound_fwd"
        assert finding.detail.startswith("address=")  # the fingerprint is unchanged
        assert finding.source is not None and finding.source.file.endswith("broken/bigip.conf")


# -- the forwarder and SNAT indexes against a full scan --------------------------------------------


def _forwarder(name: str, destination: str, source: str | None, mask: str = "any") -> str:
    source_line = f"    source {source}\n" if source else ""
    return (
        f"ltm virtual /Common/{name} {{\n    destination /Common/{destination}\n    ip-forward\n"
        f"    mask {mask}\n{source_line}    translate-address disabled\n"
        f"    translate-port disabled\n{DMZ_ONLY}}}\n"
    )


def _snat(name: str, *origins: str) -> str:
    listed = "".join(f"        {o} {{ }}\n" for o in origins)
    return f"ltm snat /Common/{name} {{\n    automap\n    origins {{\n{listed}    }}\n}}\n"


INDEXED_EXTRA = "".join(
    [
        _forwarder("fwd_a_rd9_wide", "0.0.0.0%9:0", "0.0.0.0%9/0"),
        _forwarder("fwd_b_rd9_host", "0.0.0.0%9:0", "203.0.113.10%9/32"),
        _forwarder("fwd_c_rd0_slash28", "0.0.0.0:0", "203.0.113.16/28"),
        _forwarder("fwd_d_rd0_nosource", "0.0.0.0:0", None),
        _forwarder("fwd_e_rd9_nosource", "0.0.0.0%9:0", None),
        _forwarder("fwd_f_rd0_private", "10.0.0.0:0", "203.0.113.0/24", "255.0.0.0"),
        _forwarder("fwd_g_v6", "any6.0", "2001:db8::/32", "any6"),
        _forwarder("fwd_h_rd9_slash30", "0.0.0.0%9:0", "203.0.113.20%9/30"),
        _forwarder("fwd_i_rd0_other", "0.0.0.0:0", "198.51.100.0/24"),
        _forwarder("fwd_j_unknown_source", "0.0.0.0:0", "203.0.113.0/26"),
        _forwarder("fwd_k_unknown_vlans", "0.0.0.0:0", "192.0.2.0/24"),
        _snat("snat_a", "203.0.113.0/26", "203.0.113.10/32"),
        _snat("snat_b", "203.0.113.16/28"),
        _snat("snat_c", "203.0.113.10%9/32"),
        _snat("snat_d", "2001:db8::/64"),
    ]
)
PROBES = [
    "203.0.113.10",
    "203.0.113.10%9",
    "203.0.113.21",
    "203.0.113.21%9",
    "203.0.113.31%9",
    "203.0.113.200",
    "198.51.100.7%9",
    "192.0.2.1",
    "10.1.2.3",
    "2001:db8::5",
    "2001:db8:1::5%9",
]


def _full_scan(facts: DeviceFacts, address: Address) -> tuple[list[str], list[str], list[str]]:
    """Unsure and letting-out forwarders, then the misses, by a scan of every forwarder."""
    unsure: list[str] = []
    found: list[str] = []
    misses: list[str] = []
    for vs in net_int._edge_forwarders(facts):
        verdict, why = net_int._forwarder_verdict(facts, vs, address)
        if verdict == "unsure":
            unsure.append(vs.name)
        elif verdict == "found":
            found.append(vs.name)
        elif verdict == "miss":
            misses.append(why)
    return unsure, found, misses


@pytest.mark.parametrize("texts", [A, C, BROKEN], ids=["a", "c", "broken"])
def test_forwarder_and_snat_indexes_match_a_full_scan(texts: Texts) -> None:
    device = bigip(add(texts, INDEXED_EXTRA))
    for name, field in (("j_unknown_source", "source_network"), ("k_unknown_vlans", "vlans")):
        device = with_unknown(device, "virtual_servers", f"/Common/fwd_{name}", field)
    device = with_unknown(device, "snats", "/Common/snat_b", "vlans")
    topology = build_topology(device)
    facts = DeviceFacts(device, topology)
    probes = [*topology.edge_external_addresses, *map(parse_address, PROBES)]
    seen: set[str] = set()
    for address in probes:
        unsure, found, misses = _full_scan(facts, address)
        exits = net_int._exits(facts, address)
        assert [n for n in exits.unsure if n.startswith("/Common/fwd")] == unsure
        assert [e.name for e in exits.found if e.kind == "forwarder"] == found
        assert net_int._forwarder_misses(facts, address)[0] == misses
        seen.update(k for k, v in (("unsure", unsure), ("found", found), ("miss", misses)) if v)
        other_rd = any("forwards in route domain" in m for m in misses)
        seen.update(["other route domain"] * other_rd)
        unsure_snats: list[str] = []
        brute = [
            s.name
            for s in facts.snats
            if not (s.unknown & {"origins", "vlans", "vlans_mode", "enabled"})
            and s.enabled
            and any(o.contains(address) for o in s.origins)
        ]
        covering = snats_covering(facts, address, (), unsure_snats)
        assert [s.name for s in covering] == brute
        assert "/Common/snat_b" in unsure_snats
    assert seen == {"unsure", "found", "miss", "other route domain"}
