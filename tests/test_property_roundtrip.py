"""Round trip: random valid configuration -> tmsh text -> parse + build_device -> the model.

The model must hold exactly the generated objects, each with the generated values (addresses
in their route domains, ports, masks, SNAT types, VLAN modes, pool members and their states,
monitors, profiles...) and the lines the emitter wrote them on, whatever the spelling
(indentation, CRLF, byte-order mark, comments, one-line lists, relative names, one file or
two). Reordering the objects, or the files, gives the same model; reading twice gives equal
results.

Expected values are computed here from the spec (``tests/strategies.py``) with the
standard library only, never with lyncpolicy's own address or model helpers.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lyncpolicy.adapters.tmsh import ParseResult, parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device
from strategies import (
    BUILTIN_PERSISTENCE,
    BUILTIN_PROFILES,
    FORWARDING_KEYWORDS,
    MAIN_FILE,
    SERVICE_PORTS,
    VIRTUAL_TYPE_KEYWORDS,
    Config,
    Emitted,
    Interface,
    Member,
    Monitor,
    Nat,
    Node,
    Partition,
    Pool,
    Route,
    RouteDomain,
    Rule,
    SelfIp,
    Snat,
    SnatPool,
    SnatTranslation,
    SpecObject,
    Style,
    Virtual,
    VirtualAddress,
    Vlan,
    configs,
    emit,
    examples,
    iter_names,
    styles,
    without_locations,
)

from lyncpolicy.addresses import Address, Network
from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.model import BigIpObject, Device, PoolMember

ROUND_TRIP = settings(
    max_examples=examples(120),
    deadline=2000,  # milliseconds per example: generous for a 2-core CI runner
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REORDER = settings(ROUND_TRIP, max_examples=examples(60))
DEVICE_NAME = "generated"
# Collections whose objects come only from the generated configuration.
GENERATED = (
    "partitions",
    "route_domains",
    "vlans",
    "self_ips",
    "routes",
    "monitors",
    "nodes",
    "pools",
    "virtual_addresses",
    "irules",
    "virtual_servers",
    "snat_translations",
    "snat_pools",
    "snats",
    "nats",
)


def read(emitted: Emitted) -> tuple[Device, list[Diagnostic], list[ParseResult]]:
    results = [parse_text(text, path) for path, text in emitted.files.items()]
    device, diagnostics = build_device([TmshInput(r) for r in results], DEVICE_NAME)
    return device, diagnostics, results


def reader_diagnostics(results: list[ParseResult]) -> list[Diagnostic]:
    return [d for r in results for d in r.diagnostics]


# -- expected values, from the spec --------------------------------------------------------


def host_net(address: Address, prefix: int) -> Network:
    return Network(
        address.route_domain, ipaddress.ip_network(f"{address.ip}/{prefix}", strict=False)
    )


def full_length(address: Address) -> int:
    return 32 if address.ip.version == 4 else 128


def expected_member(member: Member, line: int) -> PoolMember:
    return PoolMember(member.name, member.address, member.port, member.enabled, line)


def vlans_of(vlans: tuple[str, ...], mode: str) -> tuple[tuple[str, ...], str]:
    return (vlans if mode != "all" else ()), mode


def virtual_type(virtual: Virtual, config: Config) -> str:
    if virtual.type_keyword is not None:
        return VIRTUAL_TYPE_KEYWORDS[virtual.type_keyword]
    kinds = {p.name: p.kind for p in config.custom_profiles} | BUILTIN_PROFILES
    if any(kinds.get(use.name) == "fastl4" for use in virtual.profiles):
        return "performance-l4"
    return "standard"


# Model fields that hold a spec attribute of the same name, unchanged.
_SAME: dict[type, tuple[str, ...]] = {
    Partition: ("description",),
    RouteDomain: ("id", "vlans", "parent", "description"),
    Vlan: ("tag", "description"),
    SelfIp: ("address", "vlan", "description"),
    Route: ("network", "gateway", "pool", "interface", "description"),
    Monitor: ("kind", "defaults_from", "description"),
    Node: ("address", "monitors", "description"),
    Pool: ("monitors", "description"),
    VirtualAddress: ("address", "traffic_group", "description"),
    Virtual: ("port", "pool", "rules", "fallback_persistence", "enabled", "description"),
    SnatTranslation: ("address", "traffic_group"),
    SnatPool: ("members", "description"),
    Snat: ("origins", "translation", "snatpool", "automap", "enabled", "description"),
    Nat: ("traffic_group", "enabled", "description"),
}


def expected_objects(config: Config, emitted: Emitted) -> dict[str, dict[str, dict[str, Any]]]:
    """collection -> object name -> the model fields the spec decides, with their values."""
    out: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in GENERATED}
    names = iter_names(config)
    for obj in config.objects():
        collection, name = next(names)
        if collection not in GENERATED:
            continue  # custom profiles: check_profiles
        file, line, end_line = emitted.spans[(collection, name)]
        values: dict[str, Any] = {
            "span": (file, line, end_line),
            "partition": name.split("/")[1],
            "directives": (),  # no `# lyncpolicy:` comments are generated
            **{field: getattr(obj, field) for field in _SAME.get(type(obj), ())},
            **_derived(obj, config, emitted),
        }
        out[collection][name] = values
    return out


def _derived(obj: SpecObject, config: Config, emitted: Emitted) -> dict[str, Any]:
    """Model fields computed from the spec: defaults filled in, forms normalized."""
    if isinstance(obj, Partition):
        return {"default_route_domain": obj.default_rd}
    if isinstance(obj, Vlan):
        return {"interfaces": tuple(interface.name for interface in obj.interfaces)}
    if isinstance(obj, SelfIp):
        traffic_group = obj.traffic_group or "/Common/traffic-group-local-only"
        allow = obj.allow_service
        allowed = () if allow in (None, "none") else ("all",) if allow == "all" else allow
        return {
            "network": host_net(obj.address, obj.prefixlen),
            "traffic_group": traffic_group,
            "floating": traffic_group != "/Common/traffic-group-local-only",
            "allow_service": allowed,
        }
    if isinstance(obj, Monitor):
        settings = dict(obj.settings) | {"defaults-from": obj.defaults_from}
        if obj.description is not None:
            settings["description"] = obj.description
        return {"destination": dict(obj.settings).get("destination"), "settings": settings}
    if isinstance(obj, Pool):
        lines = emitted.member_lines
        return {
            "members": tuple(expected_member(m, lines[(obj.name, m.name)]) for m in obj.members),
            "load_balancing_mode": obj.load_balancing_mode or "round-robin",
            "min_active_members": obj.min_active_members or 0,
        }
    if isinstance(obj, VirtualAddress):
        return {
            "mask": full_length(obj.address) if obj.mask is None else obj.mask,
            "arp": obj.arp is not False,
            "enabled": obj.enabled is not False,
        }
    if isinstance(obj, Rule):
        return {"text": emitted.rule_texts[obj.name], "description": None}
    if isinstance(obj, Virtual):
        return expected_virtual(obj, config)
    if isinstance(obj, Snat | Nat):
        vlans, mode = vlans_of(obj.vlans, obj.vlans_mode)
        values: dict[str, Any] = {"vlans": vlans, "vlans_mode": mode}
        if isinstance(obj, Nat):
            values |= {
                "originating_address": obj.originating,
                "translation_address": obj.translation,
                "arp": obj.arp is not False,
            }
        return values
    return {}


def expected_virtual(virtual: Virtual, config: Config) -> dict[str, Any]:
    destination = virtual.destination
    mask = full_length(destination) if virtual.mask is None else virtual.mask
    any_net = "0.0.0.0/0" if destination.ip.version == 4 else "::/0"
    forwarding = virtual.type_keyword in FORWARDING_KEYWORDS
    snat_type, snat_pool = virtual.snat if virtual.snat is not None else ("none", None)
    vlans, mode = vlans_of(virtual.vlans, virtual.vlans_mode)
    return {
        "destination": destination,
        "mask": mask,
        "destination_network": host_net(destination, mask),
        "source_network": virtual.source
        or Network(destination.route_domain, ipaddress.ip_network(any_net)),
        "ip_protocol": virtual.ip_protocol or "any",
        "type": virtual_type(virtual, config),
        "snat_type": snat_type,
        "snat_pool": snat_pool,
        "vlans": vlans,
        "vlans_mode": mode,
        "profiles": tuple(
            (p.name, p.context if p.context in ("clientside", "serverside") else "all")
            for p in virtual.profiles
        ),
        "persist": tuple((p.name, p.default is not False) for p in virtual.persist),
        "translate_address": virtual.translate_address
        if virtual.translate_address is not None
        else not forwarding,
        "translate_port": virtual.translate_port
        if virtual.translate_port is not None
        else not forwarding,
    }


def actual_objects(
    device: Device, expected: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """The same fields, read from the model."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for collection in GENERATED:
        items: dict[str, BigIpObject] = dict(getattr(device, collection))
        out[collection] = {}
        for name, obj in items.items():
            wanted = expected[collection].get(name, {"span": None})
            values: dict[str, Any] = {}
            for key in wanted:
                if key == "span":
                    values[key] = (obj.source.file, obj.source.line, obj.source.end_line)
                elif key == "profiles":
                    values[key] = tuple((p.name, p.context) for p in getattr(obj, key))
                elif key == "persist":
                    values[key] = tuple((p.name, p.default) for p in getattr(obj, key))
                elif key == "settings":
                    values[key] = dict(getattr(obj, key))
                else:
                    values[key] = getattr(obj, key)
            out[collection][name] = values
    return out


