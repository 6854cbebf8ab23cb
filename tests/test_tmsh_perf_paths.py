"""The tmsh reader's fast path (whole lines read with ``str.split``) against its general path.

``parse_text`` reads ordinary lines with a line-oriented fast path and hands every other line
(quotes, comments, braces attached to words, Tcl bodies) to the general regex tokenizer. The
general tokenizer alone (``_parse_text(..., fast=False)``) is the reference: on every corpus file,
on the generated benchmark config and on tricky or random inputs, both must give equal results
(objects, statements, lines, diagnostics) or the same error (message and line). The fast path
splits the text one chunk at a time, so each comparison also runs with tiny chunks, which puts
chunk boundaries everywhere (inside Tcl bodies, multi-line strings, objects).

No timings here: speed and memory are measured by ``benchmarks/bench_parse.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lyncpolicy.adapters import tmsh
from lyncpolicy.adapters.tmsh import ParseResult, _parse_text, _Reader, parse_file, parse_text

from lyncpolicy.errors import TmshSyntaxError

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
CORPUS_FILES = sorted(
    str(path.relative_to(CORPUS_DIR)) for path in CORPUS_DIR.rglob("*") if path.is_file()
)
BENCH_GENERATOR = Path(__file__).resolve().parent.parent / "benchmarks" / "generate_config.py"
# Chunk sizes for the fast path: the default and tiny ones (a boundary on almost every line).
CHUNKS = (tmsh._CHUNK, 1, 7, 64)

Outcome = tuple[str, object]


def outcome(text: str, fast: bool) -> Outcome:
    try:
        return "ok", _parse_text(text, "t.conf", fast)
    except TmshSyntaxError as err:
        return "error", (str(err), err.path, err.line)


def assert_paths_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """Both paths give equal results on ``text``, whatever the fast path's chunk size."""
    reference = outcome(text, fast=False)
    for chunk in CHUNKS:
        monkeypatch.setattr(tmsh, "_CHUNK", chunk)
        assert outcome(text, fast=True) == reference, f"chunk={chunk}"
    return reference


def _short(name: str) -> str:
    parts = name.split("/")
    return f"{parts[0].split('__')[-1]}:{'/'.join(parts[-2:])}"


