"""End to end: the seed scenarios and the examples, through `lyncpolicy scan`, as tmsh and as UCS.

Each scenario folder holds a two-file configuration (`bigip_base.conf` + `bigip.conf`), an
optional intent (`lyncpolicy.yaml`) and `EXPECTED.md`, the reasoning behind the table below.
Two decisions override EXPECTED.md where they differ (issue 5): in the declared NAT design
LYNC-EDGE-NAT-001 is the only warning (AV-004 passes), and a missing NAT is reported by
LYNC-EDGE-NAT-002 alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from archive_factory import Entry, write_archive
from click.testing import CliRunner

from lyncpolicy.cli import cli

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SCENARIOS = TESTS / "data" / "scenarios"

Row = tuple[str, str, str, str]  # rule, severity, object, detail

INTERNAL_AV_SNAT_INFO: list[Row] = [
    ("LYNC-EDGE-AV-001", "info", "/Common/edge_int_3478", ""),
    ("LYNC-EDGE-AV-001", "info", "/Common/edge_int_443", ""),
]
GATEWAY_INFO: list[Row] = [("LYNC-EDGE-NET-001", "info", "/Common/edge_dmz_float", "")]
DEVICE = "bigip1.example.com"


def _uncovered(*addresses: str) -> list[Row]:
    return [("LYNC-EDGE-NET-002", "error", DEVICE, f"address={a}") for a in addresses]


D_INTERNAL = [
    f"/Common/lync_edge.app/lync_edge_edge_internal_ip_{port}" for port in (443, 3478, 5061, 5062)
]
D_SSL_PERSIST = [
    ("/Common/lync_edge.app/lync_edge_edge_external_ip_access",
     "/Common/lync_edge.app/lync_edge_edge_external_ip_ssl_persistence"),
    ("/Common/lync_edge.app/lync_edge_edge_external_ip_access_5061",
     "/Common/lync_edge.app/lync_edge_edge_external_ip_ssl_persistence"),
    ("/Common/lync_edge.app/lync_edge_edge_internal_ip_5061",
     "/Common/lync_edge.app/lync_edge_edge_internal_ip_ssl_persistence"),
    ("/Common/lync_edge.app/lync_edge_edge_internal_ip_5062",
     "/Common/lync_edge.app/lync_edge_edge_internal_ip_ssl_persistence"),
]
NATS = [f"/Common/edge0{n}_{role}_nat" for n in (1, 2) for role in ("access", "av", "webconf")]

EXPECTED: dict[str, list[Row]] = {
    "a_supported": INTERNAL_AV_SNAT_INFO + GATEWAY_INFO,
    "b_av_snat": [
        ("LYNC-EDGE-AV-001", "error", "/Common/edge_av_3478", ""),
        ("LYNC-EDGE-AV-001", "error", "/Common/edge_av_443", ""),
        *INTERNAL_AV_SNAT_INFO,
        *GATEWAY_INFO,
    ],
    "c_fwd_primary_only": [
        *INTERNAL_AV_SNAT_INFO,
        *GATEWAY_INFO,
        *_uncovered("203.0.113.20%9", "203.0.113.21%9", "203.0.113.30%9", "203.0.113.31%9"),
    ],
    "d_iapp_internal_route": [
        *[("LYNC-EDGE-EXT-008", "warning", vs, f"persistence={p}") for vs, p in D_SSL_PERSIST],
        *[("LYNC-EDGE-INT-003", "error", vs, "") for vs in D_INTERNAL],
        *GATEWAY_INFO,
    ],
    "e_nat_design": [
        *INTERNAL_AV_SNAT_INFO,
        *[("LYNC-EDGE-NAT-001", "warning", nat, "") for nat in NATS],
        *GATEWAY_INFO,
    ],
    "e_nat_design_missing": [
        *INTERNAL_AV_SNAT_INFO,
        *[("LYNC-EDGE-NAT-001", "warning", nat, "") for nat in NATS if nat != NATS[4]],
        ("LYNC-EDGE-NAT-002", "error", DEVICE, "address=10.45.16.31"),
        *GATEWAY_INFO,
    ],
}
EXAMPLES: dict[str, list[Row]] = {
    "clean": INTERNAL_AV_SNAT_INFO + GATEWAY_INFO,
    "broken": [
        ("LYNC-EDGE-AV-001", "error", "/Common/edge_av_3478", ""),
        ("LYNC-EDGE-AV-001", "error", "/Common/edge_av_443", ""),
        *INTERNAL_AV_SNAT_INFO,
        ("LYNC-EDGE-EXT-009", "warning", "/Common/edge_access_443", "profiles=/Common/fastL4"),
        *GATEWAY_INFO,
        *_uncovered("203.0.113.20", "203.0.113.21", "203.0.113.30", "203.0.113.31"),
        ("LYNC-EDGE-NET-004", "warning", "/Common/edge_outbound_fwd", ""),
        ("LYNC-EDGE-INT-001", "error", DEVICE, "vip=172.25.33.5"),
    ],
}


def _scan(args: list[str]) -> tuple[int, dict[str, object]]:
    # No configuration file other than the scenario's own intent.
    isolation = [] if "--config" in args else ["--isolated"]
    result = CliRunner().invoke(cli, ["scan", "--format", "json", *isolation, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def _failing(report: dict[str, object]) -> list[Row]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted(
        (f["rule_id"], f["severity"], f["object"], f.get("detail", ""))
        for f in findings
        if f["status"] == "fail"
    )


def _intent(folder: Path) -> list[str]:
    config = folder / "lyncpolicy.yaml"
    return ["--config", str(config)] if config.is_file() else []


def _exit_for(rows: list[Row]) -> int:
    return 1 if any(severity == "error" for _, severity, _, _ in rows) else 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_as_tmsh(name: str) -> None:
    folder = SCENARIOS / name
    files = [str(folder / "bigip_base.conf"), str(folder / "bigip.conf")]
    code, report = _scan([*files, *_intent(folder)])
    assert _failing(report) == sorted(EXPECTED[name])
    assert code == _exit_for(EXPECTED[name])
    assert not [f for f in report["findings"] if f["status"] == "undetermined"]  # type: ignore[union-attr]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_as_ucs_gives_the_same_findings(name: str, tmp_path: Path) -> None:
    folder = SCENARIOS / name
    archive = write_archive(
        tmp_path / f"{name}.ucs",
        [
            Entry(f"config/{member}", (folder / member).read_bytes())
            for member in ("bigip_base.conf", "bigip.conf")
        ]
        + [Entry("var/tmp/unrelated.bin", b"\0" * 4096)],
    )
    if (folder / "lyncpolicy.yaml").is_file():
        shutil.copy(folder / "lyncpolicy.yaml", tmp_path / "lyncpolicy.yaml")
    code, report = _scan([str(archive), *_intent(tmp_path)])
    assert _failing(report) == sorted(EXPECTED[name])
    assert code == _exit_for(EXPECTED[name])
    located = [f for f in report["findings"] if f["status"] == "fail" and f["line"]]  # type: ignore[union-attr]
    assert located, "findings on objects must carry a location"
    for finding in located:
        assert finding["location"].startswith(f"{archive}!config/bigip")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_as_tmsh_and_ucs(name: str) -> None:
    code, report = _scan([str(ROOT / "examples" / name)])
    assert _failing(report) == sorted(EXAMPLES[name])
    assert code == _exit_for(EXAMPLES[name])
    code, report = _scan([str(ROOT / "examples" / "ucs" / f"{name}.ucs")])
    assert _failing(report) == sorted(EXAMPLES[name])


def test_example_ucs_archives_are_up_to_date() -> None:
    """examples/ucs/*.ucs are built from the tmsh examples by scripts/make_example_ucs.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_example_ucs", ROOT / "scripts" / "make_example_ucs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in EXAMPLES:
        built = module.build(ROOT / "examples" / name)
        assert (ROOT / "examples" / "ucs" / f"{name}.ucs").read_bytes() == built, (
            f"examples/ucs/{name}.ucs is stale: run python scripts/make_example_ucs.py"
        )


def test_no_edge_deployment_is_said_and_exits_0(tmp_path: Path) -> None:
    config = tmp_path / "bigip.conf"
    config.write_text(
        "ltm pool /Common/web_pool {\n    members {\n        /Common/10.1.1.1:443 {\n"
        "            address 10.1.1.1\n        }\n    }\n}\n"
        "ltm virtual /Common/web {\n    destination /Common/198.51.100.9:443\n"
        "    ip-protocol tcp\n    pool /Common/web_pool\n}\n"
    )
    result = CliRunner().invoke(cli, ["scan", "--isolated", str(config)])
    assert result.exit_code == 0, result.output
    assert "no Lync / Skype for Business Edge deployment recognized" in result.stderr
    assert "0 failed" in result.stdout


def test_readme_shows_what_the_scan_of_the_broken_example_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README.md quotes `lyncpolicy scan examples/broken/` verbatim (but the elapsed time)."""
    import re

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["scan", "examples/broken/", "--color", "never"])
    assert result.exit_code == 1
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = readme.split("`lyncpolicy scan examples/broken/` prints:\n\n```\n", 1)[1]
    quoted = quoted.split("\n```", 1)[0]
    timeless = re.compile(r" in [0-9.]+s$", re.MULTILINE)
    assert timeless.sub("", result.stdout.rstrip("\n")) == timeless.sub("", quoted)


def test_inputs_name_the_device_as_the_report_does_when_hostnames_repeat() -> None:
    """Two backups of one hostname are two devices; each input names its own."""
    code, report = _scan([
        str(ROOT / "examples" / "ucs" / "clean.ucs"), str(ROOT / "examples" / "ucs" / "broken.ucs"),
    ])
    assert code == 1
    devices = report["devices"]
    assert devices == ["bigip1.example.com [broken.ucs]", "bigip1.example.com [clean.ucs]"]
    assert {i["device"] for i in report["inputs"]} == set(devices)  # type: ignore[index,union-attr]
    assert {f["device"] for f in report["findings"]} == set(devices)  # type: ignore[union-attr]
