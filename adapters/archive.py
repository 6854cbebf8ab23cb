"""Read BIG-IP configuration text out of UCS / qkview / tar / tar.gz archives, in memory.

The archive is walked once, as a stream (``tarfile`` mode ``r|``): only the members that hold
configuration (``config/bigip.conf`` and friends) are read, nothing is written to disk, and
hostile members (absolute or ``..`` paths, links, device files, duplicates) are ignored with a
warning. Size caps are checked against each tar header *before* the member's body is read, and
a counting reader caps the decompressed bytes walked, so a decompression bomb stops early with
an :class:`InputError` while memory stays bounded.
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import tarfile
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Final, Protocol, Self

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.errors import InputError
from lyncpolicy.inputs import open_regular_file

DEFAULT_MAX_CONFIG_BYTES: Final = 512 * 1024 * 1024
# Without an explicit cap, an archive may expand to this many times the config budget: a qkview
# carries logs and stats besides the configuration, but a stream many times larger is a bomb.
ARCHIVE_TO_CONFIG_RATIO: Final = 8

CONFIG_SIZE_HINT: Final = "raise it with --max-config-size"
# The CLI has only --max-config-size, and the archive cap follows it unless set explicitly.
ARCHIVE_SIZE_HINT: Final = (
    "if the archive is genuine, raise --max-config-size "
    f"(an archive may expand to {ARCHIVE_TO_CONFIG_RATIO} times it)"
)
_EXPLICIT_ARCHIVE_SIZE_HINT: Final = "if the archive is genuine, raise the archive size limit"
_RECOPY_HINT: Final = "copy the archive again from the BIG-IP"

_TOP_LEVEL_FILES: Final = (
    "config/bigip_base.conf",
    "config/bigip.conf",
    "config/bigip_gtm.conf",
    "config/bigip_script.conf",
)
_PROFILE_FILES: Final = ("config/profile_base.conf", "config/low_profile_base.conf")
# Inside a partition folder, base/network objects come first, like at the top level.
_PARTITION_FILE_ORDER: Final = (
    "bigip_base.conf",
    "bigip.conf",
    "bigip_gtm.conf",
    "bigip_script.conf",
)
_PARTITION_FILE: Final = re.compile(r"config/partitions/([^/]+)/(bigip[^/]*\.conf)")

_GZIP_MAGIC: Final = b"\x1f\x8b"
_PGP_ARMOR: Final = b"-----BEGIN PGP MESSAGE-----"
# OpenPGP packet tags that start an encrypted (or compressed) message, with the version (for
# tag 8: algorithm) octet each allows. Checking that first body octet keeps text that happens
# to start with a UTF-8 lead byte (0xC3 "é", ...) from being taken for a packet header.
_PGP_FIRST_PACKETS: Final[dict[int, frozenset[int]]] = {
    1: frozenset({3, 6}),  # public-key encrypted session key
    3: frozenset({4, 5, 6}),  # symmetric-key encrypted session key (gpg -c, encrypted UCS)
    8: frozenset({0, 1, 2, 3}),  # compressed data
    18: frozenset({1, 2}),  # symmetrically encrypted integrity-protected data
    20: frozenset({1}),  # AEAD encrypted data
}

# Metadata headers (pax, GNU long names) are read whole into memory by tarfile before any
# member is returned, so their size must be capped separately from member data.
_METADATA_TYPES: Final = frozenset(
    {
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
    }
)
_MAX_METADATA_BYTES: Final = 1024 * 1024
# A UCS holds a few thousand files and a qkview tens of thousands. An archive of millions of
# empty members is a bomb that the byte caps alone would let run for minutes.
_MAX_MEMBERS: Final = 250_000
_STREAM_BUFSIZE: Final = 256 * 1024
_READ_CHUNK: Final = 1024 * 1024
# A hostile archive could repeat the same problem thousands of times; past this many warnings
# of one code, the rest are only counted in a closing note.
_MAX_WARNINGS_PER_CODE: Final = 20


@dataclass(frozen=True, slots=True)
class ArchiveMember:
    """One configuration file read from an archive."""

    name: str  # normalized member path, e.g. "config/bigip.conf"
    text: str
    size: int  # bytes in the archive (before UTF-8 decoding)


@dataclass(frozen=True, slots=True)
class Archive:
    """The configuration files of one archive, base/network files first."""

    path: str
    members: tuple[ArchiveMember, ...]
    diagnostics: tuple[Diagnostic, ...]


def read_archive(
    path: str,
    *,
    max_config_bytes: int = DEFAULT_MAX_CONFIG_BYTES,
    max_archive_bytes: int | None = None,
) -> Archive:
    """Read the configuration members of a UCS, qkview, tar or tar.gz archive.

    Raises :class:`InputError` for anything that is not a readable archive (encrypted,
    corrupt, truncated, too large, without configuration files).
    """
    if max_archive_bytes is None:
        cap = _ArchiveCap(path, ARCHIVE_TO_CONFIG_RATIO * max_config_bytes, ARCHIVE_SIZE_HINT)
    else:
        cap = _ArchiveCap(path, max_archive_bytes, _EXPLICIT_ARCHIVE_SIZE_HINT)
    walk = _ArchiveWalk(path, max_config_bytes, cap)
    hint = "pass the .ucs, .qkview or .tar.gz file itself"
    with open_regular_file(path, "archive", hint, hint) as raw:
        head = raw.read(512)
        _reject_non_archive(path, head)
        raw.seek(0)
        compressed = head.startswith(_GZIP_MAGIC)
        stream: _Readable = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        reader = _CountingReader(stream, cap)
        try:
            walk.run(reader, verify_to_end=compressed)
        # Gzip damage (EOFError, zlib.error, BadGzipFile) is reported by the reader itself.
        except (tarfile.TarError, OSError, RecursionError) as err:
            raise _unreadable_archive(
                path, err, compressed=compressed, opened=walk.opened
            ) from None
    return walk.result()


def is_config_member(name: str) -> bool:
    """True if the archive member ``name`` is one of the configuration files that are read."""
    if _is_unsafe(name):
        return False
    normalized = _normalize(name)
    return (
        normalized in _TOP_LEVEL_FILES
        or normalized in _PROFILE_FILES
        or _PARTITION_FILE.fullmatch(normalized) is not None
    )


def looks_like_archive(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file) starts a gzip stream or a ustar/GNU tar."""
    return head.startswith(_GZIP_MAGIC) or head[257:262] == b"ustar"