@pytest.mark.parametrize("name", CORPUS_FILES, ids=_short)
def test_paths_agree_on_every_corpus_file(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (CORPUS_DIR / name).read_bytes().decode("utf-8", errors="replace")
    assert_paths_agree(text, monkeypatch)
    assert_paths_agree(text.replace("\n", "\r\n"), monkeypatch)


def test_paths_agree_on_the_generated_benchmark_config(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("_lyncpolicy_generate_config", BENCH_GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator  # its dataclasses need the module registered
    try:
        spec.loader.exec_module(generator)
        text, counts = generator.generate(None, 120_000)
    finally:
        del sys.modules[spec.name]
    kind, result = assert_paths_agree(text, monkeypatch)
    assert kind == "ok" and isinstance(result, ParseResult)
    assert len(result.objects) == sum(counts.values())
    assert any(obj.raw for obj in result.objects)  # iRules: Tcl bodies were crossed


TRICKY = {
    "simple": "ltm pool /Common/p {\n    members {\n        /Common/n:80 {\n"
    "            address 10.0.0.1\n        }\n    }\n    monitor /Common/http\n}\n",
    "inline blocks": "ltm policy /Common/p {\n    controls { forwarding }\n    requires { }\n"
    "    rules {\n        r { conditions { 0 { http-uri values { /a /b } } } }\n"
    "        { a }\n        k { }\n        { }\n    }\n}\n",
    "attached braces": "ltm pool a{\n    members{}\n    x {}\n    {y}\n    z}\n}\n}\n",
    "two objects on one line": "ltm pool a { } ltm pool b {\n    x y\n} ltm node c { }\n",
    "close then open": "ltm pool a {\n    x 1\n} ltm rule r {\nwhen X { a }\n}\nltm pool b { }\n",
    "quotes": 'ltm pool "/Common/a b" {\n    description "x { y } \\" z"\n'
    '    d2 "multi\nline { \n  string"\n    e "" f\n}\n',
    "quote opening a statement": 'ltm pool a {\n    "k" v\n    "k2 x"\n}\n',
    "comments": "#TMSH-VERSION: 15.1.0\n# lyncpolicy: ignore[X-1] why\nltm pool a {\n"
    "    # comment { with brace\n  \t# } another\n    x#y 1\n    k v # tail {\n}\n}\n",
    "comment after vertical tab": "ltm pool a {\n\x0b# not a comment\n}\n",
    "unicode whitespace": "ltm\u00a0pool\u3000a {\n\x0c x\x1cy\x85z\u2028w \n}\n",
    "crlf and cr": "ltm pool a {\r\n    x 1\r\n}\r\nltm pool b {\r    y 2\r}\r",
    "no newline at the end": "ltm pool a {\n    x 1\n}\nstray words",
    "object at the end without newline": "ltm pool a {\n    x 1\n}",
    "blank and space-only lines": "\n\n   \n\t\nltm pool a {\n\n   \n    x 1\n\n}\n\n",
    "zebos": "ltm pool a {\n    x 1\n}\n!\nrouter bgp 1\n neighbor 1.1.1.1\n!\n",
    "bang inside a body": "ltm pool a {\n    !x y\n}\n",
    "bang at the very end": "ltm pool a {\n}\n!",
    "stray text": "some words\nltm pool a {\n}\nmore words\n",
    "prose only": "This is not a config.\nIt has { braces } too.\n",
    "invalid header": "Not A Header {\n    x 1\n}\nltm pool a {\n}\n",
    "singletons": "sys global-settings {\n    hostname h\n}\n"
    "ltm persistence global-settings { }\nltm default-node-monitor {\n    rule none\n}\n",
    "gtm topology": "gtm topology ldns: region /Common/r server: pool /Common/p {\n"
    "    order 1\n}\n",
    "admin partitions": "cli admin-partitions {\n    update-partition Edge\n}\n"
    "ltm pool p {\n}\ncli admin-partitions { update-partition /Common/ }\nltm pool q {\n}\n",
    "duplicates": "ltm pool a {\n}\nltm pool a {\n}\nltm pool /Common/a {\n}\n",
    "irule one-liners": "ltm rule a { }\nltm rule b {}\nltm rule c {\n}\nltm rule d { x }\n",
    "irule with comment brace": "ltm rule r {\n# bad { comment\nwhen X {\n  a\n}\n}\n"
    "ltm pool p {\n}\n",
    "irule escaped braces": 'ltm rule r {\nwhen X {\n  set a \\{\n  set b "}"\n}\n}\n}\n',
    "cli script": "cli script s {\nproc a {} {\n  puts {x}\n}\n}\nltm pool p { }\n",
    "app template": "sys application template t {\n    actions {\n        definition {\n"
    "            implementation {\n  set x { a }\n}\n            presentation { section s { } }\n"
    "            macro {}\n            html-help {\n<p>{</p>\n}\n"
    "            role-acl { admin manager }\n            run-as none\n        }\n    }\n"
    "    description none\n}\n",
    "icall script": "sys icall script s {\n    app-service none\n    definition {\n"
    "  tmsh::log {x}\n}\n    description d\n}\n",
    "unclosed object": "ltm pool a {\n    x 1\nltm pool b {\n}\n",
    "unclosed irule": "ltm rule r {\nwhen X {\n",
    "extra close": "ltm pool a {\n}\n}\nltm pool b {\n}\n",
    "extra close inline": "ltm pool a {\n    x { } }\n}\n",
    "unterminated quote": 'ltm pool a {\n    description "x\n}\n',
    "quote at the end": 'ltm pool a {\n}\n"',
    "binary": "ltm pool a {\x00}\n",
    "byte order mark": "\ufeffltm pool a {\n}\n",
    "empty": "",
    "only newlines": "\n\n\n",
    "deep nesting": "ltm x y {\n" + "a {\n" * 30 + "k v\n" + "}\n" * 30 + "}\n",
    "nesting at the limit": "ltm x y {\n" + "a {\n" * 32 + "k v\n" + "}\n" * 33,
    "nesting too deep": "ltm x y {\n" + "a {\n" * 33 + "k v\n" + "}\n" * 34,
    "nesting too deep inline": "ltm x y {\n" + "a {\n" * 32 + "b { c }\n" + "}\n" * 33,
    "nesting too deep on one line": "ltm x y { " + "a { " * 33 + "}" * 34 + "\n",
    "words before a block": "ltm x y {\n    a b c d e f g h {\n    }\n    a b c d e f g h { }\n}\n",
    "too many words before a block": "ltm x y {\n    k v\n    a b c d e f g h i {\n    }\n}\n",
    "too many words before an inline block": "ltm x y {\n    a b c d e f g h i { j }\n}\n",
    "too many words before a block in prose": "Prose {\n a b c d e f g h i { j }\n}\n",
    "one-line objects": "ltm virtual /Common/vs { destination /Common/203.0.113.5:443 "
    "ip-protocol tcp pool /Common/p profiles { /Common/fastL4 { } } vlans { /Common/external } "
    "vlans-enabled }\nltm pool /Common/p { members { /Common/a:80 { address 10.0.0.1 } } "
    "monitor min 1 of { /Common/http } } ltm node n { address 10.0.0.1 disabled }\n"
    'ltm pool /Common/q { monitor /Common/a and /Common/b description "x y" }\n',
    "one-line object after a close": "ltm pool a {\n    x 1\n} ltm pool b { y 2 z 3 }\n",
    "one-line policy": "ltm policy p { rules { r { actions { 0 { forward select pool /C/p } } "
    "conditions { 0 { http-uri path values { /a } } } } } strategy first-match }\n",
    "one-line header going on": "ltm x y { a b c d e f g h i { j } k l\n    m n\n}\n",
    "one-line header with a string going on": 'ltm x y { a b c d e f g h i { } k "l\nm" }\n',
    "one-line long body": "ltm x y { " + "k v " * 40 + "p { q } r s }\n",
    "brace-only lines": "ltm pool a\n{\n    {\n    }\n}\n",
    "header split over lines": "ltm pool\na {\n}\n",
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_paths_agree_on_tricky_inputs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_paths_agree(TRICKY[name], monkeypatch)


def test_tricky_inputs_cover_results_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = {outcome(text, fast=True)[0] for text in TRICKY.values()}
    assert kinds == {"ok", "error"}


# Lines for random configs: mostly what the fast path reads, with every kind of line it hands
# to the general tokenizer mixed in.
LINE_PARTS = st.sampled_from(
    [
        "ltm pool /Common/p",
        "ltm rule /Common/r",
        "ltm virtual vs",
        "cli script s",
        "sys application template t",
        "implementation",
        "definition",
        "cli admin-partitions",
        "update-partition Edge",
        "gtm topology ldns: a server: b",
        "members",
        "address 10.0.0.1%2",
        "/Common/n:80",
        "enabled",
        "when HTTP_REQUEST",
        "{",
        "}",
        "{ }",
        "{}",
        "a{",
        "}b",
        '"q { r"',
        '"open',
        'close"',
        '\\"',
        "\\{",
        "# c {",
        "x#y",
        "!",
        "!zebos",
        "\t",
        "\r",
        "\x0b",
        "\u00a0",
    ]
)
LINES = st.lists(st.lists(LINE_PARTS, max_size=5).map(" ".join), max_size=25)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORKSCREW = "f5devcentral__f5-corkscrew/tests/archive_generator/archive1/config/bigip.conf"


@FUZZ
@given(lines=LINES, final_newline=st.booleans())
def test_paths_agree_on_random_line_soup(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_paths_agree(text, monkeypatch)


@settings(FUZZ, max_examples=100)
@given(
    inserted=st.lists(st.sampled_from(["}", "{", "{ }", "x y", '"', "#", "\\"]), max_size=8),
    data=st.data(),
)
def test_paths_agree_on_a_real_file_with_lines_inserted(
    inserted: list[str], data: st.DataObject
) -> None:
    lines = (CORPUS_DIR / CORKSCREW).read_bytes().decode("utf-8", errors="replace").split("\n")
    for item in inserted:
        lines.insert(data.draw(st.integers(0, len(lines))), item)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_paths_agree("\n".join(lines), monkeypatch)


def test_ordinary_lines_never_reach_the_general_tokenizer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path really reads plain lines (guards against it silently falling back)."""
    calls: list[int] = []
    general = _Reader._scan

    def counting(self: _Reader, pos: int, line_mode: bool = False) -> int | None:
        calls.append(pos)
        return general(self, pos, line_mode)

    monkeypatch.setattr(_Reader, "_scan", counting)
    plain = (
        "ltm pool p {\n    members {\n        n:80 {\n            address 10.0.0.1\n        }\n"
        '    }\n    vlans { /Common/a /Common/b }\n    profiles { }\n    description "a b"\n'
        "}\n\nltm node n {\n    address 10.0.0.1\n}\n"
    )
    result = parse_text(plain)
    assert len(result.objects) == 2 and calls == []
    parse_text('ltm rule r {\nwhen X { }\n}\nltm pool p {\n    description "a\nb"\n}\n')
    assert len(calls) == 2  # the iRule header line, the multi-line string


def test_statements_never_share_word_lists() -> None:
    """Word strings are interned; the lists holding them stay one per statement."""
    result = parse_text(
        "ltm pool a {\n    k v\n    k v\n    x\n    x\n}\nltm pool b {\n    k v\n}\n"
    )
    stmts = [s for obj in result.objects for s in obj.body]
    assert [s.words for s in stmts] == [["k", "v"], ["k", "v"], ["x"], ["x"], ["k", "v"]]
    assert len({id(s.words) for s in stmts}) == len(stmts)
    stmts[0].words.append("changed")
    assert stmts[1].words == ["k", "v"] and stmts[4].words == ["k", "v"]


def test_parse_file_equals_parse_text(tmp_path: Path) -> None:
    text = TRICKY["quotes"] + TRICKY["cli script"] + TRICKY["inline blocks"]
    path = tmp_path / "bigip.conf"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert parse_file(str(path)) == parse_text(text, str(path))


@pytest.mark.parametrize("fast", [True, False])
def test_comments_above_a_dropped_block_are_dropped_with_it(fast: bool) -> None:
    text = "# ignore[X-1] a\nNot An Object {\n}\n# b\nltm pool p {\n}\nltm pool q {\n}\n"
    result = _parse_text(text, "t.conf", fast)
    assert [(obj.name, obj.comments) for obj in result.objects] == [("p", ["# b"]), ("q", [])]


@FUZZ
@given(text=st.text(alphabet="{}\\# \nx", max_size=80), start=st.integers(0, 80))
def test_tcl_never_closes_index_matches_the_plain_scan(text: str, start: int) -> None:
    """The index that spares repeated scans to the end of the text gives the scan's answer
    at every body start (a position right after a '{') from where it was built on."""
    text = "{" + text
    start = min(start, len(text))
    index = tmsh._TclNeverCloses(text, start)
    for body_start in range(max(start, 1), len(text) + 1):
        if text[body_start - 1] == "{":
            expected = tmsh._tcl_close(text, body_start, comment_aware=False) is None
            assert index(body_start) == expected, body_start


def test_many_bodies_with_comment_braces_keep_their_spans_and_warnings() -> None:
    rules = "".join(
        f"ltm rule r{i} {{\n# note {{\nwhen X {{ a }}\n}}\n"
        + (f"ltm pool p{i} {{\n    x {{ y }}\n}}\n" if i % 3 else f"ltm rule ok{i} {{\n}}\n")
        for i in range(60)
    )
    result = parse_text(rules)
    irules = [o for o in result.objects if o.name and o.name.startswith("r")]
    assert len(result.objects) == 120
    assert [(o.line, o.end_line) for o in irules][:2] == [(1, 4), (7, 10)]
    assert len(irules) == 60 and all(o.raw and "# note {" in o.raw for o in irules)
    assert [d.line for d in result.diagnostics] == [o.line for o in irules]
