"""Recognize the Lync / Skype for Business Edge deployment in one device's model.

The configuration never says "this is the A/V Edge": roles are inferred in the order of the
catalog (section 7.3), highest confidence first:

1. the ``deployment`` section of the config file (the intent, confidence 1.0);
2. iApp metadata: a ``sys application service`` built from an F5 Lync/Skype template, whose
   tables list the Edge members per service (0.9);
3. port signatures per VIP address and route domain (0.5-0.8);
4. subnet and VLAN cross-checks with the roles already found (raise weak candidates);
5. object names, as a tie-breaker only.

Each role carries its evidence and a confidence. Rules read the result through the
``topology`` root of the rule language (the :class:`Topology` fields) and the per-object
``roles``; objects whose role confidence is below :data:`CONFIDENT` are checked in advisory
mode (findings one severity lower, tagged ``role-unverified``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_network
from typing import Any, Final, Literal, TypeVar

from lyncpolicy.addresses import Address, Network, parse_address, parse_network
from lyncpolicy.model import Device, Nat, SelfIp, VirtualServer

_T = TypeVar("_T")
_Ordered = TypeVar("_Ordered", Address, Network)

EdgeRole = Literal["edge_access", "edge_webconf", "edge_av", "edge_internal"]
EXTERNAL_ROLES: Final[tuple[EdgeRole, ...]] = ("edge_access", "edge_webconf", "edge_av")
EDGE_ROLES: Final[tuple[EdgeRole, ...]] = (*EXTERNAL_ROLES, "edge_internal")
CONFIDENT: Final = 0.7
# A tcp/443-only VIP (0.4) is any HTTPS site until a cross-check ties it to the Edge; below
# this a candidate is not a role at all (name-only hints, 0.3, still make GEN-001 speak).
_WEAKEST: Final = 0.3

_LYNC_TEMPLATE = re.compile(
    r"(?i)f5\.microsoft_(lync_server_2010(_2013)?|skype_server_2015|ocs_2007_r2)"
)
_LYNC_NAME = re.compile(r"(?i)(lync|skype|sfb|s4b|ocs)")
_ROLE_NAMES: Final[Mapping[EdgeRole, re.Pattern[str]]] = {
    "edge_internal": re.compile(r"(?i)(edge_?int|internal)"),
    "edge_av": re.compile(r"(?i)(^|[_/.-])(av|a_v|audio|media|turn|stun)([_.-]|\d|$)"),
    "edge_webconf": re.compile(r"(?i)(webconf|web_conf|conf|psom|dataconf)"),
    "edge_access": re.compile(r"(?i)(access|sip)"),
}
# iApp tables (F5 Lync templates) that list Edge members per service.
_IAPP_TABLES: Final[Mapping[str, EdgeRole]] = {
    "edge_external_ip_server_pools__access_servers": "edge_access",
    "edge_external_ip_server_pools__conf_servers": "edge_webconf",
    "edge_external_ip_server_pools__av_servers": "edge_av",
    "edge_internal_ip_server_pools__servers": "edge_internal",
}
_IAPP_VIPS: Final[Mapping[str, EdgeRole]] = {
    "edge_external_ip__access_addr": "edge_access",
    "edge_external_ip__web_conferencing_addr": "edge_webconf",
    "edge_external_ip__av_addr": "edge_av",
    "edge_internal_ip__addr": "edge_internal",
}
_INTENT_VIPS: Final[Mapping[str, EdgeRole]] = {
    "access": "edge_access",
    "webconf": "edge_webconf",
    "av": "edge_av",
    "internal": "edge_internal",
}
# Ports that belong to Front End, Director or web publishing, never to an Edge VIP.
_FRONT_END_PORTS: Final = frozenset({"tcp/135", "tcp/444", "tcp/4443", "tcp/80", "tcp/8080"})
_LOAD_BALANCING_TYPES: Final = frozenset({"standard", "performance-l4", "performance-http"})


# -- the result ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EdgeVip:
    """The virtual servers sharing one Edge VIP address, and the role they were given."""

    role: EdgeRole
    address: Address
    virtual_servers: tuple[str, ...]
    ports: tuple[str, ...]
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EdgeServer:
    """One Edge server's addresses, where they could be paired."""

    name: str
    access: Address | None = None
    webconf: Address | None = None
    av: Address | None = None
    internal: Address | None = None
    # The public address an `ltm nat` gives its A/V address (the NAT design).
    nat: Address | None = None
    av_public_ip: Address | None = None
    external_default_gateway: Address | None = None
    internal_routes_via: Address | None = None
    paired_by: str = ""


