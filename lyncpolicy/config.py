"""The configuration file (``lyncpolicy.yaml``): discovery, validation and layering.

Discovery works like ruff's and yamllint's: ``--config FILE`` if given; else the nearest
``lyncpolicy.yaml`` or ``.lyncpolicy.yaml`` in the folder of the scanned paths (their common
folder) or a parent, stopping after a folder that contains ``.git``; else no file (defaults).
Layering: the defaults of :class:`Config`, then the file (and the file it ``extends``), then
command-line :class:`Overrides`.

The file is read into a YAML node tree (:mod:`lyncpolicy.rulepack`'s reader and error mapping),
so every error is one line ``FILE:LINE:COL: message``. It is validated against
``schemas/config.schema.json`` (jsonschema is imported only here, and only when a file exists):
closed objects (unknown keys get a did-you-mean), addresses checked by
:func:`lyncpolicy.addresses.parse_address` and :func:`~lyncpolicy.addresses.parse_network`,
dates as ``YYYY-MM-DD``.

``deployment`` (the intent of catalog section 7.2) is kept as the validated mapping for the
topology step; :meth:`Config.locate` gives the file:line:col of any part of it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import yaml

from lyncpolicy.addresses import parse_address, parse_network
from lyncpolicy.conditions import did_you_mean
from lyncpolicy.errors import ConfigError
from lyncpolicy.findings import SEVERITY_ORDER, Finding, Severity
from lyncpolicy.rulepack import (
    Problem,
    _mark_of,
    _node_at,
    _Problems,
    _read_yaml,
    _schema_problems,
)

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

FailOn = Literal["error", "warning", "info", "never"]

CONFIG_NAMES: Final = ("lyncpolicy.yaml", ".lyncpolicy.yaml")
FAIL_ON_CHOICES: Final[tuple[FailOn, ...]] = ("error", "warning", "info", "never")
SCHEMA_FILE: Final = "config.schema.json"
_DATE: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# -- where things are said ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Origin:
    """A place in a configuration file (1-based line and column)."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, self.column, message)


class ConfigFileError(ConfigError):
    """An invalid configuration file; ``str()`` is ``file:line:col: message``."""

    def __init__(self, problem: Problem, more: int = 0) -> None:
        hint = f"and {more} more error(s) in this file" if more else None
        super().__init__(problem.message, path=problem.file, line=problem.line, hint=hint)
        self.problem, self.column = problem, problem.column

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.problem}{hint}".replace("\n", " ")


@dataclass(frozen=True, slots=True)
class Selector:
    """A rule ID, ID prefix, tag or ``ALL``, with where it was written.

    ``where`` names the setting (``rules.select``, ``--ignore``...); ``origin`` is its place in
    a configuration file (``None`` for the command line).
    """

    text: str
    where: str = ""
    origin: Origin | None = None

    def error(self, message: str) -> ConfigError:
        """An error about this selector, located in its file when it comes from one."""
        text = f"{self.where}: {message}" if self.where else message
        if self.origin is not None:
            return ConfigFileError(self.origin.problem(text))
        return ConfigError(text)


