"""Suppressions: inline comments and descriptions, waivers, baselines.

Each step takes findings and returns new ones (never drops any): a ``fail`` finding that a
suppression accepts becomes ``suppressed`` with a :class:`~lyncpolicy.findings.Suppression`
saying why. Passes, undetermined and already suppressed findings are left as they are. Each
step also returns diagnostics about the suppressions themselves (expired or unused waivers,
inline suppressions without a reason, fixed baseline entries). :func:`suppress` runs the three
steps in order: inline, waivers, baseline.

Inline: ``lyncpolicy: ignore[LYNC-EDGE-NAT-001, LYNC-EDGE-AV-004] reason`` in a tmsh comment
directly above an object (read by the tmsh adapter) or in the object's ``description`` (which
survives on a real BIG-IP). Rule IDs or prefixes; the reason is the rest of the line. An inline
suppression without a reason still applies, with a warning.

Waivers (``waivers:`` in the configuration): ``expires`` is the last day a waiver applies. An
expired waiver is a warning, one expiring within :data:`EXPIRY_NOTICE_DAYS` days a note, one
that matches no failing finding a note (like ruff's unused ``noqa``).

Baselines: :func:`write_baseline` records failing findings by fingerprint (rule, device, object
path, detail: never line numbers); :func:`apply_baseline` suppresses those and reports entries
no finding matches any more (fixed).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Any, Final

from lyncpolicy import __version__
from lyncpolicy.config import Config, Waiver
from lyncpolicy.diagnostics import Diagnostic, DiagnosticLevel
from lyncpolicy.errors import InputError
from lyncpolicy.findings import Finding, Suppression
from lyncpolicy.model import BigIpObject, Model, Source
from lyncpolicy.selection import close_matches, rule_matches

EXPIRY_NOTICE_DAYS: Final = 14
BASELINE_VERSION: Final = 1
_DIRECTIVE: Final = re.compile(r"lyncpolicy:\s*ignore\[([^\]\n]*)\]")
_RULE_TEXT: Final = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-?$")
_FINGERPRINT: Final = re.compile(r"^[0-9a-f]{32}$")
_COUNTED: Final = ("fail", "suppressed")

InlineKey = tuple[str, str]  # (device, object path)


@dataclass(frozen=True, slots=True)
class Applied:
    """Findings after a suppression step, with what the step has to say about itself."""

    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    fixed: tuple[BaselineEntry, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        """Unpacks as ``findings, diagnostics = apply_waivers(...)`` (``fixed`` by name)."""
        return iter((self.findings, self.diagnostics))


def _suppress(finding: Finding, suppression: Suppression) -> Finding:
    return replace(finding, status="suppressed", suppression=suppression)


def _first_match(
    findings: Iterable[Finding],
    candidates: Callable[[Finding], Sequence[Any]],
    matches: Callable[[Any, Finding], bool],
    suppression: Callable[[Any], Suppression],
) -> tuple[list[Finding], dict[int, int]]:
    """Suppress each failing finding with its first matching candidate; count every
    candidate's matches among failing and suppressed findings (by ``id()``)."""
    out: list[Finding] = []
    hits: dict[int, int] = {}
    for finding in findings:
        if finding.status not in _COUNTED:
            out.append(finding)
            continue
        chosen = None
        for candidate in candidates(finding):
            if matches(candidate, finding):
                hits[id(candidate)] = hits.get(id(candidate), 0) + 1
                chosen = candidate if chosen is None else chosen
        if chosen is not None and finding.status == "fail":
            finding = _suppress(finding, suppression(chosen))
        out.append(finding)
    return out, hits


