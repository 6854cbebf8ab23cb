"""Predicates of the LYNC-GEN and LYNC-EDGE-EXT rules that YAML alone cannot express.

They join objects the rule language cannot join by itself: the virtual servers sharing one VIP
address, a virtual's pool, profiles, persistence and monitors by name, the other Edge pools of
a role. Each reads the device through the ``device`` root of the scope (always present) and
the object through a path argument compiled once.

Witnesses follow one convention: lists name *what* fails (they feed a finding's ``detail`` and
so its fingerprint: names and addresses only, no values that change while the finding stays);
scalars explain (``values``, ``summary``) or carry the exact ``tmsh`` fix that the rule's
remediation template renders with ``{witnesses.tmsh}``.

A field the input cannot state (listed in ``obj.unknown``) or an object kind it cannot express
(``device.unknown_kinds``) makes a predicate undetermined, never pass or fail.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from lyncpolicy.addresses import Address, parse_address
from lyncpolicy.builtin_predicates import CONDITION, PATH, arguments
from lyncpolicy.conditions import (
    FAILED,
    PASSED,
    UNDECIDED,
    UNKNOWN,
    Check,
    Compiler,
    Outcome,
    Predicate,
    Scope,
    Status,
    iter_items,
    unknown_outcome,
)
from lyncpolicy.lync.common import (
    Build,
    DeviceFacts,
    Evaluate,
    Same,
    device_root,
    endpoint,
    facts_of,
    fixed,
    grouped,
    object_predicate,
    pool_of,
    undetermined,
)
from lyncpolicy.model import Device, Monitor, Pool, PoolMember, VirtualServer
from lyncpolicy.topology import CONFIDENT, EDGE_ROLES, EXTERNAL_ROLES, EdgeVip, Topology

ROLE: Final = {"type": ["string", "array"], "minItems": 1, "items": {"type": "string"}}
SERVICE_PATTERN: Final = r"^(tcp|udp|sctp|\*)/([0-9]{1,5}|\*)$"
SERVICE: Final = {"type": "string", "pattern": SERVICE_PATTERN}
CONDITIONAL_SERVICE: Final = {
    "oneOf": [
        SERVICE,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["service", "when"],
            "properties": {"service": SERVICE, "when": CONDITION},
        },
    ]
}
NAMES: Final = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}

# Virtual server types that load balance (an Edge VIP is one of these; ip-forward is not).
LOAD_BALANCING_TYPES: Final = frozenset({"standard", "performance-l4", "performance-http"})
ROLE_NAMES: Final[Mapping[str, str]] = {
    "edge_access": "Access",
    "edge_webconf": "Web Conferencing",
    "edge_av": "A/V",
    "edge_internal": "internal",
}
ICMP_MONITORS: Final = frozenset({"icmp", "gateway-icmp"})
HTTP_MONITORS: Final = frozenset({"http", "https", "http2"})
# TMOS built-in monitors whose type is not their name with '_' -> '-'.
_BUILTIN_MONITOR_KINDS: Final[Mapping[str, str]] = {
    "https_443": "https",
    "http_head_f5": "http",
    "https_head_f5": "https",
    "http2_head_f5": "http2",
}
_BUILTIN_MONITORS: Final = frozenset(
    {
        *_BUILTIN_MONITOR_KINDS,
        "gateway_icmp", "icmp", "tcp", "tcp_echo", "tcp_half_open", "http", "https", "http2",
        "udp", "sip", "inband", "external", "dns", "ftp", "imap", "ldap", "mssql", "mysql",
        "nntp", "oracle", "pop3", "postgresql", "radius", "radius_accounting", "real_server",
        "rpc", "sasp", "scripted", "smb", "smtp", "snmp_dca", "snmp_dca_base", "soap",
        "virtual_location", "wap", "wmi", "diameter", "firepass", "module_score", "mqtt",
    }
)  # fmt: skip
_DEFAULT_HTTP_SEND: Final = "GET /\\r\\n"
_PORT_SUFFIX: Final = re.compile(r"_\d+$")


# -- small helpers -----------------------------------------------------------------------------


def _roles(scope: Scope) -> Mapping[str, Iterable[str]] | None:
    """The object roles of the topology step; None when there are none (undetermined)."""
    roles = scope.get("roles")
    return roles if isinstance(roles, Mapping) else None


def _role_set(c: Compiler, args: Mapping[str, Any], key: str = "role") -> frozenset[str]:
    value = c.require(args, key, (str, list))
    roles = frozenset([value] if isinstance(value, str) else value)
    if not roles or not all(isinstance(r, str) for r in roles):
        raise c.error(f"{key!r} is a role name or a non-empty list of role names", key)
    return roles


def _strings(c: Compiler, args: Mapping[str, Any], key: str) -> tuple[str, ...]:
    values = c.require(args, key, list)
    if not values or not all(isinstance(v, str) and v for v in values):
        raise c.error(f"{key!r} is a non-empty list of names", key)
    return tuple(values)


def _unknown_fields(obj: object, *fields: str) -> list[str]:
    hidden: frozenset[str] = getattr(obj, "unknown", frozenset())
    return [f"{getattr(obj, 'name', '?')}.{f}" for f in fields if f in hidden]


def _number(text: str | None) -> float | None:
    """A tmsh duration as seconds: ``immediate`` is 0, ``indefinite`` never ends."""
    if text is None:
        return None
    if text == "immediate":
        return 0.0
    if text == "indefinite":
        return math.inf
    try:
        return float(text)
    except ValueError:
        return None


def _on_vip(facts: DeviceFacts, address: Address) -> tuple[VirtualServer, ...]:
    """The load-balancing virtuals listening on one host address (route domain included)."""
    return facts.cached(_on_vip, lambda: _load_balancers_by_vip(facts)).get(address, ())


def _load_balancers_by_vip(facts: DeviceFacts) -> dict[Address, tuple[VirtualServer, ...]]:
    return grouped(
        (vs.destination, vs)
        for vs in facts.virtuals
        if vs.destination is not None
        and vs.type in LOAD_BALANCING_TYPES
        and (vs.mask is None or vs.mask == vs.destination.ip.max_prefixlen)
    )


def _service(vs: VirtualServer) -> str:
    return f"{vs.ip_protocol}/{vs.port if vs.port is not None else 0}"


def _matches(pattern: str, vs: VirtualServer) -> bool:
    protocol, _, port = pattern.partition("/")
    return (protocol in ("*", vs.ip_protocol)) and (port == "*" or str(vs.port) == port)


def _addresses(members: Iterable[PoolMember]) -> list[Address]:
    return sorted({m.address for m in members if m.address is not None})


def _virtuals_using(facts: DeviceFacts, pool: Pool) -> list[VirtualServer]:
    return [vs for vs in facts.using_pool(pool.name) if vs.type in LOAD_BALANCING_TYPES]


class _Peers:
    """The pools having one of the roles in ``wanted`` (by name), with those roles, and what
    the pool-consistency checks compare across them."""

    def __init__(
        self, facts: DeviceFacts, roles: Mapping[str, Iterable[str]], wanted: frozenset[str]
    ) -> None:
        self.pools: list[tuple[Pool, frozenset[str]]] = []
        for name, pool in sorted(facts.device.pools.items()):
            mine = frozenset(roles.get(name, ())) & wanted
            if mine:
                self.pools.append((pool, mine))
        self.hidden = [h for peer, _ in self.pools for h in _unknown_fields(peer, "members")]
        # (distinct member count, name) of the largest pool; None without pools.
        self.largest = max(
            ((len(facts.member_addresses(p)), p.name) for p, _ in self.pools), default=None
        )
        # Member address -> the indexes (in self.pools) of the pools having it.
        self.holding: dict[Address, list[int]] = {}
        for i, (pool, _) in enumerate(self.pools):
            for address in facts.member_addresses(pool):
                self.holding.setdefault(address, []).append(i)


def _peers(
    facts: DeviceFacts, roles: Mapping[str, Iterable[str]], wanted: frozenset[str]
) -> _Peers:
    return facts.cached((_Peers, Same(roles), wanted), lambda: _Peers(facts, roles, wanted))


def _role_text(roles: Iterable[str]) -> str:
    """``Access, A/V`` in the catalog's role order."""
    order = {role: i for i, role in enumerate(ROLE_NAMES)}
    ranked = sorted(roles, key=lambda r: (order.get(r, len(order)), r))
    return ", ".join(ROLE_NAMES.get(r, r) for r in ranked)


