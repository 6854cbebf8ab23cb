"""Fleet scans: each device is scanned in the worker process that read it, and the report is
the one a serial scan gives."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lyncpolicy.config import RuleSettings, Selector
from lyncpolicy.loader import load
from lyncpolicy.pipeline import DeviceScan, DeviceScanner, scan_device
from lyncpolicy.plugins import collect, load_rules, load_rules_for, make_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TF = DATA / "terraform" / "scenarios"
# Two archives of one hostname (renamed apart), a tmsh device folder, and a Terraform plan
# located at its .tf blocks: every way a device's findings are named or moved.
INPUTS = [
    ROOT / "examples" / "ucs" / "clean.ucs",
    ROOT / "examples" / "ucs" / "broken.ucs",
    DATA / "scenarios" / "c_fwd_primary_only",
    TF / "b_av_snat.plan.json",
]


def _scan(jobs: int, tmp_path: Path, *extra: str) -> tuple[dict[str, object], str]:
    out = tmp_path / f"jobs{jobs}.json"
    result = subprocess.run(
        [sys.executable, "-m", "lyncpolicy", "scan", *map(str, INPUTS), "--isolated",
         "--tf-source", str(TF / "src" / "b_av_snat"), "--jobs", str(jobs), *extra,
         "--format", "json", "--output", str(out), "--format", "text"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    report.pop("elapsed_seconds", None)
    report["summary"].pop("elapsed_seconds", None)  # type: ignore[union-attr]
    return report, re.sub(r" in [0-9.]+s$", "", result.stdout, flags=re.MULTILINE)


def test_a_parallel_scan_reports_what_a_serial_scan_does(tmp_path: Path) -> None:
    serial, serial_text = _scan(1, tmp_path)
    parallel, parallel_text = _scan(2, tmp_path)
    assert parallel == serial
    assert parallel_text == serial_text
    devices = serial["devices"]
    # Three inputs of one hostname, told apart by their input.
    assert devices == [
        "b_av_snat.plan.json",
        "bigip1.example.com [broken.ucs]",
        "bigip1.example.com [c_fwd_primary_only]",
        "bigip1.example.com [clean.ucs]",
    ]
    findings = serial["findings"]
    assert isinstance(findings, list)
    assert {f["device"] for f in findings} == set(devices)
    failing = {f["device"] for f in findings if (f["status"], f["severity"]) == ("fail", "error")}
    assert failing == {"b_av_snat.plan.json", "bigip1.example.com [broken.ucs]",
                       "bigip1.example.com [c_fwd_primary_only]"}
    # Device-level findings are on the device as named in the report.
    device_level = {f["object"] for f in findings if f["object_kind"] == "device"}
    assert device_level and device_level <= set(devices)
    # --tf-source moved the plan's findings onto the .tf blocks, in the worker too.
    plan_files = {f["file"] for f in findings if f["device"] == "b_av_snat.plan.json"}
    plan_files.discard(None)  # device-level findings without an object at fault
    assert plan_files and all(str(name).endswith(".tf") for name in plan_files)
    assert [d["device"] for d in serial["topology"]["devices"]] == devices  # type: ignore[index]


def test_workers_check_the_rules_the_command_line_selects(tmp_path: Path) -> None:
    selection = ("--select", "LYNC-EDGE-AV", "--ignore", "LYNC-EDGE-AV-004",
                 "--fail-on", "info")
    serial, _ = _scan(1, tmp_path, *selection)
    parallel, _ = _scan(2, tmp_path, *selection)
    assert parallel == serial
    findings = serial["findings"]
    assert isinstance(findings, list)
    rule_ids = {f["rule_id"] for f in findings}
    assert rule_ids and all(r.startswith("LYNC-EDGE-AV-") for r in rule_ids)
    assert "LYNC-EDGE-AV-004" not in rule_ids


def test_workers_send_back_scans_not_devices() -> None:
    rules = load_rules(collect(make_plugin_manager(load_entrypoints=False)))
    scanner = DeviceScanner(RuleSettings(), None, rules=rules)
    paths = [str(p) for p in INPUTS[:2]]
    loaded = load(paths, jobs=2, process=scanner)
    assert [u.device for u in loaded.units] == [None, None]
    assert [u.device_name for u in loaded.units] == ["bigip1.example.com"] * 2
    scans = [u.outcome for u in loaded.units]
    assert all(isinstance(scan, DeviceScan) for scan in scans)
    # The same findings as scanning the devices here (the model renames them apart).
    for scan, device in zip(scans, load(paths).model.devices, strict=True):
        assert isinstance(scan, DeviceScan)
        assert device.name != scan.device
        assert scan.renamed(device.name).findings == scan_device(device, rules).findings


def test_a_scanner_sent_to_a_worker_loads_its_rules_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LYNCPOLICY_DISABLE_PLUGIN_AUTOLOAD", "1")
    settings = RuleSettings(select=(Selector("LYNC-EDGE-AV"),))
    selected = load_rules_for(settings, collect(make_plugin_manager()))[1]
    assert {rule.id[:12] for rule in selected} == {"LYNC-EDGE-AV"}
    # Compiled rules do not pickle: the scanner travels with its settings and reloads them.
    sent = pickle.loads(pickle.dumps(DeviceScanner(settings, None, rules=selected)))
    [unit] = load([str(INPUTS[1])]).units
    assert unit.device is not None
    expected = scan_device(unit.device, selected).findings
    assert expected
    sent(unit)
    assert unit.device is None
    assert isinstance(unit.outcome, DeviceScan)
    assert unit.outcome.findings == expected
