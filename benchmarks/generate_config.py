"""Generate a deterministic, synthetic BIG-IP ``bigip.conf`` for parser benchmarks.

The output imitates what ``tmsh save sys config`` writes on TMOS 15/16: a ``#TMSH-VERSION``
header, then top-level objects grouped by type and sorted by full path (``/Common/...``), with
4-space indentation. It mixes the object types a real LTM carries: nodes (some in route domains,
``10.1.2.3%9``, a few IPv6), pools with 2-8 members, HTTP/HTTPS/TCP monitors, fastL4/TCP/UDP/HTTP
profiles, brace-heavy iRules (nested braces, escaped ``\\{``, braces inside quoted strings, Tcl
comments, ``when`` at column 0), LTM policies, virtual servers (SNAT automap, ``ip-forward``,
IPv6 destinations), virtual addresses, SNAT pools, data groups, route domains, VLANs, self IPs
and routes. A few objects carry multi-line quoted ``description`` strings.

Why: the parser's speed and memory budgets are stated for a ~3.7 MB / ~12,600-object config,
which is what ``--scale 1`` produces. Public sample configs are far smaller, and real customer
configs cannot be committed. The output is byte-for-byte reproducible (fixed seed, no clock),
so timings taken on different days or machines parse exactly the same text. ``--scale K``
repeats the same structure K times with distinct names, route domains and addresses, so the
object count is exactly K times the scale-1 count and the byte size grows linearly.
``--target-bytes N`` instead emits the smallest prefix of the application sequence whose
config reaches N bytes (e.g. 50000 for the "50 KB config" of the CLI start-up budget).

Usage::

    python benchmarks/generate_config.py --scale 1 --out /tmp/bigip.conf
    python benchmarks/generate_config.py --target-bytes 50000 --out /tmp/bigip_50k.conf
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = 20240611
TMSH_VERSION = "15.1.8.2"
#: Applications per scale unit; tuned so that ``--scale 1`` gives ~12,600 objects / ~3.7 MB.
APPS_PER_SCALE = 1353
#: Non-default route domains per scale unit.
ROUTE_DOMAINS_PER_SCALE = 8
#: Address-space strides per scale unit (must exceed what one unit allocates).
NODE_STRIDE = 16_384
VIP_STRIDE = 4_096

# Order in which ``tmsh save`` groups object types (close to what TMOS 15 writes).
TYPE_ORDER: tuple[str, ...] = (
    "ltm default-node-monitor",
    "ltm node",
    "ltm persistence global-settings",
    "ltm policy",
    "ltm pool",
    "ltm rule",
    "ltm snat",
    "ltm snat-translation",
    "ltm snatpool",
    "ltm virtual",
    "ltm virtual-address",
    "ltm data-group internal",
    "ltm monitor http",
    "ltm monitor https",
    "ltm monitor tcp",
    "ltm profile fastl4",
    "ltm profile http",
    "ltm profile tcp",
    "ltm profile udp",
    "net route",
    "net route-domain",
    "net self",
    "net vlan",
)
_TYPE_RANK = {kind: rank for rank, kind in enumerate(TYPE_ORDER)}

# ---------------------------------------------------------------------------------------------
# A tiny tmsh serializer. A property value is one of:
#   str            -> "key value"            (may contain newlines: multi-line quoted string)
#   None           -> "key"                  (a flag such as ``ip-forward`` or ``vlans-enabled``)
#   tuple[str,...] -> "key { a b }"          (inline list)
#   list[Prop]     -> "key {" ... "}"        (nested block; empty list renders "key { }")
# ---------------------------------------------------------------------------------------------
Value = str | None | tuple[str, ...] | list["Prop"]
Prop = tuple[str, Value]


def _render_props(props: Sequence[Prop], depth: int, out: list[str]) -> None:
    pad = "    " * depth
    for key, value in props:
        if value is None:
            out.append(f"{pad}{key}")
        elif isinstance(value, str):
            out.append(f"{pad}{key} {value}")
        elif isinstance(value, tuple):
            out.append(f"{pad}{key} {{ {' '.join(value)} }}")
        elif not value:
            out.append(f"{pad}{key} {{ }}")
        else:
            out.append(f"{pad}{key} {{")
            _render_props(value, depth + 1, out)
            out.append(f"{pad}}}")


@dataclass(frozen=True, slots=True)
class TmObject:
    """One top-level statement: ``kind name { ... }``."""

    kind: str
    name: str
    text: str

    @property
    def sort_key(self) -> tuple[int, str]:
        return (_TYPE_RANK[self.kind], self.name)


def make_object(kind: str, name: str, props: Sequence[Prop]) -> TmObject:
    header = f"{kind} {name}" if name else kind
    if not props:
        return TmObject(kind, name, f"{header} {{ }}\n")
    out = [f"{header} {{"]
    _render_props(props, 1, out)
    out.append("}")
    return TmObject(kind, name, "\n".join(out) + "\n")


def make_rule(name: str, body: str) -> TmObject:
    """An iRule is stored verbatim between ``ltm rule NAME {`` and the final ``}``."""
    return TmObject("ltm rule", name, f"ltm rule {name} {{\n{body.rstrip(chr(10))}\n}}\n")


# ---------------------------------------------------------------------------------------------
# Addressing: every scale unit ("rep") gets its own route domains, VLAN tags, node and VIP
# address blocks, so repeated units never collide.
# ---------------------------------------------------------------------------------------------
def rd_suffix(rd: int) -> str:
    return f"%{rd}" if rd else ""


def node_ipv4(rep: int, index: int) -> str:
    g = rep * NODE_STRIDE + index
    host = g % 250 + 1
    rest = g // 250
    return f"10.{rest // 256 % 256}.{rest % 256}.{host}"


_VIP_RANGES: tuple[tuple[ipaddress.IPv4Address, int], ...] = (
    (ipaddress.IPv4Address("203.0.113.10"), 240),  # TEST-NET-3, as in the docs examples
    (ipaddress.IPv4Address("198.18.0.1"), 131_000),  # RFC 2544 benchmarking range
    (ipaddress.IPv4Address("100.64.0.1"), 4_000_000),  # shared address space
)


def vip_ipv4(rep: int, index: int) -> str:
    g = rep * VIP_STRIDE + index
    for base, size in _VIP_RANGES:
        if g < size:
            return str(base + g)
        g -= size
    raise ValueError("scale too large for the VIP address plan")


def vip_ipv6(rep: int, index: int) -> str:
    return f"2001:db8:{rep:x}::{index + 0x10:x}"


def node_ipv6(rep: int, index: int) -> str:
    return f"2001:db8:{rep:x}:5::{index + 0x10:x}"


def port_sep(addr: str) -> str:
    """tmsh writes ``addr:port`` for IPv4 and ``addr.port`` for IPv6."""
    return "." if ":" in addr else ":"


def timestamp(rng: random.Random) -> str:
    return (
        f"20{rng.randrange(19, 24)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}:"
        f"{rng.randrange(0, 24):02d}:{rng.randrange(0, 60):02d}:{rng.randrange(0, 60):02d}"
    )


# ---------------------------------------------------------------------------------------------
# iRule templates. Tokens @LIKE_THIS@ are substituted; everything else is literal Tcl. All of
# them keep braces balanced both for Tcl (which counts braces inside quotes and comments, but
# not backslash-escaped ones) and for quote-aware scanners.
# ---------------------------------------------------------------------------------------------
_RULE_ROUTING = """\
    when HTTP_REQUEST {
        # route by URI prefix first, then by Host header
        if { [HTTP::uri] starts_with "/@PATH@" } {
            switch -glob [string tolower [HTTP::host]] {
@CASES@
                default { HTTP::respond 200 content {<html><body>{}</body></html>} }
            }
        } elseif { [HTTP::uri] eq "/healthz" } {
            HTTP::respond 200 content "ok" "Content-Type" "text/plain" "Connection" "close"
        } else {
            pool @POOL@
        }
    }
