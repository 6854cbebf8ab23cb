"""Each bigip_* resource mapped to the model, each provider trap, unknowns and secrets.

The plans here are small hand-made ``terraform show -json`` documents with the shapes the real
provider produces (see tests/data/terraform/bigip-plan.json): ``after`` holds the known
values, ``after_unknown`` marks what is known only after apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from lyncpolicy.adapters.declarative import AS3_COLLECTIONS, FORWARDING_VIRTUALS, assemble
from lyncpolicy.adapters.terraform import read_terraform

from lyncpolicy.addresses import parse_address, parse_network
from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.model import Device, PersistRef, ProfileRef, to_jsonable

Resource = dict[str, Any]


def change(
    kind: str,
    name: str,
    after: Mapping[str, Any] | None,
    *,
    unknown: Mapping[str, Any] | None = None,
    sensitive: Mapping[str, Any] | None = None,
    actions: tuple[str, ...] = ("create",),
    before: Mapping[str, Any] | None = None,
    module: str | None = None,
    mode: str = "managed",
) -> Resource:
    address = f"{module + '.' if module else ''}{kind}.{name}"
    item: Resource = {
        "address": address,
        "mode": mode,
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/f5networks/bigip",
        "change": {
            "actions": list(actions),
            "before": before,
            "after": after,
            "after_unknown": dict(unknown or {}),
            "before_sensitive": False,
            "after_sensitive": dict(sensitive or {}),
        },
    }
    if module:
        item["module_address"] = module
    return item


def write_plan(
    path: Path, *changes: Resource, configuration: Mapping[str, Any] | None = None
) -> Path:
    document: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": list(changes),
        "errored": False,
    }
    if configuration is not None:
        document["configuration"] = configuration
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def plan(tmp_path: Path, *changes: Resource, configuration: Mapping[str, Any] | None = None,
         ) -> tuple[Device, list[Diagnostic]]:
    path = write_plan(tmp_path / "plan.json", *changes, configuration=configuration)
    parts = read_terraform(str(path), "terraform-plan")
    return assemble("plan.json", parts), parts.diagnostics


def vs(name: str = "/Common/vs", **attributes: Any) -> dict[str, Any]:
    """A virtual server's `after` as the provider plans it (defaults applied)."""
    after: dict[str, Any] = {
        "name": name, "destination": "203.0.113.10", "port": 443, "mask": "255.255.255.255",
        "source": "0.0.0.0/0", "ip_protocol": "tcp", "pool": "/Common/pool",
        "source_address_translation": "none", "snatpool": "", "profiles": ["/Common/tcp"],
        "client_profiles": None, "server_profiles": None, "persistence_profiles": None,
        "irules": None, "policies": None, "vlans": None, "vlans_enabled": False,
        "translate_address": "enabled", "translate_port": "enabled", "state": "enabled",
        "description": None,
    }
    after.update(attributes)
    return after


# -- virtual servers --------------------------------------------------------------------------


def test_virtual_server_every_field(tmp_path: Path) -> None:
    after = vs(
        "/Common/av", destination="203.0.113.30%3", port=3478, mask="255.255.255.0",
        source="198.51.100.0%3/24", ip_protocol="udp", source_address_translation="automap",
        profiles=["/Common/udp"], client_profiles=["/Common/clientssl"],
        server_profiles=["serverssl"], persistence_profiles=["/Common/a", "/Common/b"],
        default_persistence_profile="/Common/b", fallback_persistence_profile="/Common/dest_addr",
        irules=["/Common/r2", "r1"], policies=["/Common/pol"], vlans=["external"],
        vlans_enabled=True, translate_port="disabled", state="disabled",
        description="A/V edge",
    )
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_server", "av", after))
    virtual = device.virtual_servers["/Common/av"]
    assert virtual.unknown == frozenset()
    assert virtual.destination == parse_address("203.0.113.30%3")
    assert (virtual.port, virtual.mask) == (3478, 24)
    assert virtual.destination_network == parse_network("203.0.113.0%3/24")
    assert virtual.source_network == parse_network("198.51.100.0%3/24")
    assert virtual.ip_protocol == "udp"
    assert (virtual.snat_type, virtual.snat_pool) == ("automap", None)
    assert virtual.profiles == (
        ProfileRef("/Common/udp", "all"),
        ProfileRef("/Common/clientssl", "clientside"),
        ProfileRef("/Common/serverssl", "serverside"),
    )
    assert virtual.persist == (PersistRef("/Common/a", False), PersistRef("/Common/b", True))
    assert virtual.fallback_persistence == "/Common/dest_addr"
    assert virtual.pool == "/Common/pool"
    assert virtual.rules == ("/Common/r2", "/Common/r1")  # ordered, names made full
    assert virtual.policies == ("/Common/pol",)
    assert (virtual.vlans, virtual.vlans_mode) == (("/Common/external",), "enabled")
    assert (virtual.translate_address, virtual.translate_port) == (True, False)
    assert virtual.enabled is False
    assert virtual.description == "A/V edge"
    assert virtual.type == "standard"
    assert virtual.source.resource == "bigip_ltm_virtual_server.av"


@pytest.mark.parametrize(
    ("vlans", "enabled", "mode", "on_external", "on_internal"),
    [
        (["/Common/external"], False, "disabled", False, True),  # the #1 trap
        (["/Common/external"], None, "disabled", False, True),  # unset = default false
        (None, False, "all", True, True),
        ([], False, "all", True, True),
        (["/Common/external"], True, "enabled", True, False),
        ([], True, "enabled", False, False),  # enabled on no VLAN at all
    ],
)
def test_vlans_enabled_false_means_disabled_on_the_listed_vlans(
    tmp_path: Path, vlans: list[str] | None, enabled: bool | None, mode: str,
    on_external: bool, on_internal: bool,
) -> None:
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_server", "v",
                                      vs(vlans=vlans, vlans_enabled=enabled)))
    virtual = device.virtual_servers["/Common/vs"]
    assert virtual.vlans_mode == mode
    assert virtual.enabled_on("/Common/external") is on_external
    assert virtual.enabled_on("/Common/internal") is on_internal


