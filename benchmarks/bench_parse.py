"""Parse benchmark for lyncpolicy's tmsh adapter.

One invocation generates the synthetic configs (``generate_config.py``) into a temporary
directory and measures, on this machine and in this run:

* the in-process wall time of ``lyncpolicy.adapters.tmsh.parse_text`` on the scale-1 config
  (~3.7 MB, ~12,600 objects) and of the peer parser ``tmconfpy`` on the same text, in
  alternating runs: medians, and the median of the per-run speed ratios;
* the peak memory of a parse: a fresh interpreter calls ``parse_file`` on that file and reports
  its resident-size high-water mark during the call minus its size before it (and, in a second
  child, the tracemalloc peak of the same call); tmconfpy the same way;
* wall time, interpreter start included, of ``lyncpolicy --version`` and of
  ``lyncpolicy parse <50 KB config> --format json``;
* baselines (``text.count("{")`` over the file, reading the file, starting a bare interpreter)
  so that every time is also given as a multiple of a baseline measured in the same run.

It prints a Markdown report with PASS/FAIL against the budgets and always exits 0 once the
parser could be imported (it reports; it does not assert). ``--stand-in`` swaps in a trivial
brace-counting splitter so the harness itself can be exercised without the real parser.
``benchmarks/README.md`` explains every row and the memory method.

Usage::

    python benchmarks/bench_parse.py [--repeat 7] [--markdown report.md] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

BENCH_DIR = Path(__file__).resolve().parent

# Budgets (see benchmarks/README.md).
BUDGET_PARSE_S = 0.5
BUDGET_PEAK_RSS_X_FILE = 10.0
BUDGET_VERSION_S = 0.25
BUDGET_SMALL_PARSE_S = 0.25
BUDGET_TMCONFPY_RATIO = 3.0

ParseFn = Callable[[str, str], Any]


# ---------------------------------------------------------------------------------------------
# Stand-in parser (``--stand-in``): splits top-level statements by counting braces per line.
# It only exists so the harness can run before the real parser lands; its numbers mean nothing.
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class StandInObject:
    kind: str
    name: str
    line: int
    body: list[str]


@dataclass(slots=True)
class StandInResult:
    objects: list[StandInObject] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)


def stand_in_parse_text(text: str, path: str) -> StandInResult:
    result = StandInResult()
    depth = 0
    current: StandInObject | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if depth == 0:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            words = stripped.rstrip("{} ").split()
            current = StandInObject(" ".join(words[:-1]), words[-1] if words else "", lineno, [])
            result.objects.append(current)
        elif current is not None:
            current.body.append(line)
        depth += line.count("{") - line.count("}")
        if depth < 0:
            result.diagnostics.append(f"{path}:{lineno}: unbalanced '}}'")
            depth = 0
    if depth:
        result.diagnostics.append(f"{path}: {depth} unclosed '{{' at end of file")
    return result


# ---------------------------------------------------------------------------------------------
# Measurement helpers.
# ---------------------------------------------------------------------------------------------
def time_once(fn: Callable[[], object]) -> float:
    """Wall time of one call (GC enabled, collected before the call)."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls (GC enabled, collected before each call) and the last
    result."""
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass(slots=True)
class CliTiming:
    best_s: float | None
    returncode: int
    error: str = ""


def time_command(cmd: Sequence[str], repeat: int) -> CliTiming:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(
            list(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            return CliTiming(None, proc.returncode, lines[-1] if lines else "")
        best = min(best, elapsed)
    return CliTiming(best, 0)


# Peak memory of a parse, measured by a fresh child process on itself. The measured call reads
# the file and parses it (``parse_file(path)``; tmconfpy: ``Parser(path, is_filepath=True)``),
# so the bytes read, the decoded text, every transient and the result all count.
# * RSS: the child records VmRSS just before the call, resets its high-water mark
#   (``echo 5 > /proc/self/clear_refs``, Linux >= 4.0), calls, then reads VmHWM: the peak
#   resident size during the call. Peak minus before = what the parse needed. VmHWM before the
#   reset is kept too, for the whole-process peak.
# * tracemalloc (a second child, ``tracing`` = 1): the peak of Python allocations during the
#   same call; independent of the allocator, a cross-check of the RSS figure.
# getrusage(...).ru_maxrss is NOT used on Linux: a child that was forked/vforked and then
# exec'ed starts with ru_maxrss = the parent's high-water mark, so it reports the benchmark's
# own size. It is only the fallback where /proc is missing (then only a whole-process figure).
# argv: file path, parser mode, benchmarks directory, tracing (0 or 1).
_MEMORY_CHILD = r"""
import gc, json, resource, sys
path, mode, bench_dir, tracing = sys.argv[1:5]
if mode == "lyncpolicy":
    from lyncpolicy.adapters.tmsh import parse_file
    call = lambda: parse_file(path)
