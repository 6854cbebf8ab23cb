"""Hook specifications: what a lyncpolicy plugin can contribute.

A plugin is a module (or object) with ``@hookimpl`` functions named after these specs, found
through the ``lyncpolicy`` entry-point group::

    # pyproject.toml of the plugin
    [project.entry-points.lyncpolicy]
    acme = "lyncpolicy_acme.plugin"

    # lyncpolicy_acme/plugin.py
    from importlib.resources import files
    from lyncpolicy.hookspecs import RulePackRef, hookimpl, value_predicate

    @hookimpl
    def lyncpolicy_predicates():
        return [value_predicate("acme.even_port", lambda port: port is not None and port % 2 == 0)]

    @hookimpl
    def lyncpolicy_rule_packs():
        return [RulePackRef("acme", files("lyncpolicy_acme") / "rules")]

Every hook returns a list. Built-ins use the same hooks (``DEFAULT_PLUGINS`` in
:mod:`lyncpolicy.plugins`). Names that two plugins both register (predicates, rule IDs, packs,
adapters, reporters) are an error naming both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Literal, Protocol, runtime_checkable

import pluggy

from lyncpolicy.conditions import Outcome, Predicate, Status, value_predicate
from lyncpolicy.findings import Report
from lyncpolicy.inputs import Probe, Reading, ReadOptions

__all__ = [
    "AdapterSpec",
    "Outcome",
    "Predicate",
    "Probe",
    "ReadOptions",
    "Reading",
    "ReporterSpec",
    "RulePackRef",
    "Status",
    "hookimpl",
    "hookspec",
    "value_predicate",
]

PROJECT = "lyncpolicy"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True, slots=True)
class RulePackRef:
    """A rule pack: a folder of ``*.yaml`` rule files (one rule per file, named by its ID).

    ``location`` is an ``importlib.resources`` Traversable (``files("pkg") / "rules"``) or a
    filesystem path. ``owner`` is filled in by the plugin manager (the plugin's name).
    """

    name: str
    location: Traversable | str | os.PathLike[str]
    owner: str = ""


@runtime_checkable
class AdapterSpec(Protocol):
    """An input adapter: recognizes some input kinds by content and reads them.

    ``kinds`` are the input kinds it claims (unique among all adapters). ``grouping`` says how
    its inputs form devices: ``"file"``, every input is a device of its own (an archive, a
    plan); ``"folder"``, the inputs in one device folder form one device with the tmsh files
    there (``config/partitions/NAME/`` joins its ``config/``). ``suffixes`` are file-name
    endings claimed for its first kind when no adapter claims the file by content.

    Adapters must be picklable (a module-level class's instance is): a fleet is read in worker
    processes.
    """

    @property
    def name(self) -> str: ...

    @property
    def kinds(self) -> Sequence[str]: ...

    @property
    def grouping(self) -> Literal["file", "folder"]: ...

    @property
    def suffixes(self) -> Sequence[str]: ...

    def detect(self, probe: Probe) -> str | None:
        """The kind of the probed file if this adapter claims it by its content, else None.
        Called for every input file: decide from ``probe.head``/``probe.json()``, cheaply."""
        ...

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        """Read one input it claimed. Raise :class:`lyncpolicy.errors.InputError` (with the
        path, the line and a hint) for input that cannot be read."""
        ...


@runtime_checkable
class ReporterSpec(Protocol):
    """An output format (``text``, ``json``, ``sarif``...).

    A reporter may also have ``write(report, options, stream)``, writing the same text to a
    file as it goes (the JSON reporter does: its report can be several times the size of the
    configuration); ``--output`` files then use it instead of ``render``.
    """

    @property
    def name(self) -> str: ...

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        """The whole output for one run."""
        ...


@hookspec
def lyncpolicy_predicates() -> list[Predicate]:  # type: ignore[empty-body]
    """Predicates that conditions can use, by name.

    Core names have no dot (``eq``, ``covers-all``); plugin names must have one
    (``acme.even_port``). A predicate compiles its arguments once and returns a closure giving
    pass, fail or undetermined; raising while evaluating is an internal error (exit 2).
    """


@hookspec
def lyncpolicy_rule_packs() -> list[RulePackRef]:  # type: ignore[empty-body]
    """Rule packs: folders of YAML rules. Packs from plugins are validated against the rule
    schema when loaded; a rule ID that another pack already defines is an error."""


@hookspec
def lyncpolicy_adapters() -> list[AdapterSpec]:  # type: ignore[empty-body]
    """Input adapters (:class:`AdapterSpec`: ``name``, ``kinds``, ``grouping``, ``suffixes``,
    ``detect(probe)`` and ``read(path, kind, options)``). Files are offered to adapters in
    registration order (built-ins first); the first that claims a file by content reads it."""


@hookspec
def lyncpolicy_reporters() -> list[ReporterSpec]:  # type: ignore[empty-body]
    """Output formats (objects with ``name`` and ``render(report, options) -> str``)."""
