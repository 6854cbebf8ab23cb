"""Build archives for tests: ordinary, hostile, truncated and decompression bombs.

Everything large is written by streaming through gzip in chunks, so building a 1 GiB bomb
holds about one chunk in memory and leaves a ~1 MB file.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1024 * 1024
GIB = 1024 * 1024 * 1024

# Real OpenPGP messages made with GnuPG 2.2.40 from the text "ltm pool /Common/p { }\n":
# `gpg -c` (passphrase "secret"; what an encrypted UCS is), `gpg -e` to an ed25519/cv25519
# key, and the first bytes of `gpg -s` (a signed message starts with a compressed packet).
GPG_SYMMETRIC = bytes.fromhex(
    "8c0d040903020ce4b1d22013ea4bffd25501e356a7aa3868e765e5b37f90ba186a72462df8e64581e9f9a4b5"
    "2dd66bf87486fe021ce3af6fff0ddbe8e1c592f44fd57a9c0b099109c5e0ef0dccf67a412adc39d768ee9f44"
    "bc0aaf470aa0edb17bcc82e2146e"
)
GPG_PUBLIC_KEY = bytes.fromhex(
    "845e0343684b33c86ab2e712010740baf565d9fc00aa2371c6093803f0fca9c2ab3cb7ed4924528c93ce9c26"
    "4217653071facb3f9ea5e73a3700341c82f8b9207ea1d96ae7e9985277fab93ee8f5734bdd39ac1f3a7c48a6"
    "d18be621842c434dd25b019d110be285872d007f5a99b886bb081bfbc91a41504ad9a2a39b496e9b880b4065"
    "ec4091e92442df88af7adf2c5d42b950f1645570e5c9ba0a2ead49203ba89cade0709858175b17f04be123fa"
    "26e4920e3c6cb1ce768a52a20e"
)
GPG_SIGNED_PREFIX = bytes.fromhex("a3019bc0cbccc021b6669b95ff33e186")


@dataclass(frozen=True)
class Entry:
    """One tar member: a regular file unless ``type`` says otherwise."""

    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""


def conf(name: str, text: str = "") -> Entry:
    """A regular member holding tmsh text (a header line naming the member by default)."""
    return Entry(name, (text or f"#TMSH-VERSION: 15.1.0\n# {name}\n").encode())


def tar_bytes(entries: Iterable[Entry], *, compress: bool = True) -> bytes:
    """The bytes of a tar (gzip-compressed unless ``compress`` is False) holding ``entries``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w") as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = entry.type
            info.linkname = entry.linkname
            info.mode = 0o644
            if entry.type == tarfile.REGTYPE:
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
            else:
                tar.addfile(info)
    return buffer.getvalue()


def write_archive(path: Path, entries: Iterable[Entry], *, compress: bool = True) -> Path:
    path.write_bytes(tar_bytes(entries, compress=compress))
    return path


def _write_zeros(out: gzip.GzipFile, size: int) -> None:
    zeros = bytes(_CHUNK)
    remaining = size
    while remaining > 0:
        step = min(remaining, _CHUNK)
        out.write(zeros[:step])
        remaining -= step


def write_gzip_of_zeros(path: Path, size: int = GIB) -> Path:
    """The classic gzip bomb: ``size`` zero bytes, compressed about 1000:1."""
    with gzip.open(path, "wb") as out:
        _write_zeros(out, size)
    return path


def write_tar_bomb(path: Path, member: str, size: int = GIB) -> Path:
    """A .tar.gz whose single member ``member`` is ``size`` zero bytes, built by streaming."""
    info = tarfile.TarInfo(member)
    info.size = size
    with gzip.open(path, "wb") as out:
        out.write(info.tobuf(format=tarfile.GNU_FORMAT))
        _write_zeros(out, size)
        padding = -size % tarfile.BLOCKSIZE
        out.write(bytes(padding + 2 * tarfile.BLOCKSIZE))  # pad, then the end-of-archive marker
    return path


def pax_long_name_header(name_length: int) -> bytes:
    """A pax extended header (header block + data) carrying a ``name_length``-char path."""
    info = tarfile.TarInfo("config/" + "x" * name_length)
    header_and_member = info.tobuf(format=tarfile.PAX_FORMAT)
    return header_and_member[: -tarfile.BLOCKSIZE]  # drop the member header that follows


def write_pax_chain(path: Path, count: int) -> Path:
    """A tar of ``count`` pax headers in a row before one member: tarfile recurses per header."""
    with gzip.open(path, "wb") as out:
        link = pax_long_name_header(100)
        for _ in range(count):
            out.write(link)
        out.write(tar_bytes([conf("config/bigip.conf")], compress=False))
    return path


def oversized_metadata_header(size: int) -> bytes:
    """A pax header block that claims ``size`` bytes of data (the data itself is omitted)."""
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)
