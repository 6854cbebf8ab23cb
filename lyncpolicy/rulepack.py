"""Rule files: loading, validating and compiling YAML rules into :class:`Rule` objects.

One rule per file, named by its ID (``LYNC-EDGE-AV-001.yaml``). Top-level keys are closed
(``metadata`` is free-form). A rule selects objects (``applies-to``: a kind, optional roles and
a ``where`` condition), then asserts ``condition`` on each: an object for which it is false is
a finding. See :mod:`lyncpolicy.conditions` for the condition language.

Errors point into the file as ``FILE:LINE:COL: message``: the YAML is composed into a node
tree (which keeps line marks) and every schema or compile error is mapped back to its node.

jsonschema is imported only when a rule is validated (``rules validate``, plugin packs, tests):
built-in packs are validated by the test suite and only compiled at run time.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any, Final

import yaml

from lyncpolicy.conditions import (
    KINDS,
    ROLES_TYPE,
    Check,
    Compiler,
    ConditionError,
    Location,
    Path,
    Predicate,
    Template,
    compile_condition,
    compile_template,
    did_you_mean,
    element_type,
)
from lyncpolicy.errors import RuleError
from lyncpolicy.findings import Reference, RuleMeta, Severity
from lyncpolicy.model import Device
from lyncpolicy.topology import Topology

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from lyncpolicy.hookspecs import RulePackRef

RULE_ID: Final = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
SEVERITIES: Final = ("error", "warning", "info")
TOP_LEVEL_KEYS: Final = (
    "id",
    "title",
    "severity",
    "description",
    "remediation",
    "references",
    "tags",
    "applies-to",
    "condition",
    "message",
    "for-each",
    "severity-by",
    "metadata",
    "examples",
)
REQUIRED_KEYS: Final = (
    "id",
    "title",
    "severity",
    "description",
    "remediation",
    "applies-to",
    "condition",
    "message",
)
SCHEMA_ID: Final = "urn:lyncpolicy:schema:rule"

RuleSource = Traversable | str | os.PathLike[str]


# -- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One error in a rule file, printed as ``file:line:col: message``."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RuleFileError(RuleError):
    """An invalid rule file; ``str()`` is ``file:line:col: message``."""

    def __init__(self, problem: Problem, more: int = 0) -> None:
        hint = (
            f"{more} more error(s): run `lyncpolicy rules validate {problem.file}`"
            if more
            else None
        )
        super().__init__(problem.message, path=problem.file, line=problem.line, hint=hint)
        self.problem = problem
        self.column = problem.column

    def __str__(self) -> str:
        text = str(self.problem)
        if self.hint:
            text += f" ({self.hint})"
        return text.replace("\n", " ")


# -- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForEach:
    """``for-each``: one evaluation (and one finding) per item of a collection."""

    over: Path
    variable: str


@dataclass(frozen=True, slots=True)
class RemediationTemplate:
    text: Template
    tmsh: Template | None = None
    terraform: Template | None = None


@dataclass(frozen=True, slots=True)
class Examples:
    """Example inputs for ``lyncpolicy rules test``: files that must fail, files that must pass.

    Paths are resolved against the rule file's folder. ``roles`` gives object roles (object
    name -> role names) for rules that select by role, until the topology step computes them.
    """

    fail: tuple[str, ...] = ()
    passing: tuple[str, ...] = ()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deployment: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled rule: its metadata (:class:`RuleMeta`) and the closures that evaluate it."""

    meta: RuleMeta
    kind: str
    condition: Check = field(repr=False)
    message: Template = field(repr=False)
    remediation: RemediationTemplate = field(repr=False)
    roles: tuple[str, ...] = ()
    where: Check | None = field(default=None, repr=False)
    for_each: ForEach | None = None
    # First matching case gives the severity of a failing finding (`severity-by`).
    severity_by: tuple[tuple[Check, Severity], ...] = field(default=(), repr=False)
    examples: Examples | None = field(default=None, repr=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, repr=False)
    path: str = ""
    document: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def severity(self) -> Severity:
        return self.meta.severity

    @property
    def pack(self) -> str:
        return self.meta.pack

    @property
    def tags(self) -> tuple[str, ...]:
        return self.meta.tags


# -- the JSON Schema ---------------------------------------------------------------------------


