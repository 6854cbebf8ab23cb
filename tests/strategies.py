"""Hypothesis strategies for random *valid* BIG-IP configurations, and a tmsh emitter.

:func:`configs` draws a :class:`Config`: partitions with default route domains, route domains,
VLANs, self IPs, routes, monitors, nodes, pools and members, virtual addresses, custom
profiles, iRules, virtual servers, SNAT translations, SNAT pools, SNATs and NATs, all
consistent with each other (a virtual's pool exists, a member names a node, an address sits in
an existing route domain). :func:`emit` writes it as tmsh text in a :class:`Style`
(indentation, CRLF, byte-order mark, comments, one-line lists, relative names under
``cli admin-partitions``, one or two files, any object order) and reports where each object
landed, so the round-trip tests can check every value and every line of the model.

The spec records *meaning* (an address is an IP in a route domain); the emitter picks a
spelling (``10.1.1.1``, ``10.1.1.1%2``, ``/Common/10.1.1.1%2:https``). Only names are spelled
in the spec, because the model keeps names as written.
"""

from __future__ import annotations

import ipaddress
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from hypothesis import strategies as st

from lyncpolicy.addresses import Address, Network
from lyncpolicy.model import NO_SOURCE, BigIpObject, Device
from lyncpolicy.model import Pool as ModelPool

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
VlansMode = Literal["all", "enabled", "disabled"]

# Service names tmsh prints instead of port numbers. Written down here, independently of
# lyncpolicy.addresses, so the round trip checks the reader's table against the real ports.
SERVICE_PORTS: dict[str, int] = {
    "any": 0,
    "ssh": 22,
    "domain": 53,
    "http": 80,
    "ldap": 389,
    "https": 443,
    "sip": 5060,
    "sips": 5061,
}
# TMOS built-in profiles a virtual can use, with their kind (fastl4 makes a performance-l4).
BUILTIN_PROFILES: dict[str, str] = {
    "/Common/tcp": "tcp",
    "/Common/udp": "udp",
    "/Common/http": "http",
    "/Common/clientssl": "client-ssl",
    "/Common/serverssl": "server-ssl",
    "/Common/fastL4": "fastl4",
    "/Common/oneconnect": "one-connect",
    "/Common/f5-tcp-progressive": "tcp",
}
BUILTIN_PERSISTENCE: dict[str, str] = {
    "/Common/cookie": "cookie",
    "/Common/source_addr": "source-addr",
    "/Common/dest_addr": "dest-addr",
    "/Common/universal": "universal",
    "/Common/hash": "hash",
}
BUILTIN_MONITORS: dict[str, str] = {
    "http": "/Common/http",
    "https": "/Common/https",
    "tcp": "/Common/tcp",
    "udp": "/Common/udp",
    "gateway-icmp": "/Common/gateway_icmp",
}
# Virtual types written as a bare keyword, and the model's name for each.
VIRTUAL_TYPE_KEYWORDS: dict[str, str] = {
    "ip-forward": "ip-forward",
    "l2-forward": "l2-forward",
    "reject": "reject",
    "internal": "internal",
    "stateless": "stateless",
    "dhcp-relay": "dhcp",
}
FORWARDING_KEYWORDS = frozenset({"ip-forward", "l2-forward", "reject", "dhcp-relay"})
LB_MODES = ("round-robin", "least-connections-member", "ratio-member", "observed-member")
TRAFFIC_GROUPS = ("/Common/traffic-group-1", "/Common/traffic-group-local-only")
# Member states: (key, value) and whether the member stays administratively enabled.
MEMBER_STATES: tuple[tuple[tuple[str, str] | None, bool], ...] = (
    (None, True),
    (("session", "monitor-enabled"), True),
    (("session", "user-enabled"), True),
    (("state", "up"), True),
    (("state", "down"), True),
    (("session", "user-disabled"), False),
    (("state", "user-down"), False),
)


# -- the spec ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    name: str  # "Part1_x" (tmsh writes `auth partition Part1_x`)
    default_rd: int
    description: str | None = None

    @property
    def full_name(self) -> str:
        return f"/{self.name}"


@dataclass(frozen=True)
class RouteDomain:
    name: str
    id: int
    id_in_body: bool  # False: the id is only the name's last part (`net route-domain /Common/2`)
    vlans: tuple[str, ...] = ()
    parent: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Interface:
    name: str
    tagged: bool


@dataclass(frozen=True)
class Vlan:
    name: str
    tag: int | None
    interfaces: tuple[Interface, ...]
    description: str | None = None


@dataclass(frozen=True)
class SelfIp:
    name: str
    address: Address
    prefixlen: int
    vlan: str
    traffic_group: str | None
    allow_service: str | tuple[str, ...] | None  # "all", "none", a list, or not written
    description: str | None = None


@dataclass(frozen=True)
class Route:
    name: str
    network: Network
    gateway: Address | None = None
    pool: str | None = None
    interface: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Monitor:
    name: str
    kind: str
    settings: tuple[tuple[str, str], ...]
    description: str | None = None

    @property
    def defaults_from(self) -> str:
        return BUILTIN_MONITORS[self.kind]


@dataclass(frozen=True)
class Node:
    name: str  # "/P/10.1.1.1%2", "/P/10.1.1.1" (partition default) or "/P/node3_x"
    address: Address
    monitors: tuple[str, ...] = ()
    monitor_form: Literal["and", "min"] = "and"
    description: str | None = None


@dataclass(frozen=True)
class Member:
    name: str  # full name as written: node name + ":" (or "." after IPv6) + port as written
    node: str
    address: Address
    port: int
    explicit_address: bool
    state: tuple[str, str] | None
    enabled: bool


@dataclass(frozen=True)
class Pool:
    name: str
    members: tuple[Member, ...]
    load_balancing_mode: str | None
    monitors: tuple[str, ...]
    monitor_form: Literal["and", "min"]
    min_active_members: int | None
    description: str | None = None


@dataclass(frozen=True)
class VirtualAddress:
    name: str  # address form ("/P/10.1.1.1%2") or a plain name ("/P/vaddr1_x")
    address: Address
    address_in_body: bool
    mask: int | None  # None: not written (a host mask)
    arp: bool | None
    traffic_group: str | None
    enabled: bool | None
    description: str | None = None


@dataclass(frozen=True)
class CustomProfile:
    name: str
    family: Literal["profile", "persistence"]
    kind: str
    defaults_from: str
    settings: tuple[tuple[str, str], ...]
    description: str | None = None


@dataclass(frozen=True)
class ProfileUse:
    name: str
    context: Literal["all", "clientside", "serverside"] | None  # None: no context line


@dataclass(frozen=True)
class PersistUse:
    name: str
    default: bool | None  # None: no `default` line (means yes)


