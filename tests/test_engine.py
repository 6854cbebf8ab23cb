"""The engine over small tmsh configurations read by the real reader and model builder."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from lyncpolicy.adapters.tmsh import parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.builtin_predicates import CORE_PREDICATES
from lyncpolicy.conditions import Check, Compiler, Outcome, Predicate, Scope
from lyncpolicy.engine import MEMO, Memo, evaluate
from lyncpolicy.errors import RuleError
from lyncpolicy.findings import Finding
from lyncpolicy.model import Device, Model
from lyncpolicy.rulepack import Rule, RuleLoader

CORE: dict[str, Predicate] = {p.name: p for p in CORE_PREDICATES}

EDGE_CONFIG = """\
net self /Common/ext_self {
    address 203.0.113.2/24
    vlan /Common/external
}
net self /Common/int_self {
    address 10.0.1.2/24
    vlan /Common/internal
}
ltm pool /Common/edge_ext_pool {
    members {
        /Common/203.0.113.21:443 {
            address 203.0.113.21
        }
        /Common/198.51.100.22:443 {
            address 198.51.100.22
        }
    }
}
ltm virtual /Common/av_udp_snat {
    destination /Common/203.0.113.10:3478
    ip-protocol udp
    mask 255.255.255.255
    pool /Common/edge_ext_pool
    source-address-translation {
        type automap
    }
}
ltm virtual /Common/av_udp_plain {
    destination /Common/203.0.113.12:3478
    ip-protocol udp
    mask 255.255.255.255
    pool /Common/edge_ext_pool
}
ltm virtual /Common/access_tcp {
    destination /Common/203.0.113.11:443
    ip-protocol tcp
    mask 255.255.255.255
    source-address-translation {
        type automap
    }
}
"""

UDP_RULE = """\
id: T-UDP-001
title: UDP virtual servers must not use SNAT
severity: error
description: The A/V Edge needs the client's own address.
remediation:
  text: Set source-address-translation to none on {object.name}.
  tmsh: "modify ltm virtual {object.name} source-address-translation {{ type none }}"
  terraform: 'source_address_translation = "none"  # {object.name}'
tags: [av]
applies-to:
  kind: virtual_servers
  where:
    eq: {path: object.ip_protocol, value: udp}
condition:
  eq: {path: object.snat_type, value: none}
message: "UDP virtual {object.name} uses SNAT ({object.snat_type}) on {device.name}"
"""

MEMBERS_RULE = """\
id: T-POOL-001
title: Pool members sit on a self IP network
severity: warning
description: Every pool member is reachable on a directly connected network.
remediation:
  text: Add a self IP for {witnesses.uncovered}.
applies-to:
  kind: pools
condition:
  covers-all:
    networks: device.self_ips.*.network
    addresses: object.members.*.address
