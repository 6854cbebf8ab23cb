"""Build the normalized model (:mod:`lyncpolicy.model`) from tmsh objects.

One call builds one device from the files that describe it (``bigip_base.conf``,
``bigip.conf``, partition files, ``profile_base.conf``...). Values that cannot be read become
diagnostics with the file and line, never exceptions: one odd object must not hide the rest.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from importlib.resources import files
from ipaddress import ip_network
from typing import Any, TypeVar

from lyncpolicy.addresses import (
    Address,
    Network,
    parse_address,
    parse_endpoint,
    parse_mask,
    parse_network,
    parse_port,
    strip_folder,
)
from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.model import (
    ApplicationService,
    BigIpObject,
    Device,
    DeviceGroup,
    Monitor,
    Nat,
    Node,
    Partition,
    Persistence,
    PersistRef,
    Pool,
    PoolMember,
    Profile,
    ProfileContext,
    ProfileRef,
    PropertyLines,
    Route,
    RouteDomain,
    Rule,
    SelfIp,
    Snat,
    SnatPool,
    SnatTranslation,
    SnatType,
    Source,
    TrafficGroup,
    VirtualAddress,
    VirtualServer,
    VirtualType,
    Vlan,
    VlansMode,
)

from .tmsh import ParseResult, Statement, TmshObject

T = TypeVar("T")

_VIRTUAL_TYPE_KEYWORDS: dict[str, VirtualType] = {
    "ip-forward": "ip-forward",
    "l2-forward": "l2-forward",
    "reject": "reject",
    "internal": "internal",
    "stateless": "stateless",
    "dhcp-relay": "dhcp",
}
_FORWARDING_TYPES = frozenset({"ip-forward", "l2-forward", "reject", "dhcp"})
_MONITOR_GLUE = frozenset({"and", "min", "of", "{", "}"})


@dataclass(frozen=True, slots=True)
class TmshInput:
    """One parsed file and, when it came from an archive, which archive and member."""

    result: ParseResult
    archive: str | None = None
    member: str | None = None


@cache
def builtin_profiles() -> Mapping[str, Any]:
    """TMOS built-in profiles (kind and own settings) and per-kind defaults, shipped as data."""
    data = files("lyncpolicy").joinpath("data/tmos_profile_base.json").read_text("utf-8")
    loaded: Mapping[str, Any] = json.loads(data)
    return loaded


@dataclass
class _Builder:
    """Accumulates one device. Mutable while building; the Device it returns is frozen."""

    name: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    partition_rd: dict[str, int] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    hostname: str | None = None
    version: str | None = None
    raw_profiles: dict[str, tuple[TmshObject, TmshInput, bool]] = field(default_factory=dict)
    # One tuple per distinct list of property names, and one bytes per distinct layout of their
    # lines (objects of a kind mostly share both).
    property_names: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    property_offsets: dict[bytes, bytes] = field(default_factory=dict)
    # Networks by text and route domain: most virtuals have the same source (`0.0.0.0/0`), and
    # parsing one is a fifth of reading a virtual.
    networks: dict[tuple[str, int], Network] = field(default_factory=dict)
    # A configuration has a handful of distinct masks; ipaddress parses each dotted one slowly.
    masks: dict[tuple[str | None, int], int] = field(default_factory=dict)

    # -- helpers ---------------------------------------------------------------------------

    def warn(self, source: Source, code: str, message: str, line: int | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(
                "warning",
                code,
                message,
                str(source).rsplit(":", 1)[0],
                line if line is not None else source.line,
            )
        )

    def add(self, collection: str, obj: BigIpObject) -> None:
        self.objects.setdefault(collection, {})[obj.name] = obj

    def get(self, collection: str) -> dict[str, Any]:
        return self.objects.setdefault(collection, {})

    def default_rd(self, partition: str) -> int:
        return self.partition_rd.get(partition, 0)

    def network(self, text: str, rd: int) -> Network:
        """``parse_network(text, rd)``; a text it refuses raises again every time."""
        key = (text, rd)
        network = self.networks.get(key)
        if network is None:
            network = self.networks[key] = parse_network(text, rd)
        return network

    def mask(self, text: str | None, version: int) -> int:
        """``parse_mask(text, version)``, once per distinct mask."""
        key = (text, version)
        length = self.masks.get(key)
        if length is None:
            length = self.masks[key] = parse_mask(text, version)
        return length

    def property_lines(self, obj: TmshObject, props: Mapping[str, Statement]) -> PropertyLines:
        names = tuple(props)
        names = self.property_names.setdefault(names, names)
        first = obj.line
        try:
            offsets = bytes([s.line - first for s in props.values()])
        except ValueError:
            return PropertyLines(names, first, tuple(s.line - first for s in props.values()))
        return PropertyLines(names, first, self.property_offsets.setdefault(offsets, offsets))


def _source(obj: TmshObject, item: TmshInput) -> Source:
    return Source(obj.path, obj.line, obj.end_line, item.archive, item.member)


def _partition_of(full_path: str) -> str:
    # Interned: every object holds its partition's name, and a split makes a new string.
    parts = full_path.split("/")
    return sys.intern(parts[1]) if len(parts) > 2 else "Common"


def _resolve(name: str, partition: str) -> str:
    return name if name.startswith("/") else f"/{partition}/{name}"


def _value(props: Mapping[str, Statement], key: str) -> str | None:
    stmt = props.get(key)
    if stmt is None:
        return None
    words = stmt.words
    # Most properties are `key value`: the value is that word, no list or join needed.
    if len(words) == 2:
        return words[1]
    return " ".join(words[1:]) if len(words) > 2 else None


def _integer(text: str | None, default: T) -> int | T:
    """A plain ASCII decimal (``4093``), else ``default``.

    ``str.isdigit`` alone is not enough: it accepts ``²`` and other Unicode digits that
    ``int`` refuses, and ``int`` refuses numbers longer than 4300 digits.
    """
    if text is None or not (text.isascii() and text.isdigit()):
        return default
    try:
        return int(text)
    except ValueError:
        return default


def _list_items(stmt: Statement | None) -> list[tuple[str, list[Statement], int]]:
    """Items of a named-item list block (``members``, ``profiles``, ``persist``).

    Each item is (name, its property statements, line). tmsh accepts several items on one
    line (``members { 10.1.1.1:80 10.1.1.2:80 }``, ``profiles { tcp http }``); a property
    block belongs to the word just before it.
    """
    items: list[tuple[str, list[Statement], int]] = []
    for item in stmt.block or [] if stmt is not None else []:
        for index, word in enumerate(item.words):
            last = index == len(item.words) - 1
            items.append((word, (item.block or []) if last else [], item.line))
    return items


def _names_in(stmt: Statement | None) -> list[str]:
    """Item names of a list block (``vlans { a b }``, ``rules { r1 r2 }``)."""
    if stmt is None:
        return []
    if stmt.block is None:
        return [w for w in stmt.values if w not in ("none", "{", "}")]
    names: list[str] = []
    for item in stmt.block:
        names.extend(item.words)
    return names


def _settings(obj: TmshObject) -> dict[str, str]:
    """Simple ``key value`` properties of an object (blocks and bare words left out)."""
    return {
        s.words[0]: " ".join(s.values)
        for s in obj.body
        if len(s.words) >= 2 and s.block is None and s.raw is None
    }


def _common(
    b: _Builder, obj: TmshObject, item: TmshInput, props: Mapping[str, Statement]
) -> dict[str, Any]:
    full = obj.full_path or obj.type
    app_service = _value(props, "app-service")
    return {
        "name": full,
        "source": _source(obj, item),
        "partition": _partition_of(full),
        "app_service": None if app_service in (None, "none") else app_service,
        "description": _value(props, "description"),
        "directives": tuple(c for c in obj.comments if "lyncpolicy:" in c),
        "property_lines": b.property_lines(obj, props),
    }


def _vlans(props: Mapping[str, Statement], partition: str) -> tuple[tuple[str, ...], VlansMode]:
    vlans = tuple(_resolve(v, partition) for v in _names_in(props.get("vlans")))
    if "vlans-enabled" in props:
        return vlans, "enabled"
    if vlans:
        return vlans, "disabled"
    return (), "all"


def _enabled(props: Mapping[str, Statement]) -> bool:
    return "disabled" not in props


def _parse_or_warn(
    builder: _Builder, source: Source, line: int, what: str, func: Callable[[], T]
) -> T | None:
    try:
        return func()
    except ValueError as exc:
        builder.warn(source, "MODEL-BAD-VALUE", f"cannot read {what}: {exc}", line)
        return None


# -- object readers -------------------------------------------------------------------------


def _read_partition(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    rd = _integer(_value(props, "default-route-domain"), 0)
    name = (obj.name or "").strip("/")
    b.partition_rd[name] = rd
    common = _common(b, obj, item, props)
    common["name"] = f"/{name}"
    # A partition is its own partition (as the AS3 and Terraform adapters say), whatever
    # `update-partition` was in effect where it was written.
    common["partition"] = name
    b.add("partitions", Partition(**common, default_route_domain=rd))


def _read_node(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    text = _value(props, "address")
    address = None
    if text is not None and text != "any6":
        address = _parse_or_warn(
            b,
            common["source"],
            obj.line,
            f"node address {text!r}",
            lambda: parse_address(text, b.default_rd(common["partition"])),
        )
    b.add("nodes", Node(**common, address=address, monitors=_monitors(props, common["partition"])))


def _monitors(props: Mapping[str, Statement], partition: str) -> tuple[str, ...]:
    """Monitor names of ``monitor a and b`` or ``monitor min 1 of { a b }`` (nodes, pools)."""
    stmt = props.get("monitor")
    if stmt is None:
        return ()
    words = stmt.values + (_names_in(stmt) if stmt.block else [])
    return tuple(
        _resolve(w, partition)
        for w in words
        if w not in _MONITOR_GLUE and not w.isdigit() and w != "none"
    )


def _member(
    b: _Builder, item: tuple[str, list[Statement], int], partition: str, source: Source
) -> PoolMember:
    word, block, line = item
    name = _resolve(word, partition)
    props = {s.words[0]: s for s in block if s.words}
    rd = b.default_rd(partition)
    address: Address | None = None
    port: int | None = None
    try:
        address, port = parse_endpoint(name, rd)
    except ValueError:
        # A member named after a node (`/Common/edge01.corp.example.com:5061`): IPv4-style
        # `:port` when the name has one colon, IPv6-style `.port` otherwise.
        host, sep, port_text = name.rpartition(":" if name.count(":") == 1 else ".")
        if sep:
            try:
                port = parse_port(port_text)
            except ValueError:
                port = None
            node = b.get("nodes").get(host)
            if isinstance(node, Node):
                address = node.address
    explicit = _value(props, "address")
    if explicit is not None and explicit != "any6":
        try:
            address = parse_address(explicit, rd)
        except ValueError as exc:
            b.warn(source, "MODEL-BAD-VALUE", f"cannot read member address: {exc}", line)
    if address is None:
        # FQDN nodes resolve at run time on the device: not an input problem.
        b.diagnostics.append(
            Diagnostic(
                "note",
                "MODEL-MEMBER-ADDRESS",
                f"pool member {name} has no static address (FQDN node?)",
                source.file,
                line,
            )
        )
    # Only an administrator's `user-*` states disable a member; `state down` is the monitor.
    disabled = _value(props, "session") == "user-disabled" or _value(props, "state") == "user-down"
    return PoolMember(name, address, port, not disabled, line)


def _read_pool(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    members = tuple(
        _member(b, item, common["partition"], common["source"])
        for item in _list_items(props.get("members"))
    )
    b.add(
        "pools",
        Pool(
            **common,
            members=members,
            load_balancing_mode=_value(props, "load-balancing-mode") or "round-robin",
            monitors=_monitors(props, common["partition"]),
            min_active_members=_integer(_value(props, "min-active-members"), 0),
        ),
    )


def _read_monitor(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    defaults = _value(props, "defaults-from")
    b.add(
        "monitors",
        Monitor(
            **common,
            kind=obj.type.split()[-1],
            defaults_from=_resolve(defaults, common["partition"]) if defaults else None,
            destination=_value(props, "destination"),
            settings=_settings(obj),
        ),
    )


def _read_self(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    text = _value(props, "address")
    address = network = None
    if text is not None:
        rd = b.default_rd(common["partition"])
        network = _parse_or_warn(
            b, common["source"], obj.line, f"self IP {text!r}", lambda: b.network(text, rd)
        )
        host = text.split("/", 1)[0]
        address = _parse_or_warn(
            b, common["source"], obj.line, f"self IP {text!r}", lambda: parse_address(host, rd)
        )
    allow = props.get("allow-service")
    b.add(
        "self_ips",
        SelfIp(
            **common,
            address=address,
            network=network,
            vlan=_resolve(v, common["partition"]) if (v := _value(props, "vlan")) else None,
            traffic_group=_value(props, "traffic-group") or "/Common/traffic-group-local-only",
            allow_service=tuple(_names_in(allow)) if allow is not None else (),
        ),
    )


def _read_vlan(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    b.add(
        "vlans",
        Vlan(
            **_common(b, obj, item, props),
            tag=_integer(_value(props, "tag"), None),
            interfaces=tuple(_names_in(props.get("interfaces"))),
        ),
    )


def _read_route(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    rd = b.default_rd(common["partition"])
    net_text = _value(props, "network")
    gw_text = _value(props, "gw")
    network = (
        _parse_or_warn(
            b,
            common["source"],
            obj.line,
            f"route network {net_text!r}",
            lambda: b.network(net_text, rd),
        )
        if net_text
        else None
    )
    gateway = (
        _parse_or_warn(
            b,
            common["source"],
            obj.line,
            f"route gateway {gw_text!r}",
            lambda: parse_address(gw_text, rd),
        )
        if gw_text
        else None
    )
    b.add(
        "routes",
        Route(
            **common,
            network=network,
            gateway=gateway,
            pool=_value(props, "pool"),
            interface=_value(props, "interface"),
        ),
    )


def _read_route_domain(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    rd_id = _value(props, "id") or (obj.name or "").rsplit("/", 1)[-1]
    b.add(
        "route_domains",
        RouteDomain(
            **common,
            id=_integer(rd_id, 0),
            vlans=tuple(_resolve(v, common["partition"]) for v in _names_in(props.get("vlans"))),
            parent=_value(props, "parent"),
        ),
    )


def _read_snat(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    rd = b.default_rd(common["partition"])
    origins: list[Network] = []
    for text in _names_in(props.get("origins")):
        parsed = _parse_or_warn(
            b,
            common["source"],
            obj.line,
            f"SNAT origin {text!r}",
            partial(b.network, text, rd),
        )
        if parsed is not None:
            origins.append(parsed)
    vlans, mode = _vlans(props, common["partition"])
    snatpool = _value(props, "snatpool")
    b.add(
        "snats",
        Snat(
            **common,
            origins=tuple(origins),
            translation=_value(props, "translation"),
            snatpool=_resolve(snatpool, common["partition"]) if snatpool else None,
            automap="automap" in props,
            vlans=vlans,
            vlans_mode=mode,
            enabled=_enabled(props),
        ),
    )


def _read_snatpool(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    b.add(
        "snat_pools",
        SnatPool(**_common(b, obj, item, props), members=tuple(_names_in(props.get("members")))),
    )


def _read_snat_translation(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    text = _value(props, "address") or strip_folder(obj.name or "")
    address = _parse_or_warn(
        b,
        common["source"],
        obj.line,
        f"SNAT translation {text!r}",
        lambda: parse_address(text, b.default_rd(common["partition"])),
    )
    b.add(
        "snat_translations",
        SnatTranslation(**common, address=address, traffic_group=_value(props, "traffic-group")),
    )


def _read_nat(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    rd = b.default_rd(common["partition"])

    def addr(key: str) -> Address | None:
        text = _value(props, key)
        if text is None:
            return None
        return _parse_or_warn(
            b, common["source"], props[key].line, f"{key} {text!r}", lambda: parse_address(text, rd)
        )

    vlans, mode = _vlans(props, common["partition"])
    b.add(
        "nats",
        Nat(
            **common,
            originating_address=addr("originating-address"),
            translation_address=addr("translation-address"),
            vlans=vlans,
            vlans_mode=mode,
            arp=_value(props, "arp") != "disabled",
            traffic_group=_value(props, "traffic-group"),
            enabled=_enabled(props),
        ),
    )


def _read_virtual_address(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    text = _value(props, "address") or strip_folder(obj.name or "")
    address = _parse_or_warn(
        b,
        common["source"],
        obj.line,
        f"virtual address {text!r}",
        lambda: parse_address(text, b.default_rd(common["partition"])),
    )
    mask_text = _value(props, "mask")
    mask = None
    if address is not None:
        mask = _parse_or_warn(
            b,
            common["source"],
            obj.line,
            f"mask {mask_text!r}",
            lambda: b.mask(mask_text, address.ip.version),
        )
    b.add(
        "virtual_addresses",
        VirtualAddress(
            **common,
            address=address,
            mask=mask,
            arp=_value(props, "arp") != "disabled",
            traffic_group=_value(props, "traffic-group"),
            enabled=_value(props, "enabled") != "no" and "disabled" not in props,
        ),
    )


def _read_device_group(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    b.add(
        "device_groups",
        DeviceGroup(
            **_common(b, obj, item, props),
            type=_value(props, "type") or "sync-only",
            devices=tuple(_names_in(props.get("devices"))),
        ),
    )


def _read_traffic_group(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    b.add("traffic_groups", TrafficGroup(**_common(b, obj, item, obj.properties())))


def _read_app_service(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    variables: dict[str, str] = {}
    for stmt in (props["variables"].block or []) if "variables" in props else []:
        if stmt.words and stmt.block is not None:
            inner = {s.words[0]: " ".join(s.values) for s in stmt.block if s.words}
            variables[stmt.words[0]] = inner.get("value", "")
    tables: dict[str, tuple[Mapping[str, str], ...]] = {}
    for stmt in (props["tables"].block or []) if "tables" in props else []:
        if not stmt.words or stmt.block is None:
            continue
        inner_props = {s.words[0]: s for s in stmt.block if s.words}
        columns = _names_in(inner_props.get("column-names"))
        rows: list[Mapping[str, str]] = []
        rows_stmt = inner_props.get("rows")
        for row in (rows_stmt.block or []) if rows_stmt else []:
            cells: list[str] = []
            for cell in row.block or []:
                if cell.key == "row":
                    cells = _names_in(cell)
            rows.append(dict(zip(columns, cells, strict=False)))
        tables[stmt.words[0]] = tuple(rows)
    b.add(
        "application_services",
        ApplicationService(
            **common,
            template=_value(props, "template"),
            variables=variables,
            tables=tables,
        ),
    )


def _read_irule(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    common = _common(b, obj, item, {})
    b.add("irules", Rule(**common, text=obj.raw or ""))


def _read_global_settings(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    hostname = _value(obj.properties(), "hostname")
    if hostname:
        b.hostname = hostname


_READERS: dict[str, Callable[[_Builder, TmshObject, TmshInput], None]] = {
    "ltm node": _read_node,
    "ltm pool": _read_pool,
    "ltm snat": _read_snat,
    "ltm snatpool": _read_snatpool,
    "ltm snat-translation": _read_snat_translation,
    "ltm nat": _read_nat,
    "ltm virtual-address": _read_virtual_address,
    "ltm rule": _read_irule,
    "net self": _read_self,
    "net vlan": _read_vlan,
    "net route": _read_route,
    "net route-domain": _read_route_domain,
    "cm device-group": _read_device_group,
    "cm traffic-group": _read_traffic_group,
    "sys application service": _read_app_service,
    "sys global-settings": _read_global_settings,
}


# -- profiles: defaults-from chains --------------------------------------------------------


def _profile_kind(b: _Builder, name: str) -> str | None:
    raw = b.raw_profiles.get(name)
    if raw is not None:
        return raw[0].type.split()[-1]
    entry = builtin_profiles()["profiles"].get(name)
    return str(entry["kind"]) if entry else None


def _own_settings(b: _Builder, name: str) -> tuple[dict[str, str], str | None]:
    raw = b.raw_profiles.get(name)
    if raw is not None:
        settings = _settings(raw[0])
        parent = settings.pop("defaults-from", None)
        return settings, (_resolve(parent, _partition_of(name)) if parent else None)
    entry = builtin_profiles()["profiles"].get(name, {})
    settings = dict(entry.get("settings", {}))
    parent = settings.pop("defaults-from", None)
    return settings, parent


def _effective(b: _Builder, name: str, kind: str) -> dict[str, str]:
    """Own settings over the parent's, up the ``defaults-from`` chain, over type defaults."""
    chain: list[dict[str, str]] = []
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        settings, current = _own_settings(b, current)
        chain.append(settings)
    effective = dict(builtin_profiles()["type_defaults"].get(kind, {}))
    for settings in reversed(chain):
        effective.update(settings)
    return effective


