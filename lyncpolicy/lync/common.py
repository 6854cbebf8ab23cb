"""Helpers shared by the predicate families of the Lync Edge rule pack.

The plumbing that turns a check of one model object into a predicate (its argument schema,
the path compiled once, unknown subjects undetermined and absent ones failing), the scope's
roots, and the readings of the model that more than one family makes: the VLANs an object is
enabled on, the virtuals listening on a VIP address, what a SNAT translates to, the ``snat``
commands of an iRule, the service and server of an Edge external address.

Device-wide facts (the virtuals on each address, the service of each Edge address, each
pool's member addresses...) come from :class:`DeviceFacts`: one per device and evaluation,
kept in the engine's per-device :class:`~lyncpolicy.engine.Memo` and shared by every rule, so a
predicate that runs for each of n objects looks them up instead of scanning the device again.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Any, Final, Generic, TypeVar

from lyncpolicy.addresses import Address, Network
from lyncpolicy.builtin_predicates import PATH, arguments, private
from lyncpolicy.conditions import (
    FAILED,
    UNKNOWN,
    Check,
    Compiler,
    Outcome,
    Predicate,
    Scope,
    Status,
    unknown_outcome,
)
from lyncpolicy.engine import MEMO, Memo
from lyncpolicy.model import Device, Nat, Pool, PoolMember, Snat, VirtualServer
from lyncpolicy.topology import EdgePool, EdgeServer, Topology

T = TypeVar("T")
K = TypeVar("K")

# Virtual server types that listen on a VIP address (not forwarding, not reject).
LISTENER_TYPES: Final = frozenset({"standard", "performance-l4", "performance-http", "stateless"})
LISTENER_FIELDS: Final = frozenset({"type", "destination", "port", "ip_protocol", "enabled"})
SNAT_FIELDS: Final = frozenset({"origins", "vlans", "vlans_mode", "enabled"})
SERVICES: Final = (("A/V", "av"), ("Access", "access"), ("Web Conferencing", "webconf"))
# `snat ADDR|automap` and `snatpool NAME` as Tcl commands (`snat none` keeps the address).
_IRULE_SNAT: Final = re.compile(r"(?:^|[;{\[])\s*(snatpool|snat)\s+([^\s;\]}]+)")


# -- predicate plumbing ----------------------------------------------------------------------------

# A check of the subject (the object at the path argument) in its scope.
Evaluate = Callable[[Any, Scope], Outcome]
Build = Callable[[Mapping[str, Any], Compiler], Evaluate]
# A check of the subject in the facts of its device (the subject is None for the device).
Test = Callable[["DeviceFacts", Any], Outcome]
Prepare = Callable[[Mapping[str, Any], Compiler], Test]


def device_root(scope: Scope) -> Device:
    device = scope["device"]
    if not isinstance(device, Device):
        raise TypeError(f"the device root is a {type(device).__name__}")
    return device


def roots(scope: Scope) -> tuple[Device, Topology]:
    device, topology = scope["device"], scope["topology"]
    if not isinstance(device, Device) or not isinstance(topology, Topology):
        raise TypeError("the lync.* predicates need the device and topology roots")
    return device, topology


def fixed(value: T) -> Callable[[Mapping[str, Any], Compiler], T]:
    """``build`` or ``prepare`` for predicates without other arguments."""
    return lambda args, c: value


def with_facts(prepare: Prepare) -> Build:
    """``build`` from a ``prepare`` whose test takes the facts of the scope's device."""

    def build(args: Mapping[str, Any], c: Compiler) -> Evaluate:
        test = prepare(args, c)
        return lambda value, scope: test(facts_of(scope), value)

    return build


def _compile_subject(
    key: str | None, kind: type[Any], build: Build
) -> Callable[[Mapping[str, Any], Compiler], Check]:
    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        path = c.path(args.get(key), key) if key is not None else None
        evaluate = build(args, c)

        def check(scope: Scope) -> Outcome:
            if path is None:
                return evaluate(None, scope)
            value = path.resolve(scope)
            if value is UNKNOWN:
                return unknown_outcome(path)
            if value is None:
                return FAILED
            if not isinstance(value, kind):
                raise TypeError(f"{path.text} is a {type(value).__name__}, not a {kind.__name__}")
            return evaluate(value, scope)

        return check

    return compile_


