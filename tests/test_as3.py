"""AS3 and DO declarations: every service class and its defaults, pools, profiles, DO network
objects, the reference declarations in tests/data/as3, and loading them as one device."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from lyncpolicy.adapters.as3 import read_as3, read_as3_file
from lyncpolicy.adapters.declarative import (
    FORWARDING_VIRTUALS,
    JsonLines,
    Origin,
    Parts,
    assemble,
)
from lyncpolicy.adapters.detect import detect_input
from lyncpolicy.adapters.do import read_do_file

from lyncpolicy.addresses import parse_address, parse_network
from lyncpolicy.errors import InputError
from lyncpolicy.loader import load
from lyncpolicy.model import Device, PersistRef, ProfileRef

DATA = Path(__file__).parent / "data" / "as3"
AS3_FILE = DATA / "as3_lync_edge.json"
DO_FILE = DATA / "do_network.json"


def declare(objects: Mapping[str, Any], *, rd: int | None = None) -> Device:
    """A device from one tenant `T` with one application `A` holding ``objects``."""
    tenant: dict[str, Any] = {"class": "Tenant", "A": {"class": "Application", **objects}}
    if rd is not None:
        tenant["defaultRouteDomain"] = rd
    document = {"class": "ADC", "schemaVersion": "3.56.0", "T": tenant}
    parts = Parts()
    read_as3(document, Origin("decl.json"), parts)
    return assemble("decl", parts)


def service(cls: str, **properties: Any) -> dict[str, Any]:
    return {"class": cls, "virtualAddresses": ["203.0.113.10"], "virtualPort": 443,
            **properties}


# -- service classes and their defaults --------------------------------------------------------


def test_service_tcp_defaults() -> None:
    virtual = declare({"s": service("Service_TCP")}).virtual_servers["/T/A/s"]
    assert virtual.ip_protocol == "tcp" and virtual.type == "standard"
    # AS3's defaults, which differ from tmsh's: automap, source-address, f5-tcp-progressive.
    assert (virtual.snat_type, virtual.snat_pool) == ("automap", None)
    assert virtual.persist == (PersistRef("/Common/source_addr"),)
    assert virtual.profiles == (ProfileRef("/Common/f5-tcp-progressive"),)
    assert (virtual.translate_address, virtual.translate_port) == (True, True)
    assert (virtual.vlans, virtual.vlans_mode) == ((), "all")
    assert virtual.destination == parse_address("203.0.113.10") and virtual.port == 443
    assert virtual.destination_network == parse_network("203.0.113.10/32")
    assert virtual.source_network == parse_network("0.0.0.0/0")
    assert virtual.unknown == frozenset()


def test_service_udp_l4_generic_http_defaults() -> None:
    device = declare({
        "u": service("Service_UDP", virtualPort=3478),
        "l": service("Service_L4"),
        "g": service("Service_Generic", virtualPort=0),
        "h": {"class": "Service_HTTP", "virtualAddresses": ["203.0.113.11"]},
    })
    udp = device.virtual_servers["/T/A/u"]
    assert (udp.ip_protocol, udp.profiles) == ("udp", (ProfileRef("/Common/udp"),))
    assert udp.persist == (PersistRef("/Common/source_addr"),)
    l4 = device.virtual_servers["/T/A/l"]
    assert (l4.type, l4.ip_protocol) == ("performance-l4", "tcp")
    assert l4.profiles == (ProfileRef("/Common/fastL4"),)
    generic = device.virtual_servers["/T/A/g"]
    assert (generic.ip_protocol, generic.persist) == ("any", ())
    assert generic.profiles == (ProfileRef("/Common/ipother"),)
    http = device.virtual_servers["/T/A/h"]
    assert http.port == 80
    assert http.profiles == (ProfileRef("/Common/f5-tcp-progressive"), ProfileRef("/Common/http"))
    assert http.persist == (PersistRef("/Common/cookie"),)
    assert device.profiles["/Common/fastL4"].builtin


def test_service_forwarding() -> None:
    device = declare({
        "fwd": {"class": "Service_Forwarding", "forwardingType": "ip",
                "virtualAddresses": ["10.0.0.0%2/8"], "virtualPort": 0, "layer4": "any",
                "translateServerAddress": True},
        "l2": {"class": "Service_Forwarding", "forwardingType": "l2",
               "virtualAddresses": ["0.0.0.0/0"], "snat": "none"},
    })
    forward = device.virtual_servers["/T/A/fwd"]
    assert forward.type == "ip-forward"
    # forwardingType ip forces translation off; snat still defaults to auto (automap).
    assert (forward.translate_address, forward.translate_port) == (False, False)
    assert forward.snat_type == "automap"
    assert forward.destination_network == parse_network("10.0.0.0%2/8")
    assert forward.profiles == (ProfileRef("/Common/fastL4"),)
    assert forward.persist == ()
    address = device.virtual_addresses["/T/10.0.0.0%2"]
    assert address.arp is False and address.mask == 8
    l2 = device.virtual_servers["/T/A/l2"]
    assert l2.type == "l2-forward" and l2.port == 0
    assert l2.destination_network == parse_network("0.0.0.0/0")
    assert "/T/any" in device.virtual_addresses


@pytest.mark.parametrize(
    ("snat", "expected"),
    [
        ("none", ("none", None)),
        ("auto", ("automap", None)),
        ({"use": "sp"}, ("snat", "/T/A/sp")),
        ({"bigip": "/Common/outbound"}, ("snat", "/Common/outbound")),
        ("self", ("snat", "/T/A/s-self")),
    ],
)
def test_snat_forms(snat: object, expected: tuple[str, str | None]) -> None:
    device = declare({"s": service("Service_TCP", snat=snat)})
    virtual = device.virtual_servers["/T/A/s"]
    assert (virtual.snat_type, virtual.snat_pool) == expected
    if snat == "self":
        assert device.snat_pools["/T/A/s-self"].members == ("/T/203.0.113.10",)


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        ([], ()),
        (["destination-address"], (PersistRef("/Common/dest_addr"),)),
        (["source-address", "tls-session-id"],
         (PersistRef("/Common/source_addr"), PersistRef("/Common/ssl", False))),
        ([{"use": "p"}], (PersistRef("/T/A/p"),)),
        ([{"bigip": "/Common/lync_src"}], (PersistRef("/Common/lync_src"),)),
    ],
)
def test_persistence_methods(methods: list[object], expected: tuple[PersistRef, ...]) -> None:
    virtual = declare({"s": service("Service_L4", persistenceMethods=methods)})
    assert virtual.virtual_servers["/T/A/s"].persist == expected


@pytest.mark.parametrize(
    ("properties", "vlans", "mode"),
    [
        ({"allowVlans": [{"bigip": "/Common/external"}]}, ("/Common/external",), "enabled"),
        ({"rejectVlans": ["internal"]}, ("/Common/internal",), "disabled"),
        ({}, (), "all"),
    ],
)
def test_allow_and_reject_vlans(
    properties: dict[str, Any], vlans: tuple[str, ...], mode: str
) -> None:
    virtual = declare({"s": service("Service_TCP", **properties)}).virtual_servers["/T/A/s"]
    assert (virtual.vlans, virtual.vlans_mode) == (vlans, mode)


def test_virtual_addresses_forms_and_tenant_route_domain() -> None:
    device = declare({
        "multi": service("Service_TCP", virtualAddresses=[
            "203.0.113.5", ["203.0.113.6", "198.51.100.0/24"], {"use": "va"},
            {"bigip": "/Common/203.0.113.9"}, "2001:db8::5"]),
        "va": {"class": "Service_Address", "virtualAddress": "203.0.113.8", "arpEnabled": False},
        "rd": service("Service_UDP", virtualAddresses=["10.1.1.5"], virtualPort=3478),
    }, rd=3)
    names = sorted(n for n in device.virtual_servers if n.startswith("/T/A/multi"))
    assert names == ["/T/A/multi", "/T/A/multi-1-", "/T/A/multi-2-", "/T/A/multi-3-",
                     "/T/A/multi-4-"]
    first, pair, used, bigip, v6 = (device.virtual_servers[n] for n in names)
    # Addresses without %N take the tenant's default route domain.
    assert first.destination == parse_address("203.0.113.5%3")
    assert pair.source_network == parse_network("198.51.100.0%3/24")
    assert used.destination == parse_address("203.0.113.8%3")
    assert bigip.destination == parse_address("203.0.113.9%3")
    assert v6.destination_network == parse_network("2001:db8::5%3/128")
    assert device.virtual_addresses["/T/A/va"].arp is False
    assert device.virtual_servers["/T/A/rd"].destination == parse_address("10.1.1.5%3")
    assert device.partitions["/T"].default_route_domain == 3


def test_disabled_and_unreadable_services() -> None:
    device = declare({
        "off": service("Service_TCP", enable=False),
        "down": service("Service_TCP", adminState="disable"),
        "odd": service("Service_TCP", virtualAddresses=["not-an-ip"],
                       virtualPort={"use": "ports"}),
        "internal": {"class": "Service_TCP", "virtualType": "internal", "virtualPort": 0},
    })
    assert "/T/A/off" not in device.virtual_servers  # enable: false creates nothing
    assert device.virtual_servers["/T/A/down"].enabled is False
    odd = device.virtual_servers["/T/A/odd"]
    assert odd.unknown == {"destination", "destination_network", "port"}
    internal = device.virtual_servers["/T/A/internal"]
    assert internal.type == "internal" and internal.destination is None


# -- pools, profiles, other classes ---------------------------------------------------------


def test_pool_members_and_defaults() -> None:
    device = declare({"p": {
        "class": "Pool",
        "monitors": ["tcp", "tcp-half-open", {"use": "m"}, {"bigip": "/Common/sip"}],
        "members": [
            {"servicePort": 443, "serverAddresses": ["203.0.113.11", "2001:db8::11"]},
            {"servicePort": 443, "servers": [{"name": "e2", "address": "10.1.1.12"}],
             "routeDomain": 2, "adminState": "disable"},
            {"servicePort": 3478, "serverAddresses": ["203.0.113.13"], "shareNodes": True},
            {"servicePort": 443, "serverAddresses": ["203.0.113.14"], "enable": False},
            {"servicePort": 443, "addressDiscovery": "fqdn", "hostname": "edge.example.com"},
            {"servicePort": 443, "bigip": "/Common/10.9.9.9"},
        ],
    }, "m": {"class": "Monitor", "monitorType": "tcp", "interval": 10, "timeout": 31,
             "targetPort": 5061}})
    pool = device.pools["/T/A/p"]
    members = [(m.name, None if m.address is None else str(m.address), m.port, m.enabled)
               for m in pool.members]
    assert members == [
        ("/T/203.0.113.11:443", "203.0.113.11", 443, True),
        ("/T/2001:db8::11.443", "2001:db8::11", 443, True),
        ("/T/10.1.1.12%2:443", "10.1.1.12%2", 443, False),
        ("/Common/203.0.113.13:3478", "203.0.113.13", 3478, True),  # shareNodes
        ("/T/edge.example.com:443", None, 443, True),
        ("/T/10.9.9.9:443", "10.9.9.9", 443, True),
    ]
    assert pool.monitors == ("/Common/tcp", "/Common/tcp_half_open", "/T/A/m", "/Common/sip")
    assert (pool.load_balancing_mode, pool.min_active_members) == ("round-robin", 1)
    assert device.nodes["/Common/203.0.113.13"].address == parse_address("203.0.113.13")
    assert "/T/10.9.9.9" not in device.nodes  # an existing node is not created
    monitor = device.monitors["/T/A/m"]
    assert (monitor.kind, monitor.destination) == ("tcp", "*:5061")
    assert monitor.settings == {"interval": "10", "timeout": "31"}


def test_l4_tcp_udp_profiles_write_every_default() -> None:
    device = declare({
        "l4": {"class": "L4_Profile", "idleTimeout": 0, "looseInitialization": True},
        "l4b": {"class": "L4_Profile", "idleTimeout": -1, "resetOnTimeout": False},
        "tcp": {"class": "TCP_Profile", "idleTimeout": 1800, "nagle": False},
        "udp": {"class": "UDP_Profile"},
    })
    l4 = device.profiles["/T/A/l4"]
    assert (l4.kind, l4.defaults_from) == ("fastl4", "/Common/fastL4")
    assert l4.effective["idle-timeout"] == "immediate"
    assert l4.effective["loose-initialization"] == "enabled"
    assert l4.effective["loose-close"] == "disabled"
    assert l4.effective["reset-on-timeout"] == "enabled"  # the AS3 default, stated
    l4b = device.profiles["/T/A/l4b"]
    assert l4b.effective["idle-timeout"] == "indefinite"
    assert l4b.effective["reset-on-timeout"] == "disabled"
    tcp = device.profiles["/T/A/tcp"]
    assert tcp.effective["idle-timeout"] == "1800" and tcp.effective["nagle"] == "disabled"
    assert tcp.effective["congestion-control"] == "woodside"
    assert device.profiles["/T/A/udp"].effective["idle-timeout"] == "60"


def test_persist_snat_pool_irule_and_translation() -> None:
    device = declare({
        "p": {"class": "Persist", "persistenceMethod": "source-address", "duration": 3600,
              "addressMask": "255.255.255.0", "matchAcrossVirtualPorts": True},
        "sp": {"class": "SNAT_Pool", "snatAddresses": ["203.0.113.21", "203.0.113.22"]},
        "r": {"class": "iRule", "iRule": {"base64": "d2hlbiBDTElFTlRfQUNDRVBURUQge30="}},
        "t": {"class": "SNAT_Translation", "address": "203.0.113.23"},
    })
    persist = device.persistence["/T/A/p"]
    assert persist.kind == "source-addr"
    assert persist.effective["timeout"] == "3600"
    assert persist.effective["mask"] == "255.255.255.0"
    assert persist.effective["match-across-services"] == "enabled"
    assert device.snat_pools["/T/A/sp"].members == ("/T/203.0.113.21", "/T/203.0.113.22")
    assert device.irules["/T/A/r"].text == "when CLIENT_ACCEPTED {}"
    assert device.snat_translations["/T/A/t"].address == parse_address("203.0.113.23")


# -- reference files, errors, lines ---------------------------------------------------------------


def test_reference_as3_declaration() -> None:
    assert detect_input(str(AS3_FILE)) == "as3"
    parts = read_as3_file(str(AS3_FILE))
    device = assemble("edge", parts)
    access = device.virtual_servers["/Lync_Edge/edge/access_443"]
    assert access.profiles == (ProfileRef("/Lync_Edge/edge/edge_fastl4"),)
    assert access.persist == (PersistRef("/Lync_Edge/edge/edge_srcaddr"),)
    assert (access.vlans, access.vlans_mode) == (("/Common/external",), "enabled")
    av = device.virtual_servers["/Lync_Edge/edge/av_3478"]
    assert (av.snat_type, av.snat_pool) == ("snat", "/Lync_Edge/edge/edge_snatpool")
    assert (av.vlans, av.vlans_mode) == (("/Common/internal",), "disabled")
    sip = device.virtual_servers["/Lync_Edge/edge/sip_5061"]
    assert sip.source_network == parse_network("198.51.100.0/24")
    assert sip.pool == "/Common/lync_edge_access_443" and sip.persist == ()
    assert device.virtual_servers["/Lync_Edge/edge/fwd_ip"].type == "ip-forward"
    fastl4 = device.profiles["/Lync_Edge/edge/edge_fastl4"]
    assert fastl4.effective["reset-on-timeout"] == "disabled"
    # Each object is located on the line of its key in the file.
    lines = AS3_FILE.read_text(encoding="utf-8").splitlines()
    for obj in (access, av, sip, fastl4, device.pools["/Lync_Edge/edge/edge_av_pool"]):
        key = obj.name.rsplit("/", 1)[-1]
        assert lines[obj.source.line - 1].strip() == f'"{key}": {{', obj.name
        assert obj.source.file == str(AS3_FILE) and obj.source.resource is None
    assert parts.unknown_kinds >= {"nats", "snats", "self_ips"}
    assert FORWARDING_VIRTUALS in parts.stated_kinds


def test_reference_do_declaration() -> None:
    assert detect_input(str(DO_FILE)) == "do"
    device = assemble("net", read_do_file(str(DO_FILE)))
    assert sorted(device.self_ips) == [
        "/Common/external-float", "/Common/external-self", "/Common/internal-self"]
    internal = device.self_ips["/Common/internal-self"]
    assert internal.network == parse_network("10.1.1.0%2/24")
    assert internal.allow_service == ("tcp:443", "udp:3478")
    assert internal.traffic_group == "/Common/traffic-group-local-only"  # the DO default
    assert device.self_ips["/Common/external-float"].floating
    assert device.self_ips["/Common/external-self"].allow_service == ()
    assert device.routes["/Common/default"].network == parse_network("0.0.0.0/0")
    assert device.routes["/Common/internal-net"].gateway == parse_address("10.1.1.1%2")
    domain = device.route_domains["/Common/rd2"]
    assert (domain.id, domain.vlans) == (2, ("/Common/internal",))
    assert device.vlans["/Common/external"].interfaces == ("1.1",)
    lines = DO_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[domain.source.line - 1].strip() == '"rd2": {'
    assert "virtual_servers" in device.unknown_kinds  # DO cannot express LTM objects


def test_do_wrapper_defaults_and_local_only_routes(tmp_path: Path) -> None:
    path = tmp_path / "do.json"
    path.write_text(json.dumps({"class": "DO", "declaration": {
        "class": "Device", "schemaVersion": "1.45.0", "Common": {
            "class": "Tenant",
            "s": {"class": "SelfIp", "address": "10.1.1.5/24", "vlan": "/Common/int",
                  "allowService": "default"},
            "r": {"class": "Route", "gw": "10.1.1.1", "localOnly": True},
            "t": {"class": "Route", "network": "10.2.0.0/16", "target": "tunnel1"},
            "rd": {"class": "RouteDomain", "id": 5, "parent": "rd0"},
        }}}), encoding="utf-8")
    assert detect_input(str(path)) == "do"
    device = assemble("do", read_do_file(str(path)))
    assert device.self_ips["/Common/s"].allow_service == ("default",)
    assert device.self_ips["/Common/s"].vlan == "/Common/int"
    local = device.routes["/LOCAL_ONLY/r"]
    assert local.partition == "LOCAL_ONLY" and local.network == parse_network("0.0.0.0/0")
    assert device.routes["/Common/t"].interface == "/Common/tunnel1"
    assert device.route_domains["/Common/rd"].parent == "/Common/rd0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"class": "AS3", "declaration": ', "invalid JSON at line 1, column 33"),
        ('{"class": "AS3", "declaration": {"class": "Tenant"}}', "not an AS3 declaration"),
    ],
)
def test_as3_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "as3.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_as3_file(str(path))
    assert caught.value.path == str(path) and message in caught.value.message


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        ({"p": {"class": "Pool", "members": 5}}, "T.A.p.members is a number (5), expected a list"),
        ({"p": {"class": "Pool", "members": [{"servicePort": "443"}]}},
         'T.A.p.members[0].servicePort is a string ("443"), expected a whole number'),
        ({"p": {"class": "Pool", "members": [{"serverAddresses": ["10.1.1.1"]}]}},
         "T.A.p.members[0] is an object, expected a pool member (an object with a "
         "servicePort)"),
        ({"p": {"class": "Pool", "monitors": ["tcp", None]}},
         "T.A.p.monitors[1] is null, expected a string or a pointer "
         '({"use": ...} or {"bigip": ...})'),
        ({"s": {"class": {"x": 1}}}, "T.A.s.class is an object, expected a string"),
        ({"s": service("Service_TCP", snat="automap")},
         'T.A.s.snat is a string ("automap"), expected one of "auto", "none", "self"'),
        ({"s": service("Service_TCP", allowVlans="external")},
         'T.A.s.allowVlans is a string ("external"), expected a list'),
        ({"s": service("Service_TCP", virtualAddresses=[["203.0.113.5"]])},
         "T.A.s.virtualAddresses[0] is a list, expected a list of 2 strings"),
        ({"s": service("Service_TCP", pool={"name": "p"})},
         'T.A.s.pool is an object, expected a pointer ({"use": ...} or {"bigip": ...})'),
        ({"s": service("Service_TCP", virtualPort="443")},
         'T.A.s.virtualPort is a string ("443"), expected a whole number or a pointer '
         '({"use": ...} or {"bigip": ...})'),
        ({"l4": {"class": "L4_Profile", "looseInitialization": "false"}},
         'T.A.l4.looseInitialization is a string ("false"), expected true or false'),
    ],
)
def test_wrong_shapes_are_errors_naming_the_json_path(
    objects: dict[str, Any], message: str
) -> None:
    """AS3 rejects such a declaration: reading part of it would model what cannot exist."""
    with pytest.raises(InputError) as caught:
        declare(objects)
    assert caught.value.message == message
    assert caught.value.path == "decl.json"
    assert "AS3 rejects" in (caught.value.hint or "")


def test_tenant_of_the_wrong_shape_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        declare({}, rd="2")  # type: ignore[arg-type]
    assert caught.value.message == 'T.defaultRouteDomain is a string ("2"), expected a whole number'


def test_wrong_shape_in_a_file_names_its_line_and_path(tmp_path: Path) -> None:
    document = json.loads(AS3_FILE.read_text(encoding="utf-8"))
    document["declaration"]["Lync_Edge"]["edge"]["edge_access_pool"]["members"] = 5
    path = tmp_path / "as3.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_as3_file(str(path))
    error = caught.value
    assert error.message == (
        "declaration.Lync_Edge.edge.edge_access_pool.members is a number (5), expected a list")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert error.line is not None and lines[error.line - 1].strip() == '"edge_access_pool": {'
    assert str(error).startswith(f"{path}:{error.line}: declaration.Lync_Edge")


def test_null_is_not_set_so_defaults_apply() -> None:
    device = declare({
        "s": service("Service_TCP", snat=None, adminState=None, persistenceMethods=None),
        "p": {"class": "Pool", "minimumMembersActive": None, "members": [
            {"servicePort": 443, "serverAddresses": ["10.1.1.1"], "adminState": None}]},
    })
    virtual = device.virtual_servers["/T/A/s"]
    assert (virtual.snat_type, virtual.enabled) == ("automap", True)
    assert virtual.persist == (PersistRef("/Common/source_addr"),)
    pool = device.pools["/T/A/p"]
    assert pool.min_active_members == 1 and pool.members[0].enabled


def test_irule_text_not_in_the_declaration_is_unknown() -> None:
    device = declare({
        "url": {"class": "iRule", "iRule": {"url": "https://example.com/r.tcl"}},
        "bad": {"class": "iRule", "iRule": {"base64": "not base64!"}},
        "text": {"class": "iRule", "iRule": {"text": "when HTTP_REQUEST {}"}},
    })
    assert device.irules["/T/A/url"].unknown == {"text"}
    assert device.irules["/T/A/bad"].unknown == {"text"}
    assert device.irules["/T/A/text"].text == "when HTTP_REQUEST {}"
    assert device.irules["/T/A/text"].unknown == frozenset()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"external": {"class": "VLAN", "interfaces": 5}},
         "Common.external.interfaces is a number (5), expected a list"),
        ({"external": {"class": "VLAN", "interfaces": [{"tagged": True}]}},
         "Common.external.interfaces[0] is an object, expected an interface (an object with "
         "a name)"),
        ({"rd2": {"class": "RouteDomain", "id": 2, "vlans": [None]}},
         "Common.rd2.vlans[0] is null, expected a string"),
        ({"default": {"class": "Route", "network": 0}},
         "Common.default.network is a number (0), expected a string"),
        ({"s": {"class": "SelfIp", "address": "10.1.1.5/24", "allowService": {"tcp": 443}}},
         "Common.s.allowService is an object, expected a string or a list of strings"),
        ({"x": {"class": 5}}, "Common.x.class is a number (5), expected a string"),
    ],
)
def test_do_wrong_shapes_are_errors_naming_the_json_path(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    document = json.loads(DO_FILE.read_text(encoding="utf-8"))
    document["Common"].update(change)
    path = tmp_path / "do.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_do_file(str(path))
    assert caught.value.message == message and caught.value.path == str(path)
    assert "DO rejects" in (caught.value.hint or "")


def test_do_common_of_the_wrong_shape_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "do.json"
    path.write_text(json.dumps({"class": "DO", "declaration": {"class": "Device", "Common": []}}),
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_do_file(str(path))
    assert caught.value.message == "declaration.Common is an empty list, expected an object"


def test_json_lines_find_members_in_order() -> None:
    lines = JsonLines('{\n "a": {\n  "b": {"x": 1},\n  "c": "x<y"\n },\n "b": {}\n}')
    first = lines.find_member("b")
    assert first is not None and lines.line_at(first) == 3
    second = lines.find_member("b", start=first + 1)
    assert second is not None and lines.line_at(second) == 6
    found = lines.find_member("c", "x<y")
    assert found is not None and lines.line_at(found) == 4
    assert lines.find_member("missing") is None
    # No `"c": {` object inside "a": the closest enclosing key found is the location.
    assert Origin("f.json", lines=lines).source("a", "c").line == 2
    assert Origin("f.json", lines=lines).source("b").line == 3


# -- loading declarations as devices --------------------------------------------------------------


def test_as3_and_do_in_one_folder_are_one_device(tmp_path: Path) -> None:
    loaded = load([str(DATA)])
    assert loaded.errors == []
    [unit] = loaded.units
    assert unit.unit.kind == "files" and unit.unit.kinds == ("as3", "do")
    [device] = loaded.model.devices
    assert device.name == "as3"
    assert "/Lync_Edge/edge/access_443" in device.virtual_servers
    assert "/Common/rd2" in device.route_domains
    # AS3 and DO together still cannot express NATs, SNATs or device groups.
    assert device.unknown_kinds == {"nats", "snats", "device_groups", "traffic_groups"}
    assert set(device.inputs) == {str(AS3_FILE), str(DO_FILE)}


def test_declaration_beside_tmsh_files_overlays_that_device(tmp_path: Path) -> None:
    (tmp_path / "bigip.conf").write_text(
        "ltm nat /Common/nat1 {\n    originating-address 10.1.1.10\n"
        "    translation-address 203.0.113.10\n}\n"
        "ltm virtual /Common/old {\n    destination /Common/203.0.113.99:443\n}\n",
        encoding="utf-8",
    )
    (tmp_path / "as3.json").write_text(AS3_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load([str(tmp_path)])
    [device] = loaded.model.devices
    assert {"/Common/old", "/Lync_Edge/edge/access_443"} <= set(device.virtual_servers)
    assert "/Common/nat1" in device.nats
    assert device.unknown_kinds == frozenset()  # the tmsh configuration states every kind
    assert loaded.units[0].object_count > 2
