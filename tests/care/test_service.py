"""Care service: which tutorials a customer has, progress rules, help requests for agents."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.care import service
from firstmile.care.models import HelpRequestStatus
from firstmile.eventlog.models import Event
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import Service, ServiceStatus
from tests.factories.provisioning import AGENT, customer, order

pytestmark = pytest.mark.usefixtures("telco")


def _provisioned(db: Session, *codes: str, **item: object) -> str:
    who = customer(db)
    provisioning_service.start(db, order(who.id, *codes, **item), actor=AGENT)
    db.flush()
    return who.id


def _service(db: Session, customer_id: str) -> Service:
    return db.scalars(select(Service).where(Service.customer_id == customer_id)).one()


def test_tutorials_follow_the_customers_services(db: Session) -> None:
    fibre = _provisioned(db, "fibre-300")
    esim = _provisioned(db, "mobile-10gb", options={"sim_type": "esim"})
    sim = _provisioned(db, "mobile-10gb", options={"sim_type": "physical"})
    codes = {c: [t.tutorial.code for t in service.tutorials_for(db, c)] for c in (fibre, esim, sim)}
    assert codes == {fibre: ["fibre-router"], esim: ["mobile-esim"], sim: ["mobile-sim"]}
    with pytest.raises(NotFound):
        service.tutorial_for(db, fibre, "mobile-esim")


def test_a_terminated_service_has_no_tutorial(db: Session) -> None:
    who = _provisioned(db, "tv-basic")
    _service(db, who).status = ServiceStatus.TERMINATED
    db.flush()
    assert service.tutorials_for(db, who) == []


def test_the_lock_follows_the_service_status_and_is_never_stored(db: Session) -> None:
    who = _provisioned(db, "tv-basic")
    seen = service.tutorial_for(db, who, "tv-box")
    assert [seen.locked(n) for n in range(1, 5)] == [False, False, False, True]
    with pytest.raises(Conflict):
        service.complete_step(db, who, "tv-box", 4, actor=SYSTEM)
    _service(db, who).status = ServiceStatus.ACTIVE
    db.flush()
    assert not service.tutorial_for(db, who, "tv-box").locked(4)


def test_completing_steps_moves_to_the_next_one_not_done(db: Session) -> None:
    who = _provisioned(db, "fibre-300")
    assert service.complete_step(db, who, "fibre-router", 2, actor=SYSTEM).resume_step == 3
    assert service.complete_step(db, who, "fibre-router", 4, actor=SYSTEM).resume_step == 5
    seen = service.complete_step(db, who, "fibre-router", 1, actor=SYSTEM)
    assert seen.resume_step == 3
    assert seen.progress is not None
    assert seen.progress.completed_steps == [1, 2, 4]
    with pytest.raises(NotFound):
        service.complete_step(db, who, "fibre-router", 6, actor=SYSTEM)
    again = service.restart(db, who, "fibre-router")
    assert again.progress is not None
    assert (again.progress.completed_steps, again.resume_step) == ([], 1)


def test_the_last_step_completes_the_tutorial_once(db: Session) -> None:
    who = _provisioned(db, "tv-basic")
    _service(db, who).status = ServiceStatus.ACTIVE
    for step in (1, 2, 3, 4, 4):
        seen = service.complete_step(db, who, "tv-box", step, actor=SYSTEM)
    assert seen.progress is not None
    assert seen.progress.completed_at is not None
    done = db.scalars(select(Event).where(Event.type == "tutorial.completed")).all()
    assert [e.payload for e in done] == [{"tutorial": "tv-box", "steps": 4}]


def test_help_requests_carry_their_context_and_agents_close_them(db: Session) -> None:
    who = _provisioned(db, "tv-basic")
    other = _provisioned(db, "tv-basic")
    made = service.request_help(db, who, "tv-box", 2, note="  no picture  ", actor=SYSTEM)
    theirs = service.request_help(db, other, "tv-box", 1, note="", actor=SYSTEM)
    assert (made.note, made.device_model, made.service_status) == (
        "no picture",
        "stb-fm-4k",
        "pending_activation",
    )
    assert made.context["service_kind"] == "tv"
    assert [r.id for r in service.help_requests_of(db, who)] == [made.id]
    assert {r.id for r in service.open_help_requests(db)} == {made.id, theirs.id}
    closed = service.close_help_request(db, made.id, resolution="Input 2 chosen", actor=SYSTEM)
    assert closed.status == HelpRequestStatus.CLOSED
    assert [r.id for r in service.open_help_requests(db)] == [theirs.id]
    with pytest.raises(Conflict):
        service.close_help_request(db, made.id, resolution="again", actor=SYSTEM)
    types = db.scalars(select(Event.type).where(Event.subject_id == made.id)).all()
    assert types == ["help.requested", "help.closed"]


def test_help_request_limits(db: Session) -> None:
    who = _provisioned(db, "tv-basic")
    with pytest.raises(InvalidInput) as caught:
        service.request_help(db, who, "tv-box", 1, note="x" * 2001, actor=SYSTEM)
    assert caught.value.field == "note"
    with pytest.raises(NotFound):
        service.request_help(db, who, "tv-box", 9, note="", actor=SYSTEM)
    for _ in range(service.MAX_OPEN_HELP_REQUESTS):
        service.request_help(db, who, "tv-box", 1, note="", actor=SYSTEM)
    with pytest.raises(Conflict):
        service.request_help(db, who, "tv-box", 1, note="", actor=SYSTEM)


def test_energy_customers_get_the_meter_and_app_tutorials(db: Session, energy: str) -> None:
    power = _provisioned(db, "el-fixed-12")
    gas = _provisioned(db, "gas-standard")
    codes = {c: {t.tutorial.code for t in service.tutorials_for(db, c)} for c in (power, gas)}
    assert codes == {power: {"smart-meter-display", "energy-app"}, gas: {"energy-app"}}
