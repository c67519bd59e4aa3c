from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from firstmile.kit import ratelimit
from firstmile.kit import time as clock
from firstmile.kit.errors import TooManyRequests


def test_refuses_past_the_limit_and_frees_after_the_window(db: Session) -> None:
    for _ in range(3):
        ratelimit.hit(db, "k", limit=3, window_seconds=60)
    with pytest.raises(TooManyRequests) as refused:
        ratelimit.hit(db, "k", limit=3, window_seconds=60)
    assert 0 < refused.value.details["retry_after_seconds"] <= 61
    ratelimit.hit(db, "other", limit=3, window_seconds=60)  # keys are separate
    clock.travel(timedelta(seconds=61))
    ratelimit.hit(db, "k", limit=3, window_seconds=60)
