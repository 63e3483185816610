"""The online review queue as a doctor triages it, and cases sent back to the screening clinic.

One statement reads a page of the queue with everything a row shows (age, sex, presenting VA
of both eyes, clinic, photo count), so the page costs the same for 5 cases or 5,000. A case
sent back to its clinic ("ungradable photo — retake", "re-test VA") leaves the queue until
the clinic has screened the person again or added photos, then comes back to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from brightline.errors import InvalidInput, TransitionRefused, one_of
from brightline.review_records import QueueQuery
from brightline.store.models import Facility, Person, Photo, Referral, Region, Screening
from brightline.vocabulary import REVIEW_REFERRAL_KINDS, Priority, ReturnReason, values

RETURN_REASONS = values(ReturnReason)
RETURN_NOTE_LIMIT = 500


@dataclass(frozen=True)
class QueueRow:
    """One queue line as stored: the referral and what the row shows of its screening."""

    referral: Referral
    sex: str
    birth_year: int
    right_va: str | None
    left_va: str | None
    clinic: str
    county: str | None
    photo_count: int


def awaiting_review() -> ColumnElement[bool]:
    """Open review referrals that are not waiting for their clinic (sent back, not resumed)."""
    return and_(
        Referral.status == "open",
        Referral.kind.in_(REVIEW_REFERRAL_KINDS),
        or_(Referral.returned_at.is_(None), Referral.resumed_at.is_not(None)),
    )


def _photo_counts() -> Select[str, int]:
    return select(Photo.screening_id, func.count().label("n")).group_by(Photo.screening_id)


def _queue_query(
    facility_ids: Sequence[int] | None, wanted: QueueQuery, county_path: str | None
) -> Select[Referral, str, int, str | None, str | None, str, str, int]:
    clinic = aliased(Facility)
    place = aliased(Region)
    county = aliased(Region)
    photos = _photo_counts().subquery()
    photo_count: ColumnElement[int] = func.coalesce(photos.c.n, 0)
    query = (
        select(
            Referral,
            Person.sex,
            Person.birth_year,
            Screening.right_presenting_va,
            Screening.left_presenting_va,
            clinic.name,
            county.name,
            photo_count,
        )
        .join(Person, Person.id == Referral.person_id)
        .join(Screening, Screening.id == Referral.screening_id)
        .join(clinic, clinic.id == Referral.from_facility_id)
        .join(place, place.id == clinic.region_id)
        # The clinic's county: its own region, or the township's parent.
        .outerjoin(
            county,
            county.id == case((place.level == "county", place.id), else_=place.parent_id),
        )
        .outerjoin(photos, photos.c.screening_id == Referral.screening_id)
        .where(awaiting_review())
    )
    if facility_ids is not None:
        query = query.where(Referral.to_facility_id.in_(facility_ids))
    if wanted.clinic is not None:
        query = query.where(Referral.from_facility_id == wanted.clinic)
    if county_path is not None:
        query = query.where(place.path.startswith(county_path, autoescape=True))
    if wanted.urgent_only:
        query = query.where(Referral.priority == Priority.URGENT.value)
    if wanted.with_photos is not None:
        query = query.where(photo_count > 0 if wanted.with_photos else photo_count == 0)
    if wanted.code:
        query = query.where(Referral.code == wanted.code)
    return query


def queue_page(
    session: Session,
    facility_ids: Sequence[int] | None,
    wanted: QueueQuery,
    *,
    county_path: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[QueueRow]]:
    """How many cases match, and one page of them: urgent first, then the longest waiting."""
    query = _queue_query(facility_ids, wanted, county_path)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    urgent_first = case((Referral.priority == Priority.URGENT.value, 0), else_=1)
    rows = session.execute(
        query.order_by(urgent_first, Referral.referred_at, Referral.id).offset(offset).limit(limit)
    ).all()
    return total, [
        QueueRow(referral, sex, birth_year, right, left, clinic, county, int(photo_count))
        for referral, sex, birth_year, right, left, clinic, county, photo_count in rows
    ]


def queue_ids(session: Session, facility_ids: Sequence[int] | None) -> list[str]:
    """The ids of every case in the queue, in queue order (for "next case"; no personal data)."""
    urgent_first = case((Referral.priority == Priority.URGENT.value, 0), else_=1)
    query = select(Referral.id).where(awaiting_review())
    if facility_ids is not None:
        query = query.where(Referral.to_facility_id.in_(facility_ids))
    return list(session.scalars(query.order_by(urgent_first, Referral.referred_at, Referral.id)))


def return_to_clinic(
    session: Session,
    referral: Referral,
    reason: str,
    note: str | None,
    *,
    returned_by: int,
    now: datetime,
) -> Referral:
    """Send a case back to its screening clinic with the reason; it leaves the review queue."""
    one_of("return_reason", reason, RETURN_REASONS)
    if referral.status != "open" or referral.kind not in REVIEW_REFERRAL_KINDS:
        raise TransitionRefused(
            "only a case waiting for review can be sent back to its clinic", field="referral_id"
        )
    if referral.returned_at is not None and referral.resumed_at is None:
        raise TransitionRefused(
            "this case is already waiting for its clinic", field="return_reason"
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > RETURN_NOTE_LIMIT:
        raise InvalidInput(
            f"write at most {RETURN_NOTE_LIMIT} characters for the clinic", field="return_note"
        )
    referral.return_reason = reason
    referral.returned_at = now
    referral.returned_by = returned_by
    referral.return_note = note
    referral.resumed_at = None
    session.flush()
    return referral


def waiting_for_clinic(session: Session, person_id: str) -> list[Referral]:
    """The person's cases sent back to their clinic and not resumed yet."""
    return list(
        session.scalars(
            select(Referral).where(
                Referral.person_id == person_id,
                Referral.returned_at.is_not(None),
                Referral.resumed_at.is_(None),
                Referral.status == "open",
            )
        )
    )


