"""The rule language: every core predicate (pass, fail, undetermined), Kleene logic, path
safety and message templates."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from lyncpolicy.addresses import parse_address, parse_network
from lyncpolicy.builtin_predicates import CORE_PREDICATES
from lyncpolicy.conditions import (
    PASSED,
    ROLES_TYPE,
    UNKNOWN,
    Check,
    Compiler,
    ConditionError,
    Outcome,
    Predicate,
    PredicateFailure,
    Status,
    compile_condition,
    compile_template,
    value_predicate,
)
from lyncpolicy.model import (
    Device,
    Nat,
    Pool,
    PoolMember,
    Profile,
    ProfileRef,
    SelfIp,
    VirtualServer,
)

CORE: dict[str, Predicate] = {p.name: p for p in CORE_PREDICATES}
ROOTS: dict[str, Any] = {"object": VirtualServer, "device": Device, "roles": ROLES_TYPE}
P, F, U = Status.PASS, Status.FAIL, Status.UNDETERMINED

VS = VirtualServer(
    name="/Common/av_udp",
    destination=parse_address("203.0.113.10"),
    port=443,
    destination_network=parse_network("203.0.113.10/32"),
    source_network=parse_network("10.0.0.0%9/8"),
    ip_protocol="udp",
    snat_type="automap",
    pool="/Common/edge_pool",
    profiles=(ProfileRef("/Common/udp"),),
)
DEVICE = Device(
    name="bigip1",
    self_ips={"/Common/ext": SelfIp("/Common/ext", network=parse_network("203.0.113.2/24"))},
    nats={"/Common/nat1": Nat("/Common/nat1", originating_address=parse_address("10.9.9.9"))},
    virtual_servers={VS.name: VS},
)


def compile_(
    condition: object,
    roots: Mapping[str, Any] = ROOTS,
    predicates: Mapping[str, Predicate] = CORE,
) -> Check:
    return compile_condition(condition, Compiler(predicates, roots, ("condition",)))


def run(
    condition: object,
    obj: object = VS,
    device: Device = DEVICE,
    roles: object = UNKNOWN,
    predicates: Mapping[str, Predicate] = CORE,
) -> Outcome:
    check = compile_(condition, predicates=predicates)
    return check({"object": obj, "device": device, "roles": roles})


def hide(obj: Any, *names: str) -> Any:
    """The object with some fields unknown (as an adapter that cannot state them marks them)."""
    return dataclasses.replace(obj, unknown=frozenset(names))


# -- every operator: pass, fail, undetermined ---------------------------------------------------

# (predicate, arguments that pass on VS, arguments that fail on VS, fields to hide, which makes
# both undetermined)
OPERATOR_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "eq",
        {"path": "object.ip_protocol", "value": "udp"},
        {"path": "object.ip_protocol", "value": "tcp"},
        "ip_protocol",
    ),
    (
        "ne",
        {"path": "object.snat_type", "value": "none"},
        {"path": "object.snat_type", "value": "automap"},
        "snat_type",
    ),
    (
        "in",
        {"path": "object.ip_protocol", "values": ["tcp", "udp"]},
        {"path": "object.ip_protocol", "values": ["tcp", "sctp"]},
        "ip_protocol",
    ),
    (
        "not-in",
        {"path": "object.ip_protocol", "values": ["tcp"]},
        {"path": "object.ip_protocol", "values": ["udp", "tcp"]},
        "ip_protocol",
    ),
    ("lt", {"path": "object.port", "value": 1024}, {"path": "object.port", "value": 443}, "port"),
    ("le", {"path": "object.port", "value": 443}, {"path": "object.port", "value": 442}, "port"),
    ("gt", {"path": "object.port", "value": 442}, {"path": "object.port", "value": 443}, "port"),
    ("ge", {"path": "object.port", "value": 443}, {"path": "object.port", "value": 444}, "port"),
    ("exists", {"path": "object.pool"}, {"path": "object.snat_pool"}, "pool,snat_pool"),
    (
        "matches",
        {"path": "object.name", "regex": "^/Common/av_"},
        {"path": "object.name", "regex": "^/Common/access_"},
        "name",
    ),
    (
        "contains-address",
        {"network": "object.destination_network", "address": "object.destination"},
        {"network": "object.source_network", "address": "object.destination"},
        "destination",
    ),
    (
        "covers-all",
        {"networks": "device.self_ips.*.network", "addresses": "object.destination"},
        {"networks": "object.source_network", "addresses": "object.destination"},
        "destination",
    ),
    (
        "same-route-domain",
        {"paths": ["object.destination", "object.destination_network"]},
        {"paths": ["object.destination", "object.source_network"]},
        "destination",
    ),
    (
        "is-private",
        {"path": "object.source_network"},
        {"path": "object.destination"},
        "source_network,destination",
    ),
    (
        "count",
        {"path": "object.profiles", "op": "eq", "value": 1},
        {"path": "object.profiles", "op": "ge", "value": 2},
        "profiles",
    ),
    (
        "every",
        {
            "over": "object.profiles",
            "as": "p",
            "condition": {"eq": {"path": "p.context", "value": "all"}},
        },
        {
            "over": "object.profiles",
            "as": "p",
            "condition": {"eq": {"path": "p.context", "value": "clientside"}},
        },
        "profiles",
    ),
    (
        "some",
        {
            "over": "object.profiles",
            "as": "p",
            "condition": {"matches": {"path": "p.name", "regex": "udp"}},
        },
        {
            "over": "object.profiles",
            "as": "p",
            "condition": {"matches": {"path": "p.name", "regex": "tcp"}},
        },
        "profiles",
    ),
]


def test_every_core_predicate_has_a_case() -> None:
    covered = {case[0] for case in OPERATOR_CASES} | {"has-role"}
    assert covered == set(CORE)


@pytest.mark.parametrize(
    "name,passing,failing,hidden", OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES]
)
def test_operator_three_ways(
    name: str, passing: dict[str, Any], failing: dict[str, Any], hidden: str
) -> None:
    assert run({name: passing}).status is P
    assert run({name: failing}).status is F
    unknown = hide(VS, *hidden.split(","))
    assert run({name: passing}, obj=unknown).status is U
    assert run({name: failing}, obj=unknown).status is U


def test_has_role_three_ways() -> None:
    roles = {"/Common/av_udp": {"edge-av"}}
    assert run({"has-role": {"role": "edge-av"}}, roles=roles).status is P
    assert run({"has-role": {"role": ["edge-access", "edge-av"]}}, roles=roles).status is P
    assert run({"has-role": {"role": "edge-access"}}, roles=roles).status is F
    assert run({"has-role": {"of": "object.pool", "role": "edge-av"}}, roles=roles).status is F
    assert run({"has-role": {"role": "edge-av"}}, roles=UNKNOWN).status is U


def test_failure_witnesses() -> None:
    assert run({"eq": {"path": "object.snat_type", "value": "none"}}).witnesses == {
        "actual": "automap"
    }
    assert run({"is-private": {"path": "object.destination"}}).witnesses == {
        "public": ["203.0.113.10"]
    }
    covers = run(
        {
            "covers-all": {
                "networks": "device.self_ips.*.network",
                "addresses": "device.nats.*.originating_address",
            }
        }
    )
    assert covers.status is F
    assert covers.witnesses == {"uncovered": ["10.9.9.9"]}
    every = run(
        {
            "every": {
                "over": "device.virtual_servers",
                "as": "v",
                "witness": "snatted",
                "condition": {"eq": {"path": "v.snat_type", "value": "none"}},
            }
        }
    )
    assert every.witnesses == {"snatted": ["/Common/av_udp"]}
    count = run({"count": {"path": "object.profiles", "op": "gt", "value": 3}})
    assert count.witnesses == {"count": 1}


def test_unknown_names_the_path() -> None:
    outcome = run({"eq": {"path": "object.snat_type", "value": "none"}}, obj=hide(VS, "snat_type"))
    assert outcome == Outcome(U, {"unknown": ["object.snat_type"]})


def test_unknown_collection_kind_is_undetermined() -> None:
    device = dataclasses.replace(DEVICE, unknown_kinds=frozenset({"nats"}))
    outcome = run({"count": {"path": "device.nats", "op": "eq", "value": 0}}, device=device)
    assert outcome.status is U
    every = {
        "every": {
            "over": "device.nats",
            "as": "n",
            "condition": {"exists": {"path": "n.translation_address"}},
        }
    }
    assert run(every, device=device).status is U
    assert run(every).status is F


def test_unknown_sentinel_value_is_undetermined() -> None:
    settings = Profile("/Common/tcp", effective={"idle-timeout": UNKNOWN})  # type: ignore[dict-item]
    check = compile_(
        {"ge": {"path": "object.effective.idle-timeout", "value": 1800}},
        roots={"object": Profile, "device": Device, "roles": ROLES_TYPE},
    )
    assert check({"object": settings, "device": DEVICE, "roles": UNKNOWN}).status is U
    with pytest.raises(TypeError):
        bool(UNKNOWN)


def test_numeric_strings_and_absent_values() -> None:
    roots = {"object": Profile, "device": Device, "roles": ROLES_TYPE}
    profile = Profile("/Common/tcp", effective={"idle-timeout": "1800", "mode": "indefinite"})
    scope = {"object": profile, "device": DEVICE, "roles": UNKNOWN}

    def status(condition: object) -> Status:
        return compile_(condition, roots=roots)(scope).status

    assert status({"ge": {"path": "object.effective.idle-timeout", "value": 1800}}) is P
    assert status({"eq": {"path": "object.effective.idle-timeout", "value": 1800}}) is P
    assert status({"in": {"path": "object.effective.idle-timeout", "values": [300, 1800]}}) is P
    assert status({"lt": {"path": "object.effective.mode", "value": 1800}}) is F
    # A missing key is absent: it fails every predicate but exists' negation.
    assert status({"exists": {"path": "object.effective.missing"}}) is F
    assert status({"eq": {"path": "object.effective.missing", "value": "x"}}) is F
    assert status({"not": {"exists": {"path": "object.effective.missing"}}}) is P


def test_quantifiers_on_empty_collections() -> None:
    empty = dataclasses.replace(VS, profiles=())
    condition = {"eq": {"path": "p.context", "value": "all"}}
    args = {"over": "object.profiles", "as": "p", "condition": condition}
    assert run({"every": args}, obj=empty).status is P
    assert run({"some": args}, obj=empty).status is F


def test_nested_quantifiers_see_outer_variables() -> None:
    pool = Pool(
        "/Common/edge",
        members=(
            PoolMember("/Common/203.0.113.21:443", parse_address("203.0.113.21"), 443),
            PoolMember("/Common/198.51.100.22:443", parse_address("198.51.100.22"), 443),
        ),
    )
    check = compile_(
        {
            "every": {
                "over": "object.members",
                "as": "m",
                "witness": "outside",
                "condition": {
                    "some": {
                        "over": "device.self_ips",
                        "as": "s",
                        "condition": {
                            "contains-address": {"network": "s.network", "address": "m.address"}
                        },
                    }
                },
            }
        },
        roots={"object": Pool, "device": Device, "roles": ROLES_TYPE},
    )
    outcome = check({"object": pool, "device": DEVICE, "roles": UNKNOWN})
    assert outcome == Outcome(F, {"outside": ["/Common/198.51.100.22:443"]})


def test_route_domains_never_match() -> None:
    other_rd = dataclasses.replace(VS, destination=parse_address("203.0.113.10%9"))
    condition = {
        "contains-address": {
            "network": "object.destination_network",
            "address": "object.destination",
        }
    }
    assert run(condition).status is P
    assert run(condition, obj=other_rd).status is F
    same = {"same-route-domain": {"paths": ["object.destination", "object.destination_network"]}}
    outcome = run(same, obj=other_rd)
    assert outcome.status is F
    assert outcome.witnesses["route_domains"] == [0, 9]


def test_derived_fields_from_the_allowlist() -> None:
    assert run({"eq": {"path": "device.ha", "value": False}}).status is P
    floating = {
        "some": {
            "over": "device.self_ips",
            "as": "s",
            "condition": {"eq": {"path": "s.floating", "value": True}},
        }
    }
    assert run(floating).status is F


# -- Kleene logic --------------------------------------------------------------------------------


def _constant(status: Status) -> Predicate:
    outcome = Outcome(status)
    return Predicate(
        f"const-{status.value}", lambda args, c: lambda scope: outcome, {"type": "object"}
    )


CONSTANTS = {p.name: p for p in map(_constant, Status)}
RANK = {F: 0, U: 1, P: 2}


def _leaf(status: Status) -> dict[str, Any]:
    return {f"const-{status.value}": {}}


@pytest.mark.parametrize("a,b", list(itertools.product(Status, repeat=2)))
def test_truth_tables_all_any(a: Status, b: Status) -> None:
    weakest = min(a, b, key=RANK.__getitem__)
    strongest = max(a, b, key=RANK.__getitem__)
    assert run({"all": [_leaf(a), _leaf(b)]}, predicates=CONSTANTS).status is weakest
    assert run({"any": [_leaf(a), _leaf(b)]}, predicates=CONSTANTS).status is strongest


@pytest.mark.parametrize("a", list(Status))
def test_truth_table_not(a: Status) -> None:
    expected = {P: F, F: P, U: U}[a]
    assert run({"not": _leaf(a)}, predicates=CONSTANTS).status is expected


def test_all_merges_witnesses_of_failing_parts() -> None:
    device = dataclasses.replace(
        DEVICE,
        nats={
            "/Common/a": Nat("/Common/a", originating_address=parse_address("10.9.9.9")),
            "/Common/b": Nat("/Common/b", originating_address=parse_address("10.9.9.8")),
        },
    )
    outcome = run(
        {
            "all": [
                {
                    "covers-all": {
                        "networks": "object.destination_network",
                        "addresses": "device.nats.*.originating_address",
                    }
                },
                {
                    "covers-all": {
                        "networks": "device.self_ips.*.network",
                        "addresses": "device.nats.*.originating_address",
                    }
                },
                {"exists": {"path": "object.pool"}},
            ]
        },
        device=device,
    )
    assert outcome == Outcome(F, {"uncovered": ["10.9.9.9", "10.9.9.8"]})


# -- load-time errors and path safety ------------------------------------------------------------


@pytest.mark.parametrize(
    "path,message",
    [
        ("object.__class__", "is not allowed"),
        ("object._x", "is not allowed"),
        ("object.name.__len__", "is not allowed"),
        ("object.source.__dict__", "is not allowed"),
        ("builtins.open", "must start with one of: object, device, roles"),
        ("__import__", "must start with one of"),
        ("objct.name", "did you mean 'object'"),
        ("object.snat_typ", "did you mean 'snat_type'"),
        ("object.enabled_on", "'enabled_on' is not a field of VirtualServer"),
        ("object.line_of", "'line_of' is not a field of VirtualServer"),
        ("object.name.upper", "is a str: it has no field 'upper'"),
        ("object.profiles.name", "is a list: use a number"),
        ("object.unknown.x", "is a set"),
        ("object.name()", "is not allowed"),
        ("object.name[0]", "is not allowed"),
        ("object..name", "is not allowed"),
        ("", "non-empty string"),
    ],
)
def test_bad_paths_rejected_at_load_time(path: str, message: str) -> None:
    with pytest.raises(ConditionError) as excinfo:
        compile_({"all": [{"exists": {"path": "object.name"}}, {"exists": {"path": path}}]})
    assert message in excinfo.value.message
    assert excinfo.value.location == ("condition", "all", 1, "exists", "path")


@pytest.mark.parametrize(
    "path",
    [
        "object.name",
        "object.destination.route_domain",
        "object.profiles.0.context",
        "object.source.line",
        "device.virtual_servers.*.snat_type",
        "device.pools.*.members.*.address",
        "device.ha",
        "roles",
    ],
)
def test_good_paths_compile(path: str) -> None:
    compile_({"exists": {"path": path}})


def test_variables_are_scoped_and_cannot_hide_roots() -> None:
    inner = {"eq": {"path": "p.context", "value": "all"}}
    with pytest.raises(ConditionError, match="hides a name"):
        compile_({"every": {"over": "object.profiles", "as": "object", "condition": inner}})
    with pytest.raises(ConditionError, match="must start with one of"):
        compile_(
            {
                "all": [
                    {"every": {"over": "object.profiles", "as": "p", "condition": inner}},
                    inner,
                ]
            }
        )
    with pytest.raises(ConditionError, match="'contxt' is not a field of ProfileRef"):
        compile_(
            {
                "every": {
                    "over": "object.profiles",
                    "as": "p",
                    "condition": {"eq": {"path": "p.contxt", "value": "all"}},
                }
            }
        )


@pytest.mark.parametrize(
    "condition,message,location,at_key",
    [
        (
            {"eqq": {"path": "object.name", "value": 1}},
            "did you mean 'eq'",
            ("condition", "eqq"),
            True,
        ),
        (
            {"eq": {"path": "object.name"}},
            "'value' is a required property",
            ("condition", "eq"),
            False,
        ),
        (
            {"eq": {"path": "object.name", "value": 1, "vlaue": 2}},
            "did you mean 'value'",
            ("condition", "eq", "vlaue"),
            True,
        ),
        (
            {"eq": {"path": "object.name", "value": 1}, "ne": {}},
            "exactly one key",
            ("condition",),
            False,
        ),
        ({"all": []}, "non-empty list", ("condition", "all"), False),
        (
            {"matches": {"path": "object.name", "regex": "("}},
            "invalid regex",
            ("condition", "matches", "regex"),
            False,
        ),
        (
            {"lt": {"path": "object.port", "value": "many"}},
            "must be a number",
            ("condition", "lt", "value"),
            False,
        ),
        (
            {"count": {"path": "object.profiles", "op": "about", "value": 1}},
            "'op' must be one of",
            ("condition", "count", "op"),
            False,
        ),
        ("eq", "exactly one key", ("condition",), False),
    ],
)
def test_compile_errors_have_locations(
    condition: object, message: str, location: tuple[Any, ...], at_key: bool
) -> None:
    with pytest.raises(ConditionError) as excinfo:
        compile_(condition)
    assert message in excinfo.value.message
    assert excinfo.value.location == location
    assert excinfo.value.at_key is at_key


def test_predicate_exception_is_reported_not_passed() -> None:
    def boom(args: Mapping[str, Any], c: Compiler) -> Check:
        def check(scope: Any) -> Outcome:
            raise ZeroDivisionError("bad math")

        return check

    predicates = {**CORE, "acme.boom": Predicate("acme.boom", boom, {"type": "object"})}
    with pytest.raises(PredicateFailure) as excinfo:
        run(
            {
                "not": {
                    "every": {"over": "object.profiles", "as": "p", "condition": {"acme.boom": {}}}
                }
            },
            predicates=predicates,
        )
    assert excinfo.value.predicate == "acme.boom"
    assert "ZeroDivisionError: bad math" in str(excinfo.value)


def test_wrong_runtime_type_is_an_internal_error() -> None:
    # `object.pool` is a name, not an address: contains-address cannot pass or fail on it.
    with pytest.raises(PredicateFailure, match="not an address"):
        run(
            {
                "contains-address": {
                    "network": "object.destination_network",
                    "address": "object.pool",
                }
            }
        )


def test_value_predicate_helper() -> None:
    odd = value_predicate("acme.odd", lambda port: port % 2 == 1)
    predicates = {**CORE, odd.name: odd}
    assert run({"acme.odd": {"path": "object.port"}}, predicates=predicates).status is P
    even = dataclasses.replace(VS, port=5062)
    assert run({"acme.odd": {"path": "object.port"}}, obj=even, predicates=predicates).status is F
    hidden = hide(VS, "port")
    assert run({"acme.odd": {"path": "object.port"}}, obj=hidden, predicates=predicates).status is U
    with pytest.raises(ConditionError, match="'path' is a required property"):
        compile_({"acme.odd": {}}, predicates=predicates)


def test_outcome_constants_are_shared() -> None:
    assert Outcome.of(True) is PASSED
    assert Outcome.of(None).status is U
    assert Outcome.of(False, actual=1).witnesses == {"actual": 1}


# -- templates -----------------------------------------------------------------------------------

TEMPLATE_ROOTS = {"object": VirtualServer, "device": Device}


def test_template_renders_fields_and_witnesses() -> None:
    template = compile_template(
        "{object.name} on {device.name}: {object.snat_type}, {witnesses.uncovered} "
        "({object.port}, {object.profiles}) {{literal}}",
        TEMPLATE_ROOTS,
        ("message",),
    )
    text = template.render(
        {"object": VS, "device": DEVICE}, {"uncovered": ["203.0.113.21", "198.51.100.22"]}
    )
    assert text == (
        "/Common/av_udp on bigip1: automap, 203.0.113.21, 198.51.100.22 "
        "(443, /Common/udp) {literal}"
    )
    assert template.render({"object": hide(VS, "snat_type"), "device": DEVICE}, {}).startswith(
        "/Common/av_udp on bigip1: unknown, "
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("{object.__class__}", "is not allowed"),
        ("{object[0]}", "dotted paths"),
        ("{object.name!r}", "conversions"),
        ("{object.name:>10}", "format specs"),
        ("{roles}", "must start with one of: object, device, witnesses"),
        ("{witnesses}", "{witnesses.NAME}"),
        ("{witnesses.a.b}", "{witnesses.NAME}"),
        ("{object.nam}", "did you mean 'name'"),
        ("{}", "dotted paths"),
        ("{object.name", "bad template"),
    ],
)
def test_template_errors(text: str, message: str) -> None:
    with pytest.raises(ConditionError) as excinfo:
        compile_template(text, TEMPLATE_ROOTS, ("message",))
    assert message in excinfo.value.message
    assert excinfo.value.location == ("message",)


def test_an_unknown_key_inside_a_mapping_field_is_undetermined() -> None:
    """Terraform cannot state reset-on-timeout: `effective.reset-on-timeout` is in `unknown`."""
    from lyncpolicy.conditions import UNKNOWN, parse_path
    from lyncpolicy.model import Profile

    profile = Profile(
        name="/Common/fwd",
        kind="fastl4",
        effective={"loose-close": "enabled"},
        unknown=frozenset({"effective.reset-on-timeout"}),
    )
    roots = {"object": Profile}
    scope = {"object": profile}
    assert parse_path("object.effective.reset-on-timeout", roots).resolve(scope) is UNKNOWN
    assert parse_path("object.effective.loose-close", roots).resolve(scope) == "enabled"
    assert parse_path("object.effective.idle-timeout", roots).resolve(scope) is None
