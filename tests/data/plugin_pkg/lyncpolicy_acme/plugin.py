"""The plugin module named by the ``lyncpolicy`` entry point."""

from __future__ import annotations

from importlib.resources import files

from lyncpolicy.hookspecs import Predicate, RulePackRef, hookimpl, value_predicate


def _even(port: object) -> bool:
    return isinstance(port, int) and port % 2 == 0


@hookimpl
def lyncpolicy_predicates() -> list[Predicate]:
    return [value_predicate("acme.even_port", _even, summary="the port at `path` is even")]


@hookimpl
def lyncpolicy_rule_packs() -> list[RulePackRef]:
    return [RulePackRef("acme", files("lyncpolicy_acme") / "rules")]
