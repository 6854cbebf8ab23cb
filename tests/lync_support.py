"""Run chosen Lync Edge rules on a scenario folder (tmsh files plus an optional intent).

Each rule family's tests load only their own rule files, so a rule under construction in
another family cannot break them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from lyncpolicy.engine import evaluate
from lyncpolicy.findings import Finding
from lyncpolicy.loader import load
from lyncpolicy.plugins import collect, make_plugin_manager
from lyncpolicy.rulepack import Rule, RuleLoader
from lyncpolicy.topology import Topology, build_topology

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "lync-edge"
SCENARIOS = Path(__file__).resolve().parent / "data" / "scenarios"
EXAMPLES = ROOT / "examples"


def load_lync_rules(rule_ids: Iterable[str]) -> list[Rule]:
    """The named rules of ``rules/lync-edge``, validated against the rule schema."""
    registry = collect(make_plugin_manager(load_entrypoints=False))
    loader = RuleLoader(registry.predicates, validate=True)
    return [loader.load(str(PACK / f"{rule_id}.yaml"), "lync-edge") for rule_id in rule_ids]


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


def failing(findings: Iterable[Finding]) -> list[tuple[str, str, str, str]]:
    """(rule, severity, object, detail) of failing findings, sorted."""
    return sorted(
        (f.rule_id, f.severity, f.object_path, f.detail) for f in findings if f.status == "fail"
    )
