"""The A/V Edge and NAT rules (LYNC-EDGE-AV-001..006, LYNC-EDGE-NAT-001..004).

End to end on every seed scenario and on ``examples/clean`` and ``examples/broken`` (the exact
failing findings of these ten rules, with the two decisions of the authoring brief applied),
then focused cases on small configurations: route domains, unknown inputs, HA, the intent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from lync_support import (
    EXAMPLES,
    PACK,
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
    without_intent,
)

from lyncpolicy.findings import Finding
from lyncpolicy.lync.common import irule_snat_commands
from lyncpolicy.rulepack import check_paths

AV = [f"LYNC-EDGE-AV-00{i}" for i in range(1, 7)]
NAT = [f"LYNC-EDGE-NAT-00{i}" for i in range(1, 5)]
RULES = AV + NAT


def av001(severity: str, virtual: str) -> Row:
    return ("LYNC-EDGE-AV-001", severity, f"/Common/{virtual}", "")


def nat001(*nats: str) -> list[Row]:
    return [("LYNC-EDGE-NAT-001", "warning", f"/Common/{n}", "") for n in nats]


INTERNAL_INFO = [av001("info", "edge_int_3478"), av001("info", "edge_int_443")]
AV_SNAT = [av001("error", "edge_av_3478"), av001("error", "edge_av_443")]
EDGE_NATS = (
    "edge01_access_nat",
    "edge01_av_nat",
    "edge01_webconf_nat",
    "edge02_access_nat",
    "edge02_av_nat",
    "edge02_webconf_nat",
)
AV004_E = [
    ("LYNC-EDGE-AV-004", "error", f"/Common/edge_av_{port}_pool", f"m=/Common/10.45.16.{n}:{port}")
    for port in (3478, 443)
    for n in (30, 31)
]
NAT002_E_MISSING = ("LYNC-EDGE-NAT-002", "error", "bigip1.example.com", "address=10.45.16.31")

# Scenario folder -> the failing findings of the ten rules (decisions (1) and (2) applied:
# AV-004 passes with `external_addressing: nat`, the missing NAT is NAT-002's alone).
EXPECTED: Mapping[Path, list[Row]] = {
    SCENARIOS / "a_supported": INTERNAL_INFO,
    SCENARIOS / "b_av_snat": AV_SNAT + INTERNAL_INFO,
    SCENARIOS / "c_fwd_primary_only": INTERNAL_INFO,
    SCENARIOS / "d_iapp_internal_route": [],
    SCENARIOS / "e_nat_design": INTERNAL_INFO + nat001(*EDGE_NATS),
    SCENARIOS / "e_nat_design_missing": INTERNAL_INFO
    + nat001(*(n for n in EDGE_NATS if n != "edge02_av_nat"))
    + [NAT002_E_MISSING],
    EXAMPLES / "clean": INTERNAL_INFO,
    EXAMPLES / "broken": AV_SNAT + INTERNAL_INFO,
}


@pytest.mark.parametrize("folder", list(EXPECTED), ids=lambda p: p.name)
def test_scenario_failing_findings(folder: Path) -> None:
    assert_scenario(folder, RULES, EXPECTED[folder])


@pytest.mark.parametrize(
    ("folder", "evaluated"),
    [
        # No ltm nat: NAT-001 and NAT-003 select nothing; every other rule checks something.
        (SCENARIOS / "a_supported", set(RULES) - {"LYNC-EDGE-NAT-001", "LYNC-EDGE-NAT-003"}),
        (SCENARIOS / "e_nat_design", set(RULES)),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_every_rule_selects_objects(folder: Path, evaluated: set[str]) -> None:
    assert {f.rule_id for f in run_rules(folder, RULES)} == evaluated


def test_scenario_a_av001_info_names_the_internal_listener() -> None:
    findings = run_rules(SCENARIOS / "a_supported", ["LYNC-EDGE-AV-001"])
    (info,) = [f for f in findings if f.object_path == "/Common/edge_int_443"]
    assert info.message == (
        "A/V listener /Common/edge_int_443 (172.25.33.5:443/tcp, pool /Common/edge_int_443_pool) "
        "translates the client's source address: source-address-translation type automap, pool "
        "none"
    )
    external = [f for f in findings if f.object_path.startswith("/Common/edge_av_")]
    assert [f.status for f in external] == ["pass", "pass"]


def test_scenario_b_av001_remediation_is_the_tmsh_command() -> None:
    findings = run_rules(SCENARIOS / "b_av_snat", ["LYNC-EDGE-AV-001"])
    (finding,) = [f for f in findings if f.object_path == "/Common/edge_av_3478"]
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "modify ltm virtual /Common/edge_av_3478 source-address-translation { type none }"
    )


def test_scenario_e_missing_nat002_message_and_fix() -> None:
    findings = run_rules(SCENARIOS / "e_nat_design_missing", ["LYNC-EDGE-NAT-002"])
    (finding,) = [f for f in findings if f.status == "fail"]
    assert finding.message == (
        "Private Edge external address 10.45.16.31 (A/V, edge02): 0 ltm nat (exactly one 1:1 "
        "NAT required); the intent expects translation 203.0.113.31"
    )
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "create ltm nat /Common/edge02_av_nat { originating-address 10.45.16.31 "
        "translation-address 203.0.113.31 traffic-group /Common/traffic-group-1 "
        "vlans replace-all-with { /Common/external /Common/edge_dmz } vlans-enabled }"
    )


def test_scenario_e_without_intent(tmp_path: Path) -> None:
    """No declared design: AV-004 errors; NAT-003 cannot verify NAT awareness (info)."""
    findings = run_rules(without_intent(SCENARIOS / "e_nat_design", tmp_path), RULES)
    nat003 = [
        ("LYNC-EDGE-NAT-003", "info", "/Common/edge01_av_nat", ""),
        ("LYNC-EDGE-NAT-003", "info", "/Common/edge02_av_nat", ""),
    ]
    assert failing(findings) == sorted(INTERNAL_INFO + nat001(*EDGE_NATS) + AV004_E + nat003)
    messages = [f.message for f in findings if f.rule_id == "LYNC-EDGE-NAT-003"]
    assert messages == [
        f"A/V NAT /Common/edge0{n}_av_nat (10.45.16.3{n - 1} -> 203.0.113.3{n - 1}): cannot verify "
        f"NAT awareness: the intent declares no topology_nat_enabled and no av_public_ip for "
        f"server edge0{n}"
        for n in (1, 2)
    ]


def test_scenario_e_missing_without_intent_infers_the_nat_design(tmp_path: Path) -> None:
    """Every Edge address private with NATs: an inferred NAT design, so NAT-002 still owns .31."""
    findings = run_rules(without_intent(SCENARIOS / "e_nat_design_missing", tmp_path), RULES)
    rows = failing(findings)
    assert NAT002_E_MISSING in rows
    assert [r for r in rows if r[0] == "LYNC-EDGE-AV-006"] == []
    assert [r for r in rows if r[0] == "LYNC-EDGE-NAT-003"] == [
        ("LYNC-EDGE-NAT-003", "info", "/Common/edge01_av_nat", "")
    ]
    assert sorted(r for r in rows if r[0] == "LYNC-EDGE-AV-004") == sorted(AV004_E)


# -- small configurations ----------------------------------------------------------------------


PUBLIC = example_text("LYNC-EDGE-AV-001/pass-routed.conf")
NAT_DESIGN = example_text("LYNC-EDGE-NAT-002/pass-nat-per-address.conf")
NAT_INTENT: dict[str, Any] = {
    "edge_pools": [
        {
            "name": "edgepool01.example.com",
            "external_addressing": "nat",
            "topology_nat_enabled": True,
            "servers": [
                {
                    "name": "edge01",
                    "external": {"access": "10.45.16.10", "av": "10.45.16.30"},
                    "av_public_ip": "203.0.113.30",
                },
                {
                    "name": "edge02",
                    "external": {"access": "10.45.16.11", "av": "10.45.16.31"},
                    "av_public_ip": "203.0.113.31",
                },
            ],
        }
    ]
}


def run(
    rule_ids: Sequence[str],
    *texts: str,
    deployment: Mapping[str, Any] | None = None,
    unknown_kinds: Sequence[str] = (),
) -> list[Finding]:
    return run_device(rule_ids, device_of(*texts, unknown_kinds=unknown_kinds), deployment)


# AV-001 ------------------------------------------------------------------------------------------


def test_av001_v10_style_snatpool_is_snat() -> None:
    text = example_text("LYNC-EDGE-AV-001/fail-av-snatpool.conf")
    findings = run(["LYNC-EDGE-AV-001"], text)
    assert statuses(findings) == [
        ("/Common/edge_av_3478", "", "fail", "error"),
        ("/Common/edge_av_443", "", "pass", "error"),
    ]
    (fail,) = [f for f in findings if f.status == "fail"]
    assert fail.message.endswith("type snat, pool /Common/edge_av_snatpool")


# AV-002 ------------------------------------------------------------------------------------------


SNAT_ALL = """
ltm snat /Common/outbound_all {
    automap
    origins {
        ORIGIN { }
    }
}
"""


@pytest.mark.parametrize(
    ("origin", "status"),
    [("0.0.0.0/0", "fail"), ("0.0.0.0%9/0", "pass"), ("198.18.0.0/15", "fail")],
    ids=["default-origin", "other-route-domain", "unknown-network"],
)
def test_av002_snat_origins_by_route_domain(origin: str, status: str) -> None:
    findings = run(["LYNC-EDGE-AV-002"], PUBLIC, SNAT_ALL.replace("ORIGIN", origin))
    assert {f.status for f in findings} == {status}
    if status == "fail":
        assert {f.detail for f in findings} == {"translated_by=/Common/outbound_all"}
        # Enabled on every VLAN: keep it on all but the A/V VIP's.
        assert {f.remediation.tmsh for f in findings if f.remediation} == {
            "modify ltm snat /Common/outbound_all vlans replace-all-with "
            "{ /Common/edge_dmz /Common/edge_int } vlans-enabled"
        }


def test_av002_declared_internal_networks_are_not_client_space() -> None:
    snat = SNAT_ALL.replace("ORIGIN", "10.0.0.0/8")
    assert {f.status for f in run(["LYNC-EDGE-AV-002"], PUBLIC, snat)} == {"fail"}
    intent = {"internal_networks": ["10.0.0.0/8"]}
    assert {f.status for f in run(["LYNC-EDGE-AV-002"], PUBLIC, snat, deployment=intent)} == {
        "pass"
    }


def test_av002_snat_on_other_vlans_only_passes() -> None:
    vlans = "    vlans {\n        /Common/edge_int\n    }\n    vlans-enabled\n"
    snat = SNAT_ALL.replace("ORIGIN", "0.0.0.0/0").replace("}\n}\n", "}\n" + vlans + "}\n")
    assert {f.status for f in run(["LYNC-EDGE-AV-002"], PUBLIC, snat)} == {"pass"}


def test_av002_virtual_snat_wins_over_global_snat() -> None:
    """A virtual with its own SNAT: the global SNAT does not apply (AV-001 reports it)."""
    text = example_text("LYNC-EDGE-AV-001/fail-av-automap.conf")
    findings = run(["LYNC-EDGE-AV-002"], text, SNAT_ALL.replace("ORIGIN", "0.0.0.0/0"))
    assert {f.status for f in findings} == {"pass"}


def test_av002_undefined_irule_is_undetermined() -> None:
    text = edit_block(
        PUBLIC,
        "ltm virtual /Common/edge_av_443",
        "    profiles {",
        "    rules {\n        /Common/not_in_this_file\n    }\n    profiles {",
    )
    findings = run(["LYNC-EDGE-AV-002"], text)
    assert statuses(findings) == [
        ("/Common/edge_av_3478", "", "pass", "error"),
        ("/Common/edge_av_443", "", "undetermined", "error"),
    ]


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        ("when CLIENT_ACCEPTED {\n    snat automap\n}\n", ["snat automap"]),
        ("when CLIENT_ACCEPTED { snatpool /Common/out_pool }\n", ["snatpool /Common/out_pool"]),
        ("when LB_SELECTED {\n  if { 1 } { snat 198.51.100.9 }\n}\n", ["snat 198.51.100.9"]),
        ("when CLIENT_ACCEPTED {\n    snat none\n}\n", []),
        ("when CLIENT_ACCEPTED {\n    # snat automap\n    log local0. snat\n}\n", []),
    ],
)
def test_irule_snat_commands(text: str, commands: list[str]) -> None:
    assert irule_snat_commands(text) == commands


# AV-003 ------------------------------------------------------------------------------------------

PINNED = {"edge_pools": [{"vips": {"access": "203.0.113.5", "av": "203.0.113.7"}}]}


@pytest.mark.parametrize(
    ("example", "edit", "expected"),
    [
        ("fail-3478-tcp-only.conf", None, ("fail", "error", "missing=udp/3478")),
        ("fail-no-443-warning.conf", None, ("fail", "warning", "missing=tcp/443")),
        (
            "pass-udp-and-tcp.conf",
            ("ip-protocol udp", "ip-protocol any"),
            ("fail", "info", "missing=udp/3478"),
        ),
        ("pass-udp-and-tcp.conf", None, ("pass", "error", "")),
    ],
    ids=["udp-missing", "tcp-missing", "any-stands-in", "complete"],
)
def test_av003_severities(
    example: str, edit: tuple[str, str] | None, expected: tuple[str, str, str]
) -> None:
    text = example_text(f"LYNC-EDGE-AV-003/{example}")
    if edit is not None:
        text = text.replace(*edit)
    (finding,) = run(["LYNC-EDGE-AV-003"], text, deployment=PINNED)
    assert finding.object_path == "/Common/edge_av_3478"
    assert (finding.status, finding.severity, finding.detail) == expected


def test_av003_missing_udp_listener_is_reported_once_per_vip() -> None:
    """No 3478 virtual at all: the finding is on the VIP's other virtual."""
    text = remove_block(
        example_text("LYNC-EDGE-AV-003/pass-udp-and-tcp.conf"), "ltm virtual /Common/edge_av_3478"
    )
    (finding,) = run(["LYNC-EDGE-AV-003"], text, deployment=PINNED)
    assert (finding.object_path, finding.status, finding.severity) == (
        "/Common/edge_av_443",
        "fail",
        "error",
    )
    assert finding.remediation is not None and finding.remediation.tmsh is not None
    assert finding.remediation.tmsh.splitlines()[1].startswith(
        "create ltm virtual /Common/edge_av_3478 { destination 203.0.113.7:3478 ip-protocol udp"
    )


