"""End to end: reports of real inputs (a tmsh pair, a UCS archive, a Terraform plan) validate.

Each input is read by the loader, its Edge topology recognized and a rule pack evaluated (the
test pack of ``tests/data/rulepacks/udp-snat``: UDP virtuals must not SNAT); the report is then
rendered in every format and checked against the JSON report schema, the SARIF schema and both
JUnit XSDs, and read back from JSON.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from archive_factory import Entry, write_archive
from test_reporters_common import FORMATS, REFERENCE, render

from lyncpolicy import __version__, report_io
from lyncpolicy.builtin_predicates import CORE_PREDICATES
from lyncpolicy.engine import evaluate
from lyncpolicy.findings import InputInfo, Report
from lyncpolicy.hookspecs import RulePackRef
from lyncpolicy.loader import load
from lyncpolicy.rulepack import RuleLoader
from lyncpolicy.topology import build_topology, topology_to_jsonable

DATA = Path(__file__).resolve().parent / "data"
SCENARIO = DATA / "scenarios" / "b_av_snat"
PLAN = DATA / "terraform" / "bigip-plan.json"
UDP_PACK = DATA / "rulepacks" / "udp-snat"
REPORT_SCHEMA = json.loads((DATA.parent.parent / "schemas" / "report.schema.json").read_text())
SARIF_SCHEMA = json.loads((REFERENCE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def scan(paths: list[str], with_topology: bool = True) -> Report:
    started = time.perf_counter()
    loaded = load(paths)
    assert not loaded.errors, loaded.errors
    predicates = {predicate.name: predicate for predicate in CORE_PREDICATES}
    rules = RuleLoader(predicates, validate=True).load_pack(
        RulePackRef("udp-snat", str(UDP_PACK))
    )
    model = loaded.model
    topologies = {device.name: build_topology(device) for device in model.devices
                  if with_topology}
    findings = evaluate(model, rules, topologies=topologies or None)
    return Report(
        findings=tuple(findings),
        rules=tuple(rule.meta for rule in rules),
        inputs=tuple(InputInfo(path, "input", model.devices[0].name) for path in paths),
        devices=tuple(device.name for device in model.devices),
        object_count=loaded.object_count(),
        elapsed_seconds=time.perf_counter() - started,
        tool_version=__version__,
        topology=topology_to_jsonable([(d, topologies[d.name]) for d in model.devices
                                       if d.name in topologies]),
    )


@pytest.fixture(scope="module")
def ucs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ucs")
    entries = [
        Entry(f"config/{name}", (SCENARIO / name).read_bytes())
        for name in ("bigip_base.conf", "bigip.conf")
    ]
    return write_archive(folder / "bigip1.ucs", entries)


@pytest.fixture(scope="module")
def xsds() -> list[Any]:
    return [xmlschema.XMLSchema(str(REFERENCE / name))
            for name in ("JUnit-windyroad.xsd", "junit-10.xsd")]


def _check_all_formats(report: Report, xsds: list[Any], root: str) -> dict[str, str]:
    out = {name: render(name, report, sarif_root=root) for name in FORMATS}
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(json.loads(out["json"]))
    assert render("json", report_io.loads(out["json"])) == out["json"]
    sarif = json.loads(out["sarif"])
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(sarif)
    for schema in xsds:
        schema.validate(out["junit"])
    return out


def test_tmsh_pair(xsds: list[Any]) -> None:
    paths = [str(SCENARIO / "bigip_base.conf"), str(SCENARIO / "bigip.conf")]
    report = scan(paths)
    failing = [f for f in report.findings if f.status == "fail"]
    assert failing, "b_av_snat SNATs its A/V UDP virtual"
    out = _check_all_formats(report, xsds, str(DATA.parent.parent))
    results = json.loads(out["sarif"])["runs"][0]["results"]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "tests/data/scenarios/b_av_snat/bigip.conf"
    assert "```mermaid" in out["markdown"]  # the scenario's Edge deployment is recognized
    assert "class " in out["markdown"] and " fail" in out["markdown"]


def test_ucs_archive(ucs: Path, xsds: list[Any]) -> None:
    report = scan([str(ucs)])
    failing = [f for f in report.findings if f.status == "fail"]
    assert failing and all(f.source is not None and f.source.archive for f in failing)
    out = _check_all_formats(report, xsds, str(ucs.parent))
    result = json.loads(out["sarif"])["runs"][0]["results"][0]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "bigip1.ucs"
    assert physical["region"]["startLine"] == 1
    assert result["properties"]["member"] == "config/bigip.conf"
    assert "config/bigip.conf line" in result["message"]["text"]


def test_terraform_plan(xsds: list[Any]) -> None:
    # Without the topology step: it cannot sort this plan's mixed IPv4/IPv6 pool members yet.
    report = scan([str(PLAN)], with_topology=False)
    assert report.findings
    out = _check_all_formats(report, xsds, str(DATA.parent.parent))
    for result in json.loads(out["sarif"])["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "tests/data/terraform/bigip-plan.json"
        assert physical["region"]["startLine"] >= 1
