"""Every saved crash input (``tests/fuzz/crashes/``) through the readers, full contract.

``crashes/tmsh/*`` are tmsh texts (read as ``parse_file`` reads bytes), ``crashes/archive/*``
are archive files. Each must give a result or lyncpolicy's own error: ``TmshSyntaxError`` with
the file and a line inside the text for tmsh, ``InputError`` with the path and a hint for
archives; results must build a model and convert to JSON. ``allow_known=False``: inputs of
the open defects listed in ``tests/fuzz/contract.py`` fail here until those are fixed.

Adding a regression: minimize the fuzzer's crash file, save it under the right folder with a
descriptive name, and add a line to ``OUTCOMES`` below and to ``crashes/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.contract import KNOWN_ISSUES, check_archive, check_tmsh
from lyncpolicy.adapters.tmsh import parse_file

from lyncpolicy.errors import TmshSyntaxError

CRASHES = Path(__file__).parent / "fuzz" / "crashes"
TMSH_INPUTS = sorted(p for p in (CRASHES / "tmsh").iterdir() if p.is_file())
ARCHIVE_INPUTS = sorted(p for p in (CRASHES / "archive").iterdir() if p.is_file())

# What each input must give once the reader is right: "result" (read, maybe with warnings),
# an error at a line ("error:N"), or either a result or an error ("any").
OUTCOMES: dict[str, str] = {
    # Open defect: TmshSyntaxError("binary data...") without a line number.
    "tmsh/nul-byte-without-line.conf": "error:3",
    # Open defect: accepted, then to_dict (parse --format json) raises RecursionError.
    # Either answer is fine once it is a result that converts, or an error with its line.
    "tmsh/deep-nesting-recursion.conf": "any",
    # Open defect: one statement of 1,000 words before '{': to_dict nests a dict per word,
    # json.dumps raises RecursionError. Found by the plain fuzzer (--strict).
    "tmsh/many-words-before-block.conf": "any",
    # Fixed in tmsh_model: int() of '²' and of 5000-digit numbers escaped as ValueError.
    "tmsh/unicode-digit-values.conf": "result",
    "tmsh/overlong-number-values.conf": "result",
    # tarfile recursion on chained pax headers; a metadata header claiming 8 GiB.
    "archive/pax-header-chain-recursion.tar.gz": "error",
    "archive/pax-header-claims-8-gib.tar.gz": "error",
}


def _key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_input_has_an_expected_outcome() -> None:
    assert sorted(_key(p) for p in TMSH_INPUTS + ARCHIVE_INPUTS) == sorted(OUTCOMES)
    for issue in KNOWN_ISSUES.values():
        assert issue.regression in OUTCOMES, issue.key


@pytest.mark.parametrize("path", TMSH_INPUTS, ids=lambda p: p.name)
def test_tmsh_crash_input(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    result = check_tmsh(text, str(path), allow_known=False)
    expected = OUTCOMES[_key(path)]
    if expected == "result":
        assert result is not None, f"{path.name} must be read"
    elif expected.startswith("error"):
        with pytest.raises(TmshSyntaxError) as caught:
            parse_file(str(path))
        assert caught.value.line == int(expected.split(":")[1]), caught.value
    # parse_file gives the same outcome as decoding and parse_text.
    if result is not None:
        assert len(parse_file(str(path)).objects) == len(result.objects)


@pytest.mark.parametrize("path", ARCHIVE_INPUTS, ids=lambda p: p.name)
def test_archive_crash_input(path: Path) -> None:
    archive = check_archive(str(path), allow_known=False)
    expected = OUTCOMES[_key(path)]
    assert expected == "any" or (archive is not None) == (expected == "result"), archive


def test_model_values_of_the_fixed_inputs() -> None:
    """The fixed model crashes read as 'not a number': defaults, not exceptions."""
    from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

    unicode_device, _ = build_device(
        [TmshInput(parse_file(str(CRASHES / "tmsh" / "unicode-digit-values.conf")))], "u"
    )
    assert unicode_device.partitions["/P"].default_route_domain == 0
    assert unicode_device.vlans["/Common/v"].tag is None
    assert unicode_device.route_domains["/Common/rd"].id == 0
    assert unicode_device.pools["/P/p"].min_active_members == 0
    long_device, _ = build_device(
        [TmshInput(parse_file(str(CRASHES / "tmsh" / "overlong-number-values.conf")))], "l"
    )
    assert long_device.vlans["/Common/v"].tag is None
    assert long_device.pools["/Common/p"].min_active_members == 0
    assert [rd.id for rd in long_device.route_domains.values()] == [0]
