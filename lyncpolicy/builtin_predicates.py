"""Core predicates of the rule language, registered through the same hook as any plugin.

Every predicate reads values through paths (see :mod:`lyncpolicy.conditions`). Absent values
(``None``, a missing mapping key, an index past the end) make a predicate fail, except
``exists``, ``ne`` and ``not-in`` which are plain negations; unknown values make it
undetermined. Model addresses and networks compare with literals by their text
(``203.0.113.10``, ``10.1.1.0%9/24``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from lyncpolicy.addresses import Address, Network
from lyncpolicy.conditions import (
    FAILED,
    PASSED,
    UNDECIDED,
    UNKNOWN,
    Check,
    Compiler,
    Outcome,
    Path,
    Predicate,
    Scope,
    Status,
    element_type,
    iter_items,
    label,
    unknown_outcome,
)
from lyncpolicy.hookspecs import hookimpl

PATH: Final = {"$ref": "#/$defs/path"}
SCALAR: Final = {"$ref": "#/$defs/scalar"}
CONDITION: Final = {"$ref": "#/$defs/condition"}
VARIABLE: Final = {"$ref": "#/$defs/variable"}
OPERATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def arguments(required: Iterable[str], **properties: Any) -> dict[str, Any]:
    """The JSON schema of a predicate's arguments: an object of ``properties``, no others."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": properties,
    }


def _norm(value: object) -> object:
    """Model values as literals compare: addresses and networks by their text."""
    if isinstance(value, Address | Network):
        return str(value)
    return value


def _number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _equal(actual: object, expected: object) -> bool:
    """Equality where a numeric string equals its number (tmsh settings are text)."""
    if actual == expected:
        return True
    if isinstance(actual, str) and not isinstance(expected, bool | str):
        return _number(actual) == expected
    return False


def _member(value: object, allowed: frozenset[object]) -> bool:
    try:
        return value in allowed
    except TypeError:  # an unhashable value (a mapping) is not one of the scalars
        return False


def _flatten(value: object) -> list[object]:
    """A value or a collection of values as a list (None items dropped)."""
    if value is None:
        return []
    if isinstance(value, Mapping | tuple | list | frozenset | set):
        return [v for v in iter_items(value) if v is not None]
    return [value]


# -- comparisons -------------------------------------------------------------------------------


def _comparison(name: str) -> Predicate:
    op = OPERATORS[name]
    ordered = name in ("lt", "le", "gt", "ge")

    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        path = c.path(args.get("path"), "path")
        value = c.require(args, "value", (str, int, float, bool, type(None)))
        if ordered:
            if _number(value) is None:
                raise c.error(f"{name!r} compares numbers: 'value' must be a number", "value")
            value = _number(value)

        def check(scope: Scope) -> Outcome:
            actual = path.resolve(scope)
            if actual is UNKNOWN:
                return unknown_outcome(path)
            if ordered:
                number = _number(actual)
                if number is None:
                    return Outcome(Status.FAIL, {"actual": _norm(actual)})
                result = op(number, value)
            elif name == "eq":
                result = _equal(_norm(actual), value)
            else:
                result = not _equal(_norm(actual), value)
            return PASSED if result else Outcome(Status.FAIL, {"actual": _norm(actual)})

        return check

    what = "equals" if name == "eq" else "differs from" if name == "ne" else f"is {name}"
    return Predicate(
        name,
        compile_,
        arguments(["path", "value"], path=PATH, value=SCALAR),
        f"the value at `path` {what} `value`"
        + (" (numbers; numeric strings are read as numbers)" if ordered else ""),
        f"{name}: {{path: object.port, value: 443}}",
    )


