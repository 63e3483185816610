"""Reading pathway records by id and by relation, for the access layer to check and show.

Nothing here decides who may see what: the access layer asks the policy first and writes
the audit entry; these are its queries, each written so that a page costs a fixed number of
statements however long the person's history is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from brightline.store.models import (
    Attendance,
    Base,
    Facility,
    FollowUp,
    Person,
    Photo,
    Referral,
    Region,
    Review,
    Screening,
    Surgery,
    User,
)
from brightline.store.security_models import BreakGlassGrant
from brightline.vocabulary import (
    OPEN_REFERRAL_STATUSES,
    Priority,
    Recommendation,
    ReferralStatus,
)

M = TypeVar("M", bound=Base)


def by_id(session: Session, model: type[M], record_id: object) -> M | None:
    """One stored record by primary key, or None (also for an id of the wrong shape)."""
    if not isinstance(record_id, str | int) or isinstance(record_id, bool):
        return None
    return session.get(model, record_id)


def referrals_of_screenings(session: Session, screening_ids: Sequence[str]) -> dict[str, Referral]:
    """The referral each screening opened or joined, by screening id (two queries for a whole
    history); a screening attached to an open referral shows that referral."""
    if not screening_ids:
        return {}
    rows = session.scalars(select(Referral).where(Referral.screening_id.in_(screening_ids)))
    found = {referral.screening_id: referral for referral in rows}
    attached = session.execute(
        select(Screening.id, Referral)
        .join(Referral, Referral.id == Screening.attached_referral_id)
        .where(Screening.id.in_(screening_ids))
    )
    for screening_id, referral in attached:
        found[screening_id] = referral
    return found


def screenings_of_person(session: Session, person_id: str) -> list[Screening]:
    """A person's screenings, newest first (their VA history)."""
    return list(
        session.scalars(
            select(Screening)
            .where(Screening.person_id == person_id)
            .order_by(Screening.screened_at.desc())
        )
    )


def photos_of_screenings(session: Session, screening_ids: Sequence[str]) -> dict[str, list[Photo]]:
    """The photos of each screening, in upload order, by screening id."""
    found: dict[str, list[Photo]] = {screening_id: [] for screening_id in screening_ids}
    if screening_ids:
        query = (
            select(Photo)
            .where(Photo.screening_id.in_(screening_ids))
            .order_by(Photo.uploaded_at, Photo.id)
        )
        for photo in session.scalars(query):
            found[photo.screening_id].append(photo)
    return found


def people_of_facility(session: Session, facility_id: int) -> list[Person]:
    """Everyone registered at a facility and not erased (name search decrypts them one by one)."""
    return list(
        session.scalars(
            select(Person).where(Person.facility_id == facility_id, Person.erased_at.is_(None))
        )
    )


def referral_at_centre(session: Session, code: str, centre_id: int) -> Referral | None:
    """The referral with this slip code sent to this centre (other centres' codes: None)."""
    return session.scalar(
        select(Referral).where(Referral.code == code, Referral.to_facility_id == centre_id)
    )


def _expected_where(centre_id: int) -> tuple[ColumnElement[bool], ...]:
    """Referrals the centre should expect: a review recommends surgery and they have not
    arrived, or they are urgent and not reviewed yet (sent straight on; docs/pathway.md)."""
    latest = (
        select(Review.recommendation)
        .where(Review.referral_id == Referral.id)
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )
    return (
        Referral.to_facility_id == centre_id,
        Referral.status.in_(OPEN_REFERRAL_STATUSES),
        or_(
            and_(Referral.status == ReferralStatus.REVIEWED, latest == Recommendation.SURGERY),
            and_(Referral.status == ReferralStatus.OPEN, Referral.priority == Priority.URGENT),
        ),
    )


def expected_at_centre(
    session: Session, centre_id: int, *, limit: int | None, offset: int = 0
) -> tuple[int, list[tuple[Referral, Person]]]:
    """How many people the centre expects, and one page of them: urgent first, then by
    appointment date (none last), then the oldest referral."""
    waiting = _expected_where(centre_id)
    total = int(session.scalar(select(func.count()).select_from(Referral).where(*waiting)) or 0)
    rows = session.execute(
        select(Referral, Person)
        .join(Person, Person.id == Referral.person_id)
        .where(*waiting)
        .order_by(
            Referral.priority.desc(),
            Referral.appointment_on.is_(None),
            Referral.appointment_on,
            Referral.referred_at,
            Referral.id,
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return total, [(referral, person) for referral, person in rows]


def attendance_of(session: Session, referral_id: str) -> Attendance | None:
    """The arrival recorded for a referral, if any."""
    return session.scalar(select(Attendance).where(Attendance.referral_id == referral_id))


def operations_of(session: Session, referral_id: str) -> list[tuple[Surgery, list[FollowUp]]]:
    """A referral's operations in date order, each with its follow-ups (two queries in all)."""
    surgeries = list(
        session.scalars(
            select(Surgery)
            .where(Surgery.referral_id == referral_id)
            .order_by(Surgery.operated_on, Surgery.id)
        )
    )
    follow_ups: dict[str, list[FollowUp]] = {surgery.id: [] for surgery in surgeries}
    if surgeries:
        query = (
            select(FollowUp)
            .where(FollowUp.surgery_id.in_(list(follow_ups)))
            .order_by(FollowUp.examined_on, FollowUp.id)
        )
        for follow_up in session.scalars(query):
            follow_ups[follow_up.surgery_id].append(follow_up)
    return [(surgery, follow_ups[surgery.id]) for surgery in surgeries]


def facilities_in_region(session: Session, region_path: str) -> list[int]:
    """Ids of every facility in a region's subtree."""
    return list(
        session.scalars(
            select(Facility.id)
            .join(Region, Facility.region_id == Region.id)
            .where(Region.path.startswith(region_path))
        )
    )


def grants_to_review(session: Session) -> list[tuple[BreakGlassGrant, User | None]]:
    """Emergency accesses not yet reviewed by a privacy officer, oldest first, with who."""
    rows = session.execute(
        select(BreakGlassGrant, User)
        .outerjoin(User, User.id == BreakGlassGrant.user_id)
        .where(BreakGlassGrant.reviewed_at.is_(None))
        .order_by(BreakGlassGrant.opened_at)
    ).all()
    return [(grant, user) for grant, user in rows]


def regions(session: Session) -> list[Region]:
    """Every region, in tree order."""
    return list(session.scalars(select(Region).order_by(Region.path)))


def facilities(session: Session) -> list[Facility]:
    """Every facility, by code."""
    return list(session.scalars(select(Facility).order_by(Facility.code)))


def accounts(session: Session) -> list[User]:
    """Every staff account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))
