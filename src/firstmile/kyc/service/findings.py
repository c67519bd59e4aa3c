"""The checks beyond the document: contacts, IBANs, the address, the same document elsewhere.

Each returns findings for the risk decision (`firstmile.kyc.risk`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from firstmile.customers.models import ContactKind, ContactMedium
from firstmile.kit.db import Session
from firstmile.kyc import identifiers, mrz, risk
from firstmile.kyc.models import (
    Verification,
)
from firstmile.kyc.pack import KycFile
from firstmile.packs import loader as packs


def check_entry(
    name: str, ok: bool, message: str, code: str | None, params: dict[str, Any]
) -> dict[str, Any]:
    """A check as a verification keeps it: its English message, and its code and values
    (inside the entry, so the purge that empties `checks` takes them too)."""
    entry: dict[str, Any] = {"name": name, "ok": ok, "message": message}
    return entry | ({"code": code, "params": dict(params)} if code else {})


def identifier_finding(result: identifiers.IdentifierResult, field: str) -> risk.Finding:
    """An identifier that is not valid, its reason named (`identifier.<reason code>`)."""
    code = f"identifier.{result.reason_code}" if result.reason_code else None
    return risk.Finding(
        "identifier_invalid", str(result.reason), field, code, dict(result.reason_params)
    )


def document_findings(parsed: mrz.MrzResult) -> list[risk.Finding]:
    out = []
    for check in parsed.failures:
        rule = {"not_expired": "document_expired", "adult": "minor"}.get(
            check.name, "document_invalid"
        )
        out.append(risk.Finding(rule, check.message, check.name, check.code, check.params))
    return out


def contact_findings(db: Session, customer_id: str, rules: KycFile) -> list[risk.Finding]:
    """The customer's email and phone: disposable domains, SMS reachability, and how many
    other customers use the same ones."""
    out: list[risk.Finding] = []
    disposable = {d.lower() for d in rules.disposable_email_domains}
    media = db.scalars(
        select(ContactMedium).where(
            ContactMedium.customer_id == customer_id,
            ContactMedium.kind.in_([ContactKind.EMAIL, ContactKind.PHONE]),
        )
    ).all()
    for medium in media:
        value = medium.value or ""
        if medium.kind == ContactKind.EMAIL and value.rpartition("@")[2].lower() in disposable:
            detail = f"{value} is at a disposable-mail domain"
            out.append(
                risk.Finding(
                    "disposable_email",
                    detail,
                    "email",
                    "finding.disposable_email",
                    {"email": value},
                )
            )
        if medium.kind == ContactKind.PHONE:
            result = identifiers.check("phone", value, None)
            if result.valid and result.mobile is False:
                detail = f"{value} cannot receive SMS"
                code, params = "finding.non_mobile_phone", {"phone": value}
                out.append(risk.Finding("non_mobile_phone", detail, "phone", code, params))
        others = db.scalar(
            select(func.count(func.distinct(ContactMedium.customer_id))).where(
                ContactMedium.kind == medium.kind,
                ContactMedium.value == value,
                ContactMedium.customer_id != customer_id,
            )
        )
        if others and others >= rules.velocity_limit:
            out.append(
                risk.Finding(
                    "velocity",
                    f"the same {medium.kind} is used by {others} other customers",
                    str(medium.kind),
                    f"finding.velocity_{medium.kind}",
                    {"others": others},
                )
            )
    return out


def iban_velocity(db: Session, customer_id: str, rules: KycFile) -> list[risk.Finding]:
    """The customer's direct-debit accounts (IBAN) held by other customers too."""
    from firstmile.billing.models import BillingAccount, PaymentMethod

    owned = select(PaymentMethod.iban).join(
        BillingAccount, BillingAccount.id == PaymentMethod.billing_account_id
    )
    ibans = db.scalars(
        owned.where(BillingAccount.customer_id == customer_id, PaymentMethod.iban.is_not(None))
    ).all()
    out = []
    for iban in {i for i in ibans if i}:
        others = db.scalar(
            select(func.count(func.distinct(BillingAccount.customer_id)))
            .join(PaymentMethod, PaymentMethod.billing_account_id == BillingAccount.id)
            .where(PaymentMethod.iban == iban, BillingAccount.customer_id != customer_id)
        )
        if others and others >= rules.velocity_limit:
            masked = f"{iban[:4]}…{iban[-4:]}"
            out.append(
                risk.Finding(
                    "velocity",
                    f"the IBAN {masked} is used by {others} other customers",
                    "iban",
                    "finding.velocity_iban",
                    {"iban": masked, "others": others},
                )
            )
    return out


def service_area(db: Session, customer_id: str) -> list[risk.Finding]:
    """The customer's address in a country the operator serves (the pack's country)."""
    from firstmile.customers import service as customers_service

    address = customers_service.postal_address(db, customer_id)
    served = packs.current_meta(db).country
    if address is None or not address.country or address.country == served:
        return []
    detail = f"the address is in {address.country}; the operator serves {served}"
    params = {"address_country": address.country, "served_country": served}
    code = "finding.outside_service_area"
    return [risk.Finding("outside_service_area", detail, "address.country", code, params)]


def document_velocity(
    db: Session, verification: Verification, fingerprint: str
) -> list[risk.Finding]:
    others = db.scalar(
        select(func.count(func.distinct(Verification.customer_id))).where(
            Verification.document_fingerprint == fingerprint,
            Verification.customer_id != verification.customer_id,
        )
    )
    if not others:
        return []
    return [
        risk.Finding(
            "velocity",
            f"the same document is used by {others} other customer(s)",
            "document_number",
            "finding.velocity_document",
            {"others": others},
        )
    ]