def check_profiles(device: Device, config: Config) -> None:
    """Custom profiles as written; built-ins that virtuals use added as built-ins."""
    custom = {p.name: p for p in config.custom_profiles}
    used = {p.name for v in config.virtual_servers for p in v.profiles}
    used |= {p.name for v in config.virtual_servers for p in v.persist}
    used |= {v.fallback_persistence for v in config.virtual_servers if v.fallback_persistence}
    builtin = {**BUILTIN_PROFILES, **BUILTIN_PERSISTENCE}
    for family, collection in (("profile", device.profiles), ("persistence", device.persistence)):
        table = BUILTIN_PROFILES if family == "profile" else BUILTIN_PERSISTENCE
        wanted = {n for n, p in custom.items() if p.family == family} | (used & set(table))
        assert set(collection) == wanted, family
        for name, profile in collection.items():
            if name in custom:
                spec = custom[name]
                own = dict(spec.settings)
                if spec.description is not None:
                    own["description"] = spec.description
                assert (profile.kind, profile.defaults_from, profile.builtin) == (
                    spec.kind,
                    spec.defaults_from,
                    False,
                ), name
                assert dict(profile.settings) == own, name
                # Own settings win over everything inherited.
                assert {k: profile.effective[k] for k in own} == own, name
            else:
                assert (profile.kind, profile.builtin) == (builtin[name], True), name


