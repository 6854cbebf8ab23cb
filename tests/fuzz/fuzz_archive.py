#!/usr/bin/env python3
"""Fuzz the archive reader (UCS / qkview / tar / tar.gz) and the tmsh reader behind it.

The first byte of an input picks how the rest reaches ``read_archive``:

* even: written as the archive file itself (gzip and tar damage, truncation, junk);
* odd: gzip-compressed first, so the mutations land on the tar headers and member data
  instead of stopping at the gzip CRC check.

Each read is checked against ``contract.check_archive``: an ``Archive`` whose members obey the
tmsh contract, or an ``InputError`` with the path and a hint; nothing written to disk (an
audit hook blocks writes while the reader runs). See README.md for how to run it::

    python tests/fuzz/fuzz_archive.py --iterations 20000        # plain Python
    python tests/fuzz/fuzz_archive.py --atheris --seconds 600   # atheris / libFuzzer
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # archive_factory

from harness import CORPUS, Target, main  # noqa: E402

# Instrumented under atheris: imported only inside the target factory.
INSTRUMENT = ("lyncpolicy", "tarfile", "gzip")

_ARCHIVES = [
    "f5devcentral__f5-automation-config-converter/test/basic_install.ucs",
    "f5devcentral__f5-automation-config-converter/test/engines/doConverter/license/license.ucs",
    "f5devcentral__f5-automation-config-converter/test/main/encrypted.ucs",
    "f5devcentral__f5-corkscrew/tests/artifacts/badArchive1.tar.gz",
    "f5devcentral__f5-corkscrew/tests/artifacts/f5_corkscrew_test.tar.gz",
]
_SMALL_POOL = "ltm pool /Common/p {\n    members {\n        /Common/10.1.1.1:80 { }\n    }\n}\n"


def _factory_tars() -> list[bytes]:
    """Small uncompressed tars with the shapes the reader must handle."""
    import tarfile

    from archive_factory import Entry, conf, tar_bytes

    return [
        tar_bytes([conf("config/bigip.conf", _SMALL_POOL)], compress=False),
        tar_bytes(
            [
                conf("config/bigip_base.conf"),
                conf("./config/partitions/P1/bigip.conf", _SMALL_POOL),
                Entry("config/._bigip.conf", b"\x00\x05\x16\x07"),
                Entry("../config/bigip.conf", b"ltm pool /Common/evil { }\n"),
                Entry("config/bigip_gtm.conf", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
                Entry("config/bigip_script.conf", type=tarfile.LNKTYPE, linkname="config/x"),
                Entry("config/profile_base.conf", type=tarfile.FIFOTYPE),
                conf("config/bigip.conf"),
                conf("config/bigip.conf"),
            ],
            compress=False,
        ),
    ]


def _run(strict: bool) -> Target:
    import gzip

    from contract import check_archive

    path, store = _input_file()

    def run(data: bytes) -> None:
        if not data:
            return
        body = data[1:]
        store(gzip.compress(body, mtime=0) if data[0] & 1 else body)
        check_archive(path, allow_known=not strict)

    def seeds() -> list[bytes]:
        raw = [(CORPUS / name).read_bytes() for name in _ARCHIVES]
        tars = [gzip.decompress(data) for data in raw if data[:2] == b"\x1f\x8b"]
        tars = [t for t in tars if len(t) <= 256 * 1024] + _factory_tars()
        return [b"\x00" + data for data in raw + tars] + [b"\x01" + tar for tar in tars]

    tokens = [
        b"ustar\x00",
        b"ustar  \x00",
        b"config/bigip.conf",
        b"config/partitions/",
        b"../",
        b"/",
        b"./",
        b"\x1f\x8b\x08",
        b"\x00" * 512,
        b"0000644\x00",
        b"00000000000\x00",
        b"77777777777\x00",
        b"\x80\x00\x00\x00\x00\x00\x00\xff",
        b"x",
        b"L",
        b"K",
        b"2",
        b"1",
        b"g",
        b"././@LongLink",
        b"PaxHeader",
        b"30 path=config/bigip.conf\n",
        b"-----BEGIN PGP MESSAGE-----",
        b"\x8c\x0d",
    ]
    return Target("archive", run, seeds, tokens, max_len=512 * 1024)


def _input_file() -> tuple[str, Callable[[bytes], None]]:
    """A path ``read_archive`` can open, and a function that replaces its content.

    On Linux an anonymous in-memory file (``memfd``, opened again through /proc): nothing
    touches the disk and nothing is left behind, even when libFuzzer ends the process
    without running exit handlers. Elsewhere a file in a temporary folder.
    """
    if hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir():
        fd = os.memfd_create("lyncpolicy-fuzz-input")

        def store_in_memory(data: bytes) -> None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)

        return f"/proc/self/fd/{fd}", store_in_memory
    folder = Path(tempfile.mkdtemp(prefix="lyncpolicy-fuzz-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "input.ucs"

    def store_in_file(data: bytes) -> None:
        path.write_bytes(data)

    return str(path), store_in_file


if __name__ == "__main__":
    sys.exit(main(_run, "archive", sys.argv[1:], INSTRUMENT))
