"""What a user sees when they feed lyncpolicy bad input or use it the wrong way (QA review).

The contract (issues 2-9, "bad input" and "honest results"):

* bad input (malformed config, truncated or encrypted archive, wrong JSON shape, unknown option)
  gives a one-line error naming the file (and line when there is one) and what to do, exit
  code 2, never a traceback and never "internal error";
* nothing is written outside the paths the user named, and never over an input;
* findings are correct, not duplicated, located, and deterministic (any order of inputs);
* a check that did not run is not reported as passed.

Every test runs the real command line in-process through :func:`lyncpolicy.cli.main` (which
always ends with ``SystemExit``), except the one that needs a timeout.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lyncpolicy.cli import main

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
EXAMPLES = REPO / "examples"
BROKEN = EXAMPLES / "broken"
CLEAN = EXAMPLES / "clean"
SCENARIOS = DATA / "scenarios"
TERRAFORM = DATA / "terraform"
AS3 = DATA / "as3"
CORPUS = DATA / "corpus"
NON_LYNC = CORPUS / "jasonrahm__mcp_test_tools" / "bigip.conf"
SARIF_SCHEMA = DATA / "reference" / "sarif-schema-2.1.0.json"


@dataclass
class Result:
    code: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    """``run(*args)``: ``lyncpolicy ARGS`` in-process; the exit code and captured output."""

    def _run(*args: str | Path) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        else:  # pragma: no cover - main() always exits
            code = 0
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return _run


def assert_one_line_error(result: Result, name: str) -> None:
    """Exit 2 with an error line naming ``name``; no traceback, no 'internal error'."""
    assert result.code == 2, (result.code, result.err)
    assert "Traceback" not in result.err, result.err
    assert "internal error" not in result.err, result.err
    error_lines = [line for line in result.err.splitlines() if "error" in line.lower()]
    assert any(name in line for line in error_lines), result.err


def copy_device(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for conf in src.glob("*.conf"):
        shutil.copy(conf, dst / conf.name)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture drifted: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def drop_object(path: Path, header: str) -> None:
    """Remove the tmsh object whose header line is ``header`` (``ltm virtual /Common/x``)."""
    text = path.read_text()
    start = text.index(header + " {")
    end = text.index("\n}\n", start) + 3
    path.write_text(text[:start] + text[end:])


def scan_json(run: Runner, *args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run("scan", *args, "--format", "json", "-j", "1")
    assert result.out.strip(), result.err
    return result.code, json.loads(result.out)


def failing(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule and f["status"] == "fail"]


# --------------------------------------------------------------------------- already right


def test_truncated_ucs_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    truncated = tmp_path / "backup.ucs"
    truncated.write_bytes((EXAMPLES / "ucs" / "broken.ucs").read_bytes()[:1500])
    result = run("scan", truncated)
    assert_one_line_error(result, "backup.ucs")
    assert "truncated" in result.err


def test_ucs_with_dotdot_member_is_scanned_and_writes_nothing(run: Runner, tmp_path: Path) -> None:
    ucs = tmp_path / "work" / "hostile.ucs"
    ucs.parent.mkdir()
    with tarfile.open(ucs, "w:gz") as tar:
        for name, data in (
            ("config/bigip_base.conf", (BROKEN / "bigip_base.conf").read_bytes()),
            ("config/bigip.conf", (BROKEN / "bigip.conf").read_bytes()),
            ("../escaped.conf", b"ltm pool /Common/p {\n}\n"),
            ("config/../../escaped2.conf", b"ltm pool /Common/p {\n}\n"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run("scan", ucs, "--isolated")
    assert result.code == 1, result.err
    assert "ARCHIVE-UNSAFE-PATH" in result.err
    assert "LYNC-EDGE-AV-001" in result.out
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_malformed_config_yaml_names_file_and_line(run: Runner, tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("version: 1\nrules:\n  select: [LYNC-EDGE\n  ignore: x\n")
    result = run("scan", BROKEN, "--config", config)
    assert_one_line_error(result, "bad.yaml:4:")


def test_waiver_with_impossible_date_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    config = tmp_path / "waivers.yaml"
    config.write_text(
        "version: 1\nwaivers:\n  - rule: LYNC-EDGE-AV-001\n    object: '/Common/edge_av*'\n"
        "    reason: test\n    expires: 2027-13-45\n"
    )
    assert_one_line_error(run("scan", BROKEN, "--config", config), "waivers.yaml:6:")


def test_corrupted_baseline_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert run("scan", BROKEN, "--isolated", "--write-baseline", baseline).code == 0
    baseline.write_text(baseline.read_text()[:200])
    assert_one_line_error(run("scan", BROKEN, "--isolated", "--baseline", baseline),
                          "baseline.json")


def test_select_typo_suggests_the_rule(run: Runner) -> None:
    result = run("scan", BROKEN, "--select", "LYNC-EDGE-AV-01")
    assert result.code == 2
    assert "did you mean 'LYNC-EDGE-AV-001'" in result.err


def test_init_refuses_to_overwrite(run: Runner, tmp_path: Path) -> None:
    target = tmp_path / "lyncpolicy.yaml"
    target.write_text("# mine\n")
    result = run("init", BROKEN, "-o", target)
    assert result.code == 2
    assert "--force" in result.err
    assert target.read_text() == "# mine\n"


def _roles(run: Runner, *args: str | Path) -> list[tuple[str, str]]:
    result = run("topology", *args, "--format", "json")
    assert result.code == 0, result.err
    devices = json.loads(result.out)["devices"]
    return sorted(
        (vip["role"], vip["address"])
        for device in devices
        for pool in device["edge_pools"]
        for vip in pool["vips"]
    )


def test_init_output_is_a_valid_config_with_the_same_roles(run: Runner, tmp_path: Path) -> None:
    written = tmp_path / "lyncpolicy.yaml"
    assert run("init", BROKEN, "-o", written).code == 0
    inferred = _roles(run, BROKEN)
    assert _roles(run, BROKEN, "--config", written) == inferred
    scanned = run("scan", BROKEN, "--config", written, "-q")
    assert scanned.code == 1, scanned.err  # a valid configuration: findings, not exit 2


def test_incomplete_scan_is_flagged_in_sarif(run: Runner, tmp_path: Path) -> None:
    bad_device = copy_device(BROKEN, tmp_path / "dev" / "config")
    (bad_device / "bigip_gtm.conf").write_text("ltm pool /Common/p {\n")
    sarif = tmp_path / "out.sarif"
    result = run("scan", tmp_path / "dev", CLEAN, "--isolated", "--format", "sarif", "-o", sarif)
    assert "bigip_gtm.conf:1" in result.err
    document = json.loads(sarif.read_text())
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_scan_writes_only_the_named_outputs(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "reports"
    out.mkdir()
    run("scan", EXAMPLES, "--isolated", "--format", "sarif", "-o", out / "r.sarif",
        "--format", "junit", "-o", out / "r.xml", "--format", "json", "-o", out / "r.json")
    run("topology", EXAMPLES)
    run("model", EXAMPLES / "ucs" / "broken.ucs")
    assert list(cwd.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["r.json", "r.sarif", "r.xml"]


# --------------------------------------------------------------------------- inputs


def test_folder_without_any_input_is_an_error(run: Runner, tmp_path: Path) -> None:
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a BIG-IP file\n")
    result = run("scan", empty, "--isolated")
    # "0 inputs, 0 devices" with exit 0 lets a CI gate with a wrong path pass forever.
    assert_one_line_error(result, "nothing-here")


def test_empty_config_file_is_not_a_clean_pass(run: Runner, tmp_path: Path) -> None:
    empty = tmp_path / "bigip.conf"
    empty.write_text("")
    result = run("scan", empty, "--isolated")
    assert_one_line_error(result, "bigip.conf")


def test_fatal_input_error_still_writes_the_requested_reports(run: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bigip.conf"
    bad.write_text("ltm virtual /Common/vs {\n    destination /Common/1.2.3.4:443\n")
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    result = run("scan", bad, "--isolated", "--format", "sarif", "-o", sarif,
                 "--format", "junit", "-o", junit)
    assert_one_line_error(result, "bigip.conf:1")
    # issue 6: executionSuccessful false with a notification: "still a valid file".
    assert sarif.is_file() and junit.is_file()
    document = json.loads(sarif.read_text())
    jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is False


def _mutated(source: Path, target: Path, change: Callable[[Any], None]) -> Path:
    document = json.loads(source.read_text())
    change(document)
    target.write_text(json.dumps(document))
    return target


def _plan_actions_nested(d: dict[str, Any]) -> None:
    d["resource_changes"][0]["change"]["actions"] = [["create"]]


def _state_instances_bool(d: dict[str, Any]) -> None:
    d["resources"][0]["instances"] = True


def _as3_members_int(d: dict[str, Any]) -> None:
    d["declaration"]["Lync_Edge"]["edge"]["edge_access_pool"]["members"] = 5


def _as3_class_mapping(d: dict[str, Any]) -> None:
    d["declaration"]["Lync_Edge"]["edge"]["access_443"]["class"] = {"x": 1}


def _do_interfaces_int(d: dict[str, Any]) -> None:
    d["Common"]["external"]["interfaces"] = 5


WRONG_SHAPES = [
    (TERRAFORM / "bigip-plan.json", "plan.json", _plan_actions_nested),
    (TERRAFORM / "bigip-terraform-MOCK.tfstate", "state.tfstate", _state_instances_bool),
    (AS3 / "as3_lync_edge.json", "as3.json", _as3_members_int),
    (AS3 / "as3_lync_edge.json", "as3.json", _as3_class_mapping),
    (AS3 / "do_network.json", "do.json", _do_interfaces_int),
]


@pytest.mark.parametrize(("source", "name", "change"), WRONG_SHAPES,
                         ids=[c.__name__.strip("_") for _, _, c in WRONG_SHAPES])
def test_wrong_json_shape_is_a_one_line_error(
    run: Runner, tmp_path: Path, source: Path, name: str, change: Callable[[Any], None]
) -> None:
    bad = _mutated(source, tmp_path / name, change)
    assert_one_line_error(run("scan", bad, "--isolated"), name)


def test_wrong_json_shape_does_not_stop_the_other_inputs(run: Runner, tmp_path: Path) -> None:
    bad = _mutated(TERRAFORM / "bigip-plan.json", tmp_path / "plan.json", _plan_actions_nested)
    result = run("scan", bad, BROKEN, "--isolated", "-j", "1")
    assert "internal error" not in result.err
    assert "plan.json" in result.err
    assert "LYNC-EDGE-AV-001" in result.out  # the good device is still reported


def test_truncated_plan_json_says_json_and_where(run: Runner, tmp_path: Path) -> None:
    cut = tmp_path / "plan.json"
    cut.write_text((TERRAFORM / "bigip-plan.json").read_text()[:3000])
    result = run("scan", cut, "--isolated")
    assert_one_line_error(result, "plan.json")
    assert "not a recognized input" not in result.err  # it is JSON, only cut short
    assert re.search(r"JSON", result.err) and re.search(r"line \d+|:\d+", result.err)


def test_one_line_tmsh_list_output_is_read(run: Runner, tmp_path: Path) -> None:
    """`tmsh list ltm virtual one-line` output (issue 2 lists `tmsh list` output as input)."""
    conf = tmp_path / "bigip.conf"
    conf.write_text(
        "ltm virtual /Common/vs { destination /Common/203.0.113.5:443 ip-protocol tcp "
        "pool /Common/p profiles { /Common/fastL4 { } } }\n"
    )
    result = run("model", conf, "--format", "json")
    assert result.code == 0, result.err
    assert "MODEL-BAD-VALUE" not in result.err
    (virtual,) = json.loads(result.out)["devices"][0]["virtual_servers"]
    assert (virtual["destination"], virtual["port"], virtual["ip_protocol"]) == (
        "203.0.113.5", 443, "tcp")
    assert virtual["pool"] == "/Common/p"


# --------------------------------------------------------------------------- configuration


def test_config_with_a_nul_byte_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    config = tmp_path / "lyncpolicy.yaml"
    config.write_bytes(b"\x00\x01binary")
    assert_one_line_error(run("scan", BROKEN, "--config", config), "lyncpolicy.yaml")


def test_config_with_a_recursive_alias_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    config = tmp_path / "lyncpolicy.yaml"
    config.write_text("version: 1\nx: &a [*a]\n")
    assert_one_line_error(run("scan", BROKEN, "--config", config), "lyncpolicy.yaml")


def test_rule_file_with_a_nul_byte_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    rule = tmp_path / "X-001.yaml"
    rule.write_bytes(b"\x00\x01binary")
    assert_one_line_error(run("rules", "validate", rule), "X-001.yaml")


def test_config_alias_bomb_fails_fast(tmp_path: Path) -> None:
    """Nine levels of nine aliases: a config found by discovery next to the scanned files must
    not hang the CI job (the duplicate-key walk follows every alias)."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    config = tmp_path / "lyncpolicy.yaml"
    config.write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "LYNCPOLICY_DEBUG"}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lyncpolicy", "scan", str(BROKEN), "--config", str(config)],
            capture_output=True, text=True, timeout=15, env=env, cwd=tmp_path,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a 1 KB configuration file kept lyncpolicy busy for more than 15 s")
    assert proc.returncode == 2
    assert "lyncpolicy.yaml" in proc.stderr


