"""The model builder: tmsh objects -> the normalized Device, on inline tmsh and real files."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

import pytest
from lyncpolicy.adapters.tmsh import ParseResult, parse_file
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.addresses import Address, Network
from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.model import Device, PersistRef, ProfileRef, VirtualServer

BuildFn = Callable[..., tuple[Device, list[Diagnostic]]]
ParseCorpus = Callable[[str], ParseResult]

ACC = "f5devcentral__f5-automation-config-converter/test/engines/"
CORK = "f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config/"
BATFISH = (
    "batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar/"
    "f5_bigip_structured/testconfigs/"
)


def v4(text: str, rd: int = 0) -> Address:
    return Address(rd, ipaddress.IPv4Address(text))


def v6(text: str, rd: int = 0) -> Address:
    return Address(rd, ipaddress.IPv6Address(text))


def net(text: str, rd: int = 0) -> Network:
    return Network(rd, ipaddress.ip_network(text))


def corpus_device(parse_corpus: ParseCorpus, *relatives: str) -> tuple[Device, list[Diagnostic]]:
    return build_device([TmshInput(parse_corpus(r)) for r in relatives], "corpus")


def bad_values(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code == "MODEL-BAD-VALUE"]


# -- virtual servers: addresses -------------------------------------------------------------

EDGE_VIRTUALS = """#TMSH-VERSION: 15.1.8.2
ltm virtual /Common/edge_access_443_vs {
    destination /Common/203.0.113.10:443
    ip-protocol tcp
    mask 255.255.255.255
    pool /Common/edge_access_443_pool
    profiles {
        /Common/tcp { }
    }
    source 0.0.0.0/0
    translate-address enabled
    translate-port enabled
}
ltm virtual /Common/edge_access_5061_rd9_vs {
    destination /Common/10.1.1.5%9:5061
    ip-protocol tcp
    mask 255.255.255.255
    source 0.0.0.0%9/0
}
ltm virtual /Common/edge_av_range_vs {
    destination /Common/203.0.113.0:any
    ip-protocol udp
    mask 255.255.255.0
    source 198.51.100.0/24
}
ltm virtual /Common/edge_implicit_mask_vs {
    destination /Common/203.0.113.20:443
}
ltm virtual /Common/edge_v6_vs {
    destination /Common/2001:db8::10.443
    ip-protocol tcp
}
"""


def test_virtual_destination_port_route_domain_and_mask(build: BuildFn) -> None:
    device, diagnostics = build(EDGE_VIRTUALS)
    assert bad_values(diagnostics) == []
    vs = device.virtual_servers
    access = vs["/Common/edge_access_443_vs"]
    assert (access.destination, access.port, access.mask) == (v4("203.0.113.10"), 443, 32)
    assert access.destination_network == net("203.0.113.10/32")
    rd9 = vs["/Common/edge_access_5061_rd9_vs"]
    assert (rd9.destination, rd9.port, rd9.mask) == (v4("10.1.1.5", 9), 5061, 32)
    assert rd9.destination_network == net("10.1.1.5/32", 9)
    assert not rd9.destination_network.contains(v4("10.1.1.5"))
    network = vs["/Common/edge_av_range_vs"]
    assert (network.destination, network.port, network.mask) == (v4("203.0.113.0"), 0, 24)
    assert network.destination_network == net("203.0.113.0/24")
    implicit = vs["/Common/edge_implicit_mask_vs"]
    assert (implicit.mask, implicit.destination_network) == (32, net("203.0.113.20/32"))
    ipv6 = vs["/Common/edge_v6_vs"]
    assert (ipv6.destination, ipv6.port, ipv6.mask) == (v6("2001:db8::10"), 443, 128)
    assert ipv6.destination_network == net("2001:db8::10/128")


def test_virtual_ipv6_mask_in_address_form(build: BuildFn) -> None:
    device, diagnostics = build(
        "ltm virtual /Common/edge_v6_443_vs {\n"
        "    destination /Common/2001:db8::10.443\n"
        "    ip-protocol tcp\n"
        "    mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"
        "}\n"
        "ltm virtual /Common/edge_v6_net_vs {\n"
        "    destination /Common/2001:db8:1::.any\n"
        "    ip-protocol udp\n"
        "    mask ffff:ffff:ffff:ffff::\n"
        "}\n"
    )
    assert bad_values(diagnostics) == []
    host = device.virtual_servers["/Common/edge_v6_443_vs"]
    assert (host.mask, host.destination_network) == (128, net("2001:db8::10/128"))
    network = device.virtual_servers["/Common/edge_v6_net_vs"]
    assert (network.mask, network.destination_network) == (64, net("2001:db8:1::/64"))


def test_virtual_destination_by_virtual_address_name(build: BuildFn) -> None:
    # Since v11 a virtual address may have its own name; the virtual then names it.
    device, diagnostics = build(
        "ltm virtual-address /Common/lync_edge_vip {\n"
        "    address 203.0.113.10\n"
        "    arp enabled\n"
        "    mask 255.255.255.255\n"
        "    traffic-group /Common/traffic-group-1\n"
        "}\n"
        "ltm virtual /Common/edge_access_443_vs {\n"
        "    destination /Common/lync_edge_vip:https\n"
        "    ip-protocol tcp\n"
        "    mask 255.255.255.255\n"
        "}\n"
        "ltm virtual /Common/edge_access_5061_vs {\n"
        "    destination /Common/lync_edge_vip:5061\n"
        "    ip-protocol tcp\n"
        "    mask 255.255.255.255\n"
        "}\n"
    )
    vaddr = device.virtual_addresses["/Common/lync_edge_vip"]
    assert (vaddr.address, vaddr.mask, vaddr.traffic_group) == (
        v4("203.0.113.10"),
        32,
        "/Common/traffic-group-1",
    )
    sip = device.virtual_servers["/Common/edge_access_5061_vs"]
    assert (sip.destination, sip.port) == (v4("203.0.113.10"), 5061)
    https = device.virtual_servers["/Common/edge_access_443_vs"]
    assert (https.destination, https.port) == (v4("203.0.113.10"), 443)
    # The destination was read: no "cannot read destination" diagnostic.
    assert bad_values(diagnostics) == []


def test_virtual_with_sip_tls_service_port(build: BuildFn) -> None:
    device, diagnostics = build(
        "ltm virtual /Common/edge_access_5061_vs {\n"
        "    destination /Common/203.0.113.10:sip-tls\n"
        "    ip-protocol tcp\n"
        "    mask 255.255.255.255\n"
        "}\n"
    )
    vs = device.virtual_servers["/Common/edge_access_5061_vs"]
    assert (vs.destination, vs.port) == (v4("203.0.113.10"), 5061)
    assert bad_values(diagnostics) == []


def test_out_of_range_prefix_mask_is_a_diagnostic_not_a_crash(build: BuildFn) -> None:
    device, diagnostics = build(
        "ltm virtual /Common/hand_edited_vs {\n"
        "    destination /Common/203.0.113.10:443\n"
        "    mask 33\n"
        "}\n"
        "ltm virtual /Common/ok_vs {\n"
        "    destination /Common/203.0.113.11:443\n"
        "    mask 255.255.255.255\n"
        "}\n"
    )
    assert "/Common/ok_vs" in device.virtual_servers
    assert [(d.code, d.line) for d in bad_values(diagnostics)] == [("MODEL-BAD-VALUE", 1)]


def test_virtual_addresses_from_real_files(parse_corpus: ParseCorpus) -> None:
    routedomain = ACC + "doConverter/routedomain/routedomain.conf"
    device, diagnostics = corpus_device(parse_corpus, routedomain)
    assert bad_values(diagnostics) == []
    vs = device.virtual_servers["/Common/test_virtual"]
    assert (vs.destination, vs.port, vs.mask) == (v4("10.30.0.100", 47), 80, 32)
    assert vs.source_network == net("0.0.0.0/0", 47)
    assert vs.ip_protocol == "tcp"
    assert (vs.source.line, vs.source.end_line) == (1, 14)
    assert vs.description == "description"
    vaddr = device.virtual_addresses["/Common/10.30.0.100%47"]
    assert vaddr.address == v4("10.30.0.100", 47)

    cases, _ = corpus_device(parse_corpus, BATFISH + "f5_bigip_structured_ltm_virtual_cases")
    ipv6 = cases.virtual_servers["/Common/ipv6_dest"]
    assert (ipv6.destination, ipv6.port, ipv6.mask) == (v6("dead:beef::1"), 80, 128)
    assert ipv6.source_network == net("::/0")
    missing = cases.virtual_servers["/Common/missing_dest"]
    assert (missing.destination, missing.port, missing.destination_network) == (None, None, None)
    assert cases.virtual_servers["/Common/implicit_mask"].mask == 32


def test_source_network_default_and_explicit(build: BuildFn, parse_corpus: ParseCorpus) -> None:
    device, _ = build(EDGE_VIRTUALS)
    vs = device.virtual_servers
    assert vs["/Common/edge_access_443_vs"].source_network == net("0.0.0.0/0")
    assert vs["/Common/edge_access_5061_rd9_vs"].source_network == net("0.0.0.0/0", 9)
    assert vs["/Common/edge_av_range_vs"].source_network == net("198.51.100.0/24")
    # No `source`: everything, in the destination's route domain and address family.
    assert vs["/Common/edge_implicit_mask_vs"].source_network == net("0.0.0.0/0")
    assert vs["/Common/edge_v6_vs"].source_network == net("::/0")
    snat, _ = corpus_device(parse_corpus, BATFISH + "f5_bigip_structured_snat")
    assert snat.virtual_servers["/Common/virtual1"].source_network == net("8.8.8.8/32")


def test_ip_protocol_defaults_to_any(build: BuildFn) -> None:
    device, _ = build(EDGE_VIRTUALS)
    vs = device.virtual_servers
    assert vs["/Common/edge_implicit_mask_vs"].ip_protocol == "any"
    assert vs["/Common/edge_access_443_vs"].ip_protocol == "tcp"
    assert vs["/Common/edge_av_range_vs"].ip_protocol == "udp"


# -- virtual servers: type, SNAT, VLANs, profiles -------------------------------------------

TYPES = """ltm profile fastl4 /Common/edge_fastl4 {
    defaults-from /Common/fastL4
    idle-timeout 1800
}
ltm virtual /Common/standard_vs {
    destination /Common/203.0.113.10:443
    ip-protocol tcp
    mask 255.255.255.255
    profiles {
        /Common/tcp { }
    }
}
ltm virtual /Common/forward_vs {
    destination /Common/0.0.0.0:any
    ip-forward
    mask any
    profiles {
        /Common/fastL4 { }
    }
}
ltm virtual /Common/reject_vs {
    destination /Common/203.0.113.99:any
    mask 255.255.255.255
    reject
}
ltm virtual /Common/fastl4_builtin_vs {
    destination /Common/203.0.113.30:3478
    ip-protocol udp
    mask 255.255.255.255
    profiles {
        /Common/fastL4 { }
    }
}
ltm virtual /Common/fastl4_custom_vs {
    destination /Common/203.0.113.31:3478
    ip-protocol udp
    mask 255.255.255.255
    profiles {
        /Common/edge_fastl4 { }
    }
}
ltm virtual /Common/explicit_translate_vs {
    destination /Common/203.0.113.12:443
    mask 255.255.255.255
    translate-address disabled
    translate-port disabled
}
"""


def test_virtual_types(build: BuildFn) -> None:
    device, _ = build(TYPES)
    types = {name: vs.type for name, vs in device.virtual_servers.items()}
    assert types == {
        "/Common/standard_vs": "standard",
        "/Common/forward_vs": "ip-forward",
        "/Common/reject_vs": "reject",
        "/Common/fastl4_builtin_vs": "performance-l4",
        "/Common/fastl4_custom_vs": "performance-l4",
        "/Common/explicit_translate_vs": "standard",
    }
    forward = device.virtual_servers["/Common/forward_vs"]
    assert (forward.destination_network, forward.port) == (net("0.0.0.0/0"), 0)


def test_translate_address_defaults(build: BuildFn) -> None:
    device, _ = build(TYPES)
    translate = {
        name: (vs.translate_address, vs.translate_port)
        for name, vs in device.virtual_servers.items()
    }
    assert translate == {
        "/Common/standard_vs": (True, True),
        "/Common/forward_vs": (False, False),
        "/Common/reject_vs": (False, False),
        "/Common/fastl4_builtin_vs": (True, True),
        "/Common/fastl4_custom_vs": (True, True),
        "/Common/explicit_translate_vs": (False, False),
    }


SNATS = """ltm virtual /Common/no_snat_vs {
    destination /Common/203.0.113.10:443
    mask 255.255.255.255
}
ltm virtual /Common/snat_none_vs {
    destination /Common/203.0.113.11:443
    mask 255.255.255.255
    source-address-translation {
        type none
    }
}
ltm virtual /Common/automap_vs {
    destination /Common/203.0.113.12:443
    mask 255.255.255.255
    source-address-translation {
        type automap
    }
}
ltm virtual /Common/snatpool_vs {
    destination /Common/203.0.113.13:443
    mask 255.255.255.255
    source-address-translation {
        pool /Common/edge_snatpool
        type snat
    }
}
ltm virtual /Common/legacy_automap_vs {
    destination /Common/203.0.113.14:443
    mask 255.255.255.255
    snat automap
}
ltm virtual /Common/legacy_snatpool_vs {
    destination /Common/203.0.113.15:443
    mask 255.255.255.255
    snatpool /Common/edge_snatpool
}
ltm virtual /Common/legacy_snatpool_none_vs {
    destination /Common/203.0.113.16:443
    mask 255.255.255.255
    snatpool none
}
"""


def test_snat_none_automap_and_pool(build: BuildFn) -> None:
    device, _ = build(SNATS)
    snat = {name: (vs.snat_type, vs.snat_pool) for name, vs in device.virtual_servers.items()}
    assert snat == {
        "/Common/no_snat_vs": ("none", None),
        "/Common/snat_none_vs": ("none", None),
        "/Common/automap_vs": ("automap", None),
        "/Common/snatpool_vs": ("snat", "/Common/edge_snatpool"),
        "/Common/legacy_automap_vs": ("automap", None),
        "/Common/legacy_snatpool_vs": ("snat", "/Common/edge_snatpool"),
        "/Common/legacy_snatpool_none_vs": ("none", None),
    }
    vs = device.virtual_servers["/Common/snatpool_vs"]
    assert vs.line_of("source-address-translation") == vs.source.line + 3


VLANS = """ltm virtual /Common/enabled_vs {
    destination /Common/203.0.113.10:443
    mask 255.255.255.255
    vlans {
        /Common/edge_ext
    }
    vlans-enabled
}
ltm virtual /Common/disabled_vs {
    destination /Common/203.0.113.11:443
    mask 255.255.255.255
    vlans {
        /Common/edge_int
    }
}
ltm virtual /Common/explicit_disabled_vs {
    destination /Common/203.0.113.12:443
    mask 255.255.255.255
    vlans {
        /Common/edge_int
    }
    vlans-disabled
}
ltm virtual /Common/all_vs {
    destination /Common/203.0.113.13:443
    mask 255.255.255.255
}
ltm virtual /Common/all_explicit_vs {
    destination /Common/203.0.113.14:443
    mask 255.255.255.255
    vlans-disabled
}
ltm virtual /Common/enabled_nowhere_vs {
    destination /Common/203.0.113.15:443
    mask 255.255.255.255
    vlans-enabled
}
"""


def test_vlans_enabled_disabled_all(build: BuildFn) -> None:
    device, _ = build(VLANS)
    vs = device.virtual_servers

    def mode(name: str) -> tuple[str, tuple[str, ...]]:
        return vs[name].vlans_mode, vs[name].vlans

    assert mode("/Common/enabled_vs") == ("enabled", ("/Common/edge_ext",))
    assert mode("/Common/disabled_vs") == ("disabled", ("/Common/edge_int",))
    assert mode("/Common/explicit_disabled_vs") == ("disabled", ("/Common/edge_int",))
    assert mode("/Common/all_vs") == ("all", ())
    assert mode("/Common/all_explicit_vs") == ("all", ())
    assert mode("/Common/enabled_nowhere_vs") == ("enabled", ())


@pytest.mark.parametrize(
    ("name", "on_ext", "on_int"),
    [
        ("/Common/enabled_vs", True, False),
        ("/Common/disabled_vs", True, False),
        ("/Common/all_vs", True, True),
        ("/Common/enabled_nowhere_vs", False, False),
    ],
)
def test_virtual_enabled_on(build: BuildFn, name: str, on_ext: bool, on_int: bool) -> None:
    device, _ = build(VLANS)
    vs: VirtualServer = device.virtual_servers[name]
    assert vs.enabled_on("/Common/edge_ext") is on_ext
    assert vs.enabled_on("/Common/edge_int") is on_int


def test_relative_vlan_names_resolve_in_the_partition(build: BuildFn) -> None:
    device, _ = build(
        "ltm virtual relative_vs {\n"
        "    destination 203.0.113.10:443\n"
        "    mask 255.255.255.255\n"
        "    vlans {\n"
        "        edge_ext\n"
        "    }\n"
        "    vlans-enabled\n"
        "}\n"
    )
    vs = device.virtual_servers["/Common/relative_vs"]
    assert vs.vlans == ("/Common/edge_ext",)
    assert vs.enabled_on("/Common/edge_ext") is True


def test_profiles_contexts_and_persistence(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, ACC + "as3Converter/service_https/service_https12.conf")
    main = device.virtual_servers["/AS3_Tenant/AS3_Application/serviceMain"]
    assert main.profiles == (
        ProfileRef("/Common/clientssl", "clientside"),
        ProfileRef("/Common/f5-tcp-progressive", "all"),
        ProfileRef("/Common/http", "all"),
        ProfileRef("/Common/serverssl", "serverside"),
    )
    assert main.persist == (PersistRef("/Common/cookie", True),)
    assert (main.destination, main.port) == (v4("10.2.32.3", 10), 443)
    assert main.source_network == net("0.0.0.0/0", 10)
    assert main.snat_type == "automap"
    assert main.partition == "AS3_Tenant"
    redirect = device.virtual_servers["/AS3_Tenant/AS3_Application/serviceMain-Redirect-"]
    assert redirect.rules == ("/Common/_sys_https_redirect",)
    assert redirect.destination == v4("10.2.32.3")  # no %10: route domain 0
    assert redirect.persist == ()


def test_persist_default_flag_and_fallback(build: BuildFn) -> None:
    device, _ = build(
        "ltm virtual /Common/edge_webconf_443_vs {\n"
        "    destination /Common/203.0.113.20:443\n"
        "    fallback-persistence /Common/source_addr\n"
        "    mask 255.255.255.255\n"
        "    persist {\n"
        "        /Common/cookie {\n"
        "            default no\n"
        "        }\n"
        "        /Common/source_addr {\n"
        "            default yes\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    vs = device.virtual_servers["/Common/edge_webconf_443_vs"]
    assert vs.persist == (
        PersistRef("/Common/cookie", False),
        PersistRef("/Common/source_addr", True),
    )
    assert vs.fallback_persistence == "/Common/source_addr"
    assert device.persistence["/Common/source_addr"].builtin


def test_relative_profile_rule_and_pool_names(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, "jasonrahm__mcp_test_tools/bigip.conf")
    vs = device.virtual_servers["/Common/mcp_virtual"]
    assert [p.name for p in vs.profiles] == [
        "/Common/mcp_http",
        "/Common/mcp_oneconnect",
        "/Common/mcp_tcp",
        "/Common/mcp_websocket",
    ]
    assert vs.rules == ("/Common/mcp_proxy",)
    assert vs.pool == "/Common/mcp_server_pool"
    assert (vs.destination, vs.port) == (v4("10.0.2.50"), 80)  # `:http`
    assert vs.snat_type == "automap"
    assert device.profiles["/Common/mcp_tcp"].kind == "tcp"


# -- pools and nodes ------------------------------------------------------------------------


def test_pool_members_with_route_domains(build: BuildFn) -> None:
    device, diagnostics = build(
        "ltm pool /Common/edge_int_443_pool {\n"
        "    load-balancing-mode least-connections-member\n"
        "    members {\n"
        "        /Common/172.25.33.10%9:443 {\n"
        "            address 172.25.33.10%9\n"
        "        }\n"
        "        /Common/172.25.33.11%9:443 {\n"
        "            address 172.25.33.11%9\n"
        "            session user-disabled\n"
        "        }\n"
        "        /Common/2001:db8::10.443 {\n"
        "            address 2001:db8::10\n"
        "            state user-down\n"
        "        }\n"
        "    }\n"
        "    monitor /Common/lync_edge_tcp_443 and /Common/gateway_icmp\n"
        "}\n"
    )
    pool = device.pools["/Common/edge_int_443_pool"]
    assert [(m.name, m.address, m.port, m.enabled, m.line) for m in pool.members] == [
        ("/Common/172.25.33.10%9:443", v4("172.25.33.10", 9), 443, True, 4),
        ("/Common/172.25.33.11%9:443", v4("172.25.33.11", 9), 443, False, 7),
        ("/Common/2001:db8::10.443", v6("2001:db8::10"), 443, False, 11),
    ]
    assert pool.load_balancing_mode == "least-connections-member"
    assert pool.monitors == ("/Common/lync_edge_tcp_443", "/Common/gateway_icmp")
    assert diagnostics == []


def test_pool_members_named_after_nodes_resolve_through_ltm_node(build: BuildFn) -> None:
    # SCF style: the member names the node and carries no `address` of its own.
    device, _ = build(
        "ltm node /Common/edge01_int {\n"
        "    address 172.25.33.10\n"
        "}\n"
        "ltm pool /Common/edge_int_5061_pool {\n"
        "    members {\n"
        "        /Common/edge01_int:5061 { }\n"
        "    }\n"
        "    monitor min 1 of { /Common/tcp }\n"
        "}\n"
    )
    [member] = device.pools["/Common/edge_int_5061_pool"].members
    assert (member.address, member.port) == (v4("172.25.33.10"), 5061)
    assert device.pools["/Common/edge_int_5061_pool"].monitors == ("/Common/tcp",)
    assert device.nodes["/Common/edge01_int"].address == v4("172.25.33.10")


def test_pool_members_named_after_dotted_node_names(build: BuildFn) -> None:
    device, _ = build(
        "ltm node /Common/edge01.corp.example.com {\n"
        "    address 172.25.33.10\n"
        "}\n"
        "ltm pool /Common/edge_int_5061_pool {\n"
        "    members {\n"
        "        /Common/edge01.corp.example.com:5061 { }\n"
        "        /Common/edge01.corp.example.com:https {\n"
        "            address 172.25.33.10\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    members = device.pools["/Common/edge_int_5061_pool"].members
    assert [(m.address, m.port) for m in members] == [
        (v4("172.25.33.10"), 5061),
        (v4("172.25.33.10"), 443),
    ]


def test_pool_members_named_after_nodes_in_an_iapp_folder(build: BuildFn) -> None:
    device, _ = build(
        "ltm node /Common/lync_edge.app/edge01_int {\n"
        "    address 172.25.33.10\n"
        "}\n"
        "ltm pool /Common/lync_edge.app/edge_int_443_pool {\n"
        "    members {\n"
        "        /Common/lync_edge.app/edge01_int:443 { }\n"
        "    }\n"
        "}\n"
    )
    [member] = device.pools["/Common/lync_edge.app/edge_int_443_pool"].members
    assert (member.address, member.port) == (v4("172.25.33.10"), 443)


def test_fqdn_pool_members_keep_their_port(parse_corpus: ParseCorpus) -> None:
    # corkscrew archive1 bigip.conf: `/Common/api.chucknorris.io:443 { fqdn { ... } }`.
    device, diagnostics = corpus_device(parse_corpus, CORK + "bigip.conf")
    [member] = device.pools["/Common/app4_pool"].members
    assert member.address is None  # resolved at run time on the device
    assert member.port == 443
    notes = [d for d in diagnostics if d.code == "MODEL-MEMBER-ADDRESS"]
    assert sorted((d.level, d.line) for d in notes) == [("note", 858), ("note", 864), ("note", 884)]
    many = device.pools["/Common/manyOptions_pool"]
    assert [m.port for m in many.members] == [80, 443, 8443, 8443, 443]


def test_monitor_down_member_is_still_administratively_enabled(
    parse_corpus: ParseCorpus,
) -> None:
    # `session monitor-enabled` + `state down`: a health monitor marked it down; nobody
    # disabled it. Forced offline would be `session user-disabled` / `state user-down`.
    device, _ = corpus_device(parse_corpus, "jasonrahm__mcp_test_tools/bigip.conf")
    members = device.pools["/Common/mcp_server_pool"].members
    assert [(m.name, m.address, m.port) for m in members] == [
        ("/Common/10.0.3.201:webcache", v4("10.0.3.201"), 8080),
        ("/Common/10.0.3.202:webcache", v4("10.0.3.202"), 8080),
    ]
    assert [m.enabled for m in members] == [True, True]


def test_bad_node_address_is_a_located_diagnostic(build: BuildFn) -> None:
    device, diagnostics = build(
        "ltm node /Common/ok {\n"
        "    address 172.25.33.10\n"
        "}\n"
        "ltm node /Common/typo {\n"
        "    address 172.25.33.300\n"
        "}\n",
    )
    assert device.nodes["/Common/typo"].address is None
    assert device.nodes["/Common/ok"].address == v4("172.25.33.10")
    [diagnostic] = bad_values(diagnostics)
    assert (diagnostic.path, diagnostic.line, diagnostic.level) == ("bigip.conf", 4, "warning")
    assert "172.25.33.300" in diagnostic.message


# -- network objects ------------------------------------------------------------------------


def test_self_ips_floating_from_traffic_group(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, ACC + "doConverter/selfip/selfip2.conf")
    selfs = device.self_ips
    assert {name: s.floating for name, s in selfs.items()} == {
        "/Common/10.30.0.51": True,
        "/Common/10.30.0.48": False,
        "/Common/2001:db8::7": False,
        "/Common/10.20.0.51": True,
        "/Common/10.20.0.48": False,
        "/Common/10.20.0.50/16": False,
    }
    floating = selfs["/Common/10.30.0.51"]
    assert (floating.address, floating.network) == (v4("10.30.0.51"), net("10.30.0.0/16"))
    assert floating.traffic_group == "/Common/traffic-group-1"
    assert floating.vlan == "/Common/external"
    assert floating.allow_service == ("tcp:443",)
    assert selfs["/Common/2001:db8::7"].network == net("2001:db8::/64")
    assert selfs["/Common/2001:db8::7"].allow_service == ("tcp:80", "tcp:8080", "udp:8088")
    assert selfs["/Common/10.20.0.50/16"].allow_service == ("all",)
    assert device.vlans["/Common/external"].tag == 4093
    assert device.vlans["/Common/internal"].interfaces == ("1.1",)
    # Floating self IPs alone make it an HA pair.
    assert device.ha is True


def test_self_ip_without_traffic_group_is_local(build: BuildFn) -> None:
    device, _ = build(
        "net self /Common/edge_ext_self {\n"
        "    address 203.0.113.2/24\n"
        "    allow-service none\n"
        "    vlan /Common/edge_ext\n"
        "}\n"
    )
    self_ip = device.self_ips["/Common/edge_ext_self"]
    assert self_ip.traffic_group == "/Common/traffic-group-local-only"
    assert self_ip.floating is False
    assert device.ha is False


def test_route_domain_objects_from_real_file(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, ACC + "doConverter/routedomain/routedomain.conf")
    rd = device.route_domains["/Common/route_domain_47"]
    assert (rd.id, rd.parent, rd.vlans) == (47, "/Common/0", ("/Common/domain_vlan",))
    self_ip = device.self_ips["/Common/10.30.0.11%47/16"]
    assert (self_ip.address, self_ip.network) == (v4("10.30.0.11", 47), net("10.30.0.0/16", 47))
    assert self_ip.floating is False


def test_routes(build: BuildFn, parse_corpus: ParseCorpus) -> None:
    device, diagnostics = build(
        "net route /Common/rd9_default {\n"
        "    gw 203.0.113.254%9\n"
        "    network default%9\n"
        "}\n"
        "net route /Common/default_v6 {\n"
        "    gw 2001:db8::1\n"
        "    network default-inet6\n"
        "}\n"
        "net route /Common/to_internal {\n"
        "    gw 172.25.33.1\n"
        "    network 10.0.0.0/8\n"
        "}\n"
    )
    assert bad_values(diagnostics) == []
    routes = device.routes
    assert routes["/Common/rd9_default"].network == net("0.0.0.0/0", 9)
    assert routes["/Common/rd9_default"].network is not None
    assert routes["/Common/rd9_default"].network.is_default
    assert routes["/Common/rd9_default"].gateway == v4("203.0.113.254", 9)
    assert routes["/Common/default_v6"].network == net("::/0")
    assert routes["/Common/to_internal"].network == net("10.0.0.0/8")
    batfish, _ = corpus_device(parse_corpus, BATFISH + "f5_bigip_structured_net_route")
    route = batfish.routes["/Common/route1"]
    assert (route.network, route.gateway) == (net("10.0.0.0/8"), v4("192.0.2.1"))


def test_ltm_nat(build: BuildFn) -> None:
    device, _ = build(
        "ltm nat /Common/edge_outbound_nat {\n"
        "    originating-address 172.25.33.10\n"
        "    traffic-group /Common/traffic-group-1\n"
        "    translation-address 203.0.113.50\n"
        "    vlans {\n"
        "        /Common/edge_int\n"
        "    }\n"
        "    vlans-enabled\n"
        "}\n"
        "ltm nat /Common/disabled_nat {\n"
        "    arp disabled\n"
        "    disabled\n"
        "    originating-address 172.25.33.11%9\n"
        "    translation-address 203.0.113.51%9\n"
        "}\n"
    )
    nat = device.nats["/Common/edge_outbound_nat"]
    assert (nat.originating_address, nat.translation_address) == (
        v4("172.25.33.10"),
        v4("203.0.113.50"),
    )
    assert (nat.vlans, nat.vlans_mode) == (("/Common/edge_int",), "enabled")
    assert (nat.arp, nat.enabled, nat.traffic_group) == (True, True, "/Common/traffic-group-1")
    off = device.nats["/Common/disabled_nat"]
    assert (off.originating_address, off.translation_address) == (
        v4("172.25.33.11", 9),
        v4("203.0.113.51", 9),
    )
    assert (off.arp, off.enabled, off.vlans_mode) == (False, False, "all")


def test_ltm_snat_origins_and_vlans(build: BuildFn, parse_corpus: ParseCorpus) -> None:
    device, _ = build(
        "ltm snat /Common/edge_outbound {\n"
        "    origins {\n"
        "        172.25.33.0/24 { }\n"
        "        10.1.1.0%9/24 { }\n"
        "    }\n"
        "    translation /Common/203.0.113.60\n"
        "    vlans {\n"
        "        /Common/edge_int\n"
        "    }\n"
        "    vlans-enabled\n"
        "}\n"
        "ltm snat /Common/automap_snat {\n"
        "    automap\n"
        "    origins {\n"
        "        0.0.0.0/0 { }\n"
        "    }\n"
        "}\n"
    )
    snat = device.snats["/Common/edge_outbound"]
    assert snat.origins == (net("172.25.33.0/24"), net("10.1.1.0/24", 9))
    assert (snat.translation, snat.snatpool, snat.automap) == ("/Common/203.0.113.60", None, False)
    assert (snat.vlans, snat.vlans_mode, snat.enabled) == (("/Common/edge_int",), "enabled", True)
    automap = device.snats["/Common/automap_snat"]
    assert (automap.automap, automap.origins, automap.vlans_mode) == (
        True,
        (net("0.0.0.0/0"),),
        "all",
    )
    cases, _ = corpus_device(parse_corpus, BATFISH + "f5_bigip_structured_ltm_snat_cases")
    modes = {name: (s.snatpool, s.vlans, s.vlans_mode) for name, s in cases.snats.items()}
    assert modes == {
        "/Common/empty": (None, (), "all"),
        "/Common/no_vlans": ("/Common/snatpool1", (), "all"),
        "/Common/vlans_missing_names": ("/Common/snatpool2", (), "enabled"),
        "/Common/vlans": ("/Common/snatpool3", ("/Common/vlan1",), "enabled"),
    }
    assert cases.snat_pools["/Common/snatpool1"].members == ("/Common/192.0.2.1",)
    assert cases.snat_translations["/Common/192.0.2.2"].address == v4("192.0.2.2")


# -- partitions and route domains -----------------------------------------------------------

PARTITION_BASE = """#TMSH-VERSION: 15.1.8.2
auth partition Common {
    description "Repository for system objects and shared objects."
}
auth partition Edge {
    default-route-domain 9
    description "Lync edge tenant"
}
net route-domain /Common/edge_rd {
    id 9
    vlans {
        /Common/edge_ext
    }
}
net self /Edge/edge_ext_self {
    address 203.0.113.2/24
    traffic-group /Common/traffic-group-local-only
    vlan /Common/edge_ext
}
net route /Edge/edge_default {
    gw 203.0.113.254
    network default
}
net self /Common/mgmt_side_self {
    address 192.168.10.2/24
    vlan /Common/internal
}
"""
PARTITION_CONF = """#TMSH-VERSION: 15.1.8.2
ltm node /Edge/203.0.113.10 {
    address 203.0.113.10
}
ltm pool /Edge/edge_access_443_pool {
    members {
        /Edge/203.0.113.10:443 {
            address 203.0.113.10
        }
    }
}
ltm virtual /Edge/edge_access_443_vs {
    destination /Edge/203.0.113.100:443
    ip-protocol tcp
    mask 255.255.255.255
    pool /Edge/edge_access_443_pool
    source 0.0.0.0/0
}
ltm virtual /Edge/edge_rd0_vs {
    destination /Edge/198.51.100.100%0:443
    ip-protocol tcp
    mask 255.255.255.255
}
ltm virtual /Common/common_vs {
    destination /Common/203.0.113.100:443
    mask 255.255.255.255
}
"""


@pytest.mark.parametrize("order", ["base_first", "base_last"])
def test_partition_default_route_domain(build: BuildFn, order: str) -> None:
    files = [("bigip_base.conf", PARTITION_BASE), ("bigip.conf", PARTITION_CONF)]
    if order == "base_last":
        files.reverse()
    device, diagnostics = build(*files)
    assert bad_values(diagnostics) == []
    assert device.partitions["/Edge"].default_route_domain == 9
    assert device.partitions["/Common"].default_route_domain == 0
    assert device.route_domains["/Common/edge_rd"].id == 9
    vs = device.virtual_servers["/Edge/edge_access_443_vs"]
    assert vs.destination == v4("203.0.113.100", 9)
    assert vs.source_network == net("0.0.0.0/0", 9)
    assert vs.destination_network == net("203.0.113.100/32", 9)
    assert device.virtual_servers["/Edge/edge_rd0_vs"].destination == v4("198.51.100.100", 0)
    assert device.virtual_servers["/Common/common_vs"].destination == v4("203.0.113.100", 0)
    assert device.nodes["/Edge/203.0.113.10"].address == v4("203.0.113.10", 9)
    [member] = device.pools["/Edge/edge_access_443_pool"].members
    assert member.address == v4("203.0.113.10", 9)
    self_ip = device.self_ips["/Edge/edge_ext_self"]
    assert (self_ip.address, self_ip.network) == (v4("203.0.113.2", 9), net("203.0.113.0/24", 9))
    assert device.self_ips["/Common/mgmt_side_self"].address == v4("192.168.10.2")
    route = device.routes["/Edge/edge_default"]
    assert (route.network, route.gateway) == (net("0.0.0.0/0", 9), v4("203.0.113.254", 9))
    assert device.partitions["/Edge"].description == "Lync edge tenant"


# -- profiles -------------------------------------------------------------------------------

FASTL4_CHAIN = """ltm profile fastl4 /Common/edge_fastl4 {
    defaults-from /Common/fastL4
    idle-timeout 1800
}
ltm profile fastl4 /Common/edge_fastl4_av {
    defaults-from /Common/edge_fastl4
    loose-close enabled
}
ltm virtual /Common/edge_av_3478_vs {
    destination /Common/203.0.113.30:3478
    ip-protocol udp
    mask 255.255.255.255
    profiles {
        /Common/edge_fastl4_av { }
    }
}
"""


def test_defaults_from_chain_resolves_effective_values(build: BuildFn) -> None:
    device, _ = build(FASTL4_CHAIN)
    custom = device.profiles["/Common/edge_fastl4"]
    assert (custom.kind, custom.defaults_from, custom.builtin) == (
        "fastl4",
        "/Common/fastL4",
        False,
    )
    assert dict(custom.settings) == {"idle-timeout": "1800"}
    assert custom.effective["idle-timeout"] == "1800"
    assert custom.effective["reset-on-timeout"] == "enabled"
    assert custom.effective["loose-initialization"] == "disabled"
    grandchild = device.profiles["/Common/edge_fastl4_av"]
    assert grandchild.defaults_from == "/Common/edge_fastl4"
    assert grandchild.effective["idle-timeout"] == "1800"
    assert grandchild.effective["loose-close"] == "enabled"
    assert grandchild.effective["reset-on-timeout"] == "enabled"
    assert device.virtual_servers["/Common/edge_av_3478_vs"].type == "performance-l4"


def test_defaults_from_cycle_terminates(build: BuildFn) -> None:
    device, _ = build(
        "ltm profile tcp /Common/a {\n"
        "    defaults-from /Common/b\n"
        "    idle-timeout 100\n"
        "}\n"
        "ltm profile tcp /Common/b {\n"
        "    defaults-from /Common/a\n"
        "    nagle disabled\n"
        "}\n"
    )
    effective = device.profiles["/Common/a"].effective
    assert (effective["idle-timeout"], effective["nagle"]) == ("100", "disabled")


def test_referenced_builtin_profile_is_added(build: BuildFn) -> None:
    device, _ = build(TYPES)
    fastl4 = device.profiles["/Common/fastL4"]
    assert (fastl4.builtin, fastl4.kind, fastl4.name) == (True, "fastl4", "/Common/fastL4")
    assert fastl4.effective["idle-timeout"] == "300"
    assert fastl4.effective["reset-on-timeout"] == "enabled"
    assert device.profiles["/Common/tcp"].builtin
    assert device.profiles["/Common/edge_fastl4"].builtin is False
    # Built-ins nobody references are not listed.
    assert "/Common/udp" not in device.profiles
    assert "/Common/clientssl" not in device.profiles


def test_builtin_persistence_and_ssl_profiles_are_added(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, ACC + "as3Converter/service_https/service_https12.conf")
    cookie = device.persistence["/Common/cookie"]
    assert (cookie.builtin, cookie.kind, cookie.effective["method"]) == (True, "cookie", "insert")
    assert set(device.profiles) == {
        "/Common/clientssl",
        "/Common/f5-tcp-progressive",
        "/Common/http",
        "/Common/serverssl",
    }
    progressive = device.profiles["/Common/f5-tcp-progressive"]
    assert progressive.defaults_from == "/Common/tcp"
    assert progressive.effective["congestion-control"] == "woodside"  # own
    assert progressive.effective["reset-on-timeout"] == "enabled"  # from /Common/tcp


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("/Common/serverssl-secure", "server-ssl"),
        ("/Common/access-logonpage-protection-connector", "connector"),
        ("/Common/access-logonpage-protection-service", "service"),
        ("/Common/clientssl-secure", "client-ssl"),
        ("/Common/serverssl", "server-ssl"),
    ],
)
def test_every_builtin_profile_of_tmos_15_1_is_known(build: BuildFn, name: str, kind: str) -> None:
    device, _ = build(
        "ltm virtual /Common/edge_webconf_443_vs {\n"
        "    destination /Common/203.0.113.20:443\n"
        "    mask 255.255.255.255\n"
        "    profiles {\n"
        f"        {name} {{\n"
        "            context serverside\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    assert name in device.profiles
    assert (device.profiles[name].builtin, device.profiles[name].kind) == (True, kind)


def test_profile_base_conf_values_are_preferred(build: BuildFn) -> None:
    # A device whose own profile_base.conf differs from the shipped table.
    profile_base = (
        "ltm profile fastl4 fastL4 {\n    idle-timeout 600\n    reset-on-timeout disabled\n}\n"
    )
    device, _ = build(("config/profile_base.conf", profile_base), ("bigip.conf", FASTL4_CHAIN))
    builtin = device.profiles["/Common/fastL4"]
    assert builtin.builtin is True
    assert builtin.source.file == "config/profile_base.conf"
    assert builtin.effective["idle-timeout"] == "600"
    custom = device.profiles["/Common/edge_fastl4"]
    assert custom.effective["idle-timeout"] == "1800"  # the child's own value still wins
    assert custom.effective["reset-on-timeout"] == "disabled"  # from profile_base.conf
    assert device.profiles["/Common/edge_fastl4_av"].effective["reset-on-timeout"] == "disabled"


def test_real_profile_base_conf(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, CORK + "profile_base.conf", CORK + "bigip.conf")
    fastl4 = device.profiles["/Common/fastL4"]
    assert fastl4.builtin and fastl4.source.file.endswith("config/profile_base.conf")
    assert fastl4.source.line == 312
    apm = device.profiles["/Common/apm-forwarding-fastL4"]
    assert (apm.builtin, apm.defaults_from, apm.effective["idle-timeout"]) == (
        True,
        "/Common/fastL4",
        "7200",
    )
    assert apm.effective["pva-acceleration"] == "full"  # inherited from fastL4
    assert device.profiles["/Common/serverssl-secure"].builtin
    # Custom profiles of bigip.conf are not built-ins.
    loose = device.profiles["/Common/fastl4_loose"]
    assert (loose.builtin, loose.effective["loose-initialization"]) == (False, "enabled")
    cookie = device.persistence["/Common/app3_cookie"]
    assert (cookie.builtin, cookie.defaults_from) == (False, "/Common/cookie")
    assert cookie.effective["cookie-name"] == "app3CustomeCookie"


# -- iApps, hostname, HA --------------------------------------------------------------------


def test_iapp_service_variables(parse_corpus: ParseCorpus) -> None:
    device, _ = corpus_device(parse_corpus, ACC + "as3Converter/iapp/iapp.conf")
    services = device.application_services
    assert set(services) == {
        "/AS3_Tenant/AS3_Application.app/wrong_example",
        "/AS3_Tenant/AS3_Application.app/test_gce_iapp_73",
        "/AS3_Tenant/AS3_Application.app/test_aws_iapp_25",
        "/AS3_Tenant/AS3_Application.app/test_azure_iapp_7447",
    }
    wrong = services["/AS3_Tenant/AS3_Application.app/wrong_example"]
    assert (wrong.template, dict(wrong.variables)) == (
        "/Common/unknown_service",
        {"unknown__field": "no"},
    )
    assert wrong.partition == "AS3_Tenant"
    gce = services["/AS3_Tenant/AS3_Application.app/test_gce_iapp_73"]
    assert gce.template == "/Common/f5.service_discovery"
    assert len(gce.variables) == 13
    assert gce.variables["pool__member_port"] == "73"
    assert gce.variables["cloud__cloud_provider"] == "gce"
    azure = services["/AS3_Tenant/AS3_Application.app/test_azure_iapp_7447"]
    assert azure.variables["pool__pool_to_use"] == "/#create_new#"
    assert azure.variables["cloud__azure_sp_secret"].startswith("$M$")  # `encrypted yes` too
    assert azure.description == "test"
    assert dict(azure.tables) == {}


def test_iapp_service_tables(build: BuildFn) -> None:
    device, _ = build(
        "sys application service /Common/lync_edge.app/lync_edge {\n"
        "    device-group none\n"
        "    inherited-devicegroup true\n"
        "    inherited-traffic-group true\n"
        "    strict-updates enabled\n"
        "    tables {\n"
        "        basic__snatpool_members { }\n"
        "        edge_external__access_servers {\n"
        "            column-names { addr port connection_limit }\n"
        "            rows {\n"
        "                {\n"
        "                    row { 203.0.113.10 443 0 }\n"
        "                }\n"
        "                {\n"
        "                    row { 203.0.113.11 443 0 }\n"
        "                }\n"
        "            }\n"
        "        }\n"
        "    }\n"
        "    template /Common/f5.microsoft_lync_server_2010_2013.v1.3.0\n"
        "    traffic-group /Common/traffic-group-1\n"
        "    variables {\n"
        "        edge_external__deploy {\n"
        "            value Yes\n"
        "        }\n"
        "        edge_external__vip {\n"
        "            value 203.0.113.10\n"
        "        }\n"
        "    }\n"
        "}\n"
        "ltm virtual /Common/lync_edge.app/edge_access_443_vs {\n"
        "    app-service /Common/lync_edge.app/lync_edge\n"
        "    destination /Common/203.0.113.10:443\n"
        "    mask 255.255.255.255\n"
        "}\n"
    )
    service = device.application_services["/Common/lync_edge.app/lync_edge"]
    assert service.template == "/Common/f5.microsoft_lync_server_2010_2013.v1.3.0"
    assert dict(service.variables) == {
        "edge_external__deploy": "Yes",
        "edge_external__vip": "203.0.113.10",
    }
    assert {k: [dict(r) for r in v] for k, v in service.tables.items()} == {
        "basic__snatpool_members": [],
        "edge_external__access_servers": [
            {"addr": "203.0.113.10", "port": "443", "connection_limit": "0"},
            {"addr": "203.0.113.11", "port": "443", "connection_limit": "0"},
        ],
    }
    vs = device.virtual_servers["/Common/lync_edge.app/edge_access_443_vs"]
    assert (vs.app_service, vs.partition) == ("/Common/lync_edge.app/lync_edge", "Common")


def test_hostname_from_global_settings(parse_corpus: ParseCorpus, build: BuildFn) -> None:
    device, _ = corpus_device(parse_corpus, BATFISH + "f5_bigip_structured_cm")
    # `cm device` objects carry hostnames too; only sys global-settings names the device.
    assert (device.hostname, device.name) == ("f5_bigip_structured_cm", "f5_bigip_structured_cm")
    unnamed, _ = build("ltm pool /Common/p { }\n", name="lab-edge-01")
    assert (unnamed.hostname, unnamed.name) == (None, "lab-edge-01")
    assert unnamed.version is None


def test_ha_from_sync_failover_device_group(parse_corpus: ParseCorpus, build: BuildFn) -> None:
    device, _ = corpus_device(parse_corpus, ACC + "doConverter/devicegroup/devicegroup.conf")
    group = device.device_groups["/Common/ha_group"]
    assert group.type == "sync-failover"
    assert group.devices == ("/Common/ltm-48.test.test", "/Common/ltm-49.test.test")
    assert device.ha is True
    cm, _ = corpus_device(parse_corpus, BATFISH + "f5_bigip_structured_cm")
    assert cm.device_groups["/Common/device_group_snc"].type == "sync-failover"
    assert cm.device_groups["/Common/device_trust_group"].type == "sync-only"
    assert cm.ha is True
    standalone, _ = build(
        "cm device-group /Common/device_trust_group {\n"
        "    auto-sync enabled\n"
        "    devices {\n"
        "        /Common/bigip1.example.com { }\n"
        "    }\n"
        "    hidden true\n"
        "    network-failover disabled\n"
        "}\n"
    )
    assert standalone.device_groups["/Common/device_trust_group"].type == "sync-only"
    assert standalone.ha is False


# -- a whole device -------------------------------------------------------------------------


def test_corkscrew_archive1_as_one_device(corpus: Path) -> None:
    folder = corpus / CORK
    files = sorted(str(p) for p in folder.rglob("*.conf"))
    assert len(files) == 14
    device, diagnostics = build_device([TmshInput(parse_file(f)) for f in files], "archive1")
    assert device.hostname == "devCloud01.benlab.io"
    assert device.name == "devCloud01.benlab.io"
    assert device.version == "15.1.8.2"
    assert device.inputs == tuple(files)
    # Counted by hand: `grep -rh '^ltm virtual ' --include=*.conf | sort -u` -> 17, etc.
    assert len(device.virtual_servers) == 17
    assert len(device.pools) == 13
    assert len(device.nodes) == 13
    assert set(device.partitions) == {"/Common", "/foo", "/foo.a_1-c", "/test"}
    assert {vs.partition for vs in device.virtual_servers.values()} == {
        "Common",
        "foo",
        "foo.a_1-c",
        "hue-infra",
    }
    forwarder = device.virtual_servers["/Common/forwarder_net_0.0.0.0"]
    assert (forwarder.type, forwarder.destination_network, forwarder.translate_address) == (
        "ip-forward",
        net("0.0.0.0/0"),
        False,
    )
    udp = device.virtual_servers["/foo/defaultsUDP_5555/serviceMain"]
    assert (udp.destination, udp.port, udp.ip_protocol) == (v4("192.50.2.1"), 5555, "udp")
    assert udp.persist == (PersistRef("/Common/source_addr", True),)
    assert device.persistence["/Common/source_addr"].builtin
    rule = device.irules["/Common/app3_rule"]
    assert rule.text.startswith("\n#comment\n") and "\nwhen HTTP_REQUEST {" in rule.text
    assert (rule.source.line, rule.source.end_line) == (895, 901)
    assert device.ha is False
    assert all(d.level != "error" for d in diagnostics)
    assert bad_values(diagnostics) == []