@dataclass(frozen=True)
class Rule:
    name: str
    body: tuple[TclLine, ...]


@dataclass(frozen=True)
class TclLine:
    depth: int
    text: str


@dataclass(frozen=True)
class Virtual:
    name: str
    destination: Address
    vaddr: str | None  # destination written as this virtual address's name
    port: int
    mask: int | None  # None: not written
    source: Network | None
    ip_protocol: str | None
    type_keyword: str | None
    pool: str | None
    snat: tuple[str, str | None] | None  # (type, pool); None: not written
    snat_legacy: bool  # v11.0-11.3 `snat automap` / `snatpool NAME`
    vlans: tuple[str, ...]
    vlans_mode: VlansMode
    profiles: tuple[ProfileUse, ...]
    persist: tuple[PersistUse, ...]
    fallback_persistence: str | None
    rules: tuple[str, ...]
    translate_address: bool | None
    translate_port: bool | None
    enabled: bool
    enabled_keyword: bool  # write `enabled` when enabled
    description: str | None = None


@dataclass(frozen=True)
class SnatTranslation:
    name: str
    address: Address
    traffic_group: str | None = None


@dataclass(frozen=True)
class SnatPool:
    name: str
    members: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True)
class Snat:
    name: str
    origins: tuple[Network, ...]
    automap: bool
    translation: str | None
    snatpool: str | None
    vlans: tuple[str, ...]
    vlans_mode: VlansMode
    enabled: bool
    description: str | None = None


@dataclass(frozen=True)
class Nat:
    name: str
    originating: Address
    translation: Address
    vlans: tuple[str, ...]
    vlans_mode: VlansMode
    arp: bool | None
    traffic_group: str | None
    enabled: bool
    description: str | None = None


SpecObject = (
    Partition
    | RouteDomain
    | Vlan
    | SelfIp
    | Route
    | Monitor
    | Node
    | Pool
    | VirtualAddress
    | CustomProfile
    | Rule
    | Virtual
    | SnatTranslation
    | SnatPool
    | Snat
    | Nat
)


@dataclass(frozen=True)
class Config:
    version: str | None
    hostname: str | None
    partitions: tuple[Partition, ...] = ()
    route_domains: tuple[RouteDomain, ...] = ()
    vlans: tuple[Vlan, ...] = ()
    self_ips: tuple[SelfIp, ...] = ()
    routes: tuple[Route, ...] = ()
    monitors: tuple[Monitor, ...] = ()
    nodes: tuple[Node, ...] = ()
    pools: tuple[Pool, ...] = ()
    virtual_addresses: tuple[VirtualAddress, ...] = ()
    custom_profiles: tuple[CustomProfile, ...] = ()
    irules: tuple[Rule, ...] = ()
    virtual_servers: tuple[Virtual, ...] = ()
    snat_translations: tuple[SnatTranslation, ...] = ()
    snat_pools: tuple[SnatPool, ...] = ()
    snats: tuple[Snat, ...] = ()
    nats: tuple[Nat, ...] = ()

    def default_rd(self, partition: str) -> int:
        for item in self.partitions:
            if item.name == partition:
                return item.default_rd
        return 0

    def objects(self) -> list[SpecObject]:
        """Every object, in a canonical order (dependencies first, as tmsh saves them)."""
        return [
            *self.partitions,
            *self.route_domains,
            *self.vlans,
            *self.self_ips,
            *self.routes,
            *self.monitors,
            *self.nodes,
            *self.pools,
            *self.virtual_addresses,
            *self.custom_profiles,
            *self.irules,
            *self.snat_translations,
            *self.snat_pools,
            *self.snats,
            *self.nats,
            *self.virtual_servers,
        ]


def examples(count: int) -> int:
    """``count`` scaled by ``LYNCPOLICY_PROPERTY_SCALE`` (default 1; e.g. 10 for a long run,
    0.1 while iterating)."""
    scale = float(os.environ.get("LYNCPOLICY_PROPERTY_SCALE", "1"))
    return max(1, round(count * scale))


def partition_of(name: str) -> str:
    """``/Part1/x`` -> ``Part1``."""
    return name.split("/")[1]


# -- strategies ----------------------------------------------------------------------------

_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-."
# Descriptions: any printable text, newlines (multi-line quoted strings), quotes, backslashes,
# braces and '#' included.
_DESCRIPTION_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FF
) | st.sampled_from('\n\t"\\{}#')


def _suffix() -> st.SearchStrategy[str]:
    return st.text(alphabet=_NAME_CHARS, max_size=6)


def descriptions() -> st.SearchStrategy[str | None]:
    return st.none() | st.text(alphabet=_DESCRIPTION_CHARS, max_size=20)


def _ip(version: int) -> st.SearchStrategy[IP]:
    return st.ip_addresses(v=4) if version == 4 else st.ip_addresses(v=6)


def _names(draw: st.DrawFn, prefix: str, count: int, partitions: Sequence[str]) -> list[str]:
    """``count`` unique names ``/<partition>/<prefix><n>_<suffix>``."""
    return [
        f"/{draw(st.sampled_from(partitions))}/{prefix}{index}_{draw(_suffix())}"
        for index in range(count)
    ]


def _address_name(folder: str, address: Address, default_rd: int, omit_rd: bool) -> str:
    """The name tmsh gives an object named after its address: ``/P/10.1.1.1%2``."""
    suffix = "" if omit_rd and address.route_domain == default_rd else f"%{address.route_domain}"
    return f"/{folder}/{address.ip}{suffix}"


