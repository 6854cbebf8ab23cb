"""SARIF 2.1.0: the official schema and what GitHub code scanning reads."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_reporters_common import (
    OPTIONS,
    REFERENCE,
    UCS_B,
    check_golden,
    empty_report,
    failed_report,
    render,
    sample_report,
)

from lyncpolicy.findings import Report
from lyncpolicy.model import Source
from lyncpolicy.reporters.sarif import SRCROOT, rule_name

SARIF_SCHEMA = json.loads((REFERENCE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif(report: Report, **options: object) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render("sarif", report, **options))
    return document


def run_of(report: Report, **options: object) -> dict[str, Any]:
    run: dict[str, Any] = sarif(report, **options)["runs"][0]
    return run


def assert_valid(document: Any) -> None:
    validator = jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_golden() -> None:
    check_golden("sample.sarif", render("sarif", sample_report()))


def test_golden_failed_scan() -> None:
    check_golden("failed.sarif", render("sarif", failed_report()))


@pytest.mark.parametrize("make", [sample_report, failed_report, empty_report])
def test_valid_against_the_official_schema(make: Any) -> None:
    assert_valid(sarif(make()))


def test_schema_check_is_not_vacuous() -> None:
    document = sarif(sample_report())
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        assert_valid(document)


def test_one_run_with_the_driver_and_every_rule() -> None:
    document = sarif(sample_report())
    assert document["version"] == "2.1.0" and len(document["runs"]) == 1
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "lyncpolicy" and driver["version"] == "9.9.9"
    assert driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(ids) and len(ids) == 6
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert isinstance(rule["properties"]["tags"], list)
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")


def test_help_uri_and_references() -> None:
    rules = {r["id"]: r for r in run_of(sample_report())["tool"]["driver"]["rules"]}
    assert rules["LYNC-EDGE-EXT-009"]["helpUri"] == (
        "https://lyncpolicy.dev/rules/LYNC-EDGE-EXT-009"
    )
    assert rules["LYNC-EDGE-AV-001"]["helpUri"].startswith("https://learn.microsoft.com/")
    assert "helpUri" not in rules["LYNC-GEN-001"]  # no URL to give: none invented
    assert "[Port summary" in rules["LYNC-EDGE-AV-001"]["help"]["markdown"]


def test_security_severity_only_with_the_security_tag() -> None:
    rules = {r["id"]: r for r in run_of(sample_report())["tool"]["driver"]["rules"]}
    assert rules["LYNC-EDGE-AV-001"]["properties"]["security-severity"] == "8.0"
    assert rules["LYNC-EDGE-NET-002"]["properties"]["security-severity"] == "8.0"
    assert "security-severity" not in rules["LYNC-EDGE-NAT-001"]["properties"]
    for rule in rules.values():
        value = rule["properties"].get("security-severity")
        assert value is None or (isinstance(value, str) and 0 <= float(value) <= 10)


def test_rule_index_matches_rule_id() -> None:
    run = run_of(sample_report())
    rules = run["tool"]["driver"]["rules"]
    assert run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_which_findings_become_results_and_their_levels() -> None:
    run = run_of(sample_report())
    got = [(r["ruleId"], r["properties"]["status"], r.get("kind"), r["level"])
           for r in run["results"]]
    assert ("LYNC-EDGE-AV-001", "fail", "fail", "error") in got
    assert ("LYNC-GEN-001", "fail", "fail", "note") in got
    assert ("LYNC-EDGE-NAT-001", "suppressed", "fail", "warning") in got
    assert ("LYNC-EDGE-NET-009", "undetermined", "review", "none") in got
    assert all(status != "pass" for _, status, _, _ in got)
    assert len(got) == 8  # 11 findings less 3 passes


def test_undetermined_results_say_so() -> None:
    result = next(r for r in run_of(sample_report())["results"] if r.get("kind") == "review")
    assert result["message"]["text"].startswith("Undetermined: cannot decide")


def test_locations_are_relative_to_the_root_with_a_base_id() -> None:
    run = run_of(sample_report())
    assert run["originalUriBaseIds"][SRCROOT]["uri"] == "file:///work/repo/"
    for result in run["results"]:
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == SRCROOT
        assert not artifact["uri"].startswith(("/", "file:"))
        assert physical["region"]["startLine"] >= 1
    first = run["results"][0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "configs/bigip-a/bigip.conf"
    assert first["region"] == {"startLine": 40, "endLine": 55}


def test_default_root_is_the_current_directory(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_of(sample_report(), sarif_root=None)
    assert run["originalUriBaseIds"][SRCROOT]["uri"] == tmp_path.as_uri() + "/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "configs/bigip-a/bigip.conf", "uriBaseId": SRCROOT
    }


def test_files_outside_the_root_get_an_absolute_uri() -> None:
    report = sample_report()
    outside = dataclasses.replace(report.findings[0], source=Source("/etc/bigip.conf", 3, 3))
    run = run_of(dataclasses.replace(report, findings=(outside,)))
    artifact = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///etc/bigip.conf"}


def test_uri_is_percent_encoded() -> None:
    report = sample_report()
    spaced = dataclasses.replace(report.findings[0], source=Source("my configs/a#1.conf", 3, 3))
    document = sarif(dataclasses.replace(report, findings=(spaced,)))
    assert_valid(document)
    artifact = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"]["uri"] == "my%20configs/a%231.conf"


def test_archive_findings_point_at_the_archive_and_keep_the_member() -> None:
    run = run_of(sample_report())
    result = next(r for r in run["results"]
                  if r["properties"].get("archive") and r["properties"]["status"] == "fail")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == UCS_B
    assert physical["region"] == {"startLine": 1}
    assert "(config/bigip.conf line 812 in backups/bigip-b.ucs)" in result["message"]["text"]
    props = result["properties"]
    assert props["member"] == "config/bigip.conf" and props["memberLine"] == 812
    assert props["location"] == "backups/bigip-b.ucs!config/bigip.conf:812"


def test_a_finding_without_source_points_at_its_device_input() -> None:
    run = run_of(sample_report())
    result = next(r for r in run["results"] if r["ruleId"] == "LYNC-GEN-001")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "configs/bigip-a/bigip_base.conf"
    assert physical["region"]["startLine"] == 1
    assert "no source location" in result["message"]["text"]


def test_logical_locations_name_the_object_and_device() -> None:
    result = run_of(sample_report())["results"][0]
    logical = result["locations"][0]["logicalLocations"]
    assert logical[0]["name"] == "/Common/edge_av_3478"
    assert logical[0]["fullyQualifiedName"] == "bigip-a.example.com::/Common/edge_av_3478"
    assert logical[1]["name"] == "bigip-a.example.com"


def test_fingerprints_do_not_move_with_lines() -> None:
    report = sample_report()
    moved = dataclasses.replace(
        report,
        findings=tuple(
            dataclasses.replace(f, source=dataclasses.replace(f.source, line=f.source.line + 7,
                                                              end_line=f.source.end_line + 7))
            if f.source is not None else f
            for f in report.findings
        ),
    )
    prints = [r["partialFingerprints"] for r in run_of(report)["results"]]
    assert prints == [r["partialFingerprints"] for r in run_of(moved)["results"]]
    values = [next(iter(p.values())) for p in prints]
    assert len(set(values)) == len(values)
    assert values[0] == report.findings[0].fingerprint


def test_suppressions_by_kind() -> None:
    run = run_of(sample_report())
    suppressed = {r["properties"]["object"]: r["suppressions"] for r in run["results"]
                  if "suppressions" in r}
    waiver = suppressed["/Common/nat_edge01"][0]
    assert waiver["kind"] == "external" and waiver["status"] == "accepted"
    assert waiver["justification"] == "F5 NAT-aware design accepted, CAB-1234"
    assert waiver["properties"] == {"lyncpolicyKind": "waiver", "owner": "netops",
                                    "ticket": "CAB-1234", "expires": "2027-06-30"}
    assert suppressed["/Common/nat_edge11"][0]["kind"] == "external"
    assert suppressed["/Common/edge_access_443"][0]["kind"] == "inSource"
    assert all("suppressions" not in r for r in run["results"]
               if r["properties"]["status"] != "suppressed")


def test_automation_id() -> None:
    assert run_of(sample_report())["automationDetails"] == {"id": "lyncpolicy/nightly"}
    assert run_of(sample_report(), automation_id=None)["automationDetails"] == {
        "id": "lyncpolicy/"
    }


def test_invocation_success_and_failure() -> None:
    ok = run_of(sample_report())["invocations"]
    assert ok == [{"executionSuccessful": True}]
    failed = run_of(failed_report())["invocations"][0]
    assert failed["executionSuccessful"] is False
    notes = failed["toolExecutionNotifications"]
    assert notes[0]["level"] == "error"
    assert "archive is truncated" in notes[0]["message"]["text"]
    bare = dataclasses.replace(failed_report(), errors=())
    notes = run_of(bare)["invocations"][0]["toolExecutionNotifications"]
    assert "did not complete" in notes[0]["message"]["text"]


def test_rule_names_are_identifiers() -> None:
    rules = sample_report().rules
    assert rule_name(rules[0]) == "AVEdgeVirtualServersMustNotUseSNAT"
    blank = dataclasses.replace(rules[0], title="---")
    assert rule_name(blank) == "LYNCEDGEAV001"


def test_options_are_not_needed() -> None:
    document = json.loads(render("sarif", sample_report(), **{k: None for k in OPTIONS}))
    assert_valid(document)
