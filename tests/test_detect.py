"""Tests for lyncpolicy.adapters.detect: content first, file name second."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import lyncpolicy.adapters.detect as detect
import pytest
from archive_factory import GPG_SYMMETRIC, conf, tar_bytes
from lyncpolicy.adapters.detect import InputKind, detect_input, iter_inputs

import lyncpolicy.inputs as inputs
from lyncpolicy.errors import InputError

CORPUS = Path(__file__).parent / "data" / "corpus"
ACC = CORPUS / "f5devcentral__f5-automation-config-converter" / "test"
CORKSCREW = CORPUS / "f5devcentral__f5-corkscrew" / "tests"
BATFISH_LTM = next(CORPUS.glob("batfish__batfish/**/f5_bigip_structured_ltm"))


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def kind_of(tmp_path: Path, name: str, content: str | bytes) -> InputKind:
    return detect_input(str(write(tmp_path / name, content)))


# --- the corpus --------------------------------------------------------------------------------

ARCHIVES = {
    "f5devcentral__f5-corkscrew/tests/artifacts/f5_corkscrew_test.tar.gz",
    "f5devcentral__f5-corkscrew/tests/artifacts/badArchive1.tar.gz",
    "f5devcentral__f5-automation-config-converter/test/basic_install.ucs",
    "f5devcentral__f5-automation-config-converter/test/engines/doConverter/license/license.ucs",
}
ENCRYPTED = {"f5devcentral__f5-automation-config-converter/test/main/encrypted.ucs"}
NOT_INPUTS = {"PROVENANCE.md", "inventory.json", "inventory_problems.json"}


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_corpus_file_is_recognized(path: Path) -> None:
    relative = str(path.relative_to(CORPUS))
    if relative in ARCHIVES:
        expected = "archive"
    elif relative in ENCRYPTED:
        expected = "encrypted-archive"
    elif relative in NOT_INPUTS:
        expected = "unknown"
    else:  # every other corpus file is tmsh text (.conf, .scf, .tmpl, .f5, no extension...)
        expected = "tmsh"
    assert detect_input(str(path)) == expected


def test_extensionless_batfish_config_is_tmsh_by_content() -> None:
    assert BATFISH_LTM.suffix == ""
    assert detect_input(str(BATFISH_LTM)) == "tmsh"


def test_prose_named_bigip_conf_is_left_to_the_tmsh_reader() -> None:
    prose = CORKSCREW / "artifacts" / "badBigip.conf"
    assert b"{" not in prose.read_bytes()
    assert detect_input(str(prose)) == "tmsh"


# --- content beats the file name ----------------------------------------------------------------


def test_text_named_ucs_is_unknown(tmp_path: Path) -> None:
    assert kind_of(tmp_path, "backup.ucs", "<html>502 Bad Gateway</html>\n") == "unknown"


@pytest.mark.parametrize("name", ["backup.ucs", "support.qkview", "x.tar", "x.tgz", "x.tar.gz"])
def test_archive_extensions_with_archive_content(tmp_path: Path, name: str) -> None:
    gzipped = tar_bytes([conf("config/bigip.conf")])
    assert kind_of(tmp_path, name, gzipped) == "archive"
    assert kind_of(tmp_path, "plain-" + name, tar_bytes([conf("x")], compress=False)) == "archive"


def test_archive_content_under_any_name(tmp_path: Path) -> None:
    assert kind_of(tmp_path, "backup.txt", tar_bytes([conf("config/bigip.conf")])) == "archive"
    assert kind_of(tmp_path, "bigip.conf.gz", gzip.compress(b"ltm pool p { }\n")) == "archive"


@pytest.mark.parametrize(
    "data",
    [
        GPG_SYMMETRIC,
        b"-----BEGIN PGP MESSAGE-----\nVersion: GnuPG v1.4.5\n\njA0E\n",
        b"\xef\xbb\xbf\n-----BEGIN PGP MESSAGE-----\n",
    ],
)
def test_openpgp_is_an_encrypted_archive(tmp_path: Path, data: bytes) -> None:
    assert kind_of(tmp_path, "backup.ucs", data) == "encrypted-archive"


def test_utf8_text_is_not_mistaken_for_openpgp(tmp_path: Path) -> None:
    # 0xC3 (the first byte of "é", "Ä"...) is also a new-format OpenPGP header for tag 3.
    assert kind_of(tmp_path, "notes.txt", "étude des règles\nÄrger\n") == "unknown"


# --- tmsh text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#TMSH-VERSION: 15.1.8.2\n",
        "ltm virtual /Common/vs {\n    destination /Common/10.0.0.1:443\n}\n",
        "sys global-settings {\n    hostname bigip1\n}\n",
        "cli admin-partitions {\n    update-partition Common\n}\n",
        "ltm pool /Common/p { }\n",
        "ltm node node3 {\naddress 10.200.24.2\n}\n",
        'security dos bot-signature "/Common/Bash Shellshock" {\n}\n',
        "gtm topology ldns: subnet 10.0.0.0/8 server: pool /Common/p {\n}\n",
        "# exported by hand\n#\n\n   \nltm rule /Common/r {\nwhen HTTP_REQUEST { }\n}\n",
        "\ufeff\r\nsys dns {\r\n}\r\n",
    ],
)
def test_tmsh_text_is_recognized_under_any_name(tmp_path: Path, text: str) -> None:
    assert kind_of(tmp_path, "export.txt", text) == "tmsh"
    assert kind_of(tmp_path, "no_extension", text) == "tmsh"


@pytest.mark.parametrize(
    "text",
    [
        "This represents a .conf file that does not have the right content",
        "Hello world {\n}\n",
        "LTM virtual /Common/vs {\n}\n",
        "ltm virtual /Common/vs{\n}\n",
        "ltm virtual /Common/vs\n",
        "- name: deploy\n  bigip_config: {}\n",
        "# only comments\n# here\n",
        "",
        "ltm virtual x {\x00\x00binary",
    ],
)
def test_non_tmsh_text_is_unknown_unless_named_like_tmsh(tmp_path: Path, text: str) -> None:
    assert kind_of(tmp_path, "notes.txt", text) == "unknown"
    assert kind_of(tmp_path, "README", text) == "unknown"
    # A file named like tmsh is handed to the tmsh reader, which explains what is wrong.
    for name in ("bigip.conf", "export.scf", "saved.tmsh"):
        assert kind_of(tmp_path, name, text) == "tmsh"


def test_only_the_first_64_kib_are_read(tmp_path: Path) -> None:
    comments = "# padding comment line\n" * 4000  # ~92 KiB of comments before the header
    assert kind_of(tmp_path, "late.txt", comments + "ltm pool /Common/p { }\n") == "unknown"
    early = "# x\n" * 100 + "ltm pool /Common/p { }\n" + comments
    assert kind_of(tmp_path, "early.txt", early) == "tmsh"


# --- JSON ---------------------------------------------------------------------------------------

JSON_CASES: list[tuple[dict[str, object] | list[object], InputKind]] = [
    ({"format_version": "1.2", "terraform_version": "1.7", "planned_values": {}}, "terraform-plan"),
    ({"format_version": "1.2", "resource_changes": []}, "terraform-plan"),
    ({"format_version": "1.0", "terraform_version": "1.7.0", "values": {}}, "terraform-show-state"),
    ({"version": 4, "terraform_version": "1.7.0", "serial": 3, "resources": []}, "terraform-state"),
    ({"version": 3, "terraform_version": "0.11.0", "resources": []}, "unknown"),
    ({"version": True, "terraform_version": "1.7.0", "resources": []}, "unknown"),
    ({"version": "4", "terraform_version": "1.7.0", "resources": []}, "unknown"),
    ({"version": 4, "terraform_version": "1.7.0"}, "unknown"),
    ({"format_version": "1.0"}, "unknown"),
    ({"class": "AS3", "action": "deploy", "declaration": {"class": "ADC"}}, "as3"),
    ({"class": "ADC", "schemaVersion": "3.50.0", "id": "x"}, "as3"),
    ({"declaration": {"class": "ADC", "schemaVersion": "3.50.0"}}, "as3"),
    ({"class": "DO", "declaration": {"class": "Device"}}, "do"),
    ({"class": "Device", "schemaVersion": "1.40.0", "Common": {}}, "do"),
    ({"declaration": {"class": "Device"}}, "do"),
    ({"class": "Tenant"}, "unknown"),
    ({"class": ["ADC"]}, "unknown"),
    ({"declaration": {"class": {"name": "ADC"}}}, "unknown"),
    ({"declaration": "ADC"}, "unknown"),
    ([{"class": "ADC"}], "unknown"),
]


@pytest.mark.parametrize(("document", "expected"), JSON_CASES)
def test_json_documents(tmp_path: Path, document: object, expected: InputKind) -> None:
    assert kind_of(tmp_path, "input.json", json.dumps(document, indent=2)) == expected


def test_minified_json_larger_than_the_head_is_parsed(tmp_path: Path) -> None:
    resources = [{"type": "bigip_ltm_pool", "name": f"pool{i}" * 20} for i in range(2000)]
    document = {"version": 4, "terraform_version": "1.7.0", "resources": resources}
    text = json.dumps(document, separators=(",", ":"))
    assert len(text) > 64 * 1024 and "\n" not in text
    assert kind_of(tmp_path, "terraform.tfstate", text) == "terraform-state"


def test_broken_json_is_unknown_but_json_named_conf_goes_to_tmsh(tmp_path: Path) -> None:
    assert kind_of(tmp_path, "plan.json", '{"format_version": "1.2", "planned_values": ') == (
        "unknown"
    )
    assert kind_of(tmp_path, "bigip.conf", '{"class": "Tenant"}') == "tmsh"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('{"format_version":"1.2","terraform_version":"1.7","planned_values":{', "terraform-plan"),
        ('{\n  "format_version": "1.0",\n  "values": {\n', "terraform-show-state"),
        ('{\n  "version": 4,\n  "terraform_version": "1.7.0",\n  "serial": 1,', "terraform-state"),
        ('{"class": "AS3", "declaration": {', "as3"),
        ('{"class": "Device", "Common": {', "do"),
        ('{"version": 40, "terraform_version": "1.7.0",', "unknown"),
        ('{"items": [', "unknown"),
    ],
)
def test_json_too_large_to_parse_is_judged_by_its_first_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, head: str, expected: InputKind
) -> None:
    monkeypatch.setattr(inputs, "MAX_JSON_PARSE_BYTES", 1024)
    text = head + " " * 4096  # not valid JSON: proves it was not parsed
    assert kind_of(tmp_path, "big.json", text) == expected


# --- errors ------------------------------------------------------------------------------------


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.conf")
    for call in (lambda: detect_input(missing), lambda: iter_inputs([missing])):
        with pytest.raises(InputError) as caught:
            call()
        assert caught.value.message == "no such file or directory"
        assert caught.value.path == missing


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.conf"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        detect_input(str(fifo))


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        detect_input(str(tmp_path))


def test_explicit_unknown_file_is_an_input_error(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.txt", "just some notes\n")
    with pytest.raises(InputError) as caught:
        iter_inputs([str(notes)])
    error = caught.value
    assert error.message == "not a recognized input"
    assert error.exit_code == 2
    assert error.hint is not None
    for supported in ("tmsh", "UCS", "qkview", "Terraform", "AS3", "DO"):
        assert supported in error.hint


# --- iter_inputs ---------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "configs"
    write(root / "b" / "bigip.conf", "ltm pool /Common/b { }\n")
    write(root / "a" / "deep" / "plan.json", json.dumps({"format_version": "1", "values": {}}))
    write(root / "a" / "as3.json", json.dumps({"class": "ADC"}))
    write(root / "a" / "README.md", "# Configs\n")
    write(root / "backup.ucs", tar_bytes([conf("config/bigip.conf")]))
    write(root / "zz.scf", "sys dns {\n}\n")
    write(root / ".git" / "bigip.conf", "ltm pool /Common/git { }\n")  # hidden folder
    write(root / ".terraform" / "state.json", json.dumps({"class": "DO"}))
    write(root / "b" / "._bigip.conf", b"\x00\x05\x16\x07AppleDouble")  # hidden file
    return root


def test_directory_walk_is_sorted_recursive_and_skips_hidden(tree: Path) -> None:
    found, notes = iter_inputs([str(tree)])
    assert found == [
        (str(tree / "backup.ucs"), "archive"),
        (str(tree / "zz.scf"), "tmsh"),
        (str(tree / "a" / "as3.json"), "as3"),
        (str(tree / "a" / "deep" / "plan.json"), "terraform-show-state"),
        (str(tree / "b" / "bigip.conf"), "tmsh"),
    ]
    [note] = notes
    readme = str(tree / "a" / "README.md")
    assert (note.level, note.code, note.path) == ("note", "INPUT-SKIPPED", readme)
    assert note.message == "skipped: not a recognized input"


def test_inputs_keep_order_and_are_deduplicated(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree)
    scf = str(tree / "zz.scf")
    found, notes = iter_inputs(["zz.scf", scf, "./b/bigip.conf", str(tree), "zz.scf", "b"])
    assert found == [
        ("zz.scf", "tmsh"),
        ("./b/bigip.conf", "tmsh"),
        (str(tree / "backup.ucs"), "archive"),
        (str(tree / "a" / "as3.json"), "as3"),
        (str(tree / "a" / "deep" / "plan.json"), "terraform-show-state"),
    ]
    assert [note.path for note in notes] == [str(tree / "a" / "README.md")]


def test_symlinked_duplicate_is_listed_once(tmp_path: Path) -> None:
    real = write(tmp_path / "real.conf", "ltm pool /Common/p { }\n")
    (tmp_path / "alias.conf").symlink_to(real)
    found, _ = iter_inputs([str(tmp_path)])
    assert found == [(str(tmp_path / "alias.conf"), "tmsh")]


def test_encrypted_ucs_is_returned_for_the_archive_reader_to_refuse() -> None:
    encrypted = str(ACC / "main" / "encrypted.ucs")
    assert iter_inputs([encrypted]) == ([(encrypted, "encrypted-archive")], [])


def test_fifo_and_dangling_link_in_a_walk_are_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.conf")
    (tmp_path / "gone.conf").symlink_to(tmp_path / "missing.conf")
    write(tmp_path / "ok.conf", "ltm pool /Common/p { }\n")
    found, notes = iter_inputs([str(tmp_path)])
    assert found == [(str(tmp_path / "ok.conf"), "tmsh")]
    assert [(n.level, n.message, Path(n.path).name) for n in notes] == [
        ("note", "skipped: not a regular file", "gone.conf"),
        ("note", "skipped: not a regular file", "pipe.conf"),
    ]


def test_unreadable_files_and_folders_in_a_walk_are_warnings(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, where permissions do not stop reads: simulate the failures instead.
    real_detect, real_scandir = detect.detect_input, os.scandir

    def failing_detect(path: str, adapters: object = None) -> InputKind:
        if path.endswith("as3.json"):
            raise InputError("cannot read file: Permission denied", path=path)
        return real_detect(path)

    def failing_scandir(path: str) -> object:
        if str(path).endswith(os.sep + "b"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(detect, "detect_input", failing_detect)
    monkeypatch.setattr(os, "scandir", failing_scandir)
    found, diagnostics = iter_inputs([str(tree)])
    assert [Path(path).name for path, _ in found] == ["backup.ucs", "zz.scf", "plan.json"]
    warnings = [(d.level, d.code, Path(d.path).name, d.message) for d in diagnostics]
    assert ("warning", "INPUT-UNREADABLE", "as3.json", "cannot read file: Permission denied") in (
        warnings
    )
    assert ("warning", "INPUT-UNREADABLE", "b", "cannot read directory: Permission denied") in (
        warnings
    )


def test_detection_writes_nothing(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    before = sorted(tree.parent.rglob("*"))
    iter_inputs([str(tree), str(CORPUS)])
    assert sorted(tree.parent.rglob("*")) == before
