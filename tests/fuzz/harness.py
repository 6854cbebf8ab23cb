"""Driver shared by the fuzz harnesses: atheris (libFuzzer) when asked for, else a plain
Python mutation fuzzer with the same target, seeds and dictionary.

Not a test module: run ``fuzz_tmsh.py`` or ``fuzz_archive.py`` (see README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "corpus"
# libFuzzer writes new corpus entries into its first corpus folder: never tests/data.
DEFAULT_WORKDIR = REPO / "build" / "fuzz"


@dataclass
class Target:
    name: str
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    dictionary: list[bytes]
    max_len: int = 65536


@dataclass
class Findings:
    """Distinct failures of one plain-mode run, keyed by exception type and place."""

    by_signature: dict[str, list[Path]] = field(default_factory=dict)
    slow: list[tuple[float, Path]] = field(default_factory=list)

    def add(self, signature: str, path: Path) -> bool:
        new = signature not in self.by_signature
        self.by_signature.setdefault(signature, []).append(path)
        return new


class _Timeout(Exception):
    """One input ran past --timeout (a hang, as far as the fuzzer is concerned)."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


def parse_args(name: str, argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog=f"fuzz_{name}.py",
        description=f"Fuzz lyncpolicy's {name} reader. Plain-Python mode with --iterations or "
        "--seconds; atheris/libFuzzer mode with --atheris (extra arguments go to libFuzzer).",
    )
    parser.add_argument("--iterations", type=int, help="plain mode: inputs to try")
    parser.add_argument("--seconds", type=float, help="time budget (both modes)")
    parser.add_argument("--seed", type=int, default=0, help="plain mode: random seed")
    parser.add_argument("--timeout", type=int, default=10, help="seconds per input")
    parser.add_argument("--atheris", action="store_true", help="run under atheris/libFuzzer")
    parser.add_argument("--replay", type=Path, help="run one input and show the failure")
    parser.add_argument(
        "--minimize", type=Path, help="shrink a failing input (same failure) into FILE.min"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also report the known open issues (contract.KNOWN_ISSUES)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR / name,
        help="corpus and crash folder (default: build/fuzz/%(prog)s)",
    )
    return parser.parse_known_args(argv)


