"""Turn the paths a user names into parsed files and devices.

Files that describe one BIG-IP form one *unit* of work and one device: every archive is a unit,
every Terraform plan or state is a unit, and loose tmsh files and AS3/DO declarations are
grouped by the folder they sit in (``config/partitions/<name>/`` joins its ``config/`` folder),
so ``bigip_base.conf`` and ``bigip.conf`` side by side form one device, as do an AS3 and a DO
declaration (objects of the declarations are laid over those of the tmsh files).

Units are independent, so a fleet of archives is processed in parallel (``jobs``) with the
standard library's process pool; results keep input order. One unreadable unit does not stop
the others: its error is collected and the caller decides the exit code. That holds for a
defect too: an unexpected exception while reading a unit becomes that unit's error ("internal
error reading FILE: ... please report it"), unless ``LYNCPOLICY_DEBUG`` asks for the traceback.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError, LyncpolicyError
from lyncpolicy.model import Device, Model

UnitKind = Literal["files", "archive", "terraform"]
_TERRAFORM_KINDS = ("terraform-plan", "terraform-show-state", "terraform-state")
_DECLARATION_KINDS = ("as3", "do")


@dataclass(frozen=True, slots=True)
class Unit:
    """The inputs of one device; ``kinds`` holds each path's input kind (from detection)."""

    kind: UnitKind
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
        """Unit index -> the name its device has in :attr:`model` (units with a device)."""
        counts = Counter(u.device.name for u in self.units if u.device is not None)
        return {
            i: f"{u.device.name} [{u.unit.label}]" if counts[u.device.name] > 1 else u.device.name
            for i, u in enumerate(self.units)
            if u.device is not None
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


def plan_units(paths: Sequence[str]) -> tuple[list[Unit], list[Diagnostic]]:
    """Detect every input (content first) and group them into per-device units."""
    from lyncpolicy.adapters.detect import iter_inputs

    found, notes = iter_inputs(paths)
    # A device's files keep the position of its first file among the inputs.
    order: list[str] = []
    groups: dict[str, list[tuple[str, str]]] = {}
    for path, kind in found:
        if kind in ("archive", "encrypted-archive"):
            key = f"archive:{path}"
        elif kind in _TERRAFORM_KINDS:
            key = f"terraform:{path}"
        elif kind == "tmsh" or kind in _DECLARATION_KINDS:
            key = device_folder(path)
        else:
            raise InputError(
                f"{kind} input is not supported",
                path=path,
                hint="pass tmsh files, archives, Terraform plans or states, AS3 or DO",
            )
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((path, kind))
    units: list[Unit] = []
    for key in order:
        paths = tuple(path for path, _ in groups[key])
        kinds = tuple(kind for _, kind in groups[key])
        if key.startswith(("archive:", "terraform:")):
            kind_of_unit: UnitKind = "archive" if key.startswith("archive:") else "terraform"
            units.append(Unit(kind_of_unit, paths, os.path.basename(paths[0]), kinds))
        else:
            units.append(Unit("files", paths, os.path.basename(key) or key, kinds))
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
    # Without kinds (a Unit made by hand), every file of a "files" unit is tmsh.
    kinds = unit.kinds or tuple("tmsh" for _ in unit.paths)
    declarative = [
        (path, kind) for path, kind in zip(unit.paths, kinds, strict=True)
        if kind in _TERRAFORM_KINDS or kind in _DECLARATION_KINDS
    ]
    # What is being read, to name in an internal error: a file, else the whole unit.
    whole = unit.paths[0] if len(unit.paths) == 1 else unit.label
    reading = whole
    try:
        if unit.kind == "archive":
            from lyncpolicy.adapters.archive import DEFAULT_MAX_CONFIG_BYTES, read_archive

            path = unit.paths[0]
            archive = read_archive(path, max_config_bytes=max_config_bytes
                                   or DEFAULT_MAX_CONFIG_BYTES)
            result.diagnostics.extend(archive.diagnostics)
            for member in archive.members:
                reading = f"{path}!{member.name}"
                parsed = parse_text(member.text, reading)
                inputs.append(TmshInput(parsed, archive=path, member=member.name))
        else:
            for path, kind in zip(unit.paths, kinds, strict=True):
                if kind == "tmsh":
                    reading = path
                    inputs.append(TmshInput(parse_file(path)))
        reading = whole
        for item in inputs:
            result.diagnostics.extend(item.result.diagnostics)
            result.object_count += len(item.result.objects)
        base: Device | None = None
        if build_model and (inputs or not declarative):
            base, diagnostics = build_device(inputs, unit.label)
            result.device = base
            result.diagnostics.extend(diagnostics)
        if declarative:
            # Read even without a model (`parse`), so unreadable inputs are still errors.
            device, diagnostics, count = _read_declarative(declarative, unit.label, base)
            result.object_count += count
            result.diagnostics.extend(diagnostics)
            if build_model:
                result.device = device
    except LyncpolicyError as exc:
        result.error = exc
        return result
    except Exception as exc:  # a defect in a reader: the other units are still read
        result.error = internal_error(reading, exc)
        return result
    if keep_parsed:
        result.parsed = [item.result for item in inputs if isinstance(item.result, ParseResult)]
    return result


def _read_declarative(
    items: Sequence[tuple[str, str]], label: str, base: Device | None
) -> tuple[Device, list[Diagnostic], int]:
    """Terraform plans or states, AS3 and DO declarations: one device, over ``base`` (the
    device of the unit's tmsh files) when there is one."""
    from lyncpolicy.adapters.declarative import Parts, assemble

    parts = Parts()
    for path, kind in items:
        try:
            if kind == "as3":
                from lyncpolicy.adapters.as3 import read_as3_file

                parts.merge(read_as3_file(path))
            elif kind == "do":
                from lyncpolicy.adapters.do import read_do_file

                parts.merge(read_do_file(path))
            else:
                from lyncpolicy.adapters.terraform import read_terraform

                parts.merge(read_terraform(path, kind))
        except LyncpolicyError:
            raise
        except Exception as exc:  # name the file itself, not only its unit
            raise internal_error(path, exc) from exc
    return assemble(label, parts, base), parts.diagnostics, parts.count()


def internal_error(path: str, exc: Exception) -> LyncpolicyError:
    """The error of a unit whose reading raised ``exc``: a defect of lyncpolicy, reported as
    that unit's error so the other inputs are still read. With ``LYNCPOLICY_DEBUG`` set,
    ``exc`` is raised again, for its traceback."""
    if os.environ.get("LYNCPOLICY_DEBUG"):
        raise exc
    return LyncpolicyError(
        f"internal error reading {path}: {type(exc).__name__}: {exc}: please report it",
        hint="set LYNCPOLICY_DEBUG=1 for the traceback",
    )


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
        # Only here: a one-device scan (pre-commit) does not pay for importing the pool.
        from concurrent.futures import ProcessPoolExecutor

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