# AV-005 ------------------------------------------------------------------------------------------


def test_av005_unresolved_profile_is_undetermined() -> None:
    text = edit_block(
        PUBLIC, "ltm virtual /Common/edge_av_443", "lync_edge_fastl4", "lync_custom_tcp"
    )
    (finding,) = run(["LYNC-EDGE-AV-005"], text)
    assert (finding.object_path, finding.status) == ("/Common/edge_av_443", "undetermined")


def test_av005_builtin_profile_gets_a_child_profile() -> None:
    text = example_text("LYNC-EDGE-AV-005/fail-wan-optimized.conf")
    (finding,) = [f for f in run(["LYNC-EDGE-AV-005"], text) if f.status == "fail"]
    assert finding.detail == "profiles=/Common/tcp-wan-optimized"
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "create ltm profile tcp /Common/lync_av_tcp-wan-optimized_nagle_off { defaults-from "
        "/Common/tcp-wan-optimized nagle disabled }\n"
        "modify ltm virtual /Common/edge_av_443 profiles replace-all-with { "
        "/Common/lync_av_tcp-wan-optimized_nagle_off { context clientside } "
        "/Common/tcp-lan-optimized { context serverside } }"
    )


# AV-006 ------------------------------------------------------------------------------------------


def test_av006_route_domain_of_the_forwarder() -> None:
    good = example_text("LYNC-EDGE-AV-006/pass-inbound-forwarder-rd9.conf")
    assert statuses(run(["LYNC-EDGE-AV-006"], good)) == [
        ("dut", "address=203.0.113.30%9", "pass", "error"),
        ("dut", "address=203.0.113.31%9", "pass", "error"),
    ]
    bad = example_text("LYNC-EDGE-AV-006/fail-forwarder-other-route-domain.conf")
    findings = run(["LYNC-EDGE-AV-006"], bad)
    assert statuses(findings) == [
        ("dut", "address=203.0.113.30%9", "fail", "error"),
        ("dut", "address=203.0.113.31%9", "fail", "error"),
    ]
    assert findings[0].message.endswith(
        "(/Common/edge_inbound_fwd (203.0.113.0/26) is in route domain 0)"
    )