# -- inline ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    """One ``lyncpolicy: ignore[...]`` directive: rule IDs or prefixes, and a reason.

    ``invalid`` holds the bracket entries that are not rule IDs (reported, not applied).
    ``path`` and ``line`` locate the comment or description.
    """

    rules: tuple[str, ...]
    reason: str
    path: str = ""
    line: int | None = None
    invalid: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"inline suppression of {', '.join(self.rules) or 'nothing'}"


def parse_directives(text: str, *, path: str = "", line: int | None = None) -> list[
    InlineSuppression
]:
    """Every ``lyncpolicy: ignore[ID, ...] reason`` in ``text`` (a comment or a description).

    The reason runs to the end of the line or the next directive; leading ``-``, ``:`` and
    ``#`` are dropped.
    """
    found = list(_DIRECTIVE.finditer(text))
    out = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        reason = text[match.end() : end].split("\n", 1)[0].strip(" \t-:#\u2013\u2014")
        entries = [entry.strip() for entry in match.group(1).split(",") if entry.strip()]
        out.append(
            InlineSuppression(
                rules=tuple(e for e in entries if _RULE_TEXT.match(e)),
                reason=reason,
                path=path,
                line=None if line is None else line + text.count("\n", 0, match.start()),
                invalid=tuple(e for e in entries if not _RULE_TEXT.match(e)),
            )
        )
    return out


def _source_path(source: Source) -> str:
    return f"{source.archive}!{source.member}" if source.archive is not None else source.file


def inline_index(model: Model) -> dict[InlineKey, list[InlineSuppression]]:
    """Inline suppressions by (device, object path): the directives in comments written
    directly above objects (kept by the tmsh adapter) and in objects' descriptions."""
    out: dict[InlineKey, list[InlineSuppression]] = {}
    for device in model.devices:
        for _, objects in device.collections():
            for name, obj in objects.items():
                if not isinstance(obj, BigIpObject):
                    continue
                found: list[InlineSuppression] = []
                path = _source_path(obj.source)
                for comment in obj.directives:
                    found.extend(parse_directives(comment, path=path, line=obj.source.line))
                if "lyncpolicy:" in (obj.description or ""):
                    found.extend(
                        parse_directives(
                            obj.description or "", path=path, line=obj.line_of("description")
                        )
                    )
                if found:
                    out.setdefault((device.name, name), []).extend(found)
    return out


def apply_inline(
    findings: Iterable[Finding], inline: Mapping[InlineKey, Sequence[InlineSuppression]]
) -> Applied:
    """Suppress failing findings named by an inline directive on their object (kind inline)."""
    out, hits = _first_match(
        findings,
        lambda f: inline.get((f.device, f.object_path), ()),
        lambda s, f: any(rule_matches(rule, f.rule_id) for rule in s.rules),
        lambda s: Suppression("inline", s.reason or "no reason given"),
    )
    diagnostics: list[Diagnostic] = []
    for (device, name), items in inline.items():
        for item in items:
            subject = f"{item.describe()} on {name}"
            problems: list[tuple[DiagnosticLevel, str, str]] = []
            if item.invalid:
                bad = ", ".join(repr(entry) for entry in item.invalid)
                problems.append(("warning", "INLINE-INVALID", f"{subject}: not a rule ID: {bad}"))
            if item.rules and not item.reason:
                problems.append(
                    ("warning", "INLINE-NO-REASON",
                     f"{subject} has no reason: write why after the ']'")
                )
            if item.rules and not hits.get(id(item)):
                problems.append(
                    ("note", "INLINE-UNUSED",
                     f"unused {subject}: no failing finding there (device {device})")
                )
            diagnostics.extend(
                Diagnostic(level, code, message, item.path or device, item.line)
                for level, code, message in problems
            )
    return Applied(tuple(out), tuple(sorted(diagnostics, key=_diagnostic_order)))


def _diagnostic_order(diagnostic: Diagnostic) -> tuple[str, int, str, str]:
    return (diagnostic.path, diagnostic.line or 0, diagnostic.code, diagnostic.message)


# -- waivers --------------------------------------------------------------------------------------


def waiver_matches(waiver: Waiver, finding: Finding) -> bool:
    """Rule ID or prefix, object path glob and device glob (each optional but the rule)."""
    return (
        rule_matches(waiver.rule, finding.rule_id)
        and (waiver.object_glob is None or fnmatchcase(finding.object_path, waiver.object_glob))
        and (waiver.device_glob is None or fnmatchcase(finding.device, waiver.device_glob))
    )


def _waiver_suppression(waiver: Waiver) -> Suppression:
    return Suppression(
        "waiver",
        waiver.reason,
        owner=waiver.owner,
        ticket=waiver.ticket,
        expires=waiver.expires.isoformat() if waiver.expires is not None else None,
    )


