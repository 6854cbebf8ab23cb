"""Predicates of the A/V Edge and NAT rules (LYNC-EDGE-AV-001..006, LYNC-EDGE-NAT-001..004).

What YAML cannot say about the A/V Edge and the NAT design: which listeners one VIP address
has, whether a global ``ltm snat`` or an iRule rewrites A/V client addresses, the effective
Nagle setting of a virtual's TCP profiles, how the BIG-IP lets clients reach one A/V Edge
address directly, and the 1:1 ``ltm nat`` of each private Edge external address.

Every predicate reads the ``device`` and ``topology`` roots of its scope, compiles its paths
once, and answers pass, fail or undetermined: an object kind the input cannot express
(``device.unknown_kinds``: ``nats``, ``forwarding_virtuals``...) or a field listed in an
object's ``unknown`` makes the answer undetermined unless something known already decides it.
Failing outcomes carry scalar witnesses that explain (``why``, ``problem``...) or hold the
exact fix that the remediation templates render (``tmsh``); list witnesses only name what
fails (``missing``, ``translated_by``), because the engine appends them to a finding's
``detail`` and so to its fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from lyncpolicy.adapters.declarative import FORWARDING_VIRTUALS
from lyncpolicy.addresses import Address, Network
from lyncpolicy.conditions import FAILED, PASSED, Compiler, Outcome, Predicate, Status
from lyncpolicy.lync.common import (
    SNAT_FIELDS,
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
    server_of,
    service_of,
    snat_translation,
    snats_covering,
    undetermined,
    vip_listeners,
    vlan_universe,
    with_facts,
)
from lyncpolicy.model import Device, Nat, Pool, Profile, ProfileRef, Snat, VirtualServer
from lyncpolicy.topology import EdgePool, Topology

_FORWARDER_FIELDS: Final = frozenset(
    {
        "type",
        "destination_network",
        "source_network",
        "port",
        "ip_protocol",
        "vlans",
        "vlans_mode",
        "enabled",
        "snat_type",
        "rules",
    }
)
_NAT_FIELDS: Final = frozenset(
    {
        "originating_address",
        "translation_address",
        "vlans",
        "vlans_mode",
        "arp",
        "traffic_group",
        "enabled",
    }
)
_SPEC: Final = re.compile(r"^(tcp|udp|any|\*)/([0-9]{1,5})$")
_SIDES: Final = {"all": "both sides", "clientside": "client side", "serverside": "server side"}


# -- VLANs -----------------------------------------------------------------------------------------


def _overlap(first: frozenset[str] | None, second: frozenset[str] | None) -> bool:
    if first is None:
        return second is None or bool(second)
    if second is None:
        return bool(first)
    return bool(first & second)


def _from_outside(
    mode: str, vlans: Sequence[str], universe: frozenset[str], inside: frozenset[str]
) -> bool:
    """Enabled on a VLAN that is neither an Edge external nor an Edge internal VLAN."""
    if mode == "all":
        return True
    if mode == "enabled":
        return any(v not in inside for v in vlans)
    outside = universe - frozenset(vlans) - inside
    return bool(outside) or not universe


def _vlan_text(mode: str, vlans: Sequence[str]) -> str:
    if mode == "all":
        return "all VLANs"
    return f"{'VLANs' if mode == 'enabled' else 'all VLANs but'} {listing(vlans)}"


# -- addresses and the Edge topology ---------------------------------------------------------------


def _object_name(prefix: str, address: Address) -> str:
    """A tmsh-safe object name for an address (``%`` is not allowed in names)."""
    return f"/Common/{prefix}_{str(address).replace('%', '_rd').replace(':', '_')}"


def _pool_of(facts: DeviceFacts, address: Address) -> EdgePool | None:
    pool = facts.edge_pools.get(address)
    if pool is not None:
        return pool
    pools = facts.topology.pools
    return pools[0] if pools else None


def _describe(facts: DeviceFacts, address: Address) -> str:
    """``A/V, edge02`` for an Edge external address (the service and the server, when known)."""
    server = server_of(facts, address)
    parts = [service_of(facts, address) or "Edge external", server.name if server else ""]
    return ", ".join(p for p in parts if p)


# -- source translation ----------------------------------------------------------------------------


def _virtual_translation(vs: VirtualServer) -> str:
    if vs.snat_type == "snat":
        return f"snatpool {vs.snat_pool}"
    return vs.snat_type


def _irule_translators(
    device: Device, vs: VirtualServer, unsure: list[str]
) -> list[tuple[str, list[str]]]:
    """The iRules of ``vs`` that call ``snat``/``snatpool``, with the calls."""
    found: list[tuple[str, list[str]]] = []
    for name in vs.rules:
        rule = device.irules.get(name)
        if rule is None:
            # TMOS's own `_sys_` iRules never translate; another missing iRule is unknown.
            if "irules" in device.unknown_kinds or not name.rsplit("/", 1)[-1].startswith("_sys_"):
                unsure.append(name)
            continue
        if "text" in rule.unknown:
            unsure.append(name)
            continue
        commands = irule_snat_commands(rule.text)
        if commands:
            found.append((name, commands))
    return found


def _rules_without(vs: VirtualServer, removed: Iterable[str]) -> str:
    kept = [r for r in vs.rules if r not in set(removed)]
    return (
        f"modify ltm virtual {vs.name} rules {{ {' '.join(kept)} }}"
        if kept
        else f"modify ltm virtual {vs.name} rules none"
    )


@dataclass(frozen=True, slots=True)
class _Translator:
    """Something that rewrites an Edge address as a source: what it is, and the tmsh fix."""

    name: str
    text: str
    fix: str
    at: str  # the object the fix changes (the snat, or the forwarding virtual)


def _edge_forwarders(facts: DeviceFacts) -> tuple[VirtualServer, ...]:
    """The virtuals that may forward what the Edge servers send (by name): enabled ip-forward
    virtuals enabled on an Edge external VLAN, and those a field unknown leaves in doubt."""
    edge_vlans = facts.topology.edge_external_vlans
    return tuple(
        vs
        for vs in facts.virtuals
        if (
            ("type" in vs.unknown or vs.type == "ip-forward")
            if _FORWARDER_FIELDS & vs.unknown
            else vs.type == "ip-forward"
            and vs.enabled
            and enabled_on_any(vs.vlans_mode, vs.vlans, edge_vlans)
        )
    )


def _source_candidates(
    facts: DeviceFacts,
) -> tuple[tuple[VirtualServer, ...], tuple[int, ...], PrefixIndex[int]]:
    """The Edge forwarders, and positions in them: those that hold any source (no source, or
    an unknown one) and the others by source network."""
    forwarders = facts.cached(_edge_forwarders, lambda: _edge_forwarders(facts))
    anywhere: list[int] = []
    by_source: list[tuple[Network, int]] = []
    for i, vs in enumerate(forwarders):
        if "source_network" in vs.unknown or vs.source_network is None:
            anywhere.append(i)
        else:
            by_source.append((vs.source_network, i))
    return forwarders, tuple(anywhere), PrefixIndex(by_source)


def _source_translators(
    facts: DeviceFacts, address: Address, unsure: list[str]
) -> list[_Translator]:
    """What translates ``address`` when the Edge server sends from it (Edge external VLAN).

    ``ltm snat`` objects whose origins contain it, and forwarding virtuals whose source
    contains it with a SNAT setting or an iRule calling ``snat``/``snatpool``.
    """
    device, topology = facts.device, facts.topology
    edge_vlans = topology.edge_external_vlans
    found: list[_Translator] = []
    for snat in snats_covering(facts, address, edge_vlans, unsure):
        found.append(
            _Translator(
                snat.name,
                f"ltm snat {snat.name} (origins {listing(snat.origins)}, {snat_translation(snat)})",
                # One fix per SNAT (it does not depend on the address): a SNAT with wide
                # origins covers every A/V address, and this was their product.
                facts.cached(("av_nat.snat_fix", snat.name), partial(_snat_fix, snat, topology)),
                snat.name,
            )
        )
    if FORWARDING_VIRTUALS in device.unknown_kinds:
        unsure.append("forwarding virtuals")
    forwarders, anywhere, by_source = facts.cached(
        _source_candidates, lambda: _source_candidates(facts)
    )
    # The forwarders whose source may hold it, in the order of a full scan.
    for i in sorted({*anywhere, *by_source.containing(address)}):
        vs = forwarders[i]
        if known_miss(vs, "source_network", address):
            continue
        if _FORWARDER_FIELDS & vs.unknown:
            if "type" in vs.unknown or vs.type == "ip-forward":
                unsure.append(vs.name)
            continue
        if vs.type != "ip-forward" or not vs.enabled:
            continue
        if not enabled_on_any(vs.vlans_mode, vs.vlans, edge_vlans):
            continue
        if vs.snat_type != "none":
            found.append(
                _Translator(
                    vs.name,
                    f"forwarding virtual {vs.name} (source {vs.source_network or 'any'}, "
                    f"source-address-translation {_virtual_translation(vs)})",
                    f"modify ltm virtual {vs.name} source-address-translation {{ type none }}",
                    vs.name,
                )
            )
        irules = _irule_translators(device, vs, unsure)
        for name, commands in irules:
            found.append(
                _Translator(
                    name,
                    f"iRule {name} on forwarding virtual {vs.name} ({'; '.join(commands)})",
                    _rules_without(vs, [n for n, _ in irules]),
                    vs.name,
                )
            )
    return found


def _snat_fix(snat: Snat, topology: Topology) -> str:
    """Keep the SNAT for what may be translated: origins without A/V addresses, and the Access
    and Web Conferencing addresses the A/V-covering origins also held ("SNAT out")."""
    av = topology.av_addresses
    kept = [str(o) for o in snat.origins if not any(o.contains(a) for a in av)]
    others = (*topology.access_addresses, *topology.webconf_addresses)
    for origin in snat.origins:
        if any(origin.contains(a) for a in av):
            kept.extend(f"{a}/{a.ip.max_prefixlen}" for a in others if origin.contains(a))
    kept = list(dict.fromkeys(kept))
    if not kept:
        return f"delete ltm snat {snat.name}"
    return f"modify ltm snat {snat.name} origins replace-all-with {{ {' '.join(kept)} }}"


# -- lync.av-listeners -----------------------------------------------------------------------------


def _prepare_listeners(args: Mapping[str, Any], c: Compiler) -> Test:
    specs: list[Listen] = []
    for i, text in enumerate(c.require(args, "ports", list)):
        match = _SPEC.match(text) if isinstance(text, str) else None
        if match is None:
            raise c.error("a port is 'tcp/443', 'udp/3478', 'any/3478' or '*/3478'", "ports", i)
        specs.append(Listen(match.group(1), int(match.group(2))))
    if not specs:
        raise c.error("'ports' must not be empty", "ports")
    any_protocol = c.optional(args, "any-protocol", bool, True)

    def test(facts: DeviceFacts, address: Address) -> Outcome:
        listeners, unsure = vip_listeners(facts, address)
        missing = [s for s in specs if not any(s.matches(vs, any_protocol) for vs in listeners)]
        if not missing:
            return PASSED
        if unsure:
            return undetermined(*unsure)
        present = sorted({f"{vs.ip_protocol}/{vs.port}" for vs in listeners})
        device = facts.device
        return Outcome(
            Status.FAIL,
            {
                "missing": [s.text for s in missing],
                "ports": listing(present),
                "tmsh": "\n".join(_listener_fix(device, address, s, listeners) for s in missing),
            },
        )

    return test


def _listener_fix(
    device: Device, address: Address, spec: Listen, listeners: Sequence[VirtualServer]
) -> str:
    """tmsh for a missing listener: fix the protocol of a virtual on that port, or create one
    (and its pool) modelled on the VIP's other virtual."""
    protocol = "udp" if spec.protocol == "*" else spec.protocol
    model = listeners[0] if listeners else None
    profile = _listener_profile(device, model, protocol)
    for vs in listeners:
        if vs.port == spec.port:
            return (
                f"modify ltm virtual {vs.name} ip-protocol {protocol} "
                f"profiles replace-all-with {{ {profile} }}"
            )
    base = model.name if model else _object_name("lync_av", address)
    # /Common/edge_av_3478 -> /Common/edge_av_443; other names get the port appended.
    name = re.sub(r"[0-9]+$", str(spec.port), base) if base[-1].isdigit() else f"{base}_{spec.port}"
    if name in device.virtual_servers:
        name = f"{name}_{protocol}"
    pool = pool_of(device, model) if model else None
    members = (
        " ".join(
            f"{endpoint(m.address, spec.port)} {{ }}"
            for m in (pool.members if isinstance(pool, Pool) else ())
            if m.address is not None
        )
        or "<A/V Edge address>:" + str(spec.port) + " { }"
    )
    monitor = "/Common/udp" if protocol == "udp" else "/Common/tcp"
    vlans = (
        f" vlans replace-all-with {{ {' '.join(model.vlans)} }} vlans-enabled"
        if model is not None and model.vlans_mode == "enabled"
        else ""
    )
    persist = (
        model.persist[0].name if model is not None and model.persist else "/Common/source_addr"
    )
    return (
        f"create ltm pool {name}_pool {{ load-balancing-mode least-connections-member "
        f"members replace-all-with {{ {members} }} monitor {monitor} }}\n"
        f"create ltm virtual {name} {{ destination {endpoint(address, spec.port)} "
        f"ip-protocol {protocol} mask {host_mask(address)} pool {name}_pool "
        f"profiles replace-all-with {{ {profile} }} "
        f"persist replace-all-with {{ {persist} {{ default yes }} }}{vlans} }}"
    )


