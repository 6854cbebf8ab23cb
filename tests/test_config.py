"""``lyncpolicy.yaml``: schema, FILE:LINE:COL errors, discovery, layering, rule selection."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from lyncpolicy.config import (
    Config,
    ConfigFileError,
    Origin,
    Overrides,
    Selector,
    apply_overrides,
    exit_code,
    find_config,
    load_config,
    resolve_config,
    schema_text,
)
from lyncpolicy.errors import ConfigError
from lyncpolicy.findings import Finding, Severity, Status
from lyncpolicy.selection import (
    close_matches,
    configure_rules,
    override_findings,
    select_rules,
    severity_overrides,
)

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CONFIGS = TESTS / "data" / "configs"
EXAMPLES = sorted(CONFIGS.glob("*.yaml")) + sorted(
    (TESTS / "data" / "scenarios").glob("*/lyncpolicy.yaml")
)
RULE_IDS = (
    "LYNC-EDGE-AV-001",
    "LYNC-EDGE-AV-004",
    "LYNC-EDGE-AV-006",
    "LYNC-EDGE-EXT-001",
    "LYNC-EDGE-NAT-001",
    "LYNC-EDGE-NAT-002",
    "LYNC-EDGE-NET-002",
    "LYNC-EDGE-NET-010",
    "LYNC-FE-001",
    "LYNC-GEN-001",
)


def write(folder: Path, text: str, name: str = "lyncpolicy.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(folder: Path, text: str) -> str:
    path = write(folder, text)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:"), message
    assert "\n" not in message
    return message[len(str(path)) + 1 :]


def finding(
    rule_id: str, severity: Severity = "error", status: Status = "fail"
) -> Finding:
    return Finding(rule_id, severity, status, "/Common/vs", "virtual_servers", "bigip1", "m")


# -- the schema and the examples -------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_and_shipped() -> None:
    schema = json.loads(schema_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_text() == (REPO / "schemas" / "config.schema.json").read_text("utf-8")


def _objects(node: Any, where: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((where, node))
        for key, value in node.items():
            found.extend(_objects(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_objects(value, f"{where}/{index}"))
    return found


def test_every_object_of_the_schema_is_closed() -> None:
    objects = _objects(json.loads(schema_text()))
    assert len(objects) >= 12
    assert [where for where, node in objects if node.get("additionalProperties") is not False] == []


def test_deployment_covers_every_key_of_catalog_section_7_2() -> None:
    properties = json.loads(schema_text())["$defs"]["deployment"]["properties"]
    lync_keys = {
        "product", "mobility", "lync2010_fe_pools_present", "exchange_um_legacy",
        "legacy_clients", "internal_networks", "front_end_subnets", "edge_pools",
        "front_end_pools", "directors", "reverse_proxy",
    }
    assert set(properties) == lync_keys | {"vlans", "ha"}
    full = yaml.safe_load((CONFIGS / "full.yaml").read_text("utf-8"))
    assert set(full["deployment"]) == set(properties)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(TESTS / "data")))
def test_every_example_config_validates(path: Path) -> None:
    config = load_config(str(path))
    assert config.path == str(path)


def test_full_example_is_read_into_a_config() -> None:
    path = str(CONFIGS / "full.yaml")
    config = load_config(path)
    assert config.files == (path,)
    assert config.fail_on == "warning"
    assert config.rules.select is not None
    assert [(s.text, s.where, str(s.origin)) for s in config.rules.select] == [
        ("LYNC-EDGE", "rules.select", f"{path}:60:12"),
        ("LYNC-GEN-00", "rules.select", f"{path}:60:23"),
    ]
    assert [s.text for s in config.rules.ignore] == ["LYNC-EDGE-NET-005"]
    assert [(s.text, level, str(s.origin)) for s, level in config.rules.severity] == [
        ("LYNC-EDGE-EXT-009", "info", f"{path}:63:5"),
        ("LYNC-EDGE-NAT", "error", f"{path}:64:5"),
    ]
    assert config.rules.packs == (str(TESTS / "data" / "rulepacks" / "udp-snat"),)
    first, second = config.waivers
    assert first.rule == "LYNC-EDGE-NAT-001"
    assert first.object_glob == "/Common/edge*"
    assert first.device_glob is None
    assert first.reason == "F5 NAT-aware design accepted, CAB-1234"
    assert (first.owner, first.ticket) == ("network-team", "CAB-1234")
    assert first.expires == date(2027, 6, 30)  # unquoted YAML date
    assert first.origin == Origin(path, 68, 5)
    assert second.expires == date(2026, 1, 31)  # quoted
    assert second.device_glob == "bigip2.*"
    # The intent is kept as the validated mapping, dates and addresses as text.
    servers = config.deployment["edge_pools"][0]["servers"]
    assert servers[0]["external"] == {
        "access": "203.0.113.10%9",
        "webconf": "203.0.113.20%9",
        "av": "203.0.113.30%9",
    }
    assert servers[0]["av_public_ip"] is None
    assert config.deployment["ha"] == "auto"
    assert str(config.locate("edge_pools", 0, "servers", 1, "name")) == f"{path}:34:17"
    assert str(config.locate("vlans", "edge_dmz_typo")) == f"{path}:55:5"


def test_the_defaults() -> None:
    config = Config()
    assert (config.path, config.fail_on, config.rules.select, config.waivers) == (
        None,
        "error",
        None,
        (),
    )
    assert config.locate("edge_pools") is None


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "version: 1\n"])
def test_empty_config_means_defaults(tmp_path: Path, text: str) -> None:
    config = load_config(str(write(tmp_path, text)))
    assert (config.fail_on, config.rules, config.waivers, dict(config.deployment)) == (
        "error",
        Config().rules,
        (),
        {},
    )


# -- errors: one line, FILE:LINE:COL ------------------------------------------------------------

ERRORS = [
    pytest.param(
        "version: 1\nwaiver: []\n",
        "2:1: unknown key 'waiver' (did you mean 'waivers'?)",
        id="top-level-typo",
    ),
    pytest.param(
        "colour: red\n",
        "1:1: unknown key 'colour' (allowed: version, extends, deployment, rules, fail-on, "
        "waivers)",
        id="top-level-unknown",
    ),
    pytest.param(
        "rules:\n  selct: [LYNC-EDGE]\n",
        "2:3: rules: unknown key 'selct' (did you mean 'select'?)",
        id="rules-typo",
    ),
    pytest.param(
        """\
        deployment:
          edge_pools:
            - name: p
              servers:
                - name: edge01
                  externl: {av: 203.0.113.30}
        """,
        "6:11: deployment.edge_pools[0].servers[0]: unknown key 'externl' "
        "(did you mean 'external'?)",
        id="nested-typo",
    ),
    pytest.param(
        "deployment:\n  vlans:\n    edge_externl: /Common/dmz\n",
        "3:5: deployment.vlans: unknown key 'edge_externl' (did you mean 'edge_external'?)",
        id="vlans-typo",
    ),
    pytest.param(
        "deployment:\n  edge_pools:\n    - name: p\n      vips: {av: 203.0.113.300}\n",
        "4:18: deployment.edge_pools[0].vips.av: '203.0.113.300' is not an IP address "
        "(optionally with %ROUTE_DOMAIN)",
        id="bad-address",
    ),
    pytest.param(
        "deployment:\n  edge_pools:\n    - name: p\n      vips: {av: 203.0.113.7%x}\n",
        "4:18: deployment.edge_pools[0].vips.av: '203.0.113.7%x' is not an IP address "
        "(optionally with %ROUTE_DOMAIN)",
        id="bad-route-domain",
    ),
    pytest.param(
        "deployment:\n  internal_networks: [10.0.0.0/8, 10.0.0.0/33]\n",
        "2:35: deployment.internal_networks[1]: '10.0.0.0/33' is not a network like "
        "10.0.0.0/8 (optionally with %ROUTE_DOMAIN): mask /33 out of range for IPv4",
        id="bad-network",
    ),
    pytest.param(
        "deployment:\n  front_end_pools:\n    - name: p\n      servers: [10.1.1.11, 12]\n",
        "4:28: deployment.front_end_pools[0].servers[1]: expected string, got integer",
        id="address-not-text",
    ),
    pytest.param(
        "deployment:\n  product: sfb-2015\n",
        "2:12: deployment.product: 'sfb-2015' is not one of lync2010, lync2013, sfb2015, sfb2019 "
        "(did you mean 'sfb2015'?)",
        id="enum-typo",
    ),
    pytest.param(
        "deployment:\n  ha: maybe\n",
        "2:7: deployment.ha: 'maybe' is not one of auto, true, false",
        id="ha",
    ),
    pytest.param(
        "deployment:\n  mobility: sometimes\n",
        "2:13: deployment.mobility: expected boolean, got string",
        id="wrong-type",
    ),
    pytest.param(
        "deployment:\n  edge_pools:\n    - servers: []\n",
        "3:7: deployment.edge_pools[0]: 'name' is a required property",
        id="missing-name",
    ),
    pytest.param(
        "deployment:\n  edge_pools:\n    - name: p\n      route_domain: 70000\n",
        "4:21: deployment.edge_pools[0].route_domain: 70000 is greater than the maximum of 65534",
        id="route-domain-range",
    ),
    pytest.param(
        "fail-on: eror\n",
        "1:10: fail-on: 'eror' is not one of error, warning, info, never (did you mean 'error'?)",
        id="fail-on",
    ),
    pytest.param(
        "fail-on: 1\n",
        "1:10: fail-on: '1' is not one of error, warning, info, never",
        id="fail-on-number",
    ),
    pytest.param(
        "rules:\n  select: LYNC-EDGE\n",
        "2:11: rules.select: expected array, got string",
        id="select-not-a-list",
    ),
    pytest.param(
        "rules:\n  ignore: [LYNC-FE, lync edge]\n",
        "2:21: rules.ignore[1]: 'lync edge' is not a rule ID, an ID prefix (LYNC-EDGE-AV), "
        "a tag (nat) or ALL",
        id="bad-selector",
    ),
    pytest.param(
        "rules:\n  severity:\n    LYNC-EDGE-NAT-001: warn\n",
        "3:24: rules.severity.LYNC-EDGE-NAT-001: 'warn' is not one of error, warning, info "
        "(did you mean 'warning'?)",
        id="severity-value",
    ),
    pytest.param(
        "waivers:\n  - rule: LYNC-EDGE-NAT-001\n    object: /Common/edge*\n",
        "2:5: waivers[0]: 'reason' is a required property",
        id="waiver-without-reason",
    ),
    pytest.param(
        "waivers:\n  - rule: LYNC-EDGE-NAT-001\n    reason: '   '\n",
        "3:13: waivers[0].reason: '   ' is not a non-blank text",
        id="waiver-blank-reason",
    ),
    pytest.param(
        "waivers:\n  - rule: LYNC-EDGE-NAT-001\n    reason: r\n    expires: 30/06/2027\n",
        "4:14: waivers[0].expires: '30/06/2027' is not a date (YYYY-MM-DD): expected YYYY-MM-DD",
        id="waiver-date-format",
    ),
    pytest.param(
        "waivers:\n  - rule: LYNC-EDGE-NAT-001\n    reason: r\n    expires: '2027-13-01'\n",
        "4:14: waivers[0].expires: '2027-13-01' is not a date (YYYY-MM-DD): "
        "month must be in 1..12",
        id="waiver-month",
    ),
    pytest.param(
        "waivers:\n  - rule: LYNC-EDGE-NAT-001\n    reason: r\n    expires: 2027-02-30\n",
        "4:14: '2027-02-30' is not a date (day is out of range for month)",
        id="waiver-impossible-unquoted-date",
    ),
    pytest.param(
        "waivers:\n  - rule: lync-edge-nat-001\n    reason: r\n",
        "2:11: waivers[0].rule: 'lync-edge-nat-001' is not a rule ID or an ID prefix "
        "(LYNC-EDGE-AV)",
        id="waiver-rule",
    ),
    pytest.param(
        "waivers:\n  rule: LYNC-EDGE-NAT-001\n",
        "2:3: waivers: expected array, got mapping",
        id="waivers-not-a-list",
    ),
    pytest.param("version: 2\n", "1:10: version: 1 was expected", id="version"),
    pytest.param("- version: 1\n", "1:1: expected object, got list", id="not-a-mapping"),
    pytest.param(
        "fail-on: error\nfail-on: never\n", "2:1: duplicate key 'fail-on'", id="duplicate-key"
    ),
    pytest.param(
        "rules: {select: [A}\n", "1:19: invalid YAML: expected ',' or ']', but got '}'",
        id="invalid-yaml",
    ),
    pytest.param(
        "version: 1\n---\nversion: 1\n",
        "2:1: invalid YAML: one configuration per file: found a second document",
        id="two-documents",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ERRORS)
def test_errors_are_located(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text) == expected


def test_several_errors_report_the_first_and_count_the_rest(tmp_path: Path) -> None:
    message = error_of(tmp_path, "fail-on: eror\ncolour: red\nwaivers: 1\n")
    assert message == (
        "1:10: fail-on: 'eror' is not one of error, warning, info, never "
        "(did you mean 'error'?) (and 2 more error(s) in this file)"
    )


def test_error_carries_path_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  packs: [missing]\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config(str(path))
    error = caught.value
    assert (error.path, error.line, error.column, error.exit_code) == (str(path), 2, 11, 2)
    assert error.message == f"rules.packs[0]: rule pack folder not found: {tmp_path / 'missing'}"


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(str(missing))
    assert str(caught.value) == f"{missing}: configuration file not found"
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00rules")
    with pytest.raises(ConfigError) as caught:
        load_config(str(binary))
    assert str(caught.value).startswith(f"{binary}: cannot read configuration file: ")


# -- extends -------------------------------------------------------------------------------------


def test_extends_layers_the_child_over_its_base() -> None:
    base, child = str(CONFIGS / "base.yaml"), str(CONFIGS / "child.yaml")
    config = load_config(child)
    assert config.path == child
    assert config.files == (base, child)
    assert config.fail_on == "warning"  # replaced
    assert dict(config.deployment) == {"internal_networks": ["10.0.0.0/8"]}  # inherited
    assert config.locate("internal_networks") == Origin(base, 4, 22)
    assert [s.text for s in config.rules.ignore] == ["LYNC-FE"]
    assert [w.reason for w in config.waivers] == ["base waiver", "child waiver"]  # appended
    # Severities merge; the child's entry for the same rule comes last and wins.
    assert severity_overrides((*RULE_IDS, "LYNC-EDGE-EXT-009"), config.rules.severity) == {
        "LYNC-EDGE-NAT-001": "error",
        "LYNC-EDGE-EXT-009": "info",
    }


def test_extends_errors(tmp_path: Path) -> None:
    assert error_of(tmp_path, "version: 1\nextends: other.yaml\n") == (
        f"2:10: extends: no such file: {tmp_path / 'other.yaml'}"
    )
    assert error_of(tmp_path, "extends: ./lyncpolicy.yaml\n") == (
        f"1:10: extends: {tmp_path / 'lyncpolicy.yaml'} extends this file again (a cycle)"
    )


def test_extends_cycle_is_located_in_the_file_closing_it(tmp_path: Path) -> None:
    first = write(tmp_path, "extends: b.yaml\n")
    second = write(tmp_path, "version: 1\nextends: lyncpolicy.yaml\n", "b.yaml")
    with pytest.raises(ConfigFileError) as caught:
        load_config(str(first))
    assert str(caught.value) == (
        f"{second}:2:10: extends: {first} extends this file again (a cycle)"
    )


# -- discovery -------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """repo/.git, repo/lyncpolicy.yaml, repo/site/.lyncpolicy.yaml, repo/site/a/b.conf,
    repo/site/c/d.conf, repo/other/e.conf; and a config above the repository."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo, "fail-on: info\n")
    write(repo / "site", "fail-on: warning\n", ".lyncpolicy.yaml")
    for relative in ("site/a/b.conf", "site/c/d.conf", "other/e.conf"):
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text("", encoding="utf-8")
    write(tmp_path, "fail-on: never\n")
    return repo