def test_snat_unset_in_a_plan_is_unknown(tmp_path: Path) -> None:
    after = vs()
    del after["source_address_translation"], after["snatpool"]
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_server", "v", after, unknown={
        "source_address_translation": True, "snatpool": True}))
    virtual = device.virtual_servers["/Common/vs"]
    assert {"snat_type", "snat_pool"} <= virtual.unknown


@pytest.mark.parametrize(
    ("value", "pool", "expected"),
    [
        (None, "", ("none", None)),  # after apply without SNAT: not set = tmsh default none
        ("", None, ("none", None)),
        ("none", "", ("none", None)),
        ("automap", "/Common/ignored", ("automap", None)),  # snatpool only counts with snat
        ("snat", "/Common/edge_snat", ("snat", "/Common/edge_snat")),
    ],
)
def test_snat_known_values(
    tmp_path: Path, value: str | None, pool: str | None, expected: tuple[str, str | None]
) -> None:
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_server", "v", vs(
        source_address_translation=value, snatpool=pool)))
    virtual = device.virtual_servers["/Common/vs"]
    assert (virtual.snat_type, virtual.snat_pool) == expected
    assert not {"snat_type", "snat_pool"} & virtual.unknown


def test_unknown_values_become_unknown_fields(tmp_path: Path) -> None:
    after = vs(vlans=[None], persistence_profiles=["/Common/p"])
    for key in ("destination", "mask", "source", "profiles", "pool"):
        del after[key]
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_server", "v", after, unknown={
        "destination": True, "mask": True, "source": True, "profiles": True, "pool": True,
        "vlans": [True], "persistence_profiles": [False], "id": True}))
    virtual = device.virtual_servers["/Common/vs"]
    assert virtual.unknown == {
        "destination", "destination_network", "mask", "source_network", "profiles", "type",
        "pool", "vlans", "vlans_mode",
    }
    assert virtual.destination is None and virtual.pool is None
    assert virtual.persist == (PersistRef("/Common/p"),)  # [false]: known


def test_forwarding_shaped_virtual_type_is_unknown(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_virtual_server", "fwd", vs("/Common/fwd", pool=None, port=0,
               destination="10.0.0.0", mask="255.0.0.0", ip_protocol="any",
               profiles=["/Common/fastL4"], translate_address="disabled",
               translate_port="disabled")),
        change("bigip_ltm_virtual_server", "std", vs("/Common/std", profiles=["/Common/fastL4"])),
    )
    forward = device.virtual_servers["/Common/fwd"]
    assert "type" in forward.unknown
    assert forward.type != "ip-forward"  # never inferred from the shape
    standard = device.virtual_servers["/Common/std"]
    assert standard.type == "performance-l4" and "type" not in standard.unknown
    assert FORWARDING_VIRTUALS in device.unknown_kinds and "nats" in device.unknown_kinds


def test_partition_default_route_domain_applies_to_bare_addresses(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_virtual_server", "v", vs("/Lync/vs", destination="10.1.1.50",
               source="10.0.0.0/8")),
        change("bigip_ltm_node", "n", {"name": "/Lync/edge1", "address": "10.1.1.11",
                                       "monitor": "/Common/icmp", "fqdn": []}),
        change("bigip_ltm_node", "m", {"name": "/Lync/edge2", "address": "10.1.1.12%0",
                                       "monitor": "/Common/icmp", "fqdn": []}),
        change("bigip_net_selfip", "s", {"name": "/Lync/self", "ip": "10.1.1.5/24",
                                         "vlan": "/Common/internal",
                                         "traffic_group": "traffic-group-local-only"}),
        change("bigip_partition", "lync", {"name": "Lync", "route_domain_id": 7}),
    )
    virtual = device.virtual_servers["/Lync/vs"]
    assert virtual.destination == parse_address("10.1.1.50%7")
    assert virtual.source_network == parse_network("10.0.0.0%7/8")
    assert virtual.partition == "Lync"
    assert device.nodes["/Lync/edge1"].address == parse_address("10.1.1.11%7")
    assert device.nodes["/Lync/edge2"].address == parse_address("10.1.1.12")  # %0 explicit
    assert device.self_ips["/Lync/self"].network == parse_network("10.1.1.0%7/24")
    assert device.partitions["/Lync"].default_route_domain == 7


# -- pools and members ------------------------------------------------------------------------


def attachment(name: str, node: str, pool: str = "/Common/pool", state: str = "enabled",
               **kwargs: Any) -> Resource:
    return change("bigip_ltm_pool_attachment", name, {
        "pool": pool, "node": node, "state": state, "fqdn_autopopulate": None}, **kwargs)


def pool_resource(name: str = "/Common/pool", **attributes: Any) -> Resource:
    after = {"name": name, "load_balancing_mode": "round-robin", "monitors": ["/Common/tcp"],
             "allow_nat": "yes", "allow_snat": "yes", "description": None}
    after.update(attributes)
    return change("bigip_ltm_pool", name.rsplit("/", 1)[-1], after)