# -- the configuration ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Waiver:
    """An accepted failure: a rule (ID or prefix) on objects and devices (globs), with a reason.

    ``expires`` is the last day the waiver applies.
    """

    rule: str
    reason: str
    object_glob: str | None = None
    device_glob: str | None = None
    owner: str | None = None
    ticket: str | None = None
    expires: date | None = None
    origin: Origin | None = None

    def describe(self) -> str:
        text = f"waiver for {self.rule}"
        if self.object_glob is not None:
            text += f" on {self.object_glob}"
        if self.device_glob is not None:
            text += f" (device {self.device_glob})"
        return text


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """``rules:``: which rules run (``select`` None means all) and severity overrides."""

    select: tuple[Selector, ...] | None = None
    ignore: tuple[Selector, ...] = ()
    severity: tuple[tuple[Selector, Severity], ...] = ()
    packs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration of a run (defaults when no file was found).

    ``path`` is the file found or given; ``files`` every file read, bases first (``extends``).
    ``deployment`` is the validated intent mapping (section 7.2 keys, ``vlans``, ``ha``).
    """

    path: str | None = None
    files: tuple[str, ...] = ()
    deployment: Mapping[str, Any] = field(default_factory=dict)
    rules: RuleSettings = RuleSettings()
    fail_on: FailOn = "error"
    waivers: tuple[Waiver, ...] = ()
    deployment_file: str | None = None
    deployment_node: yaml.Node | None = field(default=None, repr=False, compare=False)

    def locate(self, *location: str | int) -> Origin | None:
        """Where ``deployment.<location>`` is written (the deepest part that exists)."""
        if self.deployment_node is None or self.deployment_file is None:
            return None
        node = _node_at(self.deployment_node, location)
        return Origin(self.deployment_file, *_mark_of(node))


@dataclass(frozen=True, slots=True)
class Overrides:
    """Command-line settings, applied over the file.

    ``select`` replaces the file's selection; ``extend_select``, ``ignore`` and ``packs`` add
    to it; ``severity`` entries win over the file's; ``fail_on`` replaces it.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    packs: tuple[str, ...] = ()
    fail_on: FailOn | None = None


def exit_code(findings: Sequence[Finding], fail_on: FailOn) -> int:
    """1 when a failing (not suppressed) finding is at least as severe as ``fail_on``, else 0.

    Passes, undetermined and suppressed findings never fail a run.
    """
    if fail_on == "never":
        return 0
    threshold = SEVERITY_ORDER[fail_on]
    return int(
        any(f.status == "fail" and SEVERITY_ORDER[f.severity] >= threshold for f in findings)
    )


# -- discovery and layering -----------------------------------------------------------------------


def find_config(paths: Sequence[str]) -> str | None:
    """The nearest configuration file for ``paths`` (or the current folder), or None.

    Starts in the common folder of the paths (a file counts as its folder) and walks up; a
    folder holding ``.git`` is the last one looked at.
    """
    start = _common_folder(paths)
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return _display(candidate)
        if (folder / ".git").exists():
            return None
    return None


def _common_folder(paths: Sequence[str]) -> Path:
    if not paths:
        return Path.cwd()
    folders = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        folders.append(str(absolute if absolute.is_dir() else absolute.parent))
    return Path(os.path.commonpath(folders))