def object_predicate(
    name: str,
    key: str | None,
    kind: type[Any],
    build: Build,
    summary: str,
    example: str,
    *,
    required: Sequence[str] = (),
    **extra: Any,
) -> Predicate:
    """A predicate about the model object at the path argument ``key`` (an instance of
    ``kind``), or about the whole device when ``key`` is None.

    ``build(args, compiler)`` checks the other arguments (``required`` and ``extra``: their
    schemas) once and returns ``evaluate(obj, scope)``, which runs when the object is present
    and known: an absent object fails, an unknown one is undetermined, and an object of another
    type is an internal error.
    """
    if key is None:
        schema = arguments(required, **extra)
    else:
        schema = arguments([key, *required], **{key: PATH}, **extra)
    return Predicate(name, _compile_subject(key, kind, build), schema, summary, example)


def undetermined(*what: str) -> Outcome:
    return Outcome(Status.UNDETERMINED, {"unknown": list(what)})


def listing(items: Iterable[object]) -> str:
    """``a, b`` (``none`` for no item)."""
    return ", ".join(str(i) for i in items) or "none"


# -- VLANs -----------------------------------------------------------------------------------------


def vlan_universe(device: Device, *extra: Iterable[str]) -> frozenset[str]:
    """Every VLAN the configuration names (the VLAN objects and the lists that refer to them)."""
    found = set(device.vlans)
    for vlans in extra:
        found.update(vlans)
    return frozenset(found)


def enabled_vlans(
    mode: str, vlans: Sequence[str], universe: frozenset[str]
) -> frozenset[str] | None:
    """The VLANs an object is enabled on; None: every VLAN."""
    if mode == "all":
        return None
    if mode == "enabled":
        return frozenset(vlans)
    return universe - frozenset(vlans)


def enabled_on_any(mode: str, vlans: Sequence[str], targets: Sequence[str]) -> bool:
    """Enabled on one of ``targets`` (True when the targets are not known)."""
    if not targets or mode == "all":
        return True
    if mode == "enabled":
        return any(v in vlans for v in targets)
    return any(v not in vlans for v in targets)


# -- addresses, virtuals and listeners -------------------------------------------------------------


def endpoint(address: Address, port: int | None) -> str:
    """``203.0.113.5:443``; IPv6 separates the port with ``.``."""
    separator = "." if address.ip.version == 6 else ":"
    return f"{address}{separator}{port if port is not None else 0}"


def host_mask(address: Address) -> str:
    return "255.255.255.255" if address.ip.version == 4 else "ffff:" * 7 + "ffff"


def pool_of(device: Device, vs: VirtualServer) -> Pool | None:
    return device.pools.get(vs.pool) if vs.pool else None


def known_miss(vs: VirtualServer, field: str, address: Address) -> bool:
    """The virtual's known source or destination network does not contain ``address`` (no
    ``source`` means any source)."""
    if field in vs.unknown:
        return False
    network: Network | None = getattr(vs, field)
    if network is None:
        return field != "source_network"
    return not network.contains(address)


@dataclass(frozen=True, slots=True)
class Listen:
    """A service a VIP address must listen on: ``udp/3478``, ``*/3478`` (any protocol)."""

    protocol: str
    port: int

    @property
    def text(self) -> str:
        return f"{self.protocol}/{self.port}"

    def matches(self, vs: VirtualServer, any_protocol: bool = True) -> bool:
        """``vs`` listens on the port for the protocol; an ``ip-protocol any`` virtual serves
        tcp and udp unless ``any_protocol`` is false."""
        if vs.port != self.port:
            return False
        if self.protocol in ("*", vs.ip_protocol):
            return True
        return any_protocol and vs.ip_protocol == "any" and self.protocol in ("tcp", "udp")


def vip_listeners(facts: DeviceFacts, address: Address) -> tuple[list[VirtualServer], list[str]]:
    """The enabled virtuals listening on ``address`` (host mask), and those that may."""
    found, unsure = facts.listeners(address)
    return list(found), list(unsure)