def check_round_trip(config: Config, emitted: Emitted) -> Device:
    device, diagnostics, results = read(emitted)
    assert reader_diagnostics(results) == []
    assert diagnostics == []
    assert device.version == config.version
    assert device.hostname == config.hostname
    assert device.name == (config.hostname or DEVICE_NAME)
    assert device.inputs == tuple(emitted.files)
    expected = expected_objects(config, emitted)
    actual = actual_objects(device, expected)
    for collection in GENERATED:
        # Names first (a short message), then every value of every object.
        assert set(actual[collection]) == set(expected[collection]), collection
        assert actual[collection] == expected[collection], collection
    for empty in ("device_groups", "traffic_groups", "application_services"):
        assert dict(getattr(device, empty)) == {}, empty
    check_profiles(device, config)
    return device


# -- properties ----------------------------------------------------------------------------


@ROUND_TRIP
@given(configs(), styles())
def test_generated_configuration_round_trips_to_the_model(config: Config, style: Style) -> None:
    check_round_trip(config, emit(config, style))


@REORDER
@given(configs(), styles(), st.randoms(use_true_random=False))
def test_object_order_does_not_change_the_model(
    config: Config, style: Style, rng: random.Random
) -> None:
    order = list(range(len(config.objects())))
    rng.shuffle(order)
    first = check_round_trip(config, emit(config, style))
    shuffled = emit(config, style, order)
    second = check_round_trip(config, shuffled)
    assert without_locations(second) == without_locations(first)


