#!/usr/bin/env python3
"""Fuzz the tmsh reader and the model builder behind it.

Each input is bytes decoded as ``parse_file`` does (UTF-8, bad bytes replaced) and checked
against the contract in ``contract.py``: a result or a located ``TmshSyntaxError``, JSON
conversion and ``build_device`` without exceptions. See README.md for how to run it::

    python tests/fuzz/fuzz_tmsh.py --iterations 100000          # plain Python
    python tests/fuzz/fuzz_tmsh.py --atheris --seconds 600      # atheris / libFuzzer
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import CORPUS, Target, main

TOKENS = [
    "{",
    "}",
    "{ }",
    '"',
    "\\",
    "\\{",
    "\\}",
    '\\"',
    "\n",
    "\r\n",
    "\t",
    " ",
    "#",
    "# {",
    "!",
    "\x00",
    "\ufeff",
    "é",
    "ltm virtual /Common/vs {\n",
    "ltm pool /Common/p {\n",
    "ltm rule /Common/r {\n",
    "ltm node /Common/10.1.1.1%2 {\n",
    "net self /Common/s {\n",
    "net vlan /Common/v {\n",
    "net route /Common/r {\n",
    "net route-domain /Common/2 {\n",
    "ltm snat /Common/s {\n",
    "ltm snatpool /Common/sp {\n",
    "ltm nat /Common/n {\n",
    "auth partition P {\n",
    "ltm virtual-address /Common/10.1.1.1 {\n",
    "ltm profile tcp /Common/t {\n",
    "ltm persistence cookie /Common/c {\n",
    "ltm monitor http /Common/m {\n",
    "sys application template /Common/t {\n",
    "actions {",
    "definition {",
    "implementation {",
    "presentation {",
    "sys icall script /Common/s {\n",
    "cli script /Common/c {\n",
    "cli admin-partitions {\n",
    "update-partition ",
    "sys global-settings {\n",
    "gtm topology ldns: region /Common/r server: pool p {\n",
    "sys application service /Common/a.app/a {\n",
    "variables {",
    "tables {",
    "rows {",
    "column-names {",
    "row {",
    "value ",
    "destination ",
    "mask ",
    "source ",
    "pool ",
    "members {",
    "address ",
    "monitor ",
    "min 1 of {",
    " and ",
    "profiles {",
    "context clientside",
    "persist {",
    "default yes",
    "fallback-persistence ",
    "rules {",
    "vlans {",
    "vlans-enabled",
    "vlans-disabled",
    "source-address-translation {",
    "type automap",
    "type snat",
    "snat automap",
    "snatpool ",
    "origins {",
    "translation ",
    "automap",
    "disabled",
    "enabled",
    "ip-forward",
    "reject",
    "translate-address disabled",
    "allow-service all",
    "traffic-group /Common/traffic-group-1",
    "tag ",
    "id ",
    "parent ",
    "interfaces {",
    "default-route-domain ",
    "defaults-from ",
    "session user-disabled",
    "state user-down",
    "min-active-members ",
    "hostname ",
    "gw ",
    "network default",
    "when HTTP_REQUEST {",
    "#TMSH-VERSION: 15.1.8\n",
    "# lyncpolicy: ignore[X-1] why\n",
    "10.1.1.1%2:443",
    "2001:db8::1%3.443",
    "any",
    "any6",
    "default%2",
    "0.0.0.0%1/0",
    "255.255.255.0",
    "ffff:ffff::",
    "/Common/",
    "%",
    ":",
    ".",
    "/",
    "²",
    "٣",
    "9" * 30,
]


def _run(strict: bool) -> Target:
    from contract import check_tmsh  # imports lyncpolicy: instrumented under atheris

    def run(data: bytes) -> None:
        check_tmsh(data.decode("utf-8", errors="replace"), "fuzz.conf", allow_known=not strict)

    def seeds() -> list[bytes]:
        inventory = json.loads((CORPUS / "inventory.json").read_text("utf-8"))
        return [(CORPUS / name).read_bytes() for name in sorted(inventory)] + _generated(40)

    return Target("tmsh", run, seeds, [t.encode() for t in TOKENS], max_len=16384)


def _generated(count: int) -> list[bytes]:
    """Valid configurations from the round-trip generator (tests/strategies.py): seeds that
    reach every model reader, in every spelling the emitter knows."""
    sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
    from hypothesis import HealthCheck, Phase, given, settings
    from strategies import Config, Style, configs, emit, styles

    texts: list[bytes] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(configs(), styles())
    def collect(config: Config, style: Style) -> None:
        emitted = emit(config, style)
        texts.extend(text.encode("utf-8") for text in emitted.files.values())

    collect()
    return texts


if __name__ == "__main__":
    sys.exit(main(_run, "tmsh", sys.argv[1:]))