# -- source translation ----------------------------------------------------------------------------


def snat_translation(snat: Snat) -> str:
    """What an ``ltm snat`` translates to: ``automap``, ``snatpool NAME``..."""
    if snat.automap:
        return "automap"
    if snat.snatpool:
        return f"snatpool {snat.snatpool}"
    return f"translation {snat.translation}" if snat.translation else "no translation"


def snats_covering(
    facts: DeviceFacts, address: Address, vlans: Sequence[str], unsure: list[str]
) -> list[Snat]:
    """The enabled ``ltm snat`` objects whose origins contain ``address``, enabled on one of
    ``vlans`` (any VLAN when they are not known); those that may be are added to ``unsure``."""
    if "snats" in facts.device.unknown_kinds:
        unsure.append("ltm snat objects")
    found: list[Snat] = []
    for snat in facts.snats_maybe_covering(address):
        if SNAT_FIELDS & snat.unknown:
            unsure.append(snat.name)
            continue
        if not snat.enabled or not any(o.contains(address) for o in snat.origins):
            continue
        if enabled_on_any(snat.vlans_mode, snat.vlans, vlans):
            found.append(snat)
    return found


def irule_snat_commands(text: str) -> list[str]:
    """The ``snat``/``snatpool`` commands of an iRule that translate (``snat none`` does not)."""
    found: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for match in _IRULE_SNAT.finditer(line):
            command, argument = match.groups()
            if command == "snat" and argument == "none":
                continue
            found.append(f"{command} {argument}")
    return found


# -- the Edge topology -----------------------------------------------------------------------------


def service_of(facts: DeviceFacts, address: Address) -> str | None:
    """``A/V``, ``Access`` or ``Web Conferencing`` for an Edge external address."""
    return facts.services.get(address)


def server_of(facts: DeviceFacts, address: Address) -> EdgeServer | None:
    """The Edge server one of whose external addresses is ``address``."""
    servers = facts.servers.get(address)
    return servers[0] if servers else None


# -- device-wide facts, computed once per evaluation -----------------------------------------------


