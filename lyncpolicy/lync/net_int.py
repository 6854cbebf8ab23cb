"""Predicates of the network and Edge internal rules (LYNC-EDGE-NET-001..009, -INT-001..004).

What YAML cannot say about the paths around the Edge servers: whether the Edge servers'
declared gateways and internal next hops are BIG-IP self IPs, which forwarding virtuals,
``ltm nat`` and ``ltm snat`` objects let an Edge external address leave (and which translate
it), whether a forwarding virtual routes the Edge DMZ into the Edge internal side (BIG-IP picks
the most specific destination), the effective fastL4 settings of the forwarders, route-domain
consistency of the objects that must work together, the default route, the separation of the
Edge networks, and the listeners, exposure and return path of the Edge internal VIP.

Every predicate reads the ``device`` and ``topology`` roots of its scope and compiles its path
argument once. An object kind the input cannot express (``device.unknown_kinds``: ``nats``,
``forwarding_virtuals``...) or a field listed in an object's ``unknown`` makes the answer
undetermined unless something known already decides it. Witnesses follow the pack's
convention: scalars explain (``why``, ``service``) or carry the exact ``tmsh`` fix; lists only
name what fails (``translated_by``, ``mismatched``), because the engine appends them to a
finding's ``detail`` and so to its fingerprint.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lyncpolicy.adapters.declarative import FORWARDING_VIRTUALS
from lyncpolicy.adapters.tmsh_model import builtin_profiles
from lyncpolicy.addresses import Address, Network
from lyncpolicy.conditions import FAILED, PASSED, Compiler, Outcome, Predicate, Status
from lyncpolicy.lync.common import (
    Addresses,
    DeviceFacts,
    Listen,
    PrefixIndex,
    Test,
    enabled_on_any,
    enabled_vlans,
    endpoint,
    fixed,
    host_mask,
    irule_snat_commands,
    known_miss,
    listing,
    object_predicate,
    pool_of,
    service_of,
    snat_translation,
    snats_covering,
    undetermined,
    vip_listeners,
    vlan_universe,
    with_facts,
)
from lyncpolicy.model import Device, Pool, Profile, Route, SelfIp, Snat, VirtualServer
from lyncpolicy.topology import EXTERNAL_ROLES, Topology

_FORWARDER_FIELDS: Final = frozenset(
    {"type", "destination_network", "source_network", "vlans", "vlans_mode", "enabled"}
)
_VLAN_FIELDS: Final = frozenset({"vlans", "vlans_mode"})
_NAT_FIELDS: Final = frozenset({"originating_address", "vlans", "vlans_mode", "enabled"})
# The reader comment's forwarding profile: mentioned when they differ, never failed on.
_READER_FASTL4: Final = (("idle-timeout", "immediate"), ("reset-on-timeout", "enabled"))
_LOOSE: Final = ("loose-initialization", "loose-close")
_SPEC_PROTOCOLS: Final = frozenset({"tcp", "udp"})


# -- small helpers ---------------------------------------------------------------------------------


def _fail(**witnesses: object) -> Outcome:
    return Outcome(Status.FAIL, witnesses)


def _fail_at(at: str | None, **witnesses: object) -> Outcome:
    """A failure located at the object named ``at`` (a device-level finding takes its source
    line); no location when there is none."""
    return Outcome(Status.FAIL, {**witnesses, "at": at} if at else witnesses)


def _undecided(unsure: Iterable[str]) -> Outcome:
    return undetermined(*dict.fromkeys(unsure))


def _sorted_values(items: Mapping[str, Any]) -> list[Any]:
    return [items[name] for name in sorted(items)]


# -- VLANs -----------------------------------------------------------------------------------------


def _vlans_fix(name: str, vlans: Iterable[str], fallback: str) -> str:
    listed = " ".join(vlans) or fallback
    return f"modify ltm virtual {name} vlans replace-all-with {{ {listed} }} vlans-enabled"


# -- addresses, route domains and the Edge topology ------------------------------------------------


def _rd(route_domain: int) -> str:
    return f"route domain {route_domain}"


def _host(address: Address) -> Network:
    prefix = address.ip.max_prefixlen
    return Network(address.route_domain, ipaddress.ip_network(f"{address.ip}/{prefix}"))


def _rehome(network: Network, route_domain: int) -> Network:
    return Network(route_domain, network.network)


def _wildcard(route_domain: int, version: int) -> str:
    """``0.0.0.0%9:0 mask any`` as tmsh destination text."""
    suffix = f"%{route_domain}" if route_domain else ""
    if version == 4:
        return f"0.0.0.0{suffix}:0 mask any"
    return f"::{suffix}.0 mask any6"


def _free_name(taken: Mapping[str, Any], base: str) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _safe(text: str) -> str:
    """A fragment usable in a tmsh object name (``%``, ``/``, ``:`` are not)."""
    return text.replace("%", "_rd").replace("/", "_").replace(":", "_").replace(".", "_")


def _describe(facts: DeviceFacts, address: Address) -> str:
    """``A/V, edge02``: the service of an Edge external address and its server, when known."""
    parts = [service_of(facts, address) or "Edge external"]
    parts.extend(server.name for server in facts.servers.get(address, ()))
    return ", ".join(parts)


def _without_snat(virtuals: Iterable[VirtualServer]) -> tuple[list[VirtualServer], list[str]]:
    """The virtuals with SNAT none, and those whose SNAT setting is unknown."""
    none: list[VirtualServer] = []
    unsure: list[str] = []
    for vs in virtuals:
        if "snat_type" in vs.unknown:
            unsure.append(vs.name)
        elif vs.snat_type == "none":
            none.append(vs)
    return none, unsure


def _vip_text(virtuals: Iterable[VirtualServer]) -> str:
    return listing(f"{vs.name} ({vs.destination}:{vs.port}/{vs.ip_protocol})" for vs in virtuals)


def _on_edge_external(self_ip: SelfIp, topology: Topology) -> bool:
    if self_ip.vlan is not None and self_ip.vlan in topology.edge_external_vlans:
        return True
    net = self_ip.network
    return net is not None and any(net.contains(a) for a in topology.edge_external_addresses)


def _self_text(self_ip: SelfIp) -> str:
    """``/Common/edge_dmz_float 203.0.113.1/26 on /Common/edge_dmz (floating)``."""
    floating = "floating" if self_ip.floating else "local-only"
    address: object = self_ip.address
    if self_ip.address is not None and self_ip.network is not None:
        address = f"{self_ip.address}/{self_ip.network.network.prefixlen}"
    return f"{self_ip.name} {address} on {self_ip.vlan} ({floating})"


def _route_domain_ids(device: Device) -> dict[str, int]:
    """VLAN -> the id of the route domain that lists it."""
    found: dict[str, int] = {}
    for domain in _sorted_values(device.route_domains):
        for vlan in domain.vlans:
            found.setdefault(vlan, domain.id)
    return found


def _ancestors(device: Device, route_domain: int) -> frozenset[int]:
    """The parent route domains of ``route_domain`` (a child falls back to its parent's routes)."""
    by_id = {d.id: d for d in device.route_domains.values()}
    by_name = {d.name: d for d in device.route_domains.values()}
    found: set[int] = set()
    current = by_id.get(route_domain)
    while current is not None and current.parent:
        parent = by_name.get(current.parent) or by_name.get(f"/Common/{current.parent}")
        if parent is None and current.parent.isdigit():
            parent = by_id.get(int(current.parent))
        if parent is None or parent.id in found or parent.id == route_domain:
            break
        found.add(parent.id)
        current = parent
    return frozenset(found)


def _reachable_in(device: Device, network: Network, route_domain: int) -> Network | None:
    """``network`` as seen from ``route_domain`` (its own, or a parent's), else None."""
    if network.route_domain == route_domain:
        return network
    if network.route_domain in _ancestors(device, route_domain):
        return _rehome(network, route_domain)
    return None


def _overlap(first: Network, second: Network) -> Network | None:
    """The smaller of two networks when one contains the other (prefixes never partly overlap)."""
    if first.covers(second):
        return second
    if second.covers(first):
        return first
    return None


def _minus(network: Network, holes: Iterable[Network]) -> list[Network]:
    """What is left of ``network`` once the ``holes`` are taken out."""
    # Any: mypy cannot tell that the version test keeps IPv4 and IPv6 apart.
    left: list[Any] = [network.network]
    for hole in holes:
        cut: Any = hole.network
        if hole.route_domain != network.route_domain:
            continue
        kept: list[Any] = []
        for piece in left:
            if piece.version != cut.version:
                kept.append(piece)
            elif cut.supernet_of(piece):
                continue
            elif piece.supernet_of(cut):
                kept.extend(piece.address_exclude(cut))
            else:
                kept.append(piece)
        left = kept
    return sorted(Network(network.route_domain, p) for p in left)


# -- LYNC-EDGE-NET-001: the Edge external default gateway ------------------------------------------


def _gateway(facts: DeviceFacts, self_ip: SelfIp) -> Outcome:
    device, topology = facts.device, facts.topology
    unsnat, unsure = _without_snat(facts.role_virtuals(EXTERNAL_ROLES))
    if not unsnat:
        return _undecided(unsure) if unsure else PASSED
    vips = sorted({vs.destination for vs in unsnat if vs.destination is not None})
    routed = f"the external Edge VIPs {listing(vips)} have no SNAT"
    windows = f"route -p add 0.0.0.0 mask 0.0.0.0 {self_ip.address.ip if self_ip.address else ''}"
    declared = topology.declared_gateways
    if not declared:
        return _fail(
            why=(
                "cannot verify the Edge external default gateway without intent (no "
                "external_default_gateway is declared for the Edge servers). Inferred: "
                f"{_self_text(self_ip)}, which contains the Edge external addresses; {routed}, "
                "so the Edge servers must route their replies through it"
            ),
            windows=windows,
        )
    edge_selfs = [s for s in _sorted_values(device.self_ips) if _on_edge_external(s, topology)]
    bad = [g for g in declared if not any(s.address == g for s in edge_selfs)]
    if not bad:
        return PASSED
    users = [
        server.name
        for pool in topology.pools
        for server in pool.servers
        if server.external_default_gateway in bad
    ]
    return _fail(
        why=(
            f"the Edge servers' declared default gateway {listing(bad)} ({listing(users)}) is not "
            "a BIG-IP self IP on the Edge external network (self IPs there: "
            f"{listing(_self_text(s) for s in edge_selfs)}), while {routed}: replies from the "
            "Edge servers bypass the BIG-IP"
        ),
        windows=windows,
    )


def _holds_edge_address(facts: DeviceFacts, network: Network) -> Outcome:
    """``some: {over: topology.edge_external_addresses, as: a, condition: {contains-address:
    {network: N, address: a}}}`` in one index lookup, not one check per Edge address."""
    return PASSED if facts.external.within(network) else FAILED


# -- LYNC-EDGE-NET-002 / NET-003: how an Edge external address leaves ------------------------------


@dataclass(frozen=True, slots=True)
class _Exit:
    """One way an Edge external address leaves through the BIG-IP."""

    kind: str  # forwarder | nat | snat
    name: str
    text: str
    translation: str | None  # None: the address leaves as it is (or through its 1:1 NAT)
    fix: str = ""


@dataclass(slots=True)
class _Exits:
    found: list[_Exit] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)  # may be an exit
    unsure_translation: list[str] = field(default_factory=list)  # may translate


