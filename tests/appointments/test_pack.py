from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.appointments import service
from firstmile.appointments.models import Calendar, Slot
from firstmile.auth.scopes import SYSTEM
from firstmile.kit import jobs
from firstmile.kit import time as clock
from firstmile.packs import loader
from tests.factories import appointments as f


def _slots(db: Session, **where: object) -> int:
    stmt = select(func.count()).select_from(Slot)
    for name, value in where.items():
        stmt = stmt.where(getattr(Slot, name) == value)
    return int(db.scalar(stmt) or 0)


def _pack_copy(tmp_path: Path, code: str = "telco") -> Path:
    target = tmp_path / code
    shutil.copytree(loader.PACKS_DIR / code, target)
    return target


def _issues(path: Path) -> list[str]:
    with pytest.raises(loader.PackInvalid) as caught:
        loader.validate(path)
    return [str(i) for i in caught.value.issues]


def test_telco_pack_creates_calendars_and_future_slots(telco: str, db: Session) -> None:
    codes = {c.code: c.kind for c in service.calendars(db)}
    assert codes["sales-praha"] == "sales"
    assert codes["care-international"] == "care"
    assert codes["brno"] == "technician"
    assert _slots(db, open=True) > 100
    assert service.area_for_postcode(db, "CZ", "602 00") == "brno"
    assert service.area_for_postcode(db, "CZ", "251 01") == "praha"


def test_energy_pack_covers_swedish_postcodes(energy: str, db: Session) -> None:
    assert service.area_for_postcode(db, "SE", "411 05") == "goteborg"
    assert service.area_for_postcode(db, "SE", "114 55") == "stockholm"
    assert service.area_for_postcode(db, "SE", "981 31") is None


def test_loading_the_pack_twice_creates_no_second_slot(
    telco: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        before = _slots(db)
        loader.load(db, "telco")
        db.commit()
        assert _slots(db) == before
        assert db.scalar(select(func.count()).select_from(Calendar)) == 7


def test_calendar_dropped_from_the_pack_is_deactivated_and_its_slots_withdrawn(
    db: Session,
) -> None:
    gone = f.calendar(db, code="gone")
    f.slot(db, gone)
    keep = service.calendars(db)[0]
    service.load_calendars(db, pack="test", definitions=[], actor=SYSTEM)
    db.refresh(keep)
    assert keep.active is False
    assert _slots(db, open=True) == 0


def test_bad_window_is_reported_at_its_file_and_line(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    text = (pack / "appointments.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if "sat:" in line)
    lines[index] = '      sat: ["13:00-09:00"]'
    (pack / "appointments.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = _issues(pack)
    assert any(
        i.startswith(f"appointments.yaml:{index + 1}: agents.0.hours.sat") and "ends before" in i
        for i in issues
    ), issues


def test_duplicate_postcode_prefix_is_reported_at_its_line(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    path = pack / "appointments.yaml"
    text = path.read_text(encoding="utf-8").replace('postcodes: ["30",', 'postcodes: ["1",')
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '["1", "31"' in row)
    issues = _issues(pack)
    assert (
        f"appointments.yaml:{line}: technician_areas.3.postcodes.0: postcode prefix '1' again"
        in issues
    )


def test_missing_locale_in_a_name_is_reported(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path, "energy")
    path = pack / "appointments.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      ar: مقاطعة أوبسالا\n", ""), encoding="utf-8")
    assert any("technician_areas.3.name" in i and "ar" in i for i in _issues(pack))


def test_generation_converts_local_hours_to_utc_across_dst(db: Session) -> None:
    f.calendar(db, rules={"weekdays": f.EVERY_DAY, "slot_minutes": 60})
    with clock.frozen_at(datetime(2026, 3, 27, 5, tzinfo=UTC)):
        service.extend_slots(db, actor=SYSTEM, days=4)
    starts = list(db.scalars(select(Slot.starts_at).order_by(Slot.starts_at)))
    assert [(s.day, s.hour) for s in starts] == [(27, 8), (28, 8), (29, 7), (30, 7)]


def test_generation_is_idempotent_and_keeps_booked_capacity(db: Session) -> None:
    cal = f.calendar(db, capacity=2, rules={"weekdays": f.EVERY_DAY, "slot_minutes": 60})
    with clock.frozen_at(datetime(2026, 3, 27, 5, tzinfo=UTC)):
        service.extend_slots(db, actor=SYSTEM, days=3)
        first = db.scalars(select(Slot).order_by(Slot.starts_at)).first()
        assert first is not None
        f.booking(db, first)
        f.booking(db, first)
        cal.capacity = 1
        service.extend_slots(db, actor=SYSTEM, days=3)
    db.expire_all()
    assert _slots(db) == 3
    assert db.get_one(Slot, first.id).capacity == 2
    assert db.scalar(select(func.min(Slot.capacity))) == 1


def test_daily_job_extends_the_horizon_and_is_enqueued_once_a_day(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as db, clock.frozen_at(datetime(2026, 11, 2, 12, tzinfo=UTC)):
        f.calendar(db, horizon_days=2)
        service.schedule_next_extension(db)
        service.schedule_next_extension(db)
        db.commit()
        assert db.scalar(select(func.count()).select_from(jobs.Job)) == 1
    with sessions() as db, clock.frozen_at(datetime(2026, 11, 3, 1, tzinfo=UTC)):
        assert jobs.run_due(db) == 1
        db.commit()
        assert _slots(db) == 4  # Nov 3 and Nov 4, 09:00 and 09:30 local
        queued = db.scalars(select(jobs.Job).where(jobs.Job.status == "queued")).one()
        assert queued.key == "appointments.slots_extended:2026-11-04"
