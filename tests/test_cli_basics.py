"""The command line's contract: version, help, exit codes and one-line errors.

Every check runs twice: through the console entry (``python -m lyncpolicy`` in a subprocess) and
in-process through :func:`lyncpolicy.cli.main`, which must end with ``SystemExit``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from pathlib import Path

import pytest

import lyncpolicy
from lyncpolicy.cli import cli, main

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "data" / "corpus"
BATFISH = (
    CORPUS
    / "batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar"
    / "f5_bigip_structured/testconfigs"
)
NET_ROUTE = BATFISH / "f5_bigip_structured_net_route"
CORKSCREW = CORPUS / "f5devcentral__f5-corkscrew/tests"
PROSE_BIGIP_CONF = CORKSCREW / "archive_generator/badArchive1/config/partitions/bd2/bigip.conf"

EXIT_ERROR = 2


@dataclass
class Result:
    code: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture(params=["subprocess", "in-process"])
def run(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Runner:
    """Run ``lyncpolicy ARGS`` (optionally in ``cwd``) one way or the other."""

    def via_subprocess(*args: str, cwd: Path | None = None) -> Result:
        env = {k: v for k, v in os.environ.items() if k != "LYNCPOLICY_DEBUG"}
        proc = subprocess.run(
            [sys.executable, "-m", "lyncpolicy", *args],
            capture_output=True,
            text=True,
            cwd=cwd or REPO,
            env=env,
            timeout=300,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def in_process(*args: str, cwd: Path | None = None) -> Result:
        monkeypatch.delenv("LYNCPOLICY_DEBUG", raising=False)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else (0 if code is None else 1), out, err)

    return via_subprocess if request.param == "subprocess" else in_process


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err
    assert "Traceback" not in result.out
    assert "internal error" not in result.err


def _error_lines(result: Result) -> list[str]:
    """Lines of stderr that state the error (not click's usage/hint lines)."""
    return [
        line
        for line in result.err.splitlines()
        if line.startswith(("Error:", "lyncpolicy: error:", "lyncpolicy: internal error"))
    ]


# -- version and help ------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(run: Runner, flag: str) -> None:
    result = run(flag)
    assert result.code == 0
    assert result.out.strip() == f"lyncpolicy, version {lyncpolicy.__version__}"
    assert result.err == ""


def test_version_matches_distribution_metadata() -> None:
    assert lyncpolicy.__version__ == dist_version("lyncpolicy")


COMMANDS = sorted(cli.commands)


def test_commands_exist() -> None:
    assert {"parse", "model", "scan"} <= set(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_shows_an_example(run: Runner, command: str | None, flag: str) -> None:
    args = [flag] if command is None else [command, flag]
    result = run(*args)
    assert result.code == 0, result.err
    assert "Usage: lyncpolicy" in result.out
    assert "Examples:" in result.out
    # Each example is a real command line of this program.
    examples = result.out.split("Examples:", 1)[1].splitlines()
    assert any(line.strip().startswith("lyncpolicy ") for line in examples[:5])
    if command is not None:
        assert any(line.strip().startswith(f"lyncpolicy {command}") for line in examples)


# -- usage and input errors: exit 2, one line, no traceback ------------------------------------


@pytest.mark.parametrize(
    "args", [["--bogus"], ["scan", "--bogus", "x.conf"], ["parse", "--frmat", "json", "x.conf"]]
)
def test_unknown_option(run: Runner, args: list[str]) -> None:
    result = run(*args)
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    unknown = next(a for a in args if a.startswith("--"))
    errors = _error_lines(result)
    assert len(errors) == 1, result.err
    assert unknown in errors[0]
    assert result.out == ""


def test_missing_file(run: Runner, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "bigip.conf"
    result = run("scan", str(missing))
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    assert result.err.count("\n") == 1, result.err
    assert str(missing) in result.err
    assert result.out == ""


@pytest.mark.parametrize("command", ["scan", "parse", "model"])
def test_prose_file_named_bigip_conf(run: Runner, tmp_path: Path, command: str) -> None:
    conf = tmp_path / "bigip.conf"
    conf.write_text(
        "#TMSH-VERSION: 15.1.0\n\n"
        "These are the notes for the edge migration, not a configuration.\n"
        "Ask the network team before changing anything.\n",
        encoding="utf-8",
    )
    result = run(command, str(conf))
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    assert result.err.count("\n") == 1, result.err
    assert f"{conf}:3:" in result.err
    assert result.out == ""


def test_real_prose_bigip_conf_from_corpus(run: Runner) -> None:
    """corkscrew's negative test: a sentence saved as bigip.conf."""
    result = run("scan", str(PROSE_BIGIP_CONF))
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    assert result.err.count("\n") == 1, result.err
    assert f"{PROSE_BIGIP_CONF}:1:" in result.err


def test_unbalanced_braces_name_the_opening_line(run: Runner, tmp_path: Path) -> None:
    conf = tmp_path / "bigip.conf"
    conf.write_text(
        "ltm node /Common/n1 {\n"  # 1
        "    address 10.0.0.1\n"  # 2
        "}\n"  # 3
        "ltm pool /Common/p1 {\n"  # 4  <- never closed
        "    members {\n"  # 5
        "        /Common/n1:80 {\n"  # 6
        "            address 10.0.0.1\n"  # 7
        "        }\n"  # 8
        "}\n"  # 9  (closes members only)
        "ltm node /Common/n2 {\n"  # 10
        "    address 10.0.0.2\n"  # 11
        "}\n",  # 12
        encoding="utf-8",
    )
    result = run("scan", str(conf))
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    assert result.err.count("\n") == 1, result.err
    assert f"{conf}:4:" in result.err
    assert "ltm pool /Common/p1" in result.err
    assert result.out == ""


# -- parse --format json -----------------------------------------------------------------------


def test_parse_json_shape(run: Runner) -> None:
    result = run("parse", str(NET_ROUTE), "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert set(document) == {"objects", "diagnostics"}
    assert document["diagnostics"] == []
    objects = document["objects"]
    assert [o["type"] for o in objects] == [
        "sys global-settings",
        "net interface",
        "net vlan",
        "net self",
        "net route",
    ]
    for obj in objects:
        assert {"type", "name", "file", "line", "end_line"} <= set(obj)
        assert ("properties" in obj) != ("body" in obj)
        assert obj["file"] == str(NET_ROUTE)
        assert 1 <= obj["line"] <= obj["end_line"]
    settings, interface, _, _, route = objects
    assert settings["name"] is None
    assert settings["properties"] == {"hostname": "f5_bigip_structured_net_route"}
    assert interface["name"] == "/Common/1.0"
    assert interface["name_as_written"] == "1.0"
    assert route == {
        "type": "net route",
        "name": "/Common/route1",
        "file": str(NET_ROUTE),
        "line": 18,
        "end_line": 21,
        "properties": {"gw": "192.0.2.1", "network": "10.0.0.0/8"},
    }


def test_parse_json_tcl_body(run: Runner) -> None:
    conf = CORPUS / "f5devcentral__f5-automation-config-converter/test/engines/parser/ex4.conf"
    result = run("parse", str(conf), "--format", "json")
    assert result.code == 0, result.err
    (rule,) = json.loads(result.out)["objects"]
    assert rule["type"] == "ltm rule"
    assert "properties" not in rule
    assert "HTTP::respond 200 content {" in rule["body"]


# -- --output ----------------------------------------------------------------------------------


def _listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("parse", ["--format", "json"]),
        ("parse", []),
        ("model", ["--format", "json"]),
        ("model", []),
    ],
)
def test_output_writes_only_that_file(
    run: Runner, tmp_path: Path, command: str, extra: list[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(NET_ROUTE, work / "bigip.conf")
    before = _listing(tmp_path)
    result = run(command, "bigip.conf", *extra, "--output", "out.txt", cwd=work)
    assert result.code == 0, result.err
    assert _listing(tmp_path) - before == {"work/out.txt"}
    assert before - _listing(tmp_path) == set()
    assert result.out == ""
    written = (work / "out.txt").read_text(encoding="utf-8")
    assert written.endswith("\n")
    # Same content as standard output would have had.
    plain = run(command, "bigip.conf", *extra, cwd=work)
    assert plain.code == 0
    assert written.rstrip("\n") == plain.out.rstrip("\n")
    if "json" in extra:
        json.loads(written)


def test_output_into_missing_folder_is_a_one_line_error(run: Runner, tmp_path: Path) -> None:
    before = _listing(tmp_path)
    target = tmp_path / "missing" / "out.json"
    result = run("parse", str(NET_ROUTE), "--format", "json", "-o", str(target))
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    assert result.err.count("\n") == 1, result.err
    assert str(target) in result.err
    assert _listing(tmp_path) == before


# -- --strict ----------------------------------------------------------------------------------

DUPLICATES = (
    "ltm node /Common/n1 {\n"
    "    address 10.0.0.1\n"
    "}\n"
    "ltm pool /Common/p1 {\n"
    "    members {\n"
    "        /Common/n1:80 { }\n"
    "    }\n"
    "}\n"
    "ltm node /Common/n1 {\n"
    "    address 10.0.0.2\n"
    "}\n"
)


@pytest.fixture
def duplicates(tmp_path: Path) -> Path:
    conf = tmp_path / "bigip.conf"
    conf.write_text(DUPLICATES, encoding="utf-8")
    return conf


def test_parse_duplicates_without_strict_warns_on_stderr(run: Runner, duplicates: Path) -> None:
    result = run("parse", str(duplicates))
    assert result.code == 0, result.err
    _no_traceback(result)
    assert f"{duplicates}:9: warning:" in result.err
    assert "TMSH-DUPLICATE" in result.err
    assert "TMSH-DUPLICATE" not in result.out
    assert "3 objects in 1 file(s)" in result.out


def test_parse_json_duplicates_without_strict(run: Runner, duplicates: Path) -> None:
    result = run("parse", str(duplicates), "--format", "json")
    assert result.code == 0, result.err
    assert "TMSH-DUPLICATE" in result.err
    document = json.loads(result.out)
    assert [d["code"] for d in document["diagnostics"]] == ["TMSH-DUPLICATE"]
    assert document["diagnostics"][0]["line"] == 9
    assert len(document["objects"]) == 3


@pytest.mark.parametrize("extra", [[], ["--format", "json"]])
def test_parse_duplicates_with_strict_exits_2(
    run: Runner, duplicates: Path, extra: list[str]
) -> None:
    result = run("parse", "--strict", str(duplicates), *extra)
    assert result.code == EXIT_ERROR
    _no_traceback(result)
    assert f"{duplicates}:9: warning:" in result.err
    errors = _error_lines(result)
    assert len(errors) == 1 and "--strict" in errors[0], result.err
    assert result.out == ""


def test_strict_on_clean_input_exits_0(run: Runner) -> None:
    result = run("parse", "--strict", str(NET_ROUTE))
    assert result.code == 0, result.err
    assert result.err == ""


def test_out_of_range_mask_is_not_an_internal_error(run: Runner, tmp_path: Path) -> None:
    conf = tmp_path / "bigip.conf"
    conf.write_text(
        "ltm virtual /Common/v {\n    destination /Common/10.1.1.1:80\n    mask 33\n}\n",
        encoding="utf-8",
    )
    result = run("model", str(conf))
    _no_traceback(result)
    assert result.code in (0, EXIT_ERROR)
    assert f"{conf}:" in result.err
