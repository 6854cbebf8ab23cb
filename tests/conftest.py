"""Shared fixtures for the tmsh reader, address and model-builder tests.

The corpus under ``tests/data/corpus`` is public BIG-IP configuration copied byte-for-byte
(see ``PROVENANCE.md``); tests read it, never modify it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lyncpolicy.adapters.tmsh import ParseResult, parse_file, parse_text
from lyncpolicy.adapters.tmsh_model import TmshInput, build_device

from lyncpolicy.diagnostics import Diagnostic
from lyncpolicy.model import Device

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"

_PARSED: dict[str, ParseResult] = {}


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The public configuration corpus (``tests/data/corpus``)."""
    assert CORPUS_DIR.is_dir(), f"corpus missing: {CORPUS_DIR}"
    return CORPUS_DIR


@pytest.fixture(scope="session")
def parse_corpus(corpus: Path) -> Callable[[str], ParseResult]:
    """Parse a corpus file given by its path relative to the corpus root (cached).

    The cached results are shared between tests: tests must treat them as read-only.
    """

    def _parse(relative: str) -> ParseResult:
        if relative not in _PARSED:
            _PARSED[relative] = parse_file(str(corpus / relative))
        return _PARSED[relative]

    return _parse


BuildFn = Callable[..., tuple[Device, list[Diagnostic]]]


@pytest.fixture
def build() -> BuildFn:
    """Build one device from inline tmsh texts.

    ``build(text)`` or ``build(("bigip_base.conf", text1), ("bigip.conf", text2))``;
    a bare text is read as ``bigip.conf``.
    """

    def _build(*files: str | tuple[str, str], name: str = "dut") -> tuple[Device, list[Diagnostic]]:
        inputs = []
        for item in files:
            path, text = ("bigip.conf", item) if isinstance(item, str) else item
            inputs.append(TmshInput(parse_text(text, path)))
        return build_device(inputs, name)

    return _build
