from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import time as clock

NOW = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(sessions: sessionmaker[Session]) -> Iterator[None]:
    # after `sessions`, which resets the clock
    with clock.frozen_at(NOW):
        yield
