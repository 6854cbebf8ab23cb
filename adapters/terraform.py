"""Terraform plans and states of the F5 ``bigip`` provider (v1.28) to the normalized model.

Three inputs, recognized by :mod:`.detect`:

* ``terraform show -json <planfile>`` (format 1.x): objects are what the plan leaves behind,
  ``resource_changes[].change.after``. Deleted resources are gone; values known only after
  apply (``after_unknown``) are listed in each object's ``unknown``; every object's source
  carries the resource address and the planned change (``create``, ``update``, ``replace``,
  ``no-op``), which is what ``--changed-only`` filters on (:func:`is_changed`).
* ``terraform show -json`` of a state (format 1.x, ``values``), and
* a raw ``terraform.tfstate`` (version 4).

Provider traps honoured (see the reference notes on the provider source):

* ``vlans_enabled = false`` (the default) means the virtual is *disabled on* the listed VLANs;
  ``bigip_ltm_snat.vlansdisabled`` defaults to true (active on all VLANs when none are listed);
* ``source_address_translation`` left unset is unknown in a plan (the device decides);
* ``null``, ``""``, ``0`` and ``[]`` mean "not set" (inherit the parent or tmsh default);
* ``%rd`` inside addresses, ``default`` route networks, ``loose_initiation`` (sic) and the
  partition's default route domain (``bigip_partition.route_domain_id``) for bare addresses;
* pool members come only from ``bigip_ltm_pool_attachment``, in all four ``node`` forms.

What the provider cannot express at all is unknown: ``ltm nat``, forwarding (ip-forward)
virtuals, route domains, SNAT translations, device and traffic groups (``Device.unknown_kinds``),
and a fastL4 or TCP profile's reset-on-timeout. A ``bigip_as3`` or ``bigip_do`` resource in
the same plan (or a ``bigip_command`` creating the object) states them instead.

Sensitive values (``after_sensitive``, ``sensitive_values``, ``sensitive_attributes``) are never
copied into the model: they are unknown. ``variables``, ``configuration`` expressions and the
provider block are never read except for which attributes a resource sets.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from lyncpolicy.addresses import (
    Address,
    IPNetwork,
    Network,
    parse_endpoint,
    parse_mask,
    parse_network,
    strip_folder,
)
from lyncpolicy.errors import InputError
from lyncpolicy.model import (
    NO_SOURCE,
    ApplicationService,
    BigIpObject,
    DeviceGroup,
    Monitor,
    Node,
    Partition,
    Persistence,
    PersistRef,
    PlanChange,
    Pool,
    PoolMember,
    Profile,
    ProfileContext,
    ProfileRef,
    Route,
    Rule,
    SelfIp,
    Snat,
    SnatPool,
    SnatType,
    Source,
    VirtualAddress,
    VirtualServer,
    VirtualType,
    Vlan,
    VlansMode,
    to_jsonable,
)

from .declarative import (
    AS3_COLLECTIONS,
    DO_COLLECTIONS,
    FORWARDING_VIRTUALS,
    AnyOf,
    JsonLines,
    JsonPlace,
    ListOf,
    ObjectOf,
    Origin,
    Parts,
    Shape,
    add_referenced_builtins,
    address_and_network,
    builtin_kind,
    describe_json,
    effective_settings,
    full_name,
    is_number,
    json_path,
    mismatch,
    parse_or_none,
    partition_of,
    read_json_file,
    with_unknown,
)

if TYPE_CHECKING:
    from lyncpolicy.model import Device

Json = Mapping[str, Any]

# Object kinds the bigip provider has no resource for.
CANNOT_EXPRESS: Final = frozenset(
    {"nats", FORWARDING_VIRTUALS, "route_domains", "snat_translations", "device_groups",
     "traffic_groups"}
)
_ACTIONS: Final[dict[tuple[str, ...], PlanChange]] = {
    ("create",): "create",
    ("update",): "update",
    ("no-op",): "no-op",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("create", "forget"): "create",
}
_CHANGED: Final = frozenset({"create", "update", "replace"})
_MONITOR_GLUE: Final = frozenset({"and", "min", "of", "{", "}", "none", ""})


def is_changed(source: Source | None) -> bool:
    """For ``--changed-only``: keep a finding unless its object comes from a resource the plan
    leaves unchanged (``change == "no-op"``). Objects from states, tmsh or declarations (no
    plan action) and device-level findings (no source) are kept."""
    return source is None or source.change is None or source.change in _CHANGED


# -- reading the JSON documents -----------------------------------------------------------------
#
# The structure of the document is what Terraform writes, so a wrong shape there is an error
# naming its JSON path (`resource_changes[0].change.actions`): the file was edited or damaged,
# and guessing would misread it. An entry that cannot be read at all (a `resource_changes`
# entry, a `change`, `values` or `attributes` that is not an object) is skipped with a warning
# and the kinds of object it may have held are unknown. Attribute values are the provider's
# (see `_ATTRIBUTE_SHAPES`): a wrong one is a warning and the model fields it feeds are unknown.


@dataclass(frozen=True, slots=True)
class TfResource:
    """One managed ``bigip_*`` resource instance as the plan or state leaves it.

    ``unknown`` holds the attributes known only after apply (wholly or in part), ``sensitive``
    the ones marked sensitive and ``invalid`` the ones whose value has the wrong shape; none of
    them has a value in ``values``. ``configured`` (plans only) is the set of attributes the
    configuration sets, which tells an unset computed attribute (inherited) from one set to a
    value known after apply. ``problem`` says why a resource could not be read at all (it has
    no values then, and ``type`` is empty when even that is unknown).
    """

    address: str
    type: str
    values: Json
    line: int
    unknown: frozenset[str] = frozenset()
    sensitive: frozenset[str] = frozenset()
    change: PlanChange | None = None
    configured: frozenset[str] | None = None
    before: Json | None = None
    invalid: frozenset[str] = frozenset()
    problem: str | None = None

    @property
    def hidden(self) -> frozenset[str]:
        """Attributes without a value: unknown, sensitive or invalid."""
        return self.unknown | self.sensitive | self.invalid


@dataclass(frozen=True, slots=True)
class TfDocument:
    """The bigip resources of one plan or state file."""

    path: str
    kind: str
    terraform_version: str | None
    resources: tuple[TfResource, ...]
    # Plans: (type, values before) of resources the plan deletes.
    deleted: tuple[tuple[str, Json], ...] = ()


_HINT_SHOW_JSON: Final = "produce it with `terraform show -json` (Terraform 0.12 or later)"
_HINT_SHAPE: Final = ("Terraform never writes this, so the file was edited or damaged: produce "
                      "it again with `terraform show -json`")
_OBJECT: Final = ObjectOf()
# after_unknown, after_sensitive, sensitive_values: an object mirroring the values, or `true`.
_MARKS: Final = AnyOf(("boolean", _OBJECT))
_ENTRY: Final = ObjectOf({
    "address": "string", "module_address": "string", "mode": "string", "type": "string",
    "name": "string", "index": AnyOf(("string", "integer")), "deposed": "string",
    "module": "string",
})
_CHANGE: Final = ObjectOf({
    "actions": ListOf("string"), "after_unknown": _MARKS, "after_sensitive": _MARKS,
    "before_sensitive": _MARKS,
})
_INSTANCE: Final = ObjectOf({
    "index_key": AnyOf(("string", "integer")), "deposed": "string",
    "sensitive_attributes": ListOf(ListOf(ObjectOf({"type": "string"}, needs=("type",),
                                                   label="a path step"))),
})


def read_document(path: str, kind: str) -> TfDocument:
    """Read a plan or state file. Raises :class:`InputError` for other format versions,
    errored plans and malformed documents."""
    text, document = read_json_file(path)
    if not isinstance(document, Mapping):
        raise InputError("not a Terraform JSON document", path=path, hint=_HINT_SHOW_JSON)
    version = document.get("terraform_version")
    tf_version = version if isinstance(version, str) else None
    lines = JsonLines(text)
    place = JsonPlace(path, hint=_HINT_SHAPE, lines=lines)
    if kind == "terraform-state":
        if document.get("version") != 4:
            raise InputError(
                f"Terraform state version {document.get('version')!r} is not supported",
                path=path,
                hint="lyncpolicy reads state version 4 (Terraform 0.12 and later)",
            )
        return TfDocument(path, kind, tf_version,
                          tuple(_raw_state_resources(document, lines, place)))
    _check_format_version(document, path)
    if kind == "terraform-plan":
        if document.get("errored") is True:
            raise InputError(
                "the plan is marked errored: Terraform stopped planning, so it is incomplete",
                path=path,
                hint="fix the errors `terraform plan` reported, then run `terraform plan -out` "
                "and `terraform show -json` again",
            )
        deleted: list[tuple[str, Json]] = []
        resources = tuple(_plan_resources(document, lines, deleted, place))
        return TfDocument(path, kind, tf_version, resources, tuple(deleted))
    values = place.get(document, "values", _OBJECT)
    root = place.at("values").get(values, "root_module", _OBJECT) if values else None
    found = (_show_state_resources(root, lines, place.at("values", "root_module"))
             if root is not None else iter(()))
    return TfDocument(path, kind, tf_version, tuple(found))


def _check_format_version(document: Json, path: str) -> None:
    version = document.get("format_version")
    if not isinstance(version, str) or version.split(".", 1)[0] != "1":
        raise InputError(
            f"Terraform JSON format_version {version!r} is not supported",
            path=path,
            hint="lyncpolicy reads format 1.x; " + _HINT_SHOW_JSON,
        )


def _has_true(value: object) -> bool:
    """A ``true`` anywhere in ``value`` (searched without recursion: any depth)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if item is True:
            return True
        if isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _marked(marks: object, values: object) -> frozenset[str]:
    """Top-level attributes with a ``true`` anywhere in an after_unknown/sensitive mirror;
    ``true`` for the whole mirror marks every attribute (the name too)."""
    if marks is True:
        return frozenset({"name", *(str(k) for k in values)} if isinstance(values, Mapping)
                         else {"name"})
    if not isinstance(marks, Mapping):
        return frozenset()
    return frozenset(str(k) for k, v in marks.items() if _has_true(v))


