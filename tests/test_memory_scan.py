"""What keeps a scan's memory and time down without changing its results (issue 9).

The JSON report is written one finding at a time, with text identical to ``json.dumps`` of the
document; the model builder can free the parse tree as it reads it and stores property lines
compactly; findings without witnesses share one mapping; the topology indexes Edge addresses.
Each test compares the fast path with the plain one it replaces.
"""

from __future__ import annotations

import io
import json
import math
import pickle
from collections.abc import Callable
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lyncpolicy.adapters.tmsh import parse_file, parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device
from test_reporters_common import empty_report, failed_report, sample_report

from lyncpolicy import report_io
from lyncpolicy.addresses import Address, Network
from lyncpolicy.cli import main
from lyncpolicy.engine import NO_WITNESSES
from lyncpolicy.findings import Report
from lyncpolicy.model import BigIpObject, PropertyLines, to_jsonable
from lyncpolicy.reporters import LazyReporter, write_report
from lyncpolicy.reporters.json_report import JsonReporter, _encode, to_document
from lyncpolicy.topology import _AddressIndex, _order

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def dumps(report: Report) -> str:
    """The JSON report as it was written before: ``json.dumps`` of the whole document."""
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"


def scanned_report(tmp_path: Path, folder: str) -> Report:
    output = tmp_path / "report.json"
    with pytest.raises(SystemExit):
        main(["scan", str(EXAMPLES / folder), "--isolated", "--format", "json",
              "-o", str(output)])  # fmt: skip
    return report_io.load(str(output))


@pytest.mark.parametrize("make", [sample_report, failed_report, empty_report])
def test_json_text_is_json_dumps_of_the_document(make: Callable[[], Report]) -> None:
    report = make()
    assert JsonReporter().render(report, {}) == dumps(report)


@pytest.mark.parametrize("folder", ["broken", "clean"])
def test_json_text_of_a_real_scan_is_json_dumps_of_the_document(
    tmp_path: Path, folder: str
) -> None:
    report = scanned_report(tmp_path, folder)
    assert any(f.witnesses for f in report.findings)
    assert JsonReporter().render(report, {}) == dumps(report)


def test_write_streams_the_same_text_as_render(tmp_path: Path) -> None:
    report = scanned_report(tmp_path, "broken")
    stream = io.StringIO()
    write_report(LazyReporter("json", "lyncpolicy.reporters.json_report", "JsonReporter"),
                 report, {}, stream)  # fmt: skip
    assert stream.getvalue() == JsonReporter().render(report, {})


def test_write_report_renders_reporters_without_write_and_ends_with_a_newline() -> None:
    class Plain:
        name = "plain"

        def render(self, report: Report, options: object) -> str:
            return "no newline"

    stream = io.StringIO()
    write_report(Plain(), sample_report(), {}, stream)
    assert stream.getvalue() == "no newline\n"


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
JSON_KEYS = st.text(max_size=6) | st.integers() | st.booleans() | st.none() | st.floats()
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(JSON_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=5))
def test_encoder_writes_what_json_dumps_writes_at_any_depth(value: object, level: int) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    # Nested `level` deep, json.dumps indents every line after the first by that much more.
    assert _encode(value, level) == expected.replace("\n", "\n" + "  " * level)


def test_encoder_refuses_what_json_dumps_refuses() -> None:
    for value in ({"a": object()}, {(1, 2): "tuple key"}, {1, 2}):
        with pytest.raises(TypeError):
            json.dumps(value)
        with pytest.raises(TypeError):
            _encode(value, 0)
    assert _encode([math.inf, -math.inf], 0) == json.dumps([math.inf, -math.inf], indent=2)


def parsed(folder: str) -> list[TmshInput]:
    return [TmshInput(parse_file(str(p))) for p in sorted((EXAMPLES / folder).glob("*.conf"))]


@pytest.mark.parametrize("folder", ["broken", "clean"])
def test_release_builds_the_same_device_and_empties_the_parse_results(folder: str) -> None:
    kept, released = parsed(folder), parsed(folder)
    device, diagnostics = build_device(kept, "dut")
    again, diagnostics_again = build_device(released, "dut", release=True)
    assert to_jsonable(again) == to_jsonable(device)
    assert diagnostics_again == diagnostics
    lines = {
        (collection, name): dict(obj.property_lines)
        for collection, objects in device.collections()
        for name, obj in objects.items()
        if isinstance(obj, BigIpObject)
    }
    assert lines == {
        (collection, name): dict(obj.property_lines)
        for collection, objects in again.collections()
        for name, obj in objects.items()
        if isinstance(obj, BigIpObject)
    }
    assert all(item.result.objects for item in kept)
    assert not any(item.result.objects for item in released)


