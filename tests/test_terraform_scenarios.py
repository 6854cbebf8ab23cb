"""The seed scenarios written as Terraform plans give the same findings as their tmsh forms.

``tests/data/terraform/scenarios/<name>.plan.json`` are ``terraform show -json`` plans of the
F5 provider (bigip_* resources, a ``bigip_as3`` for the forwarding virtuals and a
``bigip_command`` for the reject virtuals, which AS3 cannot declare), generated from the tmsh
scenario by ``make_plans.py`` in that folder. Every difference from the tmsh scan is listed in
``DIFFERENCES`` with its reason: something the provider cannot express, so the rule is
``undetermined`` on the plan instead of failing or passing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lyncpolicy.cli import cli

TESTS = Path(__file__).resolve().parent
SCENARIOS = TESTS / "data" / "scenarios"
PLANS = TESTS / "data" / "terraform" / "scenarios"
NAMES = ("a_supported", "b_av_snat", "c_fwd_primary_only", "e_nat_design",
         "e_nat_design_missing")
DEVICE = "<device>"
# AS3 puts the forwarding virtuals of tenant Common in its application Shared.
AS3_NAMES = {
    f"/Common/Shared/{name}": f"/Common/{name}"
    for name in ("edge_inbound_fwd", "edge_outbound_fwd")
}

Key = tuple[str, str, str]  # rule, object, detail
Outcome = tuple[str, str]  # status, severity

NO_NAT_RESOURCE = "ltm nat has no resource in the provider (nor in AS3): unknown"
NO_ROUTE_DOMAIN_RESOURCE = "net route-domain has no resource (only DO or bigip_command)"
# (rule, object, detail) -> (tmsh outcome or None when tmsh has no finding, reason)
_NAT_RULES: dict[Key, tuple[Outcome | None, str]] = {
    ("LYNC-EDGE-NAT-001", DEVICE, ""): (None, NO_NAT_RESOURCE),
    ("LYNC-EDGE-NAT-003", DEVICE, ""): (None, NO_NAT_RESOURCE),
}
DIFFERENCES: dict[str, dict[Key, tuple[Outcome | None, str]]] = {
    "a_supported": dict(_NAT_RULES),
    "b_av_snat": dict(_NAT_RULES),
    "c_fwd_primary_only": {
        **_NAT_RULES,
        # An `ltm nat` made outside Terraform could give the uncovered addresses their
        # outbound path, so "not covered" cannot be concluded from the plan.
        **{
            ("LYNC-EDGE-NET-002", DEVICE, f"address={address}"): (
                ("fail", "error"), NO_NAT_RESOURCE)
            for address in ("203.0.113.20%9", "203.0.113.21%9", "203.0.113.30%9",
                            "203.0.113.31%9")
        },
        ("LYNC-EDGE-NET-006", DEVICE, ""): (("pass", "error"), NO_ROUTE_DOMAIN_RESOURCE),
    },
    # The `ltm nat`s are `create ltm nat ...` commands of a bigip_command, which the adapter
    # reads with the tmsh reader: NATs are stated, so every NAT rule is decided as in tmsh
    # (including NAT-002, NET-002 and AV-006 for the missing NAT of 10.45.16.31).
    "e_nat_design": {},
    "e_nat_design_missing": {},
}


def _intent(name: str) -> list[str]:
    """The scenario's lyncpolicy.yaml (its intent applies to the plan scan too)."""
    intent = SCENARIOS / name / "lyncpolicy.yaml"
    return ["--config", str(intent)] if intent.is_file() else ["--isolated"]


