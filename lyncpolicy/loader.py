"""Turn the paths a user names into parsed files and devices.

Files that describe one BIG-IP form one *unit* of work and one device: every archive is a unit,
and loose tmsh files are grouped by the folder they sit in (``config/partitions/<name>/`` joins
its ``config/`` folder), so ``bigip_base.conf`` and ``bigip.conf`` side by side form one device.

Units are independent, so a fleet of archives is processed in parallel (``jobs``) with the
standard library's process pool; results keep input order. One unreadable unit does not stop
the others: its error is collected and the caller decides the exit code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError, LyncpolicyError
from lyncpolicy.model import Device, Model

UnitKind = Literal["files", "archive"]


@dataclass(frozen=True, slots=True)
class Unit:
    """The inputs of one device."""

    kind: UnitKind
    paths: tuple[str, ...]
    label: str


@dataclass(slots=True)
class UnitResult:
    unit: Unit
    device: Device | None = None
    parsed: list[object] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: LyncpolicyError | None = None
    object_count: int = 0


@dataclass(slots=True)
class LoadResult:
    """Everything read in one run, in input order."""

    units: list[UnitResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def model(self) -> Model:
        return Model(tuple(u.device for u in self.units if u.device is not None))

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


def _device_key(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    parent, name = os.path.split(os.path.dirname(folder))
    if name == "partitions":
        return parent
    return folder


def plan_units(paths: Sequence[str]) -> tuple[list[Unit], list[Diagnostic]]:
    """Detect every input (content first) and group them into per-device units."""
    from lyncpolicy.adapters.detect import iter_inputs

    found, notes = iter_inputs(paths)
    # A device's files keep the position of its first file among the inputs.
    order: list[str] = []
    groups: dict[str, list[str]] = {}
    for path, kind in found:
        if kind in ("archive", "encrypted-archive"):
            key = f"archive:{path}"
        elif kind == "tmsh":
            key = _device_key(path)
        else:
            raise InputError(
                f"{kind} input is not supported yet",
                path=path,
                hint="pass tmsh files (bigip.conf, SCF) or UCS/qkview archives",
            )
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(path)
    units = [
        Unit("archive", (key.removeprefix("archive:"),),
             os.path.basename(key.removeprefix("archive:")))
        if key.startswith("archive:")
        else Unit("files", tuple(groups[key]), os.path.basename(key) or key)
        for key in order
    ]
    return units, notes


def load_unit(
    unit: Unit, max_config_bytes: int | None = None, keep_parsed: bool = True,
    build_model: bool = True,
) -> UnitResult:
    """Read one unit. Input errors are returned in the result, not raised."""
    from lyncpolicy.adapters.tmsh import ParseResult, parse_file, parse_text
    from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

    result = UnitResult(unit)
    inputs: list[TmshInput] = []
    try:
        if unit.kind == "archive":
            from lyncpolicy.adapters.archive import DEFAULT_MAX_CONFIG_BYTES, read_archive

            path = unit.paths[0]
            archive = read_archive(path, max_config_bytes=max_config_bytes
                                   or DEFAULT_MAX_CONFIG_BYTES)
            result.diagnostics.extend(archive.diagnostics)
            for member in archive.members:
                parsed = parse_text(member.text, f"{path}!{member.name}")
                inputs.append(TmshInput(parsed, archive=path, member=member.name))
        else:
            inputs = [TmshInput(parse_file(path)) for path in unit.paths]
        for item in inputs:
            result.diagnostics.extend(item.result.diagnostics)
            result.object_count += len(item.result.objects)
        if build_model:
            device, diagnostics = build_device(inputs, unit.label)
            result.device = device
            result.diagnostics.extend(diagnostics)
    except LyncpolicyError as exc:
        result.error = exc
        return result
    if keep_parsed:
        result.parsed = [item.result for item in inputs if isinstance(item.result, ParseResult)]
    return result


def _load_unit_for_pool(args: tuple[Unit, int | None, bool, bool]) -> UnitResult:
    return load_unit(*args)


def load(
    paths: Sequence[str],
    *,
    max_config_bytes: int | None = None,
    build_model: bool = True,
    keep_parsed: bool = True,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Read every input. Raises only for usage errors (a missing or unknown file named
    explicitly); per-unit input errors are collected in ``LoadResult.errors``."""
    units, notes = plan_units(paths)
    result = LoadResult(diagnostics=list(notes))
    args = [(unit, max_config_bytes, keep_parsed, build_model) for unit in units]
    if jobs > 1 and len(units) > 1:
        # Parse results are large to send between processes; fleets only need devices.
        with ProcessPoolExecutor(max_workers=min(jobs, len(units))) as pool:
            for done, unit_result in enumerate(pool.map(_load_unit_for_pool, args), 1):
                result.units.append(unit_result)
                if progress is not None:
                    progress(done, len(units))
    else:
        for done, arg in enumerate(args, 1):
            result.units.append(load_unit(*arg))
            if progress is not None:
                progress(done, len(units))
    return result
