"""Browser tests: firstmile served by uvicorn in a thread, driven by Debian's Chromium
through Playwright (headless, no download: `executable_path=/usr/bin/chromium`).

Each test gets a fresh browser context; every console error or page error fails the test,
and a screenshot of the final page is saved under `test-artifacts/browser/` (or
`$FIRSTMILE_TEST_ARTIFACTS`). The server runs the in-process worker, so codes are delivered,
contracts sealed and services activated as in `firstmile serve`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from firstmile.app import create_app
from firstmile.kit.settings import Settings

CHROMIUM = os.environ.get("FIRSTMILE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("FIRSTMILE_TEST_ARTIFACTS", "test-artifacts")) / "browser"

if shutil.which(CHROMIUM) is None:  # pragma: no cover - .ci/run installs it
    pytest.skip(f"Chromium is not installed at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_url(settings: Settings, engine: Engine) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    served = settings.model_copy(
        update={
            "base_url": url,
            "run_worker_in_process": True,
            "worker_poll_seconds": 0.1,
            "simulator_latency_seconds": 0.5,
        }
    )
    app = create_app(served, run_worker=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@dataclass
class Watched:
    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)


@pytest.fixture
def web(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_url: str,
    sessions: sessionmaker[Session],
) -> Iterator[Watched]:
    """A fresh browser context on the live server; fails the test on any console error."""
    context = browser.new_context(locale="en-GB", viewport={"width": 412, "height": 900})
    page = context.new_page()
    watched = Watched(page, live_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            watched.problems.append(f"console: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
    yield watched
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert not watched.problems, "\n".join(watched.problems)