def _source_contains(vs: VirtualServer, address: Address) -> bool:
    """No ``source`` means any source, in the virtual's route domain."""
    if vs.source_network is not None:
        return vs.source_network.contains(address)
    domain = vs.destination_network.route_domain if vs.destination_network else 0
    return domain == address.route_domain


def _internet_facing(facts: DeviceFacts, vs: VirtualServer, address: Address) -> bool:
    """The forwarder's destination can hold Internet hosts, in the address's route domain."""
    destination = vs.destination_network
    if destination is None:
        return True
    return destination.route_domain == address.route_domain and not facts.private(destination)


def _forwarder_translation(device: Device, vs: VirtualServer, exits: _Exits) -> str | None:
    found: list[str] = []
    if "snat_type" in vs.unknown:
        exits.unsure_translation.append(vs.name)
    elif vs.snat_type != "none":
        pool = f" pool {vs.snat_pool}" if vs.snat_pool else ""
        found.append(f"source-address-translation {vs.snat_type}{pool}")
    if "rules" in vs.unknown:
        exits.unsure_translation.append(f"{vs.name} iRules")
    for name in vs.rules:
        rule = device.irules.get(name)
        if rule is None or "text" in rule.unknown:
            if not name.rsplit("/", 1)[-1].startswith("_sys_"):
                exits.unsure_translation.append(name)
            continue
        commands = irule_snat_commands(rule.text)
        if commands:
            found.append(f"iRule {name} ({'; '.join(commands)})")
    return "; ".join(found) or None


def _forwarder_fix(vs: VirtualServer, translation: str) -> str:
    lines = []
    if "source-address-translation" in translation:
        lines.append(f"modify ltm virtual {vs.name} source-address-translation {{ type none }}")
    if "iRule" in translation:
        lines.append(f"modify ltm virtual {vs.name} rules none")
    return "\n".join(lines)


def _edge_forwarders(facts: DeviceFacts) -> tuple[VirtualServer, ...]:
    """The virtuals that may forward what the Edge servers send (by name): enabled ip-forward
    virtuals enabled on an Edge external VLAN, and those a field unknown leaves in doubt."""
    edge_vlans = facts.topology.edge_external_vlans
    found: list[VirtualServer] = []
    for vs in facts.virtuals:
        if _FORWARDER_FIELDS & vs.unknown:
            if "type" in vs.unknown or vs.type == "ip-forward":
                found.append(vs)
        elif (
            vs.type == "ip-forward"
            and vs.enabled
            and enabled_on_any(vs.vlans_mode, vs.vlans, edge_vlans)
        ):
            found.append(vs)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Forwarders:
    """The Edge forwarders of a device indexed by what an address needs of them: positions in
    ``forwarders`` (by name), so that candidates come back in the order of a full scan.

    ``exits``: the forwarders that may let an address out or leave it in doubt are ``always``,
    those whose source contains it (``by_source``, route domain included) and the sourceless
    ones of its route domain (``sourceless``). ``misses``: those of its route domain or without
    a destination (``by_destination``: leave it out unless they let it out), those of another
    route domain whose source holds it once rehomed (``by_source_any_rd``) or that have no
    source (``sourceless_routed``, by destination route domain)."""

    forwarders: tuple[VirtualServer, ...]
    always: tuple[int, ...]
    by_source: PrefixIndex[int]
    sourceless: Mapping[int, tuple[int, ...]]
    by_destination: Mapping[int | None, tuple[int, ...]]
    by_source_any_rd: PrefixIndex[int]
    sourceless_routed: Mapping[int, tuple[int, ...]]

    def exit_candidates(self, address: Address) -> list[int]:
        found = {*self.always, *self.by_source.containing(address)}
        found.update(self.sourceless.get(address.route_domain, ()))
        return sorted(found)

    def miss_candidates(self, address: Address) -> list[int]:
        rd = address.route_domain
        found = {*self.by_destination.get(rd, ()), *self.by_destination.get(None, ())}
        found.update(self.by_source_any_rd.containing(address))
        for domain, positions in self.sourceless_routed.items():
            if domain != rd:
                found.update(positions)
        return sorted(found)


def _forwarders(facts: DeviceFacts) -> _Forwarders:
    forwarders = facts.cached(_edge_forwarders, lambda: _edge_forwarders(facts))
    edge_vlans = facts.topology.edge_external_vlans
    always: list[int] = []
    by_source: list[tuple[Network, int]] = []
    sourceless: dict[int, list[int]] = {}
    by_destination: dict[int | None, list[int]] = {}
    by_source_any_rd: list[tuple[Network, int]] = []
    sourceless_routed: dict[int, list[int]] = {}
    for i, vs in enumerate(forwarders):
        source = vs.source_network
        if _FORWARDER_FIELDS & vs.unknown:
            if "type" in vs.unknown or vs.type == "ip-forward":
                if "source_network" in vs.unknown or source is None:
                    always.append(i)
                else:
                    by_source.append((source, i))
            continue
        if vs.type != "ip-forward" or not vs.enabled:
            continue
        if not enabled_on_any(vs.vlans_mode, vs.vlans, edge_vlans):
            continue
        destination = vs.destination_network
        domain = destination.route_domain if destination is not None else None
        by_destination.setdefault(domain, []).append(i)
        if source is None:
            sourceless.setdefault(domain or 0, []).append(i)
            if domain is not None:
                sourceless_routed.setdefault(domain, []).append(i)
        else:
            by_source.append((source, i))
            if domain is not None:
                by_source_any_rd.append((source, i))
    return _Forwarders(
        forwarders,
        tuple(always),
        PrefixIndex(by_source),
        {rd: tuple(p) for rd, p in sourceless.items()},
        {rd: tuple(p) for rd, p in by_destination.items()},
        PrefixIndex(by_source_any_rd, route_domains=False),
        {rd: tuple(p) for rd, p in sourceless_routed.items()},
    )


