"""The built-in input adapters, contributed through the ``lyncpolicy_adapters`` hook like any
plugin's: tmsh text, archives (UCS, qkview, tar), Terraform plans and states, AS3 and DO.

Each adapter recognizes its kinds by content (:meth:`detect`) and imports its reader only when
it reads, so recognizing a folder of files costs no reader import.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from lyncpolicy.errors import LyncpolicyError, internal_error
from lyncpolicy.hookspecs import AdapterSpec, hookimpl
from lyncpolicy.inputs import Probe, Reading, ReadOptions

from .archive import looks_encrypted, looks_like_archive

_TMSH_HEADER: Final = re.compile(r"[a-z][a-z0-9-]*(?: [^\s{]+)* \{")
# Terraform sources: `resource "bigip_ltm_pool" "p" {` has the shape of a tmsh header, but HCL
# is not configuration (a plan or state made from it is).
HCL_SUFFIXES: Final = (".tf", ".tfvars", ".hcl")
TERRAFORM_KINDS: Final = ("terraform-plan", "terraform-show-state", "terraform-state")
_AS3_CLASSES: Final = frozenset({"AS3", "ADC"})
_DO_CLASSES: Final = frozenset({"DO", "Device"})


class TmshAdapter:
    """tmsh text: ``bigip.conf``, ``bigip_base.conf``, partition files, SCF."""

    name = "tmsh"
    kinds = ("tmsh",)
    grouping: Literal["folder"] = "folder"
    # Files with these names are tmsh by intent: even when their text is not (prose, binary),
    # the tmsh reader is the one that explains what is wrong with them.
    suffixes = (".conf", ".scf", ".tmsh")

    def detect(self, probe: Probe) -> str | None:
        text = probe.text
        if text.startswith("{") or probe.path.lower().endswith(HCL_SUFFIXES) or "\x00" in text:
            return None
        return "tmsh" if looks_like_tmsh(text) else None

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        from .tmsh import parse_file
        from .tmsh_model import TmshInput

        return Reading(tmsh=[TmshInput(parse_file(path))])


class ArchiveAdapter:
    """UCS backups, qkviews, ``.tar``/``.tar.gz``: the configuration members, read in memory."""

    name = "archive"
    kinds = ("archive", "encrypted-archive")
    grouping: Literal["file"] = "file"
    suffixes = ()

    def detect(self, probe: Probe) -> str | None:
        if looks_like_archive(probe.head):
            return "archive"
        if looks_encrypted(probe.head):  # read() says how to decrypt it
            return "encrypted-archive"
        return None

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        from .archive import DEFAULT_MAX_CONFIG_BYTES, read_archive
        from .tmsh import parse_text
        from .tmsh_model import TmshInput

        archive = read_archive(path, max_config_bytes=options.max_config_bytes
                               or DEFAULT_MAX_CONFIG_BYTES)
        reading = Reading(diagnostics=list(archive.diagnostics))
        for member in archive.members:
            where = f"{path}!{member.name}"
            try:
                parsed = parse_text(member.text, where)
            except LyncpolicyError:
                raise
            except Exception as exc:  # name the member, not only the archive
                raise internal_error(where, exc) from exc
            reading.tmsh.append(TmshInput(parsed, archive=path, member=member.name))
        return reading


class TerraformAdapter:
    """Terraform plans (``terraform show -json PLAN``), ``show -json`` states, raw tfstate v4."""

    name = "terraform"
    kinds = TERRAFORM_KINDS
    grouping: Literal["file"] = "file"
    suffixes = ()

    def detect(self, probe: Probe) -> str | None:
        kind = json_kind(probe)
        return kind if kind in TERRAFORM_KINDS else None

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        from .terraform import read_terraform

        return Reading(parts=read_terraform(path, kind))


class DeclarationAdapter:
    """AS3 (``class: AS3`` or ``ADC``, bare or wrapped in ``declaration``) or Declarative
    Onboarding (``class: DO`` or ``Device``) declarations: one adapter per kind."""

    grouping: Literal["folder"] = "folder"
    suffixes = ()

    def __init__(self, kind: Literal["as3", "do"]) -> None:
        self.name = kind
        self.kinds = (kind,)

    def detect(self, probe: Probe) -> str | None:
        return self.name if json_kind(probe) == self.name else None

    def read(self, path: str, kind: str, options: ReadOptions) -> Reading:
        if self.name == "as3":
            from .as3 import read_as3_file

            return Reading(parts=read_as3_file(path))
        from .do import read_do_file

        return Reading(parts=read_do_file(path))


BUILTIN_ADAPTERS: Final[tuple[AdapterSpec, ...]] = (
    ArchiveAdapter(), TerraformAdapter(), DeclarationAdapter("as3"), DeclarationAdapter("do"),
    TmshAdapter(),
)


@hookimpl
def lyncpolicy_adapters() -> list[AdapterSpec]:
    """tmsh text, archives, Terraform plans and states, AS3 and DO declarations."""
    return list(BUILTIN_ADAPTERS)


# -- recognizing content --------------------------------------------------------------------------


def looks_like_tmsh(text: str) -> bool:
    """The first line that is not a comment opens a tmsh object (``ltm pool /Common/p {``)."""
    if text.startswith("#TMSH-VERSION"):
        return True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return _TMSH_HEADER.match(stripped) is not None
    return False


def json_kind(probe: Probe) -> str | None:
    """The kind of a JSON input from its top-level keys (from its head when too large)."""
    if not probe.text.startswith("{"):
        return None
    if probe.too_large_to_parse:
        return json_head_kind(probe.text)
    document = probe.json()
    if not isinstance(document, dict):
        return None
    if "format_version" in document:
        if "planned_values" in document or "resource_changes" in document:
            return "terraform-plan"
        if "values" in document:
            return "terraform-show-state"
    if document.get("version") == 4 and "terraform_version" in document and "resources" in document:
        return "terraform-state"
    return _declaration_kind(document)


def _declaration_kind(document: dict[str, object]) -> str | None:
    declaration_class = document.get("class")
    inner = document.get("declaration")
    # A bare declaration, as in a Terraform bigip_as3 resource: {"declaration": {"class": ...}}
    if declaration_class is None and isinstance(inner, dict):
        declaration_class = inner.get("class")
    if not isinstance(declaration_class, str):  # also keeps lists and objects out of "in"
        return None
    if declaration_class in _AS3_CLASSES:
        return "as3"
    if declaration_class in _DO_CLASSES:
        return "do"
    return None


_HEAD_KEY: Final = {
    key: re.compile(rf'"{key}"\s*:')
    for key in (
        "format_version",
        "planned_values",
        "resource_changes",
        "values",
        "terraform_version",
    )
}
_HEAD_STATE_VERSION: Final = re.compile(r'"version"\s*:\s*4\s*[,}]')
_HEAD_CLASS: Final = re.compile(r'"class"\s*:\s*"(AS3|ADC|DO|Device)"')


def json_head_kind(head_text: str) -> str | None:
    """Best guess for JSON too large to parse (or broken), from the keys near its start.

    Terraform writes ``format_version``/``version`` and ``terraform_version`` first, and an
    AS3/DO document states its class before its (large) body.
    """

    def has(key: str) -> bool:
        return _HEAD_KEY[key].search(head_text) is not None

    if has("format_version"):
        if has("planned_values") or has("resource_changes"):
            return "terraform-plan"
        if has("values"):
            return "terraform-show-state"
    if _HEAD_STATE_VERSION.search(head_text) and has("terraform_version"):
        return "terraform-state"
    match = _HEAD_CLASS.search(head_text)
    if match is None:
        return None
    return "as3" if match.group(1) in _AS3_CLASSES else "do"
