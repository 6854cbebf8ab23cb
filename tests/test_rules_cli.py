"""``lyncpolicy rules``: list, show, validate (file:line:col errors) and test."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lyncpolicy.cli_rules import rules
from lyncpolicy.plugins import AUTOLOAD_ENV

DATA = Path(__file__).resolve().parent / "data" / "rulepacks"
UDP_PACK = DATA / "udp-snat"
INVALID = DATA / "invalid"


def invoke(*args: str) -> Result:
    # Entry-point plugins installed in the environment must not change these results.
    runner = CliRunner(env={AUTOLOAD_ENV: "1"})
    return runner.invoke(rules, list(args), catch_exceptions=False)


def rel(path: Path) -> str:
    return os.path.relpath(path)


def test_list_text_and_json() -> None:
    result = invoke("list", "--pack", str(UDP_PACK))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "severity", "title", "pack"]
    # The built-in packs are listed too; the extra pack's rule is among them.
    listed = [line for line in lines[2:] if line.startswith("TEST-UDP-001")]
    assert len(listed) == 1
    assert listed[0].split(None, 2)[:2] == ["TEST-UDP-001", "error"]
    title = "UDP virtual servers must not use SNAT"
    assert listed[0].split(None, 2)[2].split() == [*title.split(), "udp-snat"]
    builtin = sum(1 for line in lines[2:] if line.endswith("lync-edge"))
    assert lines[-1] == f"{builtin + 1} rule(s)"
    document = json.loads(invoke("list", "--pack", str(UDP_PACK), "--format", "json").stdout)
    document = [entry for entry in document if entry["pack"] != "lync-edge"]
    assert document == [
        {
            "id": "TEST-UDP-001",
            "severity": "error",
            "title": "UDP virtual servers must not use SNAT",
            "pack": "udp-snat",
            "plugin": None,
            "kind": "virtual_servers",
            "tags": ["av", "snat"],
            "path": str(UDP_PACK / "TEST-UDP-001.yaml"),
        }
    ]


def test_show_explains_a_rule() -> None:
    result = invoke("show", "TEST-UDP-001", "--pack", str(UDP_PACK))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# TEST-UDP-001: UDP virtual servers must not use SNAT\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## What it does",
        "## Why it matters",
        "## Condition",
        "## Example",
        "## Fix",
        "## References",
    ]
    assert "Severity: error" in text
    assert "    ltm virtual /Common/av_udp_3478 {" in text
    assert "    modify ltm virtual {object.name} source-address-translation { type none }" in text
    assert (
        "- Port summary - Scaled consolidated edge with hardware load balancers: https://" in text
    )
    # IDs are case-insensitive.
    assert invoke("show", "test-udp-001", "--pack", str(UDP_PACK)).stdout == text


def test_show_unknown_rule_suggests_and_exits_2() -> None:
    result = invoke("show", "TEST-UDP-01", "--pack", str(UDP_PACK))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "lyncpolicy: error: unknown rule 'TEST-UDP-01' (did you mean 'TEST-UDP-001'?)"
    )


EXPECTED_ERRORS = [
    "BAD-ARGS-001.yaml:10:9: applies-to.where.eq: 'value' is a required property",
    "BAD-ARGS-001.yaml:13:35: condition.any[0].exists: unknown key 'regex' (allowed: path)",
    "BAD-ARGS-001.yaml:14:7: condition.any[1]: a condition is a mapping with exactly one key "
    "(all, any, not or a predicate), found: exists, matches",
    "BAD-ID-002.yaml:1:5: id 'BAD-ID-001' does not match the file name 'BAD-ID-002.yaml' "
    "(name the file BAD-ID-001.yaml)",
    "BAD-KEYS-001.yaml:1:1: 'message' is a required property",
    "BAD-KEYS-001.yaml:3:11: severity: 'critical' is not one of ['error', 'warning', 'info']",
    "BAD-KEYS-001.yaml:5:1: unknown key 'colour' (allowed: id, title, severity, description, "
    "remediation, references, tags, applies-to, condition, message, for-each, severity-by, "
    "metadata, examples)",
    "BAD-PATH-001.yaml:10:14: condition.eq.path: 'object.__class__' is not a path: dotted "
    "public field names, mapping keys, numbers and '*' after object, device, roles or a "
    "variable (no leading underscores, no calls)",
    "BAD-PATH-002.yaml:12:13: path 'object.snat_typ': 'snat_typ' is not a field of "
    "VirtualServer (did you mean 'snat_type'?)",
    "BAD-PRED-001.yaml:12:7: unknown predicate 'eqq' (did you mean 'eq'?)",
    "BAD-TPL-001.yaml:11:10: template field {object.nam}: path 'object.nam': 'nam' is not a "
    "field of Pool (did you mean 'name'?)",
    "BAD-YAML-001.yaml:4:1: invalid YAML: expected ',' or '}', but got '<scalar>'",
]


def test_validate_reports_file_line_col() -> None:
    result = invoke("validate", rel(INVALID))
    assert result.exit_code == 2
    prefix = rel(INVALID) + os.sep
    assert result.stdout.splitlines() == [prefix + line for line in EXPECTED_ERRORS]
    assert result.stderr.strip().startswith(
        f"{len(EXPECTED_ERRORS)} error(s) in 8 file(s): {rel(INVALID / 'BAD-ARGS-001.yaml')}, "
    )
    assert result.stderr.strip().endswith(" and 5 more")


@pytest.mark.parametrize("line", EXPECTED_ERRORS)
def test_validate_each_file_alone(line: str) -> None:
    name = line.split(":", 1)[0]
    result = invoke("validate", rel(INVALID / name))
    assert result.exit_code == 2
    assert rel(INVALID / line) in result.stdout.splitlines()


def test_validate_good_pack_and_missing_path(tmp_path: Path) -> None:
    result = invoke("validate", str(UDP_PACK))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == "1 rule(s) valid"
    missing = invoke("validate", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert missing.stdout.strip() == f"{tmp_path / 'nope'}:1:1: no such file or folder"


def test_validate_missing_example_and_duplicate_ids(tmp_path: Path) -> None:
    text = (UDP_PACK / "TEST-UDP-001.yaml").read_text(encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "TEST-UDP-001.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b" / "TEST-UDP-001.yaml").write_text(text.split("examples:")[0], encoding="utf-8")
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines == [
        f"{tmp_path}/a/TEST-UDP-001.yaml:27:10: example file not found: "
        f"{tmp_path}/a/examples/udp-automap.conf",
        f"{tmp_path}/a/TEST-UDP-001.yaml:28:10: example file not found: "
        f"{tmp_path}/a/examples/udp-no-snat.conf",
        f"{tmp_path}/a/TEST-UDP-001.yaml:28:37: example file not found: "
        f"{tmp_path}/a/examples/tcp-automap.conf",
    ]
    (tmp_path / "a" / "TEST-UDP-001.yaml").write_text(text.split("examples:")[0], encoding="utf-8")
    result = invoke("validate", str(tmp_path))
    assert result.stdout.splitlines() == [
        f"{tmp_path}/b/TEST-UDP-001.yaml:1:1: rule id TEST-UDP-001 is also defined in "
        f"{tmp_path}/a/TEST-UDP-001.yaml"
    ]


def test_rules_test_passes() -> None:
    result = invoke("test", str(UDP_PACK))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("3 passed, 0 failed")
    verbose = invoke("test", "-v", str(UDP_PACK)).stdout.splitlines()
    assert verbose[0] == f"PASSED TEST-UDP-001 fail example {UDP_PACK}/examples/udp-automap.conf"


def test_rules_test_reports_failures_with_exit_1() -> None:
    result = invoke("test", str(DATA / "wrong-examples"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"FAILED TEST-WRONG-001 fail example {UDP_PACK}/examples/udp-no-snat.conf: "
        "expected a fail finding, got pass"
    )
    assert lines[-1].startswith("1 passed, 1 failed")


def test_rules_test_refuses_invalid_rules() -> None:
    result = invoke("test", str(INVALID))
    assert result.exit_code == 2
    assert "BAD-PRED-001.yaml:12:7: unknown predicate 'eqq'" in result.stdout
    assert "passed" not in result.stdout


def test_rules_test_notes_rules_without_examples(tmp_path: Path) -> None:
    text = (UDP_PACK / "TEST-UDP-001.yaml").read_text(encoding="utf-8")
    (tmp_path / "TEST-UDP-001.yaml").write_text(text.split("examples:")[0], encoding="utf-8")
    result = invoke("test", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "1 rule(s) without examples: TEST-UDP-001",
        result.stdout.splitlines()[-1],
    ]
    assert result.stdout.splitlines()[-1].startswith("0 passed, 0 failed")


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.name)
def test_compiling_without_the_schema_still_rejects_invalid_rules(path: Path) -> None:
    # Built-in packs skip jsonschema at run time: the compile step must still catch everything
    # with a file:line:col error, never a crash or a silently loaded rule.
    from lyncpolicy.builtin_predicates import CORE_PREDICATES
    from lyncpolicy.rulepack import RuleFileError, RuleLoader

    loader = RuleLoader({p.name: p for p in CORE_PREDICATES}, validate=False)
    with pytest.raises(RuleFileError) as excinfo:
        loader.load(str(path))
    assert str(excinfo.value).startswith(f"{path}:")
    assert excinfo.value.column >= 1
