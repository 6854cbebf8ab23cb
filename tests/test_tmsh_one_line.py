"""Objects written on one line (``tmsh list ... one-line``) read like their multi-line form.

``tmsh list ltm virtual one-line`` prints each object on its header line, where no newline
separates the statements. The reader regroups such a body into the statements tmsh writes one
a line (``adapters/tmsh.py``, ``_split_one_line``); bodies over several lines are read exactly as
before. The main checks join the lines of multi-line objects (the public corpus, generated
configurations) and compare what is read: the same model, and for the corpus the same
statements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lyncpolicy.adapters import tmsh, tmsh_model
from lyncpolicy.adapters.tmsh import ParseResult, Statement, TmshObject, parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device
from strategies import Config, Style, configs, emit, examples, styles, without_locations

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.model import Device

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
INVENTORY: dict[str, dict[str, int]] = json.loads(
    (CORPUS_DIR / "inventory.json").read_text("utf-8")
)
CORPUS_FILES = sorted(name for name, counts in INVENTORY.items() if sum(counts.values()))

Shape = list[tuple[list[str], "Shape | None", str | None]]


def shape(stmts: list[Statement]) -> Shape:
    """Statements without their lines (a one-line object has every statement on one line)."""
    return [(s.words, None if s.block is None else shape(s.block), s.raw) for s in stmts]


def read_one(text: str) -> TmshObject:
    result = parse_text(text, "one.conf")
    assert result.diagnostics == []
    [obj] = result.objects
    return obj


def assert_reads_like(one_line: str, multi_line: str) -> TmshObject:
    """``one_line`` gives the statements of ``multi_line``, all on line 1."""
    obj, reference = read_one(one_line), read_one(multi_line)
    assert (obj.type, obj.name, obj.line, obj.end_line) == (reference.type, reference.name, 1, 1)
    assert shape(obj.body) == shape(reference.body)
    lines = set()
    pending = list(obj.body)
    while pending:
        stmt = pending.pop()
        lines.add(stmt.line)
        pending.extend(stmt.block or [])
    assert lines <= {1}
    return obj


def joined(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


# -- the shapes of statements ---------------------------------------------------------------


def test_one_line_virtual_reads_like_its_multi_line_form() -> None:
    virtual = assert_reads_like(
        "ltm virtual /Common/vs { destination /Common/203.0.113.5:443 ip-protocol tcp "
        "pool /Common/p profiles { /Common/fastL4 { } } vlans { /Common/external } "
        "vlans-enabled }\n",
        "ltm virtual /Common/vs {\n"
        "    destination /Common/203.0.113.5:443\n"
        "    ip-protocol tcp\n"
        "    pool /Common/p\n"
        "    profiles {\n        /Common/fastL4 { }\n    }\n"
        "    vlans {\n        /Common/external\n    }\n"
        "    vlans-enabled\n"
        "}\n",
    )
    props = virtual.properties()
    assert props["destination"].values == ["/Common/203.0.113.5:443"]
    assert props["vlans-enabled"].words == ["vlans-enabled"]
    assert virtual.to_dict()["properties"] == {
        "destination": "/Common/203.0.113.5:443",
        "ip-protocol": "tcp",
        "pool": "/Common/p",
        "profiles": {"/Common/fastL4": {}},
        "vlans": ["/Common/external"],
        "vlans-enabled": True,
    }


def test_nested_one_line_blocks_are_split_too() -> None:
    assert_reads_like(
        "ltm pool /Common/p { members { /Common/a:80 { address 10.0.0.1 session "
        "monitor-enabled state up } /Common/b:80 { address 10.0.0.2 session user-disabled } } "
        "monitor /Common/http and /Common/tcp load-balancing-mode least-connections-member "
        "min-active-members 1 }",
        "ltm pool /Common/p {\n"
        "    members {\n"
        "        /Common/a:80 {\n            address 10.0.0.1\n"
        "            session monitor-enabled\n            state up\n        }\n"
        "        /Common/b:80 {\n            address 10.0.0.2\n"
        "            session user-disabled\n        }\n"
        "    }\n"
        "    monitor /Common/http and /Common/tcp\n"
        "    load-balancing-mode least-connections-member\n"
        "    min-active-members 1\n"
        "}\n",
    )


@pytest.mark.parametrize("flag", sorted(tmsh._FLAGS))
def test_flags_stand_alone(flag: str) -> None:
    virtual = read_one(
        f"ltm virtual /Common/vs {{ destination /Common/10.0.0.1:80 {flag} pool /Common/p "
        f"rules {{ /Common/r }} {flag} }}"
    )
    assert shape(virtual.body) == [
        (["destination", "/Common/10.0.0.1:80"], None, None),
        ([flag], None, None),
        (["pool", "/Common/p"], None, None),
        (["rules"], [(["/Common/r"], None, None)], None),
        ([flag], None, None),
    ]


def test_every_flag_the_model_reads_is_a_flag() -> None:
    """The model reads these keywords alone on a line; one-line bodies must give them so."""
    read_alone = {*tmsh_model._VIRTUAL_TYPE_KEYWORDS, "vlans-enabled", "disabled", "automap"}
    assert read_alone <= set(tmsh._FLAGS)
    assert all(not tmsh._FLAGS[flag] for flag in read_alone)  # never `flag value`


@pytest.mark.parametrize(
    ("text", "statements"),
    [
        # A flag keyword that is also a key: `enabled yes` on a virtual address.
        ("enabled yes arp enabled", [["enabled", "yes"], ["arp", "enabled"]]),
        ("enabled mask 255.255.255.255", [["enabled"], ["mask", "255.255.255.255"]]),
        ("mirror disabled", [["mirror", "disabled"]]),
        ("mirror disabled enabled", [["mirror", "disabled"], ["enabled"]]),
        # Values that are keywords, and keys that look like flags elsewhere.
        ("translate-address disabled translate-port enabled disabled",
         [["translate-address", "disabled"], ["translate-port", "enabled"], ["disabled"]]),
        ("automap disabled", [["automap"], ["disabled"]]),
        # A name where a key would be goes on with the statement before it.
        ("last-resort-pool a /Common/p persistence disabled",
         [["last-resort-pool", "a", "/Common/p"], ["persistence", "disabled"]]),
        ("monitor /Common/a and /Common/b and /Common/c description x",
         [["monitor", "/Common/a", "and", "/Common/b", "and", "/Common/c"],
          ["description", "x"]]),
        # A key at the very end, with nothing after it.
        ("description", [["description"]]),
    ],
)  # fmt: skip
def test_statements_without_blocks(text: str, statements: list[list[str]]) -> None:
    obj = read_one(f"ltm virtual-address /Common/10.0.0.1 {{ {text} }}")
    assert [(s.words, s.block) for s in obj.body] == [(words, None) for words in statements]


def test_monitor_quorum_and_named_blocks() -> None:
    assert_reads_like(
        "ltm node /Common/n { address 10.0.0.1 monitor min 1 of { /Common/icmp /Common/gw } "
        "fqdn { autopopulate disabled interval 3600 } }",
        "ltm node /Common/n {\n    address 10.0.0.1\n"
        "    monitor min 1 of {\n        /Common/icmp\n        /Common/gw\n    }\n"
        "    fqdn {\n        autopopulate disabled\n        interval 3600\n    }\n}\n",
    )
    # `key name { }` when `name` is not a keyword; a keyword before `key { }` stands alone.
    assert_reads_like(
        "gtm region /Common/r { region-members { region /Common/int { } subnet 10.0.0.0/8 { } "
        "continent NA { } } }",
        "gtm region /Common/r {\n    region-members {\n        region /Common/int { }\n"
        "        subnet 10.0.0.0/8 { }\n        continent NA { }\n    }\n}\n",
    )
    unknown_flag = read_one("ltm virtual /Common/vs { some-new-flag profiles { /Common/tcp } }")
    assert shape(unknown_flag.body) == [
        (["some-new-flag"], None, None),
        (["profiles"], [(["/Common/tcp"], None, None)], None),
    ]


def test_lists_and_property_blocks() -> None:
    obj = read_one(
        "ltm virtual /Common/vs { profiles { tcp http { context clientside } } "
        "source-address-translation { pool /Common/sp type snat } "
        "vlans { external internal } rules { r1 r2 } persist { cookie { default yes } } "
        "metadata { owner { value team persist true } } }"
    )
    assert shape(obj.body) == [
        (["profiles"], [
            (["tcp"], None, None),
            (["http"], [(["context", "clientside"], None, None)], None),
        ], None),
        (["source-address-translation"], [
            (["pool", "/Common/sp"], None, None),
            (["type", "snat"], None, None),
        ], None),
        (["vlans"], [(["external"], None, None), (["internal"], None, None)], None),
        (["rules"], [(["r1"], None, None), (["r2"], None, None)], None),
        (["persist"], [(["cookie"], [(["default", "yes"], None, None)], None)], None),
        (["metadata"], [(["owner"], [
            (["value", "team"], None, None),
            (["persist", "true"], None, None),
        ], None)], None),
    ]  # fmt: skip
    # Keyword lists (a known list key) and name lists (the first word is a name).
    ssl = read_one(
        "ltm profile client-ssl /Common/c { options { no-tlsv1 no-sslv3 } "
        "cert-key-chain { default { cert /Common/d.crt key /Common/d.key } } }"
    )
    assert shape(ssl.body) == [
        (["options"], [(["no-tlsv1"], None, None), (["no-sslv3"], None, None)], None),
        (["cert-key-chain"], [(["default"], [
            (["cert", "/Common/d.crt"], None, None),
            (["key", "/Common/d.key"], None, None),
        ], None)], None),
    ]  # fmt: skip
    self_ip = read_one("net self /Common/s { address 10.1.1.1/24 allow-service { tcp:22 udp:53 } }")
    assert shape(self_ip.body)[1] == (
        ["allow-service"],
        [(["tcp:22"], None, None), (["udp:53"], None, None)],
        None,
    )


def test_policy_actions_and_conditions_keep_each_keyword() -> None:
    assert_reads_like(
        "ltm policy /Common/p { controls { forwarding } requires { http } rules { r1 { "
        "actions { 0 { forward select pool /Common/p } 1 { log write facility local0 "
        "message hello } } conditions { 0 { http-uri path starts-with values { /api /v2 } } "
        "1 { http-header name host values { a.example.com } } } ordinal 1 } } "
        "strategy /Common/first-match }",
        "ltm policy /Common/p {\n    controls { forwarding }\n    requires { http }\n"
        "    rules {\n        r1 {\n            actions {\n"
        "                0 {\n                    forward\n                    select\n"
        "                    pool /Common/p\n                }\n"
        "                1 {\n                    log\n                    write\n"
        "                    facility local0\n                    message hello\n"
        "                }\n            }\n"
        "            conditions {\n                0 {\n                    http-uri\n"
        "                    path\n                    starts-with\n"
        "                    values {\n                        /api\n"
        "                        /v2\n                    }\n                }\n"
        "                1 {\n                    http-header\n                    name host\n"
        "                    values {\n                        a.example.com\n"
        "                    }\n                }\n            }\n"
        "            ordinal 1\n        }\n    }\n    strategy /Common/first-match\n}\n",
    )


def test_app_service_variables_and_tables() -> None:
    one = (
        "sys application service /Common/app.app/app { template /Common/f5.http "
        "variables { pool__addr { value 10.0.0.1 } pool__port { value 80 } } tables { "
        "pool__members { column-names { addr port } rows { { row { 10.0.0.2 80 } } "
        "{ row { 10.0.0.3 81 } } } } } }\n"
    )
    device, diagnostics = build_device([TmshInput(parse_text(one, "app.conf"))], "d")
    assert diagnostics == []
    [service] = device.application_services.values()
    assert service.template == "/Common/f5.http"
    assert service.variables == {"pool__addr": "10.0.0.1", "pool__port": "80"}
    assert service.tables == {
        "pool__members": (
            {"addr": "10.0.0.2", "port": "80"},
            {"addr": "10.0.0.3", "port": "81"},
        )
    }


def test_tcl_bodies_in_one_line_objects_stay_raw() -> None:
    rule = read_one("ltm rule /Common/r { when HTTP_REQUEST { log local0. x } }")
    assert rule.raw == " when HTTP_REQUEST { log local0. x } "
    template = read_one(
        "sys application template /Common/t { actions { definition { implementation { "
        "set x { a } } presentation { section s { } } role-acl { admin manager } } } "
        "description none }"
    )
    [actions, description] = template.body
    assert description.words == ["description", "none"]
    assert actions.block is not None
    [definition] = actions.block
    assert definition.block is not None
    assert [(s.words, s.raw) for s in definition.block] == [
        (["implementation"], " set x { a } "),
        (["presentation"], " section s { } "),
        (["role-acl"], None),
    ]


# -- only whole objects on their header line are regrouped ---------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The body is on its own lines: read as written (one statement a line).
        (
            "ltm virtual /Common/vs {\n    destination /Common/10.0.0.1:80 ip-protocol tcp\n}\n",
            [(["destination", "/Common/10.0.0.1:80", "ip-protocol", "tcp"], None, None)],
        ),
        # The body starts on the header line but ends on the next.
        (
            "ltm virtual /Common/vs { destination /Common/10.0.0.1:80 ip-protocol tcp\n}\n",
            [(["destination", "/Common/10.0.0.1:80", "ip-protocol", "tcp"], None, None)],
        ),
        # An inline block inside a multi-line body.
        (
            "ltm virtual /Common/vs {\n"
            "    source-address-translation { type snat pool /Common/sp }\n}\n",
            [(["source-address-translation"],
              [(["type", "snat", "pool", "/Common/sp"], None, None)], None)],
        ),
        # A block on the header line closes on a later line.
        (
            "ltm virtual /Common/vs { ip-protocol tcp profiles {\n    /Common/tcp { }\n} }\n",
            [(["ip-protocol", "tcp", "profiles"], [(["/Common/tcp"], [], None)], None)],
        ),
        # A quoted string goes on to the next line.
        (
            'ltm virtual /Common/vs { description "a\nb" ip-protocol tcp }\n',
            [(["description", "a\nb", "ip-protocol", "tcp"], None, None)],
        ),
    ],
)  # fmt: skip
def test_bodies_over_several_lines_are_read_as_before(text: str, expected: Shape) -> None:
    [obj] = parse_text(text, "m.conf").objects
    assert shape(obj.body) == expected


def test_several_one_line_objects_on_a_line() -> None:
    result = parse_text(
        "ltm pool /Common/a { load-balancing-mode round-robin min-active-members 1 } "
        "ltm pool /Common/b { monitor /Common/http description x } ltm pool /Common/c {\n"
        "    monitor /Common/http description x\n}\n",
        "m.conf",
    )
    assert [(o.name, o.line, o.end_line, [s.words for s in o.body]) for o in result.objects] == [
        ("/Common/a", 1, 1, [["load-balancing-mode", "round-robin"], ["min-active-members", "1"]]),
        ("/Common/b", 1, 1, [["monitor", "/Common/http"], ["description", "x"]]),
        ("/Common/c", 1, 3, [["monitor", "/Common/http", "description", "x"]]),
    ]


def test_one_line_scf_with_partition_switches() -> None:
    text = (
        "cli admin-partitions { update-partition Edge }\n"
        "ltm pool p1 { members { 10.0.0.1:80 { address 10.0.0.1 } } }\n"
        "ltm virtual vs1 { destination 10.0.0.10:443 pool p1 ip-protocol tcp }\n"
        "cli admin-partitions { update-partition Common }\n"
        "ltm pool p2 { }\n"
    )
    result = parse_text(text, "one.scf")
    assert result.diagnostics == []
    device, diagnostics = build_device([TmshInput(result)], "d")
    assert diagnostics == []
    virtual = device.virtual_servers["/Edge/vs1"]
    assert (str(virtual.destination), virtual.port, virtual.pool) == ("10.0.0.10", 443, "/Edge/p1")
    assert [m.name for m in device.pools["/Edge/p1"].members] == ["/Edge/10.0.0.1:80"]
    assert "/Common/p2" in device.pools


# -- the public corpus in one-line form -----------------------------------------------------

# Objects whose one-line statements differ from their multi-line ones, for a reason in the
# source: (file, line of the object) -> why.
_SOURCE_ODDITIES = {
    ("batfish__batfish/projects/batfish/src/test/resources/org/batfish/grammar/"
     "f5_bigip_structured/testconfigs/f5_bigip_structured_ltm_references", 70):
        "batfish annotations after the members (`/Common/192.0.2.4 reference (used)`)",
    ("f5devcentral__f5-automation-config-converter/test/engines/parser/ex11.conf", 7):
        "`type ip` is misplaced inside the `records` list",
    ("simonkowallik__tmconfpy/example/test.tmconf", 1963):
        "`{ action none }` written inline: one statement in the multi-line form",
}  # fmt: skip


def messages(diagnostics: Iterable[Diagnostic]) -> list[tuple[str, str]]:
    """Codes and messages, without the line numbers some messages cite (joining moves them)."""
    return [(d.code, re.sub(r"line \d+", "line N", d.message)) for d in diagnostics]


def _even_quotes(line: str) -> bool:
    return re.sub(r"\\.", "", line).count('"') % 2 == 0


def _has_tcl(stmts: list[Statement]) -> bool:
    return any(s.raw is not None or (s.block is not None and _has_tcl(s.block)) for s in stmts)


def joinable(objects: list[TmshObject], lines: list[str]) -> list[TmshObject]:
    """Objects whose lines can be joined into one without changing what they say: several
    lines of their own, no Tcl, no comment line, no quoted string going on to the next line."""
    found = []
    for index, obj in enumerate(objects):
        span = lines[obj.line - 1 : obj.end_line]
        shared = (index and objects[index - 1].end_line == obj.line) or (
            index + 1 < len(objects) and objects[index + 1].line == obj.end_line
        )
        if (
            obj.end_line > obj.line
            and not shared
            and obj.raw is None
            and not _has_tcl(obj.body)
            and not any(line.lstrip().startswith("#") for line in span[1:])
            and all(_even_quotes(line) for line in span)
        ):
            found.append(obj)
    return found


def to_one_line(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the lines of each (first, last) span joined into one line."""
    lines = text.split("\n")
    for first, last in sorted(spans, reverse=True):
        lines[first - 1 : last] = [joined(lines[first - 1 : last])]
    return "\n".join(lines)