def _network(draw: st.DrawFn, rd: int, version: int | None = None) -> Network:
    version = version or draw(st.sampled_from((4, 6)))
    ip = draw(_ip(version))
    prefix = draw(st.integers(min_value=0, max_value=32 if version == 4 else 128))
    return Network(rd, ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@st.composite
def _tcl_body(draw: st.DrawFn) -> tuple[TclLine, ...]:
    """An iRule: ``when`` blocks of commands, nested ``if`` blocks, comments, escaped braces.

    Unescaped braces always balance (in quotes and comments too), as Tcl requires.
    """
    commands = st.sampled_from(
        [
            'HTTP::redirect "https://[HTTP::host][HTTP::uri]"',
            'log local0. "client [IP::client_addr] said \\"hi\\""',
            "pool /Common/pool_from_tcl",
            "set open \\{",
            "set close \\}",
            'set braced "{quoted braces}"',
            "regexp {^/a{2}b} [HTTP::path]",
            "# a comment with {balanced} braces",
            "#ltm virtual /Common/not_an_object { }",
            "# }{ balanced the Tcl way",
            "return",
            'switch -glob [HTTP::path] { "/a*" { drop } default { return } }',
        ]
    )
    lines: list[TclLine] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        event = draw(st.sampled_from(["HTTP_REQUEST", "CLIENT_ACCEPTED", "SERVER_CONNECTED"]))
        lines.append(TclLine(0, f"when {event} {{"))
        depth = 1
        for _ in range(draw(st.integers(min_value=0, max_value=5))):
            choice = draw(st.integers(min_value=0, max_value=3))
            if choice == 0 and depth < 4:
                lines.append(TclLine(depth, 'if { [HTTP::host] eq "a.example.com" } {'))
                depth += 1
            elif choice == 1 and depth > 1:
                depth -= 1
                lines.append(TclLine(depth, "}"))
            else:
                lines.append(TclLine(depth, draw(commands)))
        while depth > 0:
            depth -= 1
            lines.append(TclLine(depth, "}"))
    return tuple(lines)


@st.composite
def configs(draw: st.DrawFn, max_objects: int = 3) -> Config:
    """A random valid configuration with up to ``max_objects`` objects of each kind."""

    def count(low: int = 0) -> int:
        return draw(st.integers(min_value=low, max_value=max_objects))

    # Route domains first: every address below sits in one of them.
    rd_ids = sorted({0, *draw(st.lists(st.integers(min_value=1, max_value=65534), max_size=3))})
    partitions = [
        Partition(
            f"Part{index}_{draw(_suffix())}",
            draw(st.sampled_from(rd_ids)),
            draw(descriptions()),
        )
        for index in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    folders = ["Common", *(p.name for p in partitions)]
    default_rd = {"Common": 0, **{p.name: p.default_rd for p in partitions}}

    def rd() -> int:
        return draw(st.sampled_from(rd_ids))

    def address(version: int | None = None, route_domain: int | None = None) -> Address:
        version = version or draw(st.sampled_from((4, 6)))
        return Address(rd() if route_domain is None else route_domain, draw(_ip(version)))

    vlans = [
        Vlan(
            name,
            draw(st.none() | st.integers(min_value=1, max_value=4094)),
            tuple(
                Interface(interface, draw(st.booleans()))
                for interface in draw(
                    st.lists(
                        st.sampled_from(["1.1", "1.2", "1.3", "2.1", "2.2"]),
                        unique=True,
                        max_size=3,
                    )
                )
            ),
            draw(descriptions()),
        )
        for name in _names(draw, "vlan", count(), ["Common"])
    ]
    vlan_names = [v.name for v in vlans]

    route_domains = []
    for rd_id in rd_ids:
        id_in_body = rd_id != 0 and draw(st.booleans())
        route_domains.append(
            RouteDomain(
                f"/Common/rd{rd_id}_{draw(_suffix())}" if id_in_body else f"/Common/{rd_id}",
                rd_id,
                id_in_body or draw(st.booleans()),
                tuple(draw(st.lists(st.sampled_from(vlan_names), unique=True, max_size=2)))
                if vlan_names
                else (),
                "/Common/0" if rd_id != 0 and draw(st.booleans()) else None,
                draw(descriptions()),
            )
        )

    self_ips = []
    for name in _names(draw, "self", count(), ["Common"]) if vlan_names else []:
        self_address = address()
        full = 32 if self_address.ip.version == 4 else 128
        self_ips.append(
            SelfIp(
                name,
                self_address,
                draw(st.integers(min_value=1, max_value=full)),
                draw(st.sampled_from(vlan_names)),
                draw(st.none() | st.sampled_from(TRAFFIC_GROUPS)),
                draw(
                    st.none()
                    | st.sampled_from(["all", "none"])
                    | st.lists(
                        st.sampled_from(["default", "tcp:22", "udp:53", "tcp:443"]),
                        unique=True,
                        min_size=1,
                        max_size=3,
                    ).map(tuple)
                ),
                draw(descriptions()),
            )
        )

    monitors = [
        Monitor(
            name,
            draw(st.sampled_from(sorted(BUILTIN_MONITORS))),
            tuple(
                (key, draw(values))
                for key, values in (
                    ("interval", st.integers(min_value=1, max_value=300).map(str)),
                    ("timeout", st.integers(min_value=1, max_value=900).map(str)),
                    ("destination", st.sampled_from(["*:*", "*:80", "*.443"])),
                    ("send", st.text(alphabet=_DESCRIPTION_CHARS, max_size=12)),
                )
                if draw(st.booleans())
            ),
            draw(descriptions()),
        )
        for name in _names(draw, "mon", count(), folders)
    ]

    def monitor_names(folder: str, max_size: int = 3) -> tuple[str, ...]:
        choices = [m.name for m in monitors if partition_of(m.name) in ("Common", folder)]
        choices += ["/Common/http", "/Common/tcp", "/Common/gateway_icmp"]
        return tuple(draw(st.lists(st.sampled_from(choices), unique=True, max_size=max_size)))

    # Nodes: named after their address (as tmsh creates them for members) or named freely.
    nodes: dict[str, Node] = {}
    node_addresses: set[tuple[str, Address]] = set()
    for index in range(count()):
        folder = draw(st.sampled_from(folders))
        node_address = address()
        if (folder, node_address) in node_addresses:
            continue  # one node per address, as on the device
        node_addresses.add((folder, node_address))
        if draw(st.booleans()):
            name = _address_name(folder, node_address, default_rd[folder], draw(st.booleans()))
        else:
            name = f"/{folder}/node{index}_{draw(_suffix())}"
        nodes[name] = Node(
            name,
            node_address,
            monitor_names(folder, 2),
            draw(st.sampled_from(["and", "min"])),
            draw(descriptions()),
        )

    pools = []
    for name in _names(draw, "pool", count(), folders):
        folder = partition_of(name)
        members: dict[str, Member] = {}
        usable = [n for n in nodes.values() if partition_of(n.name) in ("Common", folder)]
        for node in draw(st.lists(st.sampled_from(usable), max_size=4)) if usable else []:
            port_text = draw(
                st.integers(min_value=0, max_value=65535).map(str)
                | st.sampled_from(sorted(SERVICE_PORTS))
            )
            port = SERVICE_PORTS[port_text] if port_text in SERVICE_PORTS else int(port_text)
            node_folder = partition_of(node.name)
            if node.name.rsplit("/", 1)[1].startswith("node"):
                member_name = f"{node.name}:{port_text}"
            else:
                # The member spells the address in the pool's partition: its %rd is left out
                # only when it is that partition's default.
                host = _address_name(
                    node_folder, node.address, default_rd[folder], draw(st.booleans())
                )
                separator = ":" if node.address.ip.version == 4 else "."
                member_name = f"{host}{separator}{port_text}"
            state, enabled = draw(st.sampled_from(MEMBER_STATES))
            members.setdefault(
                member_name,
                Member(
                    member_name,
                    node.name,
                    node.address,
                    port,
                    draw(st.booleans()),
                    state,
                    enabled,
                ),
            )
        pools.append(
            Pool(
                name,
                tuple(members.values()),
                draw(st.none() | st.sampled_from(LB_MODES)),
                monitor_names(folder),
                draw(st.sampled_from(["and", "min"])),
                draw(st.none() | st.integers(min_value=0, max_value=10)),
                draw(descriptions()),
            )
        )

    virtual_addresses: dict[str, VirtualAddress] = {}
    for index in range(count()):
        folder = draw(st.sampled_from(folders))
        vaddr_address = address()
        by_address = draw(st.booleans())
        if by_address:
            name = _address_name(folder, vaddr_address, default_rd[folder], draw(st.booleans()))
        else:
            name = f"/{folder}/vaddr{index}_{draw(_suffix())}"
        full = 32 if vaddr_address.ip.version == 4 else 128
        virtual_addresses.setdefault(
            name,
            VirtualAddress(
                name,
                vaddr_address,
                not by_address or draw(st.booleans()),
                draw(st.none() | st.integers(min_value=0, max_value=full)),
                draw(st.none() | st.booleans()),
                draw(st.none() | st.sampled_from(TRAFFIC_GROUPS)),
                draw(st.none() | st.booleans()),
                draw(descriptions()),
            ),
        )

    custom_profiles = []
    for name in _names(draw, "prof", count(), folders):
        if draw(st.booleans()):
            parent, kind = draw(st.sampled_from(sorted(BUILTIN_PROFILES.items())))
            family: Literal["profile", "persistence"] = "profile"
        else:
            parent, kind = draw(st.sampled_from(sorted(BUILTIN_PERSISTENCE.items())))
            family = "persistence"
        settings = tuple(
            (key, draw(st.integers(min_value=0, max_value=86400).map(str)))
            for key in ("idle-timeout", "timeout", "ramp-up")
            if draw(st.booleans())
        )
        custom_profiles.append(
            CustomProfile(name, family, kind, parent, settings, draw(descriptions()))
        )

    irules = [Rule(name, draw(_tcl_body())) for name in _names(draw, "rule", count(), folders)]

    snat_translations: dict[str, SnatTranslation] = {}
    for _ in range(count()):
        folder = draw(st.sampled_from(folders))
        translation_address = address(4)
        name = _address_name(folder, translation_address, default_rd[folder], draw(st.booleans()))
        snat_translations.setdefault(
            name,
            SnatTranslation(
                name, translation_address, draw(st.none() | st.sampled_from(TRAFFIC_GROUPS))
            ),
        )
    translation_names = sorted(snat_translations)
    snat_pools = [
        SnatPool(
            name,
            tuple(draw(st.lists(st.sampled_from(translation_names), unique=True, max_size=3)))
            if translation_names
            else (),
            draw(descriptions()),
        )
        for name in _names(draw, "snatpool", count(), folders)
    ]

    def vlan_binding() -> tuple[tuple[str, ...], VlansMode]:
        if not vlan_names:
            return (), "all"
        mode: VlansMode = draw(st.sampled_from(["all", "enabled", "disabled"]))
        chosen = tuple(
            draw(
                st.lists(
                    st.sampled_from(vlan_names),
                    unique=True,
                    min_size=1 if mode == "disabled" else 0,
                    max_size=0 if mode == "all" else 3,
                )
            )
        )
        return chosen, mode

    snats = []
    for name in _names(draw, "snat", count(), folders):
        folder = partition_of(name)
        kind = draw(st.sampled_from(["automap", "translation", "snatpool"]))
        if kind == "translation" and not translation_names:
            kind = "automap"
        pools_here = [p.name for p in snat_pools if partition_of(p.name) in ("Common", folder)]
        if kind == "snatpool" and not pools_here:
            kind = "automap"
        vlans_, mode = vlan_binding()
        snats.append(
            Snat(
                name,
                tuple(
                    _network(draw, rd()) for _ in range(draw(st.integers(min_value=1, max_value=3)))
                ),
                kind == "automap",
                draw(st.sampled_from(translation_names)) if kind == "translation" else None,
                draw(st.sampled_from(pools_here)) if kind == "snatpool" else None,
                vlans_,
                mode,
                draw(st.booleans()),
                draw(descriptions()),
            )
        )

    nats = []
    for name in _names(draw, "nat", count(), folders):
        vlans_, mode = vlan_binding()
        nats.append(
            Nat(
                name,
                address(4),
                address(4),
                vlans_,
                mode,
                draw(st.none() | st.booleans()),
                draw(st.none() | st.sampled_from(TRAFFIC_GROUPS)),
                draw(st.booleans()),
                draw(descriptions()),
            )
        )

    routes = []
    for name in _names(draw, "route", count(), folders):
        route_rd = rd()
        network = _network(draw, route_rd)
        target = draw(st.sampled_from(["gw", "gw", "pool", "interface"]))
        routes.append(
            Route(
                name,
                network,
                gateway=address(network.network.version, route_rd) if target == "gw" else None,
                pool=f"/Common/gateway_pool_{draw(_suffix())}" if target == "pool" else None,
                interface=draw(st.sampled_from(vlan_names))
                if target == "interface" and vlan_names
                else None,
                description=draw(descriptions()),
            )
        )

    virtual_servers = []
    for name in _names(draw, "vs", count(1), folders):
        folder = partition_of(name)
        # The destination names a virtual address (`/P/vaddr1_x:443`), or is an address
        # (which may be the address of a virtual address of the same partition).
        vaddrs_here = [v for v in virtual_addresses.values() if partition_of(v.name) == folder]
        vaddr: str | None = None
        if draw(st.booleans()) and vaddrs_here:
            chosen = draw(st.sampled_from(vaddrs_here))
            destination = chosen.address
            if chosen.name.rsplit("/", 1)[1].startswith("vaddr"):
                vaddr = chosen.name
        else:
            destination = address()
        version = destination.ip.version
        full = 32 if version == 4 else 128
        type_keyword = draw(st.none() | st.sampled_from(sorted(VIRTUAL_TYPE_KEYWORDS)))
        forwarding = type_keyword in FORWARDING_KEYWORDS
        pools_here = [p.name for p in pools if partition_of(p.name) in ("Common", folder)]
        profile_choices = sorted(BUILTIN_PROFILES) + [
            p.name
            for p in custom_profiles
            if p.family == "profile" and partition_of(p.name) in ("Common", folder)
        ]
        persist_choices = sorted(BUILTIN_PERSISTENCE) + [
            p.name
            for p in custom_profiles
            if p.family == "persistence" and partition_of(p.name) in ("Common", folder)
        ]
        snatpools_here = [p.name for p in snat_pools if partition_of(p.name) in ("Common", folder)]
        rules_here = [r.name for r in irules if partition_of(r.name) in ("Common", folder)]
        rules_here = rules_here or ["/Common/_sys_https_redirect"]
        snat_kind = draw(st.sampled_from(["unset", "none", "automap", "snat", "lsn"]))
        snat: tuple[str, str | None] | None
        if snat_kind == "unset":
            snat = None
        elif snat_kind == "snat":
            snat = ("snat", draw(st.sampled_from(snatpools_here))) if snatpools_here else None
        elif snat_kind == "lsn":
            snat = ("lsn", f"/Common/lsn_pool_{draw(_suffix())}")
        else:
            snat = (snat_kind, None)
        vlans_, mode = vlan_binding()
        enabled = draw(st.booleans())
        virtual_servers.append(
            Virtual(
                name,
                destination,
                vaddr,
                draw(
                    st.integers(min_value=0, max_value=65535)
                    | st.sampled_from(sorted(SERVICE_PORTS.values()))
                ),
                draw(st.none() | st.integers(min_value=0, max_value=full)),
                _network(draw, destination.route_domain, version) if draw(st.booleans()) else None,
                draw(st.none() | st.sampled_from(["tcp", "udp", "sctp", "any"])),
                type_keyword,
                None
                if forwarding or not pools_here
                else draw(st.none() | st.sampled_from(pools_here)),
                snat,
                snat is not None and snat[0] in ("automap", "snat") and draw(st.booleans()),
                vlans_,
                mode,
                tuple(
                    ProfileUse(
                        profile,
                        draw(st.none() | st.sampled_from(["all", "clientside", "serverside"])),
                    )
                    for profile in draw(
                        st.lists(st.sampled_from(profile_choices), unique=True, max_size=3)
                    )
                ),
                tuple(
                    PersistUse(persist, draw(st.none() | st.booleans()))
                    for persist in draw(
                        st.lists(st.sampled_from(persist_choices), unique=True, max_size=2)
                    )
                ),
                draw(st.none() | st.sampled_from(persist_choices)),
                tuple(draw(st.lists(st.sampled_from(rules_here), unique=True, max_size=2))),
                draw(st.none() | st.booleans()),
                draw(st.none() | st.booleans()),
                enabled,
                enabled and draw(st.booleans()),
                draw(descriptions()),
            )
        )

    return Config(
        version=draw(st.none() | st.sampled_from(["11.6.1", "13.1.3.4", "15.1.8.2", "17.1.0"])),
        hostname=draw(st.none() | _suffix().map(lambda s: f"bigip-{s}.example.com")),
        partitions=tuple(partitions),
        route_domains=tuple(route_domains),
        vlans=tuple(vlans),
        self_ips=tuple(self_ips),
        routes=tuple(routes),
        monitors=tuple(monitors),
        nodes=tuple(nodes.values()),
        pools=tuple(pools),
        virtual_addresses=tuple(virtual_addresses.values()),
        custom_profiles=tuple(custom_profiles),
        irules=tuple(irules),
        virtual_servers=tuple(virtual_servers),
        snat_translations=tuple(snat_translations.values()),
        snat_pools=tuple(snat_pools),
        snats=tuple(snats),
        nats=tuple(nats),
    )


# -- the emitter ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How a configuration is spelled. ``seed`` drives the cosmetic choices (property order,
    ``%rd`` suffixes left out where they are the default, ``/Folder/`` prefixes on addresses,
    quoting of plain words, one-line or multi-line blocks)."""

    indent: str = "    "
    newline: str = "\n"
    bom: bool = False
    comments: bool = False
    compact: bool = False  # one-line lists: `vlans { a b }`, `members { a:80 b:80 }`
    relative: bool = False  # names relative to `cli admin-partitions { update-partition X }`
    split: bool = False  # network objects in bigip_base.conf, the rest in bigip.conf
    seed: int = 0


def styles() -> st.SearchStrategy[Style]:
    return st.builds(
        Style,
        indent=st.sampled_from(["    ", "\t", " ", "  "]),
        newline=st.sampled_from(["\n", "\r\n"]),
        bom=st.booleans(),
        comments=st.booleans(),
        compact=st.booleans(),
        relative=st.booleans(),
        split=st.booleans(),
        seed=st.integers(min_value=0, max_value=2**32 - 1),
    )


BASE_FILE = "config/bigip_base.conf"
MAIN_FILE = "config/bigip.conf"
_BASE_KINDS = (Partition, RouteDomain, Vlan, SelfIp, Route)


@dataclass
class Emitted:
    """The tmsh text of a configuration and where every object went."""

    files: dict[str, str] = field(default_factory=dict)
    # (model collection, object name) -> (file, first line, last line)
    spans: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)
    # (pool name, member name) -> line of the member
    member_lines: dict[tuple[str, str], int] = field(default_factory=dict)
    # iRule name -> the text between its braces, exactly as written
    rule_texts: dict[str, str] = field(default_factory=dict)


@dataclass
class _Line:
    words: list[str]
    tags: list[str] = field(default_factory=list)  # members whose line this is


@dataclass
class _Block:
    words: list[str]
    items: list[_Line | _Block]
    tags: list[str] = field(default_factory=list)
    inline: bool = False  # a list of bare names that may share one line: `key { a b c }`


_Item = _Line | _Block


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_plain(text: str) -> bool:
    """True if ``text`` reads back as one word without quotes."""
    return bool(text) and text[0] != "#" and not any(c.isspace() or c in '{}"\\' for c in text)


class _Writer:
    def __init__(self, config: Config, style: Style) -> None:
        self.config = config
        self.style = style
        self.rng = random.Random(style.seed)
        self.emitted = Emitted()
        self.chunks: dict[str, list[str]] = {}
        self.lines: dict[str, int] = {}  # line number the next chunk starts on
        self.current: dict[str, str] = {}  # partition in effect in each file
        self.folder = "Common"  # partition of the object being written
        self.pool = ""  # pool being written (member lines are recorded under it)

    # -- spelling ----------------------------------------------------------------------

    def coin(self) -> bool:
        return self.rng.random() < 0.5

    def word(self, text: str) -> str:
        return text if _is_plain(text) and self.coin() else quote(text)

    def name(self, name: str) -> str:
        """A reference the model resolves: relative when in the partition in effect."""
        prefix = f"/{self.folder}/"
        if self.style.relative and name.startswith(prefix) and self.coin():
            rest = name[len(prefix) :]
            if "/" not in rest:
                return rest
        return name

    def rd_suffix(self, rd: int, default: int) -> str:
        return "" if rd == default and self.coin() else f"%{rd}"

    def address(self, address: Address) -> str:
        default = self.config.default_rd(self.folder)
        return f"{address.ip}{self.rd_suffix(address.route_domain, default)}"

    def network(self, network: Network, host_form: bool = False) -> str:
        net = network.network
        rd = self.rd_suffix(network.route_domain, self.config.default_rd(self.folder))
        if net.prefixlen == 0 and self.coin():
            return f"{'default' if net.version == 4 else 'default-inet6'}{rd}"
        if host_form and net.prefixlen == net.max_prefixlen and self.coin():
            return f"{net.network_address}{rd}"
        return f"{net.network_address}{rd}/{net.prefixlen}"

    def mask(self, prefix: int, version: int) -> str:
        if prefix == 0 and self.coin():
            return "any" if version == 4 else "any6"
        zero = "0.0.0.0" if version == 4 else "::"
        return str(ipaddress.ip_network(f"{zero}/{prefix}").netmask)

    def port(self, port: int) -> str:
        names = [name for name, number in SERVICE_PORTS.items() if number == port]
        return self.rng.choice(names) if names and self.coin() else str(port)

    def names_block(self, key: str, names: Sequence[str]) -> _Block:
        return _Block([key], [_Line([n]) for n in names], inline=True)

    def description(self, obj: SpecObject) -> list[_Item]:
        text = getattr(obj, "description", None)
        return [] if text is None else [_Line(["description", self.word(text)])]

    # -- output ------------------------------------------------------------------------

    def emit(self, order: Sequence[int] | None) -> Emitted:
        objects = self.config.objects()
        indexes = list(range(len(objects))) if order is None else list(order)
        assert sorted(indexes) == list(range(len(objects))), "order must be a permutation"
        files = [BASE_FILE, MAIN_FILE] if self.style.split else [MAIN_FILE]
        for path in files:
            self.chunks[path] = ["\ufeff"] if self.style.bom else []
            self.lines[path] = 1
            self.current[path] = "Common"
            if self.config.version is not None:
                self.write(path, f"#TMSH-VERSION: {self.config.version}{self.style.newline}")
        for index in indexes:
            obj = objects[index]
            path = BASE_FILE if self.style.split and isinstance(obj, _BASE_KINDS) else MAIN_FILE
            self.object(path, obj)
        if self.config.hostname is not None:
            self.folder = "Common"
            body: list[_Item] = [_Line(["hostname", self.config.hostname])]
            self.top(files[0], "sys global-settings", None, body)
        for path in files:
            self.emitted.files[path] = "".join(self.chunks[path])
        return self.emitted

    def write(self, path: str, text: str) -> None:
        self.chunks[path].append(text)
        self.lines[path] += text.count("\n")

    def comment(self, path: str, depth: int) -> None:
        # Not `# lyncpolicy: ignore[...]`: those attach to the object below them (the model's
        # `directives`), which a reordering test must not move around at random.
        if self.style.comments and self.rng.random() < 0.3:
            text = self.rng.choice(["# note", "#", "# ltm pool /Common/not_a_pool {", "# a { b"])
            self.write(path, self.style.indent * depth + text + self.style.newline)

    def switch(self, path: str, folder: str) -> None:
        if self.style.relative and self.current[path] != folder:
            nl, indent = self.style.newline, self.style.indent
            self.write(
                path, f"cli admin-partitions {{{nl}{indent}update-partition {folder}{nl}}}{nl}"
            )
            self.current[path] = folder

    def top(
        self,
        path: str,
        kind: str,
        name: str | None,
        body: list[_Item],
        key: tuple[str, str] | None = None,
    ) -> None:
        """One top-level object; ``key`` (collection, name) records its span."""
        self.comment(path, 0)
        if self.style.comments and self.rng.random() < 0.2:
            self.write(path, self.style.newline)
        self.rng.shuffle(body)
        start = self.lines[path]
        header = kind if name is None else f"{kind} {name}"
        if not body and self.coin():
            self.write(path, f"{header} {{ }}{self.style.newline}")
        else:
            self.write(path, f"{header} {{{self.style.newline}")
            for item in body:
                self.item(path, item, 1)
            self.write(path, "}" + self.style.newline)
        if key is not None:
            self.emitted.spans[key] = (path, start, self.lines[path] - 1)

    def item(self, path: str, item: _Item, depth: int) -> None:
        nl, pad = self.style.newline, self.style.indent * depth
        self.comment(path, depth)
        for tag in item.tags:
            self.emitted.member_lines[(self.pool, tag)] = self.lines[path]
        if isinstance(item, _Line):
            self.write(path, pad + " ".join(item.words) + nl)
            return
        head = " ".join(item.words)
        bare = all(isinstance(i, _Line) and len(i.words) == 1 for i in item.items)
        if not item.items and self.coin():
            self.write(path, f"{pad}{head} {{ }}{nl}")
        elif bare and item.inline and self.style.compact:
            words = " ".join(i.words[0] for i in item.items)
            self.write(path, f"{pad}{head} {{ {words} }}{nl}")
        else:
            self.write(path, f"{pad}{head} {{{nl}")
            for inner in item.items:
                self.item(path, inner, depth + 1)
            self.write(path, f"{pad}}}{nl}")

    def named_items(
        self, key: str, entries: Sequence[tuple[str, list[_Item], str | None]]
    ) -> _Block:
        """``key { name { props } ... }`` for members, profiles and persistence.

        In compact style, names without properties may share a line with the names after
        them: ``members { 10.1.1.1:80 10.1.1.2:80 { session user-disabled } }`` is read as
        two members, the properties belonging to the second.
        """
        items: list[_Item] = []
        pending: list[tuple[str, str | None]] = []
        for name, props, tag in entries:
            if self.style.compact and not props and self.coin():
                pending.append((name, tag))
                continue
            words = [n for n, _ in pending] + [name]
            tags = [t for _, t in [*pending, (name, tag)] if t is not None]
            items.append(_Block(words, props, tags))
            pending = []
        if pending:
            tags = [t for _, t in pending if t is not None]
            items.append(_Line([n for n, _ in pending], tags))
        return _Block([key], items)

    # -- objects -----------------------------------------------------------------------

    def object(self, path: str, obj: SpecObject) -> None:
        if isinstance(obj, Partition):
            # `auth partition NAME` reads the same whatever partition is in effect.
            self.folder = "Common"
            body: list[_Item] = self.description(obj)
            if obj.default_rd != 0 or self.coin():
                body.append(_Line(["default-route-domain", str(obj.default_rd)]))
            self.top(path, "auth partition", obj.name, body, ("partitions", obj.full_name))
            return
        self.folder = partition_of(obj.name)
        self.switch(path, self.folder)
        own = obj.name
        if self.style.relative and self.coin():
            own = obj.name.rsplit("/", 1)[1]
        method = getattr(self, "_" + type(obj).__name__.lower())
        method(path, obj, own)

    def _routedomain(self, path: str, obj: RouteDomain, own: str) -> None:
        body = self.description(obj)
        if obj.id_in_body:
            body.append(_Line(["id", str(obj.id)]))
        if obj.vlans:
            body.append(self.names_block("vlans", [self.name(v) for v in obj.vlans]))
        if obj.parent is not None:
            body.append(_Line(["parent", obj.parent]))
        self.top(path, "net route-domain", own, body, ("route_domains", obj.name))

    def _vlan(self, path: str, obj: Vlan, own: str) -> None:
        body = self.description(obj)
        if obj.tag is not None:
            body.append(_Line(["tag", str(obj.tag)]))
        if obj.interfaces:
            interfaces: list[_Item] = [
                _Block([i.name], [_Line(["tagged" if i.tagged else "untagged"])])
                if self.coin()
                else _Line([i.name])
                for i in obj.interfaces
            ]
            body.append(_Block(["interfaces"], interfaces, inline=True))
        self.top(path, "net vlan", own, body, ("vlans", obj.name))

    def _selfip(self, path: str, obj: SelfIp, own: str) -> None:
        body = self.description(obj)
        body.append(_Line(["address", f"{self.address(obj.address)}/{obj.prefixlen}"]))
        body.append(_Line(["vlan", self.name(obj.vlan)]))
        if obj.traffic_group is not None:
            body.append(_Line(["traffic-group", obj.traffic_group]))
        if isinstance(obj.allow_service, str):
            body.append(_Line(["allow-service", obj.allow_service]))
        elif obj.allow_service is not None:
            body.append(self.names_block("allow-service", list(obj.allow_service)))
        self.top(path, "net self", own, body, ("self_ips", obj.name))

    def _route(self, path: str, obj: Route, own: str) -> None:
        body = self.description(obj)
        body.append(_Line(["network", self.network(obj.network)]))
        if obj.gateway is not None:
            body.append(_Line(["gw", self.address(obj.gateway)]))
        if obj.pool is not None:
            body.append(_Line(["pool", obj.pool]))
        if obj.interface is not None:
            body.append(_Line(["interface", obj.interface]))
        self.top(path, "net route", own, body, ("routes", obj.name))

    def _monitor(self, path: str, obj: Monitor, own: str) -> None:
        body = self.description(obj)
        body.append(_Line(["defaults-from", obj.defaults_from]))
        body.extend(_Line([key, self.word(value)]) for key, value in obj.settings)
        self.top(path, f"ltm monitor {obj.kind}", own, body, ("monitors", obj.name))

    def monitor_rule(self, monitors: Sequence[str], form: str) -> _Item:
        names = [self.name(m) for m in monitors]
        if len(names) > 1 and form == "min":
            quorum = str(self.rng.randint(1, len(names)))
            return _Block(
                ["monitor", "min", quorum, "of"], [_Line([n]) for n in names], inline=True
            )
        return _Line(["monitor", " and ".join(names)])

    def _node(self, path: str, obj: Node, own: str) -> None:
        body = self.description(obj)
        body.append(_Line(["address", self.address(obj.address)]))
        if obj.monitors:
            body.append(self.monitor_rule(obj.monitors, obj.monitor_form))
        self.top(path, "ltm node", own, body, ("nodes", obj.name))

    def _pool(self, path: str, obj: Pool, own: str) -> None:
        self.pool = obj.name
        body = self.description(obj)
        if obj.load_balancing_mode is not None:
            body.append(_Line(["load-balancing-mode", obj.load_balancing_mode]))
        if obj.min_active_members is not None:
            body.append(_Line(["min-active-members", str(obj.min_active_members)]))
        if obj.monitors:
            body.append(self.monitor_rule(obj.monitors, obj.monitor_form))
        if obj.members or self.coin():
            entries: list[tuple[str, list[_Item], str | None]] = []
            for member in obj.members:
                props: list[_Item] = []
                if member.explicit_address:
                    # The member's own `address` is read in the pool's partition.
                    props.append(_Line(["address", self.address(member.address)]))
                if member.state is not None:
                    props.append(_Line(list(member.state)))
                self.rng.shuffle(props)
                entries.append((self.name(member.name), props, member.name))
            body.append(self.named_items("members", entries))
        self.top(path, "ltm pool", own, body, ("pools", obj.name))

    def _virtualaddress(self, path: str, obj: VirtualAddress, own: str) -> None:
        body = self.description(obj)
        version = obj.address.ip.version
        if obj.address_in_body:
            body.append(_Line(["address", self.address(obj.address)]))
        if obj.mask is not None:
            body.append(_Line(["mask", self.mask(obj.mask, version)]))
        if obj.arp is not None:
            body.append(_Line(["arp", "enabled" if obj.arp else "disabled"]))
        if obj.traffic_group is not None:
            body.append(_Line(["traffic-group", obj.traffic_group]))
        if obj.enabled is not None:
            body.append(_Line(["enabled", "yes" if obj.enabled else "no"]))
        self.top(path, "ltm virtual-address", own, body, ("virtual_addresses", obj.name))

    def _customprofile(self, path: str, obj: CustomProfile, own: str) -> None:
        body = self.description(obj)
        body.append(_Line(["defaults-from", obj.defaults_from]))
        body.extend(_Line([key, value]) for key, value in obj.settings)
        collection = "profiles" if obj.family == "profile" else "persistence"
        self.top(path, f"ltm {obj.family} {obj.kind}", own, body, (collection, obj.name))

    def _rule(self, path: str, obj: Rule, own: str) -> None:
        nl = self.style.newline
        body = "".join(self.style.indent * (line.depth + 1) + line.text + nl for line in obj.body)
        self.comment(path, 0)
        start = self.lines[path]
        self.write(path, f"ltm rule {own} {{{nl}{body}}}{nl}")
        self.emitted.spans[("irules", obj.name)] = (path, start, self.lines[path] - 1)
        self.emitted.rule_texts[obj.name] = nl + body

    def vlan_items(self, vlans: Sequence[str], mode: VlansMode) -> list[_Item]:
        items: list[_Item] = []
        if vlans or mode == "enabled":
            items.append(self.names_block("vlans", [self.name(v) for v in vlans]))
        if mode == "enabled":
            items.append(_Line(["vlans-enabled"]))
        elif self.coin():
            items.append(_Line(["vlans-disabled"]))  # the default: says nothing more
        return items

    def _virtual(self, path: str, obj: Virtual, own: str) -> None:
        body = self.description(obj)
        version = obj.destination.ip.version
        separator = ":" if version == 4 else "."
        if obj.vaddr is not None:
            host = self.name(obj.vaddr)
            separator = ":"
        else:
            host = self.address(obj.destination)
            if obj.destination.ip.packed == bytes(len(obj.destination.ip.packed)) and self.coin():
                host = host.replace(str(obj.destination.ip), "any" if version == 4 else "any6", 1)
            if self.coin():
                host = f"/{self.folder}/{host}"
        body.append(_Line(["destination", f"{host}{separator}{self.port(obj.port)}"]))
        if obj.mask is not None:
            body.append(_Line(["mask", self.mask(obj.mask, version)]))
        if obj.source is not None:
            # A source without %rd is in the destination's route domain.
            rd = self.rd_suffix(obj.source.route_domain, obj.destination.route_domain)
            net = obj.source.network
            body.append(_Line(["source", f"{net.network_address}{rd}/{net.prefixlen}"]))
        if obj.ip_protocol is not None:
            body.append(_Line(["ip-protocol", obj.ip_protocol]))
        if obj.type_keyword is not None:
            body.append(_Line([obj.type_keyword]))
        if obj.pool is not None:
            body.append(_Line(["pool", self.name(obj.pool)]))
        if obj.snat is not None:
            body.append(self.snat(*obj.snat, legacy=obj.snat_legacy))
        body.extend(self.vlan_items(obj.vlans, obj.vlans_mode))
        if obj.profiles:
            entries: list[tuple[str, list[_Item], str | None]] = [
                (
                    self.name(p.name),
                    [] if p.context is None else [_Line(["context", p.context])],
                    None,
                )
                for p in obj.profiles
            ]
            body.append(self.named_items("profiles", entries))
        if obj.persist:
            entries = [
                (
                    self.name(p.name),
                    [] if p.default is None else [_Line(["default", "yes" if p.default else "no"])],
                    None,
                )
                for p in obj.persist
            ]
            body.append(self.named_items("persist", entries))
        if obj.fallback_persistence is not None:
            body.append(_Line(["fallback-persistence", self.name(obj.fallback_persistence)]))
        if obj.rules:
            body.append(self.names_block("rules", [self.name(r) for r in obj.rules]))
        for key, value in (
            ("translate-address", obj.translate_address),
            ("translate-port", obj.translate_port),
        ):
            if value is not None:
                body.append(_Line([key, "enabled" if value else "disabled"]))
        if not obj.enabled:
            body.append(_Line(["disabled"]))
        elif obj.enabled_keyword:
            body.append(_Line(["enabled"]))
        self.top(path, "ltm virtual", own, body, ("virtual_servers", obj.name))

    def snat(self, kind: str, pool: str | None, legacy: bool) -> _Item:
        if legacy and kind == "automap":
            return _Line(["snat", "automap"])
        if legacy:
            assert pool is not None
            return _Line(["snatpool", self.name(pool)])
        inner: list[_Item] = [_Line(["type", kind])]
        if pool is not None:
            inner.append(_Line(["pool", self.name(pool)]))
        self.rng.shuffle(inner)
        return _Block(["source-address-translation"], inner)

    def _snattranslation(self, path: str, obj: SnatTranslation, own: str) -> None:
        body: list[_Item] = [_Line(["address", self.address(obj.address)])]
        if obj.traffic_group is not None:
            body.append(_Line(["traffic-group", obj.traffic_group]))
        self.top(path, "ltm snat-translation", own, body, ("snat_translations", obj.name))

    def _snatpool(self, path: str, obj: SnatPool, own: str) -> None:
        body = self.description(obj)
        body.append(self.names_block("members", list(obj.members)))
        self.top(path, "ltm snatpool", own, body, ("snat_pools", obj.name))

    def _snat(self, path: str, obj: Snat, own: str) -> None:
        body = self.description(obj)
        origins: list[_Item] = []
        for origin in obj.origins:
            text = self.network(origin, host_form=True)
            origins.append(_Block([text], []) if self.coin() else _Line([text]))
        body.append(_Block(["origins"], origins, inline=True))
        if obj.automap:
            body.append(_Line(["automap"]))
        if obj.translation is not None:
            body.append(_Line(["translation", obj.translation]))
        if obj.snatpool is not None:
            body.append(_Line(["snatpool", self.name(obj.snatpool)]))
        body.extend(self.vlan_items(obj.vlans, obj.vlans_mode))
        if not obj.enabled:
            body.append(_Line(["disabled"]))
        elif self.coin():
            body.append(_Line(["enabled"]))
        self.top(path, "ltm snat", own, body, ("snats", obj.name))

    def _nat(self, path: str, obj: Nat, own: str) -> None:
        body = self.description(obj)
        body.append(_Line(["originating-address", self.address(obj.originating)]))
        body.append(_Line(["translation-address", self.address(obj.translation)]))
        body.extend(self.vlan_items(obj.vlans, obj.vlans_mode))
        if obj.arp is not None:
            body.append(_Line(["arp", "enabled" if obj.arp else "disabled"]))
        if obj.traffic_group is not None:
            body.append(_Line(["traffic-group", obj.traffic_group]))
        if not obj.enabled:
            body.append(_Line(["disabled"]))
        elif self.coin():
            body.append(_Line(["enabled"]))
        self.top(path, "ltm nat", own, body, ("nats", obj.name))


def emit(config: Config, style: Style | None = None, order: Sequence[int] | None = None) -> Emitted:
    """Write ``config`` as tmsh text; ``order`` permutes :meth:`Config.objects`."""
    return _Writer(config, style or Style()).emit(order)


def iter_names(config: Config) -> Iterator[tuple[str, str]]:
    """(model collection, name) of every object in the configuration."""
    for obj in config.objects():
        if isinstance(obj, Partition):
            yield "partitions", obj.full_name
        elif isinstance(obj, CustomProfile):
            yield ("profiles" if obj.family == "profile" else "persistence"), obj.name
        else:
            yield _COLLECTIONS[type(obj)], obj.name


_COLLECTIONS: dict[type, str] = {
    RouteDomain: "route_domains",
    Vlan: "vlans",
    SelfIp: "self_ips",
    Route: "routes",
    Monitor: "monitors",
    Node: "nodes",
    Pool: "pools",
    VirtualAddress: "virtual_addresses",
    Rule: "irules",
    Virtual: "virtual_servers",
    SnatTranslation: "snat_translations",
    SnatPool: "snat_pools",
    Snat: "snats",
    Nat: "nats",
}


def without_locations(device: Device) -> Device:
    """``device`` with every source and member line blanked, and its inputs sorted: what
    reordering objects or files may change, and nothing else."""
    changes: dict[str, object] = {"inputs": tuple(sorted(device.inputs))}
    for name, items in device.collections():
        changes[name] = {key: _unlocated(obj) for key, obj in items.items()}
    return replace(device, **changes)


def _unlocated(obj: BigIpObject) -> BigIpObject:
    blank = replace(obj, source=NO_SOURCE)
    if isinstance(blank, ModelPool):
        blank = replace(blank, members=tuple(replace(m, line=0) for m in blank.members))
    return blank