def _display(path: Path) -> str:
    """A path relative to the current folder when it is below it (as ruff prints them)."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def resolve_config(
    paths: Sequence[str] = (),
    *,
    config_file: str | None = None,
    overrides: Overrides | None = None,
    isolated: bool = False,
) -> Config:
    """The configuration of a run: defaults, then the file, then ``overrides``.

    ``config_file`` (``--config``) skips discovery; ``isolated`` ignores every file.
    """
    config = Config()
    if not isolated:
        path = config_file if config_file is not None else find_config(paths)
        if path is not None:
            config = load_config(path)
    return apply_overrides(config, overrides) if overrides is not None else config


def apply_overrides(config: Config, overrides: Overrides) -> Config:
    """``config`` with the command-line settings applied."""

    def selectors(texts: Sequence[str], option: str) -> tuple[Selector, ...]:
        return tuple(Selector(text, option) for text in texts)

    rules = config.rules
    select = rules.select
    if overrides.select is not None:
        select = selectors(overrides.select, "--select")
    if overrides.extend_select:
        extra = selectors(overrides.extend_select, "--extend-select")
        select = (*(select if select is not None else (Selector("ALL"),)), *extra)
    severity = rules.severity + tuple(
        (Selector(key, "--severity"), value) for key, value in overrides.severity.items()
    )
    rules = replace(
        rules,
        select=select,
        ignore=rules.ignore + selectors(overrides.ignore, "--ignore"),
        severity=severity,
        packs=rules.packs + tuple(overrides.packs),
    )
    fail_on = overrides.fail_on if overrides.fail_on is not None else config.fail_on
    return replace(config, rules=rules, fail_on=fail_on)


def load_config(path: str) -> Config:
    """Read, validate and layer one configuration file (and the files it extends)."""
    return _load(path, ())


def _load(path: str, chain: tuple[str, ...]) -> Config:
    document = _Document.read(path)
    base = Config()
    extends = document.data.get("extends")
    if isinstance(extends, str):
        target = os.path.normpath(os.path.join(os.path.dirname(path), extends))
        origin = document.origin("extends")
        key = os.path.realpath(target)
        if key in chain or key == os.path.realpath(path):
            raise ConfigFileError(
                origin.problem(f"extends: {target} extends this file again (a cycle)")
            )
        if not os.path.isfile(target):
            raise ConfigFileError(origin.problem(f"extends: no such file: {target}"))
        base = _load(target, (*chain, os.path.realpath(path)))
    return document.layer(base)


# -- reading one file -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Document:
    """One validated configuration file and its node tree (for locations)."""

    file: str
    node: yaml.Node | None
    data: Mapping[str, Any]

    @classmethod
    def read(cls, file: str) -> _Document:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("configuration file not found", path=file) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"cannot read configuration file: {reason}", path=file) from None
        node, data = _read(text, file)
        if node is not None:
            problems = _schema_problems(_validator(), data, node, file, ())
            if problems:
                raise ConfigFileError(problems[0], more=len(problems) - 1)
        return cls(file, node, data)

    def origin(self, *location: str | int, key: bool = False) -> Origin:
        if self.node is None:
            return Origin(self.file, 1, 1)
        return Origin(self.file, *_mark_of(_node_at(self.node, location, key)))

    def layer(self, base: Config) -> Config:
        """``base`` with this file's settings on top."""
        data = self.data
        config = replace(base, path=self.file, files=(*base.files, self.file))
        if "deployment" in data:
            config = replace(
                config,
                deployment=data["deployment"],
                deployment_file=self.file,
                deployment_node=_node_at(cast(yaml.Node, self.node), ("deployment",)),
            )
        if "rules" in data:
            config = replace(config, rules=self._rules(base.rules, data["rules"]))
        if "fail-on" in data:
            config = replace(config, fail_on=data["fail-on"])
        waivers = tuple(self._waiver(i, w) for i, w in enumerate(data.get("waivers", ())))
        return replace(config, waivers=base.waivers + waivers)

    def _selectors(self, texts: Sequence[str], key: str) -> tuple[Selector, ...]:
        return tuple(
            Selector(text, f"rules.{key}", self.origin("rules", key, i))
            for i, text in enumerate(texts)
        )

    def _rules(self, base: RuleSettings, data: Mapping[str, Any]) -> RuleSettings:
        settings = base
        if "select" in data:
            settings = replace(settings, select=self._selectors(data["select"], "select"))
        if "ignore" in data:
            settings = replace(settings, ignore=self._selectors(data["ignore"], "ignore"))
        severity: list[tuple[Selector, Severity]] = []
        for name, level in data.get("severity", {}).items():
            origin = self.origin("rules", "severity", name, key=True)
            severity.append((Selector(name, "rules.severity", origin), level))
        packs = []
        folder = os.path.dirname(self.file)
        for i, pack in enumerate(data.get("packs", ())):
            location = os.path.normpath(os.path.join(folder, pack))
            if not os.path.isdir(location):
                raise ConfigFileError(
                    self.origin("rules", "packs", i).problem(
                        f"rules.packs[{i}]: rule pack folder not found: {location}"
                    )
                )
            packs.append(location)
        return replace(
            settings, severity=base.severity + tuple(severity), packs=base.packs + tuple(packs)
        )

    def _waiver(self, index: int, data: Mapping[str, Any]) -> Waiver:
        expires = data.get("expires")
        return Waiver(
            rule=data["rule"],
            reason=data["reason"].strip(),
            object_glob=data.get("object"),
            device_glob=data.get("device"),
            owner=data.get("owner"),
            ticket=data.get("ticket"),
            expires=date.fromisoformat(expires) if expires is not None else None,
            origin=self.origin("waivers", index),
        )


