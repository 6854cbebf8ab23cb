"""``lyncpolicy topology`` (what lyncpolicy understood) and ``lyncpolicy init`` (write it down).

``topology`` is how users check the role inference before trusting the findings; ``init``
turns the same inference into a starter ``deployment`` section, each value commented with its
evidence, for the user to confirm.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from lyncpolicy.model import Device
    from lyncpolicy.topology import EdgePool, Topology

_ROLE_TITLES = {
    "edge_access": "Access Edge",
    "edge_webconf": "Web Conferencing Edge",
    "edge_av": "A/V Edge",
    "edge_internal": "Edge internal",
}


def _load(paths: Sequence[str], config_file: str | None, jobs: int | None,
          ) -> list[tuple[Device, Topology]]:
    from lyncpolicy.cli import _load_inputs
    from lyncpolicy.config import resolve_config
    from lyncpolicy.topology import build_topology

    config = resolve_config(paths, config_file=config_file)
    loaded = _load_inputs(paths, strict=False, jobs=jobs, max_config_size="512M",
                          verbose=False)
    deployment = config.deployment or None
    return [(device, build_topology(device, deployment)) for device in loaded.model.devices]


def _names(items: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit})" if len(items) > limit else "")


def render_text(pairs: Sequence[tuple[Device, Topology]]) -> str:
    """The recognized deployment as tables, one section per device."""
    from tabulate import tabulate

    blocks: list[str] = []
    for device, topology in pairs:
        head = f"device {device.name}"
        if device.version:
            head += f" (TMOS {device.version})"
        lines = [head, "=" * len(head)]
        if not topology.found:
            lines.append("No Lync / Skype for Business Edge deployment recognized.")
            if topology.hints:
                lines.append("Hints: " + "; ".join(topology.hints))
            blocks.append("\n".join(lines))
            continue
        lines.append(
            f"HA: {'yes' if topology.ha else 'no'}   product: {topology.product or 'unknown'}   "
            f"intent: {'yes' if topology.intent else 'no (inferred)'}   "
            f"addressing: {'NAT' if topology.nat_design else 'public'}"
        )
        lines.append(
            "VLANs: upstream " + (", ".join(topology.upstream_vlans) or "?")
            + " | Edge external " + (", ".join(topology.edge_external_vlans) or "?")
            + " | Edge internal " + (", ".join(topology.edge_internal_vlans) or "?")
        )
        for pool in topology.pools:
            lines.extend(("", f"Edge pool {pool.name}", _vip_table(pool, tabulate)))
            if pool.servers:
                rows = [
                    (s.name, s.access or "", s.webconf or "", s.av or "", s.internal or "",
                     s.nat or "", s.paired_by)
                    for s in pool.servers
                ]
                lines.extend(("", tabulate(
                    rows,
                    headers=("server", "access", "webconf", "a/v", "internal", "nat",
                             "paired by"),
                )))
        lines.append("")
        lines.append(tabulate(_network_rows(device, topology), headers=("what", "objects")))
        if topology.unresolved:
            lines.append("")
            lines.append(
                "Advisory mode (role confidence < 0.7): " + ", ".join(topology.unresolved)
                + ". Confirm the roles in the deployment section (lyncpolicy init)."
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _vip_table(pool: EdgePool, tabulate: object) -> str:
    rows = [
        (
            _ROLE_TITLES[vip.role],
            str(vip.address),
            " ".join(vip.ports),
            _names(list(vip.virtual_servers), 2),
            f"{vip.confidence:.2f}",
            vip.evidence[0] if vip.evidence else "",
        )
        for vip in pool.vips
    ]
    return tabulate(  # type: ignore[operator,no-any-return]
        rows, headers=("role", "VIP", "ports", "virtual servers", "conf.", "evidence")
    )


def _network_rows(device: Device, topology: Topology) -> list[tuple[str, str]]:
    rows = [
        ("forwarding out", _names(list(topology.forwarding_outbound)) or "none"),
        ("forwarding in", _names(list(topology.forwarding_inbound)) or "none"),
        ("Edge NATs", _names(list(topology.edge_nats)) or "none"),
        ("SNATs", _names(sorted(device.snats)) or "none"),
        (
            "Edge gateway" + (" (declared)" if topology.gateway_declared else " (inferred)"),
            _names([
                f"{name} {device.self_ips[name].address}"
                + (" floating" if device.self_ips[name].floating else " local-only")
                for name in topology.gateway_self_ips
            ]) or "none",
        ),
        (
            "default routes",
            _names([
                f"{name} via {device.routes[name].gateway or device.routes[name].pool or '?'}"
                for name in topology.default_routes
            ]) or "none",
        ),
    ]
    return rows


@click.command("topology")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Output format.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file with a deployment section (default: nearest).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Archives read in parallel.")
def topology(paths: tuple[str, ...], output_format: str, config_file: str | None,
             jobs: int | None) -> None:
    """Show the Lync Edge deployment lyncpolicy recognized: pools, servers, VIPs with role,
    evidence and confidence, forwarding virtuals, NATs, SNATs, gateway and default routes.

    \b
    Examples:
      lyncpolicy topology examples/clean/
      lyncpolicy topology backup.ucs --format json
    """
    from lyncpolicy.topology import topology_to_jsonable

    pairs = _load(paths, config_file, jobs)
    if output_format == "json":
        click.echo(json.dumps(topology_to_jsonable(pairs), indent=1))
        return
    click.echo(render_text(pairs))


def render_init(pairs: Sequence[tuple[Device, Topology]]) -> str:
    """A starter configuration: the inferred deployment, each value with its evidence."""
    lines = [
        "# lyncpolicy configuration, written by `lyncpolicy init` from what it inferred.",
        "# Check every value against your Lync topology, then remove the comments you do",
        "# not need. Values you confirm here take precedence over inference (confidence 1.0).",
        "version: 1",
        "deployment:",
    ]
    found = [(d, t) for d, t in pairs if t.found]
    if not found:
        lines.append("  edge_pools: []  # no Lync Edge deployment recognized")
        return "\n".join(lines) + "\n"
    device, topology = found[0]
    lines.append(f"  # inferred from device {device.name}")
    lines.append(f"  ha: {'true' if topology.ha else 'false'}")
    vlan_lines = [
        (key, values)
        for key, values in (
            ("upstream", topology.upstream_vlans),
            ("edge_external", topology.edge_external_vlans),
            ("edge_internal", topology.edge_internal_vlans),
        )
        if values
    ]
    if vlan_lines:
        lines.append("  vlans:")
        lines.extend(f"    {key}: {values[0]}" for key, values in vlan_lines)
    lines.append("  edge_pools:")
    for pool in topology.pools:
        lines.append(f"    - name: {pool.name}  # rename to your Edge pool FQDN")
        lines.append("      load_balancing: hlb")
        lines.append(
            f"      external_addressing: {'nat' if topology.nat_design else 'public'}"
        )
        lines.append("      vips:")
        for vip in pool.vips:
            key = vip.role.removeprefix("edge_")
            evidence = "; ".join(vip.evidence[:2])
            lines.append(
                f"        {key}: {vip.address}  # confidence {vip.confidence:.2f}: {evidence}"
            )
        if pool.servers:
            lines.append("      servers:")
        for server in pool.servers:
            lines.append(f"        - name: {server.name}  # paired by {server.paired_by}")
            external = {
                k: v
                for k, v in (("access", server.access), ("webconf", server.webconf),
                             ("av", server.av))
                if v is not None
            }
            if external:
                inner = ", ".join(f"{k}: {v}" for k, v in external.items())
                lines.append(f"          external: {{{inner}}}")
            if server.internal is not None:
                lines.append(f"          internal: {server.internal}")
            gateway = _gateway_address(device, topology)
            if gateway:
                lines.append(
                    f"          external_default_gateway: {gateway}  "
                    "# inferred: confirm on the Edge server"
                )
    return "\n".join(lines) + "\n"


def _gateway_address(device: Device, topology: Topology) -> str | None:
    for name in topology.gateway_self_ips:
        address = device.self_ips[name].address
        if address is not None:
            return str(address)
    return None


@click.command("init")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--output", "-o", default="lyncpolicy.yaml", show_default=True,
              type=click.Path(dir_okay=False),
              help="File to write ('-' for standard output).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(paths: tuple[str, ...], output: str, force: bool) -> None:
    """Write a starter lyncpolicy.yaml whose deployment section holds what was inferred.

    \b
    Examples:
      lyncpolicy init examples/clean/
      lyncpolicy init backup.ucs -o - | less
    """
    pairs = _load(paths, None, None)
    found = [device.name for device, topology in pairs if topology.found]
    if len(found) > 1:
        raise click.UsageError(
            f"init writes one deployment section, and {len(found)} devices have an Edge "
            f"deployment ({', '.join(found)}): run init once per device or site, and scan "
            "each with its own configuration file"
        )
    text = render_init(pairs)
    if output == "-":
        click.echo(text, nl=False)
        return
    if os.path.exists(output) and not force:
        raise click.UsageError(f"{output} exists: use --force to overwrite it, or -o FILE")
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"lyncpolicy: wrote {output}: review it, then run `lyncpolicy scan`", err=True)
