"""Route-domain-qualified addresses, endpoints, masks and networks."""

from __future__ import annotations

import ipaddress

import pytest

from lyncpolicy.addresses import (
    Address,
    Network,
    parse_address,
    parse_endpoint,
    parse_mask,
    parse_network,
    parse_port,
    split_route_domain,
    strip_folder,
)


def v4(text: str, rd: int = 0) -> Address:
    return Address(rd, ipaddress.IPv4Address(text))


def v6(text: str, rd: int = 0) -> Address:
    return Address(rd, ipaddress.IPv6Address(text))


# -- route domains --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_rd", "expected"),
    [
        ("10.1.1.5%9", 0, v4("10.1.1.5", 9)),
        ("10.1.1.5", 0, v4("10.1.1.5")),
        ("10.1.1.5", 9, v4("10.1.1.5", 9)),  # the partition's default route domain
        ("10.1.1.5%0", 9, v4("10.1.1.5", 0)),  # an explicit %0 beats the default
        ("/Common/10.1.1.5%9", 0, v4("10.1.1.5", 9)),
        ("/Edge/app.app/203.0.113.10", 9, v4("203.0.113.10", 9)),
        ("2001:db8::10%12", 0, v6("2001:db8::10", 12)),
        ("any", 0, v4("0.0.0.0")),
        ("any6%3", 0, v6("::", 3)),
    ],
)
def test_parse_address(text: str, default_rd: int, expected: Address) -> None:
    assert parse_address(text, default_rd) == expected


def test_addresses_in_different_route_domains_differ() -> None:
    assert parse_address("203.0.113.10%9") != parse_address("203.0.113.10")
    assert str(parse_address("203.0.113.10%9")) == "203.0.113.10%9"
    assert str(parse_address("203.0.113.10")) == "203.0.113.10"
    assert str(parse_address("203.0.113.10", 9)) == "203.0.113.10%9"


@pytest.mark.parametrize("text", ["10.1.1.5%x", "10.1.1.5%", "10.1.1.5%-1", "not-an-ip", ""])
def test_bad_addresses_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_address(text)


def test_split_route_domain_and_strip_folder() -> None:
    assert split_route_domain("0.0.0.0%9") == ("0.0.0.0", 9)
    assert split_route_domain("0.0.0.0", 4) == ("0.0.0.0", 4)
    assert strip_folder("/Common/10.1.1.1:80") == "10.1.1.1:80"
    assert strip_folder("/Common/app.app/10.1.1.1:80") == "10.1.1.1:80"
    assert strip_folder("10.1.1.1:80") == "10.1.1.1:80"


# -- endpoints and ports --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_rd", "address", "port"),
    [
        ("10.1.1.5:443", 0, v4("10.1.1.5"), 443),
        ("10.1.1.5%9:443", 0, v4("10.1.1.5", 9), 443),
        ("/Common/10.30.0.100%47:80", 0, v4("10.30.0.100", 47), 80),
        ("/AS3_Tenant/10.2.32.3:443", 10, v4("10.2.32.3", 10), 443),
        ("0.0.0.0%9:any", 0, v4("0.0.0.0", 9), 0),
        ("2001:db8::10.443", 0, v6("2001:db8::10"), 443),
        ("2001:db8::10%9.443", 0, v6("2001:db8::10", 9), 443),
        ("/Common/dead:beef::1.80", 0, v6("dead:beef::1"), 80),
        ("::ffff:192.0.2.1.8443", 0, v6("::ffff:192.0.2.1"), 8443),
        ("any6.any", 0, v6("::"), 0),
        ("::.0", 0, v6("::"), 0),
    ],
)
def test_parse_endpoint(text: str, default_rd: int, address: Address, port: int) -> None:
    assert parse_endpoint(text, default_rd) == (address, port)


@pytest.mark.parametrize(
    ("text", "port"),
    [
        ("10.0.2.50:http", 80),  # jasonrahm/mcp_test_tools bigip.conf
        ("192.168.1.191:http", 80),  # ciscoconfparse sample_01.f5
        ("10.1.1.5:https", 443),
        ("10.0.3.201:webcache", 8080),  # jasonrahm/mcp_test_tools pool members
        ("10.1.1.5:ldaps", 636),
        ("10.1.1.5:sip", 5060),
        ("10.1.1.5:xmpp-server", 5269),
        ("2001:db8::10.https", 443),
    ],
)
def test_service_name_ports(text: str, port: int) -> None:
    assert parse_endpoint(text)[1] == port


def test_sip_tls_service_name_is_port_5061() -> None:
    # TMOS prints ports by their /etc/services name; Linux (and TMOS) name 5061 `sip-tls`:
    # the Lync Edge access service on TCP 5061 shows up as `destination 203.0.113.10:sip-tls`.
    assert parse_port("sip-tls") == 5061
    assert parse_endpoint("/Common/203.0.113.10:sip-tls") == (v4("203.0.113.10"), 5061)


@pytest.mark.parametrize("text", ["10.1.1.5:65536", "10.1.1.5:nosuchservice", "10.1.1.5"])
def test_bad_endpoints_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_endpoint(text)


