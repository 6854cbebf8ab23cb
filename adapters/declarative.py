"""Shared helpers of the JSON adapters (Terraform, AS3, DO): collecting model objects, naming,
addresses, profile inheritance, line numbers in JSON text, and assembling a :class:`Device`.

These inputs describe a device piecemeal (one plan, one declaration), so the adapters fill a
:class:`Parts` and :func:`assemble` turns one or more of them, optionally over a device built
from tmsh files, into a frozen :class:`Device`.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from lyncpolicy.addresses import Address, Network, parse_address, parse_network
from lyncpolicy.diagnostics import Diagnostic, DiagnosticLevel
from lyncpolicy.errors import InputError
from lyncpolicy.model import BigIpObject, Device, Persistence, PlanChange, Profile, Source

# A pseudo object kind for Device.unknown_kinds: the input cannot say which forwarding
# (ip-forward, l2-forward, reject) virtuals exist, though it lists other virtuals.
FORWARDING_VIRTUALS: Final = "forwarding_virtuals"
# Collections an AS3 or DO declaration fills: unknown when the declaration itself is.
AS3_COLLECTIONS: Final = frozenset(
    {
        "virtual_servers",
        "virtual_addresses",
        "pools",
        "nodes",
        "monitors",
        "profiles",
        "persistence",
        "snat_pools",
        "snat_translations",
        "irules",
        FORWARDING_VIRTUALS,
    }
)
DO_COLLECTIONS: Final = frozenset({"vlans", "self_ips", "routes", "route_domains"})
# Kinds neither AS3 nor DO has a class for (AS3 has no `ltm snat` or `ltm nat`).
_NEITHER: Final = frozenset({"nats", "snats", "device_groups", "traffic_groups"})
AS3_CANNOT_EXPRESS: Final = _NEITHER | DO_COLLECTIONS
DO_CANNOT_EXPRESS: Final = _NEITHER | AS3_COLLECTIONS


@dataclass
class Parts:
    """Objects read from one or more declarative inputs, before they become a Device.

    Mutable while an adapter fills it. ``unknown_kinds`` are kinds the input cannot express;
    ``stated_kinds`` are kinds it does express (an AS3 Service_Forwarding states forwarding
    virtuals), which cancel another input's unknown kinds for the same device.
    """

    objects: dict[str, dict[str, BigIpObject]] = field(default_factory=dict)
    unknown_kinds: set[str] = field(default_factory=set)
    stated_kinds: set[str] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    version: str | None = None

    def add(self, collection: str, obj: BigIpObject) -> None:
        self.objects.setdefault(collection, {})[obj.name] = obj

    def get(self, collection: str) -> dict[str, BigIpObject]:
        return self.objects.setdefault(collection, {})

    def note(self, level: DiagnosticLevel, code: str, message: str, source: Source) -> None:
        self.diagnostics.append(Diagnostic(level, code, message, source.file, source.line or None))

    def count(self) -> int:
        return sum(len(items) for items in self.objects.values())

    def merge(self, other: Parts) -> None:
        """Add ``other`` over this one (its objects win on equal names)."""
        for collection, items in other.objects.items():
            self.objects.setdefault(collection, {}).update(items)
        self.unknown_kinds |= other.unknown_kinds
        self.stated_kinds |= other.stated_kinds
        self.diagnostics.extend(other.diagnostics)
        self.inputs.extend(i for i in other.inputs if i not in self.inputs)
        self.version = self.version or other.version


def assemble(name: str, parts: Parts, base: Device | None = None) -> Device:
    """The device of ``parts`` laid over ``base`` (a device read from tmsh files, or None)."""
    collections: dict[str, dict[str, Any]] = {}
    inputs: list[str] = []
    unknown = set(parts.unknown_kinds)
    if base is not None:
        for key, items in base.collections():
            collections[key] = dict(items)
        inputs.extend(base.inputs)
        # A tmsh configuration lists every object of every kind: nothing is unknown.
        unknown.clear()
    for key, items in parts.objects.items():
        collections.setdefault(key, {}).update(items)
    inputs.extend(i for i in parts.inputs if i not in inputs)
    unknown -= parts.stated_kinds
    return Device(
        name=base.name if base is not None else name,
        hostname=base.hostname if base is not None else None,
        version=(base.version if base is not None else None) or parts.version,
        inputs=tuple(inputs),
        unknown_kinds=frozenset(unknown),
        **collections,
    )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a declaration comes from, to make each object's :class:`Source`.

    A standalone JSON file has ``lines``: an object is located by searching its key path
    (tenant, application, name). A declaration embedded in a Terraform resource is one string
    in the plan or state: every object gets the resource's line, address and planned change.
    """

    file: str
    lines: JsonLines | None = None
    line: int = 1
    resource: str | None = None
    change: PlanChange | None = None

    def source(self, *keys: str) -> Source:
        line = self.line
        if self.lines is not None and keys:
            line = self._locate(self.lines, keys)
        return Source(self.file, line, line, resource=self.resource, change=self.change)

    @staticmethod
    def _locate(lines: JsonLines, keys: tuple[str, ...]) -> int:
        position: int | None = None
        for key in keys:
            found = lines.find_member(key, start=0 if position is None else position + 1)
            if found is None:
                break
            position = found
        return 1 if position is None else lines.line_at(position)


