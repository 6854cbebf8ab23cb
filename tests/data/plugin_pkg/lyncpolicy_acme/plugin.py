"""The plugin module named by the ``lyncpolicy`` entry point."""

from __future__ import annotations

from importlib.resources import files
from typing import Literal

from lyncpolicy.errors import InputError
from lyncpolicy.hookspecs import (
    AdapterSpec,
    Predicate,
    Probe,
    Reading,
    ReadOptions,
    RulePackRef,
    hookimpl,
    value_predicate,
)


def _even(port: object) -> bool:
    return isinstance(port, int) and port % 2 == 0


class InventoryAdapter:
    """ACME's inventory files: a header line, then ``virtual NAME ADDRESS:PORT`` lines."""

    name = "acme-inventory"
    kinds = ("acme-inventory",)
    grouping: Literal["file"] = "file"
    suffixes = (".acme",)

    def detect(self, probe: Probe) -> str | None:
        return "acme-inventory" if probe.text.startswith("#ACME-INVENTORY") else None

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        tmsh = []
        for number, line in enumerate(lines, 1):
            fields = line.split()
            if not fields or line.startswith("#"):
                continue
            if len(fields) != 3 or fields[0] != "virtual":
                raise InputError("expected 'virtual NAME ADDRESS:PORT'", path=path, line=number,
                                 hint="fix the inventory line")
            tmsh.append(f"ltm virtual /Common/{fields[1]} {{\n"
                        f"    destination /Common/{fields[2]}\n    ip-protocol tcp\n}}\n")
        return Reading.from_tmsh_text("".join(tmsh), path)


@hookimpl
def lyncpolicy_predicates() -> list[Predicate]:
    return [value_predicate("acme.even_port", _even, summary="the port at `path` is even")]


@hookimpl
def lyncpolicy_rule_packs() -> list[RulePackRef]:
    return [RulePackRef("acme", files("lyncpolicy_acme") / "rules")]


@hookimpl
def lyncpolicy_adapters() -> list[AdapterSpec]:
    return [InventoryAdapter()]