# -- GEN-001 and GEN-002: the topology as a whole ----------------------------------------------


def _vip_line(vip: EdgeVip) -> str:
    evidence = "; ".join(vip.evidence) or "no evidence"
    return (
        f"{vip.address} as {ROLE_NAMES.get(vip.role, vip.role)} (confidence {vip.confidence:g}: "
        f"{evidence}): {', '.join(vip.virtual_servers)}"
    )


def _roles_resolved(topology: Topology, scope: Scope) -> Outcome:
    weak = sorted(name for name, conf in topology.confidence.items() if conf < CONFIDENT)
    if weak:
        lines = dict.fromkeys(
            _vip_line(vip)
            for pool in topology.pools
            for vip in pool.vips
            if vip.confidence < CONFIDENT
        )
        summary = (
            f"{'; '.join(lines) or 'weak roles'}. Every Edge rule finding on {', '.join(weak)} "
            "runs in advisory mode (one severity level lower, tagged role-unverified)"
        )
        # Located at the first weak virtual (a VIP whose role is uncertain), else pool.
        virtuals = device_root(scope).virtual_servers
        at = next((name for name in weak if name in virtuals), weak[0])
        return Outcome(Status.FAIL, {"advisory": weak, "summary": summary, "at": at})
    if topology.hints and not topology.found:
        summary = (
            f"Lync/SfB hints ({'; '.join(topology.hints)}) but no Edge VIP recognized, so no "
            "Edge rule ran"
        )
        return Outcome(Status.FAIL, {"summary": summary, "at": _hinted(topology.hints[0])})
    return PASSED


def _hinted(hint: str) -> str:
    """The first object a topology hint names (``iApp NAME (template)``, ``names: A, B``)."""
    if hint.startswith("iApp "):
        return hint.removeprefix("iApp ").split(" (", 1)[0]
    return hint.removeprefix("names: ").split(", ", 1)[0]


EDGE_ROLES_RESOLVED = object_predicate(
    "lync.edge-roles-resolved",
    "topology",
    Topology,
    fixed(_roles_resolved),
    "every Edge role of the topology at `topology` was declared or inferred with a confidence "
    "of at least 0.7, and Lync hints led to a recognized Edge; witnesses `advisory` (the objects "
    "checked in advisory mode) and `summary`",
    "lync.edge-roles-resolved: {topology: topology}",
)


def _lb_consistent(topology: Topology, scope: Scope) -> Outcome:
    vips = [v for pool in topology.pools for v in pool.vips if v.confidence >= CONFIDENT]
    external = sorted({str(v.address) for v in vips if v.role in EXTERNAL_ROLES})
    internal = sorted({str(v.address) for v in vips if v.role == "edge_internal"})
    declared = topology.load_balancing
    # The first virtual of the first VIP reported (external ones first).
    shown = sorted(
        (v for v in vips if v.virtual_servers),
        key=lambda v: (v.role not in EXTERNAL_ROLES, str(v.address)),
    )
    at = {"at": shown[0].virtual_servers[0]} if shown else {}
    if declared == "dns" and (external or internal):
        summary = (
            "the intent declares DNS load balancing for the Edge pool, but this BIG-IP load "
            f"balances Edge VIPs (external: {', '.join(external) or 'none'}; internal: "
            f"{', '.join(internal) or 'none'})"
        )
        return Outcome(Status.FAIL, {"vips": [*external, *internal], "summary": summary, **at})
    if declared != "hlb" and internal and not external:
        summary = (
            f"the Edge internal VIP {', '.join(internal)} is load balanced but no external Edge "
            "VIP (Access, Web Conferencing, A/V) exists: hardware load balancing on the internal "
            "interface only"
        )
        return Outcome(Status.FAIL, {"vips": internal, "summary": summary, **at})
    return PASSED


