"""The theatre's own records as plain values: an eye not operated, the centre's surgeons.

Kept apart from :mod:`brightline.records` so that module stays one page; pure like it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The most words an "other" complication or a reason not to operate may hold.
NOTE_LIMIT = 200


@dataclass(frozen=True, kw_only=True)
class NotOperatedInput:
    """A patient came for an operation on one eye and was not operated, and why."""

    referral_id: str
    eye: str
    decided_on: date
    reason: str
    note: str = ""
    facility_id: int | None = None
    recorded_by: int | None = None
    id: str | None = None


@dataclass(frozen=True)
class NotOperatedRecord:
    """An eye not operated on the day, with the reason (vocabulary.NotOperatedReason)."""

    id: str
    referral_id: str
    person_id: str
    eye: str
    decided_on: date
    reason: str
    note: str


@dataclass(frozen=True)
class Surgeon:
    """A surgical-centre account a theatre record can name as the operating surgeon."""

    id: int
    username: str