@dataclass(frozen=True, slots=True)
class EdgePool:
    """One Edge pool: its VIPs, its servers and what the intent declares about it."""

    name: str
    vips: tuple[EdgeVip, ...] = ()
    servers: tuple[EdgeServer, ...] = ()
    access_addresses: tuple[Address, ...] = ()
    webconf_addresses: tuple[Address, ...] = ()
    av_addresses: tuple[Address, ...] = ()
    internal_addresses: tuple[Address, ...] = ()
    # Declared in the intent (None: not declared).
    load_balancing: str | None = None
    external_addressing: str | None = None
    topology_nat_enabled: bool | None = None
    single_ip: bool | None = None
    federation: bool | None = None
    xmpp: bool | None = None

    @property
    def external_addresses(self) -> tuple[Address, ...]:
        return _unique((*self.access_addresses, *self.webconf_addresses, *self.av_addresses))


@dataclass(frozen=True, slots=True)
class Topology:
    """The recognized Edge deployment of one device (what the rules' ``topology`` root reads).

    Address tuples are sorted and unique; object references are full object names.
    """

    device: str
    found: bool = False
    ha: bool = False
    intent: bool = False
    product: str | None = None
    pools: tuple[EdgePool, ...] = ()
    # Object full name -> its roles (all kinds merged), with the best confidence and the
    # evidence; `roles_by_kind` keeps a pool and a virtual of the same name apart.
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    roles_by_kind: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    confidence: Mapping[str, float] = field(default_factory=dict)
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    hints: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    access_addresses: tuple[Address, ...] = ()
    webconf_addresses: tuple[Address, ...] = ()
    av_addresses: tuple[Address, ...] = ()
    edge_external_addresses: tuple[Address, ...] = ()
    edge_internal_addresses: tuple[Address, ...] = ()
    # VIP addresses per role (the destinations of the Edge virtual servers).
    access_vips: tuple[Address, ...] = ()
    webconf_vips: tuple[Address, ...] = ()
    av_vips: tuple[Address, ...] = ()
    internal_vips: tuple[Address, ...] = ()
    # The declared or inferred NAT design (private external addresses behind `ltm nat`s).
    nat_design: bool = False
    external_addressing: str | None = None
    upstream_vlans: tuple[str, ...] = ()
    edge_external_vlans: tuple[str, ...] = ()
    edge_internal_vlans: tuple[str, ...] = ()
    edge_external_networks: tuple[Network, ...] = ()
    edge_internal_networks: tuple[Network, ...] = ()
    gateway_self_ips: tuple[str, ...] = ()
    gateway_declared: bool = False
    declared_gateways: tuple[Address, ...] = ()
    internal_routes_via: tuple[Address, ...] = ()
    forwarding_outbound: tuple[str, ...] = ()
    forwarding_inbound: tuple[str, ...] = ()
    edge_nats: tuple[str, ...] = ()
    default_routes: tuple[str, ...] = ()
    internal_networks: tuple[Network, ...] = ()
    front_end_subnets: tuple[Network, ...] = ()
    load_balancing: str | None = None
    single_ip: bool | None = None
    federation: bool | None = None

    def role_of(self, name: str) -> frozenset[str]:
        return self.roles.get(name, frozenset())


# -- inference ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    role: EdgeRole
    confidence: float
    evidence: list[str]


@dataclass(slots=True)
class _VipGroup:
    address: Address
    virtuals: list[VirtualServer]
    ports: set[str]
    members: set[Address]
    candidates: list[_Candidate] = field(default_factory=list)

    def best(self) -> _Candidate | None:
        if not self.candidates:
            return None
        by_role: dict[EdgeRole, _Candidate] = {}
        for candidate in self.candidates:
            known = by_role.get(candidate.role)
            if known is None:
                by_role[candidate.role] = _Candidate(
                    candidate.role, candidate.confidence, list(candidate.evidence)
                )
            else:
                # Independent agreeing evidence raises confidence a little.
                known.confidence = min(1.0, max(known.confidence, candidate.confidence) + 0.05)
                known.evidence.extend(candidate.evidence)
        return max(by_role.values(), key=lambda c: (c.confidence, c.role))


