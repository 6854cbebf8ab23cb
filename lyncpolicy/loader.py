"""Turn the paths a user names into parsed files and devices.

Input adapters (the ``lyncpolicy_adapters`` hook; the built-in ones by default) recognize each
file and read it. Files that describe one BIG-IP form one *unit* of work and one device: an
adapter with ``grouping = "file"`` makes every input a unit (an archive, a Terraform plan or
state), and the inputs of ``"folder"`` adapters (loose tmsh files, AS3/DO declarations) are
grouped by the folder they sit in (``config/partitions/<name>/`` joins its ``config/`` folder),
so ``bigip_base.conf`` and ``bigip.conf`` side by side form one device, as do an AS3 and a DO
declaration (objects of the declarations are laid over those of the tmsh files).

Units are independent, so a fleet is processed in parallel (``jobs``) with the standard
library's process pool, and a ``process`` (a scan's rules) runs on each unit in the worker
that read it; results keep input order. One unreadable unit does not stop
the others: its error is collected and the caller decides the exit code. That holds for a
defect too: an unexpected exception while reading a unit becomes that unit's error ("internal
error reading FILE: ... please report it"), unless ``LYNCPOLICY_DEBUG`` asks for the traceback.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import LyncpolicyError, internal_error
from lyncpolicy.inputs import ReadOptions
from lyncpolicy.model import Device, Model

if TYPE_CHECKING:
    from lyncpolicy.adapters.declarative import Parts
    from lyncpolicy.hookspecs import AdapterSpec
    from lyncpolicy.inputs import Reading

# The unit kind of loose files grouped by folder; a unit of one file is named by its adapter.
FOLDER_UNIT = "files"
# Runs on a unit just read (see `load`); picklable, as it is sent to worker processes.
UnitProcess = Callable[["UnitResult"], None]


@dataclass(frozen=True, slots=True)
class Unit:
    """The inputs of one device; ``kinds`` holds each path's input kind (from detection).

    ``kind`` is ``files`` for files grouped by folder, else the adapter of the one file
    (``archive``, ``terraform``...)."""

    kind: str
    paths: tuple[str, ...]
    label: str
    kinds: tuple[str, ...] = ()


@dataclass(slots=True)
class UnitResult:
    unit: Unit
    device: Device | None = None
    parsed: list[object] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: LyncpolicyError | None = None
    object_count: int = 0
    # The device's name as built; kept when ``process`` drops the device.
    device_name: str | None = None
    # What ``process`` made of the device where the unit was read (a scan's findings).
    outcome: object = None


@dataclass(slots=True)
class LoadResult:
    """Everything read in one run, in input order."""

    units: list[UnitResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def model(self) -> Model:
        """The devices read, in input order. Two inputs of one hostname (two backups of the
        same BIG-IP, say) stay separate devices: each is then named after its input too."""
        names = self.device_names()
        return Model(
            tuple(
                replace(u.device, name=names[i]) if names[i] != u.device.name else u.device
                for i, u in enumerate(self.units)
                if u.device is not None
            )
        )

    def device_names(self) -> dict[int, str]:
        """Unit index -> the name its device has in :attr:`model` (units that built one)."""
        counts = Counter(u.device_name for u in self.units if u.device_name is not None)
        return {
            i: f"{u.device_name} [{u.unit.label}]" if counts[u.device_name] > 1 else u.device_name
            for i, u in enumerate(self.units)
            if u.device_name is not None
        }

    @property
    def parsed(self) -> list[object]:
        return [p for u in self.units for p in u.parsed]

    @property
    def errors(self) -> list[LyncpolicyError]:
        return [u.error for u in self.units if u.error is not None]

    @property
    def files(self) -> list[str]:
        return [p for u in self.units for p in u.unit.paths]

    def all_diagnostics(self) -> list[Diagnostic]:
        return self.diagnostics + [d for u in self.units for d in u.diagnostics]

    def object_count(self) -> int:
        return sum(u.object_count for u in self.units)


def device_folder(path: str) -> str:
    """The folder of the device a tmsh file belongs to: its own folder, or the one above
    ``partitions/NAME/`` (absolute)."""
    folder = os.path.dirname(os.path.abspath(path))
    parent, name = os.path.split(os.path.dirname(folder))
    if name == "partitions":
        return parent
    return folder


def _adapters(adapters: Sequence[AdapterSpec] | None) -> Sequence[AdapterSpec]:
    if adapters is not None:
        return adapters
    from lyncpolicy.adapters.builtin import BUILTIN_ADAPTERS

    return BUILTIN_ADAPTERS


def plan_units(
    paths: Sequence[str], adapters: Sequence[AdapterSpec] | None = None
) -> tuple[list[Unit], list[Diagnostic]]:
    """Detect every input (content first) and group them into per-device units.

    ``adapters`` (default: the built-in ones) recognize the inputs and say how they group.
    """
    from lyncpolicy.adapters.detect import iter_inputs

    adapters = _adapters(adapters)
    adapter_of = {kind: adapter for adapter in adapters for kind in adapter.kinds}
    found, notes = iter_inputs(paths, adapters)
    # A device's files keep the position of its first file among the inputs.
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for path, kind in found:
        adapter = adapter_of[kind]
        if adapter.grouping == "file":
            key = (adapter.name, path)
        else:
            key = (FOLDER_UNIT, device_folder(path))
        groups.setdefault(key, []).append((path, kind))
    units: list[Unit] = []
    for (unit_kind, where), members in groups.items():
        paths = tuple(path for path, _ in members)
        kinds = tuple(kind for _, kind in members)
        label = os.path.basename(paths[0]) if unit_kind != FOLDER_UNIT else (
            os.path.basename(where) or where
        )
        units.append(Unit(unit_kind, paths, label, kinds))
    return units, notes


def load_unit(
    unit: Unit, max_config_bytes: int | None = None, keep_parsed: bool = True,
    build_model: bool = True, adapters: Sequence[AdapterSpec] | None = None,
) -> UnitResult:
    """Read one unit with the adapters of its kinds. Input errors are returned in the result,
    not raised."""
    from lyncpolicy.adapters.tmsh import ParseResult
    from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

    result = UnitResult(unit)
    adapter_of = {kind: adapter for adapter in _adapters(adapters) for kind in adapter.kinds}
    options = ReadOptions(max_config_bytes)
    inputs: list[TmshInput] = []
    declared: list[Parts] = []
    # Without kinds (a Unit made by hand), every file of a "files" unit is tmsh.
    kinds = unit.kinds or tuple("tmsh" for _ in unit.paths)
    path = unit.paths[0] if len(unit.paths) == 1 else unit.label
    try:
        for path, kind in zip(unit.paths, kinds, strict=True):
            reading = _read(adapter_of, path, kind, options)
            inputs.extend(reading.tmsh)
            result.diagnostics.extend(reading.diagnostics)
            if reading.parts is not None:
                declared.append(reading.parts)
        path = unit.paths[0] if len(unit.paths) == 1 else unit.label
        for item in inputs:
            result.diagnostics.extend(item.result.diagnostics)
            result.object_count += len(item.result.objects)
        base: Device | None = None
        if build_model and (inputs or not declared):
            # Parse results nobody keeps are freed while the device is built (peak memory).
            base, diagnostics = build_device(inputs, unit.label, release=not keep_parsed)
            result.device, result.device_name = base, base.name
            result.diagnostics.extend(diagnostics)
        if declared:
            # Read even without a model (`parse`), so unreadable inputs are still errors.
            from lyncpolicy.adapters import declarative

            parts = declarative.Parts()
            for item_parts in declared:
                parts.merge(item_parts)
            result.object_count += parts.count()
            result.diagnostics.extend(parts.diagnostics)
            if build_model:
                result.device = declarative.assemble(unit.label, parts, base)
                result.device_name = result.device.name
    except LyncpolicyError as exc:
        result.error = exc
        return result
    except Exception as exc:  # a defect in a reader: the other units are still read
        result.error = internal_error(path, exc)
        return result
    if keep_parsed:
        result.parsed = [item.result for item in inputs if isinstance(item.result, ParseResult)]
    return result


def _read(
    adapter_of: dict[str, AdapterSpec], path: str, kind: str, options: ReadOptions
) -> Reading:
    adapter = adapter_of.get(kind)
    if adapter is None:  # a Unit made by hand, or planned with other adapters
        raise LyncpolicyError(f"no input adapter reads {kind!r} inputs", path=path,
                              hint="is the plugin that reads them installed and enabled?")
    return adapter.read(path, kind, options)


# What every unit is read with in a worker process (adapters, ``process``): sent once, when
# the worker starts, not with every unit.
_worker: tuple[Sequence[AdapterSpec] | None, UnitProcess | None] = (None, None)


def _start_worker(adapters: Sequence[AdapterSpec] | None, process: UnitProcess | None) -> None:
    global _worker
    _worker = (adapters, process)


def _load_unit_for_pool(args: tuple[Unit, int | None, bool, bool]) -> UnitResult:
    return _load_and_process(args, *_worker)


def _load_and_process(
    args: tuple[Unit, int | None, bool, bool],
    adapters: Sequence[AdapterSpec] | None,
    process: UnitProcess | None,
) -> UnitResult:
    # Reading makes millions of small objects and no reference cycles: the cyclic collector
    # would only walk the growing tree again and again (its time grew faster than the input).
    enabled = gc.isenabled()
    gc.disable()
    try:
        result = load_unit(*args, adapters=adapters)
    finally:
        if enabled:
            gc.enable()
    if process is not None and result.error is None:
        process(result)
    return result


def load(
    paths: Sequence[str],
    *,
    max_config_bytes: int | None = None,
    build_model: bool = True,
    keep_parsed: bool = True,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    adapters: Sequence[AdapterSpec] | None = None,
    process: UnitProcess | None = None,
) -> LoadResult:
    """Read every input with ``adapters`` (default: the built-in ones; the CLI passes those
    of the plugin registry). Raises only for usage errors (a missing or unknown file named
    explicitly); per-unit input errors are collected in ``LoadResult.errors``.

    ``process`` runs on each unit read without error, in the process that read it (a
    worker, for fleets), and may replace its device by an ``outcome``: a scan evaluates the
    rules there, so that what comes back is findings rather than a whole model.
    """
    units, notes = plan_units(paths, adapters)
    result = LoadResult(diagnostics=list(notes))
    args = [(unit, max_config_bytes, keep_parsed, build_model) for unit in units]
    if jobs > 1 and len(units) > 1:
        # Only here: a one-device scan (pre-commit) does not pay for importing the pool.
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(units)), initializer=_start_worker,
                                 initargs=(adapters, process)) as pool:
            for done, unit_result in enumerate(pool.map(_load_unit_for_pool, args), 1):
                result.units.append(unit_result)
                if progress is not None:
                    progress(done, len(units))
    else:
        for done, arg in enumerate(args, 1):
            result.units.append(_load_and_process(arg, adapters, process))
            if progress is not None:
                progress(done, len(units))
    return result
