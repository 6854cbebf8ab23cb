"""The rule language: conditions, paths and three-valued logic.

A condition is a mapping with exactly one key:

* ``all: [c, ...]`` holds when every condition holds,
* ``any: [c, ...]`` holds when at least one holds,
* ``not: c`` holds when ``c`` does not,
* ``<predicate>: {args}`` runs a registered predicate (``eq``, ``covers-all``, ``acme.check``...).

Conditions are compiled once (:func:`compile_condition`) into closures that take a *scope*, the
mapping of root names (``object``, ``device``, ``roles`` and quantifier variables) to values,
and return an :class:`Outcome`: pass, fail or undetermined, plus *witnesses* (the uncovered
addresses, the failing items...) that messages can quote.

Paths (``object.destination_network``, ``device.self_ips.*.network``, ``m.address``) are
dotted names read only through public dataclass fields, mapping keys and tuple indexes. They
are checked against the model's types when the rule is loaded, so ``object.snat_typ`` or
``object.__class__`` never reach evaluation. A field listed in an object's ``unknown`` (or a
value that is :data:`UNKNOWN`) makes the predicate *undetermined*, never pass or fail.

Logic is Kleene's: ``all`` fails if any part fails, and is undetermined if some part is and
none fails; ``any`` is the dual; ``not`` swaps pass and fail and keeps undetermined.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import string
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, Final

from lyncpolicy.addresses import Address, Network
from lyncpolicy.model import BigIpObject, Device, SelfIp

__all__ = [
    "DERIVED_FIELDS",
    "FAILED",
    "KINDS",
    "PASSED",
    "ROOTS",
    "UNDECIDED",
    "UNKNOWN",
    "BadPath",
    "Check",
    "Compiler",
    "ConditionError",
    "Location",
    "Outcome",
    "Path",
    "PathError",
    "Predicate",
    "PredicateFailure",
    "Scope",
    "Status",
    "Template",
    "compile_condition",
    "compile_template",
    "did_you_mean",
    "display",
    "element_type",
    "iter_items",
    "label",
    "merge_witnesses",
    "parse_path",
    "unknown_outcome",
    "value_predicate",
]


# -- outcomes ----------------------------------------------------------------------------------


class Status(Enum):
    """The three truth values."""

    PASS = "pass"
    FAIL = "fail"
    UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a condition on one scope, with the witnesses that explain it."""

    status: Status
    witnesses: Mapping[str, object] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    @property
    def undetermined(self) -> bool:
        return self.status is Status.UNDETERMINED

    @staticmethod
    def of(flag: bool | None, **witnesses: object) -> Outcome:
        """``True`` -> pass, ``False`` -> fail, ``None`` -> undetermined."""
        status = Status.UNDETERMINED if flag is None else Status.PASS if flag else Status.FAIL
        if not witnesses:
            return _CONSTANT[status]
        return Outcome(status, witnesses)


PASSED: Final = Outcome(Status.PASS)
FAILED: Final = Outcome(Status.FAIL)
UNDECIDED: Final = Outcome(Status.UNDETERMINED)
_CONSTANT: Final = {Status.PASS: PASSED, Status.FAIL: FAILED, Status.UNDETERMINED: UNDECIDED}


class _Unknown:
    """The value of something the input cannot state. It has no truth value on purpose."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value: compare it with `is UNKNOWN`")


UNKNOWN: Final = _Unknown()

Scope = Mapping[str, object]
Check = Callable[[Scope], Outcome]


# -- errors ------------------------------------------------------------------------------------

Location = tuple[str | int, ...]


class ConditionError(Exception):
    """A condition, path or template that cannot be compiled.

    ``location`` is the path of the offending node inside the rule document (``("condition",
    "all", 1, "eq", "path")``); ``at_key`` says the mapping key itself is wrong (an unknown
    predicate name), not its value. The rule loader turns both into ``file:line:col``.
    """

    def __init__(self, message: str, location: Location = (), *, at_key: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.at_key = at_key


class PathError(Exception):
    """A path met a value it cannot read (at evaluation time: an internal error)."""


class PredicateFailure(Exception):
    """A predicate raised while evaluating: an internal error, never a silent pass."""

    def __init__(self, predicate: str, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.predicate = predicate
        self.error = error


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or an empty string."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


# -- model types, for checking paths when a rule is loaded ---------------------------------------

# Read-only derived values a path may use besides dataclass fields (an explicit allowlist).
DERIVED_FIELDS: Final[Mapping[type, Mapping[str, Any]]] = {
    SelfIp: {"floating": bool},
    Device: {"ha": bool},
}


@cache
def _type_hints(cls: type) -> Mapping[str, Any]:
    return typing.get_type_hints(cls)


_FIELDS: dict[type[Any], frozenset[str] | None] = {}


def _readable_fields(cls: type[Any]) -> frozenset[str] | None:
    """Public dataclass fields (plus allowlisted derived values) of ``cls``; None: no dataclass."""
    try:
        return _FIELDS[cls]
    except KeyError:
        pass
    names: frozenset[str] | None = None
    if dataclasses.is_dataclass(cls):
        found = {f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")}
        found.update(DERIVED_FIELDS.get(cls, {}))
        names = frozenset(found)
    _FIELDS[cls] = names
    return names


def _field_type(cls: type, name: str) -> Any:
    derived = DERIVED_FIELDS.get(cls, {})
    if name in derived:
        return derived[name]
    return _type_hints(cls).get(name, Any)


def _collection_kinds() -> dict[str, Any]:
    kinds: dict[str, Any] = {}
    for spec in dataclasses.fields(Device):
        hint = _type_hints(Device)[spec.name]
        if typing.get_origin(hint) is Mapping:
            kinds[spec.name] = typing.get_args(hint)[1]
    kinds["device"] = Device
    return kinds


# Object kinds a rule can apply to: every Device collection, and the device itself.
KINDS: Final[Mapping[str, Any]] = _collection_kinds()
ROOTS: Final = ("object", "device", "roles", "topology")
ROLES_TYPE: Final[Any] = Mapping[str, frozenset[str]]

_SEGMENT = re.compile(r"^(?:\*|[0-9]+|[A-Za-z][A-Za-z0-9_-]*)$")
_VARIABLE = re.compile(r"^[a-z][a-z0-9_]*$")
_NONE_TYPE = type(None)


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NONE_TYPE]
        if len(args) == 1:
            return _strip_optional(args[0])
        return Any if any(not dataclasses.is_dataclass(a) for a in args) else tp
    return tp


def _type_name(tp: Any) -> str:
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "string"
    if origin is not None:
        return getattr(origin, "__name__", str(origin)).lower()
    return getattr(tp, "__name__", str(tp))


def element_type(tp: Any) -> Any:
    """The item type of a collection type (mapping values, tuple and set items)."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Mapping or origin is dict:
        return args[1] if len(args) == 2 else Any
    if origin in (tuple, list, frozenset, set) and args:
        return args[0]
    return Any


def _is_collection_type(tp: Any) -> bool | None:
    tp = _strip_optional(tp)
    if tp is Any:
        return None
    return typing.get_origin(tp) in (Mapping, dict, tuple, list, frozenset, set)


def _static_step(tp: Any, segment: str, shown: str) -> Any:
    """The type one segment further, or ConditionError-ready text on a bad segment."""
    tp = _strip_optional(tp)
    if tp is Any or tp is object:
        return Any
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        # A union of dataclasses: the field must exist in one of them.
        options = [a for a in typing.get_args(tp) if a is not _NONE_TYPE]
        if any(segment in (_readable_fields(a) or ()) for a in options):
            return Any
        raise BadPath(f"{shown!r} has no field {segment!r}")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        allowed = _readable_fields(tp) or frozenset()
        if segment in allowed:
            return _field_type(tp, segment)
        hint = did_you_mean(segment, sorted(allowed))
        raise BadPath(f"{segment!r} is not a field of {tp.__name__}{hint}")
    if origin is Mapping or origin is dict:
        return element_type(tp)
    if origin in (tuple, list):
        if segment.isdigit():
            return element_type(tp)
        raise BadPath(
            f"{shown!r} is a list: use a number ({shown}.0) or '*' ({shown}.*), not {segment!r}"
        )
    if origin in (frozenset, set):
        raise BadPath(f"{shown!r} is a set: only '*' can look inside it")
    raise BadPath(f"{shown!r} is a {_type_name(tp)}: it has no field {segment!r}")


class BadPath(ValueError):
    """A path (or one of its segments) that cannot be compiled; the message says why."""


