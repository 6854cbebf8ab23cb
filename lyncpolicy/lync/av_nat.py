"""Lync Edge predicates (placeholder module: filled by its rule family)."""

from __future__ import annotations

from lyncpolicy.conditions import Predicate

PREDICATES: list[Predicate] = []
