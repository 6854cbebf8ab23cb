"""Property tests of the archive reader on damaged and hostile archives.

Whatever the bytes (bit flips, truncation, junk appended or spliced in, damaged tar headers
under an intact gzip layer, hostile member lists), ``read_archive`` returns configuration
members or raises ``InputError`` with the path and a hint; it never writes to disk (an audit
hook blocks and records any write while it runs, and the working directory stays empty) and
never hangs (Hypothesis deadlines). Hostile member lists have an exact expected outcome,
computed here independently of the reader.

``test_archive.py`` holds the example-based tests (real UCS files, bombs, one-off damage);
the contract itself is ``tests/fuzz/contract.py``, shared with the fuzz harnesses.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import re
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from archive_factory import Entry, conf, tar_bytes
from fuzz.contract import check_archive, write_guard
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lyncpolicy.adapters.archive import Archive, read_archive
from strategies import examples

from lyncpolicy.errors import InputError

CORPUS = Path(__file__).parent / "data" / "corpus"
ACC = CORPUS / "f5devcentral__f5-automation-config-converter" / "test"
CORKSCREW = CORPUS / "f5devcentral__f5-corkscrew" / "tests" / "artifacts"
REAL = {
    "corkscrew.tar.gz": (CORKSCREW / "f5_corkscrew_test.tar.gz").read_bytes(),
    "badArchive1.tar.gz": (CORKSCREW / "badArchive1.tar.gz").read_bytes(),
    "basic_install.ucs": (ACC / "basic_install.ucs").read_bytes(),
    "license.ucs": (ACC / "engines" / "doConverter" / "license" / "license.ucs").read_bytes(),
}
_POOL = b"ltm pool /Common/p {\n    members {\n        /Common/10.1.1.1:80 { }\n    }\n}\n"
SMALL_TAR = tar_bytes([conf("config/bigip_base.conf"), Entry("config/bigip.conf", _POOL)],
                      compress=False)  # fmt: skip
ORIGINALS = {**REAL, "small.tar": SMALL_TAR, "small.tar.gz": gzip.compress(SMALL_TAR, mtime=0)}
# The tar streams inside the gzip files: damage here reaches tarfile's header parsing.
TARS = {name: gzip.decompress(data) for name, data in ORIGINALS.items() if data[:2] == b"\x1f\x8b"}

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large]
DAMAGE = settings(max_examples=examples(200), deadline=2000, suppress_health_check=_SUPPRESS)


@dataclass
class Workspace:
    """Where inputs are written (a temp folder) and the empty working directory."""

    inputs: Path
    cwd: Path

    def write(self, data: bytes, name: str = "input.ucs") -> str:
        path = self.inputs / name
        path.write_bytes(data)
        return str(path)

    def read(self, data: bytes, name: str = "input.ucs") -> Archive | None:
        return self.check(self.write(data, name))

    def check(self, path: str) -> Archive | None:
        """The contract, and no file left in the working directory or next to the input."""
        archive = check_archive(path)
        event("read" if archive is not None else "InputError")
        assert os.listdir(self.cwd) == [], "the reader wrote into the working directory"
        assert os.listdir(self.inputs) == [Path(path).name], "the reader wrote next to its input"
        return archive


@pytest.fixture(scope="module")
def workspace() -> Iterator[Workspace]:
    """Every read runs with an empty working directory (checked after each one)."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as inputs, tempfile.TemporaryDirectory() as cwd:
        os.chdir(cwd)
        try:
            yield Workspace(Path(inputs), Path(cwd))
        finally:
            os.chdir(previous)


def test_the_write_guard_catches_writes(workspace: Workspace) -> None:
    """The no-write check can fail: a reader that writes is caught and its write blocked."""

    def writing_reader(path: str) -> Archive:
        with tarfile.open(path) as tar:
            tar.extractall(workspace.cwd, filter="data")
        return read_archive(path)

    path = workspace.write(tar_bytes([conf("config/bigip.conf")]))
    with pytest.raises(AssertionError, match=r"for writing|os\.mkdir"):
        check_archive(path, read=writing_reader)
    assert os.listdir(workspace.cwd) == []
    assert write_guard().armed is False


# -- damaged bytes -------------------------------------------------------------------------


@DAMAGE
@given(
    st.sampled_from(sorted(ORIGINALS)),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1,
             max_size=12),
)  # fmt: skip
def test_bit_flips(workspace: Workspace, name: str, flips: list[tuple[float, int]]) -> None:
    data = bytearray(ORIGINALS[name])
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    workspace.read(bytes(data))


def _must_end(name: str) -> int:
    """Cuts before this offset must be refused: anywhere in a gzip file (its trailer carries
    the CRC), up to the end-of-archive block of a plain tar (after it is only padding)."""
    data = ORIGINALS[name]
    return len(data) if data[:2] == b"\x1f\x8b" else _end_marker(data) + 1


@DAMAGE
@given(st.sampled_from(sorted(ORIGINALS)), st.floats(0, 1, exclude_max=True))
def test_truncation(workspace: Workspace, name: str, where: float) -> None:
    data = ORIGINALS[name]
    cut = int(where * len(data))
    archive = workspace.read(data[:cut])
    if cut < _must_end(name):
        # Never silently accepted as a shorter archive.
        assert archive is None, f"{name} cut at {cut} of {len(data)} was accepted"


def test_truncated_archives_are_refused_everywhere(workspace: Workspace) -> None:
    """Exhaustive on the small archives, every 7th offset: each cut is an InputError."""
    for name in ("small.tar", "small.tar.gz", "license.ucs"):
        for cut in range(0, _must_end(name), 7):
            with pytest.raises(InputError):
                read_archive(workspace.write(ORIGINALS[name][:cut]))


@DAMAGE
@given(st.sampled_from(sorted(ORIGINALS)), st.binary(min_size=1, max_size=4096))
def test_appended_junk(workspace: Workspace, name: str, junk: bytes) -> None:
    original = read_archive(workspace.write(ORIGINALS[name]))
    archive = workspace.read(ORIGINALS[name] + junk)
    if archive is not None:
        # Junk after the end can make the read fail, never change what is read.
        assert archive.members == original.members


@DAMAGE
@given(
    st.sampled_from(sorted(ORIGINALS)),
    st.floats(0, 1, exclude_max=True),
    st.integers(0, 2048),
    st.binary(max_size=2048),
)
def test_spliced_junk(
    workspace: Workspace, name: str, where: float, length: int, junk: bytes
) -> None:
    data = ORIGINALS[name]
    start = int(where * len(data))
    workspace.read(data[:start] + junk + data[start + length :])


@DAMAGE
@given(
    st.sampled_from(sorted(TARS)),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 511), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_damaged_tar_headers_under_intact_gzip(
    workspace: Workspace, name: str, edits: list[tuple[int, int, int]], recompress: bool
) -> None:
    """Bytes changed inside tar header blocks (names, sizes, type flags, checksums), the gzip
    layer rebuilt around them so the damage reaches the tar reader."""
    tar = bytearray(TARS[name])
    headers = list(_header_offsets(bytes(tar))) or [0]
    for which, offset, value in edits:
        tar[headers[which % len(headers)] + offset] = value
    data = gzip.compress(bytes(tar), mtime=0) if recompress else bytes(tar)
    workspace.read(data)


def _header_offsets(tar: bytes) -> Iterator[int]:
    """Offsets of the member header blocks of an intact tar."""
    offset = 0
    while offset + 512 <= len(tar) and tar[offset : offset + 512] != bytes(512):
        yield offset
        size = int(tar[offset + 124 : offset + 136].rstrip(b"\0 ") or b"0", 8)
        offset += 512 + (size + 511) // 512 * 512


def _end_marker(tar: bytes) -> int:
    """Offset of the end-of-archive block of an intact tar."""
    offset = list(_header_offsets(tar))[-1]
    size = int(tar[offset + 124 : offset + 136].rstrip(b"\0 ") or b"0", 8)
    return offset + 512 + (size + 511) // 512 * 512


def test_header_offsets_walk_every_member() -> None:
    data = TARS["corkscrew.tar.gz"]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        infos = tar.getmembers()
    # Every member has a header block (pax members have two); the marker follows the last.
    assert len(list(_header_offsets(data))) >= len(infos) > 10
    assert data[_end_marker(data) : _end_marker(data) + 1024] == bytes(1024)
    assert _end_marker(SMALL_TAR) == 4 * 512


# -- hostile member lists: exact outcome ---------------------------------------------------

_CONFIG_NAMES = [
    "config/bigip.conf",
    "config/bigip_base.conf",
    "config/bigip_gtm.conf",
    "config/bigip_script.conf",
    "config/profile_base.conf",
    "config/low_profile_base.conf",
    "config/partitions/Edge/bigip.conf",
    "config/partitions/Edge/bigip_base.conf",
    "config/partitions/a.b-c_1/bigip.conf",
]
_OTHER_NAMES = [
    "config/._bigip.conf",
    "config/bigip.conf.bak",
    "config/partitions/Edge/._bigip.conf",
    "var/log/ltm",
    "config/filestore/files_d/Common_d/certificate_d/x.crt",
    "config/",
]
_UNSAFE = ["/config/bigip.conf", "../config/bigip.conf", "config/../config/bigip.conf",
           "config\\..\\bigip.conf", "\\config\\bigip.conf"]  # fmt: skip
_TYPES = {
    "file": tarfile.REGTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "chardev": tarfile.CHRTYPE,
    "dir": tarfile.DIRTYPE,
}


