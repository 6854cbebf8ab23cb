"""Write the seed scenarios as Terraform plans of the F5 ``bigip`` provider.

Each tmsh scenario (``tests/data/scenarios/<name>/bigip_base.conf`` + ``bigip.conf``) is read
with lyncpolicy's own tmsh reader and written out as

* ``<name>.plan.json``: what ``terraform show -json`` prints for a plan that creates it
  (format 1.2, Terraform 1.11.4, provider v1.28.0), shaped like the real reference plan
  ``../bigip-plan.json``: ``planned_values``, ``resource_changes`` (``["create"]``, with
  ``after_unknown`` for every Optional+Computed attribute the configuration leaves unset and
  the provider's SDK defaults in ``after``) and ``configuration`` (constant expressions);
* ``src/b_av_snat/*.tf``: the HCL of that plan (for ``--tf-source``).

What the provider has no resource for is written the way a Terraform user would:

* the forwarding virtuals (``ip-forward``) as AS3 ``Service_Forwarding`` in a ``bigip_as3``
  resource (tenant ``Common``, application ``Shared``: ``/Common/Shared/<name>``);
* the reject virtuals as a ``bigip_command`` (AS3 3.56 has no reject virtual: the
  ``forwardingType`` of Service_Forwarding is ``ip`` or ``l2`` only);
* ``ltm nat`` (no resource in the provider nor in AS3) as ``create ltm nat ...`` commands of a
  ``bigip_command`` (``edge_nat``), which the adapter reads with the tmsh reader;
* an iApp application service (``sys application service``) as a ``bigip_sys_iapp`` whose
  ``jsonfile`` holds the iControl REST body (template, variables, lists, tables): the provider
  sends only ``jsonfile`` (``dataToIapp``); the device's template then builds the virtuals,
  pools, monitors, profiles, persistence and virtual addresses. Those objects are not
  Terraform resources (a ``bigip_*`` resource of the same name would collide with the iApp's
  own object, and ``strict-updates`` forbids changing it): they are left out of the plan.
  The nodes the iApp's members use are written as ``bigip_ltm_node`` (they carry descriptions);
* ``net route-domain`` and ``cm traffic-group`` are not written at all (no resource); route
  domains survive as ``%N`` in addresses. A node name cannot carry ``%`` (``validateF5Name``),
  so route-domain members use the direct ``ADDR%N:PORT`` form.

The output is deterministic (sorted, no timestamps that change): run
``python tests/data/terraform/scenarios/make_plans.py`` after changing a scenario, and
``--check`` (the test suite does) to verify the files are up to date.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
SCENARIOS_DIR = ROOT / "tests" / "data" / "scenarios"
SCENARIOS = ("a_supported", "b_av_snat", "c_fwd_primary_only", "d_iapp_internal_route",
             "e_nat_design", "e_nat_design_missing")
SOURCE_SCENARIO = "b_av_snat"  # the one whose .tf files are written (for --tf-source)
PROVIDER = "registry.terraform.io/f5networks/bigip"
TIMESTAMP = "2026-11-26T06:00:00Z"

sys.path.insert(0, str(ROOT))

from lyncpolicy.adapters.tmsh import ParseResult, parse_file  # noqa: E402
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device  # noqa: E402

from lyncpolicy.model import (  # noqa: E402
    ApplicationService,
    Device,
    Nat,
    Pool,
    VirtualServer,
)

Values = dict[str, Any]

# Per resource type (provider v1.28.0): the SDK defaults that appear in a plan when the
# configuration leaves the attribute out, the Optional+Computed attributes that are then
# unknown, and the .tf file the resource is written to.
DEFAULTS: dict[str, Values] = {
    "bigip_net_vlan": {"mtu": 1500},
    "bigip_net_selfip": {"port_lockdown": None, "traffic_group": "traffic-group-local-only"},
    "bigip_net_route": {"reject": None, "tunnel_ref": None, "gw": None},
    "bigip_cm_devicegroup": {
        "auto_sync": "disabled", "description": None, "full_load_on_sync": "false",
        "incremental_config": 1024, "network_failover": "enabled", "partition": "Common",
        "save_on_auto_sync": "false", "type": "sync-only",
    },
    "bigip_ltm_monitor": {
        "base": None, "compatibility": "enabled", "custom_parent": None, "database": None,
        "domain": None, "filename": None, "filter": None, "mandatory_attributes": None,
        "password": None, "receive": None, "receive_disable": None, "security": None,
        "ssl_profile": None, "username": None,
    },
    "bigip_ltm_node": {"description": None, "fqdn": [], "monitor": "/Common/icmp"},
    "bigip_ltm_pool": {"allow_nat": "yes", "allow_snat": "yes", "description": None},
    "bigip_ltm_pool_attachment": {"fqdn_autopopulate": None, "state": "enabled"},
    "bigip_ltm_profile_fastl4": {},
    "bigip_ltm_persistence_profile_srcaddr": {},
    "bigip_ltm_virtual_address": {
        "advertize_route": "disabled", "arp": True, "auto_delete": True, "conn_limit": 0,
        "enabled": True, "icmp_echo": "enabled", "traffic_group": "/Common/traffic-group-1",
    },
    "bigip_ltm_virtual_server": {
        "client_profiles": None, "description": None, "irules": None, "policies": None,
        "security_log_profiles": None, "server_profiles": None, "ip_protocol": "tcp",
        "state": "enabled", "translate_address": "enabled", "translate_port": "enabled",
        "vlans_enabled": False,
    },
    "bigip_as3": {"controls": None, "delete_apps": [], "ignore_metadata": False},
    "bigip_sys_iapp": {
        "description": None, "inherited_devicegroup": "true", "inherited_traffic_group": "true",
        "lists": [], "metadata": [], "partition": "Common", "strict_updates": "enabled",
        "tables": [], "template": None, "template_modified": "no",
        "template_prerequisite_errors": None, "traffic_group": "/Common/traffic-group-1",
        "variables": [],
    },
    "bigip_command": {"when": "apply"},
}
COMPUTED: dict[str, tuple[str, ...]] = {
    "bigip_net_vlan": ("cmp_hash", "id", "tag"),
    "bigip_net_selfip": ("id",),
    "bigip_net_route": ("id",),
    "bigip_cm_devicegroup": ("id",),
    "bigip_ltm_monitor": (
        "adaptive", "adaptive_limit", "chase_referrals", "destination", "id", "interval",
        "ip_dscp", "manual_resume", "mode", "reverse", "send", "time_until_up", "timeout",
        "transparent", "up_interval"),
    "bigip_ltm_node": ("connection_limit", "dynamic_ratio", "id", "rate_limit", "ratio",
                       "session", "state"),
    "bigip_ltm_pool": ("id", "load_balancing_mode", "minimum_active_members", "monitors",
                       "reselect_tries", "service_down_action", "slow_ramp_time"),
    "bigip_ltm_pool_attachment": ("connection_limit", "connection_rate_limit",
                                  "dynamic_ratio", "id", "monitor", "priority_group", "ratio"),
    "bigip_ltm_profile_fastl4": (
        "client_timeout", "defaults_from", "explicitflow_migration", "hardware_syncookie",
        "id", "idle_timeout", "iptos_toclient", "iptos_toserver", "keepalive_interval",
        "late_binding", "loose_close", "loose_initiation", "partition", "receive_windowsize",
        "tcp_handshake_timeout"),
    "bigip_ltm_persistence_profile_srcaddr": (
        "app_service", "hash_algorithm", "id", "map_proxies", "mask", "match_across_pools",
        "match_across_services", "match_across_virtuals", "mirror", "override_conn_limit",
        "timeout"),
    "bigip_ltm_virtual_address": ("id",),
    "bigip_ltm_virtual_server": (
        "connection_limit", "default_persistence_profile", "fallback_persistence_profile",
        "firewall_enforced_policy", "id", "mask", "per_flow_request_access_policy",
        "persistence_profiles", "pool", "profiles", "snatpool", "source",
        "source_address_translation", "source_port", "trafficmatching_criteria"),
    "bigip_as3": ("application_list", "id", "per_app_mode", "task_id", "tenant_filter",
                  "tenant_list", "tenant_name"),
    "bigip_command": ("command_result", "id"),
    "bigip_sys_iapp": ("devicegroup", "execute_action", "id"),
}
FILES: dict[str, str] = {
    "bigip_net_vlan": "network.tf", "bigip_net_selfip": "network.tf",
    "bigip_net_route": "network.tf", "bigip_cm_devicegroup": "network.tf",
    "bigip_as3": "forwarding.tf", "bigip_command": "forwarding.tf",
    "bigip_sys_iapp": "iapp.tf",
}


def short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def tf_name(text: str) -> str:
    """A Terraform resource name from an object name (``203.0.113.10`` -> ``n203_0_113_10``)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", short(text))
    return name if name[0].isalpha() or name[0] == "_" else f"n{name}"