def _without(values: object, hidden: frozenset[str]) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        return {}
    return {str(k): v for k, v in values.items() if k not in hidden}


def _is_bigip(item: Json) -> bool:
    return item.get("mode") == "managed" and str(item.get("type", "")).startswith("bigip_")


def _not_an_object(place: JsonPlace, value: object) -> str:
    return f"{json_path(place.keys)} is {describe_json(value)}, expected an object"


def _not_an_entry(place: JsonPlace, value: object, line: int) -> TfResource:
    """An entry that is not an object: nothing about it (not even its type) can be read."""
    return TfResource(json_path(place.keys), "", {}, line,
                      problem=f"is {describe_json(value)}, expected an object")


def _bigip_entries(
    container: Json, key: str, place: JsonPlace, lines: JsonLines,
    locate: Callable[[Json], int | None],
) -> Iterator[tuple[JsonPlace, Json | TfResource]]:
    """The managed ``bigip_*`` entries of the list ``container[key]``, each with its place
    (at the offset ``locate`` finds, else at the previous entry's line). An entry that is not
    an object comes as the :class:`TfResource` that says so; a wrong shape in the header of an
    entry (its type, address...) is an error."""
    line = 1
    for index, raw in enumerate(place.items(container, key)):
        found = locate(raw) if isinstance(raw, Mapping) else None
        if found is not None:
            line = lines.line_at(found)
        here = place.at(key, index, line=line)
        if not isinstance(raw, Mapping):
            yield here, _not_an_entry(here, raw, line)
            continue
        here.check(raw, _ENTRY)
        if _is_bigip(raw):
            yield here, raw


def _plan_resources(
    document: Json, lines: JsonLines, deleted: list[tuple[str, Json]], place: JsonPlace
) -> Iterator[TfResource]:
    configured = _configured_attributes(document.get("configuration"))
    start = lines.find(r'"resource_changes"\s*:') or 0

    def locate(item: Json) -> int | None:
        nonlocal start
        address = item.get("address")
        found = (lines.find_member("address", address, start)
                 if isinstance(address, str) and address else None)
        start = start if found is None else found + 1
        return found

    for here, item in _bigip_entries(document, "resource_changes", place, lines, locate):
        if isinstance(item, TfResource):
            yield item
            continue
        if item.get("deposed"):
            continue
        address, kind, line = str(item.get("address", "")), str(item["type"]), here.line or 1
        change = item.get("change")
        problem = _unreadable_change(change, here.at("change"))
        if problem is not None or not isinstance(change, Mapping):
            yield TfResource(address, kind, {}, line, problem=problem)
            continue
        actions = tuple(change.get("actions") or ())
        before, after = change.get("before"), change.get("after")
        action = _ACTIONS.get(actions)
        if action is None:
            if "delete" in actions and isinstance(before, Mapping):
                deleted.append((kind, before))
            continue
        unknown = _marked(change.get("after_unknown"), after)
        sensitive = _marked(change.get("after_sensitive"), after)
        yield TfResource(
            address=address,
            type=kind,
            values=_without(after, unknown | sensitive),
            line=line,
            unknown=unknown,
            sensitive=sensitive,
            change=action,
            configured=configured.get(_config_key(item)) if configured is not None else None,
            before=_without(before, _marked(change.get("before_sensitive"), before))
            if kind in ("bigip_as3", "bigip_do") and isinstance(before, Mapping)
            else None,
        )


def _unreadable_change(change: object, place: JsonPlace) -> str | None:
    """Why a resource's ``change`` cannot be read at all (None when it can be); a wrong shape
    inside it (``actions``, the marks) is an error."""
    if not isinstance(change, Mapping):
        return _not_an_object(place, change)
    place.check(change, _CHANGE)
    for key in ("before", "after"):
        value = change.get(key)
        if value is not None and not isinstance(value, Mapping):
            return _not_an_object(place.at(key), value)
    return None


def _show_state_resources(
    module: Json, lines: JsonLines, place: JsonPlace, position: list[int] | None = None
) -> Iterator[TfResource]:
    # Terraform writes a module's resources before its child modules, so each address is
    # searched from the previous one (one pass over the text), then from the start.
    position = [0] if position is None else position

    def locate(item: Json) -> int | None:
        address = item.get("address")
        if not isinstance(address, str) or not address:
            return None
        found = lines.find_member("address", address, position[0])
        if found is None:
            found = lines.find_member("address", address)
        if found is not None:
            position[0] = found + 1
        return found

    for here, item in _bigip_entries(module, "resources", place, lines, locate):
        if isinstance(item, TfResource):
            yield item
            continue
        address, kind, line = str(item.get("address", "")), str(item["type"]), here.line or 1
        values = item.get("values")
        if values is not None and not isinstance(values, Mapping):
            yield TfResource(address, kind, {}, line,
                             problem=_not_an_object(here.at("values"), values))
            continue
        sensitive = _marked(here.get(item, "sensitive_values", _MARKS), values)
        yield TfResource(address=address, type=kind, values=_without(values, sensitive),
                         line=line, sensitive=sensitive)
    for index, child in enumerate(place.items(module, "child_modules")):
        here = place.at("child_modules", index)
        if isinstance(child, Mapping):
            yield from _show_state_resources(child, lines, here, position)
        else:
            yield _not_an_entry(here, child, lines.line_at(position[0]))


def _index_suffix(key: object) -> str:
    if key is None:
        return ""
    if isinstance(key, str):
        return f"[{json.dumps(key)}]"
    return f"[{key}]"


def _sensitive_attributes(paths: list[Any], place: JsonPlace) -> frozenset[str]:
    """Top-level attributes named by a raw state's ``sensitive_attributes`` paths (a path
    whose attribute cannot be read is an error: no value may be copied by mistake)."""
    names: set[str] = set()
    for index, path in enumerate(paths):
        if path and path[0]["type"] == "get_attr":
            step = place.at("sensitive_attributes", index, 0)
            names.add(step.get(path[0], "value", "string") or "")
    return frozenset(names)