message: "Pool {object.name}: {witnesses.uncovered} not on a self IP network"
"""


def make_device(text: str, name: str = "dut") -> Device:
    device, diagnostics = build_device([TmshInput(parse_text(text, f"{name}.conf"))], name)
    assert [d for d in diagnostics if d.level != "note"] == []
    return device


def load_rule(tmp_path: Path, text: str, predicates: Mapping[str, Predicate] = CORE) -> Rule:
    text = textwrap.dedent(text)
    rule_id = text.split("\n", 1)[0].removeprefix("id: ").strip()
    path = tmp_path / f"{rule_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return RuleLoader(predicates, validate=True).load(str(path), pack="test")


def by_object(findings: list[Finding]) -> dict[str, Finding]:
    return {f.object_path + (f"#{f.detail}" if f.detail else ""): f for f in findings}


def test_udp_snat_one_fail_one_pass(tmp_path: Path) -> None:
    rule = load_rule(tmp_path, UDP_RULE)
    device = make_device(EDGE_CONFIG)
    findings = evaluate(Model((device,)), [rule])
    assert [(f.object_path, f.status) for f in findings] == [
        ("/Common/av_udp_plain", "pass"),
        ("/Common/av_udp_snat", "fail"),
    ]
    failed = findings[1]
    assert failed.message == "UDP virtual /Common/av_udp_snat uses SNAT (automap) on dut"
    assert failed.severity == "error"
    assert failed.object_kind == "virtual_servers"
    assert failed.device == "dut"
    assert failed.tags == ("av",)
    assert failed.witnesses == {"actual": "automap"}
    assert failed.source is not None
    assert (failed.source.file, failed.source.line) == ("dut.conf", 19)
    assert failed.remediation is not None
    assert failed.remediation.text == (
        "Set source-address-translation to none on /Common/av_udp_snat."
    )
    assert failed.remediation.tmsh == (
        "modify ltm virtual /Common/av_udp_snat source-address-translation { type none }"
    )
    assert failed.remediation.terraform == (
        'source_address_translation = "none"  # /Common/av_udp_snat'
    )
    passed = findings[0]
    assert passed.remediation is None
    assert passed.message == rule.title


def test_covers_all_witnesses_feed_message_and_fingerprint(tmp_path: Path) -> None:
    rule = load_rule(tmp_path, MEMBERS_RULE)
    first = evaluate(Model((make_device(EDGE_CONFIG),)), [rule])
    assert len(first) == 1
    finding = first[0]
    assert finding.status == "fail"
    assert finding.message == "Pool /Common/edge_ext_pool: 198.51.100.22 not on a self IP network"
    assert finding.remediation is not None
    assert finding.remediation.text == "Add a self IP for 198.51.100.22."
    assert finding.witnesses == {"uncovered": ["198.51.100.22"]}
    assert finding.detail == "uncovered=198.51.100.22"
    other = EDGE_CONFIG.replace("198.51.100.22", "198.51.100.23")
    second = evaluate(Model((make_device(other),)), [rule])[0]
    assert second.detail == "uncovered=198.51.100.23"
    assert second.fingerprint != finding.fingerprint
    assert evaluate(Model((make_device(EDGE_CONFIG),)), [rule])[0].fingerprint == (
        finding.fingerprint
    )


def test_for_each_gives_one_finding_per_item(tmp_path: Path) -> None:
    rule = load_rule(
        tmp_path,
        """\
        id: T-POOL-002
        title: Each pool member sits on a self IP network
        severity: warning
        description: One finding per member.
        remediation:
          text: Add a self IP for {m.address}.
        applies-to:
          kind: pools
        for-each: {over: object.members, as: m}
        condition:
          some:
            over: device.self_ips
            as: s
            condition:
              contains-address: {network: s.network, address: m.address}
        message: "Member {m.name} ({m.address}) of {object.name} is off-link"
        """,
    )
    findings = evaluate(Model((make_device(EDGE_CONFIG),)), [rule])
    assert [(f.status, f.detail) for f in findings] == [
        ("pass", "m=/Common/203.0.113.21:443"),
        ("fail", "m=/Common/198.51.100.22:443"),
    ]
    assert findings[1].message == (
        "Member /Common/198.51.100.22:443 (198.51.100.22) of /Common/edge_ext_pool is off-link"
    )
    assert findings[0].fingerprint != findings[1].fingerprint


def test_roles_select_objects(tmp_path: Path) -> None:
    rule = load_rule(
        tmp_path,
        UDP_RULE.replace(
            "  kind: virtual_servers\n", "  kind: virtual_servers\n  role: [edge-av]\n"
        ),
    )
    model = Model((make_device(EDGE_CONFIG),))
    assert evaluate(model, [rule]) == []
    assert evaluate(model, [rule], roles={"other": {"/Common/av_udp_snat": {"edge-av"}}}) == []
    roles = {"dut": {"/Common/av_udp_snat": {"edge-av"}, "/Common/av_udp_plain": {"x"}}}
    findings = evaluate(model, [rule], roles=roles)
    assert [(f.object_path, f.status) for f in findings] == [("/Common/av_udp_snat", "fail")]


def test_has_role_inside_a_condition(tmp_path: Path) -> None:
    rule = load_rule(
        tmp_path,
        """\
        id: T-ROLE-001
        title: Edge A/V pools are used by an A/V virtual
        severity: info
        description: Roles reach into conditions through has-role.
        remediation:
          text: Point an A/V virtual at {object.name}.
        applies-to:
          kind: pools
        condition:
          some:
            over: device.virtual_servers
            as: v
            condition:
              all:
                - has-role: {of: v, role: edge-av}
                - eq: {path: v.pool, value: /Common/edge_ext_pool}
        message: "{object.name} is not used by an A/V virtual"
        """,
    )
    model = Model((make_device(EDGE_CONFIG),))
    assert [f.status for f in evaluate(model, [rule])] == ["undetermined"]
    roles = {"dut": {"/Common/av_udp_plain": {"edge-av"}}}
    assert [f.status for f in evaluate(model, [rule], roles)] == ["pass"]
    roles = {"dut": {"/Common/access_tcp": {"edge-av"}}}
    assert [f.status for f in evaluate(model, [rule], roles)] == ["fail"]


def test_unknown_field_is_undetermined(tmp_path: Path) -> None:
    rule = load_rule(tmp_path, UDP_RULE)
    device = make_device(EDGE_CONFIG)
    virtual = device.virtual_servers["/Common/av_udp_snat"]
    hidden = dataclasses.replace(virtual, unknown=frozenset({"snat_type"}))
    device = dataclasses.replace(
        device, virtual_servers={**device.virtual_servers, virtual.name: hidden}
    )
    findings = by_object(evaluate(Model((device,)), [rule]))
    undetermined = findings["/Common/av_udp_snat"]
    assert undetermined.status == "undetermined"
    assert undetermined.remediation is None
    assert "object.snat_type" in undetermined.message
    assert findings["/Common/av_udp_plain"].status == "pass"


def test_unknown_where_makes_a_failure_undetermined(tmp_path: Path) -> None:
    rule = load_rule(tmp_path, UDP_RULE)
    device = make_device(EDGE_CONFIG)
    hidden = {
        name: dataclasses.replace(v, unknown=frozenset({"ip_protocol"}))
        for name, v in device.virtual_servers.items()
    }
    findings = by_object(
        evaluate(Model((dataclasses.replace(device, virtual_servers=hidden),)), [rule])
    )
    assert findings["/Common/av_udp_snat"].status == "undetermined"
    assert findings["/Common/access_tcp"].status == "undetermined"
    assert findings["/Common/av_udp_plain"].status == "pass"


def test_kind_the_input_cannot_express(tmp_path: Path) -> None:
    rule = load_rule(
        tmp_path,
        """\
        id: T-NAT-001
        title: NATs translate to public addresses
        severity: warning
        description: A rule on a kind some inputs cannot express.
        remediation:
          text: Fix {object.name}.
        applies-to:
          kind: nats
        condition:
          not:
            is-private: {path: object.translation_address}
        message: "{object.name} translates to a private address"
        """,
    )
    device = dataclasses.replace(make_device(EDGE_CONFIG), unknown_kinds=frozenset({"nats"}))
    findings = evaluate(Model((device,)), [rule])
    assert [(f.status, f.object_path, f.object_kind) for f in findings] == [
        ("undetermined", "dut", "nats")
    ]
    assert "cannot express nats" in findings[0].message
    assert evaluate(Model((make_device(EDGE_CONFIG),)), [rule]) == []


def test_device_rules_and_deterministic_order(tmp_path: Path) -> None:
    version = load_rule(
        tmp_path,
        """\
        id: T-DEV-001
        title: The TMOS version is known
        severity: info
        description: A device-level rule.
        remediation:
          text: Export the configuration with its header.
        applies-to:
          kind: device
        condition:
          exists: {path: device.version}
        message: "{device.name}: no TMOS version"
        """,
    )
    udp = load_rule(tmp_path, UDP_RULE)
    config_b = EDGE_CONFIG.replace("av_udp_plain", "aa_udp_plain")
    model = Model((make_device(EDGE_CONFIG, "zeta"), make_device(config_b, "alpha")))
    findings = evaluate(model, [version, udp])
    assert [(f.device, f.rule_id, f.object_path) for f in findings] == [
        ("zeta", "T-DEV-001", "zeta"),
        ("zeta", "T-UDP-001", "/Common/av_udp_plain"),
        ("zeta", "T-UDP-001", "/Common/av_udp_snat"),
        ("alpha", "T-DEV-001", "alpha"),
        ("alpha", "T-UDP-001", "/Common/aa_udp_plain"),
        ("alpha", "T-UDP-001", "/Common/av_udp_snat"),
    ]
    assert findings[0].message == "zeta: no TMOS version"
    assert findings[0].source is None
    assert evaluate(model, [udp, version]) == findings


def test_predicate_exception_is_a_rule_error(tmp_path: Path) -> None:
    def compile_boom(args: Mapping[str, Any], c: Compiler) -> Check:
        path = c.path(args.get("path"), "path")

        def check(scope: Scope) -> Outcome:
            return Outcome.of(len(str(path.resolve(scope))) / 0 > 1)

        return check

    predicates = {
        **CORE,
        "acme.boom": Predicate(
            "acme.boom",
            compile_boom,
            {
                "type": "object",
                "properties": {"path": {"$ref": "#/$defs/path"}},
                "required": ["path"],
            },
        ),
    }
    rule = load_rule(
        tmp_path,
        UDP_RULE.replace(
            "  eq: {path: object.snat_type, value: none}", "  acme.boom: {path: object.name}"
        ),
        predicates,
    )
    with pytest.raises(RuleError) as excinfo:
        evaluate(Model((make_device(EDGE_CONFIG),)), [rule])
    text = str(excinfo.value)
    assert "rule T-UDP-001" in text
    assert "predicate 'acme.boom'" in text
    assert "ZeroDivisionError" in text
    assert excinfo.value.exit_code == 2


def test_same_route_domain_over_a_real_config(tmp_path: Path) -> None:
    rule = load_rule(
        tmp_path,
        """\
        id: T-RD-001
        title: A virtual and its pool members share a route domain
        severity: error
        description: Addresses in different route domains never reach each other.
        remediation:
          text: Put {witnesses.mismatched} in the virtual's route domain.
        applies-to:
          kind: virtual_servers
          where:
            exists: {path: object.pool}
        condition:
          every:
            over: device.pools
            as: p
            condition:
              any:
                - ne: {path: p.name, value: /Common/edge_ext_pool}
                - same-route-domain:
                    paths: [object.destination, p.members.*.address]
        message: "{object.name} and its pool members are in different route domains"
        """,
    )
    plain = evaluate(Model((make_device(EDGE_CONFIG),)), [rule])
    assert [f.status for f in plain] == ["pass", "pass"]
    split = EDGE_CONFIG.replace("address 198.51.100.22", "address 198.51.100.22%9")
    findings = evaluate(Model((make_device(split),)), [rule])
    assert [f.status for f in findings] == ["fail", "fail"]
    assert findings[0].witnesses == {"failing": ["/Common/edge_ext_pool"]}


def test_engine_import_does_not_load_jsonschema() -> None:
    code = (
        "import sys, lyncpolicy.engine, lyncpolicy.plugins as p\n"
        "rules = p.load_rules(p.make_plugin_manager(load_entrypoints=False))\n"
        "print('jsonschema' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_device_finding_points_at_the_object_its_predicate_names(tmp_path: Path) -> None:
    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        def check(scope: Scope) -> Outcome:
            return Outcome.of(False, at=args["at"])

        return check

    blame = Predicate(
        "test.blame",
        compile_,
        {"type": "object", "properties": {"at": {"type": "string"}}, "required": ["at"]},
    )
    rule_text = """\
        id: T-AT-001
        title: Blame an object
        severity: error
        description: A device-level rule whose predicate names the object at fault.
        remediation:
          text: Fix it.
        applies-to:
          kind: device
        condition:
          test.blame: {at: "@TARGET@"}
        message: "{device.name}: blamed"
        """
    predicates = {**CORE, "test.blame": blame}
    device = make_device(EDGE_CONFIG, "dut")
    target = "/Common/av_udp_snat"
    located = load_rule(tmp_path, rule_text.replace("@TARGET@", target), predicates)
    (finding,) = evaluate(Model((device,)), [located])
    assert finding.source == device.virtual_servers[target].source
    assert finding.source is not None and finding.source.line > 1
    # A name that is no object of the device leaves the finding without a location.
    nowhere = load_rule(tmp_path, rule_text.replace("@TARGET@", "/Common/none"), predicates)
    (finding,) = evaluate(Model((device,)), [nowhere])
    assert finding.source is None


def _counting(calls: list[str]) -> Predicate:
    """``test.indexed``: reads a per-device index from the engine's memo, built once."""

    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        def check(scope: Scope) -> Outcome:
            memo = scope[MEMO]
            assert isinstance(memo, Memo)
            device = scope["device"]
            assert isinstance(device, Device)

            def index() -> frozenset[str]:
                calls.append(device.name)
                return frozenset(device.virtual_servers)

            return Outcome.of(bool(memo.get((_counting, "virtuals"), index)))

        return check

    return Predicate("test.indexed", compile_, {"type": "object", "properties": {}})


