"""Evaluate compiled rules over a model: one :class:`Finding` per (rule, selected object).

Findings include passes (reporters need totals). Order is deterministic: devices in model
order, then rule id, then object name (then ``for-each`` item order).

A rule selects the objects of its kind (``virtual_servers``, ..., or ``device``), keeps those
with one of its roles (when it names roles; the roles come from the topology step, and without
them such a rule selects nothing), keeps those its ``where`` condition does not reject, and
evaluates its condition on each. A ``where`` that is undetermined keeps the object: the
finding is then undetermined unless the condition passes anyway.

Each device gets one :class:`Memo` per call, shared by every rule and object of that device
and dropped when the call returns: predicates keep the device-wide indexes they derive from
the device and its topology there (computed once, not once per object), without global state.
The scope holds it under :data:`MEMO`, a name no rule path, template or variable can spell.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Final, NoReturn, TypeVar, cast

from lyncpolicy.conditions import (
    UNKNOWN,
    Outcome,
    PathError,
    PredicateFailure,
    Status,
    display,
    iter_items,
    label,
)
from lyncpolicy.errors import RuleError
from lyncpolicy.findings import Finding, Remediation, Severity
from lyncpolicy.model import BigIpObject, Device, Model, Source
from lyncpolicy.rulepack import Rule
from lyncpolicy.topology import CONFIDENT, Topology

Roles = Mapping[str, Mapping[str, set[str] | frozenset[str]]]

# Witnesses that explain an undetermined result rather than identify what failed.
_EXPLANATORY = frozenset({"unknown", "undetermined", "actual", "count", "route_domains"})

# The scope key of the device's Memo: not a path root, and no variable name (those start with
# a lowercase letter), so no rule can read it or hide it with `as:`.
MEMO: Final = "@memo"

_T = TypeVar("_T")


class _NoWitnesses(Mapping[str, object]):
    """The witnesses of every finding that has none (most passes): one shared, read-only
    mapping instead of an empty dict per finding. Pickles as a reference to the one instance
    (fleet workers send their findings back)."""

    __slots__ = ()

    def __getitem__(self, key: str) -> NoReturn:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __reduce__(self) -> str:
        return "NO_WITNESSES"


NO_WITNESSES: Final[Mapping[str, object]] = _NoWitnesses()


class Memo:
    """Facts about one device, computed once per :func:`evaluate` call and shared by its rules.

    ``memo.get(key, compute)`` returns the value stored under ``key``, calling ``compute()`` the
    first time. The values must be pure functions of the scope's ``device``, ``topology`` and
    ``roles`` (constant for a device during the call), so caching never changes a result. Keys
    are the caller's own (a class or function it defines, or a tuple starting with one), so
    two plugins cannot collide.
    """

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[Hashable, object] = {}

    def get(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        try:
            return cast(_T, self._values[key])
        except KeyError:
            value = self._values[key] = compute()
            return value


def evaluate(
    model: Model,
    rules: Sequence[Rule],
    roles: Roles | None = None,
    topologies: Mapping[str, Topology] | None = None,
) -> list[Finding]:
    """Evaluate ``rules`` on every device of ``model``.

    ``topologies`` (device name -> :class:`Topology`) gives the ``topology`` root and, unless
    ``roles`` is given, the object roles. ``roles`` maps device name -> object name -> role
    names. Rules with ``applies-to.role`` select only objects having one of those roles;
    without roles they select nothing, and the ``has-role`` predicate is undetermined.

    An object whose role was inferred with a confidence below :data:`CONFIDENT` is checked in
    advisory mode: its failing findings drop one severity level and are tagged
    ``role-unverified``.
    """
    ordered = sorted(rules, key=lambda rule: rule.id)
    findings: list[Finding] = []
    for device in model.devices:
        topology = (topologies or {}).get(device.name) or Topology(device=device.name)
        device_roles: object
        if roles is not None:
            device_roles = roles.get(device.name, {})
        elif topologies is not None:
            device_roles = topology.roles
        else:
            device_roles = UNKNOWN
        objects: dict[str, list[tuple[str, Any]]] = {}
        memo = Memo()
        for rule in ordered:
            if rule.kind not in objects:
                objects[rule.kind] = _objects(device, rule.kind)
            try:
                findings.extend(
                    _advisory(f, topology)
                    for f in _evaluate_rule(
                        rule, device, device_roles, topology, objects[rule.kind], memo
                    )
                )
            except PredicateFailure as exc:
                raise RuleError(
                    f"rule {rule.id}: predicate {exc.predicate!r} raised {exc} "
                    f"on device {device.name}",
                    path=rule.path or None,
                    hint="an internal error, not a finding; please report it",
                ) from exc
            except PathError as exc:
                raise RuleError(
                    f"rule {rule.id}: {exc} on device {device.name}",
                    path=rule.path or None,
                    hint="an internal error, not a finding; please report it",
                ) from exc
    return findings


def _objects(device: Device, kind: str) -> list[tuple[str, Any]]:
    if kind == "device":
        return [(device.name, device)]
    if kind in device.unknown_kinds:
        return []
    # `kind` is one of the Device collection names (checked when the rule was loaded).
    collection: Mapping[str, Any] = getattr(device, kind)
    return sorted(collection.items(), key=lambda item: item[0])


_DOWNGRADE: Final[Mapping[str, Severity]] = {"error": "warning", "warning": "info", "info": "info"}


def _advisory(finding: Finding, topology: Topology) -> Finding:
    confidence = topology.confidence.get(finding.object_path)
    if finding.status != "fail" or confidence is None or confidence >= CONFIDENT:
        return finding
    return replace(
        finding,
        severity=_DOWNGRADE[finding.severity],
        tags=(*finding.tags, "role-unverified"),
    )


def _evaluate_rule(
    rule: Rule,
    device: Device,
    device_roles: object,
    topology: Topology,
    objects: list[tuple[str, Any]],
    memo: Memo,
) -> Iterator[Finding]:
    if rule.kind != "device" and rule.kind in device.unknown_kinds:
        if rule.roles and device_roles is UNKNOWN:
            return
        yield _finding(
            rule,
            device,
            device.name,
            device,
            {},
            Outcome(Status.UNDETERMINED),
            note=f"the input cannot express {rule.kind.replace('_', ' ')}",
        )
        return
    if rule.roles:
        if not isinstance(device_roles, Mapping):
            return
        wanted = set(rule.roles)
        # The topology keys roles by kind too: a pool never lends its roles to a virtual.
        selecting = (
            topology.roles_by_kind.get(rule.kind, {})
            if device_roles is topology.roles
            else device_roles
        )
        objects = [(n, o) for n, o in objects if wanted.intersection(selecting.get(n, ()))]
    scope: dict[str, object] = {
        "device": device,
        "roles": device_roles,
        "topology": topology,
        MEMO: memo,
    }
    for name, obj in objects:
        scope["object"] = obj
        selected = Status.PASS
        if rule.where is not None:
            selected = rule.where(scope).status
            if selected is Status.FAIL:
                continue
        if rule.for_each is None:
            outcome = _selected(rule.condition(scope), selected)
            yield _finding(rule, device, name, obj, scope, outcome)
            continue
        variable = rule.for_each.variable
        collection = rule.for_each.over.resolve(scope)
        if collection is UNKNOWN:
            yield _finding(
                rule,
                device,
                name,
                obj,
                scope,
                Outcome(Status.UNDETERMINED, {"unknown": [rule.for_each.over.text]}),
            )
            continue
        items = () if collection is None else iter_items(collection)
        for item in items:
            local = dict(scope)
            local[variable] = item
            outcome = _selected(rule.condition(local), selected)
            yield _finding(rule, device, name, obj, local, outcome, item=(variable, item))


def _selected(outcome: Outcome, selected: Status) -> Outcome:
    """An undetermined `where` turns a failure into undetermined (a pass stays a pass)."""
    if selected is Status.UNDETERMINED and outcome.status is Status.FAIL:
        return Outcome(Status.UNDETERMINED, outcome.witnesses)
    return outcome


def plain(value: object) -> object:
    """Witness values as JSON-ready data (addresses and objects as text)."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return label(value)


