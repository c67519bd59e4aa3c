"""Shared fixtures. The database is chosen by FIRSTMILE_DATABASE_URL (default: a SQLite file).

The schema is built once per run by the migrations; each test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from firstmile import worker
from firstmile.app import create_app
from firstmile.auth import service as auth_service
from firstmile.auth.scopes import SYSTEM
from firstmile.kit import migrate
from firstmile.kit import time as clock
from firstmile.kit.db import make_engine, make_sessionmaker
from firstmile.kit.registry import load_job_handlers
from firstmile.kit.schema import target_metadata
from firstmile.kit.settings import Settings, configure, load_settings
from firstmile.packs import loader as packs


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("firstmile")
    url = os.environ.get("FIRSTMILE_DATABASE_URL") or f"sqlite:///{base / 'test.db'}"
    return load_settings(
        database_url=url,
        data_dir=base / "data",
        run_worker_in_process=False,
        simulator_latency_seconds=0.0,
    )


@pytest.fixture(autouse=True)
def _process_settings(settings: Settings) -> None:
    """Every test starts with the test settings as the process's settings."""
    configure(settings)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url, pool_size=10)
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:  # start from nothing: the migrations must build everything
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(eng)
    load_job_handlers()
    yield eng
    eng.dispose()


def _empty_tables(engine: Engine) -> None:
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in reversed(target_metadata.sorted_tables) if t.name in existing]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE makes new files
            # for every table (slow where the disk is); identities restart as before.
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (names from metadata)
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
                )
            )
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (names from metadata)


def _start_clock() -> None:
    """The clock as the suite runs (and moves) it, from the real time; or, with
    FIRSTMILE_TEST_START_HOUR=H, from the same minute at hour H (UTC) today: the whole
    suite run as if at night, say, finds a test that passes only at some hours."""
    clock.reset()
    hour = os.environ.get("FIRSTMILE_TEST_START_HOUR")
    if hour:
        now = clock.utcnow()
        clock.travel((now.replace(hour=int(hour)) - now) % timedelta(days=1))  # forward


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    _empty_tables(engine)
    _start_clock()
    auth_service.verified_tokens.clear()  # the tokens it remembers are gone with the tables
    yield make_sessionmaker(engine)
    clock.reset()


@pytest.fixture
def daytime(sessions: sessionmaker[Session]) -> Iterator[None]:
    """The clock stopped at 10:00 UTC today, outside the packs' quiet hours (their evening
    starts at 19:00-20:00 UTC): for tests whose marketing messages must go at once, whatever
    the hour the suite runs. `clock.travel` still moves it."""
    ten = clock.utcnow().replace(hour=10, minute=0, second=0, microsecond=0)
    with clock.frozen_at(ten):
        yield


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def telco(sessions: sessionmaker[Session]) -> str:
    """The telco demo pack, loaded."""
    with sessions() as s:
        packs.load(s, "telco")
        s.commit()
    return "telco"


@pytest.fixture
def energy(sessions: sessionmaker[Session]) -> str:
    with sessions() as s:
        packs.load(s, "energy")
        s.commit()
    return "energy"


@pytest.fixture(scope="session")
def app_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings, run_worker=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    app_client.headers.clear()
    app_client.cookies.clear()  # no page session leaks from one test into the next
    return app_client


def _bearer(sessions: sessionmaker[Session], *scopes: str) -> dict[str, str]:
    with sessions() as s:
        _token, bearer = auth_service.create_token(
            s, name=f"test {'+'.join(scopes)}", scopes=list(scopes), actor=SYSTEM
        )
        s.commit()
    return {"Authorization": f"Bearer {bearer}"}


@pytest.fixture
def agent(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Headers of an agent-scoped token."""
    return _bearer(sessions, "agent")


@pytest.fixture
def integration(sessions: sessionmaker[Session]) -> dict[str, str]:
    return _bearer(sessions, "integration")


@pytest.fixture
def admin(sessions: sessionmaker[Session]) -> dict[str, str]:
    return _bearer(sessions, "admin")


@pytest.fixture
def run_jobs(sessions: sessionmaker[Session]) -> RunJobs:
    return RunJobs(sessions)


class RunJobs:
    """Drain the job queue as the worker would (call it after the request committed)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __call__(self) -> int:
        return worker.run_until_idle(self.sessions)


@pytest.fixture
def data_dir(settings: Settings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir
