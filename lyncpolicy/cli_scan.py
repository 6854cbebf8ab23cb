"""``lyncpolicy scan``: load inputs, recognize the Edge deployment, run the rules, report.

Exit codes: 0 clean, 1 a failing finding at or above ``--fail-on`` (default error), 2 usage,
configuration or input error.
"""

from __future__ import annotations

import glob
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import click

from lyncpolicy.cli_options import RAW_ARGS, ReportCommand, report_options

if TYPE_CHECKING:
    from lyncpolicy.config import Config
    from lyncpolicy.findings import Finding, InputInfo, Report
    from lyncpolicy.loader import LoadResult
    from lyncpolicy.pipeline import ScanResult
    from lyncpolicy.plugins import Registry
    from lyncpolicy.topology import Topology

FAIL_ON = ("error", "warning", "info", "never")


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """``--select A,B --select C`` -> (A, B, C)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def output_pairs(
    formats: Sequence[str], outputs: Sequence[str], raw_args: list[str] | None = None
) -> list[tuple[str, str | None]]:
    """Pair each ``--output`` with the ``--format`` written just before it (or, failing that,
    just after it); formats without a file go to standard output (at most one)."""
    if len(outputs) > len(formats):
        raise click.UsageError(
            f"{len(outputs)} --output but {len(formats)} --format: give each output its format "
            "(e.g. --format sarif --output results.sarif)"
        )
    from lyncpolicy.cli_options import output_events

    events = output_events(raw_args) if raw_args is not None else []
    if [v for k, v in events if k == "format"] != list(formats) or [
        v for k, v in events if k == "output"
    ] != list(outputs):
        # Not from a command line (a caller passing lists): pair by position.
        events = _positional(formats, outputs)
    pairs: list[list[str | None]] = []
    waiting: list[str] = []  # outputs written before their format
    for kind, value in events:
        if kind == "format":
            pairs.append([value, waiting.pop(0) if waiting else None])
        else:
            open_pair = next((p for p in reversed(pairs) if p[1] is None), None)
            if open_pair is not None and open_pair is pairs[-1]:
                open_pair[1] = value
            else:
                waiting.append(value)
    if waiting:
        raise click.UsageError(
            f"--output {waiting[0]} has no --format of its own: write --format NAME right "
            "before each --output FILE"
        )
    result: list[tuple[str, str | None]] = [(str(f), o) for f, o in pairs] or [("text", None)]
    if sum(1 for _, out in result if out is None) > 1:
        raise click.UsageError(
            "only one format can go to standard output: add --output FILE for the others"
        )
    seen: dict[str, str] = {}
    for _, out in result:
        if out is None:
            continue
        if os.path.realpath(out) in seen:
            raise click.UsageError(
                f"two formats would write {out}: give each --format its own --output file"
            )
        seen[os.path.realpath(out)] = out
    return result


def _positional(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    for i, fmt in enumerate(formats):
        events.append(("format", fmt))
        if i < len(outputs):
            events.append(("output", outputs[i]))
    return events


def device_files(paths: Sequence[str]) -> tuple[str, ...]:
    """Complete each named ``bigip*.conf`` with the other files of its device.

    pre-commit passes only the changed files; a BIG-IP's configuration spans ``bigip_base.conf``
    (self IPs, VLANs, routes), ``bigip.conf`` and partition files, and the rules need all of
    them. The device folder is the file's folder (or the one above ``partitions/NAME/``).
    """
    from lyncpolicy.loader import device_folder

    found = list(paths)
    for path in paths:
        name = os.path.basename(path)
        if not (os.path.isfile(path) and name.startswith("bigip") and name.endswith(".conf")):
            continue
        root = device_folder(path)
        siblings = sorted(glob.glob(os.path.join(glob.escape(root), "bigip*.conf")))
        siblings += sorted(
            glob.glob(os.path.join(glob.escape(root), "partitions", "*", "bigip*.conf"))
        )
        found.extend(os.path.relpath(s) for s in siblings)
    unique: dict[str, str] = {}
    for path in found:
        unique.setdefault(os.path.normpath(os.path.abspath(path)), path)
    return tuple(unique.values())


def resolve_color(choice: str) -> bool:
    """``--color auto|always|never``; auto is the text reporter's rule (a terminal, no
    ``NO_COLOR``)."""
    if choice in ("always", "never"):
        return choice == "always"
    from lyncpolicy.reporters.text import use_color

    return use_color({})


def input_infos(loaded: LoadResult) -> tuple[InputInfo, ...]:
    from lyncpolicy.findings import InputInfo

    names = loaded.device_names()
    infos: list[InputInfo] = []
    for i, unit in enumerate(loaded.units):
        device = names.get(i, unit.unit.label)
        infos.extend(InputInfo(path, unit.unit.kind, device) for path in unit.unit.paths)
    return tuple(infos)


def check_formats(registry: Registry, pairs: Sequence[tuple[str, str | None]]) -> None:
    """Every requested format has a reporter (before any work is done)."""
    for name, _ in pairs:
        if name not in registry.reporters:
            from lyncpolicy.conditions import did_you_mean

            raise click.UsageError(
                f"unknown format {name!r}{did_you_mean(name, registry.reporters)} "
                f"(available: {', '.join(sorted(registry.reporters))})"
            )


def render_all(
    report: Report,
    registry: Registry,
    pairs: Sequence[tuple[str, str | None]],
    options: dict[str, object],
) -> None:
    """Render each (format, file) pair; ``None`` is standard output. Formats are checked
    (:func:`check_formats`)."""
    from lyncpolicy.reporters import write_report

    for name, output in pairs:
        color = bool(options.get("color")) and output is None
        reporter = registry.reporters[name]
        if output is None:
            text = reporter.render(report, {**options, "color": color})
            # color=: keep the escapes `--color always` asked for, even through a pipe.
            click.echo(text, nl=not text.endswith("\n"), color=color)
        else:
            # Written as it is rendered (when the reporter can): a JSON report of a large
            # configuration is several times its size.
            with open(output, "w", encoding="utf-8") as handle:
                write_report(reporter, report, {**options, "color": color}, handle)


def drop_unchanged(findings: Sequence[Finding]) -> list[Finding]:
    """Drop findings on objects a Terraform plan leaves unchanged (``--changed-only``)."""
    from lyncpolicy.adapters.terraform import is_changed

    return [f for f in findings if is_changed(f.source)]


@click.command(cls=ReportCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest lyncpolicy.yaml or "
                   ".lyncpolicy.yaml above the inputs).")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--select", multiple=True, metavar="IDS",
              help="Only these rules (IDs, ID prefixes like LYNC-EDGE-AV, tags; comma-separated).")
@click.option("--extend-select", multiple=True, metavar="IDS", help="Add rules to the selection.")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that makes the exit code 1  [default: error].")
@report_options(
    format_help="Output format: text, json, sarif, junit, github, markdown. Repeat with "
                "--output to write several.",
    quiet_help="Text output: the summary line only.",
    show_passes_help="Text output: list passing checks too.",
    sarif_root_help="SARIF: paths are written relative to this folder [default: current].",
)
@click.option("--baseline", type=click.Path(dir_okay=False, exists=True),
              help="Suppress the findings recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current failing findings as the baseline and exit 0.")
@click.option("--device-files", "device_files_", is_flag=True,
              help="Complete each bigip*.conf named with its device's other config files "
                   "(what the pre-commit hook uses).")
@click.option("--changed-only", is_flag=True,
              help="Terraform plans: report only on resources the plan creates or changes.")
@click.option("--tf-source", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Terraform plans and states: locate findings at the resource block in the "
                   ".tf files under DIR (file and line, so SARIF and GitHub annotations land on "
                   "the code under review); the resource address is kept.")
@click.option("--strict", is_flag=True,
              help="Input warnings and unreadable inputs are errors (exit 2).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Devices read and checked in parallel, one process each (default: number "
                   "of CPUs).")
@click.option("--max-config-size", default="512M", show_default=True,
              help="Cap on configuration text read from one archive.")
@click.option("--verbose", "-v", is_flag=True, help="Also show notes about inputs and config.")
def scan(paths: tuple[str, ...], config_file: str | None, isolated: bool,
         select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
         fail_on: str | None, formats: tuple[str, ...], outputs: tuple[str, ...], quiet: bool,
         show_passes: bool, color: str, sarif_root: str | None, baseline: str | None,
         write_baseline: str | None, device_files_: bool, changed_only: bool,
         tf_source: str | None, strict: bool, jobs: int | None, max_config_size: str,
         verbose: bool) -> None:
    """Check BIG-IP configurations of a Lync / Skype for Business Edge deployment.

    PATHS are tmsh files (bigip.conf, bigip_base.conf, partition files, SCF), UCS or qkview
    archives, Terraform plan/state JSON, AS3 declarations, or folders of them (searched
    recursively). Without PATHS, the current folder is scanned.

    \b
    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.

    \b
    Examples:
      lyncpolicy scan backup.ucs
      lyncpolicy scan config/bigip_base.conf config/bigip.conf
      lyncpolicy scan plan.json --changed-only --format sarif -o lyncpolicy.sarif
      lyncpolicy scan plan.json --tf-source . --format github
      lyncpolicy scan backups/ --jobs 4 --format junit -o report.xml --format text
    """
    from lyncpolicy.cli import _load_inputs

    started = time.perf_counter()
    pairs = output_pairs(formats, outputs, click.get_current_context().meta.get(RAW_ARGS))
    if not paths:
        paths = (".",)
        click.echo("lyncpolicy: no paths given: scanning the current folder", err=True)
    if device_files_:
        paths = device_files(paths)
    from lyncpolicy.config import Overrides, exit_code, resolve_config

    config = resolve_config(
        paths,
        config_file=config_file,
        isolated=isolated,
        overrides=Overrides(
            select=_split(select) or None,
            extend_select=_split(extend_select),
            ignore=_split(ignore),
            fail_on=fail_on,  # type: ignore[arg-type]
        ),
    )
    if verbose and config.path:
        click.echo(f"lyncpolicy: using configuration {config.path}", err=True)
    if config_file is None and not isolated:
        _warn_about_other_configs(paths, config.path)
    from lyncpolicy.plugins import collect, load_rules_for, make_plugin_manager

    registry = collect(make_plugin_manager())
    known, rules = load_rules_for(config.rules, registry)
    check_formats(registry, pairs)
    options: dict[str, object] = {
        "color": resolve_color(color),
        "quiet": quiet,
        "show_passes": show_passes,
        "sarif_root": sarif_root or os.getcwd(),
    }
    targets = [out for _, out in pairs if out is not None] + (
        [write_baseline] if write_baseline else []
    )
    _refuse_overwriting(targets, paths)

    def failed_report(loaded: LoadResult, why: str) -> None:
        """A failed scan still writes the files CI expects (SARIF says it failed)."""
        from lyncpolicy.pipeline import failed_report as build

        errors = [str(e) for e in loaded.errors] or [why]
        report = build(rules, errors, input_infos(loaded), started)
        render_all(report, registry, [(n, o) for n, o in pairs if o is not None], options)

    from lyncpolicy.pipeline import DeviceScanner, build_report

    # Each device is scanned where it is read (in worker processes for a fleet).
    scanner = DeviceScanner(config.rules, config.deployment or None, tf_source, rules=rules)
    loaded = _load_inputs(paths, strict=strict, jobs=jobs, max_config_size=max_config_size,
                          verbose=verbose, on_fatal=failed_report, registry=registry,
                          process=scanner)
    _refuse_overwriting(targets, [f for u in loaded.units for f in u.unit.paths])
    from lyncpolicy.selection import override_findings, severity_overrides

    result = scan_result(loaded)
    findings = override_findings(
        result.findings, severity_overrides([r.id for r in rules], config.rules.severity)
    )
    if changed_only:
        findings = drop_unchanged(findings)
    # Waivers may name rules this run does not select: they are still known rules.
    findings = _suppress(findings, result, config, baseline, [r.id for r in known], verbose)
    report = build_report(
        rules, result, findings,
        inputs=input_infos(loaded), object_count=loaded.object_count(), started=started,
        errors=[str(e) for e in loaded.errors],
    )
    if write_baseline:
        _write_baseline(findings, write_baseline)
        # The baseline is the point of this run: reports only where a file was asked for.
        render_all(report, registry, [(n, o) for n, o in pairs if o is not None], options)
        return
    render_all(report, registry, pairs, options)
    if all(out is not None for _, out in pairs) and not quiet:
        render_all(report, registry, [("text", None)], {**options, "quiet": True})
    _say_what_was_found(result.topologies)
    _suggest_init(result.topologies, config)
    sys.exit(exit_code(findings, config.fail_on))


def scan_result(loaded: LoadResult) -> ScanResult:
    """The scans of the devices read, named as the model names them (two inputs of one
    hostname are told apart by their input)."""
    from lyncpolicy.pipeline import DeviceScan, merge_scans

    names = loaded.device_names()
    return merge_scans([
        unit.outcome.renamed(names[i])
        for i, unit in enumerate(loaded.units)
        if isinstance(unit.outcome, DeviceScan)
    ])


def _suppress(findings: list[Finding], result: ScanResult, config: Config,
              baseline: str | None, rule_ids: Sequence[str], verbose: bool) -> list[Finding]:
    """Inline directives (comments, descriptions), then waivers, then the baseline."""
    from lyncpolicy import suppressions

    applied = suppressions.suppress(
        findings,
        config,
        inline=result.inline,
        baseline=suppressions.load_baseline(baseline) if baseline else None,
        rule_ids=rule_ids,
    )
    for diagnostic in applied.diagnostics:
        if verbose or diagnostic.level != "note":
            click.echo(str(diagnostic), err=True)
    return list(applied.findings)


def _warn_about_other_configs(paths: Sequence[str], used: str | None) -> None:
    """One run applies one configuration: say so when inputs sit beside different ones."""
    from lyncpolicy.config import find_config

    nearest = {find_config([path]) for path in paths}
    others = sorted(p for p in nearest if p is not None and p != used)
    if others:
        click.echo(
            f"lyncpolicy: warning: the inputs are beside different configuration files "
            f"({', '.join(others)}); this run uses {used or 'none'} for all of them: scan each "
            "folder on its own, or choose one with --config",
            err=True,
        )


def _refuse_overwriting(targets: Sequence[str], inputs: Sequence[str]) -> None:
    """Reports and baselines never replace an input (a typo in -o must not eat bigip.conf)."""
    given = {os.path.realpath(p) for p in inputs if os.path.isfile(p)}
    for target in targets:
        if os.path.realpath(target) in given:
            raise click.UsageError(f"refusing to write {target}: it is one of the inputs")


def _write_baseline(findings: Sequence[Finding], path: str) -> None:
    from lyncpolicy.errors import InputError
    from lyncpolicy.suppressions import write_baseline

    try:
        recorded = write_baseline(findings, path)
    except OSError as exc:
        raise InputError(
            f"cannot write the baseline: {exc.strerror or exc}", path=path,
            hint="check that its folder exists and is writable",
        ) from None
    click.echo(f"lyncpolicy: wrote {recorded} finding(s) to {path}", err=True)


def _say_what_was_found(topologies: Mapping[str, Topology]) -> None:
    """A device without any Lync Edge object is not a finding: say so and move on (exit 0)."""
    for name, topology in topologies.items():
        if not topology.found and not topology.hints:
            click.echo(
                f"lyncpolicy: {name}: no Lync / Skype for Business Edge deployment recognized, "
                "nothing to check (`lyncpolicy topology` shows what was looked at)",
                err=True,
            )


def _suggest_init(topologies: Mapping[str, Topology], config: Config) -> None:
    """Point at `lyncpolicy init` when the roles were inferred: no deployment section says
    which addresses are the Edge, so the user should confirm what lyncpolicy guessed."""
    if config.deployment:
        return
    if any(t.found or t.unresolved for t in topologies.values()):
        click.echo(
            "lyncpolicy: roles were inferred without a deployment section: run "
            "`lyncpolicy init PATH...` to write one and confirm them",
            err=True,
        )