def _membership(name: str) -> Predicate:
    negate = name == "not-in"

    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        path = c.path(args.get("path"), "path")
        values = c.require(args, "values", list)
        if not values:
            raise c.error("'values' must not be empty", "values")
        for i, item in enumerate(values):
            if isinstance(item, list | dict):
                raise c.error("'values' holds scalars (strings, numbers, booleans)", "values", i)
        allowed = frozenset(values)
        numbers = frozenset(
            v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
        )

        def check(scope: Scope) -> Outcome:
            actual = path.resolve(scope)
            if actual is UNKNOWN:
                return unknown_outcome(path)
            norm = _norm(actual)
            found = _member(norm, allowed) or (
                bool(numbers) and isinstance(norm, str) and _number(norm) in numbers
            )
            if found != negate:
                return PASSED
            return Outcome(Status.FAIL, {"actual": _norm(actual)})

        return check

    return Predicate(
        name,
        compile_,
        arguments(
            ["path", "values"], path=PATH, values={"type": "array", "minItems": 1, "items": SCALAR}
        ),
        f"the value at `path` is {'not ' if negate else ''}one of `values`",
        f"{name}: {{path: object.ip_protocol, values: [tcp, udp]}}",
    )


# -- single values -----------------------------------------------------------------------------


def _compile_exists(args: Mapping[str, Any], c: Compiler) -> Check:
    path = c.path(args.get("path"), "path")

    def check(scope: Scope) -> Outcome:
        actual = path.resolve(scope)
        if actual is UNKNOWN:
            return unknown_outcome(path)
        return FAILED if actual is None else PASSED

    return check


def _compile_matches(args: Mapping[str, Any], c: Compiler) -> Check:
    path = c.path(args.get("path"), "path")
    regex = c.regex(c.require(args, "regex", str), "regex")

    def check(scope: Scope) -> Outcome:
        actual = path.resolve(scope)
        if actual is UNKNOWN:
            return unknown_outcome(path)
        if actual is None:
            return FAILED
        text = str(_norm(actual))
        return PASSED if regex.search(text) else Outcome(Status.FAIL, {"actual": text})

    return check


def _as_address(value: object, path: Path) -> Address | Network:
    if isinstance(value, Address | Network):
        return value
    raise TypeError(f"{path.text} is a {type(value).__name__}, not an address or network")


def _within(network: Address | Network, item: Address | Network) -> bool:
    if isinstance(network, Address):
        # A single address covers only itself (a NAT's or a self IP's address).
        return network == item or (
            isinstance(item, Network)
            and item.route_domain == network.route_domain
            and item.network.num_addresses == 1
            and item.network.network_address == network.ip
        )
    if isinstance(item, Address):
        return network.contains(item)
    return network.covers(item)


def _compile_contains_address(args: Mapping[str, Any], c: Compiler) -> Check:
    network_path = c.path(args.get("network"), "network")
    address_path = c.path(args.get("address"), "address")

    def check(scope: Scope) -> Outcome:
        network = network_path.resolve(scope)
        address = address_path.resolve(scope)
        unknown = [p for p, v in ((network_path, network), (address_path, address)) if v is UNKNOWN]
        if unknown:
            return unknown_outcome(*unknown)
        if network is None or address is None:
            return FAILED
        net = _as_address(network, network_path)
        addr = _as_address(address, address_path)
        return PASSED if _within(net, addr) else Outcome(Status.FAIL, {"uncovered": [str(addr)]})

    return check


def _compile_covers_all(args: Mapping[str, Any], c: Compiler) -> Check:
    networks_path = c.path(args.get("networks"), "networks")
    addresses_path = c.path(args.get("addresses"), "addresses")

    def check(scope: Scope) -> Outcome:
        addresses_value = addresses_path.resolve(scope)
        if addresses_value is UNKNOWN:
            return unknown_outcome(addresses_path)
        addresses = [_as_address(a, addresses_path) for a in _flatten(addresses_value)]
        if not addresses:
            return PASSED
        networks_value = networks_path.resolve(scope)
        if networks_value is UNKNOWN:
            return unknown_outcome(networks_path)
        networks = [_as_address(n, networks_path) for n in _flatten(networks_value)]
        uncovered: list[str] = []
        for address in addresses:
            if not any(_within(n, address) for n in networks):
                text = str(address)
                if text not in uncovered:
                    uncovered.append(text)
        return Outcome(Status.FAIL, {"uncovered": uncovered}) if uncovered else PASSED

    return check


