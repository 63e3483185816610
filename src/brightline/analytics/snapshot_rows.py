"""The rows of the analytics snapshot, read from the store: one generator per table.

Each generator yields (partition, row) with pseudonyms only (``brightline.analytics.snapshot``
says what a snapshot holds and never holds): people by their analytics pseudonym, records that
other tables refer to by a keyed HMAC (:func:`record_key`), places by their region and
facility codes, staff by their pseudonyms. A month-partitioned table reads only the months
asked for.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from brightline.identifiers import IdentifierKeys
from brightline.store.analytics_models import Population
from brightline.store.models import (
    Attendance,
    ContactAttempt,
    Facility,
    FollowUp,
    Person,
    Referral,
    Region,
    Review,
    Screening,
    Surgery,
    User,
)
from brightline.vocabulary import (
    CLOSING_CONTACT_OUTCOMES,
    SCREENING_VOIDED,
    ContactOutcome,
    Recommendation,
)

BATCH_ROWS = 50_000


def not_voided_referral() -> ColumnElement[bool]:
    """The referral was not closed because its screening was voided (it counts nowhere)."""
    return or_(Referral.close_reason.is_(None), Referral.close_reason != SCREENING_VOIDED)


def record_key(keys: IdentifierKeys, table: str, record_id: str) -> str:
    """Keyed pseudonym of an operational record: stable across snapshots, never its UUID."""
    message = f"analytics-record:{table}:{record_id}".encode()
    return hmac.new(keys.pseudonym_key, message, hashlib.sha256).hexdigest()[:24]


def month_key(moment: date | datetime) -> str:
    """Partition name of a date: ``YYYY-MM``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def _month_bounds(key: str) -> tuple[datetime, datetime]:
    year, month = int(key[:4]), int(key[5:7])
    start = datetime(year, month, 1)
    return start, datetime(year + month // 12, month % 12 + 1, 1)


def _in_months(column: Any, keys: Iterable[str] | None) -> ColumnElement[bool]:
    """``column`` falls in one of the months ``keys`` (all months when ``keys`` is None)."""
    if keys is None:
        return true()
    ranges = []
    for key in sorted(keys):
        start, end = _month_bounds(key)
        if column.type.python_type is date:
            ranges.append(and_(column >= start.date(), column < end.date()))
        else:
            ranges.append(and_(column >= start, column < end))
    return or_(*ranges) if ranges else false()


# -- lookups shared by every table ----------------------------------------------------------


@dataclass
class Places:
    """Region codes per region id, facility codes and staff pseudonyms."""

    regions: dict[int, tuple[str | None, str | None, str | None]]
    facilities: dict[int, str]
    staff: dict[int, str]
    fingerprint: str

    @classmethod
    def load(cls, session: Session) -> Places:
        regions: dict[int, tuple[str | None, str | None, str | None]] = {}
        digest = hashlib.sha256()
        for region_id, code, path in session.execute(
            select(Region.id, Region.code, Region.path).order_by(Region.id)
        ):
            # The path is "/PROVINCE/COUNTY/TOWNSHIP/": its segments are the codes by level.
            parts = [p for p in path.split("/") if p][:3]
            padded = parts + [None] * (3 - len(parts))
            regions[region_id] = (padded[0], padded[1], padded[2])
            digest.update(f"r{region_id}:{code}:{path}\n".encode())
        facilities: dict[int, str] = {}
        for facility_id, code, region_id in session.execute(
            select(Facility.id, Facility.code, Facility.region_id).order_by(Facility.id)
        ):
            facilities[facility_id] = code
            digest.update(f"f{facility_id}:{code}:{region_id}\n".encode())
        staff: dict[int, str] = {}
        for user_id, pseudonym in session.execute(
            select(User.id, User.pseudonym).order_by(User.id)
        ):
            staff[user_id] = pseudonym
            digest.update(f"u{user_id}:{pseudonym}\n".encode())
        return cls(regions, facilities, staff, digest.hexdigest())

    def region(self, region_id: int | None) -> tuple[str | None, str | None, str | None]:
        return self.regions.get(region_id, (None, None, None)) if region_id else (None,) * 3


# -- extraction: one generator of (partition, row) per table ----------------------------------

Row = dict[str, Any]
Extract = Callable[[Session, Places, IdentifierKeys, set[str] | None], Iterator[tuple[str, Row]]]


def _stream(session: Session, query: Any) -> Iterator[Any]:
    yield from session.execute(query.execution_options(yield_per=BATCH_ROWS))


def _screenings(
    session: Session, places: Places, _keys: IdentifierKeys, months: set[str] | None
) -> Iterator[tuple[str, Row]]:
    query = (
        select(
            Person.pseudonym,
            Person.sex,
            Person.birth_year,
            Person.region_id,
            Screening.screened_at,
            Screening.facility_id,
            Screening.right_presenting_logmar,
            Screening.left_presenting_logmar,
            Screening.right_pinhole_logmar,
            Screening.left_pinhole_logmar,
            Screening.right_lens,
            Screening.left_lens,
            Screening.triage_decision,
            Screening.triage_rule_version,
            Screening.suspected_cataract,
        )
        .join(Person, Screening.person_id == Person.id)
        # A voided screening was typed in error: it counts nowhere.
        .where(_in_months(Screening.screened_at, months), Screening.voided_at.is_(None))
        .order_by(Screening.screened_at, Person.pseudonym)
    )
    for r in _stream(session, query):
        province, county, township = places.region(r.region_id)
        yield (
            month_key(r.screened_at),
            {
                "person": r.pseudonym,
                "sex": r.sex,
                "birth_year": r.birth_year,
                "screened_at": r.screened_at,
                "screened_on": r.screened_at.date(),
                "year": r.screened_at.year,
                "month": r.screened_at.month,
                "age": r.screened_at.year - r.birth_year,
                "facility": places.facilities.get(r.facility_id),
                "province": province,
                "county": county,
                "township": township,
                "right_presenting_logmar": r.right_presenting_logmar,
                "left_presenting_logmar": r.left_presenting_logmar,
                "right_pinhole_logmar": r.right_pinhole_logmar,
                "left_pinhole_logmar": r.left_pinhole_logmar,
                "right_lens": r.right_lens,
                "left_lens": r.left_lens,
                "triage_decision": r.triage_decision,
                "triage_rule_version": r.triage_rule_version,
                "suspected_cataract": bool(r.suspected_cataract),
            },
        )


def _days(later: datetime | None, earlier: datetime) -> int | None:
    """Calendar days from one date to a later one (0 on the same day)."""
    return None if later is None else (later.date() - earlier.date()).days


def _referrals(
    session: Session, places: Places, keys: IdentifierKeys, months: set[str] | None
) -> Iterator[tuple[str, Row]]:
    in_months = _in_months(Referral.referred_at, months)
    reviews: dict[str, list[Any]] = defaultdict(list)
    review_query = (
        select(
            Review.referral_id,
            Review.reviewed_at,
            Review.reviewer_id,
            Review.recommendation,
            Review.surgery_right,
            Review.surgery_left,
        )
        .join(Referral, Review.referral_id == Referral.id)
        .where(in_months)
        .order_by(Review.reviewed_at, Review.id)
    )
    for review in _stream(session, review_query):
        reviews[review.referral_id].append(review)
    barriers = _barriers(session, in_months)
    query = (
        select(
            Referral.id,
            Referral.kind,
            Referral.priority,
            Referral.status,
            Referral.referred_at,
            Referral.closed_at,
            Referral.close_reason,
            Referral.from_facility_id,
            Referral.to_facility_id,
            Person.pseudonym,
            Person.sex,
            Person.birth_year,
            Person.region_id,
            Attendance.attended_at,
        )
        .join(Person, Referral.person_id == Person.id)
        .outerjoin(Attendance, Attendance.referral_id == Referral.id)
        .where(in_months, not_voided_referral())
        .order_by(Referral.referred_at, Person.pseudonym)
    )
    for r in _stream(session, query):
        province, county, township = places.region(r.region_id)
        made = reviews.get(r.id, [])
        first, latest = (made[0], made[-1]) if made else (None, None)
        yield (
            month_key(r.referred_at),
            {
                "referral": record_key(keys, "referrals", r.id),
                "person": r.pseudonym,
                "sex": r.sex,
                "birth_year": r.birth_year,
                "kind": r.kind,
                "priority": r.priority,
                "status": r.status,
                "referred_at": r.referred_at,
                "referred_on": r.referred_at.date(),
                "year": r.referred_at.year,
                "month": r.referred_at.month,
                "from_facility": places.facilities.get(r.from_facility_id),
                "to_facility": places.facilities.get(r.to_facility_id),
                "province": province,
                "county": county,
                "township": township,
                "attended_at": r.attended_at,
                "days_to_attendance": _days(r.attended_at, r.referred_at),
                "first_reviewed_at": first.reviewed_at if first else None,
                "days_to_first_review": _days(first.reviewed_at, r.referred_at) if first else None,
                "first_reviewer": (
                    places.staff.get(first.reviewer_id) if first and first.reviewer_id else None
                ),
                "recommendation": latest.recommendation if latest else None,
                "recommended_on": latest.reviewed_at.date() if latest else None,
                "surgery_right": bool(latest.surgery_right) if latest else None,
                "surgery_left": bool(latest.surgery_left) if latest else None,
                "closed_at": r.closed_at,
                "close_reason": _close_reason(r.closed_at, r.close_reason),
                "barrier": barriers.get(r.id),
            },
        )


def _close_reason(closed_at: datetime | None, stored: str | None) -> str | None:
    """Why a referral closed, as a code: a contact attempt's outcome, or a review's no action."""
    if closed_at is None:
        return None
    return stored if stored in CLOSING_CONTACT_OUTCOMES else Recommendation.NO_ACTION.value


def _barriers(session: Session, in_months: ColumnElement[bool]) -> dict[str, str]:
    """The reason each declining person gave (RAAB barrier categories; never their words)."""
    query = (
        select(ContactAttempt.referral_id, ContactAttempt.decline_reason)
        .join(Referral, ContactAttempt.referral_id == Referral.id)
        .where(in_months, ContactAttempt.outcome == ContactOutcome.DECLINED.value)
    )
    return {row.referral_id: row.decline_reason for row in _stream(session, query)}


def _surgeries(
    session: Session, places: Places, keys: IdentifierKeys, months: set[str] | None
) -> Iterator[tuple[str, Row]]:
    query = (
        select(
            Surgery.id,
            Surgery.referral_id,
            Surgery.eye,
            Surgery.operated_on,
            Surgery.technique,
            Surgery.iol,
            Surgery.complication_codes,
            Surgery.facility_id,
            Surgery.surgeon_id,
            Person.pseudonym,
            Person.sex,
            Person.birth_year,
            Person.region_id,
        )
        .join(Person, Surgery.person_id == Person.id)
        .where(_in_months(Surgery.operated_on, months))
        .order_by(Surgery.operated_on, Person.pseudonym, Surgery.eye)
    )
    for r in _stream(session, query):
        province, county, township = places.region(r.region_id)
        yield (
            month_key(r.operated_on),
            {
                "surgery": record_key(keys, "surgeries", r.id),
                "referral": record_key(keys, "referrals", r.referral_id),
                "person": r.pseudonym,
                "sex": r.sex,
                "birth_year": r.birth_year,
                "operated_on": r.operated_on,
                "year": r.operated_on.year,
                "month": r.operated_on.month,
                "age": r.operated_on.year - r.birth_year,
                "eye": r.eye,
                "technique": r.technique,
                "iol": bool(r.iol),
                "complicated": bool(r.complication_codes),
                "centre": places.facilities.get(r.facility_id),
                "surgeon": places.staff.get(r.surgeon_id) if r.surgeon_id else None,
                "province": province,
                "county": county,
                "township": township,
            },
        )


def _follow_ups(
    session: Session, _places: Places, keys: IdentifierKeys, months: set[str] | None
) -> Iterator[tuple[str, Row]]:
    query = (
        select(FollowUp, Surgery.operated_on)
        .join(Surgery, FollowUp.surgery_id == Surgery.id)
        .where(_in_months(Surgery.operated_on, months))
        .order_by(Surgery.operated_on, FollowUp.examined_on, FollowUp.id)
    )
    for follow_up, operated_on in _stream(session, query):
        yield (
            month_key(operated_on),
            {
                "follow_up": record_key(keys, "follow_ups", follow_up.id),
                "surgery": record_key(keys, "surgeries", follow_up.surgery_id),
                "year": operated_on.year,
                "month": operated_on.month,
                "examined_on": follow_up.examined_on,
                "days_after_surgery": follow_up.days_after_surgery,
                "presenting_logmar": follow_up.presenting_logmar,
                "best_corrected_logmar": follow_up.best_corrected_logmar,
                "outcome_presenting": follow_up.outcome_presenting,
                "outcome_best_corrected": follow_up.outcome_best_corrected,
            },
        )


def _population(
    session: Session, places: Places, _keys: IdentifierKeys, _months: set[str] | None
) -> Iterator[tuple[str, Row]]:
    query = (
        select(Population, Region.code, Region.level)
        .join(Region, Population.region_id == Region.id)
        .order_by(Region.code, Population.year, Population.sex, Population.age_band)
    )
    for row, code, level in session.execute(query):
        province, county, township = places.region(row.region_id)
        yield (
            "all",
            {
                "region": code,
                "level": level,
                "province": province,
                "county": county,
                "township": township,
                "year": row.year,
                "age_band": row.age_band,
                "sex": row.sex,
                "count": row.count,
            },
        )


EXTRACTS: dict[str, Extract] = {
    "screenings": _screenings,
    "referrals": _referrals,
    "surgeries": _surgeries,
    "follow_ups": _follow_ups,
    "population": _population,
}
