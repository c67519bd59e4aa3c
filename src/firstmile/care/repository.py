"""Every query of the care domain."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from firstmile.care.models import HelpRequest, HelpRequestStatus, Tutorial, TutorialProgress
from firstmile.kit.db import Session


def tutorials(db: Session) -> list[Tutorial]:
    return list(db.scalars(select(Tutorial).order_by(Tutorial.position, Tutorial.code)))


def tutorial(db: Session, code: str) -> Tutorial | None:
    return db.scalar(select(Tutorial).where(Tutorial.code == code))


def delete_tutorials(db: Session) -> None:
    db.execute(delete(Tutorial))


def progress(db: Session, customer_id: str, code: str) -> TutorialProgress | None:
    return db.scalar(
        select(TutorialProgress).where(
            TutorialProgress.customer_id == customer_id, TutorialProgress.tutorial_code == code
        )
    )


def progress_of_customer(db: Session, customer_id: str) -> list[TutorialProgress]:
    return list(
        db.scalars(select(TutorialProgress).where(TutorialProgress.customer_id == customer_id))
    )


def help_request(db: Session, help_request_id: str) -> HelpRequest | None:
    return db.get(HelpRequest, help_request_id)


def help_requests_of(db: Session, customer_id: str, *, limit: int = 100) -> list[HelpRequest]:
    return list(
        db.scalars(
            select(HelpRequest)
            .where(HelpRequest.customer_id == customer_id)
            .order_by(HelpRequest.created_at.desc(), HelpRequest.id)
            .limit(limit)
        )
    )


def open_help_requests(db: Session, *, limit: int = 100, offset: int = 0) -> list[HelpRequest]:
    """Oldest first: the queue agents work from."""
    return list(
        db.scalars(
            select(HelpRequest)
            .where(HelpRequest.status == HelpRequestStatus.OPEN)
            .order_by(HelpRequest.created_at, HelpRequest.id)
            .limit(limit)
            .offset(offset)
        )
    )


def count_open_of(db: Session, customer_id: str) -> int:
    stmt = (
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.customer_id == customer_id,
            HelpRequest.status == HelpRequestStatus.OPEN,
        )
    )
    return db.scalar(stmt) or 0