def _build_profiles(b: _Builder) -> None:
    for name, (obj, item, builtin) in b.raw_profiles.items():
        family, kind = obj.type.split()[1], obj.type.split()[-1]
        props = obj.properties()
        settings = _settings(obj)
        parent = settings.pop("defaults-from", None)
        common = _common(b, obj, item, props)
        fields_: dict[str, Any] = {
            **common,
            "kind": kind,
            "defaults_from": _resolve(parent, common["partition"]) if parent else None,
            "settings": settings,
            "effective": _effective(b, name, kind),
            "builtin": builtin,
        }
        if family == "persistence":
            b.add("persistence", Persistence(**fields_))
        else:
            b.add("profiles", Profile(**fields_))


# -- virtual servers -----------------------------------------------------------------------


def _snat(props: Mapping[str, Statement], partition: str) -> tuple[SnatType, str | None]:
    stmt = props.get("source-address-translation")
    if stmt is not None and stmt.block is not None:
        inner = {s.words[0]: " ".join(s.values) for s in stmt.block if s.words}
        snat_type = inner.get("type", "none")
        pool = inner.get("pool")
        resolved = _resolve(pool, partition) if pool and pool != "none" else None
        if snat_type in ("automap", "snat", "lsn", "none"):
            return snat_type, resolved  # type: ignore[return-value]
        return "none", resolved
    # v11.0-11.3: `snat automap` / `snatpool NAME` directly on the virtual.
    if _value(props, "snat") == "automap":
        return "automap", None
    snatpool = _value(props, "snatpool")
    if snatpool and snatpool != "none":
        return "snat", _resolve(snatpool, partition)
    return "none", None


