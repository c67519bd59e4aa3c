"""Connections a channel keeps open between messages (SMTP connections, SMPP binds).

Per destination, each is used by one thread at a time: taken, then given back once its
message is handed over. One unused for `IDLE_CHECK_SECONDS` is checked before it is used
again (NOOP, enquire_link); one unused for `IDLE_CLOSE_SECONDS` is closed and opened anew.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

IDLE_CHECK_SECONDS = 2.0
IDLE_CLOSE_SECONDS = 60.0

C = TypeVar("C")
K = TypeVar("K", bound=Hashable)


@dataclass
class Kept(Generic[C]):
    """An open connection, when it was last used, and how many messages it carried."""

    connection: C
    last_used: float = field(default_factory=time.monotonic)
    sent: int = 0


class KeptOpen(Generic[K, C]):
    def __init__(self, *, alive: Callable[[C], bool], close: Callable[[C], None]) -> None:
        """`alive`: whether an idle connection still answers; `close`: closes one politely
        (QUIT, unbind) and never raises."""
        self._alive, self._close = alive, close
        self._lock = threading.Lock()
        self._idle: dict[K, list[Kept[C]]] = {}

    def take(self, key: K) -> Kept[C] | None:
        """A usable open connection to `key`, checked if it was idle a while; None when
        there is none (the stale ones found on the way are closed)."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                kept = idle.pop() if idle else None
            if kept is None:
                return None
            unused = time.monotonic() - kept.last_used
            if unused < IDLE_CHECK_SECONDS or (
                unused < IDLE_CLOSE_SECONDS and self._alive(kept.connection)
            ):
                return kept
            self._close(kept.connection)

    def give_back(self, key: K, kept: Kept[C]) -> None:
        kept.last_used = time.monotonic()
        with self._lock:
            self._idle.setdefault(key, []).append(kept)

    def close_all(self) -> None:
        with self._lock:
            kept = [k for idle in self._idle.values() for k in idle]
            self._idle.clear()
        for k in kept:
            self._close(k.connection)