# -- paths -------------------------------------------------------------------------------------


def _hidden(value: object) -> frozenset[str]:
    if isinstance(value, BigIpObject):
        return value.unknown
    if isinstance(value, Device):
        return value.unknown_kinds
    return frozenset()


class _PartlyUnknown(Mapping[str, object]):
    """A mapping some of whose keys have a value the input cannot state."""

    def __init__(self, base: Mapping[str, object], unknown: frozenset[str]) -> None:
        self._base = base
        self._unknown = unknown

    def __getitem__(self, key: str) -> object:
        return UNKNOWN if key in self._unknown else self._base[key]

    def get(self, key: str, default: object = None) -> object:
        return UNKNOWN if key in self._unknown else self._base.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._base.keys() | self._unknown)

    def __len__(self) -> int:
        return len(self._base.keys() | self._unknown)


def _step(value: object, segment: str, index: int | None) -> object:
    allowed = _readable_fields(type(value))
    if allowed is not None:
        if segment not in allowed:
            raise PathError(f"{type(value).__name__} has no field {segment!r}")
        hidden = _hidden(value)
        if segment in hidden:
            return UNKNOWN
        found = getattr(value, segment)
        if hidden and isinstance(found, Mapping):
            # `effective.reset-on-timeout` in `unknown`: that one key of the mapping is unknown.
            keys = frozenset(h[len(segment) + 1 :] for h in hidden if h.startswith(segment + "."))
            if keys:
                return _PartlyUnknown(found, keys)
        return found
    if isinstance(value, Mapping):
        return value.get(segment)
    if isinstance(value, tuple | list) and index is not None:
        return value[index] if index < len(value) else None
    raise PathError(f"cannot read {segment!r} of a {type(value).__name__}")


def iter_items(value: object) -> Iterable[object]:
    """The items of a collection: mapping values, tuple/list/set items (sets sorted by text)."""
    if isinstance(value, Mapping):
        return value.values()
    if isinstance(value, tuple | list):
        return value
    if isinstance(value, frozenset | set):
        return sorted(value, key=str)
    raise PathError(f"a {type(value).__name__} is not a collection")


@dataclass(frozen=True, slots=True)
class Path:
    """A compiled path: a root and the segments to walk, with the type found at load time."""

    text: str
    root: str
    segments: tuple[str, ...]
    type: Any = Any
    _steps: tuple[tuple[str, int | None], ...] = field(default=(), repr=False, compare=False)
    _projects: bool = field(default=False, repr=False, compare=False)

    def resolve(self, scope: Scope) -> object:
        """The value at this path: a model value, None (absent) or :data:`UNKNOWN`."""
        value = scope[self.root]
        if self._projects:
            return _resolve_projection(value, self._steps, 0)
        for segment, index in self._steps:
            if value is None or value is UNKNOWN:
                return value
            value = _step(value, segment, index)
        return value


def _resolve_projection(value: object, steps: Sequence[tuple[str, int | None]], i: int) -> object:
    while i < len(steps):
        if value is None or value is UNKNOWN:
            return value
        segment, index = steps[i]
        if segment == "*":
            results: list[object] = []
            for item in iter_items(value):
                found = _resolve_projection(item, steps, i + 1)
                if found is UNKNOWN:
                    return UNKNOWN
                if found is None:
                    continue
                if isinstance(found, tuple):
                    results.extend(found)
                else:
                    results.append(found)
            return tuple(results)
        value = _step(value, segment, index)
        i += 1
    return value


def parse_path(text: object, roots: Mapping[str, Any], what: str = "path") -> Path:
    """Check and compile a path against the roots in scope (and their types); raise
    :class:`BadPath` for anything else than public fields, mapping keys, indexes and ``*``."""
    if not isinstance(text, str) or not text:
        raise BadPath(f"{what} must be a non-empty string like 'object.name'")
    parts = text.split(".")
    root, segments = parts[0], tuple(parts[1:])
    if root not in roots:
        hint = did_you_mean(root, roots)
        raise BadPath(f"path {text!r} must start with one of: {', '.join(roots)}{hint}")
    tp = roots[root]
    shown = root
    projected = False
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise BadPath(
                f"path {text!r}: {segment!r} is not allowed (paths use public field names, "
                "mapping keys, numbers and '*'; no underscores first, no calls)"
            )
        if segment == "*":
            collection = _is_collection_type(tp)
            if collection is False:
                raise BadPath(f"path {text!r}: {shown!r} is not a collection, '*' needs one")
            tp = element_type(tp)
            projected = True
        else:
            try:
                tp = _static_step(tp, segment, shown)
            except BadPath as exc:
                raise BadPath(f"path {text!r}: {exc}") from None
        shown = f"{shown}.{segment}"
    if projected:
        inner = _strip_optional(tp)
        tp = inner if typing.get_origin(inner) is tuple else tuple[inner, ...]  # type: ignore[valid-type]
    steps = tuple((s, int(s) if s.isdigit() else None) for s in segments)
    return Path(text, root, segments, tp, steps, projected)