def test_per_folder_configs_are_not_silently_dropped(run: Runner) -> None:
    """d and e each carry a lyncpolicy.yaml (intent, which changes severities). Scanned together,
    either each applies to its folder or the user is told they were not used."""
    d = SCENARIOS / "d_iapp_internal_route"
    e = SCENARIOS / "e_nat_design"
    _, report = scan_json(run, d, e)
    int003 = failing(report, "LYNC-EDGE-INT-003")
    applied = int003 and all(f["severity"] == "error" for f in int003)
    told = "lyncpolicy.yaml" in run("scan", d, e, "-q").err
    assert applied or told


# --------------------------------------------------------------------------- outputs


def test_output_over_an_input_is_refused(run: Runner, tmp_path: Path) -> None:
    device = copy_device(BROKEN, tmp_path / "dev")
    original = (device / "bigip.conf").read_text()
    result = run("scan", device, "--isolated", "--format", "json", "-o", device / "bigip.conf")
    assert result.code == 2
    assert (device / "bigip.conf").read_text() == original


def test_write_baseline_over_an_input_is_refused(run: Runner, tmp_path: Path) -> None:
    device = copy_device(BROKEN, tmp_path / "dev")
    original = (device / "bigip_base.conf").read_text()
    result = run("scan", device, "--isolated", "--write-baseline", device / "bigip_base.conf")
    assert result.code == 2
    assert (device / "bigip_base.conf").read_text() == original