@st.composite
def member_lists(draw: st.DrawFn) -> list[Entry]:
    entries = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        kind = draw(st.sampled_from(["config", "config", "other", "unsafe"]))
        if kind == "config":
            # Spelled as tar writers do: all of these name the same member.
            config_name = draw(st.sampled_from(_CONFIG_NAMES))
            rest = config_name.removeprefix("config/")
            name = draw(
                st.sampled_from(
                    [config_name, f"./{config_name}", f"config//{rest}", f"./config/./{rest}"]
                )
            )
        elif kind == "other":
            name = draw(st.sampled_from(_OTHER_NAMES))
        else:
            name = draw(st.sampled_from(_UNSAFE))
        member_type = draw(st.sampled_from(sorted(_TYPES)))
        body = draw(st.binary(max_size=64)) + b"\nltm pool /Common/p { }\n"
        if member_type == "file":
            entries.append(Entry(name, body))
        else:
            entries.append(Entry(name, b"", _TYPES[member_type], "config/target"))
    return entries


def _normalize(name: str) -> str:
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def _order(name: str) -> tuple[int, str, int]:
    """Base and network files first, partitions by name, profile defaults last."""
    top = ["bigip_base.conf", "bigip.conf", "bigip_gtm.conf", "bigip_script.conf"]
    if match := re.fullmatch(r"config/partitions/([^/]+)/(.+)", name):
        return 1, match.group(1), top.index(match.group(2))
    if name in ("config/profile_base.conf", "config/low_profile_base.conf"):
        return 2, "", int(name.startswith("config/low"))
    return 0, "", top.index(name.removeprefix("config/"))


def expected_outcome(entries: list[Entry]) -> tuple[dict[str, bytes], list[str]]:
    """(members kept, in order, with their bytes; warning codes in order) for ``entries``."""
    kept: dict[str, bytes] = {}
    codes: list[str] = []
    for entry in entries:
        parts = entry.name.replace("\\", "/").split("/")
        if entry.name.startswith(("/", "\\")) or ".." in parts:
            codes.append("ARCHIVE-UNSAFE-PATH")
            continue
        name = _normalize(entry.name)
        if name not in _CONFIG_NAMES or entry.type == tarfile.DIRTYPE:
            continue
        if entry.type in (tarfile.SYMTYPE, tarfile.LNKTYPE):
            codes.append("ARCHIVE-LINK")
        elif entry.type != tarfile.REGTYPE:
            codes.append("ARCHIVE-SPECIAL")
        elif name in kept:
            codes.append("ARCHIVE-DUPLICATE")
        else:
            kept[name] = entry.data
    return dict(sorted(kept.items(), key=lambda item: _order(item[0]))), codes


@settings(DAMAGE, max_examples=examples(150))
@given(member_lists(), st.booleans())
def test_hostile_member_lists_keep_exactly_the_safe_config_files(
    workspace: Workspace, entries: list[Entry], compress: bool
) -> None:
    kept, codes = expected_outcome(entries)
    path = workspace.write(tar_bytes(entries, compress=compress))
    if not kept:
        # An uncompressed tar of no members is only zero blocks: no tar magic to recognize.
        empty = not entries and not compress
        reason = "not a tar or gzip archive" if empty else "no BIG-IP configuration files found"
        with pytest.raises(InputError, match=reason):
            read_archive(path)
        assert workspace.check(path) is None
        return
    archive = workspace.check(path)
    assert archive is not None
    assert [m.name for m in archive.members] == list(kept)
    assert [m.text for m in archive.members] == [
        data.decode("utf-8", errors="replace") for data in kept.values()
    ]
    assert [m.size for m in archive.members] == [len(data) for data in kept.values()]
    assert [d.code for d in archive.diagnostics] == codes
    # Reading is deterministic.
    assert read_archive(path) == archive


def test_member_list_oracle_on_a_fixed_example() -> None:
    """The oracle above, checked by hand once."""
    entries = [
        Entry("./config/partitions/Edge/bigip.conf", b"p"),
        Entry("config/bigip.conf", b"", tarfile.SYMTYPE, "/etc/passwd"),
        Entry("../config/bigip_base.conf", b"evil"),
        Entry("config//bigip.conf", b"first"),
        Entry("config/bigip.conf", b"second"),
        Entry("config/._bigip.conf", b"apple"),
        Entry("config/profile_base.conf", b"", tarfile.FIFOTYPE),
    ]
    kept, codes = expected_outcome(entries)
    assert kept == {"config/bigip.conf": b"first", "config/partitions/Edge/bigip.conf": b"p"}
    assert codes == [
        "ARCHIVE-LINK",
        "ARCHIVE-UNSAFE-PATH",
        "ARCHIVE-DUPLICATE",
        "ARCHIVE-SPECIAL",
    ]


# -- determinism ---------------------------------------------------------------------------


@settings(DAMAGE, max_examples=examples(60))
@given(st.sampled_from(sorted(ORIGINALS)), st.randoms(use_true_random=False))
def test_reading_a_damaged_archive_twice_gives_the_same_outcome(
    workspace: Workspace, name: str, rng: random.Random
) -> None:
    data = bytearray(ORIGINALS[name])
    for _ in range(rng.randint(0, 3)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path = workspace.write(bytes(data))
    outcomes: list[object] = []
    for _ in range(2):
        try:
            outcomes.append(read_archive(path))
        except InputError as err:
            outcomes.append((err.message, err.hint))
    assert outcomes[0] == outcomes[1]
