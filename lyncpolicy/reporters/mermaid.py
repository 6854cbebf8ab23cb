"""A Mermaid ``flowchart`` of the recognized Edge deployment (``Report.topology``).

Per device, a subgraph for the BIG-IP holding its Edge VIPs, the Edge pool, forwarding
virtuals, NATs and SNATs, the self IP the Edge servers use as gateway and the default route;
beside it a subgraph of the Edge servers. Traffic flows left to right: Internet clients to the
external VIPs (Access, Web Conferencing, A/V), internal clients to the Edge internal VIP, VIPs to
the pool, the pool to the servers; the servers' outbound traffic goes to the gateway self IP,
then to outbound forwarding virtuals, NATs or SNATs, then the default route back to the
Internet. Inbound forwarding virtuals lead from the Internet straight to the servers.

Nodes whose objects have findings are styled (``classDef``): ``fail`` red, ``undetermined``
amber and dashed, ``suppressed`` grey; the worst status wins. A device-level failure outlines
the device's subgraph. Findings match nodes by device and object path (``/Common/edge_av``; a
topology name without a partition, like ``edge01``, matches the last segment of a path).
Node ids are generated (``d0_vip1``): always safe identifiers. Labels are quoted and escaped
with Mermaid's ``#NNN;`` codes, so no name can break the diagram.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lyncpolicy.findings import Finding

STATUS_RANK: Final[Mapping[str, int]] = {"fail": 3, "undetermined": 2, "suppressed": 1}
CLASS_DEFS: Final = (
    "classDef fail fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#82071e",
    "classDef undetermined fill:#fff8c5,stroke:#9a6700,stroke-width:2px,stroke-dasharray:5 3",
    "classDef suppressed fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:2 2,color:#57606a",
)
SUBGRAPH_STYLES: Final[Mapping[str, str]] = {
    "fail": "stroke:#cf222e,stroke-width:3px",
    "undetermined": "stroke:#9a6700,stroke-width:2px,stroke-dasharray:5 3",
    "suppressed": "stroke:#8c959f,stroke-dasharray:2 2",
}
ROLE_LABELS: Final[Mapping[str, str]] = {
    "access": "Access Edge VIP",
    "webconf": "Web Conferencing Edge VIP",
    "av": "A/V Edge VIP",
    "internal": "Edge internal VIP",
    "edge_internal": "Edge internal VIP",
}
INTERNAL_ROLES: Final = frozenset({"internal", "edge_internal"})
SHAPES: Final[Mapping[str, tuple[str, str]]] = {
    "circle": ("((", "))"),
    "stadium": ("([", "])"),
    "subroutine": ("[[", "]]"),
    "box": ("[", "]"),
    "parallelogram": ("[/", "/]"),
    "hexagon": ("{{", "}}"),
    "flag": (">", "]"),
    "trapezoid": ("[/", "\\]"),
}
_ESCAPED: Final = frozenset('"#&<>`|\\')


def text(value: object) -> str:
    """Label text: Mermaid entity codes for characters that could end or change a label,
    control characters as spaces."""
    out = []
    for char in str(value):
        if char in _ESCAPED:
            out.append(f"#{ord(char)};")
        elif ord(char) < 32 or char == "\x7f":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def label(*lines: object) -> str:
    """Escaped lines joined with line breaks (empty lines dropped)."""
    return "<br/>".join(text(line) for line in lines if line not in (None, ""))


def _last(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: object) -> str:
    return "" if value is None else str(value)


@dataclass
class _Statuses:
    """The worst finding status per object of one device (full path and last segment)."""

    full: dict[str, str] = field(default_factory=dict)
    short: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, status: str) -> None:
        for table, key in ((self.full, path), (self.short, _last(path))):
            if STATUS_RANK.get(status, 0) > STATUS_RANK.get(table.get(key, ""), 0):
                table[key] = status

    def worst(self, names: Iterable[str]) -> str | None:
        best: str | None = None
        for name in names:
            found = self.full.get(name) if "/" in name else self.short.get(name)
            if found and STATUS_RANK[found] > STATUS_RANK.get(best or "", 0):
                best = found
        return best


def statuses_by_device(findings: Iterable[Finding]) -> dict[str, _Statuses]:
    table: dict[str, _Statuses] = {}
    for finding in findings:
        if finding.status in STATUS_RANK:
            table.setdefault(finding.device, _Statuses()).add(finding.object_path, finding.status)
    return table


class _Flowchart:
    def __init__(self) -> None:
        self.lines = ["flowchart LR"]
        self.edges: list[str] = []
        self.classes: dict[str, list[str]] = {}
        self.styles: list[str] = []

    def node(self, ident: str, shape: str, body: str, status: str | None,
             indent: str = "  ") -> str:
        opening, closing = SHAPES[shape]
        self.lines.append(f'{indent}{ident}{opening}"{body}"{closing}')
        if status:
            self.classes.setdefault(status, []).append(ident)
        return ident

    def edge(self, start: str, end: str, arrow: str = "-->", note: str = "") -> None:
        middle = f'{arrow}|"{text(note)}"|' if note else arrow
        self.edges.append(f"  {start} {middle} {end}")

    def finish(self) -> str:
        # Edges after every subgraph is closed: a node first named inside a subgraph block
        # would be drawn inside it.
        self.lines.extend(self.edges)
        self.lines.extend(f"  {line}" for line in CLASS_DEFS)
        for status in ("fail", "undetermined", "suppressed"):
            if self.classes.get(status):
                self.lines.append(f"  class {','.join(self.classes[status])} {status}")
        self.lines.extend(f"  {line}" for line in self.styles)
        return "\n".join(self.lines)


class _Device:
    """Adds one device of the topology to the chart."""

    def __init__(self, chart: _Flowchart, prefix: str, data: Mapping[str, Any],
                 statuses: _Statuses) -> None:
        self.chart = chart
        self.prefix = prefix
        self.data = data
        self.statuses = statuses
        self.count = 0

    def ident(self, kind: str) -> str:
        self.count += 1
        return f"{self.prefix}_{kind}{self.count}"

    def node(self, kind: str, shape: str, body: str, objects: Sequence[str],
             indent: str = "    ") -> str:
        status = self.statuses.worst(name for name in objects if name)
        return self.chart.node(self.ident(kind), shape, body, status, indent)

    def draw(self, internet: str, internal: str) -> None:
        data, chart = self.data, self.chart
        name = _str(data.get("device")) or "device"
        ha = data.get("ha")
        title = label(name, "HA pair" if ha else ("standalone" if ha is False else ""))
        chart.lines.append(f'  subgraph {self.prefix}["{title}"]')
        pools = [(_map(p), self._pool(_map(p), internet, internal))
                 for p in _list(data.get("edge_pools"))]
        gateways = [
            self.node("gw", "parallelogram", label(
                "gateway self IP " + _last(_str(g.get("name"))),
                " in ".join(_str(g.get(key)) for key in ("address", "network") if g.get(key)),
                "floating" if g.get("floating") else
                ("not floating" if g.get("floating") is False else "")),
                [_str(g.get("name"))])
            for g in map(_map, _list(data.get("gateway_self_ips")))
        ]
        routes = [
            self.node("rt", "trapezoid", label(
                "default route " + _last(_str(r.get("name"))),
                f"via {_str(r.get('gateway'))}" if r.get("gateway") else "",
                f"route domain {r.get('route_domain')}" if r.get("route_domain") else ""),
                [_str(r.get("name"))])
            for r in map(_map, _list(data.get("default_routes")))
        ]
        outbound, inbound, other = self._forwarding()
        nats = [(n, self.node("nat", "flag", label(
                    "NAT " + _last(_str(n.get("name"))),
                    f"{_str(n.get('originating'))} = {_str(n.get('translation'))}"),
                    [_str(n.get("name"))]))
                for n in map(_map, _list(data.get("nats")))]
        snats = [self.node("snat", "flag", label(
                    "SNAT " + _last(_str(s.get("name"))),
                    "from " + ", ".join(map(str, _list(s.get("origins")))),
                    f"to {_str(s.get('translation'))}"),
                    [_str(s.get("name"))])
                 for s in map(_map, _list(data.get("snats")))]
        chart.lines.append("  end")
        servers = self._servers(pools)
        self._outbound(servers, gateways, routes, outbound, nats, snats, internet)
        for ident in inbound:
            chart.edge(internet, ident)
            for server, _ in servers:
                chart.edge(ident, server, "-.->")
        for ident in other:
            for gateway in gateways:
                chart.edge(gateway, ident, "---")
        device_status = self.statuses.worst([name])
        if device_status:
            chart.styles.append(f"style {self.prefix} {SUBGRAPH_STYLES[device_status]}")

    def _pool(self, pool: Mapping[str, Any], internet: str, internal: str) -> str:
        pool_name = _str(pool.get("name"))
        pool_id = self.node("pool", "subroutine", label("pool " + _last(pool_name)),
                            [pool_name])
        for vip in map(_map, _list(pool.get("vips"))):
            role = _str(vip.get("role"))
            address = _str(vip.get("address"))
            if vip.get("route_domain"):
                address += f"%{vip.get('route_domain')}"
            virtuals = [str(v) for v in _list(vip.get("virtual_servers"))]
            names = ", ".join(_last(v) for v in virtuals[:3])
            if len(virtuals) > 3:
                names += f" +{len(virtuals) - 3} more"
            vip_id = self.node("vip", "stadium", label(
                ROLE_LABELS.get(role, role or "VIP"), address, names), virtuals)
            ports = ", ".join(str(p) for p in _list(vip.get("ports")))
            self.chart.edge(internal if role in INTERNAL_ROLES else internet, vip_id,
                            note=ports)
            self.chart.edge(vip_id, pool_id)
        return pool_id

    def _servers(self, pools: list[tuple[Mapping[str, Any], str]]
                 ) -> list[tuple[str, Mapping[str, Any]]]:
        servers: list[tuple[str, Mapping[str, Any]]] = []
        for number, (pool, pool_id) in enumerate(pools, start=1):
            title = label("Edge servers", _last(_str(pool.get("name"))))
            self.chart.lines.append(f'  subgraph {self.prefix}_servers{number}["{title}"]')
            for server in map(_map, _list(pool.get("servers"))):
                body = label(
                    _str(server.get("name")) or "Edge server",
                    *(f"{caption} {server[key]}" for key, caption in (
                        ("access", "Access"), ("webconf", "WebConf"), ("av", "A/V"),
                        ("internal", "internal"), ("nat", "NAT"),
                    ) if server.get(key)),
                )
                ident = self.node("srv", "box", body, [_str(server.get("name"))])
                servers.append((ident, server))
                self.chart.edge(pool_id, ident)
            self.chart.lines.append("  end")
        return servers

    def _forwarding(self) -> tuple[list[str], list[str], list[str]]:
        """Nodes of the forwarding virtuals: (outbound, inbound, other); ``both`` is in the
        first two lists."""
        found: dict[str, list[str]] = {"outbound": [], "inbound": [], "other": []}
        for fwd in map(_map, _list(self.data.get("forwarding_virtuals"))):
            direction = _str(fwd.get("direction"))
            if direction not in ("outbound", "inbound", "both"):
                direction = "other"
            ident = self.node("fwd", "hexagon", label(
                f"forwarding {direction} " + _last(_str(fwd.get("name"))),
                f"{_str(fwd.get('source')) or 'any'} to {_str(fwd.get('destination')) or 'any'}"),
                [_str(fwd.get("name"))])
            for key in ("outbound", "inbound") if direction == "both" else (direction,):
                found[key].append(ident)
        return found["outbound"], found["inbound"], found["other"]

    def _outbound(self, servers: list[tuple[str, Mapping[str, Any]]], gateways: list[str],
                  routes: list[str], outbound: list[str],
                  nats: list[tuple[Mapping[str, Any], str]], snats: list[str],
                  internet: str) -> None:
        chart = self.chart
        server_ids = [ident for ident, _ in servers]
        for server in server_ids:
            for gateway in gateways:
                chart.edge(server, gateway, "-.->", "default gateway")
        upstream = gateways or server_ids
        exits = routes or [internet]
        for handler in [*outbound, *snats]:
            for start in upstream:
                chart.edge(start, handler)
            for end in exits:
                chart.edge(handler, end)
        for nat, ident in nats:
            owners = [s for s, data in servers
                      if nat.get("originating") in {data.get(k) for k in
                                                    ("access", "webconf", "av", "nat")}]
            for start in owners or upstream:
                chart.edge(start, ident, "<-.->", "1:1")
            for end in exits:
                chart.edge(ident, end, "<-->")
        for route in routes:
            chart.edge(route, internet)


def flowchart(topology: Mapping[str, object], findings: Iterable[Finding]) -> str | None:
    """The Mermaid source, or None when the topology holds no device."""
    devices = [
        _map(d) for d in _list(topology.get("devices"))
        if isinstance(d, Mapping) and (d.get("found") or _list(d.get("edge_pools")))
    ]
    if not devices:
        return None
    chart = _Flowchart()
    internet = chart.node("internet", "circle", label("Internet"), None)
    uses_internal = any(
        _str(_map(vip).get("role")) in INTERNAL_ROLES
        for device in devices
        for pool in _list(device.get("edge_pools"))
        for vip in _list(_map(pool).get("vips"))
    )
    internal = "internal"
    if uses_internal:
        chart.node(internal, "circle", label("internal network"), None)
    statuses = statuses_by_device(findings)
    for number, device in enumerate(devices):
        _Device(chart, f"d{number}", device, statuses.get(_str(device.get("device")),
                                                           _Statuses())).draw(internet, internal)
    return chart.finish()
