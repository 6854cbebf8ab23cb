"""Plugins: the manager, registries, duplicate names, broken plugins, and a real pip install."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from lyncpolicy.adapters.detect import detect_input

from lyncpolicy import hookspecs
from lyncpolicy.builtin_predicates import CORE_PREDICATES
from lyncpolicy.builtin_rules import builtin_packs
from lyncpolicy.errors import InputError, PluginError, RuleError
from lyncpolicy.findings import Report
from lyncpolicy.hookspecs import (
    AdapterSpec,
    Probe,
    Reading,
    ReadOptions,
    RulePackRef,
    hookimpl,
    value_predicate,
)
from lyncpolicy.loader import load
from lyncpolicy.plugins import (
    AUTOLOAD_ENV,
    DEFAULT_PLUGINS,
    collect,
    load_rules,
    make_plugin_manager,
)
from lyncpolicy.rulepack import check_paths, schema_json, shipped_schema_text

DATA = Path(__file__).resolve().parent / "data"
ROOT_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PLUGIN_PKG = DATA / "plugin_pkg"
UDP_PACK = DATA / "rulepacks" / "udp-snat"
CORE = {p.name: p for p in CORE_PREDICATES}

# Run `lyncpolicy rules ...` through lyncpolicy.cli.main, with the `rules` group added the way
# cli.py registers it (`cli.add_command(rules)`; adding it twice is harmless).
CLI = (
    "import sys\n"
    "from lyncpolicy.cli import cli, main\n"
    "from lyncpolicy.cli_rules import rules\n"
    "cli.add_command(rules)\n"
    "main(sys.argv[1:])\n"
)


@pytest.fixture(autouse=True)
def _autoload_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AUTOLOAD_ENV, raising=False)


def fake_distribution(root: Path, name: str, module: str, source: str) -> Path:
    """An installed distribution on a sys.path folder: a module and its dist-info."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[lyncpolicy]\n{name} = {module}\n")
    return root


def write_pack(folder: Path, rule_id: str, severity: str = "info") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{rule_id}.yaml").write_text(
        textwrap.dedent(f"""\
        id: {rule_id}
        title: A test rule
        severity: {severity}
        description: Checks something.
        remediation:
          text: Fix {{object.name}}.
        applies-to:
          kind: virtual_servers
        condition:
          exists: {{path: object.pool}}
        message: "{{object.name}} has no pool"
        """),
        encoding="utf-8",
    )
    return folder


class Plugin:
    """A plugin object with configurable hook results (registered by hand in tests)."""

    def __init__(self, **results: list[Any]) -> None:
        self.results = results

    @hookimpl
    def lyncpolicy_predicates(self) -> list[Any]:
        return self.results.get("predicates", [])

    @hookimpl
    def lyncpolicy_rule_packs(self) -> list[Any]:
        return self.results.get("packs", [])

    @hookimpl
    def lyncpolicy_reporters(self) -> list[Any]:
        return self.results.get("reporters", [])

    @hookimpl
    def lyncpolicy_adapters(self) -> list[Any]:
        return self.results.get("adapters", [])


def manager_with(*plugins: tuple[str, Plugin]) -> Any:
    pm = make_plugin_manager(load_entrypoints=False)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return pm


# -- the manager ---------------------------------------------------------------------------------


def test_builtins_are_ordinary_plugins() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    assert {pm.get_name(p) for p in pm.get_plugins()} == set(DEFAULT_PLUGINS)
    registry = collect(pm)
    owners = {name: registry.owner("predicate", name) for name in registry.predicates}
    core = {name for name, owner in owners.items() if owner == "lyncpolicy.builtin_predicates"}
    assert core == set(CORE)
    assert all("." not in name for name in core)
    # The built-in Lync pack's predicates are namespaced like any plugin's.
    lync = set(owners) - core
    assert lync and all(owners[n] == "lyncpolicy.lync" and n.startswith("lync.") for n in lync)
    assert make_plugin_manager(load_entrypoints=False) is not pm


