"""Storage of the three ways data may leave: DP releases, their ε ledger, export requests.

A release is computed once, on approval, and its result stored as published; the ledger is
append-only at the database level (migration 0014), like the audit log. An export request
is decided by someone other than its requester (a CHECK constraint says so too).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightline.store.models import Base, new_id
from brightline.vocabulary import ExportKind, ExportStatus, RegionLevel, ReleaseStatus, values


def _one_of(column: str, allowed: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in allowed)
    return f"{column} IN ({quoted})"


# Two people: whoever decides is never the one who asked (checked here as well as in code).
_TWO_PEOPLE = "decided_by IS NULL OR decided_by <> requested_by"


class Release(Base):
    """A proposed differentially private release and, once approved, its stored figures."""

    __tablename__ = "releases"
    __table_args__ = (
        CheckConstraint(_one_of("status", values(ReleaseStatus)), name="status"),
        CheckConstraint(_one_of("level", values(RegionLevel)), name="level"),
        CheckConstraint("period_end > period_start", name="period"),
        CheckConstraint("epsilon_total > 0", name="epsilon"),
        CheckConstraint(_TWO_PEOPLE, name="two_people"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(12), default=ReleaseStatus.PROPOSED.value)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str | None] = mapped_column(String(32))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # {"table name": ε, …} as proposed; their sum is what the ledger is charged.
    epsilons: Mapped[str] = mapped_column(Text)
    epsilon_total: Mapped[float] = mapped_column(Float)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # The published figures (JSON), written once when the release is computed.
    result: Mapped[str | None] = mapped_column(Text)
    snapshot_created_at: Mapped[str | None] = mapped_column(String(40))


class PrivacyLedger(Base):
    """One charge of ε against one calendar year of data: append-only, never edited."""

    __tablename__ = "privacy_ledger"
    __table_args__ = (CheckConstraint("epsilon > 0", name="epsilon"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_year: Mapped[int] = mapped_column(Integer, index=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("releases.id"))
    epsilon: Mapped[float] = mapped_column(Float)
    spent_at: Mapped[datetime] = mapped_column(DateTime)


class ExportRequest(Base):
    """A request for person-level data: de-identified for research, or identified."""

    __tablename__ = "export_requests"
    __table_args__ = (
        CheckConstraint(_one_of("kind", values(ExportKind)), name="kind"),
        CheckConstraint(_one_of("status", values(ExportStatus)), name="status"),
        CheckConstraint(_TWO_PEOPLE, name="two_people"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default=ExportStatus.REQUESTED.value)
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(32))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    # The variables asked for (JSON list; research exports).
    variables: Mapped[str] = mapped_column(Text, default="[]")
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    produced_at: Mapped[datetime | None] = mapped_column(DateTime)
    people: Mapped[int | None] = mapped_column(Integer)
    suppressed: Mapped[int | None] = mapped_column(Integer)
