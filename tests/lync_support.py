"""Run chosen Lync Edge rules on a scenario folder (tmsh files plus an optional intent), or
on one device built from tmsh text, and edit that text one object at a time.

Each rule family's tests load only their own rule files, so a rule under construction in
another family cannot break them.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from lyncpolicy.adapters.tmsh import parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.cli_rules import run_examples
from lyncpolicy.engine import evaluate
from lyncpolicy.findings import Finding
from lyncpolicy.loader import load
from lyncpolicy.model import Device, Model
from lyncpolicy.plugins import collect, make_plugin_manager
from lyncpolicy.rulepack import Rule, RuleLoader
from lyncpolicy.topology import Topology, build_topology

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "lync-edge"
SCENARIOS = Path(__file__).resolve().parent / "data" / "scenarios"
EXAMPLES = ROOT / "examples"

# (rule, severity, object, detail) of a finding.
Row = tuple[str, str, str, str]


def load_lync_rules(rule_ids: Iterable[str]) -> list[Rule]:
    """The named rules of ``rules/lync-edge``, validated against the rule schema."""
    registry = collect(make_plugin_manager(load_entrypoints=False))
    loader = RuleLoader(registry.predicates, validate=True)
    return [loader.load(str(PACK / f"{rule_id}.yaml"), "lync-edge") for rule_id in rule_ids]


@cache
def lync_rules(*rule_ids: str) -> tuple[Rule, ...]:
    """:func:`load_lync_rules`, loaded once for each set of rule ids."""
    return tuple(load_lync_rules(rule_ids))


def scenario_topologies(folder: Path) -> tuple[object, dict[str, Topology]]:
    """The model of a scenario folder and the topology of each device (with its intent)."""
    intent = None
    config = folder / "lyncpolicy.yaml"
    if config.is_file():
        intent = (yaml.safe_load(config.read_text("utf-8")) or {}).get("deployment")
    result = load([str(p) for p in sorted(folder.glob("*.conf"))], jobs=1)
    assert not result.errors, result.errors
    topologies = {d.name: build_topology(d, intent) for d in result.model.devices}
    return result.model, topologies


def run_rules(folder: Path, rule_ids: Sequence[str]) -> list[Finding]:
    """Every finding (pass included) of the named rules on a scenario folder."""
    model, topologies = scenario_topologies(folder)
    return evaluate(model, load_lync_rules(rule_ids), topologies=topologies)  # type: ignore[arg-type]


def failing(findings: Iterable[Finding]) -> list[Row]:
    """(rule, severity, object, detail) of failing findings, sorted."""
    return sorted(
        (f.rule_id, f.severity, f.object_path, f.detail) for f in findings if f.status == "fail"
    )


def without_intent(folder: Path, tmp_path: Path) -> Path:
    """A copy of the scenario folder's tmsh files, without its ``lyncpolicy.yaml``."""
    copy = tmp_path / folder.name
    copy.mkdir()
    for conf in folder.glob("*.conf"):
        shutil.copy(conf, copy / conf.name)
    return copy


def assert_scenario(
    folder: Path, rule_ids: Sequence[str], expected: Iterable[Row]
) -> list[Finding]:
    """The failing findings of the rules on a scenario folder are exactly ``expected``, and none
    is undetermined; every finding."""
    findings = run_rules(folder, rule_ids)
    assert failing(findings) == sorted(expected)
    assert not [f for f in findings if f.status == "undetermined"]
    return findings


def assert_examples_behave(rules: Sequence[Rule]) -> int:
    """What ``lyncpolicy rules test`` checks: fail examples fail, pass examples pass, every
    example counted; the number of examples."""
    passed, failed, lines = run_examples(rules)
    assert (failed, lines) == (0, [])
    assert passed == sum(
        len(r.examples.fail) + len(r.examples.passing) for r in rules if r.examples
    )
    return passed


# -- one device from tmsh text ---------------------------------------------------------------------


def example_text(relative: str) -> str:
    """An example file of the pack (``LYNC-EDGE-EXT-004/pass-consistent.conf``)."""
    return (PACK / "examples" / relative).read_text("utf-8")


def device_of(*texts: str, name: str = "dut", unknown_kinds: Sequence[str] = ()) -> Device:
    """The device of tmsh configuration texts (no error diagnostics), where the input cannot
    express the object kinds ``unknown_kinds`` (Terraform has no ``ltm nat``)."""
    inputs = [TmshInput(parse_text(t, f"part{i}.conf")) for i, t in enumerate(texts)]
    device, diagnostics = build_device(inputs, name)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return dataclasses.replace(device, unknown_kinds=frozenset(unknown_kinds))


def with_unknown(device: Device, collection: str, name: str, *fields: str) -> Device:
    """``device`` where the input could not state ``fields`` of one object (Terraform)."""
    objects = getattr(device, collection)
    changed = dataclasses.replace(objects[name], unknown=frozenset(fields))
    return dataclasses.replace(device, **{collection: {**objects, name: changed}})


def run_device(
    rule_ids: Sequence[str], device: Device, deployment: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Every finding (passes included) of the named rules on one device, with its intent."""
    topologies = {device.name: build_topology(device, deployment)}
    return evaluate(Model((device,)), lync_rules(*rule_ids), topologies=topologies)


def located_examples(rule_id: str) -> list[tuple[str, str]]:
    """(example file name, object) of each failing finding of a device-level rule's own fail
    examples (run with the rule's example deployment): the object its ``at`` witness names.
    Each object exists on the device, and the finding carries that object's source line."""
    (rule,) = lync_rules(rule_id)
    assert rule.examples is not None
    found: set[tuple[str, str]] = set()
    for example in rule.examples.fail:
        path = Path(example) if Path(example).is_absolute() else PACK / example
        device = device_of(path.read_text("utf-8"))
        for finding in run_device([rule_id], device, rule.examples.deployment):
            if finding.status != "fail":
                continue
            at = finding.witnesses.get("at")
            assert isinstance(at, str), (rule_id, path.name, finding.witnesses)
            objects = [o for _, collection in device.collections() if (o := collection.get(at))]
            assert objects, (rule_id, path.name, at)
            assert finding.source is not None and finding.source == objects[0].source
            found.add((path.name, at))
    assert found, rule_id
    return sorted(found)


def statuses(findings: Iterable[Finding]) -> list[tuple[str, str, str, str]]:
    """(object, detail, status, severity) of every finding, sorted."""
    return sorted((f.object_path, f.detail, f.status, f.severity) for f in findings)


def _block(text: str, header: str) -> tuple[int, int]:
    start = text.index(header + " {\n")
    return start, text.index("\n}\n", start) + 3


def edit_block(text: str, header: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced by ``new`` inside the top-level tmsh object ``header``."""
    start, end = _block(text, header)
    block = text[start:end]
    assert old in block, (header, old)
    return text[:start] + block.replace(old, new) + text[end:]


def remove_block(text: str, header: str) -> str:
    """``text`` without the top-level tmsh object ``header``."""
    start, end = _block(text, header)
    return text[:start] + text[end:]
