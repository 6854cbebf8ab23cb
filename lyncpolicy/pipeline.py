"""One scan, end to end: model -> topology -> rules -> findings -> report.

Data flows one way; each stage is a plain function of the previous stage's output, so the
CLI, the pre-commit hook and tests drive the same code. Suppressions (waivers, inline comments,
baselines) are applied to the report's findings afterwards (:mod:`lyncpolicy.suppressions`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lyncpolicy import __version__
from lyncpolicy.engine import evaluate
from lyncpolicy.findings import Finding, InputInfo, Report
from lyncpolicy.model import Model
from lyncpolicy.rulepack import Rule
from lyncpolicy.topology import Topology, build_topology, topology_to_jsonable


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Findings of one scan and the topology they were computed with."""

    findings: list[Finding]
    topologies: Mapping[str, Topology] = field(default_factory=dict)


def topologies_for(model: Model, deployment: Mapping[str, Any] | None) -> dict[str, Topology]:
    """The recognized Edge deployment of every device (the intent applies to each)."""
    return {device.name: build_topology(device, deployment) for device in model.devices}


def scan_model(
    model: Model, rules: Sequence[Rule], deployment: Mapping[str, Any] | None = None
) -> ScanResult:
    """Infer the topology of every device and evaluate ``rules`` on it.

    Devices are evaluated in name order, so the report does not depend on the order in which
    the inputs were named.
    """
    model = in_name_order(model)
    topologies = topologies_for(model, deployment)
    return ScanResult(evaluate(model, rules, topologies=topologies), topologies)


def in_name_order(model: Model) -> Model:
    return Model(tuple(sorted(model.devices, key=lambda device: device.name)))


def build_report(
    model: Model,
    rules: Sequence[Rule],
    result: ScanResult,
    findings: Sequence[Finding],
    *,
    inputs: Sequence[InputInfo] = (),
    object_count: int = 0,
    started: float,
    errors: Sequence[str] = (),
) -> Report:
    """The report reporters render (``findings`` after suppressions and overrides)."""
    model = in_name_order(model)
    return Report(
        findings=tuple(findings),
        rules=tuple(rule.meta for rule in rules),
        inputs=tuple(sorted(inputs, key=lambda info: (info.device, info.path))),
        devices=tuple(device.name for device in model.devices),
        object_count=object_count,
        elapsed_seconds=time.perf_counter() - started,
        tool_version=__version__,
        execution_successful=not errors,
        errors=tuple(errors),
        topology=topology_to_jsonable(
            [(device, result.topologies[device.name]) for device in model.devices]
        ),
    )


def failed_report(
    rules: Sequence[Rule], errors: Sequence[str], inputs: Sequence[InputInfo], started: float
) -> Report:
    """The report of a scan that could not run: no findings, ``execution_successful`` false."""
    return Report(
        findings=(),
        rules=tuple(rule.meta for rule in rules),
        inputs=tuple(inputs),
        elapsed_seconds=time.perf_counter() - started,
        tool_version=__version__,
        execution_successful=False,
        errors=tuple(errors),
    )
