"""The JSON report: schema, round trip through report_io, determinism, and `lyncpolicy report`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_reporters_common import (
    FORMATS,
    OPTIONS,
    check_golden,
    empty_report,
    failed_report,
    render,
    sample_report,
)

from lyncpolicy import report_io
from lyncpolicy.cli import main
from lyncpolicy.errors import InputError
from lyncpolicy.findings import Report
from lyncpolicy.model import Source

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def validate(document: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


def errors_of(document: Any) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(document)]


def test_golden() -> None:
    check_golden("sample.json", render("json", sample_report()))


def test_schema_is_valid_draft_2020_12_and_matches_the_shipped_copy() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert report_io.report_schema() == SCHEMA


@pytest.mark.parametrize("make", [sample_report, failed_report, empty_report])
def test_output_validates(make: Any) -> None:
    validate(json.loads(render("json", make())))


def test_document_shape_has_the_issue_4_fields() -> None:
    document = json.loads(render("json", sample_report()))
    assert document["version"] == 1
    assert document["tool"] == {"name": "lyncpolicy", "version": "9.9.9"}
    first = document["findings"][0]
    for key in ("rule_id", "severity", "status", "object", "device", "file", "line", "message",
                "remediation"):
        assert key in first
    assert document["summary"]["by_status"] == {
        "fail": 4, "undetermined": 1, "suppressed": 3, "pass": 3
    }
    statuses = {f["status"] for f in document["findings"]}
    assert statuses == {"fail", "undetermined", "suppressed", "pass"}
    archived = document["findings"][2]
    assert archived["file"] == "backups/bigip-b.ucs" and archived["line"] == 812
    assert archived["source"]["member"] == "config/bigip.conf"
    assert document["topology"]["devices"][0]["device"] == "bigip-a.example.com"


def test_schema_is_closed_and_strict() -> None:
    document = json.loads(render("json", sample_report()))
    document["extra"] = 1
    assert any("extra" in message for message in errors_of(document))
    document = json.loads(render("json", sample_report()))
    document["findings"][0]["colour"] = "red"
    assert errors_of(document)
    document = json.loads(render("json", sample_report()))
    document["findings"][0]["status"] = "ok"
    assert errors_of(document)
    document = json.loads(render("json", sample_report()))
    suppressed = next(f for f in document["findings"] if f["status"] == "suppressed")
    suppressed["suppression"] = None
    assert errors_of(document), "a suppressed finding must say by what"
    document = json.loads(render("json", sample_report()))
    document["version"] = 2
    assert errors_of(document)


def test_round_trip_gives_identical_bytes(tmp_path: Path) -> None:
    for make in (sample_report, failed_report, empty_report):
        text = render("json", make())
        path = tmp_path / "results.json"
        path.write_text(text, encoding="utf-8")
        again = report_io.load(str(path))
        assert render("json", again) == text
        for name in FORMATS:
            assert render(name, again) == render(name, make()), name


def test_round_trip_keeps_every_field() -> None:
    report = sample_report()
    again = report_io.loads(render("json", report))
    assert again == dataclasses.replace(report, elapsed_seconds=1.234)  # rounded to ms
    assert [f.witnesses for f in again.findings] == [dict(f.witnesses) for f in report.findings]
    assert again.topology == report.topology
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in report.findings]


def test_terraform_source_fields_survive_the_round_trip() -> None:
    report = sample_report()
    source = Source("plan.json", 0, 0, resource='module.edge["dc1"].bigip_ltm_virtual_server.av',
                    change="update")
    first = dataclasses.replace(report.findings[0], source=source)
    report = dataclasses.replace(report, findings=(first,))
    again = report_io.loads(render("json", report))
    assert again.findings[0].source == source


def test_output_does_not_depend_on_mapping_order() -> None:
    report = sample_report()
    first = report.findings[3]
    reordered = dataclasses.replace(first, witnesses=dict(reversed(list(first.witnesses.items()))))
    topology = {"devices": [dict(reversed(list(d.items()))) for d in report.topology["devices"]]}  # type: ignore[attr-defined]
    other = dataclasses.replace(report, findings=(*report.findings[:3], reordered,
                                                  *report.findings[4:]), topology=topology)
    assert render("json", other) == render("json", report)


def test_non_json_values_become_text() -> None:
    report = sample_report()
    odd = dataclasses.replace(report.findings[0], witnesses={
        "nan": float("nan"), "set": {"b", "a"}, "tuple": (1, 2), "object": Path("x"),
    })
    document = json.loads(render("json", dataclasses.replace(report, findings=(odd,))))
    assert document["findings"][0]["witnesses"] == {
        "nan": "nan", "object": "x", "set": ["a", "b"], "tuple": [1, 2]
    }


# -- report_io errors ---------------------------------------------------------------------------


def _load_error(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "results.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        report_io.load(str(path))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_load_errors_are_one_line_naming_the_file(tmp_path: Path) -> None:
    assert "not a JSON report: Expecting" in _load_error(tmp_path, "{")
    assert "not UTF-8" in _load_error(tmp_path, b"\xff\xfe{")
    assert "not a JSON object" in _load_error(tmp_path, "[]")
    assert "'tool' is a required property" in _load_error(tmp_path, '{"version": 1}')
    newer = _load_error(tmp_path, '{"version": 7}')
    assert "version 7 is newer" in newer and "upgrade lyncpolicy" in newer
    document = json.loads(render("json", sample_report()))
    document["findings"][1]["severity"] = "critical"
    message = _load_error(tmp_path, json.dumps(document))
    assert "$.findings[1].severity" in message and "scan --format json" in message


def test_load_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such report file"):
        report_io.load(str(tmp_path / "missing.json"))
    with pytest.raises(InputError, match="is a directory"):
        report_io.load(str(tmp_path))


# -- lyncpolicy report --------------------------------------------------------------------------


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    code = done.value.code
    return code if isinstance(code, int) else 0


def test_report_command_re_renders_every_format(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    results = tmp_path / "results.json"
    results.write_text(render("json", sample_report()), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1738324800")  # 2025-01-31T12:00:00
    argv = ["report", str(results), "--sarif-root", str(OPTIONS["sarif_root"]),
            "--automation-id", str(OPTIONS["automation_id"])]
    for name in FORMATS:
        argv += ["--format", name, "--output", str(tmp_path / f"out.{name}")]
    assert _run(argv) == 0
    options = {k: v for k, v in OPTIONS.items() if k not in ("timestamp", "hostname")}
    for name in ("json", "sarif", "github", "markdown", "text"):
        written = (tmp_path / f"out.{name}").read_text(encoding="utf-8")
        assert written == render(name, sample_report(), **options), name
    junit = (tmp_path / "out.junit").read_text(encoding="utf-8")
    assert 'timestamp="2025-01-31T12:00:00"' in junit


def test_report_command_text_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text(render("json", sample_report()), encoding="utf-8")
    assert _run(["report", str(results), "--quiet", "--color", "never"]) == 0
    assert capsys.readouterr().out.startswith("4 failed (3 error, 1 info)")


def test_report_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text("{}", encoding="utf-8")
    assert _run(["report", str(results)]) == 2
    assert "not a valid lyncpolicy JSON report" in capsys.readouterr().err
    results.write_text(render("json", sample_report()), encoding="utf-8")
    assert _run(["report", str(results), "--format", "sarfi"]) == 2
    assert "did you mean 'sarif'" in capsys.readouterr().err
    assert _run(["report", str(tmp_path / "nope.json")]) == 2
    assert "no such report file" in capsys.readouterr().err


def test_report_type_is_the_findings_report() -> None:
    assert isinstance(report_io.loads(render("json", empty_report())), Report)
