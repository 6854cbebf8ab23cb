"""LYNC-GEN-001..004 and LYNC-EDGE-EXT-001..009: scenarios, examples and focused cases.

The seed scenarios and ``examples/`` must give exactly the findings their EXPECTED.md and
README list for these rules; each rule's own examples behave as declared (``rules test``);
the focused cases pin route domains, unknown values, intent-dependent severities and the
predicates' edge cases. Inline configurations start from the rules' example files and change
one thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
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
    with_unknown,
    without_intent,
)

from lyncpolicy.conditions import ROLES_TYPE, Compiler, compile_condition
from lyncpolicy.findings import Finding
from lyncpolicy.lync import ext
from lyncpolicy.model import ApplicationService, Device
from lyncpolicy.plugins import collect, make_plugin_manager
from lyncpolicy.rulepack import Rule
from lyncpolicy.topology import Topology

GEN = [f"LYNC-GEN-00{i}" for i in range(1, 5)]
EXT = [f"LYNC-EDGE-EXT-00{i}" for i in range(1, 10)]
RULE_IDS = GEN + EXT
EXAMPLE_DIR = PACK / "examples"


def _rules() -> dict[str, Rule]:
    return {rule.id: rule for rule in lync_rules(*RULE_IDS)}


def scan(
    config: str | Device,
    rule_ids: Sequence[str],
    deployment: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Every finding (passes included) of the named rules on one device."""
    device = config if isinstance(config, Device) else device_of(config)
    return run_device(rule_ids, device, deployment)


def fails(
    config: str | Device, rule_id: str, deployment: Mapping[str, Any] | None = None
) -> list[Row]:
    return failing(scan(config, [rule_id], deployment))


def status_of(findings: list[Finding], obj: str) -> set[str]:
    return {f.status for f in findings if f.object_path == obj}


def pin(**vips: str) -> dict[str, Any]:
    """An intent that pins VIP roles (and whatever else is given for the Edge pool)."""
    extra = {k: vips.pop(k) for k in list(vips) if k not in ("access", "webconf", "av", "internal")}
    return {"edge_pools": [{"name": "edgepool01.example.com", "vips": vips, **extra}]}


# -- the seed scenarios and examples/ ---------------------------------------------------------

