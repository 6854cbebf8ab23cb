"""Role inference (catalog 7.3): intent, iApp tables, port signatures, cross-checks, names."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner
from lync_support import EXAMPLES, SCENARIOS, scenario_topologies
from lyncpolicy.adapters.tmsh import parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.addresses import parse_address
from lyncpolicy.cli import cli
from lyncpolicy.config import load_config
from lyncpolicy.topology import CONFIDENT, Topology, build_topology


def _only(folder: Path) -> Topology:
    _, topologies = scenario_topologies(folder)
    (topology,) = topologies.values()
    return topology


def _vips(topology: Topology) -> dict[str, tuple[str, float, str]]:
    return {
        str(vip.address): (vip.role, vip.confidence, vip.evidence[0])
        for pool in topology.pools
        for vip in pool.vips
    }


def _addresses(*texts: str) -> tuple[object, ...]:
    return tuple(parse_address(t) for t in texts)


def test_port_signatures_alone_resolve_the_supported_design() -> None:
    topology = _only(SCENARIOS / "a_supported")
    assert topology.found and topology.ha and not topology.intent
    vips = _vips(topology)
    assert {a: role for a, (role, _, _) in vips.items()} == {
        "203.0.113.5": "edge_access",
        "203.0.113.6": "edge_webconf",
        "203.0.113.7": "edge_av",
        "172.25.33.5": "edge_internal",
    }
    assert all(conf >= CONFIDENT for _, conf, _ in vips.values())
    assert vips["203.0.113.7"][2] == "port signature tcp/443+udp/3478 on a public VIP"
    # WebConf (tcp/443 only) is an Edge role only because its members sit with the others.
    assert "members share the Edge external subnet" in " ".join(
        topology.evidence["/Common/edge_webconf_443"]
    )
    assert topology.av_addresses == _addresses("203.0.113.30", "203.0.113.31")
    assert topology.edge_external_addresses == _addresses(
        "203.0.113.10", "203.0.113.11", "203.0.113.20", "203.0.113.21",
        "203.0.113.30", "203.0.113.31",
    )
    assert topology.upstream_vlans == ("/Common/external",)
    assert topology.edge_external_vlans == ("/Common/edge_dmz",)
    assert topology.edge_internal_vlans == ("/Common/edge_int",)
    assert topology.gateway_self_ips == ("/Common/edge_dmz_float",)
    assert not topology.gateway_declared
    assert topology.forwarding_outbound == ("/Common/edge_outbound_fwd",)
    assert topology.forwarding_inbound == ("/Common/edge_inbound_fwd",)
    assert topology.default_routes == ("/Common/default_gw",)
    servers = topology.pools[0].servers
    assert [(s.name, str(s.access), str(s.av), str(s.internal)) for s in servers] == [
        ("edge01", "203.0.113.10", "203.0.113.30", "172.25.33.10"),
        ("edge02", "203.0.113.11", "203.0.113.31", "172.25.33.11"),
    ]
    assert topology.unresolved == ()


def test_route_domains_are_part_of_every_address() -> None:
    topology = _only(SCENARIOS / "c_fwd_primary_only")
    assert str(topology.av_vips[0]) == "203.0.113.7%9"
    assert [str(a) for a in topology.av_addresses] == ["203.0.113.30%9", "203.0.113.31%9"]
    # The internal side lives in route domain 0: a valid design.
    assert [str(a) for a in topology.internal_vips] == ["172.25.33.5"]


def test_iapp_tables_and_answers_give_roles_and_flags() -> None:
    topology = _only(SCENARIOS / "d_iapp_internal_route")
    vips = _vips(topology)
    assert vips["203.0.113.7"][0] == "edge_av"
    assert all(conf == 1.0 for _, conf, _ in vips.values())
    evidence = topology.evidence["/Common/lync_edge.app/lync_edge_edge_external_ip_av_3478"]
    assert any("table edge_external_ip_server_pools__av_servers" in e for e in evidence)
    assert topology.product == "lync2013"
    assert topology.federation is True  # edge_external_ip__federation Yes
    assert topology.pools[0].xmpp is False
    assert [str(a) for a in topology.internal_routes_via] == ["172.25.33.254"]


def test_declared_nat_design() -> None:
    topology = _only(SCENARIOS / "e_nat_design")
    assert topology.nat_design and topology.external_addressing == "nat"
    servers = {s.name: s for s in topology.pools[0].servers}
    assert str(servers["edge01"].nat) == "203.0.113.30"
    assert str(servers["edge02"].av_public_ip) == "203.0.113.31"
    assert len(topology.edge_nats) == 6


def test_internal_vip_without_5062_is_still_recognized() -> None:
    topology = _only(EXAMPLES / "broken")
    role, confidence, evidence = _vips(topology)["172.25.33.5"]
    assert role == "edge_internal"
    assert confidence >= CONFIDENT
    assert evidence == "port signature tcp/443+tcp/5061+udp/3478 on a private VIP"


def _device(text: str):  # type: ignore[no-untyped-def]
    device, _ = build_device([TmshInput(parse_text(text, "bigip.conf"))], "dev")
    return device


WEB_ONLY = """\
ltm pool /Common/web_pool {
    members {
        /Common/10.1.1.1:443 {
            address 10.1.1.1
        }
    }
}
ltm virtual /Common/web {
    destination /Common/198.51.100.9:443
    ip-protocol tcp
    pool /Common/web_pool
}
"""


def test_an_https_site_alone_is_not_an_edge() -> None:
    topology = build_topology(_device(WEB_ONLY))
    assert not topology.found
    assert topology.pools == () and topology.roles == {}


def test_intent_vips_win_over_inference_and_pools_keep_their_own_roles() -> None:
    device = _device(WEB_ONLY.replace("web_pool", "web").replace("/Common/web {", "/Common/web {"))
    topology = build_topology(
        device, {"edge_pools": [{"name": "p", "vips": {"webconf": "198.51.100.9"}}]}
    )
    (vip,) = topology.pools[0].vips
    assert (vip.role, vip.confidence) == ("edge_webconf", 1.0)
    assert vip.evidence[0] == "intent: deployment.edge_pools[0].vips.webconf"
    # A virtual and a pool with the same name: each kind keeps its roles.
    assert topology.roles_by_kind["virtual_servers"]["/Common/web"] == {
        "edge_webconf", "edge_external"
    }
    assert topology.roles_by_kind["pools"]["/Common/web"] == {"edge_webconf", "edge_external"}
    assert "/Common/web" not in topology.roles_by_kind.get("nats", {})


def test_name_only_hint_is_unresolved() -> None:
    text = WEB_ONLY.replace("/Common/web {", "/Common/lync_edge_av {").replace(
        ":443", ":3478"
    ).replace("ip-protocol tcp", "ip-protocol udp").replace("198.51.100.9", "10.9.9.9")
    topology = build_topology(_device(text))
    assert topology.hints
    assert topology.unresolved == ("/Common/lync_edge_av",)
    assert topology.confidence["/Common/lync_edge_av"] < CONFIDENT


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_topology_command_text_and_json() -> None:
    code, out, _ = _invoke("topology", str(EXAMPLES / "clean"))
    assert code == 0
    assert "A/V Edge" in out and "203.0.113.7" in out and "tcp/443 udp/3478" in out
    assert "Edge gateway (inferred)  /Common/edge_dmz_float 203.0.113.1 floating" in out
    code, out, _ = _invoke("topology", str(EXAMPLES / "clean"), "--format", "json")
    assert code == 0
    (device,) = json.loads(out)["devices"]
    roles = {vip["role"]: vip["address"] for vip in device["edge_pools"][0]["vips"]}
    assert roles == {
        "access": "203.0.113.5", "webconf": "203.0.113.6", "av": "203.0.113.7",
        "internal": "172.25.33.5",
    }
    forwarding = {f["name"]: f for f in device["forwarding_virtuals"]}
    assert forwarding["/Common/edge_outbound_fwd"]["source"] == "203.0.113.0/26"
    assert forwarding["/Common/edge_outbound_fwd"]["direction"] == "outbound"
    assert forwarding["/Common/edge_inbound_fwd"]["destination"] == "203.0.113.0/26"


def test_init_writes_a_valid_config_that_pins_the_roles(tmp_path: Path) -> None:
    target = tmp_path / "lyncpolicy.yaml"
    code, _, err = _invoke("init", str(EXAMPLES / "clean"), "-o", str(target))
    assert code == 0, err
    text = target.read_text()
    assert "# confidence 0.85: port signature tcp/443+udp/3478 on a public VIP" in text
    config = load_config(str(target))  # validates against schemas/config.schema.json
    topology = build_topology(
        scenario_topologies(EXAMPLES / "clean")[0].devices[0],  # type: ignore[attr-defined]
        config.deployment,
    )
    assert all(vip.confidence == 1.0 for vip in topology.pools[0].vips)
    assert {str(v.address): v.role for v in topology.pools[0].vips} == {
        "203.0.113.5": "edge_access", "203.0.113.6": "edge_webconf",
        "203.0.113.7": "edge_av", "172.25.33.5": "edge_internal",
    }
    # It never overwrites without --force.
    code, _, err = _invoke("init", str(EXAMPLES / "clean"), "-o", str(target))
    assert code == 2 and "exists: use --force" in err
    assert yaml.safe_load(target.read_text())["version"] == 1
