"""Predicates of the Lync Edge rule pack that YAML alone cannot express.

Each module holds one rule family's predicates (``PREDICATES``); they are contributed through
the same ``lyncpolicy_predicates`` hook as any plugin, under the ``lync.`` prefix.
"""

from __future__ import annotations

from lyncpolicy.conditions import Predicate
from lyncpolicy.hookspecs import hookimpl


@hookimpl
def lyncpolicy_predicates() -> list[Predicate]:
    """Predicates named ``lync.*`` used by ``rules/lync-edge``."""
    from lyncpolicy.lync import av_nat, ext, net_int

    return [*ext.PREDICATES, *av_nat.PREDICATES, *net_int.PREDICATES]
