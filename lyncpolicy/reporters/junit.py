"""The ``junit`` format: JUnit XML for CI test reports (GitLab, Jenkins, Azure DevOps...).

Valid against both the strict Ant / Windy Road XSD and Jenkins xUnit's ``junit-10.xsd``, which
fixes the shape: ``<testsuites>`` without attributes; per suite ``properties``, test cases,
``system-out`` and ``system-err`` in that order; at most one ``failure``/``skipped``/``error``
per test case and nothing else inside it; times with at most three decimals.

- One ``testsuite`` per rule (sorted by id; a rule that selected nothing is an empty suite),
  one ``testcase`` per evaluation, passes included so dashboards show totals.
- ``fail``: ``<failure type="SEVERITY" message="...">`` with the location, object and
  remediation in its body.
- ``undetermined``: ``<skipped message="undetermined: ...">``.
- ``suppressed``: ``<skipped message="suppressed by waiver|baseline|inline: REASON">`` (the
  strict XSD allows no ``system-out`` inside a test case, and an accepted failure is what
  pytest's xfail is: reported as skipped). The message prefix tells it from undetermined.
- Test case names are ``DEVICE OBJECT`` (plus ``[detail]``), made unique within the suite
  (GitLab keeps only the first of duplicates); ``classname`` is the rule id with dots replaced,
  since Jenkins splits class names at dots.
- A scan that did not complete adds a ``lyncpolicy`` suite whose ``scan`` test case has an
  ``<error>`` listing the errors.

``timestamp`` comes from the ``timestamp`` option (ISO 8601), else ``SOURCE_DATE_EPOCH``, else
the current UTC time; ``hostname`` from the ``hostname`` option, else this host's name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

from lyncpolicy.findings import Finding, Report, RuleMeta
from lyncpolicy.reporters._common import location_text, opt_str, rules_by_id

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

PACKAGE: Final = "lyncpolicy"
_XML_INVALID: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold (shown as ``\\xNN``)."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _token(text: str) -> str:
    return " ".join(xml_text(text).split())


def classname(rule_id: str) -> str:
    """The rule id as a class name Jenkins will not split (no dots)."""
    return _token(rule_id).replace(".", "_") or "rule"


def timestamp(options: Mapping[str, object]) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` (UTC, no zone: the strict XSD's pattern)."""
    from datetime import UTC, datetime

    given = options.get("timestamp")
    if given not in (None, ""):
        moment = datetime.fromisoformat(str(given))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    elif os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        moment = datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), UTC)
    else:
        moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _details(finding: Finding, rule: RuleMeta) -> str:
    lines = [
        f"Rule: {rule.id} {rule.title}",
        f"Device: {finding.device}",
        f"Object: {finding.object_path} ({finding.object_kind})",
        f"Location: {location_text(finding) or 'unknown'}",
        f"Message: {finding.message}",
    ]
    if finding.detail:
        lines.append(f"Detail: {finding.detail}")
    suppression = finding.suppression
    if finding.status == "suppressed" and suppression is not None:
        lines.append(f"Suppressed by {suppression.kind}: {suppression.reason}")
        lines += [
            f"{label}: {value}"
            for label, value in (
                ("Owner", suppression.owner),
                ("Ticket", suppression.ticket),
                ("Expires", suppression.expires),
            )
            if value
        ]
    remediation = finding.remediation
    if remediation is not None:
        lines.append(f"Remediation: {remediation.text}")
        if remediation.tmsh:
            lines.append(f"tmsh: {remediation.tmsh}")
        if remediation.terraform:
            lines.append(f"Terraform: {remediation.terraform}")
    return xml_text("\n".join(lines))


def _outcome(case: Element, finding: Finding, rule: RuleMeta) -> None:
    from xml.etree.ElementTree import SubElement

    if finding.status == "fail":
        child = SubElement(
            case, "failure", type=finding.severity, message=xml_text(finding.message)
        )
    elif finding.status == "undetermined":
        child = SubElement(case, "skipped", message=xml_text(f"undetermined: {finding.message}"))
    elif finding.status == "suppressed":
        why = finding.suppression
        note = f"{why.kind}: {why.reason}" if why is not None else "suppressed"
        child = SubElement(case, "skipped", message=xml_text(f"suppressed by {note}"))
    else:
        return
    child.text = _details(finding, rule)


