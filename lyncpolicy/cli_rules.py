"""``lyncpolicy rules``: list, explain, validate and test rules.

\b
  lyncpolicy rules list [--format json]
  lyncpolicy rules show LYNC-EDGE-AV-001
  lyncpolicy rules validate my-rules/
  lyncpolicy rules test my-rules/

Exit codes: 0 clean, 1 ``rules test`` failures, 2 invalid rules, unknown ids or plugin errors.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

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
    """List every rule: ID, severity, title and pack.

    \b
    Examples:
      lyncpolicy rules list
      lyncpolicy rules list --format json --pack my-rules/
    """
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


_WHY_LABEL: Final = re.compile(r"(?i)^why it matters\s*:\s*")
_BULLET: Final = re.compile(r"^\s*[*-]\s")


def description_parts(description: str) -> tuple[list[str], list[str]]:
    """A rule description as (what it checks, why it matters): lists of paragraphs.

    Descriptions follow the convention "what it checks" paragraph(s), then a paragraph that
    starts with ``Why it matters:`` (the label is dropped here: the documentation gives it a
    heading). Without the label the first paragraph is the "what" and the rest the "why".
    Paragraphs keep their line breaks (bullet lists stay lists).
    """
    paragraphs = [
        textwrap.dedent(p).strip("\n") for p in description.strip().split("\n\n") if p.strip()
    ]
    for i, paragraph in enumerate(paragraphs):
        label = _WHY_LABEL.match(paragraph)
        if label is not None:
            why = [p for p in (paragraph[label.end() :], *paragraphs[i + 1 :]) if p.strip()]
            if why:
                why[0] = why[0][:1].upper() + why[0][1:]
            return paragraphs[:i], why
    return paragraphs[:1], paragraphs[1:]


def paragraph_items(paragraph: str) -> list[tuple[bool, list[str]]]:
    """The parts of a paragraph: (is a bullet, its lines). A bullet (``*`` or ``-``) runs on
    over indented lines; a line back at the margin after a bullet starts plain text again."""
    items: list[tuple[bool, list[str]]] = []
    for line in paragraph.splitlines():
        bullet = _BULLET.match(line) is not None
        continues = bool(items) and not bullet and (not items[-1][0] or line[:1].isspace())
        if continues:
            items[-1][1].append(line)
        else:
            items.append((bullet, [line]))
    return items


def _reflow(paragraph: str) -> str:
    """A paragraph for a terminal: wrapped lines joined, each bullet on a line of its own."""
    return "\n".join(" ".join(" ".join(lines).split()) for _, lines in paragraph_items(paragraph))


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
    what, why = description_parts(rule.meta.description)
    lines += ["", "## What it does", "", "\n\n".join(_reflow(p) for p in what)]
    if why:
        lines += ["", "## Why it matters", "", "\n\n".join(_reflow(p) for p in why)]
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


_SIMILAR: Final = 0.6  # difflib ratio of a suggestion
_MARGIN: Final = 0.03  # suggestions this close to the best one are offered too


def suggest_rule_ids(word: str, rule_ids: Iterable[str], limit: int = 3) -> list[str]:
    """Known rule IDs a mistyped ``word`` may mean, best first, at most ``limit``.

    A tail (``AV-001``) suggests the IDs ending with it; otherwise the most similar IDs
    (difflib), every one within a small margin of the best.
    """
    ids = sorted(set(rule_ids))
    key = word.strip().upper()
    ending = [rule_id for rule_id in ids if rule_id.endswith("-" + key.lstrip("-"))]
    if ending:
        return ending[:limit]
    ratios = sorted(
        ((difflib.SequenceMatcher(None, key, rule_id).ratio(), rule_id) for rule_id in ids),
        key=lambda item: (-item[0], item[1]),
    )
    close = [(ratio, rule_id) for ratio, rule_id in ratios if ratio >= _SIMILAR]
    if not close:
        return []
    best = close[0][0]
    return [rule_id for ratio, rule_id in close if ratio >= best - _MARGIN][:limit]


def _either(names: Sequence[str]) -> str:
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def unknown_rule(word: str, rule_ids: Iterable[str]) -> RuleError:
    """The one-line error for ``rules show WORD`` when no rule has that ID."""
    ids = sorted(set(rule_ids))
    listing = "`lyncpolicy rules list` shows every rule"
    below = [rule_id for rule_id in ids if rule_id.startswith(word.strip().upper())]
    if below:
        shown = ", ".join(below[:6]) + (f" and {len(below) - 6} more" if len(below) > 6 else "")
        return RuleError(
            f"{word!r} is not a rule ID but the prefix of {len(below)} rule(s): {shown}",
            hint=f"give one ID; {listing}",
        )
    close = suggest_rule_ids(word, ids)
    hint = f" (did you mean {_either(close)}?)" if close else ""
    return RuleError(f"unknown rule {word!r}{hint}", hint=listing)


@rules.command("show")
@click.argument("rule_id")
@_pack_option
@_errors_exit_2
def show(rule_id: str, packs: tuple[str, ...]) -> None:
    """Explain a rule: what it checks, why it matters, an example, the fix, references.

    \b
    Examples:
      lyncpolicy rules show LYNC-EDGE-AV-001
      lyncpolicy rules show ACME-EDGE-001 --pack my-rules/
    """
    registry = _registry()
    found = {rule.id: rule for rule in _all_rules(registry, packs)}
    rule = found.get(rule_id) or found.get(rule_id.upper())
    if rule is None:
        raise unknown_rule(rule_id, found)
    click.echo(explain(rule, registry.owner("rule pack", rule.pack)), nl=False)


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_errors_exit_2
def validate(paths: tuple[str, ...]) -> None:
    """Check rule files (or folders of them) against the rule schema and the predicates.

    Prints one line per error, FILE:LINE:COL: message; exits 2 when there is any.

    \b
    Examples:
      lyncpolicy rules validate my-rules/
      lyncpolicy rules validate my-rules/ACME-EDGE-001.yaml
    """
    from lyncpolicy.rulepack import check_paths

    registry = _registry()
    found, problems = check_paths(paths, registry.predicates)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        files = sorted({p.file for p in problems})
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        click.echo(f"{len(problems)} error(s) in {len(files)} file(s): {shown}", err=True)
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

    \b
    Examples:
      lyncpolicy rules test my-rules/
      lyncpolicy rules test my-rules/ --verbose
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
