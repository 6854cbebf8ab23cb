"""Click options shared by ``lyncpolicy scan`` and ``lyncpolicy report``: how a report is
rendered and where it goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

RAW_ARGS = "lyncpolicy.raw_args"


class ReportCommand(click.Command):
    """A command whose ``--format``/``--output`` pairs are read in command-line order.

    Click gathers repeated options into separate lists and forgets how they interleaved; the
    raw arguments are kept so that ``--format text --format json -o r.json`` writes JSON (the
    format right before the file) to ``r.json``.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[RAW_ARGS] = list(args)
        return super().parse_args(ctx, args)


def output_events(args: list[str]) -> list[tuple[str, str]]:
    """``("format", NAME)`` and ``("output", FILE)`` in the order they were written."""
    events: list[tuple[str, str]] = []
    names = {"--format": "format", "--output": "output", "-o": "output"}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        if arg in names and i + 1 < len(args):
            events.append((names[arg], args[i + 1]))
            i += 2
            continue
        for prefix, kind in (("--format=", "format"), ("--output=", "output"), ("-o", "output")):
            if arg.startswith(prefix) and arg != prefix:
                events.append((kind, arg[len(prefix) :]))
                break
        i += 1
    return events


def report_options(
    *, format_help: str, quiet_help: str, show_passes_help: str, sarif_root_help: str
) -> Callable[[F], F]:
    """``--format``, ``--output``, ``--quiet``, ``--show-passes``, ``--color`` and
    ``--sarif-root``, in that order, as the parameters ``formats``, ``outputs``, ``quiet``,
    ``show_passes``, ``color`` and ``sarif_root``.

    The help texts that say what the command's formats honour are the command's own.
    """
    options = (
        click.option("--format", "formats", multiple=True, metavar="NAME", help=format_help),
        click.option(
            "--output",
            "-o",
            "outputs",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="File for the format given at the same position.",
        ),
        click.option("--quiet", "-q", is_flag=True, help=quiet_help),
        click.option("--show-passes", is_flag=True, help=show_passes_help),
        click.option(
            "--color",
            type=click.Choice(("auto", "always", "never")),
            default="auto",
            show_default=True,
            help="Colors in text output (NO_COLOR is respected).",
        ),
        click.option(
            "--sarif-root", type=click.Path(file_okay=False), default=None, help=sarif_root_help
        ),
    )

    def decorate(command: F) -> F:
        # Click lists the options of stacked decorators top down: apply the last one first.
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
