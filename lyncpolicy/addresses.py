"""BIG-IP addresses: IPs and networks qualified by a route domain (``10.1.1.5%9``).

Two addresses in different route domains never match: ``203.0.113.10%9`` is not
``203.0.113.10``. Every comparison here checks the route domain first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache, total_ordering

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# tmsh prints well-known ports by service name (`destination 10.1.1.1:https`).
SERVICE_PORTS: dict[str, int] = {
    "any": 0,
    "ftp-data": 20,
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "tftp": 69,
    "http": 80,
    "kerberos": 88,
    "pop3": 110,
    "ntp": 123,
    "epmap": 135,
    "imap": 143,
    "snmp": 161,
    "snmp-trap": 162,
    "bgp": 179,
    "ldap": 389,
    "https": 443,
    "snpp": 444,
    "microsoft-ds": 445,
    "isakmp": 500,
    "syslog": 514,
    "ldaps": 636,
    "imaps": 993,
    "pop3s": 995,
    "radius": 1812,
    "radius-acct": 1813,
    "mysql": 3306,
    "rdp": 3389,
    "sip": 5060,
    "sips": 5061,
    "sip-tls": 5061,
    "xmpp-server": 5269,
    "http-alt": 8080,
    "webcache": 8080,
}

# RFC 1918, RFC 6598 (shared address space), link-local and loopback; IPv6 ULA, link-local,
# loopback. Documentation ranges (RFC 5737) deliberately count as public: the rule catalog
# decides so, and Python's `is_private` would say otherwise.
_PRIVATE_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "127.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


@total_ordering
@dataclass(frozen=True, slots=True)
class Address:
    """An IP address in a route domain. Sorts by route domain, then IPv4 before IPv6."""

    route_domain: int
    ip: IPAddress

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Address):
            return NotImplemented
        return (self.route_domain, self.ip.version, int(self.ip)) < (
            other.route_domain, other.ip.version, int(other.ip)
        )

    def __str__(self) -> str:
        return f"{self.ip}%{self.route_domain}" if self.route_domain else str(self.ip)

    @property
    def is_private(self) -> bool:
        return any(self.ip in net for net in _PRIVATE_NETWORKS if net.version == self.ip.version)


@total_ordering
@dataclass(frozen=True, slots=True)
class Network:
    """A prefix in a route domain (``203.0.113.8%9/29``, ``default%9``)."""

    route_domain: int
    network: IPNetwork

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        mine, theirs = self.network, other.network
        return (self.route_domain, mine.version, int(mine.network_address), mine.prefixlen) < (
            other.route_domain, theirs.version, int(theirs.network_address), theirs.prefixlen
        )

    def __str__(self) -> str:
        base = str(self.network.network_address)
        if self.route_domain:
            base += f"%{self.route_domain}"
        return f"{base}/{self.network.prefixlen}"

    def contains(self, address: Address) -> bool:
        return (
            address.route_domain == self.route_domain
            and address.ip.version == self.network.version
            and address.ip in self.network
        )

    def covers(self, other: Network) -> bool:
        return (
            other.route_domain == self.route_domain
            and other.network.version == self.network.version
            and other.network.subnet_of(self.network)  # type: ignore[arg-type]
        )

    @property
    def is_default(self) -> bool:
        return self.network.prefixlen == 0


def split_route_domain(text: str, default_rd: int = 0) -> tuple[str, int]:
    """``10.1.1.5%9`` -> (``10.1.1.5``, 9); a missing ``%N`` means the partition default."""
    if "%" in text:
        host, _, rd = text.partition("%")
        if not rd.isdigit():
            raise ValueError(f"bad route domain in {text!r}")
        return host, int(rd)
    return text, default_rd


def strip_folder(text: str) -> str:
    """``/Common/10.1.1.1:80`` -> ``10.1.1.1:80`` (tmsh prefixes addresses with the folder)."""
    if text.startswith("/"):
        return text.rsplit("/", 1)[1]
    return text


def parse_address(text: str, default_rd: int = 0) -> Address:
    host, rd = split_route_domain(strip_folder(text), default_rd)
    if host == "any":
        host = "0.0.0.0"
    elif host == "any6":
        host = "::"
    return Address(rd, _ip(host))


@lru_cache(maxsize=1 << 16)
def _ip(host: str) -> IPAddress:
    """The address of ``host``: the C parser for dotted quads (4x faster than ipaddress's, which
    dominated building a large model; both refuse the same texts), ipaddress for the rest.
    Configurations repeat addresses (node, member, monitor), hence the cache."""
    import socket  # here: socket is not cheap to import and most commands never parse addresses

    try:
        return ipaddress.IPv4Address(socket.inet_pton(socket.AF_INET, host))
    except OSError:
        return ipaddress.ip_address(host)


def parse_port(text: str) -> int:
    if text.isdigit():
        port = int(text)
        if port > 65535:
            raise ValueError(f"port out of range: {text}")
        return port
    if text in SERVICE_PORTS:
        return SERVICE_PORTS[text]
    raise ValueError(f"unknown service name {text!r}")


def parse_endpoint(text: str, default_rd: int = 0) -> tuple[Address, int]:
    """A virtual or member endpoint: ``10.1.1.1%9:443``, ``2001:db8::10.443``, ``1.1.1.1:https``.

    IPv4 separates the port with ``:``; IPv6 (which contains ``:``) with ``.``.
    """
    bare = strip_folder(text)
    if bare.count(":") == 1:
        host, _, port = bare.partition(":")
    else:
        host, _, port = bare.rpartition(".")
        if not host:
            raise ValueError(f"no port in {text!r}")
    return parse_address(host, default_rd), parse_port(port)


def parse_mask(mask: str | None, version: int) -> int:
    """tmsh mask (``255.255.255.0``, ``ffff:ffff::``, ``any``, ``none``, prefix length) ->
    prefix length. Raises ValueError for anything else, including out-of-range lengths."""
    full = 32 if version == 4 else 128
    if mask is None or mask in ("none", "host"):
        return full
    if mask in ("any", "any6"):
        return 0
    if mask.isdigit():
        length = int(mask)
    else:
        bits = int(ipaddress.ip_address(mask))
        width = 32 if "." in mask else 128
        length = bin(bits).count("1")
        # A netmask is contiguous ones: the bits must equal the top `length` bits set.
        if bits != ((1 << length) - 1) << (width - length):
            raise ValueError(f"not a contiguous netmask: {mask}")
        if width != full:
            raise ValueError(f"IPv{version} address with a mask of the other family: {mask}")
    if not 0 <= length <= full:
        raise ValueError(f"mask /{length} out of range for IPv{version}")
    return length


def parse_network(text: str, default_rd: int = 0, mask: str | None = None) -> Network:
    """``0.0.0.0%9/0``, ``default%9``, ``203.0.113.0/27``, ``10.0.0.0`` with a separate mask."""
    bare = _strip_network_folder(text)
    prefix: str | None = None
    if "/" in bare:
        bare, _, prefix = bare.partition("/")
    host, rd = split_route_domain(bare, default_rd)
    if host in ("default", "any"):
        return Network(rd, ipaddress.ip_network("0.0.0.0/0"))
    if host in ("default-inet6", "any6"):
        return Network(rd, ipaddress.ip_network("::/0"))
    ip = ipaddress.ip_address(host)
    length = parse_mask(prefix if prefix is not None else mask, ip.version)
    return Network(rd, ipaddress.ip_network(f"{ip}/{length}", strict=False))


def _strip_network_folder(text: str) -> str:
    """``/Common/10.1.0.0/16`` -> ``10.1.0.0/16``; names without a folder pass unchanged."""
    if not text.startswith("/"):
        return text
    parts = text.split("/")
    for index in range(2, len(parts)):
        part = parts[index]
        if "." in part or ":" in part or part.startswith(("default", "any")):
            return "/".join(parts[index:])
    return text
