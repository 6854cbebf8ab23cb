"""Reporters: the sample reports every format's tests render, golden files, and shared behaviour.

The other ``test_reporters_*.py`` modules import ``sample_report``, ``failed_report``,
``OPTIONS`` and ``check_golden`` from here. Golden files live in ``tests/data/reports/``;
regenerate them only on purpose::

    LYNCPOLICY_UPDATE_GOLDEN=1 python -m pytest -o addopts="" tests/test_reporters_*.py

and review the diff before committing. Without the variable a missing or different golden
file fails the test.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pluggy
import pytest

from lyncpolicy import hookspecs
from lyncpolicy.findings import (
    Finding,
    InputInfo,
    Reference,
    Remediation,
    Report,
    RuleMeta,
    Suppression,
)
from lyncpolicy.hookspecs import ReporterSpec
from lyncpolicy.model import NO_SOURCE, Source
from lyncpolicy.plugins import DEFAULT_PLUGINS, collect
from lyncpolicy.reporters import LazyReporter, builtin_reporters
from lyncpolicy.reporters._common import count, rules_by_id, summary_line

DATA = Path(__file__).resolve().parent / "data"
GOLDEN_DIR = DATA / "reports"
REFERENCE = DATA / "reference"
UPDATE_ENV = "LYNCPOLICY_UPDATE_GOLDEN"
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
# Fixed values for what would otherwise depend on the machine or the clock.
OPTIONS: dict[str, object] = {
    "color": False,
    "sarif_root": "/work/repo",
    "timestamp": "2025-01-31T12:00:00",
    "hostname": "ci-runner",
    "automation_id": "lyncpolicy/nightly",
}

DEVICE_A = "bigip-a.example.com"
DEVICE_B = "bigip-b"
CONF_A = "configs/bigip-a/bigip.conf"
BASE_A = "configs/bigip-a/bigip_base.conf"
UCS_B = "backups/bigip-b.ucs"
MESSY = 'Edge addresses 203.0.113.30, 203.0.113.31 cannot leave: 100% <A/V> | "loss" & `x`'


def reporter(name: str) -> ReporterSpec:
    return {r.name: r for r in builtin_reporters()}[name]


def render(name: str, report: Report, **options: object) -> str:
    return reporter(name).render(report, {**OPTIONS, **options})


def check_golden(name: str, actual: str) -> None:
    """Compare with ``tests/data/reports/NAME``; rewrite it only with LYNCPOLICY_UPDATE_GOLDEN=1."""
    path = GOLDEN_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), f"golden file {path} is missing: create it with {UPDATE_ENV}=1"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs from its golden file (see the diff above)"


def _rules() -> tuple[RuleMeta, ...]:
    ref = Reference("Port summary - Scaled consolidated edge, hardware load balancers",
                    "https://learn.microsoft.com/en-us/skypeforbusiness/edge")
    return (
        RuleMeta("LYNC-EDGE-AV-001", "A/V Edge virtual servers must not use SNAT", "error",
                 "Checks that the A/V Edge VIPs keep the client's address.\n\nWith SNAT every "
                 "client looks like the BIG-IP and media fails.",
                 "Set source-address-translation to none on {object.name}.", (ref,),
                 ("av", "snat", "security"), None, "lync-edge"),
        RuleMeta("LYNC-EDGE-EXT-009", "Edge TCP idle timeout is at least 1800 s", "warning",
                 "Short idle timeouts drop idle SIP connections.", "Raise idle-timeout.",
                 (), ("timeouts",), "https://lyncpolicy.dev/rules/LYNC-EDGE-EXT-009",
                 "lync-edge"),
        RuleMeta("LYNC-EDGE-NAT-001", "Edge external addresses are not NATed", "warning",
                 "Microsoft does not support NAT with hardware load balanced Edge pools.",
                 "Use public addresses, or waive this rule for the NAT-aware design.", (ref,),
                 ("nat",), None, "lync-edge"),
        RuleMeta("LYNC-EDGE-NET-002", "Every Edge external address has an outbound path",
                 "error", "Each Edge external address must be able to leave through the BIG-IP.",
                 "Add a forwarding virtual covering {uncovered}.", (), ("routing", "security"),
                 None, "lync-edge"),
        RuleMeta("LYNC-EDGE-NET-009", "The Edge gateway self IP floats in an HA pair",
                 "warning", "A non-floating gateway breaks the return path on failover.",
                 "Make the self IP floating.", (), ("ha",), None, "lync-edge"),
        RuleMeta("LYNC-GEN-001", "The device runs a supported TMOS version", "info",
                 "Old TMOS versions miss fixes that Edge traffic needs.", "Upgrade TMOS.",
                 (), (), None, "lync-edge"),
    )


def _topology() -> dict[str, object]:
    return {
        "devices": [
            {
                "device": DEVICE_A,
                "found": True,
                "ha": True,
                "edge_pools": [
                    {
                        "name": "edge-pool-1",
                        "vips": [
                            {"role": "access", "address": "203.0.113.5", "route_domain": 0,
                             "virtual_servers": ["/Common/edge_access_443",
                                                 "/Common/edge_access_5061"],
                             "ports": ["tcp/443", "tcp/5061"],
                             "evidence": ["port signature tcp/443+tcp/5061"], "confidence": 0.85},
                            {"role": "webconf", "address": "203.0.113.6", "route_domain": 0,
                             "virtual_servers": ["/Common/edge_webconf_443"],
                             "ports": ["tcp/443"], "evidence": [], "confidence": 0.7},
                            {"role": "av", "address": "203.0.113.7", "route_domain": 0,
                             "virtual_servers": ["/Common/edge_av_3478", "/Common/edge_av_443"],
                             "ports": ["udp/3478", "tcp/443"],
                             "evidence": ["port signature udp/3478+tcp/443"], "confidence": 0.8},
                            {"role": "internal", "address": "172.25.33.5", "route_domain": 0,
                             "virtual_servers": ["/Common/edge_int_443"], "ports": ["tcp/443"],
                             "evidence": [], "confidence": 0.85},
                        ],
                        "servers": [
                            {"name": "edge01", "access": "203.0.113.10",
                             "webconf": "203.0.113.20", "av": "203.0.113.30",
                             "internal": "172.25.33.10", "nat": None},
                            {"name": "edge02", "access": "203.0.113.11",
                             "webconf": "203.0.113.21", "av": "203.0.113.31",
                             "internal": "172.25.33.11", "nat": None},
                        ],
                    }
                ],
                "forwarding_virtuals": [
                    {"name": "/Common/edge_outbound_fwd", "direction": "outbound",
                     "source": "203.0.113.0/26", "destination": "0.0.0.0/0",
                     "vlans": ["/Common/edge_dmz"]},
                    {"name": "/Common/edge_inbound_fwd", "direction": "inbound",
                     "source": "0.0.0.0/0", "destination": "203.0.113.0/26",
                     "vlans": ["/Common/external"]},
                ],
                "nats": [{"name": "/Common/nat_edge01", "originating": "203.0.113.30",
                          "translation": "198.51.100.30"}],
                "snats": [{"name": "/Common/snat_mgmt", "origins": ["10.0.0.0/24"],
                           "translation": "automap"}],
                "gateway_self_ips": [{"name": "/Common/edge_dmz_float",
                                      "address": "203.0.113.1/26", "vlan": "/Common/edge_dmz",
                                      "floating": True}],
                "default_routes": [{"name": "/Common/default", "route_domain": 0,
                                    "gateway": "198.51.100.1"}],
            },
            {
                "device": DEVICE_B,
                "found": True,
                "ha": False,
                "edge_pools": [
                    {
                        "name": "/Common/edge_pool_b",
                        "vips": [
                            {"role": "av", "address": "10.45.16.7", "route_domain": 9,
                             "virtual_servers": ["/Common/edge_av_3478"],
                             "ports": ["udp/3478"], "evidence": [], "confidence": 0.6},
                        ],
                        "servers": [{"name": "edge11", "access": None, "webconf": None,
                                     "av": "10.45.16.30", "internal": None,
                                     "nat": "198.51.100.31"}],
                    }
                ],
                "forwarding_virtuals": [],
                "nats": [],
                "snats": [],
                "gateway_self_ips": [{"name": "/Common/edge_dmz_self", "address": "10.45.16.2/24",
                                      "vlan": "/Common/edge_dmz", "floating": False}],
                "default_routes": [],
            },
            {"device": "bigip-lab", "found": False, "ha": False, "edge_pools": []},
        ]
    }


def sample_report() -> Report:
    """Two devices (a tmsh pair and a UCS archive), every status and suppression kind, a
    finding without a source, a device-level finding and text that needs escaping."""
    archive_b = Source("bigip-b/config/bigip.conf", 812, 830, UCS_B, "config/bigip.conf")
    findings = (
        Finding("LYNC-EDGE-AV-001", "error", "fail", "/Common/edge_av_3478", "virtual_servers",
                DEVICE_A, "A/V virtual /Common/edge_av_3478 uses SNAT (automap)",
                Source(CONF_A, 40, 55),
                Remediation("Set source-address-translation to none on /Common/edge_av_3478.",
                            "modify ltm virtual /Common/edge_av_3478 "
                            "source-address-translation { type none }",
                            'source_address_translation = "none"'),
                tags=("av", "snat", "security"), witnesses={"actual": "automap"}),
        Finding("LYNC-EDGE-AV-001", "error", "pass", "/Common/edge_av_443", "virtual_servers",
                DEVICE_A, "A/V Edge virtual servers must not use SNAT", Source(CONF_A, 57, 70)),
        Finding("LYNC-EDGE-AV-001", "error", "fail", "/Common/edge_av_3478", "virtual_servers",
                DEVICE_B, "A/V virtual /Common/edge_av_3478 uses SNAT (snatpool)", archive_b,
                Remediation("Set source-address-translation to none on /Common/edge_av_3478.")),
        Finding("LYNC-EDGE-NET-002", "error", "fail", "/Common/edge_outbound_fwd",
                "virtual_servers", DEVICE_A, MESSY, Source(CONF_A, 120, 131),
                Remediation("Add a forwarding virtual covering 203.0.113.30, 203.0.113.31."),
                detail="uncovered=203.0.113.30, 203.0.113.31",
                witnesses={"uncovered": ["203.0.113.30", "203.0.113.31"], "count": 2}),
        Finding("LYNC-EDGE-NAT-001", "warning", "suppressed", "/Common/nat_edge01", "nats",
                DEVICE_A, "NAT /Common/nat_edge01 translates an Edge external address",
                Source(CONF_A, 200, 204),
                suppression=Suppression("waiver", "F5 NAT-aware design accepted, CAB-1234",
                                        "netops", "CAB-1234", "2027-06-30")),
        Finding("LYNC-EDGE-NAT-001", "warning", "suppressed", "/Common/nat_edge11", "nats",
                DEVICE_B, "NAT /Common/nat_edge11 translates an Edge external address",
                Source("bigip-b/config/bigip.conf", 900, 903, UCS_B, "config/bigip.conf"),
                suppression=Suppression("baseline", "in baseline lyncpolicy-baseline.json")),
        Finding("LYNC-EDGE-EXT-009", "warning", "suppressed", "/Common/edge_access_443",
                "virtual_servers", DEVICE_A, "idle timeout 300 s is below 1800 s",
                Source(CONF_A, 10, 25),
                suppression=Suppression("inline", "load test profile, revert after UAT")),
        Finding("LYNC-EDGE-EXT-009", "warning", "pass", "/Common/edge_access_443",
                "virtual_servers", DEVICE_B, "Edge TCP idle timeout is at least 1800 s",
                Source("bigip-b/config/bigip.conf", 700, 712, UCS_B, "config/bigip.conf")),
        Finding("LYNC-EDGE-NET-009", "warning", "undetermined", "/Common/edge_dmz_self",
                "self_ips", DEVICE_B,
                "cannot decide 'The Edge gateway self IP floats in an HA pair' for "
                "/Common/edge_dmz_self: unknown: device group",
                Source("bigip-b/config/bigip_base.conf", 30, 36, UCS_B,
                       "config/bigip_base.conf")),
        Finding("LYNC-GEN-001", "info", "fail", DEVICE_A, "device", DEVICE_A,
                "TMOS 11.6.0 is older than 13.1", None,
                Remediation("Upgrade TMOS to a supported version.")),
        Finding("LYNC-GEN-001", "info", "pass", DEVICE_B, "device", DEVICE_B,
                "The device runs a supported TMOS version", NO_SOURCE),
    )
    return Report(
        findings=findings,
        rules=_rules(),
        inputs=(
            InputInfo(BASE_A, "tmsh", DEVICE_A),
            InputInfo(CONF_A, "tmsh", DEVICE_A),
            InputInfo(UCS_B, "archive", DEVICE_B),
        ),
        devices=(DEVICE_A, DEVICE_B),
        object_count=2345,
        elapsed_seconds=1.2345,
        tool_version="9.9.9",
        topology=_topology(),
    )


def failed_report() -> Report:
    """A scan that could not read one input: incomplete, with one failure found anyway."""
    report = sample_report()
    return dataclasses.replace(
        report,
        findings=report.findings[:1],
        execution_successful=False,
        errors=("backups/bigip-c.ucs: archive is truncated (re-copy the file)",),
        topology={},
    )


def empty_report() -> Report:
    return Report(findings=(), rules=())


# -- shared behaviour ---------------------------------------------------------------------------


def test_builtin_reporters_have_the_documented_names() -> None:
    reporters = builtin_reporters()
    assert [r.name for r in reporters] == list(FORMATS)
    assert all(isinstance(r, ReporterSpec) for r in reporters)
    for lazy in reporters:
        assert isinstance(lazy, LazyReporter)
        real = lazy.load()
        assert isinstance(real, ReporterSpec) and real.name == lazy.name


def test_reporters_are_a_default_plugin() -> None:
    assert "lyncpolicy.reporters" in DEFAULT_PLUGINS
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(importlib.import_module("lyncpolicy.reporters"), name="lyncpolicy.reporters")
    registry = collect(pm)
    assert list(registry.reporters) == list(FORMATS)
    for name in FORMATS:
        assert registry.owner("reporter", name) == "lyncpolicy.reporters"


def test_registering_the_reporters_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "import lyncpolicy.reporters as plugin\n"
        "plugin.lyncpolicy_reporters()\n"
        "heavy = ('tabulate', 'jsonschema', 'xml.etree.ElementTree', 'socket',\n"
        "         *plugin.BUILTIN_MODULES)\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "from lyncpolicy.findings import Report\n"
        "[r for r in plugin.builtin_reporters() if r.name == 'text'][0].render(\n"
        "    Report((), ()), {})\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    at_start, after_text = done.stdout.splitlines()
    assert at_start == ""
    assert after_text == "lyncpolicy.reporters.text"  # no table to draw: no tabulate


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_is_deterministic_and_ignores_unknown_options(name: str) -> None:
    report = sample_report()
    first = render(name, report)
    assert first == render(name, report, unknown_option=object(), another=None)
    assert first.endswith("\n")


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_renders_an_empty_and_a_failed_report(name: str) -> None:
    assert render(name, empty_report()).strip()
    assert render(name, failed_report()).strip()


def test_summary_line_counts_statuses_severities_and_kinds() -> None:
    line = summary_line(sample_report())
    assert line == (
        "4 failed (3 error, 1 info), 1 undetermined, 3 suppressed (1 waiver, 1 baseline, "
        "1 inline), 3 passed; 3 inputs, 2 devices, 2345 objects in 1.23s"
    )
    assert summary_line(failed_report()).startswith("scan incomplete (1 error): 1 failed")
    assert summary_line(empty_report()) == (
        "0 failed, 0 undetermined, 0 suppressed, 0 passed; 0 inputs, 0 devices, 0 objects "
        "in 0.00s"
    )


def test_counts_by_status_and_severity() -> None:
    counts = count(sample_report().findings)
    assert counts.total == 11 and counts.failed == 4
    assert counts.by_status_and_severity[("suppressed", "warning")] == 3
    assert counts.by_status_and_severity[("pass", "info")] == 1


def test_rules_by_id_adds_a_stand_in_for_an_undescribed_rule() -> None:
    report = sample_report()
    stray = dataclasses.replace(report.findings[0], rule_id="ACME-X-001")
    rules = rules_by_id(dataclasses.replace(report, findings=(*report.findings, stray)))
    assert list(rules) == sorted(rules)
    assert rules["ACME-X-001"].severity == "error" and rules["ACME-X-001"].title == "ACME-X-001"
