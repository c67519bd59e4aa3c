"""Accounts: opened in batches through one procedure, numbered safely under concurrency."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from stdnum import luhn

from firstmile.auth.scopes import Actor
from firstmile.customers import events
from firstmile.customers import repository as repo
from firstmile.customers.models import (
    Account,
    AccountKind,
    AccountStatus,
    Customer,
    CustomerKind,
    CustomerStatus,
)
from firstmile.customers.schemas import AccountCreate
from firstmile.customers.service import validation
from firstmile.eventlog import service as eventlog_service
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow

NUMBER_ATTEMPTS = 8


def new_account_number() -> str:
    """Ten digits: nine random (no leading zero) and a Luhn check digit, so typos show."""
    body = str(100_000_000 + secrets.randbelow(900_000_000))
    return body + luhn.calc_check_digit(body)


def prepare_accounts(
    customer: Customer, accounts: list[AccountCreate], *, field: str
) -> list[Account]:
    """Validated, unsaved accounts; a business account needs its company (an organisation's
    own legal data is used when it gives none)."""
    return [
        _prepare(customer, data, field=f"{field}.{index}") for index, data in enumerate(accounts)
    ]


def _prepare(customer: Customer, data: AccountCreate, *, field: str) -> Account:
    account = Account(customer_id=customer.id, kind=data.kind, status=AccountStatus.PENDING)
    if data.kind is AccountKind.RESIDENTIAL:
        if data.company is not None:
            raise InvalidInput("only business accounts carry a company", field=f"{field}.company")
        account.name = data.name or customer.display_name
        return account
    if data.company is None:
        if customer.kind != CustomerKind.ORGANIZATION:
            raise InvalidInput("a business account needs its company", field=f"{field}.company")
        account.legal_name = customer.legal_name
        account.registration_number = customer.registration_number
        account.vat_number = customer.vat_number
        account.company_country = customer.country
    else:
        company = data.company
        where = f"{field}.company"
        cc = validation.country(company.country or customer.country, field=f"{where}.country")
        account.company_country = cc
        account.legal_name = company.legal_name
        if company.registration_number is not None:
            account.registration_number = validation.registration_number(
                company.registration_number, country_code=cc, field=f"{where}.registration_number"
            )
        if company.vat_number is not None:
            account.vat_number = validation.vat_number(
                company.vat_number, country_code=cc, field=f"{where}.vat_number"
            )
    account.name = data.name or account.legal_name or customer.display_name
    return account


def insert_accounts(db: Session, accounts: list[Account], *, actor: Actor) -> None:
    """Number and store prepared accounts, each with its `account.opened` event."""
    for account in accounts:
        _insert_numbered(db, account)
    for account in accounts:
        eventlog_service.record(
            db,
            events.ACCOUNT_OPENED,
            actor=actor.ref,
            customer_id=account.customer_id,
            subject_id=account.id,
            payload={"number": account.number, "kind": str(account.kind)},
        )


def _insert_numbered(db: Session, account: Account) -> None:
    for _attempt in range(NUMBER_ATTEMPTS):
        number = new_account_number()
        if repo.account_number_taken(db, number):
            continue
        account.number = number
        try:
            # A concurrent request may take the number between the look-up and the insert;
            # the savepoint lets this request try another instead of failing as a whole.
            with db.begin_nested():
                db.add(account)
                db.flush()
        except IntegrityError:
            continue
        return
    raise Conflict("could not allocate an account number; retry")


def open_accounts(
    db: Session, customer_id: str, accounts: list[AccountCreate], *, actor: Actor
) -> list[Account]:
    """Open several accounts for an existing customer: the same procedure as registration."""
    customer = repo.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    if customer.status == CustomerStatus.CLOSED:
        raise Conflict("the customer is closed")
    if not accounts:
        raise InvalidInput("at least one account is required", field="accounts")
    prepared = prepare_accounts(customer, accounts, field="accounts")
    insert_accounts(db, prepared, actor=actor)
    return prepared


def get_account(db: Session, account_id: str) -> Account:
    account = repo.find_account(db, account_id)
    if account is None:
        raise NotFound("account", account_id)
    return account


def accounts_of(db: Session, customer_id: str) -> list[Account]:
    if repo.find(db, customer_id) is None:
        raise NotFound("customer", customer_id)
    return repo.accounts_of(db, customer_id)


def activate_account(db: Session, account_id: str, *, actor: Actor) -> Account:
    """pending -> active (and a prospect customer becomes active); active stays as it is."""
    account = repo.account_for_update(db, account_id)
    if account is None:
        raise NotFound("account", account_id)
    if account.status == AccountStatus.ACTIVE:
        return account
    if account.status == AccountStatus.CLOSED:
        raise Conflict("a closed account cannot be activated")
    account.status = AccountStatus.ACTIVE
    account.activated_at = utcnow()
    db.flush()
    eventlog_service.record(
        db,
        events.ACCOUNT_ACTIVATED,
        actor=actor.ref,
        customer_id=account.customer_id,
        subject_id=account.id,
        payload={"number": account.number},
    )
    customer = repo.find_for_update(db, account.customer_id)
    if customer is not None and customer.status == CustomerStatus.PROSPECT:
        customer.status = CustomerStatus.ACTIVE
        db.flush()
        eventlog_service.record(
            db,
            events.CUSTOMER_UPDATED,
            actor=actor.ref,
            customer_id=customer.id,
            subject_id=customer.id,
            payload={"fields": ["status"], "status": str(customer.status)},
        )
    return account
