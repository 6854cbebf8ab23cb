"""Click options shared by ``lyncpolicy scan`` and ``lyncpolicy report``: how a report is
rendered and where it goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


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