def corpus_text(name: str) -> str:
    return (CORPUS_DIR / name).read_bytes().decode("utf-8", errors="replace")


def model(result: ParseResult) -> tuple[Device, list[tuple[str, str]]]:
    device, diagnostics = build_device([TmshInput(result)], "corpus")
    return without_locations(device), messages(diagnostics)


def property_keys(device: Device) -> dict[tuple[str, str], list[str]]:
    return {
        (collection, key): sorted(obj.property_lines)
        for collection, items in device.collections()
        for key, obj in items.items()
    }


@pytest.mark.parametrize("name", CORPUS_FILES, ids=lambda n: n.split("/")[-1])
def test_corpus_in_one_line_form_builds_the_same_model(name: str) -> None:
    text = corpus_text(name)
    original = parse_text(text, name)
    objects = joinable(original.objects, text.split("\n"))
    one_line = parse_text(to_one_line(text, ((o.line, o.end_line) for o in objects)), name)
    assert [o.full_path or o.type for o in one_line.objects] == [
        o.full_path or o.type for o in original.objects
    ]
    assert messages(one_line.diagnostics) == messages(original.diagnostics)
    (device, diagnostics), (expected, expected_diagnostics) = model(one_line), model(original)
    assert device == expected
    assert property_keys(device) == property_keys(expected)
    assert diagnostics == expected_diagnostics


