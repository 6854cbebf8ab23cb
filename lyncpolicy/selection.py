"""Rule selection (``select``/``ignore``) and severity overrides, like ruff's ``--select``.

A selector is a rule ID (``LYNC-EDGE-AV-001``), an ID prefix (``LYNC-EDGE-AV``,
``LYNC-EDGE-AV-00``: plain text prefixes, as in ruff), a tag (lower case: ``nat``) or ``ALL``.
The selected rules are those matching a ``select`` selector (all rules when ``select`` is None)
minus those matching an ``ignore`` selector. A selector that matches no known rule is an error
(a typo must not silently turn a check off), located where it was written.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from lyncpolicy.config import RuleSettings, Selector
from lyncpolicy.findings import Finding, Severity

if TYPE_CHECKING:
    from lyncpolicy.rulepack import Rule

ALL = "ALL"
_CUTOFF = 0.6  # difflib similarity of a suggestion
_MARGIN = 0.03  # suggestions this close to the best one are listed too (three at most)


def is_tag(selector: str) -> bool:
    """Tags are lower case; rule IDs and prefixes start with an upper-case letter."""
    return selector != ALL and not selector[:1].isupper()


def rule_matches(selector: str, rule_id: str, tags: Collection[str] = ()) -> bool:
    """Whether ``selector`` (ID, prefix, tag or ALL) covers the rule."""
    if selector == ALL:
        return True
    if is_tag(selector):
        return selector in tags
    return rule_id.startswith(selector)


def close_matches(word: str, rule_ids: Iterable[str], tags: Iterable[str] = ()) -> str:
    """`` (did you mean 'A' or 'B'?)`` over IDs, their prefixes and tags, or a pointer to the
    rule list."""
    candidates: dict[str, str] = {}
    for rule_id in rule_ids:
        parts = rule_id.split("-")
        for end in range(1, len(parts) + 1):
            prefix = "-".join(parts[:end])
            candidates[prefix.lower()] = prefix
    for tag in tags:
        candidates[tag.lower()] = tag
    scored = []
    for key, name in candidates.items():
        ratio = difflib.SequenceMatcher(None, word.lower(), key).ratio()
        if ratio >= _CUTOFF:
            scored.append((-ratio, name))
    if not scored:
        return " (`lyncpolicy rules list` shows the rules)"
    best = -min(scored)[0]
    found = sorted(item for item in scored if -item[0] >= best - _MARGIN)[:3]
    names = [repr(name) for _, name in found]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"


def _as_selectors(items: Iterable[str | Selector], where: str) -> list[Selector]:
    return [item if isinstance(item, Selector) else Selector(item, where) for item in items]


def _matching(
    selector: Selector, rule_ids: Sequence[str], tags: Mapping[str, Collection[str]]
) -> set[str]:
    matched = {r for r in rule_ids if rule_matches(selector.text, r, tags.get(r, ()))}
    if not matched:
        all_tags = {tag for values in tags.values() for tag in values}
        what = "tag" if is_tag(selector.text) else "rule"
        hint = close_matches(selector.text, rule_ids, all_tags)
        raise selector.error(f"no {what} matches {selector.text!r}{hint}")
    return matched


def select_rules(
    rule_ids: Iterable[str],
    select: Sequence[str | Selector] | None,
    ignore: Sequence[str | Selector] = (),
    *,
    tags: Mapping[str, Collection[str]] | None = None,
) -> set[str]:
    """The IDs ``select`` chooses (all when None) minus those ``ignore`` names.

    ``tags`` maps rule ID -> tags, for tag selectors. Raises :class:`ConfigError` (located in
    the configuration file when the selector comes from one) for a selector matching no rule.
    """
    known = sorted(set(rule_ids))
    tag_map = tags or {}
    chosen: set[str] = set(known)
    if select is not None:
        chosen = set()
        for selector in _as_selectors(select, "select"):
            chosen |= _matching(selector, known, tag_map)
    for selector in _as_selectors(ignore, "ignore"):
        chosen -= _matching(selector, known, tag_map)
    return chosen


def severity_overrides(
    rule_ids: Iterable[str],
    overrides: Sequence[tuple[Selector, Severity]],
    *,
    strict: bool = False,
) -> dict[str, Severity]:
    """Rule ID -> overridden severity. The longest matching selector wins; among equal ones,
    the last (the command line over the file, an extending file over its base).

    ``strict``: a selector matching none of ``rule_ids`` is an error (:func:`configure_rules`
    checks against every loaded rule; later calls may pass only the selected ones).
    """
    known = sorted(set(rule_ids))
    best: dict[str, tuple[int, Severity]] = {}
    for selector, severity in overrides:
        if not strict and not any(rule_matches(selector.text, r) for r in known):
            continue
        for rule_id in _matching(selector, known, {}):
            if rule_id not in best or len(selector.text) >= best[rule_id][0]:
                best[rule_id] = (len(selector.text), severity)
    return {rule_id: severity for rule_id, (_, severity) in best.items()}


def configure_rules(rules: Sequence[Rule], settings: RuleSettings) -> list[Rule]:
    """The selected rules, in their order, with severity overrides applied to their metadata.

    Rules with ``severity-by`` pick a failing finding's severity themselves: apply
    :func:`override_findings` to the findings too.
    """
    ids = [rule.id for rule in rules]
    chosen = select_rules(
        ids, settings.select, settings.ignore, tags={rule.id: rule.tags for rule in rules}
    )
    severities = severity_overrides(ids, settings.severity, strict=True)
    out: list[Rule] = []
    for rule in rules:
        if rule.id not in chosen:
            continue
        severity = severities.get(rule.id)
        if severity is not None and severity != rule.severity:
            rule = replace(rule, meta=replace(rule.meta, severity=severity))
        out.append(rule)
    return out


def override_findings(
    findings: Iterable[Finding], overrides: Mapping[str, Severity]
) -> list[Finding]:
    """Findings with the severity of :func:`severity_overrides` (rule ID -> severity)."""
    return [
        replace(f, severity=overrides[f.rule_id]) if f.rule_id in overrides else f
        for f in findings
    ]