def build_topology(device: Device, deployment: Mapping[str, Any] | None = None) -> Topology:
    """Infer the Edge deployment of ``device``; ``deployment`` is the config file's intent."""
    intent = deployment or {}
    groups = _vip_groups(device)
    hints: list[str] = []
    _from_intent(groups, intent)
    _from_iapps(device, groups, hints)
    _from_ports(groups)
    _cross_check(device, groups)
    _from_names(groups, hints)

    roles: dict[str, set[str]] = defaultdict(set)
    kind_roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def tag(kind: str, name: str, *names: str) -> None:
        roles[name].update(names)
        kind_roles[kind][name].update(names)

    confidence: dict[str, float] = {}
    evidence: dict[str, tuple[str, ...]] = {}
    vips: list[EdgeVip] = []
    members: dict[EdgeRole, set[Address]] = defaultdict(set)
    unresolved: list[str] = []
    for group in groups.values():
        best = group.best()
        if best is None or best.confidence < _WEAKEST:
            continue
        names = tuple(sorted(vs.name for vs in group.virtuals))
        roles_here: tuple[EdgeRole, ...] = (best.role,)
        if best.role == "edge_access" and _single_ip(group.ports):
            roles_here = EXTERNAL_ROLES
        for role in roles_here:
            vips.append(
                EdgeVip(
                    role, group.address, names, tuple(sorted(group.ports)),
                    round(best.confidence, 2), tuple(dict.fromkeys(best.evidence)),
                )
            )
        if best.confidence < CONFIDENT:
            unresolved.extend(names)
        for vs in group.virtuals:
            objects = [("virtual_servers", vs.name)] + ([("pools", vs.pool)] if vs.pool else [])
            for kind, name in objects:
                tag(kind, name, *roles_here)
                if best.role != "edge_internal":
                    tag(kind, name, "edge_external")
                confidence[name] = max(confidence.get(name, 0.0), round(best.confidence, 2))
                evidence[name] = tuple(dict.fromkeys(best.evidence))
            if best.confidence >= 0.5:
                for role in roles_here:
                    members[role].update(_pool_addresses(device, vs))

    _intent_members(intent, members)
    external = set().union(*(members[r] for r in EXTERNAL_ROLES))
    internal = members["edge_internal"]
    found = bool(vips) or bool(external)
    if not found and not hints:
        return Topology(device=device.name, ha=device.ha, intent=bool(intent))

    nat_by_origin = _nats_by_origin(device)
    pools_intent = _list(intent.get("edge_pools"))
    declared_addressing = _first_value(pools_intent, "external_addressing")
    nat_design = declared_addressing == "nat" or (
        declared_addressing is None
        and bool(external)
        and all(a.is_private for a in external)
        and any(a in nat_by_origin for a in external)
    )
    for address in external:
        for nat in nat_by_origin.get(address, ()):
            tag("nats", nat.name, "edge_nat")

    ext_selfs = _selfs_containing(device, external)
    int_selfs = _selfs_containing(device, internal)
    vlans_intent = _mapping(intent.get("vlans"))
    edge_external_vlans = _vlans(vlans_intent.get("edge_external")) or _unique(
        s.vlan for s in ext_selfs if s.vlan
    )
    edge_internal_vlans = _vlans(vlans_intent.get("edge_internal")) or _unique(
        s.vlan for s in int_selfs if s.vlan
    )
    default_routes = tuple(
        sorted(
            name
            for name, route in device.routes.items()
            if route.network is not None and route.network.is_default
        )
    )
    for name in default_routes:
        tag("routes", name, "default_route")
    upstream = _vlans(vlans_intent.get("upstream")) or _upstream_vlans(device, default_routes)

    servers = _servers(intent, members, nat_by_origin)
    declared_gateways = _unique(
        s.external_default_gateway for s in servers if s.external_default_gateway is not None
    )
    gateway_selfs = _gateway_selfs(device, ext_selfs, declared_gateways)
    for name in gateway_selfs:
        tag("self_ips", name, "edge_gateway")

    outbound, inbound = _forwarding(device, external, edge_external_vlans)
    for name in outbound:
        tag("virtual_servers", name, "edge_forward_out")
    for name in inbound:
        tag("virtual_servers", name, "edge_forward_in")

    pool_name = str(_first_value(pools_intent, "name") or "edge-pool")
    pool = EdgePool(
        name=pool_name,
        vips=tuple(sorted(vips, key=lambda v: (EDGE_ROLES.index(v.role), v.address))),
        servers=servers,
        access_addresses=_sorted(members["edge_access"]),
        webconf_addresses=_sorted(members["edge_webconf"]),
        av_addresses=_sorted(members["edge_av"]),
        internal_addresses=_sorted(internal),
        load_balancing=_opt_str(_first_value(pools_intent, "load_balancing")),
        external_addressing=_opt_str(declared_addressing),
        topology_nat_enabled=_opt_bool(_first_value(pools_intent, "topology_nat_enabled")),
        single_ip=_opt_bool(_first_value(pools_intent, "single_ip")),
        federation=_declared_or_iapp(
            _first_value(pools_intent, "federation"), device, "edge_external_ip__federation"
        ),
        xmpp=_declared_or_iapp(
            _first_value(pools_intent, "xmpp"), device, "edge_external_ip__deploy_xmpp"
        ),
    )
    return Topology(
        device=device.name,
        found=found,
        ha=_ha(device, intent),
        intent=bool(intent),
        product=_opt_str(intent.get("product")) or _product(device),
        pools=(pool,) if found else (),
        roles={name: frozenset(r) for name, r in sorted(roles.items())},
        roles_by_kind={
            kind: {name: frozenset(r) for name, r in sorted(named.items())}
            for kind, named in sorted(kind_roles.items())
        },
        confidence=dict(sorted(confidence.items())),
        evidence=dict(sorted(evidence.items())),
        hints=tuple(dict.fromkeys(hints)),
        unresolved=tuple(sorted(set(unresolved))),
        access_addresses=pool.access_addresses,
        webconf_addresses=pool.webconf_addresses,
        av_addresses=pool.av_addresses,
        edge_external_addresses=_sorted(external),
        edge_internal_addresses=_sorted(internal),
        access_vips=_vips_of(vips, "edge_access"),
        webconf_vips=_vips_of(vips, "edge_webconf"),
        av_vips=_vips_of(vips, "edge_av"),
        internal_vips=_vips_of(vips, "edge_internal"),
        nat_design=nat_design,
        external_addressing=_opt_str(declared_addressing),
        upstream_vlans=upstream,
        edge_external_vlans=edge_external_vlans,
        edge_internal_vlans=edge_internal_vlans,
        edge_external_networks=_sorted(s.network for s in ext_selfs if s.network),
        edge_internal_networks=_sorted(s.network for s in int_selfs if s.network),
        gateway_self_ips=gateway_selfs,
        gateway_declared=bool(declared_gateways),
        declared_gateways=declared_gateways,
        internal_routes_via=_unique(
            s.internal_routes_via for s in servers if s.internal_routes_via is not None
        ),
        forwarding_outbound=outbound,
        forwarding_inbound=inbound,
        edge_nats=tuple(sorted(n for n, r in roles.items() if "edge_nat" in r)),
        default_routes=default_routes,
        internal_networks=_networks(intent.get("internal_networks")),
        front_end_subnets=_networks(intent.get("front_end_subnets")),
        load_balancing=pool.load_balancing,
        single_ip=pool.single_ip,
        federation=pool.federation,
    )


