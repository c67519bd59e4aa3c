from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from firstmile.auth.scopes import SYSTEM
from firstmile.cli import app
from firstmile.customers.models import Customer
from firstmile.kit.settings import Settings
from firstmile.messaging import service
from tests.conftest import RunJobs
from tests.factories.messaging import customer, message_template


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRSTMILE_DATABASE_URL", settings.database_url)


@pytest.mark.usefixtures("env")
def test_outbox_prints_the_simulated_deliveries(db: Session, run_jobs: RunJobs) -> None:
    eva = customer(db, language="sv")
    message_template(db, "contact_verification")
    service.send(
        db,
        customer_id=eva.id,
        purpose="contact_verification",
        channel="email",
        data={"code": "314159"},
        idempotency_key="cli-1",
        actor=SYSTEM,
    )
    db.commit()
    run_jobs()
    result = CliRunner().invoke(app, ["messaging", "outbox", eva.id])
    assert result.exit_code == 0, result.output
    [delivery] = json.loads(result.output)["deliveries"]
    assert delivery["body_text"] == "Din kod är 314159."


@pytest.mark.usefixtures("env", "db")
def test_outbox_of_unknown_customer_fails() -> None:
    result = CliRunner().invoke(app, ["messaging", "outbox", "nope"])
    assert result.exit_code == 1


@pytest.mark.usefixtures("env")
def test_outbox_finds_the_newest_deliveries_by_address_or_to_anyone(
    db: Session, run_jobs: RunJobs
) -> None:
    """A newcomer who just signed up knows their address, not their customer id."""
    message_template(db, "contact_verification")
    for i, name in enumerate(("eva", "jan")):
        person = customer(db, language="en")
        service.send(
            db,
            customer_id=person.id,
            purpose="contact_verification",
            channel="email",
            recipient=f"{name}@example.com",
            data={"code": f"31415{i}"},
            idempotency_key=f"cli-{name}",
            actor=SYSTEM,
        )
    db.commit()
    run_jobs()

    def codes(*args: str) -> list[str]:
        result = CliRunner().invoke(app, ["messaging", "outbox", *args])
        assert result.exit_code == 0, result.output
        return [d["body_text"][-7:-1] for d in json.loads(result.output)["deliveries"]]

    assert codes("Eva@Example.com") == ["314150"]
    assert sorted(codes()) == ["314150", "314151"]
    assert codes("nobody@example.com") == []
    people = list(db.scalars(select(Customer.id)))
    db.rollback()  # SQLite: the command's own connection writes nothing, but waits for none
    for person_id in people:  # an id is an id, whether it starts with a digit or not
        assert len(codes(person_id)) == 1
