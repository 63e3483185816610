"""Timestamps as every table stores them: naive UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp every table stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def stored_time(value: datetime | None, default: datetime) -> datetime:
    """A timestamp as stored: aware times converted to naive UTC, missing ones defaulted."""
    if value is None:
        return default
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
