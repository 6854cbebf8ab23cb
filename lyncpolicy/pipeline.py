"""One scan, end to end: model -> topology -> rules -> findings -> report.

Data flows one way; each stage is a plain function of the previous stage's output, so the
CLI, the pre-commit hook and tests drive the same code. A device is scanned on its own
(:func:`scan_device`), where it was read (:class:`DeviceScanner`, in a worker for fleets), and
the devices' scans are merged in name order (:func:`merge_scans`). Suppressions (waivers,
inline comments, baselines) are applied to the merged findings afterwards
(:mod:`lyncpolicy.suppressions`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from lyncpolicy import __version__
from lyncpolicy.engine import evaluate
from lyncpolicy.findings import Finding, InputInfo, Report
from lyncpolicy.model import Device, Model
from lyncpolicy.rulepack import Rule
from lyncpolicy.suppressions import InlineKey, InlineSuppression, inline_index
from lyncpolicy.topology import Topology, build_topology, device_to_jsonable

if TYPE_CHECKING:
    from lyncpolicy.config import RuleSettings
    from lyncpolicy.loader import UnitResult

Inline = dict[InlineKey, list[InlineSuppression]]


@dataclass(frozen=True, slots=True)
class DeviceScan:
    """One device's part of a scan: everything later stages need, without the device itself
    (a fleet computes it in the worker process that read the device, and sends only this)."""

    device: str
    findings: list[Finding]
    topology: Topology
    topology_json: dict[str, object]
    inline: Inline

    def renamed(self, name: str) -> DeviceScan:
        """The same scan for the device called ``name`` (two inputs of one hostname, told
        apart only once every input was read). Messages keep the hostname they name."""
        if name == self.device:
            return self

        def rename(finding: Finding) -> Finding:
            if finding.object_kind == "device" and finding.object_path == self.device:
                return replace(finding, device=name, object_path=name)
            return replace(finding, device=name)

        return DeviceScan(
            name,
            [rename(f) for f in self.findings],
            replace(self.topology, device=name),
            {**self.topology_json, "device": name},
            {(name, path): found for (_, path), found in self.inline.items()},
        )


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Findings of one scan and the topology they were computed with, devices in name order.

    ``inline`` holds the inline suppressions of the devices' objects (applied later, with the
    waivers and the baseline: :mod:`lyncpolicy.suppressions`).
    """

    findings: list[Finding]
    topologies: Mapping[str, Topology] = field(default_factory=dict)
    topology_json: tuple[dict[str, object], ...] = ()
    inline: Inline = field(default_factory=dict)


def scan_device(
    device: Device, rules: Sequence[Rule], deployment: Mapping[str, Any] | None = None
) -> DeviceScan:
    """Infer the topology of ``device`` (the intent applies to each device) and evaluate
    ``rules`` on it."""
    topology = build_topology(device, deployment)
    model = Model((device,))
    return DeviceScan(
        device.name,
        evaluate(model, rules, topologies={device.name: topology}),
        topology,
        device_to_jsonable(device, topology),
        inline_index(model),
    )


def merge_scans(scans: Sequence[DeviceScan]) -> ScanResult:
    """The scan of several devices, in name order, so the report does not depend on the order
    in which the inputs were named."""
    ordered = sorted(scans, key=lambda scan: scan.device)
    inline: Inline = {}
    for scan in ordered:
        inline.update(scan.inline)
    return ScanResult(
        [finding for scan in ordered for finding in scan.findings],
        {scan.device: scan.topology for scan in ordered},
        tuple(scan.topology_json for scan in ordered),
        inline,
    )


def scan_model(
    model: Model, rules: Sequence[Rule], deployment: Mapping[str, Any] | None = None
) -> ScanResult:
    """Infer the topology of every device and evaluate ``rules`` on it."""
    return merge_scans([scan_device(device, rules, deployment) for device in model.devices])


class DeviceScanner:
    """Scans each unit's device where the unit was read, then drops the device.

    Given to :func:`lyncpolicy.loader.load` as ``process``. A fleet reads its units in worker
    processes, which get this object once when they start: forked workers inherit it whole;
    where workers are spawned (macOS, Windows) it is pickled without its compiled rules
    (closures do not pickle) and the worker loads them again from the plugins and
    ``settings`` on its first device. Only the :class:`DeviceScan` comes back, not the
    device, whose transfer would cost about what reading it again does.
    """

    def __init__(self, settings: RuleSettings, deployment: Mapping[str, Any] | None,
                 tf_source: str | None = None, rules: Sequence[Rule] | None = None) -> None:
        self.settings = settings
        self.deployment = dict(deployment) if deployment else None
        self.tf_source = tf_source
        self._rules = rules
        self._tf_blocks: Mapping[tuple[str, str], Sequence[tuple[str, int]]] | None = None

    def __getstate__(self) -> tuple[RuleSettings, dict[str, Any] | None, str | None]:
        return self.settings, self.deployment, self.tf_source

    def __setstate__(self, state: tuple[RuleSettings, dict[str, Any] | None, str | None]) -> None:
        self.settings, self.deployment, self.tf_source = state
        self._rules = None
        self._tf_blocks = None

    def rules(self) -> Sequence[Rule]:
        if self._rules is None:
            from lyncpolicy.plugins import collect, load_rules_for, make_plugin_manager

            self._rules = load_rules_for(self.settings, collect(make_plugin_manager()))[1]
        return self._rules

    def __call__(self, result: UnitResult) -> None:
        device = result.device
        if device is None:
            return
        if self.tf_source and result.unit.kind == "terraform":
            # --tf-source: objects of Terraform inputs point at their .tf blocks.
            from lyncpolicy.adapters.terraform import relocate_device, tf_block_index

            if self._tf_blocks is None:
                self._tf_blocks = tf_block_index(self.tf_source)
            device = relocate_device(device, self.tf_source, self._tf_blocks)
        # The model is only read from here on: keep the cyclic collector from walking it again
        # and again while findings are made (its time grew faster than the configuration).
        # Unfrozen afterwards, so whatever of it ends up in cycles can still be collected.
        gc.freeze()
        try:
            result.outcome = scan_device(device, self.rules(), self.deployment)
        finally:
            gc.unfreeze()
        result.device = None


def build_report(
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
    return Report(
        findings=tuple(findings),
        rules=tuple(rule.meta for rule in rules),
        inputs=tuple(sorted(inputs, key=lambda info: (info.device, info.path))),
        devices=tuple(result.topologies),
        object_count=object_count,
        elapsed_seconds=time.perf_counter() - started,
        tool_version=__version__,
        execution_successful=not errors,
        errors=tuple(errors),
        topology={"devices": list(result.topology_json)},
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