def _listener_profile(device: Device, model: VirtualServer | None, protocol: str) -> str:
    """The model virtual's fastL4 profile (it serves TCP and UDP), else the TMOS default."""
    for ref in model.profiles if model else ():
        profile = device.profiles.get(ref.name)
        if profile is not None and profile.kind == "fastl4":
            return ref.name
    return "/Common/udp" if protocol == "udp" else "/Common/fastL4"


# -- lync.av-no-hidden-snat ------------------------------------------------------------------------


def _client_space(origin: Network, destination: Address | None, topology: Topology) -> bool:
    """Whether SNAT origins can hold Internet clients of a VIP: a default origin, or one outside
    the declared internal networks and the Edge networks (same route domain as the VIP)."""
    if destination is not None and origin.route_domain != destination.route_domain:
        return False
    if origin.is_default:
        return True
    known = (
        *topology.internal_networks,
        *topology.front_end_subnets,
        *topology.edge_external_networks,
        *topology.edge_internal_networks,
    )
    if any(n.covers(origin) for n in known):
        return False
    edge = (*topology.edge_external_addresses, *topology.edge_internal_addresses)
    return not (origin.network.num_addresses == 1 and any(origin.contains(a) for a in edge))


def _hidden_snat(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device = facts.device
    unsure: list[str] = []
    culprits: list[str] = []
    reasons: list[str] = []
    fixes: list[str] = []
    if {"snat_type", "vlans", "vlans_mode"} & vs.unknown:
        unsure.append(vs.name)
    elif vs.snat_type == "none":
        _global_snats(facts, vs, unsure, culprits, reasons, fixes)
    if "rules" in vs.unknown:
        unsure.append(f"{vs.name} iRules")
    else:
        irules = _irule_translators(device, vs, unsure)
        for name, commands in irules:
            culprits.append(name)
            reasons.append(f"iRule {name} calls {'; '.join(commands)}")
        if irules:
            fixes.append(_rules_without(vs, [n for n, _ in irules]))
    if culprits:
        return Outcome(
            Status.FAIL,
            {"translated_by": culprits, "how": "; ".join(reasons), "tmsh": "\n".join(fixes)},
        )
    return undetermined(*unsure) if unsure else PASSED


def _global_snats(
    facts: DeviceFacts,
    vs: VirtualServer,
    unsure: list[str],
    culprits: list[str],
    reasons: list[str],
    fixes: list[str],
) -> None:
    """The ``ltm snat`` objects that translate clients of ``vs`` (it has no SNAT of its own)."""
    device, topology = facts.device, facts.topology
    if "snats" in device.unknown_kinds:
        unsure.append("ltm snat objects")
        return
    snats = facts.snats
    universe = vlan_universe(device, vs.vlans, *(s.vlans for s in snats))
    listening = enabled_vlans(vs.vlans_mode, vs.vlans, universe)
    for snat in snats:
        if SNAT_FIELDS & snat.unknown:
            unsure.append(snat.name)
            continue
        active = enabled_vlans(snat.vlans_mode, snat.vlans, universe)
        if not snat.enabled or not _overlap(listening, active):
            continue
        clients = [str(o) for o in snat.origins if _client_space(o, vs.destination, topology)]
        if not clients:
            continue
        culprits.append(snat.name)
        reasons.append(
            f"ltm snat {snat.name} ({snat_translation(snat)}, origins {listing(clients)}, "
            f"enabled on {_vlan_text(snat.vlans_mode, snat.vlans)}) also matches clients "
            f"arriving on {_vlan_text(vs.vlans_mode, vs.vlans)}"
        )
        kept = sorted((active if active is not None else universe) - (listening or universe))
        fixes.append(
            f"modify ltm snat {snat.name} vlans replace-all-with {{ {' '.join(kept)} }} "
            "vlans-enabled"
            if kept
            else f"delete ltm snat {snat.name}"
        )


# -- lync.av-nagle-off -----------------------------------------------------------------------------


def _nagle_off(facts: DeviceFacts, vs: VirtualServer) -> Outcome:
    device = facts.device
    if "profiles" in vs.unknown or not vs.profiles:
        return undetermined(f"{vs.name} profiles")
    offending: list[tuple[ProfileRef, Profile, str]] = []
    unresolved: list[str] = []
    for ref in vs.profiles:
        profile = device.profiles.get(ref.name)
        if profile is None or "kind" in profile.unknown:
            unresolved.append(ref.name)
            continue
        if profile.kind == "fastl4":
            return PASSED  # packet by packet, no TCP proxy: no Nagle
        if profile.kind != "tcp":
            continue
        nagle = profile.effective.get("nagle")
        if nagle is None or "effective" in profile.unknown:
            unresolved.append(ref.name)
        elif nagle != "disabled":
            offending.append((ref, profile, nagle))
    if offending:
        return Outcome(
            Status.FAIL,
            {
                "profiles": [ref.name for ref, _, _ in offending],
                "nagle": "; ".join(
                    f"{ref.name} nagle {nagle} ({_SIDES[ref.context]})"
                    for ref, _, nagle in offending
                ),
                "tmsh": _nagle_fix(vs, offending),
            },
        )
    if unresolved:
        return undetermined(*unresolved)
    return PASSED


def _nagle_fix(vs: VirtualServer, offending: Sequence[tuple[ProfileRef, Profile, str]]) -> str:
    """Custom profiles get ``nagle disabled``; built-in ones a child profile swapped in."""
    lines: list[str] = []
    swapped: dict[str, str] = {}
    for ref, profile, _ in offending:
        if not profile.builtin:
            lines.append(f"modify ltm profile tcp {ref.name} nagle disabled")
            continue
        child = f"/Common/lync_av_{ref.name.rsplit('/', 1)[-1]}_nagle_off"
        lines.append(
            f"create ltm profile tcp {child} {{ defaults-from {ref.name} nagle disabled }}"
        )
        swapped[ref.name] = child
    if swapped:
        profiles = " ".join(
            f"{swapped.get(r.name, r.name)} {{ context {r.context} }}" for r in vs.profiles
        )
        lines.append(f"modify ltm virtual {vs.name} profiles replace-all-with {{ {profiles} }}")
    return "\n".join(lines)


# -- lync.av-reachable -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Inbound:
    """The virtuals that may let Internet clients reach an Edge address: ip-forward virtuals
    with a destination, indexed by it (in its route domain, and in any route domain), and
    those a field unknown leaves in doubt (all by name)."""

    vague: tuple[VirtualServer, ...]
    # The ip-forward virtuals whose destination contains an address (same route domain).
    within: PrefixIndex[VirtualServer]
    # ... whose destination holds the address's IP in any route domain.
    anywhere: PrefixIndex[VirtualServer]

    @staticmethod
    def of(facts: DeviceFacts) -> _Inbound:
        vague: list[VirtualServer] = []
        destinations: list[tuple[Network, VirtualServer]] = []
        for vs in facts.virtuals:
            if _FORWARDER_FIELDS & vs.unknown:
                if "type" in vs.unknown or vs.type == "ip-forward":
                    vague.append(vs)
                continue
            destination = vs.destination_network
            if vs.type != "ip-forward" or destination is None:
                continue
            destinations.append((destination, vs))
        return _Inbound(
            tuple(vague),
            PrefixIndex(destinations),
            PrefixIndex(destinations, route_domains=False),
        )

    def holding(self, address: Address) -> list[VirtualServer]:
        """The ip-forward virtuals whose destination holds the address's IP in any route
        domain, by name."""
        return self.anywhere.containing(address)


def _reachable(facts: DeviceFacts, address: Address) -> Outcome:
    device, topology = facts.device, facts.topology
    if topology.nat_design and address.is_private:
        return PASSED  # decision (2): LYNC-EDGE-NAT-002 owns these addresses
    if set(topology.edge_external_vlans) & set(topology.upstream_vlans):
        return PASSED  # one-arm: the upstream router reaches the Edge subnet directly
    inside = frozenset(topology.edge_external_vlans) | frozenset(topology.edge_internal_vlans)
    universe = vlan_universe(device)
    unsure: list[str] = []
    protocols: set[str] = set()
    inbound = facts.cached(_Inbound, lambda: _Inbound.of(facts))
    for vs in inbound.vague:
        if not known_miss(vs, "destination_network", address):
            unsure.append(vs.name)
    # Only the forwarders whose destination contains it can carry it; the others of another
    # route domain only explain a failure (see _inbound_near).
    for vs in inbound.within.containing(address):
        if not _forwarder_problem(vs, universe, inside):
            protocols.add(vs.ip_protocol)
    if "any" in protocols or {"tcp", "udp"} <= protocols:
        return PASSED
    if FORWARDING_VIRTUALS in device.unknown_kinds:
        unsure.append("forwarding virtuals")
    if "nats" in device.unknown_kinds:
        unsure.append("ltm nat objects")
    nat_near: list[str] = []
    for nat in facts.nats_maybe_originating(address):
        if "originating_address" not in nat.unknown and nat.originating_address != address:
            continue
        if _NAT_FIELDS & nat.unknown:
            unsure.append(nat.name)
            continue
        if nat.translation_address is None:
            continue
        if nat.enabled and _from_outside(nat.vlans_mode, nat.vlans, universe, inside):
            return PASSED
        nat_near.append(
            f"ltm nat {nat.name} ({nat.translation_address}) is "
            + ("disabled" if not nat.enabled else f"enabled only on {listing(nat.vlans)}")
        )
    if unsure:
        return undetermined(*unsure)
    near = _inbound_near(inbound, address, universe, inside)
    if protocols:
        carried = listing(sorted(protocols))
        near.append(f"the forwarding virtuals containing it carry only {carried}")
    near.extend(nat_near)
    listeners, _ = vip_listeners(facts, address)
    if listeners:
        near.append(
            f"only the standard virtuals {listing(vs.name for vs in listeners)} listen on it "
            "(no forwarding for the 50000-59999 media range)"
        )
    why = (
        "no ip-forward virtual enabled on an outside VLAN has a destination containing it, no "
        "ltm nat originates from it"
    )
    if near:
        why += f" ({'; '.join(near)})"
    upstream = " ".join(topology.upstream_vlans) or "<upstream VLAN>"
    fix = (
        f"create ltm virtual {_object_name('lync_av_inbound_fwd', address)} {{ "
        f"destination {endpoint(address, 0)} mask {host_mask(address)} ip-forward "
        "ip-protocol any profiles replace-all-with { /Common/fastL4 } translate-address disabled "
        f"translate-port disabled vlans replace-all-with {{ {upstream} }} vlans-enabled }}"
    )
    witnesses = {"why": why, "service": _describe(facts, address), "tmsh": fix}
    at = facts.serving_vip_virtual("edge_av", address)
    return Outcome(Status.FAIL, {**witnesses, "at": at} if at else witnesses)


def _inbound_near(
    inbound: _Inbound, address: Address, universe: frozenset[str], inside: frozenset[str]
) -> list[str]:
    """Why the forwarders whose destination holds the address's IP do not let clients reach
    it (by name): another route domain, or a problem of the forwarder. Only for a failure."""
    near: list[str] = []
    for vs in inbound.holding(address):
        destination = vs.destination_network
        assert destination is not None
        if not destination.contains(address):
            if _other_route_domain(destination, address):
                near.append(
                    f"{vs.name} ({destination}) is in route domain {destination.route_domain}"
                )
            continue
        problem = _forwarder_problem(vs, universe, inside)
        if problem and not destination.is_default:  # a default destination: outbound forwarder
            near.append(f"{vs.name} ({destination}) {problem}")
    return near


def _other_route_domain(network: Network, address: Address) -> bool:
    """The network would contain the address if it were in the address's route domain."""
    moved = Network(address.route_domain, network.network)
    return network.route_domain != address.route_domain and moved.contains(address)


def _forwarder_problem(vs: VirtualServer, universe: frozenset[str], inside: frozenset[str]) -> str:
    """Why a forwarding virtual whose destination contains an A/V address does not let
    Internet clients reach it ('' when it does)."""
    if not vs.enabled:
        return "is disabled"
    if vs.port not in (None, 0):
        return f"forwards port {vs.port} only"
    if vs.source_network is not None and not vs.source_network.is_default:
        return f"accepts sources in {vs.source_network} only"
    if vs.ip_protocol not in ("any", "tcp", "udp"):
        return f"forwards {vs.ip_protocol} only"
    if not _from_outside(vs.vlans_mode, vs.vlans, universe, inside):
        return f"is enabled only on the Edge VLANs {listing(vs.vlans)}"
    return ""


# -- lync.nat-edge-service -------------------------------------------------------------------------


def _edge_service(facts: DeviceFacts, address: Address) -> Outcome:
    if address not in facts.external_set:
        return FAILED
    return Outcome(Status.PASS, {"service": _describe(facts, address)})


# -- lync.nat-one-to-one ---------------------------------------------------------------------------


def _nat_for_private(facts: DeviceFacts, address: Address) -> Outcome:
    if not (facts.topology.nat_design and address.is_private):
        return PASSED  # public addresses, or no NAT design: nothing to translate
    if "nats" in facts.device.unknown_kinds:
        return undetermined("ltm nat objects")
    return _one_to_one(facts, address)


def _one_to_one(facts: DeviceFacts, address: Address) -> Outcome:
    service = _describe(facts, address)
    unsure = sorted(
        n.name
        for n in facts.nats_maybe_originating(address)
        if _NAT_FIELDS & n.unknown
        and ("originating_address" in n.unknown or n.originating_address == address)
    )
    nats = list(facts.nats_originating(address))
    active = [n for n in nats if n.enabled and n.name not in unsure]
    # Access and Web Conferencing may leave through a SNAT instead ("SNAT out").
    if (
        not active
        and service_of(facts, address) != "A/V"
        and _source_translators(facts, address, unsure)
    ):
        return PASSED
    if unsure:
        return undetermined(*unsure)
    if not active:
        public = _public_address(facts, address)
        problem = "0 ltm nat (exactly one 1:1 NAT required)"
        disabled = [n.name for n in nats if not n.enabled]
        if disabled:
            problem += f"; {listing(disabled)} disabled"
        if service_of(facts, address) != "A/V":
            problem += "; no SNAT lets it leave either"
        if public is not None:
            problem += f"; the intent expects translation {public}"
        return _nat_failure(
            service, problem, _create_nat(facts, address, public), _address_at(facts, address)
        )
    if len(active) > 1:
        keep = _preferred(facts, address, active)
        extra = [n for n in active if n is not keep]
        return _nat_failure(
            service,
            f"{len(active)} ltm nat objects ({listing(n.name for n in active)}): exactly one "
            "1:1 NAT per address",
            "\n".join(f"delete ltm nat {n.name}" for n in extra),
            extra[0].name,
        )
    return _nat_settings(facts, active[0], service)


def _nat_settings(facts: DeviceFacts, nat: Nat, service: str) -> Outcome:
    """The settings of the one NAT of an address: VLANs, arp, traffic group, translation."""
    topology = facts.topology
    problems: list[str] = []
    changes: list[str] = []
    vlans = list(nat.vlans) if nat.vlans_mode == "enabled" else []
    missing_vlans = False
    for role, wanted, effect in (
        ("upstream", topology.upstream_vlans, "clients cannot reach its translation address"),
        (
            "Edge external",
            topology.edge_external_vlans,
            "the Edge server's own traffic is not translated",
        ),
    ):
        if not enabled_on_any(nat.vlans_mode, nat.vlans, wanted):
            problems.append(f"not enabled on the {role} VLAN {listing(wanted)} ({effect})")
            vlans.extend(v for v in wanted if v not in vlans)
            missing_vlans = True
    if missing_vlans:
        changes.append(f"vlans replace-all-with {{ {' '.join(vlans)} }} vlans-enabled")
    if not nat.arp:
        problems.append(
            f"arp disabled (the BIG-IP does not answer ARP for {nat.translation_address})"
        )
        changes.append("arp enabled")
    if topology.ha and (nat.traffic_group or "").endswith("traffic-group-local-only"):
        problems.append(
            "traffic-group-local-only in an HA pair (the NAT does not follow a failover)"
        )
        changes.append("traffic-group /Common/traffic-group-1")
    translation = nat.translation_address
    shared = sorted(
        n.name
        for n in (facts.nats_translating_to(translation) if translation is not None else ())
        if n.name != nat.name and n.enabled
    )
    if translation is None:
        problems.append("no translation-address")
    elif shared:
        problems.append(f"translation-address {translation} also used by {listing(shared)}")
    public = _public_address(facts, nat.originating_address)
    if (translation is None or shared) and public is not None:
        changes.append(f"translation-address {public}")
    if not problems:
        return PASSED
    fix = (
        f"modify ltm nat {nat.name} {' '.join(changes)}"
        if changes
        else f"modify ltm nat {nat.name} translation-address <public address of its own>"
    )
    return _nat_failure(service, f"ltm nat {nat.name}: {'; '.join(problems)}", fix, nat.name)


def _nat_failure(service: str, problem: str, fix: str, at: str | None) -> Outcome:
    """A failure of the NAT of an Edge address, located at ``at`` (a NAT, node or pool)."""
    witnesses = {"service": service, "problem": problem, "tmsh": fix}
    return Outcome(Status.FAIL, {**witnesses, "at": at} if at else witnesses)


def _address_at(facts: DeviceFacts, address: Address) -> str | None:
    """The object of an Edge address without an active NAT: a disabled NAT from it, else its
    node, else the first pool having it as a member."""
    nats = facts.nats_originating(address)
    if nats:
        return nats[0].name
    pools = facts.pools_with_member(address)
    return facts.node_of(address) or (pools[0].name if pools else None)


def _public_address(facts: DeviceFacts, address: Address | None) -> Address | None:
    """The public A/V address the intent declares for the server of ``address``."""
    server = server_of(facts, address) if address is not None else None
    if server is None or server.av != address:
        return None
    return server.av_public_ip


def _preferred(facts: DeviceFacts, address: Address, nats: Sequence[Nat]) -> Nat:
    """Of several NATs for one address, the one to keep: it matches the declared public IP."""
    public = _public_address(facts, address)
    for nat in nats:
        translation = nat.translation_address
        if public is not None and translation is not None and translation.ip == public.ip:
            return nat
    return nats[0]


def _create_nat(facts: DeviceFacts, address: Address, public: Address | None) -> str:
    topology = facts.topology
    server = server_of(facts, address)
    service = {"A/V": "av", "Access": "access", "Web Conferencing": "webconf"}.get(
        service_of(facts, address) or "", "edge"
    )
    name = (
        f"/Common/{server.name}_{service}_nat" if server else _object_name("lync_edge_nat", address)
    )
    vlans = " ".join((*topology.upstream_vlans, *topology.edge_external_vlans))
    group = " traffic-group /Common/traffic-group-1" if topology.ha else ""
    return (
        f"create ltm nat {name} {{ originating-address {address} "
        f"translation-address {public or '<public address>'}{group} "
        f"vlans replace-all-with {{ {vlans or '<upstream VLAN> <Edge external VLAN>'} }} "
        "vlans-enabled }"
    )


# -- lync.nat-matches-topology ---------------------------------------------------------------------


def _prepare_matches_topology(args: Mapping[str, Any], c: Compiler) -> Test:
    undeclared = c.optional(args, "undeclared", str, "fail")
    if undeclared not in ("fail", "pass"):
        raise c.error("'undeclared' is 'fail' or 'pass'", "undeclared")

    def test(facts: DeviceFacts, nat: Nat) -> Outcome:
        if {"originating_address", "translation_address"} & nat.unknown:
            return undetermined(nat.name)
        contradictions, missing, fix = _topology_facts(facts, nat)
        if contradictions:
            return Outcome(Status.FAIL, {"problem": "; ".join(contradictions), "tmsh": fix})
        if missing and undeclared == "fail":
            return Outcome(
                Status.FAIL,
                {
                    "problem": "cannot verify NAT awareness: the intent declares no "
                    + " and no ".join(missing),
                    "tmsh": fix,
                },
            )
        return PASSED

    return test


def _topology_facts(facts: DeviceFacts, nat: Nat) -> tuple[list[str], list[str], str]:
    """(contradictions, missing intent facts, fix) for an A/V NAT against the Lync topology.

    Public addresses compare by IP only: Topology Builder knows no BIG-IP route domain.
    """
    origin, translation = nat.originating_address, nat.translation_address
    contradictions: list[str] = []
    missing: list[str] = []
    fixes: list[str] = []
    topology = facts.topology
    pool = _pool_of(facts, origin) if origin is not None else None
    enabled = pool.topology_nat_enabled if pool else None
    builder = (
        "# Topology Builder: Edge pool properties > 'The external IP address of this Edge pool "
        f"is translated by NAT', public A/V address {translation}; publish the topology"
    )
    if enabled is False:
        contradictions.append(
            "the intent says the Edge topology is not NAT-enabled (topology_nat_enabled: false): "
            f"the A/V Edge advertises its private address {origin} to clients"
        )
        fixes.append(builder)
    elif enabled is None:
        missing.append("topology_nat_enabled")
    server = server_of(facts, origin) if origin is not None else None
    public = server.av_public_ip if server is not None and server.av == origin else None
    if public is None:
        owner = f"server {server.name}" if server else f"a server with A/V address {origin}"
        missing.append(f"av_public_ip for {owner}")
    elif translation is not None and translation.ip != public.ip:
        text = (
            f"translation-address {translation} differs from the A/V public address {public} "
            f"published for {server.name if server else origin}"
        )
        other = _published_by(topology, translation)
        if other:
            text += f" ({translation} is the address published for {other}: swapped?)"
        contradictions.append(text)
        fixes.append(f"modify ltm nat {nat.name} translation-address {public}")
    if not fixes:
        fixes.append(
            "# declare deployment.edge_pools[].topology_nat_enabled and "
            "servers[].av_public_ip in lyncpolicy.yaml"
        )
    return contradictions, missing, "\n".join(fixes)


def _published_by(topology: Topology, translation: Address) -> str | None:
    for pool in topology.pools:
        for server in pool.servers:
            if server.av_public_ip is not None and server.av_public_ip.ip == translation.ip:
                return server.name
    return None


# -- lync.nat-no-pat -------------------------------------------------------------------------------


def _no_pat(facts: DeviceFacts, address: Address) -> Outcome:
    if not (facts.topology.nat_design or facts.private(address)):
        return PASSED  # public design: LYNC-EDGE-NET-003 owns translation of A/V sources
    unsure: list[str] = []
    translators = _source_translators(facts, address, unsure)
    if translators:
        return Outcome(
            Status.FAIL,
            {
                "how": "; ".join(t.text for t in translators),
                "service": _describe(facts, address),
                "tmsh": "\n".join(dict.fromkeys(t.fix for t in translators)),
                "at": translators[0].at,
            },
        )
    return undetermined(*unsure) if unsure else PASSED


# -- the predicates --------------------------------------------------------------------------------

PREDICATES: list[Predicate] = [
    object_predicate(
        "lync.av-listeners",
        "address",
        Address,
        with_facts(_prepare_listeners),
        "enabled virtuals listen on the address at `address` (host mask) for every one of "
        "`ports` (`udp/3478`, `tcp/443`, `*/3478` for any protocol); an `ip-protocol any` "
        "virtual counts for tcp and udp unless `any-protocol` is false. Witnesses `missing` "
        "(list), `ports` (the listeners found) and `tmsh` (the fix)",
        "lync.av-listeners: {address: object.destination, ports: [udp/3478, tcp/443]}",
        required=["ports"],
        ports={
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": _SPEC.pattern},
        },
        **{"any-protocol": {"type": "boolean"}},
    ),
    object_predicate(
        "lync.av-no-hidden-snat",
        "virtual",
        VirtualServer,
        with_facts(fixed(_hidden_snat)),
        "no global `ltm snat` translates the clients of the virtual at `virtual` (enabled on a "
        "VLAN it listens on, origins holding client space, the virtual itself without SNAT) "
        "and none of its iRules calls `snat`/`snatpool`. Witnesses `translated_by` (list), "
        "`how` and `tmsh`",
        "lync.av-no-hidden-snat: {virtual: object}",
    ),
    object_predicate(
        "lync.av-nagle-off",
        "virtual",
        VirtualServer,
        with_facts(fixed(_nagle_off)),
        "the virtual at `virtual` uses fastL4, or TCP profiles whose effective `nagle` is "
        "disabled; undetermined when a profile cannot be resolved. Witnesses `profiles` "
        "(list), `nagle` and `tmsh`",
        "lync.av-nagle-off: {virtual: object}",
    ),
    object_predicate(
        "lync.av-reachable",
        "address",
        Address,
        with_facts(fixed(_reachable)),
        "Internet clients can reach the Edge address at `address` directly: an ip-forward "
        "virtual whose destination contains it (same route domain, enabled on a VLAN outside "
        "the Edge VLANs, tcp and udp, any port) or an enabled `ltm nat` originating from it. "
        "Passes for private addresses of a NAT design (LYNC-EDGE-NAT-002) and in one-arm "
        "designs. Witnesses `why`, `service` and `tmsh`",
        "lync.av-reachable: {address: address}",
    ),
    object_predicate(
        "lync.nat-edge-service",
        "address",
        Address,
        with_facts(fixed(_edge_service)),
        "the address at `address` is an Edge external address; witness `service` (`A/V, "
        "edge01`), also when it passes",
        "lync.nat-edge-service: {address: object.originating_address}",
    ),
    object_predicate(
        "lync.nat-one-to-one",
        "address",
        Address,
        with_facts(fixed(_nat_for_private)),
        "a private Edge external address of a NAT design has exactly one enabled `ltm nat`, "
        "enabled on the upstream and Edge external VLANs, with arp, a floating traffic group "
        "in HA and a translation address of its own (Access and Web Conferencing addresses may "
        "leave through a SNAT instead). Witnesses `service`, `problem` and `tmsh`",
        "lync.nat-one-to-one: {address: address}",
    ),
    object_predicate(
        "lync.nat-matches-topology",
        "nat",
        Nat,
        with_facts(_prepare_matches_topology),
        "the `ltm nat` at `nat` agrees with the Lync topology: the Edge pool is NAT-enabled "
        "and the translation address is the server's declared `av_public_ip`; intent facts "
        "not declared fail unless `undeclared` is `pass`. Witnesses `problem` and `tmsh`",
        "lync.nat-matches-topology: {nat: object}",
        undeclared={"enum": ["fail", "pass"]},
    ),
    object_predicate(
        "lync.nat-no-pat",
        "address",
        Address,
        with_facts(fixed(_no_pat)),
        "nothing but its own 1:1 `ltm nat` translates the A/V Edge address at `address` as a "
        "source (no `ltm snat`, no SNAT or `snat` iRule on a forwarding virtual); passes for "
        "public addresses outside a NAT design (LYNC-EDGE-NET-003). Witnesses `how`, "
        "`service` and `tmsh`",
        "lync.nat-no-pat: {address: address}",
    ),
]
