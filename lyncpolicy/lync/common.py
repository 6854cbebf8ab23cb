"""Helpers shared by the predicate families of the Lync Edge rule pack.

The plumbing that turns a check of one model object into a predicate (its argument schema,
the path compiled once, unknown subjects undetermined and absent ones failing), the scope's
roots, and the readings of the model that more than one family makes: the VLANs an object is
enabled on, the virtuals listening on a VIP address, what a SNAT translates to, the ``snat``
commands of an iRule, the service and server of an Edge external address.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from lyncpolicy.addresses import Address, Network
from lyncpolicy.builtin_predicates import PATH, arguments
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
from lyncpolicy.model import Device, Pool, Snat, VirtualServer
from lyncpolicy.topology import EdgeServer, Topology

T = TypeVar("T")

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
# A check of the subject in its device and topology (the subject is None for the device).
Test = Callable[[Device, Topology, Any], Outcome]
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


def with_roots(prepare: Prepare) -> Build:
    """``build`` from a ``prepare`` whose test takes the device and topology roots."""

    def build(args: Mapping[str, Any], c: Compiler) -> Evaluate:
        test = prepare(args, c)
        return lambda value, scope: test(*roots(scope), value)

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


def vip_listeners(device: Device, address: Address) -> tuple[list[VirtualServer], list[str]]:
    """The enabled virtuals listening on ``address`` (host mask), and those that may."""
    found: list[VirtualServer] = []
    unsure: list[str] = []
    for vs in sorted(device.virtual_servers.values(), key=lambda v: v.name):
        if "destination" not in vs.unknown and vs.destination != address:
            continue
        if LISTENER_FIELDS & vs.unknown:
            unsure.append(vs.name)
        elif (
            vs.type in LISTENER_TYPES and vs.enabled and vs.mask in (None, address.ip.max_prefixlen)
        ):
            found.append(vs)
    return found, unsure


# -- source translation ----------------------------------------------------------------------------


def snat_translation(snat: Snat) -> str:
    """What an ``ltm snat`` translates to: ``automap``, ``snatpool NAME``..."""
    if snat.automap:
        return "automap"
    if snat.snatpool:
        return f"snatpool {snat.snatpool}"
    return f"translation {snat.translation}" if snat.translation else "no translation"


def snats_covering(
    device: Device, address: Address, vlans: Sequence[str], unsure: list[str]
) -> list[Snat]:
    """The enabled ``ltm snat`` objects whose origins contain ``address``, enabled on one of
    ``vlans`` (any VLAN when they are not known); those that may be are added to ``unsure``."""
    if "snats" in device.unknown_kinds:
        unsure.append("ltm snat objects")
    found: list[Snat] = []
    for snat in sorted(device.snats.values(), key=lambda s: s.name):
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


def service_of(topology: Topology, address: Address) -> str | None:
    """``A/V``, ``Access`` or ``Web Conferencing`` for an Edge external address."""
    for service, key in SERVICES:
        if address in getattr(topology, f"{key}_addresses"):
            return service
    return None


def server_of(topology: Topology, address: Address) -> EdgeServer | None:
    """The Edge server one of whose external addresses is ``address``."""
    for pool in topology.pools:
        for server in pool.servers:
            if address in (server.av, server.access, server.webconf):
                return server
    return None
