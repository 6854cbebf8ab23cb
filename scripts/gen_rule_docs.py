#!/usr/bin/env python3
"""Generate the rule reference (``docs/rules/``) from the rule YAML files.

    python scripts/gen_rule_docs.py           # (re)write docs/rules/
    python scripts/gen_rule_docs.py --check   # exit 1 and list the pages that are stale

One page per rule, ``docs/rules/<RULE-ID>.md`` (what it does, why it matters, the seed quote
and references, a failing and a passing example from the rule's example files with the
difference between them, the fix), and ``docs/rules/README.md``: every rule by family, with
its severity.

The rule files are read as plain YAML (the rule engine is not needed, so a pack whose
predicates are still being written documents fine). Every built-in pack is a folder of
``rules/`` holding ``*.yaml`` files. The output depends only on those files and their
examples: no dates, no absolute paths, sorted everywhere, so ``--check`` (and
``tests/test_docs.py``) can compare it byte for byte.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from lyncpolicy.cli_rules import description_parts, paragraph_items

REPO: Final = Path(__file__).resolve().parent.parent
OUT: Final = Path("docs") / "rules"
INDEX: Final = "README.md"
COMMAND: Final = "python scripts/gen_rule_docs.py"

# Families in catalog order; a family not listed here comes after them, named by its prefix.
FAMILIES: Final[Mapping[str, str]] = {
    "LYNC-GEN": "General: the deployment as a whole",
    "LYNC-EDGE-EXT": "Edge external services: Access and Web Conferencing VIPs, pools, profiles",
    "LYNC-EDGE-AV": "A/V Edge: SNAT, ports, addressing, direct reachability",
    "LYNC-EDGE-NET": "Edge network paths: gateway, forwarding, routes, route domains",
    "LYNC-EDGE-NAT": "NAT designs: 1:1 NATs for private Edge addresses",
    "LYNC-EDGE-INT": "Edge internal interface: internal VIP services, return path, VLANs",
}
SEVERITIES: Final = ("error", "warning", "info")
KIND_NAMES: Final[Mapping[str, str]] = {
    "device": "the device as a whole",
    "nats": "`ltm nat` objects",
    "snats": "`ltm snat` objects",
    "self_ips": "self IPs",
    "persistence": "persistence profiles",
}
DIFF_LIMIT: Final = 80  # lines of the fail/pass difference shown on a page
_PLACEHOLDER: Final = re.compile(r"(?<!\{)\{([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_*-]+)*)\}(?!\})")
_NOT_A_SEED: Final = re.compile(r"(?i)^(n/?a|none|test)\b")


class RuleDocError(Exception):
    """A rule file the generator cannot read (named in the message)."""


# -- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One example input: a ``.conf`` file or a folder of them, as (file name, text) pairs."""

    name: str
    path: Path
    files: tuple[tuple[str, str], ...]

    @property
    def comment(self) -> str:
        """The comment lines at the top (what the example shows), without ``#TMSH-VERSION``."""
        for _, text in self.files:
            said = [line[1:].strip() for line in _leading_comments(text)]
            said = [line for line in said if not line.startswith("TMSH-VERSION")]
            if said:
                return " ".join(said)
        return ""


@dataclass(frozen=True)
class RuleDoc:
    """What a rule page shows, read from one rule file."""

    id: str
    pack: str
    path: Path
    data: Mapping[str, Any]
    fail: tuple[Example, ...] = ()
    passing: tuple[Example, ...] = ()

    @property
    def family(self) -> str:
        return self.id.rsplit("-", 1)[0]

    @property
    def severity(self) -> str:
        return str(self.data["severity"])

    @property
    def title(self) -> str:
        return str(self.data["title"])