def without_inbound_forwarder() -> str:
    return remove_block(PUBLIC, "ltm virtual /Common/edge_inbound_fwd")


def test_av006_forwarding_virtuals_unknown_is_undetermined() -> None:
    findings = run(
        ["LYNC-EDGE-AV-006"], without_inbound_forwarder(), unknown_kinds=["forwarding_virtuals"]
    )
    assert {f.status for f in findings} == {"undetermined"}
    assert len(findings) == 2


def test_unknown_fields_decide_only_where_they_matter() -> None:
    """An unknown type on the outbound forwarder (its destination cannot hold the VIP or the
    A/V address) changes nothing; on the inbound forwarder it leaves AV-006 undetermined."""
    device = device_of(PUBLIC)
    outbound = with_unknown(device, "virtual_servers", "/Common/edge_outbound_fwd", "type")
    assert {f.status for f in run_device(["LYNC-EDGE-AV-003", "LYNC-EDGE-AV-006"], outbound)} == {
        "pass"
    }
    inbound = with_unknown(device, "virtual_servers", "/Common/edge_inbound_fwd", "type")
    assert {f.status for f in run_device(["LYNC-EDGE-AV-006"], inbound)} == {"undetermined"}
    snat = with_unknown(device, "virtual_servers", "/Common/edge_av_443", "snat_type")
    assert statuses(run_device(["LYNC-EDGE-AV-001"], snat)) == [
        ("/Common/edge_av_3478", "", "pass", "error"),
        ("/Common/edge_av_443", "", "undetermined", "error"),
    ]


