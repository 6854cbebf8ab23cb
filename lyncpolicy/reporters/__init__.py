"""The built-in reporters, contributed through the ``lyncpolicy_reporters`` hook like any plugin.

Each reporter has a ``name`` (the ``--format`` value) and ``render(report, options) -> str``;
one whose output can outgrow the run's memory also has ``write(report, options, stream)``,
which writes the same text without holding all of it (:func:`write_report` uses it for files).
Options (all optional; unknown keys are ignored):

- ``color`` (bool, text only; None: decided from ``NO_COLOR`` and the terminal),
- ``quiet`` (bool: text and markdown print the summary only),
- ``show_passes`` (bool: text and markdown list passes; junit and json always include them,
  sarif and github never),
- ``sarif_root`` (path: the repository root that sarif and github paths are relative to;
  default the current directory),
- ``automation_id`` (sarif ``automationDetails.id``; default ``lyncpolicy/``),
- ``timestamp`` and ``hostname`` (junit; defaults: ``SOURCE_DATE_EPOCH`` or now, this host).

The plugin manager imports this package on every run, so it imports no reporter module: each
format's module is imported when that format is first rendered, and tabulate, xml and the
like only inside the functions that need them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from lyncpolicy.findings import Report
from lyncpolicy.hookspecs import ReporterSpec, hookimpl

# name -> (module, class): imported when the format is first rendered, not at start-up.
BUILTIN: dict[str, tuple[str, str]] = {
    "text": ("lyncpolicy.reporters.text", "TextReporter"),
    "json": ("lyncpolicy.reporters.json_report", "JsonReporter"),
    "sarif": ("lyncpolicy.reporters.sarif", "SarifReporter"),
    "junit": ("lyncpolicy.reporters.junit", "JUnitReporter"),
    "github": ("lyncpolicy.reporters.github", "GithubReporter"),
    "markdown": ("lyncpolicy.reporters.markdown", "MarkdownReporter"),
}

BUILTIN_MODULES: tuple[str, ...] = tuple(module for module, _ in BUILTIN.values())


@dataclass(frozen=True, slots=True)
class LazyReporter:
    """A built-in reporter whose module is imported by its first ``render``."""

    name: str
    module: str
    attribute: str

    def load(self) -> ReporterSpec:
        reporter: ReporterSpec = getattr(importlib.import_module(self.module), self.attribute)()
        return reporter

    def render(self, report: Report, options: Mapping[str, object]) -> str:
        return self.load().render(report, options)

    def write(self, report: Report, options: Mapping[str, object], stream: IO[str]) -> None:
        write_report(self.load(), report, options, stream)


def write_report(
    reporter: ReporterSpec, report: Report, options: Mapping[str, object], stream: IO[str]
) -> None:
    """Write ``reporter``'s output to ``stream`` (a file), ending with a newline: through its
    ``write`` when it has one, else its ``render`` text."""
    write = getattr(reporter, "write", None)
    if write is not None:
        write(report, options, stream)
        return
    text = reporter.render(report, options)
    stream.write(text if text.endswith("\n") else text + "\n")


def builtin_reporters() -> list[ReporterSpec]:
    """text, json, sarif, junit, github and markdown (each imported when first rendered)."""
    return [LazyReporter(name, module, attribute) for name, (module, attribute) in BUILTIN.items()]


@hookimpl
def lyncpolicy_reporters() -> list[ReporterSpec]:
    """The output formats shipped with lyncpolicy."""
    return builtin_reporters()
