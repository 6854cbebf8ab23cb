"""The plugin manager: built-in plugins, entry-point plugins, and what they register.

Like pytest, built-ins are ordinary plugins (``DEFAULT_PLUGINS``) and third-party plugins come
from the ``lyncpolicy`` entry-point group. There is no global manager: each run makes one with
:func:`make_plugin_manager`. A plugin that fails to load stops the run with exit 2 (for a gate,
silently losing a rule pack is worse than failing). ``LYNCPOLICY_DISABLE_PLUGIN_AUTOLOAD=1``
turns entry-point loading off.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import pluggy

from lyncpolicy import hookspecs
from lyncpolicy.conditions import Predicate
from lyncpolicy.errors import PluginError
from lyncpolicy.hookspecs import AdapterSpec, ReporterSpec, RulePackRef

if TYPE_CHECKING:
    from lyncpolicy.config import RuleSettings
    from lyncpolicy.rulepack import Rule

ENTRY_POINT_GROUP: Final = "lyncpolicy"
AUTOLOAD_ENV: Final = "LYNCPOLICY_DISABLE_PLUGIN_AUTOLOAD"
DEFAULT_PLUGINS: Final[tuple[str, ...]] = (
    "lyncpolicy.adapters.builtin",
    "lyncpolicy.builtin_predicates",
    "lyncpolicy.builtin_rules",
    "lyncpolicy.lync",
    "lyncpolicy.reporters",
)
CORE_PREDICATES_PLUGIN: Final = "lyncpolicy.builtin_predicates"
_PREDICATE_NAME: Final = r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$"


def autoload_disabled() -> bool:
    return os.environ.get(AUTOLOAD_ENV, "").strip().lower() not in ("", "0", "false", "no")


def make_plugin_manager(
    load_entrypoints: bool = True, disabled: Sequence[str] = ()
) -> pluggy.PluginManager:
    """A fresh plugin manager with the built-ins and (unless disabled) entry-point plugins.

    ``disabled`` blocks plugins by name: an entry-point name or a built-in module name (like
    pytest's ``-p no:NAME``).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        if not pm.is_blocked(module_name):
            _register(pm, importlib.import_module(module_name), module_name)
    if load_entrypoints and not autoload_disabled():
        _load_entrypoints(pm)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            str(exc),
            hint="hook names start with lyncpolicy_ and are listed in lyncpolicy.hookspecs",
        ) from None
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from None


def _load_entrypoints(pm: pluggy.PluginManager) -> None:
    seen: set[str] = set()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in seen or pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
            continue
        seen.add(ep.name)
        dist = getattr(ep, "dist", None)
        origin = f" from {dist.name} {dist.version}" if dist is not None else ""
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=ep.name)
        except Exception as exc:
            raise PluginError(
                f"plugin {ep.name!r} (entry point '{ep.name} = {ep.value}'{origin}) failed to "
                f"load: {type(exc).__name__}: {exc}",
                hint=f"fix or uninstall it, or set {AUTOLOAD_ENV}=1",
            ) from exc


# -- what plugins register -----------------------------------------------------------------------


@dataclass(frozen=True)
class Registry:
    """Everything the registered plugins contribute, each name with its owner (plugin name)."""

    predicates: Mapping[str, Predicate] = field(default_factory=dict)
    rule_packs: tuple[RulePackRef, ...] = ()
    adapters: Mapping[str, AdapterSpec] = field(default_factory=dict)
    reporters: Mapping[str, ReporterSpec] = field(default_factory=dict)
    owners: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def owner(self, what: str, name: str) -> str:
        """The plugin that registered ``name`` (``what``: predicate, rule pack, adapter,
        reporter); empty when no plugin did (a pack given on the command line)."""
        return self.owners.get((what, name), "")


def _hook_results(pm: pluggy.PluginManager, hook_name: str) -> list[tuple[str, list[Any]]]:
    """Each plugin's answer to a hook, in registration order, with the plugin's name."""
    results: list[tuple[str, list[Any]]] = []
    hook = getattr(pm.hook, hook_name)
    for impl in hook.get_hookimpls():
        try:
            value = impl.function()
        except Exception as exc:
            raise PluginError(
                f"plugin {impl.plugin_name!r}: {hook_name}() raised {type(exc).__name__}: {exc}"
            ) from exc
        if value is None:
            continue
        if not isinstance(value, list | tuple):
            raise PluginError(
                f"plugin {impl.plugin_name!r}: {hook_name}() must return a list, "
                f"not {type(value).__name__}"
            )
        results.append((impl.plugin_name, list(value)))
    return results


def _add(
    table: dict[str, Any],
    owners: dict[tuple[str, str], str],
    what: str,
    name: str,
    item: object,
    owner: str,
) -> None:
    if name in table:
        first = owners[(what, name)]
        raise PluginError(
            f"{what} {name!r} is registered by both {first!r} and {owner!r}",
            hint=f"disable one of them, or rename the {what}",
        )
    table[name] = item
    owners[(what, name)] = owner