def _enabled(flag: bool) -> str:
    return "enabled" if flag else "disabled"


def _mask(prefix: int | None) -> str:
    import ipaddress

    return str(ipaddress.ip_network(f"0.0.0.0/{prefix or 0}").netmask)


class Plan:
    """The resources of one plan, in the order they are added."""

    def __init__(self) -> None:
        self.resources: list[tuple[str, str, Values]] = []

    def add(self, kind: str, name: str, config: Values) -> None:
        """A resource whose configuration sets ``config`` (``None``: left out)."""
        self.resources.append((kind, name, {k: v for k, v in config.items() if v is not None}))

    def change(self, kind: str, name: str, config: Values) -> Values:
        after: Values = {**DEFAULTS.get(kind, {}), **config}
        unknown = {attr: True for attr in COMPUTED.get(kind, ()) if attr not in config}
        for attr in unknown:
            after.pop(attr, None)
        # Lists and sets in `after` have a mirror of `false` per element in after_unknown.
        for attr, value in after.items():
            if isinstance(value, list) and value and attr not in unknown:
                unknown[attr] = [{} if isinstance(v, dict) else False for v in value]
        sensitive = {attr: mirror for attr, mirror in unknown.items() if mirror is not True}
        return {"after": dict(sorted(after.items())),
                "after_unknown": dict(sorted(unknown.items())),
                "after_sensitive": dict(sorted(sensitive.items()))}

    def document(self) -> Values:
        planned: list[Values] = []
        changes: list[Values] = []
        config: list[Values] = []
        for kind, name, values in sorted(self.resources, key=lambda r: (r[0], r[1])):
            address = f"{kind}.{name}"
            change = self.change(kind, name, values)
            header = {"address": address, "mode": "managed", "type": kind, "name": name,
                      "provider_name": PROVIDER}
            planned.append({**header, "schema_version": 0, "values": change["after"],
                            "sensitive_values": change["after_sensitive"]})
            changes.append({**header, "change": {
                "actions": ["create"], "before": None, "after": change["after"],
                "after_unknown": change["after_unknown"], "before_sensitive": False,
                "after_sensitive": change["after_sensitive"]}})
            config.append({
                "address": address, "mode": "managed", "type": kind, "name": name,
                "provider_config_key": "bigip",
                "expressions": {
                    attr: ({} if attr in ("as3_json", "commands", "jsonfile")
                           else _expression(value))
                    for attr, value in sorted(values.items())
                },
                "schema_version": 0,
            })
        return {
            "format_version": "1.2",
            "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": planned}},
            "resource_changes": changes,
            "configuration": {
                "provider_config": {"bigip": {
                    "name": "bigip", "full_name": PROVIDER, "version_constraint": "1.28.0",
                    "expressions": {
                        "address": {"references": ["var.bigip_address"]},
                        "password": {"references": ["var.bigip_password"]},
                        "username": {"constant_value": "admin"},
                    },
                }},
                "root_module": {"resources": config, "variables": {
                    "bigip_address": {}, "bigip_password": {"sensitive": True}}},
            },
            "timestamp": TIMESTAMP,
            "applyable": True,
            "complete": True,
            "errored": False,
        }

    def hcl(self) -> dict[str, str]:
        """The .tf files of the plan (file name -> text)."""
        texts: dict[str, list[str]] = {}
        for kind, name, values in self.resources:
            lines = [f'resource "{kind}" "{name}" {{']
            for attr, value in values.items():
                lines.extend(_hcl_attribute(attr, value, "  "))
            lines.append("}")
            texts.setdefault(FILES.get(kind, "ltm.tf"), []).append("\n".join(lines))
        return {file: "\n\n".join(blocks) + "\n" for file, blocks in sorted(texts.items())}


