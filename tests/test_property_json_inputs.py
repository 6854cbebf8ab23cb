"""Property tests of the JSON adapters (Terraform plan and state, AS3, DO) on wrong shapes.

Random JSON values (Hypothesis ``recursive`` strategies: nulls, booleans, numbers with NaN and
infinities, strings that steer the readers, lists and objects nested a few levels) replace 1 to
3 values anywhere in the real files of ``tests/data/terraform`` and ``tests/data/as3``, also
inside the declarations embedded as JSON strings (``as3_json``, ``do_json``, iApp
``jsonfile``). Whatever the shape, reading the file and assembling its device either works or
raises :class:`~lyncpolicy.errors.InputError` naming the file in one line: never a
``TypeError``, ``KeyError``, ``OverflowError``... And a file cut short anywhere is an
``InputError`` that says where the JSON breaks (or it still reads, for a cut in trailing
whitespace).

``LYNCPOLICY_PROPERTY_SCALE`` scales the number of examples (10 for a long run).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lyncpolicy.adapters.as3 import read_as3_file
from lyncpolicy.adapters.declarative import assemble
from lyncpolicy.adapters.detect import detect_input
from lyncpolicy.adapters.do import read_do_file
from lyncpolicy.adapters.terraform import read_terraform

from lyncpolicy.errors import InputError
from lyncpolicy.loader import load
from lyncpolicy.model import Device

DATA = Path(__file__).parent / "data"
SOURCES = sorted(
    [*(DATA / "terraform").glob("*.json"), *(DATA / "terraform").glob("*.tfstate"),
     *(DATA / "as3").glob("*.json")]
)
KINDS = {path: detect_input(str(path)) for path in SOURCES}
DOCUMENTS = {path: json.loads(path.read_text(encoding="utf-8")) for path in SOURCES}
# Parts of a plan no adapter reads: changing them proves nothing.
UNREAD = frozenset({"variables", "planned_values", "prior_state", "resource_drift",
                    "relevant_attributes", "output_changes", "outputs", "checks"})
# A step into the JSON document held by a string (as3_json, do_json, jsonfile).
EMBEDDED = None
Step = str | int | None


def _scale(count: int) -> int:
    return max(1, round(count * float(os.environ.get("LYNCPOLICY_PROPERTY_SCALE", "1"))))


def places(value: object, path: tuple[Step, ...] = ()) -> Iterator[tuple[Step, ...]]:
    """The path of every value in ``value``, itself included, and of every value inside JSON
    documents held by strings."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            if not (path == () and key in UNREAD):
                yield from places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from places(child, (*path, index))
    elif isinstance(value, str) and value[:1] in ("{", "["):
        try:
            inner = json.loads(value)
        except ValueError:
            return
        yield from places(inner, (*path, EMBEDDED))


PLACES = {path: list(places(DOCUMENTS[path])) for path in SOURCES}


def replaced(value: Any, path: tuple[Step, ...], new: object) -> Any:
    """``value`` with the value at ``path`` replaced by ``new`` (``value`` is changed)."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if step is EMBEDDED:
        return json.dumps(replaced(json.loads(value), rest, new))
    value[step] = replaced(value[step], rest, new)
    return value


STEERING = [
    "", "abc", "create", "delete", "no-op", "update", "managed", "bigip_ltm_virtual_server",
    "bigip_ltm_pool_attachment", "bigip_as3", "Tenant", "Application", "Pool",
    "Service_TCP", "Service_Forwarding", "VLAN", "Route", "ADC", "Device", "/Common/x",
    "10.1.1.1", "10.1.1.1%2/24", "203.0.113.5:443", "default", "auto", "self", "none",
    "{}", '{"class": "ADC"}', "[]",
]
KEYS = ["class", "use", "bigip", "name", "type", "mode", "address", "values", "change",
        "actions", "after", "members", "instances", "attributes", "declaration", "Common"]
scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
    | st.sampled_from(STEERING)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


def read(path: Path, kind: str) -> Device:
    """What the loader does with one declarative file: the adapter, then the device."""
    if kind == "as3":
        parts = read_as3_file(str(path))
    elif kind == "do":
        parts = read_do_file(str(path))
    else:
        parts = read_terraform(str(path), kind)
    return assemble(path.stem, parts)


def check_error(error: InputError, path: Path) -> None:
    assert error.path == str(path), str(error)
    assert "\n" not in str(error) and str(error).startswith(str(path))


SETTINGS = settings(max_examples=_scale(300), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("json-inputs")


@SETTINGS
@given(data=st.data())
def test_wrong_shapes_raise_only_input_errors(data: st.DataObject, workdir: Path) -> None:
    source = data.draw(st.sampled_from(SOURCES), label="file")
    document = copy.deepcopy(DOCUMENTS[source])
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        path = data.draw(st.sampled_from(list(places(document))), label="at")
        document = replaced(document, path, data.draw(json_values, label="value"))
    target = workdir / source.name
    target.write_text(json.dumps(document), encoding="utf-8")
    try:
        device = read(target, KINDS[source])
    except InputError as error:
        check_error(error, target)
    else:
        assert isinstance(device, Device)


@SETTINGS
@given(data=st.data())
def test_cut_json_is_an_input_error_saying_where(data: st.DataObject, workdir: Path) -> None:
    source = data.draw(st.sampled_from(SOURCES), label="file")
    text = source.read_text(encoding="utf-8")
    cut = data.draw(st.integers(0, len(text.rstrip()) - 1), label="cut")
    target = workdir / f"cut-{source.name}"
    target.write_text(text[:cut], encoding="utf-8")
    try:
        loaded = load([str(target)])
    except InputError as error:  # its first keys do not tell what it is
        errors = [error]
    else:
        errors = loaded.errors
    assert len(errors) == 1 and isinstance(errors[0], InputError), errors
    check_error(errors[0], target)
    assert "invalid JSON" in errors[0].message, str(errors[0])
    assert errors[0].line is not None
