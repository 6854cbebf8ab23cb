"""The ``lyncpolicy`` command line.

Heavy modules (the reader, the model builder, tabulate, jsonschema) are imported inside the
commands: ``lyncpolicy --version`` and a small pre-commit scan must start fast.
"""

from __future__ import annotations

import difflib
import gc
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lyncpolicy import __version__
from lyncpolicy.errors import LyncpolicyError

if TYPE_CHECKING:
    from lyncpolicy.loader import LoadResult, UnitProcess
    from lyncpolicy.plugins import Registry

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _paths_argument(func: F) -> F:
    return click.argument("paths", nargs=-1, required=True, type=click.Path())(func)


def _format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def _output_option(func: F) -> F:
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        help="Write the output to this file instead of standard output.",
    )(func)


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def _parse_size(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    value = text.strip().lower().removesuffix("ib").removesuffix("b")
    factor = units.get(value[-1:], 1)
    number = value[:-1] if value[-1:] in units else value
    if not number.isdigit() or int(number) <= 0:
        raise click.BadParameter(f"{text!r} is not a size like 512M or 2G")
    return int(number) * factor


def _input_options(func: F) -> F:
    options = [
        click.option("--strict", is_flag=True,
                     help="Input warnings (duplicate objects, stray text...) and unreadable "
                          "inputs are errors (exit 2)."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                     help="Archives read in parallel (default: number of CPUs)."),
        click.option("--max-config-size", default="512M", show_default=True,
                     help="Cap on configuration text read from one archive."),
        click.option("--verbose", "-v", is_flag=True, help="Also show notes about the inputs."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _load_inputs(
    paths: Sequence[str], *, strict: bool, jobs: int | None, max_config_size: str,
    verbose: bool, build_model: bool = True,
    on_fatal: Callable[[LoadResult, str], None] | None = None,
    registry: Registry | None = None,
    process: UnitProcess | None = None,
) -> LoadResult:
    """Load inputs with the adapters of the plugin ``registry`` (made here when not given),
    print diagnostics and per-input errors, and stop with exit 2 when nothing could be read
    (or anything failed under --strict). ``on_fatal(loaded, why)`` runs first (scan writes its
    requested reports, marked unsuccessful). ``process`` runs on each unit where it was read
    (:func:`lyncpolicy.loader.load`)."""
    from lyncpolicy.loader import load

    if registry is None:
        from lyncpolicy.plugins import collect, make_plugin_manager

        registry = collect(make_plugin_manager())

    limit = _parse_size(max_config_size)
    workers = jobs or os.cpu_count() or 1
    bar_state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        if total <= 3 or not sys.stderr.isatty():
            return
        if "bar" not in bar_state:
            bar_state["bar"] = click.progressbar(length=total, label="reading", file=sys.stderr)
            bar_state["bar"].__enter__()
        bar_state["bar"].update(1)
        if done == total:
            bar_state["bar"].__exit__(None, None, None)

    # Commands that build the model never look at parse results again: not keeping them halves
    # a fleet scan's memory and what the worker processes send back.
    loaded = load(paths, max_config_bytes=limit, build_model=build_model, jobs=workers,
                  progress=progress, keep_parsed=not build_model,
                  adapters=tuple(registry.adapters.values()), process=process)
    diagnostics = loaded.all_diagnostics()
    for diagnostic in diagnostics:
        if verbose or diagnostic.level != "note":
            click.echo(str(diagnostic), file=sys.stderr)
    for error in loaded.errors:
        click.echo(f"lyncpolicy: error: {error}", err=True)
    if not loaded.units:
        from lyncpolicy.adapters.detect import SUPPORTED_INPUTS

        why = f"no input found in {', '.join(paths)}"
        click.echo(f"lyncpolicy: error: {why} ({SUPPORTED_INPUTS})", err=True)
        if on_fatal is not None:
            on_fatal(loaded, why)
        raise _Exit(EXIT_ERROR)
    # A device without a single object is a wrong file (or an empty one), not a clean pass.
    empty = [u for u in loaded.units if u.error is None and build_model and u.object_count == 0]
    for unit in empty:
        click.echo(
            f"lyncpolicy: error: {', '.join(unit.unit.paths)}: no BIG-IP configuration objects "
            "found (is this the right file?)",
            err=True,
        )
    readable = [u for u in loaded.units if u.error is None and u not in empty]
    if (loaded.errors or empty) and (strict or not readable):
        if on_fatal is not None:
            why = "no input could be read" if not readable else "--strict: an input failed"
            on_fatal(loaded, why)
        raise _Exit(EXIT_ERROR)
    if strict and any(d.level in ("warning", "error") for d in diagnostics):
        warnings = sum(d.level != "note" for d in diagnostics)
        if on_fatal is not None:
            on_fatal(loaded, f"--strict: {warnings} input warning(s)")
        raise LyncpolicyError(
            f"{warnings} input warning(s) and --strict is set",
            hint="fix the inputs or drop --strict",
        )
    return loaded


class _Exit(Exception):
    """Leave with an exit code after the messages were already printed."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Group(click.Group):
    """The ``lyncpolicy`` group: an unknown command says what was probably meant."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
        ):
            raise click.UsageError(f"No such command {name!r}.{_next_step(name, self)}", ctx)
        return super().resolve_command(ctx, args)


def _next_step(name: str, group: click.Group) -> str:
    """A file or folder given as a command is meant to be scanned; else a close command name."""
    if os.path.exists(name):
        return f" To check it, run: lyncpolicy scan {shlex.quote(name)}"
    close = difflib.get_close_matches(name, sorted(group.commands), n=2, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(command) for command in close) + "?"


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="lyncpolicy")
def cli() -> None:
    """Lint F5 BIG-IP configurations of Lync / Skype for Business Edge deployments.

    \b
    Examples:
      lyncpolicy scan backup.ucs
      lyncpolicy scan config/bigip_base.conf config/bigip.conf
      lyncpolicy parse bigip.conf --format json > objects.json

    \b
    Shell completion (add to ~/.bashrc; zsh: zsh_source, fish: fish_source):
      eval "$(_LYNCPOLICY_COMPLETE=bash_source lyncpolicy)"
    """


@cli.command()
@_paths_argument
@_format_option("text", "json")
@_output_option
@_input_options
def parse(paths: tuple[str, ...], output_format: str, output: str | None, strict: bool,
          jobs: int | None, max_config_size: str, verbose: bool) -> None:
    """Read tmsh files or archives and print the raw object inventory.

    The JSON form is a tmsh-to-JSON conversion: every object with its type, full name, file,
    line span and properties.

    \b
    Examples:
      lyncpolicy parse bigip.conf
      lyncpolicy parse backup.ucs --format json -o objects.json
    """
    from lyncpolicy.adapters.tmsh import ParseResult

    loaded = _load_inputs(paths, strict=strict, jobs=1, max_config_size=max_config_size,
                          verbose=verbose, build_model=False)
    results = [p for p in loaded.parsed if isinstance(p, ParseResult)]
    if output_format == "json":
        document = {
            "objects": [obj.to_dict() for result in results for obj in result.objects],
            "diagnostics": [d.to_dict() for d in loaded.all_diagnostics()],
        }
        _write(json.dumps(document, indent=1), output)
        return
    from tabulate import tabulate

    rows = [
        (obj.type, obj.full_path or "", f"{obj.path}:{obj.line}-{obj.end_line}")
        for result in results
        for obj in result.objects
    ]
    table = tabulate(rows, headers=("type", "name", "location"), tablefmt="simple")
    _write(f"{table}\n\n{len(rows)} objects in {len(results)} file(s)", output)


@cli.command()
@_paths_argument
@_format_option("text", "json")
@_output_option
@_input_options
def model(paths: tuple[str, ...], output_format: str, output: str | None, strict: bool,
          jobs: int | None, max_config_size: str, verbose: bool) -> None:
    """Print the normalized network model (virtuals, pools, self IPs, routes, NATs...).

    The JSON form validates against schemas/model.schema.json.

    \b
    Examples:
      lyncpolicy model config/bigip_base.conf config/bigip.conf
      lyncpolicy model backup.ucs --format json
    """
    from lyncpolicy.model import to_jsonable

    loaded = _load_inputs(paths, strict=strict, jobs=jobs, max_config_size=max_config_size,
                          verbose=verbose)
    if output_format == "json":
        document = {
            "version": 1,
            "devices": [to_jsonable(device) for device in loaded.model.devices],
        }
        _write(json.dumps(document, indent=1), output)
        return
    lines: list[str] = []
    for device in loaded.model.devices:
        lines.append(f"device {device.name} (TMOS {device.version or 'unknown'}, "
                     f"HA: {'yes' if device.ha else 'no'})")
        for name, items in device.collections():
            if items:
                lines.append(f"  {name.replace('_', ' ')}: {len(items)}")
                lines.extend(f"    {key}" for key in list(items)[:50])
                if len(items) > 50:
                    lines.append(f"    ... and {len(items) - 50} more")
    _write("\n".join(lines), output)


def _register_subcommands() -> None:
    from lyncpolicy import cli_report
    from lyncpolicy.cli_rules import rules
    from lyncpolicy.cli_scan import scan
    from lyncpolicy.cli_topology import init, topology

    cli.add_command(rules)
    cli.add_command(scan)
    cli.add_command(topology)
    cli.add_command(init)
    cli_report.register(cli)


_register_subcommands()


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: one-line errors and exit code 2, never a traceback."""
    # A scan builds a large tree of small objects and frees little of it before exiting; the
    # default collector thresholds re-walk that tree every few hundred allocations (a quarter
    # of a large scan's time). Collect, but far less often.
    gc.set_threshold(50_000, 20, 100)
    try:
        # Without standalone mode click returns (not raises) the code of ctx.exit(n).
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="lyncpolicy",
                        standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except _Exit as exc:
        sys.exit(exc.code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_ERROR)
    except LyncpolicyError as exc:
        click.echo(f"lyncpolicy: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"lyncpolicy: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if os.environ.get("LYNCPOLICY_DEBUG"):
            raise
        click.echo(
            f"lyncpolicy: internal error: {type(exc).__name__}: {exc} "
            "(please report it; set LYNCPOLICY_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)
