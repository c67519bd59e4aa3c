"""Small builders for customers tests: registration bodies and registered customers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from firstmile.auth.scopes import SYSTEM
from firstmile.customers import service
from firstmile.customers.models import ContactMedium, Customer
from firstmile.customers.schemas import RegistrationCreate

VALID_CZ_ICO = "25123891"  # IČO of a real-format Czech company (check digit correct)
VALID_CZ_VAT = "CZ25123891"
VALID_SE_ORGNR = "5560360793"


def person(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "individual",
        "country": "CZ",
        "given_name": "Eva",
        "family_name": "Nováková",
    } | overrides


def organization(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "organization",
        "country": "CZ",
        "legal_name": "Pekárna Novák s.r.o.",
        "registration_number": VALID_CZ_ICO,
        "vat_number": VALID_CZ_VAT,
    } | overrides


def email(value: str = "eva.novakova@example.com", **overrides: Any) -> dict[str, Any]:
    return {"kind": "email", "value": value} | overrides


def phone(value: str = "+420 601 123 456", **overrides: Any) -> dict[str, Any]:
    return {"kind": "phone", "value": value} | overrides


def postal(**overrides: Any) -> dict[str, Any]:
    address = {
        "street": "Vinohradská",
        "house_number": "2828/151",
        "postcode": "130 00",
        "city": "Praha",
        "country": "CZ",
    }
    return {"kind": "postal", "address": address} | overrides


def business_account(**overrides: Any) -> dict[str, Any]:
    company = {
        "legal_name": "Pekárna Novák s.r.o.",
        "registration_number": VALID_CZ_ICO,
        "vat_number": VALID_CZ_VAT,
    }
    return {"kind": "business", "company": company} | overrides


def registration_body(**overrides: Any) -> dict[str, Any]:
    """A JSON body for POST /api/customers: one person, email + mobile + address, one
    residential account."""
    return {
        "customer": person(),
        "preferences": {
            "language": "cs",
            "time_zone": "Europe/Prague",
            "preferred_channels": ["email", "sms"],
        },
        "contacts": [email(), phone(), postal()],
        "consents": [],
        "accounts": [{"kind": "residential"}],
    } | overrides


def registered(db: Session, **overrides: Any) -> Customer:
    """A registered customer (flushed, not committed)."""
    data = RegistrationCreate.model_validate(registration_body(**overrides))
    return service.register(db, data, actor=SYSTEM)


def medium(db: Session, customer: Customer, kind: str) -> ContactMedium:
    return next(m for m in service.media_of(db, customer.id) if m.kind == kind)