def _compile_same_route_domain(args: Mapping[str, Any], c: Compiler) -> Check:
    paths = c.paths(c.require(args, "paths", list), "paths", minimum=1)

    def check(scope: Scope) -> Outcome:
        values: list[Address | Network] = []
        unknown: list[Path] = []
        for path in paths:
            value = path.resolve(scope)
            if value is UNKNOWN:
                unknown.append(path)
                continue
            values.extend(_as_address(v, path) for v in _flatten(value))
        if unknown:
            return unknown_outcome(*unknown)
        domains = sorted({v.route_domain for v in values})
        if len(domains) <= 1:
            return PASSED
        first = values[0].route_domain
        mismatched = [str(v) for v in values if v.route_domain != first]
        return Outcome(Status.FAIL, {"route_domains": domains, "mismatched": mismatched})

    return check


def private(value: Address | Network) -> bool:
    """An address, or every address of a network, is private."""
    if isinstance(value, Address):
        return value.is_private
    net = value.network
    return (
        Address(value.route_domain, net.network_address).is_private
        and Address(value.route_domain, net.broadcast_address).is_private
    )


def _compile_is_private(args: Mapping[str, Any], c: Compiler) -> Check:
    path = c.path(args.get("path"), "path")

    def check(scope: Scope) -> Outcome:
        value = path.resolve(scope)
        if value is UNKNOWN:
            return unknown_outcome(path)
        items = [_as_address(v, path) for v in _flatten(value)]
        if not items:
            return FAILED
        public = [str(v) for v in items if not private(v)]
        return Outcome(Status.FAIL, {"public": public}) if public else PASSED

    return check


def _compile_count(args: Mapping[str, Any], c: Compiler) -> Check:
    path = c.path(args.get("path"), "path")
    op_name = c.require(args, "op", str)
    if op_name not in OPERATORS:
        raise c.error(f"'op' must be one of {', '.join(OPERATORS)}", "op")
    op = OPERATORS[op_name]
    value = c.require(args, "value", int)

    def check(scope: Scope) -> Outcome:
        actual = path.resolve(scope)
        if actual is UNKNOWN:
            return unknown_outcome(path)
        if actual is None:
            count = 0
        elif isinstance(actual, Mapping | tuple | list | frozenset | set | str):
            count = len(actual)
        else:
            raise TypeError(f"{path.text} is a {type(actual).__name__}: it cannot be counted")
        return PASSED if op(count, value) else Outcome(Status.FAIL, {"count": count})

    return check


def _compile_has_role(args: Mapping[str, Any], c: Compiler) -> Check:
    of = c.path(args.get("of", "object"), "of")
    wanted = c.require(args, "role", (str, list))
    roles_wanted = frozenset([wanted] if isinstance(wanted, str) else wanted)
    if not roles_wanted or not all(isinstance(r, str) for r in roles_wanted):
        raise c.error("'role' is a role name or a non-empty list of role names", "role")

    def check(scope: Scope) -> Outcome:
        roles = scope["roles"]
        if roles is UNKNOWN:
            return UNDECIDED
        item = of.resolve(scope)
        if item is UNKNOWN:
            return unknown_outcome(of)
        if item is None:
            return FAILED
        name = item if isinstance(item, str) else label(item)
        assert isinstance(roles, Mapping)
        return PASSED if roles_wanted & set(roles.get(name, ())) else FAILED

    return check


# -- quantifiers -------------------------------------------------------------------------------