# -- predicates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Predicate:
    """A named check a condition can use.

    ``arguments`` is the JSON Schema (an object schema) of the argument mapping; the rule
    schema is built from these. ``compile(args, compiler)`` runs once per use in a rule: it
    checks the arguments, compiles paths (``compiler.path``) and nested conditions
    (``compiler.condition``) and returns the closure that evaluates a scope.

    Core predicate names have no dot; plugin predicate names must (``acme.my_check``).
    """

    name: str
    compile: Callable[[Mapping[str, Any], Compiler], Check]
    arguments: Mapping[str, Any]
    summary: str = ""
    example: str = ""


class Compiler:
    """What a predicate's ``compile`` may use: paths, nested conditions, regexes, errors."""

    def __init__(
        self,
        predicates: Mapping[str, Predicate],
        roots: Mapping[str, Any],
        location: Location = (),
    ) -> None:
        self.predicates = predicates
        self.roots = dict(roots)
        self.location = location

    def child(self, *location: str | int, roots: Mapping[str, Any] | None = None) -> Compiler:
        return Compiler(
            self.predicates, self.roots if roots is None else roots, self.location + location
        )

    def error(self, message: str, *location: str | int, at_key: bool = False) -> ConditionError:
        return ConditionError(message, self.location + location, at_key=at_key)

    def path(self, text: object, *location: str | int) -> Path:
        try:
            return parse_path(text, self.roots)
        except BadPath as exc:
            raise self.error(str(exc), *location) from None

    def paths(self, texts: object, *location: str | int, minimum: int = 1) -> tuple[Path, ...]:
        if not isinstance(texts, list) or len(texts) < minimum:
            raise self.error(f"expected a list of at least {minimum} paths", *location)
        return tuple(self.path(t, *location, i) for i, t in enumerate(texts))

    def condition(
        self, node: object, *location: str | int, variables: Mapping[str, Any] | None = None
    ) -> Check:
        roots = {**self.roots, **(variables or {})}
        return compile_condition(node, self.child(*location, roots=roots))

    def variable(self, name: object, *location: str | int) -> str:
        """Check a new variable name (``as: m``): lowercase, not a root, not already bound."""
        if not isinstance(name, str) or not _VARIABLE.match(name):
            raise self.error("a variable name is lowercase letters, digits and '_'", *location)
        if name in self.roots or name in ("witnesses", "all", "any", "not"):
            raise self.error(f"variable {name!r} hides a name already in scope", *location)
        return name

    def regex(self, pattern: object, *location: str | int) -> re.Pattern[str]:
        if not isinstance(pattern, str):
            raise self.error("regex must be a string", *location)
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise self.error(f"invalid regex {pattern!r}: {exc}", *location) from None

    def require(self, args: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
        value = args.get(key)
        if value is None and key not in args:
            raise self.error(f"{key!r} is a required property")
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
            raise self.error(f"{key!r} must be {_kind_text(kind)}", key)
        return value

    def optional(
        self, args: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any
    ) -> Any:
        return self.require(args, key, kind) if key in args else default


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_text(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        bool: "a boolean",
        list: "a list",
        dict: "a mapping",
        float: "a number",
        type(None): "null",
    }
    return " or ".join(names.get(k, k.__name__) for k in _tuple(kind))


# -- compiling conditions ----------------------------------------------------------------------


def compile_condition(node: object, compiler: Compiler) -> Check:
    """Compile a condition (the YAML data) into a closure; raise :class:`ConditionError`."""
    if not isinstance(node, Mapping) or len(node) != 1:
        found = ", ".join(map(str, node)) if isinstance(node, Mapping) else type(node).__name__
        raise compiler.error(
            "a condition is a mapping with exactly one key (all, any, not or a predicate), "
            f"found: {found or 'nothing'}"
        )
    ((key, args),) = node.items()
    if key in ("all", "any"):
        if not isinstance(args, list) or not args:
            raise compiler.error(f"{key!r} takes a non-empty list of conditions", key)
        checks = tuple(compiler.condition(item, key, i) for i, item in enumerate(args))
        return _all(checks) if key == "all" else _any(checks)
    if key == "not":
        return _not(compiler.condition(args, "not"))
    predicate = compiler.predicates.get(key) if isinstance(key, str) else None
    if predicate is None:
        names = [*compiler.predicates, "all", "any", "not"]
        raise compiler.error(
            f"unknown predicate {key!r}{did_you_mean(str(key), names)}", key, at_key=True
        )
    if not isinstance(args, Mapping):
        raise compiler.error(f"the arguments of {key!r} must be a mapping", key)
    sub = compiler.child(key)
    _check_argument_names(predicate, args, sub)
    check = predicate.compile(args, sub)
    return _guard(predicate.name, check)


def _check_argument_names(predicate: Predicate, args: Mapping[str, Any], c: Compiler) -> None:
    """Closed arguments and required ones, even when the JSON Schema is not run."""
    properties = predicate.arguments.get("properties", {})
    if predicate.arguments.get("additionalProperties") is False:
        for name in args:
            if name not in properties:
                raise c.error(
                    f"unknown argument {name!r} of {predicate.name!r}"
                    f"{did_you_mean(str(name), properties)}",
                    str(name),
                    at_key=True,
                )
    for name in predicate.arguments.get("required", ()):
        if name not in args:
            raise c.error(f"{name!r} is a required property")


def _guard(name: str, check: Check) -> Check:
    def guarded(scope: Scope) -> Outcome:
        try:
            return check(scope)
        except PredicateFailure:
            raise
        except Exception as exc:
            raise PredicateFailure(name, exc) from exc

    return guarded


def merge_witnesses(outcomes: Iterable[Outcome]) -> dict[str, object]:
    """Witnesses of several outcomes: lists concatenated (without repeats), first scalar wins."""
    merged: dict[str, object] = {}
    for outcome in outcomes:
        for key, value in outcome.witnesses.items():
            old = merged.get(key)
            if isinstance(old, list) and isinstance(value, list):
                old.extend(v for v in value if v not in old)
            elif key not in merged:
                merged[key] = list(value) if isinstance(value, list) else value
    return merged


def _combine(status: Status, outcomes: list[Outcome]) -> Outcome:
    if all(not o.witnesses for o in outcomes):
        return _CONSTANT[status]
    return Outcome(status, merge_witnesses(outcomes))


def _all(checks: tuple[Check, ...]) -> Check:
    def check_all(scope: Scope) -> Outcome:
        failed: list[Outcome] = []
        undecided: list[Outcome] = []
        for check in checks:
            outcome = check(scope)
            if outcome.status is Status.FAIL:
                failed.append(outcome)
            elif outcome.status is Status.UNDETERMINED:
                undecided.append(outcome)
        if failed:
            return _combine(Status.FAIL, failed)
        if undecided:
            return _combine(Status.UNDETERMINED, undecided)
        return PASSED

    return check_all


def _any(checks: tuple[Check, ...]) -> Check:
    def check_any(scope: Scope) -> Outcome:
        failed: list[Outcome] = []
        undecided: list[Outcome] = []
        for check in checks:
            outcome = check(scope)
            if outcome.status is Status.PASS:
                return outcome
            (failed if outcome.status is Status.FAIL else undecided).append(outcome)
        if undecided:
            return _combine(Status.UNDETERMINED, undecided)
        return _combine(Status.FAIL, failed)

    return check_any


_SWAP: Final = {
    Status.PASS: Status.FAIL,
    Status.FAIL: Status.PASS,
    Status.UNDETERMINED: Status.UNDETERMINED,
}


def _not(inner: Check) -> Check:
    def check_not(scope: Scope) -> Outcome:
        outcome = inner(scope)
        if not outcome.witnesses:
            return _CONSTANT[_SWAP[outcome.status]]
        return Outcome(_SWAP[outcome.status], outcome.witnesses)

    return check_not


# -- helpers for predicates ----------------------------------------------------------------------


def label(item: object) -> str:
    """How an item is named in witnesses and messages."""
    if isinstance(item, Address | Network):
        return str(item)
    fields_ = _readable_fields(type(item))
    if fields_ is not None and "name" in fields_:
        return str(getattr(item, "name"))  # noqa: B009 - a checked dataclass field
    return display(item)


def display(value: object) -> str:
    """Text for a value in a message: lists joined with ', ', unknown as 'unknown'."""
    if value is None:
        return "none"
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={display(v)}" for k, v in value.items())
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, frozenset | set) else value
        return ", ".join(label(v) for v in items)
    if isinstance(value, Address | Network):
        return str(value)
    fields_ = _readable_fields(type(value))
    if fields_ is not None and "name" in fields_:
        return label(value)
    return str(value)