D_APP = "/Common/lync_edge.app/lync_edge_edge"
D_SSL = "/Common/lync_edge.app/lync_edge_edge_{}_ip_ssl_persistence"
EXPECTED: dict[str, list[Row]] = {
    "a_supported": [],
    "b_av_snat": [],
    "c_fwd_primary_only": [],
    # F5's iApp default: SSL session-ID persistence with a source-address fallback on 5061/443
    # Access and internal 5061/5062 (EXPECTED.md, "Note on EXT-008": the catalog literally).
    "d_iapp_internal_route": [
        (
            "LYNC-EDGE-EXT-008",
            "warning",
            f"{D_APP}_external_ip_access",
            f"persistence={D_SSL.format('external')}",
        ),
        (
            "LYNC-EDGE-EXT-008",
            "warning",
            f"{D_APP}_external_ip_access_5061",
            f"persistence={D_SSL.format('external')}",
        ),
        (
            "LYNC-EDGE-EXT-008",
            "warning",
            f"{D_APP}_internal_ip_5061",
            f"persistence={D_SSL.format('internal')}",
        ),
        (
            "LYNC-EDGE-EXT-008",
            "warning",
            f"{D_APP}_internal_ip_5062",
            f"persistence={D_SSL.format('internal')}",
        ),
    ],
    "e_nat_design": [],
    "e_nat_design_missing": [],
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_seed_scenarios(scenario: str) -> None:
    findings = assert_scenario(SCENARIOS / scenario, RULE_IDS, EXPECTED[scenario])
    # Every rule ran: at least one finding (pass or fail) per rule id.
    assert {f.rule_id for f in findings} == set(RULE_IDS)


def test_scenario_d_without_intent_is_unchanged(tmp_path: Path) -> None:
    """The iApp alone resolves every role; the intent only matters to LYNC-EDGE-INT-003."""
    folder = without_intent(SCENARIOS / "d_iapp_internal_route", tmp_path)
    assert failing(run_rules(folder, RULE_IDS)) == EXPECTED["d_iapp_internal_route"]


def test_examples_clean() -> None:
    assert failing(run_rules(EXAMPLES / "clean", RULE_IDS)) == []


def test_examples_broken() -> None:
    """Mistake 5 of the README: Access 443 on the default fastL4 (idle-timeout 300)."""
    findings = run_rules(EXAMPLES / "broken", RULE_IDS)
    assert failing(findings) == [
        ("LYNC-EDGE-EXT-009", "warning", "/Common/edge_access_443", "profiles=/Common/fastL4")
    ]
    (finding,) = [f for f in findings if f.status == "fail"]
    assert "/Common/fastL4 (fastl4) idle-timeout 300" in finding.message
    assert finding.remediation is not None
    assert finding.remediation.tmsh == (
        "create ltm profile fastl4 /Common/lync_edge_fastl4_idle_timeout_1800 defaults-from "
        "/Common/fastL4 idle-timeout 1800; modify ltm virtual /Common/edge_access_443 profiles "
        "replace-all-with { /Common/lync_edge_fastl4_idle_timeout_1800 }"
    )


# -- the rules' own examples -------------------------------------------------------------------


def test_rule_examples_behave() -> None:
    """What `lyncpolicy rules test` checks: fail examples fail, pass examples pass."""
    rules = list(_rules().values())
    assert all(rule.examples and rule.examples.fail and rule.examples.passing for rule in rules)
    assert_examples_behave(rules)


EXAMPLE_FINDINGS: dict[str, list[Row]] = {
    "LYNC-GEN-001/fail-lone-private-3478.conf": [
        (
            "LYNC-GEN-001",
            "info",
            "fail-lone-private-3478.conf",
            "advisory=/Common/p1, /Common/vs_3478",
        )
    ],
    "LYNC-GEN-001/fail-lync-hints-no-edge.conf": [
        ("LYNC-GEN-001", "info", "fail-lync-hints-no-edge.conf", "")
    ],
    "LYNC-GEN-002/fail-internal-only.conf": [
        ("LYNC-GEN-002", "error", "fail-internal-only.conf", "vips=172.25.33.5")
    ],
    "LYNC-GEN-003/fail-av-dsr.conf": [("LYNC-GEN-003", "error", "/Common/edge_av_3478", "")],
    "LYNC-GEN-004/fail-one-server.conf": [
        ("LYNC-GEN-004", "warning", "/Common/edge_av_3478_pool", ""),
        ("LYNC-GEN-004", "warning", "/Common/edge_av_443_pool", ""),
    ],
    "LYNC-EDGE-EXT-001/fail-no-443.conf": [
        ("LYNC-EDGE-EXT-001", "error", "/Common/edge_access_5061", "missing=tcp/443")
    ],
    "LYNC-EDGE-EXT-001/fail-no-5061-federation.conf": [
        ("LYNC-EDGE-EXT-001", "error", "/Common/edge_access_443", "missing=tcp/5061")
    ],
    "LYNC-EDGE-EXT-002/fail-webconf-udp.conf": [
        ("LYNC-EDGE-EXT-002", "error", "/Common/edge_webconf_443", "")
    ],
    "LYNC-EDGE-EXT-002/fail-webconf-444.conf": [
        ("LYNC-EDGE-EXT-002", "warning", "/Common/edge_webconf_444", "")
    ],
    "LYNC-EDGE-EXT-003/fail-single-ip.conf": [
        ("LYNC-EDGE-EXT-003", "warning", "/Common/edge_single_3478", "")
    ],
    "LYNC-EDGE-EXT-004/fail-av-port-translation.conf": [
        (
            "LYNC-EDGE-EXT-004",
            "error",
            "/Common/edge_av_3478_pool",
            "translated=203.0.113.30:50000, 203.0.113.31:50000",
        )
    ],
    "LYNC-EDGE-EXT-004/fail-missing-server.conf": [
        ("LYNC-EDGE-EXT-004", "warning", "/Common/edge_webconf_443_pool", "")
    ],
    "LYNC-EDGE-EXT-005/fail-access-clientssl-http.conf": [
        (
            "LYNC-EDGE-EXT-005",
            "error",
            "/Common/edge_access_443",
            "profiles=/Common/clientssl, /Common/http",
        )
    ],
    "LYNC-EDGE-EXT-006/fail-gateway-icmp-only.conf": [
        (
            "LYNC-EDGE-EXT-006",
            "warning",
            f"/Common/edge_access_{port}_pool",
            "issues=only ICMP monitors (/Common/gateway_icmp)",
        )
        for port in (443, 5061)
    ],
    "LYNC-EDGE-EXT-006/fail-wrong-port.conf": [
        (
            "LYNC-EDGE-EXT-006",
            "warning",
            "/Common/edge_access_5061_pool",
            "issues=/Common/lync_edge_tcp_80 probes port 80 (service ports 443, 5061)",
        )
    ],
    "LYNC-EDGE-EXT-006/fail-av-no-monitor.conf": [
        ("LYNC-EDGE-EXT-006", "error", "/Common/edge_av_3478_pool", "issues=no monitor")
    ],
    "LYNC-EDGE-EXT-007/fail-ratio-member.conf": [
        ("LYNC-EDGE-EXT-007", "info", "/Common/edge_av_3478_pool", ""),
        ("LYNC-EDGE-EXT-007", "info", "/Common/edge_av_443_pool", ""),
    ],
    "LYNC-EDGE-EXT-008/fail-no-persistence.conf": [
        ("LYNC-EDGE-EXT-008", "warning", "/Common/edge_access_443", "")
    ],
    "LYNC-EDGE-EXT-008/fail-cookie.conf": [
        (
            "LYNC-EDGE-EXT-008",
            "warning",
            "/Common/edge_access_5061",
            "persistence=/Common/lync_cookie",
        )
    ],
    "LYNC-EDGE-EXT-008/fail-short-timeout.conf": [
        ("LYNC-EDGE-EXT-008", "info", "/Common/edge_av_443", "persistence=/Common/src_180")
    ],
    "LYNC-EDGE-EXT-009/fail-default-fastl4.conf": [
        ("LYNC-EDGE-EXT-009", "warning", "/Common/edge_access_443", "profiles=/Common/fastL4")
    ],
    "LYNC-EDGE-EXT-009/fail-immediate.conf": [
        (
            "LYNC-EDGE-EXT-009",
            "warning",
            "/Common/edge_int_5061",
            "profiles=/Common/edge_fwd_fastl4",
        )
    ],
}


@pytest.mark.parametrize("example", sorted(EXAMPLE_FINDINGS))
def test_fail_examples_give_exactly_their_finding(example: str) -> None:
    rule = _rules()[example.split("/")[0]]
    device = device_of(example_text(example))
    device = dataclasses.replace(device, name=example.split("/")[1])
    assert rule.examples is not None
    assert fails(device, rule.id, rule.examples.deployment) == EXAMPLE_FINDINGS[example]


def test_every_fail_example_is_pinned() -> None:
    declared = {
        str(Path(p).relative_to(EXAMPLE_DIR))
        for rule in _rules().values()
        if rule.examples
        for p in rule.examples.fail
    }
    assert declared == set(EXAMPLE_FINDINGS)


def test_example_folders_hold_no_yaml() -> None:
    for rule_id in RULE_IDS:
        folder = EXAMPLE_DIR / rule_id
        assert folder.is_dir()
        assert not list(folder.rglob("*.yaml")), rule_id


# -- GEN-001 -----------------------------------------------------------------------------------

WEAK_ACCESS = """\
ltm pool /Common/sip_pool {
    members {
        /Common/203.0.113.10:5061 {
            address 203.0.113.10
        }
        /Common/203.0.113.11:5061 {
            address 203.0.113.11
        }
    }
    monitor /Common/tcp
}
ltm virtual /Common/sip_5061 {
    destination /Common/203.0.113.5:5061
    ip-protocol tcp
    mask 255.255.255.255
    persist {
        /Common/source_addr {
            default yes
        }
    }
    pool /Common/sip_pool
    profiles {
        /Common/fastL4 { }
    }
}
"""


def test_gen001_lists_advisory_objects_and_the_engine_downgrades_them() -> None:
    """tcp/5061 alone on a public VIP: an Access guess with confidence 0.6."""
    findings = scan(WEAK_ACCESS, ["LYNC-GEN-001", "LYNC-EDGE-EXT-009"])
    (gen,) = [f for f in findings if f.rule_id == "LYNC-GEN-001"]
    assert (gen.status, gen.severity, gen.detail) == (
        "fail",
        "info",
        "advisory=/Common/sip_5061, /Common/sip_pool",
    )
    assert "203.0.113.5 as Access (confidence 0.6: port signature tcp/5061)" in gen.message
    (ext009,) = [f for f in findings if f.rule_id == "LYNC-EDGE-EXT-009"]
    assert (ext009.status, ext009.severity) == ("fail", "info")
    assert "role-unverified" in ext009.tags


def test_gen001_passes_when_the_intent_declares_the_vip() -> None:
    findings = scan(WEAK_ACCESS, ["LYNC-GEN-001", "LYNC-EDGE-EXT-009"], pin(access="203.0.113.5"))
    assert failing(findings) == [
        ("LYNC-EDGE-EXT-009", "warning", "/Common/sip_5061", "profiles=/Common/fastL4")
    ]


# -- GEN-002 -----------------------------------------------------------------------------------

BOTH = example_text("LYNC-GEN-002/pass-both-interfaces.conf")
INTERNAL_ONLY = example_text("LYNC-GEN-002/fail-internal-only.conf")


def test_gen002_dns_declared_with_edge_vips_is_an_error() -> None:
    rows = fails(BOTH, "LYNC-GEN-002", {"edge_pools": [{"load_balancing": "dns"}]})
    assert rows == [
        (
            "LYNC-GEN-002",
            "error",
            "dut",
            "vips=203.0.113.5, 203.0.113.6, 203.0.113.7, 172.25.33.5",
        )
    ]


def test_gen002_internal_only_passes_when_hlb_is_declared() -> None:
    assert fails(INTERNAL_ONLY, "LYNC-GEN-002", {"edge_pools": [{"load_balancing": "hlb"}]}) == []
    assert fails(INTERNAL_ONLY, "LYNC-GEN-002")[0][1] == "error"


def test_gen002_dns_without_edge_vips_passes() -> None:
    web_only = example_text("LYNC-GEN-001/pass-no-lync.conf")
    assert fails(web_only, "LYNC-GEN-002", {"edge_pools": [{"load_balancing": "dns"}]}) == []


# -- GEN-003 -----------------------------------------------------------------------------------


def test_gen003_selects_by_members_when_the_vip_has_no_role() -> None:
    """A DSR virtual on an odd port whose pool holds the A/V Edge servers."""
    extra = """\
ltm virtual /Common/npath_av {
    destination /Common/198.51.100.77:8443
    ip-protocol tcp
    mask 255.255.255.255
    pool /Common/edge_av_443_pool
    profiles {
        /Common/fastL4 { }
    }
    translate-address disabled
}
"""
    config = example_text("LYNC-GEN-003/pass-translated.conf") + extra
    assert fails(config, "LYNC-GEN-003") == [("LYNC-GEN-003", "error", "/Common/npath_av", "")]


def test_gen003_unknown_translate_address_is_undetermined() -> None:
    device = with_unknown(
        device_of(example_text("LYNC-GEN-003/fail-av-dsr.conf")),
        "virtual_servers",
        "/Common/edge_av_3478",
        "translate_address",
    )
    findings = scan(device, ["LYNC-GEN-003"])
    assert status_of(findings, "/Common/edge_av_3478") == {"undetermined"}


# -- GEN-004 -----------------------------------------------------------------------------------


def _av_pool_with(count: int) -> Device:
    device = device_of(example_text("LYNC-GEN-004/pass-two-servers.conf"))
    pools = dict(device.pools)
    for name in ("/Common/edge_av_443_pool", "/Common/edge_av_3478_pool"):
        pool = pools[name]
        template = pool.members[0]
        members = tuple(
            dataclasses.replace(
                template,
                name=f"/Common/203.0.113.{30 + i}:{template.port}",
                address=dataclasses.replace(template.address, ip=template.address.ip + i),  # type: ignore[union-attr]
            )
            for i in range(count)
        )
        pools[name] = dataclasses.replace(pool, members=members)
    return dataclasses.replace(device, pools=pools)


@pytest.mark.parametrize(
    ("count", "product", "limit"),
    [(11, "lync2010", "at most 10"), (11, "sfb2015", None), (13, "sfb2015", "at most 12"),
     (13, None, "at most 12"), (1, None, "at least 2"), (12, None, None)],
)  # fmt: skip
def test_gen004_limits_follow_the_product(
    count: int, product: str | None, limit: str | None
) -> None:
    deployment = {"product": product} if product else None
    findings = [
        f for f in scan(_av_pool_with(count), ["LYNC-GEN-004"], deployment) if f.status == "fail"
    ]
    if limit is None:
        assert findings == []
    else:
        assert len(findings) == 2
        assert {f.witnesses["limit"] for f in findings} == {limit}
        assert all(f"has {count} Edge server(s)" in f.message for f in findings)


def test_gen004_falls_back_to_access_pools_without_av() -> None:
    access_only = example_text("LYNC-EDGE-EXT-009/fail-default-fastl4.conf")
    device = device_of(access_only)
    device = dataclasses.replace(
        device,
        virtual_servers={k: v for k, v in device.virtual_servers.items() if "_av_" not in k},
        pools={
            k: (dataclasses.replace(v, members=v.members[:1]) if "access" in k else v)
            for k, v in device.pools.items()
            if "_av_" not in k
        },
    )
    rows = fails(device, "LYNC-GEN-004", pin(access="203.0.113.5"))
    assert [r[2] for r in rows] == ["/Common/edge_access_443_pool", "/Common/edge_access_5061_pool"]


# -- EXT-001 -----------------------------------------------------------------------------------

ACCESS_443 = example_text("LYNC-EDGE-EXT-001/fail-no-5061-federation.conf")
ACCESS_BOTH = example_text("LYNC-EDGE-EXT-001/pass-443-5061.conf")
XMPP = """\
ltm virtual /Common/edge_access_5269 {
    destination /Common/203.0.113.5:5269
    ip-protocol tcp
    mask 255.255.255.255
    pool /Common/edge_access_5061_pool
    profiles {
        /Common/lync_edge_fastl4 { }
    }
}
"""


def test_ext001_federation_false_lifts_5061() -> None:
    assert fails(ACCESS_443, "LYNC-EDGE-EXT-001", pin(access="203.0.113.5", federation=False)) == []


def _without_internal_5061(config: str) -> str:
    """The Access-443 example without its Edge internal VIP (no 5061 listener anywhere)."""
    for header in ("ltm virtual /Common/edge_int_5061", "ltm pool /Common/edge_int_5061_pool"):
        config = remove_block(config, header)
    assert "edge_int_5061" not in config
    return config


def test_ext001_undeclared_federation_is_assumed_from_any_edge_5061_listener() -> None:
    # No Edge virtual listens on 5061 anywhere: federation is not assumed.
    alone = _without_internal_5061(ACCESS_443)
    assert fails(alone, "LYNC-EDGE-EXT-001", pin(access="203.0.113.5")) == []
    # The Edge internal VIP listens on 5061 (the example): federation is assumed, and the
    # message says so and how to declare it.
    findings = scan(ACCESS_443, ["LYNC-EDGE-EXT-001"], pin(access="203.0.113.5"))
    (finding,) = [f for f in findings if f.status == "fail"]
    assert (finding.object_path, finding.severity, finding.detail) == (
        "/Common/edge_access_443",
        "error",
        "missing=tcp/5061",
    )
    assert (
        "lacks tcp/5061 (federation assumed: /Common/edge_int_5061 listens on tcp/5061 on the "
        "internal Edge VIP 172.25.33.5; declare federation: false" in finding.message
    )
    assert finding.remediation is not None and "federation assumed" in finding.remediation.text
    # Another external VIP listening on 5061 makes the same assumption.
    moved = ACCESS_BOTH.replace(
        "destination /Common/203.0.113.5:5061", "destination /Common/203.0.113.7:5061"
    )
    findings = scan(moved, ["LYNC-EDGE-EXT-001"], pin(access="203.0.113.5", av="203.0.113.7"))
    (finding,) = [f for f in findings if f.status == "fail"]
    assert finding.detail == "missing=tcp/5061"
    assert "federation assumed: /Common/edge_access_5061 listens on tcp/5061" in finding.message
    # A disabled 5061 listener is no evidence.
    disabled = ACCESS_443.replace(
        "    destination /Common/172.25.33.5:5061\n",
        "    destination /Common/172.25.33.5:5061\n    disabled\n",
    )
    assert fails(disabled, "LYNC-EDGE-EXT-001", pin(access="203.0.113.5")) == []


def test_ext001_declared_federation_needs_no_assumption() -> None:
    # Declared on: 5061 is required even with no 5061 listener anywhere, and nothing is assumed.
    alone = _without_internal_5061(ACCESS_443)
    findings = scan(alone, ["LYNC-EDGE-EXT-001"], pin(access="203.0.113.5", federation=True))
    (finding,) = [f for f in findings if f.status == "fail"]
    assert finding.detail == "missing=tcp/5061"
    assert finding.witnesses["summary"] == "lacks tcp/5061"
    assert "assumed" not in finding.message
    # Declared off: the internal VIP's 5061 listener does not bring it back.
    assert fails(ACCESS_443, "LYNC-EDGE-EXT-001", pin(access="203.0.113.5", federation=False)) == []


@pytest.mark.parametrize(("answer", "failing_rows"), [("No", 0), ("Yes", 1)])
def test_ext001_the_iapp_federation_answer_is_a_declaration(answer: str, failing_rows: int) -> None:
    """The F5 Lync iApp's `edge_external_ip__federation` answer counts as declared."""
    iapp = ApplicationService(
        name="/Common/lync_edge.app/lync_edge",
        template="/Common/f5.microsoft_lync_server_2010_2013.v1.3.0",
        variables={"edge_external_ip__federation": answer},
    )
    for config in (ACCESS_443, _without_internal_5061(ACCESS_443)):
        device = device_of(config)
        device = dataclasses.replace(device, application_services={iapp.name: iapp})
        rows = fails(device, "LYNC-EDGE-EXT-001", pin(access="203.0.113.5"))
        assert len(rows) == failing_rows
        findings = scan(device, ["LYNC-EDGE-EXT-001"], pin(access="203.0.113.5"))
        assert not any("assumed" in f.message for f in findings if f.status == "fail")


def test_ext001_xmpp_on_sfb2019_is_info_and_elsewhere_fine() -> None:
    config = ACCESS_BOTH + XMPP
    rows = fails(config, "LYNC-EDGE-EXT-001", {"product": "sfb2019"})
    assert rows == [
        (
            "LYNC-EDGE-EXT-001",
            "info",
            "/Common/edge_access_443",
            "forbidden=/Common/edge_access_5269",
        )
    ]
    assert fails(config, "LYNC-EDGE-EXT-001", {"product": "sfb2015"}) == []


def test_ext001_udp_on_access_vip_is_an_error_reported_once() -> None:
    udp = XMPP.replace("5269", "3479").replace("ip-protocol tcp", "ip-protocol udp")
    rows = fails(ACCESS_BOTH + udp, "LYNC-EDGE-EXT-001", pin(access="203.0.113.5"))
    # Reported once, on the first virtual (by name) of the VIP: here the UDP listener itself.
    assert rows == [
        (
            "LYNC-EDGE-EXT-001",
            "error",
            "/Common/edge_access_3479",
            "forbidden=/Common/edge_access_3479",
        )
    ]


def test_ext001_a_disabled_listener_is_missing() -> None:
    disabled = ACCESS_BOTH.replace(
        "    destination /Common/203.0.113.5:443\n",
        "    destination /Common/203.0.113.5:443\n    disabled\n",
    )
    findings = scan(disabled, ["LYNC-EDGE-EXT-001"], pin(access="203.0.113.5", federation=True))
    (finding,) = [f for f in findings if f.status == "fail"]
    assert finding.detail == "missing=tcp/443"
    assert "tcp/443 (disabled)" in finding.message


def test_ext001_route_domains_keep_vips_apart() -> None:
    """203.0.113.5%9 has tcp/443; tcp/5061 is on 203.0.113.5 in route domain 0."""
    split = ACCESS_BOTH.replace(
        "destination /Common/203.0.113.5:443", "destination /Common/203.0.113.5%9:443"
    )
    deployment = pin(access="203.0.113.5%9", federation=True)
    # Two Access VIPs, each missing what the other route domain has.
    rows = fails(split, "LYNC-EDGE-EXT-001", deployment)
    assert rows == [
        ("LYNC-EDGE-EXT-001", "error", "/Common/edge_access_443", "missing=tcp/5061"),
        ("LYNC-EDGE-EXT-001", "error", "/Common/edge_access_5061", "missing=tcp/443"),
    ]
    findings = scan(split, ["LYNC-EDGE-EXT-001"], deployment)
    (finding,) = [
        f for f in findings if f.status == "fail" and f.object_path == "/Common/edge_access_443"
    ]
    assert finding.witnesses["vip"] == "203.0.113.5%9"
    assert finding.remediation is not None and finding.remediation.tmsh is not None
    assert "destination 203.0.113.5%9:5061" in finding.remediation.tmsh
    assert "members add { 203.0.113.10:5061 203.0.113.11:5061 }" in finding.remediation.tmsh


# -- EXT-002 / EXT-003 ---------------------------------------------------------------------------


def test_ext002_444_passes_when_single_ip_is_declared() -> None:
    config = example_text("LYNC-EDGE-EXT-002/fail-webconf-444.conf")
    deployment = pin(access="203.0.113.5", webconf="203.0.113.6", single_ip=True)
    assert fails(config, "LYNC-EDGE-EXT-002", deployment) == []


@pytest.mark.parametrize("rule_id", ["LYNC-EDGE-EXT-002", "LYNC-EDGE-EXT-004"])
def test_single_ip_vip_listeners_and_pools_pass(rule_id: str) -> None:
    """One VIP, one set of servers for all three services: by design, not a port or pool error."""
    findings = scan(example_text("LYNC-EDGE-EXT-003/fail-single-ip.conf"), [rule_id])
    assert len(findings) == 4 and failing(findings) == []


def test_ext003_declared_single_ip_is_info() -> None:
    rows = fails(
        example_text("LYNC-EDGE-EXT-003/fail-single-ip.conf"),
        "LYNC-EDGE-EXT-003",
        {"edge_pools": [{"single_ip": True}]},
    )
    assert rows == [("LYNC-EDGE-EXT-003", "info", "/Common/edge_single_3478", "")]


# -- EXT-004 -----------------------------------------------------------------------------------

CONSISTENT = example_text("LYNC-EDGE-EXT-004/pass-consistent.conf")


def test_ext004_overlapping_roles_warn_unless_single_ip() -> None:
    # The Web Conferencing pool holds the Access addresses.
    overlap = CONSISTENT.replace("203.0.113.20", "203.0.113.10").replace(
        "203.0.113.21", "203.0.113.11"
    )
    findings = scan(overlap, ["LYNC-EDGE-EXT-004"], pin(webconf="203.0.113.6"))
    rows = failing(findings)
    assert (
        "LYNC-EDGE-EXT-004",
        "warning",
        "/Common/edge_webconf_443_pool",
        "shared=203.0.113.10, 203.0.113.11",
    ) in rows
    assert all(r[3].startswith("shared=203.0.113.10, 203.0.113.11") for r in rows)
    deployment = pin(webconf="203.0.113.6", single_ip=True)
    assert fails(overlap, "LYNC-EDGE-EXT-004", deployment) == []


def test_ext004_translate_port_disabled_is_not_translation() -> None:
    config = edit_block(
        example_text("LYNC-EDGE-EXT-004/fail-av-port-translation.conf"),
        "ltm virtual /Common/edge_av_3478",
        "translate-port enabled",
        "translate-port disabled",
    )
    assert fails(config, "LYNC-EDGE-EXT-004") == []


def test_ext004_port_translation_on_access_is_a_warning() -> None:
    config = CONSISTENT.replace("/Common/203.0.113.10:5061 {", "/Common/203.0.113.10:5062 {")
    rows = fails(config, "LYNC-EDGE-EXT-004")
    assert rows == [
        (
            "LYNC-EDGE-EXT-004",
            "warning",
            "/Common/edge_access_5061_pool",
            "translated=203.0.113.10:5062",
        )
    ]


# -- EXT-005 -----------------------------------------------------------------------------------


def test_ext005_matches_profile_type_not_name_and_covers_internal() -> None:
    custom = """\
ltm profile client-ssl /Common/edge_cert {
    app-service none
    defaults-from /Common/clientssl
}
ltm profile sip /Common/sip_alg {
    app-service none
    defaults-from /Common/sip
}
"""
    config = example_text("LYNC-GEN-001/pass-edge-recognized.conf") + custom
    config = edit_block(
        config,
        "ltm virtual /Common/edge_av_443",
        "/Common/lync_edge_fastl4 { }",
        "/Common/lync_edge_fastl4 { }\n"
        "        /Common/edge_cert {\n            context clientside\n        }",
    )
    config = edit_block(
        config,
        "ltm virtual /Common/edge_int_5061",
        "/Common/lync_edge_fastl4 { }",
        "/Common/lync_edge_fastl4 { }\n        /Common/sip_alg { }",
    )
    rows = fails(config, "LYNC-EDGE-EXT-005")
    assert rows == [
        ("LYNC-EDGE-EXT-005", "error", "/Common/edge_av_443", "profiles=/Common/edge_cert"),
        ("LYNC-EDGE-EXT-005", "error", "/Common/edge_int_5061", "profiles=/Common/sip_alg"),
    ]


def test_ext005_unresolvable_profile_is_undetermined() -> None:
    config = example_text("LYNC-EDGE-EXT-005/pass-fastl4.conf").replace(
        "/Common/lync_edge_fastl4 { }", "/Common/nowhere { }", 1
    )
    findings = scan(config, ["LYNC-EDGE-EXT-005"])
    assert {f.status for f in findings} == {"pass", "undetermined"}


# -- EXT-006 -----------------------------------------------------------------------------------

MONITORED = example_text("LYNC-EDGE-EXT-006/pass-tcp-monitors.conf")


def _set_monitor(pool: str, monitor: str) -> str:
    return edit_block(
        MONITORED, f"ltm pool {pool}", "monitor /Common/lync_edge_tcp_443", f"monitor {monitor}"
    )


@pytest.mark.parametrize(
    ("monitor", "issues"),
    [
        ("/Common/udp and /Common/gateway_icmp", None),
        ("/Common/udp", None),
        ("/Common/tcp", None),
        ("min 1 of { /Common/tcp /Common/gateway_icmp }", None),
        ("/Common/icmp", ["only ICMP monitors (/Common/icmp)"]),
        (
            "/Common/https_443",
            ["/Common/https_443 sends an HTTP request to a non-HTTP Edge service"],
        ),
        ("/Common/http", ["/Common/http sends an HTTP request to a non-HTTP Edge service"]),
    ],
)
def test_ext006_monitor_kinds(monitor: str, issues: list[str] | None) -> None:
    config = _set_monitor("/Common/edge_av_3478_pool", monitor)
    findings = [
        f
        for f in scan(config, ["LYNC-EDGE-EXT-006"])
        if f.object_path == "/Common/edge_av_3478_pool"
    ]
    (finding,) = findings
    if issues is None:
        assert finding.status == "pass"
    else:
        assert finding.status == "fail" and finding.witnesses["issues"] == issues


def test_ext006_single_ip_webconf_monitor_on_444_passes() -> None:
    config = example_text("LYNC-EDGE-EXT-003/fail-single-ip.conf") + (
        "ltm monitor tcp /Common/lync_edge_tcp_444 {\n    defaults-from /Common/tcp\n"
        "    destination *:444\n}\n"
    )
    config = edit_block(
        config,
        "ltm pool /Common/edge_single_444_pool",
        "monitor /Common/lync_edge_tcp_443",
        "monitor /Common/lync_edge_tcp_444",
    )
    findings = scan(config, ["LYNC-EDGE-EXT-006"])
    assert len(findings) == 4 and failing(findings) == []
    # The same monitor on a pool whose members listen on 443 probes the wrong port.
    wrong = edit_block(
        config,
        "ltm pool /Common/edge_single_443_pool",
        "monitor /Common/lync_edge_tcp_443",
        "monitor /Common/lync_edge_tcp_444",
    )
    assert [r[2] for r in fails(wrong, "LYNC-EDGE-EXT-006")] == ["/Common/edge_single_443_pool"]


def test_ext006_alias_address_and_custom_chain() -> None:
    alias = """\
ltm monitor tcp /Common/probe_internal_nic {
    defaults-from /Common/lync_edge_tcp_443
    destination 172.25.33.10:443
}
ltm monitor tcp /Common/inherits_5061 {
    defaults-from /Common/lync_edge_tcp_5061
}
"""
    config = _set_monitor("/Common/edge_av_443_pool", "/Common/probe_internal_nic")
    config = config.replace(
        "    monitor /Common/lync_edge_tcp_5061\n", "    monitor /Common/inherits_5061\n"
    )
    rows = fails(config + alias, "LYNC-EDGE-EXT-006")
    assert rows == [
        (
            "LYNC-EDGE-EXT-006",
            "warning",
            "/Common/edge_av_443_pool",
            "issues=/Common/probe_internal_nic probes 172.25.33.10, not the member",
        )
    ]


def test_ext006_unknown_monitor_is_undetermined_and_min_active_keeps_warning() -> None:
    config = _set_monitor("/Common/edge_av_443_pool", "/Common/not_defined_here")
    findings = scan(config, ["LYNC-EDGE-EXT-006"])
    assert status_of(findings, "/Common/edge_av_443_pool") == {"undetermined"}
    no_monitor = example_text("LYNC-EDGE-EXT-006/fail-av-no-monitor.conf").replace(
        "ltm pool /Common/edge_av_3478_pool {\n",
        "ltm pool /Common/edge_av_3478_pool {\n    min-active-members 1\n",
    )
    assert fails(no_monitor, "LYNC-EDGE-EXT-006") == [
        ("LYNC-EDGE-EXT-006", "warning", "/Common/edge_av_3478_pool", "issues=no monitor")
    ]


# -- EXT-007 / EXT-008 ---------------------------------------------------------------------------


def test_ext007_covers_internal_pools() -> None:
    config = example_text("LYNC-GEN-002/fail-internal-only.conf").replace(
        "load-balancing-mode least-connections-member", "load-balancing-mode observed-member", 1
    )
    assert fails(config, "LYNC-EDGE-EXT-007") == [
        ("LYNC-EDGE-EXT-007", "info", "/Common/edge_int_443_pool", "")
    ]


def test_ext008_short_timeout_is_only_checked_on_access_and_av() -> None:
    config = example_text("LYNC-GEN-002/fail-internal-only.conf").replace(
        "timeout 1800", "timeout 180"
    )
    assert fails(config, "LYNC-EDGE-EXT-008") == []
    config = example_text("LYNC-EDGE-EXT-008/pass-source-addr.conf").replace(
        "timeout 1800", "timeout 180"
    )
    rows = fails(config, "LYNC-EDGE-EXT-008")
    assert {r[1] for r in rows} == {"info"} and len(rows) == 4


# -- EXT-009 -----------------------------------------------------------------------------------


def test_ext009_both_contexts_are_checked_and_custom_profiles_are_modified() -> None:
    short = """\
ltm profile tcp /Common/lync_wan {
    app-service none
    defaults-from /Common/tcp-wan-optimized
    idle-timeout 600
}
"""
    config = example_text("LYNC-EDGE-EXT-009/pass-1800.conf").replace(
        "        /Common/lync_edge_tcp { }\n",
        "        /Common/lync_edge_tcp {\n            context serverside\n        }\n"
        "        /Common/lync_wan {\n            context clientside\n        }\n",
    )
    findings = scan(config + short, ["LYNC-EDGE-EXT-009"])
    assert failing(findings) == [
        ("LYNC-EDGE-EXT-009", "warning", "/Common/edge_av_443", "profiles=/Common/lync_wan")
    ]
    (finding,) = [f for f in findings if f.status == "fail"]
    assert finding.remediation is not None
    assert finding.remediation.tmsh == "modify ltm profile tcp /Common/lync_wan idle-timeout 1800"


def test_ext009_webconf_and_udp_are_out_of_scope() -> None:
    config = example_text("LYNC-EDGE-EXT-004/pass-consistent.conf").replace(
        "/Common/lync_edge_fastl4 { }", "/Common/fastL4 { }"
    )
    rows = fails(config, "LYNC-EDGE-EXT-009")
    assert [r[2] for r in rows] == [
        "/Common/edge_access_443",
        "/Common/edge_access_5061",
        "/Common/edge_av_443",
    ]


def test_ext009_unknown_profiles_are_undetermined() -> None:
    device = with_unknown(
        device_of(example_text("LYNC-EDGE-EXT-009/fail-default-fastl4.conf")),
        "virtual_servers",
        "/Common/edge_access_443",
        "profiles",
    )
    findings = scan(device, ["LYNC-EDGE-EXT-009", "LYNC-EDGE-EXT-005"])
    assert status_of(findings, "/Common/edge_access_443") == {"undetermined"}


# -- the predicates ----------------------------------------------------------------------------


def _compiler() -> Compiler:
    """A compiler with every registered predicate and the roots of the rule pack's conditions."""
    registry = collect(make_plugin_manager(load_entrypoints=False))
    roots: dict[str, Any] = {
        "object": Any,
        "device": Device,
        "roles": ROLES_TYPE,
        "topology": Topology,
    }
    return Compiler(registry.predicates, roots)


def test_predicates_are_registered_documented_and_their_examples_compile() -> None:
    compiler = _compiler()
    for predicate in ext.PREDICATES:
        assert predicate.name.startswith("lync.")
        assert compiler.predicates[predicate.name] is predicate
        assert predicate.summary and predicate.example.startswith(predicate.name + ":")
        assert predicate.arguments["additionalProperties"] is False
        node = yaml.safe_load(predicate.example)
        compile_condition(node, compiler)


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"lync.member-count": {"pool": "object"}}, "give 'min', 'max' or both"),
        ({"lync.vip-services": {"virtual": "object"}}, "give 'require', 'forbid' or both"),
        ({"lync.vip-services": {"virtual": "object", "require": ["tcp443"]}}, "protocol/port"),
        ({"lync.first-on-vip": {"virtual": "object", "role": []}}, "role name"),
        (
            {"lync.monitors-probe-service": {"pool": "object", "ports": {"edge_av": ["x"]}}},
            "port numbers",
        ),
    ],
)
def test_predicate_arguments_are_checked(node: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        compile_condition(node, _compiler())


def test_rule_files_carry_the_conventions() -> None:
    for rule_id in RULE_IDS:
        data = yaml.safe_load((PACK / f"{rule_id}.yaml").read_text("utf-8"))
        assert data["id"] == rule_id
        assert {"lync", "edge"} <= set(data["tags"])
        assert ("gen" if rule_id.startswith("LYNC-GEN") else "ext") in data["tags"]
        assert data["references"] and data["metadata"]["catalog"] == rule_id
        # `lyncpolicy rules show`: the first paragraph says what, the next ones why.
        paragraphs = [p for p in data["description"].split("\n\n") if p.strip()]
        assert len(paragraphs) >= 2 and paragraphs[1].startswith("Why it matters:"), rule_id
        assert "Why it matters" not in paragraphs[0], rule_id
        assert data["remediation"]["text"] and (
            "tmsh" in data["remediation"]
            or rule_id
            in (
                "LYNC-GEN-001",
                "LYNC-GEN-002",
            )
        ), rule_id


# -- device-level findings are located -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "expected"),
    [
        # The first weak virtual (the VIP whose role is uncertain); the object a hint names.
        (
            "LYNC-GEN-001",
            [
                ("fail-lone-private-3478.conf", "/Common/vs_3478"),
                ("fail-lync-hints-no-edge.conf", "/Common/lync_fe_web_ext"),
            ],
        ),
        # The first virtual of the first VIP reported.
        ("LYNC-GEN-002", [("fail-internal-only.conf", "/Common/edge_int_3478")]),
    ],
)
def test_device_level_findings_point_at_the_object_to_fix(
    rule_id: str, expected: list[tuple[str, str]]
) -> None:
    assert located_examples(rule_id) == expected