def _destination(
    b: _Builder, text: str, partition: str, rd: int, source: Source, line: int
) -> tuple[Address | None, int | None]:
    """A virtual's destination: an address, or the name of a virtual address, and a port."""
    try:
        return parse_endpoint(text, rd)
    except ValueError as exc:
        problem = str(exc)
    # `destination /Common/vaddr_name:443` names a virtual address.
    host, sep, port_text = text.rpartition(":" if text.count(":") == 1 else ".")
    vaddr = b.get("virtual_addresses").get(_resolve(host, partition)) if sep else None
    if isinstance(vaddr, VirtualAddress):
        try:
            return vaddr.address, parse_port(port_text)
        except ValueError as exc:
            problem = str(exc)
    b.warn(source, "MODEL-BAD-VALUE", f"cannot read destination {text!r}: {problem}", line)
    return None, None


def _read_virtual(b: _Builder, obj: TmshObject, item: TmshInput) -> None:
    props = obj.properties()
    common = _common(b, obj, item, props)
    source: Source = common["source"]
    partition = common["partition"]
    rd = b.default_rd(partition)
    vtype: VirtualType = "standard"
    for keyword, kind in _VIRTUAL_TYPE_KEYWORDS.items():
        if keyword in props:
            vtype = kind
    destination: Address | None = None
    port: int | None = None
    dest_text = _value(props, "destination")
    if dest_text is not None:
        destination, port = _destination(b, dest_text, partition, rd, source,
                                         props["destination"].line)
    mask_text = _value(props, "mask")
    mask: int | None = None
    destination_network: Network | None = None
    if destination is not None:
        mask = _parse_or_warn(
            b,
            source,
            obj.line,
            f"mask {mask_text!r}",
            lambda: b.mask(mask_text, destination.ip.version),
        )
        if mask is not None:
            destination_network = Network(
                destination.route_domain,
                ip_network(f"{destination.ip}/{mask}", strict=False),
            )
    source_text = _value(props, "source")
    default_source = "::/0" if destination and destination.ip.version == 6 else "0.0.0.0/0"
    src_rd = destination.route_domain if destination is not None else rd
    source_network = _parse_or_warn(
        b,
        source,
        props["source"].line if "source" in props else obj.line,
        f"source {source_text!r}",
        lambda: b.network(source_text or default_source, src_rd),
    )
    snat_type, snat_pool = _snat(props, partition)
    vlans, mode = _vlans(props, partition)
    profiles: list[ProfileRef] = []
    profiles_stmt = props.get("profiles")
    for word, block, _line in _list_items(profiles_stmt):
        inner = {s.words[0]: " ".join(s.values) for s in block if s.words}
        context = inner.get("context", "all")
        ctx: ProfileContext = context if context in ("clientside", "serverside") else "all"  # type: ignore[assignment]
        profiles.append(ProfileRef(_resolve(word, partition), ctx))
    if profiles_stmt is not None and profiles_stmt.block is None:
        profiles.extend(ProfileRef(_resolve(w, partition)) for w in profiles_stmt.values)
    persist: list[PersistRef] = []
    persist_stmt = props.get("persist")
    for word, block, _line in _list_items(persist_stmt):
        inner = {s.words[0]: " ".join(s.values) for s in block if s.words}
        persist.append(PersistRef(_resolve(word, partition), inner.get("default", "yes") == "yes"))
    if persist_stmt is not None and persist_stmt.block is None:
        persist.extend(
            PersistRef(_resolve(w, partition)) for w in persist_stmt.values if w != "none"
        )
    fallback = _value(props, "fallback-persistence")
    pool = _value(props, "pool")
    forwarding = vtype in _FORWARDING_TYPES
    default_translate = "disabled" if forwarding else "enabled"
    if vtype == "standard" and any(_profile_kind(b, p.name) == "fastl4" for p in profiles):
        vtype = "performance-l4"
    b.add(
        "virtual_servers",
        VirtualServer(
            **common,
            destination=destination,
            port=port,
            mask=mask,
            destination_network=destination_network,
            source_network=source_network,
            ip_protocol=_value(props, "ip-protocol") or "any",
            type=vtype,
            snat_type=snat_type,
            snat_pool=snat_pool,
            vlans=vlans,
            vlans_mode=mode,
            profiles=tuple(profiles),
            persist=tuple(persist),
            fallback_persistence=_resolve(fallback, partition)
            if fallback and fallback != "none"
            else None,
            pool=_resolve(pool, partition) if pool and pool != "none" else None,
            rules=tuple(_resolve(r, partition) for r in _names_in(props.get("rules"))),
            policies=tuple(_resolve(p, partition) for p in _names_in(props.get("policies"))),
            translate_address=(_value(props, "translate-address") or default_translate)
            == "enabled",
            translate_port=(_value(props, "translate-port") or default_translate) == "enabled",
            enabled=_enabled(props),
        ),
    )