def test_pool_attachment_in_every_node_form(tmp_path: Path) -> None:
    device, diagnostics = plan(
        tmp_path,
        change("bigip_ltm_node", "edge1", {"name": "/Common/lync-edge1",
                                           "address": "203.0.113.11", "monitor": "/Common/icmp",
                                           "fqdn": []}),
        pool_resource(minimum_active_members=1),
        attachment("ref", "/Common/lync-edge1:443"),
        attachment("v4", "203.0.113.12:443", state="disabled"),
        attachment("v6", "2001:db8::12.443", state="forced_offline"),
        attachment("fqdn", "edge3.example.com:443"),
        attachment("rd", "10.1.1.13%2:5061"),
        attachment("ipname", "/Common/10.1.1.14:443"),
    )
    pool = device.pools["/Common/pool"]
    members = [(m.name, None if m.address is None else str(m.address), m.port, m.enabled)
               for m in pool.members]
    assert members == [
        ("/Common/lync-edge1:443", "203.0.113.11", 443, True),
        ("/Common/203.0.113.12:443", "203.0.113.12", 443, False),
        ("/Common/2001:db8::12.443", "2001:db8::12", 443, False),
        ("/Common/edge3.example.com:443", None, 443, True),  # an FQDN node
        ("/Common/10.1.1.13%2:5061", "10.1.1.13%2", 5061, True),
        ("/Common/10.1.1.14:443", "10.1.1.14", 443, True),  # a node named by its IP
    ]
    assert pool.unknown == frozenset()
    assert pool.min_active_members == 1
    # The provider creates nodes for the direct forms.
    assert device.nodes["/Common/203.0.113.12"].address == parse_address("203.0.113.12")
    assert device.nodes["/Common/2001:db8::12"].address == parse_address("2001:db8::12")
    assert device.nodes["/Common/10.1.1.13%2"].address == parse_address("10.1.1.13%2")
    assert device.nodes["/Common/edge3.example.com"].address is None
    assert not [d for d in diagnostics if d.level == "warning"]


def test_member_of_a_node_created_elsewhere_is_unknown(tmp_path: Path) -> None:
    device, _ = plan(tmp_path, pool_resource(), attachment("a", "/Common/lync-edge9:443"))
    pool = device.pools["/Common/pool"]
    assert pool.members[0].address is None
    assert "members" in pool.unknown  # not guessed from the node's name


def test_unknown_attachments(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        pool_resource("/Common/a"),
        pool_resource("/Common/b"),
        attachment("node", "", pool="/Common/a", unknown={"node": True}),
    )
    assert "members" in device.pools["/Common/a"].unknown
    assert "members" not in device.pools["/Common/b"].unknown
    device, _ = plan(
        tmp_path,
        pool_resource("/Common/a"),
        pool_resource("/Common/b"),
        change("bigip_ltm_pool_attachment", "x", {"node": "10.1.1.1:80", "state": "enabled"},
               unknown={"pool": True}),
    )
    # Which pool gains the member cannot be told.
    assert all("members" in p.unknown for p in device.pools.values())


def test_pool_not_set_values(tmp_path: Path) -> None:
    device, _ = plan(tmp_path, change("bigip_ltm_pool", "p", {
        "name": "/Common/p", "monitors": [""], "load_balancing_mode": "",
        "minimum_active_members": 0, "description": ""}))
    pool = device.pools["/Common/p"]
    # Read turns "no monitor" into [""]; "" and 0 mean not set.
    assert pool.monitors == ()
    assert pool.load_balancing_mode == "round-robin"
    assert pool.min_active_members == 0
    assert pool.description is None
    assert pool.unknown == frozenset()
    device, _ = plan(tmp_path, change("bigip_ltm_pool", "p", {"name": "/Common/p"}, unknown={
        "monitors": True, "load_balancing_mode": True, "minimum_active_members": True}))
    assert device.pools["/Common/p"].unknown == {
        "monitors", "load_balancing_mode", "min_active_members"}


def test_pool_monitor_rule_and_node_monitor(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        pool_resource(monitors=["/Common/http and /Common/tcp"]),
        change("bigip_ltm_node", "n", {"name": "n1", "address": "10.1.1.1",
                                       "monitor": "/Common/icmp", "fqdn": []}),
        change("bigip_ltm_node", "f", {"name": "/Common/f", "address": "edge.example.com",
                                       "monitor": "none",
                                       "fqdn": [{"name": "edge.example.com"}]}),
    )
    assert device.pools["/Common/pool"].monitors == ("/Common/http", "/Common/tcp")
    node = device.nodes["/Common/n1"]  # a bare name means /Common
    assert node.monitors == ("/Common/icmp",)  # the provider's default, not tmsh `default`
    fqdn = device.nodes["/Common/f"]
    assert fqdn.address is None and fqdn.monitors == ()


# -- network --------------------------------------------------------------------------------------


def test_self_ips(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_net_selfip", "a", {"name": "ext-self", "ip": "203.0.113.5/24",
                                         "vlan": "/Common/external", "port_lockdown": None,
                                         "traffic_group": "traffic-group-local-only"}),
        change("bigip_net_selfip", "b", {"name": "/Common/ext-float", "ip": "203.0.113.4/24",
                                         "vlan": "/Common/external", "port_lockdown": ["all"],
                                         "traffic_group": "traffic-group-1"}),
        change("bigip_net_selfip", "c", {"name": "/Common/int", "ip": "10.1.1.5%2/24",
                                         "vlan": "/Common/internal",
                                         "port_lockdown": ["tcp:443", "udp:3478"],
                                         "traffic_group": "traffic-group-local-only"}),
    )
    local = device.self_ips["/Common/ext-self"]
    assert (local.floating, local.allow_service) == (False, ())
    assert local.traffic_group == "/Common/traffic-group-local-only"
    floating = device.self_ips["/Common/ext-float"]
    assert floating.floating and floating.allow_service == ("all",)
    assert floating.traffic_group == "/Common/traffic-group-1"
    internal = device.self_ips["/Common/int"]
    assert internal.address == parse_address("10.1.1.5%2")
    assert internal.network == parse_network("10.1.1.0%2/24")
    assert internal.vlan == "/Common/internal"
    assert device.ha


