"""Every text file of the public corpus parses, with exactly the inventoried object counts."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lyncpolicy.adapters.tmsh import parse_file

from lyncpolicy.errors import InputError, LyncpolicyError, TmshSyntaxError

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
INVENTORY: dict[str, dict[str, int]] = json.loads(
    (CORPUS_DIR / "inventory.json").read_text("utf-8")
)

# Files with no tmsh objects at all: prose that happens to be named like a config file.
PROSE_FILES = {
    "f5devcentral__f5-corkscrew/tests/archive_generator/badArchive1/config/partitions/bd2/"
    "bigip.conf": 1,
    "f5devcentral__f5-corkscrew/tests/artifacts/badBigip.conf": 3,
}
TMSH_FILES = sorted(name for name in INVENTORY if name not in PROSE_FILES)


def _short(name: str) -> str:
    parts = name.split("/")
    return f"{parts[0].split('__')[-1]}:{'/'.join(parts[-3:])}"


def test_inventory_lists_64_text_files_and_1749_objects() -> None:
    # Guards the parametrization below: PROVENANCE.md promises 64 text files, 1749 objects.
    assert len(INVENTORY) == 64
    assert sum(sum(counts.values()) for counts in INVENTORY.values()) == 1749
    assert set(PROSE_FILES) <= set(INVENTORY)
    assert all(sum(INVENTORY[name].values()) == 0 for name in PROSE_FILES)
    for name in INVENTORY:
        assert (CORPUS_DIR / name).is_file(), name


@pytest.mark.parametrize("name", TMSH_FILES, ids=_short)
def test_object_counts_per_type_match_inventory(name: str) -> None:
    result = parse_file(str(CORPUS_DIR / name))
    counts = Counter(obj.type for obj in result.objects)
    assert dict(counts) == INVENTORY[name]
    assert result.path == str(CORPUS_DIR / name)
    assert all(obj.path == result.path for obj in result.objects)


@pytest.mark.parametrize("name", TMSH_FILES, ids=_short)
def test_object_spans_point_at_their_header_and_closing_brace(name: str) -> None:
    path = CORPUS_DIR / name
    lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    result = parse_file(str(path))
    previous_line = 0
    for obj in result.objects:
        assert 1 <= obj.line <= obj.end_line <= len(lines), obj.location()
        first_word = obj.type.split()[0]
        header_line = lines[obj.line - 1]
        assert re.search(rf"(^|[\s}}]){re.escape(first_word)}\s", header_line), (
            obj.location(),
            header_line,
        )
        assert "}" in lines[obj.end_line - 1], (obj.location(), lines[obj.end_line - 1])
        # Objects come in file order.
        assert obj.line >= previous_line
        previous_line = obj.line


@pytest.mark.parametrize(
    ("name", "line"),
    [pytest.param(name, line, id=_short(name)) for name, line in sorted(PROSE_FILES.items())],
)
def test_prose_files_raise_syntax_error_naming_file_and_line(name: str, line: int) -> None:
    path = str(CORPUS_DIR / name)
    with pytest.raises(TmshSyntaxError) as info:
        parse_file(path)
    err = info.value
    assert isinstance(err, InputError)
    assert isinstance(err, LyncpolicyError)
    assert err.path == path
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}: ")
    assert "\n" not in str(err)
    # The named line really is the first line of prose.
    text_line = Path(path).read_text("utf-8").split("\n")[line - 1]
    assert text_line.strip() and "{" not in text_line