def _add_referenced_builtins(b: _Builder) -> None:
    """TMOS built-ins that virtuals use but the input does not list (no profile_base.conf)."""
    table = builtin_profiles()["profiles"]
    profiles, persistence = b.get("profiles"), b.get("persistence")
    for virtual in b.get("virtual_servers").values():
        names = [p.name for p in virtual.profiles] + [p.name for p in virtual.persist]
        if virtual.fallback_persistence:
            names.append(virtual.fallback_persistence)
        for name in names:
            entry = table.get(name)
            if entry is None or name in profiles or name in persistence:
                continue
            kind = str(entry["kind"])
            settings = dict(entry.get("settings", {}))
            parent = settings.pop("defaults-from", None)
            fields_: dict[str, Any] = {
                "name": name,
                "kind": kind,
                "defaults_from": parent,
                "settings": settings,
                "effective": _effective(b, name, kind),
                "builtin": True,
            }
            if entry["family"] == "persistence":
                b.add("persistence", Persistence(**fields_))
            else:
                b.add("profiles", Profile(**fields_))


# -- entry point ---------------------------------------------------------------------------

_BASE_PROFILE_FILES = ("profile_base.conf", "low_profile_base.conf")


def build_device(
    inputs: Sequence[TmshInput], name: str, *, release: bool = False
) -> tuple[Device, list[Diagnostic]]:
    """Build one device from its parsed files (order does not matter).

    ``release`` empties each input's object list: a caller that does not keep the parse
    results (a scan) then frees every object's parse tree as soon as its model object is
    built, so the two are never both whole in memory (together they were a scan's peak).
    """
    b = _Builder(name)
    ordered = list(inputs)
    # Reversed, to be taken from the end: an object read is no longer held here.
    pending: list[tuple[TmshObject, TmshInput]] = [
        (obj, item) for item in reversed(ordered) for obj in reversed(item.result.objects)
    ]
    for item in ordered:
        if b.version is None and item.result.tmsh_version:
            b.version = item.result.tmsh_version
        if release:
            item.result.objects.clear()
    # Partitions first: their default route domain qualifies every address inside them.
    for obj, item in reversed(pending):
        if obj.type == "auth partition":
            _read_partition(b, obj, item)
    # Pools wait for nodes (members may name a node) and virtuals for pools, profiles and
    # virtual addresses; both keep file order.
    pools: list[tuple[TmshObject, TmshInput]] = []
    virtuals: list[tuple[TmshObject, TmshInput]] = []
    while pending:
        obj, item = pending.pop()
        kind = obj.type
        if kind.startswith(("ltm profile ", "ltm persistence ")) and obj.full_path:
            builtin = (item.member or obj.path).endswith(_BASE_PROFILE_FILES)
            b.raw_profiles[obj.full_path] = (obj, item, builtin)
        elif kind.startswith("ltm monitor "):
            _read_monitor(b, obj, item)
        elif kind == "ltm virtual":
            virtuals.append((obj, item))
        elif kind == "ltm pool":
            pools.append((obj, item))
        else:
            reader = _READERS.get(kind)
            if reader is not None:
                reader(b, obj, item)
    _build_profiles(b)
    pools.reverse()
    while pools:
        _read_pool(b, *pools.pop())
    virtuals.reverse()
    while virtuals:
        _read_virtual(b, *virtuals.pop())
    _add_referenced_builtins(b)
    # The builder's dicts become the device's: it is dropped here, so no copy is needed.
    collections: dict[str, Any] = b.objects
    device = Device(
        name=b.hostname or name,
        hostname=b.hostname,
        version=b.version,
        inputs=tuple(dict.fromkeys(item.archive or item.result.path for item in ordered)),
        **collections,
    )
    return device, b.diagnostics