def looks_encrypted(head: bytes) -> bool:
    """True if ``head`` starts OpenPGP data: an ASCII-armored or binary encrypted message."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_PGP_ARMOR):
        return True
    packet = _openpgp_first_packet(head)
    if packet is None:
        return False
    tag, version = packet
    return version in _PGP_FIRST_PACKETS.get(tag, frozenset())


def _openpgp_first_packet(head: bytes) -> tuple[int, int] | None:
    """(packet tag, first body octet) of a binary OpenPGP packet header (RFC 9580 4.2)."""
    if len(head) < 2 or not head[0] & 0x80:
        return None
    first = head[0]
    if first & 0x40:  # new format: tag in the low six bits, then a 1, 2 or 5 octet length
        tag = first & 0x3F
        length_octet = head[1]
        if 192 <= length_octet <= 223:
            header_len = 3
        elif length_octet == 255:
            header_len = 6
        else:  # one-octet length, or a partial body length
            header_len = 2
    else:  # old format: tag in bits 5-2, length type in bits 1-0 (3 = indeterminate)
        tag = (first >> 2) & 0x0F
        header_len = 1 + (1, 2, 4, 0)[first & 0x03]
    if len(head) <= header_len:
        return None
    return tag, head[header_len]


@dataclass(frozen=True, slots=True)
class _ArchiveCap:
    """The limit on decompressed bytes walked, and the error that reports going past it."""

    path: str
    limit: int
    hint: str

    def exceeded(self) -> InputError:
        return InputError(
            f"archive expands to more than {_format_bytes(self.limit)} "
            "(a decompression bomb, or a very large qkview)",
            path=self.path,
            hint=self.hint,
        )


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _CountingReader:
    """Counts the (decompressed) bytes the tar reader pulls and stops past ``limit``.

    This is what bounds work on a gzip bomb: tarfile reads through it in small blocks, so the
    check happens as the stream is walked, never after a large buffer was filled. It also
    turns gzip damage into an :class:`InputError` before tarfile can re-wrap it.
    """

    def __init__(self, inner: _Readable, cap: _ArchiveCap) -> None:
        self._inner = inner
        self._cap = cap
        # Tar writers pad the end of an archive to a whole record (10 KiB by default), so a
        # cap equal to the archive's content size must not trip on that padding.
        self._hard_limit = cap.limit + tarfile.RECORDSIZE
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        # A negative size would mean "everything": never let tarfile ask for that.
        want = self._hard_limit + 1 - self.count if size < 0 else size
        try:
            data = self._inner.read(max(0, want))
        except EOFError:
            raise self._error("archive is truncated: the compressed data ends early") from None
        except (zlib.error, gzip.BadGzipFile) as err:
            raise self._error(f"archive is corrupt: bad gzip data ({err})") from None
        self.count += len(data)
        if self.count > self._hard_limit:
            raise self._cap.exceeded()
        return data

    def _error(self, message: str) -> InputError:
        return InputError(message, path=self._cap.path, hint=_RECOPY_HINT)

    def write(self, b: bytes, /) -> int:
        raise OSError("archive stream is read-only")

    def tell(self) -> int:
        return self.count

    def seek(self, pos: int, /) -> int:
        raise OSError("archive stream cannot seek")

    def close(self) -> None:
        """The underlying file is closed by ``read_archive``."""


class _MetadataTooLarge(tarfile.TarError):
    """A pax or GNU long-name header larger than any genuine one."""


class _GuardedTarInfo(tarfile.TarInfo):
    """TarInfo that refuses oversized metadata headers before tarfile reads them whole."""

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> Self:
        info = super().frombuf(buf, encoding, errors)
        if info.type in _METADATA_TYPES and info.size > _MAX_METADATA_BYTES:
            raise _MetadataTooLarge(
                f"a tar extended header claims {_format_bytes(info.size)}; genuine ones "
                f"are under {_format_bytes(_MAX_METADATA_BYTES)}"
            )
        return info


class _StreamingTarFile(tarfile.TarFile):
    """A TarFile for one forward pass that guards headers and forgets members once seen."""

    tarinfo = _GuardedTarInfo
    members: list[tarfile.TarInfo]  # set by TarFile.__init__, missing from the type stubs

    def next(self) -> tarfile.TarInfo | None:
        info = super().next()
        # tarfile keeps every TarInfo it has returned, even when streaming: an archive of
        # millions of empty members would pile them up in memory.
        self.members.clear()
        return info


class _Diagnostics:
    """Collects warnings for one archive, capping repeats of the same code."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._items: list[Diagnostic] = []
        self._counts: Counter[str] = Counter()

    def warn(self, code: str, message: str) -> None:
        self._counts[code] += 1
        if self._counts[code] <= _MAX_WARNINGS_PER_CODE:
            self._items.append(Diagnostic("warning", code, message, self._path))

    def summary(self) -> str:
        """What was ignored, as "2 ARCHIVE-LINK, 1 ARCHIVE-UNSAFE-PATH", for an error message."""
        return ", ".join(f"{count} {code}" for code, count in sorted(self._counts.items()))

    def result(self) -> tuple[Diagnostic, ...]:
        notes = [
            Diagnostic(
                "note",
                code,
                f"{count - _MAX_WARNINGS_PER_CODE} more {code} warnings not shown",
                self._path,
            )
            for code, count in sorted(self._counts.items())
            if count > _MAX_WARNINGS_PER_CODE
        ]
        return (*self._items, *notes)