def _leading_comments(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def _read_example(rule_file: Path, name: str) -> Example:
    path = Path(os.path.normpath(rule_file.parent / name))
    if path.is_dir():
        members = sorted(p for p in path.iterdir() if p.suffix == ".conf")
        files = tuple((p.name, p.read_text(encoding="utf-8")) for p in members)
    elif path.is_file():
        files = ((path.name, path.read_text(encoding="utf-8")),)
    else:
        raise RuleDocError(f"{rule_file}: example {name} does not exist")
    return Example(name, path, files)


def read_rule(path: Path, pack: str) -> RuleDoc:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleDocError(f"{path}: cannot read the rule: {exc}") from None
    if not isinstance(data, dict):
        raise RuleDocError(f"{path}: not a rule (a YAML mapping)")
    for key in ("id", "title", "severity", "description", "remediation"):
        if key not in data:
            raise RuleDocError(f"{path}: the rule has no {key!r}")
    examples = data.get("examples") or {}
    return RuleDoc(
        id=str(data["id"]),
        pack=pack,
        path=path,
        data=data,
        fail=tuple(_read_example(path, str(n)) for n in examples.get("fail") or ()),
        passing=tuple(_read_example(path, str(n)) for n in examples.get("pass") or ()),
    )


def rule_files(repo: Path) -> list[tuple[Path, str]]:
    """Every built-in rule file with its pack name, sorted by rule file name."""
    root = repo / "rules"
    found: list[tuple[Path, str]] = []
    for pack in sorted(p for p in root.iterdir() if p.is_dir()):
        if pack.name.startswith(("_", ".")):
            continue
        found.extend((rule, pack.name) for rule in sorted(pack.glob("*.yaml")))
    return sorted(found, key=lambda item: item[0].name)


def read_rules(repo: Path) -> list[RuleDoc]:
    return [read_rule(path, pack) for path, pack in rule_files(repo)]


# -- Markdown helpers -----------------------------------------------------------------------------


def _rel(target: Path, start: Path) -> str:
    """A relative link from the folder ``start`` to ``target`` (forward slashes)."""
    return Path(os.path.relpath(target, start)).as_posix()


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _fence(text: str, language: str = "") -> list[str]:
    """A fenced code block that no backtick run inside ``text`` can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *text.rstrip("\n").splitlines(), fence]


def _markdown_paragraph(paragraph: str) -> str:
    """A description paragraph as Markdown: a blank line where a list starts or ends (a line
    right after a list item would otherwise continue that item)."""
    out: list[str] = []
    previous: bool | None = None
    for bullet, lines in paragraph_items(paragraph):
        if previous is not None and bullet != previous:
            out.append("")
        out.extend(line.rstrip() for line in lines)
        previous = bullet
    return "\n".join(out)


def _placeholders_as_code(text: str) -> str:
    """``{object.name}`` shown as code outside code spans; ``{{``/``}}`` as single braces."""
    parts = re.split(r"(`[^`]*`)", text)
    for i, part in enumerate(parts):
        if i % 2 == 0:
            part = _PLACEHOLDER.sub(r"`{\1}`", part)
        parts[i] = part.replace("{{", "{").replace("}}", "}")
    return "".join(parts)


def _unescape(template: str) -> str:
    return template.replace("{{", "{").replace("}}", "}")


def _code_list(items: Sequence[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


# -- one page -------------------------------------------------------------------------------------


def _applies_to(rule: RuleDoc) -> str:
    applies = rule.data.get("applies-to") or {}
    kind = str(applies.get("kind", "device"))
    text = KIND_NAMES.get(kind, kind.replace("_", " "))
    roles = applies.get("role")
    if roles:
        names = [roles] if isinstance(roles, str) else list(roles)
        text += f" with the role {_code_list(names)} ([roles](../topology.md#object-roles))"
    if "where" in applies:
        text += ", narrowed by a `where` condition"
    each = rule.data.get("for-each")
    if isinstance(each, Mapping):
        text += f"; one check per item of `{each.get('over')}`"
    return text


def _severity_text(rule: RuleDoc) -> str:
    others = []
    for case in rule.data.get("severity-by") or ():
        level = str(case.get("severity"))
        if level != rule.severity and level not in others:
            others.append(level)
    if not others:
        return f"**{rule.severity}**"
    return f"**{rule.severity}** (some findings: {' or '.join(others)}, as described below)"


def _metadata_rows(rule: RuleDoc) -> list[str]:
    tags = rule.data.get("tags") or []
    rows = [
        "| | |",
        "|---|---|",
        f"| Severity | {_severity_text(rule)} |",
        f"| Family | [{rule.family}](README.md#{_anchor(rule.family)}) |",
        f"| Applies to | {_applies_to(rule)} |",
    ]
    if tags:
        rows.append(f"| Tags | {', '.join(f'`{tag}`' for tag in tags)} |")
    rows.append(f"| Pack | `{rule.pack}` |")
    return rows


def _source_section(rule: RuleDoc) -> list[str]:
    metadata = rule.data.get("metadata") or {}
    seed = str(metadata.get("seed") or "").strip()
    lines = ["## Source", ""]
    if seed and not _NOT_A_SEED.match(seed):
        lines += [
            "From the seed article, *The (hopefully) definitive guide to load balancing Lync "
            "Edge Servers with a Hardware Load Balancer* (F5 DevCentral, 2011), or its reader "
            "comments:",
            "",
            f"> {' '.join(seed.split())}",
            "",
        ]
    references = rule.data.get("references") or []
    if references:
        lines += ["References:", ""]
        lines += [f"- [{ref['title']}]({ref['url']})" for ref in references]
    else:
        lines += ["No external reference: see *Why it matters*."]
    return lines


def _body(example: Example) -> dict[str, list[str]]:
    """Each file of an example without its leading comment (the diff compares configuration)."""
    out: dict[str, list[str]] = {}
    for name, text in example.files:
        lines = text.splitlines()
        out[name] = lines[len(_leading_comments(text)) :]
    return out


def _diff(fail: Example, passing: Example) -> list[str]:
    """A unified diff from the failing to the passing example (file by file)."""
    before, after = _body(fail), _body(passing)
    single = len(before) == 1 and len(after) == 1
    pairs = (
        [(next(iter(before)), next(iter(after)))]
        if single
        else [(name, name) for name in sorted(set(before) | set(after))]
    )
    lines: list[str] = []
    for old, new in pairs:
        lines += difflib.unified_diff(
            before.get(old, []),
            after.get(new, []),
            fromfile=f"{fail.name}" if single else f"{fail.name}/{old}",
            tofile=f"{passing.name}" if single else f"{passing.name}/{new}",
            lineterm="",
            n=2,
        )
    return lines


def _best_pair(rule: RuleDoc) -> tuple[Example, Example, list[str]] | None:
    """The failing and passing examples that differ least (first listed on a tie)."""
    best: tuple[Example, Example, list[str]] | None = None
    for fail in rule.fail:
        for passing in rule.passing:
            lines = _diff(fail, passing)
            if best is None or len(lines) < len(best[2]):
                best = (fail, passing, lines)
    return best


def _example_files(example: Example) -> str:
    return "\n".join(
        text.rstrip("\n") if len(example.files) == 1 else f"# ---- {name}\n{text.rstrip()}"
        for name, text in example.files
    )


def _example_section(rule: RuleDoc, page_dir: Path) -> list[str]:
    lines = ["## Example", ""]
    pair = _best_pair(rule)
    if pair is None:
        return [*lines, "This rule has no example files yet.", ""]
    fail, passing, diff = pair
    for label, example in (("Failing", fail), ("Passing", passing)):
        link = _rel(example.path, page_dir)
        lines += [f"**{label}:** [`{example.name}`]({link}). {example.comment}".rstrip(), ""]
    if diff:
        shown = diff[:DIFF_LIMIT]
        lines += ["What changes from the failing to the passing configuration:", ""]
        lines += _fence("\n".join(shown), "diff")
        if len(diff) > len(shown):
            lines += ["", f"({len(diff) - len(shown)} more lines: compare the two files.)"]
        lines.append("")
    count = sum(len(text.splitlines()) for _, text in fail.files)
    lines += [
        "<details>",
        f"<summary>The whole failing configuration ({count} lines)</summary>",
        "",
        *_fence(_example_files(fail), "tmsh"),
        "",
        "</details>",
        "",
    ]
    others = [
        (verdict, example)
        for verdict, group in (("fails", rule.fail), ("passes", rule.passing))
        for example in group
        if example is not fail and example is not passing
    ]
    if others:
        lines += ["Other examples (`lyncpolicy rules test` runs them all):", ""]
        for verdict, example in others:
            link = _rel(example.path, page_dir)
            comment = f": {example.comment}" if example.comment else ""
            lines.append(f"- [`{example.name}`]({link}) {verdict}{comment}")
        lines.append("")
    return lines


def _fix_section(rule: RuleDoc) -> list[str]:
    remediation = rule.data["remediation"]
    text = " ".join(str(remediation.get("text", "")).split())
    lines = ["## Fix", "", _placeholders_as_code(text), ""]
    for key, label, language in (("tmsh", "tmsh", "tmsh"), ("terraform", "Terraform", "text")):
        template = remediation.get(key)
        if template:
            lines += [f"{label}:", "", *_fence(_unescape(str(template)).strip(), language), ""]
    lines += [
        "Placeholders such as `{object.name}` are filled in with each finding's values: the "
        "finding's remediation is the exact command for that object.",
        "",
    ]
    return lines


def _logic_section(rule: RuleDoc) -> list[str]:
    logic: dict[str, Any] = {}
    for key in ("applies-to", "for-each", "condition", "severity-by"):
        if key in rule.data:
            logic[key] = rule.data[key]
    dumped = yaml.safe_dump(logic, sort_keys=False, allow_unicode=True, width=96)
    message = textwrap.fill(" ".join(str(rule.data.get("message", "")).split()), width=96)
    return [
        "<details>",
        "<summary>How it is checked (the rule's selection, condition and message)</summary>",
        "",
        *_fence(dumped, "yaml"),
        "",
        "The message of a finding (placeholders filled in):",
        "",
        *_fence(_unescape(message), "text"),
        "",
        "The condition language is described in [Writing rules](../writing-rules.md).",
        "",
        "</details>",
        "",
    ]


def render_rule(rule: RuleDoc, repo: Path) -> str:
    page_dir = repo / OUT
    source = _rel(rule.path, repo)
    what, why = description_parts(str(rule.data["description"]))
    lines = [
        f"<!-- Generated by {COMMAND} from {source}: edit the rule file, not this page. -->",
        "",
        f"# {rule.id}: {rule.title}",
        "",
        *_metadata_rows(rule),
        "",
        "## What it does",
        "",
        "\n\n".join(_markdown_paragraph(p) for p in what) or rule.title,
        "",
    ]
    if why:
        lines += ["## Why it matters", "", "\n\n".join(_markdown_paragraph(p) for p in why), ""]
    lines += _source_section(rule)
    lines.append("")
    lines += _example_section(rule, page_dir)
    lines += _fix_section(rule)
    lines += _logic_section(rule)
    lines += [
        "## See also",
        "",
        f"- In a terminal: `lyncpolicy rules show {rule.id}`",
        f"- Rule file: [`{source}`]({_rel(rule.path, page_dir)})",
        "- [Waive it](../configuration.md#waivers) for an object when the deviation is "
        "accepted, or [turn it off](../configuration.md#selecting-rules).",
        "- [All rules](README.md)",
    ]
    return "\n".join(lines) + "\n"


# -- the index ------------------------------------------------------------------------------------


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading (lower case, punctuation dropped, spaces to '-')."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _family_order(family: str) -> tuple[int, str]:
    known = list(FAMILIES)
    return (known.index(family), "") if family in known else (len(known), family)


def render_index(rules: Sequence[RuleDoc]) -> str:
    counts = {level: sum(1 for r in rules if r.severity == level) for level in SEVERITIES}
    families = sorted({r.family for r in rules}, key=_family_order)
    lines = [
        f"<!-- Generated by {COMMAND} from the rule files: edit them, not this page. -->",
        "",
        "# Rule reference",
        "",
        f"{len(rules)} rules: " + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES) + ". "
        "Each page says what the rule checks, why it matters, where the requirement comes "
        "from, a failing and a passing example, and the fix.",
        "",
        "Severities: **error** breaks calls, sign-in or federation, or Microsoft does not "
        "support the configuration; **warning** deviates from a requirement or best practice "
        "and degrades quality or resilience; **info** is advice. A finding on an object whose "
        "role was only weakly inferred is one level lower and tagged `role-unverified` "
        "([advisory mode](../topology.md#advisory-mode)).",
        "",
        "Families:",
        "",
    ]
    lines += [f"- [{family}](#{_anchor(family)}): {FAMILIES.get(family, family)}"
              for family in families]
    for family in families:
        lines += ["", f"## {family}", "", FAMILIES.get(family, family) + ".", ""]
        lines += ["| Rule | Severity | Title |", "|---|---|---|"]
        for rule in sorted((r for r in rules if r.family == family), key=lambda r: r.id):
            lines.append(f"| [{rule.id}]({rule.id}.md) | {rule.severity} | {_cell(rule.title)} |")
    lines += [
        "",
        "Regenerate these pages after changing a rule file: `" + COMMAND + "` "
        "(`tests/test_docs.py` fails while they are stale).",
    ]
    return "\n".join(lines) + "\n"


# -- the whole reference --------------------------------------------------------------------------


def generate(repo: Path = REPO) -> dict[str, str]:
    """Relative path under the repository -> content, for every generated page."""
    rules = read_rules(repo)
    seen: dict[str, Path] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleDocError(f"{rule.path}: rule {rule.id} is also defined in {seen[rule.id]}")
        seen[rule.id] = rule.path
    pages = {(OUT / f"{rule.id}.md").as_posix(): render_rule(rule, repo) for rule in rules}
    pages[(OUT / INDEX).as_posix()] = render_index(rules)
    return dict(sorted(pages.items()))


def stale(repo: Path = REPO) -> list[str]:
    """Pages that differ from what the rule files give, are missing, or have no rule."""
    expected = generate(repo)
    problems = []
    for name, text in expected.items():
        path = repo / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: out of date")
    folder = repo / OUT
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            name = path.relative_to(repo).as_posix()
            if name not in expected:
                problems.append(f"{name}: no rule has this ID any more")
    return problems


def write(repo: Path = REPO) -> list[str]:
    """Write every page (and remove pages of rules that no longer exist); the names changed."""
    expected = generate(repo)
    changed = []
    folder = repo / OUT
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.glob("*.md")):
        name = path.relative_to(repo).as_posix()
        if name not in expected:
            path.unlink()
            changed.append(name)
    for name, text in expected.items():
        path = repo / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(name)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a page is stale")
    parser.add_argument("--repo", type=Path, default=REPO, help="repository root")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = stale(args.repo)
            for problem in problems:
                print(problem)
            if problems:
                print(f"the rule reference is stale: run `{COMMAND}`", file=sys.stderr)
                return 1
            return 0
        changed = write(args.repo)
    except RuleDocError as exc:
        print(f"gen_rule_docs: error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(changed)} page(s) written" if changed else "docs/rules is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