def _raw_state_resources(document: Json, lines: JsonLines, place: JsonPlace
                         ) -> Iterator[TfResource]:
    position = 0

    def locate(item: Json) -> int | None:
        nonlocal position
        kind, name = item.get("type"), item.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            return None
        found = lines.find(
            rf'"type"\s*:\s*{re.escape(json.dumps(kind))}\s*,\s*"name"\s*:\s*'
            rf"{re.escape(json.dumps(name))}",
            position,
        )
        position = position if found is None else found + 1
        return found

    for here, item in _bigip_entries(document, "resources", place, lines, locate):
        if isinstance(item, TfResource):
            yield item
            continue
        kind, name = str(item["type"]), str(item.get("name", ""))
        module = item.get("module")
        base = (f"{module}." if isinstance(module, str) and module else "") + f"{kind}.{name}"
        resource_line = here.line or 1
        for number, instance in enumerate(here.items(item, "instances")):
            there = here.at("instances", number)
            if not isinstance(instance, Mapping):
                yield TfResource(base, kind, {}, resource_line,
                                 problem=_not_an_object(there, instance))
                continue
            there.check(instance, _INSTANCE)
            if instance.get("deposed"):
                continue
            key = instance.get("index_key")
            at = (lines.find_member("index_key", key, position) if key is not None
                  else None)
            line = lines.line_at(at) if at is not None else resource_line
            attributes = instance.get("attributes")
            if attributes is not None and not isinstance(attributes, Mapping):
                yield TfResource(base + _index_suffix(key), kind, {}, line,
                                 problem=_not_an_object(there.at("attributes"), attributes))
                continue
            sensitive = _sensitive_attributes(instance.get("sensitive_attributes") or [], there)
            yield TfResource(
                address=base + _index_suffix(key),
                type=kind,
                values=_without(attributes, sensitive),
                line=line,
                sensitive=sensitive,
            )


_INDEX: Final = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')


def _config_key(item: Json) -> tuple[str, ...]:
    """(module names..., ``type.name``) of a resource change, to find its configuration."""
    module = _INDEX.sub("", str(item.get("module_address", "")))
    names = tuple(part for part in module.split(".") if part and part != "module")
    return (*names, f"{item.get('type')}.{item.get('name')}")


def _configured_attributes(configuration: object) -> dict[tuple[str, ...], frozenset[str]] | None:
    """Which attributes each resource's configuration sets (names only, never values). Read
    leniently: a resource missing here (or of another shape) is one whose configuration cannot
    tell, so its unknown attributes count as set."""
    if not isinstance(configuration, Mapping):
        return None
    found: dict[tuple[str, ...], frozenset[str]] = {}

    def walk(module: object, prefix: tuple[str, ...]) -> None:
        if not isinstance(module, Mapping):
            return
        resources = module.get("resources")
        for resource in resources if isinstance(resources, list) else ():
            if isinstance(resource, Mapping):
                expressions = resource.get("expressions", {})
                if isinstance(expressions, Mapping):
                    found[(*prefix, str(resource.get("address", "")))] = frozenset(expressions)
        calls = module.get("module_calls")
        for name, call in (calls.items() if isinstance(calls, Mapping) else ()):
            if isinstance(call, Mapping):
                walk(call.get("module"), (*prefix, str(name)))

    walk(configuration.get("root_module"), ())
    return found


# -- building the model -------------------------------------------------------------------------


def read_terraform(path: str, kind: str) -> Parts:
    """Read a plan or state file into model objects (see :func:`assemble` for the Device)."""
    document = read_document(path, kind)
    parts = Parts(inputs=[path], version=None)
    parts.unknown_kinds |= CANNOT_EXPRESS
    _Mapper(document, parts).run()
    return parts


def _text(values: Json, key: str) -> str | None:
    """A string attribute; ``null`` and ``""`` are "not set"."""
    value = values.get(key)
    return value if isinstance(value, str) and value else None


def _number(values: Json, key: str) -> int | None:
    """A number attribute; ``null`` and ``0`` are "not set"."""
    value = values.get(key)
    if not is_number(value) or value == 0:
        return None
    return int(value)


def _strings(values: Json, key: str) -> list[str]:
    """A list or set of strings; ``null``, ``[]`` and empty strings are "not set"."""
    value = values.get(key)
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and v]


def _setting(value: object) -> str | None:
    if isinstance(value, bool):
        return "enabled" if value else "disabled"
    if is_number(value):
        return str(int(value)) if value else None
    return value if isinstance(value, str) and value else None


