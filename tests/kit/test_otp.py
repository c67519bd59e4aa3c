from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from firstmile.kit import otp
from firstmile.kit.errors import Conflict, InvalidInput, TooManyRequests
from firstmile.kit.http import Db, TxRoute, install_error_handlers
from firstmile.kit.time import frozen_at, travel

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PURPOSE = "contract_signature"


def _issue(sessions: sessionmaker[Session], subject: str = "c-1", **kw: int) -> str:
    with sessions() as db:
        code = otp.issue(db, purpose=PURPOSE, subject_id=subject, **kw)
        db.commit()
    return code


def _verify(sessions: sessionmaker[Session], code: str, subject: str = "c-1") -> None:
    """One request: verify, then commit on success or roll back on error, as TxRoute does."""
    with sessions() as db:
        try:
            otp.verify(db, purpose=PURPOSE, subject_id=subject, code=code)
        except Exception:
            db.rollback()
            raise
        db.commit()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def _row(sessions: sessionmaker[Session], subject: str = "c-1") -> otp.OneTimeCode:
    with sessions() as db:
        row = db.scalars(
            select(otp.OneTimeCode)
            .where(otp.OneTimeCode.subject_id == subject)
            .order_by(otp.OneTimeCode.created_at.desc())
        ).first()
        assert row is not None
        return row


def test_issues_a_numeric_code_of_the_asked_length(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions, length=8)
    assert len(code) == 8
    assert code.isdigit()


def test_stores_only_a_salted_hash(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    with sessions() as db:
        stored = db.execute(text("SELECT * FROM one_time_codes")).mappings().one()
    assert code not in {str(v) for v in stored.values()}
    assert len(stored["code_hash"]) == 64
    assert len(stored["salt"]) == 32


def test_same_code_gets_different_hashes_per_row(sessions: sessionmaker[Session]) -> None:
    salt_a, salt_b = "00" * 16, "11" * 16
    assert otp._digest(salt_a, "123456") != otp._digest(salt_b, "123456")


def test_correct_code_is_accepted_once(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    _verify(sessions, code)
    assert _row(sessions).consumed_at is not None
    with pytest.raises(Conflict, match="already been used"):
        _verify(sessions, code)


def test_wrong_code_names_the_field_and_attempts_left(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    with pytest.raises(InvalidInput) as caught:
        _verify(sessions, _wrong(code))
    assert caught.value.field == "code"
    assert "4 attempts left" in caught.value.message


def test_wrong_attempt_is_counted_although_the_transaction_rolled_back(
    sessions: sessionmaker[Session],
) -> None:
    code = _issue(sessions)
    for _ in range(2):
        with pytest.raises(InvalidInput):
            _verify(sessions, _wrong(code))
    assert _row(sessions).attempts == 2


def test_wrong_attempt_is_counted_once_when_the_caller_commits(
    sessions: sessionmaker[Session],
) -> None:
    code = _issue(sessions)
    with sessions() as db:
        with pytest.raises(InvalidInput):
            otp.verify(db, purpose=PURPOSE, subject_id="c-1", code=_wrong(code))
        db.commit()
    assert _row(sessions).attempts == 1


def test_five_wrong_codes_lock_the_code(sessions: sessionmaker[Session]) -> None:
    code = _issue(sessions)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            _verify(sessions, _wrong(code))
    with pytest.raises(Conflict, match="too many wrong attempts"):
        _verify(sessions, code)


def test_expired_code_is_refused_on_the_code_field(sessions: sessionmaker[Session]) -> None:
    with frozen_at(T0):
        code = _issue(sessions, ttl_seconds=600)
        travel(timedelta(seconds=601))
        with pytest.raises(InvalidInput, match="expired") as caught:
            _verify(sessions, code)
    assert caught.value.field == "code"


def test_code_still_valid_just_before_expiry(sessions: sessionmaker[Session]) -> None:
    with frozen_at(T0):
        code = _issue(sessions, ttl_seconds=600)
        travel(timedelta(seconds=599))
        _verify(sessions, code)
    assert _row(sessions).consumed_at is not None


def test_new_code_supersedes_the_open_one(sessions: sessionmaker[Session]) -> None:
    first = _issue(sessions)
    second = _issue(sessions)
    if first != second:
        with pytest.raises(InvalidInput):
            _verify(sessions, first)
    _verify(sessions, second)


def test_codes_of_other_subjects_are_independent(sessions: sessionmaker[Session]) -> None:
    mine = _issue(sessions, "c-1")
    _issue(sessions, "c-2")
    _verify(sessions, mine, "c-1")
    assert _row(sessions, "c-2").consumed_at is None


def test_sixth_code_within_an_hour_is_refused(sessions: sessionmaker[Session]) -> None:
    with frozen_at(T0):
        for _ in range(5):
            _issue(sessions)
            travel(timedelta(minutes=1))
        with pytest.raises(TooManyRequests) as caught:
            _issue(sessions)
    assert caught.value.status_code == 429
    assert caught.value.details["retry_after_seconds"] == 55 * 60 + 1


def test_concurrent_requests_cannot_exceed_the_rate_limit(
    sessions: sessionmaker[Session],
) -> None:
    """Ten requests at once for one subject, three allowed per hour: exactly three codes."""
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def request() -> None:
        barrier.wait()
        try:
            _issue(sessions, "c-race", max_per_hour=3)
            outcomes.append("issued")
        except TooManyRequests:
            outcomes.append("refused")

    threads = [threading.Thread(target=request) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["issued"] * 3 + ["refused"] * 7


def test_rate_limit_frees_up_after_an_hour(sessions: sessionmaker[Session]) -> None:
    with frozen_at(T0):
        for _ in range(5):
            _issue(sessions)
        travel(timedelta(hours=1, seconds=1))
        assert _issue(sessions).isdigit()


def test_no_code_requested_is_a_conflict(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Conflict, match="no code"):
        _verify(sessions, "123456")


def test_rejects_impossible_length(db: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        otp.issue(db, purpose=PURPOSE, subject_id="c-1", length=2)
    assert caught.value.field == "length"


@pytest.fixture
def verify_api(sessions: sessionmaker[Session]) -> TestClient:
    """A one-endpoint app behind the real request edge (TxRoute rolls back on every error)."""
    router = APIRouter(route_class=TxRoute)

    @router.post("/verify/{subject}/{code}")
    def verify(subject: str, code: str, db: Db) -> dict[str, bool]:
        otp.verify(db, purpose=PURPOSE, subject_id=subject, code=code)
        return {"ok": True}

    app = FastAPI()
    app.state.sessionmaker = sessions
    install_error_handlers(app)
    app.include_router(router)
    return TestClient(app)


def test_five_wrong_codes_through_the_api_lock_the_code(
    sessions: sessionmaker[Session], verify_api: TestClient
) -> None:
    code = _issue(sessions)
    answers = [verify_api.post(f"/verify/c-1/{_wrong(code)}") for _ in range(5)]
    assert [a.status_code for a in answers] == [422] * 5
    assert answers[-1].json()["error"]["message"].endswith("0 attempts left")
    locked = verify_api.post(f"/verify/c-1/{code}")
    assert locked.status_code == 409
    assert _row(sessions).attempts == 5


def test_correct_code_through_the_api_is_consumed(
    sessions: sessionmaker[Session], verify_api: TestClient
) -> None:
    code = _issue(sessions)
    assert verify_api.post(f"/verify/c-1/{code}").status_code == 200
    assert _row(sessions).consumed_at is not None