def _located_at(device: Device, outcome: Outcome) -> Source | None:
    """A device-level finding points at the object its predicate names in the ``at`` witness
    (the forwarding virtual that leaves an address out, say), when there is one."""
    name = outcome.witnesses.get("at")
    if not isinstance(name, str):
        return None
    for _, objects in device.collections():
        found = objects.get(name)
        if isinstance(found, BigIpObject):
            return found.source
    return None


def _severity(rule: Rule, scope: Mapping[str, object]) -> Severity:
    for check, severity in rule.severity_by:
        if check(scope).status is Status.PASS:
            return severity
    return rule.severity


def _finding(
    rule: Rule,
    device: Device,
    name: str,
    obj: object,
    scope: Mapping[str, object],
    outcome: Outcome,
    *,
    item: tuple[str, object] | None = None,
    note: str = "",
) -> Finding:
    status = outcome.status
    witnesses = (
        {key: plain(value) for key, value in outcome.witnesses.items()}
        if outcome.witnesses
        else NO_WITNESSES
    )
    details: list[str] = []
    if item is not None:
        details.append(f"{item[0]}={label(item[1])}")
    remediation = None
    severity = rule.severity
    if status is Status.PASS:
        message = rule.title
    elif status is Status.FAIL:
        message = rule.message.render(scope, outcome.witnesses)
        details.extend(
            f"{key}={display(value)}"
            for key, value in sorted(outcome.witnesses.items())
            if isinstance(value, list) and key not in _EXPLANATORY
        )
        severity = _severity(rule, scope)
        templates = rule.remediation
        remediation = Remediation(
            templates.text.render(scope, outcome.witnesses),
            templates.tmsh.render(scope, outcome.witnesses) if templates.tmsh else None,
            templates.terraform.render(scope, outcome.witnesses) if templates.terraform else None,
        )
    else:
        unknown = outcome.witnesses.get("unknown")
        reason = note or (f"unknown: {display(unknown)}" if unknown else "a value is unknown")
        subject = f"{name} ({item[0]}={label(item[1])})" if item is not None else name
        message = f"cannot decide {rule.title!r} for {subject}: {reason}"
    return Finding(
        rule_id=rule.id,
        severity=severity,
        status=status.value,
        object_path=name,
        object_kind=rule.kind,
        device=device.name,
        message=message,
        source=obj.source if isinstance(obj, BigIpObject) else _located_at(device, outcome),
        remediation=remediation,
        detail="; ".join(details),
        tags=rule.tags,
        witnesses=witnesses,
    )
