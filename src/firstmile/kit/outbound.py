"""Calls to other systems over HTTP (an SMS gateway, the operator's webhooks, the network's
TMF641 API) share one client per process: its connections are kept alive and reused, so a
worker posting message after message pays for the TCP connection and the TLS handshake
once per connection instead of once per message. An httpx client may be shared between
threads (several hand-offs at once use it together). Web push goes through pywebpush,
which takes a `requests` session: one per thread (`requests_session`), for the same reason.

The operator configures the first kind of URL; an API caller names the second (a browser's
push endpoint). Such a URL could point the worker at the operator's own network (a
loopback port, a private host, a cloud metadata address), so it is checked with
`check_url` when it is given, and the session that calls it connects only to public
addresses, checked when each connection is made, and never follows a redirect.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class _Client:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None or self._client.is_closed:
                self._client = httpx.Client()
            return self._client


_shared = _Client()


def client() -> httpx.Client:
    """The process's HTTP client (timeouts are given per request)."""
    return _shared.get()


class Refused(Exception):
    """This installation will not call the URL. `reason` names no address the host resolved
    to, so it may be shown to whoever gave the URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unresolved(Refused):
    """The URL's host does not resolve (now; it may later)."""


def not_public(address: Address) -> str | None:
    """Why no public internet host has `address` (its kind, e.g. "loopback"); None when one
    may. An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo) is judged
    by that one too."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour
        if address in NAT64:
            carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        for inner in (carried, *(address.teredo or ())):
            if inner is not None and (why := not_public(inner)) is not None:
                return why
    kinds = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "not globally routable"),
    )
    return next((kind for refused, kind in kinds if refused), None)


def _addresses(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (socket.gaierror when none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = [
        ipaddress.ip_address(info[4][0])
        for info in infos
        if info[0] in (socket.AF_INET, socket.AF_INET6)
    ]
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "no IP address")
    return list(dict.fromkeys(found))


def resolve(host: str, port: int, *, allow_private: bool = False) -> list[Address]:
    """The addresses `host` resolves to, refused unless every one is public (a name that
    resolves to one public and one private address is refused: either may be used).
    `allow_private`: loopback and private addresses too (tests, local peers)."""
    try:
        addresses = _addresses(host, port)
    except (OSError, UnicodeError, ValueError):
        raise Unresolved("its host does not resolve") from None
    if not allow_private:
        _refuse_private(host, addresses)
    return addresses


def _refuse_private(host: str, addresses: list[Address]) -> None:
    for address in addresses:
        kind = not_public(address)
        if kind is not None:
            verb = "is" if _literal(host) is not None else "resolves to"
            raise Refused(f"its host {verb} a {kind} address")


def check_url(url: str, *, allow_private: bool = False) -> list[Address]:
    """The addresses of `url`'s host, if this installation may call it: see `resolve`.
    Call it where the URL is given and again right before each call (what a name resolves
    to can change); the scheme is the caller's to check."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range, an unclosed "[" of an IPv6 address
        raise Refused("it is not a well-formed URL") from None
    if not parts.hostname:
        raise Refused("it names no host")
    return resolve(parts.hostname, port, allow_private=allow_private)


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether `host` is one of `patterns`: a host name (or IP address), or `*.` and a
    domain for any name under it (not the domain itself). No patterns: every host is."""
    name = host.strip("[]").rstrip(".").lower()
    listed = [p.strip().strip("[]").rstrip(".").lower() for p in patterns if p.strip()]
    if not listed:
        return True
    return any(
        name.endswith(p[1:]) and len(name) > len(p) - 1 if p.startswith("*.") else name == p
        for p in listed
    )


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _pinned_socket(conn: HTTPConnection, allow_private: bool) -> socket.socket:
    """A socket to the connection's host, resolved once, here, and connected to an address
    that was checked: a name that answered one address for the check and another for the
    connection (DNS rebinding) cannot get past it. Errors are urllib3's own, so that
    requests reports them as it does any connection error; a refusal is `Refused`."""
    try:
        # urllib3 resolves `_dns_host` (the host as given, a trailing dot kept) itself.
        addresses = _addresses(conn._dns_host, conn.port)
    except (OSError, UnicodeError, ValueError) as exc:
        reason = exc if isinstance(exc, socket.gaierror) else socket.gaierror(str(exc))
        raise NameResolutionError(conn.host, conn, reason) from exc
    if not allow_private:
        _refuse_private(conn.host, addresses)
    error: OSError | None = None
    for address in addresses:
        try:
            return create_connection(
                (str(address), conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except OSError as exc:
            error = exc
    if isinstance(error, TimeoutError):
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


@functools.cache
def _pools(allow_private: bool) -> dict[str, type[HTTPConnectionPool]]:
    class Plain(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _pinned_socket(self, allow_private)

    class Tls(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _pinned_socket(self, allow_private)

    class PlainPool(HTTPConnectionPool):
        ConnectionCls = Plain

    class TlsPool(HTTPSConnectionPool):
        ConnectionCls = Tls

    return {"http": PlainPool, "https": TlsPool}


class _PublicOnly(HTTPAdapter):
    """Connects only to checked addresses (through a proxy, the proxy resolves the name;
    `check_url` before the call is then the only check)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private  # before super().__init__ makes the pool manager
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self.allow_private)


class _NoRedirects(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None  # a 30x is the answer: a redirect could lead anywhere, checks or not


class _Sessions(threading.local):
    def __init__(self) -> None:
        self.sessions: dict[bool, requests.Session] = {}


_sessions = _Sessions()


def requests_session(*, allow_private: bool = False) -> requests.Session:
    """This thread's kept-alive `requests` session (a session is not shared between threads)
    for URLs an API caller named: it connects only to public addresses (`allow_private`:
    also to loopback and private ones, for tests) and never follows a redirect."""
    session = _sessions.sessions.get(allow_private)
    if session is None:
        session = _NoRedirects()
        adapter = _PublicOnly(allow_private)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _sessions.sessions[allow_private] = session
    return session