STANDARD_ON_MEMBER = """
ltm virtual /Common/edge01_av_direct_3478 {
    destination /Common/203.0.113.30:3478
    ip-protocol udp
    mask 255.255.255.255
    translate-address disabled
    vlans {
        /Common/external
    }
    vlans-enabled
}
ltm virtual /Common/edge01_av_direct_443 {
    destination /Common/203.0.113.30:443
    ip-protocol tcp
    mask 255.255.255.255
    translate-address disabled
    vlans {
        /Common/external
    }
    vlans-enabled
}
"""


def test_av006_standard_virtuals_only_is_a_warning() -> None:
    findings = run(["LYNC-EDGE-AV-006"], without_inbound_forwarder(), STANDARD_ON_MEMBER)
    assert statuses(findings) == [
        ("dut", "address=203.0.113.30", "fail", "warning"),
        ("dut", "address=203.0.113.31", "fail", "error"),
    ]
    assert "only the standard virtuals" in findings[0].message


def test_av006_one_arm_design_is_not_checked() -> None:
    """The Edge external network on the upstream VLAN: the router reaches the Edge directly."""
    text = without_inbound_forwarder().replace(
        "    vlan /Common/edge_dmz\n", "    vlan /Common/external\n"
    )
    assert {f.status for f in run(["LYNC-EDGE-AV-006"], text)} == {"pass"}


