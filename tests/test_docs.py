"""The documentation in ``docs/`` stays true: the generated rule reference is current, every
link resolves, every configuration key, predicate, format and command is documented, and the
examples the pages show actually work (configuration snippets validate, rule snippets compile,
the commands of the walk-throughs and CI recipes run on fixtures, the worked rule pack and
plugin pass their own tests).

When the rule reference is stale: ``python scripts/gen_rule_docs.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from lyncpolicy.cli import cli, main
from lyncpolicy.conditions import KINDS
from lyncpolicy.config import load_config
from lyncpolicy.plugins import AUTOLOAD_ENV, collect, load_rules, make_plugin_manager
from lyncpolicy.rulepack import TOP_LEVEL_KEYS, build_rule

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
REGENERATE = "python scripts/gen_rule_docs.py"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_rule_docs", REPO / "scripts" / "gen_rule_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


# -- reading Markdown -------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, text and the line of its opening fence."""

    page: Path
    language: str
    text: str
    line: int

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]

    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


def split_page(text: str, page: Path) -> tuple[list[Block], list[tuple[int, str]]]:
    """Code blocks, and the other lines (with their numbers) of a Markdown page."""
    blocks: list[Block] = []
    prose: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            prose.append((i + 1, lines[i]))
            i += 1
            continue
        fence = opening.group(2)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence[0] * len(fence))
            and not lines[j].strip().strip(fence[0])
        ):
            body.append(lines[j])
            j += 1
        blocks.append(Block(page, opening.group(3).strip(), "\n".join(body) + "\n", i + 1))
        i = j + 1
    return blocks, prose


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def blocks_of(page: Path, *languages: str) -> list[Block]:
    found, _ = split_page(page.read_text(encoding="utf-8"), page)
    return [b for b in found if not languages or b.language in languages]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    _, prose = split_page(page.read_text(encoding="utf-8"), page)
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose:
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading is None:
            continue
        base = slug(heading.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def links(page: Path) -> Iterator[tuple[int, str]]:
    """Link targets outside code blocks and inline code."""
    _, prose = split_page(page.read_text(encoding="utf-8"), page)
    for number, line in prose:
        for target in _LINK.findall(re.sub(r"`[^`]*`", "", line)):
            yield number, target


def broken_links(page: Path) -> list[str]:
    problems = []
    for number, target in links(page):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        where = f"{page.relative_to(REPO)}:{number}: {target}"
        if not resolved.exists():
            problems.append(f"{where}: {path_part} does not exist")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{where}: no heading with anchor #{anchor} in {resolved.name}")
    return problems


# -- the generated rule reference ---------------------------------------------------------------


def test_rule_reference_is_up_to_date() -> None:
    problems = gen.stale(REPO)
    assert not problems, (
        "the rule reference in docs/rules/ does not match the rule files:\n  "
        + "\n  ".join(problems)
        + f"\nregenerate it with `{REGENERATE}` and commit the result"
    )


def test_every_shipped_rule_has_a_page_linked_from_the_index() -> None:
    shipped = {rule.id for rule in load_rules(collect(make_plugin_manager(load_entrypoints=False)))}
    assert shipped, "no built-in rules found"
    index = (DOCS / "rules" / "README.md").read_text(encoding="utf-8")
    for rule_id in sorted(shipped):
        page = DOCS / "rules" / f"{rule_id}.md"
        assert page.is_file(), f"{rule_id} has no page: run `{REGENERATE}`"
        assert f"]({rule_id}.md)" in index, f"{rule_id} is not in docs/rules/README.md"
    documented = {p.stem for p in (DOCS / "rules").glob("*.md")} - {"README"}
    assert documented == shipped, f"pages without a shipped rule: {sorted(documented - shipped)}"


def test_rule_pages_have_the_documented_sections() -> None:
    for rule_file, _ in gen.rule_files(REPO):
        page = (DOCS / "rules" / f"{rule_file.stem}.md").read_text(encoding="utf-8")
        headings = re.findall(r"^## (.+)$", page, re.MULTILINE)
        assert headings[0] == "What it does", rule_file.name
        for section in ("Why it matters", "Source", "Example", "Fix"):
            assert section in headings, f"{rule_file.name}: no '{section}' section"
        assert "Why it matters:" not in page, f"{rule_file.name}: the label is repeated"


def test_generation_is_deterministic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = gen.generate(REPO)
    monkeypatch.chdir(tmp_path)
    assert gen.generate(REPO) == first
    text = "".join(first.values())
    assert str(REPO) not in text, "an absolute path leaked into the pages"


RULE = """\
id: TEST-NET-001
title: Forwarding virtuals are enabled on the Edge VLAN only
severity: error
description: |
  Checks every forwarding virtual.
  * one
  * two
  After the list.

  Why it matters: traffic leaks.
remediation:
  text: Enable {object.name} on the Edge VLAN only.
  tmsh: "modify ltm virtual {object.name} vlans replace-all-with {{ /Common/edge_dmz }}"
references:
  - title: The seed
    url: https://example.com/seed
applies-to:
  kind: virtual_servers
condition:
  eq: {path: object.vlans_mode, value: enabled}
severity-by:
  - when: {eq: {path: object.port, value: 0}}
    severity: warning
message: "{object.name} is enabled everywhere"
metadata:
  seed: "enabled on DMZ_VLAN only"
examples:
  fail: [examples/fail-all]
  pass: [examples/pass.conf]
"""

FAIL_BASE = "# The base file.\nnet vlan /Common/edge_dmz {\n    tag 110\n}\n"
FAIL_CONF = (
    "# All VLANs. Expected: TEST-NET-001.\nltm virtual /Common/fwd {\n"
    "    destination /Common/0.0.0.0:0\n    ip-forward\n}\n"
)
PASS_CONF = (
    "# Edge VLAN only.\nltm virtual /Common/fwd {\n    destination /Common/0.0.0.0:0\n"
    "    ip-forward\n    vlans {\n        /Common/edge_dmz\n    }\n    vlans-enabled\n}\n"
)


@pytest.fixture
def toy_repo(tmp_path: Path) -> Path:
    """A repository with one pack, one rule, a folder example and a file example."""
    pack = tmp_path / "rules" / "toy"
    (pack / "examples" / "fail-all").mkdir(parents=True)
    (pack / "TEST-NET-001.yaml").write_text(RULE)
    (pack / "examples" / "fail-all" / "bigip_base.conf").write_text(FAIL_BASE)
    (pack / "examples" / "fail-all" / "bigip.conf").write_text(FAIL_CONF)
    (pack / "examples" / "pass.conf").write_text(PASS_CONF)
    (tmp_path / "rules" / "__init__.py").write_text("")
    return tmp_path


def test_a_generated_page(toy_repo: Path) -> None:
    pages = gen.generate(toy_repo)
    assert sorted(pages) == ["docs/rules/README.md", "docs/rules/TEST-NET-001.md"]
    page = pages["docs/rules/TEST-NET-001.md"]
    assert re.findall(r"^## (.+)$", page, re.MULTILINE) == [
        "What it does", "Why it matters", "Source", "Example", "Fix", "See also"
    ]
    # A list stays a list, and the text after it does not join its last item.
    assert "Checks every forwarding virtual.\n\n* one\n* two\n\nAfter the list." in page
    assert "## Why it matters\n\nTraffic leaks." in page
    assert "> enabled on DMZ_VLAN only" in page
    assert "- [The seed](https://example.com/seed)" in page
    assert "**error** (some findings: warning" in page
    # The example folder's files are diffed one by one against the passing file's.
    assert "[`examples/fail-all`](../../rules/toy/examples/fail-all)" in page
    assert "+    vlans-enabled" in page
    assert "# ---- bigip_base.conf" in page
    assert "Expected: TEST-NET-001." in page
    # The fix: placeholders as code, doubled braces as single ones.
    assert "Enable `{object.name}` on the Edge VLAN only." in page
    assert "vlans replace-all-with { /Common/edge_dmz }" in page
    index = pages["docs/rules/README.md"]
    assert "| [TEST-NET-001](TEST-NET-001.md) | error | Forwarding virtuals are enabled" in index
    assert "## TEST-NET" in index


def test_stale_pages_are_detected_and_regenerated(toy_repo: Path) -> None:
    assert gen.main(["--check", "--repo", str(toy_repo)]) == 1  # nothing written yet
    assert gen.main(["--repo", str(toy_repo)]) == 0
    assert gen.stale(toy_repo) == []
    assert gen.main(["--check", "--repo", str(toy_repo)]) == 0
    page = toy_repo / "docs" / "rules" / "TEST-NET-001.md"
    rule = toy_repo / "rules" / "toy" / "TEST-NET-001.yaml"
    rule.write_text(RULE.replace("traffic leaks.", "traffic leaks out."))
    assert gen.stale(toy_repo) == ["docs/rules/TEST-NET-001.md: out of date"]
    (toy_repo / "docs" / "rules" / "GONE-001.md").write_text("old\n")
    page.unlink()
    assert gen.stale(toy_repo) == [
        "docs/rules/TEST-NET-001.md: missing",
        "docs/rules/GONE-001.md: no rule has this ID any more",
    ]
    gen.main(["--repo", str(toy_repo)])
    assert gen.stale(toy_repo) == []
    assert not (toy_repo / "docs" / "rules" / "GONE-001.md").exists()


def test_generator_names_an_unreadable_rule(toy_repo: Path) -> None:
    (toy_repo / "rules" / "toy" / "TEST-NET-002.yaml").write_text("id: TEST-NET-002\n")
    with pytest.raises(gen.RuleDocError, match=r"TEST-NET-002.yaml: the rule has no 'title'"):
        gen.generate(toy_repo)
    assert gen.main(["--check", "--repo", str(toy_repo)]) == 2


# -- links and structure ----------------------------------------------------------------------


def test_every_internal_link_resolves() -> None:
    problems = [problem for page in pages() for problem in broken_links(page)]
    assert not problems, "broken links:\n  " + "\n  ".join(problems)


def test_the_link_checker_catches_broken_links(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## A `code` heading\n")
    page.write_text(
        "# Page\n[ok](other.md#a-code-heading) [self](#page) [web](https://x.y/z)\n"
        "[gone](missing.md) [anchor](other.md#nope)\n```\n[in code](ignored.md)\n```\n"
    )
    global REPO
    saved, REPO = REPO, tmp_path
    try:
        problems = broken_links(page)
    finally:
        REPO = saved
    assert [p.split(": ", 1)[1] for p in problems] == [
        "missing.md: missing.md does not exist",
        "other.md#nope: no heading with anchor #nope in other.md",
    ]


def test_every_page_is_reachable_from_the_index() -> None:
    reached: set[Path] = set()
    todo = [DOCS / "README.md"]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        for _, target in links(page):
            path_part = target.partition("#")[0]
            if re.match(r"^[a-z]+:", target) or not path_part.endswith(".md"):
                continue
            linked = (page.parent / path_part).resolve()
            if linked.is_relative_to(DOCS) and linked.is_file():
                todo.append(linked)
    # docs/performance*.md belong to the benchmark owners, who link their pages themselves.
    owned_elsewhere = {p for p in pages() if p.name.startswith("performance")}
    unreached = sorted(
        str(p.relative_to(REPO)) for p in set(pages()) - reached - owned_elsewhere
    )
    assert not unreached, f"pages no link leads to from docs/README.md: {unreached}"


# -- everything is documented -----------------------------------------------------------------


def _schema_keys(schema: Mapping[str, Any], definition: str) -> set[str]:
    return set(schema["$defs"][definition]["properties"])


def test_every_configuration_key_is_documented() -> None:
    schema = json.loads((REPO / "schemas" / "config.schema.json").read_text())
    configuration = (DOCS / "configuration.md").read_text()
    keys = set(schema["properties"]) - {"rules"}  # documented by its sub-keys
    keys |= {f"rules.{k}" for k in schema["properties"]["rules"]["properties"]}
    keys |= _schema_keys(schema, "waiver")
    missing = sorted(k for k in keys if f"`{k}`" not in configuration)
    assert not missing, f"docs/configuration.md does not describe: {missing}"
    intent = (DOCS / "intent.md").read_text()
    deployment = _schema_keys(schema, "deployment") | _schema_keys(schema, "edge-pool")
    deployment |= _schema_keys(schema, "edge-server")
    deployment |= set(schema["$defs"]["deployment"]["properties"]["vlans"]["properties"])
    deployment -= {"vips", "external"}  # documented by their sub-keys (vips.av, external.av)
    deployment |= {f"vips.{k}" for k in ("access", "webconf", "av", "internal")}
    missing = sorted(k for k in deployment if f"`{k}`" not in intent)
    assert not missing, f"docs/intent.md does not describe: {missing}"


def test_the_rule_language_is_documented() -> None:
    text = (DOCS / "writing-rules.md").read_text()
    registry = collect(make_plugin_manager(load_entrypoints=False))
    core = [name for name in registry.predicates if "." not in name]
    assert len(core) >= 18
    missing = [name for name in core if f"`{name}`" not in text]
    assert not missing, f"docs/writing-rules.md does not describe the predicates {missing}"
    for word in ("all", "any", "not", *TOP_LEVEL_KEYS, *KINDS):
        assert f"`{word}" in text, f"docs/writing-rules.md does not mention `{word}`"


def test_every_output_format_and_command_is_documented() -> None:
    registry = collect(make_plugin_manager(load_entrypoints=False))
    formats = (DOCS / "output-formats.md").read_text()
    for name in registry.reporters:
        assert f"\n### {name}\n" in formats, f"docs/output-formats.md has no section for {name}"
    commands = (DOCS / "cli.md").read_text()
    for name, command in cli.commands.items():
        assert f"`lyncpolicy {name}" in commands, f"docs/cli.md does not list {name}"
        for sub in getattr(command, "commands", {}):
            assert f"`lyncpolicy {name} {sub}" in commands, f"docs/cli.md: {name} {sub}"


# -- the snippets are true --------------------------------------------------------------------


def _yaml_blocks() -> list[Block]:
    found = []
    for page in pages():
        if page.parent.name == "rules":  # generated from files the rule tests already check
            continue
        found.extend(blocks_of(page, "yaml"))
    return found


YAML_BLOCKS = _yaml_blocks()
CONFIG_KEYS = set(json.loads((REPO / "schemas" / "config.schema.json").read_text())["properties"])
RULE_TRIGGERS = {"condition", "applies-to", "severity-by", "for-each"}
PLUGIN_FILES = "# lyncpolicy-acme/"  # the plugin walk-through has its own test


def test_there_are_yaml_snippets() -> None:
    assert len(YAML_BLOCKS) > 15


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=Block.where)
def test_yaml_snippet_is_valid(block: Block, tmp_path: Path) -> None:
    data = yaml.safe_load(block.text)
    assert data is not None, f"{block.where()}: empty YAML"
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        return  # a CI file or a list: checked by the workflow tests
    if set(data) <= CONFIG_KEYS:
        _check_config(block, data, tmp_path)
    elif (
        set(data) <= set(TOP_LEVEL_KEYS)
        and set(data) & RULE_TRIGGERS
        and not block.first_line.startswith(PLUGIN_FILES)
    ):
        _check_rule(block, data)


def _check_config(block: Block, data: Mapping[str, Any], folder: Path) -> None:
    """A configuration snippet loads (files it names are made up around it)."""
    if "extends" in data:
        (folder / data["extends"]).write_text("version: 1\n")
    for pack in (data.get("rules") or {}).get("packs", ()):
        (folder / pack).mkdir(parents=True, exist_ok=True)
    path = folder / "lyncpolicy.yaml"
    path.write_text(block.text)
    load_config(str(path))  # raises with file:line:col on anything invalid


def _check_rule(block: Block, data: Mapping[str, Any]) -> None:
    """A rule or a rule fragment compiles, completed with defaults for what it leaves out."""
    registry = collect(make_plugin_manager(load_entrypoints=False))
    rule: dict[str, Any] = {
        "id": "DOC-RULE-001",
        "title": "t",
        "severity": "error",
        "description": "d",
        "remediation": {"text": "r"},
        "condition": {"exists": {"path": "object.name"}},
        "message": "m",
    }
    rule.update(data)
    kinds = [rule["applies-to"]["kind"]] if "applies-to" in rule else list(KINDS)
    errors = []
    for kind in kinds:
        rule["applies-to"] = {**rule.get("applies-to", {}), "kind": kind}
        try:
            build_rule(
                rule, file=block.where(), file_name=f"{rule['id']}.yaml",
                predicates=registry.predicates, pack="docs",
            )
            return
        except Exception as exc:  # a fragment may fit only some kinds
            errors.append(f"{kind}: {exc}")
    pytest.fail(f"{block.where()}: the rule snippet does not compile: {errors[:3]}")


# -- the commands of the pages run ------------------------------------------------------------


RUNNABLE = [
    "getting-started.md",
    "workflows/ucs-scan.md",
    "workflows/terraform-ci.md",
    "configuration.md",
    "intent.md",
    "topology.md",
    "output-formats.md",
]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def commands(page: Path) -> list[str]:
    """The ``lyncpolicy ...`` command lines of a page's sh, yaml and groovy blocks."""
    found: list[str] = []
    for block in blocks_of(page, "sh", "bash", "yaml", "groovy"):
        if block.language == "yaml":
            texts = list(_strings(yaml.safe_load(block.text)))
        else:
            texts = [block.text.replace("\\\n", " ")]
        for text in texts:
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("lyncpolicy "):
                    found.append(line)
    return found


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the files the pages' commands name: the examples, a Terraform plan, a
    folder of UCS backups per site, their configuration files."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    shutil.copy(REPO / "tests" / "data" / "terraform" / "bigip-plan.json", tmp_path / "plan.json")
    for site, archive in (("site-a", "clean.ucs"), ("site-b", "broken.ucs")):
        (tmp_path / "backups" / site).mkdir(parents=True)
        shutil.copy(REPO / "examples" / "ucs" / archive, tmp_path / "backups" / site / "edge.ucs")
        (tmp_path / f"{site}.yaml").write_text("version: 1\n")
    (tmp_path / ".git").mkdir()  # configuration discovery stops here
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


Run = Callable[[str], tuple[int, str, str]]


@pytest.fixture
def run_line(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run one documented command line in-process: (exit code, stdout, stderr)."""

    def run(line: str) -> tuple[int, str, str]:
        args = shlex.split(os.path.expandvars(line), comments=True)
        assert args[0] == "lyncpolicy"
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(args[1:])
        out, err = capsys.readouterr()
        code = exit_info.value.code
        return (code if isinstance(code, int) else 0 if code is None else 1), out, err

    return run


def _outputs(line: str) -> list[tuple[str, str]]:
    """(format, file) pairs a command line writes."""
    args = shlex.split(line, comments=True)
    formats = [args[i + 1] for i, a in enumerate(args) if a == "--format"]
    files = [args[i + 1] for i, a in enumerate(args) if a in ("--output", "-o")]
    return [(fmt, name) for fmt, name in zip(formats, files, strict=False) if "$" not in name]


def _check_output(fmt: str, path: Path) -> None:
    assert path.is_file() and path.stat().st_size > 0, f"{path.name} was not written"
    text = path.read_text(encoding="utf-8")
    if fmt == "sarif":
        assert json.loads(text)["version"] == "2.1.0"
    elif fmt == "json":
        assert "findings" in json.loads(text)
    elif fmt == "junit":
        assert ET.fromstring(text).tag == "testsuites"


@pytest.mark.parametrize("name", RUNNABLE)
def test_documented_commands_run(name: str, sandbox: Path, run_line: Run) -> None:
    lines = commands(DOCS / name)
    assert lines, f"docs/{name} shows no lyncpolicy command"
    for line in lines:
        code, _, err = run_line(line)
        assert code in (0, 1), f"docs/{name}: `{line}` exited {code}: {err}"
        assert "Traceback" not in err and "internal error" not in err, err
        for fmt, output in _outputs(line):
            _check_output(fmt, sandbox / output)


def test_ci_recipes_fit_together() -> None:
    page = DOCS / "workflows" / "terraform-ci.md"
    documents = [yaml.safe_load(b.text) for b in blocks_of(page, "yaml")]
    github = next(d for d in documents if "jobs" in d)
    steps = github["jobs"]["plan-gate"]["steps"]
    scan = next(s["run"] for s in steps if str(s.get("run", "")).startswith("lyncpolicy scan"))
    written = dict((name, fmt) for fmt, name in _outputs(scan))
    upload = next(s for s in steps if str(s.get("uses", "")).startswith(
        "github/codeql-action/upload-sarif@"))
    assert written.get(upload["with"]["sarif_file"]) == "sarif"
    assert scan.split()[-2:] == ["--format", "github"], "annotations go to the log, last"
    assert github["permissions"]["security-events"] == "write"
    summary = next(s["run"] for s in steps if "GITHUB_STEP_SUMMARY" in str(s.get("run", "")))
    assert any(name in summary for name, fmt in written.items() if fmt == "markdown")

    gitlab = next(d for d in documents if "stages" in d)
    script = " ".join(gitlab["lyncpolicy"]["script"])
    junit = gitlab["lyncpolicy"]["artifacts"]["reports"]["junit"]
    assert ("junit", junit) in _outputs(script[script.index("lyncpolicy scan"):])
    assert gitlab["lyncpolicy"]["artifacts"]["when"] == "always"

    (groovy,) = blocks_of(page, "groovy")
    jenkins_scan = next(line.strip() for line in groovy.text.splitlines()
                        if line.strip().startswith("lyncpolicy scan"))
    results = re.search(r"junit .*testResults: '([^']+)'", groovy.text)
    assert results is not None
    assert ("junit", results.group(1)) in _outputs(jenkins_scan)


def test_pre_commit_snippets_match_the_published_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    documented = [
        yaml.safe_load(b.text) for b in blocks_of(DOCS / "workflows" / "pre-commit.md", "yaml")
    ]
    assert documented
    for config in documented:
        for repo in config["repos"]:
            for hook in repo["hooks"]:
                assert hook["id"] in hooks, f"the pre-commit page names an unknown hook {hook}"
                if repo["repo"] == "local":
                    published = hooks[hook["id"]]
                    for key in ("files", "pass_filenames", "require_serial", "entry"):
                        assert hook[key] == published[key], f"local hook {key} differs"


# -- the walk-throughs ------------------------------------------------------------------------


def _extract(page: Path, prefix: str, into: Path) -> list[Path]:
    """Write every block whose first line is ``# PATH`` (PATH starting with ``prefix``)."""
    written = []
    for block in blocks_of(page):
        match = re.match(r"^# (\S+)$", block.first_line)
        if match and match.group(1).startswith(prefix):
            target = into / match.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            written.append(target)
    return written


def test_the_rule_writing_walkthrough(sandbox: Path, run_line: Run) -> None:
    page = DOCS / "writing-rules.md"
    files = _extract(page, "my-rules/", sandbox)
    assert {f.name for f in files} == {
        "ACME-EDGE-001.yaml", "fail-no-ticket.conf", "pass-ticket.conf"
    }
    config = next(b for b in blocks_of(page, "yaml") if "packs: [my-rules]" in b.text)
    (sandbox / "lyncpolicy.yaml").write_text(config.text)
    outputs = {}
    for line in commands(page):
        code, out, err = run_line(line)
        assert code in (0, 1), f"`{line}` exited {code}: {err}"
        outputs[line] = out + err
    assert "2 passed, 0 failed" in outputs["lyncpolicy rules test my-rules/"]
    assert "1 rule(s) valid" in outputs["lyncpolicy rules validate my-rules/"]
    scan = outputs["lyncpolicy scan examples/broken --select ACME"]
    assert "ACME-EDGE-001" in scan and "names no change" in scan


@pytest.fixture
def acme_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The plugin package of docs/plugins.md, written out and importable."""
    files = _extract(DOCS / "plugins.md", "lyncpolicy-acme/", tmp_path)
    assert len(files) == 6, [str(f) for f in files]
    root = tmp_path / "lyncpolicy-acme"
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.split(".")[0] == "lyncpolicy_acme"]:
        del sys.modules[name]


def test_the_plugin_walkthrough(acme_plugin: Path, sandbox: Path, run_line: Run) -> None:
    from lyncpolicy.cli_rules import run_examples
    from lyncpolicy.conditions import Compiler, compile_condition
    from lyncpolicy.model import VirtualServer
    from lyncpolicy.report_io import load

    project = tomllib.loads((acme_plugin / "pyproject.toml").read_text())
    module_name = project["project"]["entry-points"]["lyncpolicy"]["acme"]
    package = acme_plugin / "lyncpolicy_acme"
    patterns = project["tool"]["setuptools"]["package-data"]["lyncpolicy_acme"]
    for data_file in (package / "rules").rglob("*.*"):
        relative = data_file.relative_to(package).as_posix()
        assert any(fnmatch(relative, p) for p in patterns), f"{relative} would not be shipped"

    plugin = importlib.import_module(module_name)
    manager = make_plugin_manager(load_entrypoints=False)
    manager.register(plugin, "acme")
    registry = collect(manager)
    assert {"acme.name-has-port", "acme.ports-in"} <= set(registry.predicates)
    rules = [r for r in load_rules(registry) if r.pack == "acme"]
    assert [r.id for r in rules] == ["ACME-NAME-001"]
    passed, failed, report_lines = run_examples(rules)
    assert (passed, failed) == (2, 0), report_lines

    ports_in = compile_condition(
        {"acme.ports-in": {"path": "object.port", "ports": [443, 3478]}},
        Compiler(registry.predicates, {"object": KINDS["virtual_servers"]}),
    )
    assert ports_in({"object": VirtualServer("/Common/a", port=443)}).passed
    outcome = ports_in({"object": VirtualServer("/Common/b", port=80)})
    assert outcome.failed and outcome.witnesses == {"port": [80]}

    code, _, err = run_line("lyncpolicy scan examples/broken --format json --output r.json")
    assert code == 1, err
    report = load(str(sandbox / "r.json"))
    csv_text = registry.reporters["acme-csv"].render(report, {})
    rows = csv_text.splitlines()
    assert rows[0] == "rule,severity,device,object,message"
    assert len(rows) - 1 == sum(1 for f in report.findings if f.status == "fail")


# -- suppressions as the configuration page shows them ------------------------------------------


DIRECTIVE = "lyncpolicy: ignore[LYNC-EDGE-AV-001] lab VIP, SNAT accepted (CHG-42)"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            'description "Lync Edge A/V - MSTURN over TCP"',
            f'description "Lync A/V 443 {DIRECTIVE}"',
            id="in-the-description",
        ),
        pytest.param(
            "ltm virtual /Common/edge_av_443 {",
            f"# {DIRECTIVE}\nltm virtual /Common/edge_av_443 {{",
            id="in-a-comment-above",
        ),
    ],
)
def test_inline_suppression_as_documented(
    old: str, new: str, sandbox: Path, run_line: Run
) -> None:
    conf = sandbox / "examples" / "broken" / "bigip.conf"
    text = conf.read_text()
    assert old in text
    conf.write_text(text.replace(old, new))
    code, _, err = run_line("lyncpolicy scan examples/broken --format json --output s.json")
    assert code in (0, 1), err
    findings = json.loads((sandbox / "s.json").read_text())["findings"]
    (finding,) = [
        f for f in findings
        if f["rule_id"] == "LYNC-EDGE-AV-001" and f["object"] == "/Common/edge_av_443"
    ]
    assert finding["status"] == "suppressed"
    assert finding["suppression"]["kind"] == "inline"
    assert finding["suppression"]["reason"] == "lab VIP, SNAT accepted (CHG-42)"