def _quantifier(name: str) -> Predicate:
    every = name == "every"

    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        over = c.path(args.get("over"), "over")
        variable = c.variable(args.get("as"), "as")
        inner = c.condition(
            args.get("condition"), "condition", variables={variable: element_type(over.type)}
        )
        witness = c.optional(args, "witness", str, "failing")

        def check(scope: Scope) -> Outcome:
            collection = over.resolve(scope)
            if collection is UNKNOWN:
                return unknown_outcome(over)
            items = () if collection is None else iter_items(collection)
            local = dict(scope)
            failing: list[str] = []
            undecided: list[str] = []
            for item in items:
                local[variable] = item
                status = inner(local).status
                if status is Status.PASS:
                    if not every:
                        return PASSED
                elif status is Status.FAIL:
                    failing.append(label(item))
                else:
                    undecided.append(label(item))
            if every and failing:
                return Outcome(Status.FAIL, {witness: failing})
            if undecided:
                return Outcome(Status.UNDETERMINED, {"undetermined": undecided})
            return PASSED if every else FAILED

        return check

    return Predicate(
        name,
        compile_,
        arguments(
            ["over", "as", "condition"],
            over=PATH,
            **{"as": VARIABLE},
            condition=CONDITION,
            witness={"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        ),
        (
            "every item of `over` (bound to the name in `as`) satisfies `condition`; the failing "
            "items are the witness `failing` (or the name in `witness`)"
        )
        if every
        else "at least one item of `over` (bound to the name in `as`) satisfies `condition`",
        f"{name}: {{over: object.members, as: m, condition: {{is-private: {{path: m.address}}}}}}",
    )


CORE_PREDICATES: Final[tuple[Predicate, ...]] = (
    *(_comparison(n) for n in OPERATORS),
    _membership("in"),
    _membership("not-in"),
    Predicate(
        "exists",
        _compile_exists,
        arguments(["path"], path=PATH),
        "the value at `path` is present (not none, not a missing key)",
        "exists: {path: object.pool}",
    ),
    Predicate(
        "matches",
        _compile_matches,
        arguments(["path", "regex"], path=PATH, regex={"type": "string"}),
        "the text of the value at `path` matches the regular expression `regex` (re.search)",
        "matches: {path: object.name, regex: '^/Common/edge_'}",
    ),
    Predicate(
        "contains-address",
        _compile_contains_address,
        arguments(["network", "address"], network=PATH, address=PATH),
        "the network at `network` contains the address (or network) at `address`, in the "
        "same route domain; witness `uncovered`",
        "contains-address: {network: object.source_network, address: object.destination}",
    ),
    Predicate(
        "covers-all",
        _compile_covers_all,
        arguments(["networks", "addresses"], networks=PATH, addresses=PATH),
        "every address at `addresses` lies in one of the networks at `networks` (same route "
        "domain); the others are the witness `uncovered`",
        "covers-all: {networks: device.nats.*.originating_address, addresses: "
        "object.members.*.address}",
    ),
    Predicate(
        "same-route-domain",
        _compile_same_route_domain,
        arguments(["paths"], paths={"type": "array", "minItems": 1, "items": PATH}),
        "every address and network at `paths` is in one route domain; witnesses "
        "`route_domains` and `mismatched`",
        "same-route-domain: {paths: [object.destination, object.source_network]}",
    ),
    Predicate(
        "is-private",
        _compile_is_private,
        arguments(["path"], path=PATH),
        "the address(es) at `path` are private (RFC 1918, RFC 6598, link-local, loopback, "
        "IPv6 ULA); the others are the witness `public`",
        "is-private: {path: object.translation_address}",
    ),
    Predicate(
        "count",
        _compile_count,
        arguments(
            ["path", "op", "value"],
            path=PATH,
            op={"enum": list(OPERATORS)},
            value={"type": "integer", "minimum": 0},
        ),
        "the number of items at `path` compared with `value` by `op`; witness `count`",
        "count: {path: object.members, op: ge, value: 2}",
    ),
    Predicate(
        "has-role",
        _compile_has_role,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["role"],
            "properties": {
                "of": PATH,
                "role": {
                    "type": ["string", "array"],
                    "minItems": 1,
                    "items": {"type": "string"},
                },
            },
        },
        "the object at `of` (default: the object; a name works too) has one of the roles in "
        "`role`, as found by the topology step; undetermined without roles",
        "has-role: {of: v, role: edge-external-vip}",
    ),
    _quantifier("every"),
    _quantifier("some"),
)


@hookimpl
def lyncpolicy_predicates() -> list[Predicate]:
    """The core predicates."""
    return list(CORE_PREDICATES)