def test_av006_nat_design_addresses_belong_to_nat002() -> None:
    text = remove_block(NAT_DESIGN, "ltm nat /Common/edge02_av_nat")
    av006 = run(["LYNC-EDGE-AV-006"], text, deployment=NAT_INTENT)
    assert {f.status for f in av006} == {"pass"}
    nat002 = failing(run(["LYNC-EDGE-NAT-002"], text, deployment=NAT_INTENT))
    assert nat002 == [("LYNC-EDGE-NAT-002", "error", "dut", "address=10.45.16.31")]


# NAT-001 -----------------------------------------------------------------------------------------


def test_nat001_only_nats_on_edge_addresses() -> None:
    text = example_text("LYNC-EDGE-NAT-001/pass-public-with-unrelated-nat.conf")
    assert run(["LYNC-EDGE-NAT-001"], text) == []
    findings = run(["LYNC-EDGE-NAT-001"], NAT_DESIGN, deployment=NAT_INTENT)
    assert failing(findings) == nat001(
        "edge01_access_nat", "edge01_av_nat", "edge02_access_nat", "edge02_av_nat"
    )
    assert "(A/V, edge02) to 203.0.113.31" in findings[-1].message


# NAT-002 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ha", "status"), [(True, "fail"), (False, "pass")], ids=["ha", "standalone"]
)
def test_nat002_local_only_traffic_group_matters_in_ha(ha: bool, status: str) -> None:
    text = edit_block(
        NAT_DESIGN, "ltm nat /Common/edge01_av_nat", "traffic-group-1", "traffic-group-local-only"
    )
    findings = run(["LYNC-EDGE-NAT-002"], text, deployment={**NAT_INTENT, "ha": ha})
    (finding,) = [f for f in findings if f.detail == "address=10.45.16.30"]
    assert finding.status == status
    if ha:
        assert finding.remediation is not None
        assert finding.remediation.tmsh == (
            "modify ltm nat /Common/edge01_av_nat traffic-group /Common/traffic-group-1"
        )