def test_every_hook_is_prefixed_documented_and_returns_a_list() -> None:
    specs = [
        (name, func)
        for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(func, "lyncpolicy_spec")
    ]
    assert {name for name, _ in specs} == {
        "lyncpolicy_predicates",
        "lyncpolicy_rule_packs",
        "lyncpolicy_adapters",
        "lyncpolicy_reporters",
    }
    for name, func in specs:
        assert func.__doc__ and len(func.__doc__.strip()) > 20, name
        assert str(inspect.signature(func).return_annotation).startswith("list["), name


def test_disabled_blocks_a_builtin() -> None:
    pm = make_plugin_manager(load_entrypoints=False, disabled=["lyncpolicy.builtin_rules"])
    assert pm.get_plugin("lyncpolicy.builtin_rules") is None
    assert collect(pm).rule_packs == ()


def test_builtin_packs_are_valid() -> None:
    # Built-in packs are compiled without the schema at run time; here they are validated.
    from lyncpolicy.cli_rules import run_examples

    predicates = collect(make_plugin_manager(load_entrypoints=False)).predicates
    for ref in builtin_packs():
        rules, problems = check_paths([str(ref.location)], predicates)
        assert [str(p) for p in problems] == []
        assert rules, ref.name
        # The rules' own examples (`lyncpolicy rules test rules/PACK`) behave.
        _, failed, lines = run_examples(rules)
        assert (failed, lines) == (0, [])
    rules_root = Path(__file__).resolve().parent.parent / "rules"
    yaml_folders = {p.parent.name for p in rules_root.glob("*/*.yaml")}
    assert yaml_folders == {ref.name for ref in builtin_packs()}


def test_shipped_schema_is_generated_from_the_core_predicates() -> None:
    from jsonschema import Draft202012Validator

    assert shipped_schema_text() == schema_json(CORE), (
        "regenerate: python -m lyncpolicy.rulepack > schemas/rule.schema.json"
    )
    import json

    Draft202012Validator.check_schema(json.loads(shipped_schema_text()))


# -- what plugins register -----------------------------------------------------------------------


def test_duplicate_predicate_names_both_owners() -> None:
    check = value_predicate("acme.same", lambda value: True)
    pm = manager_with(("acme", Plugin(predicates=[check])), ("globex", Plugin(predicates=[check])))
    with pytest.raises(PluginError) as excinfo:
        collect(pm)
    assert "predicate 'acme.same' is registered by both 'acme' and 'globex'" in str(excinfo.value)
    assert excinfo.value.exit_code == 2


def test_plugin_cannot_override_a_core_predicate() -> None:
    pm = manager_with(("acme", Plugin(predicates=[value_predicate("eq", lambda v: True)])))
    with pytest.raises(PluginError, match="plugin predicate names must contain a dot"):
        collect(pm)


@pytest.mark.parametrize("bad", [["not a predicate"], "a string"])
def test_hooks_must_return_lists_of_the_right_things(bad: Any) -> None:
    pm = manager_with(("acme", Plugin(predicates=bad)))
    with pytest.raises(PluginError, match="acme"):
        collect(pm)


def test_hook_raising_names_the_plugin() -> None:
    class Raising:
        @hookimpl
        def lyncpolicy_rule_packs(self) -> list[Any]:
            raise OSError("disk on fire")

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(Raising(), name="flaky")
    with pytest.raises(PluginError, match=r"'flaky': lyncpolicy_rule_packs\(\) raised OSError"):
        collect(pm)


def test_reporters_and_adapters_registries() -> None:
    class Reporter:
        name = "acme-csv"

        def render(self, report: Report, options: Mapping[str, object]) -> str:
            return "csv"

    pm = manager_with(("acme", Plugin(reporters=[Reporter()], adapters=[JsonishAdapter()])))
    registry = collect(pm)
    assert registry.reporters["acme-csv"].render(Report((), ()), {}) == "csv"
    # Built-in adapters are registered through the same hook, first.
    assert list(registry.adapters) == ["archive", "terraform", "as3", "do", "tmsh", "acme-json"]
    assert registry.owner("adapter", "tmsh") == "lyncpolicy.adapters.builtin"
    assert registry.owner("adapter", "acme-json") == "acme"
    assert registry.owner("reporter", "acme-csv") == "acme"
    pm.register(Plugin(reporters=[Reporter()]), name="globex")
    with pytest.raises(PluginError, match="reporter 'acme-csv' is registered by both"):
        collect(pm)
    pm = manager_with(("acme", Plugin(reporters=[object()])))
    with pytest.raises(PluginError, match="invalid reporter"):
        collect(pm)