@dataclass
class _Mapper:
    """Maps the resources of one document into ``parts``."""

    document: TfDocument
    parts: Parts
    partition_rd: dict[str, int] = field(default_factory=dict)
    attachments: list[TfResource] = field(default_factory=list)
    # An attachment could not be read: which pool it adds a member to cannot be told.
    members_unknown: bool = False

    # -- helpers ---------------------------------------------------------------------------

    def source(self, resource: TfResource) -> Source:
        return Source(self.document.path, resource.line, resource.line,
                      resource=resource.address, change=resource.change)

    def rd(self, partition: str) -> int:
        return self.partition_rd.get(partition, 0)

    def common(self, resource: TfResource, name: str, fields_: Mapping[str, Sequence[str]]
               ) -> dict[str, Any]:
        hidden = resource.hidden
        unknown = {f for f, attrs in fields_.items() if any(a in hidden for a in attrs)}
        if "description" in hidden:
            unknown.add("description")
        return {
            "name": name,
            "source": self.source(resource),
            "partition": partition_of(name),
            "description": _text(resource.values, "description"),
            "unknown": frozenset(unknown),
        }

    def name(self, resource: TfResource) -> str | None:
        name = _text(resource.values, "name")
        if name is not None:
            return full_name(name)
        if "name" in resource.hidden:
            # An object exists whose name (so identity) is known only after apply.
            self.parts.unknown_kinds.add(_COLLECTION_OF.get(resource.type, resource.type))
        self.parts.note("warning", "TF-NO-NAME",
                        f"{resource.address}: name unknown or missing, resource skipped",
                        self.source(resource))
        return None

    def warn(self, resource: TfResource, message: str) -> None:
        self.parts.note("warning", "TF-BAD-VALUE", f"{resource.address}: {message}",
                        self.source(resource))

    def checked(self, resource: TfResource) -> TfResource:
        """``resource`` without the attributes whose value has the wrong shape for the
        provider (each a warning): they are ``invalid``, so the fields they feed are unknown."""
        shapes = _ATTRIBUTE_SHAPES.get(resource.type, {})
        invalid: set[str] = set()
        for attr in sorted(set(shapes) & set(resource.values)):
            found = mismatch(resource.values[attr], shapes[attr], (attr,))
            if found is not None:
                invalid.add(attr)
                self.warn(resource, f"{found.describe()}: read as unknown")
        if not invalid:
            return resource
        return replace(resource, values=_without(resource.values, frozenset(invalid)),
                       invalid=frozenset(invalid))

    def skip(self, resource: TfResource) -> None:
        """A resource that could not be read: the kinds of object it may hold are unknown."""
        kinds = _kinds_of(resource.type)
        self.parts.unreadable_kinds |= kinds
        if resource.type in ("", "bigip_ltm_pool_attachment", "bigip_command"):
            self.members_unknown = True
        what = (
            "which objects of any kind exist is unknown" if kinds == _ALL_KINDS
            else f"which {', '.join(sorted(kinds))} exist is unknown" if kinds
            else "it is not modelled anyway"
        )
        self.parts.note("warning", "TF-BAD-SHAPE",
                        f"{resource.address}: {resource.problem}: skipped, so {what}",
                        self.source(resource))

    # -- driver ----------------------------------------------------------------------------

    def run(self) -> None:
        if not self.document.resources:
            self.parts.note("note", "TF-NO-BIGIP", "no bigip_* resources in this "
                            f"{self.document.kind.removeprefix('terraform-')}",
                            Source(self.document.path, 1, 1))
        by_type: dict[str, list[TfResource]] = {}
        for resource in self.document.resources:
            if resource.problem is not None:
                self.skip(resource)
                continue
            by_type.setdefault(resource.type, []).append(self.checked(resource))
        for resource in by_type.get("bigip_partition", []):
            self.partition(resource)
        for kind in _READERS:
            for resource in by_type.get(kind, []):
                if (name := self.name(resource)) is not None:
                    _READERS[kind](self, resource, name)
        self.finish_profiles()
        # Attachments have no name: each joins its pool once pools and nodes are read.
        self.attachments = by_type.get("bigip_ltm_pool_attachment", [])
        for resource in self.attachments:
            self.attach(resource)
        if self.members_unknown:
            pools = self.parts.get("pools")
            for name, pool in list(pools.items()):
                pools[name] = with_unknown(pool, ["members"])
        self.mark_changed_pools()
        for resource in by_type.get("bigip_ltm_virtual_server", []):
            if (name := self.name(resource)) is not None:
                self.virtual_server(resource, name)
        for resource in by_type.get("bigip_as3", []):
            self.as3(resource)
        for resource in by_type.get("bigip_do", []):
            self.do(resource)
        for resource in by_type.get("bigip_command", []):
            self.command(resource)
        for kind in sorted(k for k in by_type if k not in _READERS and k not in _LATE):
            self.parts.note("note", "TF-UNMAPPED", f"{kind} resources are not modelled",
                            Source(self.document.path, 1, 1))
        names: list[str] = []
        for virtual in self.parts.get("virtual_servers").values():
            if isinstance(virtual, VirtualServer):
                names.extend(p.name for p in virtual.profiles)
                names.extend(p.name for p in virtual.persist)
        add_referenced_builtins(self.parts, names)

    # -- partitions, network ---------------------------------------------------------------

    def partition(self, resource: TfResource) -> None:
        name = (_text(resource.values, "name") or "").strip("/")
        if not name:
            return
        rd = _number(resource.values, "route_domain_id") or 0
        self.partition_rd[name] = rd
        common = self.common(resource, f"/{name}", {"default_route_domain": ["route_domain_id"]})
        common["partition"] = name
        self.parts.add("partitions", Partition(**common, default_route_domain=rd))

    def vlan(self, resource: TfResource, name: str) -> None:
        interfaces = [
            str(i["vlanport"]) for i in resource.values.get("interfaces") or []
            if isinstance(i, Mapping) and isinstance(i.get("vlanport"), str) and i["vlanport"]
        ]
        common = self.common(resource, name, {"tag": ["tag"], "interfaces": ["interfaces"]})
        self.parts.add(
            "vlans", Vlan(**common, tag=_number(resource.values, "tag"),
                          interfaces=tuple(interfaces))
        )

    def self_ip(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {
            "address": ["ip"], "network": ["ip"], "vlan": ["vlan"],
            "traffic_group": ["traffic_group"], "allow_service": ["port_lockdown"],
        })
        text = _text(values, "ip")
        address, network = (
            address_and_network(text, self.rd(common["partition"])) if text else (None, None)
        )
        if text and (address is None or network is None):
            self.warn(resource, f"cannot read self IP {text!r}")
        lockdown = tuple(v for v in _strings(values, "port_lockdown") if v != "none")
        vlan = _text(values, "vlan")
        self.parts.add(
            "self_ips",
            SelfIp(
                **common,
                address=address,
                network=network,
                vlan=full_name(vlan) if vlan else None,
                traffic_group=full_name(_text(values, "traffic_group")
                                        or "traffic-group-local-only"),
                allow_service=lockdown,
            ),
        )

    def route(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {
            "network": ["network"], "gateway": ["gw"], "interface": ["tunnel_ref"],
        })
        rd = self.rd(common["partition"])
        network: Network | None = None
        if text := _text(values, "network"):
            try:
                network = parse_network(text, rd)
            except ValueError:
                self.warn(resource, f"cannot read route network {text!r}")
        gateway = None
        if gw := _text(values, "gw"):
            gateway = parse_or_none(gw, rd)
            if gateway is None:
                self.warn(resource, f"cannot read route gateway {gw!r}")
        tunnel = _text(values, "tunnel_ref")
        self.parts.add(
            "routes",
            Route(**common, network=network, gateway=gateway,
                  interface=full_name(tunnel) if tunnel else None),
        )

    # -- LTM objects -----------------------------------------------------------------------

    def node(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {"address": ["address", "fqdn"],
                                              "monitors": ["monitor"]})
        fqdn = [f for f in values.get("fqdn") or [] if isinstance(f, Mapping) and f.get("name")]
        text = _text(values, "address")
        address = None
        if text and not fqdn:
            address = parse_or_none(strip_folder(text), self.rd(common["partition"]))
        self.parts.add(
            "nodes",
            Node(**common, address=address,
                 monitors=_monitor_names(_text(values, "monitor"), common["partition"])),
        )

    def monitor(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {"destination": ["destination"],
                                              "kind": ["parent", "custom_parent"]})
        parent = _text(values, "custom_parent") or _text(values, "parent")
        kind = ""
        if _text(values, "custom_parent"):
            known = self.parts.get("monitors").get(full_name(parent or ""))
            if isinstance(known, Monitor):
                kind = known.kind
            else:
                common["unknown"] |= {"kind"}
        elif parent:
            kind = parent.rsplit("/", 1)[-1].replace("_", "-")
        settings = {
            tmsh: text for attr, tmsh in _MONITOR_SETTINGS
            if (text := _setting(values.get(attr))) is not None
        }
        if resource.invalid & {attr for attr, _ in _MONITOR_SETTINGS}:
            common["unknown"] |= {"settings"}
        self.parts.add(
            "monitors",
            Monitor(**common, kind=kind, defaults_from=full_name(parent) if parent else None,
                    destination=_text(values, "destination"), settings=settings),
        )

    def snatpool(self, resource: TfResource, name: str) -> None:
        common = self.common(resource, name, {"members": ["members"]})
        members = tuple(full_name(m, common["partition"])
                        for m in _strings(resource.values, "members"))
        self.parts.add("snat_pools", SnatPool(**common, members=members))

    def snat(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {
            "origins": ["origins"], "translation": ["translation"], "snatpool": ["snatpool"],
            "vlans": ["vlans", "vlansdisabled"], "vlans_mode": ["vlans", "vlansdisabled"],
        })
        rd = self.rd(common["partition"])
        origins: list[Network] = []
        for origin in values.get("origins") or []:
            text = origin.get("name") if isinstance(origin, Mapping) else None
            if isinstance(text, str) and text:
                try:
                    origins.append(parse_network(text, rd))
                except ValueError:
                    self.warn(resource, f"cannot read SNAT origin {text!r}")
        vlans = tuple(full_name(v) for v in _strings(values, "vlans"))
        # `vlansdisabled` defaults to true: with no VLANs listed the SNAT is active everywhere.
        mode: VlansMode = (
            "enabled" if values.get("vlansdisabled") is False
            else "disabled" if vlans else "all"
        )
        pool = _text(values, "snatpool")
        self.parts.add(
            "snats",
            Snat(**common, origins=tuple(origins), translation=_text(values, "translation"),
                 snatpool=full_name(pool) if pool else None, vlans=vlans, vlans_mode=mode),
        )

    def virtual_address(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {
            "arp": ["arp"], "traffic_group": ["traffic_group"], "enabled": ["enabled"],
        })
        # The name is the address (`/Common/10.1.1.50%2`).
        address = parse_or_none(strip_folder(name), self.rd(common["partition"]))
        self.parts.add(
            "virtual_addresses",
            VirtualAddress(
                **common,
                address=address,
                mask=(32 if address.ip.version == 4 else 128) if address else None,
                arp=values.get("arp") is not False,
                traffic_group=_text(values, "traffic_group"),
                enabled=values.get("enabled") is not False,
            ),
        )

    def irule(self, resource: TfResource, name: str) -> None:
        common = self.common(resource, name, {"text": ["irule"]})
        self.parts.add("irules", Rule(**common, text=_text(resource.values, "irule") or ""))

    def iapp(self, resource: TfResource, name: str) -> None:
        values = resource.values
        short = name.rsplit("/", 1)[-1]
        partition = _text(values, "partition") or "Common"
        common = self.common(resource, f"/{partition}/{short}.app/{short}", {
            "template": ["jsonfile"], "variables": ["jsonfile"], "tables": ["jsonfile"],
        })
        body: object = {}
        if text := _text(values, "jsonfile"):
            try:
                body = json.loads(text)
            except (ValueError, RecursionError):
                body = None
            found = mismatch(body, _IAPP_BODY, ("jsonfile",))
            if body is None or found is not None:
                self.warn(resource, f"{found.describe() if found else 'jsonfile is not JSON'}: "
                          "its template, variables and tables are unknown")
                common["unknown"] |= {"template", "variables", "tables"}
                body = {}
        body = body if isinstance(body, Mapping) else {}
        template = body.get("template") or _text(values, "template")
        # The template builds virtuals, pools, profiles and monitors on the device; the plan
        # holds only the answers. Rules about those kinds are undetermined, not silently
        # passed (an iApp told "routes via the BIG-IP" can still break the Edge).
        self.parts.unreadable_kinds |= _IAPP_BUILDS
        self.parts.add(
            "application_services",
            ApplicationService(
                **common,
                template=str(template) if template else None,
                variables=_iapp_variables(body.get("variables")),
                tables=_iapp_tables(body.get("tables")),
            ),
        )

    def device_group(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {"type": ["type"], "devices": ["device"]})
        devices = [
            str(d["name"]) for d in values.get("device") or []
            if isinstance(d, Mapping) and isinstance(d.get("name"), str)
        ]
        self.parts.add(
            "device_groups",
            DeviceGroup(**common, type=_text(values, "type") or "sync-only",
                        devices=tuple(devices)),
        )
        self.parts.stated_kinds.add("device_groups")

    # -- profiles --------------------------------------------------------------------------

    def profile(self, resource: TfResource, name: str) -> None:
        kind, root, table, family = _PROFILE_TYPES[resource.type]
        values = resource.values
        common = self.common(resource, name, {})
        settings: dict[str, str] = {}
        unknown_settings: list[str] = []
        for attr, tmsh in table:
            if attr in resource.hidden:
                # Unset (not in the configuration) means inherited from the parent.
                if self.is_set(resource, attr):
                    unknown_settings.append(tmsh)
            elif (text := _setting(values.get(attr))) is not None:
                settings[tmsh] = text
        parent = _text(values, "defaults_from")
        unknown: set[str] = set()
        if parent is None and "defaults_from" in resource.hidden and self.is_set(
            resource, "defaults_from"
        ):
            unknown |= {"defaults_from", "effective"}
        if unknown_settings:
            unknown |= {"settings", "effective"}
        if kind in ("fastl4", "tcp"):
            # The provider cannot set reset-on-timeout: whatever the device has applies.
            unknown.add("effective.reset-on-timeout")
        common["unknown"] = frozenset(unknown)
        cls = Persistence if family == "persistence" else Profile
        self.parts.add(
            family,
            cls(**common, kind=kind, defaults_from=full_name(parent) if parent else root,
                settings=settings),
        )

    @staticmethod
    def is_set(resource: TfResource, attr: str) -> bool:
        """Whether a hidden attribute has a value of its own (else it is inherited): an
        invalid one has, an unknown one when the configuration sets it (or cannot tell)."""
        return (attr in resource.invalid or resource.configured is None
                or attr in resource.configured)

    def finish_profiles(self) -> None:
        """Effective settings, once every profile of the document is known (parents first
        or not)."""
        for family in ("profiles", "persistence"):
            items = self.parts.get(family)
            for key, obj in list(items.items()):
                if not isinstance(obj, Profile | Persistence) or obj.source.resource is None:
                    continue
                effective = effective_settings(obj.kind, obj.settings, obj.defaults_from,
                                               self.parts)
                if "effective.reset-on-timeout" in obj.unknown:
                    effective.pop("reset-on-timeout", None)
                items[key] = replace(obj, effective=effective)

    # -- pools -----------------------------------------------------------------------------

    def pool(self, resource: TfResource, name: str) -> None:
        values = resource.values
        common = self.common(resource, name, {
            "load_balancing_mode": ["load_balancing_mode"], "monitors": ["monitors"],
            "min_active_members": ["minimum_active_members"],
        })
        monitors: list[str] = []
        for text in _strings(values, "monitors"):
            monitors.extend(_monitor_names(text, common["partition"]))
        self.parts.add(
            "pools",
            Pool(
                **common,
                load_balancing_mode=_text(values, "load_balancing_mode") or "round-robin",
                monitors=tuple(monitors),
                min_active_members=_number(values, "minimum_active_members") or 0,
            ),
        )

    def attach(self, resource: TfResource) -> None:
        """Add one ``bigip_ltm_pool_attachment`` member to its pool."""
        pools = self.parts.get("pools")
        hidden = resource.hidden
        pool_text = _text(resource.values, "pool")
        if pool_text is None:
            # Which pool gains the member cannot be told: every pool's members are unknown.
            for name, other in list(pools.items()):
                pools[name] = with_unknown(other, ["members"])
            return
        pool_name = full_name(pool_text)
        pool = pools.get(pool_name)
        if not isinstance(pool, Pool):
            self.parts.note("note", "TF-POOL-OUTSIDE",
                            f"{resource.address}: pool {pool_name} is not in this input",
                            self.source(resource))
            return
        node_text = _text(resource.values, "node")
        if node_text is None or hidden & {"node", "state"}:
            pools[pool_name] = with_unknown(pool, ["members"])
            return
        member, known = self.member(resource, node_text, pool.partition)
        updated: BigIpObject = replace(pool, members=(*pool.members, member))
        if not known:
            updated = with_unknown(updated, ["members"])
        pools[pool_name] = updated

    def member(self, resource: TfResource, text: str, partition: str) -> tuple[PoolMember, bool]:
        """A member from the four ``node`` forms; False when its address cannot be known."""
        enabled = _text(resource.values, "state") in (None, "enabled")
        if text.startswith("/"):
            # Reference form `/Common/<node name>:443`: the address is the node's.
            node_name, _, port_text = text.rpartition(":")
            port = int(port_text) if port_text.isdigit() else None
            node = self.parts.get("nodes").get(node_name)
            if isinstance(node, Node):
                known = "address" not in node.unknown
                return PoolMember(text, node.address, port, enabled, resource.line), known
            # Created elsewhere: only a name that is an IP tells the address.
            address = parse_or_none(strip_folder(node_name), self.rd(partition_of(node_name)))
            return PoolMember(text, address, port, enabled, resource.line), address is not None
        name = f"/{partition}/{text}"
        source = self.source(resource)
        try:
            address, port = parse_endpoint(text, self.rd(partition))
        except ValueError:
            # FQDN form `host.example.com:443`: an FQDN node, resolved on the device.
            host, _, port_text = text.rpartition(":")
            self._implicit_node(f"/{partition}/{host}", None, source)
            port = int(port_text) if port_text.isdigit() else None
            return PoolMember(name, None, port, enabled, resource.line), True
        node_text = text.rsplit(".", 1)[0] if address.ip.version == 6 else text.rsplit(":", 1)[0]
        self._implicit_node(f"/{partition}/{node_text}", address, source)
        return PoolMember(name, address, port, enabled, resource.line), True

    def _implicit_node(self, name: str, address: Address | None, source: Source) -> None:
        """The node the provider creates for a direct-form attachment."""
        if name not in self.parts.get("nodes"):
            self.parts.add("nodes", Node(name=name, source=source, partition=partition_of(name),
                                         address=address))

    def mark_changed_pools(self) -> None:
        """A pool the plan leaves alone still changes when its attachments do."""
        touched = {
            full_name(_text(r.values, "pool") or "") for r in self.attachments
            if r.change in _CHANGED
        } | {
            full_name(_text(before, "pool") or "") for kind, before in self.document.deleted
            if kind == "bigip_ltm_pool_attachment"
        }
        pools = self.parts.get("pools")
        for name in touched & set(pools):
            pool = pools[name]
            if pool.source.change == "no-op":
                pools[name] = replace(pool, source=replace(pool.source, change="update"))

    # -- virtual servers -------------------------------------------------------------------

    def virtual_server(self, resource: TfResource, name: str) -> None:
        values = resource.values
        hidden = resource.hidden
        common = self.common(resource, name, _VS_FIELDS)
        unknown: set[str] = set(common["unknown"])
        rd = self.rd(common["partition"])
        destination: Address | None = None
        if text := _text(values, "destination"):
            destination = parse_or_none(strip_folder(text), rd)
            if destination is None:
                self.warn(resource, f"cannot read destination {text!r}")
        mask: int | None = None
        network: Network | None = None
        source_network: Network | None = None
        if destination is not None:
            version = destination.ip.version
            try:
                mask = parse_mask(_text(values, "mask"), version)
                network = Network(destination.route_domain, _ip_network(destination, mask))
            except ValueError:
                self.warn(resource, f"cannot read mask {values.get('mask')!r}")
            try:
                source_network = parse_network(
                    _text(values, "source") or ("::/0" if version == 6 else "0.0.0.0/0"),
                    destination.route_domain,
                )
            except ValueError:
                self.warn(resource, f"cannot read source {values.get('source')!r}")
        if "mask" in unknown:
            mask = network = None
        if "source_network" in unknown:
            source_network = None
        port = values.get("port")
        snat_type, snat_pool = self._snat(resource)
        if snat_type not in ("snat",) and "source_address_translation" not in hidden:
            unknown.discard("snat_pool")
        vlans = tuple(full_name(v) for v in _strings(values, "vlans"))
        # vlans_enabled defaults to false, which disables the virtual ON the listed VLANs.
        mode: VlansMode = (
            "enabled" if values.get("vlans_enabled") is True
            else "disabled" if vlans else "all"
        )
        profiles = [
            ProfileRef(full_name(p), context)
            for key, context in _PROFILE_BUCKETS
            for p in _strings(values, key)
        ]
        pool = _text(values, "pool")
        translate_address = _text(values, "translate_address") != "disabled"
        vtype: VirtualType = "standard"
        if any(builtin_kind(p.name, self.parts) == "fastl4" for p in profiles):
            vtype = "performance-l4"
        if pool is None and not translate_address and "pool" not in hidden:
            # Shaped like a forwarding virtual, which the provider cannot create: whether it
            # is one (made so out of band) cannot be told.
            unknown.add("type")
        persist_names = [full_name(p) for p in _strings(values, "persistence_profiles")]
        if ("default_persistence_profile" in hidden and "persistence_profiles" not in hidden
                and len(persist_names) <= 1
                and not self.is_set(resource, "default_persistence_profile")):
            # Unset, so unknown in the plan; but the only persistence profile is the default
            # (the device makes it so, and Read reports it): nothing about `persist` is unknown.
            unknown.discard("persist")
        default = _text(values, "default_persistence_profile")
        default_name = full_name(default) if default else persist_names[0] if persist_names else ""
        fallback = _text(values, "fallback_persistence_profile")
        self.parts.add(
            "virtual_servers",
            VirtualServer(
                **{**common, "unknown": frozenset(unknown)},
                destination=destination,
                port=port if isinstance(port, int) and not isinstance(port, bool) else None,
                mask=mask,
                destination_network=network,
                source_network=source_network,
                ip_protocol=_text(values, "ip_protocol") or "tcp",
                type=vtype,
                snat_type=snat_type,
                snat_pool=snat_pool,
                vlans=vlans,
                vlans_mode=mode,
                profiles=tuple(profiles),
                persist=tuple(PersistRef(p, p == default_name) for p in persist_names),
                fallback_persistence=full_name(fallback) if fallback else None,
                pool=full_name(pool) if pool else None,
                rules=tuple(full_name(r) for r in _strings(values, "irules")),
                policies=tuple(full_name(p) for p in _strings(values, "policies")),
                translate_address=translate_address,
                translate_port=_text(values, "translate_port") != "disabled",
                enabled=_text(values, "state") != "disabled",
            ),
        )

    def _snat(self, resource: TfResource) -> tuple[SnatType, str | None]:
        text = _text(resource.values, "source_address_translation")
        if text is None:
            return "none", None  # unset after apply: no SNAT (unknown in a plan: see _VS_FIELDS)
        if text not in ("none", "automap", "snat", "lsn"):
            self.warn(resource, f"unknown source_address_translation {text!r}")
            return "none", None
        pool = _text(resource.values, "snatpool")
        return text, full_name(pool) if pool and text in ("snat", "lsn") else None  # type: ignore[return-value]

    # -- declarations embedded in resources ------------------------------------------------

    def embedded(
        self, resource: TfResource, key: str, collections: frozenset[str],
        reader: Callable[[Json, Origin, Parts], None],
    ) -> None:
        """The objects of the JSON declaration in attribute ``key`` (``as3_json``,
        ``do_json``) read with ``reader``; when it is known only after apply, or cannot be
        read, the collections it fills are unknown."""
        if resource.invalid & {key, "tenant_name"}:
            self.parts.unreadable_kinds |= collections  # the warning came from checked()
            return
        if key in resource.hidden:
            self.parts.unknown_kinds |= collections
            self.parts.note(
                "warning", "TF-UNKNOWN-DECLARATION",
                f"{resource.address}: {key} is known only after apply, so the objects it "
                "declares are unknown", self.source(resource))
            return

        def read(declaration: Json, change: PlanChange | None) -> Parts:
            found = Parts()
            reader(declaration, Origin(self.document.path, line=resource.line,
                                       resource=resource.address, change=change), found)
            return found

        document = _json_attribute(resource.values, key)
        try:
            if document is None:
                raise InputError("not a JSON object")
            after = read(document, resource.change)
        except InputError as err:
            self.parts.unreadable_kinds |= collections
            self.parts.note(
                "warning", "TF-BAD-DECLARATION",
                f"{resource.address}: {key}: {err.message}: the objects it declares are "
                "unknown", self.source(resource))
            return
        before = _json_attribute(resource.before or {}, key)
        try:
            previous = read(before, "no-op") if before is not None else None
        except InputError:
            previous = None  # every object counts as changed
        self._overlay(after, previous)
        self.parts.stated_kinds |= collections

    def as3(self, resource: TfResource) -> None:
        from .as3 import read_as3

        tenant = _text(resource.values, "tenant_name")
        self.embedded(resource, "as3_json", AS3_COLLECTIONS,
                      lambda doc, origin, parts: read_as3(doc, origin, parts, tenant=tenant))

    def do(self, resource: TfResource) -> None:
        from .do import read_do

        self.embedded(resource, "do_json", DO_COLLECTIONS, read_do)

    def _overlay(self, after: Parts, before: Parts | None) -> None:
        """Add a declaration's objects. On an update, objects equal before and after are
        unchanged (``no-op``), so --changed-only reports only what the update touches. An
        object a ``bigip_*`` resource already defines keeps that definition (both would
        manage it on the device: a warning)."""
        for collection, items in after.objects.items():
            old_items = before.get(collection) if before is not None else {}
            mine = self.parts.get(collection)
            for key, obj in list(items.items()):
                old = old_items.get(key)
                if old is not None and _same(old, obj):
                    obj = replace(obj, source=replace(obj.source, change="no-op"))
                present = mine.get(key)
                if present is None:
                    mine[key] = obj
                elif present.source.resource != obj.source.resource:
                    self.parts.note(
                        "warning", "TF-DUPLICATE",
                        f"{key} is defined by both {present.source.resource} and "
                        f"{obj.source.resource}; the first is used", obj.source)
        self.parts.diagnostics.extend(after.diagnostics)

    def command(self, resource: TfResource) -> None:
        """``bigip_command``: tmsh ``create`` commands are read with the tmsh reader; others
        (``modify``, ``delete``...) cannot be applied and are reported."""
        from .tmsh import parse_text
        from .tmsh_model import TmshInput, build_device

        if _text(resource.values, "when") == "destroy":
            return
        if "commands" in resource.invalid:
            return  # said by checked()
        if "commands" in resource.hidden:
            self.parts.note("warning", "TF-UNKNOWN-COMMAND",
                            f"{resource.address}: commands known only after apply",
                            self.source(resource))
            return
        creates: list[str] = []
        for command in _strings(resource.values, "commands"):
            words = command.strip().removeprefix("tmsh ").strip()
            config = _command_config(words) if words.startswith("create ") else None
            if config is not None:
                creates.append(config)
            else:
                self.parts.note("note", "TF-COMMAND-SKIPPED",
                                f"{resource.address}: command not interpreted: "
                                f"{words.split(' ', 3)[:3]}", self.source(resource))
        if not creates:
            return
        try:
            parsed = parse_text("\n".join(creates) + "\n", self.document.path)
        except InputError as err:
            self.parts.note("warning", "TF-COMMAND-SKIPPED",
                            f"{resource.address}: commands not read: {err.message}",
                            self.source(resource))
            return
        device, _ = build_device([TmshInput(parsed)], "bigip_command")
        source = self.source(resource)
        for collection, items in device.collections():
            for obj in items.values():
                if isinstance(obj, BigIpObject) and obj.source != NO_SOURCE:
                    self.parts.add(collection, replace(obj, source=source, property_lines={}))
                    self.parts.stated_kinds.add(collection)
                    if collection == "virtual_servers" and isinstance(obj, VirtualServer) and (
                        obj.type in ("ip-forward", "l2-forward", "reject")
                    ):
                        self.parts.stated_kinds.add(FORWARDING_VIRTUALS)


