"""First-run polish of the command line: suggestions for mistyped commands and rule IDs, help
with examples on every command, shell completion, colors and ``NO_COLOR``, the rule
explanation's sections.

Most checks run in-process through :func:`lyncpolicy.cli.main` (fast); the ones that depend on
a real terminal or on the console entry run ``python -m lyncpolicy`` in a subprocess.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import click
import pytest

from lyncpolicy.cli import cli, main
from lyncpolicy.cli_rules import (
    description_parts,
    explain,
    paragraph_items,
    suggest_rule_ids,
)
from lyncpolicy.plugins import AUTOLOAD_ENV, collect, load_rules, make_plugin_manager
from lyncpolicy.rulepack import Rule

REPO = Path(__file__).resolve().parents[1]
BROKEN = REPO / "examples" / "broken"
ANSI = "\x1b["


@dataclass
class Result:
    code: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        return [
            line
            for line in self.err.splitlines()
            if line.startswith(("Error:", "lyncpolicy: error:", "lyncpolicy: internal error"))
        ]


class Runner(Protocol):
    def __call__(self, *args: str) -> Result: ...


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """``run(*args)``: ``lyncpolicy ARGS`` in-process, from the repository root."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    monkeypatch.delenv("LYNCPOLICY_DEBUG", raising=False)

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        code = exit_info.value.code
        return Result(code if isinstance(code, int) else 0 if code is None else 1, out, err)

    return invoke


def _subprocess(*args: str, env: dict[str, str] | None = None) -> Result:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LYNCPOLICY_DEBUG")}
    environment[AUTOLOAD_ENV] = "1"
    environment.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "lyncpolicy", *args],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


# -- mistyped commands ------------------------------------------------------------------------


def test_mistyped_command_suggests_the_command(run: Runner) -> None:
    result = run("scna", "examples/broken")
    assert result.code == 2
    assert result.out == ""
    assert result.error_lines() == ["Error: No such command 'scna'. Did you mean 'scan'?"]
    assert "Try 'lyncpolicy --help' for help." in result.err


def test_mistyped_command_through_the_console_entry() -> None:
    result = _subprocess("scna")
    assert result.code == 2
    assert "No such command 'scna'. Did you mean 'scan'?" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("typed", "meant"), [("modle", "model"), ("topolgy", "topology"), ("rule", "rules")]
)
def test_each_command_is_suggested(run: Runner, typed: str, meant: str) -> None:
    result = run(typed)
    assert result.code == 2
    assert f"Did you mean '{meant}'" in result.error_lines()[0]


def test_unrelated_word_gets_no_guess(run: Runner) -> None:
    result = run("frobnicate")
    assert result.code == 2
    assert result.error_lines() == ["Error: No such command 'frobnicate'."]


def test_a_path_given_as_command_says_how_to_scan_it(run: Runner) -> None:
    result = run("examples/broken")
    assert result.code == 2
    assert result.error_lines() == [
        "Error: No such command 'examples/broken'. To check it, run: lyncpolicy scan "
        "examples/broken"
    ]


def test_mistyped_subcommand_of_rules(run: Runner) -> None:
    result = run("rules", "shwo", "LYNC-EDGE-AV-001")
    assert result.code == 2
    assert "No such command 'shwo'. Did you mean 'show'?" in result.error_lines()[0]


# -- mistyped rule IDs ------------------------------------------------------------------------


def test_rules_show_suggests_the_close_id_in_one_line(run: Runner) -> None:
    result = run("rules", "show", "LYNC-EDGE-AV-01")
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        "lyncpolicy: error: unknown rule 'LYNC-EDGE-AV-01' (did you mean 'LYNC-EDGE-AV-001'?) "
        "(`lyncpolicy rules list` shows every rule)"
    ]


def test_rules_show_offers_several_equally_close_ids(run: Runner) -> None:
    result = run("rules", "show", "lync-edge-av-7")
    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert (
        "(did you mean 'LYNC-EDGE-AV-001', 'LYNC-EDGE-AV-002' or 'LYNC-EDGE-AV-003'?)"
        in result.err
    )


def test_rules_show_completes_a_tail(run: Runner) -> None:
    result = run("rules", "show", "AV-001")
    assert result.code == 2
    assert "(did you mean 'LYNC-EDGE-AV-001'?)" in result.err


def test_rules_show_explains_a_prefix(run: Runner) -> None:
    result = run("rules", "show", "LYNC-EDGE-AV")
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith(
        "lyncpolicy: error: 'LYNC-EDGE-AV' is not a rule ID but the prefix of 6 rule(s): "
        "LYNC-EDGE-AV-001, LYNC-EDGE-AV-002,"
    )
    assert line.endswith("(give one ID; `lyncpolicy rules list` shows every rule)")


def test_rules_show_without_a_close_id(run: Runner) -> None:
    result = run("rules", "show", "FOO-1")
    assert result.code == 2
    assert result.err.splitlines() == [
        "lyncpolicy: error: unknown rule 'FOO-1' (`lyncpolicy rules list` shows every rule)"
    ]


IDS = ["ACME-A-001", "ACME-A-002", "ACME-B-001", "LYNC-EDGE-NET-002", "LYNC-EDGE-NAT-002"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("ACME-A-01", ["ACME-A-001"]),
        ("acme-a-001 ", ["ACME-A-001"]),
        ("B-001", ["ACME-B-001"]),
        ("002", ["ACME-A-002", "LYNC-EDGE-NAT-002", "LYNC-EDGE-NET-002"]),
        ("LYNC-EDGE-NETT-002", ["LYNC-EDGE-NET-002"]),
        ("ACME-A-3", ["ACME-A-001", "ACME-A-002"]),
        ("SOMETHING-ELSE", []),
    ],
)
def test_suggest_rule_ids(word: str, expected: list[str]) -> None:
    assert suggest_rule_ids(word, IDS) == expected