class JsonishAdapter:
    """A minimal third-party adapter (the protocol, nothing more)."""

    name = "acme-json"
    kinds = ("acme",)
    grouping = "file"
    suffixes = (".acmejson",)

    def detect(self, probe: Probe) -> str | None:
        return None

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        return Reading()


def test_an_input_kind_belongs_to_one_adapter() -> None:
    class Thief(JsonishAdapter):
        name = "thief"
        kinds = ("tmsh",)

    with pytest.raises(PluginError, match=re.escape(
        "input kind 'tmsh' is registered by both 'lyncpolicy.adapters.builtin' and 'globex'"
    )):
        collect(manager_with(("globex", Plugin(adapters=[Thief()]))))


@pytest.mark.parametrize("field, value", [("grouping", "device"), ("kinds", ()),
                                          ("kinds", ("",))])
def test_invalid_adapters_are_rejected(field: str, value: object) -> None:
    adapter = JsonishAdapter()
    setattr(adapter, field, value)
    with pytest.raises(PluginError, match="plugin 'acme' registered an invalid adapter"):
        collect(manager_with(("acme", Plugin(adapters=[adapter]))))


def acme_adapters(monkeypatch: pytest.MonkeyPatch) -> tuple[AdapterSpec, ...]:
    """The adapters of the built-ins and of the fixture package's plugin (imported from its
    source folder), in registration order."""
    monkeypatch.syspath_prepend(str(PLUGIN_PKG))
    plugin = importlib.import_module("lyncpolicy_acme.plugin")
    return tuple(collect(manager_with(("acme", plugin))).adapters.values())


def test_a_plugin_adapter_reads_its_own_format(monkeypatch: pytest.MonkeyPatch) -> None:
    adapters = acme_adapters(monkeypatch)
    examples = PLUGIN_PKG / "examples"
    for jobs in (1, 2):  # 2: the adapters reach the worker processes
        loaded = load([str(examples / "site1.acme"), str(examples / "site2.acme")],
                      adapters=adapters, jobs=jobs)
        assert loaded.errors == []
        assert [u.unit.kind for u in loaded.units] == ["acme-inventory", "acme-inventory"]
        assert [sorted(d.virtual_servers) for d in loaded.model.devices] == [
            ["/Common/sip_5061", "/Common/web_444"], ["/Common/av_3479"]
        ]
        sip = loaded.model.devices[0].virtual_servers["/Common/sip_5061"]
        assert (sip.port, sip.source.file) == (5061, str(examples / "site1.acme"))
    # Without the plugin the same files are not inputs at all.
    with pytest.raises(InputError, match="not a recognized input"):
        load([str(examples / "site1.acme")])


def test_content_claims_come_before_names_and_builtins_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapters = acme_adapters(monkeypatch)
    inventory_named_conf = tmp_path / "inventory.conf"
    inventory_named_conf.write_text("#ACME-INVENTORY v1\n", encoding="utf-8")
    tmsh_named_acme = tmp_path / "bigip.acme"
    tmsh_named_acme.write_text("ltm pool /Common/p { }\n", encoding="utf-8")
    prose_named_acme = tmp_path / "notes.acme"
    prose_named_acme.write_text("just notes\n", encoding="utf-8")
    assert detect_input(str(inventory_named_conf), adapters) == "acme-inventory"
    assert detect_input(str(inventory_named_conf)) == "tmsh"  # by name, built-ins only
    assert detect_input(str(tmsh_named_acme), adapters) == "tmsh"
    assert detect_input(str(prose_named_acme), adapters) == "acme-inventory"  # by its suffix
    assert detect_input(str(prose_named_acme)) == "unknown"


def test_a_plugin_adapters_input_error_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapters = acme_adapters(monkeypatch)
    bad = tmp_path / "bad.acme"
    bad.write_text("#ACME-INVENTORY v1\nvirtual only-a-name\n", encoding="utf-8")
    [error] = load([str(bad)], adapters=adapters).errors
    assert str(error) == (f"{bad}:2: expected 'virtual NAME ADDRESS:PORT' "
                          "(fix the inventory line)")