def _vips_of(vips: Sequence[EdgeVip], role: EdgeRole) -> tuple[Address, ...]:
    return _sorted(vip.address for vip in vips if vip.role == role)


def _vip_groups(device: Device) -> dict[Address, _VipGroup]:
    groups: dict[Address, _VipGroup] = {}
    for vs in sorted(device.virtual_servers.values(), key=lambda v: v.name):
        if vs.type not in _LOAD_BALANCING_TYPES or vs.destination is None:
            continue
        if vs.mask is not None and vs.mask != vs.destination.ip.max_prefixlen:
            continue
        group = groups.get(vs.destination)
        if group is None:
            group = groups[vs.destination] = _VipGroup(vs.destination, [], set(), set())
        group.virtuals.append(vs)
        group.ports.add(f"{vs.ip_protocol}/{vs.port if vs.port is not None else 0}")
        group.members.update(_pool_addresses(device, vs))
    return groups


def _pool_addresses(device: Device, vs: VirtualServer) -> set[Address]:
    pool = device.pools.get(vs.pool) if vs.pool else None
    if pool is None:
        return set()
    return {m.address for m in pool.members if m.address is not None}


def _from_intent(groups: Mapping[Address, _VipGroup], intent: Mapping[str, Any]) -> None:
    for i, pool in enumerate(_list(intent.get("edge_pools"))):
        vips = _mapping(_mapping(pool).get("vips"))
        for key, role in _INTENT_VIPS.items():
            address = _address(vips.get(key))
            if address is not None and address in groups:
                groups[address].candidates.append(
                    _Candidate(role, 1.0, [f"intent: deployment.edge_pools[{i}].vips.{key}"])
                )
        declared: dict[EdgeRole, set[Address]] = defaultdict(set)
        _declared_servers(pool, declared)
        for role, addresses in declared.items():
            for group in groups.values():
                if group.members and group.members <= addresses:
                    group.candidates.append(
                        _Candidate(role, 1.0, [f"intent: members are declared {role} servers"])
                    )