def test_nat002_nat_must_be_enabled_on_the_upstream_vlan() -> None:
    text = edit_block(NAT_DESIGN, "ltm nat /Common/edge02_av_nat", "        /Common/external\n", "")
    findings = run(["LYNC-EDGE-NAT-002"], text, deployment=NAT_INTENT)
    assert failing(findings) == [("LYNC-EDGE-NAT-002", "error", "dut", "address=10.45.16.31")]
    (finding,) = [f for f in findings if f.status == "fail"]
    assert "not enabled on the upstream VLAN /Common/external" in finding.message
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "modify ltm nat /Common/edge02_av_nat vlans replace-all-with "
        "{ /Common/edge_dmz /Common/external } vlans-enabled"
    )


def test_nat002_access_needs_a_nat_or_a_snat_out() -> None:
    text = remove_block(NAT_DESIGN, "ltm nat /Common/edge01_access_nat")
    findings = run(["LYNC-EDGE-NAT-002"], text, deployment=NAT_INTENT)
    assert failing(findings) == [("LYNC-EDGE-NAT-002", "error", "dut", "address=10.45.16.10")]
    assert "no SNAT lets it leave either" in findings[0].message
    snat_out = example_text("LYNC-EDGE-NAT-002/pass-access-snat-out.conf")
    assert failing(run(["LYNC-EDGE-NAT-002"], snat_out, deployment=NAT_INTENT)) == []


def test_nat002_nats_unknown_is_undetermined() -> None:
    findings = run(["LYNC-EDGE-NAT-002"], NAT_DESIGN, deployment=NAT_INTENT, unknown_kinds=["nats"])
    assert {f.status for f in findings} == {"undetermined"}
    assert len(findings) == 4


def test_nat002_public_design_passes_without_nats() -> None:
    findings = run(["LYNC-EDGE-NAT-002"], PUBLIC)
    assert {f.status for f in findings} == {"pass"} and len(findings) == 4


# NAT-003 -----------------------------------------------------------------------------------------


def test_nat003_topology_not_nat_enabled_is_an_error() -> None:
    intent = {"edge_pools": [{**NAT_INTENT["edge_pools"][0], "topology_nat_enabled": False}]}
    findings = run(["LYNC-EDGE-NAT-003"], NAT_DESIGN, deployment=intent)
    assert failing(findings) == [
        ("LYNC-EDGE-NAT-003", "error", "/Common/edge01_av_nat", ""),
        ("LYNC-EDGE-NAT-003", "error", "/Common/edge02_av_nat", ""),
    ]
    assert "topology_nat_enabled: false" in findings[0].message


