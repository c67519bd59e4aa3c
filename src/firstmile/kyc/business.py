"""Business customers (KYB): the company's identifiers, the persons behind it, and who may
sign for it.

A business verification checks the registration number and the VAT number (for the
company's country), that the beneficial owners' shares make sense, that someone may sign,
and screens every person recorded (when sanctions lists are loaded). The findings are
weighed by the same pack rules as a person's, so the outcome and the review queue are the
same: approve, review (a case for an agent) or reject.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.customers.models import Customer, CustomerKind
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc import events, identifiers, risk
from firstmile.kyc import service as kyc_service
from firstmile.kyc.models import BusinessParty, PartyRole, Verification, VerificationStatus

UBO_THRESHOLD = Decimal(25)  # a share from which an owner must be recorded, as a rule


@dataclass(frozen=True)
class PartyCreate:
    roles: list[str]
    given_name: str
    family_name: str
    birth_date: date | None = None
    nationality: str | None = None
    ownership_percent: Decimal | None = None
    email: str | None = None
    phone: str | None = None


def _business(db: Session, customer_id: str) -> Customer:
    customer = customers_repo.find(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    if customer.kind != CustomerKind.ORGANIZATION:
        raise Conflict("the customer is not a business", field="customer_id")
    return customer


def add_party(db: Session, customer_id: str, data: PartyCreate, *, actor: Actor) -> BusinessParty:
    """Record a representative, beneficial owner or signatory (contacts checked and
    normalised: a signatory's code goes to them)."""
    customer = _business(db, customer_id)
    roles = sorted(set(data.roles))
    allowed = {r.value for r in PartyRole}
    if not roles or not set(roles) <= allowed:
        raise InvalidInput(f"give one or more of {', '.join(sorted(allowed))}", field="roles")
    share = data.ownership_percent
    if PartyRole.BENEFICIAL_OWNER in roles and share is None:
        raise InvalidInput(
            "a beneficial owner needs their share (0-100)", field="ownership_percent"
        )
    if share is not None and not Decimal(0) < share <= Decimal(100):
        raise InvalidInput("must be more than 0 and at most 100", field="ownership_percent")
    email = _checked(data.email, "email", customer.country) if data.email else None
    phone = _checked(data.phone, "phone", customer.country) if data.phone else None
    if PartyRole.SIGNATORY in roles and not (email or phone):
        raise InvalidInput(
            "a signatory needs an email or a mobile number for the code", field="email"
        )
    party = BusinessParty(
        customer_id=customer_id,
        roles=roles,
        given_name=data.given_name.strip(),
        family_name=data.family_name.strip(),
        birth_date=data.birth_date,
        nationality=data.nationality,
        ownership_percent=share,
        email=email,
        phone=phone,
        created_by=actor.ref,
    )
    db.add(party)
    db.flush()
    return party


def _checked(value: str, kind: str, country: str) -> str:
    result = identifiers.check(kind, value, country, require_mobile=kind == "phone")
    if not result.valid or result.normalised is None:
        raise InvalidInput(str(result.reason), field=kind)
    return result.normalised


def parties(db: Session, customer_id: str) -> list[BusinessParty]:
    return list(
        db.scalars(
            select(BusinessParty)
            .where(BusinessParty.customer_id == customer_id, BusinessParty.removed_at.is_(None))
            .order_by(BusinessParty.created_at)
        )
    )


def remove_party(db: Session, customer_id: str, party_id: str, *, actor: Actor) -> BusinessParty:
    party = db.get(BusinessParty, party_id)
    if party is None or party.customer_id != customer_id or party.removed_at is not None:
        raise NotFound("party", party_id)
    party.removed_at = utcnow()
    return party


def signatory(db: Session, customer_id: str, party_id: str | None) -> BusinessParty:
    """The authorised signatory who signs for the business: only they may sign its contracts."""
    if party_id is None:
        raise InvalidInput(
            "a business contract is signed by an authorised signatory: give signatory_id",
            field="signatory_id",
        )
    party = db.get(BusinessParty, party_id)
    if party is None or party.customer_id != customer_id or party.removed_at is not None:
        raise NotFound("signatory", party_id)
    if PartyRole.SIGNATORY not in party.roles:
        raise Conflict(f"{party.full_name} is not an authorised signatory", field="signatory_id")
    return party


def verify(db: Session, customer_id: str, *, actor: Actor) -> Verification:
    """Check the business and the persons behind it; decide as for a person."""
    customer = _business(db, customer_id)
    people = parties(db, customer_id)
    findings = _company_findings(customer) + _party_findings(people)
    findings += _screening_findings(db, customer, people)
    rules = kyc_service.policy(db)
    decision = risk.decide(findings, kyc_service.risk_policy(rules))
    verification = Verification(
        customer_id=customer_id,
        status=VerificationStatus.AWAITING_DOCUMENTS,
        typed={"business": {"legal_name": customer.legal_name, "parties": len(people)}},
        checks=[
            kyc_service.check_entry(f.field or f.rule, False, f.detail, f.code, f.params)
            for f in findings
        ],
        score=decision.score,
        outcome=decision.outcome,
        reasons=decision.reasons,
        submissions=1,
    )
    db.add(verification)
    db.flush()
    kyc_service.record(db, events.KYC_STARTED, verification, actor, started_by=actor.ref)
    kyc_service.settle(db, verification, decision, rules, actor)
    return verification


def _company_findings(customer: Customer) -> list[risk.Finding]:
    out = []
    for kind, value, field in (
        ("company_id", customer.registration_number, "registration_number"),
        ("vat", customer.vat_number, "vat_number"),
    ):
        if not value:
            if field == "registration_number":
                code = "business.no_registration_number"
                detail = "no registration number"
                out.append(risk.Finding("identifier_invalid", detail, field, code))
            continue
        result = identifiers.check(kind, value, customer.country)
        if not result.valid:
            found = kyc_service.identifier_finding(result, field)
            out.append(replace(found, detail=f"{field}: {result.reason}"))
    return out


def _party_findings(people: list[BusinessParty]) -> list[risk.Finding]:
    out = []
    if not any(PartyRole.SIGNATORY in p.roles for p in people):
        detail, code = "nobody may sign for the business", "business.no_signatory"
        out.append(risk.Finding("identifier_invalid", detail, "signatory", code))
    if not any(PartyRole.BENEFICIAL_OWNER in p.roles for p in people):
        detail, code = "no beneficial owner is recorded", "business.no_beneficial_owner"
        out.append(risk.Finding("data_mismatch", detail, "beneficial_owner", code))
    shares = sum(
        (p.ownership_percent or Decimal(0)) for p in people if PartyRole.BENEFICIAL_OWNER in p.roles
    )
    if shares > 100:
        out.append(
            risk.Finding(
                "data_mismatch",
                f"the owners' shares add up to {shares} %",
                "ownership_percent",
                "business.shares_over_100",
                {"percent": str(shares)},
            )
        )
    return out


def _screening_findings(
    db: Session, customer: Customer, people: list[BusinessParty]
) -> list[risk.Finding]:
    """Every person behind the business, and the business itself, against the lists."""
    from firstmile.kyc import screening_link

    out: list[risk.Finding] = []
    subjects: list[tuple[str, str, date | None, str | None, str]] = [
        ("customer", customer.legal_name or "", None, customer.country, "company")
    ]
    subjects += [
        (f"party:{p.id}", p.full_name, p.birth_date, p.nationality, "person") for p in people
    ]
    for key, name, birth, country, schema in subjects:
        hits = screening_link.screen(db, customer.id, name, birth, country, schema, subject=key)
        out += [risk.Finding("screening_hit", hit, "screening") for hit in hits]
    for party in people:
        party.screening = {"screened_at": utcnow().isoformat()}
    return out
