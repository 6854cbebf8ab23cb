"""``lyncpolicy rules``: list, explain, validate and test rules.

\b
  lyncpolicy rules list [--format json]
  lyncpolicy rules show LYNC-EDGE-AV-001
  lyncpolicy rules validate my-rules/
  lyncpolicy rules test my-rules/

Exit codes: 0 clean, 1 ``rules test`` failures, 2 invalid rules, unknown ids or plugin errors.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lyncpolicy.errors import LyncpolicyError, RuleError

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from lyncpolicy.model import Model
    from lyncpolicy.plugins import Registry
    from lyncpolicy.rulepack import Rule


def _exit(code: int) -> None:
    """End the command with ``code``.

    SystemExit, not ``ctx.exit``: ``lyncpolicy.cli.main`` runs click with
    ``standalone_mode=False``, where click returns an ``Exit`` code instead of exiting.
    """
    raise SystemExit(code)


def _errors_exit_2(func: F) -> F:
    """Print lyncpolicy errors as one line and exit 2, also when the group runs on its own."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LyncpolicyError as exc:
            click.echo(f"lyncpolicy: error: {exc}", err=True)
            _exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _registry() -> Registry:
    from lyncpolicy.plugins import collect, make_plugin_manager

    return collect(make_plugin_manager())


def _all_rules(registry: Registry, packs: Sequence[str] = ()) -> list[Rule]:
    from lyncpolicy.hookspecs import RulePackRef
    from lyncpolicy.plugins import load_rules

    extra = [RulePackRef(os.path.basename(os.path.normpath(p)), p) for p in packs]
    return load_rules(registry, extra)


def _pack_option(func: F) -> F:
    return click.option(
        "--pack",
        "packs",
        multiple=True,
        type=click.Path(exists=True, file_okay=False),
        help="Also load the rules of this pack folder (repeatable).",
    )(func)


@click.group("rules")
def rules() -> None:
    """List, explain, validate and test rules (built-in and from plugins).

    \b
    Examples:
      lyncpolicy rules list
      lyncpolicy rules show LYNC-EDGE-AV-001
      lyncpolicy rules validate my-rules/
      lyncpolicy rules test my-rules/
    """


@rules.command("list")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@_pack_option
@_errors_exit_2
def list_rules(output_format: str, packs: tuple[str, ...]) -> None:
    """List every rule: ID, severity, title and pack."""
    registry = _registry()
    found = _all_rules(registry, packs)
    if output_format == "json":
        document = [
            {
                "id": rule.id,
                "severity": rule.severity,
                "title": rule.title,
                "pack": rule.pack,
                "plugin": registry.owner("rule pack", rule.pack) or None,
                "kind": rule.kind,
                "tags": list(rule.tags),
                "path": rule.path,
            }
            for rule in found
        ]
        click.echo(json.dumps(document, indent=1))
        return
    if not found:
        click.echo("no rules")
        return
    from tabulate import tabulate

    rows = [(rule.id, rule.severity, rule.title, rule.pack) for rule in found]
    click.echo(tabulate(rows, headers=("ID", "severity", "title", "pack"), tablefmt="simple"))
    click.echo(f"\n{len(found)} rule(s)")


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.rstrip().splitlines())


def explain(rule: Rule, owner: str = "") -> str:
    """The documentation of a rule (like ``ruff rule``): what, why, example, fix, references."""
    import yaml

    lines = [f"# {rule.id}: {rule.title}", ""]
    lines.append(f"Severity: {rule.severity}")
    pack = f"{rule.pack} (plugin {owner})" if owner else rule.pack
    lines.append(f"Pack: {pack}")
    applies = rule.kind.replace("_", " ")
    if rule.roles:
        applies += f" with role {' or '.join(rule.roles)}"
    lines.append(f"Applies to: {applies}")
    if rule.tags:
        lines.append(f"Tags: {', '.join(rule.tags)}")
    paragraphs = _paragraphs(rule.meta.description)
    lines += ["", "## What it does", "", paragraphs[0] if paragraphs else ""]
    if len(paragraphs) > 1:
        lines += ["", "## Why it matters", "", "\n\n".join(paragraphs[1:])]
    checks: dict[str, Any] = {}
    applies_to = rule.document.get("applies-to", {})
    if isinstance(applies_to, Mapping) and "where" in applies_to:
        checks["where"] = applies_to["where"]
    if "for-each" in rule.document:
        checks["for-each"] = rule.document["for-each"]
    checks["condition"] = rule.document.get("condition")
    lines += ["", "## Condition", "", _indent(yaml.safe_dump(checks, sort_keys=False))]
    example = _example_text(rule)
    if example:
        lines += ["", "## Example", "", "A configuration this rule flags:", "", example]
    lines += ["", "## Fix", "", _unescape(" ".join(rule.remediation.text.text.split()))]
    for label, template in (
        ("tmsh", rule.remediation.tmsh),
        ("Terraform", rule.remediation.terraform),
    ):
        if template is not None:
            lines += ["", f"{label}:", "", _indent(_unescape(template.text))]
    if rule.meta.references:
        lines += ["", "## References", ""]
        lines += [f"- {ref.title}: {ref.url}" for ref in rule.meta.references]
    return "\n".join(lines) + "\n"