def apply_waivers(
    findings: Iterable[Finding],
    waivers: Sequence[Waiver],
    *,
    today: date | None = None,
    rule_ids: Iterable[str] | None = None,
) -> Applied:
    """Suppress failing findings a current waiver matches (the first one, in file order).

    ``today`` defaults to the current date. With ``rule_ids`` (the known rules), an unused
    waiver whose rule matches none of them is a warning with a did-you-mean.
    """
    today = today or date.today()
    current = [w for w in waivers if w.expires is None or w.expires >= today]
    out, hits = _first_match(
        findings, lambda f: current, waiver_matches, _waiver_suppression
    )
    expired = [w for w in waivers if w.expires is not None and w.expires < today]
    expired_hits = _count_expired(out, expired)
    known = sorted(set(rule_ids)) if rule_ids is not None else None
    diagnostics: list[Diagnostic] = []

    def say(level: DiagnosticLevel, code: str, waiver: Waiver, message: str) -> None:
        origin = waiver.origin
        path, line = (origin.file, origin.line) if origin is not None else ("<waivers>", None)
        diagnostics.append(Diagnostic(level, code, f"{waiver.describe()} {message}", path, line))

    for waiver in waivers:
        if waiver.expires is not None and waiver.expires < today:
            count = expired_hits.get(id(waiver), 0)
            say("warning", "WAIVER-EXPIRED", waiver,
                f"expired on {waiver.expires.isoformat()} and no longer applies "
                f"({count} failing finding(s) match it): renew it or fix the findings")
            continue
        if waiver.expires is not None and (waiver.expires - today).days <= EXPIRY_NOTICE_DAYS:
            days = (waiver.expires - today).days
            when = "today" if days == 0 else f"in {days} day(s)"
            say("note", "WAIVER-EXPIRING", waiver,
                f"expires {when}, on {waiver.expires.isoformat()} (its last day)")
        if hits.get(id(waiver)):
            continue
        if known is not None and not any(rule_matches(waiver.rule, r) for r in known):
            say("warning", "WAIVER-UNKNOWN-RULE", waiver,
                f"names no known rule{close_matches(waiver.rule, known)}")
        else:
            say("note", "WAIVER-UNUSED", waiver, "is unused: no failing finding matches it")
    return Applied(tuple(out), tuple(diagnostics))


