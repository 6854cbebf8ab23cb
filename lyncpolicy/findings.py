"""Findings: the results of evaluating one rule on one object, what reporters render."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from lyncpolicy.model import Source

Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail", "undetermined", "suppressed"]
SuppressionKind = Literal["waiver", "baseline", "inline"]

SEVERITY_ORDER: Mapping[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a failing finding does not count: a waiver, a baseline entry or an inline comment."""

    kind: SuppressionKind
    reason: str
    owner: str | None = None
    ticket: str | None = None
    expires: str | None = None


@dataclass(frozen=True, slots=True)
class Remediation:
    text: str
    tmsh: str | None = None
    terraform: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One (rule, object) evaluation.

    ``status`` is ``pass``, ``fail``, ``undetermined`` (a value the rule needs is unknown) or
    ``suppressed`` (a fail that a waiver, baseline or inline comment accepts; ``suppression``
    says which). ``detail`` distinguishes several findings of one rule on one object (the
    uncovered address, say) and feeds the fingerprint.
    """

    rule_id: str
    severity: Severity
    status: Status
    object_path: str
    object_kind: str
    device: str
    message: str
    source: Source | None = None
    remediation: Remediation | None = None
    suppression: Suppression | None = None
    detail: str = ""
    tags: tuple[str, ...] = ()
    witnesses: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def fingerprint(self) -> str:
        """Stable across line moves and reorderings: rule, device, object path and detail."""
        key = "\x1f".join((self.rule_id, self.device, self.object_path, self.detail))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    @property
    def location(self) -> str:
        return str(self.source) if self.source is not None else ""


@dataclass(frozen=True, slots=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What reporters need to know about a rule (SARIF `tool.driver.rules`, docs, JUnit)."""

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str
    references: tuple[Reference, ...] = ()
    tags: tuple[str, ...] = ()
    help_uri: str | None = None
    pack: str = "builtin"


@dataclass(frozen=True, slots=True)
class InputInfo:
    """One input of a run (a file or an archive) and the device it belongs to."""

    path: str
    kind: str
    device: str


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one run produced; reporters render it, `lyncpolicy report` re-reads it."""

    findings: tuple[Finding, ...]
    rules: tuple[RuleMeta, ...]
    inputs: tuple[InputInfo, ...] = ()
    devices: tuple[str, ...] = ()
    object_count: int = 0
    elapsed_seconds: float = 0.0
    tool_version: str = ""
    execution_successful: bool = True
    errors: tuple[str, ...] = ()
    topology: Mapping[str, object] = field(default_factory=dict, compare=False)