def _from_iapps(device: Device, groups: Mapping[Address, _VipGroup], hints: list[str]) -> None:
    for service in device.application_services.values():
        if not service.template or not _LYNC_TEMPLATE.search(service.template):
            continue
        hints.append(f"iApp {service.name} ({service.template})")
        template = service.template.rsplit("/", 1)[-1]
        for table, role in _IAPP_TABLES.items():
            addresses = {
                a
                for row in service.tables.get(table, ())
                if (a := _address(row.get("addr"))) is not None
            }
            for group in groups.values():
                if group.members and group.members <= addresses:
                    group.candidates.append(
                        _Candidate(role, 0.9, [f"iApp {template}: table {table}"])
                    )
        for variable, role in _IAPP_VIPS.items():
            address = _address(service.variables.get(variable))
            if address is not None and address in groups:
                groups[address].candidates.append(
                    _Candidate(role, 0.9, [f"iApp {template}: {variable}"])
                )


def _single_ip(ports: set[str]) -> bool:
    return {"tcp/5061", "tcp/444", "udp/3478"} <= ports


def _from_ports(groups: Mapping[Address, _VipGroup]) -> None:
    for group in groups.values():
        ports = group.ports
        shown = "+".join(sorted(ports))
        public = not group.address.is_private
        front_end = bool(ports & _FRONT_END_PORTS)
        candidate: _Candidate | None = None
        if _single_ip(ports):
            candidate = _Candidate("edge_access", 0.7, [f"single-IP Edge port signature {shown}"])
        elif front_end:
            continue
        elif "tcp/5062" in ports:
            candidate = _Candidate("edge_internal", 0.8, [f"port signature {shown} (5062 = MRAS)"])
        elif "udp/3478" in ports and public:
            candidate = _Candidate("edge_av", 0.8, [f"port signature {shown} on a public VIP"])
        elif "udp/3478" in ports and "tcp/5061" in ports:
            candidate = _Candidate(
                "edge_internal", 0.7, [f"port signature {shown} on a private VIP"]
            )
        elif "udp/3478" in ports:
            candidate = _Candidate("edge_av", 0.5, [f"port signature {shown} (private VIP)"])
        elif "tcp/5061" in ports and public:
            confidence = 0.8 if "tcp/443" in ports else 0.6
            candidate = _Candidate("edge_access", confidence, [f"port signature {shown}"])
        elif "tcp/5061" in ports:
            candidate = _Candidate("edge_internal", 0.5, [f"port signature {shown} (private)"])
        elif ports == {"tcp/443"}:
            candidate = _Candidate("edge_webconf", 0.2, ["port signature tcp/443 only"])
        if candidate is not None:
            group.candidates.append(candidate)


def _cross_check(device: Device, groups: Mapping[Address, _VipGroup]) -> None:
    """Raise weak candidates that sit beside confidently recognized Edge VIPs."""
    sides: dict[str, set[Network]] = {"external": set(), "internal": set()}
    counts: dict[str, set[int]] = {"external": set(), "internal": set()}
    taken: set[EdgeRole] = set()
    for group in groups.values():
        best = group.best()
        if best is None or best.confidence < CONFIDENT:
            continue
        side = "internal" if best.role == "edge_internal" else "external"
        sides[side].update(_member_networks(device, group.members))
        counts[side].add(len(group.members))
        taken.add(best.role)
    for group in groups.values():
        best = group.best()
        if best is None or best.confidence >= CONFIDENT or not group.members:
            continue
        networks = _member_networks(device, group.members)
        side = "internal" if best.role == "edge_internal" else "external"
        other = "external" if side == "internal" else "internal"
        if networks & sides[side] and not networks & sides[other]:
            text = f"members share the Edge {side} subnet with recognized Edge VIPs"
            if len(group.members) in counts[side]:
                text += " (same member count)"
            role = best.role
            if group.ports == {"tcp/443"}:
                role, why = _external_role_of_443(group, taken)
                text += f"; {why}"
            taken.add(role)
            group.candidates.append(_Candidate(role, CONFIDENT + 0.05, [text]))
        elif best.role == "edge_internal" and networks & sides["external"]:
            group.candidates.append(
                _Candidate("edge_access", CONFIDENT, ["members in the Edge external subnet"])
            )


def _external_role_of_443(group: _VipGroup, taken: set[EdgeRole]) -> tuple[EdgeRole, str]:
    """Every external Edge service listens on tcp/443: a VIP with nothing else is Web
    Conferencing unless its names say otherwise, or it is the one external role still missing
    (an A/V VIP that lost its udp/3478 listener must stay A/V, so AV-003 can say so)."""
    names = " ".join(vs.name for vs in group.virtuals)
    for role in ("edge_av", "edge_access", "edge_webconf"):
        if _ROLE_NAMES[role].search(names):
            return role, f"tcp/443 only, names say {role.removeprefix('edge_')}"
    missing = [r for r in EXTERNAL_ROLES if r not in taken]
    if len(missing) == 1:
        return missing[0], "tcp/443 only, the one external role not found elsewhere"
    return "edge_webconf", "tcp/443 only: Web Conferencing"


