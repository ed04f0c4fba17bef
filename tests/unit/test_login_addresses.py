"""Which address a login comes from, and what its tries are counted under (issue 19,
point 4): the peer, or X-Forwarded-For behind a trusted proxy only; an IPv6 address
counted with its /64."""

from __future__ import annotations

import ipaddress

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from dialer.auth.throttle import address_key
from dialer.web import client_address

PROXY = (ipaddress.ip_network("10.0.0.0/8"),)


def request(peer: str, forwarded: str | None = None) -> web.Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}

    class Transport:
        def get_extra_info(self, name: str, default: object = None) -> object:
            return (peer, 40000) if name == "peername" else default

        def is_closing(self) -> bool:
            return False

    return make_mocked_request("POST", "/api/auth/login", headers=headers, transport=Transport())


def test_the_peer_is_the_client_unless_it_is_a_trusted_proxy() -> None:
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    assert client_address(request("203.0.113.9", "198.51.100.1"), PROXY) == "203.0.113.9"
    assert client_address(request("10.0.0.2"), PROXY) == "10.0.0.2"


def test_behind_trusted_proxies_the_last_untrusted_hop_is_the_client() -> None:
    # What the client wrote itself (1.2.3.4) comes first and is never believed.
    assert client_address(request("10.0.0.2", "1.2.3.4, 198.51.100.7"), PROXY) == "198.51.100.7"
    # Two proxies of ours in a row.
    assert client_address(request("10.0.0.2", "198.51.100.7, 10.0.0.5"), PROXY) == "198.51.100.7"


def test_an_ipv6_address_is_counted_with_its_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert address_key("198.51.100.7") == "198.51.100.7"