def test_duplicate_rule_ids_across_packs(tmp_path: Path) -> None:
    first = write_pack(tmp_path / "one", "ACME-DUP-001")
    second = write_pack(tmp_path / "two", "ACME-DUP-001")
    pm = manager_with(
        ("acme", Plugin(packs=[RulePackRef("acme", first)])),
        ("globex", Plugin(packs=[RulePackRef("globex", second)])),
    )
    with pytest.raises(PluginError) as excinfo:
        load_rules(pm)
    text = str(excinfo.value)
    assert "rule ACME-DUP-001 is defined by both pack 'acme' of 'acme'" in text
    assert "pack 'globex' of 'globex'" in text


def test_plugin_packs_are_validated(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "acme", "ACME-BAD-001", severity="critical")
    pm = manager_with(("acme", Plugin(packs=[RulePackRef("acme", pack)])))
    with pytest.raises(RuleError) as excinfo:
        load_rules(pm)
    assert str(excinfo.value) == (
        f"{pack / 'ACME-BAD-001.yaml'}:3:11: severity: 'critical' is not one of "
        "['error', 'warning', 'info']"
    )


def test_plugin_rule_uses_plugin_predicate(tmp_path: Path) -> None:
    pm = manager_with(
        (
            "acme",
            Plugin(
                predicates=[value_predicate("acme.even_port", lambda port: port % 2 == 0)],
                packs=[RulePackRef("acme", PLUGIN_PKG / "lyncpolicy_acme" / "rules")],
            ),
        )
    )
    rules = load_rules(pm, [RulePackRef("udp-snat", UDP_PACK)])
    assert [(r.id, r.pack) for r in rules if r.pack != "lync-edge"] == [
        ("ACME-PORT-001", "acme"),
        ("TEST-UDP-001", "udp-snat"),
    ]


# -- entry points --------------------------------------------------------------------------------

BROKEN = """\
raise RuntimeError("boom at import")
"""

MISSPELLED = """\
from lyncpolicy.hookspecs import hookimpl

@hookimpl
def lyncpolicy_predicatez():
    return []
"""


def test_entry_point_that_raises_is_a_plugin_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(fake_distribution(tmp_path, "broken", "broken_plugin", BROKEN)))
    with pytest.raises(PluginError) as excinfo:
        make_plugin_manager()
    text = str(excinfo.value)
    assert "plugin 'broken' (entry point 'broken = broken_plugin' from broken_plugin 0.1)" in text
    assert "failed to load: RuntimeError: boom at import" in text
    assert excinfo.value.exit_code == 2
    # Ways around it: block the plugin, turn autoloading off.
    make_plugin_manager(disabled=["broken"])
    make_plugin_manager(load_entrypoints=False)
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    make_plugin_manager()


def test_misspelled_hook_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(fake_distribution(tmp_path, "typo", "typo_plugin", MISSPELLED)))
    with pytest.raises(PluginError, match="lyncpolicy_predicatez"):
        make_plugin_manager()


def run_cli(
    python: str, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-c", CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_cli_exits_2_naming_a_broken_plugin(tmp_path: Path) -> None:
    site = fake_distribution(tmp_path / "site", "broken", "broken_plugin", BROKEN)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop(AUTOLOAD_ENV, None)
    result = run_cli(sys.executable, "rules", "list", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("lyncpolicy: error: plugin 'broken' (entry point")
    assert "RuntimeError: boom at import" in result.stderr
    assert "Traceback" not in result.stderr
    env[AUTOLOAD_ENV] = "1"
    assert run_cli(sys.executable, "rules", "list", env=env, cwd=tmp_path).returncode == 0


def _venv_python(venv: Path) -> str:
    return str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))


