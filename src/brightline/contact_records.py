"""The follow-up worklist's contact attempts as plain values: what a clinic records, what it sees.

Kept beside :mod:`brightline.records` (same rules: inputs go in, frozen views come out of the
access layer, built in the transaction that checked the policy and wrote the audit entry).
Pure: no I/O, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from brightline.records import Identifiers, ReferralRecord


@dataclass(frozen=True, kw_only=True)
class ContactAttemptInput:
    """One attempt to reach a person on the worklist, as the health worker enters it.

    ``attempted_at`` defaults to now; ``note`` holds the words of an "other" reason to decline.
    """

    referral_id: str
    outcome: str
    decline_reason: str | None = None
    note: str | None = None
    will_attend_on: date | None = None
    attempted_at: datetime | None = None


@dataclass(frozen=True)
class ContactAttemptRecord:
    """One recorded attempt: when, by whom (username), what it found."""

    id: str
    referral_id: str
    attempted_at: datetime
    attempted_by: str | None
    outcome: str
    decline_reason: str | None
    note: str | None
    will_attend_on: date | None


@dataclass(frozen=True)
class WorklistEntryView:
    """A worklist entry as the clinic works it: the referral, who, and every attempt so far."""

    referral: ReferralRecord
    identifiers: Identifiers
    days_waiting: int
    attempts: list[ContactAttemptRecord]


@dataclass(frozen=True)
class WorklistFilter:
    """Which entries of the worklist to show, and in which order.

    ``outcome``: the latest attempt's outcome (``not_tried``: none yet); ``longest_first``:
    sort by days waiting, longest first (the default) or shortest first.
    """

    outcome: str | None = None
    longest_first: bool = True