def resume_after_screening(
    session: Session, person_id: str, *, screened_at: datetime, with_photos: bool, now: datetime
) -> list[Referral]:
    """Bring back to the queue the person's returned cases that this new screening answers.

    A VA re-test is answered by any later screening; a photo retake by a later screening with
    photos (or photos added to the case's own screening: :func:`resume_after_photo`).
    """
    resumed = []
    for referral in waiting_for_clinic(session, person_id):
        if screened_at < _day(referral):
            continue
        if referral.return_reason == ReturnReason.UNGRADABLE_PHOTO and not with_photos:
            continue
        referral.resumed_at = now
        resumed.append(referral)
    session.flush()
    return resumed


def resume_after_photo(session: Session, screening: Screening, *, now: datetime) -> list[Referral]:
    """A photo added after a retake was asked for brings the person's returned cases back."""
    resumed = []
    for referral in waiting_for_clinic(session, screening.person_id):
        if referral.return_reason != ReturnReason.UNGRADABLE_PHOTO:
            continue
        if referral.screening_id != screening.id and screening.screened_at < _day(referral):
            continue
        referral.resumed_at = now
        resumed.append(referral)
    session.flush()
    return resumed


def _day(referral: Referral) -> datetime:
    """The day the case was sent back: a screening dated that day answers it (imports carry
    dates without a time)."""
    assert referral.returned_at is not None
    return referral.returned_at.replace(hour=0, minute=0, second=0, microsecond=0)


def returned_from_clinic(
    session: Session, clinic_id: int, *, limit: int = 100
) -> list[tuple[Referral, Person]]:
    """A clinic's cases sent back by a reviewer and not redone yet, oldest return first."""
    rows = session.execute(
        select(Referral, Person)
        .join(Person, Person.id == Referral.person_id)
        .where(
            Referral.from_facility_id == clinic_id,
            Referral.returned_at.is_not(None),
            Referral.resumed_at.is_(None),
            Referral.status == "open",
            Person.erased_at.is_(None),
        )
        .order_by(Referral.returned_at, Referral.id)
        .limit(limit)
    ).all()
    return [(referral, person) for referral, person in rows]