# Words that stand alone in a tmsh command (no value follows them).
_COMMAND_FLAGS: Final = frozenset({
    "vlans-enabled", "vlans-disabled", "ip-forward", "l2-forward", "reject", "internal",
    "stateless", "dhcp-relay", "enabled", "disabled", "automap",
})


def _command_config(command: str) -> str | None:
    """``create ltm nat /Common/n originating-address 10.1.1.1 vlans add { ext }`` as the
    configuration text the tmsh reader reads (``ltm nat /Common/n { ... }``)."""
    words = command.split()[1:]
    size = 3 if len(words) > 1 and words[1] in ("profile", "monitor", "persistence") else 2
    if len(words) <= size:
        return None
    header, name, rest = words[:size], words[size], words[size + 1:]
    if rest[:1] == ["{"] and rest[-1:] == ["}"]:
        rest = rest[1:-1]
    lines: list[str] = []
    index = 0
    while index < len(rest):
        key = rest[index]
        following = rest[index + 1:]
        if following[:1] in (["add"], ["replace-all-with"]):
            following = following[1:]
            index += 1
        if following[:1] == ["{"]:
            end = following.index("}") if "}" in following else len(following)
            lines.append(f"    {key} {{ {' '.join(following[1:end])} }}")
            index += end + 2
        elif key in _COMMAND_FLAGS or not following:
            lines.append(f"    {key}")
            index += 1
        else:
            lines.append(f"    {key} {following[0]}")
            index += 2
    return f"{' '.join(header)} {name} {{\n" + "\n".join(lines) + "\n}"