def test_property_lines_are_a_mapping_of_each_property_to_its_line() -> None:
    members = "\n".join(f"        10.1.{i // 250}.{i % 250 + 1}:5061 {{ }}" for i in range(300))
    text = (
        "ltm pool /Common/edge_pool {\n"
        "    description \"edge\"\n"
        f"    members {{\n{members}\n    }}\n"
        "    monitor /Common/tcp\n"
        "}\n"
    )
    device, _ = build_device([TmshInput(parse_text(text, "bigip.conf"))], "dut")
    pool = device.pools["/Common/edge_pool"]
    lines = pool.property_lines
    assert isinstance(lines, PropertyLines)
    assert dict(lines) == {"description": 2, "members": 3, "monitor": 305}
    assert list(lines) == ["description", "members", "monitor"]
    assert len(lines) == 3 and "monitor" in lines and "pool" not in lines
    assert lines == {"description": 2, "members": 3, "monitor": 305}
    # The monitor is 303 lines below the pool's first line: too far for a byte.
    assert isinstance(lines.offsets, tuple)
    assert pool.line_of("monitor") == 305 and pool.line_of("load-balancing-mode") == 1
    with pytest.raises(KeyError):
        lines["load-balancing-mode"]
    near, _ = build_device([TmshInput(parse_text(text.replace(members, ""), "b.conf"))], "d")
    assert isinstance(near.pools["/Common/edge_pool"].property_lines.offsets, bytes)


def test_objects_with_the_same_property_layout_share_names_and_offsets() -> None:
    text = "".join(
        f"ltm node /Common/n{i} {{\n    address 10.0.0.{i}\n    monitor /Common/icmp\n}}\n"
        for i in range(1, 4)
    ) + "ltm node /Common/other {\n    monitor /Common/icmp\n    address 10.0.1.1\n}\n"
    device, _ = build_device([TmshInput(parse_text(text, "bigip.conf"))], "dut")
    lines = [device.nodes[f"/Common/n{i}"].property_lines for i in range(1, 4)]
    assert [dict(pl) for pl in lines] == [
        {"address": 2, "monitor": 3}, {"address": 6, "monitor": 7}, {"address": 10, "monitor": 11}
    ]
    layouts = [pl for pl in lines if isinstance(pl, PropertyLines)]
    assert len(layouts) == 3
    assert len({id(pl.names) for pl in layouts}) == len({id(pl.offsets) for pl in layouts}) == 1
    other = device.nodes["/Common/other"].property_lines
    assert dict(other) == {"monitor": 14, "address": 15}
    assert isinstance(other, PropertyLines) and other.names is not layouts[0].names


def test_findings_without_witnesses_share_one_mapping_that_pickles_as_itself() -> None:
    assert dict(NO_WITNESSES) == {} and len(NO_WITNESSES) == 0
    assert pickle.loads(pickle.dumps(NO_WITNESSES)) is NO_WITNESSES
    with pytest.raises(KeyError):
        NO_WITNESSES["anything"]


ADDRESSES = st.builds(
    Address,
    st.sampled_from([0, 0, 7]),
    st.integers(min_value=0, max_value=2**32 - 1).map(ip_address)
    | st.sampled_from(["::", "2001:db8::1", "2001:db8::ff", "fe80::1"]).map(ip_address),
)


@st.composite
def networks(draw: st.DrawFn) -> Network:
    address = draw(ADDRESSES)
    width = 32 if address.ip.version == 4 else 128
    prefix = draw(st.integers(min_value=0, max_value=width))
    return Network(address.route_domain, ip_network(f"{address.ip}/{prefix}", strict=False))


@settings(max_examples=200, deadline=None)
@given(st.lists(ADDRESSES, max_size=30), st.lists(networks(), max_size=10))
def test_address_index_answers_like_testing_every_address(
    addresses: list[Address], nets: list[Network]
) -> None:
    index = _AddressIndex(addresses)
    for network in nets:
        assert index.holds_any(network) == any(network.contains(a) for a in addresses)
        # Whatever the index holds, a network around one of them holds it.
        for address in addresses[:3]:
            around = Network(address.route_domain, ip_network(address.ip))
            assert index.holds_any(around)


@settings(max_examples=200, deadline=None)
@given(st.sets(ADDRESSES, max_size=30), st.sets(networks(), max_size=30))
def test_sort_key_orders_like_the_comparison_operators(
    addresses: set[Address], nets: set[Network]
) -> None:
    assert sorted(addresses, key=_order) == sorted(addresses)
    assert sorted(nets, key=_order) == sorted(nets)