def _forwarder_index(facts: DeviceFacts) -> _Forwarders:
    return facts.cached(_forwarders, lambda: _forwarders(facts))


_UNSURE: Final = "unsure"
_FOUND: Final = "found"
_MISS: Final = "miss"


def _forwarder_verdict(
    facts: DeviceFacts, vs: VirtualServer, address: Address
) -> tuple[str | None, str]:
    """What the forwarder does with ``address``: ``unsure``, ``found`` (lets it out), ``miss``
    (with the reason it does not), or None (unrelated)."""
    if _FORWARDER_FIELDS & vs.unknown:
        if ("type" in vs.unknown or vs.type == "ip-forward") and not known_miss(
            vs, "source_network", address
        ):
            return _UNSURE, ""
        return None, ""
    if vs.type != "ip-forward" or not vs.enabled:
        return None, ""
    if not enabled_on_any(vs.vlans_mode, vs.vlans, facts.topology.edge_external_vlans):
        return None, ""
    destination = vs.destination_network
    if destination is not None and destination.route_domain != address.route_domain:
        source = vs.source_network
        if source is None or _rehome(source, address.route_domain).contains(address):
            return _MISS, (
                f"{vs.name} forwards in {_rd(destination.route_domain)}, not in "
                f"{_rd(address.route_domain)}"
            )
        return None, ""
    if not _internet_facing(facts, vs, address):
        return None, ""
    if not _source_contains(vs, address):
        return _MISS, f"the source {vs.source_network} of {vs.name} leaves it out"
    return _FOUND, ""


def _forwarder_exits(facts: DeviceFacts, address: Address, exits: _Exits) -> None:
    device = facts.device
    if FORWARDING_VIRTUALS in device.unknown_kinds or "virtual_servers" in device.unknown_kinds:
        exits.unsure.append("forwarding virtuals")
        exits.unsure_translation.append("forwarding virtuals")
    index = _forwarder_index(facts)
    for i in index.exit_candidates(address):
        vs = index.forwarders[i]
        verdict, _ = _forwarder_verdict(facts, vs, address)
        if verdict == _UNSURE:
            exits.unsure.append(vs.name)
            exits.unsure_translation.append(vs.name)
        elif verdict == _FOUND:
            translation = _forwarder_translation(device, vs, exits)
            exits.found.append(
                _Exit(
                    "forwarder",
                    vs.name,
                    f"forwarding virtual {vs.name} (source {vs.source_network or 'any'}"
                    + (f", {translation})" if translation else ")"),
                    translation,
                    _forwarder_fix(vs, translation) if translation else "",
                )
            )


def _forwarder_misses(facts: DeviceFacts, address: Address) -> tuple[list[str], list[str]]:
    """The forwarders that leave ``address`` out (by name): why, and their names. Only a
    failing address needs them, so they are not part of :func:`_exits`."""
    index = _forwarder_index(facts)
    misses: list[str] = []
    missed_by: list[str] = []
    for i in index.miss_candidates(address):
        vs = index.forwarders[i]
        verdict, why = _forwarder_verdict(facts, vs, address)
        if verdict == _MISS:
            misses.append(why)
            missed_by.append(vs.name)
    return misses, missed_by


def _nat_exits(facts: DeviceFacts, address: Address, exits: _Exits) -> None:
    topology = facts.topology
    if "nats" in facts.device.unknown_kinds:
        exits.unsure.append("ltm nat objects")
    # The NATs whose originating address is not another known one.
    for nat in facts.nats_maybe_originating(address):
        if _NAT_FIELDS & nat.unknown:
            if "originating_address" in nat.unknown or nat.originating_address == address:
                exits.unsure.append(nat.name)
            continue
        if not nat.enabled or nat.originating_address != address:
            continue
        if enabled_on_any(nat.vlans_mode, nat.vlans, topology.edge_external_vlans):
            exits.found.append(
                _Exit(
                    "nat", nat.name, f"ltm nat {nat.name} (1:1 to {nat.translation_address})", None
                )
            )


def _snat_fix(snat: Snat, address: Address) -> str:
    covering = [o for o in snat.origins if o.contains(address)]
    if len(covering) == len(snat.origins):
        return f"delete ltm snat {snat.name}"
    return f"modify ltm snat {snat.name} origins delete {{ {' '.join(map(str, covering))} }}"


def _snat_exits(facts: DeviceFacts, address: Address, exits: _Exits) -> None:
    unsure: list[str] = []
    snats = snats_covering(facts, address, facts.topology.edge_external_vlans, unsure)
    exits.unsure.extend(unsure)
    exits.unsure_translation.extend(unsure)
    for snat in snats:
        translation = snat_translation(snat)
        exits.found.append(
            _Exit(
                "snat",
                snat.name,
                f"ltm snat {snat.name} (origins {listing(snat.origins)}, {translation})",
                translation,
                _snat_fix(snat, address),
            )
        )


def _exits(facts: DeviceFacts, address: Address) -> _Exits:
    """How ``address`` leaves (shared by LYNC-EDGE-NET-002 and NET-003: read, never changed)."""

    def find() -> _Exits:
        exits = _Exits()
        _forwarder_exits(facts, address, exits)
        _nat_exits(facts, address, exits)
        _snat_exits(facts, address, exits)
        return exits

    return facts.cached((_exits, address), find)


def _widen(source: Network, address: Address, networks: Sequence[Network]) -> Network:
    """The Edge external network holding both, else the smallest prefix covering both."""
    for network in networks:
        if network.contains(address) and network.covers(source):
            return network
    net = source.network
    if address.ip.version != net.version:
        return Network(source.route_domain, net.supernet(new_prefix=0))
    # The longest prefix holding both: the leading bits they share (at most the source's).
    differing = (int(net.network_address) ^ int(address.ip)).bit_length()
    prefix = min(net.prefixlen, net.max_prefixlen - differing)
    if prefix < net.prefixlen:
        net = net.supernet(new_prefix=prefix)
    return Network(source.route_domain, net)


def _outbound_forwarders(facts: DeviceFacts) -> dict[int, list[VirtualServer]]:
    """The known, enabled Edge forwarders with a source and no SNAT, by the source's route
    domain (by name)."""
    edge_vlans = facts.topology.edge_external_vlans
    found: dict[int, list[VirtualServer]] = {}
    for vs in facts.cached(_edge_forwarders, lambda: _edge_forwarders(facts)):
        if (
            vs.type == "ip-forward"
            and vs.enabled
            and not _FORWARDER_FIELDS & vs.unknown
            and vs.source_network is not None
            and vs.snat_type == "none"
            and enabled_on_any(vs.vlans_mode, vs.vlans, edge_vlans)
        ):
            found.setdefault(vs.source_network.route_domain, []).append(vs)
    return found


def _outbound_forwarder(facts: DeviceFacts, address: Address) -> VirtualServer | None:
    """The Edge outbound forwarder whose source should hold ``address`` (outbound role first)."""
    topology = facts.topology
    by_rd = facts.cached(_outbound_forwarders, lambda: _outbound_forwarders(facts))
    candidates = [
        vs for vs in by_rd.get(address.route_domain, ()) if _internet_facing(facts, vs, address)
    ]
    candidates.sort(key=lambda vs: (vs.name not in topology.forwarding_outbound, vs.name))
    return candidates[0] if candidates else None


def _outbound_fix(facts: DeviceFacts, address: Address) -> str:
    """Widen the source of the Edge outbound forwarder, or create one."""
    device, topology = facts.device, facts.topology
    vs = _outbound_forwarder(facts, address)
    if vs is not None:
        assert vs.source_network is not None
        wider = _widen(vs.source_network, address, topology.edge_external_networks)
        return f"modify ltm virtual {vs.name} source {wider}"
    network = next(
        (n for n in topology.edge_external_networks if n.contains(address)), _host(address)
    )
    name = _free_name(device.virtual_servers, "/Common/edge_outbound_fwd")
    vlans = (
        f" vlans replace-all-with {{ {' '.join(topology.edge_external_vlans)} }} vlans-enabled"
        if topology.edge_external_vlans
        else ""
    )
    return (
        f"create ltm virtual {name} {{ destination "
        f"{_wildcard(address.route_domain, address.ip.version)} ip-forward ip-protocol any "
        f"source {network} profiles replace-all-with {{ /Common/fastL4 }} "
        f"translate-address disabled translate-port disabled{vlans} }}"
    )