def test_same_output_for_two_formats_is_refused(run: Runner, tmp_path: Path) -> None:
    same = tmp_path / "report.out"
    result = run("scan", BROKEN, "--isolated", "--format", "json", "-o", same,
                 "--format", "sarif", "-o", same)
    assert result.code == 2
    assert "report.out" in result.err


def test_write_baseline_does_not_silently_skip_requested_reports(
    run: Runner, tmp_path: Path
) -> None:
    sarif = tmp_path / "r.sarif"
    result = run("scan", BROKEN, "--isolated", "--write-baseline", tmp_path / "b.json",
                 "--format", "sarif", "-o", sarif)
    assert sarif.is_file() or result.code == 2


def test_write_baseline_error_names_the_users_path(run: Runner, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "baseline.json"
    result = run("scan", BROKEN, "--isolated", "--write-baseline", target)
    assert_one_line_error(result, "missing/baseline.json")
    assert ".tmp" not in result.err


def test_sarif_uris_are_relative_to_sarif_root(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    result = run("scan", "examples/broken", "--isolated", "--format", "sarif",
                 "--sarif-root", "examples")
    run_ = json.loads(result.out)["runs"][0]
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == (REPO / "examples").as_uri() + "/"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]
    }
    assert uris == {"broken/bigip.conf", "broken/bigip_base.conf"}, uris