def _same(old: BigIpObject, new: BigIpObject) -> bool:
    return to_jsonable(replace(old, source=NO_SOURCE)) == to_jsonable(
        replace(new, source=NO_SOURCE)
    )


def _json_attribute(values: Json, key: str) -> Json | None:
    text = _text(values, key)
    if text is None:
        return None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, Mapping) else None


def _ip_network(address: Address, mask: int) -> IPNetwork:
    return ipaddress.ip_network(f"{address.ip}/{mask}", strict=False)


def _monitor_names(text: str | None, partition: str) -> tuple[str, ...]:
    """``/Common/a and /Common/b`` (or a ``min 1 of { ... }`` rule) -> monitor names."""
    if text is None:
        return ()
    return tuple(
        full_name(w, partition) for w in text.split()
        if w not in _MONITOR_GLUE and not w.isdigit()
    )


def _iapp_variables(value: object) -> dict[str, str]:
    """iApp variables by name; encrypted ones keep their name but never their value."""
    variables: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            secret = str(item.get("encrypted", "no")).lower() in ("yes", "true")
            variables[str(item["name"])] = "" if secret else str(item.get("value", ""))
    return variables


def _iapp_tables(value: object) -> dict[str, tuple[Mapping[str, str], ...]]:
    tables: dict[str, tuple[Mapping[str, str], ...]] = {}
    for table in value if isinstance(value, list) else []:
        if not isinstance(table, Mapping) or not isinstance(table.get("name"), str):
            continue
        columns = [str(c) for c in table.get("columnNames") or table.get("column_names") or []]
        rows: list[Mapping[str, str]] = []
        for row in table.get("rows") or []:
            cells = row.get("row") if isinstance(row, Mapping) else row
            if isinstance(cells, list):
                rows.append(dict(zip(columns, (str(c) for c in cells), strict=False)))
        tables[str(table["name"])] = tuple(rows)
    return tables