def test_parse_port_bounds() -> None:
    assert parse_port("0") == 0
    assert parse_port("65535") == 65535
    assert parse_port("any") == 0
    with pytest.raises(ValueError):
        parse_port("65536")
    with pytest.raises(ValueError):
        parse_port("")


# -- masks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mask", "version", "prefix"),
    [
        ("any", 4, 0),
        ("any6", 6, 0),
        (None, 4, 32),
        (None, 6, 128),
        ("none", 4, 32),
        ("255.255.255.255", 4, 32),
        ("255.255.255.248", 4, 29),
        ("255.255.0.0", 4, 16),
        ("0.0.0.0", 4, 0),
        ("24", 4, 24),
        ("64", 6, 64),
    ],
)
def test_parse_mask(mask: str | None, version: int, prefix: int) -> None:
    assert parse_mask(mask, version) == prefix


@pytest.mark.parametrize(
    ("mask", "prefix"),
    [
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128),
        ("ffff:ffff:ffff:ffff::", 64),
    ],
)
def test_ipv6_masks_in_address_form(mask: str, prefix: int) -> None:
    # tmsh writes IPv6 virtual masks like IPv4 ones, in address form.
    assert parse_mask(mask, 6) == prefix


@pytest.mark.parametrize(("mask", "version"), [("255.0.255.0", 4), ("33", 4), ("129", 6)])
def test_invalid_masks_raise_value_error(mask: str, version: int) -> None:
    with pytest.raises(ValueError):
        parse_mask(mask, version)


# -- networks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "default_rd", "rd", "network"),
    [
        ("0.0.0.0%9/0", 0, 9, "0.0.0.0/0"),
        ("default%9", 0, 9, "0.0.0.0/0"),
        ("default", 9, 9, "0.0.0.0/0"),
        ("default", 0, 0, "0.0.0.0/0"),
        ("default-inet6%4", 0, 4, "::/0"),
        ("203.0.113.8%9/29", 0, 9, "203.0.113.8/29"),
        ("10.30.0.11%47/16", 0, 47, "10.30.0.0/16"),  # a self IP: host bits dropped
        ("/Common/10.30.0.11%47/16", 0, 47, "10.30.0.0/16"),
        ("2001:db8::7/64", 0, 0, "2001:db8::/64"),
        ("10.1.1.1", 0, 0, "10.1.1.1/32"),
    ],
)
def test_parse_network(text: str, default_rd: int, rd: int, network: str) -> None:
    assert parse_network(text, default_rd) == Network(rd, ipaddress.ip_network(network))


def test_parse_network_with_separate_mask() -> None:
    assert parse_network("10.1.1.0", 0, "255.255.255.0") == Network(
        0, ipaddress.ip_network("10.1.1.0/24")
    )
    assert parse_network("0.0.0.0%9", 0, "any") == Network(9, ipaddress.ip_network("0.0.0.0/0"))


def test_network_text_form() -> None:
    assert str(parse_network("203.0.113.8%9/29")) == "203.0.113.8%9/29"
    assert str(parse_network("default%9")) == "0.0.0.0%9/0"
    assert str(parse_network("10.0.0.0/8")) == "10.0.0.0/8"
    assert parse_network("default%9").is_default
    assert not parse_network("10.0.0.0/8").is_default


def test_network_contains_respects_route_domains() -> None:
    net = parse_network("203.0.113.8%9/29")
    inside = [parse_address(f"203.0.113.{host}%9") for host in range(8, 16)]
    assert all(net.contains(address) for address in inside)
    assert not net.contains(parse_address("203.0.113.12"))  # route domain 0
    assert not net.contains(parse_address("203.0.113.12%10"))
    assert not net.contains(parse_address("203.0.113.16%9"))
    assert not net.contains(parse_address("203.0.113.7%9"))
    assert not net.contains(parse_address("::ffff:203.0.113.12%9"))
    default = parse_network("default%9")
    assert default.contains(parse_address("198.51.100.1%9"))
    assert not default.contains(parse_address("198.51.100.1"))


def test_network_covers_respects_route_domains() -> None:
    outer = parse_network("203.0.113.0%9/24")
    assert outer.covers(parse_network("203.0.113.8%9/29"))
    assert not outer.covers(parse_network("203.0.113.8/29"))
    assert not parse_network("203.0.113.8%9/29").covers(outer)
    assert not outer.covers(parse_network("2001:db8::/64"))


# -- private / public -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.22",
        "100.64.0.1",  # RFC 6598 shared address space
        "100.127.255.254",
        "169.254.10.10",
        "127.0.0.1",
        "fd00::1",
        "fe80::1",
        "::1",
        "10.1.1.5%9",
    ],
)
def test_private_addresses(text: str) -> None:
    assert parse_address(text).is_private


@pytest.mark.parametrize(
    "text",
    [
        "192.0.2.10",  # RFC 5737 documentation ranges count as public per the catalog
        "198.51.100.10",
        "203.0.113.10",
        "203.0.113.10%9",
        "8.8.8.8",
        "172.32.0.1",
        "172.15.255.255",
        "100.128.0.1",
        "100.63.255.255",
        "192.169.0.1",
        "2001:db8::10",
    ],
)
def test_public_addresses(text: str) -> None:
    assert not parse_address(text).is_private
