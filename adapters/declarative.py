"""Shared helpers of the JSON adapters (Terraform, AS3, DO): collecting model objects, naming,
addresses, profile inheritance, line numbers in JSON text, the shapes of JSON values, and
assembling a :class:`Device`.

These inputs describe a device piecemeal (one plan, one declaration), so the adapters fill a
:class:`Parts` and :func:`assemble` turns one or more of them, optionally over a device built
from tmsh files, into a frozen :class:`Device`.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, TypeAlias, TypeGuard

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
    ``unreadable_kinds`` are kinds of which the input holds an object that could not be read
    (a wrong JSON shape): they stay unknown whatever else states them.
    """

    objects: dict[str, dict[str, BigIpObject]] = field(default_factory=dict)
    unknown_kinds: set[str] = field(default_factory=set)
    stated_kinds: set[str] = field(default_factory=set)
    unreadable_kinds: set[str] = field(default_factory=set)
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
        self.unreadable_kinds |= other.unreadable_kinds
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
    unknown |= parts.unreadable_kinds
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


# -- shapes of JSON values -----------------------------------------------------------------------
#
# The adapters check each value they read against a small description of its shape before
# using it, so a reader never meets a list where a string belongs. What a wrong shape means is
# the adapter's call: the structure of a Terraform JSON document or of an AS3/DO declaration is
# an error (the tool that reads such a file rejects it too), a Terraform resource attribute is a
# warning and the model field it feeds becomes unknown. ``null`` is "not set" everywhere.

Key: TypeAlias = str | int
Scalar: TypeAlias = Literal["string", "number", "integer", "boolean", "scalar", "any"]


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list whose items have the shape ``item`` (and ``size`` items, when given)."""

    item: Shape
    size: int | None = None


@dataclass(frozen=True, slots=True)
class ObjectOf:
    """An object whose members named in ``fields`` have those shapes (others are not read).

    ``needs``: at least one of these members is set. ``label`` names the shape in messages.
    """

    fields: Mapping[str, Shape] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    label: str = "an object"


@dataclass(frozen=True, slots=True)
class AnyOf:
    """One of several shapes (an AS3 pointer is a string or an object)."""

    options: tuple[Shape, ...]


@dataclass(frozen=True, slots=True)
class Among:
    """One of these strings (an AS3 ``snat`` is ``auto``, ``none`` or ``self``)."""

    values: tuple[str, ...]


Shape: TypeAlias = Scalar | ListOf | ObjectOf | AnyOf | Among

_SCALAR_NAMES: Final[dict[str, str]] = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "scalar": "a string, number or boolean",
    "any": "any value",
}


def is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number: an int or a finite float (never a bool, NaN or infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


_SCALAR_CHECKS: Final[dict[str, Callable[[object], bool]]] = {
    "string": lambda v: isinstance(v, str),
    "number": is_number,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "scalar": lambda v: isinstance(v, str | bool) or is_number(v),
    "any": lambda v: True,
}


def shape_name(shape: Shape) -> str:
    """``a list of strings``, ``a string or a pointer``... for messages."""
    if isinstance(shape, str):
        return _SCALAR_NAMES[shape]
    if isinstance(shape, ListOf):
        # What an item should be is said about the item itself (`members[0] is ...`).
        count = f"{shape.size} " if shape.size is not None else ""
        plural = {"string": "strings", "number": "numbers", "integer": "whole numbers"}
        if isinstance(shape.item, str) and shape.item in plural:
            return f"a list of {count}{plural[shape.item]}"
        return f"a list of {count}items" if count else "a list"
    if isinstance(shape, ObjectOf):
        return shape.label
    if isinstance(shape, Among):
        return "one of " + ", ".join(json.dumps(v) for v in shape.values)
    return " or ".join(shape_name(option) for option in shape.options)


def describe_json(value: object) -> str:
    """How a message names a JSON value: ``a string ("abc")``, ``a number (5)``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = str(value)
        return f"a number ({text if len(text) <= 20 else text[:17] + '...'})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({json.dumps(shown)})"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    return "an object"