class _ArchiveWalk:
    """State of one streaming pass over a tar: members kept, budget used, warnings."""

    def __init__(self, path: str, max_config_bytes: int, cap: _ArchiveCap) -> None:
        self.path = path
        self.max_config_bytes = max_config_bytes
        self.cap = cap
        self.config_bytes = 0
        self.opened = False  # False while the first header is read: errors mean "not a tar"
        self.members: dict[str, ArchiveMember] = {}
        self.diagnostics = _Diagnostics(path)

    def run(self, reader: _CountingReader, *, verify_to_end: bool) -> None:
        # "r|" (not "r|*"): decompression already happened under the counting reader, and a
        # second transparent layer (a gzip inside the gzip) would escape that count.
        with _StreamingTarFile.open(fileobj=reader, mode="r|", bufsize=_STREAM_BUFSIZE) as tar:
            self.opened = True
            walked = 0
            while (info := tar.next()) is not None:
                walked += 1
                if walked > _MAX_MEMBERS:
                    raise _too_many_members(self.path)
                name = self._select(info)
                # Both caps are judged on the header, before tarfile reads or skips the body.
                if name is not None:
                    self._check_config_budget(name, info.size)
                self._check_archive_budget(info)
                if name is not None:
                    self.members[name] = self._read_member(tar, info, name)
            # tarfile ends quietly when the data simply stops; a complete archive ends with a
            # zero block, which the reader must have delivered past the last member.
            if reader.count < tar.offset + tarfile.BLOCKSIZE:
                raise tarfile.ReadError("archive ends without the tar end-of-archive marker")
        if verify_to_end and self.members:
            # Read the rest of the gzip stream so its CRC is checked: a corrupted byte inside
            # a config file would otherwise pass unnoticed. Still capped by the reader.
            while reader.read(_STREAM_BUFSIZE):
                pass

    def result(self) -> Archive:
        if not self.members:
            ignored = self.diagnostics.summary()
            raise InputError(
                "no BIG-IP configuration files found in archive"
                + (f" (ignored: {ignored})" if ignored else ""),
                path=self.path,
                hint="expected config/bigip.conf, config/bigip_base.conf or "
                "config/partitions/<name>/bigip*.conf, as in a UCS or qkview",
            )
        ordered = sorted(self.members.values(), key=lambda member: _member_order(member.name))
        return Archive(self.path, tuple(ordered), self.diagnostics.result())

    def _select(self, info: tarfile.TarInfo) -> str | None:
        """The normalized name of a config member to read; None (maybe with a warning) if not."""
        if _is_unsafe(info.name):
            self.diagnostics.warn(
                "ARCHIVE-UNSAFE-PATH",
                f"member {_show(info.name)} has an absolute or '..' path; ignored",
            )
            return None
        name = _normalize(info.name)
        # Everything else, including the "._bigip.conf" AppleDouble twins macOS tar adds, is
        # skipped without reading its body: tarfile streams past it.
        if not is_config_member(name) or info.isdir():
            return None
        if not info.isreg():
            self._warn_not_regular(name, info)
            return None
        if name in self.members:
            self.diagnostics.warn(
                "ARCHIVE-DUPLICATE",
                f"{_show(name)} appears more than once; the first copy is used",
            )
            return None
        return name

    def _warn_not_regular(self, name: str, info: tarfile.TarInfo) -> None:
        if info.issym() or info.islnk():
            kind = "symbolic link" if info.issym() else "hard link"
            self.diagnostics.warn(
                "ARCHIVE-LINK",
                f"{_show(name)} is a {kind} (to {_show(info.linkname)}), not a file; ignored",
            )
        else:
            self.diagnostics.warn(
                "ARCHIVE-SPECIAL",
                f"{_show(name)} is a device, FIFO or other special file; ignored",
            )

    def _check_config_budget(self, name: str, size: int) -> None:
        remaining = self.max_config_bytes - self.config_bytes
        if size > remaining:
            raise InputError(
                f"{_show(name)} is {_format_bytes(size)}, over the "
                f"{_format_bytes(self.max_config_bytes)} limit for configuration text "
                f"({_format_bytes(remaining)} of it left for this member)",
                path=self.path,
                hint=CONFIG_SIZE_HINT,
            )

    def _check_archive_budget(self, info: tarfile.TarInfo) -> None:
        if info.offset_data + info.size > self.cap.limit:
            raise self.cap.exceeded()

    def _read_member(self, tar: tarfile.TarFile, info: tarfile.TarInfo, name: str) -> ArchiveMember:
        body = tar.extractfile(info)
        if body is None:  # unreachable for regular files; keeps the type checker honest
            raise tarfile.ReadError(f"cannot read {_show(name)}")
        # Read in chunks: one huge read() makes tarfile's stream join and slice copies of
        # the whole member, several times its size in memory at once.
        data = bytearray()
        while chunk := body.read(_READ_CHUNK):
            data += chunk
        self.config_bytes += len(data)
        # Configs can hold stray non-UTF-8 bytes (pasted certificates, Latin-1 descriptions).
        return ArchiveMember(name, data.decode("utf-8", errors="replace"), info.size)