def _expression(value: object) -> Values:
    return {"constant_value": value}


def _hcl_attribute(attr: str, value: object, indent: str) -> list[str]:
    if attr in ("as3_json", "jsonfile") and isinstance(value, str):
        return [f"{indent}as3_json = jsonencode({json.dumps(json.loads(value), indent=2)})"
                .replace("\n", f"\n{indent}")]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        lines: list[str] = []
        for item in value:  # a block
            lines.append(f"{indent}{attr} {{")
            lines.extend(f"{indent}  {k} = {json.dumps(v)}" for k, v in item.items())
            lines.append(f"{indent}}}")
        return lines
    return [f"{indent}{attr} = {json.dumps(value)}"]


def _vlan_refs(virtual: VirtualServer) -> Values:
    return {"vlans": list(virtual.vlans), "vlans_enabled": virtual.vlans_mode == "enabled"}


def _iapp_lists(parsed: list[ParseResult]) -> dict[str, dict[str, list[str]]]:
    """The ``lists`` of each ``sys application service`` (not in the model), by full name."""
    found: dict[str, dict[str, list[str]]] = {}
    for result in parsed:
        for obj in result.objects:
            if obj.type != "sys application service" or obj.full_path is None:
                continue
            lists: dict[str, list[str]] = {}
            stmt = obj.properties().get("lists")
            for item in (stmt.block or []) if stmt is not None else []:
                value = next((s for s in item.block or [] if s.key == "value"), None)
                if item.words and value is not None:
                    lists[item.words[0]] = [w for s in value.block or [] for w in s.words] \
                        if value.block is not None else [
                            w for w in value.values if w not in ("{", "}")]
            found[obj.full_path] = lists
    return found


def _iapp(plan: Plan, service: ApplicationService, lists: dict[str, list[str]]) -> None:
    """``bigip_sys_iapp`` with the iControl REST body of the service in ``jsonfile``."""
    name = short(service.name)
    body: Values = {
        "name": name, "partition": service.partition, "template": service.template,
        "variables": [{"name": k, "encrypted": "no", "value": v}
                      for k, v in sorted(service.variables.items())],
        "lists": [{"name": k, "encrypted": "no", "value": v} for k, v in sorted(lists.items())],
        "tables": [
            {"name": table, "columnNames": list(rows[0]) if rows else [],
             "rows": [{"row": list(row.values())} for row in rows]}
            for table, rows in sorted(service.tables.items())
        ],
    }
    plan.add("bigip_sys_iapp", tf_name(name), {
        "name": name, "partition": service.partition,
        "jsonfile": json.dumps(body, sort_keys=True, separators=(",", ":"))})


def _nat_command(nat: Nat) -> str:
    vlans = f" vlans add {{ {' '.join(nat.vlans)} }} vlans-{nat.vlans_mode}" if nat.vlans else ""
    return (f"create ltm nat {nat.name} originating-address {nat.originating_address} "
            f"translation-address {nat.translation_address} "
            f"traffic-group {nat.traffic_group}{vlans}")