def _unescape(template: str) -> str:
    """A template as documentation: placeholders kept, doubled braces shown single."""
    return template.replace("{{", "{").replace("}}", "}")


def _example_text(rule: Rule, limit: int = 40) -> str:
    if rule.examples is None or not rule.examples.fail:
        return ""
    path = rule.examples.fail[0]
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return ""
    shown = text.rstrip().splitlines()
    if len(shown) > limit:
        shown = [*shown[:limit], "..."]
    return _indent("\n".join(shown))


@rules.command("show")
@click.argument("rule_id")
@_pack_option
@_errors_exit_2
def show(rule_id: str, packs: tuple[str, ...]) -> None:
    """Explain a rule: what it checks, why it matters, an example, the fix, references."""
    from lyncpolicy.conditions import did_you_mean

    registry = _registry()
    found = {rule.id: rule for rule in _all_rules(registry, packs)}
    rule = found.get(rule_id) or found.get(rule_id.upper())
    if rule is None:
        hint = did_you_mean(rule_id.upper(), found)
        raise RuleError(
            f"unknown rule {rule_id!r}{hint}", hint="`lyncpolicy rules list` shows every rule"
        )
    click.echo(explain(rule, registry.owner("rule pack", rule.pack)), nl=False)


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_errors_exit_2
def validate(paths: tuple[str, ...]) -> None:
    """Check rule files (or folders of them) against the rule schema and the predicates.

    Prints one line per error, FILE:LINE:COL: message; exits 2 when there is any.
    """
    from lyncpolicy.rulepack import check_paths

    registry = _registry()
    found, problems = check_paths(paths, registry.predicates)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        files = len({p.file for p in problems})
        click.echo(f"{len(problems)} error(s) in {files} file(s)", err=True)
        _exit(2)
    click.echo(f"{len(found)} rule(s) valid", err=True)


def _example_model(path: str) -> Model:
    """One device from an example: a tmsh file, or a folder of them (bigip_base.conf...)."""
    from lyncpolicy.adapters.tmsh import parse_file
    from lyncpolicy.adapters.tmsh_model import TmshInput, build_device
    from lyncpolicy.model import Model

    files = [path]
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, name) for name in os.listdir(path) if name.endswith(".conf")
        )
    inputs = [TmshInput(parse_file(file)) for file in files]
    device, _ = build_device(inputs, os.path.basename(os.path.normpath(path)))
    return Model((device,))


def run_examples(found: Sequence[Rule], verbose: bool = False) -> tuple[int, int, list[str]]:
    """Run each rule on its examples: (passed, failed, report lines)."""
    from lyncpolicy.engine import evaluate
    from lyncpolicy.topology import build_topology

    passed = failed = 0
    lines: list[str] = []
    for rule in found:
        if rule.examples is None:
            continue
        cases = [(path, True) for path in rule.examples.fail]
        cases += [(path, False) for path in rule.examples.passing]
        for path, must_fail in cases:
            model = _example_model(path)
            roles = None
            if rule.examples.roles:
                roles = {
                    device.name: {name: set(r) for name, r in rule.examples.roles.items()}
                    for device in model.devices
                }
            topologies = {
                device.name: build_topology(device, rule.examples.deployment)
                for device in model.devices
            }
            findings = [
                f for f in evaluate(model, [rule], roles, topologies) if f.rule_id == rule.id
            ]
            failing = [f for f in findings if f.status == "fail"]
            kind = "fail" if must_fail else "pass"
            if bool(failing) == must_fail:
                passed += 1
                if verbose:
                    lines.append(f"PASSED {rule.id} {kind} example {path}")
                continue
            failed += 1
            if must_fail:
                statuses = ", ".join(sorted({f.status for f in findings})) or "no finding"
                why = f"expected a fail finding, got {statuses}"
            else:
                why = "expected no fail finding, got: " + "; ".join(f.message for f in failing)
            lines.append(f"FAILED {rule.id} {kind} example {path}: {why}")
    return passed, failed, lines


@rules.command("test")
@click.argument("pack_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--verbose", "-v", is_flag=True, help="List every example, not only failures.")
@_errors_exit_2
def test(pack_dir: str, verbose: bool) -> None:
    """Run each rule of a pack on its examples (examples: fail / pass in the rule file).

    A fail example must produce a fail finding for its rule; a pass example none. Exits 1 when
    an example does not behave, 2 when a rule is invalid.
    """
    from lyncpolicy.rulepack import RuleLoader, pack_files

    started = time.perf_counter()
    registry = _registry()
    loader = RuleLoader(registry.predicates, validate=True, check_examples=True)
    found: list[Rule] = []
    problems = []
    for entry in pack_files(pack_dir):
        rule, rule_problems = loader.check(str(entry), pack=os.path.basename(pack_dir))
        problems.extend(rule_problems)
        if rule is not None:
            found.append(rule)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{len(problems)} error(s): fix the rules first", err=True)
        _exit(2)
    passed, failed, lines = run_examples(found, verbose)
    for line in lines:
        click.echo(line)
    without = [rule.id for rule in found if rule.examples is None]
    if without:
        click.echo(f"{len(without)} rule(s) without examples: {', '.join(without)}")
    elapsed = time.perf_counter() - started
    click.echo(f"{passed} passed, {failed} failed in {elapsed:.2f}s")
    if failed:
        _exit(1)