def test_vlans_and_routes(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_net_vlan", "ext", {"name": "/Common/external", "tag": 101, "mtu": 1500,
                                         "interfaces": [{"vlanport": "1.1", "tagged": True}]}),
        change("bigip_net_vlan", "untagged", {"name": "/Common/u", "tag": None,
                                              "interfaces": []}),
        change("bigip_net_route", "d", {"name": "/Common/d", "network": "0.0.0.0/0",
                                        "gw": "203.0.113.1"}),
        change("bigip_net_route", "d2", {"name": "/Common/d2", "network": "default%2",
                                         "gw": "10.1.1.1%2"}),
        change("bigip_net_route", "n", {"name": "/Common/n", "network": "10.0.0.0%2/8",
                                        "gw": None, "tunnel_ref": "/Common/internal"}),
        change("bigip_net_route", "r", {"name": "/Common/r", "network": "default",
                                        "gw": "", "reject": True}),
    )
    external = device.vlans["/Common/external"]
    assert (external.tag, external.interfaces) == (101, ("1.1",))
    assert device.vlans["/Common/u"].tag is None
    assert device.routes["/Common/d"].network == parse_network("0.0.0.0/0")
    assert device.routes["/Common/d"].gateway == parse_address("203.0.113.1")
    rd_default = device.routes["/Common/d2"]
    assert rd_default.network == parse_network("0.0.0.0%2/0") and rd_default.network.is_default
    assert rd_default.gateway == parse_address("10.1.1.1%2")
    assert device.routes["/Common/n"].interface == "/Common/internal"
    assert device.routes["/Common/n"].gateway is None
    assert device.routes["/Common/r"].network == parse_network("0.0.0.0/0")
    assert device.routes["/Common/r"].gateway is None
    assert "route_domains" in device.unknown_kinds  # no provider resource for them


# -- SNAT -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vlans", "disabled", "mode"),
    [
        (None, None, "all"),  # vlansdisabled defaults to true: everywhere
        (["/Common/internal"], True, "disabled"),
        (["/Common/internal"], None, "disabled"),
        (["/Common/internal"], False, "enabled"),
        ([], False, "enabled"),
    ],
)
def test_snat_vlansdisabled_defaults_to_true(
    tmp_path: Path, vlans: list[str] | None, disabled: bool | None, mode: str
) -> None:
    device, _ = plan(tmp_path, change("bigip_ltm_snat", "s", {
        "name": "/Common/out", "origins": [{"name": "10.1.1.0/24", "app_service": None},
                                            {"name": "10.2.2.2%3", "app_service": None}],
        "snatpool": "/Common/sp", "translation": None, "vlans": vlans,
        "vlansdisabled": disabled, "sourceport": "preserve"}))
    snat = device.snats["/Common/out"]
    assert snat.vlans_mode == mode
    assert snat.origins == (parse_network("10.1.1.0/24"), parse_network("10.2.2.2%3/32"))
    assert (snat.snatpool, snat.translation, snat.automap) == ("/Common/sp", None, False)


def test_snat_unknowns_and_snatpool_members(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_snat", "s", {"name": "/Common/out", "origins": [{"name": None}],
                                       "translation": "/Common/203.0.113.9",
                                       "vlansdisabled": True},
               unknown={"origins": [{"name": True}], "vlans": True}),
        change("bigip_ltm_snatpool", "p", {"name": "/Common/sp",
                                           "members": ["203.0.113.21", "/Common/203.0.113.22"]}),
    )
    snat = device.snats["/Common/out"]
    assert snat.unknown == {"origins", "vlans", "vlans_mode"}
    assert snat.translation == "/Common/203.0.113.9"
    assert device.snat_pools["/Common/sp"].members == (
        "/Common/203.0.113.21", "/Common/203.0.113.22")


# -- virtual address, monitor, irule, iApp, device group -------------------------------------


def test_virtual_address(tmp_path: Path) -> None:
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_address", "va", {
        "name": "/Common/10.1.1.50%2", "arp": False, "enabled": True, "icmp_echo": "enabled",
        "traffic_group": "/Common/traffic-group-1", "advertize_route": "disabled"}))
    address = device.virtual_addresses["/Common/10.1.1.50%2"]
    assert address.address == parse_address("10.1.1.50%2")
    assert (address.mask, address.arp, address.enabled) == (32, False, True)
    assert address.traffic_group == "/Common/traffic-group-1"


def test_monitors(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_monitor", "m", {"name": "/Common/m", "parent": "/Common/tcp_half_open",
                                          "interval": 5, "timeout": 16, "send": "",
                                          "password": None, "destination": "*:5061"},
               sensitive={"password": True}),
        change("bigip_ltm_monitor", "c", {"name": "/Common/c", "parent": None,
                                          "custom_parent": "/Common/m", "interval": 0},
               unknown={"destination": True}),
        change("bigip_ltm_monitor", "x", {"name": "/Common/x",
                                          "custom_parent": "/Common/elsewhere"}),
    )
    monitor = device.monitors["/Common/m"]
    assert (monitor.kind, monitor.defaults_from) == ("tcp-half-open", "/Common/tcp_half_open")
    assert monitor.settings == {"interval": "5", "timeout": "16"}
    assert monitor.destination == "*:5061"
    custom = device.monitors["/Common/c"]
    assert custom.kind == "tcp-half-open" and custom.defaults_from == "/Common/m"
    assert custom.unknown == {"destination"}
    assert device.monitors["/Common/x"].unknown == {"kind"}


