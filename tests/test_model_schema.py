"""`lyncpolicy model --format json` and `parse --format json` match their published schemas.

The schemas close every object (``additionalProperties: false``) and require every field, so a
field added to, renamed in or dropped from ``lyncpolicy/model.py`` without a schema update fails
here. The inputs are real public configurations from ``tests/data/corpus``.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.resources
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from lyncpolicy import model as m
from lyncpolicy.cli import main

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "data" / "corpus"
SCHEMAS = REPO / "schemas"
BATFISH = (
    CORPUS
    / "batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar"
    / "f5_bigip_structured/testconfigs"
)
ACC = CORPUS / "f5devcentral__f5-automation-config-converter/test/engines"
CORKSCREW = CORPUS / "f5devcentral__f5-corkscrew/tests"
ARCHIVE1_CONFIG = CORKSCREW / "archive_generator/archive1/config"

# input id -> (paths, collections that must not be empty, so the schema really sees them)
INPUTS: dict[str, tuple[list[Path], set[str]]] = {
    "corkscrew-archive1-config": (
        [ARCHIVE1_CONFIG],
        {
            "virtual_servers",
            "virtual_addresses",
            "pools",
            "nodes",
            "monitors",
            "profiles",
            "persistence",
            "snat_pools",
            "snat_translations",
            "vlans",
            "route_domains",
            "device_groups",
            "traffic_groups",
            "irules",
            "partitions",
        },
    ),
    "batfish-ltm": (
        [BATFISH / "f5_bigip_structured_ltm"],
        {"virtual_servers", "pools", "monitors", "profiles", "persistence", "snats", "irules"},
    ),
    "batfish-ltm-virtual-cases": (
        [BATFISH / "f5_bigip_structured_ltm_virtual_cases"],
        {"virtual_servers", "virtual_addresses"},
    ),
    "batfish-snat": (
        [BATFISH / "f5_bigip_structured_snat"],
        {"snats", "snat_pools", "snat_translations", "self_ips"},
    ),
    "batfish-net-route": ([BATFISH / "f5_bigip_structured_net_route"], {"routes", "self_ips"}),
    "batfish-cm": ([BATFISH / "f5_bigip_structured_cm"], {"device_groups", "traffic_groups"}),
    "acc-routedomain": (
        [ACC / "doConverter/routedomain/routedomain.conf"],
        {"route_domains", "virtual_servers", "self_ips"},
    ),
    "acc-selfip2": ([ACC / "doConverter/selfip/selfip2.conf"], {"self_ips"}),
    "acc-iapp": ([ACC / "as3Converter/iapp/iapp.conf"], {"application_services"}),
    # An archive: sources carry `archive` and `member`.
    "corkscrew-archive-tgz": (
        [CORKSCREW / "artifacts/f5_corkscrew_test.tar.gz"],
        {"virtual_servers", "pools"},
    ),
}

# Objects no corpus file has (ltm nat) and the shapes of address text the schema must accept:
# route domains, IPv6 with a route domain, IPv4-mapped IPv6, floating self IP, vlans-enabled.
SYNTHETIC_CONF = """\
net route-domain /Common/rd9 {
    id 9
    vlans {
        /Common/ext
    }
}
net vlan /Common/ext {
    tag 4094
}
ltm nat /Common/nat1 {
    originating-address 10.9.9.9%9
    translation-address 203.0.113.9%9
    traffic-group /Common/traffic-group-1
    vlans {
        /Common/ext
    }
    vlans-enabled
}
ltm virtual /Common/v6 {
    destination /Common/2001:db8::10%9.443
    ip-protocol tcp
    mask 128
    source ::%9/0
    source-address-translation {
        type automap
    }
    profiles {
        /Common/tcp { }
        /Common/clientssl {
            context clientside
        }
    }
}
ltm virtual /Common/mapped {
    destination /Common/::ffff:192.0.2.1.80
    mask any6
}
net self /Common/float {
    address 203.0.113.8%9/29
    traffic-group /Common/traffic-group-1
    vlan /Common/ext
    allow-service {
        default
    }
}
net route /Common/default9 {
    gw 203.0.113.14%9
    network default%9
}
"""

# $defs name -> model class: the schema's properties must be exactly the JSON fields.
DEF_CLASSES: dict[str, type] = {
    "device": m.Device,
    "source": m.Source,
    "profile_ref": m.ProfileRef,
    "persist_ref": m.PersistRef,
    "pool_member": m.PoolMember,
    "virtual_server": m.VirtualServer,
    "virtual_address": m.VirtualAddress,
    "pool": m.Pool,
    "node": m.Node,
    "monitor": m.Monitor,
    "profile": m.Profile,
    "persistence": m.Persistence,
    "snat": m.Snat,
    "snat_pool": m.SnatPool,
    "snat_translation": m.SnatTranslation,
    "nat": m.Nat,
    "self_ip": m.SelfIp,
    "vlan": m.Vlan,
    "route": m.Route,
    "route_domain": m.RouteDomain,
    "device_group": m.DeviceGroup,
    "traffic_group": m.TrafficGroup,
    "application_service": m.ApplicationService,
    "irule": m.Rule,
    "partition": m.Partition,
}


def _load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return schema


@pytest.fixture(scope="module")
def model_validator() -> Draft202012Validator:
    schema = _load_schema("model.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def parse_validator() -> Draft202012Validator:
    schema = _load_schema("parse.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lyncpolicy", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )


def _run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1 if code else 0), out, err


def _errors(validator: Draft202012Validator, document: object) -> list[str]:
    return [
        f"{error.json_path}: {error.message[:300]}"
        for error in sorted(validator.iter_errors(document), key=lambda e: e.json_path)
    ][:20]


def _model_json_subprocess(paths: list[Path]) -> dict[str, Any]:
    result = _run("model", *map(str, paths), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="module")
def synthetic_conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "bigip.conf"
    path.write_text(SYNTHETIC_CONF, encoding="utf-8")
    return path


# -- the schemas themselves ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["model.schema.json", "parse.schema.json"])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = _load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://lyncpolicy.dev/schemas/{name}"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", ["model.schema.json", "parse.schema.json"])
def test_schema_ships_as_package_data(name: str) -> None:
    shipped = importlib.resources.files("lyncpolicy.schemas").joinpath(name)
    assert json.loads(shipped.read_text(encoding="utf-8")) == _load_schema(name)


def _closed_objects(schema: object, where: str = "#") -> list[str]:
    """Paths of object schemas (those with `properties`) lacking additionalProperties: false."""
    problems: list[str] = []
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            problems.extend(_closed_objects(item, f"{where}/{index}"))
        return problems
    if not isinstance(schema, dict):
        return problems
    if "properties" in schema and schema.get("additionalProperties") is not False:
        problems.append(where)
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            # A name -> subschema mapping: the mapping itself is not a schema.
            for name, sub in value.items():
                problems.extend(_closed_objects(sub, f"{where}/{key}/{name}"))
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not"):
            problems.extend(_closed_objects(value, f"{where}/{key}"))
    return problems


@pytest.mark.parametrize("name", ["model.schema.json", "parse.schema.json"])
def test_every_object_schema_is_closed(name: str) -> None:
    assert _closed_objects(_load_schema(name)) == []


def _json_fields(cls: type) -> set[str]:
    names = {f.name for f in dataclasses.fields(cls) if f.name != "property_lines"}
    if cls is m.SelfIp:
        names.add("floating")
    if cls is m.Device:
        names.add("ha")
    return names


@pytest.mark.parametrize("def_name", sorted(DEF_CLASSES))
def test_schema_defs_match_model_fields(def_name: str) -> None:
    """Independent of corpus coverage: each $def lists and requires exactly the JSON fields."""
    definition = _load_schema("model.schema.json")["$defs"][def_name]
    expected = _json_fields(DEF_CLASSES[def_name])
    assert set(definition["properties"]) == expected
    assert set(definition["required"]) == expected


def test_device_lists_every_model_collection() -> None:
    device = _load_schema("model.schema.json")["$defs"]["device"]["properties"]
    collections = {
        f.name
        for f in dataclasses.fields(m.Device)
        if f.name not in ("name", "hostname", "version", "inputs", "unknown_kinds")
    }
    for name in collections:
        assert device[name]["type"] == "array", name
        assert device[name]["items"]["$ref"].startswith("#/$defs/"), name


def test_literal_enums_match_model() -> None:
    defs = _load_schema("model.schema.json")["$defs"]
    virtual = defs["virtual_server"]["properties"]
    assert set(virtual["type"]["enum"]) == set(m.VirtualType.__args__)  # type: ignore[attr-defined]
    assert set(virtual["snat_type"]["enum"]) == set(m.SnatType.__args__)  # type: ignore[attr-defined]
    assert set(defs["vlans_mode"]["enum"]) == set(m.VlansMode.__args__)  # type: ignore[attr-defined]
    assert set(defs["profile_ref"]["properties"]["context"]["enum"]) == set(
        m.ProfileContext.__args__  # type: ignore[attr-defined]
    )


# -- real inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("input_id", sorted(INPUTS))
def test_model_json_validates_subprocess(
    input_id: str, model_validator: Draft202012Validator
) -> None:
    paths, populated = INPUTS[input_id]
    document = _model_json_subprocess(paths)
    assert _errors(model_validator, document) == []
    assert document["version"] == 1
    assert len(document["devices"]) == 1
    device = document["devices"][0]
    empty = sorted(name for name in populated if not device[name])
    assert empty == [], f"expected objects in {empty}"


@pytest.mark.parametrize("input_id", sorted(INPUTS))
def test_model_json_validates_in_process(
    input_id: str, model_validator: Draft202012Validator, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, _ = INPUTS[input_id]
    code, out, err = _run_in_process(capsys, "model", *map(str, paths), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert _errors(model_validator, document) == []
    # Same document as the console script (paths are given absolute, so cwd does not matter).
    assert document == _model_json_subprocess(paths)


def test_model_json_route_domains_and_archive_sources(
    model_validator: Draft202012Validator,
) -> None:
    routedomain = _model_json_subprocess(INPUTS["acc-routedomain"][0])["devices"][0]
    assert any("%" in str(v["destination"]) for v in routedomain["virtual_servers"])
    assert any(
        "%" in str(s["network"]) and "/" in str(s["network"]) for s in routedomain["self_ips"]
    )
    archive = _model_json_subprocess(INPUTS["corkscrew-archive-tgz"][0])["devices"][0]
    sources = [v["source"] for v in archive["virtual_servers"]]
    assert all(s["archive"] and s["member"] for s in sources)


def test_synthetic_nat_ipv6_and_route_domains(
    synthetic_conf: Path, model_validator: Draft202012Validator
) -> None:
    document = _model_json_subprocess([synthetic_conf])
    assert _errors(model_validator, document) == []
    device = document["devices"][0]
    assert [n["originating_address"] for n in device["nats"]] == ["10.9.9.9%9"]
    assert device["ha"] is True
    assert device["self_ips"][0]["floating"] is True
    assert device["self_ips"][0]["network"] == "203.0.113.8%9/29"
    v6 = next(v for v in device["virtual_servers"] if v["name"] == "/Common/v6")
    assert v6["destination"] == "2001:db8::10%9"
    assert v6["destination_network"] == "2001:db8::10%9/128"
    assert v6["snat_type"] == "automap"
    assert {"name": "/Common/clientssl", "context": "clientside"} in v6["profiles"]
    assert device["routes"][0]["network"] == "0.0.0.0%9/0"


def test_unreadable_model_value_still_validates(
    tmp_path: Path, model_validator: Draft202012Validator
) -> None:
    """A value the builder cannot read becomes null (plus a warning), never a schema break."""
    conf = tmp_path / "bigip.conf"
    conf.write_text(
        "ltm virtual /Common/v {\n    destination /Common/10.1.1.1:80\n    mask 255.0.255.0\n}\n",
        encoding="utf-8",
    )
    result = _run("model", str(conf), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "MODEL-BAD-VALUE" in result.stderr
    document = json.loads(result.stdout)
    assert _errors(model_validator, document) == []
    assert document["devices"][0]["virtual_servers"][0]["mask"] is None


# -- the schema is not vacuous ---------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_document(synthetic_conf: Path) -> dict[str, Any]:
    return _model_json_subprocess([synthetic_conf])


def _set(path: str, value: object) -> Any:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


_DELETE = object()
_V6 = "devices.0.virtual_servers.0"

MUTATIONS = {
    "top-level extra property": _set("generated_at", "2024-01-01"),
    "version not 1": _set("version", 2),
    "device unknown property": _set("devices.0.color", "blue"),
    "device missing collection": _set("devices.0.nats", _DELETE),
    "device ha not boolean": _set("devices.0.ha", "yes"),
    "virtual snat_type bogus": _set(f"{_V6}.snat_type", "bogus"),
    "virtual type bogus": _set(f"{_V6}.type", "forwarding"),
    "virtual vlans_mode bogus": _set(f"{_V6}.vlans_mode", "some"),
    "virtual unknown property": _set(f"{_V6}.snat", "automap"),
    "virtual missing field": _set(f"{_V6}.translate_port", _DELETE),
    "virtual port out of range": _set(f"{_V6}.port", 70000),
    "virtual port as string": _set(f"{_V6}.port", "443"),
    "profile context bogus": _set(f"{_V6}.profiles.0.context", "both"),
    "address with prefix": _set(f"{_V6}.destination", "10.1.1.5/32"),
    "address with empty route domain": _set(f"{_V6}.destination", "10.1.1.5%"),
    "address with bad octet": _set(f"{_V6}.destination", "10.1.1.256"),
    "address as uppercase IPv6": _set(f"{_V6}.destination", "2001:DB8::10"),
    "address as a name": _set(f"{_V6}.destination", "/Common/host"),
    "network without prefix": _set(f"{_V6}.destination_network", "10.1.1.0%9"),
    "IPv4 network prefix too long": _set(f"{_V6}.source_network", "10.1.1.0/33"),
    "network as mapping": _set(f"{_V6}.source_network", {"route_domain": 9}),
    "source line negative": _set(f"{_V6}.source.line", -1),
    "source unknown property": _set(f"{_V6}.source.column", 3),
    "self ip floating missing": _set("devices.0.self_ips.0.floating", _DELETE),
    "nat address not an address": _set("devices.0.nats.0.translation_address", "any"),
    "collection as mapping": _set("devices.0.routes", {}),
    "profile missing fields": _set("devices.0.profiles", [{"name": "x"}]),
    "settings value not a string": _set("devices.0.profiles.0.settings.idle-timeout", 300),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_schema_rejects_drift(
    case: str, reference_document: dict[str, Any], model_validator: Draft202012Validator
) -> None:
    assert _errors(model_validator, reference_document) == []
    document = copy.deepcopy(reference_document)
    assert document["devices"][0]["virtual_servers"][0]["name"] == "/Common/v6"
    MUTATIONS[case](document)
    assert not model_validator.is_valid(document), f"schema accepted: {case}"


# -- parse --format json ---------------------------------------------------------------------

PARSE_INPUTS = {
    "corkscrew-archive1-config": [ARCHIVE1_CONFIG],  # duplicates -> diagnostics, Tcl bodies
    "batfish-ltm": [BATFISH / "f5_bigip_structured_ltm"],
    "batfish-cm": [BATFISH / "f5_bigip_structured_cm"],
    "acc-iapp": [ACC / "as3Converter/iapp/iapp.conf"],
    "corkscrew-archive-tgz": [CORKSCREW / "artifacts/f5_corkscrew_test.tar.gz"],
}


@pytest.mark.parametrize("input_id", sorted(PARSE_INPUTS))
def test_parse_json_validates(input_id: str, parse_validator: Draft202012Validator) -> None:
    result = _run("parse", *map(str, PARSE_INPUTS[input_id]), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert _errors(parse_validator, document) == []
    assert document["objects"]


def test_parse_json_in_process_covers_bodies_and_diagnostics(
    parse_validator: Draft202012Validator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run_in_process(capsys, "parse", str(ARCHIVE1_CONFIG), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert _errors(parse_validator, document) == []
    objects = document["objects"]
    assert any("body" in o for o in objects)  # iRules
    assert any("properties" in o for o in objects)
    assert any(o["name"] is None for o in objects)  # singletons (sys global-settings)
    assert any("name_as_written" in o for o in objects)  # `net interface 1.0`
    assert any(d["code"] == "TMSH-DUPLICATE" for d in document["diagnostics"])


@pytest.fixture(scope="module")
def parse_reference() -> dict[str, Any]:
    result = _run("parse", str(ARCHIVE1_CONFIG / "bigip.conf"), "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize(
    ("case", "mutate"),
    [
        ("object without properties or body", lambda d: d["objects"][0].pop("properties")),
        ("object with both", lambda d: d["objects"][0].update(body="x")),
        ("object unknown key", lambda d: d["objects"][0].update(partition="Common")),
        ("object line zero", lambda d: d["objects"][0].update(line=0)),
        ("diagnostic bad level", lambda d: d["diagnostics"][0].update(level="fatal")),
        ("diagnostic lower-case code", lambda d: d["diagnostics"][0].update(code="dup")),
        ("diagnostic path key", lambda d: d["diagnostics"][0].update(path="x")),
        ("top-level extra", lambda d: d.update(version=1)),
    ],
)
def test_parse_schema_rejects_drift(
    case: str, mutate: Any, parse_reference: dict[str, Any], parse_validator: Draft202012Validator
) -> None:
    document = copy.deepcopy(parse_reference)
    assert document["diagnostics"] and "properties" in document["objects"][0]
    assert parse_validator.is_valid(document)
    mutate(document)
    assert not parse_validator.is_valid(document), case


def test_ipv6_netmask_notation_is_read(tmp_path: Path) -> None:
    conf = tmp_path / "bigip.conf"
    conf.write_text(
        "ltm virtual /Common/v6 {\n"
        "    destination /Common/2001:db8::10.443\n"
        "    mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"
        "}\n",
        encoding="utf-8",
    )
    result = _run("model", str(conf), "--format", "json")
    assert result.returncode == 0, result.stderr
    virtual = json.loads(result.stdout)["devices"][0]["virtual_servers"][0]
    assert virtual["mask"] == 128
    assert virtual["destination_network"] == "2001:db8::10/128"