def unknown_outcome(*paths: Path) -> Outcome:
    """Undetermined, naming the paths whose value is unknown."""
    return Outcome(Status.UNDETERMINED, {"unknown": [p.text for p in paths]})


def value_predicate(
    name: str,
    test: Callable[..., bool | Outcome | None],
    *,
    paths: Sequence[str] = ("path",),
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    summary: str = "",
    example: str = "",
) -> Predicate:
    """A predicate over resolved values, the easy way to write a plugin predicate.

    ``test(*values, **parameters)`` gets the values at the path arguments (in ``paths`` order)
    and the literal parameters; it returns True (pass), False (fail), None (undetermined) or an
    :class:`Outcome`. When any value is unknown the predicate is undetermined without calling
    ``test``.
    """
    params = dict(parameters or {})
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": [*paths, *params],
        "properties": {
            **{p: {"$ref": "#/$defs/path"} for p in paths},
            **params,
        },
    }

    def compile_(args: Mapping[str, Any], c: Compiler) -> Check:
        compiled = tuple(c.path(args.get(p), p) for p in paths)
        literal = {key: args[key] for key in params if key in args}

        def check(scope: Scope) -> Outcome:
            values = [p.resolve(scope) for p in compiled]
            unknown = [p for p, v in zip(compiled, values, strict=True) if v is UNKNOWN]
            if unknown:
                return unknown_outcome(*unknown)
            result = test(*values, **literal)
            if isinstance(result, Outcome):
                return result
            return Outcome.of(result)

        return check

    return Predicate(name, compile_, schema, summary, example)