"""
_RULE_ROUTING_CASE = '                "@HOST@*" { pool @POOL@ }'

_RULE_ERRORS = """\
when LB_FAILED {
    # backend unavailable: answer with a JSON error body instead of a reset
    set body "{\\"status\\": \\"unavailable\\", \\"app\\": \\"@APP@\\", \\"retry\\": 30}"
    HTTP::respond 503 content $body "Content-Type" "application/json" "Retry-After" "30"
    log local0.warn "LB_FAILED for \\{[IP::client_addr]\\} on @APP@ (pool [LB::server pool])"
}
when HTTP_RESPONSE {
    if { [HTTP::status] >= 500 } {
        HTTP::header insert "X-Error-Ctx" "\\{app=@APP@\\}"
        HTTP::header remove "Server"
    }
    if { [HTTP::header exists "Set-Cookie"] } {
        foreach cookie [HTTP::cookie names] {
            HTTP::cookie secure $cookie enable
            HTTP::cookie httponly $cookie enable
        }
    }
}
"""

_RULE_CLASSIFY = """\
proc sanitize_path { uri } {
    # collapse duplicate slashes and dot segments
    return [string map [list "//" "/" "/./" "/"] $uri]
}
when CLIENT_ACCEPTED {
    if { [class match [IP::client_addr] equals @DG@] } {
        set why [class match -value [IP::client_addr] equals @DG@]
        log local0. "blocked [IP::client_addr] on @APP@: $why"
        reject
        return
    }
}
when HTTP_REQUEST {
    set path [call sanitize_path [string tolower [HTTP::path]]]
    foreach {prefix target} [list "/static" @POOL@ "/api" @POOL@ "/@PATH@" @POOL@] {
        if { $path starts_with $prefix } {
            pool $target
            return
        }
    }
    regsub -all {[\\{\\}<>]} [HTTP::query] "" clean_query
    if { [string length $clean_query] > 2048 } {
        set page {<html><head><title>414</title></head>}
        append page {<body>{"error": "uri too long"}</body></html>}
        HTTP::respond 414 content $page "Connection" "close"
    }
}
"""

_RULE_RATELIMIT = """\
when HTTP_REQUEST priority 200 {
    set key "[IP::client_addr]:[HTTP::host]"
    if { [table incr -subtable "rl_@APP@" $key] > @LIMIT@ } {
        HTTP::respond 429 content "Too Many Requests" "Retry-After" "10"
        return
    }
    table timeout -subtable "rl_@APP@" $key 10
    switch -regexp -- [HTTP::path] {
@CASES@
        default {
            if { [HTTP::method] ne "GET" && [HTTP::method] ne "HEAD" } {
                HTTP::respond 405 content {{"error": "method not allowed"}} "Allow" "GET, HEAD"
            }
        }
    }
}
"""
_RULE_RATELIMIT_CASE = "        {^/v@N@/@WORD@/[0-9]{1,8}$} { pool @POOL@ }"

_RULE_SIP = """\
when CLIENT_ACCEPTED {
    TCP::collect
    set sip_seen 0
}
when CLIENT_DATA {
    # SIP over TLS from Lync/Skype edge: look at the request line only
    if { [TCP::payload] starts_with "REGISTER" || [TCP::payload] starts_with "INVITE" } {
        set sip_seen 1
        persist uie [findstr [TCP::payload] "Call-ID: " 9 "\\r"] 3600
    } elseif { [TCP::payload] contains "OPTIONS sip:" } {
        TCP::respond "SIP/2.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n"
    }
    TCP::release
}
when SERVER_CONNECTED {
    if { $sip_seen } { log local0.debug "sip @APP@ -> [IP::server_addr]" }
}
"""

_RULE_REDIRECT = """\
when HTTP_REQUEST {
if { [HTTP::host] ne "" } {
    HTTP::redirect "https://[getfield [HTTP::host] ":" 1][HTTP::uri]"
} else {
    HTTP::respond 400 content {<html>{missing host}</html>}
}
}
"""

_WORDS = (
    "users", "orders", "items", "search", "carts", "invoices", "sessions", "tokens",
    "reports", "files", "images", "profiles", "teams", "projects", "events", "metrics",
)  # fmt: skip


def _sub(template: str, **values: str) -> str:
    for key, val in values.items():
        template = template.replace(f"@{key}@", val)
    return template


def irule_body(flavor: int, rng: random.Random, app: str, pool: str, dg: str) -> str:
    if flavor == 0:
        cases = "\n".join(
            _sub(_RULE_ROUTING_CASE, HOST=f"{app}-{k}.example.com", POOL=pool)
            for k in range(rng.randrange(3, 28))
        )
        return _sub(_RULE_ROUTING, CASES=cases, PATH=app, POOL=pool)
    if flavor == 1:
        return _sub(_RULE_ERRORS, APP=app)
    if flavor == 2:
        return _sub(_RULE_CLASSIFY, APP=app, DG=dg, PATH=app, POOL=pool)
    if flavor == 3:
        cases = "\n".join(
            _sub(_RULE_RATELIMIT_CASE, N=str(k % 3 + 1), WORD=_WORDS[k % len(_WORDS)], POOL=pool)
            for k in range(rng.randrange(4, 22))
        )
        return _sub(_RULE_RATELIMIT, APP=app, LIMIT=str(rng.randrange(50, 500)), CASES=cases)
    if flavor == 4:
        return _sub(_RULE_SIP, APP=app)
    return _RULE_REDIRECT


# ---------------------------------------------------------------------------------------------
# Object builders.
# ---------------------------------------------------------------------------------------------
_FLAVORS = ("web", "api", "web", "sip", "dns", "tcp", "web", "api", "avedge", "fwd")
_NAMES = (
    "shop", "crm", "erp", "portal", "auth", "sso", "mail", "wiki", "git", "cdn", "img",
    "search", "pay", "billing", "hr", "intranet", "meet", "lyncweb", "sipfe", "webconf",
)  # fmt: skip
_LB_MODES = (
    "round-robin", "least-connections-member", "least-connections-node", "ratio-member",
    "observed-member", "predictive-member", "fastest-app-response",
)  # fmt: skip
_MULTILINE_DESCRIPTIONS = (
    '"Owner: Web Platform Team\nTicket: CHG{n:07d} (migrated from {{legacy}} LB)\n'
    'Do not edit by hand - managed by automation"',
    '"Lync/Skype edge reverse proxy\nexternal web services, meet and dialin\n'
    'contact: uc-team@example.com"',
)


@dataclass(slots=True)
class RepContext:
    """Per-scale-unit state: route domains, counters for addresses."""

    rep: int
    infra_rd: int
    route_domains: tuple[int, ...]
    nodes: int = 0
    nodes6: int = 0
    vips: int = 0
    vips6: int = 0
    snat_addrs: int = 0

    def vlan(self, rd: int, side: str) -> str:
        return f"/Common/{side}" if rd == 0 else f"/Common/{side}_rd{rd}"


def infra_objects(ctx: RepContext, rng: random.Random) -> Iterator[TmObject]:
    """Route domains, VLANs, self IPs, routes, forwarding virtuals and outbound SNAT."""
    rep = ctx.rep
    if rep == 0:
        # Box-wide singletons and the default route domain 0.
        builtin_vlans = ("external", "internal", "http-tunnel", "socks-tunnel")
        yield make_object("ltm default-node-monitor", "", [("rule", "none")])
        yield make_object("ltm persistence global-settings", "", [])
        yield make_object(
            "net route-domain",
            "/Common/0",
            [("id", "0"), ("vlans", [(f"/Common/{v}", None) for v in builtin_vlans])],
        )
    else:
        # Same number of objects as the singletons above, so objects scale exactly with K.
        yield make_object(
            "ltm monitor tcp",
            f"/Common/mon_tcp_shared_r{rep}",
            [("adaptive", "disabled"), ("defaults-from", "/Common/tcp"), ("interval", "10"),
             ("timeout", "31")],
        )  # fmt: skip
        yield make_object(
            "ltm profile tcp",
            f"/Common/tcp_wan_r{rep}",
            [("app-service", "none"), ("defaults-from", "/Common/tcp-wan-optimized")],
        )
    for rd in (ctx.infra_rd, *ctx.route_domains):
        sfx = rd_suffix(rd)
        ext, internal = ctx.vlan(rd, "external"), ctx.vlan(rd, "internal")
        net_idx = rd
        ext_net = f"172.{16 + net_idx // 256 % 16}.{net_idx % 256}"
        if rep == 0:
            int_net = f"192.168.{net_idx % 256}"
        else:
            int_net = f"172.{24 + net_idx // 256 % 8}.{net_idx % 256}"
        if rd:
            yield make_object(
                "net route-domain",
                f"/Common/rd{rd}",
                [
                    ("id", str(rd)),
                    ("strict", "enabled"),
                    ("vlans", [(ext, None), (internal, None)]),
                ],
            )
        sides = (("external", ext, ext_net, 1000), ("internal", internal, int_net, 2000))
        for side, vlan, net, tag_base in sides:
            iface = "1.1" if side == "external" else "1.2"
            yield make_object(
                "net vlan",
                vlan,
                [("interfaces", [(iface, [("tagged", None)])]), ("tag", str(tag_base + rd % 1000))],
            )
            yield make_object(
                "net self",
                f"/Common/self_{side}{'_rd' + str(rd) if rd else ''}",
                [
                    ("address", f"{net}.5{sfx}/24"),
                    ("allow-service", "none" if side == "external" else "default"),
                    ("traffic-group", "/Common/traffic-group-local-only"),
                    ("vlan", vlan),
                ],
            )
            if side == "internal":
                yield make_object(
                    "net self",
                    f"/Common/float_{side}{'_rd' + str(rd) if rd else ''}",
                    [
                        ("address", f"{net}.4{sfx}/24"),
                        ("allow-service", "none"),
                        ("floating", "enabled"),
                        ("traffic-group", "/Common/traffic-group-1"),
                        ("unit", "1"),
                        ("vlan", vlan),
                    ],
                )
        yield make_object(
            "net route",
            f"/Common/default{'_rd' + str(rd) if rd else ''}",
            [("gw", f"{ext_net}.1{sfx}"), ("network", f"default{sfx}")],
        )
        yield make_object(
            "net route",
            f"/Common/backend{'_rd' + str(rd) if rd else ''}",
            [("gw", f"{int_net}.1{sfx}"), ("network", f"10.{net_idx % 256}.0.0{sfx}/16")],
        )
        # Outbound forwarding virtual + SNAT for servers in this route domain.
        yield make_object(
            "ltm virtual",
            f"/Common/vs_outbound_fwd{'_rd' + str(rd) if rd else ''}",
            [
                ("creation-time", timestamp(rng)),
                ("destination", f"/Common/0.0.0.0{sfx}:0"),
                ("ip-forward", None),
                ("last-modified-time", timestamp(rng)),
                ("mask", "any"),
                ("profiles", [("/Common/fastL4", [])]),
                ("serverssl-use-sni", "disabled"),
                ("source", f"0.0.0.0{sfx}/0"),
                ("translate-address", "disabled"),
                ("translate-port", "disabled"),
                ("vlans", [(internal, None)]),
                ("vlans-enabled", None),
            ],
        )
        yield make_object(
            "ltm virtual-address",
            f"/Common/0.0.0.0{sfx}",
            [
                ("address", f"any{sfx}"),
                ("arp", "disabled"),
                ("icmp-echo", "disabled"),
                ("mask", "any"),
                ("traffic-group", "/Common/traffic-group-1"),
            ],
        )
        snat_members: list[Prop] = []
        for k in range(2):
            addr = f"{ext_net}.{100 + k}{sfx}"
            snat_members.append((f"/Common/{addr}", None))
            yield make_object(
                "ltm snat-translation",
                f"/Common/{addr}",
                [
                    ("address", addr),
                    ("inherited-traffic-group", "true"),
                    ("traffic-group", "/Common/traffic-group-1"),
                ],
            )
        snp = f"/Common/snp_outbound{'_rd' + str(rd) if rd else ''}"
        yield make_object("ltm snatpool", snp, [("members", snat_members)])
        yield make_object(
            "ltm snat",
            f"/Common/snat_outbound{'_rd' + str(rd) if rd else ''}",
            [
                ("origins", [(f"10.{net_idx % 256}.0.0{sfx}/16", [])]),
                ("snatpool", snp),
                ("vlans", [(internal, None)]),
                ("vlans-enabled", None),
            ],
        )


def app_objects(ctx: RepContext, index: int, rng: random.Random) -> Iterator[TmObject]:
    """All objects of one application: nodes, monitor, profiles, pool, iRule, policy, VIP."""
    rep = ctx.rep
    gid = rep * APPS_PER_SCALE + index
    flavor = _FLAVORS[index % len(_FLAVORS)]
    app = f"{_NAMES[index % len(_NAMES)]}-{gid:05d}"
    rd = 0 if index % 5 in (0, 3) else ctx.route_domains[index % len(ctx.route_domains)]
    sfx = rd_suffix(rd)
    ipv6 = index % 23 == 7
    port = {"web": 443, "api": 8443, "sip": 5061, "dns": 53, "tcp": 389, "avedge": 3478,
            "fwd": 0}[flavor]  # fmt: skip
    pool_port = {"web": 80, "api": 8080, "sip": 5061, "dns": 53, "tcp": 389, "avedge": 3478,
                 "fwd": 0}[flavor]  # fmt: skip

    if flavor == "fwd":
        # Network forwarding virtual for a server subnet: no pool, no nodes.
        net = f"10.{(gid // 200) % 256}.{200 + gid % 50}.0"
        yield make_object(
            "ltm virtual",
            f"/Common/vs_{app}_fwd",
            [
                ("destination", f"/Common/{net}{sfx}:0"),
                ("ip-forward", None),
                ("mask", "255.255.255.0"),
                ("profiles", [("/Common/fastL4", [])]),
                ("source", f"0.0.0.0{sfx}/0"),
                ("translate-address", "disabled"),
                ("translate-port", "disabled"),
                ("vlans", [(ctx.vlan(rd, "external"), None)]),
                ("vlans-enabled", None),
            ],
        )
        yield make_object(
            "ltm virtual-address",
            f"/Common/{net}{sfx}",
            [("address", f"{net}{sfx}"), ("arp", "disabled"), ("mask", "255.255.255.0"),
             ("traffic-group", "/Common/traffic-group-1")],
        )  # fmt: skip
        return

    # --- nodes ---------------------------------------------------------------------------
    members: list[Prop] = []
    for m in range(rng.randrange(2, 9)):
        if ipv6:
            addr = node_ipv6(rep, ctx.nodes6)
            ctx.nodes6 += 1
            node_name = f"/Common/{addr}"
        else:
            addr = node_ipv4(rep, ctx.nodes) + sfx
            ctx.nodes += 1
            named = rng.random() < 0.3
            node_name = f"/Common/{app}-srv{m + 1:02d}" if named else f"/Common/{addr}"
        node_props: list[Prop] = [("address", addr)]
        if rng.random() < 0.15:
            node_props.append(("description", f'"{app} backend {m + 1}"'))
        if rng.random() < 0.1:
            node_props.append(("monitor", "/Common/icmp"))
        if rng.random() < 0.05:
            node_props.append(("session", "user-disabled"))
        yield make_object("ltm node", node_name, node_props)
        member_props: list[Prop] = [("address", addr)]
        if rng.random() < 0.2:
            member_props.append(("priority-group", str(rng.choice((0, 10, 20)))))
        if rng.random() < 0.1:
            member_props += [("session", "monitor-enabled"), ("state", "down")]
        members.append((f"{node_name}{port_sep(node_name)}{pool_port}", member_props))

    # --- monitor -------------------------------------------------------------------------
    monitor = {"web": "/Common/http", "api": "/Common/https", "sip": "/Common/tcp",
               "dns": "/Common/gateway_icmp", "tcp": "/Common/tcp",
               "avedge": "/Common/gateway_icmp"}[flavor]  # fmt: skip
    if flavor in ("web", "api") and index % 3 != 2:
        kind = "http" if flavor == "web" else "https"
        monitor = f"/Common/mon_{kind}_{app}"
        yield make_object(
            f"ltm monitor {kind}",
            monitor,
            [
                ("adaptive", "disabled"),
                ("defaults-from", f"/Common/{kind}"),
                ("interval", str(rng.choice((5, 10, 15)))),
                ("ip-dscp", "0"),
                ("recv", '"HTTP/1\\.[01] 200"'),
                ("recv-disable", "none"),
                ("send", f'"GET /health HTTP/1.1\\r\\nHost: {app}.example.com\\r\\n'
                         f'Connection: close\\r\\n\\r\\n"'),
                ("time-until-up", "0"),
                ("timeout", str(rng.choice((16, 31, 46)))),
            ],
        )  # fmt: skip
    elif flavor in ("sip", "tcp") and index % 2 == 0:
        monitor = f"/Common/mon_tcp_{app}"
        yield make_object(
            "ltm monitor tcp",
            monitor,
            [("adaptive", "disabled"), ("defaults-from", "/Common/tcp"), ("interval", "5"),
             ("ip-dscp", "0"), ("recv", "none"), ("recv-disable", "none"), ("send", "none"),
             ("time-until-up", "0"), ("timeout", "16")],
        )  # fmt: skip

    # --- profiles ------------------------------------------------------------------------
    transport = "/Common/tcp"
    if flavor in ("dns", "avedge"):
        transport = "/Common/udp"
        if index % 2 == 0:
            transport = f"/Common/udp_{app}"
            yield make_object(
                "ltm profile udp",
                transport,
                [("app-service", "none"), ("datagram-load-balancing", "enabled"),
                 ("defaults-from", "/Common/udp"), ("idle-timeout", "60")],
            )  # fmt: skip
    elif flavor in ("sip", "tcp"):
        transport = "/Common/fastL4"
        if index % 3 == 0:
            transport = f"/Common/fastl4_{app}"
            yield make_object(
                "ltm profile fastl4",
                transport,
                [("app-service", "none"), ("defaults-from", "/Common/fastL4"),
                 ("idle-timeout", "3600"), ("loose-close", "enabled"),
                 ("reset-on-timeout", "disabled")],
            )  # fmt: skip
    elif index % 4 == 1:
        transport = f"/Common/tcp_{app}"
        yield make_object(
            "ltm profile tcp",
            transport,
            [("app-service", "none"), ("defaults-from", "/Common/tcp"),
             ("idle-timeout", "1800"), ("nagle", "disabled")],
        )  # fmt: skip
    http_profile = "/Common/http"
    if flavor in ("web", "api") and index % 8 == 0:
        http_profile = f"/Common/http_{app}"
        yield make_object(
            "ltm profile http",
            http_profile,
            [("app-service", "none"), ("defaults-from", "/Common/http"),
             ("insert-xforwarded-for", "enabled"), ("proxy-type", "reverse")],
        )  # fmt: skip

    # --- pool ----------------------------------------------------------------------------
    pool = f"/Common/pool_{app}"
    pool_props: list[Prop] = [("load-balancing-mode", rng.choice(_LB_MODES)), ("members", members)]
    if index % 11 == 4:
        pool_props.append(("min-active-members", "1"))
        second = "/Common/tcp_half_open" if "icmp" in monitor else "/Common/gateway_icmp"
        pool_props.append(("monitor", f"min 1 of {{ {monitor} {second} }}"))
    elif index % 3 == 0:
        pool_props.append(("monitor", f"{monitor} and /Common/gateway_icmp"))
    else:
        pool_props.append(("monitor", monitor))
    if index % 97 == 13:
        pool_props.insert(0, ("description", _MULTILINE_DESCRIPTIONS[1]))
    if flavor != "dns":
        pool_props.append(("service-down-action", "reset"))
    yield make_object("ltm pool", pool, pool_props)

    # --- iRule, data group, policy ---------------------------------------------------------
    rules: list[Prop] = []
    http_app = flavor in ("web", "api")
    rule_flavor = -1
    if http_app and index % 3 != 1:
        rule_flavor = (0, 1, 2, 3, 0, 5)[(index // 3) % 6]
    elif flavor == "sip" and index % 2 == 1:
        rule_flavor = 4
    if rule_flavor >= 0:
        dg = f"/Common/dg_blocked_{app}"
        rule = f"/Common/rule_{app}"
        yield make_rule(rule, irule_body(rule_flavor, rng, app, pool, dg))
        rules.append((rule, None))
        if rule_flavor == 2:
            yield make_object(
                "ltm data-group internal",
                dg,
                [
                    ("records", [
                        ("192.0.2.0/24", []),
                        (f"198.51.100.{gid % 250 + 1}/32", [("data", '"scanner"')]),
                        ("203.0.113.0/25", [("data", '"pentest window"')]),
                    ]),
                    ("type", "ip"),
                ],
            )  # fmt: skip
    policies: list[Prop] = []
    if http_app and index % 10 in (1, 6):
        pol = f"/Common/pol_{app}"
        policies.append((pol, []))
        n_paths = rng.randrange(1, 5)
        paths = tuple(f"/{_WORDS[(index + k) % len(_WORDS)]}" for k in range(n_paths))
        yield make_object(
            "ltm policy",
            pol,
            [
                ("controls", ("forwarding",)),
                ("last-modified", timestamp(rng)),
                ("requires", ("http",)),
                ("rules", [
                    ("route_paths", [
                        ("actions", [("0", [("forward", None), ("select", None),
                                            ("pool", pool)])]),
                        ("conditions", [
                            ("0", [("http-uri", None), ("path", None), ("starts-with", None),
                                   ("values", paths)]),
                            ("1", [("http-host", None), ("host", None),
                                   ("values", (f"{app}.example.com",))]),
                        ]),
                    ]),
                    ("deny_admin", [
                        ("actions", [("0", [("http-reply", None), ("redirect", None),
                                            ("location", '"tcl:https://[HTTP::host]/denied"')])]),
                        ("conditions", [("0", [("http-uri", None), ("path", None),
                                               ("starts-with", None),
                                               ("values", ("/admin", "/manager"))])]),
                        ("ordinal", "1"),
                    ]),
                ]),
                ("status", "published"),
                ("strategy", "/Common/first-match"),
            ],
        )  # fmt: skip

    # --- virtual address + virtual server(s) ----------------------------------------------
    if ipv6:
        vip = vip_ipv6(rep, ctx.vips6)
        ctx.vips6 += 1
        mask = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        source = f"::{sfx}/0"
    else:
        vip = vip_ipv4(rep, ctx.vips) + sfx
        ctx.vips += 1
        mask = "255.255.255.255"
        source = f"0.0.0.0{sfx}/0"
    yield make_object(
        "ltm virtual-address",
        f"/Common/{vip}",
        [("address", vip), ("arp", "enabled"), ("icmp-echo", "enabled"), ("mask", mask),
         ("traffic-group", "/Common/traffic-group-1")],
    )  # fmt: skip

    profiles: list[Prop] = [(transport, [])]
    if http_app:
        profiles.append(("/Common/clientssl", [("context", "clientside")]))
        profiles.append((http_profile, []))
        if flavor == "api":
            profiles.append(("/Common/serverssl", [("context", "serverside")]))
    profiles.sort(key=lambda p: p[0])
    vs_props: list[Prop] = [("creation-time", timestamp(rng))]
    if index % 89 == 5:
        vs_props.append(("description", _MULTILINE_DESCRIPTIONS[0].format(n=gid)))
    elif index % 7 == 0:
        vs_props.append(("description", f'"{app} production VIP"'))
    vs_props += [
        ("destination", f"/Common/{vip}{port_sep(vip)}{port}"),
        ("ip-protocol", "udp" if flavor in ("dns", "avedge") else "tcp"),
        ("last-modified-time", timestamp(rng)),
        ("mask", mask),
    ]
    if http_app and index % 2 == 0:
        vs_props.append(("persist", [("/Common/cookie", [("default", "yes")])]))
    elif flavor in ("sip", "tcp"):
        vs_props.append(("persist", [("/Common/source_addr", [("default", "yes")])]))
    if policies:
        vs_props.append(("policies", policies))
    vs_props += [("pool", pool), ("profiles", profiles)]
    if rules:
        vs_props.append(("rules", rules))
    vs_props += [("serverssl-use-sni", "disabled"), ("source", source)]
    if index % 3 != 0:
        vs_props.append(("source-address-translation", [("type", "automap")]))
    elif index % 9 == 3:
        vs_props.append(
            (
                "source-address-translation",
                [
                    ("pool", f"/Common/snp_outbound{'_rd' + str(rd) if rd else ''}"),
                    ("type", "snat"),
                ],
            )
        )
    vs_props += [("translate-address", "enabled"), ("translate-port", "enabled")]
    vs_props += [("vlans", [(ctx.vlan(rd, "external"), None)]), ("vlans-enabled", None)]
    vs_props.append(("vs-index", str(gid + 2)))
    yield make_object("ltm virtual", f"/Common/vs_{app}", vs_props)

    if flavor == "web":
        # Port-80 companion virtual that only redirects to HTTPS.
        yield make_object(
            "ltm virtual",
            f"/Common/vs_{app}_http",
            [
                ("destination", f"/Common/{vip}{port_sep(vip)}80"),
                ("ip-protocol", "tcp"),
                ("mask", mask),
                ("profiles", [("/Common/http", []), ("/Common/tcp", [])]),
                ("rules", [("/Common/_sys_https_redirect", None)]),
                ("source", source),
                ("translate-address", "enabled"),
                ("translate-port", "enabled"),
                ("vlans", [(ctx.vlan(rd, "external"), None)]),
                ("vlans-enabled", None),
            ],
        )


def rep_units(rep: int) -> Iterator[list[TmObject]]:
    """Yield the objects of one scale unit in generation order: infrastructure, then one list
    per application. Every unit starts from the same seed, so all units share one structure."""
    rng = random.Random(SEED)
    infra_rd = rep * (ROUTE_DOMAINS_PER_SCALE + 1)  # 0 (the default route domain) for rep 0
    app_rds = tuple(range(infra_rd + 1, infra_rd + 1 + ROUTE_DOMAINS_PER_SCALE))
    ctx = RepContext(rep, infra_rd, app_rds)
    yield list(infra_objects(ctx, rng))
    for index in range(APPS_PER_SCALE):
        yield list(app_objects(ctx, index, rng))


def select_objects(scale: int | None, target_bytes: int | None) -> list[TmObject]:
    """Objects for ``--scale`` (all units of ``scale`` reps) or ``--target-bytes`` (shortest
    prefix of the unit sequence whose rendered size reaches the target)."""
    objects: list[TmObject] = []
    if target_bytes is None:
        for rep in range(scale or 1):
            for unit in rep_units(rep):
                objects.extend(unit)
        return objects
    size = len(_HEADER)
    rep = 0
    while True:
        for unit in rep_units(rep):
            objects.extend(unit)
            size += sum(len(obj.text) for obj in unit)
            if size >= target_bytes:
                return objects
        rep += 1


_HEADER = f"#TMSH-VERSION: {TMSH_VERSION}\n\n"


def render(objects: list[TmObject]) -> str:
    ordered = sorted(objects, key=lambda obj: obj.sort_key)
    return _HEADER + "".join(obj.text for obj in ordered)


def check_braces(text: str) -> None:
    """Raise ``ValueError`` unless every top-level statement is brace-balanced, both for a
    quote-aware scanner (tmsh view) and a Tcl-like one (quotes ignored, ``\\{`` escaped)."""
    for mode in ("quote-aware", "tcl"):
        depth = 0
        quoted = False
        escaped = False
        line = 1
        for ch in text:
            if escaped:
                escaped = False
                continue
            if ch == "\\":
                escaped = True
            elif ch == "\n":
                line += 1
            elif ch == '"' and mode == "quote-aware" and depth > 0:
                quoted = not quoted
            elif quoted:
                continue
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth < 0:
                    raise ValueError(f"{mode}: unbalanced '}}' at line {line}")
        if depth or quoted:
            raise ValueError(f"{mode}: {depth} unclosed '{{' (quoted={quoted}) at end of text")


def generate(scale: int | None = 1, target_bytes: int | None = None) -> tuple[str, Counter[str]]:
    """Return the config text and a per-type object count."""
    objects = select_objects(scale, target_bytes)
    names = Counter((obj.kind, obj.name) for obj in objects)
    duplicates = [key for key, n in names.items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate object names, e.g. {duplicates[:3]}")
    return render(objects), Counter(obj.kind for obj in objects)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", type=int, default=None, help="repeat the scale-1 config K times")
    size.add_argument("--target-bytes", type=int, default=None,
                      help="emit the smallest config of at least N bytes")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="output file")
    parser.add_argument("--by-type", action="store_true", help="print counts per object type")
    args = parser.parse_args(argv)
    if args.scale is not None and args.scale < 1:
        parser.error("--scale must be >= 1")
    text, counts = generate(args.scale or 1, args.target_bytes)
    check_braces(text)
    data = text.encode("ascii")
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data):,} bytes, {sum(counts.values()):,} top-level objects, "
          "braces balanced", file=sys.stderr)  # fmt: skip
    if args.by_type:
        for kind in TYPE_ORDER:
            if counts[kind]:
                print(f"  {kind:34} {counts[kind]:7,}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