def _scan(paths: list[str], *extra: str) -> tuple[int, dict[str, object]]:
    if "--config" not in extra:
        extra = ("--isolated", *extra)
    result = CliRunner().invoke(cli, ["scan", "--format", "json", *paths, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def _outcomes(report: dict[str, object]) -> dict[Key, tuple[str, str, str]]:
    devices = report["devices"]
    findings = report["findings"]
    assert isinstance(devices, list) and isinstance(findings, list)
    out: dict[Key, tuple[str, str, str]] = {}
    for f in findings:
        name = DEVICE if f["object"] in devices else AS3_NAMES.get(f["object"], f["object"])
        key = (f["rule_id"], name, f.get("detail", ""))
        assert key not in out, key
        out[key] = (f["status"], f["severity"], f["message"])
    return out


def _tmsh(name: str) -> tuple[int, dict[Key, tuple[str, str, str]]]:
    folder = SCENARIOS / name
    code, report = _scan([str(folder / "bigip_base.conf"), str(folder / "bigip.conf")],
                         *_intent(name))
    return code, _outcomes(report)


def test_plans_are_up_to_date() -> None:
    """The plans are generated from the tmsh scenarios: they must not drift apart."""
    result = subprocess.run([sys.executable, str(PLANS / "make_plans.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_plan_gives_the_tmsh_findings_except_where_terraform_cannot_say(name: str) -> None:
    tmsh_code, tmsh = _tmsh(name)
    plan_code, report = _scan([str(PLANS / f"{name}.plan.json")], *_intent(name))
    plan = _outcomes(report)
    differences = {
        key: (tmsh.get(key, (None,))[:2] if key in tmsh else None, plan.get(key, ("-",))[:2])
        for key in set(tmsh) | set(plan)
        if (tmsh[key][:2] if key in tmsh else None) != (plan[key][:2] if key in plan else None)
    }
    expected = DIFFERENCES[name]
    assert set(differences) == set(expected), sorted(differences)
    for key, (before, reason) in expected.items():
        assert differences[key][0] == before, (key, differences[key])
        status, _, message = plan[key]
        assert status == "undetermined", (key, reason)
        # Undetermined for the reason given: the kind the provider cannot express.
        what = "route domains" if reason == NO_ROUTE_DOMAIN_RESOURCE else "nat"
        assert what in message, (key, message)
    # The failing findings (rule, severity, object, detail) are the tmsh ones, less the
    # differences; the exit code follows (undetermined findings do not fail the gate).
    failing = {k: v[1] for k, v in plan.items() if v[0] == "fail"}
    assert failing == {k: v[1] for k, v in tmsh.items()
                       if v[0] == "fail" and k not in expected}
    assert plan_code == (1 if "error" in failing.values() else 0)
    if name != "c_fwd_primary_only":
        assert plan_code == tmsh_code


def test_nat_commands_are_read_so_the_missing_nat_is_found() -> None:
    """e_nat_design_missing: the NATs come from `bigip_command.edge_nat`; the one missing for
    edge02's A/V address fails NAT-002 on the plan, located on the command resource."""
    _, report = _scan([str(PLANS / "e_nat_design_missing.plan.json")],
                      *_intent("e_nat_design_missing"))
    findings = report["findings"]
    assert isinstance(findings, list)
    nat = next(f for f in findings if f["rule_id"] == "LYNC-EDGE-NAT-001"
               and f["object"] == "/Common/edge01_av_nat")
    assert nat["source"]["resource"] == "bigip_command.edge_nat"
    assert {(f["rule_id"], f["detail"]) for f in findings if f["status"] == "fail"
            and f["severity"] == "error"} >= {("LYNC-EDGE-NAT-002", "address=10.45.16.31")}


def test_iapp_plan_does_not_silently_pass_the_gate() -> None:
    """bigip_sys_iapp holds the iApp's answers only: the virtuals, pools and profiles its
    template builds are in no resource, so the rules about them are undetermined (the four
    INT-003 errors of the tmsh form must not silently pass)."""
    name = "d_iapp_internal_route"
    tmsh_code, _ = _tmsh(name)
    assert tmsh_code == 1  # 4 x INT-003 (SNAT none, Edge routes via 172.25.33.254)
    plan_code, report = _scan([str(PLANS / f"{name}.plan.json")], *_intent(name))
    findings = report["findings"]
    assert isinstance(findings, list)
    int003 = {f["status"] for f in findings if f["rule_id"] == "LYNC-EDGE-INT-003"}
    assert int003 == {"undetermined"}
    assert plan_code == 0  # undetermined is not a failure: the gate says what it cannot see


def test_iapp_plan_carries_the_service_answers() -> None:
    """d_iapp_internal_route: the iApp is one bigip_sys_iapp whose jsonfile is the REST body
    of the tmsh `sys application service` (template, variables, lists, tables)."""
    plan = json.loads((PLANS / "d_iapp_internal_route.plan.json").read_text("utf-8"))
    iapp = next(r for r in plan["resource_changes"] if r["type"] == "bigip_sys_iapp")
    body = json.loads(iapp["change"]["after"]["jsonfile"])
    assert body["template"] == "/Common/f5.microsoft_lync_server_2010_2013.v1.3.0"
    assert {"name": "edge_internal_ip__snat", "encrypted": "no", "value": "Yes"} in body[
        "variables"]
    assert {"name": "edge_internal_ip__client_vlans", "encrypted": "no",
            "value": ["/Common/edge_int"]} in body["lists"]
    assert [t["name"] for t in body["tables"]][-1] == "edge_internal_ip_server_pools__servers"
    # No bigip_* resource for what the template builds (it would collide with the iApp's).
    assert not any(r["type"] in ("bigip_ltm_virtual_server", "bigip_ltm_pool")
                   for r in plan["resource_changes"])


def test_plan_objects_carry_resource_and_change() -> None:
    _, report = _scan([str(PLANS / "b_av_snat.plan.json")])
    findings = report["findings"]
    assert isinstance(findings, list)
    av = next(f for f in findings
              if f["rule_id"] == "LYNC-EDGE-AV-001" and f["object"] == "/Common/edge_av_443")
    assert av["status"] == "fail"
    assert av["source"]["resource"] == "bigip_ltm_virtual_server.edge_av_443"
    assert av["source"]["change"] == "create"
    assert av["source"]["file"].endswith("b_av_snat.plan.json")
    forwarding = next(f for f in findings if f["object"] == "/Common/Shared/edge_outbound_fwd")
    assert forwarding["source"]["resource"] == "bigip_as3.edge_forwarding"


def test_unset_default_persistence_profile_is_the_only_profile() -> None:
    """The plans leave default_persistence_profile out (unknown in the plan): with a single
    persistence profile it is the default, so persistence rules are decided (they were
    undetermined before)."""
    plan = json.loads((PLANS / "a_supported.plan.json").read_text("utf-8"))
    virtual = next(r for r in plan["resource_changes"]
                   if r["type"] == "bigip_ltm_virtual_server")
    assert virtual["change"]["after_unknown"]["default_persistence_profile"] is True
    _, report = _scan([str(PLANS / "a_supported.plan.json")], "--select", "LYNC-EDGE-EXT-008")
    statuses = {f["status"] for f in report["findings"]}  # type: ignore[union-attr]
    assert statuses == {"pass"}


def _line_of(path: str, text: str) -> int:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.startswith(text):
                return number
    raise AssertionError(f"{text!r} not in {path}")


def test_tf_source_points_findings_at_the_resource_block(tmp_path: Path) -> None:
    source = PLANS / "src" / "b_av_snat"
    sarif = tmp_path / "out.sarif"
    code, report = _scan([str(PLANS / "b_av_snat.plan.json")], "--tf-source", str(source),
                         "--format", "sarif", "--output", str(sarif))
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    ltm = str(source / "ltm.tf")
    av = next(f for f in findings
              if f["rule_id"] == "LYNC-EDGE-AV-001" and f["object"] == "/Common/edge_av_443")
    block = _line_of(ltm, 'resource "bigip_ltm_virtual_server" "edge_av_443" {')
    assert (av["source"]["file"], av["source"]["line"]) == (ltm, block)
    assert av["source"]["resource"] == "bigip_ltm_virtual_server.edge_av_443"
    assert av["source"]["change"] == "create"
    # The plan stays named: the finding's device is the plan, whose path the inputs give.
    assert av["device"] == "b_av_snat.plan.json"
    assert [i["path"] for i in report["inputs"]] == [str(PLANS / "b_av_snat.plan.json")]  # type: ignore[union-attr]
    # A network object and an AS3-declared one land on their own blocks too.
    gateway = next(f for f in findings if f["rule_id"] == "LYNC-EDGE-NET-001")
    assert gateway["source"]["file"] == str(source / "network.tf")
    forwarding = next(f for f in findings if f["object"] == "/Common/Shared/edge_outbound_fwd")
    assert forwarding["source"]["line"] == _line_of(
        str(source / "forwarding.tf"), 'resource "bigip_as3" "edge_forwarding" {')
    # SARIF: the annotation is on the .tf file, with the resource address as a property.
    results = json.loads(sarif.read_text("utf-8"))["runs"][0]["results"]
    result = next(r for r in results
                  if r["ruleId"] == "LYNC-EDGE-AV-001" and r["level"] == "error"
                  and r["properties"]["object"] == "/Common/edge_av_443")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("src/b_av_snat/ltm.tf")
    assert physical["region"]["startLine"] == block
    assert result["properties"]["terraformResource"] == "bigip_ltm_virtual_server.edge_av_443"


def test_tf_source_without_matching_blocks_keeps_the_plan_location(tmp_path: Path) -> None:
    (tmp_path / "other.tf").write_text('resource "bigip_ltm_pool" "unrelated" {\n}\n')
    _, report = _scan([str(PLANS / "b_av_snat.plan.json")], "--tf-source", str(tmp_path))
    files = {f["source"]["file"] for f in report["findings"]  # type: ignore[union-attr]
             if f["source"]}
    assert files == {str(PLANS / "b_av_snat.plan.json")}


def test_tf_source_is_documented_and_checked() -> None:
    runner = CliRunner()
    help_text = runner.invoke(cli, ["scan", "--help"]).output
    assert "--tf-source DIR" in help_text
    missing = os.path.join(str(PLANS), "no-such-folder")
    result = runner.invoke(cli, ["scan", str(PLANS / "b_av_snat.plan.json"),
                                 "--tf-source", missing])
    assert result.exit_code == 2