def _leaves(facts: DeviceFacts, address: Address) -> Outcome:
    topology = facts.topology
    if topology.nat_design and address.is_private:
        return PASSED  # decision (2): LYNC-EDGE-NAT-002 owns these addresses
    exits = _exits(facts, address)
    av = address in facts.av_set
    if any(not (av and e.translation) for e in exits.found):
        return PASSED
    if exits.unsure:
        return _undecided(exits.unsure)
    vlans = listing(topology.edge_external_vlans) if topology.edge_external_vlans else "any VLAN"
    misses, missed_by = _forwarder_misses(facts, address)
    reasons = misses or [f"no ip-forward virtual enabled on {vlans} has a source containing it"]
    if exits.found:
        reasons.append(
            f"it is covered only by {listing(e.text for e in exits.found)}, and an A/V address "
            "must not be translated (LYNC-EDGE-NET-003)"
        )
    else:
        reasons.append("no ltm nat originates it and no ltm snat origin contains it")
    return _fail_at(
        _leaving_at(facts, address, missed_by),
        service=_describe(facts, address),
        why="; ".join(reasons),
        tmsh=_outbound_fix(facts, address),
    )


def _leaving_at(facts: DeviceFacts, address: Address, missed_by: Sequence[str]) -> str | None:
    """Where to fix an address that cannot leave: the outbound forwarder to widen, a forwarder
    that leaves it out, else the Edge gateway self IP or the first external Edge virtual."""
    forwarder = _outbound_forwarder(facts, address)
    if forwarder is not None:
        return forwarder.name
    if missed_by:
        return missed_by[0]
    if facts.topology.gateway_self_ips:
        return facts.topology.gateway_self_ips[0]
    external = facts.role_virtuals(EXTERNAL_ROLES)
    return external[0].name if external else None


def _not_translated(facts: DeviceFacts, address: Address) -> Outcome:
    if facts.topology.nat_design or facts.private(address):
        return PASSED  # the NAT design: LYNC-EDGE-NAT-004 (1:1 NAT only, "SNAT out" allowed)
    exits = _exits(facts, address)
    translating = [e for e in exits.found if e.translation]
    if translating:
        return _fail_at(
            translating[0].name,
            translated_by=[e.name for e in translating],
            service=_describe(facts, address),
            how="; ".join(e.text for e in translating),
            tmsh="\n".join(dict.fromkeys(e.fix for e in translating if e.fix)),
        )
    if exits.unsure_translation:
        return _undecided(exits.unsure_translation)
    return PASSED


# -- LYNC-EDGE-NET-004: forwarding scope -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    network: Network
    what: str


def _internal_targets(device: Device, topology: Topology) -> list[_Target]:
    """The Edge internal networks, the declared internal networks, and the networks the BIG-IP
    routes through a gateway on the Edge internal network."""
    found: dict[Network, str] = {}
    for network in topology.edge_internal_networks:
        found.setdefault(network, "the Edge internal network")
    for network in topology.internal_networks:
        found.setdefault(network, "a declared internal network")
    for route in _sorted_values(device.routes):
        network, gateway = route.network, route.gateway
        if network is None or gateway is None or network.is_default or route.unknown:
            continue
        if any(n.contains(gateway) for n in topology.edge_internal_networks):
            found.setdefault(network, f"routed by {route.name} via {gateway}")
    return [_Target(n, what) for n, what in found.items()]


def _takes_first(
    other: VirtualServer, vs: VirtualServer, vlan: str, piece: Network, sources: Sequence[Address]
) -> bool:
    """Whether ``other`` matches the traffic of ``vs`` to ``piece`` on ``vlan`` first (BIG-IP
    picks the most specific destination)."""
    destination = other.destination_network
    mine = vs.destination_network
    if other is vs or not other.enabled or other.unknown or destination is None or mine is None:
        return False
    if destination.network.prefixlen <= mine.network.prefixlen or not _overlap(destination, piece):
        return False
    if not enabled_on_any(other.vlans_mode, other.vlans, [vlan]):
        return False
    if other.ip_protocol not in ("any", vs.ip_protocol) or other.port not in (None, 0):
        return False
    return all(_source_contains(other, a) for a in sources)


def _routes_inward(
    facts: DeviceFacts, vs: VirtualServer, vlan: str
) -> list[tuple[_Target, list[Network]]]:
    """The internal targets ``vs`` forwards Edge external traffic into, on ``vlan``, with the
    parts no more specific virtual takes first."""
    device, topology = facts.device, facts.topology
    destination = vs.destination_network
    if destination is None:
        return []
    sources = [a for a in topology.edge_external_addresses if _source_contains(vs, a)]
    found = []
    for target in _internal_targets(device, topology):
        seen = _reachable_in(device, target.network, destination.route_domain)
        piece = _overlap(destination, seen) if seen is not None else None
        if piece is None:
            continue
        blockers = [
            o.destination_network
            for o in facts.virtuals
            if o.destination_network is not None and _takes_first(o, vs, vlan, piece, sources)
        ]
        left = _minus(piece, blockers)
        if left:
            found.append((target, left))
    return found


def _reject_fix(device: Device, vlan: str, network: Network) -> str:
    name = _free_name(
        device.virtual_servers,
        f"/Common/{vlan.rsplit('/', 1)[-1]}_reject_{_safe(str(network))}",
    )
    address = Address(network.route_domain, network.network.network_address)
    mask = network.network.netmask
    return (
        f"create ltm virtual {name} {{ destination {endpoint(address, 0)} mask {mask} reject "
        f"ip-protocol any profiles replace-all-with {{ /Common/fastL4 }} "
        f"vlans replace-all-with {{ {vlan} }} vlans-enabled }}"
    )


