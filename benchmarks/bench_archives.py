"""Archive benchmark: a fleet of UCS archives with ``--jobs 1`` vs ``--jobs 2``, and one big UCS.

One invocation builds everything it needs in a temporary directory (removed at the end) and
measures, on this machine and in this run:

* **fleet**: ``N`` (default 200) generated UCS archives of realistic size in a folder tree,
  scanned by ``python -m lyncpolicy scan DIR --jobs 1`` and ``--jobs 2`` as subprocesses: wall
  time (best of ``--repeat``), CPU time, peak RSS, archives per second and the speed-up ratio;
  and, as the baseline of that ratio, what this machine gives two processes at once: two
  independent scans of half the fleet each, one after the other and then started together
  (a 2-vCPU VM can give much less than 2x; the speed-up is also shown against that ceiling);
* **big UCS**: a ~50 MB UCS whose configuration is a few hundred KB and whose other bytes are
  non-config members (an EPSEC package and ifiles in the filestore, attack signatures under
  ``var/``, certificates, logs: mostly incompressible), scanned against a UCS that holds only the
  same configuration members: wall-time ratio, extra time per MB skipped, peak RSS of both;
  plus in-process ``read_archive`` timings of both and, as the floor under any reader of a
  ``.tar.gz``, the time to merely decompress the big archive.

The scans go through the command line, so the figures follow whatever ``scan`` does (read,
build the model, recognize the topology, run the rules, render the text report). Peak RSS is the
largest resident set of the scan process or any of its workers, read with
``getrusage(RUSAGE_CHILDREN)`` by a small wrapper process (see ``run_measured``).

The script reports and never asserts: it exits 0 once the benchmark ran, even when a goal is
missed. ``--quick`` is a smoke run (16 archives, an 8 MB UCS, one repetition; well under 30 s).

Usage::

    python benchmarks/bench_archives.py [--archives 200] [--big-mb 50] [--markdown out.md]
    python benchmarks/bench_archives.py --quick
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import os
import random
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bench_parse import (
    fmt_mb,
    fmt_s,
    load_generator,
    machine_info,
    package_version,
    use_bytecode_cache,
)

BENCH_DIR = Path(__file__).resolve().parent
SEED = 20241126
MTIME = 1_700_000_000  # fixed member times: the same arguments build the same archives
MB = 1_000_000
# Children run here: `python -m` and `-c` put the working directory first on sys.path, and
# started from the repository root they would import the source tree's lyncpolicy/ instead of
# the installed package (whose adapters/ is mapped to lyncpolicy.adapters).
CHILD_CWD = tempfile.gettempdir()

# Fleet: the configs cycle through FLEET_CLASSES sizes spaced evenly on a log scale between
# these bounds (mean ~440 KB, ~1,500 top-level objects), so any multiple of FLEET_CLASSES
# archives has exactly the same mix. Small branch devices to large data-centre pairs.
FLEET_CLASSES = 25
FLEET_MIN_CONFIG = 40_000
FLEET_MAX_CONFIG = 1_600_000
FLEET_FOLDERS = 8
# Goals (interpretations of issue 3's wording, reported, never asserted).
GOAL_BIG_RATIO = 1.25  # "scanned in about the time of its config files alone"
GOAL_BIG_RSS_RATIO = 1.10  # skipping members must not hold them in memory
# A command running past DEFAULT_TIMEOUT seconds (--timeout) is stopped and reported as such;
# one that ran longer than NO_REPEAT_AFTER_S is not repeated.
DEFAULT_TIMEOUT = 300.0
NO_REPEAT_AFTER_S = 10.0

# For child scripts: the process's own VmRSS / VmHWM (KiB) from /proc/self/status, else its
# ru_maxrss. Not ru_maxrss first: a child that was vfork'ed and exec'ed starts with ru_maxrss
# at its parent's high-water mark.
STATUS_KIB = r"""
import resource
def status_kib(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

_CHILD_READ_ARCHIVE = STATUS_KIB + r"""
import gzip, json, sys, time
from lyncpolicy.adapters.archive import read_archive
path, repeat = sys.argv[1], int(sys.argv[2])
before = status_kib("VmRSS")
times = []
for _ in range(repeat):
    start = time.perf_counter()
    archive = read_archive(path)
    times.append(time.perf_counter() - start)
    members = [m.name for m in archive.members]
    del archive
peak = status_kib("VmHWM")
gunzip = []
for _ in range(repeat):
    start = time.perf_counter()
    with gzip.open(path, "rb") as stream:
        while stream.read(1 << 20):
            pass
    gunzip.append(time.perf_counter() - start)
print(json.dumps({"read_s": min(times), "gunzip_s": min(gunzip), "members": members,
                  "before_kib": before, "peak_kib": peak}))
"""

# Runs one command and reports its wall time, and the CPU time and peak RSS of it and of every
# process it waited for (pool workers included). ru_maxrss of a child that was vfork'ed and
# exec'ed starts at its parent's high-water mark, so measuring from this small wrapper, not
# from the benchmark process (which holds generated configs), keeps that floor at ~10 MB.
_CHILD_WRAPPER = r"""
import json, os, resource, signal, subprocess, sys, time
cmd, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
start = time.perf_counter()
# Its own session, so that a timeout ends the command and any pool workers it started.
proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, start_new_session=True)
try:
    out, err = proc.communicate(timeout=timeout)
    rc = proc.returncode
except subprocess.TimeoutExpired:
    os.killpg(proc.pid, signal.SIGKILL)
    out, err = proc.communicate()
    rc = None
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "maxrss_kib": usage.ru_maxrss, "rc": rc,
                  "stdout": out.decode(errors="replace")[-4000:],
                  "stderr": err.decode(errors="replace")[-4000:]}))
"""


# ---------------------------------------------------------------------------------------------
# Running and measuring commands.
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Run:
    """One measured command: wall seconds, CPU seconds and peak RSS bytes (largest process)."""

    wall_s: float
    cpu_s: float
    max_rss: int
    returncode: int | None  # None: stopped at the timeout
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        # 1 = findings at or above the fail threshold: still a completed scan.
        return self.returncode in (0, 1)

    @property
    def error(self) -> str:
        if self.returncode is None:
            return f"timed out: stopped after {self.wall_s:.0f} s"
        lines = self.stderr.strip().splitlines()
        return f"exit {self.returncode}: {lines[-1][:160] if lines else 'no message'}"


def run_child(script: str, argv: Sequence[str], timeout: float) -> tuple[int | None, str, str]:
    """Run ``python -c script argv...``: (exit code, or None past ``timeout``; out; err)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, *argv], stdin=subprocess.DEVNULL,
            capture_output=True, text=True, check=False, cwd=CHILD_CWD, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, "", f"timed out: stopped after {timeout:.0f} s"
    return proc.returncode, proc.stdout, proc.stderr


def child_error(code: int | None, stderr: str) -> str:
    lines = stderr.strip().splitlines()
    return lines[-1][:160] if lines else f"exit {code}"


def wrapped(cmd: Sequence[str], timeout: float) -> list[str]:
    """``cmd`` inside the measuring wrapper (``_CHILD_WRAPPER``)."""
    return [sys.executable, "-c", _CHILD_WRAPPER, json.dumps(list(cmd)), str(timeout)]


def wrapper_run(stdout: str) -> Run:
    """The run the measuring wrapper reported on its last line."""
    data = json.loads(stdout.strip().splitlines()[-1])
    return Run(data["wall"], data["cpu"], data["maxrss_kib"] * 1024, data["rc"],
               data["stdout"], data["stderr"])  # fmt: skip


def run_measured(cmd: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> Run:
    proc = subprocess.run(
        wrapped(cmd, timeout),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True, cwd=CHILD_CWD,
    )  # fmt: skip
    return wrapper_run(proc.stdout)


@dataclass(slots=True)
class Measured:
    """Best of several runs: least wall time, least CPU time and largest peak RSS seen."""

    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(run.ok for run in self.runs)

    @property
    def wall_s(self) -> float:
        return min(run.wall_s for run in self.runs)

    @property
    def cpu_s(self) -> float:
        return min(run.cpu_s for run in self.runs)

    @property
    def max_rss(self) -> int:
        return max(run.max_rss for run in self.runs)

    @property
    def error(self) -> str:
        failed = [run for run in self.runs if not run.ok]
        return failed[0].error if failed else ""

    @property
    def last(self) -> Run:
        return self.runs[-1]

    @property
    def timed_out(self) -> bool:
        return any(run.returncode is None for run in self.runs)


def measure(cmd: Sequence[str], repeat: int, timeout: float = DEFAULT_TIMEOUT) -> Measured:
    """Run ``cmd`` up to ``repeat`` times. Stop at the first failure or timeout (it will not
    improve), and after a run longer than ``NO_REPEAT_AFTER_S`` (one is enough to see it)."""
    result = Measured()
    for _ in range(repeat):
        run = run_measured(cmd, timeout)
        result.runs.append(run)
        if not run.ok or run.wall_s > NO_REPEAT_AFTER_S:
            break
    return result


def cli_command(override: str | None) -> list[str]:
    """``python -m lyncpolicy`` with this interpreter, unless ``--cli`` says otherwise."""
    return shlex.split(override) if override else [sys.executable, "-m", "lyncpolicy"]


def devices_reported(stdout: str) -> int | None:
    """The device count of scan's closing line ("... 3 device(s) in 0.52s", "6 inputs,
    4 devices, 318 objects"), if present."""
    found = re.findall(r"(\d+) device(?:\(s\)|s)?\b", stdout)
    return int(found[-1]) if found else None


# ---------------------------------------------------------------------------------------------
# Archive contents.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Member:
    name: str
    data: bytes


@cache
def config_text(target_bytes: int) -> bytes:
    """A generated ``bigip.conf`` of at least ``target_bytes`` (benchmarks/generate_config.py)."""
    text, _ = load_generator().generate(None, target_bytes)
    return str(text).encode("ascii")


def fleet_config_sizes(
    classes: int = FLEET_CLASSES, low: int = FLEET_MIN_CONFIG, high: int = FLEET_MAX_CONFIG
) -> list[int]:
    """Config target sizes, evenly spaced on a log scale from ``low`` to ``high``."""
    if classes == 1:
        return [int(math.sqrt(low * high))]
    step = math.log(high / low) / (classes - 1)
    return [round(low * math.exp(step * i)) for i in range(classes)]


def base_conf(hostname: str, index: int) -> bytes:
    """``bigip_base.conf``: the device's identity and management network (what the model
    reads the hostname from). The data-plane VLANs, self IPs and routes are in bigip.conf."""
    return f"""#TMSH-VERSION: 15.1.8.2

sys global-settings {{
    console-inactivity-timeout 1200
    gui-setup disabled
    hostname {hostname}
}}
sys management-ip 192.0.2.{index % 250 + 1}/24 {{
    description configured-statically
}}
sys management-route /Common/default {{
    gateway 192.0.2.254
    network default
}}
sys dns {{
    name-servers {{ 192.0.2.53 198.51.100.53 }}
    search {{ fleet.example.net }}
}}
sys ntp {{
    servers {{ 192.0.2.123 }}
    timezone UTC
}}
sys provision ltm {{
    level nominal
}}
""".encode()


@cache
def profile_base_conf() -> bytes:
    """A small ``profile_base.conf``: the built-in profiles and monitors that
    ``defaults-from`` chains end in (a real one is larger; the reader parses it like any
    other member)."""
    blocks = [
        ("ltm profile tcp /Common/tcp", {"idle-timeout": "300", "nagle": "enabled",
                                         "proxy-buffer-high": "49152"}),
        ("ltm profile fastl4 /Common/fastL4", {"idle-timeout": "300",
                                               "loose-close": "disabled"}),
        ("ltm profile udp /Common/udp", {"idle-timeout": "60",
                                         "datagram-load-balancing": "disabled"}),
        ("ltm profile http /Common/http", {"insert-xforwarded-for": "disabled",
                                           "proxy-type": "reverse"}),
        ("ltm profile client-ssl /Common/clientssl", {"cert": "/Common/default.crt",
                                                      "key": "/Common/default.key"}),
        ("ltm profile server-ssl /Common/serverssl", {"secure-renegotiation": "require-strict"}),
        ("ltm monitor http /Common/http", {"interval": "5", "timeout": "16"}),
        ("ltm monitor https /Common/https", {"interval": "5", "timeout": "16"}),
        ("ltm monitor tcp /Common/tcp", {"interval": "5", "timeout": "16"}),
        ("ltm monitor gateway-icmp /Common/gateway_icmp", {"interval": "5", "timeout": "16"}),
    ]  # fmt: skip
    out = ["#TMSH-VERSION: 15.1.8.2", ""]
    for header, props in blocks:
        out.append(f"{header} {{")
        out.extend(f"    {key} {value}" for key, value in props.items())
        out.append("}")
    return ("\n".join(out) + "\n").encode()


def pem(rng: random.Random, label: str, nbytes: int) -> bytes:
    """A PEM block around ``nbytes`` random bytes (what certificates and keys look like to a
    compressor: base64 text of random data, about 25% compressible)."""
    b64 = base64.b64encode(rng.randbytes(nbytes)).decode()
    body = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


_LOG_LINES = (
    "{ts} {host} notice mcpd[{pid}]: 01070638:5: Pool /Common/pool_app-{n:05d} member "
    "/Common/10.{a}.{b}.{c}:443 monitor status down. [ /Common/http: down; last error: "
    "No successful responses received before deadline. ]  [ was up for 0hr:{m}mins:{s}sec ]",
    "{ts} {host} notice mcpd[{pid}]: 01070727:5: Pool /Common/pool_app-{n:05d} member "
    "/Common/10.{a}.{b}.{c}:443 monitor status up. [ /Common/http: up ]  [ was down for "
    "0hr:0mins:{s}sec ]",
    "{ts} {host} info tmm{c1}[{pid}]: Rule /Common/rule_app-{n:05d} <HTTP_REQUEST>: client "
    "198.51.100.{c} redirected to https",
    "{ts} {host} err tmm[{pid}]: 01220001:3: TCL error: /Common/rule_app-{n:05d} "
    "<HTTP_RESPONSE> - can't read \"uri\": no such variable while executing \"log local0. $uri\"",
    "{ts} {host} warning tmm{c1}[{pid}]: 01260013:4: SSL Handshake failed for TCP "
    "203.0.113.{c}:{port} -> 198.18.{a}.{b}:443",
)


@cache
def log_text(variant: int, nbytes: int) -> bytes:
    """``nbytes`` of ``/var/log/ltm``-style lines (text that compresses about 8:1)."""
    rng = random.Random(SEED + variant)
    lines: list[str] = []
    size = 0
    while size < nbytes:
        line = rng.choice(_LOG_LINES).format(
            ts=f"Nov {rng.randrange(1, 29):2d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:"
               f"{rng.randrange(60):02d}",
            host="bigip", pid=rng.randrange(2000, 30000), n=rng.randrange(1400),
            a=rng.randrange(256), b=rng.randrange(256), c=rng.randrange(1, 255),
            c1=rng.choice(("", ".1")), m=rng.randrange(60), s=rng.randrange(60),
            port=rng.randrange(1024, 65536),
        )  # fmt: skip
        lines.append(line)
        size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


@cache
def bigdb_dat() -> bytes:
    """``config/BigDB.dat``: the db variables, an ini-like text of ~120 KB."""
    rng = random.Random(SEED)
    parts = []
    for i in range(1500):
        parts.append(
            f"[Module{i % 37}.Setting{i:04d}]\ndefault={rng.choice(('enable', 'disable', '0'))}"
            f"\ntype=enum\nenum=|enable|disable|\nrealm=common\nscf_config=true\n"
        )
    return "\n".join(parts).encode()


def config_members(hostname: str, index: int, config: bytes) -> list[Member]:
    """The members lyncpolicy reads from a UCS."""
    return [
        Member("config/bigip_base.conf", base_conf(hostname, index)),
        Member("config/bigip.conf", config),
        Member("config/profile_base.conf", profile_base_conf()),
    ]


def filestore(kind: str, name: str) -> str:
    return f"config/filestore/files_d/Common_d/{kind}/:Common:{name}"


def fleet_other_members(rng: random.Random, hostname: str) -> tuple[list[Member], list[Member]]:
    """Non-config members of a typical UCS (~0.8-1.5 MB before compression): certificates and
    keys, db variables, user and license files, an iFile, rotated logs. Returned as (members
    stored before the config files, members stored after them)."""
    before = [
        Member("config/bigip_user.conf", b"#TMSH-VERSION: 15.1.8.2\n\nauth user admin {\n"
               b"    role admin\n    shell tmsh\n}\n"),
        Member("config/BigDB.dat", bigdb_dat()),
        Member("config/bigip.license", b"Registration Key : AAAAA-BBBBB-CCCCC-DDDDD-EEEEEEE\n"
               + pem(rng, "LICENSE SIGNATURE", 256)),
    ]  # fmt: skip
    for i in range(rng.randrange(10, 60)):
        tag = f"{rng.randrange(10000, 99999)}_1"
        before.append(Member(filestore("certificate_d", f"site{i:03d}.crt_{tag}"),
                             pem(rng, "CERTIFICATE", rng.randrange(900, 1500))))
        before.append(Member(filestore("certificate_key_d", f"site{i:03d}.key_{tag}"),
                             pem(rng, "PRIVATE KEY", 1190)))  # fmt: skip
    after = [
        Member(filestore("ifile_d", f"maintenance_page.html_{rng.randrange(10000, 99999)}_1"),
               rng.randbytes(rng.randrange(200_000, 800_000))),
        Member("var/log/ltm.1", log_text(rng.randrange(8), 400_000)),
        Member("etc/hosts", f"127.0.0.1 localhost\n192.0.2.10 {hostname}\n".encode()),
    ]  # fmt: skip
    return before, after


def big_other_members(rng: random.Random, total_bytes: int) -> tuple[list[Member], list[Member]]:
    """Non-config members of a UCS from a device with APM and ASM: an EPSEC package and an
    iFile in the filestore (before the config files in the tar) and attack signatures under
    var/ (after), all incompressible, plus ~1 MB of certificates and ~4 MB of logs.
    ``total_bytes`` is the archive size aimed at: the incompressible part fills what the
    compressible part leaves."""
    before: list[Member] = []
    for i in range(300):
        tag = f"{rng.randrange(10000, 99999)}_1"
        before.append(Member(filestore("certificate_d", f"partner{i:03d}.crt_{tag}"),
                             pem(rng, "CERTIFICATE", 1200)))
        before.append(Member(filestore("certificate_key_d", f"partner{i:03d}.key_{tag}"),
                             pem(rng, "PRIVATE KEY", 1190)))  # fmt: skip
    logs = [Member(f"var/log/ltm.{i}", log_text(i, 1_000_000)) for i in range(1, 5)]
    # Certificates compress ~1.3:1 and logs ~8:1; the rest of the target is random bytes.
    cert_bytes = sum(len(m.data) for m in before)
    blob = max(1, total_bytes - int(cert_bytes / 1.3) - 4_000_000 // 8)
    epsec, ifile = blob * 6 // 10, blob * 1 // 10
    asm = blob - epsec - ifile
    before += [
        Member(filestore("epsec_package_d", "epsec-1.0.0-1392.0_83571_1"), rng.randbytes(epsec)),
        Member(filestore("ifile_d", "app_bundle.tgz_10422_1"), rng.randbytes(ifile)),
    ]
    after = [Member("var/ts/dms/sigfile/asm_signatures_20241101.im", rng.randbytes(asm)), *logs]
    return before, after


def write_ucs(path: Path, members: Iterable[Member]) -> int:
    """Write a gzip-compressed tar (as ``tmsh save sys ucs`` does); return its size."""
    with tarfile.open(path, "w:gz", compresslevel=6, format=tarfile.GNU_FORMAT) as tar:
        seen_dirs: set[str] = set()
        for member in members:
            parent = member.name.rpartition("/")[0]
            parts = parent.split("/") if parent else []
            for depth in range(1, len(parts) + 1):
                folder = "/".join(parts[:depth])
                if folder not in seen_dirs:
                    seen_dirs.add(folder)
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
                    tar.addfile(info)
            info = tarfile.TarInfo(member.name)
            info.size, info.mode, info.mtime = len(member.data), 0o644, MTIME
            tar.addfile(info, io.BytesIO(member.data))
    return path.stat().st_size


# ---------------------------------------------------------------------------------------------
# Fleet and big UCS.
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Fleet:
    folder: Path
    archives: int = 0
    archive_bytes: int = 0
    config_bytes: int = 0  # bigip.conf + bigip_base.conf + profile_base.conf, all archives


def build_fleet(folder: Path, count: int, *, classes: int = FLEET_CLASSES,
                max_config: int = FLEET_MAX_CONFIG) -> Fleet:  # fmt: skip
    """``count`` UCS archives dealt in turn into ``FLEET_FOLDERS`` folders ``folder/site-NN``,
    with configs cycling through ``classes`` sizes (log-spaced, 40 KB to ``max_config``).
    When ``classes`` is odd (prime to the 8 folders), ``8 * classes`` archives put exactly one
    of each size in every folder. Each archive has its own hostname and non-config members."""
    fleet = Fleet(folder)
    sizes = fleet_config_sizes(classes, min(FLEET_MIN_CONFIG, max_config), max_config)
    for index in range(count):
        rng = random.Random(SEED * 1000 + index)
        hostname = f"bigip-{index:04d}.fleet.example.net"
        site = folder / f"site-{index % FLEET_FOLDERS:02d}"
        site.mkdir(parents=True, exist_ok=True)
        size = sizes[index % len(sizes)]
        config = config_members(hostname, index, config_text(size))
        before, after = fleet_other_members(rng, hostname)
        fleet.archive_bytes += write_ucs(site / f"bigip-{index:04d}.ucs", [*before, *config,
                                                                           *after])
        fleet.config_bytes += sum(len(m.data) for m in config)
        fleet.archives += 1
    return fleet


@dataclass(slots=True)
class BigPair:
    big: Path
    small: Path
    big_bytes: int
    small_bytes: int
    config_bytes: int
    other_bytes: int  # uncompressed bytes of the non-config members


def build_big_pair(folder: Path, total_mb: float, config_bytes: int) -> BigPair:
    rng = random.Random(SEED + 50)
    config = config_members("bigip-big.example.net", 7, config_text(config_bytes))
    before, after = big_other_members(rng, int(total_mb * MB))
    big, small = folder / "big.ucs", folder / "config-only.ucs"
    big_bytes = write_ucs(big, [*before, *config, *after])
    small_bytes = write_ucs(small, config)
    return BigPair(big, small, big_bytes, small_bytes, sum(len(m.data) for m in config),
                   sum(len(m.data) for m in (*before, *after)))  # fmt: skip


@dataclass(slots=True)
class ReadArchive:
    read_s: float = 0.0
    gunzip_s: float = 0.0
    members: list[str] = field(default_factory=list)
    before_bytes: int = 0
    peak_bytes: int = 0
    error: str = ""


def time_read_archive(path: Path, repeat: int, timeout: float) -> ReadArchive:
    """``read_archive`` in a fresh interpreter: best time, members kept, VmHWM; and the time
    to just decompress the file (the floor for any reader of a .tar.gz)."""
    code, out, err = run_child(_CHILD_READ_ARCHIVE, [str(path), str(repeat)], timeout)
    if code != 0:
        return ReadArchive(error=child_error(code, err))
    data = json.loads(out.strip().splitlines()[-1])
    return ReadArchive(data["read_s"], data["gunzip_s"], data["members"],
                       data["before_kib"] * 1024, data["peak_kib"] * 1024)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------
def fmt_ratio(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}x"


def table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def scan_row(label: str, m: Measured, extra: str = "") -> tuple[str, ...]:
    if not m.ok:
        return (label, f"error: {m.error}", "", "", extra)
    return (label, fmt_s(m.wall_s), f"{m.cpu_s:.2f} s", fmt_mb(m.max_rss), extra)


def load_note() -> str:
    if not hasattr(os, "getloadavg"):
        return "?"
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_together(cmds: Sequence[Sequence[str]], timeout: float) -> tuple[float, list[Run]]:
    """Start every command at once (each in its own measuring wrapper) and wait for all: the
    wall time until the last one ends, and each one's run."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(wrapped(cmd, timeout), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=CHILD_CWD)
        for cmd in cmds
    ]
    runs = [wrapper_run(proc.communicate()[0]) for proc in procs]
    return time.perf_counter() - start, runs


def parallel_ceiling(cli: list[str], halves: Sequence[Sequence[str]], repeat: int,
                     timeout: float) -> tuple[float, float] | None:
    """What this machine gives two processes at once, whatever lyncpolicy does: two
    independent ``scan`` processes, each on half of the fleet, one after the other and then
    started together (best of ``repeat`` each). None if a scan failed."""
    cmds = [[*cli, "scan", *half, "--jobs", "1"] for half in halves]
    one_after_other: list[float] = []
    together: list[float] = []
    for _ in range(repeat):
        runs = [run_measured(cmd, timeout) for cmd in cmds]
        wall, both = run_together(cmds, timeout)
        if not all(run.ok for run in [*runs, *both]):
            return None
        one_after_other.append(sum(run.wall_s for run in runs))
        together.append(wall)
    return min(one_after_other), min(together)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def fleet_section(args: argparse.Namespace, cli: list[str], tmp: Path) -> list[str]:
    print(f"building {args.archives} UCS archives ...", file=sys.stderr)
    fleet = build_fleet(tmp / "fleet", args.archives, max_config=args.fleet_max_config)
    version = measure([*cli, "--version"], max(3, args.repeat), args.timeout)
    results: dict[int, Measured] = {}
    for jobs in (1, 2):
        print(f"scanning the fleet with --jobs {jobs} ...", file=sys.stderr)
        results[jobs] = measure([*cli, "scan", str(fleet.folder), "--jobs", str(jobs)],
                                args.repeat, args.timeout)  # fmt: skip
    one, two = results[1], results[2]
    speedup = one.wall_s / two.wall_s if one.ok and two.ok else None
    print("measuring the machine: two independent half-fleet scans at once ...",
          file=sys.stderr)
    sites = sorted(str(p) for p in fleet.folder.iterdir())
    middle = len(sites) // 2
    ceiling = parallel_ceiling(cli, [sites[:middle], sites[middle:]], args.repeat,
                               args.timeout) if len(sites) > 1 else None
    start = version.wall_s if version.ok else 0.0
    rows = [scan_row("baseline: `lyncpolicy --version` (interpreter and CLI start)", version)]
    for jobs, m in results.items():
        per = ""
        if m.ok:
            per = (f"{fleet.archives / m.wall_s:.1f} archives/s, "
                   f"{fleet.config_bytes / MB / m.wall_s:.1f} MB config/s, "
                   f"{m.wall_s / fleet.archives * 1000:.0f} ms/archive")  # fmt: skip
            devices = devices_reported(m.last.stdout)
            if devices is not None and devices != fleet.archives:
                per += f"; **{devices} devices reported for {fleet.archives} archives**"
        rows.append(scan_row(f"`scan FLEET --jobs {jobs}` (best of {len(m.runs)})", m, per))
    ideal = None
    if one.ok:
        ideal = start + (one.wall_s - start) / 2
    machine = ceiling[0] / ceiling[1] if ceiling else None
    if ceiling:
        rows += [
            (f"baseline: two `scan HALF --jobs 1` (half of the folders each), one after the "
             f"other (best of {args.repeat})", fmt_s(ceiling[0]), "", "", ""),
            ("baseline: the same two started together", fmt_s(ceiling[1]), "", "",
             "two processes that share nothing: what the machine gives"),
        ]
    summary = [
        ("**speed-up, jobs 1 wall / jobs 2 wall**", fmt_ratio(speedup), "", "",
         f"ideal on {usable_cores()} usable cores: 2.00x minus start-up "
         f"(jobs 2 at best {fmt_s(ideal)})"),
        ("machine's parallel ceiling: one after the other / together", fmt_ratio(machine),
         "", "", "the most any --jobs 2 can gain here"),
        ("**--jobs 2 speed-up / the machine's ceiling**",
         fmt_ratio(speedup / machine if speedup and machine else None), "", "",
         "1.00x = as parallel as two independent processes"),
        ("CPU time, jobs 2 / jobs 1", fmt_ratio(two.cpu_s / one.cpu_s if one.ok and two.ok
                                                else None), "", "",
         "above 1.00x = work added by running in parallel (pickling, worker start)"),
        ("peak RSS, jobs 2 / jobs 1", fmt_ratio(two.max_rss / one.max_rss if one.ok and two.ok
                                                else None), "", "",
         "largest single process (the scan or one of its workers)"),
    ]  # fmt: skip
    return [
        f"### Fleet: {fleet.archives} UCS archives, `--jobs 1` vs `--jobs 2`",
        "",
        f"- {fleet.archives} archives in {min(FLEET_FOLDERS, fleet.archives)} folders, "
        f"{fmt_mb(fleet.archive_bytes)} on disk "
        f"(mean {fmt_mb(fleet.archive_bytes // max(1, fleet.archives))}); configuration "
        f"members {fmt_mb(fleet.config_bytes)} in all, bigip.conf from "
        f"{min(FLEET_MIN_CONFIG, args.fleet_max_config) / 1000:.0f} KB to "
        f"{args.fleet_max_config / 1000:.0f} KB in {FLEET_CLASSES} log-spaced sizes",
        "",
        *table([*rows, *summary], ("Measurement", "Wall", "CPU", "Peak RSS", "Note")),
        "",
    ]


def big_section(args: argparse.Namespace, cli: list[str], tmp: Path) -> list[str]:
    print(f"building a {args.big_mb:g} MB UCS ...", file=sys.stderr)
    pair = build_big_pair(tmp, args.big_mb, args.big_config_bytes)
    scans: dict[str, Measured] = {}
    reads: dict[str, ReadArchive] = {}
    # Alternate the two so that a load change on the machine hits both alike.
    for _ in range(args.big_repeat):
        for label, path in (("small", pair.small), ("big", pair.big)):
            scans.setdefault(label, Measured()).runs += measure(
                [*cli, "scan", str(path), "--jobs", "1"], 1, args.timeout
            ).runs
    print("timing read_archive in-process ...", file=sys.stderr)
    for label, path in (("small", pair.small), ("big", pair.big)):
        reads[label] = time_read_archive(path, args.big_repeat, args.timeout)
    small, big = scans["small"], scans["big"]
    other_mb = pair.other_bytes / MB
    rows = [
        scan_row(f"`scan config-only.ucs` ({pair.small_bytes / 1000:,.0f} KB file)", small),
        scan_row(f"`scan big.ucs` ({fmt_mb(pair.big_bytes)} file, "
                 f"{other_mb:.1f} MB of non-config members)", big),
    ]  # fmt: skip
    lines_out: list[str] = []
    for label, path_label in (("small", "config-only.ucs"), ("big", "big.ucs")):
        r = reads[label]
        if r.error:
            rows.append((f"`read_archive({path_label})`", f"error: {r.error}", "", "", ""))
            continue
        rows.append((f"`read_archive({path_label})` in-process (best of {args.big_repeat})",
                     fmt_s(r.read_s), "", fmt_mb(r.peak_bytes),
                     f"{len(r.members)} members kept; RSS before {fmt_mb(r.before_bytes)}; "
                     f"floor: gunzip of the whole file {fmt_s(r.gunzip_s)}"))  # fmt: skip
    floor: float | None = None
    if not reads["small"].error and not reads["big"].error:
        big_r, small_r = reads["big"], reads["small"]
        floor = big_r.gunzip_s - small_r.gunzip_s
        rows.append(("`read_archive`: extra time for big.ucs beyond its extra gunzip time",
                     fmt_s(big_r.read_s - small_r.read_s - floor), "", "",
                     "walking and skipping members, above decompression"))  # fmt: skip
    if small.ok and big.ok:
        wall_ratio = big.wall_s / small.wall_s
        rss_ratio = big.max_rss / small.max_rss
        extra = big.wall_s - small.wall_s
        rows += [
            ("**scan time, big / config-only**", fmt_ratio(wall_ratio), "", "",
             f"goal <= {GOAL_BIG_RATIO:.2f}x: "
             f"{'met' if wall_ratio <= GOAL_BIG_RATIO else '**missed**'}"),
            ("extra scan time for the non-config members", fmt_s(extra), "", "",
             f"{max(0.0, extra) / other_mb * 1000:.2f} ms per MB skipped"
             + ("" if not floor else f"; {extra / floor:.1f}x the time to only decompress "
                                     f"them ({fmt_s(floor)}), which no reader of a .tar.gz "
                                     "can avoid")),
            ("**peak RSS, big / config-only**", fmt_ratio(rss_ratio), "", "",
             f"goal <= {GOAL_BIG_RSS_RATIO:.2f}x: "
             f"{'met' if rss_ratio <= GOAL_BIG_RSS_RATIO else '**missed**'}"),
        ]  # fmt: skip
    else:
        lines_out.append(f"scan error: {small.error or big.error}")
    return [
        f"### One {fmt_mb(pair.big_bytes)} UCS vs a UCS of its configuration alone",
        "",
        f"- Configuration members (bigip_base.conf, bigip.conf, profile_base.conf): "
        f"{pair.config_bytes:,} bytes, the same in both archives; big.ucs adds "
        f"{other_mb:.1f} MB (uncompressed) of non-config members: an EPSEC package and "
        "iFiles in the filestore stored before the config files, attack signatures under var/ "
        "and ltm logs after them, and 600 certificates and keys",
        f"- The two scans alternate, {args.big_repeat} of each; `--jobs 1` (one input)",
        "",
        *table(rows, ("Measurement", "Wall", "CPU", "Peak RSS", "Note")),
        *lines_out,
        "",
    ]


def emit(report: str, markdown: Path | None) -> None:
    """Print the report, and write it to ``markdown`` too when given."""
    print(report)
    if markdown:
        markdown.write_text(report, encoding="utf-8")
        print(f"wrote {markdown}", file=sys.stderr)


def run(args: argparse.Namespace) -> str:
    cli = cli_command(args.cli)
    lines = [
        "## lyncpolicy archive benchmark",
        "",
        *machine_info(),
        f"- lyncpolicy {package_version('lyncpolicy')}; CLI: "
        f"`{' '.join(shlex.quote(c) for c in cli)}`; wall = best of the runs; CPU = user + "
        "system time of the scan and its workers; peak RSS = largest resident set of one "
        "process (getrusage RUSAGE_CHILDREN via a small wrapper); MB = 10^6 bytes",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="lyncpolicy-bench-archives-") as name:
        tmp = Path(name)
        if not args.skip_fleet:
            lines += fleet_section(args, cli, tmp)
        if not args.skip_big:
            lines += big_section(args, cli, tmp)
    lines.append(f"Load average after the run: {load_note()}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archives", type=int, default=200, help="archives in the fleet")
    parser.add_argument("--fleet-max-config", type=int, default=FLEET_MAX_CONFIG,
                        help="bytes of the largest bigip.conf in the fleet")  # fmt: skip
    parser.add_argument("--big-mb", type=float, default=50.0, help="size of the big UCS, MB")
    parser.add_argument("--big-config-bytes", type=int, default=400_000,
                        help="bigip.conf size inside the big and the config-only UCS")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each fleet scan (the best is kept)")
    parser.add_argument("--big-repeat", type=int, default=5,
                        help="runs of each big/config-only scan (the best is kept)")
    parser.add_argument("--cli", help="command used as `lyncpolicy` "
                                      "(default: this interpreter with -m lyncpolicy)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="stop (and report) any one command after this many seconds")
    parser.add_argument("--skip-fleet", action="store_true", help="only the big UCS")
    parser.add_argument("--skip-big", action="store_true", help="only the fleet")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 16 archives, an 8 MB UCS, one repetition")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    use_bytecode_cache()
    if args.quick:
        args.archives, args.big_mb, args.repeat, args.big_repeat = 16, 8.0, 1, 2
        args.timeout = min(args.timeout, 20.0)
        args.fleet_max_config = min(args.fleet_max_config, 400_000)
    if min(args.archives, args.repeat, args.big_repeat) < 1 or args.big_mb <= 0:
        parser.error("--archives, --repeat and --big-repeat must be >= 1, --big-mb > 0")
    emit(run(args), args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
