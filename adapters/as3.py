"""AS3 declarations (Application Services 3, schema 3.56) to the normalized model.

Reads a standalone declaration file (``{"class": "AS3", "declaration": {"class": "ADC", ...}}``
or a bare ADC) and the ``as3_json`` of a Terraform ``bigip_as3`` resource. Field names and
defaults follow the AS3 schema and ``map_as3.js``; the defaults that differ from tmsh matter
most and are applied here:

* ``snat`` defaults to ``auto`` (automap) for every service class, Service_Forwarding included;
* ``persistenceMethods`` defaults to ``["source-address"]`` for Service_TCP, _UDP and _L4;
* Service_TCP's TCP profile defaults to ``/Common/f5-tcp-progressive``, Service_L4's to
  ``/Common/fastL4``; a Service_Forwarding with ``forwardingType: ip`` never translates;
* a Pool's ``minimumMembersActive`` defaults to 1; an L4_Profile resets on timeout by default.

A service with ``enable: false`` is not created at all. Every extra entry of
``virtualAddresses`` is one more virtual, named ``<service>-1-``, ``<service>-2-``...

Every object read is first checked against the shape the AS3 schema gives its properties
(``_SHAPES``): AS3 rejects a declaration with a wrong shape, so lyncpolicy does too, with the
JSON path of the value (``declaration.T.A.pool.members``). ``null`` is "not set".
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lyncpolicy.addresses import Address, Network, parse_network, split_route_domain
from lyncpolicy.model import (
    Monitor,
    Node,
    Partition,
    Persistence,
    PersistRef,
    Pool,
    PoolMember,
    Profile,
    ProfileContext,
    ProfileRef,
    Rule,
    SnatPool,
    SnatTranslation,
    SnatType,
    Source,
    VirtualAddress,
    VirtualServer,
    VirtualType,
    VlansMode,
)

from .declarative import (
    AS3_CANNOT_EXPRESS,
    AS3_COLLECTIONS,
    FORWARDING_VIRTUALS,
    Among,
    AnyOf,
    JsonPlace,
    Key,
    ListOf,
    ObjectOf,
    Origin,
    Parts,
    Shape,
    add_referenced_builtins,
    declaration_of,
    effective_settings,
    full_name,
    open_declaration,
    parse_or_none,
)

Json = Mapping[str, Any]

_SERVICE_CLASSES: Final = frozenset(
    {
        "Service_TCP",
        "Service_UDP",
        "Service_L4",
        "Service_Forwarding",
        "Service_Generic",
        "Service_HTTP",
        "Service_HTTPS",
    }
)
_DEFAULT_LAYER4: Final = {
    "Service_UDP": "udp",
    "Service_Forwarding": "any",
    "Service_Generic": "any",
}
_DEFAULT_PORT: Final = {"Service_HTTP": 80, "Service_HTTPS": 443, "Service_Forwarding": 0}
_SOURCE_ADDRESS_PERSISTENCE: Final = frozenset({"Service_TCP", "Service_UDP", "Service_L4"})
_COOKIE_PERSISTENCE: Final = frozenset({"Service_HTTP", "Service_HTTPS"})
# Built-in persistence profiles AS3 names by method.
_PERSIST_METHODS: Final = {
    "source-address": "/Common/source_addr",
    "destination-address": "/Common/dest_addr",
    "tls-session-id": "/Common/ssl",
    "cookie": "/Common/cookie",
    "msrdp": "/Common/msrdp",
    "sip-info": "/Common/sip_info",
    "universal": "/Common/universal",
    "hash": "/Common/hash",
}
_PERSIST_KINDS: Final = {
    "source-address": ("source-addr", "/Common/source_addr"),
    "destination-address": ("dest-addr", "/Common/dest_addr"),
    "cookie": ("cookie", "/Common/cookie"),
    "tls-session-id": ("ssl", "/Common/ssl"),
    "msrdp": ("msrdp", "/Common/msrdp"),
    "sip-info": ("sip", "/Common/sip_info"),
    "universal": ("universal", "/Common/universal"),
    "hash": ("hash", "/Common/hash"),
}
_TCP_BUILTINS: Final = {
    "normal": "/Common/f5-tcp-progressive",
    "lan": "/Common/f5-tcp-lan",
    "wan": "/Common/f5-tcp-wan",
    "mobile": "/Common/f5-tcp-mobile",
}
_MONITOR_BUILTINS: Final = {"tcp-half-open": "/Common/tcp_half_open"}


def _enabled(value: object) -> str:
    return "enabled" if value else "disabled"


def _timeout(value: object) -> str:
    """AS3 timeouts: 0 is ``immediate``, -1 ``indefinite``; strings pass through."""
    if value == 0:
        return "immediate"
    if value == -1:
        return "indefinite"
    return str(value)


# (AS3 property, tmsh setting, AS3 default, conversion): AS3 writes every one of these
# explicitly, with its default when the declaration leaves it out.
Setting = tuple[str, str, object, Callable[[object], str]]
_L4_SETTINGS: Final[tuple[Setting, ...]] = (
    ("idleTimeout", "idle-timeout", 300, _timeout),
    ("looseInitialization", "loose-initialization", False, _enabled),
    ("looseClose", "loose-close", False, _enabled),
    ("resetOnTimeout", "reset-on-timeout", True, _enabled),
    ("tcpHandshakeTimeout", "tcp-handshake-timeout", 5, _timeout),
    ("tcpCloseTimeout", "tcp-close-timeout", 5, _timeout),
    ("clientTimeout", "client-timeout", 30, str),
    ("keepAliveInterval", "keep-alive-interval", 0, str),
    ("maxSegmentSize", "mss-override", 0, str),
    ("synCookieEnable", "syn-cookie-enable", True, _enabled),
    ("pvaAcceleration", "pva-acceleration", "full", str),
)
_TCP_SETTINGS: Final[tuple[Setting, ...]] = (
    ("idleTimeout", "idle-timeout", 300, _timeout),
    ("resetOnTimeout", "reset-on-timeout", True, _enabled),
    ("nagle", "nagle", "auto", lambda v: v if isinstance(v, str) else _enabled(v)),
    ("congestionControl", "congestion-control", "woodside", str),
    ("delayedAcks", "delayed-acks", True, _enabled),
    ("closeWaitTimeout", "close-wait-timeout", 5, _timeout),
    ("finWaitTimeout", "fin-wait-timeout", 5, _timeout),
    ("keepAliveInterval", "keep-alive-interval", 1800, str),
    ("timeWaitTimeout", "time-wait-timeout", 2000, _timeout),
    ("synMaxRetrans", "syn-max-retrans", 3, str),
    ("proxyBufferHigh", "proxy-buffer-high", 262144, str),
)
_UDP_SETTINGS: Final[tuple[Setting, ...]] = (
    ("idleTimeout", "idle-timeout", 60, _timeout),
    ("datagramLoadBalancing", "datagram-load-balancing", False, _enabled),
    ("allowNoPayload", "allow-no-payload", False, _enabled),
)
_PERSIST_SETTINGS: Final[tuple[Setting, ...]] = (
    ("duration", "timeout", 180, _timeout),
    ("matchAcrossPools", "match-across-pools", False, _enabled),
    ("matchAcrossVirtualPorts", "match-across-services", False, _enabled),
    ("matchAcrossVirtualAddresses", "match-across-virtuals", False, _enabled),
    ("mirror", "mirror", False, _enabled),
    ("overrideConnectionLimit", "override-connection-limit", False, _enabled),
)
# class -> (tmsh kind, parent, settings)
_PROFILE_CLASSES: Final[dict[str, tuple[str, str, tuple[Setting, ...]]]] = {
    "L4_Profile": ("fastl4", "/Common/fastL4", _L4_SETTINGS),
    "TCP_Profile": ("tcp", "/Common/tcp", _TCP_SETTINGS),
    "UDP_Profile": ("udp", "/Common/udp", _UDP_SETTINGS),
}


def _settings(body: Json, table: Sequence[Setting]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for key, tmsh, default, convert in table:
        value = body.get(key, default)
        if value is not None:
            settings[tmsh] = convert(value)
    return settings


_HINT: Final = ("AS3 rejects such a declaration too: fix it, the AS3 schema reference gives "
                "each property's type")


@dataclass(frozen=True, slots=True)
class _App:
    """One application: its tenant, its name, the tenant's default route domain, and the JSON
    path of the application in the document (``keys``)."""

    tenant: str
    name: str
    rd: int
    origin: Origin
    keys: tuple[Key, ...] = ()

    def place(self, name: str) -> JsonPlace:
        """The place of object ``name``, to name in an error about one of its values."""
        return JsonPlace(self.origin.file, (*self.keys, name), self.source(name).line, _HINT)

    def path(self, name: str) -> str:
        return f"/{self.tenant}/{self.name}/{name}"

    def ref(self, value: object) -> str | None:
        """An AS3 pointer: ``"name"`` (same application), ``"/T/A/name"``,
        ``{"use": ...}`` or ``{"bigip": "/Common/x"}``."""
        if isinstance(value, Mapping):
            if isinstance(value.get("bigip"), str):
                return str(value["bigip"])
            value = value.get("use")
        if not isinstance(value, str) or not value:
            return None
        return value if value.startswith("/") else self.path(value)

    def source(self, name: str) -> Source:
        return self.origin.source(self.tenant, self.name, name)


# -- entry points -----------------------------------------------------------------------------


def read_as3_file(path: str) -> Parts:
    """Read a standalone AS3 declaration file. Raises :class:`InputError` when it is not one."""
    document, origin, parts = open_declaration(
        path, "ADC", "an AS3 declaration",
        'expected {"class": "AS3", "declaration": {"class": "ADC", ...}} or an ADC',
        AS3_CANNOT_EXPRESS, AS3_COLLECTIONS,
    )
    read_as3(document, origin, parts)
    return parts


def adc_of(document: Json) -> Json | None:
    """The ADC declaration in an AS3 request, a bare ADC, or a ``{"declaration": ADC}``."""
    return declaration_of(document, "ADC")


def read_as3(document: Json, origin: Origin, parts: Parts, tenant: str | None = None) -> None:
    """Add the objects of an AS3 declaration to ``parts``.

    ``tenant`` names the tenant of a per-application declaration (``bigip_as3`` in per-app
    mode stores ``{"<app>": {"class": "Application", ...}}`` without a tenant). Raises
    :class:`InputError` for a value of the wrong shape.
    """
    adc = adc_of(document)
    keys: tuple[Key, ...] = ("declaration",) if adc is not None and adc is not document else ()
    if adc is None:
        if tenant is None:
            parts.note(
                "warning",
                "AS3-NO-ADC",
                "AS3 document without an ADC declaration: nothing read",
                origin.source(),
            )
            return
        _read_tenant(tenant, {"class": "Tenant", **document}, origin, parts, ())
    else:
        place = JsonPlace(origin.file, keys, origin.source().line, _HINT)
        for tenant_name, body in adc.items():
            if _class_of(body, place.at(tenant_name)) == "Tenant":
                _read_tenant(str(tenant_name), body, origin, parts, (*keys, tenant_name))
    if parts.get("virtual_servers"):
        names: list[str] = []
        for virtual in parts.get("virtual_servers").values():
            if isinstance(virtual, VirtualServer):
                names.extend(p.name for p in virtual.profiles)
                names.extend(p.name for p in virtual.persist)
        add_referenced_builtins(parts, names)


def _class_of(body: object, place: JsonPlace) -> str | None:
    """The ``class`` of an object of the declaration at ``place`` (None for other values);
    :class:`InputError` when it is not a string."""
    if not isinstance(body, Mapping):
        return None
    cls = body.get("class")
    place.at("class").check(cls, "string")
    return cls if isinstance(cls, str) else None


def _set(body: Json) -> Json:
    """``body`` without its ``null`` members: null is "not set", so defaults apply."""
    return {key: value for key, value in body.items() if value is not None}


def _read_tenant(name: str, body: Json, origin: Origin, parts: Parts,
                 keys: tuple[Key, ...]) -> None:
    """A tenant at JSON path ``keys`` (empty for a per-application declaration, whose
    applications are at the top of the document)."""
    place = JsonPlace(origin.file, keys, origin.source(name).line, _HINT)
    place.check(body, _TENANT)
    if body.get("enable") is False:
        return
    rd = body.get("defaultRouteDomain")
    rd = rd if isinstance(rd, int) else 0
    source = origin.source(name)
    parts.add("partitions", Partition(name=f"/{name}", source=source, partition=name,
                                      default_route_domain=rd))
    for app_name, app_body in body.items():
        if _class_of(app_body, place.at(app_name)) == "Application":
            app = _App(name, str(app_name), rd, origin, (*keys, app_name))
            _read_app(app, app_body, parts)


# Readers by class; services last, since they refer to the others (pools, SNAT pools...).
def _read_app(app: _App, body: Json, parts: Parts) -> None:
    items: list[tuple[str, str, Json]] = []
    for key, value in body.items():
        place = app.place(str(key))
        if (cls := _class_of(value, place)) is not None:
            place.check(value, _SHAPES.get(cls, _OBJECT))
            items.append((str(key), cls, _set(value)))
    for name, cls, obj in items:
        reader = _READERS.get(cls)
        if reader is not None:
            reader(app, name, obj, parts)
    for name, cls, obj in items:
        if cls in _SERVICE_CLASSES:
            _read_service(app, name, obj, parts)


def _common(app: _App, name: str, body: Json) -> dict[str, Any]:
    remark = body.get("remark")
    return {
        "name": app.path(name),
        "source": app.source(name),
        "partition": app.tenant,
        "description": remark if isinstance(remark, str) else None,
    }


# -- pools, monitors, profiles ------------------------------------------------------------------


def _member_name(partition: str, address: Address | None, host: str, port: int) -> str:
    text = str(address) if address is not None else host
    sep = "." if address is not None and address.ip.version == 6 else ":"
    return f"/{partition}/{text}{sep}{port}"


def _read_pool(app: _App, name: str, body: Json, parts: Parts) -> None:
    common = _common(app, name, body)
    members: list[PoolMember] = []
    for member in body.get("members") or []:
        if not isinstance(member, Mapping) or member.get("enable") is False:
            continue
        members.extend(_pool_members(app, _set(member), common["source"], parts))
    monitors = tuple(m for m in (_monitor_ref(app, v) for v in body.get("monitors") or []) if m)
    minimum = body.get("minimumMembersActive", 1)
    parts.add(
        "pools",
        Pool(
            **common,
            members=tuple(members),
            load_balancing_mode=str(body.get("loadBalancingMode", "round-robin")),
            monitors=monitors,
            min_active_members=minimum if isinstance(minimum, int) else 1,
        ),
    )


def _pool_members(app: _App, member: Json, source: Source, parts: Parts) -> list[PoolMember]:
    port = member.get("servicePort")
    if not isinstance(port, int) or isinstance(port, bool):
        return []
    enabled = member.get("adminState", "enable") == "enable"
    partition = "Common" if member.get("shareNodes") else app.tenant
    member_rd = member.get("routeDomain")
    rd = member_rd if isinstance(member_rd, int) else app.rd
    hosts: list[str] = [a for a in member.get("serverAddresses") or [] if isinstance(a, str)]
    hosts += [
        str(s["address"])
        for s in member.get("servers") or []
        if isinstance(s, Mapping) and isinstance(s.get("address"), str)
    ]
    if isinstance(member.get("bigip"), str):
        hosts.append(str(member["bigip"]))
    if member.get("addressDiscovery") == "fqdn" and isinstance(member.get("hostname"), str):
        hosts.append(str(member["hostname"]))
    result: list[PoolMember] = []
    for host in hosts:
        bare = host.rsplit("/", 1)[-1] if host.startswith("/") else host
        address = parse_or_none(bare, rd)
        name = _member_name(partition, address, bare, port)
        result.append(PoolMember(name, address, port, enabled, source.line))
        node_name = name.rsplit(".", 1)[0] if address and address.ip.version == 6 else (
            name.rsplit(":", 1)[0]
        )
        if host.startswith("/"):
            continue  # an existing node, not created by this declaration
        if node_name not in parts.get("nodes"):
            parts.add("nodes", Node(name=node_name, source=source, partition=partition,
                                    address=address))
    return result


def _monitor_ref(app: _App, value: object) -> str | None:
    if isinstance(value, str) and not value.startswith("/"):
        return _MONITOR_BUILTINS.get(value, f"/Common/{value}")
    return app.ref(value)


def _read_monitor(app: _App, name: str, body: Json, parts: Parts) -> None:
    kind = str(body.get("monitorType", ""))
    target_address = body.get("targetAddress")
    target_port = body.get("targetPort")
    destination = None
    if target_address is not None or target_port is not None:
        destination = f"{target_address or '*'}:{target_port or '*'}"
    settings = {
        key: str(body[prop])
        for prop, key in (("interval", "interval"), ("timeout", "timeout"), ("send", "send"),
                          ("receive", "recv"))
        if prop in body and body[prop] is not None
    }
    parts.add(
        "monitors",
        Monitor(
            **_common(app, name, body),
            kind=kind,
            defaults_from=_MONITOR_BUILTINS.get(kind, f"/Common/{kind}") if kind else None,
            destination=destination,
            settings=settings,
        ),
    )


def _add_profile(
    app: _App, name: str, body: Json, parts: Parts, family: str, kind: str, parent: str,
    settings: dict[str, str],
) -> None:
    cls = Persistence if family == "persistence" else Profile
    parts.add(family, cls(
        **_common(app, name, body),
        kind=kind,
        defaults_from=parent,
        settings=settings,
        effective=effective_settings(kind, settings, parent, parts),
    ))


def _read_profile(app: _App, name: str, body: Json, parts: Parts) -> None:
    kind, parent, table = _PROFILE_CLASSES[str(body["class"])]
    _add_profile(app, name, body, parts, "profiles", kind, parent, _settings(body, table))


def _read_persist(app: _App, name: str, body: Json, parts: Parts) -> None:
    method = str(body.get("persistenceMethod", ""))
    kind, parent = _PERSIST_KINDS.get(method, (method, f"/Common/{method}"))
    settings = _settings(body, _PERSIST_SETTINGS)
    if isinstance(body.get("addressMask"), str):
        settings["mask"] = str(body["addressMask"])
    if isinstance(body.get("hashAlgorithm"), str):
        settings["hash-algorithm"] = str(body["hashAlgorithm"])
    _add_profile(app, name, body, parts, "persistence", kind, parent, settings)


def _read_snat_pool(app: _App, name: str, body: Json, parts: Parts) -> None:
    addresses = [a for a in body.get("snatAddresses") or [] if isinstance(a, str)]
    parts.add(
        "snat_pools",
        SnatPool(
            **_common(app, name, body), members=tuple(f"/{app.tenant}/{a}" for a in addresses)
        ),
    )


def _read_snat_translation(app: _App, name: str, body: Json, parts: Parts) -> None:
    text = body.get("address")
    address = parse_or_none(text, app.rd) if isinstance(text, str) else None
    group = body.get("trafficGroup")
    parts.add(
        "snat_translations",
        SnatTranslation(
            **_common(app, name, body),
            address=address,
            traffic_group=str(group) if isinstance(group, str) and group != "default" else None,
        ),
    )


def _read_service_address(app: _App, name: str, body: Json, parts: Parts) -> None:
    destination = _destination(str(body.get("virtualAddress", "")), app.rd)
    group = body.get("trafficGroup")
    parts.add(
        "virtual_addresses",
        VirtualAddress(
            **_common(app, name, body),
            address=destination[0],
            mask=destination[1],
            arp=body.get("arpEnabled", True) is not False,
            traffic_group=str(group) if isinstance(group, str) and group != "default" else None,
        ),
    )


def _read_irule(app: _App, name: str, body: Json, parts: Parts) -> None:
    """The iRule's text: inline, ``base64`` or ``text``; fetched from a ``url`` (or base64
    that does not decode), it is unknown."""
    value = body.get("iRule")
    text: str | None = None
    if isinstance(value, str):
        text = value
    elif isinstance(value, Mapping) and isinstance(value.get("base64"), str):
        try:
            text = base64.b64decode(str(value["base64"]), validate=True).decode(
                "utf-8", errors="replace")
        except (binascii.Error, ValueError):
            text = None
    elif isinstance(value, Mapping) and isinstance(value.get("text"), str):
        text = str(value["text"])
    unknown = frozenset() if text is not None else frozenset({"text"})
    parts.add("irules", Rule(**_common(app, name, body), text=text or "", unknown=unknown))


# -- shapes (AS3 schema 3.56) -------------------------------------------------------------------

_OBJECT: Final = ObjectOf()
_POINTER: Final = ObjectOf({"use": "string", "bigip": "string"}, needs=("use", "bigip"),
                           label='a pointer ({"use": ...} or {"bigip": ...})')
_REF: Final = AnyOf(("string", _POINTER))
_REFS: Final = ListOf(_REF)
_STRINGS: Final = ListOf("string")
_BIGIP: Final = ObjectOf({"bigip": "string"}, needs=("bigip",), label='{"bigip": ...}')
_TENANT: Final = ObjectOf({"enable": "boolean", "defaultRouteDomain": "integer"})
_COMMON_SHAPES: Final[dict[str, Shape]] = {"remark": "string"}


def _setting_shapes(table: Sequence[Setting]) -> dict[str, Shape]:
    return {key: "boolean" if convert is _enabled else "scalar"
            for key, _, _, convert in table}


_MEMBER: Final = ObjectOf(
    {
        "servicePort": "integer", "enable": "boolean", "adminState": "string",
        "shareNodes": "boolean", "routeDomain": "integer", "serverAddresses": _STRINGS,
        "servers": ListOf(ObjectOf({"name": "string", "address": "string"})),
        "bigip": "string", "addressDiscovery": "string", "hostname": "string",
    },
    needs=("servicePort",),
    label="a pool member (an object with a servicePort)",
)
_SERVICE: Final = ObjectOf({
    "enable": "boolean",
    "virtualPort": AnyOf(("integer", _POINTER)),
    "virtualAddresses": ListOf(AnyOf(("string", ListOf("string", 2), _POINTER))),
    "sourceAddress": "string",
    "layer4": "string",
    "snat": AnyOf((Among(("auto", "none", "self")), _POINTER)),
    "allowVlans": ListOf(AnyOf(("string", _BIGIP))),
    "rejectVlans": ListOf(AnyOf(("string", _BIGIP))),
    "pool": _REF,
    "iRules": _REFS,
    "policyEndpoint": AnyOf(("string", _POINTER, _REFS)),
    "persistenceMethods": _REFS,
    "fallbackPersistenceMethod": _REF,
    "profileTCP": AnyOf(("string", _POINTER, ObjectOf(
        {"ingress": _REF, "egress": _REF}, needs=("ingress", "egress"),
        label='{"ingress": ..., "egress": ...}'))),
    **{key: _REF for key in ("profileHTTP", "profileUDP", "profileL4", "profileIPOther")},
    "forwardingType": "string",
    "virtualType": "string",
    "translateServerAddress": "boolean",
    "translateServerPort": "boolean",
    "adminState": "string",
    **_COMMON_SHAPES,
})
# The members each class's reader uses, and their shapes.
_SHAPES: Final[dict[str, ObjectOf]] = {
    "Pool": ObjectOf({"members": ListOf(_MEMBER), "monitors": _REFS,
                      "minimumMembersActive": "integer", "loadBalancingMode": "string",
                      **_COMMON_SHAPES}),
    "Monitor": ObjectOf({
        "monitorType": "string", "targetAddress": "string", "targetPort": "integer",
        "interval": "integer", "timeout": "integer", "send": "string", "receive": "string",
        **_COMMON_SHAPES}),
    **{cls: ObjectOf({**_setting_shapes(table), **_COMMON_SHAPES})
       for cls, (_, _, table) in _PROFILE_CLASSES.items()},
    "Persist": ObjectOf({"persistenceMethod": "string", "addressMask": "string",
                         "hashAlgorithm": "string", **_setting_shapes(_PERSIST_SETTINGS),
                         **_COMMON_SHAPES}),
    "SNAT_Pool": ObjectOf({"snatAddresses": _STRINGS, **_COMMON_SHAPES}),
    "SNAT_Translation": ObjectOf({"address": "string", "trafficGroup": "string",
                                  **_COMMON_SHAPES}),
    "Service_Address": ObjectOf({"virtualAddress": "string", "trafficGroup": "string",
                                 "arpEnabled": "boolean", **_COMMON_SHAPES}),
    "iRule": ObjectOf({"iRule": AnyOf(("string", ObjectOf(
        {"base64": "string", "text": "string"}, needs=("base64", "url", "text"),
        label="an object with base64, url or text"))), **_COMMON_SHAPES}),
    **{cls: _SERVICE for cls in _SERVICE_CLASSES},
}

_READERS: Final[dict[str, Callable[[_App, str, Json, Parts], None]]] = {
    "Pool": _read_pool,
    "Monitor": _read_monitor,
    "L4_Profile": _read_profile,
    "TCP_Profile": _read_profile,
    "UDP_Profile": _read_profile,
    "Persist": _read_persist,
    "SNAT_Pool": _read_snat_pool,
    "SNAT_Translation": _read_snat_translation,
    "Service_Address": _read_service_address,
    "iRule": _read_irule,
}


# -- services -----------------------------------------------------------------------------------


def _destination(text: str, rd: int) -> tuple[Address | None, int | None]:
    """``10.0.0.0%2/8`` -> (``10.0.0.0%2``, 8); a missing prefix is a host route."""
    host, _, prefix = text.partition("/")
    try:
        bare, route_domain = split_route_domain(host, rd)
        if bare in ("any", "any6", ""):
            bare = "::" if bare == "any6" else "0.0.0.0"
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return None, None
    full = 32 if ip.version == 4 else 128
    length = int(prefix) if prefix.isdigit() and int(prefix) <= full else full
    return Address(route_domain, ip), length


@dataclass(frozen=True, slots=True)
class _Endpoint:
    """One entry of ``virtualAddresses``: destination, its prefix, and the source."""

    address: Address | None
    mask: int | None
    source: str | None
    unknown: frozenset[str]


def _endpoints(app: _App, body: Json, parts: Parts) -> list[_Endpoint]:
    entries = body.get("virtualAddresses")
    if not isinstance(entries, list):
        return [_Endpoint(None, None, None, frozenset({"destination", "destination_network"}))]
    source_address = body.get("sourceAddress")
    default_source = source_address if isinstance(source_address, str) else None
    endpoints: list[_Endpoint] = []
    for entry in entries:
        source = default_source
        text: str | None = None
        if isinstance(entry, list) and len(entry) == 2:
            text, source = str(entry[0]), str(entry[1])
        elif isinstance(entry, str):
            text = entry
        elif isinstance(entry, Mapping):
            pointer = app.ref(entry)
            known = parts.get("virtual_addresses").get(pointer or "")
            if isinstance(known, VirtualAddress):
                endpoints.append(_Endpoint(known.address, known.mask, source, frozenset()))
                continue
            # `{"bigip": "/Common/203.0.113.9"}`: a virtual address is named after its address.
            text = pointer.rsplit("/", 1)[-1] if pointer else None
        address, mask = _destination(text, app.rd) if text else (None, None)
        unknown = frozenset() if address else frozenset({"destination", "destination_network"})
        endpoints.append(_Endpoint(address, mask, source, unknown))
    return endpoints


def _profiles(app: _App, cls: str, body: Json) -> list[ProfileRef]:
    refs: list[ProfileRef] = []

    def add(value: object, builtins: Mapping[str, str], context: ProfileContext = "all") -> None:
        if isinstance(value, str) and value in builtins:
            refs.append(ProfileRef(builtins[value], context))
        elif isinstance(value, Mapping) and ("ingress" in value or "egress" in value):
            add(value.get("ingress"), builtins, "clientside")
            add(value.get("egress"), builtins, "serverside")
        elif (name := app.ref(value)) is not None:
            refs.append(ProfileRef(name, context))

    if cls in ("Service_TCP", "Service_HTTP", "Service_HTTPS"):
        add(body.get("profileTCP", "normal"), _TCP_BUILTINS)
    if cls in ("Service_HTTP", "Service_HTTPS"):
        add(body.get("profileHTTP", "basic"), {"basic": "/Common/http"})
    if cls == "Service_UDP":
        add(body.get("profileUDP", "normal"), {"normal": "/Common/udp"})
    if cls in ("Service_L4", "Service_Forwarding"):
        add(body.get("profileL4", "basic"), {"basic": "/Common/fastL4"})
    if cls == "Service_Generic":
        add(body.get("profileIPOther", {"bigip": "/Common/ipother"}), {})
    handled = {"profileTCP", "profileHTTP", "profileUDP", "profileL4", "profileIPOther"}
    for key, value in body.items():
        if key.startswith("profile") and key not in handled and isinstance(value, Mapping):
            add(value, {})
    return refs


def _persistence(app: _App, cls: str, body: Json) -> tuple[PersistRef, ...]:
    default: list[object] = []
    if cls in _SOURCE_ADDRESS_PERSISTENCE:
        default = ["source-address"]
    elif cls in _COOKIE_PERSISTENCE:
        default = ["cookie"]
    methods = body.get("persistenceMethods", default)
    refs: list[PersistRef] = []
    for method in methods if isinstance(methods, list) else []:
        name = (
            _PERSIST_METHODS.get(method) if isinstance(method, str) and method in _PERSIST_METHODS
            else app.ref(method)
        )
        if name is not None:
            refs.append(PersistRef(name, default=not refs))
    return tuple(refs)


def _snat(app: _App, service: str, body: Json) -> tuple[SnatType, str | None]:
    value = body.get("snat", "auto")
    if value == "none":
        return "none", None
    if value == "self":
        return "snat", app.path(f"{service}-self")
    if isinstance(value, Mapping):
        return "snat", app.ref(value)
    return "automap", None


def _vlans(body: Json) -> tuple[tuple[str, ...], VlansMode]:
    for key, mode in (("allowVlans", "enabled"), ("rejectVlans", "disabled")):
        items = body.get(key)
        if isinstance(items, list):
            names = []
            for item in items:
                if isinstance(item, Mapping) and isinstance(item.get("bigip"), str):
                    names.append(str(item["bigip"]))
                elif isinstance(item, str):
                    names.append(full_name(item))
            return tuple(names), mode  # type: ignore[return-value]
    return (), "all"


def _virtual_type(cls: str, body: Json) -> VirtualType:
    if cls == "Service_Forwarding":
        return "l2-forward" if body.get("forwardingType") == "l2" else "ip-forward"
    if cls == "Service_L4":
        return "performance-l4"
    if body.get("virtualType") == "internal":
        return "internal"
    if cls == "Service_UDP" and body.get("virtualType") == "stateless":
        return "stateless"
    return "standard"


def _read_service(app: _App, name: str, body: Json, parts: Parts) -> None:
    if body.get("enable") is False:
        return
    cls = str(body["class"])
    vtype = _virtual_type(cls, body)
    if cls == "Service_Forwarding":
        parts.stated_kinds.add(FORWARDING_VIRTUALS)
    never_translate = cls == "Service_Forwarding" and vtype == "ip-forward"
    port_value = body.get("virtualPort", _DEFAULT_PORT.get(cls))
    port = port_value if isinstance(port_value, int) and not isinstance(port_value, bool) else None
    snat_type, snat_pool = _snat(app, name, body)
    vlans, vlans_mode = _vlans(body)
    pool = app.ref(body.get("pool"))
    rules = tuple(r for r in (app.ref(v) for v in body.get("iRules") or []) if r)
    policy = body.get("policyEndpoint")
    policies = tuple(
        p for p in (app.ref(v) for v in (policy if isinstance(policy, list) else [policy])) if p
    )
    fallback = body.get("fallbackPersistenceMethod")
    common = _common(app, name, body)
    endpoints = _endpoints(app, body, parts) if vtype != "internal" else []
    if vtype == "internal":
        endpoints = [_Endpoint(None, None, None, frozenset())]
    self_members: list[str] = []
    for index, endpoint in enumerate(endpoints):
        address = endpoint.address
        network = source_network = None
        unknown = set(endpoint.unknown)
        if port is None and vtype != "internal":
            unknown.add("port")
        if address is not None and endpoint.mask is not None:
            network = Network(address.route_domain, ipaddress.ip_network(
                f"{address.ip}/{endpoint.mask}", strict=False))
            default_source = "::/0" if address.ip.version == 6 else "0.0.0.0/0"
            try:
                source_network = parse_network(endpoint.source or default_source,
                                               address.route_domain)
            except ValueError:
                unknown.add("source_network")
            self_members.append(f"/{app.tenant}/{address}")
            _implicit_virtual_address(app, address, endpoint.mask, cls, common["source"], parts)
        suffix = f"-{index}-" if index else ""
        parts.add(
            "virtual_servers",
            VirtualServer(
                **{**common, "name": app.path(name + suffix)},
                unknown=frozenset(unknown),
                destination=address,
                port=port,
                mask=endpoint.mask,
                destination_network=network,
                source_network=source_network,
                ip_protocol=str(body.get("layer4", _DEFAULT_LAYER4.get(cls, "tcp"))),
                type=vtype,
                snat_type=snat_type,
                snat_pool=snat_pool,
                vlans=vlans,
                vlans_mode=vlans_mode,
                profiles=tuple(_profiles(app, cls, body)),
                persist=_persistence(app, cls, body),
                fallback_persistence=_PERSIST_METHODS.get(fallback, None)
                if isinstance(fallback, str) else app.ref(fallback),
                pool=pool,
                rules=rules,
                policies=policies,
                translate_address=not never_translate
                and body.get("translateServerAddress", True) is not False,
                translate_port=not never_translate
                and body.get("translateServerPort", True) is not False,
                enabled=body.get("adminState", "enable") != "disable",
            ),
        )
    if body.get("snat") == "self":
        parts.add(
            "snat_pools",
            SnatPool(name=app.path(f"{name}-self"), source=common["source"],
                     partition=app.tenant, members=tuple(self_members)),
        )


def _implicit_virtual_address(
    app: _App, address: Address, mask: int, cls: str, source: Source, parts: Parts
) -> None:
    """The ``/T/<address>`` virtual address AS3 creates for a service (a forwarding
    service's answers no ARP)."""
    text = str(address)
    if address.ip.is_unspecified:
        text = ("any" if address.ip.version == 4 else "any6") + (
            f"%{address.route_domain}" if address.route_domain else ""
        )
    name = f"/{app.tenant}/{text}"
    if name in parts.get("virtual_addresses"):
        return
    parts.add(
        "virtual_addresses",
        VirtualAddress(
            name=name,
            source=source,
            partition=app.tenant,
            address=address,
            mask=mask,
            arp=cls != "Service_Forwarding",
        ),
    )