def test_pip_installed_plugin_end_to_end(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
        timeout=120,
    )
    python = _venv_python(venv)
    if sys.prefix != sys.base_prefix:
        # This interpreter is itself a venv (CI): the new venv's "system" site is the base
        # interpreter's, so make this one's site-packages (with lyncpolicy) visible too.
        purelib = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        parents = [p for p in sys.path if p.endswith("site-packages")]
        lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
        Path(purelib, "_lyncpolicy_parent.pth").write_text(lines, encoding="utf-8")
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp_path / "plugin_pkg"
    shutil.copytree(PLUGIN_PKG, source)
    install = [
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
    ]
    if importlib.util.find_spec("wheel") is not None:
        install.append("--no-build-isolation")  # offline when setuptools can build wheels here
    result = subprocess.run(
        [*install, str(source)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    env = {k: v for k, v in os.environ.items() if k not in (AUTOLOAD_ENV, "PYTHONPATH")}

    listed = run_cli(python, "rules", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert re.search(
        r"^ACME-PORT-001 +info +Virtual servers listen on even ports +acme$",
        listed.stdout,
        re.MULTILINE,
    ), listed.stdout
    # The same environment without the plugin does not have the rule.
    assert (
        "ACME-PORT-001"
        not in run_cli(sys.executable, "rules", "list", env=env, cwd=tmp_path).stdout
    )
    shown = run_cli(python, "rules", "show", "ACME-PORT-001", env=env, cwd=tmp_path)
    assert "Pack: acme (plugin acme)" in shown.stdout
    # The plugin's predicate works in the engine: its pack's examples pass.
    tested = run_cli(
        python,
        "rules",
        "test",
        str(PLUGIN_PKG / "lyncpolicy_acme" / "rules"),
        env=env,
        cwd=tmp_path,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed, 0 failed" in tested.stdout
    disabled = run_cli(python, "rules", "list", env={**env, AUTOLOAD_ENV: "1"}, cwd=tmp_path)
    assert "ACME-PORT-001" not in disabled.stdout
    # The plugin's adapter reads its own format in a scan, in worker processes too.
    examples = [str(PLUGIN_PKG / "examples" / name) for name in ("site1.acme", "site2.acme")]
    scan = ["scan", *examples, "--select", "ACME-PORT-001", "--fail-on", "info",
            "--format", "json", "--jobs", "2"]
    scanned = run_cli(python, *scan, env=env, cwd=tmp_path)
    assert scanned.returncode == 1, scanned.stderr
    report = json.loads(scanned.stdout)
    assert [(f["rule_id"], f["status"], f["object"], f["file"], f["line"])
            for f in report["findings"] if f["status"] != "pass"] == [
        ("ACME-PORT-001", "fail", "/Common/sip_5061", examples[0], 1),
        ("ACME-PORT-001", "fail", "/Common/av_3479", examples[1], 1),
    ]
    assert [i["kind"] for i in report["inputs"]] == ["acme-inventory", "acme-inventory"]
    without = run_cli(sys.executable, "scan", *examples, env=env, cwd=tmp_path)
    assert without.returncode == 2
    assert f"{examples[0]}: not a recognized input" in without.stderr


def test_plugin_predicate_arguments_are_schema_checked(tmp_path: Path) -> None:
    from lyncpolicy.rulepack import RuleLoader

    even = value_predicate("acme.even_port", lambda port: port % 2 == 0)
    pack = write_pack(tmp_path / "acme", "ACME-ARGS-001")
    rule_file = pack / "ACME-ARGS-001.yaml"
    rule_file.write_text(
        rule_file.read_text().replace("exists: {path: object.pool}", "acme.even_port: {port: 1}")
    )
    rule, problems = RuleLoader({**CORE, even.name: even}).check(str(rule_file))
    assert rule is None
    assert [str(p) for p in problems] == [
        f"{rule_file}:10:19: condition.acme.even_port: 'path' is a required property",
        f"{rule_file}:10:20: condition.acme.even_port: unknown key 'port' (allowed: path)",
    ]


def test_adapters_survive_pickling_for_spawned_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where workers are spawned (macOS, Windows), the adapters reach them pickled."""
    import pickle

    adapters = acme_adapters(monkeypatch)
    sent = pickle.loads(pickle.dumps(adapters))
    assert [a.name for a in sent] == [a.name for a in adapters]
    examples = PLUGIN_PKG / "examples"
    loaded = load([str(examples / "site1.acme"), str(ROOT_EXAMPLES / "clean")], adapters=sent)
    assert loaded.errors == []
    assert [u.unit.kind for u in loaded.units] == ["acme-inventory", "files"]