def _expand_inline_lists(stmts: list[Statement], block_line: int | None = None) -> Shape:
    """The multi-line form with inline lists (`options { a b c }`, one statement there) as
    one item per word, as the one-line reader gives every list."""
    out: Shape = []
    for s in stmts:
        inline = s.block is None and s.raw is None and s.line == block_line and len(s.words) > 1
        if inline:
            out.extend(([word], None, None) for word in s.words)
        else:
            inner = None if s.block is None else _expand_inline_lists(s.block, s.line)
            out.append((s.words, inner, s.raw))
    return out


def test_corpus_objects_in_one_line_form_keep_their_statements() -> None:
    compared, differ = 0, {}
    for name in CORPUS_FILES:
        text = corpus_text(name)
        lines = text.split("\n")
        for obj in joinable(parse_text(text, name).objects, lines):
            alone = read_one(joined(lines[obj.line - 1 : obj.end_line]))
            compared += 1
            if shape(alone.body) != _expand_inline_lists(obj.body):
                differ[(name, obj.line)] = obj.type
    assert compared > 1300  # nearly every object of the corpus is compared
    assert set(differ) == set(_SOURCE_ODDITIES), differ


# -- generated configurations in one-line form ----------------------------------------------

ONE_LINE = settings(
    max_examples=examples(80),
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _read(files: dict[str, str]) -> tuple[Device, list[tuple[str, str]]]:
    results = [parse_text(text, path) for path, text in files.items()]
    device, diagnostics = build_device([TmshInput(r) for r in results], "generated")
    reader = messages(d for r in results for d in r.diagnostics)
    return without_locations(device), reader + messages(diagnostics)


@ONE_LINE
@given(configs(), styles())
def test_generated_configurations_read_the_same_in_one_line_form(
    config: Config, style: Style
) -> None:
    emitted = emit(config, style)
    spans: dict[str, list[tuple[int, int]]] = {path: [] for path in emitted.files}
    for (collection, _name), (path, first, last) in emitted.spans.items():
        if collection != "irules" and last > first:
            spans[path].append((first, last))
    files: dict[str, str] = {}
    for path, text in emitted.files.items():
        lines = text.split("\n")
        keep = []
        for first, last in spans[path]:
            span = lines[first - 1 : last]
            if all(_even_quotes(line) for line in span):
                keep.append((first, last))
                # tmsh writes no comments in one-line output.
                for offset, line in enumerate(span[1:], first + 1):
                    if line.lstrip().startswith("#"):
                        lines[offset - 1] = ""
        files[path] = to_one_line("\n".join(lines), keep)
    device, diagnostics = _read(files)
    expected, expected_diagnostics = _read(emitted.files)
    assert device == expected
    assert property_keys(device) == property_keys(expected)
    assert diagnostics == expected_diagnostics