_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def json_path(keys: Sequence[Key]) -> str:
    """``resource_changes[0].change.actions``; keys that are not identifiers are quoted
    (``values.root_module.child_modules[0]["module.edge"]``)."""
    text = ""
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif _IDENTIFIER.fullmatch(key):
            text += f".{key}" if text else key
        else:
            text += f"[{json.dumps(key)}]"
    return text or "the document"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The first value found that does not have its shape: where (below the checked value),
    what was expected and what is there."""

    keys: tuple[Key, ...]
    expected: str
    found: object

    def describe(self, prefix: Sequence[Key] = ()) -> str:
        return (f"{json_path([*prefix, *self.keys])} is {describe_json(self.found)}, "
                f"expected {self.expected}")


def _top_matches(value: object, shape: Shape) -> bool:
    if isinstance(shape, str):
        return _SCALAR_CHECKS[shape](value)
    if isinstance(shape, ListOf):
        return isinstance(value, list)
    if isinstance(shape, ObjectOf):
        return isinstance(value, Mapping)
    if isinstance(shape, Among):
        return isinstance(value, str)
    return any(_top_matches(value, option) for option in shape.options)


def mismatch(value: object, shape: Shape, keys: tuple[Key, ...] = ()) -> Mismatch | None:
    """None when ``value`` has ``shape``, else the first mismatch. ``null`` is "not set", so
    it has every shape, except as an item of a list."""
    if value is None:
        return None
    if isinstance(shape, str):
        return None if _SCALAR_CHECKS[shape](value) else Mismatch(keys, shape_name(shape), value)
    if isinstance(shape, ListOf):
        if not isinstance(value, list) or (shape.size is not None and len(value) != shape.size):
            return Mismatch(keys, shape_name(shape), value)
        for index, item in enumerate(value):
            if item is None and shape.item != "any":  # a list holds values, not "not set"
                return Mismatch((*keys, index), shape_name(shape.item), item)
            if (found := mismatch(item, shape.item, (*keys, index))) is not None:
                return found
        return None
    if isinstance(shape, ObjectOf):
        if not isinstance(value, Mapping):
            return Mismatch(keys, shape_name(shape), value)
        if shape.needs and all(value.get(key) is None for key in shape.needs):
            return Mismatch(keys, shape_name(shape), value)
        for key, member in shape.fields.items():
            if (found := mismatch(value.get(key), member, (*keys, key))) is not None:
                return found
        return None
    if isinstance(shape, Among):
        return None if value in shape.values else Mismatch(keys, shape_name(shape), value)
    # One of several: the options of the value's JSON type say what is wrong inside it.
    candidates = [option for option in shape.options if _top_matches(value, option)]
    if not candidates:
        return Mismatch(keys, shape_name(shape), value)
    problems = [mismatch(value, option, keys) for option in candidates]
    if any(problem is None for problem in problems):
        return None
    return problems[0]


@dataclass(frozen=True, slots=True)
class JsonPlace:
    """A place in a JSON file (the file, the JSON path, the line), to name in an error about
    the value there, with what to do about it. Without a line, the line of the last key of
    the path found in ``lines`` (the file's text) is used."""

    file: str
    keys: tuple[Key, ...] = ()
    line: int | None = None
    hint: str | None = None
    lines: JsonLines | None = field(default=None, repr=False, compare=False)

    def at(self, *keys: Key, line: int | None = None) -> JsonPlace:
        return replace(self, keys=(*self.keys, *keys), line=line or self.line)

    def error(self, problem: Mismatch | str) -> InputError:
        message = (problem.describe(self.keys) if isinstance(problem, Mismatch)
                   else f"{json_path(self.keys)}: {problem}")
        line = self.line
        if line is None and self.lines is not None:
            line = self.lines.locate(self.keys)
        return InputError(message, path=self.file, line=line, hint=self.hint)

    def check(self, value: object, shape: Shape) -> None:
        """:class:`InputError` unless ``value`` (the value at this place) has ``shape``."""
        if (found := mismatch(value, shape)) is not None:
            raise self.error(found)

    def get(self, body: Mapping[str, Any], key: str, shape: Shape) -> Any:
        """``body[key]`` (None when absent or null), checked against ``shape``."""
        value = body.get(key)
        self.at(key).check(value, shape)
        return value

    def items(self, body: Mapping[str, Any], key: str) -> list[Any]:
        """``body[key]`` as a list: absent and ``null`` are empty; another type is an error."""
        value = self.get(body, key, ListOf("any"))
        return list(value) if value is not None else []


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

    def locate(self, keys: Sequence[Key]) -> int | None:
        """The line of the last of ``keys`` (a JSON path) found searching them in order; list
        indexes are not searched, so it is approximate below a list."""
        found: int | None = None
        for key in keys:
            if isinstance(key, str):
                at = self.find(rf"{_json_value_pattern(key)}\s*:", 0 if found is None else found)
                if at is None:
                    break
                found = at
        return None if found is None else self.line_at(found)


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
    except json.JSONDecodeError as err:
        raise json_error(path, err) from None
    except (ValueError, RecursionError):  # nested too deep, or a number too long to convert
        raise InputError(
            "invalid JSON: nested too deeply or a number too long to read", path=path,
            hint="check how the file was produced",
        ) from None


def json_error(path: str, err: json.JSONDecodeError) -> InputError:
    """The one-line error for a file meant as JSON that does not parse: where and why."""
    if not err.doc.strip():
        return InputError("invalid JSON: the file is empty", path=path, line=1,
                          hint="produce it again")
    what = re.sub(r" (starting )?at$", "", err.msg)
    # A string runs to the end of the text, or the text ends where a value should follow.
    truncated = what == "Unterminated string" or err.pos >= len(err.doc.rstrip())
    return InputError(
        f"invalid JSON at line {err.lineno}, column {err.colno}: {what[:1].lower()}{what[1:]}",
        path=path, line=err.lineno,
        hint="the file looks truncated: produce it again" if truncated
        else "fix the JSON there, or produce the file again",
    )


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