def _read(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and data of a configuration file (dates as ``YYYY-MM-DD`` text)."""
    try:
        node, data = _read_yaml(text, file)
    except _Problems as exc:
        first = exc.problems[0]
        message = first.message.replace("empty rule file", "")
        message = message.replace(
            "one rule per file: found a second YAML document",
            "one configuration per file: found a second document",
        )
        if not message:  # empty, or only comments: the defaults
            return None, {}
        raise ConfigFileError(replace(first, message=message), len(exc.problems) - 1) from None
    except ValueError as exc:  # YAML reads 2027-02-30 as a date, and date() refuses it
        raise ConfigFileError(_impossible_date(text, file, exc)) from None
    if data is None:  # `---` alone
        return None, {}
    return node, _dates_as_text(data)


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    return value


def _impossible_date(text: str, file: str, exc: ValueError) -> Problem:
    constructor = yaml.constructor.SafeConstructor()
    pending = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            pending.extend(value for pair in reversed(node.value) for value in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(reversed(node.value))
        elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            try:
                constructor.construct_yaml_timestamp(node)
            except ValueError:
                return Problem(file, *_mark_of(node), f"{node.value!r} is not a date ({exc})")
    return Problem(file, 1, 1, f"invalid value: {exc}")


# -- the schema -----------------------------------------------------------------------------------


def schema_text() -> str:
    """``schemas/config.schema.json`` as shipped."""
    return files("lyncpolicy.schemas").joinpath(SCHEMA_FILE).read_text("utf-8")


def _parse_date(text: str) -> date:
    if not _DATE.match(text):
        raise ValueError("expected YYYY-MM-DD")
    return date.fromisoformat(text)


_FORMATS: Final[Mapping[str, tuple[str, Callable[[str], object]]]] = {
    "bigip-address": ("an IP address (optionally with %ROUTE_DOMAIN)", parse_address),
    "bigip-network": ("a network like 10.0.0.0/8 (optionally with %ROUTE_DOMAIN)", parse_network),
    "date": ("a date (YYYY-MM-DD)", _parse_date),
}


def _check_format(
    validator: Any, fmt: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if fmt not in _FORMATS or not isinstance(instance, str):
        return
    what, parse = _FORMATS[fmt]
    try:
        parse(instance)
    except ValueError as exc:
        reason = str(exc)
        detail = "" if instance in reason or "format" in reason else f": {reason}"
        yield ValidationError(f"{instance!r} is not {what}{detail}")


def _yaml_word(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_enum(
    validator: Any, choices: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if any(type(choice) is type(instance) and choice == instance for choice in choices):
        return
    words = [_yaml_word(choice) for choice in choices]
    hint = did_you_mean(_yaml_word(instance), words)
    yield ValidationError(f"{_yaml_word(instance)!r} is not one of {', '.join(words)}{hint}")


def _check_pattern(
    validator: Any, pattern: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and not re.search(pattern, instance):
        yield ValidationError(f"{instance!r} is not {schema.get('title', f'like {pattern}')}")


def _validator() -> Validator:
    """A validator for the shipped schema, with lyncpolicy's formats and messages."""
    from jsonschema import Draft202012Validator, validators

    # `extend` has no type annotations: say what it returns.
    extend = cast("Callable[..., type[Validator]]", validators.extend)
    extended = extend(
        Draft202012Validator,
        {"format": _check_format, "enum": _check_enum, "pattern": _check_pattern},
    )
    return extended(json.loads(schema_text()))