def _reject_non_archive(path: str, head: bytes) -> None:
    if looks_encrypted(head):
        plain = _plain_name(path)
        raise InputError(
            "archive is an encrypted (passphrase-protected) UCS",
            path=path,
            hint=f"decrypt it first: gpg --decrypt {shlex.quote(path)} > {shlex.quote(plain)}",
        )
    if not head:
        raise InputError("archive is empty", path=path, hint=_RECOPY_HINT)
    if not looks_like_archive(head):
        raise InputError(
            "not a tar or gzip archive",
            path=path,
            hint="expected a UCS, qkview, .tar or .tar.gz file",
        )


def _plain_name(path: str) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}-plain{ext or '.ucs'}"


def _unreadable_archive(
    path: str, err: BaseException, *, compressed: bool, opened: bool
) -> InputError:
    if isinstance(err, _MetadataTooLarge):
        reason = f"archive is corrupt: {err}"
    elif isinstance(err, RecursionError):
        reason = "archive is corrupt: too many nested tar extended headers"
    elif isinstance(err, tarfile.TarError) and not opened:
        what = "gzip data does not contain" if compressed else "file is not"
        reason = f"{what} a tar archive ({err})"
    elif isinstance(err, tarfile.TarError):
        reason = f"archive is truncated or corrupt ({err})"
    else:
        reason = f"cannot read archive ({err})"
    return InputError(reason, path=path, hint=_RECOPY_HINT)