def test_irule_iapp_and_device_group(tmp_path: Path) -> None:
    jsonfile = json.dumps({
        "name": "lync_edge", "template": "/Common/f5.microsoft_lync_server_2010_2013.v1.3.0",
        "variables": [{"name": "edge_external__vlan", "value": "/Common/external"},
                      {"name": "admin__secret", "value": "hunter2", "encrypted": "yes"}],
        "tables": [{"name": "edge__servers", "columnNames": ["addr", "port"],
                    "rows": [{"row": ["203.0.113.10", "443"]}]}],
    })
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_irule", "r", {"name": "/Common/r", "irule": "when CLIENT_ACCEPTED {}"}),
        change("bigip_sys_iapp", "lync", {"name": "lync_edge", "partition": "Common",
                                          "jsonfile": jsonfile}),
        change("bigip_cm_devicegroup", "dg", {"name": "/Common/dg1", "type": "sync-failover",
                                              "device": [{"name": "bigip1"}, {"name": "bigip2"}]}),
    )
    assert device.irules["/Common/r"].text == "when CLIENT_ACCEPTED {}"
    app = device.application_services["/Common/lync_edge.app/lync_edge"]
    assert app.template == "/Common/f5.microsoft_lync_server_2010_2013.v1.3.0"
    assert app.variables == {"edge_external__vlan": "/Common/external", "admin__secret": ""}
    assert app.tables == {"edge__servers": ({"addr": "203.0.113.10", "port": "443"},)}
    assert "hunter2" not in json.dumps(to_jsonable(device))
    group = device.device_groups["/Common/dg1"]
    assert (group.type, group.devices) == ("sync-failover", ("bigip1", "bigip2"))
    assert device.ha
    assert "device_groups" not in device.unknown_kinds


# -- profiles -----------------------------------------------------------------------------------


def test_fastl4_loose_initiation_spelling_and_inheritance(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_profile_fastl4", "base", {
            "name": "/Common/edge_base", "defaults_from": "/Common/fastL4",
            "idle_timeout": "indefinite", "loose_initiation": "enabled", "loose_close": None}),
        change("bigip_ltm_profile_fastl4", "child", {
            "name": "/Common/edge_child", "defaults_from": "/Common/edge_base",
            "loose_close": "enabled", "idle_timeout": "", "client_timeout": 0}),
    )
    child = device.profiles["/Common/edge_child"]
    assert child.settings == {"loose-close": "enabled"}  # "", 0 and null are not set
    assert child.effective["loose-initialization"] == "enabled"  # from its TF parent
    assert child.effective["idle-timeout"] == "indefinite"
    assert child.effective["pva-acceleration"] == "full"  # from /Common/fastL4
    assert "reset-on-timeout" not in child.effective
    assert child.unknown == {"effective.reset-on-timeout"}


def test_profile_unknowns_depend_on_the_configuration(tmp_path: Path) -> None:
    unknown = {"idle_timeout": True, "defaults_from": True}
    after = {"name": "/Common/t", "nagle": "disabled"}
    resource = change("bigip_ltm_profile_tcp", "t", after, unknown=unknown)
    # Without the configuration, an unknown setting might be set: unknown.
    device, _ = plan(tmp_path, resource)
    assert {"settings", "effective", "defaults_from"} <= device.profiles["/Common/t"].unknown
    # Not set in the configuration: inherited from the parent (/Common/tcp when unset).
    configuration = {"root_module": {"resources": [{
        "address": "bigip_ltm_profile_tcp.t", "expressions": {
            "name": {"constant_value": "/Common/t"}, "nagle": {"constant_value": "disabled"}}}]}}
    device, _ = plan(tmp_path, resource, configuration=configuration)
    profile = device.profiles["/Common/t"]
    assert profile.unknown == {"effective.reset-on-timeout"}
    assert profile.defaults_from == "/Common/tcp"
    assert profile.effective["idle-timeout"] == "300"
    assert profile.effective["nagle"] == "disabled"
    # Set in the configuration to a value known only after apply: unknown.
    configuration["root_module"]["resources"][0]["expressions"]["idle_timeout"] = {
        "references": ["var.idle"]}
    device, _ = plan(tmp_path, resource, configuration=configuration)
    assert {"settings", "effective"} <= device.profiles["/Common/t"].unknown


def test_configuration_of_module_resources_is_found(tmp_path: Path) -> None:
    resource = change("bigip_ltm_profile_fastl4", "l4", {"name": "/Common/l4"},
                      unknown={"idle_timeout": True}, module='module.edge["dc1"]')
    configuration = {"root_module": {"module_calls": {"edge": {"module": {"resources": [
        {"address": "bigip_ltm_profile_fastl4.l4", "expressions": {"name": {}}}]}}}}}
    device, _ = plan(tmp_path, resource, configuration=configuration)
    profile = device.profiles["/Common/l4"]
    assert profile.effective["idle-timeout"] == "300"
    assert profile.source.resource == 'module.edge["dc1"].bigip_ltm_profile_fastl4.l4'


