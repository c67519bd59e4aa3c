"""Erasure of a customer's personal data (GDPR article 17), except what `holds` keeps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, delete, select, update

from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repo
from firstmile.eventlog import service as eventlog
from firstmile.kit.db import Session
from firstmile.kit.errors import Conflict, NotFound
from firstmile.kit.time import utcnow
from firstmile.kyc import events
from firstmile.kyc.privacy import copies
from firstmile.kyc.privacy.holds import ERASED, Holds, answer, legal_holds

LIVE_PRODUCT = ("active", "pending_activation", "suspended")


def erase_subject(db: Session, customer_id: str, *, actor: Actor, reason: str) -> dict[str, Any]:
    """Erase what may be erased; returns what was erased and what is held, and why."""
    customer = customers_repo.find_for_update(db, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    from firstmile.orders.models import Product

    live = db.scalar(
        select(Product.id).where(
            Product.customer_id == customer_id, Product.status.in_(LIVE_PRODUCT)
        )
    )
    if live is not None:
        raise Conflict(
            "the customer has a live service: terminate it before erasing the data",
            field="customer_id",
        )
    holds = legal_holds(db, customer_id)
    erased = _erase_personal_data(db, customer_id, holds, actor)
    held = answer(holds)
    customer.given_name = customer.family_name = None
    customer.legal_name = ERASED if customer.legal_name else None
    customer.birth_date = None
    customer.registration_number = customer.vat_number = None
    customer.status = "closed"  # type: ignore[assignment]
    eventlog.record(
        db,
        events.PRIVACY_ERASED,
        actor=actor.ref,
        customer_id=customer_id,
        subject_type="customer",
        subject_id=customer_id,
        payload={"erased": sorted(erased), "held": [h["data"] for h in held], "reason": reason},
    )
    return {"customer_id": customer_id, "erased": sorted(erased), "held": held}


def _erase_personal_data(db: Session, customer_id: str, holds: Holds, actor: Actor) -> set[str]:
    needles = copies.ids_in_answers(db, customer_id)  # before anything is deleted
    erased = {"customer profile"}
    erased |= _erase_contacts_and_messages(db, customer_id)
    erased |= _erase_journeys(db, customer_id)
    erased |= _erase_kyc(db, customer_id, holds)
    erased |= _erase_billing(db, customer_id, holds, actor)
    erased |= _cancel_open_orders(db, customer_id, holds, actor)
    erased |= copies.erase_orders(db, customer_id, holds)
    erased |= _cancel_appointments(db, customer_id, actor)
    erased |= copies.erase_notes(db, customer_id)
    erased |= copies.erase_traces(db, customer_id, needles)
    erased |= copies.erase_event_fields(db, customer_id)
    db.flush()
    db.expire_all()
    return erased


def _cancel_open_orders(db: Session, customer_id: str, holds: Holds, actor: Actor) -> set[str]:
    """Orders still waiting for a signature are cancelled as the customer could cancel them
    (their contracts are voided below): nothing would ever complete them."""
    from firstmile.orders import service as orders
    from firstmile.orders.models import Order, OrderStatus

    waiting = db.scalars(
        select(Order.id).where(
            Order.customer_id == customer_id,
            Order.status == OrderStatus.AWAITING_SIGNATURE,
            Order.id.not_in(sorted(holds.orders)),
        )
    ).all()
    for order_id in waiting:
        orders.cancel_order(db, order_id, reason="personal data erased", actor=actor)
    return {"orders waiting for a signature (cancelled)"} if waiting else set()


def _cancel_appointments(db: Session, customer_id: str, actor: Actor) -> set[str]:
    """Appointments still to come are cancelled, their places freed for others: nobody is
    left to come to them (those begun or past keep their record, notes erased after)."""
    from firstmile.appointments import service as appointments
    from firstmile.appointments.models import BookingStatus

    now, cancelled = utcnow(), False
    for booking in appointments.bookings_for_customer(
        db, customer_id, status=BookingStatus.BOOKED, limit=10_000
    ):
        if booking.slot.starts_at > now:
            appointments.cancel(db, booking.id, actor=actor)
            cancelled = True
    return {"appointments to come (cancelled)"} if cancelled else set()


def _erase_contacts_and_messages(db: Session, customer_id: str) -> set[str]:
    from firstmile.customers.models import ContactMedium
    from firstmile.messaging.models import (
        InboxItem,
        Message,
        PushSubscription,
        SimulatedDelivery,
    )
    from firstmile.messaging.segments.models import SegmentMembership

    db.execute(delete(ContactMedium).where(ContactMedium.customer_id == customer_id))
    db.execute(
        update(Message)
        .where(Message.customer_id == customer_id)
        .values(subject="", body_text="", body_html=None, recipient=None, link=None, fallbacks=[])
    )
    db.execute(
        update(SimulatedDelivery)
        .where(SimulatedDelivery.customer_id == customer_id)
        .values(recipient="", subject="", body_text="", body_html=None)
    )
    for model in (InboxItem, PushSubscription, SegmentMembership):
        db.execute(delete(model).where(model.customer_id == customer_id))
    return {
        "contact media",
        "message texts and addresses",
        "inbox",
        "push subscriptions",
        "segment memberships",
    }


def _erase_journeys(db: Session, customer_id: str) -> set[str]:
    from firstmile.journeys.models import JourneyInstance

    for instance in db.scalars(
        select(JourneyInstance).where(JourneyInstance.customer_id == customer_id)
    ):
        state = dict(instance.state or {})
        state["attributes"], state["trigger"] = {}, {}
        instance.state, instance.due_at = state, None
        if instance.status not in ("completed", "exited", "failed"):
            instance.status, instance.ended_at = "exited", utcnow()
    return {"journey data"}


def _erase_kyc(db: Session, customer_id: str, holds: Holds) -> set[str]:
    from firstmile.kyc.models import BusinessParty, KycDocument
    from firstmile.kyc.screening.models import ScreenedSubject

    db.execute(
        update(KycDocument)
        .where(KycDocument.customer_id == customer_id, KycDocument.sealed.is_not(None))
        .values(sealed=None, purged_at=utcnow())
    )
    db.execute(
        update(BusinessParty)
        .where(BusinessParty.customer_id == customer_id)
        .values(email=None, phone=None)
    )
    # The names kept for re-screening at each list load: a closed customer is screened no
    # more (the results and decisions so far stay with the held KYC records).
    db.execute(delete(ScreenedSubject).where(ScreenedSubject.customer_id == customer_id))
    erased = {"identity document images", "names kept for re-screening"}
    if holds.parties:
        erased.add("contacts of the persons behind the business")
    if holds.signed:
        return erased
    _erase_verifications(db, customer_id)
    db.execute(
        update(BusinessParty)
        .where(BusinessParty.customer_id == customer_id)
        .values(
            given_name=ERASED,
            family_name=ERASED,
            birth_date=None,
            nationality=None,
            ownership_percent=None,
            screening={},
        )
    )
    _erase_screening(db, customer_id)
    if holds.parties:
        erased.add("persons behind the business")
    return erased | {"identity verification details", "screening names and hits"}


def _erase_verifications(db: Session, customer_id: str) -> None:
    """As the retention job does (`purge_details`), and the reviewers' notes with it."""
    from firstmile.kyc.models import KycAudit, Verification

    now = utcnow()
    for verification in db.scalars(
        select(Verification).where(Verification.customer_id == customer_id)
    ):
        verification.typed, verification.document, verification.checks = {}, {}, []
        verification.document_fingerprint = verification.decision_note = None
        verification.reasons = [
            {"rule": r["rule"], "weight": r.get("weight", 0)} for r in verification.reasons
        ]
        verification.details_purged_at = verification.details_purged_at or now
    audits = select(KycAudit).join(Verification, KycAudit.verification_id == Verification.id)
    for row in db.scalars(audits.where(Verification.customer_id == customer_id)):
        if row.detail.get("note") is not None:
            row.detail = {**row.detail, "note": ERASED}


