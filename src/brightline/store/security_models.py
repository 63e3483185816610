"""Storage models of sign-in and security: tokens, sign-in throttling, emergency access and
the installation's key check. They share ``Base.metadata`` with the pathway's models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightline.store.models import Base, new_id
from brightline.timestamps import utcnow


class ApiToken(Base):
    """A sign-in token, stored only as its SHA-256 so a database leak yields no usable token."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginThrottle(Base):
    """Failed sign-ins per account and per client, to slow down password guessing."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class BreakGlassGrant(Base):
    """Emergency access to one person's record: reasoned, time-limited, reviewed afterwards."""

    __tablename__ = "break_glass_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)


class KeyCheck(Base):
    """The installation's key check: recognises its key files even before anyone is stored.

    One row, written by ``brightline init`` (see ``identifiers.make_key_check``).
    """

    __tablename__ = "key_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    pseudonym_check: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
