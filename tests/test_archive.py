"""Tests for lyncpolicy.adapters.archive: real UCS/tar.gz files, hostile and broken archives."""

from __future__ import annotations

import gzip
import io
import json
import random
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lyncpolicy.adapters.archive as archive_module
import pytest
from archive_factory import (
    GIB,
    GPG_PUBLIC_KEY,
    GPG_SIGNED_PREFIX,
    GPG_SYMMETRIC,
    Entry,
    conf,
    oversized_metadata_header,
    pax_long_name_header,
    tar_bytes,
    write_archive,
    write_gzip_of_zeros,
    write_pax_chain,
    write_tar_bomb,
)
from lyncpolicy.adapters.archive import (
    DEFAULT_MAX_CONFIG_BYTES,
    Archive,
    is_config_member,
    looks_encrypted,
    read_archive,
)

from lyncpolicy.errors import InputError

CORPUS = Path(__file__).parent / "data" / "corpus"
CORKSCREW = CORPUS / "f5devcentral__f5-corkscrew" / "tests" / "artifacts"
ACC = CORPUS / "f5devcentral__f5-automation-config-converter" / "test"
CORKSCREW_TGZ = CORKSCREW / "f5_corkscrew_test.tar.gz"
BAD_ARCHIVE1 = CORKSCREW / "badArchive1.tar.gz"
BASIC_INSTALL_UCS = ACC / "basic_install.ucs"
LICENSE_UCS = ACC / "engines" / "doConverter" / "license" / "license.ucs"
ENCRYPTED_UCS = ACC / "main" / "encrypted.ucs"
MEMORY_LIMIT_KIB = 200 * 1024  # ru_maxrss is in KiB on Linux


def read(path: Path, **caps: int) -> Archive:
    return read_archive(str(path), **caps)


def names(archive: Archive) -> list[str]:
    return [member.name for member in archive.members]


def codes(archive: Archive) -> list[str]:
    return [diagnostic.code for diagnostic in archive.diagnostics]


def input_error(path: Path, **caps: int) -> InputError:
    with pytest.raises(InputError) as caught:
        read(path, **caps)
    error = caught.value
    assert error.path == str(path)
    assert error.hint, "every archive error tells the user what to do"
    assert "\n" not in str(error)
    return error


def listing(*roots: Path) -> list[str]:
    return sorted(str(p) for root in roots for p in root.rglob("*"))


@contextmanager
def nothing_written(*roots: Path) -> Iterator[None]:
    before = listing(*roots)
    yield
    assert listing(*roots) == before


