"""Full-scan benchmark: what the rules add to parsing, and the pre-commit path end to end.

    python benchmarks/bench_scan.py            # default: 7 repetitions
    python benchmarks/bench_scan.py --quick    # smoke run (< 30 s)
    python benchmarks/bench_scan.py --markdown # table for docs/performance.md

Inputs (built in a temporary folder, removed afterwards):

* big: the generated ~3.7 MB, ~12,600-object config (benchmarks/generate_config.py) with the
  clean two-server Edge deployment of examples/clean added, so topology and every rule of the
  lync-edge pack have real work to do;
* 50 KB: examples/clean padded with generated objects to 50 KB.

Budgets (issue 4 and 9, this 2-core machine): rule loading + topology + evaluation add <= 0.3 s
to parsing the big config; `lyncpolicy scan` of the 50 KB config <= 0.25 s wall including
interpreter start; a full scan of the big config (parse, topology, all rules, JSON report)
<= 1.0 s wall. Wall figures are also given as a ratio to a bare `python -c pass` started the
same way in the same run, because interpreter start alone is a large share of them. The
commands use ``.pyc`` files as an installed package does (``PYTHONDONTWRITEBYTECODE`` is unset
for them; see ``bench_parse.use_bytecode_cache``), and each has an untimed warm-up run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_parse import use_bytecode_cache  # noqa: E402
from generate_config import generate  # noqa: E402


def build_inputs(folder: Path) -> tuple[Path, Path]:
    clean = ROOT / "examples" / "clean"
    big = folder / "big"
    big.mkdir()
    generated, _ = generate(scale=1)
    (big / "bigip.conf").write_text(generated + "\n" + (clean / "bigip.conf").read_text())
    (big / "bigip_base.conf").write_text((clean / "bigip_base.conf").read_text())
    small = folder / "50k"
    small.mkdir()
    base = (clean / "bigip.conf").read_text()
    room = 50_000 - len(base) - len((clean / "bigip_base.conf").read_text())
    padding, _ = generate(target_bytes=room)
    (small / "bigip.conf").write_text(base + "\n" + padding)
    (small / "bigip_base.conf").write_text((clean / "bigip_base.conf").read_text())
    return big, small


def median_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(big: Path, repeat: int) -> dict[str, float]:
    from lyncpolicy.engine import evaluate
    from lyncpolicy.loader import load
    from lyncpolicy.plugins import collect, load_rules, make_plugin_manager
    from lyncpolicy.topology import build_topology

    files = [str(big / "bigip_base.conf"), str(big / "bigip.conf")]
    parse = median_of(repeat, lambda: load(files, jobs=1))
    model = load(files, jobs=1).model

    def rules() -> object:
        return load_rules(collect(make_plugin_manager(load_entrypoints=False)))

    loading = median_of(repeat, rules)
    pack = rules()
    assert isinstance(pack, list)

    def check() -> object:
        topologies = {d.name: build_topology(d) for d in model.devices}
        return evaluate(model, pack, topologies=topologies)

    evaluation = median_of(repeat, check)
    findings = check()
    assert isinstance(findings, list)
    failing = sum(f.status == "fail" for f in findings)
    return {
        "parse + model": parse,
        "load the rule pack": loading,
        "topology + all rules": evaluation,
        "findings": float(len(findings)),
        "failing": float(failing),
    }


def wall(cmd: Sequence[str], repeat: int) -> float:
    def run() -> object:
        return subprocess.run(cmd, capture_output=True, check=False, cwd=ROOT)

    run()  # warm the file cache and .pyc files
    return median_of(repeat, run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 repetitions")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else args.repeat
    use_bytecode_cache()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="lyncpolicy-bench-") as tmp:
        big, small = build_inputs(Path(tmp))
        inner = in_process(big, repeat)
        baseline = wall([python, "-c", "pass"], repeat)
        version = wall([python, "-m", "lyncpolicy", "--version"], repeat)
        scan_small = wall(
            [python, "-m", "lyncpolicy", "scan", str(small), "--isolated", "-q"], repeat
        )
        scan_big = wall(
            [python, "-m", "lyncpolicy", "scan", str(big), "--isolated", "--format", "json",
             "-o", str(Path(tmp) / "report.json")],
            repeat,
        )
        size_big = sum(p.stat().st_size for p in big.iterdir())
        size_small = sum(p.stat().st_size for p in small.iterdir())
    added = inner["load the rule pack"] + inner["topology + all rules"]
    rows = [
        ("parse + model, big config (in process)", f"{inner['parse + model']:.3f} s", ""),
        ("load the rule pack (in process)", f"{inner['load the rule pack']:.3f} s", ""),
        ("topology + all rules, big config (in process)",
         f"{inner['topology + all rules']:.3f} s",
         f"{int(inner['findings'])} findings, {int(inner['failing'])} failing"),
        ("rules added to parsing", f"{added:.3f} s", _budget(added, 0.3)),
        ("python -c pass (baseline)", f"{baseline:.3f} s", "1.00x"),
        ("lyncpolicy --version", f"{version:.3f} s",
         f"{version / baseline:.2f}x; " + _budget(version, 0.25)),
        (f"lyncpolicy scan, {size_small / 1000:.0f} KB", f"{scan_small:.3f} s",
         f"{scan_small / baseline:.2f}x; " + _budget(scan_small, 0.25)),
        (f"lyncpolicy scan --format json, {size_big / 1e6:.1f} MB", f"{scan_big:.3f} s",
         f"{scan_big / baseline:.2f}x; " + _budget(scan_big, 1.0)),
    ]
    if args.markdown:
        print("| measurement | median | notes |\n|---|---:|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        width = max(len(r[0]) for r in rows)
        for name, value, note in rows:
            print(f"{name:<{width}}  {value:>8}  {note}")
    return 0


def _budget(value: float, limit: float) -> str:
    return f"budget {limit:g} s: {'met' if value <= limit else 'NOT met'}"


if __name__ == "__main__":
    raise SystemExit(main())
