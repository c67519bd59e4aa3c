"""Sanctions and PEP lists, their entries, the customers screened against them, the hits
and the reviewers' decisions on them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firstmile.kit.db import Base, IdMixin
from firstmile.kit.time import utcnow


class HitStatus(StrEnum):
    OPEN = "open"  # waits for a reviewer
    FALSE_POSITIVE = "false_positive"  # not this customer; silent until the entry changes
    CONFIRMED = "confirmed"  # the customer is the listed person or organisation


class ScreeningList(Base):
    """One loaded list (a source: un, eu, ofac, or a name given at load time); `load_id`
    changes with every load, so a process knows when its in-memory index is stale."""

    __tablename__ = "kyc_screening_lists"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    format: Mapped[str] = mapped_column(String(8))  # un, eu, ofac, ftm
    load_id: Mapped[str] = mapped_column(String(36))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    entry_count: Mapped[int] = mapped_column(default=0)


class ListEntry(IdMixin, Base):
    """A person, organisation, vessel or aircraft on a list, as last loaded. An entry no
    longer in the file is kept with `removed_at`, so hits on it keep their evidence."""

    __tablename__ = "kyc_screening_entries"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_kyc_screening_entries_active", "removed_at", "source"),
    )

    source: Mapped[str] = mapped_column(ForeignKey("kyc_screening_lists.source"))
    external_id: Mapped[str] = mapped_column(String(100))
    schema: Mapped[str] = mapped_column(String(16))  # person, company, other
    names: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{"name", "kind"}], primary first
    birth_dates: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # 1962-05-01, 1962, 1960/1964
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO alpha-2
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # sanction, role.pep, ...
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # reference, programme, ...
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]


class ScreenedSubject(Base):
    """What a customer (or a person behind a business customer) was last screened as:
    re-screened against new and changed entries whenever a list is loaded."""

    __tablename__ = "kyc_screening_subjects"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    # Who of the customer: the customer themself, or a person behind a business
    # ("party:<id>"): each is re-screened on its own.
    subject: Mapped[str] = mapped_column(String(60), primary_key=True, default="customer")
    name: Mapped[str] = mapped_column(String(300))
    birth_date: Mapped[date | None]
    nationality: Mapped[str | None] = mapped_column(String(2))
    schema: Mapped[str | None] = mapped_column(String(16))
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)


class Hit(IdMixin, Base):
    """A list entry that matched a customer, with the entry's content hash at the time:
    a decision holds for that version of the entry only."""

    __tablename__ = "kyc_screening_hits"
    __table_args__ = (
        UniqueConstraint("customer_id", "entry_id", "entry_hash"),
        Index("ix_kyc_screening_hits_status", "status", "created_at"),
    )

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    entry_id: Mapped[str] = mapped_column(ForeignKey("kyc_screening_entries.id"))
    entry_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[HitStatus] = mapped_column(String(16), default=HitStatus.OPEN)
    score: Mapped[float]
    query_name: Mapped[str] = mapped_column(String(300))
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)  # Match.to_dict()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_note: Mapped[str | None] = mapped_column(Text)


class HitDecision(IdMixin, Base):
    """A reviewer's decision on a hit: who, when, why (the audit trail)."""

    __tablename__ = "kyc_screening_decisions"
    __table_args__ = (Index("ix_kyc_screening_decisions_hit", "hit_id", "at"),)

    hit_id: Mapped[str] = mapped_column(ForeignKey("kyc_screening_hits.id"))
    decision: Mapped[HitStatus] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