def test_persistence_profiles_and_performance_type(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_persistence_profile_srcaddr", "s", {
            "name": "/Common/src", "defaults_from": "/Common/source_addr", "timeout": 3600,
            "match_across_services": "enabled", "mask": ""}),
        change("bigip_ltm_persistence_profile_dstaddr", "d", {
            "name": "/Common/dst", "defaults_from": "/Common/dest_addr"}),
        change("bigip_ltm_profile_fastl4", "l4", {"name": "/Common/l4",
                                                  "defaults_from": "/Common/fastL4"}),
        change("bigip_ltm_virtual_server", "v", vs(profiles=["/Common/l4"],
                                                   persistence_profiles=["/Common/src"])),
    )
    source = device.persistence["/Common/src"]
    assert source.kind == "source-addr"
    assert source.effective["timeout"] == "3600"
    assert source.effective["match-across-services"] == "enabled"
    assert source.effective["mask"] == "none"  # "" = not set: from /Common/source_addr
    assert device.persistence["/Common/dst"].kind == "dest-addr"
    assert device.virtual_servers["/Common/vs"].type == "performance-l4"


# -- plan actions, modes, secrets ------------------------------------------------------------


def test_deleted_deposed_data_and_unmapped_resources(tmp_path: Path) -> None:
    deposed = change("bigip_ltm_pool", "old", {"name": "/Common/deposed"})
    deposed["deposed"] = "abcd1234"
    device, diagnostics = plan(
        tmp_path,
        change("bigip_ltm_pool", "gone", None, actions=("delete",),
               before={"name": "/Common/gone"}),
        deposed,
        change("bigip_ltm_pool", "read", {"name": "/Common/data"}, mode="data",
               actions=("read",)),
        change("bigip_ltm_pool", "kept", {"name": "/Common/kept"}, actions=("no-op",)),
        change("bigip_ltm_policy", "pol", {"name": "/Common/pol"}),
        change("bigip_ltm_policy", "pol2", {"name": "/Common/pol2"}),
    )
    assert list(device.pools) == ["/Common/kept"]
    assert device.pools["/Common/kept"].source.change == "no-op"
    notes = [d for d in diagnostics if d.code == "TF-UNMAPPED"]
    assert [n.message for n in notes] == ["bigip_ltm_policy resources are not modelled"]


def test_deleted_attachment_changes_its_pool(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_pool", "p", {"name": "/Common/pool"}, actions=("no-op",)),
        change("bigip_ltm_pool_attachment", "a", None, actions=("delete",),
               before={"pool": "/Common/pool", "node": "10.1.1.1:80"}),
    )
    pool = device.pools["/Common/pool"]
    assert pool.members == () and pool.source.change == "update"


def test_sensitive_values_are_never_copied(tmp_path: Path) -> None:
    after = vs(description="TOPSECRET-123")
    device, _ = plan(tmp_path, change("bigip_ltm_virtual_server", "v", after,
                                      sensitive={"description": True}))
    virtual = device.virtual_servers["/Common/vs"]
    assert virtual.description is None and "description" in virtual.unknown
    assert "TOPSECRET-123" not in json.dumps(to_jsonable(device))


def test_replace_and_update_actions(tmp_path: Path) -> None:
    device, _ = plan(
        tmp_path,
        change("bigip_ltm_pool", "a", {"name": "/Common/a"}, actions=("delete", "create")),
        change("bigip_ltm_pool", "b", {"name": "/Common/b"}, actions=("create", "delete")),
        change("bigip_ltm_pool", "c", {"name": "/Common/c"}, actions=("update",)),
    )
    assert {p.name: p.source.change for p in device.pools.values()} == {
        "/Common/a": "replace", "/Common/b": "replace", "/Common/c": "update"}


# -- declarations in resources ---------------------------------------------------------------


def as3_json(services: Mapping[str, Any]) -> str:
    return json.dumps({"class": "AS3", "action": "deploy", "declaration": {
        "class": "ADC", "schemaVersion": "3.50.0",
        "T": {"class": "Tenant", "A": {"class": "Application", **services}}}})


def test_unknown_declarations_make_their_kinds_unknown(tmp_path: Path) -> None:
    device, diagnostics = plan(
        tmp_path,
        change("bigip_as3", "as3", {"controls": None}, unknown={"as3_json": True}),
        change("bigip_do", "do", {"timeout": 20}, sensitive={"do_json": True}),
    )
    assert device.unknown_kinds >= AS3_COLLECTIONS
    assert {"vlans", "self_ips", "routes", "route_domains"} <= device.unknown_kinds
    assert [d.code for d in diagnostics if d.level == "warning"] == [
        "TF-UNKNOWN-DECLARATION", "TF-UNKNOWN-DECLARATION"]


def test_as3_update_marks_untouched_objects_no_op(tmp_path: Path) -> None:
    before = {"s1": {"class": "Service_TCP", "virtualAddresses": ["203.0.113.5"],
                     "virtualPort": 443, "snat": "none"},
              "s2": {"class": "Service_UDP", "virtualAddresses": ["203.0.113.7"],
                     "virtualPort": 3478, "snat": "none"}}
    after = {**before, "s2": {**before["s2"], "snat": "auto"}}
    device, _ = plan(tmp_path, change(
        "bigip_as3", "edge", {"as3_json": as3_json(after)}, actions=("update",),
        before={"as3_json": as3_json(before)}))
    services = device.virtual_servers
    assert services["/T/A/s1"].source.change == "no-op"
    assert services["/T/A/s2"].source.change == "update"
    assert services["/T/A/s2"].snat_type == "automap"
    assert FORWARDING_VIRTUALS not in device.unknown_kinds  # AS3 can state them


def test_as3_per_application_mode_uses_tenant_name(tmp_path: Path) -> None:
    declaration = {"schemaVersion": "3.50.0", "edge": {"class": "Application", "vs": {
        "class": "Service_L4", "virtualAddresses": ["203.0.113.5"], "virtualPort": 443}}}
    device, _ = plan(tmp_path, change("bigip_as3", "app", {
        "as3_json": json.dumps(declaration), "tenant_name": "Lync"}))
    assert device.virtual_servers["/Lync/edge/vs"].type == "performance-l4"


