"""Property tests: whatever the input, the reader returns a result or raises TmshSyntaxError.

Never any other exception, and every line it reports lies inside the text.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lyncpolicy.adapters.tmsh import ParseResult, parse_text

from lyncpolicy.errors import TmshSyntaxError

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"

FUZZ = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MUTATE = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Real files with different reader paths: Tcl bodies (iRules, cli scripts, iApp templates,
# the comment-brace fallback), multi-line quoted strings, unnamed records, partitions, ZebOS.
MUTATION_FILES = [
    "f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config/bigip.conf",
    "f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config/bigip_script.conf",
    "f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config/bigip_gtm.conf",
    "f5devcentral__f5-automation-config-converter/test/engines/parser/ex7.conf",
    "f5devcentral__f5-automation-config-converter/test/engines/parser/ex8.conf",
    "f5devcentral__f5-automation-config-converter/test/engines/parser/ex10.conf",
    "f5devcentral__f5-automation-config-converter/test/engines/parser/ex14.conf",
    "f5devcentral__f5-automation-config-converter/test/engines/as3Converter/service_http/"
    "service_http19.conf",
    "f5devcentral__f5-automation-config-converter/test/engines/as3Converter/"
    "gslb_topology_records/gslb_topology_records.conf",
    "F5Networks__f5-ansible/test/integration/targets/bigip_iapp_template/files/issue-0744.tmpl",
    "batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar/"
    "f5_bigip_structured/testconfigs/f5_bigip_structured_ltm_rule",
    "batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar/"
    "f5_bigip_structured/testconfigs/f5_bigip_structured_ltm_virtual_cases",
    "batfish__batfish/tests/parsing-tests/networks/unit-tests/configs/f5_bigip/"
    "f5_bigip_structured_with_imish",
    "jasonrahm__mcp_test_tools/bigip.conf",
]
TEXTS = {
    name: (CORPUS_DIR / name).read_bytes().decode("utf-8", errors="replace")
    for name in MUTATION_FILES
}
# Files whose objects never share a line and carry no trailing non-tmsh section: their
# top-level objects can be cut out and reordered.
SHUFFLE_FILES = [
    name for name in MUTATION_FILES if not name.endswith("f5_bigip_structured_with_imish")
]

SOUP = [
    "{",
    "}",
    "{",
    "}",
    '"',
    '"',
    "\\",
    "\n",
    "\n",
    " ",
    " ",
    "\t",
    "\r\n",
    "#",
    "# c\n",
    "ltm",
    "virtual",
    "rule",
    "pool",
    "node",
    "/Common/x",
    "/Common/vs",
    "when",
    "HTTP_REQUEST",
    "cli",
    "script",
    "admin-partitions",
    "update-partition",
    "Edge",
    "sys",
    "application",
    "template",
    "implementation",
    "definition",
    "actions",
    "icall",
    "gtm",
    "topology",
    "ldns:",
    "server:",
    "!",
    "#TMSH-VERSION: 15.1.8.2\n",
    "# lyncpolicy: ignore[X-1] why\n",
    "destination",
    "10.1.1.1%9:443",
    "\\{",
    "\\}",
    '\\"',
    "{}",
    "\x00",
    "é",
]


def check(text: str, path: str = "fuzz.conf") -> ParseResult | None:
    """The contract of parse_text, checked on one input."""
    last_line = text.count("\n") + 1
    try:
        result = parse_text(text, path)
    except TmshSyntaxError as err:
        assert err.path == path
        assert err.line is None or 1 <= err.line <= last_line + 1, (err.line, last_line)
        assert str(err)
        return None
    assert isinstance(result, ParseResult)
    assert result.path == path
    previous = 0
    for obj in result.objects:
        assert 1 <= obj.line <= obj.end_line <= last_line, (obj.line, obj.end_line, last_line)
        assert obj.line >= previous
        previous = obj.line
        json.dumps(obj.to_dict())
        obj.properties()
        obj.inline_suppressions()
    for diagnostic in result.diagnostics:
        assert diagnostic.line is None or 1 <= diagnostic.line <= last_line
    return result


@FUZZ
@given(st.text())
def test_random_text(text: str) -> None:
    check(text)


@FUZZ
@given(st.binary())
def test_random_bytes_decoded_with_replacement(data: bytes) -> None:
    check(data.decode("utf-8", errors="replace"))


@FUZZ
@given(st.lists(st.sampled_from(SOUP), max_size=80).map("".join))
def test_brace_and_quote_soup(text: str) -> None:
    check(text)


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.sampled_from(SOUP),
            st.text(alphabet=st.sampled_from('{}"\\# \n\tabc/%:.!'), max_size=6),
        ),
        max_size=40,
    ).map(" ".join)
)
def test_soup_inside_an_object_body(body: str) -> None:
    check("#TMSH-VERSION: 15.1.8.2\nltm virtual /Common/vs {\n" + body + "\n}\n")
    check("ltm rule /Common/r {\nwhen HTTP_REQUEST {\n" + body + "\n}\n}\n")


def _brace_offsets(text: str) -> list[int]:
    return [i for i, char in enumerate(text) if char in "{}"]


@MUTATE
@given(st.sampled_from(MUTATION_FILES), st.data())
def test_real_file_with_one_brace_dropped(name: str, data: st.DataObject) -> None:
    text = TEXTS[name]
    offsets = _brace_offsets(text)
    index = data.draw(st.sampled_from(offsets), label="offset")
    check(text[:index] + text[index + 1 :], name)


@MUTATE
@given(st.sampled_from(MUTATION_FILES), st.data())
def test_real_file_with_one_brace_doubled(name: str, data: st.DataObject) -> None:
    text = TEXTS[name]
    index = data.draw(st.sampled_from(_brace_offsets(text)), label="offset")
    check(text[: index + 1] + text[index:], name)


@MUTATE
@given(st.sampled_from(MUTATION_FILES), st.data())
def test_real_file_cut_at_a_random_offset(name: str, data: st.DataObject) -> None:
    text = TEXTS[name]
    cut = data.draw(st.integers(min_value=0, max_value=len(text)), label="cut")
    check(text[:cut], name)


@MUTATE
@given(st.sampled_from(MUTATION_FILES), st.data())
def test_real_file_with_a_quote_or_backslash_inserted(name: str, data: st.DataObject) -> None:
    text = TEXTS[name]
    index = data.draw(st.integers(min_value=0, max_value=len(text)), label="offset")
    char = data.draw(st.sampled_from(['"', "\\", "#", "!", "\x00"]), label="char")
    check(text[:index] + char + text[index:], name)


@MUTATE
@given(st.sampled_from(SHUFFLE_FILES), st.randoms(use_true_random=False))
def test_real_file_with_top_level_objects_shuffled(name: str, rng: random.Random) -> None:
    text = TEXTS[name]
    original = check(text, name)
    assert original is not None
    lines = text.split("\n")
    chunks = ["\n".join(lines[o.line - 1 : o.end_line]) for o in original.objects]
    rng.shuffle(chunks)
    shuffled = check("\n".join(chunks) + "\n", name)
    # Whole objects moved around: every one is still read, none merged or split.
    assert shuffled is not None
    assert Counter((o.type, o.name) for o in shuffled.objects) == Counter(
        (o.type, o.name) for o in original.objects
    )
