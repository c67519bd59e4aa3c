"""A resolver for tests that need host names (they have no internet): the names a test
gives resolve to the addresses it says, in turn; every other name as the system resolves
it. It replaces socket.getaddrinfo, the one function every client here resolves with."""

from __future__ import annotations

import socket
from typing import Any

import pytest

_system = socket.getaddrinfo


class Resolver:
    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []  # the names given here, once per question

    def answer(self, name: str, *addresses: str) -> None:
        """`name` resolves to each address in turn, then to the last one for good."""
        self.answers[name] = list(addresses)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.rstrip(".").lower() if isinstance(host, str) else host
        if name not in self.answers:
            return _system(host, port, *args, **kwargs)
        self.asked.append(name)
        answers = self.answers[name]
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return _system(address, port, *args, **kwargs)


def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver
