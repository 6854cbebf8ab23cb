"""Terraform inputs: detection by content, rejection, the real reference plan and states.

The reference files in ``tests/data/terraform`` are copies of real Terraform 1.11 and bigip
provider v1.28.0 outputs (see its PROVENANCE.md). Per-resource mapping and the provider traps
are in ``test_terraform_mapping.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lyncpolicy.adapters.declarative import FORWARDING_VIRTUALS, assemble
from lyncpolicy.adapters.detect import detect_input, iter_inputs
from lyncpolicy.adapters.terraform import (
    CANNOT_EXPRESS,
    TfDocument,
    is_changed,
    locate_block,
    read_document,
    read_terraform,
    tf_block_index,
)

from lyncpolicy.addresses import parse_address, parse_network
from lyncpolicy.cli import main
from lyncpolicy.errors import InputError
from lyncpolicy.loader import load
from lyncpolicy.model import PLAN_CHANGES, Device, Source, VirtualServer, to_jsonable

DATA = Path(__file__).parent / "data" / "terraform"
PLAN = DATA / "bigip-plan.json"
UPDATE = DATA / "bigip-plan-update-MOCKREFRESH.json"
SHOW_STATE = DATA / "bigip-show-state-MOCK.json"
RAW_STATE = DATA / "bigip-terraform-MOCK.tfstate"
PASSWORD = "not-a-real-password"


def device_of(path: Path, kind: str) -> Device:
    return assemble(path.name, read_terraform(str(path), kind))


@pytest.fixture(scope="module")
def plan_device() -> Device:
    return device_of(PLAN, "terraform-plan")


# -- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("bigip-plan.json", "terraform-plan"),
        ("bigip-plan-update-MOCKREFRESH.json", "terraform-plan"),
        ("plan.json", "terraform-plan"),
        ("plan-update.json", "terraform-plan"),
        ("bigip-show-state-MOCK.json", "terraform-show-state"),
        ("show-state.json", "terraform-show-state"),
        ("show-state-nested-modules.json", "terraform-show-state"),
        ("bigip-terraform-MOCK.tfstate", "terraform-state"),
        ("terraform.tfstate", "terraform-state"),
        ("terraform-nested-modules.tfstate", "terraform-state"),
    ],
)
def test_reference_files_are_recognized_by_content(
    tmp_path: Path, name: str, kind: str
) -> None:
    assert detect_input(str(DATA / name)) == kind
    # The name does not matter: the same bytes under a misleading name.
    renamed = tmp_path / "backup.conf.bak"
    shutil.copy(DATA / name, renamed)
    assert detect_input(str(renamed)) == kind


def test_hcl_sources_are_not_inputs(tmp_path: Path) -> None:
    source = DATA / "bigip-fixture-src" / "ltm.tf"
    # `resource "bigip_ltm_node" "edge1" {` has the shape of a tmsh header: not tmsh.
    assert detect_input(str(source)) == "unknown"
    found, notes = iter_inputs([str(DATA / "bigip-fixture-src")])
    assert found == []
    assert {n.code for n in notes} == {"INPUT-SKIPPED"}
    with pytest.raises(InputError) as caught:
        iter_inputs([str(source)])
    assert caught.value.path == str(source)
    assert "HCL" in caught.value.message
    assert "terraform show -json" in (caught.value.hint or "")


# -- rejection -----------------------------------------------------------------------------------


def write_json(path: Path, document: object) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_other_major_format_version_is_rejected(tmp_path: Path) -> None:
    path = write_json(tmp_path / "plan.json",
                      {"format_version": "2.0", "resource_changes": [], "planned_values": {}})
    assert detect_input(path) == "terraform-plan"
    with pytest.raises(InputError) as caught:
        read_document(path, "terraform-plan")
    error = caught.value
    assert error.exit_code == 2
    assert error.path == path
    assert error.message == "Terraform JSON format_version '2.0' is not supported"
    assert "terraform show -json" in (error.hint or "")
    assert "\n" not in str(error) and str(error).startswith(f"{path}: ")


def test_show_state_of_other_major_version_is_rejected(tmp_path: Path) -> None:
    path = write_json(tmp_path / "state.json", {"format_version": "0.1", "values": {}})
    with pytest.raises(InputError) as caught:
        read_document(path, "terraform-show-state")
    assert caught.value.message == "Terraform JSON format_version '0.1' is not supported"


def test_errored_plan_is_rejected(tmp_path: Path) -> None:
    document = json.loads(PLAN.read_text(encoding="utf-8"))
    document["errored"] = True
    path = write_json(tmp_path / "errored.json", document)
    with pytest.raises(InputError) as caught:
        read_document(path, "terraform-plan")
    assert caught.value.path == path
    assert "errored" in caught.value.message
    assert "terraform plan" in (caught.value.hint or "")


def test_state_version_3_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    legacy = {"version": 3, "terraform_version": "0.11.14", "serial": 1, "modules": []}
    path = write_json(tmp_path / "terraform.tfstate", legacy)
    assert detect_input(path) == "unknown"
    with pytest.raises(InputError) as caught:
        iter_inputs([path])
    assert caught.value.message == "Terraform state version 3 is not supported"
    assert caught.value.path == path
    assert "Terraform 0.12" in (caught.value.hint or "")


def test_loader_reports_rejections_per_unit_and_cli_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(PLAN.read_text(encoding="utf-8"))
    document["errored"] = True
    path = write_json(tmp_path / "errored.json", document)
    loaded = load([path])
    [error] = loaded.errors
    assert error.path == path and loaded.model.devices == ()
    with pytest.raises(SystemExit) as exit_info:
        main(["model", path])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"{path}: the plan is marked errored" in err
    assert "Traceback" not in err


# -- wrong shapes ------------------------------------------------------------------------------


def mutated(source: Path, target: Path, keys: tuple[str | int, ...], value: object) -> str:
    """A copy of ``source`` at ``target`` with the value at JSON path ``keys`` replaced."""
    document = json.loads(source.read_text(encoding="utf-8"))
    parent = document
    for key in keys[:-1]:
        parent = parent[key]
    parent[keys[-1]] = value
    return write_json(target, document)


@pytest.mark.parametrize(
    ("source", "kind", "keys", "value", "message"),
    [
        (PLAN, "terraform-plan", ("resource_changes",), {"a": 1},
         "resource_changes is an object, expected a list"),
        (PLAN, "terraform-plan", ("resource_changes", 2, "change", "actions"), [["create"]],
         "resource_changes[2].change.actions[0] is a list, expected a string"),
        (PLAN, "terraform-plan", ("resource_changes", 2, "change", "after_sensitive"), 5,
         "resource_changes[2].change.after_sensitive is a number (5), expected true or false "
         "or an object"),
        (PLAN, "terraform-plan", ("resource_changes", 2, "type"), ["bigip_ltm_monitor"],
         "resource_changes[2].type is a list, expected a string"),
        (RAW_STATE, "terraform-state", ("resources", 0, "instances"), True,
         "resources[0].instances is true, expected a list"),
        (RAW_STATE, "terraform-state", ("resources", 0, "instances", 0, "index_key"), [0],
         "resources[0].instances[0].index_key is a list, expected a string or a whole number"),
        (RAW_STATE, "terraform-state", ("resources", 0, "instances", 0, "sensitive_attributes"),
         [[{"type": "get_attr", "value": ["password"]}]],
         "resources[0].instances[0].sensitive_attributes[0][0].value is a list, expected a "
         "string"),
        (SHOW_STATE, "terraform-show-state", ("values", "root_module"), [],
         "values.root_module is an empty list, expected an object"),
        (SHOW_STATE, "terraform-show-state", ("values", "root_module", "child_modules"), "x",
         'values.root_module.child_modules is a string ("x"), expected a list'),
    ],
)
def test_wrong_shapes_in_the_document_structure_are_errors(
    tmp_path: Path, source: Path, kind: str, keys: tuple[str | int, ...], value: object,
    message: str,
) -> None:
    """Terraform never writes these: the file was edited or damaged, so it is not read."""
    path = mutated(source, tmp_path / source.name, keys, value)
    with pytest.raises(InputError) as caught:
        read_document(path, kind)
    assert caught.value.path == path
    assert caught.value.message == message
    assert "terraform show -json" in (caught.value.hint or "")
    assert caught.value.line is not None


def test_a_wrong_shape_is_one_input_error_and_the_other_inputs_still_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = mutated(PLAN, tmp_path / "plan.json", ("resource_changes", 0, "change", "actions"),
                  [["create"]])
    loaded = load([bad, str(SHOW_STATE)])
    [error] = loaded.errors
    assert isinstance(error, InputError) and error.path == bad
    assert [d.name for d in loaded.model.devices] == [SHOW_STATE.name]
    with pytest.raises(SystemExit) as exit_info:
        main(["model", bad])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: resource_changes[0].change.actions[0] is a list" in err
    assert "internal error" not in err and "Traceback" not in err


def test_truncated_plan_says_where_and_the_other_inputs_still_load(tmp_path: Path) -> None:
    cut = tmp_path / "plan.json"
    cut.write_text(PLAN.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    # Its first keys still say it is a plan: read as one, so its reader reports the JSON.
    assert iter_inputs([str(cut)])[0] == [(str(cut), "terraform-plan")]
    loaded = load([str(cut), str(SHOW_STATE)])
    [error] = loaded.errors
    assert error.path == str(cut) and error.line == 1
    assert error.message == "invalid JSON at line 1, column 2657: unterminated string"
    assert error.hint == "the file looks truncated: produce it again"
    assert [d.name for d in loaded.model.devices] == [SHOW_STATE.name]


def test_broken_json_that_tells_nothing_is_an_error_named_or_a_warning_found(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "inputs" / "notes.json"
    broken.parent.mkdir()
    broken.write_text('{"items": [1,\n  2,,]}', encoding="utf-8")
    empty = tmp_path / "inputs" / "terraform.tfstate"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        iter_inputs([str(broken)])
    assert caught.value.message == "invalid JSON at line 2, column 5: expecting value"
    assert (caught.value.path, caught.value.line) == (str(broken), 2)
    with pytest.raises(InputError, match="invalid JSON: the file is empty"):
        iter_inputs([str(empty)])
    shutil.copy(SHOW_STATE, tmp_path / "inputs" / "state.json")
    loaded = load([str(tmp_path / "inputs")])
    assert loaded.errors == [] and len(loaded.model.devices) == 1
    found = {(d.level, d.code, d.path, d.line, d.message) for d in loaded.diagnostics}
    assert ("warning", "INPUT-UNREADABLE", str(broken), 2,
            "invalid JSON at line 2, column 5: expecting value") in found
    assert ("warning", "INPUT-UNREADABLE", str(empty), 1,
            "invalid JSON: the file is empty") in found


def test_a_defect_in_an_adapter_is_that_units_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last line of defence: the other inputs are still read, the defect is named."""
    from lyncpolicy.adapters import terraform

    def broken(self: object) -> None:
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(terraform._Mapper, "run", broken)
    monkeypatch.delenv("LYNCPOLICY_DEBUG", raising=False)
    loaded = load([str(PLAN), str(DATA.parent / "as3" / "as3_lync_edge.json")])
    [error] = loaded.errors
    assert str(error) == (
        f"internal error reading {PLAN}: TypeError: unhashable type: 'list': please report it "
        "(set LYNCPOLICY_DEBUG=1 for the traceback)"
    )
    assert [d.name for d in loaded.model.devices] == ["as3"]
    monkeypatch.setenv("LYNCPOLICY_DEBUG", "1")
    with pytest.raises(TypeError):
        load([str(PLAN)])


# -- records: addresses, actions, modules --------------------------------------------------------


def test_plan_records_addresses_actions_and_unknowns() -> None:
    document = read_document(str(PLAN), "terraform-plan")
    assert isinstance(document, TfDocument)
    assert document.terraform_version == "1.11.4"
    addresses = [r.address for r in document.resources]
    assert len(addresses) == 28
    assert 'module.edge_vs["sip"].bigip_ltm_virtual_server.vs[0]' in addresses
    assert {r.change for r in document.resources} == {"create"}
    access = next(r for r in document.resources
                  if r.address == "bigip_ltm_virtual_server.edge_access_443")
    assert {"mask", "source", "snatpool", "profiles"} <= set(access.unknown) | {"profiles"}
    assert "mask" not in access.values  # unknown values are never in `values`
    assert access.configured is not None and "vlans_enabled" in access.configured
    monitor = next(r for r in document.resources if r.type == "bigip_ltm_monitor")
    assert "password" in monitor.sensitive and "password" not in monitor.values


def test_update_plan_actions_replace_no_op_and_deletes() -> None:
    document = read_document(str(UPDATE), "terraform-plan")
    changes = {r.address: r.change for r in document.resources}
    assert changes == {
        "bigip_ltm_monitor.edge_tcp": "no-op",
        "bigip_ltm_persistence_profile_srcaddr.edge_src": "no-op",
        "bigip_ltm_pool.edge_access": "no-op",
        "bigip_ltm_pool_attachment.edge_direct": "replace",
        "bigip_ltm_profile_fastl4.edge_l4": "no-op",
        "bigip_ltm_snatpool.edge_snat": "no-op",
        "bigip_ltm_virtual_server.edge_access_443": "update",
    }
    # resource_drift is what the refresh found, not what the plan leaves: never read.
    virtual = next(r for r in document.resources if r.type == "bigip_ltm_virtual_server")
    assert virtual.values["source_address_translation"] == "snat"


def test_builtin_plans_without_bigip_resources_load_as_empty_devices() -> None:
    for name in ("plan.json", "plan-update.json", "show-state.json", "terraform.tfstate"):
        kind = detect_input(str(DATA / name))
        parts = read_terraform(str(DATA / name), kind)
        assert parts.count() == 0, name
        assert [d.code for d in parts.diagnostics] == ["TF-NO-BIGIP"]


def test_generic_plan_reading_on_terraform_data(tmp_path: Path) -> None:
    """The record reader on real module/count/for_each/replace/delete/no-op output, with the
    resource type renamed so the bigip filter keeps it."""
    text = (DATA / "plan-update.json").read_text(encoding="utf-8")
    # Pretty-printed (as `jq .` writes it), so each resource has a line of its own.
    pretty = json.dumps(json.loads(text.replace('"terraform_data"', '"bigip_test_data"')),
                        indent=2)
    path = tmp_path / "plan.json"
    path.write_text(pretty, encoding="utf-8")
    document = read_document(str(path), "terraform-plan")
    changes = {r.address: r.change for r in document.resources}
    assert changes == {
        "terraform_data.lync_pool": "replace",
        "terraform_data.selfip": "update",
        'module.edge.terraform_data.member["/Common/10.1.1.11:443"]': "no-op",
        'module.edge.terraform_data.member["/Common/10.1.1.13:443"]': "create",
        "module.edge.terraform_data.vs[0]": "update",
        "module.edge.terraform_data.vs[1]": "update",
    }
    # The deleted for_each member is gone, but remembered as deleted.
    assert [kind for kind, _ in document.deleted] == ["bigip_test_data"]
    vs0 = next(r for r in document.resources if r.address.endswith("vs[0]"))
    # `input.password` is sensitive: the whole `input` attribute is withheld.
    assert "input" in vs0.sensitive and "input" not in vs0.values
    assert "s3cr3t" not in json.dumps([dict(r.values) for r in document.resources])
    # Every resource is located on the line of its address in resource_changes (the same
    # address appears before, in planned_values and prior_state).
    lines = pretty.splitlines()
    changes_line = next(i for i, line in enumerate(lines, 1) if '"resource_changes"' in line)
    for record in document.resources:
        assert lines[record.line - 1].strip() == f'"address": {json.dumps(record.address)},'
        assert record.line > changes_line


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("show-state-nested-modules.json", "terraform-show-state"),
        ("terraform-nested-modules.tfstate", "terraform-state"),
    ],
)
def test_nested_module_addresses(tmp_path: Path, name: str, kind: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_text(text.replace('"terraform_data"', '"bigip_test_data"'), encoding="utf-8")
    document = read_document(str(path), kind)
    # show -json states the address; from a raw state it is built (with the renamed type).
    addresses = sorted(r.address.replace("bigip_test_data", "terraform_data")
                       for r in document.resources)
    assert addresses == [
        "module.counted[0].terraform_data.node",
        'module.site["dc1"].module.inner.terraform_data.node',
        'module.site["dc2"].module.inner.terraform_data.node',
    ]


def test_raw_state_index_keys_and_lines(tmp_path: Path) -> None:
    text = (DATA / "terraform.tfstate").read_text(encoding="utf-8")
    path = tmp_path / "terraform.tfstate"
    path.write_text(text.replace('"terraform_data"', '"bigip_test_data"'), encoding="utf-8")
    document = read_document(str(path), "terraform-state")
    addresses = {r.address: r.line for r in document.resources}
    key = 'module.edge.bigip_test_data.member["/Common/10.1.1.11:443"]'
    assert sorted(addresses) == [
        "bigip_test_data.pool",
        "bigip_test_data.selfip",
        key,
        'module.edge.bigip_test_data.member["/Common/10.1.1.12:443"]',
        "module.edge.bigip_test_data.vs[0]",
        "module.edge.bigip_test_data.vs[1]",
    ]
    lines = text.splitlines()
    assert lines[addresses[key] - 1].strip() == '"index_key": "/Common/10.1.1.11:443",'
    assert lines[addresses["module.edge.bigip_test_data.vs[1]"] - 1].strip() == (
        '"index_key": 1,'
    )
    assert lines[addresses["bigip_test_data.pool"] - 1].strip() == '"type": "terraform_data",'



# -- the real bigip plan ---------------------------------------------------------------------------


def test_reference_plan_objects(plan_device: Device) -> None:
    assert sorted(plan_device.virtual_servers) == [
        "/Common/fwd_internal_any",
        "/Common/lync_edge_access_443",
        "/Common/lync_edge_av_3478",
        "/Common/lync_edge_sip_5061",
        "/Common/lync_edge_webconf_444",
        "/Lync_Edge/edge/access_443",
        "/Lync_Edge/edge/av_3478",
        "/Lync_Edge/edge/fwd_ip",
        "/Lync_Edge/edge/sip_5061",
    ]
    assert sorted(plan_device.self_ips) == [
        "/Common/external-float", "/Common/external-self", "/Common/internal-self",
    ]
    assert sorted(plan_device.routes) == [
        "/Common/default", "/Common/default-gw", "/Common/internal-net",
    ]
    assert plan_device.partitions["/Lync"].default_route_domain == 2
    assert plan_device.route_domains["/Common/rd2"].id == 2  # from bigip_do
    # bigip_as3 states forwarding virtuals and bigip_do route domains: still unknown are
    # the kinds neither the provider nor AS3/DO can express.
    assert plan_device.unknown_kinds == {"nats", "device_groups", "traffic_groups"}
    assert plan_device.ha  # external-float is in traffic-group-1


def test_reference_plan_access_virtual(plan_device: Device) -> None:
    access = plan_device.virtual_servers["/Common/lync_edge_access_443"]
    assert access.destination == parse_address("203.0.113.50")
    assert access.port == 443
    assert access.type == "performance-l4"
    assert access.snat_type == "automap"
    assert (access.vlans, access.vlans_mode) == (("/Common/external",), "enabled")
    assert access.enabled_on("/Common/internal") is False
    assert [p.name for p in access.persist] == ["/Common/lync_edge_srcaddr"]
    # `mask` and `source` are unset in the configuration: known only after apply.
    assert {"mask", "destination_network", "source_network"} <= access.unknown
    assert access.mask is None and access.destination_network is None
    assert "snat_type" not in access.unknown and "snat_pool" not in access.unknown
    source = access.source
    assert source.resource == "bigip_ltm_virtual_server.edge_access_443"
    assert source.change == "create"
    assert source.file == str(PLAN) and source.line == 1  # the plan is one line of JSON


def test_reference_plan_traps(plan_device: Device) -> None:
    forward = plan_device.virtual_servers["/Common/fwd_internal_any"]
    # vlans_enabled defaults to false: listening everywhere EXCEPT /Common/external.
    assert (forward.vlans, forward.vlans_mode) == (("/Common/external",), "disabled")
    assert forward.enabled_on("/Common/external") is False
    assert forward.enabled_on("/Common/internal") is True
    # source_address_translation is not set: unknown until the device decides.
    assert {"snat_type", "snat_pool"} <= forward.unknown
    # Forwarding-shaped (no pool, no translation): the provider cannot make ip-forward.
    assert "type" in forward.unknown
    assert forward.destination == parse_address("10.0.0.0%2")
    assert forward.destination_network == parse_network("10.0.0.0%2/8")
    av = plan_device.virtual_servers["/Common/lync_edge_av_3478"]
    assert (av.snat_type, av.snat_pool) == ("snat", "/Common/lync_edge_snatpool")
    assert av.mask == 32  # "32" turned into 255.255.255.255 by the provider
    assert "description" in av.unknown  # = bigip_ltm_pool.edge_access.id, known after apply
    sip = plan_device.virtual_servers["/Common/lync_edge_sip_5061"]
    assert {"profiles", "type"} <= sip.unknown  # `profiles` is computed when unset
    assert sip.source.resource == 'module.edge_vs["sip"].bigip_ltm_virtual_server.vs[0]'


def test_reference_plan_pool_members_in_three_node_forms(plan_device: Device) -> None:
    pool = plan_device.pools["/Common/lync_edge_access_443"]
    members = [(m.name, str(m.address), m.port) for m in pool.members]
    assert members == [
        ("/Common/lync-edge1:443", "203.0.113.11", 443),  # node reference -> node address
        ("/Common/203.0.113.12:443", "203.0.113.12", 443),  # direct IPv4
        ("/Common/2001:db8::12.443", "2001:db8::12", 443),  # direct IPv6, `.` before port
    ]
    assert pool.unknown == {"min_active_members"}
    assert pool.monitors == ("/Common/lync_edge_tcp_443",)
    assert pool.load_balancing_mode == "least-connections-member"
    assert plan_device.nodes["/Common/edge2-rd2"].address == parse_address("10.1.1.12%2")
    assert plan_device.nodes["/Common/edge2-rd2"].monitors == ("/Common/icmp",)


def test_reference_plan_network(plan_device: Device) -> None:
    internal = plan_device.self_ips["/Common/internal-self"]
    assert internal.address == parse_address("10.1.1.5%2")
    assert internal.network == parse_network("10.1.1.0%2/24")
    assert internal.allow_service == ("tcp:443", "udp:3478")
    assert internal.source.resource == "bigip_net_selfip.internal_self_rd"
    assert plan_device.self_ips["/Common/external-float"].floating
    assert plan_device.self_ips["/Common/external-self"].allow_service == ()
    default = plan_device.routes["/Common/default-gw"]
    assert default.network == parse_network("0.0.0.0/0") and default.network.is_default
    assert plan_device.routes["/Common/internal-net"].gateway == parse_address("10.1.1.1%2")
    assert plan_device.vlans["/Common/internal"].tag == 102
    assert plan_device.vlans["/Common/internal"].interfaces == ("1.2",)


def test_reference_plan_profiles(plan_device: Device) -> None:
    fastl4 = plan_device.profiles["/Common/lync_edge_fastL4"]
    assert fastl4.kind == "fastl4" and fastl4.defaults_from == "/Common/fastL4"
    # `loose_initiation` (sic) is tmsh loose-initialization.
    assert fastl4.settings["loose-initialization"] == "enabled"
    assert fastl4.effective["loose-close"] == "enabled"
    assert fastl4.effective["idle-timeout"] == "1800"
    assert fastl4.effective["pva-acceleration"] == "full"  # inherited from /Common/fastL4
    # The provider has no reset_on_timeout: never claimed.
    assert "reset-on-timeout" not in fastl4.effective
    assert "effective.reset-on-timeout" in fastl4.unknown
    tcp = plan_device.profiles["/Common/lync_edge_tcp"]
    assert tcp.effective["idle-timeout"] == "1800"
    # Computed attributes the configuration does not set inherit: not unknown.
    assert "effective" not in tcp.unknown
    persistence = plan_device.persistence["/Common/lync_edge_srcaddr"]
    assert persistence.kind == "source-addr"
    assert persistence.effective["timeout"] == "3600"
    assert persistence.effective["map-proxies"] == "enabled"  # from /Common/source_addr
    assert plan_device.profiles["/Common/udp"].builtin  # referenced built-in added


def test_reference_plan_embedded_as3_and_do(plan_device: Device) -> None:
    forward = plan_device.virtual_servers["/Lync_Edge/edge/fwd_ip"]
    assert forward.type == "ip-forward" and forward.unknown == frozenset()
    assert forward.source.resource == "bigip_as3.lync_edge"
    assert forward.source.change == "create"
    assert plan_device.route_domains["/Common/rd2"].source.resource == "bigip_do.network"


def test_reference_plan_duplicates_are_reported() -> None:
    parts = read_terraform(str(PLAN), "terraform-plan")
    duplicates = sorted(d.message.split()[0] for d in parts.diagnostics
                        if d.code == "TF-DUPLICATE")
    assert duplicates == [
        "/Common/external", "/Common/external-float", "/Common/external-self",
        "/Common/internal", "/Common/internal-net", "/Common/internal-self",
    ]
    assert all(d.path == str(PLAN) for d in parts.diagnostics)


# -- states ------------------------------------------------------------------------------------


def comparable(device: Device) -> dict[tuple[str, str], object]:
    found: dict[tuple[str, str], object] = {}
    for name, items in device.collections():
        for key, obj in items.items():
            data = to_jsonable(obj)
            assert isinstance(data, dict)
            data.pop("source")
            for member in data.get("members", []):
                if isinstance(member, dict):
                    member.pop("line", None)
            found[(name, key)] = data
    return found


def test_show_state_and_raw_state_give_the_same_model() -> None:
    shown = device_of(SHOW_STATE, "terraform-show-state")
    raw = device_of(RAW_STATE, "terraform-state")
    assert comparable(shown) == comparable(raw)
    assert len(raw.virtual_servers) == 4
    assert raw.unknown_kinds == CANNOT_EXPRESS
    assert FORWARDING_VIRTUALS in raw.unknown_kinds


def test_state_after_apply_values(tmp_path: Path) -> None:
    raw = device_of(RAW_STATE, "terraform-state")
    sip = raw.virtual_servers["/Common/lync_edge_sip_5061"]
    # After apply the device answered: SNAT "none", mask, source and profiles are known.
    assert sip.unknown == frozenset()
    assert sip.snat_type == "none"
    assert sip.profiles[0].name == "/Common/tcp" and sip.profiles[0].context == "clientside"
    assert sip.source_network == parse_network("0.0.0.0/0")
    assert raw.routes["/Common/default-gw"].network == parse_network("0.0.0.0/0")  # "default"
    assert raw.self_ips["/Common/external-self"].allow_service == ()  # ["none"]
    pool = raw.pools["/Common/lync_edge_access_443"]
    assert pool.min_active_members == 0 and pool.unknown == frozenset()
    access = raw.virtual_servers["/Common/lync_edge_access_443"]
    lines = RAW_STATE.read_text(encoding="utf-8").splitlines()
    assert lines[access.source.line - 1].strip() == '"type": "bigip_ltm_virtual_server",'
    assert lines[access.source.line].strip() == '"name": "edge_access_443",'
    assert access.source.change is None and is_changed(access.source)


# -- update plans and --changed-only ----------------------------------------------------------


def test_update_plan_changes_for_changed_only() -> None:
    device = device_of(UPDATE, "terraform-plan")
    access = device.virtual_servers["/Common/lync_edge_access_443"]
    assert access.source.change == "update"
    # The update: SNAT automap -> snatpool, and vlans_enabled dropped -> disabled on both.
    assert (access.snat_type, access.snat_pool) == ("snat", "/Common/lync_edge_snatpool")
    assert access.vlans_mode == "disabled"
    assert access.vlans == ("/Common/external", "/Common/internal")
    pool = device.pools["/Common/lync_edge_access_443"]
    # The pool resource is no-op, but its attachment is replaced: the pool changes.
    assert pool.source.change == "update"
    assert [str(m.address) for m in pool.members] == ["203.0.113.14"]
    assert device.nodes["/Common/203.0.113.14"].source.change == "replace"
    unchanged = {
        name for name, items in device.collections() for name_, obj in items.items()
        if obj.source.change == "no-op" for name in [name_]
    }
    assert unchanged == {
        "/Common/lync_edge_tcp_443", "/Common/lync_edge_fastL4", "/Common/lync_edge_srcaddr",
        "/Common/lync_edge_snatpool",
    }
    assert not is_changed(device.monitors["/Common/lync_edge_tcp_443"].source)
    assert is_changed(access.source) and is_changed(pool.source)


@pytest.mark.parametrize(
    ("change", "kept"),
    [("create", True), ("update", True), ("replace", True), ("no-op", False), (None, True)],
)
def test_is_changed(change: str | None, kept: bool) -> None:
    source = Source("plan.json", 1, 1, resource="bigip_ltm_pool.p", change=change)  # type: ignore[arg-type]
    assert is_changed(source) is kept
    assert is_changed(None)


# -- loader and CLI ----------------------------------------------------------------------------


def test_loader_returns_one_device_per_plan() -> None:
    loaded = load([str(PLAN), str(RAW_STATE)])
    assert loaded.errors == []
    assert [u.unit.kind for u in loaded.units] == ["terraform", "terraform"]
    devices = loaded.model.devices
    assert [d.name for d in devices] == ["bigip-plan.json", "bigip-terraform-MOCK.tfstate"]
    assert devices[0].inputs == (str(PLAN),)
    assert isinstance(devices[0].virtual_servers["/Common/lync_edge_access_443"], VirtualServer)
    assert loaded.units[0].object_count == devices[0].object_count() == 48


def test_loader_walks_the_folder_of_reference_files() -> None:
    loaded = load([str(DATA)])
    assert loaded.errors == []
    kinds = sorted((u.unit.kind, u.unit.label) for u in loaded.units)
    assert ("terraform", "bigip-plan.json") in kinds
    assert all(kind == "terraform" for kind, _ in kinds)  # the HCL folders are not inputs
    # 10 reference files, and the 6 seed scenarios as plans (scenarios/, with make_plans.py)
    assert len(kinds) == 16


def test_model_json_has_sources_and_no_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    assert PASSWORD in PLAN.read_text(encoding="utf-8")  # the provider block carries it
    with pytest.raises(SystemExit) as exit_info:
        main(["model", str(PLAN), "--format", "json", "--verbose"])
    assert exit_info.value.code == 0
    out, err = capsys.readouterr()
    assert PASSWORD not in out and PASSWORD not in err
    document = json.loads(out)
    [device] = document["devices"]
    access = next(v for v in device["virtual_servers"]
                  if v["name"] == "/Common/lync_edge_access_443")
    assert access["source"]["resource"] == "bigip_ltm_virtual_server.edge_access_443"
    assert access["source"]["change"] == "create"
    assert "mask" in access["unknown"]
    with pytest.raises(SystemExit):
        main(["model", str(PLAN)])
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err


# -- .tf sources -----------------------------------------------------------------------------


def test_resource_blocks_are_located_in_tf_sources() -> None:
    source = DATA / "bigip-fixture-src"
    index = tf_block_index(str(source))
    found = locate_block(index, str(source), "bigip_ltm_virtual_server.edge_access_443")
    assert found is not None
    path, line = found
    assert Path(path).name == "ltm.tf"
    text = Path(path).read_text(encoding="utf-8").splitlines()
    assert text[line - 1] == 'resource "bigip_ltm_virtual_server" "edge_access_443" {'
    module = locate_block(index, str(source),
                          'module.edge_vs["sip"].bigip_ltm_virtual_server.vs[0]')
    assert module is not None
    assert Path(module[0]).relative_to(source).as_posix() == "modules/edge_vs/main.tf"
    assert locate_block(index, str(source), "bigip_ltm_pool.missing") is None
    # Every resource of the real plan has its block.
    for record in read_document(str(PLAN), "terraform-plan").resources:
        assert locate_block(index, str(source), record.address) is not None, record.address


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "junit", "github", "markdown"])
def test_scan_of_the_real_plan_leaks_no_secret(
    output_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan carries the provider password in clear text (configuration.provider_config):
    no output format may show it, and the plan scans without an input error."""
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", str(PLAN), "--isolated", "--verbose", "--format", output_format])
    out, err = capsys.readouterr()
    assert exit_info.value.code in (0, 1), err
    assert out
    assert PASSWORD not in out and PASSWORD not in err


def test_model_schema_lists_the_plan_changes() -> None:
    schema = json.loads((Path(__file__).parents[1] / "schemas" / "model.schema.json")
                        .read_text(encoding="utf-8"))
    source = schema["$defs"]["source"]["properties"]
    assert source["change"]["enum"] == [*PLAN_CHANGES, None]
    assert source["resource"]["type"] == ["string", "null"]