def _member_networks(device: Device, members: Iterable[Address]) -> set[Network]:
    found: set[Network] = set()
    for address in members:
        selfs = [
            s.network
            for s in device.self_ips.values()
            if s.network and s.network.contains(address)
        ]
        if selfs:
            found.update(selfs)
        else:
            prefix = 24 if address.ip.version == 4 else 64
            block = ip_network(f"{address.ip}/{prefix}", strict=False)
            found.add(Network(address.route_domain, block))
    return found


def _from_names(groups: Mapping[Address, _VipGroup], hints: list[str]) -> None:
    for group in groups.values():
        names = " ".join(vs.name for vs in group.virtuals)
        if _LYNC_NAME.search(names):
            hints.append(f"names: {', '.join(vs.name for vs in group.virtuals)}")
        if "edge" not in names.lower() and not _LYNC_NAME.search(names):
            continue
        for role, pattern in _ROLE_NAMES.items():
            if pattern.search(names):
                best = group.best()
                if best is not None and best.role == role:
                    best_here = _Candidate(role, best.confidence, [f"names agree ({names})"])
                    group.candidates.append(best_here)
                elif best is None:
                    group.candidates.append(_Candidate(role, 0.3, [f"name only ({names})"]))
                break


def _intent_members(intent: Mapping[str, Any], members: dict[EdgeRole, set[Address]]) -> None:
    for pool in _list(intent.get("edge_pools")):
        _declared_servers(pool, members)


def _declared_servers(pool: object, into: dict[EdgeRole, set[Address]]) -> None:
    """The addresses an intent pool's servers declare, by role."""
    for server in _list(_mapping(pool).get("servers")):
        server = _mapping(server)
        external = _mapping(server.get("external"))
        for key in ("access", "webconf", "av"):
            address = _address(external.get(key))
            if address is not None:
                into[_INTENT_VIPS[key]].add(address)
        address = _address(server.get("internal"))
        if address is not None:
            into["edge_internal"].add(address)


def _servers(
    intent: Mapping[str, Any],
    members: Mapping[EdgeRole, set[Address]],
    nat_by_origin: Mapping[Address, Sequence[Nat]],
) -> tuple[EdgeServer, ...]:
    def nat_of(av: Address | None) -> Address | None:
        nats = nat_by_origin.get(av, ()) if av is not None else ()
        return nats[0].translation_address if nats else None

    declared = [
        _mapping(s)
        for pool in _list(intent.get("edge_pools"))
        for s in _list(_mapping(pool).get("servers"))
    ]
    if declared:
        servers = []
        for i, server in enumerate(declared):
            external = _mapping(server.get("external"))
            av = _address(external.get("av"))
            servers.append(
                EdgeServer(
                    name=str(server.get("name") or f"edge{i + 1:02d}"),
                    access=_address(external.get("access")),
                    webconf=_address(external.get("webconf")),
                    av=av,
                    internal=_address(server.get("internal")),
                    nat=nat_of(av),
                    av_public_ip=_address(server.get("av_public_ip")),
                    external_default_gateway=_address(server.get("external_default_gateway")),
                    internal_routes_via=_address(server.get("internal_routes_via")),
                    paired_by="intent",
                )
            )
        return tuple(servers)
    columns = {role: sorted(members.get(role, ()), key=_order) for role in EDGE_ROLES}
    sizes = {len(c) for c in columns.values() if c}
    if len(sizes) != 1:
        return ()
    size = sizes.pop()
    servers = []
    for i in range(size):
        picked = {role: (col[i] if col else None) for role, col in columns.items()}
        servers.append(
            EdgeServer(
                name=f"edge{i + 1:02d}",
                access=picked["edge_access"],
                webconf=picked["edge_webconf"],
                av=picked["edge_av"],
                internal=picked["edge_internal"],
                nat=nat_of(picked["edge_av"]),
                paired_by="address order (equal member counts)",
            )
        )
    return tuple(servers)


def _nats_by_origin(device: Device) -> dict[Address, list[Nat]]:
    found: dict[Address, list[Nat]] = defaultdict(list)
    for nat in sorted(device.nats.values(), key=lambda n: n.name):
        if nat.originating_address is not None:
            found[nat.originating_address].append(nat)
    return found