MEMO_RULE = """\
    id: T-MEMO-00@N@
    title: Uses a device index
    severity: info
    description: Reads an index the engine's memo keeps for the device.
    remediation:
      text: Nothing.
    applies-to:
      kind: virtual_servers
    for-each: {over: device.self_ips, as: s}
    condition:
      all:
        - test.indexed: {}
        - some: {over: device.pools, as: p, condition: {test.indexed: {}}}
    message: "{object.name}"
    """


def test_memo_is_shared_per_device_within_one_evaluation(tmp_path: Path) -> None:
    """Every rule and object of a device share one memo; the next evaluation starts afresh."""
    calls: list[str] = []
    predicates = {**CORE, "test.indexed": _counting(calls)}
    rules = [load_rule(tmp_path, MEMO_RULE.replace("@N@", str(i)), predicates) for i in (1, 2)]
    model = Model((make_device(EDGE_CONFIG, "a"), make_device(EDGE_CONFIG, "b")))
    findings = evaluate(model, rules)
    # 2 devices x 2 rules x 3 virtuals x 2 self IPs, each reading the index (also inside `some`).
    assert len(findings) == 24 and all(f.status == "pass" for f in findings)
    assert calls == ["a", "b"]
    evaluate(model, rules)
    assert calls == ["a", "b", "a", "b"]


def test_memo_is_not_reachable_from_rules(tmp_path: Path) -> None:
    """No path, template field or variable can name the memo (so none can read or hide it)."""
    base = MEMO_RULE.replace("@N@", "9").replace(
        "test.indexed: {}", "eq: {path: object.pool, value: x}"
    )
    assert load_rule(tmp_path, base).id == "T-MEMO-009"
    for old, new in (
        ("path: object.pool", f"path: {MEMO}.x"),
        ('message: "{object.name}"', 'message: "{' + MEMO + '.x}"'),
        ("as: s}", f"as: '{MEMO}'}}"),
    ):
        assert old in base
        with pytest.raises(RuleError):
            load_rule(tmp_path, base.replace(old, new))