def _count_expired(findings: Sequence[Finding], expired: Sequence[Waiver]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for waiver in expired:
        counts[id(waiver)] = sum(
            1 for f in findings if f.status == "fail" and waiver_matches(waiver, f)
        )
    return counts


# -- baselines ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class BaselineEntry:
    """One recorded failing finding (sorted by rule, device, object, detail)."""

    rule: str
    device: str
    object: str
    detail: str
    fingerprint: str

    def to_dict(self) -> dict[str, str]:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "device": self.device,
            "object": self.object,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Baseline:
    """A baseline file: accepted failures by fingerprint."""

    path: str
    entries: tuple[BaselineEntry, ...]
    created: str = ""
    tool_version: str = ""

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(entry.fingerprint for entry in self.entries)


def _recorded(finding: Finding) -> bool:
    """Failing, or accepted only by a baseline (so rewriting a baseline keeps its entries)."""
    if finding.status == "suppressed" and finding.suppression is not None:
        return finding.suppression.kind == "baseline"
    return finding.status == "fail"


def baseline_entries(findings: Iterable[Finding]) -> tuple[BaselineEntry, ...]:
    """Failing findings (and those a baseline suppressed) as entries: one per fingerprint,
    sorted. Findings waived or suppressed inline are not recorded."""
    entries = {
        f.fingerprint: BaselineEntry(f.rule_id, f.device, f.object_path, f.detail, f.fingerprint)
        for f in findings
        if _recorded(f)
    }
    return tuple(sorted(entries.values()))


def baseline_text(
    findings: Iterable[Finding], *, today: date | None = None, tool_version: str = __version__
) -> str:
    """The baseline file's text: the same findings on the same day give the same bytes."""
    document = {
        "version": BASELINE_VERSION,
        "tool": "lyncpolicy",
        "tool_version": tool_version,
        "created": (today or date.today()).isoformat(),
        "entries": [entry.to_dict() for entry in baseline_entries(findings)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(
    findings: Iterable[Finding],
    path: str,
    *,
    today: date | None = None,
    tool_version: str = __version__,
) -> int:
    """Write the failing findings' fingerprints to ``path`` (atomically); return how many."""
    text = baseline_text(findings, today=today, tool_version=tool_version)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".baseline-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return len(json.loads(text)["entries"])


def load_baseline(path: str) -> Baseline:
    """Read and check a baseline file; any problem is an :class:`InputError` (one line)."""
    hint = "write one with `lyncpolicy scan ... --write-baseline FILE`"
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except FileNotFoundError:
        raise InputError("baseline file not found", path=path, hint=hint) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not a lyncpolicy baseline: invalid JSON ({exc.msg}, column {exc.colno})",
            path=path,
            line=exc.lineno,
            hint=hint,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read baseline: {reason}", path=path) from None

    def bad(what: str) -> InputError:
        return InputError(f"not a lyncpolicy baseline: {what}", path=path, hint=hint)

    if not isinstance(document, dict):
        raise bad("expected a JSON object")
    if document.get("version") != BASELINE_VERSION:
        raise bad(f"unsupported version {document.get('version')!r} (expected 1)")
    raw = document.get("entries")
    if not isinstance(raw, list):
        raise bad("'entries' must be a list")
    entries = []
    fields = ("fingerprint", "rule", "device", "object", "detail")
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in fields):
            raise bad(f"entries[{index}] needs the strings {', '.join(fields)}")
        if not _FINGERPRINT.match(item["fingerprint"]):
            raise bad(f"entries[{index}]: {item['fingerprint']!r} is not a fingerprint")
        entries.append(
            BaselineEntry(
                item["rule"], item["device"], item["object"], item["detail"], item["fingerprint"]
            )
        )
    created, version = document.get("created", ""), document.get("tool_version", "")
    return Baseline(
        path,
        tuple(entries),
        created if isinstance(created, str) else "",
        version if isinstance(version, str) else "",
    )


def apply_baseline(findings: Iterable[Finding], baseline: Baseline) -> Applied:
    """Suppress failing findings recorded in ``baseline`` (kind baseline).

    ``fixed`` lists the entries no failing or suppressed finding has any more; a note says how
    many.
    """
    recorded = baseline.fingerprints
    reason = f"recorded in baseline {baseline.path}" + (
        f" ({baseline.created})" if baseline.created else ""
    )
    out = [
        _suppress(f, Suppression("baseline", reason))
        if f.status == "fail" and f.fingerprint in recorded
        else f
        for f in findings
    ]
    present = {f.fingerprint for f in out if f.status in _COUNTED}
    fixed = tuple(entry for entry in baseline.entries if entry.fingerprint not in present)
    diagnostics: tuple[Diagnostic, ...] = ()
    if fixed:
        diagnostics = (
            Diagnostic(
                "note",
                "BASELINE-FIXED",
                f"{len(fixed)} of {len(baseline.entries)} baseline entries match no finding "
                "any more (fixed): write the baseline again to drop them",
                baseline.path,
            ),
        )
    return Applied(tuple(out), diagnostics, fixed)


# -- all together ---------------------------------------------------------------------------------


def suppress(
    findings: Iterable[Finding],
    config: Config,
    *,
    inline: Mapping[InlineKey, Sequence[InlineSuppression]] | None = None,
    baseline: Baseline | None = None,
    today: date | None = None,
    rule_ids: Iterable[str] | None = None,
) -> Applied:
    """Inline suppressions, then the configuration's waivers, then the baseline."""
    current = tuple(findings)
    diagnostics: list[Diagnostic] = []
    fixed: tuple[BaselineEntry, ...] = ()
    steps: list[Callable[[Sequence[Finding]], Applied]] = []
    if inline:
        steps.append(lambda fs: apply_inline(fs, inline))
    steps.append(lambda fs: apply_waivers(fs, config.waivers, today=today, rule_ids=rule_ids))
    if baseline is not None:
        steps.append(lambda fs: apply_baseline(fs, baseline))
    for step in steps:
        applied = step(current)
        current = applied.findings
        diagnostics.extend(applied.diagnostics)
        fixed = fixed or applied.fixed
    return Applied(current, tuple(diagnostics), fixed)