def test_suggest_rule_ids_limits_and_orders() -> None:
    ids = [f"X-{n:03d}" for n in range(1, 10)]
    assert suggest_rule_ids("X-0", ids) == ["X-001", "X-002", "X-003"]
    assert suggest_rule_ids("X-0", ids, limit=1) == ["X-001"]


# -- rules show: what it does / why it matters --------------------------------------------------


def test_description_parts_drops_the_why_label() -> None:
    what, why = description_parts(
        "Checks a thing\nover two lines.\n\nWhy it matters: calls drop.\nReally.\n\nMore.\n"
    )
    assert what == ["Checks a thing\nover two lines."]
    assert why == ["Calls drop.\nReally.", "More."]


def test_description_parts_without_a_label() -> None:
    assert description_parts("What.\n\nWhy.\n\nMore why.") == (["What."], ["Why.", "More why."])
    assert description_parts("Only what.") == (["Only what."], [])


def test_description_parts_label_first_and_case() -> None:
    assert description_parts("why IT matters : it does.") == ([], ["It does."])


def test_paragraph_items_tell_bullets_from_text() -> None:
    paragraph = "Checks:\n* one\n  still one\n- two\nAfter the list,\nwrapped."
    assert paragraph_items(paragraph) == [
        (False, ["Checks:"]),
        (True, ["* one", "  still one"]),
        (True, ["- two"]),
        (False, ["After the list,", "wrapped."]),
    ]


def _builtin_rules() -> list[Rule]:
    return load_rules(collect(make_plugin_manager(load_entrypoints=False)))


@pytest.mark.parametrize("rule", _builtin_rules(), ids=lambda rule: rule.id)
def test_explain_says_why_it_matters_once(rule: Rule) -> None:
    text = explain(rule)
    assert text.count("Why it matters") == 1, text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## What it does", "## Why it matters"]
    what = text.split("## What it does\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert what.strip(), "the 'What it does' section is empty"


def test_explain_keeps_bullets_on_their_own_lines(run: Runner) -> None:
    result = run("rules", "show", "LYNC-EDGE-AV-003")
    assert result.code == 0
    what = result.out.split("## What it does\n\n", 1)[1].split("\n\n## ", 1)[0]
    bullets = [line for line in what.splitlines() if line.startswith("* ")]
    assert len(bullets) == 3, what
    assert not any(" * " in bullet for bullet in bullets), "two bullets run together"


# -- help, examples and completion -------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMAND_PATHS = list(_commands(cli))


def test_every_command_is_walked() -> None:
    assert ("scan",) in COMMAND_PATHS
    assert ("rules", "show") in COMMAND_PATHS
    assert ("rules", "test") in COMMAND_PATHS


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_help_has_examples_of_itself(run: Runner, path: tuple[str, ...]) -> None:
    result = run(*path, "--help")
    assert result.code == 0, result.err
    assert "Examples:" in result.out
    block = result.out.split("Examples:", 1)[1].split("\n\n", 1)[0]
    examples = [line.strip() for line in block.splitlines() if line.strip()]
    assert examples, result.out
    invocation = "lyncpolicy " + " ".join(path)
    assert all(line.startswith(invocation) for line in examples), examples


def test_group_help_explains_shell_completion(run: Runner) -> None:
    result = run("--help")
    assert 'eval "$(_LYNCPOLICY_COMPLETE=bash_source lyncpolicy)"' in result.out
    assert "zsh_source" in result.out and "fish_source" in result.out


def test_the_completion_instructions_work() -> None:
    script = _subprocess(env={"_LYNCPOLICY_COMPLETE": "bash_source"})
    assert script.code == 0
    assert "_lyncpolicy_completion" in script.out
    words = _subprocess(
        env={"_LYNCPOLICY_COMPLETE": "bash_complete", "COMP_WORDS": "lyncpolicy sc",
             "COMP_CWORD": "1"}
    )
    assert "plain,scan" in words.out.split()


# -- colors -----------------------------------------------------------------------------------


def _on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """Run lyncpolicy with standard output on a pseudo-terminal; return what it wrote."""
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment.update({AUTOLOAD_ENV: "1", "COLUMNS": "200", **env})
    proc = subprocess.Popen(
        [sys.executable, "-m", "lyncpolicy", *args],
        cwd=REPO, env=environment, stdout=follower, stderr=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the child is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    proc.wait(timeout=120)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colors_on_a_terminal_and_no_color() -> None:
    args = ("scan", str(BROKEN), "--quiet")
    assert ANSI in _on_a_terminal(*args, env={})
    assert ANSI not in _on_a_terminal(*args, env={"NO_COLOR": "1"})
    assert ANSI in _on_a_terminal(*args, "--color", "always", env={"NO_COLOR": "1"})
    assert ANSI not in _on_a_terminal(*args, "--color", "never", env={})


def test_no_colors_through_a_pipe_unless_asked(run: Runner) -> None:
    assert ANSI not in run("scan", "examples/broken", "--quiet").out
    assert ANSI in run("scan", "examples/broken", "--quiet", "--color", "always").out
