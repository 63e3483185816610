"""The review queue and sent-back cases as plain values, for the reviewer's and clinic's pages.

Pure: no I/O. A queue line carries what a doctor needs to choose the next case — never a
name, phone or ID: age, sex, both eyes' presenting VA with the WHO category of the better and
the worse eye (WHO ICD-10 H54 / ICD-11 9D90 categories 0–5, 9 when not measured), the
clinic, how long the case has waited, its photos and whether it is urgent.
"""

from __future__ import annotations

from dataclasses import dataclass

from brightline.acuity import AcuityError, VisualAcuity, better_eye, parse_va, worse_eye
from brightline.records import PersonRecord, ReferralRecord
from brightline.vocabulary import Priority


@dataclass(frozen=True)
class QueueQuery:
    """What a reviewer narrows the queue to (clinic id, county code, urgency, photos, code)."""

    clinic: int | None = None
    county: str | None = None
    urgent_only: bool = False
    with_photos: bool | None = None
    code: str | None = None


def _va(written: str | None) -> VisualAcuity | None:
    if not written:
        return None
    try:
        return parse_va(written)
    except AcuityError:
        return None


@dataclass(frozen=True)
class EyeSummary:
    """One eye's presenting VA as stored and its WHO category (9: not measured)."""

    va: str | None
    category: int


def eye_summary(va: VisualAcuity | None) -> EyeSummary:
    """The stored (metric Snellen) VA and WHO category of one eye, or 'not measured'."""
    return EyeSummary(None, 9) if va is None else EyeSummary(va.snellen_metric, va.who_category)


@dataclass(frozen=True)
class QueueLine:
    """One case in the review queue, as a reviewer triages it."""

    referral: ReferralRecord
    sex: str
    age: int
    better: EyeSummary
    worse: EyeSummary
    clinic: str
    county: str | None
    days_waiting: int
    photo_count: int

    @property
    def urgent(self) -> bool:
        """Urgent referrals come first and are marked."""
        return self.referral.priority == Priority.URGENT

    @property
    def came_back(self) -> bool:
        """The clinic redid what a reviewer sent the case back for."""
        return self.referral.resumed_at is not None


def queue_line(
    referral: ReferralRecord,
    *,
    sex: str,
    age: int,
    right_va: str | None,
    left_va: str | None,
    clinic: str,
    county: str | None,
    days_waiting: int,
    photo_count: int,
) -> QueueLine:
    """A queue line, the better and worse eye taken from the two presenting VAs (WHO)."""
    right, left = _va(right_va), _va(left_va)
    return QueueLine(
        referral,
        sex,
        age,
        eye_summary(better_eye(right, left)),
        eye_summary(worse_eye(right, left)) if right and left else eye_summary(None),
        clinic,
        county,
        days_waiting,
        photo_count,
    )


@dataclass(frozen=True)
class QueueChoices:
    """The clinics and counties of the reviewer's region, to filter the queue by."""

    clinics: list[tuple[int, str]]
    counties: list[tuple[str, str]]


@dataclass(frozen=True)
class ReturnedCase:
    """A case a reviewer sent back to the clinic: who to see again and why."""

    referral: ReferralRecord
    person: PersonRecord
    name: str | None
    phone: str | None
