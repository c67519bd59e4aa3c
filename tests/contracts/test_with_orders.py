"""With the real catalog and orders: a placed order gets a contract; signing moves the order."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.catalog import service as catalog_service
from firstmile.contracts import service as contracts_service
from firstmile.contracts.models import ContractStatus
from firstmile.orders import service as orders_service
from tests.conftest import RunJobs
from tests.factories import catalog as catalog_factories
from tests.factories import contracts as factories


def test_placed_order_is_signed_through_its_contract(
    sessions: sessionmaker[Session], telco: str, run_jobs: RunJobs
) -> None:
    with sessions() as db:
        customer, account = factories.customer_and_account(db, language="sv")
        quote = catalog_service.create_quote(
            db, catalog_factories.quote_create(customer, account), actor=SYSTEM
        )
        order = orders_service.place_order(db, quote_id=quote.id, actor=SYSTEM)
        db.commit()
        order_id = order.id
    run_jobs()
    with sessions() as db:
        (contract,) = contracts_service.contracts_for(db, order_id=order_id)
        assert (contract.status, contract.language) == (ContractStatus.READY, "sv")
        contracts_service.request_signature(db, contract.id, channel="email", actor=SYSTEM)
        db.commit()
    run_jobs()
    with sessions() as db:
        code = factories.last_code(db, contract.customer_id)
        contracts_service.sign(db, contract.id, code=code, ip=None, user_agent=None, actor=SYSTEM)
        db.commit()
        assert orders_service.get_order(db, order_id).status == "in_progress"
