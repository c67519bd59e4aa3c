from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from firstmile.kit.settings import Settings, configure, load_settings


class SimulatorSettings:
    """Change a setting the way an operator would (a FIRSTMILE_* variable) for one test;
    the process's settings are re-read at once, as a restart would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, base: Settings) -> None:
        self.monkeypatch = monkeypatch
        self.base = base

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)
        self.monkeypatch.setenv("FIRSTMILE_DATABASE_URL", self.base.database_url)
        self.monkeypatch.setenv("FIRSTMILE_DATA_DIR", str(self.base.data_dir))
        configure(load_settings(run_worker_in_process=False))


@pytest.fixture(autouse=True)
def simulator_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> SimulatorSettings:
    """No latency, no failures unless a test asks."""
    patch = SimulatorSettings(monkeypatch, settings)
    patch.setenv("FIRSTMILE_SIMULATOR_LATENCY_SECONDS", "0")
    patch.setenv("FIRSTMILE_SIMULATOR_TEMPORARY_FAILURE_RATE", "0")
    patch.setenv("FIRSTMILE_SIMULATOR_PERMANENT_FAILURE_RATE", "0")
    patch.setenv("FIRSTMILE_NETWORK_ADAPTER", "simulator")
    return patch


class Network:
    """What the fake network answers next, per resource, and what it received."""

    def __init__(self) -> None:
        self.status = 201
        self.delay = 0.0
        self.body: bytes = json.dumps({"id": "NET-42", "state": "acknowledged"}).encode()
        self.headers: dict[str, str] = {}
        self.cancel_status = 201
        self.cancel_body: bytes = json.dumps({"id": "CAN-7", "state": "accepted"}).encode()
        self.received: list[dict[str, Any]] = []
        self.cancellations: list[dict[str, Any]] = []
        self.authorization: list[str | None] = []

    def answer(self, status: int, body: dict[str, Any] | None = None, **headers: str) -> None:
        self.status, self.headers = status, headers
        if body is not None:
            self.body = json.dumps(body).encode()


@pytest.fixture
def network() -> Iterator[tuple[Network, str]]:
    state = Network()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.authorization.append(self.headers.get("Authorization"))
            if self.path.endswith("/cancelServiceOrder"):
                state.cancellations.append(body)
                self._send(state.cancel_status, state.cancel_body, {})
                return
            state.received.append(body)
            time.sleep(state.delay)
            self._send(state.status, state.body, state.headers)

        def _send(self, status: int, answer: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer)
            except BrokenPipeError:  # the client timed out, as the test wanted
                return

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield (
        state,
        f"http://127.0.0.1:{server.server_address[1]}/tmf-api/serviceOrdering/v4/serviceOrder",
    )
    server.shutdown()
    server.server_close()