def _check_item(owner: str, what: str, item: object, check: Callable[[object], bool]) -> None:
    if not check(item):
        raise PluginError(f"plugin {owner!r} registered an invalid {what}: {item!r}")


def _is_adapter(item: object) -> bool:
    return (
        isinstance(item, AdapterSpec)
        and item.grouping in ("file", "folder")
        and bool(item.kinds)
        and all(isinstance(kind, str) and kind for kind in item.kinds)
    )


def collect(pm: pluggy.PluginManager) -> Registry:
    """Gather predicates, rule packs, adapters and reporters; reject duplicates and bad names."""
    owners: dict[tuple[str, str], str] = {}
    predicates: dict[str, Predicate] = {}
    for owner, items in _hook_results(pm, "lyncpolicy_predicates"):
        for item in items:
            _check_item(owner, "predicate", item, lambda p: isinstance(p, Predicate))
            assert isinstance(item, Predicate)
            # Only the core language's predicates go without a namespace; the built-in Lync
            # pack's predicates are namespaced (``lync.*``) like any plugin's.
            builtin = owner == CORE_PREDICATES_PLUGIN
            if not re.match(_PREDICATE_NAME, item.name):
                raise PluginError(f"plugin {owner!r}: bad predicate name {item.name!r}")
            if builtin == ("." in item.name):
                need = "have no dot" if builtin else "contain a dot (e.g. 'acme.my_check')"
                raise PluginError(
                    f"plugin {owner!r}: predicate {item.name!r}: "
                    f"{'core' if builtin else 'plugin'} predicate names must {need}"
                )
            _add(predicates, owners, "predicate", item.name, item, owner)
    packs: dict[str, RulePackRef] = {}
    for owner, items in _hook_results(pm, "lyncpolicy_rule_packs"):
        for item in items:
            _check_item(owner, "rule pack", item, lambda p: isinstance(p, RulePackRef))
            assert isinstance(item, RulePackRef)
            _add(packs, owners, "rule pack", item.name, replace(item, owner=owner), owner)
    adapters: dict[str, AdapterSpec] = {}
    kinds: dict[str, AdapterSpec] = {}
    for owner, items in _hook_results(pm, "lyncpolicy_adapters"):
        for item in items:
            _check_item(owner, "adapter", item, _is_adapter)
            _add(adapters, owners, "adapter", item.name, item, owner)
            for kind in item.kinds:
                _add(kinds, owners, "input kind", kind, item, owner)
    reporters: dict[str, ReporterSpec] = {}
    for owner, items in _hook_results(pm, "lyncpolicy_reporters"):
        for item in items:
            _check_item(owner, "reporter", item, lambda r: isinstance(r, ReporterSpec))
            _add(reporters, owners, "reporter", item.name, item, owner)
    return Registry(predicates, tuple(packs.values()), adapters, reporters, owners)


def load_rules(
    pm_or_registry: pluggy.PluginManager | Registry,
    extra_packs: Sequence[RulePackRef] = (),
) -> list[Rule]:
    """Every rule of every registered pack (plus ``extra_packs``), sorted by id.

    Packs of plugins and extra packs are validated against the rule schema; built-in packs are
    only compiled (the test suite validates them). A rule id defined twice is an error naming
    both packs and their owners.
    """
    from lyncpolicy.rulepack import RuleLoader

    registry = pm_or_registry if isinstance(pm_or_registry, Registry) else collect(pm_or_registry)
    trusted = RuleLoader(registry.predicates, validate=False)
    checked = RuleLoader(registry.predicates, validate=True)
    rules: dict[str, Rule] = {}
    where: dict[str, str] = {}
    for ref in (*registry.rule_packs, *extra_packs):
        loader = trusted if ref.owner in DEFAULT_PLUGINS else checked
        for rule in loader.load_pack(ref):
            owner = f"pack {ref.name!r} of {ref.owner or 'the command line'!r}"
            if rule.id in rules:
                raise PluginError(
                    f"rule {rule.id} is defined by both {where[rule.id]} and {owner}",
                    path=rule.path,
                )
            rules[rule.id] = rule
            where[rule.id] = owner
    return [rules[key] for key in sorted(rules)]


def load_rules_for(
    settings: RuleSettings, registry: Registry
) -> tuple[list[Rule], list[Rule]]:
    """Every rule of the registered packs plus the packs of ``settings`` (a configuration's
    ``rules:``), and those it selects (with its severity overrides)."""
    from lyncpolicy.selection import configure_rules

    extra = [RulePackRef(os.path.basename(os.path.normpath(p)), p) for p in settings.packs]
    known = load_rules(registry, extra)
    return known, configure_rules(known, settings)