def _too_many_members(path: str) -> InputError:
    return InputError(
        f"archive has more than {_MAX_MEMBERS} members, far more than a UCS or qkview",
        path=path,
        hint="pass the UCS or qkview itself, or extract config/bigip*.conf and pass those",
    )


def _is_unsafe(name: str) -> bool:
    # Backslashes count as separators too: the name may come from a Windows-made archive.
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts


def _normalize(name: str) -> str:
    """Drop "./" prefixes, empty and "." components: "./config//bigip.conf" -> "config/..."."""
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def _member_order(name: str) -> tuple[int, str, int, str]:
    if name in _TOP_LEVEL_FILES:
        return (0, "", _TOP_LEVEL_FILES.index(name), "")
    if name in _PROFILE_FILES:
        return (2, "", _PROFILE_FILES.index(name), "")
    match = _PARTITION_FILE.fullmatch(name)
    partition, filename = match.groups() if match else ("", name)
    rank = (
        _PARTITION_FILE_ORDER.index(filename)
        if filename in _PARTITION_FILE_ORDER
        else len(_PARTITION_FILE_ORDER)
    )
    return (1, partition, rank, filename)


def _show(name: str) -> str:
    """A member name safe to print on one line (names may hold newlines or escapes)."""
    return name if name.isprintable() else repr(name)[1:-1]


def _format_bytes(count: int) -> str:
    """1536 -> "1.5 KiB", 536870912 -> "512 MiB": caps read better than raw byte counts."""
    if count < 1024:
        return f"{count} bytes"
    size = count / 1024
    unit = "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if size < 1024:
            break
        size /= 1024
        unit = bigger
    return f"{size:.1f}".removesuffix(".0") + f" {unit}"
