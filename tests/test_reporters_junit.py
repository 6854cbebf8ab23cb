"""JUnit XML: both XSDs (Ant/Windy Road and Jenkins xUnit), read back with junitparser."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import junitparser
import pytest
import xmlschema
from test_reporters_common import (
    DEVICE_A,
    REFERENCE,
    check_golden,
    empty_report,
    failed_report,
    render,
    sample_report,
)

from lyncpolicy.findings import Report
from lyncpolicy.reporters.junit import classname, timestamp, xml_text

XSDS = {
    "windyroad": REFERENCE / "JUnit-windyroad.xsd",
    "jenkins": REFERENCE / "junit-10.xsd",
}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return {name: xmlschema.XMLSchema(str(path)) for name, path in XSDS.items()}


def assert_valid(schemas: dict[str, Any], text: str) -> None:
    for name, schema in schemas.items():
        errors = list(schema.iter_errors(text))
        assert not errors, f"{name}: {errors[0]}"


def read_back(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    return junitparser.JUnitXml.fromfile(str(path))


def test_golden() -> None:
    check_golden("sample.junit.xml", render("junit", sample_report()))


@pytest.mark.parametrize("make", [sample_report, failed_report, empty_report])
def test_valid_against_both_xsds(schemas: dict[str, Any], make: Any) -> None:
    assert_valid(schemas, render("junit", make()))


def test_xsd_check_is_not_vacuous(schemas: dict[str, Any]) -> None:
    broken = render("junit", sample_report()).replace('type="error"', "", 1)
    assert list(schemas["windyroad"].iter_errors(broken))


def test_one_suite_per_rule_one_case_per_evaluation(tmp_path: Path) -> None:
    report = sample_report()
    xml = read_back(tmp_path, render("junit", report))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == sorted(rule.id for rule in report.rules)
    assert sum(suite.tests for suite in suites.values()) == len(report.findings)
    av = suites["LYNC-EDGE-AV-001"]
    assert (av.tests, av.failures, av.errors, av.skipped) == (3, 2, 0, 0)
    nat = suites["LYNC-EDGE-NAT-001"]
    assert (nat.tests, nat.failures, nat.skipped) == (2, 0, 2)


def test_outcomes(tmp_path: Path) -> None:
    xml = read_back(tmp_path, render("junit", sample_report()))
    cases = {(suite.name, case.name): case for suite in xml for case in suite}
    failing = cases[("LYNC-EDGE-AV-001", f"{DEVICE_A} /Common/edge_av_3478")]
    failure = failing.result[0]
    assert isinstance(failure, junitparser.Failure)
    assert failure.type == "error"
    assert failure.message == "A/V virtual /Common/edge_av_3478 uses SNAT (automap)"
    assert "Location: configs/bigip-a/bigip.conf:40" in failure.text
    assert "tmsh: modify ltm virtual /Common/edge_av_3478" in failure.text
    passing = cases[("LYNC-EDGE-AV-001", f"{DEVICE_A} /Common/edge_av_443")]
    assert passing.is_passed
    undetermined = cases[("LYNC-EDGE-NET-009", "bigip-b /Common/edge_dmz_self")]
    assert undetermined.is_skipped
    assert undetermined.result[0].message.startswith("undetermined: cannot decide")
    waived = cases[("LYNC-EDGE-NAT-001", f"{DEVICE_A} /Common/nat_edge01")]
    assert waived.is_skipped
    assert waived.result[0].message == (
        "suppressed by waiver: F5 NAT-aware design accepted, CAB-1234"
    )
    assert "Ticket: CAB-1234" in waived.result[0].text
    info = cases[("LYNC-GEN-001", f"{DEVICE_A} {DEVICE_A}")]
    assert info.result[0].type == "info" and "Location: unknown" in info.result[0].text


def test_class_names_have_no_dots(tmp_path: Path) -> None:
    xml = read_back(tmp_path, render("junit", sample_report()))
    for suite in xml:
        for case in suite:
            assert "." not in case.classname and case.classname == suite.name
    assert classname("acme.rules.X-1") == "acme_rules_X-1"


def _duplicates() -> Report:
    report = sample_report()
    base = report.findings[0]
    twins = (base, base, dataclasses.replace(base, detail="a=1"),
             dataclasses.replace(base, detail="a=1"), dataclasses.replace(base, status="pass"))
    return dataclasses.replace(report, findings=twins)


def test_names_are_unique_within_a_suite(tmp_path: Path, schemas: dict[str, Any]) -> None:
    text = render("junit", _duplicates())
    assert_valid(schemas, text)
    suite = next(s for s in read_back(tmp_path, text) if s.name == "LYNC-EDGE-AV-001")
    names = [case.name for case in suite]
    assert names == [
        f"{DEVICE_A} /Common/edge_av_3478",
        f"{DEVICE_A} /Common/edge_av_3478 #2",
        f"{DEVICE_A} /Common/edge_av_3478 [a=1]",
        f"{DEVICE_A} /Common/edge_av_3478 [a=1] #2",
        f"{DEVICE_A} /Common/edge_av_3478 #3",
    ]


def test_failed_scan_adds_an_error_suite(tmp_path: Path) -> None:
    xml = read_back(tmp_path, render("junit", failed_report()))
    run = next(suite for suite in xml if suite.name == "lyncpolicy")
    assert run.errors == 1
    case = next(iter(run))
    assert isinstance(case.result[0], junitparser.Error)
    assert "archive is truncated" in case.result[0].text


def test_errors_of_a_successful_scan_are_logged_not_failed(tmp_path: Path,
                                                           schemas: dict[str, Any]) -> None:
    report = dataclasses.replace(sample_report(), errors=("a note about an input",))
    text = render("junit", report)
    assert_valid(schemas, text)
    run = next(suite for suite in read_back(tmp_path, text) if suite.name == "lyncpolicy")
    assert run.errors == 0 and run.tests == 1
    assert "a note about an input" in text


def test_characters_xml_cannot_hold(schemas: dict[str, Any]) -> None:
    report = sample_report()
    nasty = dataclasses.replace(report.findings[0], message="bell\x07 nul\x00 <&> \"'\u2028",
                                object_path="/Common/a\x1bb  c")
    text = render("junit", dataclasses.replace(report, findings=(nasty,)))
    assert_valid(schemas, text)
    assert "bell\\x07 nul\\x00" in text
    assert xml_text("ok\ttab\nline") == "ok\ttab\nline"


def test_timestamp_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    assert timestamp({"timestamp": "2025-01-31T13:00:00+01:00"}) == "2025-01-31T12:00:00"
    assert timestamp({"timestamp": "2025-01-31T12:00:00"}) == "2025-01-31T12:00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert timestamp({}) == "1970-01-01T00:00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert len(timestamp({})) == 19


def test_hostname_default_is_this_host(schemas: dict[str, Any]) -> None:
    text = render("junit", sample_report(), hostname=None)
    assert_valid(schemas, text)
    assert 'hostname="ci-runner"' not in text