def save(folder: Path, data: bytes, prefix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{prefix}-{hashlib.sha1(data).hexdigest()}"
    path.write_bytes(data)
    return path


def signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    first_line = str(exc).split("\n", 1)[0][:100]
    return f"{type(exc).__name__} at {where}: {first_line}"


def mutate(data: bytes, rng: random.Random, target: Target, seeds: list[bytes]) -> bytes:
    """One to eight random edits: bit flips, byte sets, dictionary tokens, deletions,
    duplications, truncation, splices with another seed, repeated tokens."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(10)
        pos = rng.randint(0, len(buf))
        if op == 0 and buf:
            index = rng.randrange(len(buf))
            buf[index] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif op in (2, 3):
            buf[pos:pos] = rng.choice(target.dictionary)
        elif op == 4 and buf:
            end = min(len(buf), pos + rng.randint(1, 64))
            del buf[pos:end]
        elif op == 5 and buf:
            end = min(len(buf), pos + rng.randint(1, 256))
            buf[pos:pos] = buf[pos:end]
        elif op == 6 and buf:
            del buf[rng.randint(0, len(buf)) :]
        elif op == 7 and seeds:
            other = rng.choice(seeds)
            cut = rng.randint(0, len(other))
            buf[pos:] = other[cut : cut + rng.randint(0, 4096)]
        elif op == 8:
            buf[pos:pos] = rng.choice(target.dictionary) * rng.randint(2, 600)
        else:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(buf[: target.max_len])


def run_plain(target: Target, args: argparse.Namespace) -> int:
    """The fallback fuzzer: random mutations of the seeds, each input under an alarm."""
    rng = random.Random(args.seed)
    seeds = target.seeds() or [b""]
    crash_dir = args.workdir / "crashes"
    findings = Findings()
    signal.signal(signal.SIGALRM, _on_alarm)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    limit = args.iterations
    if limit is None and deadline is None:
        limit = 10_000
    started = time.monotonic()
    done = 0
    while (limit is None or done < limit) and (deadline is None or time.monotonic() < deadline):
        data = mutate(rng.choice(seeds), rng, target, seeds) if done >= len(seeds) else seeds[done]
        done += 1
        begin = time.perf_counter()
        signal.alarm(args.timeout)
        try:
            target.run(data)
        except _Timeout:
            path = save(crash_dir, data, "timeout")
            if findings.add(f"timeout after {args.timeout}s", path):
                print(f"[{done}] NEW timeout: {path}", flush=True)
        except KeyboardInterrupt:
            break
        except BaseException as exc:  # everything else is a contract break: record it
            path = save(crash_dir, data, "crash")
            if findings.add(signature(exc), path):
                print(f"[{done}] NEW {signature(exc)}: {path}", flush=True)
        finally:
            signal.alarm(0)
        elapsed = time.perf_counter() - begin
        if elapsed > 1.0:
            findings.slow.append((elapsed, save(args.workdir / "slow", data, "slow")))
        if done % 5000 == 0:
            rate = done / (time.monotonic() - started)
            print(
                f"[{done}] {rate:.0f} inputs/s, {len(findings.by_signature)} distinct failures",
                flush=True,
            )
    total = time.monotonic() - started
    print(
        f"{target.name}: {done} inputs in {total:.0f} s ({done / max(total, 1e-9):.0f}/s), "
        f"seed {args.seed}"
    )
    for sig, paths in sorted(findings.by_signature.items()):
        print(f"  {len(paths)} x {sig}\n      e.g. {paths[0]}")
    for elapsed, path in sorted(findings.slow, reverse=True)[:5]:
        print(f"  slow input: {elapsed:.2f} s {path}")
    return 1 if findings.by_signature else 0


def _failure(target: Target, data: bytes) -> str | None:
    """The signature of the failure ``data`` causes, or None if it passes."""
    try:
        target.run(data)
    except Exception as exc:
        return signature(exc)
    return None


def replay(target: Target, path: Path) -> int:
    try:
        target.run(path.read_bytes())
    except Exception:
        traceback.print_exc()
        return 1
    print(f"{path}: passes the contract")
    return 0


def minimize(target: Target, path: Path) -> int:
    """Greedy delta debugging: drop ever smaller chunks while the same failure remains."""
    data = path.read_bytes()
    # Shrink with head room on the recursion limit, so that a RecursionError found at the
    # edge still happens at the default limit when the result is replayed.
    sys.setrecursionlimit(sys.getrecursionlimit() + 20)
    wanted = _failure(target, data)
    if wanted is None:
        print(f"{path}: passes the contract, nothing to minimize")
        return 1
    chunk = max(1, len(data) // 2)
    while chunk >= 1:
        start = 0
        while start < len(data):
            candidate = data[:start] + data[start + chunk :]
            if _failure(target, candidate) == wanted:
                data = candidate
            else:
                start += chunk
        chunk //= 2
    out = path.with_name(path.name + ".min")
    out.write_bytes(data)
    print(f"{wanted}\n{len(path.read_bytes())} -> {len(data)} bytes: {out}")
    return 0


def run_atheris(target: Target, args: argparse.Namespace, extra: list[str]) -> int:
    import atheris  # imported here: the plain mode must work without it

    corpus_dir = args.workdir / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for data in target.seeds():
        save(corpus_dir, data[: target.max_len], "seed")
    dict_path = args.workdir / f"{target.name}.dict"
    dict_path.write_text(
        "".join('"' + "".join(f"\\x{b:02x}" for b in token) + '"\n' for token in target.dictionary)
    )
    crash_dir = args.workdir / "crashes"
    crash_dir.mkdir(parents=True, exist_ok=True)
    libfuzzer_args = [
        sys.argv[0],
        str(corpus_dir),
        f"-dict={dict_path}",
        f"-max_len={target.max_len}",
        f"-timeout={args.timeout}",
        f"-artifact_prefix={crash_dir}/",
        "-rss_limit_mb=2048",
        *([f"-max_total_time={int(args.seconds)}"] if args.seconds else []),
        *extra,
    ]
    print("libFuzzer arguments:", " ".join(libfuzzer_args[1:]), flush=True)
    atheris.Setup(libfuzzer_args, target.run)
    atheris.Fuzz()
    return 0


def main(
    target_factory: Callable[[bool], Target],
    name: str,
    argv: Sequence[str],
    instrument: Sequence[str] = ("lyncpolicy",),
) -> int:
    """Run a harness. ``target_factory`` imports the code under test: under atheris that import
    happens inside ``instrument_imports`` so the packages in ``instrument`` get coverage."""
    args, extra = parse_args(name, argv)
    if args.atheris:
        if args.iterations is not None:
            sys.exit("--iterations is for the plain mode; use --seconds or -runs=N with --atheris")
        import atheris

        with atheris.instrument_imports(include=list(instrument)):
            target = target_factory(args.strict)
        return run_atheris(target, args, extra)
    target = target_factory(args.strict)
    if args.replay is not None:
        return replay(target, args.replay)
    if args.minimize is not None:
        return minimize(target, args.minimize)
    if extra:
        sys.exit(f"unknown arguments (libFuzzer options need --atheris): {' '.join(extra)}")
    return run_plain(target, args)


def copy_tree_files(root: Path, predicate: Callable[[Path], bool]) -> list[bytes]:
    return [p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and predicate(p)]


__all__ = ["CORPUS", "REPO", "Target", "copy_tree_files", "main"]