def _erase_screening(db: Session, customer_id: str) -> None:
    """The hits' copies of the names screened, and the decisions' notes."""
    from firstmile.kyc.screening.models import Hit, HitDecision

    hits = select(Hit.id).where(Hit.customer_id == customer_id)
    db.execute(update(HitDecision).where(HitDecision.hit_id.in_(hits)).values(note=ERASED))
    db.execute(
        update(Hit)
        .where(Hit.customer_id == customer_id)
        .values(query_name=ERASED, explanation={}, decision_note=None)
    )


def _erase_billing(db: Session, customer_id: str, holds: Holds, actor: Actor) -> set[str]:
    """Accounts not billed under a signed contract: names, identifiers, bill email (their
    billing accounts close) and payment methods (revoked: nothing is left to collect on)."""
    from firstmile.billing.models import BillingAccount, PaymentMethod
    from firstmile.customers.models import Account

    db.execute(
        update(Account)
        .where(Account.customer_id == customer_id, Account.id.not_in(sorted(holds.accounts)))
        .values(
            name=ERASED,
            legal_name=case((Account.legal_name.is_(None), None), else_=ERASED),
            registration_number=None,
            vat_number=None,
        )
    )
    billing = select(BillingAccount.id).where(
        BillingAccount.customer_id == customer_id,
        BillingAccount.account_id.not_in(sorted(holds.accounts)),
    )
    methods = PaymentMethod.billing_account_id.in_(billing)
    db.execute(
        update(PaymentMethod)
        .where(methods, PaymentMethod.status == "active")
        .values(status="revoked", is_default=False, revoked_at=utcnow(), revoked_by=actor.ref)
    )
    db.execute(
        update(PaymentMethod)
        .where(methods)
        .values(
            holder_name=None,
            iban=None,
            bic=None,
            mandate_signed_by=None,
            token_reference=None,
            last4=None,
            expiry_month=None,
            expiry_year=None,
        )
    )
    db.execute(
        update(BillingAccount)
        .where(BillingAccount.id.in_(billing))
        .values(bill_email=None, status="closed", updated_by=actor.ref)
    )
    return {"account names and company identifiers", "bill emails", "payment methods"}
