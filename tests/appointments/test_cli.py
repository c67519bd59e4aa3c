from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from firstmile.appointments.models import Slot
from firstmile.cli import app
from firstmile.kit.settings import Settings
from tests.factories import appointments as f


def test_generate_slots_fills_the_days_asked_for(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with sessions() as db:
        f.calendar(db, rules={"weekdays": f.EVERY_DAY, "slot_minutes": 60})
        db.commit()
    env = {"FIRSTMILE_DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(app, ["appointments", "generate-slots", "--days", "3"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["calendars"] == 1
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(Slot)) == summary["slots"]
        assert 2 <= summary["slots"] <= 3  # today's 09:00 may be past already


def test_generate_slots_refuses_zero_days(settings: Settings) -> None:
    env = {"FIRSTMILE_DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(app, ["appointments", "generate-slots", "--days", "0"], env=env)
    assert result.exit_code == 2
