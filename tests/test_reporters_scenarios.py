"""Golden files of every output format for the seed scenarios (real scans, not hand-built
reports), each validated against its consumer's schema.

Regenerate after an intended change with::

    LYNCPOLICY_UPDATE_GOLDEN=1 python -m pytest -o addopts="" tests/test_reporters_scenarios.py
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator, Draft202012Validator
from lync_support import SCENARIOS
from test_reporters_common import FORMATS, REFERENCE, check_golden, render

from lyncpolicy.cli_scan import input_infos
from lyncpolicy.findings import Report
from lyncpolicy.loader import load
from lyncpolicy.pipeline import build_report, scan_model
from lyncpolicy.plugins import collect, load_rules, make_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("a_supported", "b_av_snat", "c_fwd_primary_only", "d_iapp_internal_route")


def _report(name: str, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(ROOT)  # paths in the report are as a user in the checkout names them
    folder = SCENARIOS.relative_to(ROOT) / name
    loaded = load([str(folder / "bigip_base.conf"), str(folder / "bigip.conf")], jobs=1)
    intent = None
    if (folder / "lyncpolicy.yaml").is_file():
        intent = yaml.safe_load((folder / "lyncpolicy.yaml").read_text())["deployment"]
    rules = load_rules(collect(make_plugin_manager(load_entrypoints=False)))
    result = scan_model(loaded.model, rules, intent)
    report = build_report(
        rules, result, result.findings,
        inputs=input_infos(loaded), object_count=loaded.object_count(), started=0.0,
    )
    return dataclasses.replace(report, elapsed_seconds=0.0, tool_version="0.1.0")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("output", FORMATS)
def test_golden_per_format_on_the_seed_scenarios(
    name: str, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _report(name, monkeypatch)
    text = render(output, report, sarif_root=str(ROOT))
    suffix = {"json": "json", "sarif": "sarif", "junit": "xml", "markdown": "md"}.get(
        output, "txt"
    )
    # The checkout's own path is the only machine-dependent text (the SARIF base URI).
    check_golden(f"scenarios/{name}.{output}.{suffix}", text.replace(str(ROOT), "/checkout"))
    if output == "sarif":
        schema = json.loads((REFERENCE / "sarif-schema-2.1.0.json").read_text())
        Draft4Validator(schema).validate(json.loads(text))  # the OASIS schema is draft-04
    elif output == "json":
        schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
        Draft202012Validator(schema).validate(json.loads(text))
    elif output == "junit":
        import xmlschema

        for xsd in ("JUnit-windyroad.xsd", "junit-10.xsd"):
            xmlschema.XMLSchema(str(REFERENCE / xsd)).validate(text)