def test_discovery_finds_the_nearest_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    assert find_config([str(project / "site/a/b.conf")]) == "repo/site/.lyncpolicy.yaml"
    assert find_config([str(project / "site/a")]) == "repo/site/.lyncpolicy.yaml"
    assert find_config([str(project / "other/e.conf")]) == "repo/lyncpolicy.yaml"
    # Several paths: from their common folder.
    assert find_config(["repo/site/a/b.conf", "repo/site/c/d.conf"]) == (
        "repo/site/.lyncpolicy.yaml"
    )
    assert find_config(["repo/site/a/b.conf", "repo/other/e.conf"]) == "repo/lyncpolicy.yaml"
    assert resolve_config(["repo/site/a/b.conf"]).fail_on == "warning"


def test_discovery_prefers_lyncpolicy_yaml_and_stops_at_git(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "site", "fail-on: error\n")
    monkeypatch.chdir(project / "site")
    assert find_config(["a"]) == "lyncpolicy.yaml"
    (project / "lyncpolicy.yaml").unlink()
    # The file above the repository is not used: discovery stops at the folder holding .git.
    assert find_config(["../other"]) is None
    assert resolve_config(["../other"]) == Config()
    monkeypatch.chdir(project / "other")
    assert find_config([]) is None


def test_discovery_outside_the_current_folder_gives_absolute_paths(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert find_config([str(project / "other")]) == str(project / "lyncpolicy.yaml")


def test_explicit_config_and_isolated(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    explicit = resolve_config(["site/a"], config_file="lyncpolicy.yaml")
    assert (explicit.path, explicit.fail_on) == ("lyncpolicy.yaml", "info")
    assert resolve_config(["site/a"], isolated=True) == Config()
    with pytest.raises(ConfigError, match=r"^nope.yaml: configuration file not found$"):
        resolve_config(["site/a"], config_file="nope.yaml")


# -- layering: defaults -> file -> command line ---------------------------------------------------


def test_command_line_overrides_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        rules:
          select: [LYNC-EDGE-AV]
          ignore: [LYNC-EDGE-AV-006]
          severity: {LYNC-EDGE-AV-004: info}
        fail-on: info
        """,
    )
    config = load_config(str(path))
    assert select_rules(RULE_IDS, config.rules.select, config.rules.ignore) == {
        "LYNC-EDGE-AV-001",
        "LYNC-EDGE-AV-004",
    }
    layered = resolve_config(
        config_file=str(path),
        overrides=Overrides(
            extend_select=("LYNC-GEN",),
            ignore=("LYNC-EDGE-AV-001",),
            severity={"LYNC-EDGE-AV-004": "warning"},
            packs=("extra",),
            fail_on="never",
        ),
    )
    assert layered.fail_on == "never"
    assert layered.rules.packs == ("extra",)
    assert select_rules(RULE_IDS, layered.rules.select, layered.rules.ignore) == {
        "LYNC-EDGE-AV-004",
        "LYNC-GEN-001",
    }
    assert severity_overrides(RULE_IDS, layered.rules.severity) == {
        "LYNC-EDGE-AV-004": "warning"
    }
    replaced = apply_overrides(config, Overrides(select=("LYNC-FE",)))
    assert select_rules(RULE_IDS, replaced.rules.select, replaced.rules.ignore) == {"LYNC-FE-001"}
    assert replaced.fail_on == "info"  # not overridden
    # --extend-select over "all rules" keeps all rules.
    extended = apply_overrides(Config(), Overrides(extend_select=("LYNC-FE",)))
    assert select_rules(RULE_IDS, extended.rules.select, ()) == set(RULE_IDS)


def test_command_line_selector_errors_name_the_option() -> None:
    config = apply_overrides(Config(), Overrides(ignore=("LYNC-EDGE-AW",)))
    with pytest.raises(ConfigError) as caught:
        select_rules(RULE_IDS, config.rules.select, config.rules.ignore)
    assert str(caught.value) == (
        "--ignore: no rule matches 'LYNC-EDGE-AW' (did you mean 'LYNC-EDGE-AV'?)"
    )


# -- selection -------------------------------------------------------------------------------------


def test_select_by_id_prefix_tag_and_all() -> None:
    assert select_rules(RULE_IDS, None) == set(RULE_IDS)
    assert select_rules(RULE_IDS, ["ALL"], ["LYNC-EDGE"]) == {"LYNC-FE-001", "LYNC-GEN-001"}
    assert select_rules(RULE_IDS, ["LYNC-EDGE-AV"]) == {
        "LYNC-EDGE-AV-001",
        "LYNC-EDGE-AV-004",
        "LYNC-EDGE-AV-006",
    }
    # Plain text prefixes, as in ruff: -00 matches 001..009, not 010.
    assert select_rules(RULE_IDS, ["LYNC-EDGE-NET-00"]) == {"LYNC-EDGE-NET-002"}
    assert select_rules(RULE_IDS, ["LYNC-EDGE-NET-0"]) == {
        "LYNC-EDGE-NET-002",
        "LYNC-EDGE-NET-010",
    }
    assert select_rules(RULE_IDS, ["LYNC-FE-001", "LYNC-GEN"], ["LYNC-GEN-001"]) == {
        "LYNC-FE-001"
    }
    assert select_rules(RULE_IDS, [], []) == set()
    tags = {"LYNC-EDGE-NAT-001": ("nat",), "LYNC-EDGE-NAT-002": ("nat", "av")}
    assert select_rules(RULE_IDS, ["nat"], ["av"], tags=tags) == {"LYNC-EDGE-NAT-001"}


def test_unknown_selector_is_an_error_with_close_ids() -> None:
    with pytest.raises(ConfigError) as caught:
        select_rules(RULE_IDS, ["LYNC-EDGE-NAT-01"])
    assert str(caught.value) == (
        "select: no rule matches 'LYNC-EDGE-NAT-01' (did you mean 'LYNC-EDGE-NAT-001'?)"
    )
    with pytest.raises(ConfigError) as caught:
        select_rules(RULE_IDS, None, ["XYZ"])
    assert str(caught.value) == (
        "ignore: no rule matches 'XYZ' (`lyncpolicy rules list` shows the rules)"
    )
    with pytest.raises(ConfigError) as caught:
        select_rules(RULE_IDS, ["nta"], tags={"LYNC-EDGE-NAT-001": ("nat",)})
    assert str(caught.value) == "select: no tag matches 'nta' (did you mean 'nat'?)"


def test_unknown_selector_from_a_file_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  select:\n    - LYNC-EDGE\n    - LYNC-EDGE-AVV\n")
    config = load_config(str(path))
    with pytest.raises(ConfigFileError) as caught:
        select_rules(RULE_IDS, config.rules.select, config.rules.ignore)
    assert str(caught.value) == (
        f"{path}:4:7: rules.select: no rule matches 'LYNC-EDGE-AVV' "
        "(did you mean 'LYNC-EDGE-AV'?)"
    )


def test_unknown_severity_key_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  severity:\n    LYNC-EDGE-NAT-01X: info\n")
    config = load_config(str(path))
    assert severity_overrides(RULE_IDS, config.rules.severity) == {}  # not strict: skipped
    with pytest.raises(ConfigFileError) as caught:
        severity_overrides(RULE_IDS, config.rules.severity, strict=True)
    assert str(caught.value).startswith(
        f"{path}:3:5: rules.severity: no rule matches 'LYNC-EDGE-NAT-01X' (did you mean "
    )


def test_close_matches_lists_at_most_three() -> None:
    assert close_matches("LYNC-EDGE-AV-00", RULE_IDS) == (
        " (did you mean 'LYNC-EDGE-AV-001', 'LYNC-EDGE-AV-004' or 'LYNC-EDGE-AV-006'?)"
    )


def test_severity_overrides_longest_selector_wins() -> None:
    overrides: tuple[tuple[Selector, Severity], ...] = (
        (Selector("LYNC-EDGE-AV-001"), "info"),
        (Selector("LYNC-EDGE"), "warning"),
        (Selector("LYNC-EDGE-AV"), "error"),
    )
    result = severity_overrides(RULE_IDS, overrides)
    assert result["LYNC-EDGE-AV-001"] == "info"
    assert result["LYNC-EDGE-AV-004"] == "error"
    assert result["LYNC-EDGE-NAT-001"] == "warning"
    assert "LYNC-FE-001" not in result
    findings = [finding("LYNC-EDGE-AV-001"), finding("LYNC-FE-001", "warning")]
    assert [f.severity for f in override_findings(findings, result)] == ["info", "warning"]


def test_configure_rules_selects_and_overrides_severity(tmp_path: Path) -> None:
    from lyncpolicy.builtin_predicates import CORE_PREDICATES
    from lyncpolicy.rulepack import RuleLoader

    loader = RuleLoader({p.name: p for p in CORE_PREDICATES})
    rule = loader.load(str(TESTS / "data" / "rulepacks" / "udp-snat" / "TEST-UDP-001.yaml"))
    path = write(tmp_path, "rules:\n  select: [av]\n  severity: {TEST-UDP: info}\n")
    config = load_config(str(path))
    (configured,) = configure_rules([rule], config.rules)
    assert (configured.id, configured.severity, rule.severity) == ("TEST-UDP-001", "info", "error")
    # A severity override naming no loaded rule is an error, located in the file.
    typo = load_config(str(write(tmp_path, "rules:\n  severity: {TEST-UPD: info}\n")))
    with pytest.raises(ConfigFileError) as caught:
        configure_rules([rule], typo.rules)
    assert str(caught.value) == (
        f"{path}:2:14: rules.severity: no rule matches 'TEST-UPD' (did you mean 'TEST-UDP'?)"
    )
    assert configure_rules([rule], apply_overrides(config, Overrides(ignore=("snat",))).rules) == []


# -- fail-on ---------------------------------------------------------------------------------------


def test_exit_code_follows_fail_on() -> None:
    warning = [finding("A-1", "warning"), finding("A-2", "error", "pass")]
    assert [exit_code(warning, level) for level in ("error", "warning", "info", "never")] == [
        0,
        1,
        1,
        0,
    ]
    error = [finding("A-1", "error")]
    assert [exit_code(error, level) for level in ("error", "warning", "info", "never")] == [
        1,
        1,
        1,
        0,
    ]
    # Suppressed and undetermined findings never fail a run.
    quiet = [finding("A-1", "error", "suppressed"), finding("A-2", "error", "undetermined")]
    assert exit_code(quiet, "info") == 0
    assert exit_code([], "info") == 0


# -- performance: jsonschema only when a file is validated ----------------------------------------


def test_jsonschema_is_imported_only_to_validate_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "fail-on: never\n")
    code = (
        "import sys\n"
        "from lyncpolicy.config import resolve_config, load_config\n"
        "from lyncpolicy import selection, suppressions\n"
        "resolve_config([], isolated=True)\n"
        "print('jsonschema' in sys.modules)\n"
        f"load_config({str(path)!r})\n"
        "print('jsonschema' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]
