"""Timestamps as every table stores them: naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from brightline.errors import InvalidInput


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


# Dates a clinical record may carry: nothing before the programme's oldest possible history,
# nothing later than tomorrow (a device's clock a few hours ahead of UTC is still today there).
EARLIEST_DAY = date(1900, 1, 1)


def latest_day(today: date | None = None) -> date:
    """The last day a record may be dated: tomorrow (UTC)."""
    return (today or utcnow().date()) + timedelta(days=1)


def check_recorded_day(value: date, field: str, today: date | None = None) -> date:
    """Refuse a record dated before 1900 or after tomorrow, naming the field and the window."""
    last = latest_day(today)
    if not EARLIEST_DAY <= value <= last:
        raise InvalidInput(
            f"{value.isoformat()} is outside the dates a record may have; "
            f"use a date from {EARLIEST_DAY.isoformat()} to {last.isoformat()}",
            field=field,
        )
    return value


def public_time(value: datetime) -> str:
    """A stored (naive UTC) or aware time as RFC 3339 text in UTC, ending in ``Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"