def _case_names(findings: Sequence[Finding]) -> list[str]:
    """``DEVICE OBJECT [detail]``, numbered (``#2``...) where it would repeat."""
    names: list[str] = []
    used: set[str] = set()
    for finding in findings:
        base = _token(f"{finding.device} {finding.object_path}")
        if finding.detail:
            base += " " + _token(f"[{finding.detail}]")
        name, number = base, 1
        while name in used:
            number += 1
            name = f"{base} #{number}"
        used.add(name)
        names.append(name)
    return names


def _suite(parent: Element, ident: int, name: str, attributes: dict[str, str]) -> Element:
    from xml.etree.ElementTree import SubElement

    head = {"name": _token(name) or PACKAGE, "package": PACKAGE, "id": str(ident)}
    return SubElement(parent, "testsuite", {**head, **attributes})


def _rule_suite(
    parent: Element, ident: int, rule: RuleMeta, findings: Sequence[Finding],
    common: dict[str, str],
) -> None:
    from xml.etree.ElementTree import SubElement

    failures = sum(f.status == "fail" for f in findings)
    skipped = sum(f.status in ("undetermined", "suppressed") for f in findings)
    suite = _suite(parent, ident, rule.id, {
        **common, "tests": str(len(findings)), "failures": str(failures), "errors": "0",
        "skipped": str(skipped), "time": "0.000",
    })
    properties = SubElement(suite, "properties")
    for key, value in (("title", rule.title), ("severity", rule.severity), ("pack", rule.pack),
                       ("tags", ", ".join(rule.tags))):
        SubElement(properties, "property", name=key, value=xml_text(value))
    for finding, name in zip(findings, _case_names(findings), strict=True):
        case = SubElement(suite, "testcase", name=name, classname=classname(rule.id),
                          time="0")
        _outcome(case, finding, rule)
    passed = len(findings) - failures - skipped
    SubElement(suite, "system-out").text = xml_text(
        f"{rule.id}: {rule.title}\n{len(findings)} evaluated: {failures} failed, "
        f"{sum(f.status == 'undetermined' for f in findings)} undetermined, "
        f"{sum(f.status == 'suppressed' for f in findings)} suppressed, {passed} passed\n"
    )
    SubElement(suite, "system-err")


def _run_suite(parent: Element, ident: int, report: Report, common: dict[str, str]) -> None:
    """The run itself, when it reported errors: a test case that errs if the scan failed."""
    from xml.etree.ElementTree import SubElement

    failed = not report.execution_successful
    suite = _suite(parent, ident, PACKAGE, {
        **common, "tests": "1", "failures": "0", "errors": str(int(failed)), "skipped": "0",
        "time": f"{report.elapsed_seconds:.3f}",
    })
    SubElement(suite, "properties")
    case = SubElement(suite, "testcase", name="scan", classname=PACKAGE,
                      time=f"{report.elapsed_seconds:.3f}")
    errors = "\n".join(report.errors) or "the scan did not complete"
    if failed:
        SubElement(case, "error", type="ExecutionError",
                   message="the scan did not complete: the results are incomplete").text = (
            xml_text(errors)
        )
    SubElement(suite, "system-out")
    SubElement(suite, "system-err").text = xml_text(errors)


def to_xml(report: Report, options: Mapping[str, object]) -> str:
    import socket
    from xml.etree.ElementTree import Element, indent, tostring

    common = {
        "timestamp": timestamp(options),
        "hostname": _token(opt_str(options, "hostname", socket.gethostname())) or "localhost",
    }
    root = Element("testsuites")
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    for ident, (rule_id, rule) in enumerate(rules_by_id(report).items()):
        _rule_suite(root, ident, rule, by_rule.get(rule_id, []), common)
    if report.errors or not report.execution_successful:
        _run_suite(root, len(root), report, common)
    indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


class JUnitReporter:
    """``--format junit``."""

    name = "junit"

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        return to_xml(report, options)