_VS_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "destination": ("destination",),
    "port": ("port",),
    "mask": ("destination", "mask"),
    "destination_network": ("destination", "mask"),
    "source_network": ("destination", "source"),
    "ip_protocol": ("ip_protocol",),
    "snat_type": ("source_address_translation",),
    "snat_pool": ("source_address_translation", "snatpool"),
    "vlans": ("vlans", "vlans_enabled"),
    "vlans_mode": ("vlans", "vlans_enabled"),
    "profiles": ("profiles", "client_profiles", "server_profiles"),
    "type": ("profiles", "client_profiles", "server_profiles", "pool", "translate_address"),
    "persist": ("persistence_profiles", "default_persistence_profile"),
    "fallback_persistence": ("fallback_persistence_profile",),
    "pool": ("pool",),
    "rules": ("irules",),
    "policies": ("policies",),
    "translate_address": ("translate_address",),
    "translate_port": ("translate_port",),
    "enabled": ("state",),
}
_PROFILE_BUCKETS: Final[tuple[tuple[str, ProfileContext], ...]] = (
    ("profiles", "all"),
    ("client_profiles", "clientside"),
    ("server_profiles", "serverside"),
)
_MONITOR_SETTINGS: Final = (
    ("interval", "interval"),
    ("timeout", "timeout"),
    ("send", "send"),
    ("receive", "recv"),
    ("receive_disable", "recv-disable"),
    ("time_until_up", "time-until-up"),
    ("up_interval", "up-interval"),
    ("manual_resume", "manual-resume"),
    ("reverse", "reverse"),
    ("transparent", "transparent"),
    ("adaptive", "adaptive"),
    ("ip_dscp", "ip-dscp"),
)
Table = tuple[tuple[str, str], ...]
_FASTL4: Final[Table] = (
    ("idle_timeout", "idle-timeout"),
    ("loose_initiation", "loose-initialization"),  # sic: the provider's spelling
    ("loose_close", "loose-close"),
    ("tcp_handshake_timeout", "tcp-handshake-timeout"),
    ("client_timeout", "client-timeout"),
    ("keepalive_interval", "keep-alive-interval"),
    ("late_binding", "late-binding"),
    ("explicitflow_migration", "explicit-flow-migration"),
    ("hardware_syncookie", "hardware-syn-cookie"),
    ("iptos_toclient", "ip-tos-to-client"),
    ("iptos_toserver", "ip-tos-to-server"),
    ("receive_windowsize", "receive-window-size"),
)
_TCP: Final[Table] = (
    ("idle_timeout", "idle-timeout"),
    ("close_wait_timeout", "close-wait-timeout"),
    ("finwait_timeout", "fin-wait-timeout"),
    ("finwait_2timeout", "fin-wait-2-timeout"),
    ("keepalive_interval", "keep-alive-interval"),
    ("congestion_control", "congestion-control"),
    ("nagle", "nagle"),
    ("delayed_acks", "delayed-acks"),
    ("early_retransmit", "early-retransmit"),
    ("tailloss_probe", "tail-loss-probe"),
    ("timewait_recycle", "time-wait-recycle"),
    ("proxybuffer_high", "proxy-buffer-high"),
    ("receive_windowsize", "receive-window-size"),
    ("send_buffersize", "send-buffer-size"),
    ("zerowindow_timeout", "zero-window-timeout"),
    ("initial_congestion_windowsize", "init-cwnd"),
    ("deferred_accept", "deferred-accept"),
    ("fast_open", "fast-open"),
    ("verified_accept", "verified-accept"),
)
_ADDR_PERSISTENCE: Final[Table] = (
    ("timeout", "timeout"),
    ("mask", "mask"),
    ("hash_algorithm", "hash-algorithm"),
    ("map_proxies", "map-proxies"),
    ("match_across_pools", "match-across-pools"),
    ("match_across_services", "match-across-services"),
    ("match_across_virtuals", "match-across-virtuals"),
    ("mirror", "mirror"),
    ("override_conn_limit", "override-connection-limit"),
)
# type -> (tmsh kind, parent when unset, settings, family)
_PROFILE_TYPES: Final[dict[str, tuple[str, str, Table, str]]] = {
    "bigip_ltm_profile_fastl4": ("fastl4", "/Common/fastL4", _FASTL4, "profiles"),
    "bigip_ltm_profile_tcp": ("tcp", "/Common/tcp", _TCP, "profiles"),
    "bigip_ltm_profile_http": ("http", "/Common/http", (), "profiles"),
    "bigip_ltm_profile_client_ssl": ("client-ssl", "/Common/clientssl", (), "profiles"),
    "bigip_ltm_profile_server_ssl": ("server-ssl", "/Common/serverssl", (), "profiles"),
    "bigip_ltm_persistence_profile_srcaddr": (
        "source-addr", "/Common/source_addr", _ADDR_PERSISTENCE, "persistence"),
    "bigip_ltm_persistence_profile_dstaddr": (
        "dest-addr", "/Common/dest_addr", _ADDR_PERSISTENCE, "persistence"),
}
_READERS: Final[dict[str, Callable[[_Mapper, TfResource, str], None]]] = {
    "bigip_net_vlan": _Mapper.vlan,
    "bigip_net_selfip": _Mapper.self_ip,
    "bigip_net_route": _Mapper.route,
    "bigip_cm_devicegroup": _Mapper.device_group,
    **{kind: _Mapper.profile for kind in _PROFILE_TYPES},
    "bigip_ltm_node": _Mapper.node,
    "bigip_ltm_monitor": _Mapper.monitor,
    "bigip_ltm_snatpool": _Mapper.snatpool,
    "bigip_ltm_snat": _Mapper.snat,
    "bigip_ltm_virtual_address": _Mapper.virtual_address,
    "bigip_ltm_irule": _Mapper.irule,
    "bigip_sys_iapp": _Mapper.iapp,
    "bigip_ltm_pool": _Mapper.pool,
}
_COLLECTION_OF: Final = {
    "bigip_net_vlan": "vlans",
    "bigip_net_selfip": "self_ips",
    "bigip_net_route": "routes",
    "bigip_cm_devicegroup": "device_groups",
    **{kind: family for kind, (_, _, _, family) in _PROFILE_TYPES.items()},
    "bigip_ltm_node": "nodes",
    "bigip_ltm_monitor": "monitors",
    "bigip_ltm_snatpool": "snat_pools",
    "bigip_ltm_snat": "snats",
    "bigip_ltm_virtual_address": "virtual_addresses",
    "bigip_ltm_irule": "irules",
    "bigip_sys_iapp": "application_services",
    "bigip_ltm_pool": "pools",
    "bigip_ltm_virtual_server": "virtual_servers",
}
# Read in this order (nodes before attachments are joined, profiles before virtuals); these
# are read by the driver itself, after pools and profiles are complete.
_LATE: Final = frozenset({
    "bigip_partition", "bigip_ltm_pool_attachment", "bigip_ltm_virtual_server", "bigip_as3",
    "bigip_do", "bigip_command",
})
_STRINGS: Final = ListOf("string")
# What an iApp template creates on the device, which no resource of the plan shows.
_IAPP_BUILDS: Final = frozenset(
    {"virtual_servers", "pools", "profiles", "persistence", "monitors", "virtual_addresses"}
)
# The iApp service a `bigip_sys_iapp` jsonfile describes (the parts read).
_IAPP_BODY: Final = ObjectOf({
    "template": "string",
    "variables": ListOf(ObjectOf({"name": "string", "value": "scalar", "encrypted": "scalar"})),
    "tables": ListOf(ObjectOf({
        "name": "string", "columnNames": _STRINGS, "column_names": _STRINGS,
        "rows": ListOf(AnyOf((ListOf("scalar"), ObjectOf({"row": ListOf("scalar")})))),
    })),
})
# Every kind a plan or state can state (a resource that cannot be read at all may be any).
_ALL_KINDS: Final = frozenset(
    {"partitions", *_COLLECTION_OF.values(), *AS3_COLLECTIONS, *DO_COLLECTIONS}
)