def test_bigip_command_creates_are_read(tmp_path: Path) -> None:
    commands = [
        "create ltm nat /Common/av1 originating-address 203.0.113.30 "
        "translation-address 198.51.100.30",
        "tmsh modify ltm virtual /Common/vs ip-forward",
    ]
    device, diagnostics = plan(tmp_path, change("bigip_command", "c", {
        "commands": commands, "when": "apply"}))
    nat = device.nats["/Common/av1"]
    assert nat.originating_address == parse_address("203.0.113.30")
    assert nat.source.resource == "bigip_command.c"
    assert "nats" not in device.unknown_kinds
    assert [d.code for d in diagnostics] == ["TF-COMMAND-SKIPPED"]


def test_unknown_name_makes_the_collection_unknown(tmp_path: Path) -> None:
    after = vs()
    del after["name"]
    device, diagnostics = plan(
        tmp_path,
        change("bigip_ltm_virtual_server", "v", after, unknown={"name": True}),
        change("bigip_ltm_pool", "p", {"name": "/Common/p"}),
    )
    assert device.virtual_servers == {}
    assert "virtual_servers" in device.unknown_kinds  # one exists, unnamed until apply
    assert "pools" not in device.unknown_kinds
    assert [d.code for d in diagnostics] == ["TF-NO-NAME"]


def test_bigip_command_inline_properties(tmp_path: Path) -> None:
    device, _ = plan(tmp_path, change("bigip_command", "c", {"commands": [
        "create ltm nat /Common/n originating-address 10.1.1.10 translation-address "
        "203.0.113.10 vlans add { /Common/external } vlans-enabled arp disabled",
        "create ltm virtual /Common/fwd destination 0.0.0.0:any mask any ip-forward",
    ]}))
    nat = device.nats["/Common/n"]
    assert (nat.vlans, nat.vlans_mode, nat.arp) == (("/Common/external",), "enabled", False)
    assert device.virtual_servers["/Common/fwd"].type == "ip-forward"
    assert FORWARDING_VIRTUALS not in device.unknown_kinds
    # `when = "destroy"` commands never run on apply.
    device, _ = plan(tmp_path, change("bigip_command", "c", {
        "commands": ["create ltm nat /Common/n originating-address 10.1.1.10"],
        "when": "destroy"}))
    assert device.nats == {} and "nats" in device.unknown_kinds


# -- values of the wrong shape ---------------------------------------------------------------


def warnings_of(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in diagnostics if d.level == "warning"]


def test_attribute_of_the_wrong_shape_is_a_warning_and_its_fields_unknown(
    tmp_path: Path,
) -> None:
    """A port that is not a number, VLANs that are not a list: never silently "no port" or
    "all VLANs" (vlans_enabled = true with a string would otherwise enable it everywhere)."""
    after = vs(port="abc", vlans="external", vlans_enabled=True)
    device, diagnostics = plan(tmp_path, change("bigip_ltm_virtual_server", "vs", after))
    virtual = device.virtual_servers["/Common/vs"]
    assert virtual.port is None
    assert {"port", "vlans", "vlans_mode"} <= virtual.unknown
    assert virtual.destination == parse_address("203.0.113.10")  # the rest is still read
    assert virtual.pool == "/Common/pool" and "pool" not in virtual.unknown
    assert warnings_of(diagnostics) == [
        ("TF-BAD-VALUE", 'bigip_ltm_virtual_server.vs: port is a string ("abc"), expected a '
                         "number: read as unknown"),
        ("TF-BAD-VALUE", 'bigip_ltm_virtual_server.vs: vlans is a string ("external"), '
                         "expected a list of strings: read as unknown"),
    ]
    assert all(d.path.endswith("plan.json") and d.line for d in diagnostics)


@pytest.mark.parametrize(
    ("kind", "after", "collection", "name", "field"),
    [
        ("bigip_net_vlan", {"name": "/Common/v", "tag": "101"}, "vlans", "/Common/v", "tag"),
        ("bigip_net_vlan", {"name": "/Common/v", "interfaces": [{"vlanport": 1.1}]}, "vlans",
         "/Common/v", "interfaces"),
        ("bigip_net_selfip", {"name": "/Common/s", "ip": "10.1.1.5/24",
                              "port_lockdown": "default"}, "self_ips", "/Common/s",
         "allow_service"),
        ("bigip_ltm_snat", {"name": "/Common/s", "origins": [{"name": 5}]}, "snats",
         "/Common/s", "origins"),
        ("bigip_ltm_pool", {"name": "/Common/p", "minimum_active_members": float("inf")},
         "pools", "/Common/p", "min_active_members"),
        ("bigip_ltm_pool", {"name": "/Common/p", "monitors": [None]}, "pools", "/Common/p",
         "monitors"),
        ("bigip_ltm_monitor", {"name": "/Common/m", "parent": "/Common/tcp", "interval": [5]},
         "monitors", "/Common/m", "settings"),
        ("bigip_ltm_profile_fastl4", {"name": "/Common/f", "idle_timeout": {"v": 1}},
         "profiles", "/Common/f", "settings"),
        ("bigip_ltm_virtual_address", {"name": "/Common/10.1.1.1", "arp": "no"},
         "virtual_addresses", "/Common/10.1.1.1", "arp"),
        ("bigip_partition", {"name": "Lync", "route_domain_id": float("nan")}, "partitions",
         "/Lync", "default_route_domain"),
    ],
)
def test_each_wrong_shape_makes_its_field_unknown(
    tmp_path: Path, kind: str, after: dict[str, Any], collection: str, name: str, field: str,
) -> None:
    device, diagnostics = plan(tmp_path, change(kind, "r", after))
    obj = getattr(device, collection)[name]
    assert field in obj.unknown, obj.unknown
    [(code, message)] = warnings_of(diagnostics)
    assert code == "TF-BAD-VALUE" and message.startswith(f"{kind}.r: ")


