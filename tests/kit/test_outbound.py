"""Outbound calls to URLs an API caller named: only public addresses, no redirects."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstmile.kit import outbound

NOT_PUBLIC = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
]


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.20.30.40", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address to refuse, not to bind)
        ("224.0.0.251", "multicast"),
        ("::1", "loopback"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:0a00:0001::1", "private"),  # 6to4 of 10.0.0.1
    ],
)
def test_addresses_outside_the_public_internet_are_refused(address: str, kind: str) -> None:
    assert outbound.not_public(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["8.8.8.8", "142.250.185.10", "2a00:1450:4001:80b::200e"])
def test_public_addresses_pass(address: str) -> None:
    assert outbound.not_public(ipaddress.ip_address(address)) is None


@given(st.sampled_from(NOT_PUBLIC).flatmap(lambda net: st.ip_addresses(network=net)))
def test_no_address_of_a_special_network_passes(address: outbound.Address) -> None:
    assert outbound.not_public(address) is not None
    if isinstance(address, ipaddress.IPv4Address):  # nor the same address written in IPv6
        mapped = ipaddress.IPv6Address(f"::ffff:{address}")
        nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(address))
        assert outbound.not_public(mapped) is not None
        assert outbound.not_public(nat64) is not None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/x", "its host is a loopback address"),
        ("https://localhost/x", "its host resolves to a loopback address"),
        ("https://0x7f.1/x", "its host resolves to a loopback address"),
        ("https://[::1]:8443/x", "its host is a loopback address"),
        ("https://push.invalid/x", "its host does not resolve"),
        ("https://push.example:99999/x", "it is not a well-formed URL"),
        ("https:///x", "it names no host"),
    ],
)
def test_urls_the_worker_must_not_call_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(outbound.Refused) as refused:
        outbound.check_url(url)
    assert refused.value.reason == reason


def test_loopback_is_allowed_only_when_asked() -> None:
    assert outbound.check_url("http://127.0.0.1:8080/x", allow_private=True) == [
        ipaddress.ip_address("127.0.0.1")
    ]


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("fcm.googleapis.com", True),
        ("FCM.googleapis.com.", True),
        ("updates.push.services.mozilla.com", True),
        ("push.services.mozilla.com", False),  # "*." is a name under the domain
        ("evilpush.services.mozilla.com", False),
        ("fcm.googleapis.com.attacker.example", False),
        ("wns2-par02p.notify.windows.com", True),
        ("web.push.apple.com", True),
        ("127.0.0.1", False),
    ],
)
def test_hosts_match_the_listed_push_services(host: str, allowed: bool) -> None:
    patterns = [
        "fcm.googleapis.com",
        "*.push.services.mozilla.com",
        "*.notify.windows.com",
        "web.push.apple.com",
    ]
    assert outbound.host_allowed(host, patterns) is allowed


def test_no_listed_hosts_allows_every_host() -> None:
    assert outbound.host_allowed("push.example.net", [])


@contextmanager
def http_server(status: int, location: str = "") -> Iterator[tuple[str, list[str]]]:
    """A local server answering every POST with `status`; yields its URL and the paths
    it was posted to."""
    posted: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            posted.append(self.path)
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", posted
    finally:
        server.shutdown()
        server.server_close()


def test_the_session_does_not_connect_to_a_loopback_address() -> None:
    with http_server(201) as (url, posted):
        with pytest.raises(outbound.Refused):
            outbound.requests_session().post(f"{url}/x", data=b"hi", timeout=5)
        assert posted == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_the_session_does_not_follow_redirects(status: int) -> None:
    with http_server(status, location="/internal") as (url, posted):
        session = outbound.requests_session(allow_private=True)
        answer = session.post(f"{url}/x", data=b"hi", timeout=5)
    assert answer.status_code == status
    assert posted == ["/x"]
