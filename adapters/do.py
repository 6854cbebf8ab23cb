"""Declarative Onboarding (DO, schema 1.45) declarations to the normalized model.

DO builds the network AS3 cannot: VLANs, self IPs, routes and route domains, all in
``/Common`` (routes with ``localOnly: true`` go to ``/LOCAL_ONLY``). Reads a standalone
declaration (``{"class": "Device", "Common": {...}}``, or wrapped as
``{"class": "DO", "declaration": {...}}``) and the ``do_json`` of a Terraform ``bigip_do``.

Defaults that matter: a self IP is ``traffic-group-local-only`` (not floating) and allows no
service (DO 1.36 and later); a route's ``network`` defaults to ``default``.

Like AS3, DO rejects a declaration with a value of the wrong shape, so lyncpolicy does too
(:class:`InputError` with the JSON path, ``Common.external.interfaces``); ``null`` is "not set".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from lyncpolicy.addresses import parse_network
from lyncpolicy.model import Route, RouteDomain, SelfIp, Source, Vlan

from .declarative import (
    DO_CANNOT_EXPRESS,
    DO_COLLECTIONS,
    AnyOf,
    JsonPlace,
    Key,
    ListOf,
    ObjectOf,
    Origin,
    Parts,
    address_and_network,
    declaration_of,
    full_name,
    open_declaration,
    parse_or_none,
)

Json = Mapping[str, Any]


def read_do_file(path: str) -> Parts:
    """Read a standalone DO declaration file. Raises :class:`InputError` when it is not one."""
    document, origin, parts = open_declaration(
        path, "Device", "a Declarative Onboarding declaration",
        'expected {"class": "Device", "Common": {...}} or {"class": "DO", ...}',
        DO_CANNOT_EXPRESS, DO_COLLECTIONS,
    )
    read_do(document, origin, parts)
    return parts


_HINT: Final = ("DO rejects such a declaration too: fix it, the DO schema reference gives each "
                "property's type")


def read_do(document: Json, origin: Origin, parts: Parts) -> None:
    """Add the network objects of a DO declaration to ``parts``. Raises :class:`InputError`
    for a value of the wrong shape."""
    declaration = declaration_of(document, "Device")
    wrapped = declaration is not None and declaration is not document
    keys: tuple[Key, ...] = ("declaration",) if wrapped else ()
    place = JsonPlace(origin.file, keys, origin.source().line, _HINT)
    common = place.get(declaration or document, "Common", ObjectOf())
    if common is None:
        parts.note("note", "DO-NO-COMMON", "DO declaration without a Common tenant",
                   origin.source())
        return
    for name, body in common.items():
        if not isinstance(body, Mapping):
            continue
        source = origin.source("Common", str(name))
        here = place.at("Common", name, line=source.line)
        cls = here.get(body, "class", "string")
        if cls in _READERS:
            here.check(body, _SHAPES[cls])
            _READERS[cls](str(name), {k: v for k, v in body.items() if v is not None},
                          source, parts)


def _vlan(name: str, body: Json, source: Source, parts: Parts) -> None:
    tag = body.get("tag")
    interfaces = [
        str(i["name"]) for i in body.get("interfaces") or []
        if isinstance(i, Mapping) and isinstance(i.get("name"), str)
    ]
    parts.add(
        "vlans",
        Vlan(name=full_name(name), source=source,
             tag=tag if isinstance(tag, int) and not isinstance(tag, bool) else None,
             interfaces=tuple(interfaces)),
    )


def _allow_service(value: object) -> tuple[str, ...]:
    """DO ``allowService``: ``"none"`` (the default since DO 1.36) is the empty tuple, like
    tmsh's ``allow-service none``."""
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, str) and value != "none":
        return (value,)
    return ()


def _self_ip(name: str, body: Json, source: Source, parts: Parts) -> None:
    text = body.get("address")
    address, network = address_and_network(text, 0) if isinstance(text, str) else (None, None)
    vlan = body.get("vlan")
    group = body.get("trafficGroup", "traffic-group-local-only")
    parts.add(
        "self_ips",
        SelfIp(
            name=full_name(name),
            source=source,
            address=address,
            network=network,
            vlan=full_name(vlan) if isinstance(vlan, str) else None,
            traffic_group=full_name(str(group)),
            allow_service=_allow_service(body.get("allowService", "none")),
        ),
    )


def _route(name: str, body: Json, source: Source, parts: Parts) -> None:
    partition = "LOCAL_ONLY" if body.get("localOnly") is True else "Common"
    text = body.get("network", "default")
    try:
        network = parse_network(str(text), 0)
    except ValueError:
        network = None
        parts.note("warning", "DO-BAD-VALUE", f"cannot read route network {text!r}", source)
    gw = body.get("gw")
    target = body.get("target")
    parts.add(
        "routes",
        Route(
            name=f"/{partition}/{name}",
            source=source,
            partition=partition,
            network=network,
            gateway=parse_or_none(gw, 0) if isinstance(gw, str) else None,
            interface=full_name(target) if isinstance(target, str) else None,
        ),
    )


def _route_domain(name: str, body: Json, source: Source, parts: Parts) -> None:
    rd_id = body.get("id")
    parent = body.get("parent")
    parts.add(
        "route_domains",
        RouteDomain(
            name=full_name(name),
            source=source,
            id=rd_id if isinstance(rd_id, int) and not isinstance(rd_id, bool) else 0,
            vlans=tuple(full_name(str(v)) for v in body.get("vlans") or []),
            parent=full_name(parent) if isinstance(parent, str) else None,
        ),
    )


_SHAPES: Final = {
    "VLAN": ObjectOf({"tag": "integer", "interfaces": ListOf(ObjectOf(
        {"name": "string", "tagged": "boolean"}, needs=("name",),
        label="an interface (an object with a name)"))}),
    "SelfIp": ObjectOf({"address": "string", "vlan": "string", "trafficGroup": "string",
                        "allowService": AnyOf(("string", ListOf("string")))}),
    "Route": ObjectOf({"network": "string", "gw": "string", "target": "string",
                       "localOnly": "boolean"}),
    "RouteDomain": ObjectOf({"id": "integer", "vlans": ListOf("string"), "parent": "string"}),
}
_READERS: Final[dict[str, Callable[[str, Json, Source, Parts], None]]] = {
    "VLAN": _vlan,
    "SelfIp": _self_ip,
    "Route": _route,
    "RouteDomain": _route_domain,
}