def test_attachment_of_the_wrong_shape_makes_members_unknown(tmp_path: Path) -> None:
    device, diagnostics = plan(
        tmp_path,
        change("bigip_ltm_pool", "p", {"name": "/Common/p"}),
        change("bigip_ltm_pool_attachment", "a", {"pool": "/Common/p", "node": "10.1.1.1:443",
                                                  "state": ["enabled"]}),
    )
    assert "members" in device.pools["/Common/p"].unknown
    assert [code for code, _ in warnings_of(diagnostics)] == ["TF-BAD-VALUE"]


def test_entries_that_cannot_be_read_are_skipped_and_their_kinds_unknown(
    tmp_path: Path,
) -> None:
    nulled = change("bigip_ltm_virtual_server", "vs", vs())
    nulled["change"] = None
    device, diagnostics = plan(
        tmp_path,
        change("bigip_ltm_pool", "p", {"name": "/Common/p"}),
        nulled,
        # Another resource stating virtual servers does not make the skipped one known.
        change("bigip_as3", "as3", {"as3_json": as3_json({})}),
    )
    assert device.virtual_servers == {}
    assert "virtual_servers" in device.unknown_kinds
    assert "/Common/p" in device.pools and "pools" not in device.unknown_kinds
    assert warnings_of(diagnostics) == [(
        "TF-BAD-SHAPE", "bigip_ltm_virtual_server.vs: resource_changes[1].change is null, "
        "expected an object: skipped, so which virtual_servers exist is unknown")]


def test_an_entry_that_is_not_an_object_makes_every_kind_unknown(tmp_path: Path) -> None:
    path = write_plan(tmp_path / "plan.json", change("bigip_ltm_pool", "p", {"name": "/Common/p"}))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["resource_changes"].append("bigip_ltm_virtual_server.vs")
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    parts = read_terraform(str(path), "terraform-plan")
    device = assemble("plan.json", parts)
    assert {"virtual_servers", "pools", "self_ips", "partitions"} <= device.unknown_kinds
    assert "members" in device.pools["/Common/p"].unknown  # it may have been an attachment
    assert warnings_of(parts.diagnostics) == [(
        "TF-BAD-SHAPE", 'resource_changes[1]: is a string ("bigip_ltm_virtual_server.vs"), '
        "expected an object: skipped, so which objects of any kind exist is unknown")]


def test_a_wholly_sensitive_resource_copies_nothing(tmp_path: Path) -> None:
    secret = change("bigip_ltm_irule", "r", {"name": "/Common/r", "irule": "s3cr3t"})
    secret["change"]["after_sensitive"] = True
    device, diagnostics = plan(tmp_path, secret)
    assert "s3cr3t" not in json.dumps(to_jsonable(device))
    assert device.irules == {} and "irules" in device.unknown_kinds
    assert [d.code for d in diagnostics] == ["TF-NO-NAME"]


def test_embedded_declaration_of_the_wrong_shape_is_a_warning(tmp_path: Path) -> None:
    good = {"s": {"class": "Service_TCP", "virtualAddresses": ["203.0.113.5"],
                  "virtualPort": 443}}
    device, diagnostics = plan(
        tmp_path,
        change("bigip_as3", "bad", {"as3_json": as3_json({"p": {"class": "Pool",
                                                                "members": 5}})}),
        change("bigip_as3", "good", {"as3_json": as3_json(good)}),
        change("bigip_do", "do", {"do_json": "{not json"}),
    )
    assert "/T/A/s" in device.virtual_servers  # the good declaration is read
    assert device.unknown_kinds >= AS3_COLLECTIONS  # the bad one may declare anything
    assert {"vlans", "self_ips", "routes", "route_domains"} <= device.unknown_kinds
    assert warnings_of(diagnostics) == [
        ("TF-BAD-DECLARATION", "bigip_as3.bad: as3_json: declaration.T.A.p.members is a "
                               "number (5), expected a list: the objects it declares are unknown"),
        ("TF-BAD-DECLARATION", "bigip_do.do: do_json: not a JSON object: the objects it "
                               "declares are unknown"),
    ]


@pytest.mark.parametrize(
    ("jsonfile", "message"),
    [
        ("{not json", "jsonfile is not JSON"),
        (json.dumps({"tables": [{"name": "t", "columnNames": 5}]}),
         "jsonfile.tables[0].columnNames is a number (5), expected a list of strings"),
        (json.dumps({"variables": [{"name": "x", "value": ["a"]}]}),
         "jsonfile.variables[0].value is a list, expected a string, number or boolean"),
    ],
)
def test_iapp_jsonfile_of_the_wrong_shape_leaves_its_answers_unknown(
    tmp_path: Path, jsonfile: str, message: str
) -> None:
    device, diagnostics = plan(tmp_path, change("bigip_sys_iapp", "lync", {
        "name": "lync", "jsonfile": jsonfile, "template": "/Common/f5.microsoft_lync"}))
    service = device.application_services["/Common/lync.app/lync"]
    assert {"variables", "tables", "template"} <= service.unknown
    assert warnings_of(diagnostics) == [("TF-BAD-VALUE", f"bigip_sys_iapp.lync: {message}: "
                                         "its template, variables and tables are unknown")]