def rule_schema(predicates: Mapping[str, Predicate]) -> dict[str, Any]:
    """The rule JSON Schema (draft 2020-12) for these predicates.

    ``schemas/rule.schema.json`` is this schema for the core predicates (a test keeps them
    equal). Plugin predicate names (with a dot) are accepted there by pattern, and checked by
    name and arguments when lyncpolicy loads the rule.
    """
    conditions: dict[str, Any] = {
        "all": {"$ref": "#/$defs/conditions", "description": "every condition holds"},
        "any": {"$ref": "#/$defs/conditions", "description": "at least one condition holds"},
        "not": {"$ref": "#/$defs/condition", "description": "the condition does not hold"},
    }
    for name in sorted(predicates):
        conditions[name] = _predicate_schema(predicates[name])
    string = {"type": "string", "minLength": 1}
    template = {
        "type": "string",
        "minLength": 1,
        "description": "text with {object.FIELD}, {device.FIELD} and {witnesses.NAME}",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "lyncpolicy rule",
        "description": "One lyncpolicy rule per file; the file is named by the rule id.",
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED_KEYS),
        "properties": {
            "id": {"type": "string", "pattern": RULE_ID.pattern},
            "title": string,
            "severity": {"enum": list(SEVERITIES)},
            "description": {**string, "description": "what the rule checks and why it matters"},
            "remediation": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text"],
                "properties": {"text": template, "tmsh": template, "terraform": template},
            },
            "references": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["title", "url"],
                    "properties": {
                        "title": string,
                        "url": {"type": "string", "pattern": "^https?://"},
                    },
                },
            },
            "tags": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            },
            "applies-to": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind"],
                "properties": {
                    "kind": {"enum": list(KINDS)},
                    "role": {
                        "type": ["string", "array"],
                        "minLength": 1,
                        "minItems": 1,
                        "items": string,
                    },
                    "where": {"$ref": "#/$defs/condition"},
                },
            },
            "condition": {"$ref": "#/$defs/condition"},
            "message": template,
            "for-each": {
                "type": "object",
                "additionalProperties": False,
                "required": ["over", "as"],
                "properties": {
                    "over": {"$ref": "#/$defs/path"},
                    "as": {"$ref": "#/$defs/variable"},
                },
            },
            "severity-by": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["when", "severity"],
                    "properties": {
                        "when": {"$ref": "#/$defs/condition"},
                        "severity": {"enum": list(SEVERITIES)},
                    },
                },
            },
            "metadata": {"type": "object"},
            "examples": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": {
                    "fail": {"type": "array", "items": string},
                    "pass": {"type": "array", "items": string},
                    "roles": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": string},
                    },
                    "deployment": {"type": "object"},
                },
            },
        },
        "$defs": {
            "path": {
                "title": "path",
                "type": "string",
                "pattern": r"^[a-z][a-z0-9_]*(\.(\*|[0-9]+|[A-Za-z][A-Za-z0-9_-]*))*$",
                "description": (
                    "object.FIELD..., device.FIELD..., topology.FIELD..., roles or a variable"
                ),
            },
            "variable": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "scalar": {"type": ["string", "number", "boolean", "null"]},
            "conditions": {
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/condition"},
            },
            "condition": {
                "title": "condition",
                "description": "all, any, not, or a predicate with its arguments",
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "properties": conditions,
                "patternProperties": {r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$": {"type": "object"}},
                "additionalProperties": False,
            },
        },
    }


def _predicate_schema(predicate: Predicate) -> dict[str, Any]:
    arguments = dict(predicate.arguments)
    if predicate.summary:
        arguments = {"description": predicate.summary, **arguments}
    return arguments


def validation_schema(predicates: Mapping[str, Predicate]) -> dict[str, Any]:
    """The shipped ``schemas/rule.schema.json`` plus the argument schemas of plugin predicates."""
    schema: dict[str, Any] = json.loads(shipped_schema_text())
    conditions = schema["$defs"]["condition"]["properties"]
    for name in sorted(predicates):
        if name not in conditions:
            conditions[name] = _predicate_schema(predicates[name])
    return schema


def shipped_schema_text() -> str:
    """``schemas/rule.schema.json`` as shipped."""
    return files("lyncpolicy.schemas").joinpath("rule.schema.json").read_text("utf-8")


def schema_json(predicates: Mapping[str, Predicate]) -> str:
    """The schema as written to ``schemas/rule.schema.json``."""
    return json.dumps(rule_schema(predicates), indent=2) + "\n"


# -- YAML with line marks ----------------------------------------------------------------------


class _Problems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message if problems else "")
        self.problems = problems


def _mark_of(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# libyaml's parser (when PyYAML has it) keeps the same marks and is ~10x faster: rules are
# read on every scan, and pre-commit runs a scan on every commit.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _read_yaml(text: str, file: str) -> tuple[yaml.Node, Any]:
    """The node tree (with line marks) and the data of one YAML document.

    Anchors and aliases are refused: nothing in a rule or configuration needs them, and they
    make a few bytes expand without bound (a "billion laughs" file would hang CI).
    """
    control = _CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        raise _Problems([Problem(
            file, line, column,
            f"invalid YAML: control character U+{ord(control.group()):04X} (is this a text file?)",
        )])
    loaders: tuple[type[yaml.SafeLoader], ...] = (_SafeLoader, yaml.SafeLoader)
    if _SafeLoader is yaml.SafeLoader:
        loaders = (yaml.SafeLoader,)
    for loader_class in loaders:
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise _Problems([Problem(file, 1, 1, "empty rule file")])
            problems = list(_aliases(node, file)) or list(_duplicate_keys(node, file))
            if problems:
                raise _Problems(problems)
            return node, loader.construct_document(node)
        except yaml.YAMLError as exc:
            if loader_class is not yaml.SafeLoader:
                continue  # the pure-Python reader words the error the same way everywhere
            raise _Problems([_yaml_problem(exc, file)]) from None
        finally:
            loader.dispose()
    raise AssertionError("unreachable: the pure-Python reader returns or raises")


def _yaml_problem(exc: yaml.YAMLError, file: str) -> Problem:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem(file, 1, 1, f"invalid YAML: {exc}")
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = exc.problem or exc.context or "cannot read"
    if "single document" in f"{exc.context} {exc.problem}":
        what = "one rule per file: found a second YAML document"
    return Problem(file, line, column, f"invalid YAML: {what}")


_MAX_EXPANDED_VALUES: Final = 100_000


def _aliases(node: yaml.Node, file: str) -> Iterator[Problem]:
    """Aliases that refer to an enclosing value (a cycle), or that expand without bound (a few
    bytes of ``*a`` nesting make billions of values: every reader of the data would hang)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(current: yaml.Node) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise _Cycle(current)
        on_path.add(key)
        children: list[yaml.Node] = []
        if isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        elif isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        total = 1
        for child in children:
            total += size(child)
            if total > _MAX_EXPANDED_VALUES:
                break
        on_path.discard(key)
        sizes[key] = total
        return total

    try:
        if size(node) > _MAX_EXPANDED_VALUES:
            yield Problem(
                file, 1, 1,
                f"invalid YAML: aliases expand to more than {_MAX_EXPANDED_VALUES:,} values",
            )
    except _Cycle as cycle:
        yield Problem(
            file, *_mark_of(cycle.node), "invalid YAML: an alias refers to a value that contains it"
        )
    except RecursionError:
        yield Problem(file, 1, 1, "invalid YAML: nested too deeply")


class _Cycle(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("cycle")
        self.node = node


def _duplicate_keys(node: yaml.Node, file: str) -> Iterator[Problem]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    yield Problem(file, *_mark_of(key), f"duplicate key {key.value!r}")
                seen.add(key.value)
            yield from _duplicate_keys(value, file)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, file)


def _node_at(root: yaml.Node, location: Iterable[str | int], at_key: bool = False) -> yaml.Node:
    """The node at a JSON path (the deepest one that exists); the key node if ``at_key``."""
    node = root
    parts = list(location)
    for i, part in enumerate(parts):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    node = key if at_key and i == len(parts) - 1 else value
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _json_path(location: Iterable[str | int]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# -- schema errors -------------------------------------------------------------------------------

_JSON_TYPES: Final = {
    dict: "mapping",
    list: "list",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _schema_problems(
    validator: Validator, data: Any, node: yaml.Node, file: str, names: Sequence[str]
) -> list[Problem]:
    from jsonschema.exceptions import best_match

    problems: list[Problem] = []
    for error in validator.iter_errors(data):
        if error.context:
            error = best_match(error.context)
        problems.extend(_describe(error, node, file, names))
    return sorted(set(problems))


def _describe(
    error: ValidationError, root: yaml.Node, file: str, names: Sequence[str]
) -> list[Problem]:
    location = list(error.absolute_path)
    where = _json_path(location)
    prefix = f"{where}: " if where else ""
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    is_condition = schema.get("title") == "condition"
    instance = error.instance

    def at(loc: Sequence[str | int], message: str, key: bool = False) -> Problem:
        return Problem(file, *_mark_of(_node_at(root, loc, key)), message)

    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        out = []
        for key in instance:
            if key in known or any(re.search(p, str(key)) for p in patterns):
                continue
            if is_condition:
                message = f"unknown predicate {key!r}{did_you_mean(str(key), known)}"
            else:
                hint = did_you_mean(str(key), known) or f" (allowed: {', '.join(known)})"
                message = f"{prefix}unknown key {key!r}{hint}"
            out.append(at([*location, key], message, key=True))
        return out
    if is_condition and error.validator in ("minProperties", "maxProperties", "type"):
        found = (
            ", ".join(map(str, instance))
            if isinstance(instance, Mapping)
            else (_json_type(instance))
        )
        return [
            at(
                location,
                f"{prefix}a condition is a mapping with exactly one key (all, "
                f"any, not or a predicate), found: {found or 'nothing'}",
            )
        ]
    if error.validator == "pattern" and schema.get("title") == "path":
        return [
            at(
                location,
                f"{prefix}{instance!r} is not a path: dotted public field names, mapping keys, "
                "numbers and '*' after object, device, roles or a variable (no leading "
                "underscores, no calls)",
            )
        ]
    if error.validator == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return [at(location, f"{prefix}expected {wanted}, got {_json_type(instance)}")]
    if error.validator == "pattern" and location == ["id"]:
        return [
            at(
                location,
                f"id: {instance!r} is not a rule id (upper-case words joined by "
                "'-', like LYNC-EDGE-AV-001)",
            )
        ]
    if error.validator == "enum" and location[-2:] == ["applies-to", "kind"]:
        hint = did_you_mean(str(instance), KINDS)
        return [at(location, f"{prefix}unknown kind {instance!r}{hint}")]
    return [at(location, _shorten(prefix + error.message))]


# -- compiling a rule ----------------------------------------------------------------------------


def _expect(
    data: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    *,
    location: Location = (),
    required: bool = True,
) -> Any:
    """Defensive reading for rules compiled without the schema (built-in packs)."""
    if key not in data:
        if required:
            raise ConditionError(f"{key!r} is a required property", location)
        return None
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConditionError(f"{key!r} has the wrong type ({_json_type(value)})", (*location, key))
    return value


def _string_list(value: object, location: Location) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConditionError("expected a string or a list of strings", location)
    return tuple(value)


def build_rule(
    data: object,
    *,
    file: str,
    file_name: str,
    predicates: Mapping[str, Predicate],
    pack: str,
) -> Rule:
    """Compile one rule document; raise :class:`ConditionError` with a location."""
    if not isinstance(data, Mapping):
        raise ConditionError(f"a rule file holds one mapping, not a {_json_type(data)}")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConditionError(
                f"unknown key {key!r}{did_you_mean(str(key), TOP_LEVEL_KEYS)}",
                (key,),
                at_key=True,
            )
    rule_id = _expect(data, "id", str)
    if not RULE_ID.match(rule_id):
        raise ConditionError(f"id: {rule_id!r} is not a rule id", ("id",))
    expected_name = f"{rule_id}.yaml"
    if file_name != expected_name:
        raise ConditionError(
            f"id {rule_id!r} does not match the file name {file_name!r} "
            f"(name the file {expected_name})",
            ("id",),
        )
    title = _expect(data, "title", str)
    severity = _expect(data, "severity", str)
    if severity not in SEVERITIES:
        raise ConditionError(f"severity must be one of {', '.join(SEVERITIES)}", ("severity",))
    description = _expect(data, "description", str)
    applies = _expect(data, "applies-to", dict)
    kind = _expect(applies, "kind", str, location=("applies-to",))
    if kind not in KINDS:
        raise ConditionError(
            f"unknown kind {kind!r}{did_you_mean(kind, KINDS)}", ("applies-to", "kind")
        )
    roles = _string_list(applies["role"], ("applies-to", "role")) if "role" in applies else ()
    roots: dict[str, Any] = {
        "object": KINDS[kind],
        "device": Device,
        "roles": ROLES_TYPE,
        "topology": Topology,
    }
    where = None
    if "where" in applies:
        where = compile_condition(
            applies["where"], Compiler(predicates, roots, ("applies-to", "where"))
        )
    for_each = None
    condition_roots = dict(roots)
    template_roots: dict[str, Any] = {"object": KINDS[kind], "device": Device, "topology": Topology}
    if "for-each" in data:
        spec = _expect(data, "for-each", dict)
        compiler = Compiler(predicates, roots, ("for-each",))
        over = compiler.path(spec.get("over"), "over")
        variable = compiler.variable(spec.get("as"), "as")
        for_each = ForEach(over, variable)
        condition_roots[variable] = template_roots[variable] = element_type(over.type)
    condition = compile_condition(
        _expect(data, "condition", dict), Compiler(predicates, condition_roots, ("condition",))
    )
    message = compile_template(_expect(data, "message", str), template_roots, ("message",))
    severity_by = _severity_by(data, predicates, condition_roots)
    remediation_data = _expect(data, "remediation", dict)
    remediation_text: str = _expect(remediation_data, "text", str, location=("remediation",))
    for key in remediation_data:
        if key not in ("text", "tmsh", "terraform"):
            raise ConditionError(
                f"unknown key {key!r} in remediation", ("remediation", key), at_key=True
            )
    templates = {
        key: compile_template(value, template_roots, ("remediation", key))
        for key, value in remediation_data.items()
    }
    remediation = RemediationTemplate(
        templates["text"],
        templates.get("tmsh"),
        templates.get("terraform"),
    )
    references = []
    for i, ref in enumerate(_expect(data, "references", list, required=False) or []):
        if not isinstance(ref, dict):
            raise ConditionError("a reference is a mapping with title and url", ("references", i))
        references.append(
            Reference(
                _expect(ref, "title", str, location=("references", i)),
                _expect(ref, "url", str, location=("references", i)),
            )
        )
    tags = _string_list(data.get("tags", []), ("tags",))
    metadata = _expect(data, "metadata", dict, required=False) or {}
    examples = _examples(data, file)
    help_uri = metadata.get("help-uri")
    meta = RuleMeta(
        id=rule_id,
        title=title,
        severity=severity,
        description=description,
        remediation=remediation_text,
        references=tuple(references),
        tags=tags,
        help_uri=help_uri if isinstance(help_uri, str) else None,
        pack=pack,
    )
    return Rule(
        meta=meta,
        kind=kind,
        condition=condition,
        message=message,
        remediation=remediation,
        roles=roles,
        where=where,
        for_each=for_each,
        severity_by=severity_by,
        examples=examples,
        metadata=metadata,
        path=file,
        document=data,
    )


def _severity_by(
    data: Mapping[str, Any], predicates: Mapping[str, Predicate], roots: Mapping[str, Any]
) -> tuple[tuple[Check, Severity], ...]:
    cases = _expect(data, "severity-by", list, required=False) or []
    compiled: list[tuple[Check, Severity]] = []
    for i, case in enumerate(cases):
        location = ("severity-by", i)
        if not isinstance(case, dict) or set(case) != {"when", "severity"}:
            raise ConditionError(
                "a severity-by case is a mapping with `when` and `severity`", location
            )
        severity = case["severity"]
        if severity not in SEVERITIES:
            raise ConditionError(
                f"severity must be one of {', '.join(SEVERITIES)}", (*location, "severity")
            )
        check = compile_condition(
            case["when"], Compiler(predicates, roots, (*location, "when"))
        )
        compiled.append((check, severity))
    return tuple(compiled)


def _examples(data: Mapping[str, Any], file: str) -> Examples | None:
    spec = _expect(data, "examples", dict, required=False)
    if spec is None:
        return None
    folder = os.path.dirname(file)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("fail", "pass"):
        names = _string_list(spec.get(key, []), ("examples", key))
        lists[key] = tuple(os.path.normpath(os.path.join(folder, n)) for n in names)
    roles_spec = _expect(spec, "roles", dict, location=("examples",), required=False) or {}
    roles = {
        str(name): _string_list(value, ("examples", "roles", str(name)))
        for name, value in roles_spec.items()
    }
    deployment = _expect(spec, "deployment", dict, location=("examples",), required=False)
    return Examples(lists["fail"], lists["pass"], roles, deployment)


# -- loading -------------------------------------------------------------------------------------


def _as_traversable(source: RuleSource) -> Traversable:
    if isinstance(source, str | os.PathLike):
        return FsPath(source)
    return source


class RuleLoader:
    """Loads rule files with one set of predicates; validates with the JSON Schema if asked.

    ``validate=False`` (built-in packs) compiles without importing jsonschema: the compile
    step still rejects unknown keys, predicates, paths and template fields.
    """

    def __init__(
        self,
        predicates: Mapping[str, Predicate],
        *,
        validate: bool = True,
        check_examples: bool = False,
    ) -> None:
        self.predicates = dict(predicates)
        self.validate = validate
        self.check_examples = check_examples
        self._validator: Validator | None = None

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            from jsonschema import Draft202012Validator

            self._validator = Draft202012Validator(validation_schema(self.predicates))
        return self._validator

    def check(self, source: RuleSource, pack: str = "local") -> tuple[Rule | None, list[Problem]]:
        """Load one rule file; return the rule (None on errors) and every problem found."""
        entry = _as_traversable(source)
        file = str(source)
        try:
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return None, [Problem(file, 1, 1, f"cannot read rule file: {reason}")]
        try:
            node, data = _read_yaml(text, file)
        except _Problems as exc:
            return None, exc.problems
        if self.validate:
            problems = _schema_problems(self.validator, data, node, file, list(self.predicates))
            if problems:
                return None, problems
        try:
            rule = build_rule(
                data, file=file, file_name=entry.name, predicates=self.predicates, pack=pack
            )
        except ConditionError as exc:
            target = _node_at(node, exc.location, exc.at_key)
            return None, [Problem(file, *_mark_of(target), exc.message)]
        if self.check_examples and rule.examples is not None:
            missing = self._missing_examples(rule, node, file)
            if missing:
                return None, missing
        return rule, []

    def _missing_examples(self, rule: Rule, node: yaml.Node, file: str) -> list[Problem]:
        assert rule.examples is not None
        problems = []
        for key, paths in (("fail", rule.examples.fail), ("pass", rule.examples.passing)):
            for i, path in enumerate(paths):
                if not os.path.isfile(path):
                    problems.append(
                        Problem(
                            file,
                            *_mark_of(_node_at(node, ("examples", key, i))),
                            f"example file not found: {path}",
                        )
                    )
        return problems

    def load(self, source: RuleSource, pack: str = "local") -> Rule:
        """Load one rule file; raise :class:`RuleFileError` on the first problem."""
        rule, problems = self.check(source, pack)
        if problems or rule is None:
            raise RuleFileError(problems[0], more=len(problems) - 1)
        return rule

    def load_pack(self, ref: RulePackRef) -> list[Rule]:
        """Every rule of a pack (files sorted by name)."""
        return [self.load(entry, ref.name) for entry in pack_files(ref.location)]


def pack_files(location: RuleSource) -> list[Traversable]:
    """The ``*.yaml`` files of a pack folder, sorted by name."""
    folder = _as_traversable(location)
    if not folder.is_dir():
        raise RuleError("rule pack folder not found", path=str(location))
    return sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yaml") and entry.is_file()),
        key=lambda entry: entry.name,
    )


def check_paths(
    paths: Sequence[str], predicates: Mapping[str, Predicate], *, check_examples: bool = True
) -> tuple[list[Rule], list[Problem]]:
    """Validate rule files and folders (``*.yaml`` found recursively): rules and problems."""
    loader = RuleLoader(predicates, validate=True, check_examples=check_examples)
    rules: list[Rule] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        if os.path.isdir(path):
            found = sorted(str(p) for p in FsPath(path).rglob("*.yaml") if p.is_file())
        elif os.path.exists(path):
            found = [path]
        else:
            problems.append(Problem(path, 1, 1, "no such file or folder"))
            continue
        for file in found:
            rule, file_problems = loader.check(
                file, pack=os.path.basename(os.path.dirname(os.path.abspath(file)))
            )
            problems.extend(file_problems)
            if rule is None:
                continue
            if rule.id in seen:
                problems.append(
                    Problem(file, 1, 1, f"rule id {rule.id} is also defined in {seen[rule.id]}")
                )
                continue
            seen[rule.id] = file
            rules.append(rule)
    return rules, problems


if __name__ == "__main__":  # python -m lyncpolicy.rulepack > schemas/rule.schema.json
    from lyncpolicy.builtin_predicates import CORE_PREDICATES

    sys.stdout.write(schema_json({p.name: p for p in CORE_PREDICATES}))