@REORDER
@given(configs(), styles().map(lambda s: replace(s, split=True)))
def test_file_order_does_not_change_the_model(config: Config, style: Style) -> None:
    emitted = emit(config, style)
    results = [parse_text(text, path) for path, text in emitted.files.items()]
    forward, forward_diagnostics = build_device([TmshInput(r) for r in results], DEVICE_NAME)
    backward, backward_diagnostics = build_device(
        [TmshInput(r) for r in reversed(results)], DEVICE_NAME
    )
    assert forward.inputs == tuple(emitted.files)
    assert backward.inputs == tuple(reversed(emitted.files))
    assert replace(backward, inputs=forward.inputs) == forward
    assert forward_diagnostics == backward_diagnostics == []


@REORDER
@given(configs(), styles())
def test_reading_twice_gives_equal_results(config: Config, style: Style) -> None:
    emitted = emit(config, style)
    first_device, first_diagnostics, first_results = read(emitted)
    second_device, second_diagnostics, second_results = read(emitted)
    assert second_results == first_results
    assert second_device == first_device
    assert second_diagnostics == first_diagnostics
    # Equal, and no state leaks between reads: the second read is not the first object.
    assert second_results[0] is not first_results[0]


# -- pinned examples: each spelling the generator can produce, checked once by hand ---------

_HAND = Config(
    version="15.1.8.2",
    hostname="bigip-a.example.com",
    partitions=(Partition("Edge", 2),),
    vlans=(Vlan("/Common/external", 4093, (Interface("1.1", True),)),),
    nodes=(
        Node(
            "/Edge/10.1.1.5",
            Address(2, ipaddress.ip_address("10.1.1.5")),
            ("/Common/gateway_icmp", "/Edge/m1"),
            "min",
        ),
    ),
    monitors=(Monitor("/Edge/m1", "tcp", (("interval", "5"),)),),
    pools=(
        Pool(
            "/Edge/p1",
            (
                Member(
                    "/Edge/10.1.1.5:5061",
                    "/Edge/10.1.1.5",
                    Address(2, ipaddress.ip_address("10.1.1.5")),
                    5061,
                    False,
                    None,
                    True,
                ),
                Member(
                    "/Edge/10.1.1.5%2:https",
                    "/Edge/10.1.1.5",
                    Address(2, ipaddress.ip_address("10.1.1.5")),
                    SERVICE_PORTS["https"],
                    True,
                    ("session", "user-disabled"),
                    False,
                ),
            ),
            None,
            ("/Edge/m1",),
            "and",
            None,
        ),
    ),
)