def build(device: Device, lists: dict[str, dict[str, list[str]]] | None = None) -> Plan:
    plan = Plan()
    for vlan in sorted(device.vlans.values(), key=lambda v: v.name):
        plan.add("bigip_net_vlan", tf_name(vlan.name), {
            "name": vlan.name, "tag": vlan.tag,
            "interfaces": [{"vlanport": i, "tagged": False} for i in vlan.interfaces]})
    for self_ip in sorted(device.self_ips.values(), key=lambda s: s.name):
        assert self_ip.address is not None and self_ip.network is not None
        values: Values = {
            "name": self_ip.name,
            "ip": f"{self_ip.address}/{self_ip.network.network.prefixlen}",
            "vlan": self_ip.vlan,
            "traffic_group": short(self_ip.traffic_group),
            "port_lockdown": list(self_ip.allow_service or ("none",)),
        }
        plan.add("bigip_net_selfip", tf_name(self_ip.name), values)
    for route in sorted(device.routes.values(), key=lambda r: r.name):
        assert route.network is not None
        plan.add("bigip_net_route", tf_name(route.name), {
            "name": route.name, "network": str(route.network), "gw": str(route.gateway)})
    for group in sorted(device.device_groups.values(), key=lambda g: g.name):
        if group.type != "sync-failover":
            continue  # device_trust_group is the system's own
        plan.add("bigip_cm_devicegroup", tf_name(group.name), {
            "name": group.name, "type": group.type, "auto_sync": "enabled",
            "device": [{"name": d} for d in group.devices]})
    for monitor in sorted(device.monitors.values(), key=lambda m: m.name):
        if monitor.source.file == "" or monitor.app_service:
            continue
        s = monitor.settings
        plan.add("bigip_ltm_monitor", tf_name(monitor.name), {
            "name": monitor.name, "parent": monitor.defaults_from,
            "destination": monitor.destination, "interval": int(s["interval"]),
            "timeout": int(s["timeout"]), "adaptive": s["adaptive"],
            "ip_dscp": int(s["ip-dscp"]), "time_until_up": int(s["time-until-up"])})
    for profile in sorted(device.profiles.values(), key=lambda p: p.name):
        if profile.builtin or profile.kind != "fastl4" or profile.app_service:
            continue
        s = profile.settings
        values = {"name": profile.name, "defaults_from": profile.defaults_from,
                  "idle_timeout": s["idle-timeout"]}
        for attr, tmsh in (("loose_close", "loose-close"),
                           ("loose_initiation", "loose-initialization")):
            if tmsh in s:
                values[attr] = s[tmsh]
        # reset-on-timeout: the provider has no attribute for it (left to the parent).
        plan.add("bigip_ltm_profile_fastl4", tf_name(profile.name), values)
    for persistence in sorted(device.persistence.values(), key=lambda p: p.name):
        if persistence.builtin or persistence.app_service:
            continue
        s = persistence.settings
        plan.add("bigip_ltm_persistence_profile_srcaddr", tf_name(persistence.name), {
            "name": persistence.name, "defaults_from": persistence.defaults_from,
            "timeout": int(s["timeout"]), "mask": s["mask"],
            "hash_algorithm": s["hash-algorithm"], "map_proxies": s["map-proxies"],
            "match_across_pools": s["match-across-pools"],
            "match_across_services": s["match-across-services"],
            "match_across_virtuals": s["match-across-virtuals"],
            "override_conn_limit": s["override-connection-limit"]})
    node_names: set[str] = set()
    for node in sorted(device.nodes.values(), key=lambda n: n.name):
        if "%" in node.name:
            continue  # validateF5Name: such a node comes from a direct-form attachment
        node_names.add(node.name)
        plan.add("bigip_ltm_node", tf_name(node.name), {
            "name": node.name, "address": str(node.address), "description": node.description})
    for pool in sorted(device.pools.values(), key=lambda p: p.name):
        if not pool.app_service:
            _pool(plan, pool, node_names)
    forwarding: dict[str, Values] = {}
    rejects: list[str] = []
    for virtual in sorted(device.virtual_servers.values(), key=lambda v: v.name):
        if virtual.app_service:
            continue  # built by the iApp
        if virtual.type == "ip-forward":
            forwarding[short(virtual.name)] = _service_forwarding(virtual)
        elif virtual.type == "reject":
            rejects.append(_reject_command(virtual))
        else:
            plan.add("bigip_ltm_virtual_server", tf_name(virtual.name), _virtual(virtual))
    for address in sorted(device.virtual_addresses.values(), key=lambda a: a.name):
        if address.arp and address.mask == 32 and not address.app_service:  # standard VIPs
            plan.add("bigip_ltm_virtual_address", tf_name(address.name), {
                "name": address.name, "arp": address.arp,
                "traffic_group": address.traffic_group})
    declaration = {
        "class": "AS3", "action": "deploy", "persist": True,
        "declaration": {
            "class": "ADC", "schemaVersion": "3.56.0", "id": "lync-edge-forwarding",
            "Common": {"class": "Tenant", "Shared": {
                "class": "Application", "template": "shared", **forwarding}},
        },
    }
    plan.add("bigip_as3", "edge_forwarding", {
        "as3_json": json.dumps(declaration, sort_keys=True, separators=(",", ":"))})
    if rejects:
        plan.add("bigip_command", "edge_dmz_reject", {"commands": rejects})
    nats = [_nat_command(n) for n in sorted(device.nats.values(), key=lambda n: n.name)
            if isinstance(n, Nat)]
    if nats:
        plan.add("bigip_command", "edge_nat", {"commands": nats})
    for service in sorted(device.application_services.values(), key=lambda s: s.name):
        _iapp(plan, service, (lists or {}).get(service.name, {}))
    return plan


