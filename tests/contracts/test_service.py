"""Contracts service: preparation, rendering job, one-time-code signature, seal, void."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.contracts import repository as contracts_repo
from firstmile.contracts import sealing
from firstmile.contracts import service as contracts_service
from firstmile.contracts.errors import ContractNotReady, NoVerifiedContact
from firstmile.contracts.models import Contract, ContractStatus
from firstmile.eventlog import service as eventlog
from firstmile.eventlog.models import Event
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.jobs import Job
from firstmile.messaging import service as messaging_service
from tests.conftest import RunJobs
from tests.factories import contracts as factories


def _events(db: Session, contract_id: str) -> list[Event]:
    return list(
        db.scalars(select(Event).where(Event.subject_id == contract_id).order_by(Event.seq))
    )


def _prepared(sessions: sessionmaker[Session], **kw: object) -> str:
    with sessions() as db:
        contract = contracts_service.prepare_contract(db, factories.order(db, **kw), actor=SYSTEM)  # type: ignore[arg-type]
        db.commit()
        return contract.id


def _ready(sessions: sessionmaker[Session], run_jobs: RunJobs, **kw: object) -> str:
    contract_id = _prepared(sessions, **kw)
    run_jobs()
    return contract_id


def _code_sent(
    sessions: sessionmaker[Session], run_jobs: RunJobs, contract_id: str, channel: str = "sms"
) -> str:
    with sessions() as db:
        contracts_service.request_signature(db, contract_id, channel=channel, actor=SYSTEM)
        db.commit()
    run_jobs()
    with sessions() as db:
        return factories.last_code(db, contracts_service.get_contract(db, contract_id).customer_id)


def _signed(sessions: sessionmaker[Session], run_jobs: RunJobs) -> str:
    contract_id = _ready(sessions, run_jobs)
    code = _code_sent(sessions, run_jobs, contract_id)
    with sessions() as db:
        contracts_service.sign(
            db, contract_id, code=code, ip="203.0.113.7", user_agent="pytest", actor=SYSTEM
        )
        db.commit()
    return contract_id


def test_prepare_contract_opens_a_preparing_contract_and_queues_its_pdf(
    sessions: sessionmaker[Session], telco: str
) -> None:
    contract_id = _prepared(sessions, language="cs")
    with sessions() as db:
        contract = contracts_service.get_contract(db, contract_id)
        assert (contract.status, contract.language) == (ContractStatus.PREPARING, "cs")
        assert db.scalar(select(Job.kind).where(Job.key == f"contracts.render:{contract_id}"))
        assert [e.type for e in _events(db, contract_id)] == ["contract.prepared"]


def test_prepare_contract_twice_returns_the_first(
    sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        order = factories.order(db)
        first = contracts_service.prepare_contract(db, order, actor=SYSTEM)  # type: ignore[arg-type]
        again = contracts_service.prepare_contract(db, order, actor=SYSTEM)  # type: ignore[arg-type]
        assert again.id == first.id


def test_prepare_contract_rejects_a_snapshot_without_prices(
    sessions: sessionmaker[Session], telco: str
) -> None:
    with sessions() as db:
        order = factories.order(db)
        order.snapshot = {"currency": "CZK", "start_date": "2026-03-10"}
        with pytest.raises(InvalidInput) as err:
            contracts_service.prepare_contract(db, order, actor=SYSTEM)  # type: ignore[arg-type]
    assert err.value.field == "snapshot.lines"


def test_render_job_makes_the_contract_ready_with_the_hash_of_its_pdf(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs)
    with sessions() as db:
        contract = contracts_service.get_contract(db, contract_id)
        pdf = contracts_service.document(db, contract_id)
        assert contract.status == ContractStatus.READY
        assert contract.unsigned_sha256 == hashlib.sha256(pdf).hexdigest()
        ready = _events(db, contract_id)[-1]
        assert (ready.type, ready.payload["document_sha256"]) == (
            "contract.ready",
            contract.unsigned_sha256,
        )


def test_document_is_a_conflict_while_preparing(
    sessions: sessionmaker[Session], telco: str
) -> None:
    contract_id = _prepared(sessions)
    with sessions() as db, pytest.raises(ContractNotReady):
        contracts_service.document(db, contract_id)


def test_request_signature_needs_a_verified_address(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs, email=None)
    with sessions() as db, pytest.raises(NoVerifiedContact, match="verified email address"):
        contracts_service.request_signature(db, contract_id, channel="email", actor=SYSTEM)


def test_request_signature_rejects_an_unknown_channel(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs)
    with sessions() as db, pytest.raises(InvalidInput) as err:
        contracts_service.request_signature(db, contract_id, channel="fax", actor=SYSTEM)
    assert err.value.field == "channel"


def test_request_signature_sends_the_code_in_the_contract_language(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs, language="ja")
    code = _code_sent(sessions, run_jobs, contract_id, channel="email")
    with sessions() as db:
        request = contracts_repo.latest_request(db, contract_id)
        assert request is not None
        assert request.masked_address == "e***@example.com"
        customer_id = contracts_service.get_contract(db, contract_id).customer_id
        delivery = messaging_service.simulated_deliveries(db, customer_id)[0]
        assert code in delivery.body_text
        assert "署名コード" in delivery.body_text


def test_sign_with_a_wrong_code_is_refused_and_changes_nothing(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs)
    code = _code_sent(sessions, run_jobs, contract_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with sessions() as db:
        with pytest.raises(InvalidInput) as err:
            contracts_service.sign(
                db, contract_id, code=wrong, ip=None, user_agent=None, actor=SYSTEM
            )
        assert err.value.field == "code"
        db.rollback()
        assert contracts_service.get_contract(db, contract_id).status == ContractStatus.READY


def test_sign_without_a_requested_code_is_a_conflict(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs)
    with sessions() as db, pytest.raises(Conflict, match="no code"):
        contracts_service.sign(
            db, contract_id, code="123456", ip=None, user_agent=None, actor=SYSTEM
        )


def test_sign_records_who_when_where_and_the_hash_of_the_unsigned_pdf(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _signed(sessions, run_jobs)
    with sessions() as db:
        contract = contracts_service.get_contract(db, contract_id)
        signature = contracts_service.get_signature(db, contract_id)
        unsigned = db.scalar(select(Contract.unsigned_pdf).where(Contract.id == contract_id))
        assert contract.status == ContractStatus.SIGNED
        assert unsigned is not None
        assert signature.document_sha256 == hashlib.sha256(unsigned).hexdigest()
        assert (signature.ip, signature.user_agent, signature.channel) == (
            "203.0.113.7",
            "pytest",
            "sms",
        )
        assert signature.signer_name == "Eva Nováková"
        assert signature.masked_address.startswith("+420")
        assert "123" not in signature.masked_address
        signed = _events(db, contract_id)[-1]
        assert signed.type == "contract.signed"
        assert signed.customer_id == contract.customer_id
        assert signed.payload == {
            "order_id": contract.order_id,
            "document_sha256": signature.document_sha256,
        }


def test_sign_twice_is_a_conflict(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _signed(sessions, run_jobs)
    with sessions() as db, pytest.raises(Conflict, match="already signed"):
        contracts_service.sign(
            db, contract_id, code="123456", ip=None, user_agent=None, actor=SYSTEM
        )


def test_seal_job_seals_a_pdf_that_validates_and_keeps_the_signed_bytes(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _signed(sessions, run_jobs)
    run_jobs()
    with sessions() as db:
        contract = contracts_service.get_contract(db, contract_id)
        sealed = contracts_service.document(db, contract_id)
        report = contracts_service.validation_of(db, contract_id)
        assert contract.status == ContractStatus.SEALED
        assert contract.sealed_sha256 == hashlib.sha256(sealed).hexdigest()
        assert report["valid"]
        assert report["intact"]
        assert report["trusted"]
        assert report["customer_signed_bytes_intact"] is True
        assert "firstmile demo operator seal" in report["signer"]
        assert _events(db, contract_id)[-1].type == "contract.sealed"
        assert contracts_service.document(db, contract_id) == sealed  # downloads again, same


def test_a_tampered_byte_makes_the_sealed_pdf_invalid(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _signed(sessions, run_jobs)
    run_jobs()
    with sessions() as db:
        sealed = bytearray(contracts_service.document(db, contract_id))
    sealed[len(sealed) // 3] ^= 0x01
    report = sealing.validate(bytes(sealed))
    assert report["valid"] is False
    assert report["intact"] is False


def test_void_for_order_voids_an_unsigned_contract(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _ready(sessions, run_jobs)
    with sessions() as db:
        order_id = contracts_service.get_contract(db, contract_id).order_id
        contracts_service.void_for_order(db, order_id, actor=SYSTEM, reason="changed mind")
        db.commit()
        assert contracts_service.get_contract(db, contract_id).status == ContractStatus.VOID
        assert _events(db, contract_id)[-1].type == "contract.voided"
        with pytest.raises(Conflict, match="void"):
            contracts_service.request_signature(db, contract_id, channel="sms", actor=SYSTEM)


def test_void_for_order_refuses_a_signed_contract(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    contract_id = _signed(sessions, run_jobs)
    with sessions() as db:
        order_id = contracts_service.get_contract(db, contract_id).order_id
        with pytest.raises(Conflict, match="already signed"):
            contracts_service.void_for_order(db, order_id, actor=SYSTEM)


def test_a_cancelled_order_voids_its_unsigned_contract(
    sessions: sessionmaker[Session], telco: str
) -> None:
    contract_id = _prepared(sessions)
    with sessions() as db:
        contract = contracts_service.get_contract(db, contract_id)
        eventlog.record(
            db,
            "order.cancelled",
            actor=SYSTEM.ref,
            customer_id=contract.customer_id,
            subject_id=contract.order_id,
            payload={"order_id": contract.order_id, "reason": "test"},
        )
        db.commit()
        assert contracts_service.get_contract(db, contract_id).status == ContractStatus.VOID


def test_unknown_contract_is_not_found(sessions: sessionmaker[Session]) -> None:
    with sessions() as db, pytest.raises(NotFound):
        contracts_service.get_contract(db, "no-such-contract")