# -- names and addresses ------------------------------------------------------------------------


def full_name(name: str, partition: str = "Common") -> str:
    """``x`` -> ``/Common/x``; full paths unchanged."""
    return name if name.startswith("/") else f"/{partition}/{name}"


def partition_of(full_path: str) -> str:
    parts = full_path.split("/")
    return parts[1] if len(parts) > 2 and parts[1] else "Common"


def parse_or_none(text: str, default_rd: int) -> Address | None:
    try:
        return parse_address(text, default_rd)
    except ValueError:
        return None


def address_and_network(text: str, default_rd: int) -> tuple[Address | None, Network | None]:
    """``10.1.1.5%2/24`` -> (``10.1.1.5%2``, ``10.1.1.0%2/24``); None for what cannot be read."""
    host = text.split("/", 1)[0]
    address = parse_or_none(host, default_rd)
    try:
        network = parse_network(text, default_rd) if "/" in text else None
    except ValueError:
        network = None
    return address, network


def with_unknown(obj: BigIpObject, fields: Iterable[str]) -> BigIpObject:
    """``obj`` with more fields listed as unknown."""
    extra = frozenset(fields)
    if extra <= obj.unknown:
        return obj
    return replace(obj, unknown=obj.unknown | extra)


# -- profiles ---------------------------------------------------------------------------------


def _builtin_table() -> Mapping[str, Any]:
    from .tmsh_model import builtin_profiles

    return builtin_profiles()


def effective_settings(
    kind: str, own: Mapping[str, str], parent: str | None, parts: Parts
) -> dict[str, str]:
    """Own settings over the ``defaults-from`` chain (profiles of ``parts``, then TMOS
    built-ins) over the type defaults, as the tmsh builder computes them."""
    table = _builtin_table()
    chain: list[Mapping[str, str]] = [own]
    seen: set[str] = set()
    while parent is not None and parent not in seen:
        seen.add(parent)
        known = parts.get("profiles").get(parent) or parts.get("persistence").get(parent)
        if isinstance(known, Profile | Persistence):
            chain.append(known.settings)
            parent = known.defaults_from
            continue
        entry = table["profiles"].get(parent)
        if entry is None:
            break
        inherited = dict(entry.get("settings", {}))
        parent = inherited.pop("defaults-from", None)
        chain.append(inherited)
    effective = dict(table["type_defaults"].get(kind, {}))
    for settings in reversed(chain):
        effective.update(settings)
    return effective


def builtin_kind(name: str, parts: Parts) -> str | None:
    """The profile kind (``fastl4``, ``tcp``...) of a profile of ``parts`` or a TMOS built-in."""
    known = parts.get("profiles").get(name)
    if isinstance(known, Profile):
        return known.kind
    entry = _builtin_table()["profiles"].get(name)
    return str(entry["kind"]) if entry else None


