"""Turn the paths a user names into parsed files and devices.

Files that describe one BIG-IP are grouped into one device: every archive is a device, and
loose tmsh files are grouped by the folder they sit in (``config/partitions/<name>/`` joins its
``config/`` folder), so ``bigip_base.conf`` and ``bigip.conf`` side by side form one device.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError
from lyncpolicy.model import Device, Model


@dataclass
class LoadResult:
    """Parsed inputs of one run: per-file parse results, the model, and all diagnostics."""

    parsed: list[object] = field(default_factory=list)
    model: Model = field(default_factory=Model)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def object_count(self) -> int:
        from lyncpolicy.adapters.tmsh import ParseResult

        return sum(len(p.objects) for p in self.parsed if isinstance(p, ParseResult))


def _device_key(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    parent, name = os.path.split(os.path.dirname(folder))
    if name == "partitions":
        return parent
    return folder


def load(
    paths: Sequence[str],
    *,
    max_config_bytes: int | None = None,
    build_model: bool = True,
) -> LoadResult:
    """Read every input; raise :class:`InputError` on the first unreadable one."""
    from lyncpolicy.adapters.detect import iter_inputs
    from lyncpolicy.adapters.tmsh import ParseResult, parse_file, parse_text
    from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

    result = LoadResult()
    found, notes = iter_inputs(paths)
    result.diagnostics.extend(notes)
    groups: dict[str, list[TmshInput]] = {}
    for path, kind in found:
        result.files.append(path)
        if kind == "tmsh":
            parsed = parse_file(path)
            groups.setdefault(_device_key(path), []).append(TmshInput(parsed))
            result.parsed.append(parsed)
        elif kind in ("archive", "encrypted-archive"):
            from lyncpolicy.adapters.archive import DEFAULT_MAX_CONFIG_BYTES, read_archive

            archive = read_archive(path, max_config_bytes=max_config_bytes or
                                   DEFAULT_MAX_CONFIG_BYTES)
            result.diagnostics.extend(archive.diagnostics)
            items = groups.setdefault(f"archive:{path}", [])
            for member in archive.members:
                parsed = parse_text(member.text, f"{path}!{member.name}")
                items.append(TmshInput(parsed, archive=path, member=member.name))
                result.parsed.append(parsed)
        else:
            raise InputError(
                f"{kind} input is not supported yet",
                path=path,
                hint="pass tmsh files (bigip.conf, SCF) or UCS/qkview archives",
            )
    for parsed in result.parsed:
        if isinstance(parsed, ParseResult):
            result.diagnostics.extend(parsed.diagnostics)
    if build_model:
        devices: list[Device] = []
        for key, items in groups.items():
            label = os.path.basename(key.removeprefix("archive:")) or key
            device, diagnostics = build_device(items, label)
            devices.append(device)
            result.diagnostics.extend(diagnostics)
        result.model = Model(tuple(devices))
    return result