EDGE_LB_CONSISTENT = object_predicate(
    "lync.edge-lb-consistent",
    "topology",
    Topology,
    fixed(_lb_consistent),
    "the Edge interfaces use one load-balancing type: no Edge VIP when the intent declares "
    "`dns`; no internal Edge VIP without external ones unless `hlb` is declared (VIPs "
    "recognized with confidence >= 0.7); witnesses `vips` and `summary`",
    "lync.edge-lb-consistent: {topology: topology}",
)


# -- pools and members -------------------------------------------------------------------------


# Roots whose value is the same for every object of a device during one evaluation.
_DEVICE_ROOTS: Final = frozenset({"device", "topology"})


def _build_pool_members_in(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    address_paths = c.paths(c.require(args, "addresses", list), "addresses")
    # Addresses read from the device or topology are gathered once per device.
    key = (
        (_build_pool_members_in, tuple(p.text for p in address_paths))
        if all(p.root in _DEVICE_ROOTS for p in address_paths)
        else None
    )

    def wanted_in(scope: Scope) -> frozenset[object] | Outcome:
        wanted: set[object] = set()
        for path in address_paths:
            value = path.resolve(scope)
            if value is UNKNOWN:
                return unknown_outcome(path)
            wanted.update(() if value is None else iter_items(value))
        return frozenset(wanted)

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        facts = facts_of(scope)
        pool = pool_of(facts.device, vs)
        hidden = _unknown_fields(vs, "pool") + (_unknown_fields(pool, "members") if pool else [])
        if hidden:
            return undetermined(*hidden)
        if pool is None:
            return FAILED
        wanted = wanted_in(scope) if key is None else facts.cached(key, lambda: wanted_in(scope))
        if isinstance(wanted, Outcome):
            return wanted
        found = [str(a) for a in facts.member_addresses(pool) if a in wanted]
        return Outcome(Status.PASS, {"members": found}) if found else FAILED

    return evaluate


POOL_MEMBERS_IN = object_predicate(
    "lync.pool-members-in",
    "virtual",
    VirtualServer,
    _build_pool_members_in,
    "the pool of the virtual at `virtual` has a member whose address is one of the addresses "
    "at `addresses` (same route domain); witness `members`",
    "lync.pool-members-in: {virtual: object, addresses: [topology.edge_external_addresses]}",
    required=["addresses"],
    addresses={"type": "array", "minItems": 1, "items": PATH},
)


def _build_member_count(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    low = c.optional(args, "min", int, None)
    high = c.optional(args, "max", int, None)
    if low is None and high is None:
        raise c.error("give 'min', 'max' or both")
    cases: list[tuple[Check, int | None, int | None]] = []
    for i, case in enumerate(c.optional(args, "cases", list, [])):
        if not isinstance(case, Mapping) or not {"min", "max"} & set(case):
            raise c.error("a case is {when: condition, min: N, max: N}", "cases", i)
        when = c.condition(case.get("when"), "cases", i, "when")
        sub = c.child("cases", i)
        cases.append(
            (when, sub.optional(case, "min", int, low), sub.optional(case, "max", int, high))
        )

    def evaluate(pool: Pool, scope: Scope) -> Outcome:
        hidden = _unknown_fields(pool, "members")
        if hidden:
            return undetermined(*hidden)
        least, most = next(((lo, hi) for when, lo, hi in cases if when(scope).passed), (low, high))
        servers = _addresses(pool.members)
        count = len(servers)
        if (least is None or count >= least) and (most is None or count <= most):
            return PASSED
        limit = f"at least {least}" if least is not None and count < least else f"at most {most}"
        shown = ", ".join(map(str, servers)) or "none"
        return Outcome(Status.FAIL, {"count": count, "servers": shown, "limit": limit})

    return evaluate


MEMBER_COUNT = object_predicate(
    "lync.member-count",
    "pool",
    Pool,
    _build_member_count,
    "the pool at `pool` has between `min` and `max` distinct member addresses; the first of "
    "`cases` whose `when` holds replaces them; witnesses `count`, `servers` and `limit`",
    "lync.member-count: {pool: object, min: 2, max: 12, cases: [{when: {eq: {path: "
    "topology.product, value: lync2010}}, max: 10}]}",
    min={"type": "integer", "minimum": 0},
    max={"type": "integer", "minimum": 0},
    cases={
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["when"],
            "properties": {
                "when": CONDITION,
                "min": {"type": "integer", "minimum": 0},
                "max": {"type": "integer", "minimum": 0},
            },
        },
    },
)


def _member_ports(pool: Pool, scope: Scope) -> Outcome:
    """Members listening on another port than a virtual that sends to them (translation)."""
    hidden = _unknown_fields(pool, "members")
    if hidden:
        return undetermined(*hidden)
    translated: list[str] = []
    virtuals: list[str] = []
    fixes: list[str] = []
    for vs in _virtuals_using(facts_of(scope), pool):
        hidden = _unknown_fields(vs, "port", "translate_port")
        if hidden:
            return undetermined(*hidden)
        if not vs.translate_port or not vs.port:
            continue
        wrong = [m for m in pool.members if m.address is not None and m.port not in (0, vs.port)]
        if not wrong:
            continue
        translated.extend(endpoint(m.address, m.port) for m in wrong if m.address is not None)
        virtuals.append(f"{vs.name} listens on {vs.port}")
        kept = " ".join(endpoint(a, vs.port) for a in _addresses(pool.members))
        fixes.append(f"modify ltm pool {pool.name} members replace-all-with {{ {kept} }}")
    if not translated:
        return PASSED
    return Outcome(
        Status.FAIL,
        {
            "translated": list(dict.fromkeys(translated)),
            "virtuals": "; ".join(virtuals),
            "translation": f" Members {', '.join(dict.fromkeys(translated))} are on another "
            f"port than their virtual ({'; '.join(virtuals)}): port translation.",
            "tmsh": fixes[0],
        },
    )


MEMBER_PORTS_MATCH = object_predicate(
    "lync.member-ports-match",
    "pool",
    Pool,
    fixed(_member_ports),
    "every member of the pool at `pool` listens on the port of each virtual that uses the pool "
    "(members on port 0 and virtuals with translate-port disabled are fine); witnesses "
    "`translated`, `virtuals`, `translation` (a sentence) and `tmsh`",
    "lync.member-ports-match: {pool: object}",
)


def _with_roles(
    check: Callable[[Pool, Mapping[str, Iterable[str]], frozenset[str], Scope], Outcome],
) -> Build:
    """``build`` for pool predicates that compare a pool with the pools of the roles in ``role``;
    undetermined without roles."""

    def build(args: Mapping[str, Any], c: Compiler) -> Evaluate:
        wanted = _role_set(c, args)

        def evaluate(pool: Pool, scope: Scope) -> Outcome:
            roles = _roles(scope)
            return UNDECIDED if roles is None else check(pool, roles, wanted, scope)

        return evaluate

    return build


def _size_consistent(
    pool: Pool, roles: Mapping[str, Iterable[str]], wanted: frozenset[str], scope: Scope
) -> Outcome:
    facts = facts_of(scope)
    peers = _peers(facts, roles, wanted)
    if peers.hidden:
        return undetermined(*peers.hidden)
    mine = list(facts.member_addresses(pool))
    largest, biggest = peers.largest or (len(mine), pool.name)
    if len(mine) >= largest:
        return PASSED
    return Outcome(
        Status.FAIL,
        {
            "count": len(mine),
            "servers": ", ".join(map(str, mine)) or "none",
            "largest": f"{largest} ({biggest})",
            "size": f" It has {len(mine)} Edge server(s) ({', '.join(map(str, mine)) or 'none'}) "
            f"where {biggest} has {largest}.",
            "tmsh": f"modify ltm pool {pool.name} members add "
            f"{{ <EDGE_SERVER_ADDRESS>:{_member_port(pool)} }}",
        },
    )


def _member_port(pool: Pool) -> str:
    ports = sorted({m.port for m in pool.members if m.port is not None})
    return str(ports[0]) if len(ports) == 1 else "<PORT>"


POOL_SIZE_CONSISTENT = object_predicate(
    "lync.pool-size-consistent",
    "pool",
    Pool,
    _with_roles(_size_consistent),
    "the pool at `pool` has as many distinct member addresses as the largest pool having one "
    "of the roles in `role`; witnesses `count`, `servers`, `largest`, `size` (a sentence) and "
    "`tmsh`",
    "lync.pool-size-consistent: {pool: object, role: [edge_access, edge_webconf, edge_av]}",
    required=["role"],
    role=ROLE,
)


def _roles_disjoint(
    pool: Pool, roles: Mapping[str, Iterable[str]], wanted: frozenset[str], scope: Scope
) -> Outcome:
    mine = frozenset(roles.get(pool.name, ())) & wanted
    if not mine:
        return PASSED
    facts = facts_of(scope)
    own = set(facts.member_addresses(pool))
    peers = _peers(facts, roles, wanted)
    # Only the pools sharing a member address can overlap (kept in name order).
    sharing = sorted({i for address in own for i in peers.holding.get(address, ())})
    shared: set[Address] = set()
    others: list[str] = []
    for other, theirs in (peers.pools[i] for i in sharing):
        common = own & set(facts.member_addresses(other))
        if theirs - mine and common:
            shared |= common
            others.append(f"{other.name} ({_role_text(theirs - mine)})")
    if not shared:
        return PASSED
    addresses = [str(a) for a in sorted(shared)]
    overlap = f" Its members {', '.join(addresses)} also serve {', '.join(others)}."
    endpoints = " ".join(endpoint(m.address, m.port) for m in pool.members if m.address in shared)
    return Outcome(
        Status.FAIL,
        {
            "shared": addresses,
            "with": ", ".join(others),
            "overlap": overlap,
            "tmsh": f"modify ltm pool {pool.name} members delete {{ {endpoints} }}",
        },
    )


POOL_ROLES_DISJOINT = object_predicate(
    "lync.pool-roles-disjoint",
    "pool",
    Pool,
    _with_roles(_roles_disjoint),
    "no member address of the pool at `pool` (one role of `role`) is also a member of a pool "
    "of another role of `role`; witnesses `shared`, `with`, `overlap` (a sentence) and `tmsh`",
    "lync.pool-roles-disjoint: {pool: object, role: [edge_access, edge_webconf, edge_av]}",
    required=["role"],
    role=ROLE,
)


# -- VIP port sets -----------------------------------------------------------------------------


def _build_first_on_vip(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    wanted = _role_set(c, args)

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        roles = _roles(scope)
        if roles is None:
            return UNDECIDED
        if vs.destination is None or _unknown_fields(vs, "destination"):
            return PASSED
        names = [
            other.name
            for other in _on_vip(facts_of(scope), vs.destination)
            if wanted & set(roles.get(other.name, ()))
        ]
        return PASSED if not names or names[0] == vs.name else FAILED

    return evaluate


FIRST_ON_VIP = object_predicate(
    "lync.first-on-vip",
    "virtual",
    VirtualServer,
    _build_first_on_vip,
    "the virtual at `virtual` is the first (by name) of the virtuals on its VIP address that "
    "have one of the roles in `role`: use it in `where` to report a VIP once",
    "lync.first-on-vip: {virtual: object, role: edge_access}",
    required=["role"],
    role=ROLE,
)


def _always(scope: Scope) -> Outcome:
    return PASSED


def _compile_services(c: Compiler, args: Mapping[str, Any], key: str) -> list[tuple[str, Check]]:
    """``require``/``forbid`` items: a service (``tcp/443``) or ``{service, when}``."""
    compiled: list[tuple[str, Check]] = []
    for i, item in enumerate(c.optional(args, key, list, [])):
        service: object = item
        when: Check = _always
        if isinstance(item, Mapping):
            service = item.get("service")
            when = c.condition(item.get("when"), key, i, "when")
        if not isinstance(service, str) or not re.match(SERVICE_PATTERN, service):
            raise c.error("a service is 'protocol/port', like tcp/443 or udp/*", key, i)
        compiled.append((service, when))
    return compiled


def _create_listener(vs: VirtualServer, pool: Pool | None, service: str) -> str:
    """tmsh commands creating a listener for ``service`` beside ``vs`` (same VIP and servers)."""
    protocol, _, port_text = service.partition("/")
    port = int(port_text)
    assert vs.destination is not None
    name = f"{_PORT_SUFFIX.sub('', vs.name)}_{port}"
    members = " ".join(endpoint(a, port) for a in _addresses(pool.members if pool else ()))
    same = protocol == vs.ip_protocol and vs.profiles
    profiles = _profile_list(vs, {}) if same else f"/Common/{protocol}"
    monitor = " monitor /Common/tcp" if protocol == "tcp" else ""
    virtual = (
        f"create ltm virtual {name} destination {endpoint(vs.destination, port)} ip-protocol "
        f"{protocol} mask host pool {name}_pool profiles add {{ {profiles} }}"
    )
    if vs.persist:
        virtual += f" persist replace-all-with {{ {vs.persist[0].name} {{ default yes }} }}"
    if vs.vlans_mode == "enabled" and vs.vlans:
        virtual += f" vlans add {{ {' '.join(vs.vlans)} }} vlans-enabled"
    return f"create ltm pool {name}_pool members add {{ {members} }}{monitor}; {virtual}"


def _build_vip_services(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    required = _compile_services(c, args, "require")
    forbidden = _compile_services(c, args, "forbid")
    if not required and not forbidden:
        raise c.error("give 'require', 'forbid' or both")

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        hidden = _unknown_fields(vs, "destination", "port", "ip_protocol")
        if hidden:
            return undetermined(*hidden)
        if vs.destination is None:
            return FAILED
        facts = facts_of(scope)
        device = facts.device
        listeners = _on_vip(facts, vs.destination)
        active = [v for v in listeners if v.enabled]
        missing: list[str] = []
        fixes: list[str] = []
        notes: list[str] = []
        for service, when in required:
            decided = when(scope)
            if decided.passed and not any(_matches(service, v) for v in active):
                missing.append(service)
                # Why a conditional service was required when nothing declared it.
                note = decided.witnesses.get("assumed")
                if isinstance(note, str) and note not in notes:
                    notes.append(note)
                if "*" not in service:
                    fixes.append(_create_listener(vs, pool_of(device, vs), service))
        extra: list[str] = []
        for service, when in forbidden:
            for v in listeners:
                if v.name not in extra and _matches(service, v) and when(scope).passed:
                    extra.append(v.name)
                    fixes.append(f"delete ltm virtual {v.name}")
        if not missing and not extra:
            return PASSED
        vague = facts.cached(_vague_virtuals, lambda: _vague_virtuals(device))
        if missing and vague:
            return undetermined(*vague)
        shown = ", ".join(f"{_service(v)}{'' if v.enabled else ' (disabled)'}" for v in listeners)
        assumed = f" ({'; '.join(notes)})" if notes else ""
        problems = [f"lacks {', '.join(missing)}{assumed}"] if missing else []
        problems += [
            f"{name} ({_service(device.virtual_servers[name])}) does not belong" for name in extra
        ]
        return Outcome(
            Status.FAIL,
            {
                **({"missing": missing} if missing else {}),
                **({"forbidden": extra} if extra else {}),
                "vip": str(vs.destination),
                "listeners": shown or "none",
                "summary": "; ".join(problems),
                "tmsh": "; ".join(fixes),
            },
        )

    return evaluate


def _vague_virtuals(device: Device) -> list[str]:
    """The virtuals whose address, port or protocol is unknown (they may be any listener)."""
    return [
        other.name
        for other in device.virtual_servers.values()
        if _unknown_fields(other, "destination", "port", "ip_protocol")
    ]


VIP_SERVICES = object_predicate(
    "lync.vip-services",
    "virtual",
    VirtualServer,
    _build_vip_services,
    "the VIP address of the virtual at `virtual` (route domain included) has an enabled "
    "listener for every service in `require` and none for a service in `forbid` (items: "
    "'tcp/443', 'udp/*', or {service, when: condition}; a `when` that passes with an "
    "`assumed` witness says why in the summary); witnesses `missing`, `forbidden` "
    "(virtuals), `vip`, `listeners`, `summary` and `tmsh`",
    "lync.vip-services: {virtual: object, require: [tcp/443], forbid: ['udp/*']}",
    require={"type": "array", "minItems": 1, "items": CONDITIONAL_SERVICE},
    forbid={"type": "array", "minItems": 1, "items": CONDITIONAL_SERVICE},
)


def _compile_federation_on(args: Mapping[str, Any], c: Compiler) -> Check:
    def check(scope: Scope) -> Outcome:
        facts = facts_of(scope)
        declared = facts.topology.federation
        if declared is not None:
            return PASSED if declared else FAILED
        roles = _roles(scope)
        if roles is None:
            return UNDECIDED
        found = facts.cached(
            (_compile_federation_on, Same(roles)), lambda: _federation_listener(facts, roles)
        )
        if found is None:
            return FAILED
        vs, role = found
        return Outcome(
            Status.PASS,
            {
                "assumed": f"federation assumed: {vs.name} listens on tcp/5061 on the "
                f"{role} Edge VIP {vs.destination}; declare federation: false for the Edge "
                "pool in lyncpolicy.yaml (deployment.edge_pools) if it does not federate, or "
                "federation: true to confirm"
            },
        )

    return check


def _federation_listener(
    facts: DeviceFacts, roles: Mapping[str, Iterable[str]]
) -> tuple[VirtualServer, str] | None:
    """The first enabled virtual (by name) of an Edge VIP, internal included, listening on
    tcp/5061, and its role."""
    for vs in facts.virtuals:
        mine = frozenset(roles.get(vs.name, ())) & frozenset(EDGE_ROLES)
        if mine and vs.enabled and _matches("tcp/5061", vs):
            return vs, _role_text(mine)
    return None


FEDERATION_ON = Predicate(
    "lync.federation-on",
    _compile_federation_on,
    arguments([]),
    "federation is on for the Edge: declared `federation: true` (intent, or the iApp answer "
    "`edge_external_ip__federation`), or undeclared while an enabled virtual of an Edge VIP "
    "(internal included) listens on tcp/5061 (then it passes with the witness `assumed`, "
    "which says so and how to declare it); `federation: false` fails",
    "lync.federation-on: {}",
)


# -- profiles and persistence ------------------------------------------------------------------


def _build_no_profile_kind(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    kinds = frozenset(_strings(c, args, "kinds"))

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        hidden = _unknown_fields(vs, "profiles")
        if hidden:
            return undetermined(*hidden)
        device = device_root(scope)
        found: dict[str, str] = {}
        unresolved: list[str] = []
        for ref in vs.profiles:
            profile = device.profiles.get(ref.name)
            if profile is None:
                unresolved.append(ref.name)
            elif profile.kind in kinds:
                found[ref.name] = profile.kind
        if found:
            names = " ".join(found)
            return Outcome(
                Status.FAIL,
                {
                    "profiles": list(found),
                    "kinds": ", ".join(f"{n} ({k})" for n, k in found.items()),
                    "tmsh": f"modify ltm virtual {vs.name} profiles delete {{ {names} }}",
                },
            )
        if unresolved or "profiles" in device.unknown_kinds:
            return undetermined(*(unresolved or ["profiles"]))
        return PASSED

    return evaluate


NO_PROFILE_KIND = object_predicate(
    "lync.no-profile-kind",
    "virtual",
    VirtualServer,
    _build_no_profile_kind,
    "no profile of the virtual at `virtual` has a type in `kinds` (tmsh profile types: "
    "client-ssl, http, one-connect...); witnesses `profiles`, `kinds` and `tmsh`",
    "lync.no-profile-kind: {virtual: object, kinds: [client-ssl, http]}",
    required=["kinds"],
    kinds=NAMES,
)

SETTING_ARGUMENTS: Final = {
    "kinds": NAMES,
    "setting": {"type": "string", "minLength": 1},
    "min": {"type": "number", "minimum": 0},
}


def _setting_arguments(c: Compiler, args: Mapping[str, Any]) -> tuple[frozenset[str], str, float]:
    kinds = frozenset(_strings(c, args, "kinds"))
    setting = c.require(args, "setting", str)
    return kinds, setting, float(c.require(args, "min", (int, float)))


def _child_name(name: str, kind: str, setting: str, low: float) -> str:
    """A name for a child profile that raises ``setting`` (for built-in parents)."""
    folder = name.rsplit("/", 1)[0] if name.count("/") > 1 else "/Common"
    return f"{folder}/lync_edge_{kind}_{setting.replace('-', '_')}_{low:g}"


def _seconds(owner: Any, name: str, setting: str) -> tuple[float, str] | Outcome:
    """The effective ``setting`` of a profile or persistence profile, or undetermined."""
    text = owner.effective.get(setting)
    seconds = _number(text)
    if seconds is None or setting in owner.unknown:
        return undetermined(f"{name}.{setting}")
    return seconds, str(text)


def _build_profile_setting(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    kinds, setting, low = _setting_arguments(c, args)

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        hidden = _unknown_fields(vs, "profiles")
        if hidden:
            return undetermined(*hidden)
        facts = facts_of(scope)
        device = facts.device
        checked = 0
        short: list[str] = []
        values: list[str] = []
        fixes: list[str] = []
        renamed: dict[str, str] = {}
        for ref in vs.profiles:
            profile = device.profiles.get(ref.name)
            if profile is None:
                return undetermined(ref.name)
            if profile.kind not in kinds:
                continue
            checked += 1
            found = _seconds(profile, ref.name, setting)
            if isinstance(found, Outcome):
                return found
            if found[0] >= low:
                continue
            short.append(ref.name)
            values.append(f"{ref.name} ({profile.kind}) {setting} {found[1]}")
            if profile.builtin or ref.name in _beyond_load_balancing(facts):
                # Never change a built-in, nor a profile a forwarding virtual also uses: give
                # this virtual a child of the built-in parent.
                parent = _builtin_root(device, ref.name)
                renamed[ref.name] = _child_name(ref.name, profile.kind, setting, low)
                fixes.append(
                    f"create ltm profile {profile.kind} {renamed[ref.name]} defaults-from "
                    f"{parent} {setting} {low:g}"
                )
            else:
                fixes.append(f"modify ltm profile {profile.kind} {ref.name} {setting} {low:g}")
        if not checked:
            return undetermined(f"{vs.name}: no {'/'.join(sorted(kinds))} profile")
        if not short:
            return PASSED
        if renamed:
            fixes.append(
                f"modify ltm virtual {vs.name} profiles replace-all-with "
                f"{{ {_profile_list(vs, renamed)} }}"
            )
        return Outcome(
            Status.FAIL,
            {"profiles": short, "values": "; ".join(values), "tmsh": "; ".join(fixes)},
        )

    return evaluate


def _beyond_load_balancing(facts: DeviceFacts) -> frozenset[str]:
    """The profiles a virtual that does not load balance (ip-forward, reject...) uses."""
    return facts.cached(
        _beyond_load_balancing,
        lambda: frozenset(
            ref.name
            for vs in facts.virtuals
            if vs.type not in LOAD_BALANCING_TYPES
            for ref in vs.profiles
        ),
    )


def _builtin_root(device: Device, name: str) -> str:
    """The built-in profile at the end of the ``defaults-from`` chain (the name itself when
    the chain leaves the configuration)."""
    seen: set[str] = set()
    current = name
    while current not in seen:
        seen.add(current)
        profile = device.profiles.get(current)
        if profile is None or profile.builtin or profile.defaults_from is None:
            return current
        current = profile.defaults_from
    return current


def _profile_list(vs: VirtualServer, renamed: Mapping[str, str]) -> str:
    """The virtual's profiles in tmsh syntax, with some replaced (contexts kept)."""
    return " ".join(
        renamed.get(ref.name, ref.name)
        + ("" if ref.context == "all" else f" {{ context {ref.context} }}")
        for ref in vs.profiles
    )


PROFILE_SETTING_AT_LEAST = object_predicate(
    "lync.profile-setting-at-least",
    "virtual",
    VirtualServer,
    _build_profile_setting,
    "every profile of the virtual at `virtual` whose type is in `kinds` has an effective "
    "`setting` (defaults-from resolved; `immediate` counts as 0, `indefinite` as no limit) of "
    "at least `min`; undetermined without such a profile; witnesses `profiles`, `values` and "
    "`tmsh`",
    "lync.profile-setting-at-least: {virtual: object, kinds: [fastl4, tcp], setting: "
    "idle-timeout, min: 1800}",
    required=list(SETTING_ARGUMENTS),
    **SETTING_ARGUMENTS,
)


def _default_persistence(vs: VirtualServer) -> str | None:
    for ref in vs.persist:
        if ref.default:
            return ref.name
    return vs.persist[0].name if vs.persist else None


def _build_persistence_kind(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    kinds = frozenset(_strings(c, args, "kinds"))

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        hidden = _unknown_fields(vs, "persist")
        if hidden:
            return undetermined(*hidden)
        name = _default_persistence(vs)
        fallback = vs.fallback_persistence or "none"
        if name is None:
            summary = f"no default persistence profile (fallback {fallback})"
            return Outcome(Status.FAIL, {"kind": "none", "summary": summary})
        persistence = device_root(scope).persistence.get(name)
        if persistence is None:
            return undetermined(name)
        if persistence.kind in kinds:
            return PASSED
        summary = f"default persistence {name} is {persistence.kind} (fallback {fallback})"
        return Outcome(
            Status.FAIL, {"persistence": [name], "kind": persistence.kind, "summary": summary}
        )

    return evaluate


PERSISTENCE_KIND = object_predicate(
    "lync.persistence-kind",
    "virtual",
    VirtualServer,
    _build_persistence_kind,
    "the virtual at `virtual` has a default persistence profile whose type is in `kinds` "
    "(source-addr, cookie, ssl...); witnesses `persistence`, `kind` and `summary`",
    "lync.persistence-kind: {virtual: object, kinds: [source-addr]}",
    required=["kinds"],
    kinds=NAMES,
)


def _build_persistence_setting(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    kinds, setting, low = _setting_arguments(c, args)

    def evaluate(vs: VirtualServer, scope: Scope) -> Outcome:
        hidden = _unknown_fields(vs, "persist")
        if hidden:
            return undetermined(*hidden)
        name = _default_persistence(vs)
        if name is None:
            return PASSED
        persistence = device_root(scope).persistence.get(name)
        if persistence is None:
            return undetermined(name)
        if persistence.kind not in kinds:
            return PASSED
        found = _seconds(persistence, name, setting)
        if isinstance(found, Outcome):
            return found
        if found[0] >= low:
            return PASSED
        kind = persistence.kind
        fix = f"modify ltm persistence {kind} {name} {setting} {low:g}"
        if persistence.builtin:
            child = _child_name(name, kind, setting, low)
            fix = (
                f"create ltm persistence {kind} {child} defaults-from {name} {setting} {low:g}; "
                f"modify ltm virtual {vs.name} persist replace-all-with "
                f"{{ {child} {{ default yes }} }}"
            )
        return Outcome(
            Status.FAIL,
            {
                "persistence": [name],
                "summary": f"{kind} persistence {name} has {setting} {found[1]} (below {low:g})",
                "tmsh": fix,
            },
        )

    return evaluate


PERSISTENCE_SETTING_AT_LEAST = object_predicate(
    "lync.persistence-setting-at-least",
    "virtual",
    VirtualServer,
    _build_persistence_setting,
    "when the default persistence of the virtual at `virtual` has a type in `kinds`, its "
    "effective `setting` is at least `min` (passes otherwise); witnesses `persistence`, "
    "`summary` and `tmsh`",
    "lync.persistence-setting-at-least: {virtual: object, kinds: [source-addr], setting: "
    "timeout, min: 1800}",
    required=list(SETTING_ARGUMENTS),
    **SETTING_ARGUMENTS,
)


# -- monitors ----------------------------------------------------------------------------------


def _monitor_facts(device: Device, name: str) -> tuple[str, str, str | None] | None:
    """(type, destination, send) of a monitor, through ``defaults-from`` down to a built-in;
    None for a name that is neither in the configuration nor a TMOS built-in."""
    kind: str | None = None
    destination: str | None = None
    send: str | None = None
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        monitor: Monitor | None = device.monitors.get(current)
        if monitor is None:
            short = current.removeprefix("/Common/")
            if short not in _BUILTIN_MONITORS:
                return None
            kind = kind or _BUILTIN_MONITOR_KINDS.get(short, short.replace("_", "-"))
            destination = destination or ("*:443" if short == "https_443" else "*:*")
            if send is None and kind in HTTP_MONITORS:
                send = _DEFAULT_HTTP_SEND
            break
        kind = kind or monitor.kind
        destination = destination or monitor.destination
        send = monitor.settings.get("send") if send is None else send
        current = monitor.defaults_from
    return kind or "", destination or "*:*", send


def _alias(destination: str) -> tuple[str, str]:
    """``*:443`` -> (``*``, ``443``); IPv6 aliases separate the port with ``.``."""
    if destination.count(":") <= 1:
        host, _, port = destination.partition(":")
    else:
        host, _, port = destination.rpartition(".")
    return host or "*", port or "*"


def _alias_is_member(host: str, members: set[Address]) -> bool:
    """An alias address tests the member only when it is the pool's single member."""
    if len(members) != 1:
        return False
    (member,) = members
    try:
        return parse_address(host, member.route_domain) == member
    except ValueError:
        return False


def _monitor_fix(facts: DeviceFacts, pool: Pool) -> str:
    if any(vs.ip_protocol == "udp" for vs in _virtuals_using(facts, pool)):
        return (
            "create ltm monitor tcp /Common/lync_edge_tcp_443 defaults-from /Common/tcp "
            f"destination *:443; modify ltm pool {pool.name} monitor /Common/lync_edge_tcp_443"
        )
    return f"modify ltm pool {pool.name} monitor /Common/tcp"


def _monitor_issues(device: Device, pool: Pool, allowed: frozenset[str]) -> list[str] | Outcome:
    members = {m.address for m in pool.members if m.address is not None}
    # A monitor on the members' own port tests their service whatever the role says (the
    # Web Conferencing tcp/444 listener of a single-IP Edge).
    if allowed:
        allowed = allowed | {str(m.port) for m in pool.members if m.port}
    issues: list[str] = []
    kinds: list[str] = []
    for name in pool.monitors:
        facts = _monitor_facts(device, name)
        if facts is None:
            return undetermined(name)
        kind, destination, send = facts
        kinds.append(kind)
        if kind in ICMP_MONITORS:
            continue
        host, port = _alias(destination)
        if port not in ("*", "0") and allowed and port not in allowed:
            ports = ", ".join(sorted(allowed, key=int))
            issues.append(f"{name} probes port {port} (service ports {ports})")
        if host != "*" and not _alias_is_member(host, members):
            issues.append(f"{name} probes {host}, not the member")
        if kind in HTTP_MONITORS and send not in (None, "", "none"):
            issues.append(f"{name} sends an HTTP request to a non-HTTP Edge service")
    if all(k in ICMP_MONITORS for k in kinds):
        issues.insert(0, f"only ICMP monitors ({', '.join(pool.monitors)})")
    return issues


def _build_monitors(args: Mapping[str, Any], c: Compiler) -> Evaluate:
    ports: dict[str, frozenset[str]] = {}
    for role, values in c.require(args, "ports", dict).items():
        if not isinstance(values, list) or not all(isinstance(p, int) for p in values):
            raise c.error("'ports' maps a role to a list of port numbers", "ports", role)
        ports[str(role)] = frozenset(str(p) for p in values)

    def evaluate(pool: Pool, scope: Scope) -> Outcome:
        hidden = _unknown_fields(pool, "monitors", "members")
        if hidden:
            return undetermined(*hidden)
        facts = facts_of(scope)
        roles = _roles(scope) or {}
        allowed = frozenset().union(*(ports.get(r, frozenset()) for r in roles.get(pool.name, ())))
        issues = _monitor_issues(facts.device, pool, allowed) if pool.monitors else ["no monitor"]
        if isinstance(issues, Outcome):
            return issues
        if not issues:
            return PASSED
        return Outcome(Status.FAIL, {"issues": issues, "tmsh": _monitor_fix(facts, pool)})

    return evaluate


MONITORS_PROBE_SERVICE = object_predicate(
    "lync.monitors-probe-service",
    "pool",
    Pool,
    _build_monitors,
    "the pool at `pool` has a monitor, not only icmp/gateway-icmp ones; no monitor alias port "
    "outside the service ports of the pool's roles (`ports`: role -> ports), no alias address "
    "other than the member, no HTTP request to an Edge service; witnesses `issues` and `tmsh`",
    "lync.monitors-probe-service: {pool: object, ports: {edge_access: [443, 5061]}}",
    required=["ports"],
    ports={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "integer"}},
    },
)


PREDICATES: list[Predicate] = [
    EDGE_ROLES_RESOLVED,
    EDGE_LB_CONSISTENT,
    POOL_MEMBERS_IN,
    MEMBER_COUNT,
    MEMBER_PORTS_MATCH,
    POOL_SIZE_CONSISTENT,
    POOL_ROLES_DISJOINT,
    FIRST_ON_VIP,
    VIP_SERVICES,
    FEDERATION_ON,
    NO_PROFILE_KIND,
    PROFILE_SETTING_AT_LEAST,
    PERSISTENCE_KIND,
    PERSISTENCE_SETTING_AT_LEAST,
    MONITORS_PROBE_SERVICE,
]