def test_nat003_compares_public_addresses_without_route_domain() -> None:
    text = NAT_DESIGN.replace(
        "translation-address 203.0.113.30\n", "translation-address 203.0.113.30%9\n"
    )
    findings = run(["LYNC-EDGE-NAT-003"], text, deployment=NAT_INTENT)
    assert {f.status for f in findings} == {"pass"}


def test_nat003_without_intent_is_info() -> None:
    findings = run(["LYNC-EDGE-NAT-003"], NAT_DESIGN)
    assert failing(findings) == [
        ("LYNC-EDGE-NAT-003", "info", "/Common/edge01_av_nat", ""),
        ("LYNC-EDGE-NAT-003", "info", "/Common/edge02_av_nat", ""),
    ]
    assert "cannot verify NAT awareness" in findings[0].message


# NAT-004 -----------------------------------------------------------------------------------------


def test_nat004_snat_origins_in_another_route_domain_pass() -> None:
    text = example_text("LYNC-EDGE-NAT-004/fail-snatpool-out.conf")
    assert {f.status for f in run(["LYNC-EDGE-NAT-004"], text)} == {"fail"}
    other = text.replace("10.45.16.0/24 { }", "10.45.16.0%9/24 { }")
    assert {f.status for f in run(["LYNC-EDGE-NAT-004"], other)} == {"pass"}


def test_nat004_keeps_access_addresses_in_the_snat() -> None:
    text = example_text("LYNC-EDGE-NAT-004/fail-snatpool-out.conf")
    findings = run(["LYNC-EDGE-NAT-004"], text)
    assert {f.remediation.tmsh for f in findings if f.remediation} == {
        "modify ltm snat /Common/edge_out origins replace-all-with "
        "{ 10.45.16.10/32 10.45.16.11/32 }"
    }


def test_nat004_public_design_belongs_to_net003() -> None:
    text = edit_block(
        PUBLIC,
        "ltm virtual /Common/edge_outbound_fwd",
        "    translate-address disabled\n",
        "    source-address-translation {\n        type automap\n    }\n"
        "    translate-address disabled\n",
    )
    assert {f.status for f in run(["LYNC-EDGE-NAT-004"], text)} == {"pass"}


def _forwarder(name: str, destination: str, mask: str, *lines: str) -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return (
        f"ltm virtual /Common/{name} {{\n    destination /Common/{destination}:0\n"
        f"    ip-forward\n    mask {mask}\n{body}    translate-address disabled\n"
        "    translate-port disabled\n}\n"
    )


def test_av006_explains_the_forwarders_holding_the_ip_in_name_order() -> None:
    """Forwarders of other route domains and forwarders with a problem explain the failure,
    by name, whatever their prefix; the ones that carry it only in part come last."""
    extra = (
        _forwarder("c_fwd", "203.0.113.0%7", "255.255.255.0")
        + _forwarder("a_fwd", "203.0.113.30%5", "255.255.255.255")
        + _forwarder("d_fwd", "203.0.113.30", "255.255.255.255", "ip-protocol tcp")
        + _forwarder("b_fwd", "203.0.113.0", "255.255.255.0", "disabled")
        + _forwarder("e_fwd", "203.0.113.64", "255.255.255.192")
    )
    findings = run(["LYNC-EDGE-AV-006"], without_inbound_forwarder(), extra)
    by_address = {f.detail: f for f in findings}
    assert by_address["address=203.0.113.30"].status == "fail"
    assert by_address["address=203.0.113.30"].message.endswith(
        "(/Common/a_fwd (203.0.113.30%5/32) is in route domain 5; "
        "/Common/b_fwd (203.0.113.0/24) is disabled; "
        "/Common/c_fwd (203.0.113.0%7/24) is in route domain 7; "
        "the forwarding virtuals containing it carry only tcp)"
    )
    assert by_address["address=203.0.113.31"].message.endswith(
        "(/Common/b_fwd (203.0.113.0/24) is disabled; "
        "/Common/c_fwd (203.0.113.0%7/24) is in route domain 7)"
    )


