"""The normalized BIG-IP network model every adapter produces and every rule reads.

Frozen, slotted dataclasses. Every object carries where it came from (:class:`Source`).
Values an input cannot state (a Terraform value known only after apply, an object type the
provider cannot express) are listed in ``unknown`` by field name, so rules can answer
"undetermined" instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Literal

from lyncpolicy.addresses import Address, Network

VirtualType = Literal[
    "standard",
    "ip-forward",
    "l2-forward",
    "reject",
    "performance-l4",
    "performance-http",
    "internal",
    "stateless",
    "dhcp",
    "message-routing",
]
SnatType = Literal["none", "automap", "snat", "lsn"]
VlansMode = Literal["all", "enabled", "disabled"]
ProfileContext = Literal["all", "clientside", "serverside"]
# What a Terraform plan does to the resource an object comes from ("replace" covers both
# delete-then-create and create-before-destroy). Deleted resources produce no objects.
PlanChange = Literal["create", "update", "replace", "no-op"]
PLAN_CHANGES: tuple[PlanChange, ...] = ("create", "update", "replace", "no-op")


@dataclass(frozen=True, slots=True)
class Source:
    """Where an object is defined: a file (or an archive member) and its line span.

    Objects read from Terraform also carry the resource address (``resource``,
    ``module.edge["dc1"].bigip_ltm_virtual_server.av[0]``) and, for a plan, what the plan does
    to that resource (``change``: one of :data:`PLAN_CHANGES`; None for states and files that
    are not plans). ``--changed-only`` drops findings whose source has ``change == "no-op"``.
    """

    file: str
    line: int
    end_line: int
    archive: str | None = None
    member: str | None = None
    resource: str | None = None
    change: PlanChange | None = None

    def __str__(self) -> str:
        if self.archive is not None:
            return f"{self.archive}!{self.member}:{self.line}"
        return f"{self.file}:{self.line}"

    @property
    def artifact(self) -> str:
        """The file a code-scanning tool can open: the archive for archive members."""
        return self.archive if self.archive is not None else self.file


NO_SOURCE = Source("<none>", 0, 0)


@dataclass(frozen=True, slots=True, eq=False)
class PropertyLines(Mapping[str, int]):
    """The line of each property of an object, as a mapping, in a fifth of a dict's memory: a
    large configuration has some 100,000 properties, and a dict per object plus an ``int`` per
    line were a quarter of its model.

    ``names`` is the properties in order (objects with the same properties can share one
    tuple); ``offsets`` holds each one's line minus ``first``: bytes when every offset is in
    0-255 (a property more than 255 lines below the object's first line is rare), else ints.
    """

    names: tuple[str, ...]
    first: int
    offsets: bytes | tuple[int, ...]

    def __getitem__(self, key: str) -> int:
        try:
            return self.first + self.offsets[self.names.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True, slots=True)
class BigIpObject:
    """Fields every model object has."""

    name: str
    source: Source = NO_SOURCE
    partition: str = "Common"
    app_service: str | None = None
    description: str | None = None
    # `# lyncpolicy: ignore[ID] reason` comments written directly above the object.
    directives: tuple[str, ...] = ()
    unknown: frozenset[str] = frozenset()
    # Line of each property (`source-address-translation` -> 41) for precise locations.
    property_lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def line_of(self, prop: str) -> int:
        return self.property_lines.get(prop, self.source.line)


@dataclass(frozen=True, slots=True)
class ProfileRef:
    name: str
    context: ProfileContext = "all"


@dataclass(frozen=True, slots=True)
class PersistRef:
    name: str
    default: bool = True


@dataclass(frozen=True, slots=True)
class VirtualServer(BigIpObject):
    destination: Address | None = None
    port: int | None = None
    mask: int | None = None
    destination_network: Network | None = None
    source_network: Network | None = None
    ip_protocol: str = "any"
    type: VirtualType = "standard"
    snat_type: SnatType = "none"
    snat_pool: str | None = None
    vlans: tuple[str, ...] = ()
    vlans_mode: VlansMode = "all"
    profiles: tuple[ProfileRef, ...] = ()
    persist: tuple[PersistRef, ...] = ()
    fallback_persistence: str | None = None
    pool: str | None = None
    rules: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    translate_address: bool = True
    translate_port: bool = True
    enabled: bool = True

    def enabled_on(self, vlan: str) -> bool | None:
        """Whether traffic arriving on ``vlan`` reaches this virtual."""
        if self.vlans_mode == "all":
            return True
        if self.vlans_mode == "enabled":
            return vlan in self.vlans
        return vlan not in self.vlans


@dataclass(frozen=True, slots=True)
class VirtualAddress(BigIpObject):
    address: Address | None = None
    mask: int | None = None
    arp: bool = True
    traffic_group: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PoolMember:
    name: str
    address: Address | None
    port: int | None
    enabled: bool = True
    line: int = 0


@dataclass(frozen=True, slots=True)
class Pool(BigIpObject):
    members: tuple[PoolMember, ...] = ()
    load_balancing_mode: str = "round-robin"
    monitors: tuple[str, ...] = ()
    min_active_members: int = 0


@dataclass(frozen=True, slots=True)
class Node(BigIpObject):
    address: Address | None = None
    monitors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Monitor(BigIpObject):
    kind: str = ""
    defaults_from: str | None = None
    destination: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Profile(BigIpObject):
    """A profile with its own settings and the effective ones (``defaults-from`` resolved).

    ``kind`` is the tmsh profile type (``fastl4``, ``tcp``, ``udp``, ``client-ssl``...).
    ``builtin`` marks TMOS's own profiles (from ``profile_base.conf`` or the shipped table).
    """

    kind: str = ""
    defaults_from: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict, compare=False)
    effective: Mapping[str, str] = field(default_factory=dict, compare=False)
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class Persistence(BigIpObject):
    kind: str = ""
    defaults_from: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict, compare=False)
    effective: Mapping[str, str] = field(default_factory=dict, compare=False)
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class Snat(BigIpObject):
    origins: tuple[Network, ...] = ()
    translation: str | None = None
    snatpool: str | None = None
    automap: bool = False
    vlans: tuple[str, ...] = ()
    vlans_mode: VlansMode = "all"
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class SnatPool(BigIpObject):
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SnatTranslation(BigIpObject):
    address: Address | None = None
    traffic_group: str | None = None


@dataclass(frozen=True, slots=True)
class Nat(BigIpObject):
    originating_address: Address | None = None
    translation_address: Address | None = None
    vlans: tuple[str, ...] = ()
    vlans_mode: VlansMode = "all"
    arp: bool = True
    traffic_group: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class SelfIp(BigIpObject):
    address: Address | None = None
    network: Network | None = None
    vlan: str | None = None
    traffic_group: str = "/Common/traffic-group-local-only"
    allow_service: tuple[str, ...] = ()

    @property
    def floating(self) -> bool:
        return not self.traffic_group.endswith("traffic-group-local-only")


@dataclass(frozen=True, slots=True)
class Vlan(BigIpObject):
    tag: int | None = None
    interfaces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route(BigIpObject):
    network: Network | None = None
    gateway: Address | None = None
    pool: str | None = None
    interface: str | None = None


@dataclass(frozen=True, slots=True)
class RouteDomain(BigIpObject):
    id: int = 0
    vlans: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceGroup(BigIpObject):
    type: str = "sync-only"
    devices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TrafficGroup(BigIpObject):
    pass


@dataclass(frozen=True, slots=True)
class ApplicationService(BigIpObject):
    """An iApp application service: template, variables and tables (rows as dicts)."""

    template: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict, compare=False)
    tables: Mapping[str, tuple[Mapping[str, str], ...]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Rule(BigIpObject):
    """An iRule (Tcl source kept verbatim)."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class Partition(BigIpObject):
    default_route_domain: int = 0


@dataclass(frozen=True, slots=True)
class Device:
    """Everything known about one BIG-IP (one archive, or one set of files)."""

    name: str
    hostname: str | None = None
    version: str | None = None
    inputs: tuple[str, ...] = ()
    virtual_servers: Mapping[str, VirtualServer] = field(default_factory=dict)
    virtual_addresses: Mapping[str, VirtualAddress] = field(default_factory=dict)
    pools: Mapping[str, Pool] = field(default_factory=dict)
    nodes: Mapping[str, Node] = field(default_factory=dict)
    monitors: Mapping[str, Monitor] = field(default_factory=dict)
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    persistence: Mapping[str, Persistence] = field(default_factory=dict)
    snats: Mapping[str, Snat] = field(default_factory=dict)
    snat_pools: Mapping[str, SnatPool] = field(default_factory=dict)
    snat_translations: Mapping[str, SnatTranslation] = field(default_factory=dict)
    nats: Mapping[str, Nat] = field(default_factory=dict)
    self_ips: Mapping[str, SelfIp] = field(default_factory=dict)
    vlans: Mapping[str, Vlan] = field(default_factory=dict)
    routes: Mapping[str, Route] = field(default_factory=dict)
    route_domains: Mapping[str, RouteDomain] = field(default_factory=dict)
    device_groups: Mapping[str, DeviceGroup] = field(default_factory=dict)
    traffic_groups: Mapping[str, TrafficGroup] = field(default_factory=dict)
    application_services: Mapping[str, ApplicationService] = field(default_factory=dict)
    irules: Mapping[str, Rule] = field(default_factory=dict)
    partitions: Mapping[str, Partition] = field(default_factory=dict)
    # Object kinds this input cannot express at all (Terraform has no `ltm nat`): collection
    # names, plus "forwarding_virtuals" when the ip-forward/l2-forward/reject virtuals are
    # not all known though other virtuals are (the bigip provider cannot create them).
    unknown_kinds: frozenset[str] = frozenset()

    @property
    def ha(self) -> bool:
        """An HA pair: a sync-failover device group, or floating self IPs."""
        if any(group.type == "sync-failover" for group in self.device_groups.values()):
            return True
        return any(self_ip.floating for self_ip in self.self_ips.values())

    def collections(self) -> Iterator[tuple[str, Mapping[str, BigIpObject]]]:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, Mapping):
                yield spec.name, value

    def object_count(self) -> int:
        return sum(len(items) for _, items in self.collections())


@dataclass(frozen=True, slots=True)
class Model:
    """All devices of one run, in input order."""

    devices: tuple[Device, ...] = ()


def to_jsonable(value: object) -> object:
    """Turn model values into JSON-ready data (addresses as strings, mappings as lists)."""
    if isinstance(value, Address | Network):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset):
        return sorted(to_jsonable(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        data: dict[str, object] = {}
        for spec in fields(value):
            item = getattr(value, spec.name)
            if spec.name == "property_lines":
                continue
            data[spec.name] = to_jsonable(item)
        if isinstance(value, SelfIp):
            data["floating"] = value.floating
        if isinstance(value, Device):
            data["ha"] = value.ha
            for name, items in value.collections():
                data[name] = [to_jsonable(v) for v in items.values()]
        return data
    return value