def add_referenced_builtins(parts: Parts, names: Iterable[str]) -> None:
    """TMOS built-in profiles named by ``names`` that ``parts`` lacks (no profile_base.conf)."""
    table = _builtin_table()["profiles"]
    for name in names:
        entry = table.get(name)
        if entry is None or name in parts.get("profiles") or name in parts.get("persistence"):
            continue
        kind = str(entry["kind"])
        settings = dict(entry.get("settings", {}))
        parent = settings.pop("defaults-from", None)
        cls = Persistence if entry["family"] == "persistence" else Profile
        parts.add(
            "persistence" if cls is Persistence else "profiles",
            cls(
                name=name,
                kind=kind,
                defaults_from=parent,
                settings=settings,
                effective=effective_settings(kind, settings, parent, parts),
                builtin=True,
            ),
        )


# -- line numbers in JSON text ------------------------------------------------------------------


class JsonLines:
    """Line numbers of keys and values in a JSON text, found by searching the text.

    Cheap and good enough for locating findings: a key or value is searched from a starting
    offset, so callers walking a document in order find each occurrence in turn.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._breaks = [m.start() for m in re.finditer("\n", text)]

    def line_at(self, offset: int) -> int:
        return bisect.bisect_left(self._breaks, offset) + 1

    def find(self, pattern: str, start: int = 0) -> int | None:
        """Offset of the first match of the regular expression ``pattern`` at or after
        ``start``, or None."""
        match = re.compile(pattern).search(self.text, start)
        return match.start() if match is not None else None

    def find_member(self, key: str, value: object = None, start: int = 0) -> int | None:
        """Offset of ``"key": value`` (or of ``"key": {`` when ``value`` is None)."""
        tail = r"\{" if value is None else _json_value_pattern(value)
        return self.find(rf"{_json_value_pattern(key)}\s*:\s*{tail}", start)


def _json_value_pattern(value: object) -> str:
    """A regex matching ``value`` as JSON writes it: Python's escaping, or Go's, which also
    escapes ``<``, ``>`` and ``&`` (Terraform's JSON comes from Go)."""
    plain = json.dumps(value, ensure_ascii=False)
    go = plain.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    ascii_ = json.dumps(value)
    variants = dict.fromkeys((plain, go, ascii_))
    return "(?:" + "|".join(re.escape(v) for v in variants) + ")"


def read_json_file(path: str) -> tuple[str, object]:
    """The text of a JSON file and its parsed value; :class:`InputError` if unreadable."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig", errors="replace")
    except OSError as err:
        raise InputError(
            f"cannot read file: {err.strerror or err}", path=path, hint="check its permissions"
        ) from None
    try:
        return text, json.loads(text)
    except (ValueError, RecursionError) as err:
        raise InputError(
            f"not valid JSON: {err}", path=path, hint="the file may be truncated"
        ) from None


def declaration_of(document: Mapping[str, Any], cls: str) -> Mapping[str, Any] | None:
    """The declaration of class ``cls`` (``ADC``, ``Device``): the document itself, or its
    ``declaration`` member (an AS3 or DO request wraps it so)."""
    if document.get("class") == cls:
        return document
    inner = document.get("declaration")
    if isinstance(inner, Mapping) and inner.get("class") == cls:
        return inner
    return None


def open_declaration(
    path: str, cls: str, what: str, hint: str, cannot_express: frozenset[str],
    collections: frozenset[str],
) -> tuple[Mapping[str, Any], Origin, Parts]:
    """A declaration file holding a ``cls`` declaration, the origin that locates its objects,
    and the empty :class:`Parts` for them (the kinds such a declaration cannot express are
    unknown, those it can are stated); :class:`InputError` ("not <what>") otherwise."""
    text, document = read_json_file(path)
    if not isinstance(document, Mapping) or declaration_of(document, cls) is None:
        raise InputError(f"not {what}", path=path, hint=hint)
    parts = Parts(inputs=[path], unknown_kinds=set(cannot_express),
                  stated_kinds=set(collections))
    return document, Origin(path, lines=JsonLines(text)), parts