def _selfs_containing(device: Device, addresses: Iterable[Address]) -> list[SelfIp]:
    index = _AddressIndex(addresses)
    return sorted(
        (s for s in device.self_ips.values() if s.network and index.holds_any(s.network)),
        key=lambda s: s.name,
    )


def _upstream_vlans(device: Device, default_routes: Sequence[str]) -> tuple[str, ...]:
    vlans: list[str] = []
    for name in default_routes:
        gateway = device.routes[name].gateway
        if gateway is None:
            continue
        vlans.extend(
            s.vlan
            for s in device.self_ips.values()
            if s.vlan and s.network is not None and s.network.contains(gateway)
        )
    return _unique(vlans)


def _gateway_selfs(
    device: Device, ext_selfs: Sequence[SelfIp], declared: Sequence[Address]
) -> tuple[str, ...]:
    if declared:
        return tuple(
            sorted(s.name for s in device.self_ips.values() if s.address in set(declared))
        )
    floating = [s.name for s in ext_selfs if s.floating]
    if device.ha or floating:
        return tuple(floating)
    return tuple(s.name for s in ext_selfs)


def _forwarding(
    device: Device, external: set[Address], edge_vlans: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Forwarding virtuals that carry Edge-initiated traffic out, and traffic in to the Edge.

    Outbound: the source contains an Edge external address and the virtual listens on the Edge
    external VLAN (when that VLAN is known). Inbound: the destination (not a default route)
    contains an Edge external address.
    """
    outbound: list[str] = []
    inbound: list[str] = []
    index = _AddressIndex(external)
    for vs in device.virtual_servers.values():
        if vs.type != "ip-forward":
            continue
        source = vs.source_network
        destination = vs.destination_network
        on_edge_vlan = not edge_vlans or any(vs.enabled_on(v) for v in edge_vlans)
        if source is not None and on_edge_vlan and index.holds_any(source):
            outbound.append(vs.name)
        if destination is not None and not destination.is_default and index.holds_any(destination):
            inbound.append(vs.name)
    return tuple(sorted(outbound)), tuple(sorted(inbound))


class _AddressIndex:
    """Addresses as sorted integers per route domain and IP version: whether a network holds
    any of them is a binary search, not a test of each (forwarders x Edge addresses)."""

    __slots__ = ("_ints",)

    def __init__(self, addresses: Iterable[Address]) -> None:
        self._ints: dict[tuple[int, int], list[int]] = defaultdict(list)
        for address in addresses:
            self._ints[(address.route_domain, address.ip.version)].append(int(address.ip))
        for ints in self._ints.values():
            ints.sort()

    def holds_any(self, network: Network) -> bool:
        """``any(network.contains(a) for a in addresses)``."""
        ints = self._ints.get((network.route_domain, network.network.version))
        if not ints:
            return False
        net = network.network
        i = bisect_left(ints, int(net.network_address))
        return i < len(ints) and ints[i] <= int(net.broadcast_address)


def _ha(device: Device, intent: Mapping[str, Any]) -> bool:
    declared = intent.get("ha")
    if isinstance(declared, bool):
        return declared
    return device.ha


def _declared_or_iapp(declared: object, device: Device, variable: str) -> bool | None:
    """An intent flag, else the answer given to a Lync iApp (``Yes``/``No``), else None."""
    if isinstance(declared, bool):
        return declared
    for service in device.application_services.values():
        if service.template and _LYNC_TEMPLATE.search(service.template):
            answer = service.variables.get(variable, "").strip().lower()
            if answer in ("yes", "no"):
                return answer == "yes"
    return None


def _product(device: Device) -> str | None:
    for service in device.application_services.values():
        template = service.template or ""
        if "skype_server_2015" in template:
            return "sfb2015"
        if "lync_server_2010_2013" in template:
            return "lync2013"
        if "lync_server_2010" in template:
            return "lync2010"
    return None


# -- small helpers -------------------------------------------------------------------------------


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first_value(pools: Sequence[Any], key: str) -> Any:
    for pool in pools:
        value = _mapping(pool).get(key)
        if value is not None:
            return value
    return None


def _opt_str(value: object) -> str | None:
    return str(value) if value is not None else None


def _opt_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _address(value: object) -> Address | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_address(value.strip())
    except ValueError:
        return None


def _networks(value: object) -> tuple[Network, ...]:
    found = []
    for item in _list(value):
        try:
            found.append(parse_network(str(item)))
        except ValueError:
            continue
    return _sorted(found)


def _vlans(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in _list(value))


def _unique(items: Iterable[_T | None]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(i for i in items if i is not None))


def _sorted(items: Iterable[_Ordered]) -> tuple[_Ordered, ...]:
    # By a key computed once per item: sorting by `<` computed it twice per comparison.
    return tuple(sorted(set(items), key=_order))


def _order(item: Address | Network) -> tuple[int, ...]:
    """The order of ``Address.__lt__`` and ``Network.__lt__``, as a key."""
    if isinstance(item, Address):
        return item.route_domain, item.ip.version, int(item.ip)
    net = item.network
    return item.route_domain, net.version, int(net.network_address), net.prefixlen


# -- output ------------------------------------------------------------------------------------


def topology_to_jsonable(pairs: Sequence[tuple[Device, Topology]]) -> dict[str, object]:
    """The ``topology`` section of reports (and of ``lyncpolicy topology --format json``)."""
    return {"devices": [device_to_jsonable(device, topology) for device, topology in pairs]}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _vip_json(vip: EdgeVip) -> dict[str, object]:
    return {
        "role": vip.role.removeprefix("edge_"),
        "address": str(vip.address.ip),
        "route_domain": vip.address.route_domain,
        "virtual_servers": list(vip.virtual_servers),
        "ports": list(vip.ports),
        "evidence": list(vip.evidence),
        "confidence": vip.confidence,
    }


def _server_json(server: EdgeServer) -> dict[str, object]:
    return {
        "name": server.name,
        "access": _text(server.access),
        "webconf": _text(server.webconf),
        "av": _text(server.av),
        "internal": _text(server.internal),
        "nat": _text(server.nat),
        "paired_by": server.paired_by,
    }


def _forwarding_json(device: Device, topology: Topology) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for name in sorted({*topology.forwarding_outbound, *topology.forwarding_inbound}):
        vs = device.virtual_servers[name]
        outbound = name in topology.forwarding_outbound
        inbound = name in topology.forwarding_inbound
        direction = "both" if outbound and inbound else "outbound" if outbound else "inbound"
        found.append(
            {
                "name": name,
                "direction": direction,
                "source": _text(vs.source_network),
                "destination": _text(vs.destination_network),
                "vlans": list(vs.vlans) if vs.vlans_mode == "enabled" else [],
                "vlans_mode": vs.vlans_mode,
            }
        )
    return found


def _summary(topology: Topology) -> str:
    if not topology.found:
        hint = f" (hints: {'; '.join(topology.hints)})" if topology.hints else ""
        return f"no Lync / Skype for Business Edge deployment recognized{hint}"
    vips = sum(len(pool.vips) for pool in topology.pools)
    servers = sum(len(pool.servers) for pool in topology.pools)
    text = f"Edge deployment: {vips} VIP role(s), {servers} server(s)"
    if topology.unresolved:
        text += f", {len(topology.unresolved)} virtual(s) in advisory mode"
    return text


def device_to_jsonable(device: Device, topology: Topology) -> dict[str, object]:
    """One device's entry of :func:`topology_to_jsonable`."""
    return {
        "device": topology.device,
        "found": topology.found,
        "summary": _summary(topology),
        "ha": topology.ha,
        "intent": topology.intent,
        "product": topology.product,
        "nat_design": topology.nat_design,
        "hints": list(topology.hints),
        "unresolved": list(topology.unresolved),
        "vlans": {
            "upstream": list(topology.upstream_vlans),
            "edge_external": list(topology.edge_external_vlans),
            "edge_internal": list(topology.edge_internal_vlans),
        },
        "edge_pools": [
            {
                "name": pool.name,
                "vips": [_vip_json(vip) for vip in pool.vips],
                "servers": [_server_json(server) for server in pool.servers],
            }
            for pool in topology.pools
        ],
        "forwarding_virtuals": _forwarding_json(device, topology),
        "nats": [
            {
                "name": name,
                "originating": _text(device.nats[name].originating_address),
                "translation": _text(device.nats[name].translation_address),
            }
            for name in topology.edge_nats
        ],
        "snats": [
            {
                "name": snat.name,
                "origins": [str(o) for o in snat.origins],
                "translation": "automap" if snat.automap else snat.snatpool or snat.translation,
            }
            for snat in sorted(device.snats.values(), key=lambda s: s.name)
        ],
        "gateway_self_ips": [
            {
                "name": name,
                "address": _text(device.self_ips[name].network and device.self_ips[name].address),
                "network": _text(device.self_ips[name].network),
                "vlan": device.self_ips[name].vlan,
                "floating": device.self_ips[name].floating,
            }
            for name in topology.gateway_self_ips
        ],
        "default_routes": [
            {
                "name": name,
                "route_domain": route.network.route_domain if route.network else 0,
                "gateway": _text(route.gateway),
            }
            for name in topology.default_routes
            if (route := device.routes[name]) is not None
        ],
    }