def test_report_does_not_depend_on_the_order_of_inputs(run: Runner) -> None:
    """Issue 9: same input, same report bytes, any order of input files."""
    inputs = [BROKEN, EXAMPLES / "ucs" / "clean.ucs", TERRAFORM / "bigip-plan.json"]
    _, forward = scan_json(run, *inputs, "--isolated")
    _, backward = scan_json(run, *reversed(inputs), "--isolated")

    def key(report: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
        return [(f["rule_id"], f["device"], f["object"], f["detail"], f["status"])
                for f in report["findings"]]

    assert key(forward) == key(backward)


# --------------------------------------------------------------------------- honest results


def test_inline_comment_suppression_is_applied(run: Runner, tmp_path: Path) -> None:
    """Issue 4: `# lyncpolicy: ignore[ID] reason` directly above an object suppresses it."""
    device = copy_device(BROKEN, tmp_path / "dev")
    edit(device / "bigip.conf", "ltm virtual /Common/edge_av_3478 {",
         "# lyncpolicy: ignore[LYNC-EDGE-AV-001] accepted by CAB-1\n"
         "ltm virtual /Common/edge_av_3478 {")
    _, report = scan_json(run, device, "--isolated")
    (finding,) = [f for f in report["findings"]
                  if f["rule_id"] == "LYNC-EDGE-AV-001" and f["object"] == "/Common/edge_av_3478"]
    assert finding["status"] == "suppressed"
    assert finding["suppression"]["kind"] == "inline"


def test_disabled_av_3478_is_reported_once(run: Runner, tmp_path: Path) -> None:
    """AV-003: 'One finding per A/V VIP address'."""
    device = copy_device(CLEAN, tmp_path / "dev")
    edit(device / "bigip.conf", "    destination /Common/203.0.113.7:3478\n",
         "    destination /Common/203.0.113.7:3478\n    disabled\n")
    _, report = scan_json(run, device, "--isolated")
    assert len(failing(report, "LYNC-EDGE-AV-003")) == 1, failing(report, "LYNC-EDGE-AV-003")


def test_av_vip_without_udp_3478_is_an_error(run: Runner, tmp_path: Path) -> None:
    """The A/V VIP keeps only tcp/443: the worst A/V mistake must not scan clean."""
    device = copy_device(CLEAN, tmp_path / "dev")
    drop_object(device / "bigip.conf", "ltm virtual /Common/edge_av_3478")
    code, report = scan_json(run, device, "--isolated")
    errors = [f for f in report["findings"] if f["status"] == "fail" and f["severity"] == "error"]
    assert code == 1
    assert any(f["rule_id"] == "LYNC-EDGE-AV-003" for f in errors), errors


def test_access_vip_without_5061_is_an_error(run: Runner, tmp_path: Path) -> None:
    """EXT-001: tcp/5061 missing on the Access VIP (federation assumed: 5061 exists internally)."""
    device = copy_device(CLEAN, tmp_path / "dev")
    drop_object(device / "bigip.conf", "ltm virtual /Common/edge_access_5061")
    code, report = scan_json(run, device, "--isolated")
    assert code == 1
    assert failing(report, "LYNC-EDGE-EXT-001"), [
        (f["rule_id"], f["severity"]) for f in report["findings"] if f["status"] == "fail"]


def test_init_with_two_devices_does_not_silently_keep_only_the_first(
    run: Runner, tmp_path: Path
) -> None:
    written = tmp_path / "lyncpolicy.yaml"
    result = run("init", EXAMPLES / "ucs" / "broken.ucs", SCENARIOS / "e_nat_design",
                 "-o", written)
    if result.code == 2:
        assert "e_nat_design" in result.err
    else:
        assert "e_nat_design" in written.read_text()


def test_device_level_findings_have_a_source_location(run: Runner) -> None:
    """NET-002 errors in examples/broken must point at a file and line (SARIF, GitHub)."""
    _, report = scan_json(run, BROKEN, "--isolated")
    net002 = failing(report, "LYNC-EDGE-NET-002")
    assert net002
    assert all(f["file"] and f["line"] and f["line"] >= 1 for f in net002), net002


def test_non_lync_config_reports_no_passes_for_checks_that_did_not_run(run: Runner) -> None:
    """A config without Lync (and without any route) must not 'pass' the default-route rule."""
    _, report = scan_json(run, NON_LYNC, "--isolated")
    passed = {f["rule_id"] for f in report["findings"] if f["status"] == "pass"}
    assert "LYNC-EDGE-NET-007" not in passed


def test_no_lync_deployment_is_said_in_the_report(run: Runner) -> None:
    """Issue 5: 'When lyncpolicy finds no Lync Edge deployment at all, say so (info)': in the
    report itself, not only on stderr (CI keeps the report, not the log)."""
    _, report = scan_json(run, NON_LYNC, "--isolated")
    assert "no lync" in json.dumps(report).lower()


def test_examples_broken_readme_totals_match(run: Runner) -> None:
    """examples/broken/README.md states the totals a user will see."""
    readme = (BROKEN / "README.md").read_text()
    match = re.search(r"Totals: (\d+) errors?, (\d+) warnings?, (\d+) info", readme)
    assert match, "README lost its totals line"
    _, report = scan_json(run, BROKEN, "--isolated")
    counts = report["summary"]["failed_by_severity"]
    assert (counts["error"], counts["warning"], counts["info"]) == tuple(
        int(n) for n in match.groups())


def test_wrong_shape_values_in_a_plan_are_not_silently_dropped(run: Runner, tmp_path: Path) -> None:
    """A virtual whose port is not a number loses its destination: say so (file and resource)."""

    def change(d: dict[str, Any]) -> None:
        for rc in d["resource_changes"]:
            if rc["type"] == "bigip_ltm_virtual_server":
                rc["change"]["after"]["port"] = "abc"

    bad = _mutated(TERRAFORM / "bigip-plan.json", tmp_path / "plan.json", change)
    result = run("scan", bad, "--isolated", "-q")
    assert re.search(r"plan\.json.*bigip_ltm_virtual_server", result.err), result.err