def _forwarding_scope(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device, topology = facts.device, facts.topology
    if (_FORWARDER_FIELDS | {"ip_protocol"}) & vs.unknown:
        return _undecided([vs.name])
    outbound = vs.name in topology.forwarding_outbound
    edge_vlans = topology.edge_external_vlans
    universe = vlan_universe(device, vs.vlans, edge_vlans, topology.upstream_vlans)
    active = enabled_vlans(vs.vlans_mode, vs.vlans, universe)
    problems: list[str] = []
    fixes: list[str] = []
    if outbound:
        allowed, fallback = frozenset(edge_vlans), "<Edge external VLAN>"
    else:  # inbound: from the Internet side, never from the Edge internal side
        allowed = frozenset(topology.upstream_vlans) or (
            universe - frozenset(topology.edge_internal_vlans)
        )
        fallback = "<upstream VLAN>"
    listening = active if active is not None else universe
    extra = sorted(listening - allowed) if allowed else []
    if active is None:
        problems.append(
            "it is enabled on all VLANs" + (f" ({listing(extra)} included)" if extra else "")
        )
    elif extra and (outbound or set(extra) & set(topology.edge_internal_vlans)):
        problems.append(f"it is also enabled on {listing(extra)}")
    if problems:
        fixes.append(_vlans_fix(vs.name, sorted(allowed & universe) or sorted(allowed), fallback))
    if outbound:
        for vlan in edge_vlans:
            if not vs.enabled_on(vlan):
                continue
            for target, left in _routes_inward(facts, vs, vlan):
                problems.append(
                    f"on {vlan} its destination {vs.destination_network} routes Edge external "
                    f"traffic into {target.network} ({target.what}): no more specific virtual "
                    f"on {vlan} takes {listing(left)} first"
                )
                fixes.extend(_reject_fix(device, vlan, n) for n in left)
    if not problems:
        return PASSED
    return _fail(why="; ".join(problems), tmsh="\n".join(dict.fromkeys(fixes)))


# -- LYNC-EDGE-NET-005: the forwarders' fastL4 profile ---------------------------------------------


def _fastl4_of(
    device: Device, vs: VirtualServer
) -> tuple[str, Profile | None, Mapping[str, str]] | None:
    """The forwarder's fastL4 profile (name, profile, effective settings); TMOS's own fastL4
    when the virtual lists no profile; None when a profile cannot be resolved."""
    if not vs.profiles:
        defaults: Mapping[str, str] = builtin_profiles()["type_defaults"]["fastl4"]
        return "/Common/fastL4", None, defaults
    for ref in vs.profiles:
        profile = device.profiles.get(ref.name)
        if profile is None or "kind" in profile.unknown:
            return None
        if profile.kind == "fastl4":
            return ref.name, profile, profile.effective
    return "", None, {}


def _fastl4_fix(device: Device, vs: VirtualServer, name: str, profile: Profile | None) -> str:
    settings = " ".join(f"{key} enabled" for key in _LOOSE)
    if profile is not None and not profile.builtin:
        return f"modify ltm profile fastl4 {name} {settings}"
    child = _free_name(device.profiles, "/Common/lync_edge_fwd_fastl4")
    return (
        f"create ltm profile fastl4 {child} {{ defaults-from /Common/fastL4 {settings} }}\n"
        f"modify ltm virtual {vs.name} profiles replace-all-with {{ {child} }}"
    )


def _forwarding_fastl4(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device = facts.device
    if "profiles" in vs.unknown:
        return _undecided([f"{vs.name} profiles"])
    found = _fastl4_of(device, vs)
    if found is None:
        return _undecided([f"{vs.name} profiles"])
    name, profile, effective = found
    if not name:
        return _fail(
            profile="none",
            settings=f"no fastL4 profile (profiles {listing(r.name for r in vs.profiles)})",
            notes="",
            tmsh=_fastl4_fix(device, vs, "", None),
        )
    if profile is not None and "effective" in profile.unknown:
        return _undecided([name])
    values = {key: effective.get(key) for key in _LOOSE}
    if any(v is None for v in values.values()):
        return _undecided([f"{name} {key}" for key, v in values.items() if v is None])
    wrong = [f"{key} {value}" for key, value in values.items() if value != "enabled"]
    if not wrong:
        return PASSED
    notes = [
        f"{key} {effective[key]} (the reader comment's profile uses {value})"
        for key, value in _READER_FASTL4
        if effective.get(key) not in (None, value)
    ]
    return _fail(
        profile=name,
        settings=", ".join(wrong),
        notes=f". Also: {'; '.join(notes)}" if notes else "",
        tmsh=_fastl4_fix(device, vs, name, profile),
    )


# -- LYNC-EDGE-NET-006: route-domain consistency ---------------------------------------------------


@dataclass(slots=True)
class _Mismatches:
    objects: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)

    def add(self, name: str, reason: str, fix: str) -> None:
        if name not in self.objects:
            self.objects.append(name)
        self.reasons.append(reason)
        if fix:
            self.fixes.append(fix)


def _edge_domain(topology: Topology) -> int | None:
    """The route domain of the Edge external side: its VIPs', else its addresses' (one only)."""
    vips = (*topology.access_vips, *topology.webconf_vips, *topology.av_vips)
    for addresses in (vips, topology.edge_external_addresses):
        domains = {a.route_domain for a in addresses}
        if len(domains) == 1:
            return domains.pop()
    return None


def _strays(network: Network, facts: DeviceFacts, domain: int) -> list[Address]:
    """The Edge external addresses ``network`` (in another route domain than the Edge's) would
    hold if it were in the Edge route domain."""
    if network.route_domain == domain:
        return []
    moved = _rehome(network, domain)
    rehomed = facts.cached(
        (_strays, domain),
        lambda: Addresses(Address(domain, a.ip) for a in facts.topology.edge_external_addresses),
    )
    return list(rehomed.within(moved))


def _check_vip_members(facts: DeviceFacts, found: _Mismatches) -> None:
    device = facts.device
    roles = (*EXTERNAL_ROLES, "edge_internal")
    for vs in facts.role_virtuals(roles):
        if "destination" in vs.unknown or vs.destination is None:
            continue
        pool = pool_of(device, vs)
        if not isinstance(pool, Pool):
            continue
        if "members" in pool.unknown:
            found.unsure.append(pool.name)
            continue
        rd = vs.destination.route_domain
        wrong = [m for m in pool.members if m.address is not None and m.address.route_domain != rd]
        if wrong:
            members = " ".join(
                f"{endpoint(_rehomed(m.address, rd), m.port or 0)} {{ }}"
                for m in pool.members
                if m.address is not None
            )
            found.add(
                vs.name,
                f"{vs.name} listens on {vs.destination} ({_rd(rd)}) but its pool {pool.name} "
                f"has members {listing(m.address for m in wrong)} in another route domain",
                f"modify ltm pool {pool.name} members replace-all-with {{ {members} }}",
            )


def _rehomed(address: Address | None, route_domain: int) -> Address:
    assert address is not None
    return Address(route_domain, address.ip)


def _check_forwarders(facts: DeviceFacts, found: _Mismatches) -> None:
    topology = facts.topology
    domain = _edge_domain(topology)
    for vs in facts.virtuals:
        if vs.type != "ip-forward" or _FORWARDER_FIELDS & vs.unknown:
            continue
        source, destination = vs.source_network, vs.destination_network
        if (
            source is not None
            and destination is not None
            and source.route_domain != destination.route_domain
        ):
            fixed = _rehome(source, destination.route_domain)
            found.add(
                vs.name,
                f"{vs.name} has source {source} and destination {destination}: different "
                "route domains never match",
                f"modify ltm virtual {vs.name} source {fixed}",
            )
            continue
        if domain is None:
            continue
        sides = [(side, n) for side, n in (("source", source), ("destination", destination)) if n]
        strays = [
            f"{side} {n} ({_rd(n.route_domain)}) would hold the Edge external addresses "
            f"{listing(held)} of {_rd(domain)}"
            for side, n in sides
            if not n.is_default and (held := _strays(n, facts, domain))
        ]
        if strays:
            found.add(
                vs.name,
                f"{vs.name} {'; its '.join(strays)}",
                "\n".join(
                    _rehome_fix(vs.name, side, n, domain)
                    for side, n in sides
                    if n.route_domain != domain
                ),
            )


def _rehome_fix(name: str, side: str, network: Network, domain: int) -> str:
    moved = _rehome(network, domain)
    if side == "source":
        return f"modify ltm virtual {name} source {moved}"
    address = Address(domain, moved.network.network_address)
    mask = "any" if moved.is_default else moved.network.netmask
    return f"modify ltm virtual {name} destination {endpoint(address, 0)} mask {mask}"


def _check_nats(facts: DeviceFacts, found: _Mismatches) -> None:
    topology = facts.topology
    domain = _edge_domain(topology)
    for nat in facts.nats:
        origin, translation = nat.originating_address, nat.translation_address
        if nat.unknown or origin is None:
            continue
        strays = _strays(_host(origin), facts, domain) if domain is not None else []
        if strays:
            found.add(
                nat.name,
                f"ltm nat {nat.name} originates {origin} ({_rd(origin.route_domain)}), not the "
                f"Edge server address {strays[0]}",
                f"delete ltm nat {nat.name}\ncreate ltm nat {nat.name} {{ originating-address "
                f"{strays[0]} translation-address {translation} }}",
            )
        elif (
            origin in facts.external_set
            and translation is not None
            and translation.route_domain != origin.route_domain
        ):
            found.add(
                nat.name,
                f"ltm nat {nat.name} translates {origin} to {translation} in another route domain",
                "",
            )


def _check_selfs(facts: DeviceFacts, found: _Mismatches) -> None:
    device = facts.device
    domain = _edge_domain(facts.topology)
    if domain is None:
        return
    for self_ip in _sorted_values(device.self_ips):
        network = self_ip.network
        if self_ip.unknown or network is None:
            continue
        strays = _strays(network, facts, domain)
        if strays and not any(
            s.network is not None and s.network.contains(strays[0])
            for s in device.self_ips.values()
        ):
            found.add(
                self_ip.name,
                f"self IP {self_ip.name} {network} ({_rd(network.route_domain)}) would hold the "
                f"Edge external addresses {listing(strays)} of {_rd(domain)}",
                "",
            )


def _check_vlans(facts: DeviceFacts, found: _Mismatches) -> None:
    """Each VLAN carrying Edge traffic belongs to the route domain of the objects on it."""
    device, topology = facts.device, facts.topology
    if "route_domains" in device.unknown_kinds or not device.route_domains:
        domains = {a.route_domain for a in topology.edge_external_addresses}
        if "route_domains" in device.unknown_kinds and domains - {0}:
            found.unsure.append("route domains")
        return
    listed = _route_domain_ids(device)
    by_id = {d.id: d.name for d in device.route_domains.values()}
    expected: dict[str, set[int]] = {}
    for vs in facts.role_virtuals((*EXTERNAL_ROLES, "edge_internal")):
        if vs.destination is not None and vs.vlans_mode == "enabled" and not vs.unknown:
            for vlan in vs.vlans:
                expected.setdefault(vlan, set()).add(vs.destination.route_domain)
    for self_ip in _sorted_values(device.self_ips):
        edge_side = (*topology.edge_external_vlans, *topology.upstream_vlans)
        if self_ip.vlan in edge_side and self_ip.network is not None and not self_ip.unknown:
            expected.setdefault(self_ip.vlan, set()).add(self_ip.network.route_domain)
    for vlan, domains in sorted(expected.items()):
        actual = listed.get(vlan)
        if actual is None or domains == {actual}:
            continue
        wanted = sorted(domains - {actual})
        target = by_id.get(wanted[0]) if wanted else None
        found.add(
            vlan,
            f"VLAN {vlan} is in {_rd(actual)} but carries Edge objects in "
            f"{listing(_rd(d) for d in wanted)}",
            f"modify net route-domain {target} vlans add {{ {vlan} }}" if target else "",
        )


def _route_domains(facts: DeviceFacts, _: object) -> Outcome:
    found = _Mismatches()
    for check in (_check_vip_members, _check_forwarders, _check_nats, _check_selfs, _check_vlans):
        check(facts, found)
    if found.objects:
        return _fail_at(
            found.objects[0],
            mismatched=found.objects,
            why="; ".join(found.reasons),
            tmsh="\n".join(dict.fromkeys(found.fixes)) or "# see the message",
        )
    return _undecided(found.unsure) if found.unsure else PASSED


# -- LYNC-EDGE-NET-007: the default route ----------------------------------------------------------


def _edge_route_domains(topology: Topology) -> list[int]:
    vips = (*topology.access_vips, *topology.webconf_vips, *topology.av_vips)
    addresses = vips or topology.edge_external_addresses
    return sorted({a.route_domain for a in addresses})


def _route_problem(device: Device, topology: Topology, route: Route) -> str | None:
    """Why ``route`` does not lead to the upstream router (None: it does).

    A gateway on the Edge external network is the one-arm design (LYNC-EDGE-NET-008 says so)
    unless the upstream VLAN is declared elsewhere: the topology derives the upstream VLAN from
    the default route itself.
    """
    internal_vlans = set(topology.edge_internal_vlans)
    if route.gateway is None:
        if route.interface is not None and route.interface in internal_vlans:
            return f"{route.name} leaves through the Edge internal VLAN {route.interface}"
        return None  # a pool or interface route: its next hops are not checked here
    gateway = route.gateway
    if gateway in (*topology.edge_external_addresses, *topology.edge_internal_addresses):
        return f"{route.name} points at the Edge server address {gateway}"
    selfs = [
        s
        for s in _sorted_values(device.self_ips)
        if s.network is not None and s.network.contains(gateway)
    ]
    if not selfs:
        return f"the gateway {gateway} of {route.name} is on no self IP subnet"
    vlans = sorted({s.vlan for s in selfs if s.vlan})
    if internal_vlans & set(vlans):
        return (
            f"the gateway {gateway} of {route.name} is on the Edge internal VLAN {listing(vlans)}"
        )
    if topology.upstream_vlans and not set(topology.upstream_vlans) & set(vlans):
        return (
            f"the gateway {gateway} of {route.name} is on {listing(vlans)}, not on the upstream "
            f"VLAN {listing(topology.upstream_vlans)}"
        )
    return None


def _router_guess(device: Device, topology: Topology, route_domain: int) -> str:
    """A default gateway of another route domain, re-homed where a non-Edge self IP holds it."""
    edge_vlans = {*topology.edge_external_vlans, *topology.edge_internal_vlans}
    for route in _sorted_values(device.routes):
        if route.network is None or not route.network.is_default or route.gateway is None:
            continue
        gateway = Address(route_domain, route.gateway.ip)
        if any(
            s.network is not None and s.network.contains(gateway) and s.vlan not in edge_vlans
            for s in device.self_ips.values()
        ):
            return str(gateway)
    upstream = [
        s.network
        for s in _sorted_values(device.self_ips)
        if s.vlan in topology.upstream_vlans
        and s.vlan not in edge_vlans
        and s.network is not None
        and s.network.route_domain == route_domain
    ]
    return f"<upstream router in {upstream[0]}>" if upstream else "<upstream router address>"


def _default_route(facts: DeviceFacts, _: object) -> Outcome:
    device, topology = facts.device, facts.topology
    domains = _edge_route_domains(topology)
    if not domains:
        return PASSED
    unknown = [k for k in ("routes", "self_ips") if k in device.unknown_kinds]
    if unknown:
        return _undecided(unknown)
    problems: list[str] = []
    fixes: list[str] = []
    unsure: list[str] = []
    at: list[str] = []  # the object of each problem (route, route domain or Edge virtual)
    for rd in domains:
        routes = []
        for route in _sorted_values(device.routes):
            if {"network", "gateway"} & route.unknown:
                unsure.append(route.name)
            elif route.network is not None and route.network.is_default:
                routes.append(route)
        here = [r for r in routes if r.network is not None and r.network.route_domain == rd]
        destination = "default" if rd == 0 else f"default%{rd}"
        if not here:
            others = listing(f"{r.name} ({r.network})" for r in routes)
            problems.append(f"no default route in {_rd(rd)} (default routes: {others})")
            at.extend(_route_domain_at(facts, rd))
            name = _free_name(device.routes, f"/Common/default_rd{rd}")
            fixes.append(
                f"create net route {name} {{ network {destination} "
                f"gw {_router_guess(device, topology, rd)} }}"
            )
            continue
        found = [_route_problem(device, topology, r) for r in here]
        if all(p is not None for p in found):
            problems.extend(p for p in found if p)
            at.append(here[0].name)
            fixes.append(
                f"modify net route {here[0].name} gw {_router_guess(device, topology, rd)}"
            )
    if problems:
        return _fail_at(at[0] if at else None, why="; ".join(problems), tmsh="\n".join(fixes))
    return _undecided(unsure) if unsure else PASSED


def _route_domain_at(facts: DeviceFacts, route_domain: int) -> list[str]:
    """The route domain object of an id, else the first external Edge virtual in it."""
    for name, domain in sorted(facts.device.route_domains.items()):
        if domain.id == route_domain:
            return [name]
    return [
        vs.name
        for vs in facts.role_virtuals(EXTERNAL_ROLES)
        if vs.destination is not None and vs.destination.route_domain == route_domain
    ][:1]


# -- LYNC-EDGE-NET-008: separation, a BIG-IP leg, two arms -----------------------------------------


def _separated(facts: DeviceFacts, _: object) -> Outcome:
    device, topology = facts.device, facts.topology
    external, internal = topology.edge_external_addresses, topology.edge_internal_addresses
    problems: list[str] = []
    at: list[str] = []  # the object of each problem (virtual, self IP or VLAN)
    both = sorted(set(external) & set(internal))
    if both:
        problems.append(f"{listing(both)} are both Edge external and Edge internal addresses")
        at.extend(vs.name for vs in facts.role_virtuals(("edge_internal",))[:1])
    subnets = sorted({s.network for s in device.self_ips.values() if s.network and not s.unknown})
    # The topology's address tuples are sorted and unique: a subnet holds a slice of them.
    external_index, internal_index = facts.external, Addresses(internal)
    for net in subnets:
        ext = list(external_index.within(net))
        int_ = list(internal_index.within(net))
        if ext and int_:
            problems.append(
                f"the self IP subnet {net} holds Edge external {listing(ext)} and Edge internal "
                f"{listing(int_)}"
            )
            at.extend(name for name, s in sorted(device.self_ips.items()) if s.network == net)
    shared = sorted(set(topology.edge_external_vlans) & set(topology.edge_internal_vlans))
    if shared:
        problems.append(f"the VLAN {listing(shared)} carries both Edge networks")
        at.append(shared[0])
    if not problems:
        return PASSED
    return _fail_at(
        at[0] if at else None,
        separation=f" Not separated: {'; '.join(dict.fromkeys(problems))}.",
        tmsh="# no BIG-IP command: put the Edge internal NICs in their own subnet and VLAN",
    )


def _has_leg(facts: DeviceFacts, _: object) -> Outcome:
    device, topology = facts.device, facts.topology
    unsnat, unsure = _without_snat(facts.role_virtuals(("edge_av",)))
    if not topology.av_addresses or not (unsnat or unsure):
        return PASSED  # no A/V Edge, or every A/V VIP SNATs (LYNC-EDGE-AV-001 says so)
    if "self_ips" in device.unknown_kinds:
        return _undecided(["self IPs"])
    av = Addresses(topology.av_addresses)
    held = {
        a for s in device.self_ips.values() if s.network is not None for a in av.within(s.network)
    }
    outside = [a for a in topology.av_addresses if a not in held]
    if not outside:
        return PASSED
    if not unsnat:
        return _undecided(unsure)
    vlan = topology.edge_external_vlans[0] if topology.edge_external_vlans else "<Edge DMZ VLAN>"
    return _fail_at(
        unsnat[0].name,
        leg=(
            f" No BIG-IP self IP holds the A/V Edge addresses {listing(outside)}, while "
            f"{_vip_text(unsnat)} have no SNAT: the BIG-IP cannot be the Edge servers' gateway."
        ),
        tmsh=(
            f"create net self /Common/edge_dmz_float {{ address <free address in the Edge "
            f"external subnet of {outside[0]}>/<prefix> vlan {vlan} "
            "traffic-group /Common/traffic-group-1 allow-service none }"
        ),
    )


def _two_arm(facts: DeviceFacts, _: object) -> Outcome:
    topology = facts.topology
    shared = sorted(set(topology.edge_external_vlans) & set(topology.upstream_vlans))
    if not shared:
        return PASSED
    return _fail_at(
        shared[0],
        arms=(
            f" One-arm Edge design: the Edge external network and the upstream default gateway "
            f"share {listing(shared)}, so direct flows are asymmetric (see LYNC-EDGE-NET-005)."
        ),
        tmsh="# no BIG-IP command: give the Edge external network its own VLAN behind the BIG-IP",
    )


# -- LYNC-EDGE-INT-001: the internal VIP's listeners -----------------------------------------------


def _listener_profiles(device: Device, model: VirtualServer | None, protocol: str) -> str:
    """The model's fastL4 profile (it serves tcp and udp), its tcp profiles for a tcp
    listener, else TMOS's default profile for the protocol."""
    refs = model.profiles if model is not None else ()
    for ref in refs:
        profile = device.profiles.get(ref.name)
        if profile is not None and profile.kind == "fastl4":
            return ref.name
    if protocol == "tcp" and model is not None and model.ip_protocol == "tcp" and refs:
        return " ".join(r.name for r in refs)
    return f"/Common/{protocol}"


def _listener_fix(
    device: Device,
    topology: Topology,
    address: Address,
    spec: Listen,
    listeners: Sequence[VirtualServer],
) -> str:
    """tmsh for a missing listener: fix the protocol of a virtual on that port, or create one
    and its pool, modelled on the VIP's other virtuals."""
    profiles = _listener_profiles(device, listeners[0] if listeners else None, spec.protocol)
    for vs in listeners:
        if vs.port == spec.port:
            profiles = _listener_profiles(device, vs, spec.protocol)
            return (
                f"modify ltm virtual {vs.name} ip-protocol {spec.protocol} "
                f"profiles replace-all-with {{ {profiles} }}"
            )
    model = next((vs for vs in listeners if vs.ip_protocol == "tcp"), None) or (
        listeners[0] if listeners else None
    )
    base = model.name if model is not None else f"/Common/edge_int_{_safe(str(address))}"
    stem = base.rstrip("0123456789").rstrip("_") if base[-1:].isdigit() else base
    name = _free_name(device.virtual_servers, f"{stem}_{spec.port}")
    members = (
        " ".join(
            f"{endpoint(a, spec.port)} {{ }}"
            for a in topology.edge_internal_addresses
            if a.route_domain == address.route_domain
        )
        or f"<Edge internal address>:{spec.port} {{ }}"
    )
    monitor = "/Common/udp" if spec.protocol == "udp" else "/Common/tcp"
    extra = f" profiles replace-all-with {{ {profiles} }}"
    if model is not None:
        if model.persist:
            extra += f" persist replace-all-with {{ {model.persist[0].name} {{ default yes }} }}"
        if model.snat_type == "automap":
            extra += " source-address-translation { type automap }"
        elif model.snat_type == "snat" and model.snat_pool:
            extra += f" source-address-translation {{ type snat pool {model.snat_pool} }}"
        if model.vlans_mode == "enabled":
            extra += f" vlans replace-all-with {{ {' '.join(model.vlans)} }} vlans-enabled"
    return (
        f"create ltm pool {name}_pool {{ load-balancing-mode least-connections-member "
        f"members replace-all-with {{ {members} }} monitor {monitor} }}\n"
        f"create ltm virtual {name} {{ destination {endpoint(address, spec.port)} "
        f"ip-protocol {spec.protocol} mask {host_mask(address)} pool {name}_pool{extra} }}"
    )


def _prepare_services(args: Mapping[str, Any], c: Compiler) -> Test:
    specs: list[Listen] = []
    for i, text in enumerate(c.require(args, "services", list)):
        protocol, _, port = text.partition("/") if isinstance(text, str) else ("", "", "")
        if protocol not in _SPEC_PROTOCOLS or not port.isdigit() or int(port) > 65535:
            raise c.error("a service is 'tcp/5061' or 'udp/3478'", "services", i)
        specs.append(Listen(protocol, int(port)))
    if not specs:
        raise c.error("'services' must not be empty", "services")

    def test(facts: DeviceFacts, address: Address) -> Outcome:
        device, topology = facts.device, facts.topology
        listeners, unsure = vip_listeners(facts, address)
        missing = [s for s in specs if not any(s.matches(vs) for vs in listeners)]
        if not missing:
            return PASSED
        if unsure:
            return _undecided(unsure)
        iapp = next((vs.app_service for vs in listeners if vs.app_service), None)
        fix = "\n".join(_listener_fix(device, topology, address, s, listeners) for s in missing)
        if iapp:
            fix = f"# managed by iApp {iapp}: re-run it to add the listener, or:\n{fix}"
        on_vip = facts.on_address(address)
        return _fail_at(
            facts.vip_virtual("edge_internal", address) or (on_vip[0].name if on_vip else None),
            missing=", ".join(s.text for s in missing),
            present=listing(sorted({f"{vs.ip_protocol}/{vs.port}" for vs in listeners})),
            tmsh=fix,
        )

    return test


# -- LYNC-EDGE-INT-002: 8057 and 23456 go to each Edge server --------------------------------------


def _no_direct_service(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device, topology = facts.device, facts.topology
    if {"destination", "pool"} & vs.unknown:
        return _undecided([vs.name])
    reasons: list[str] = []
    if vs.destination is not None and vs.destination in topology.internal_vips:
        reasons.append(f"it listens on the Edge internal VIP {vs.destination}")
    pool = pool_of(device, vs)
    if vs.pool and (pool is None or "members" in pool.unknown):
        if not reasons:
            return _undecided([vs.pool])
    elif pool is not None:
        internal = [
            m.address for m in pool.members if m.address in topology.edge_internal_addresses
        ]
        if internal:
            reasons.append(
                f"its pool {pool.name} load balances the Edge internal addresses "
                f"{listing(internal)}"
            )
    if not reasons:
        return PASSED
    service = "Web Conferencing (PSOM/MTLS)" if vs.port == 8057 else "XMPP gateway"
    fix = f"delete ltm virtual {vs.name}"
    if pool is not None and not any(o is not vs for o in facts.using_pool(pool.name)):
        fix += f"\ndelete ltm pool {pool.name}"
    return _fail(service=service, why="; ".join(reasons), tmsh=fix)


# -- LYNC-EDGE-INT-003: the internal VIPs' return path ---------------------------------------------


def _on_link_clients(topology: Topology) -> list[str]:
    """Declared client or Front End networks that are the Edge internal subnet itself."""
    found = []
    for network in (*topology.internal_networks, *topology.front_end_subnets):
        for edge in topology.edge_internal_networks:
            if _overlap(network, edge) is not None:
                found.append(f"{network} (Edge internal subnet {edge})")
    return found


def _clients_off_link(facts: DeviceFacts, _: object) -> Outcome:
    return PASSED if not _on_link_clients(facts.topology) else FAILED


def _iapp_note(device: Device, vs: VirtualServer) -> tuple[str, str]:
    """The remediation note and tmsh for a virtual managed by an iApp (empty when not)."""
    if not vs.app_service:
        return "", f"modify ltm virtual {vs.name} source-address-translation {{ type automap }}"
    service = device.application_services.get(vs.app_service)
    current = service.variables.get("edge_internal_ip__snat") if service is not None else None
    answer = f" = {current}" if current else ""
    note = (
        f" {vs.name} is managed by the iApp {vs.app_service}: its answer "
        f'edge_internal_ip__snat{answer} ("Servers have a route to internal clients through '
        'the BIG-IP system") must match how the Edge servers really route. Re-run the iApp '
        "with edge_internal_ip__snat = No (SNAT automap) rather than editing the virtual."
    )
    tmsh = (
        f"modify sys application service {vs.app_service} variables modify "
        "{ edge_internal_ip__snat { value No } } execute-action definition"
    )
    return note, tmsh


def _bigip_next_hop(device: Device, topology: Topology, gateway: Address) -> bool:
    return any(
        s.address == gateway and (s.floating or not topology.ha) for s in device.self_ips.values()
    )


def _return_path(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device, topology = facts.device, facts.topology
    if "snat_type" in vs.unknown:
        return _undecided([f"{vs.name} source-address-translation"])
    if vs.snat_type != "none":
        return PASSED
    note, tmsh = _iapp_note(device, vs)
    selfs = [
        s
        for s in _sorted_values(device.self_ips)
        if s.vlan in topology.edge_internal_vlans
        or (s.network is not None and s.network in topology.edge_internal_networks)
    ]
    bigip = f"BIG-IP self IPs there: {listing(_self_text(s) for s in selfs)}"
    on_link = _on_link_clients(topology)
    via = topology.internal_routes_via
    bad = [g for g in via if not _bigip_next_hop(device, topology, g)]
    if on_link:
        why = (
            f"the declared client networks {listing(on_link)} are on the Edge internal subnet: "
            "the Edge answers them directly, whatever its routes"
        )
    elif bad:
        floating = " floating" if topology.ha else ""
        why = (
            f"the Edge servers route internal traffic via {listing(bad)}, which is not a BIG-IP"
            f"{floating} self IP ({bigip}): replies to clients of the internal VIP bypass the "
            "BIG-IP"
        )
    elif via:
        return PASSED
    else:
        why = (
            "cannot verify the return path: no internal_routes_via is declared for the Edge "
            f"servers, so the replies may bypass the BIG-IP ({bigip})"
        )
    return _fail(why=why, iapp=note, tmsh=tmsh)


# -- LYNC-EDGE-INT-004: VIP exposure ---------------------------------------------------------------


def _vip_vlans(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device, topology = facts.device, facts.topology
    if _VLAN_FIELDS & vs.unknown:
        return _undecided([f"{vs.name} VLANs"])
    roles = topology.role_of(vs.name)
    internal = "edge_internal" in roles and not set(EXTERNAL_ROLES) & roles
    upstream = frozenset(topology.upstream_vlans)
    edge_int = frozenset(topology.edge_internal_vlans)
    edge_ext = frozenset(topology.edge_external_vlans)
    universe = vlan_universe(device, vs.vlans, upstream, edge_int, edge_ext)
    active = enabled_vlans(vs.vlans_mode, vs.vlans, universe)
    if internal:
        wrong = (active if active is not None else universe) & upstream
        target, fallback, side = sorted(edge_int), "<Edge internal VLAN>", "the upstream VLAN"
    else:
        wrong = ((active if active is not None else universe) & (edge_int | edge_ext)) - upstream
        target, fallback, side = sorted(upstream), "<upstream VLAN>", "an Edge VLAN"
    if active is not None and not wrong:
        return PASSED
    listens = "all VLANs" if active is None else listing(sorted(active))
    exposed = f", including {side} {listing(sorted(wrong))}" if wrong else ""
    return _fail(
        why=f"it is enabled on {listens}{exposed}",
        tmsh=_vlans_fix(vs.name, target, fallback),
    )


# -- the predicates --------------------------------------------------------------------------------

PREDICATES: list[Predicate] = [
    object_predicate(
        "lync.net-edge-gateway",
        "self",
        SelfIp,
        with_facts(fixed(_gateway)),
        "the Edge servers' declared external default gateway is a BIG-IP self IP on the Edge "
        "external network, or every external Edge VIP SNATs; fails (witness `why`) when no "
        "gateway is declared (an unverified inferred gateway)",
        "lync.net-edge-gateway: {self: object}",
    ),
    object_predicate(
        "lync.net-holds-edge-address",
        "network",
        Network,
        with_facts(fixed(_holds_edge_address)),
        "the network at `network` holds an Edge external address (same route domain): what "
        "`some` over `topology.edge_external_addresses` with `contains-address` says, without a "
        "check per address",
        "lync.net-holds-edge-address: {network: object.network}",
    ),
    object_predicate(
        "lync.net-leaves-bigip",
        "address",
        Address,
        with_facts(fixed(_leaves)),
        "the Edge external address can leave through the BIG-IP: an ip-forward virtual whose "
        "source contains it (same route domain, enabled on the Edge external VLAN), an ltm nat "
        "originating it, or an ltm snat whose origins contain it (not for A/V addresses); "
        "private addresses of a NAT design pass (LYNC-EDGE-NAT-002's)",
        "lync.net-leaves-bigip: {address: address}",
    ),
    object_predicate(
        "lync.net-no-outbound-translation",
        "address",
        Address,
        with_facts(fixed(_not_translated)),
        "nothing translates the public Edge external address when the Edge server sends from "
        "it: no ltm snat origin, no forwarding virtual SNAT or iRule snat; witness "
        "`translated_by`",
        "lync.net-no-outbound-translation: {address: address}",
    ),
    object_predicate(
        "lync.net-forwarding-scope",
        "virtual",
        VirtualServer,
        with_facts(fixed(_forwarding_scope)),
        "the Edge forwarding virtual listens only where it should (outbound: the Edge external "
        "VLAN; inbound: never the Edge internal VLAN) and does not route the Edge external "
        "network into the Edge internal or internal networks (the most specific destination "
        "wins: a reject virtual blocks)",
        "lync.net-forwarding-scope: {virtual: object}",
    ),
    object_predicate(
        "lync.net-forwarding-fastl4",
        "virtual",
        VirtualServer,
        with_facts(fixed(_forwarding_fastl4)),
        "the effective fastL4 profile of the forwarding virtual has loose-initialization and "
        "loose-close enabled; witnesses `profile`, `settings`, `notes` (idle timeout and "
        "reset-on-timeout when they differ from the reader comment)",
        "lync.net-forwarding-fastl4: {virtual: object}",
    ),
    object_predicate(
        "lync.net-route-domains",
        None,
        object,
        with_facts(fixed(_route_domains)),
        "the objects that must work together share a route domain: each Edge VIP and its pool "
        "members, the forwarding virtuals and the Edge external addresses, the NATs and their "
        "servers, the self IPs and VLANs of the Edge external side; witness `mismatched`",
        "lync.net-route-domains: {}",
    ),
    object_predicate(
        "lync.net-default-route",
        None,
        object,
        with_facts(fixed(_default_route)),
        "every route domain of the Edge external VIPs has a default route whose gateway is on "
        "a self IP subnet of the upstream VLAN (not on an Edge VLAN)",
        "lync.net-default-route: {}",
    ),
    object_predicate(
        "lync.net-edge-separated",
        None,
        object,
        with_facts(fixed(_separated)),
        "the Edge external and internal addresses share no self IP subnet, VLAN or address",
        "lync.net-edge-separated: {}",
    ),
    object_predicate(
        "lync.net-edge-leg",
        None,
        object,
        with_facts(fixed(_has_leg)),
        "in a routed design (A/V VIPs without SNAT) a BIG-IP self IP holds every A/V Edge address",
        "lync.net-edge-leg: {}",
    ),
    object_predicate(
        "lync.net-two-arm",
        None,
        object,
        with_facts(fixed(_two_arm)),
        "the Edge external VLAN is not the upstream VLAN (fails for a one-arm design)",
        "lync.net-two-arm: {}",
    ),
    object_predicate(
        "lync.int-vip-services",
        "address",
        Address,
        with_facts(_prepare_services),
        "an enabled load-balancing virtual listens on the VIP address for each service "
        "(ip-protocol any serves tcp and udp); witnesses `missing`, `present` (text)",
        "lync.int-vip-services: {address: vip, services: [tcp/5061, tcp/5062]}",
        required=["services"],
        services={
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^(tcp|udp)/[0-9]{1,5}$"},
        },
    ),
    object_predicate(
        "lync.int-no-direct-service",
        "virtual",
        VirtualServer,
        with_facts(fixed(_no_direct_service)),
        "the virtual neither listens on the Edge internal VIP nor load balances Edge internal "
        "addresses (for services that must reach each Edge server directly)",
        "lync.int-no-direct-service: {virtual: object}",
    ),
    object_predicate(
        "lync.int-return-path",
        "virtual",
        VirtualServer,
        with_facts(fixed(_return_path)),
        "the Edge internal virtual SNATs, or the declared Edge internal next hops are BIG-IP "
        "self IPs (floating in HA) and no declared client network is the Edge internal subnet",
        "lync.int-return-path: {virtual: object}",
    ),
    object_predicate(
        "lync.int-clients-off-link",
        None,
        object,
        with_facts(fixed(_clients_off_link)),
        "no declared internal or Front End network is the Edge internal subnet",
        "lync.int-clients-off-link: {}",
    ),
    object_predicate(
        "lync.int-vip-vlans",
        "virtual",
        VirtualServer,
        with_facts(fixed(_vip_vlans)),
        "an external Edge VIP listens on the upstream VLANs only (not all VLANs, not an Edge "
        "VLAN); an internal Edge VIP not on the upstream VLAN",
        "lync.int-vip-vlans: {virtual: object}",
    ),
]