def test_nat004_forwarders_by_source_in_name_order() -> None:
    """Only the Edge forwarders whose source holds the address (same route domain, or no
    source) translate it, reported in name order after the SNAT."""
    text = example_text("LYNC-EDGE-NAT-004/fail-snatpool-out.conf")
    automap = (
        "source-address-translation {\n        type automap\n    }\n"
        "    vlans {\n        /Common/edge_dmz\n    }\n    vlans-enabled"
    )
    extra = (
        _forwarder("fwd_e", "0.0.0.0", "any", "source 10.45.16.31/32", automap)
        + _forwarder("fwd_a", "0.0.0.0", "any", "source 10.45.16.30/32", automap)
        + _forwarder("fwd_b", "0.0.0.0%9", "any", "source 10.45.16.0%9/24", automap)
        + _forwarder("fwd_c", "0.0.0.0", "any", automap)
        + _forwarder("fwd_d", "0.0.0.0", "any", "source 10.45.16.0/25", automap)
        + _forwarder("fwd_f", "0.0.0.0", "any", "source 10.45.17.0/24", automap)
    )
    findings = {f.detail: f for f in run(["LYNC-EDGE-NAT-004"], text, extra)}

    def named(detail: str) -> list[str]:
        message = findings[detail].message
        names = message.split()
        return [w for w in names if w == "/Common/edge_out" or w.startswith("/Common/fwd_")]

    assert named("address=10.45.16.30") == [
        "/Common/edge_out",
        "/Common/fwd_a",
        "/Common/fwd_c",
        "/Common/fwd_d",
    ]
    assert named("address=10.45.16.31") == [
        "/Common/edge_out",
        "/Common/fwd_c",
        "/Common/fwd_d",
        "/Common/fwd_e",
    ]


# the rule files ----------------------------------------------------------------------------------


def test_rule_files_validate() -> None:
    from lyncpolicy.plugins import collect, make_plugin_manager

    predicates = collect(make_plugin_manager(load_entrypoints=False)).predicates
    found, problems = check_paths([str(PACK / f"{r}.yaml") for r in RULES], predicates)
    assert problems == []
    assert [r.id for r in found] == RULES


def test_rule_examples_behave() -> None:
    assert assert_examples_behave(lync_rules(*RULES)) >= 2 * len(RULES)


# -- device-level findings are located -------------------------------------------------------------

# (example, object) pairs: each failing finding of a device-level rule's fail examples points at
# the object to fix (its `at` witness), whose file and line the finding takes.
DEVICE_LEVEL_AT: dict[str, list[tuple[str, str]]] = {
    # The first virtual of the A/V VIP that load balances the address.
    "LYNC-EDGE-AV-006": [
        ("fail-forwarder-on-edge-vlan.conf", "/Common/edge_av_3478"),
        ("fail-forwarder-other-route-domain.conf", "/Common/edge_av_3478"),
        ("fail-no-inbound-forwarder.conf", "/Common/edge_av_3478"),
    ],
    "LYNC-EDGE-NAT-002": [
        # The NAT to delete, the NAT to change; no NAT and no node: the pool having the address.
        ("fail-duplicate-nat.conf", "/Common/edge02_av_nat_old"),
        ("fail-local-only-arp-off.conf", "/Common/edge02_av_nat"),
        ("fail-missing-av-nat.conf", "/Common/edge_av_3478_pool"),
    ],
    # What translates the address: the SNAT, or the forwarding virtual.
    "LYNC-EDGE-NAT-004": [
        ("fail-forwarder-automap.conf", "/Common/edge_outbound_fwd"),
        ("fail-snatpool-out.conf", "/Common/edge_out"),
    ],
}


@pytest.mark.parametrize("rule_id", sorted(DEVICE_LEVEL_AT))
def test_device_level_findings_point_at_the_object_to_fix(rule_id: str) -> None:
    assert located_examples(rule_id) == DEVICE_LEVEL_AT[rule_id]