class Same:
    """A key that matches one object by identity (and keeps it alive while the key is used)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.value is self.value


def _address_key(address: Address) -> tuple[int, int, int]:
    """The sort key of :class:`Address` (route domain, IP version, IP)."""
    return address.route_domain, address.ip.version, int(address.ip)


class Addresses:
    """Addresses searchable by network: in sorted order, the ones a network holds are a slice."""

    __slots__ = ("_given", "_keys", "_sorted")

    def __init__(self, addresses: Iterable[Address]) -> None:
        given = tuple(addresses)
        keys = [_address_key(a) for a in given]
        # Kept when not sorted and unique already, to answer in the given order.
        self._given: tuple[Address, ...] | None = None
        if all(a < b for a, b in pairwise(keys)):
            self._sorted, self._keys = given, keys
            return
        self._given = given
        self._sorted = tuple(sorted(set(given), key=_address_key))
        self._keys = [_address_key(a) for a in self._sorted]

    def within(self, network: Network) -> tuple[Address, ...]:
        """The addresses ``network`` contains (``network.contains``), in the given order."""
        net = network.network
        rd, version = network.route_domain, net.version
        low = bisect_left(self._keys, (rd, version, int(net.network_address)))
        high = bisect_right(self._keys, (rd, version, int(net.broadcast_address)))
        found = self._sorted[low:high]
        if self._given is None or not found:
            return found
        held = set(found)
        return tuple(a for a in self._given if a in held)


class PrefixIndex(Generic[T]):
    """Values keyed by a network, found by an address the network contains: one dict lookup
    per distinct prefix length (of the address's version, and route domain unless
    ``route_domains`` is false: the network's route domain is then ignored, as if rehomed into
    the address's). Values come out in the order they were given."""

    def __init__(self, pairs: Iterable[tuple[Network, T]], *, route_domains: bool = True) -> None:
        self._route_domains = route_domains
        buckets: dict[tuple[int, int, int], dict[int, list[tuple[int, T]]]] = {}
        for order, (network, value) in enumerate(pairs):
            net = network.network
            rd = network.route_domain if route_domains else 0
            shift = net.max_prefixlen - net.prefixlen
            bucket = buckets.setdefault((rd, net.version, net.prefixlen), {})
            bucket.setdefault(int(net.network_address) >> shift, []).append((order, value))
        lengths: dict[tuple[int, int], list[tuple[int, int, dict[int, list[tuple[int, T]]]]]] = {}
        for (rd, version, prefix), bucket in sorted(buckets.items(), key=lambda kv: kv[0]):
            max_prefix = 32 if version == 4 else 128
            lengths.setdefault((rd, version), []).append((prefix, max_prefix - prefix, bucket))
        self._lengths = lengths

    def containing(self, address: Address) -> list[T]:
        """The values whose network contains ``address``, in the order given."""
        rd = address.route_domain if self._route_domains else 0
        ip = int(address.ip)
        found: list[tuple[int, T]] = []
        for _, shift, bucket in self._lengths.get((rd, address.ip.version), ()):
            hit = bucket.get(ip >> shift)
            if hit:
                found.extend(hit)
        found.sort(key=lambda pair: pair[0])
        return [value for _, value in found]


class DeviceFacts:
    """What the Lync predicates read about one device and its topology, indexed once.

    :func:`facts_of` keeps one in the engine's per-device memo, so the rules of one evaluation
    share it and nothing outlives the evaluation. Every index is a pure function of the device
    and the topology, built on first use; :meth:`cached` holds the indexes of one predicate
    family (keys start with a function or class of that family).
    """

    def __init__(self, device: Device, topology: Topology) -> None:
        self.device = device
        self.topology = topology
        self._memo = Memo()
        self._listeners: dict[Address, tuple[tuple[VirtualServer, ...], tuple[str, ...]]] = {}

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute()`` the first time."""
        return self._memo.get(key, compute)

    # -- virtual servers

    @cached_property
    def virtuals(self) -> tuple[VirtualServer, ...]:
        """Every virtual server, by name."""
        return tuple(sorted(self.device.virtual_servers.values(), key=lambda v: v.name))

    @cached_property
    def _by_destination(self) -> Mapping[Address, tuple[VirtualServer, ...]]:
        """The virtuals whose destination is known, by destination address (by name)."""
        return grouped(
            (vs.destination, vs)
            for vs in self.virtuals
            if "destination" not in vs.unknown and vs.destination is not None
        )

    @cached_property
    def _destination_unknown(self) -> tuple[VirtualServer, ...]:
        return tuple(vs for vs in self.virtuals if "destination" in vs.unknown)

    def on_address(self, address: Address) -> tuple[VirtualServer, ...]:
        """The virtuals (any type) whose known destination is ``address``, by name."""
        return self._by_destination.get(address, ())

    def listeners(self, address: Address) -> tuple[tuple[VirtualServer, ...], tuple[str, ...]]:
        """The enabled virtuals listening on ``address`` (host mask), and those that may (a
        field that decides it unknown)."""
        known = self._listeners.get(address)
        if known is not None:
            return known
        found: list[VirtualServer] = []
        unsure: list[str] = []
        candidates = self.on_address(address)
        if self._destination_unknown:
            candidates = tuple(
                sorted((*candidates, *self._destination_unknown), key=lambda v: v.name)
            )
        for vs in candidates:
            if LISTENER_FIELDS & vs.unknown:
                unsure.append(vs.name)
            elif (
                vs.type in LISTENER_TYPES
                and vs.enabled
                and vs.mask in (None, address.ip.max_prefixlen)
            ):
                found.append(vs)
        result = self._listeners[address] = (tuple(found), tuple(unsure))
        return result

    @cached_property
    def _using_pool(self) -> Mapping[str, tuple[VirtualServer, ...]]:
        return grouped((vs.pool, vs) for vs in self.virtuals if vs.pool)

    def using_pool(self, name: str) -> tuple[VirtualServer, ...]:
        """The virtuals (any type) whose pool is ``name``, by name."""
        return self._using_pool.get(name, ())

    # -- pools

    def member_addresses(self, pool: Pool) -> tuple[Address, ...]:
        """The distinct addresses of the pool's members, sorted."""
        return self.cached(
            (DeviceFacts.member_addresses, Same(pool)),
            lambda: _member_addresses(pool.members),
        )

    @cached_property
    def _pools_by_member(self) -> Mapping[Address, tuple[Pool, ...]]:
        pools = sorted(self.device.pools.items())
        return grouped((a, pool) for _, pool in pools for a in self.member_addresses(pool))

    def pools_with_member(self, address: Address) -> tuple[Pool, ...]:
        """The pools one of whose members has ``address``, by name."""
        return self._pools_by_member.get(address, ())

    @cached_property
    def _nodes_by_address(self) -> Mapping[Address, str]:
        nodes = sorted(self.device.nodes.items())
        return firsts((node.address, name) for name, node in nodes if node.address is not None)

    def node_of(self, address: Address) -> str | None:
        """The first node (by name) whose address is ``address``."""
        return self._nodes_by_address.get(address)

    # -- address translation objects

    @cached_property
    def snats(self) -> tuple[Snat, ...]:
        """Every ``ltm snat``, by name."""
        return tuple(sorted(self.device.snats.values(), key=lambda s: s.name))

    @cached_property
    def _snats_by_origin(self) -> tuple[tuple[int, ...], PrefixIndex[int]]:
        """Positions in :attr:`snats`: those with an unknown field, and the enabled known ones
        by origin."""
        unknown: list[int] = []
        origins: list[tuple[Network, int]] = []
        for i, snat in enumerate(self.snats):
            if SNAT_FIELDS & snat.unknown:
                unknown.append(i)
            elif snat.enabled:
                origins.extend((origin, i) for origin in snat.origins)
        return tuple(unknown), PrefixIndex(origins)

    def snats_maybe_covering(self, address: Address) -> list[Snat]:
        """The SNATs with an unknown field and the enabled ones with an origin containing
        ``address``, by name (one dict lookup per distinct origin prefix length)."""
        unknown, by_origin = self._snats_by_origin
        positions = sorted({*unknown, *by_origin.containing(address)})
        return [self.snats[i] for i in positions]

    @cached_property
    def nats(self) -> tuple[Nat, ...]:
        """Every ``ltm nat``, by name."""
        return tuple(sorted(self.device.nats.values(), key=lambda n: n.name))

    @cached_property
    def _nats_by_origin(self) -> Mapping[Address | None, tuple[Nat, ...]]:
        return grouped((nat.originating_address, nat) for nat in self.nats)

    @cached_property
    def _origin_unknown(self) -> tuple[Nat, ...]:
        return tuple(n for n in self.nats if "originating_address" in n.unknown)

    def nats_originating(self, address: Address) -> tuple[Nat, ...]:
        """The NATs whose originating address (as read, known or not) is ``address``."""
        return self._nats_by_origin.get(address, ())

    def nats_maybe_originating(self, address: Address) -> tuple[Nat, ...]:
        """The NATs whose originating address is ``address`` or unknown, by name."""
        mine = self.nats_originating(address)
        if not self._origin_unknown:
            return mine
        merged = {n.name: n for n in (*mine, *self._origin_unknown)}
        return tuple(merged[name] for name in sorted(merged))

    @cached_property
    def _nats_by_translation(self) -> Mapping[Address | None, tuple[Nat, ...]]:
        return grouped((nat.translation_address, nat) for nat in self.nats)

    def nats_translating_to(self, address: Address) -> tuple[Nat, ...]:
        """The NATs whose translation address is ``address``, by name."""
        return self._nats_by_translation.get(address, ())

    def private(self, value: Address | Network) -> bool:
        """:func:`~lyncpolicy.builtin_predicates.private`, once per address or network."""
        return self.cached((DeviceFacts.private, value), lambda: private(value))

    # -- the Edge topology

    @cached_property
    def services(self) -> Mapping[Address, str]:
        """Edge external address -> ``A/V``, ``Access`` or ``Web Conferencing`` (the first of
        these when an address has several)."""
        return firsts(
            (address, service)
            for service, key in SERVICES
            for address in getattr(self.topology, f"{key}_addresses")
        )

    @cached_property
    def servers(self) -> Mapping[Address, tuple[EdgeServer, ...]]:
        """Edge external address -> the Edge servers having it (A/V, Access or Web
        Conferencing address), in topology order."""
        return grouped(
            (address, server)
            for pool in self.topology.pools
            for server in pool.servers
            for address in dict.fromkeys((server.av, server.access, server.webconf))
            if address is not None
        )

    @cached_property
    def edge_pools(self) -> Mapping[Address, EdgePool]:
        """Edge external address -> the first Edge pool having it."""
        return firsts(
            (address, pool) for pool in self.topology.pools for address in pool.external_addresses
        )

    @cached_property
    def external(self) -> Addresses:
        """The Edge external addresses."""
        return Addresses(self.topology.edge_external_addresses)

    @cached_property
    def external_set(self) -> frozenset[Address]:
        return frozenset(self.topology.edge_external_addresses)

    @cached_property
    def av_set(self) -> frozenset[Address]:
        return frozenset(self.topology.av_addresses)

    @cached_property
    def _vip_virtuals(self) -> Mapping[tuple[str, Address], str]:
        return firsts(
            ((vip.role, vip.address), vip.virtual_servers[0])
            for pool in self.topology.pools
            for vip in pool.vips
            if vip.virtual_servers
        )

    def vip_virtual(self, role: str, address: Address) -> str | None:
        """The first virtual (by name) of the Edge VIP of ``role`` at ``address``."""
        return self._vip_virtuals.get((role, address))

    def serving_vip_virtual(self, role: str, address: Address) -> str | None:
        """The first virtual of the Edge VIP of ``role`` that load balances the Edge server
        address ``address`` (its pool has it), else of the first VIP of ``role``."""

        def index() -> tuple[dict[Address, str], str | None]:
            found: dict[Address, str] = {}
            first: str | None = None
            for pool in self.topology.pools:
                for vip in pool.vips:
                    if vip.role != role or not vip.virtual_servers:
                        continue
                    first = first or vip.virtual_servers[0]
                    for name in vip.virtual_servers:
                        vs = self.device.virtual_servers.get(name)
                        members = self.device.pools.get(vs.pool) if vs and vs.pool else None
                        for member in self.member_addresses(members) if members else ():
                            found.setdefault(member, vip.virtual_servers[0])
            return found, first

        found, first = self.cached((DeviceFacts.serving_vip_virtual, role), index)
        return found.get(address, first)

    def role_virtuals(self, roles: Iterable[str]) -> tuple[VirtualServer, ...]:
        """The virtuals having one of the topology roles ``roles``, by name."""
        wanted = frozenset(roles)
        return self.cached(
            (DeviceFacts.role_virtuals, wanted),
            lambda: tuple(vs for vs in self.virtuals if wanted & self.topology.role_of(vs.name)),
        )


def grouped(pairs: Iterable[tuple[K, T]]) -> dict[K, tuple[T, ...]]:
    """Key -> the values paired with it, in the order met."""
    found: dict[K, list[T]] = {}
    for key, value in pairs:
        found.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in found.items()}


def firsts(pairs: Iterable[tuple[K, T]]) -> dict[K, T]:
    """Key -> the first value paired with it."""
    found: dict[K, T] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def _member_addresses(members: Iterable[PoolMember]) -> tuple[Address, ...]:
    return tuple(sorted({m.address for m in members if m.address is not None}, key=_address_key))


def facts_of(scope: Scope) -> DeviceFacts:
    """The facts of the scope's device, shared through the engine's memo (made afresh when the
    scope has no memo: a predicate run outside :func:`~lyncpolicy.engine.evaluate`)."""
    device, topology = roots(scope)
    memo = scope.get(MEMO)
    if not isinstance(memo, Memo):
        return DeviceFacts(device, topology)
    key = (DeviceFacts, Same(device), Same(topology))
    return memo.get(key, lambda: DeviceFacts(device, topology))