elif mode == "stand-in":
    sys.path.insert(0, bench_dir)
    from bench_parse import stand_in_parse_text
    def call():
        with open(path, encoding="utf-8") as handle:
            return stand_in_parse_text(handle.read(), path)
else:
    import logging
    from tmconfpy import Parser
    logging.disable(logging.WARNING)
    call = lambda: Parser(path, is_filepath=True)
def status_kib(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None
gc.collect()
hwm_before = status_kib("VmHWM")
before = status_kib("VmRSS")
reset = False
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    reset = True
except OSError:
    pass
if tracing == "1":
    import tracemalloc
    tracemalloc.start()
result = call()
traced = tracemalloc.get_traced_memory()[1] if tracing == "1" else None
peak = status_kib("VmHWM")
source = "/proc/self/status VmRSS/VmHWM" + (" + clear_refs" if reset else "")
if peak is None:
    peak, source = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
print(json.dumps({"before_kib": before, "peak_kib": peak, "hwm_before_kib": hwm_before,
                  "reset": reset, "traced_bytes": traced, "source": source}))
"""


@dataclass(slots=True)
class MemoryResult:
    """Memory of one ``read the file + parse it`` call in a fresh process."""

    before_bytes: int | None = None  # RSS just before the call (interpreter + imports)
    peak_bytes: int | None = None  # RSS high-water mark during the call
    process_peak_bytes: int | None = None  # high-water mark of the whole process
    reset: bool = False  # the high-water mark was reset before the call
    traced_bytes: int | None = None  # tracemalloc peak during the call (tracing child)
    error: str = ""
    source: str = ""

    @property
    def parse_bytes(self) -> int | None:
        """Peak memory of the parse: high-water mark during the call minus RSS before it.

        Without the reset (no clear_refs) the high-water mark may predate the call: then this
        is an upper bound."""
        if self.peak_bytes is None or self.before_bytes is None:
            return None
        return max(0, self.peak_bytes - self.before_bytes)


def _memory_child(path: Path, mode: str, tracing: bool) -> dict[str, Any] | str:
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(path), mode, str(BENCH_DIR), str(int(tracing))],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return lines[-1] if lines else f"exit {proc.returncode}"
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def measure_memory(path: Path, mode: str) -> MemoryResult:
    """RSS figures from one untraced child, the tracemalloc peak from a second one."""
    data = _memory_child(path, mode, tracing=False)
    if isinstance(data, str):
        return MemoryResult(error=data)

    def kib(key: str) -> int | None:
        value = data.get(key)
        return None if value is None else int(value) * 1024  # /proc and ru_maxrss count KiB

    peak, hwm_before = kib("peak_kib"), kib("hwm_before_kib")
    result = MemoryResult(
        before_bytes=kib("before_kib"),
        peak_bytes=peak,
        process_peak_bytes=max(x for x in (peak, hwm_before, 0) if x is not None),
        reset=bool(data.get("reset")),
        source=str(data.get("source", "")),
    )
    traced = _memory_child(path, mode, tracing=True)
    if isinstance(traced, dict) and traced.get("traced_bytes") is not None:
        result.traced_bytes = int(traced["traced_bytes"])
    return result


# ---------------------------------------------------------------------------------------------
# Environment.
# ---------------------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Hardware", "Processor", "cpu model"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


# Set by use_bytecode_cache() when this environment had turned .pyc files off.
_BYTECODE_NOTE: list[str] = []


def use_bytecode_cache() -> None:
    """Let child interpreters read and write ``.pyc`` files, as a pip-installed lyncpolicy
    does (pip compiles them when it installs): with ``PYTHONDONTWRITEBYTECODE=1`` (set in some
    sandboxes) every module is compiled again at every start, which is not what users run
    (about 0.09 s on a small scan on the 2-core VM). Each timed command has a warm-up run."""
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        _BYTECODE_NOTE.append(
            "- Bytecode: PYTHONDONTWRITEBYTECODE was set here; it is unset for the measured "
            "commands, which use .pyc files like an installed package"
        )


def machine_info() -> list[str]:
    logical = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = logical
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"- CPU: {cpu_model()}; {logical} logical cores ({usable} usable by this process)",
        f"- Python: {platform.python_implementation()} {platform.python_version()} "
        f"({sys.executable})",
        f"- OS: {platform.platform()}; load average before the run: {load}",
        *_BYTECODE_NOTE,
    ]


def package_version(name: str) -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return "?"
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "lyncpolicy_bench_generate_config", BENCH_DIR / "generate_config.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError("cannot load benchmarks/generate_config.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def resolve_parser(stand_in: bool) -> ParseFn:
    if stand_in:
        return stand_in_parse_text
    try:
        from lyncpolicy.adapters.tmsh import (  # type: ignore[import-not-found,unused-ignore]
            parse_text,
        )
    except Exception as exc:  # ImportError, or an error inside the module itself
        print(
            "error: cannot import lyncpolicy.adapters.tmsh.parse_text "
            f"({type(exc).__name__}: {exc}).\n"
            "Install the project first (`pip install -e '.[bench]'` from the repository root), "
            "or run with --stand-in to exercise the harness with a trivial stand-in parser.",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    fn: ParseFn = parse_text
    return fn


def cli_command(override: str | None) -> list[str]:
    """The ``lyncpolicy`` console script of this interpreter, else one on PATH, else
    ``python -m lyncpolicy``."""
    if override:
        return shlex.split(override)
    script = Path(sys.executable).parent / "lyncpolicy"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("lyncpolicy")
    if found:
        return [found]
    return [sys.executable, "-m", "lyncpolicy"]


# ---------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------
def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds:.3f} s"


def fmt_x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}x"


def fmt_mb(nbytes: int | None) -> str:
    return "n/a" if nbytes is None else f"{nbytes / 1e6:.1f} MB"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "**FAIL**")


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else a / b


@dataclass(slots=True)
class Row:
    what: str
    value: str
    vs_baseline: str = ""
    budget: str = ""
    status: str = "info"


def render_table(rows: list[Row]) -> list[str]:
    out = ["| Measurement | Value | x baseline | Budget | Status |", "|---|---:|---:|---|---|"]
    out += [f"| {r.what} | {r.value} | {r.vs_baseline} | {r.budget} | {r.status} |" for r in rows]
    return out


def count_result(result: Any) -> tuple[int | None, str]:
    """Object count and a short diagnostics summary of a ``ParseResult``."""
    objects = getattr(result, "objects", None)
    diagnostics = getattr(result, "diagnostics", None) or []
    n_objects = len(objects) if objects is not None else None
    by_severity = Counter(str(getattr(d, "severity", "diagnostic")) for d in diagnostics)
    summary = ", ".join(f"{n} {sev}" for sev, n in sorted(by_severity.items())) or "none"
    return n_objects, summary


def run(args: argparse.Namespace) -> str:
    parse = resolve_parser(args.stand_in)
    parser_label = "stand-in (--stand-in)" if args.stand_in else "lyncpolicy.adapters.tmsh"
    generator = load_generator()
    machine = machine_info()

    with tempfile.TemporaryDirectory(prefix="lyncpolicy-bench-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        big = workdir / f"bigip_scale{args.scale}.conf"
        small = workdir / f"bigip_{args.small_bytes // 1000}k.conf"
        big_text, big_counts = generator.generate(args.scale, None)
        small_text, small_counts = generator.generate(None, args.small_bytes)
        big.write_text(big_text, encoding="utf-8")
        small.write_text(small_text, encoding="utf-8")
        del big_text, small_text
        file_bytes = big.stat().st_size
        gen_objects = sum(big_counts.values())
        print(f"generated {big} ({file_bytes:,} bytes, {gen_objects:,} objects) and "
              f"{small} ({small.stat().st_size:,} bytes)", file=sys.stderr)  # fmt: skip

        # Baselines.
        base_reps = max(args.repeat, 20)
        t_read, text_obj = best_of(base_reps, lambda: big.read_text(encoding="utf-8"))
        text = str(text_obj)
        t_count, _ = best_of(base_reps, lambda: text.count("{"))
        t_python = time_command([sys.executable, "-c", "pass"], args.cli_repeat).best_s

        # Our parser and the peer parser, in-process, on the same text. The runs alternate
        # (ours, tmconfpy, tmconfpy, ours, ...) so that a load change on the machine hits both;
        # the speed ratio is the median of the per-run ratios.
        small_str = small.read_text(encoding="utf-8")
        t_ours_small, _ = best_of(args.repeat, lambda: parse(small_str, str(small)))
        print(f"warming up {parser_label} ...", file=sys.stderr)
        ours_objects, ours_diags = count_result(parse(text, str(big)))
        tmc_parse: Callable[[], object] | None = None
        tmc_objects: int | None = None
        tmc_note = ""
        tmc_version = package_version("tmconfpy")
        tmc_warnings: list[str] = []
        if args.skip_tmconfpy:
            tmc_note = "skipped (--skip-tmconfpy)"
        else:
            try:
                import logging

                from tmconfpy import Parser  # type: ignore[import-untyped,unused-ignore]
            except ImportError as exc:
                tmc_note = f"not importable ({exc}); `pip install -e '.[bench]'`"
            else:

                class _Collect(logging.Handler):
                    def emit(self, record: logging.LogRecord) -> None:
                        tmc_warnings.append(record.getMessage())

                tmc_log = logging.getLogger("tmconfpy.parser")
                tmc_log.addHandler(_Collect())
                tmc_log.propagate = False
                print(f"warming up tmconfpy {tmc_version} ...", file=sys.stderr)
                try:
                    tmc_objects = len(cast(Any, Parser(text)).dict)
                    tmc_parse = lambda: Parser(text)  # noqa: E731
                except Exception as exc:
                    tmc_note = f"raised {type(exc).__name__}: {exc}"
                if tmc_warnings:
                    tmc_note += f" {len(tmc_warnings)} warnings/run, first: "
                    tmc_note += tmc_warnings[0][:120].replace("|", "\\|")
        print(f"timing {args.repeat} interleaved runs ...", file=sys.stderr)
        ours_times: list[float] = []
        tmc_times: list[float] = []
        for i in range(args.repeat):
            if tmc_parse is not None and i % 2:
                tmc_times.append(time_once(tmc_parse))
            ours_times.append(time_once(lambda: parse(text, str(big))))
            if tmc_parse is not None and not i % 2:
                tmc_times.append(time_once(tmc_parse))
        t_ours = statistics.median(ours_times)
        t_tmc = statistics.median(tmc_times) if tmc_times else None
        ratios = [tmc / ours for tmc, ours in zip(tmc_times, ours_times, strict=False)]

        # Memory, in fresh processes.
        print("measuring peak memory ...", file=sys.stderr)
        mem = measure_memory(big, "stand-in" if args.stand_in else "lyncpolicy")
        mem_tmc = MemoryResult(error="skipped")
        if t_tmc is not None:
            mem_tmc = measure_memory(big, "tmconfpy")

        # CLI wall times, interpreter start included.
        print("timing the CLI ...", file=sys.stderr)
        cli = cli_command(args.cli)
        t_version = time_command([*cli, "--version"], args.cli_repeat)
        t_small_cli = time_command([*cli, "parse", str(small), "--format", "json"], args.cli_repeat)
        small_bytes = small.stat().st_size
        small_objects = sum(small_counts.values())

    # ------------------------------------------------------------------ report
    def vs(t: float | None) -> str:
        return fmt_x(ratio(t, t_count))

    speedup = statistics.median(ratios) if ratios else None
    spread = f" (runs: {min(ratios):.1f}-{max(ratios):.1f}x)" if ratios else ""
    n_runs = f"median of {args.repeat} interleaved runs"
    rows: list[Row] = [
        Row('baseline: `text.count("{")` over the scale-1 text', fmt_s(t_count), "1.0x",
            "", "baseline"),
        Row("baseline: read the scale-1 file (`Path.read_text`)", fmt_s(t_read), vs(t_read)),
        Row("baseline: start a bare interpreter (`python -c pass`)", fmt_s(t_python),
            vs(t_python)),
        Row(f"**parse_text, scale-1** (in-process, {n_runs})",
            f"{fmt_s(t_ours)} (best {fmt_s(min(ours_times))})",
            vs(t_ours), f"<= {BUDGET_PARSE_S} s", verdict(t_ours <= BUDGET_PARSE_S)),
        Row(f"parse_text, {small_bytes / 1000:.0f} KB config (in-process, best of "
            f"{args.repeat})", fmt_s(t_ours_small), vs(t_ours_small)),
        Row(f"tmconfpy {tmc_version} `Parser(text)`, scale-1 ({n_runs})",
            f"{fmt_s(t_tmc)} (best {fmt_s(min(tmc_times))})" if t_tmc is not None
            else "n/a (see note)", vs(t_tmc)),
        Row("**tmconfpy time / our time** (median of the per-run ratios)",
            fmt_x(speedup) + spread, "", f">= {BUDGET_TMCONFPY_RATIO:g}x",
            verdict(None if speedup is None else speedup >= BUDGET_TMCONFPY_RATIO)),
    ]  # fmt: skip

    def mem_x(nbytes: int | None) -> str:
        return "n/a" if nbytes is None else f"{fmt_mb(nbytes)} = {nbytes / file_bytes:.1f}x file"

    parse_bytes = mem.parse_bytes
    call = "stand-in" if args.stand_in else "`parse_file(path)`"
    if parse_bytes is not None:
        bound = "" if mem.reset else " (upper bound: high-water mark not reset)"
        rows += [
            Row(f"**peak memory of a parse**: fresh process, {call} (read + decode + parse); "
                "RSS high-water mark during the call - RSS before it",
                mem_x(parse_bytes) + bound, "",
                f"<= {BUDGET_PEAK_RSS_X_FILE:g}x file ({fmt_mb(int(file_bytes * 10))})",
                verdict(parse_bytes <= BUDGET_PEAK_RSS_X_FILE * file_bytes)),
            Row("... same call, peak of Python allocations (tracemalloc, separate run)",
                mem_x(mem.traced_bytes)),
            Row("... RSS before the call (interpreter + imports, no input yet)",
                mem_x(mem.before_bytes)),
            Row("... whole-process high-water mark (interpreter + imports + parse)",
                mem_x(mem.process_peak_bytes)),
        ]  # fmt: skip
    else:
        rows.append(Row("**peak memory of a parse**, fresh process",
                        f"error: {mem.error}" if mem.error else
                        f"whole process only ({mem.source}): {mem_x(mem.process_peak_bytes)}",
                        "", f"<= {BUDGET_PEAK_RSS_X_FILE:g}x file", "**ERROR**"))  # fmt: skip
    if mem_tmc.parse_bytes is not None:
        rows += [
            Row(f"peak memory of a parse, tmconfpy {tmc_version} `Parser(path, "
                "is_filepath=True)`, same method", mem_x(mem_tmc.parse_bytes)),
            Row("... tracemalloc peak / whole-process high-water mark",
                f"{mem_x(mem_tmc.traced_bytes)} / {mem_x(mem_tmc.process_peak_bytes)}"),
        ]  # fmt: skip
    cli_text = " ".join(shlex.quote(c) for c in cli)
    for label, timing, budget in (
        (f"`{cli_text} --version` wall (best of {args.cli_repeat})", t_version,
         BUDGET_VERSION_S),
        (f"`lyncpolicy parse <{small_bytes / 1000:.0f} KB> --format json > /dev/null` wall "
         f"(best of {args.cli_repeat})", t_small_cli, BUDGET_SMALL_PARSE_S),
    ):  # fmt: skip
        if timing.best_s is None:
            rows.append(Row(label, f"error: exit {timing.returncode}: {timing.error[:100]}",
                            "", f"<= {budget} s", "**ERROR**"))  # fmt: skip
        else:
            rows.append(Row(label, fmt_s(timing.best_s), vs(timing.best_s), f"<= {budget} s",
                            verdict(timing.best_s <= budget)))  # fmt: skip

    counts = (
        f"ours {ours_objects if ours_objects is not None else 'n/a'} "
        f"(diagnostics: {ours_diags}) / tmconfpy "
        f"{tmc_objects if tmc_objects is not None else 'n/a'} / generator {gen_objects:,}"
    )
    rows.append(Row("top-level objects, scale-1", counts))

    lines = [
        "## lyncpolicy tmsh parse benchmark",
        "",
        *machine,
        f"- Parser under test: {parser_label} (lyncpolicy {package_version('lyncpolicy')}); "
        f"CLI: `{cli_text}`",
        f"- Inputs (generated by benchmarks/generate_config.py): scale-{args.scale} "
        f"{file_bytes:,} bytes ({file_bytes / 1e6:.2f} MB), {gen_objects:,} top-level objects; "
        f"small {small_bytes:,} bytes, {small_objects:,} objects",
        '- `x baseline` = time / the `text.count("{")` time measured in this run; MB = 10^6 '
        "bytes; memory = measured by a fresh child process on itself "
        f"({mem.source or 'n/a'}; see benchmarks/README.md)",
        "- tmconfpy objects = number of top-level keys of `Parser(text).dict` (one key per "
        "`<module> <type> <name>` statement; same-named statements would merge)",
        "",
        *render_table(rows),
    ]
    if tmc_note:
        lines += ["", f"tmconfpy note: {tmc_note.strip()}"]
    if ours_objects is not None and ours_objects != gen_objects:
        lines += ["", f"note: parse_text reported {ours_objects:,} objects, the generator wrote "
                      f"{gen_objects:,}."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=7,
        help="runs of each in-process timing (median; best-of for the small file)",
    )
    parser.add_argument("--cli-repeat", type=int, default=5, help="best-of-N for CLI timings")
    parser.add_argument("--scale", type=int, default=1, help="scale of the large config")
    parser.add_argument("--small-bytes", type=int, default=50_000,
                        help="size of the small config for the CLI parse timing")  # fmt: skip
    parser.add_argument("--workdir", help="write the generated configs here (default: a temp dir)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--cli", help="command used as `lyncpolicy` (default: console script)")
    parser.add_argument("--skip-tmconfpy", action="store_true", help="do not time tmconfpy")
    parser.add_argument("--stand-in", action="store_true",
                        help="use a trivial stand-in parser instead of lyncpolicy's")  # fmt: skip
    args = parser.parse_args(argv)
    use_bytecode_cache()
    if args.repeat < 1 or args.cli_repeat < 1 or args.scale < 1:
        parser.error("--repeat, --cli-repeat and --scale must be >= 1")
    report = run(args)
    print(report)
    if args.markdown:
        args.markdown.write_text(report, encoding="utf-8")
        print(f"wrote {args.markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