@pytest.fixture(autouse=True)
def empty_cwd(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every test runs in an empty working directory, so a stray relative write shows up."""
    cwd = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(cwd)
    yield
    assert list(cwd.iterdir()) == []


def tarfile_bodies(path: Path) -> dict[str, bytes]:
    """Member bytes as tarfile itself reads them: the independent oracle for the corpus."""
    bodies: dict[str, bytes] = {}
    with tarfile.open(path) as tar:
        for info in tar:
            body = tar.extractfile(info) if info.isreg() else None
            if body is not None:
                bodies[info.name.removeprefix("./")] = body.read()
    return bodies


# --- real archives from the corpus ---------------------------------------------------------


def test_corkscrew_archive_reads_config_files_base_first() -> None:
    archive = read(CORKSCREW_TGZ)
    assert names(archive) == [
        "config/bigip_base.conf",
        "config/bigip.conf",
        "config/bigip_gtm.conf",
        "config/bigip_script.conf",
        "config/partitions/foo/bigip_base.conf",
        "config/partitions/foo/bigip.conf",
        "config/partitions/foo.a_1-c/bigip.conf",
        "config/partitions/hue-infra/bigip.conf",
        "config/partitions/hue-infra/bigip_gtm.conf",
        "config/partitions/test/bigip.conf",
        "config/partitions/test/bigip_script.conf",
        "config/profile_base.conf",
        "config/low_profile_base.conf",
    ]
    assert archive.diagnostics == ()
    assert archive.path == str(CORKSCREW_TGZ)
    oracle = tarfile_bodies(CORKSCREW_TGZ)
    for member in archive.members:
        assert member.text == oracle[member.name].decode()
        assert member.size == len(oracle[member.name])
    # bigip_user.conf (password hashes), bigip.license and bigip_backup.conf are not read.
    assert {"config/bigip_user.conf", "config/bigip.license"} <= oracle.keys()


def test_bad_archive1_reads_every_partition_even_a_prose_one() -> None:
    archive = read(BAD_ARCHIVE1)
    assert names(archive) == [
        "config/bigip.conf",
        "config/partitions/bd1/bigip.conf",
        "config/partitions/bd2/bigip.conf",
    ]
    # Judging the prose file is the tmsh reader's job, not the archive reader's.
    assert archive.members[2].text.startswith("nothign here, testing")
    assert archive.members[2].size == 86


def test_macos_ucs_ignores_appledouble_and_hidden_members_silently() -> None:
    archive = read(BASIC_INSTALL_UCS)
    assert names(archive) == [
        "config/bigip_base.conf",
        "config/bigip.conf",
        "config/partitions/AS3_Tenant/bigip.conf",
    ]
    assert archive.diagnostics == ()
    assert [member.size for member in archive.members] == [12186, 1020, 84]
    oracle = tarfile_bodies(BASIC_INSTALL_UCS)
    assert archive.members[1].text == oracle["config/bigip.conf"].decode()


def test_license_ucs_has_only_bigip_conf() -> None:
    archive = read(LICENSE_UCS)
    assert names(archive) == ["config/bigip.conf"]
    assert archive.members[0].text == tarfile_bodies(LICENSE_UCS)["config/bigip.conf"].decode()
    assert archive.members[0].size == 52


def test_encrypted_ucs_is_refused_with_a_gpg_hint() -> None:
    error = input_error(ENCRYPTED_UCS)
    assert "encrypted (passphrase-protected) UCS" in error.message
    assert error.hint is not None
    assert error.hint.startswith("decrypt it first: gpg --decrypt ")
    assert str(ENCRYPTED_UCS).replace(".ucs", "-plain.ucs") in error.hint


def test_corpus_archives_are_read_without_writing(tmp_path: Path) -> None:
    with nothing_written(CORPUS, tmp_path):
        for archive in (CORKSCREW_TGZ, BAD_ARCHIVE1, BASIC_INSTALL_UCS, LICENSE_UCS):
            assert read(archive).members


# --- member selection and normalization ----------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "config/bigip_base.conf",
        "config/bigip.conf",
        "./config/bigip.conf",
        "config/bigip_gtm.conf",
        "config/bigip_script.conf",
        "config/profile_base.conf",
        "config/low_profile_base.conf",
        "config/partitions/Tenant_1/bigip.conf",
        "config/partitions/foo.a_1-c/bigip_base.conf",
        "config/partitions/p/bigip_custom.conf",
    ],
)
def test_is_config_member_accepts(name: str) -> None:
    assert is_config_member(name)


@pytest.mark.parametrize(
    "name",
    [
        "config/bigip_user.conf",
        "config/bigip.license",
        "config/bigip_backup.conf",
        "config/.bigip_emergency.conf",
        "config/._bigip.conf",
        "config/partitions/bigip.conf",
        "config/partitions/a/b/bigip.conf",
        "config/partitions/a/other.conf",
        "config/partitions/a/bigip.conf.bak",
        "var/config/bigip.conf",
        "bigip.conf",
        "/config/bigip.conf",
        "config/../config/bigip.conf",
        "config/partitions/../bigip.conf",
    ],
)
def test_is_config_member_rejects(name: str) -> None:
    assert not is_config_member(name)


def test_plain_uncompressed_tar_is_read(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "plain.tar",
        [conf("config/bigip.conf"), conf("config/bigip_base.conf")],
        compress=False,
    )
    assert path.read_bytes()[257:262] == b"ustar"
    assert names(read(path)) == ["config/bigip_base.conf", "config/bigip.conf"]


def test_members_are_normalized_and_ordered(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "order.tar.gz",
        [
            conf("./config/low_profile_base.conf"),
            conf("config/partitions/zeta/bigip.conf"),
            conf("./config/partitions/alpha/bigip_gtm.conf"),
            conf("config/partitions/alpha/bigip.conf"),
            conf("config/partitions/alpha/bigip_base.conf"),
            conf("config//bigip_script.conf"),
            conf("config/profile_base.conf"),
            conf("./config/bigip.conf"),
            conf("config/./bigip_base.conf"),
            Entry("config/partitions/alpha", type=tarfile.DIRTYPE),
        ],
    )
    assert names(read(path)) == [
        "config/bigip_base.conf",
        "config/bigip.conf",
        "config/bigip_script.conf",
        "config/partitions/alpha/bigip_base.conf",
        "config/partitions/alpha/bigip.conf",
        "config/partitions/alpha/bigip_gtm.conf",
        "config/partitions/zeta/bigip.conf",
        "config/profile_base.conf",
        "config/low_profile_base.conf",
    ]


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    body = b'ltm pool /Common/p {\n    description "caf\xe9 \xff\xfe"\n}\n'
    path = write_archive(tmp_path / "latin1.tgz", [Entry("config/bigip.conf", body)])
    member = read(path).members[0]
    assert member.size == len(body)
    assert member.text == body.decode("utf-8", errors="replace")
    assert "\ufffd" in member.text


# --- hostile members -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../evil.conf",
        "/etc/x",
        "config/../../x",
        "/config/bigip.conf",
        "config/partitions/../../../config/bigip.conf",
        "..\\..\\config\\bigip.conf",
    ],
)
def test_unsafe_paths_are_ignored_with_a_warning(tmp_path: Path, name: str) -> None:
    path = write_archive(
        tmp_path / "traversal.tgz",
        [Entry(name, b"ltm virtual /Common/evil { }\n"), conf("config/bigip.conf", "safe\n")],
    )
    with nothing_written(tmp_path, tmp_path.parent):
        archive = read(path)
    assert names(archive) == ["config/bigip.conf"]
    assert archive.members[0].text == "safe\n"
    [warning] = archive.diagnostics
    assert (warning.level, warning.code) == ("warning", "ARCHIVE-UNSAFE-PATH")
    assert warning.path == str(path)
    assert name in warning.message


@pytest.mark.parametrize(
    ("link_type", "word"),
    [(tarfile.SYMTYPE, "symbolic link"), (tarfile.LNKTYPE, "hard link")],
)
def test_links_named_like_config_are_ignored(tmp_path: Path, link_type: bytes, word: str) -> None:
    path = write_archive(
        tmp_path / "links.tgz",
        [
            conf("config/bigip_base.conf"),
            Entry("config/bigip.conf", type=link_type, linkname="/etc/shadow"),
        ],
    )
    archive = read(path)
    assert names(archive) == ["config/bigip_base.conf"]
    [warning] = archive.diagnostics
    assert (warning.level, warning.code) == ("warning", "ARCHIVE-LINK")
    assert word in warning.message
    assert "/etc/shadow" in warning.message


def test_links_elsewhere_are_normal_ucs_content_and_not_reported(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "ucs.tgz",
        [
            conf("config/bigip.conf"),
            Entry("config/filestore/link", type=tarfile.SYMTYPE, linkname="/var/x"),
            Entry("var/hard", type=tarfile.LNKTYPE, linkname="config/bigip.conf"),
        ],
    )
    archive = read(path)
    assert names(archive) == ["config/bigip.conf"]
    assert archive.diagnostics == ()


@pytest.mark.parametrize("special", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_device_and_fifo_members_are_ignored(tmp_path: Path, special: bytes) -> None:
    path = write_archive(
        tmp_path / "special.tgz",
        [conf("config/bigip.conf"), Entry("config/bigip_gtm.conf", type=special)],
    )
    archive = read(path)
    assert names(archive) == ["config/bigip.conf"]
    assert codes(archive) == ["ARCHIVE-SPECIAL"]
    assert archive.diagnostics[0].level == "warning"


def test_duplicate_config_member_keeps_the_first(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "dup.tgz",
        [
            conf("config/bigip.conf", "first\n"),
            conf("./config/bigip.conf", "second\n"),
            conf("config/bigip.conf", "third\n"),
        ],
    )
    archive = read(path)
    assert [member.text for member in archive.members] == ["first\n"]
    assert codes(archive) == ["ARCHIVE-DUPLICATE", "ARCHIVE-DUPLICATE"]
    assert all("config/bigip.conf" in d.message for d in archive.diagnostics)


def test_repeated_warnings_are_capped_with_a_summary_note(tmp_path: Path) -> None:
    hostile = [Entry(f"../evil{i}.conf", b"x") for i in range(50)]
    path = write_archive(tmp_path / "many.tgz", [*hostile, conf("config/bigip.conf")])
    archive = read(path)
    assert codes(archive) == ["ARCHIVE-UNSAFE-PATH"] * 20 + ["ARCHIVE-UNSAFE-PATH"]
    note = archive.diagnostics[-1]
    assert note.level == "note"
    assert note.message == "30 more ARCHIVE-UNSAFE-PATH warnings not shown"


def test_control_characters_in_names_stay_on_one_line(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "newline.tgz",
        [Entry("/config/\n\x1b[31mbigip.conf", b"x"), conf("config/bigip.conf")],
    )
    [warning] = read(path).diagnostics
    assert "\n" not in str(warning)
    assert "\x1b" not in str(warning)
    assert "\\n\\x1b[31mbigip.conf" in warning.message


def test_hostile_archive_writes_nothing(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "hostile.tgz",
        [
            Entry("../../escape.conf", b"x"),
            Entry("/tmp/absolute.conf", b"x"),
            Entry("config/bigip.conf", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
            Entry("config/bigip_base.conf", type=tarfile.LNKTYPE, linkname="/etc/passwd"),
            Entry("config/bigip_gtm.conf", type=tarfile.FIFOTYPE),
            conf("config/bigip_script.conf"),
            conf("config/bigip_script.conf"),
        ],
    )
    with nothing_written(tmp_path, Path.cwd()):
        archive = read(path)
    assert names(archive) == ["config/bigip_script.conf"]
    assert sorted(codes(archive)) == [
        "ARCHIVE-DUPLICATE",
        "ARCHIVE-LINK",
        "ARCHIVE-LINK",
        "ARCHIVE-SPECIAL",
        "ARCHIVE-UNSAFE-PATH",
        "ARCHIVE-UNSAFE-PATH",
    ]


# --- size caps -----------------------------------------------------------------------------


def test_config_member_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "big.tgz", [Entry("config/bigip.conf", b"x" * 3000)])
    error = input_error(path, max_config_bytes=2048)
    assert "config/bigip.conf" in error.message
    assert "2.9 KiB" in error.message and "2 KiB" in error.message
    assert error.hint == "raise it with --max-config-size"
    assert str(path) in str(error)
    assert read(path, max_config_bytes=3000).members[0].size == 3000


def test_config_cap_is_a_budget_over_all_members(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "budget.tgz",
        [Entry("config/bigip.conf", b"a" * 600), Entry("config/bigip_base.conf", b"b" * 600)],
    )
    error = input_error(path, max_config_bytes=1000)
    assert "config/bigip_base.conf" in error.message  # the second one no longer fits
    assert "400 bytes" in error.message
    assert len(read(path, max_config_bytes=1200).members) == 2


def test_config_cap_is_checked_before_the_body_is_read(tmp_path: Path) -> None:
    # The header promises 10 MiB but the file stops right after it: reading the body would
    # fail as truncated, so a size error proves the header alone was judged.
    info = tarfile.TarInfo("config/bigip.conf")
    info.size = 10 * 1024 * 1024
    path = tmp_path / "header-only.tar"
    path.write_bytes(info.tobuf(format=tarfile.GNU_FORMAT))
    error = input_error(path, max_config_bytes=1024 * 1024)
    assert "10 MiB" in error.message
    assert "truncated" in input_error(path).message


def test_archive_cap_stops_huge_non_config_members(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "qkview.tgz",
        [Entry("var/log/ltm", bytes(64 * 1024)), conf("config/bigip.conf")],
    )
    error = input_error(path, max_archive_bytes=16 * 1024)
    assert error.message.startswith("archive expands to more than 16 KiB")
    assert error.hint == "if the archive is genuine, raise the archive size limit"
    assert names(read(path, max_archive_bytes=1024 * 1024)) == ["config/bigip.conf"]


def test_archive_cap_defaults_to_eight_times_the_config_cap(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "ratio.tgz", [Entry("var/log/ltm", bytes(9000)), conf("config/bigip.conf")]
    )
    error = input_error(path, max_config_bytes=1024)
    assert "expands to more than 8 KiB" in error.message
    # The CLI has no archive-size option: the hint names the one that moves this cap.
    assert error.hint == (
        "if the archive is genuine, raise --max-config-size (an archive may expand to 8 times it)"
    )
    assert names(read(path, max_config_bytes=4096)) == ["config/bigip.conf"]


def test_counting_reader_caps_bytes_read_before_any_member(tmp_path: Path) -> None:
    # A 40 KiB pax header is consumed before tarfile returns the member it describes, so only
    # the counting reader (not a member header check) can stop it. The reader allows one tar
    # record (10 KiB) of end padding over the cap.
    member = tar_bytes([conf("config/bigip.conf")], compress=False)
    path = tmp_path / "pax.tgz"
    path.write_bytes(gzip.compress(pax_long_name_header(40_000) + member))
    assert "more than 4 KiB" in input_error(path, max_archive_bytes=4096).message


def test_archive_cap_is_checked_on_the_header_before_skipping(tmp_path: Path) -> None:
    # A non-config member whose header promises 100 MiB, in a file that stops after the header:
    # skipping it would fail as truncated, so a size error proves the header alone was judged.
    info = tarfile.TarInfo("var/core/dump")
    info.size = 100 * 1024 * 1024
    path = tmp_path / "header-only.tar"
    path.write_bytes(info.tobuf(format=tarfile.GNU_FORMAT))
    error = input_error(path, max_archive_bytes=1024 * 1024)
    assert error.message.startswith("archive expands to more than 1 MiB")


def test_data_after_the_end_marker_counts_towards_the_archive_cap(tmp_path: Path) -> None:
    # Only the counting reader sees bytes that follow the last member: tarfile stops at the
    # end-of-archive marker, and the rest of the gzip stream is read to check its CRC.
    tar = tar_bytes([conf("config/bigip.conf")], compress=False)
    path = tmp_path / "trailing.tgz"
    path.write_bytes(gzip.compress(tar + bytes(200 * 1024)))
    assert "more than 32 KiB" in input_error(path, max_archive_bytes=32 * 1024).message
    assert names(read(path, max_archive_bytes=512 * 1024)) == ["config/bigip.conf"]


def test_oversized_metadata_header_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "meta.tar"
    path.write_bytes(oversized_metadata_header(2 * 1024 * 1024) + bytes(8192))
    error = input_error(path)
    assert error.message.startswith("archive is corrupt: a tar extended header claims 2 MiB")


def test_endless_chain_of_extended_headers_is_an_input_error(tmp_path: Path) -> None:
    error = input_error(write_pax_chain(tmp_path / "chain.tgz", 3000))
    assert error.message == "archive is corrupt: too many nested tar extended headers"


# --- broken and non-archive inputs -----------------------------------------------------------


def test_truncated_tgz_is_an_input_error(tmp_path: Path) -> None:
    data = CORKSCREW_TGZ.read_bytes()
    path = tmp_path / "half.tar.gz"
    path.write_bytes(data[: len(data) // 2])
    assert input_error(path).message == "archive is truncated: the compressed data ends early"


def test_truncated_plain_tar_is_an_input_error(tmp_path: Path) -> None:
    data = tar_bytes([conf("config/bigip.conf"), Entry("var/x", bytes(8192))], compress=False)
    path = tmp_path / "half.tar"
    path.write_bytes(data[:3000])  # inside var/x, a member that is skipped, not read
    assert "truncated" in input_error(path).message


def test_tar_cut_between_members_is_an_input_error(tmp_path: Path) -> None:
    data = tar_bytes([conf("config/bigip.conf"), conf("config/bigip_base.conf")], compress=False)
    path = tmp_path / "cut.tar"
    path.write_bytes(data[:1024])  # first member complete, then nothing: no end marker
    error = input_error(path)
    assert "end-of-archive marker" in error.message


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    data = bytearray(CORKSCREW_TGZ.read_bytes())
    data[5000:5400] = bytes(400)
    path = tmp_path / "corrupt.tgz"
    path.write_bytes(bytes(data))
    assert input_error(path).message.startswith("archive is corrupt: bad gzip data")


def test_gzip_crc_mismatch_is_an_input_error(tmp_path: Path) -> None:
    # An intact deflate stream whose CRC trailer is wrong: only seen at the very end, after
    # the tar end-of-archive marker, so the rest of the stream must still be read.
    data = bytearray(CORKSCREW_TGZ.read_bytes())
    data[-8] ^= 0xFF
    path = tmp_path / "crc.tgz"
    path.write_bytes(bytes(data))
    assert "bad gzip data" in input_error(path).message


def test_gzip_crc_is_checked_past_the_end_marker(tmp_path: Path) -> None:
    # GNU tar with a large blocking factor (-b 2048) pads the archive to 1 MiB records, so the
    # CRC trailer sits far beyond the point where tarfile stops reading.
    tar = tar_bytes([conf("config/bigip.conf")], compress=False)
    data = bytearray(gzip.compress(tar + bytes(1024 * 1024 - len(tar))))
    data[-8] ^= 0xFF
    path = tmp_path / "padded.tgz"
    path.write_bytes(bytes(data))
    assert "CRC check failed" in input_error(path).message


def test_gzip_of_something_else_is_not_a_tar(tmp_path: Path) -> None:
    path = tmp_path / "bigip.conf.gz"
    path.write_bytes(gzip.compress(b"ltm pool /Common/p { }\n" * 100))
    assert input_error(path).message.startswith("gzip data does not contain a tar archive")


def test_text_named_ucs_is_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "backup.ucs"
    path.write_text("<html><body>502 Bad Gateway</body></html>\n")
    error = input_error(path)
    assert error.message == "not a tar or gzip archive"
    assert error.hint == "expected a UCS, qkview, .tar or .tar.gz file"


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.ucs"
    path.write_bytes(b"")
    assert input_error(path).message == "archive is empty"


def test_archive_without_config_members(tmp_path: Path) -> None:
    path = write_archive(
        tmp_path / "noconfig.tgz",
        [conf("config/bigip_user.conf"), Entry("config/bigip.license", b"lic"), conf("x.conf")],
    )
    error = input_error(path)
    assert error.message == "no BIG-IP configuration files found in archive"
    assert error.hint is not None and "config/bigip.conf" in error.hint


def test_no_config_error_says_what_was_ignored(tmp_path: Path) -> None:
    # Without this, an archive whose only bigip.conf is a symlink would just look empty.
    path = write_archive(
        tmp_path / "links-only.tgz",
        [
            Entry("config/bigip.conf", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
            Entry("/config/bigip_base.conf", b"x"),
            Entry("../config/bigip_gtm.conf", b"x"),
        ],
    )
    assert input_error(path).message == (
        "no BIG-IP configuration files found in archive "
        "(ignored: 1 ARCHIVE-LINK, 2 ARCHIVE-UNSAFE-PATH)"
    )


def test_too_many_members_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_module, "_MAX_MEMBERS", 100)
    path = write_archive(tmp_path / "many.tgz", [Entry(f"var/{i}") for i in range(101)])
    error = input_error(path)
    assert error.message == "archive has more than 100 members, far more than a UCS or qkview"
    fits = [*(Entry(f"var/{i}") for i in range(99)), conf("config/bigip.conf")]
    assert names(read(write_archive(tmp_path / "ok.tgz", fits))) == ["config/bigip.conf"]


def test_streaming_reader_forgets_members_it_has_passed() -> None:
    # tarfile keeps every TarInfo it returns; millions of empty members would fill memory.
    data = tar_bytes([Entry(f"var/{i}") for i in range(500)], compress=False)
    with archive_module._StreamingTarFile.open(fileobj=io.BytesIO(data), mode="r|") as tar:
        seen = 0
        while tar.next() is not None:
            seen += 1
            assert tar.members == []
    assert seen == 500


def test_missing_file_and_directory_are_input_errors(tmp_path: Path) -> None:
    assert input_error(tmp_path / "nope.ucs").message == "no such file or directory"
    assert "directory" in input_error(tmp_path).message


@pytest.mark.parametrize(
    "data",
    [
        GPG_SYMMETRIC,
        GPG_PUBLIC_KEY,
        GPG_SIGNED_PREFIX + bytes(64),
        b"\xd2\x50\x01" + bytes(80),  # new-format SEIPD v1, one-octet length
        b"\xd4\xc0\x10\x01" + bytes(80),  # new-format AEAD v1, two-octet length
        b"\xc3\xff\x00\x00\x00\x20\x04" + bytes(40),  # new-format SKESK v4, five-octet length
        b"\x8d\x00\x0d\x04" + bytes(40),  # old-format SKESK v4, two-octet length
        b"\n-----BEGIN PGP MESSAGE-----\n\njA0ECQMC\n",
    ],
)
def test_binary_and_armored_openpgp_is_an_encrypted_ucs(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "backup.ucs"
    path.write_bytes(data)
    assert looks_encrypted(data)
    error = input_error(path)
    assert error.message == "archive is an encrypted (passphrase-protected) UCS"
    assert error.hint == f"decrypt it first: gpg --decrypt {path} > {tmp_path / 'backup-plain.ucs'}"


@pytest.mark.parametrize(
    "data",
    [
        "évaluation {\n".encode(),  # 0xC3: new-format tag 3, but no SKESK version follows
        "Ärger\n".encode(),
        b"\x84\x10\x07" + bytes(20),  # old-format PKESK header with an impossible version
        b"\xcb\x10\x04" + bytes(20),  # tag 11 (literal data): plain, not encrypted
        b"\x1f\x8b\x08\x00",
        b"",
    ],
)
def test_not_openpgp(data: bytes) -> None:
    assert not looks_encrypted(data)


def test_random_damage_never_escapes_as_a_traceback(tmp_path: Path) -> None:
    """Flip bytes and cut at random points: the result is an archive or an InputError."""
    rng = random.Random(20240611)
    originals = [
        CORKSCREW_TGZ.read_bytes(),
        tar_bytes(
            [conf("config/bigip.conf"), conf("config/partitions/a/bigip.conf")], compress=False
        ),
    ]
    path = tmp_path / "damaged.tgz"
    outcomes = {"ok": 0, "error": 0}
    for attempt in range(300):
        data = bytearray(rng.choice(originals))
        if attempt % 3 == 0:
            del data[rng.randrange(1, len(data)) :]
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            read(path)
            outcomes["ok"] += 1
        except InputError as error:
            assert "\n" not in str(error) and error.hint
            outcomes["error"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0  # both paths were exercised


# --- decompression bombs (1 GiB, streamed; memory measured in a child process) ----------------

_READ_IN_CHILD = """
import sys
from lyncpolicy.adapters.archive import read_archive
from lyncpolicy.errors import InputError
try:
    read_archive(sys.argv[1])
except InputError as err:
    print("InputError:", err)
else:
    print("no error")
"""

_ALLOCATE_IN_CHILD = "import sys; block = bytearray(300 * 1024 * 1024); print(len(block))"

# The harness is itself a fresh process, so RUSAGE_CHILDREN covers exactly one child: the
# read above, not anything else the test run spawned before.
_MEASURE = """
import json, resource, subprocess, sys
child = subprocess.run([sys.executable, "-c", *sys.argv[1:]], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": child.returncode, "out": child.stdout, "err": child.stderr, "kib": peak}))
"""


def run_measured(*child_args: str) -> tuple[str, int]:
    """Run ``python -c child_args...`` in a child; return its stdout and peak RSS in KiB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *child_args],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["rc"] == 0, report["err"]
    return str(report["out"]), int(report["kib"])


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    built = {
        "zeros": write_gzip_of_zeros(folder / "zeros.ucs", GIB),
        "member": write_tar_bomb(folder / "member.tar.gz", "config/bigip.conf", GIB),
    }
    for path in built.values():
        assert path.stat().st_size < 2 * 1024 * 1024  # ~1 MB expanding to 1 GiB
    return built


def test_memory_harness_detects_a_300_mb_process() -> None:
    out, kib = run_measured(_ALLOCATE_IN_CHILD)
    assert out.strip() == str(300 * 1024 * 1024)
    assert kib > MEMORY_LIMIT_KIB  # so the bounds below are real measurements


def test_gzip_of_one_gib_of_zeros_fails_cleanly_in_bounded_memory(
    bombs: dict[str, Path],
) -> None:
    out, kib = run_measured(_READ_IN_CHILD, str(bombs["zeros"]))
    assert out.startswith("InputError: ")
    assert "no BIG-IP configuration files found in archive" in out
    assert kib < MEMORY_LIMIT_KIB


def test_one_gib_config_member_fails_before_reading_in_bounded_memory(
    bombs: dict[str, Path],
) -> None:
    out, kib = run_measured(_READ_IN_CHILD, str(bombs["member"]))
    assert out.startswith("InputError: ")
    assert "config/bigip.conf is 1 GiB, over the 512 MiB limit" in out
    assert "--max-config-size" in out
    assert kib < MEMORY_LIMIT_KIB


def test_bombs_are_read_without_writing(bombs: dict[str, Path]) -> None:
    folder = bombs["zeros"].parent
    with nothing_written(folder, Path.cwd()):
        for path in bombs.values():
            with pytest.raises(InputError):
                read(path)


def test_default_config_cap_is_512_mib() -> None:
    assert DEFAULT_MAX_CONFIG_BYTES == 512 * 1024 * 1024
