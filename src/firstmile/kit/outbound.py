"""Calls to other systems over HTTP (an SMS gateway, the operator's webhooks, the network's
TMF641 API) share one client per process: its connections are kept alive and reused, so a
worker posting message after message pays for the TCP connection and the TLS handshake
once per connection instead of once per message. An httpx client may be shared between
threads (several hand-offs at once use it together). Web push goes through pywebpush,
which takes a `requests` session: one per thread (`requests_session`), for the same reason."""

from __future__ import annotations

import threading

import httpx
import requests


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


class _Sessions(threading.local):
    def __init__(self) -> None:
        self.session: requests.Session | None = None


_sessions = _Sessions()


def requests_session() -> requests.Session:
    """This thread's kept-alive `requests` session (a session is not shared between threads)."""
    if _sessions.session is None:
        _sessions.session = requests.Session()
    return _sessions.session
