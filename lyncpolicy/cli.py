"""The ``lyncpolicy`` command line.

Heavy modules (the reader, the model builder, tabulate, jsonschema) are imported inside the
commands: ``lyncpolicy --version`` and a small pre-commit scan must start fast.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

import click

from lyncpolicy import __version__
from lyncpolicy.errors import LyncpolicyError

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


def _strict_option(func: F) -> F:
    return click.option(
        "--strict",
        is_flag=True,
        help="Treat input diagnostics (duplicate objects, stray text...) as errors (exit 2).",
    )(func)


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def _report_diagnostics(diagnostics: Sequence[Any], strict: bool, stream: IO[str]) -> None:
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), file=stream)
    if strict and any(d.level in ("warning", "error") for d in diagnostics):
        raise LyncpolicyError(
            f"{len(diagnostics)} input diagnostic(s) and --strict is set",
            hint="fix the inputs or drop --strict",
        )


@click.group(
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
    """


@cli.command()
@_paths_argument
@_format_option("text", "json")
@_output_option
@_strict_option
def parse(paths: tuple[str, ...], output_format: str, output: str | None, strict: bool) -> None:
    """Read tmsh files or archives and print the raw object inventory.

    The JSON form is a tmsh-to-JSON conversion: every object with its type, full name, file,
    line span and properties.

    \b
    Examples:
      lyncpolicy parse bigip.conf
      lyncpolicy parse backup.ucs --format json -o objects.json
    """
    from lyncpolicy.adapters.tmsh import ParseResult
    from lyncpolicy.loader import load

    loaded = load(paths, build_model=False)
    _report_diagnostics(loaded.diagnostics, strict, sys.stderr)
    results = [p for p in loaded.parsed if isinstance(p, ParseResult)]
    if output_format == "json":
        document = {
            "objects": [obj.to_dict() for result in results for obj in result.objects],
            "diagnostics": [d.to_dict() for d in loaded.diagnostics],
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
@_strict_option
def model(paths: tuple[str, ...], output_format: str, output: str | None, strict: bool) -> None:
    """Print the normalized network model (virtuals, pools, self IPs, routes, NATs...).

    The JSON form validates against schemas/model.schema.json.

    \b
    Examples:
      lyncpolicy model config/bigip_base.conf config/bigip.conf
      lyncpolicy model backup.ucs --format json
    """
    from lyncpolicy.loader import load
    from lyncpolicy.model import to_jsonable

    loaded = load(paths)
    _report_diagnostics(loaded.diagnostics, strict, sys.stderr)
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


@cli.command()
@_paths_argument
@_strict_option
def scan(paths: tuple[str, ...], strict: bool) -> None:
    """Check BIG-IP configurations (tmsh files, SCF, UCS/qkview archives).

    Exit codes: 0 clean, 1 findings at or above the fail threshold, 2 usage or input error.

    \b
    Examples:
      lyncpolicy scan backup.ucs
      lyncpolicy scan examples/broken/
    """
    from lyncpolicy.loader import load

    started = time.perf_counter()
    loaded = load(paths)
    _report_diagnostics(loaded.diagnostics, strict, sys.stderr)
    for device in loaded.model.devices:
        counts = ", ".join(
            f"{len(items)} {name.replace('_', ' ')}"
            for name, items in device.collections()
            if items and name in ("virtual_servers", "pools", "self_ips", "routes", "nats",
                                  "snats")
        )
        click.echo(f"{device.name}: {counts or 'no LTM/network objects'}")
    elapsed = time.perf_counter() - started
    click.echo(
        f"{len(loaded.files)} file(s), {loaded.object_count()} objects, "
        f"{len(loaded.model.devices)} device(s) in {elapsed:.2f}s"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: one-line errors and exit code 2, never a traceback."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="lyncpolicy",
                 standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
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
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("LYNCPOLICY_DEBUG"):
            raise
        click.echo(
            f"lyncpolicy: internal error: {type(exc).__name__}: {exc} "
            "(please report it; set LYNCPOLICY_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN)