def _pool(plan: Plan, pool: Pool, node_names: set[str]) -> None:
    plan.add("bigip_ltm_pool", tf_name(pool.name), {
        "name": pool.name, "load_balancing_mode": pool.load_balancing_mode,
        "monitors": list(pool.monitors)})
    for member in pool.members:
        node, _, port = member.name.rpartition(":")
        # Reference form when a bigip_ltm_node of that name exists, else the direct form.
        text = f"{node}:{port}" if node in node_names else f"{short(node)}:{port}"
        plan.add("bigip_ltm_pool_attachment", f"{tf_name(pool.name)}_{tf_name(member.name)}",
                 {"pool": pool.name, "node": text})


def _virtual(virtual: VirtualServer) -> Values:
    assert virtual.destination is not None and virtual.source_network is not None
    values: Values = {
        "name": virtual.name,
        "description": virtual.description,
        "destination": str(virtual.destination),
        "port": virtual.port,
        "mask": _mask(virtual.mask),
        "source": str(virtual.source_network.network),
        "ip_protocol": virtual.ip_protocol,
        "pool": virtual.pool,
        "profiles": [p.name for p in virtual.profiles],
        "persistence_profiles": [p.name for p in virtual.persist],
        # default_persistence_profile left out, as usual: the only profile is the default.
        "source_address_translation": virtual.snat_type,
        "translate_address": _enabled(virtual.translate_address),
        "translate_port": _enabled(virtual.translate_port),
        **_vlan_refs(virtual),
    }
    return values


def _service_forwarding(virtual: VirtualServer) -> Values:
    assert virtual.destination_network is not None and virtual.source_network is not None
    return {
        "class": "Service_Forwarding",
        "remark": virtual.description,
        "forwardingType": "ip",
        "virtualAddresses": [[str(virtual.destination_network),
                              str(virtual.source_network)]],
        "virtualPort": virtual.port,
        "layer4": virtual.ip_protocol,
        "profileL4": {"bigip": virtual.profiles[0].name},
        "snat": "none" if virtual.snat_type == "none" else "auto",
        ("allowVlans" if virtual.vlans_mode == "enabled" else "rejectVlans"):
            [{"bigip": v} for v in virtual.vlans],
    }


def _reject_command(virtual: VirtualServer) -> str:
    assert virtual.destination is not None and virtual.source_network is not None
    return (
        f"create ltm virtual {virtual.name} destination {virtual.destination}:{virtual.port} "
        f"mask {_mask(virtual.mask)} source {virtual.source_network} reject "
        f"profiles add {{ {' '.join(p.name for p in virtual.profiles)} }} "
        f"vlans add {{ {' '.join(virtual.vlans)} }} vlans-enabled"
    )


def render(name: str) -> tuple[str, dict[str, str]]:
    """The plan JSON and .tf files of scenario ``name``."""
    folder = SCENARIOS_DIR / name
    parsed = [parse_file(str(folder / f)) for f in ("bigip_base.conf", "bigip.conf")]
    device, _ = build_device([TmshInput(p) for p in parsed], name)
    plan = build(device, _iapp_lists(parsed))
    return json.dumps(plan.document(), indent=2) + "\n", plan.hcl()


def outputs() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for name in SCENARIOS:
        text, sources = render(name)
        files[HERE / f"{name}.plan.json"] = text
        if name == SOURCE_SCENARIO:
            for file, hcl in sources.items():
                files[HERE / "src" / name / file] = hcl
    return files


def main(argv: list[str]) -> int:
    files = outputs()
    if "--check" in argv:
        stale = [str(p.relative_to(ROOT)) for p, text in files.items()
                 if not p.is_file() or p.read_text("utf-8") != text]
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