@settings(ROUND_TRIP, max_examples=examples(40))
@given(styles())
@example(Style())
@example(Style(compact=True, relative=True, comments=True, newline="\r\n", bom=True, seed=7))
def test_hand_written_configuration_round_trips(style: Style) -> None:
    device = check_round_trip(_HAND, emit(_HAND, style))
    members = device.pools["/Edge/p1"].members
    assert [(m.name, str(m.address), m.port, m.enabled) for m in members] == [
        ("/Edge/10.1.1.5:5061", "10.1.1.5%2", 5061, True),
        ("/Edge/10.1.1.5%2:https", "10.1.1.5%2", 443, False),
    ]
    assert device.nodes["/Edge/10.1.1.5"].monitors == ("/Common/gateway_icmp", "/Edge/m1")


def build_clean(text: str) -> Device:
    """The device of one inline file, which must read without any diagnostic."""
    result = parse_text(text, "x.conf")
    device, diagnostics = build_device([TmshInput(result)], "x")
    assert result.diagnostics == diagnostics == []
    return device


def test_compact_member_list_keeps_every_member() -> None:
    text = (
        "ltm pool /Common/p {\n"
        "    members { /Common/10.0.0.1:80 /Common/10.0.0.2:80 {\n"
        "        session user-disabled\n"
        "    } }\n"
        "}\n"
        "ltm virtual /Common/vs {\n"
        "    destination /Common/10.0.0.10:80\n"
        "    profiles { /Common/fastL4 /Common/http { context clientside } }\n"
        "    persist { /Common/cookie /Common/source_addr { default no } }\n"
        "}\n"
    )
    device = build_clean(text)
    members = device.pools["/Common/p"].members
    assert [(m.name, m.port, m.enabled, m.line) for m in members] == [
        ("/Common/10.0.0.1:80", 80, True, 2),
        ("/Common/10.0.0.2:80", 80, False, 2),
    ]
    virtual = device.virtual_servers["/Common/vs"]
    assert [(p.name, p.context) for p in virtual.profiles] == [
        ("/Common/fastL4", "all"),
        ("/Common/http", "clientside"),
    ]
    assert [(p.name, p.default) for p in virtual.persist] == [
        ("/Common/cookie", True),
        ("/Common/source_addr", False),
    ]
    assert virtual.type == "performance-l4"


def test_node_monitor_quorum_keeps_its_monitors() -> None:
    text = (
        "ltm node /Common/n1 {\n"
        "    address 10.0.0.1\n"
        "    monitor min 1 of { /Common/icmp /Common/gateway_icmp }\n"
        "}\n"
    )
    device = build_clean(text)
    assert device.nodes["/Common/n1"].monitors == ("/Common/icmp", "/Common/gateway_icmp")


def test_partition_switches_are_not_duplicates() -> None:
    """KNOWN DEFECT in adapters/tmsh.py: fails until it is fixed.

    An SCF switches partitions with one ``cli admin-partitions`` block per switch; those are
    directives, not objects, yet every block after the first is reported TMSH-DUPLICATE (and
    ``--strict`` turns that warning into exit 2).
    """
    text = (
        "cli admin-partitions {\n    update-partition Edge\n}\n"
        "ltm pool p1 { }\n"
        "cli admin-partitions {\n    update-partition Common\n}\n"
        "ltm pool p2 { }\n"
    )
    result = parse_text(text, "x.scf")
    assert [o.full_path for o in result.objects if o.type == "ltm pool"] == [
        "/Edge/p1",
        "/Common/p2",
    ]
    assert [(d.code, d.line) for d in result.diagnostics] == []


def test_emitter_spans_match_the_text() -> None:
    """The oracle itself: recorded spans start at the object's header, end at a brace."""
    emitted = emit(_HAND, Style(comments=True, seed=3))
    lines = emitted.files[MAIN_FILE].split("\n")
    assert len(emitted.spans) == 5
    for (collection, name), (_file, first, last) in emitted.spans.items():
        header = lines[first - 1]
        assert header.startswith(("auth ", "net ", "ltm ")), (collection, header)
        assert name.rsplit("/", 1)[-1] in header and "{" in header, (collection, header)
        assert lines[last - 1].rstrip().endswith("}"), (collection, name)