# -- message templates -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    """A message template: literal text and fields (``{object.name}``, ``{witnesses.x}``)."""

    text: str
    parts: tuple[str | Path, ...]

    def render(self, scope: Scope, witnesses: Mapping[str, object]) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.root == "witnesses":
                out.append(display(witnesses.get(part.segments[0], "")))
            else:
                out.append(display(part.resolve(scope)))
        return "".join(out)


def compile_template(text: object, roots: Mapping[str, Any], location: Location) -> Template:
    """Compile ``{root.path}`` fields; only the given roots and ``witnesses.NAME`` are allowed."""
    if not isinstance(text, str):
        raise ConditionError("a template must be a string", location)
    parts: list[str | Path] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConditionError(
            f"bad template: {exc} (write '{{{{' for a literal brace)", location
        ) from None
    for literal, name, spec, conversion in parsed:
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if conversion or spec:
            raise ConditionError(
                f"template field {{{name}}}: conversions and format specs are not allowed",
                location,
            )
        if "[" in name or not name:
            raise ConditionError(
                f"template field {{{name}}}: write dotted paths like {{object.name}}", location
            )
        if name.startswith("witnesses.") or name == "witnesses":
            segments = name.split(".")[1:]
            if len(segments) != 1 or not _SEGMENT.match(segments[0]) or segments[0] == "*":
                raise ConditionError(f"template field {{{name}}}: use {{witnesses.NAME}}", location)
            parts.append(Path(name, "witnesses", tuple(segments)))
            continue
        try:
            parts.append(parse_path(name, roots, "template field"))
        except BadPath as exc:
            allowed = ", ".join([*roots, "witnesses"])
            raise ConditionError(
                f"template field {{{name}}}: {exc}".replace(
                    f"must start with one of: {', '.join(roots)}",
                    f"must start with one of: {allowed}",
                ),
                location,
            ) from None
    return Template(text, tuple(parts))