def _kinds_of(resource_type: str) -> frozenset[str]:
    """The kinds of object a resource of ``resource_type`` can make ("" for any)."""
    if resource_type in ("", "bigip_command"):
        return _ALL_KINDS
    if resource_type == "bigip_as3":
        return AS3_COLLECTIONS
    if resource_type == "bigip_do":
        return DO_COLLECTIONS
    if resource_type == "bigip_partition":
        return frozenset({"partitions"})
    collection = _COLLECTION_OF.get(resource_type)
    return frozenset({collection}) if collection else frozenset()


# The shapes of the attributes read, by resource type (provider v1.28 schema). `null` is
# always "not set"; a value of another shape is a warning and the fields it feeds are unknown.
_PROVIDER_SHAPES: Final[dict[str, dict[str, Shape]]] = {
    "bigip_partition": {"route_domain_id": "number"},
    "bigip_net_vlan": {
        "tag": "number",
        "interfaces": ListOf(ObjectOf({"vlanport": "string", "tagged": "boolean"})),
    },
    "bigip_net_selfip": {"ip": "string", "vlan": "string", "traffic_group": "string",
                         "port_lockdown": _STRINGS},
    "bigip_net_route": {"network": "string", "gw": "string", "tunnel_ref": "string"},
    "bigip_cm_devicegroup": {"type": "string", "device": ListOf(ObjectOf({"name": "string"}))},
    **{
        kind: {"defaults_from": "string", **{attr: "scalar" for attr, _ in table}}
        for kind, (_, _, table, _) in _PROFILE_TYPES.items()
    },
    "bigip_ltm_node": {"address": "string", "monitor": "string",
                       "fqdn": ListOf(ObjectOf({"name": "string"}))},
    "bigip_ltm_monitor": {"parent": "string", "custom_parent": "string",
                          "destination": "string",
                          **{attr: "scalar" for attr, _ in _MONITOR_SETTINGS}},
    "bigip_ltm_snatpool": {"members": _STRINGS},
    "bigip_ltm_snat": {"origins": ListOf(ObjectOf({"name": "string"})), "vlans": _STRINGS,
                       "vlansdisabled": "boolean", "snatpool": "string",
                       "translation": "string"},
    "bigip_ltm_virtual_address": {"arp": "boolean", "enabled": "boolean",
                                  "traffic_group": "string"},
    "bigip_ltm_irule": {"irule": "string"},
    "bigip_sys_iapp": {"partition": "string", "jsonfile": "string", "template": "string"},
    "bigip_ltm_pool": {"load_balancing_mode": "string", "monitors": _STRINGS,
                       "minimum_active_members": "number"},
    "bigip_ltm_pool_attachment": {"pool": "string", "node": "string", "state": "string"},
    "bigip_ltm_virtual_server": {
        **{attr: "string" for attr in (
            "destination", "mask", "source", "ip_protocol", "source_address_translation",
            "snatpool", "pool", "translate_address", "translate_port", "state",
            "default_persistence_profile", "fallback_persistence_profile")},
        **{attr: _STRINGS for attr in (
            "vlans", "profiles", "client_profiles", "server_profiles",
            "persistence_profiles", "irules", "policies")},
        "port": "number",
        "vlans_enabled": "boolean",
    },
    "bigip_as3": {"as3_json": "string", "tenant_name": "string"},
    "bigip_do": {"do_json": "string"},
    "bigip_command": {"commands": _STRINGS, "when": "string"},
}
_ATTRIBUTE_SHAPES: Final[dict[str, dict[str, Shape]]] = {
    kind: {"name": "string", "description": "string", **shapes}
    for kind, shapes in _PROVIDER_SHAPES.items()
}


# -- the .tf source of a resource (for --tf-source) ---------------------------------------------

_RESOURCE_BLOCK: Final = re.compile(r'^[ \t]*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{', re.M)


def tf_block_index(directory: str) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """Where each ``resource "type" "name" {`` block is, in the ``.tf`` files under
    ``directory`` (hidden folders such as ``.terraform`` left out): (type, name) -> [(file,
    line)]. Module sources are usually folders below the root, so they are found too."""
    index: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(f for f in files if f.endswith(".tf")):
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            for match in _RESOURCE_BLOCK.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                index.setdefault((match.group(1), match.group(2)), []).append((path, line))
    return index


def locate_block(
    index: Mapping[tuple[str, str], Sequence[tuple[str, int]]], directory: str, address: str
) -> tuple[str, int] | None:
    """The ``.tf`` file and line of the block of resource ``address``
    (``module.edge["dc1"].bigip_ltm_virtual_server.av[0]``), or None when not found or
    ambiguous. A root-module resource prefers a block in ``directory`` itself, a module's
    resource one in a folder below it."""
    parts = _INDEX.sub("", address).split(".")
    if len(parts) < 2:
        return None
    in_module = parts[0] == "module"
    candidates = list(index.get((parts[-2], parts[-1]), ()))
    if len(candidates) > 1:
        root = os.path.abspath(directory)
        candidates = [
            c for c in candidates
            if (os.path.dirname(os.path.abspath(c[0])) == root) != in_module
        ]
    return candidates[0] if len(candidates) == 1 else None


def relocate_device(
    device: Device, directory: str,
    index: Mapping[tuple[str, str], Sequence[tuple[str, int]]] | None = None,
) -> Device:
    """``--tf-source DIR``: point every object of a device read from a Terraform plan or state
    at the ``.tf`` block of its resource (file and line), so SARIF and GitHub annotations land
    on the code under review. The resource address and the plan change are kept; the plan or
    state file stays named by the device (each Terraform input is a device of its own, named
    after the file, and the report's inputs give its path). Objects whose block is not found
    (or is ambiguous) keep the plan location. ``index`` is :func:`tf_block_index` of
    ``directory`` (made here when not given)."""
    blocks = tf_block_index(directory) if index is None else index
    found: dict[str, tuple[str, int] | None] = {}
    changes: dict[str, Any] = {}
    for collection, items in device.collections():
        updated: dict[str, Any] = {}
        for key, obj in items.items():
            address = obj.source.resource
            if address is not None and address not in found:
                found[address] = locate_block(blocks, directory, address)
            where = found.get(address) if address is not None else None
            if where is None:
                updated[key] = obj
                continue
            path, line = where
            updated[key] = replace(obj, source=replace(obj.source, file=path, line=line,
                                                       end_line=line))
        changes[collection] = updated
    return replace(device, **changes)
