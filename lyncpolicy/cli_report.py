"""``lyncpolicy report``: re-render a JSON report in any format, without rescanning.

\b
  lyncpolicy scan backup.ucs --format json -o results.json
  lyncpolicy report results.json --format sarif -o results.sarif --format markdown -o pr.md

Formats and outputs pair up as in ``lyncpolicy scan`` (the i-th ``--output`` is for the i-th
``--format``; at most one format goes to standard output). Any registered reporter works,
third-party ones included. Exit codes: 0 rendered, 2 unreadable report or usage error.
"""

from __future__ import annotations

import os

import click

from lyncpolicy.cli_options import RAW_ARGS, ReportCommand, report_options
from lyncpolicy.errors import LyncpolicyError


@click.command("report", cls=ReportCommand)
@click.argument("results", type=click.Path(dir_okay=False))
@report_options(
    format_help="Output format: text, json, sarif, junit, github, markdown (or a plugin's). "
                "Repeat with --output to write several.  [default: text]",
    quiet_help="Text and Markdown: the summary only.",
    show_passes_help="Text and Markdown: list passing checks too.",
    sarif_root_help="SARIF and GitHub: paths are written relative to this folder "
                    "[default: current].",
)
@click.option("--automation-id", default=None, metavar="ID",
              help="SARIF automationDetails.id (CATEGORY/RUN)  [default: lyncpolicy/].")
def report(results: str, formats: tuple[str, ...], outputs: tuple[str, ...], quiet: bool,
           show_passes: bool, color: str, sarif_root: str | None,
           automation_id: str | None) -> None:
    """Render RESULTS (a report written by `scan --format json`) in other formats.

    The report is validated against schemas/report.schema.json; the scan is not run again.

    \b
    Examples:
      lyncpolicy report results.json
      lyncpolicy report results.json --format sarif -o lyncpolicy.sarif
      lyncpolicy report results.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    from lyncpolicy.cli_scan import check_formats, output_pairs, render_all, resolve_color
    from lyncpolicy.plugins import collect, make_plugin_manager
    from lyncpolicy.report_io import load

    pairs = output_pairs(formats, outputs, click.get_current_context().meta.get(RAW_ARGS))
    registry = collect(make_plugin_manager())
    check_formats(registry, pairs)
    loaded = load(results)
    options: dict[str, object] = {
        "color": resolve_color(color),
        "quiet": quiet,
        "show_passes": show_passes,
        "sarif_root": sarif_root or os.getcwd(),
        "automation_id": automation_id,
    }
    try:
        render_all(loaded, registry, pairs, options)
    except OSError as exc:
        raise LyncpolicyError(f"cannot write the output: {exc.strerror or exc}",
                              path=exc.filename) from None


def register(group: click.Group) -> None:
    """Add ``report`` to the ``lyncpolicy`` command group."""
    group.add_command(report)
