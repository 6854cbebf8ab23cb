"""The built-in rule packs, contributed through the same hook as any plugin.

Every folder of the ``lyncpolicy.rules`` package that holds ``*.yaml`` files is a pack named
after the folder (``rules/lync-edge/`` -> ``lync-edge``).
"""

from __future__ import annotations

from importlib.resources import files

from lyncpolicy.hookspecs import RulePackRef, hookimpl


def builtin_packs() -> list[RulePackRef]:
    root = files("lyncpolicy.rules")
    packs = []
    for child in sorted(root.iterdir(), key=lambda entry: entry.name):
        if child.name.startswith(("_", ".")) or not child.is_dir():
            continue
        if any(entry.name.endswith(".yaml") for entry in child.iterdir()):
            packs.append(RulePackRef(child.name, child))
    return packs


@hookimpl
def lyncpolicy_rule_packs() -> list[RulePackRef]:
    """The rule packs shipped with lyncpolicy."""
    return builtin_packs()
