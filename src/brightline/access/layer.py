"""The access layer: the only road to personal data, with a policy check and an audit entry.

Every method decides through :func:`brightline.access.policy.decide`, does the work through
the service layer and appends one audit entry per person touched, all in the caller's
transaction — so an access that is not logged cannot happen, and a failed write leaves
neither record nor log entry. A record outside the caller's scope raises ``NotFound``,
exactly like a missing one, after logging the attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal,
    null,
    select,
    union,
)
from sqlalchemy.orm import Session

from brightline.access.patient import issue_access_pin
from brightline.access.policy import Actor, RecordContext, decide
from brightline.access.signin import resolve_token
from brightline.audit.log import AuditEvent, AuditLog, record_pseudonym
from brightline.audit.store import checkpoint_if_due
from brightline.errors import Forbidden, InvalidInput, NotFound, one_of
from brightline.photos import PhotoLimits, PhotoStore, process_upload
from brightline.service.people import (
    Identifiers,
    PersonInput,
    erase_identifiers,
    identifiers_of,
    register_person,
)
from brightline.service.places import serving_surgical_centre
from brightline.service.referrals import (
    ReviewInput,
    WorklistEntry,
    follow_up_worklist,
    follow_up_worklist_size,
    record_attendance,
    record_review,
    review_queue,
)
from brightline.service.screenings import ScreeningInput, ScreeningRows, record_screening
from brightline.service.surgery import FollowUpInput, SurgeryInput, record_follow_up, record_surgery
from brightline.site import Site
from brightline.store.models import (
    Attendance,
    BreakGlassGrant,
    Facility,
    FollowUp,
    Person,
    Photo,
    Referral,
    Region,
    Review,
    Screening,
    Surgery,
)

MIN_REASON_LENGTH = 10
# Lists show a page at a time: only what is on screen is decrypted and logged as accessed.
PAGE_SIZE = 50
T = TypeVar("T")
REVIEW_KINDS = ("review", "urgent_review")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with the size of the whole list."""

    items: list[T]
    total: int
    offset: int


@dataclass(frozen=True)
class RecordedScreening:
    """A stored screening's rows and, if it referred the person, their slip's PIN (shown once)."""

    rows: ScreeningRows
    access_pin: str | None


@dataclass(frozen=True)
class PersonView:
    """A person's record as one caller may see it; identifiers only where allowed."""

    person: Person
    identifiers: Identifiers | None


@contextmanager
def acting_as(site: Site, token: str) -> Iterator[Access]:
    """Act for the account behind a sign-in token, in one transaction, logging refusals always.

    Raises ``Unauthenticated`` when the token is missing, expired or revoked.
    """
    access: Access | None = None
    try:
        with site.transaction() as session:
            actor = resolve_token(session, site.settings, token, now=site.now())
            access = Access(site, session, actor)
            yield access
    except BaseException:
        if access is not None and access.denials:
            with site.transaction() as session:
                for event in access.denials:
                    AuditLog().append(session, event)
        raise
    if access.positions and _checkpoint_may_be_due(site, access.positions):
        # After commit, so a slow signature never holds the request's write lock.
        try:
            checkpoint_if_due(site)
        except Exception:
            # The request's work is committed: answering 500 would say nothing was saved.
            # The entries stay unsigned until the next request's due check signs them.
            site.last_checkpoint_check = None
            logging.getLogger(__name__).exception(
                "audit checkpoint failed after a committed request (entries up to position %d,"
                " %s %s); retried on the next request",
                max(access.positions),
                access.actor.role,
                access.actor.pseudonym[:8],
            )


# How often a process looks whether the time threshold for a checkpoint has passed.
CHECKPOINT_TIME_CHECK = timedelta(seconds=60)


def _checkpoint_may_be_due(site: Site, positions: list[int]) -> bool:
    """True when these appends crossed a multiple of N entries, or a minute has gone by
    since the last look (or the last look's checkpoint failed: ``acting_as`` then forgets it).

    Saves a second transaction on almost every request; the real decision (and the
    time threshold T) is still :func:`brightline.audit.store.checkpoint_if_due`'s.
    """
    every = site.settings.audit_checkpoint_every
    if any((position + 1) % every == 0 for position in positions):
        return True
    now = site.now()
    last = site.last_checkpoint_check
    if last is None or now - last >= CHECKPOINT_TIME_CHECK:
        site.last_checkpoint_check = now
        return True
    return False


def _where_the_record_is() -> CompoundSelect[Any]:
    """(source, facility, referral kind, facility's region path) rows for one person: where
    they are registered, every facility that screened them, every facility they were
    referred to, and a row ``grant`` if this user holds an open break-glass grant.

    Built once with bound parameters (person_id, user_id, now): constructing the statement
    cost more than running it.
    """
    person_id = bindparam("person_id", type_=String)

    def located(source: str, facility: Any, kind: Any, table: Any, where: Any) -> Select[Any]:
        return (
            select(literal(source), facility, kind, Region.path)
            .select_from(table)
            .join(Facility, Facility.id == facility)
            .join(Region, Region.id == Facility.region_id)
            .where(where)
        )

    no_kind = null().label("kind")
    # UNION, not UNION ALL: a person screened forty times at one clinic is one row.
    return union(
        located("registered", Person.facility_id, no_kind, Person, Person.id == person_id),
        located(
            "screened", Screening.facility_id, no_kind, Screening, Screening.person_id == person_id
        ),
        located(
            "referred",
            Referral.to_facility_id,
            Referral.kind,
            Referral,
            Referral.person_id == person_id,
        ),
        select(literal("grant"), null(), null(), null()).where(
            BreakGlassGrant.user_id == bindparam("user_id", type_=Integer),
            BreakGlassGrant.person_id == person_id,
            BreakGlassGrant.expires_at > bindparam("now", type_=DateTime),
        ),
    )


_WHERE_THE_RECORD_IS: Final = _where_the_record_is()


class Access:
    """Policy-checked, audited access to personal data for one actor in one transaction."""

    def __init__(self, site: Site, session: Session, actor: Actor) -> None:
        self.site = site
        self.session = session
        self.actor = actor
        self.log = AuditLog()
        # Refused attempts must be logged even though the request's transaction rolls back.
        self.denials: list[AuditEvent] = []
        # Leaf positions this access appended, to decide cheaply whether a checkpoint is due.
        self.positions: list[int] = []

    # -- the two primitives -------------------------------------------------------------

    def _audit(
        self,
        action: str,
        person_id: str | None,
        purpose: str | None,
        outcome: str,
        reason: str | None = None,
    ) -> None:
        event = AuditEvent(
            actor=self.actor.pseudonym,
            role=self.actor.role,
            action=action,
            record=record_pseudonym(self.site.keys, person_id) if person_id else None,
            purpose=purpose,
            outcome=outcome,
            at=self.site.now(),
            break_glass_reason=reason,
        )
        self.positions.append(self.log.append(self.session, event))
        if outcome == "denied":
            self.denials.append(event)

    def _context(self, person_id: str) -> RecordContext | None:
        """Where the person's record belongs, read with one query (None: no such person)."""
        screened: set[int] = set()
        referred_to: set[int] = set()
        for_review: set[int] = set()
        paths: dict[int, str] = {}
        registered = grant = False
        parameters = {"person_id": person_id, "user_id": self.actor.user_id, "now": self.site.now()}
        for source, facility, kind, path in self.session.execute(_WHERE_THE_RECORD_IS, parameters):
            if source == "grant":
                grant = True
                continue
            paths[facility] = path
            if source == "referred":
                referred_to.add(facility)
                if kind in REVIEW_KINDS:
                    for_review.add(facility)
            else:
                registered = registered or source == "registered"
                screened.add(facility)
        if not registered:
            return None
        return RecordContext(
            frozenset(screened),
            frozenset(referred_to),
            frozenset(for_review),
            paths,
            break_glass_open=grant,
        )

    def require(self, action: str, person_id: str, purpose: str | None) -> RecordContext:
        """Allow ``action`` on a person's record or log the attempt and answer 'not found'.

        Returns the record's context, so a caller with a second, narrower question (may
        this caller also see identifiers?) asks it without looking the record up again.
        """
        context = self._context(person_id)
        decision = decide(self.actor, action, purpose=purpose, record=context)
        if context is None or not decision.allowed:
            self._audit(action, person_id, purpose, "denied")
            raise NotFound(f"no person {person_id!r}", field="person_id")
        self._audit(
            action, person_id, purpose, "break_glass" if decision.break_glass else "allowed"
        )
        return context

    def require_general(self, action: str) -> None:
        """Allow an action that is not about one record, or refuse it."""
        decision = decide(self.actor, action)
        if not decision.allowed:
            raise Forbidden(f"a {self.actor.role} may not do this ({action})")

    # -- people ---------------------------------------------------------------------------

    def register_person(self, person: PersonInput) -> tuple[PersonView, bool]:
        """Register a person at the screener's own facility (or find them by national ID)."""
        self.require_general("person.create")
        if person.facility_id != self.actor.facility_id:
            raise InvalidInput(
                "you can only register people at your own facility", field="facility"
            )
        record, created = register_person(self.session, self.site.keys, person, self.site.today())
        self._audit("person.create", record.id, "treatment", "allowed")
        return PersonView(record, identifiers_of(self.site.keys, record)), created

    def read_person(self, person_id: str, purpose: str | None) -> PersonView:
        """A person's record; identifiers only for roles that need them for care."""
        context = self.require("person.read", person_id, purpose)
        person = self.session.get(Person, person_id)
        assert person is not None
        identifiers = None
        if decide(self.actor, "person.identifiers.read", purpose=purpose, record=context).allowed:
            identifiers = identifiers_of(self.site.keys, person)
        return PersonView(person, identifiers)

    def search_people(self, name: str) -> list[PersonView]:
        """People of the caller's own facility whose name contains ``name`` (never wider)."""
        self.require_general("person.search")
        needle = name.strip().casefold()
        if len(needle) < 2:
            raise InvalidInput("type at least 2 letters of the name", field="name")
        found = []
        people = self.session.scalars(
            select(Person).where(
                Person.facility_id == self.actor.facility_id, Person.erased_at.is_(None)
            )
        )
        for person in people:
            identifiers = identifiers_of(self.site.keys, person)
            if identifiers.name and needle in identifiers.name.casefold():
                found.append(PersonView(person, identifiers))
        for view in found:
            self._audit("person.search", view.person.id, "treatment", "allowed")
        return found

    # -- screening ------------------------------------------------------------------------

    def record_screening(self, screening: ScreeningInput) -> RecordedScreening:
        """Record a screening at the screener's facility; triage and referral follow."""
        if screening.facility_id != self.actor.facility_id:
            raise InvalidInput(
                "you can only record screenings at your own facility", field="facility"
            )
        self.require("screening.create", screening.person_id, "treatment")

        def destination() -> int:
            clinic = self.session.get(Facility, screening.facility_id)
            assert clinic is not None
            return serving_surgical_centre(self.session, clinic).id

        rows = record_screening(
            self.session, self.site.programme, screening, refer_to_facility_id=destination
        )
        pin = None
        if rows.referral is not None:
            referral = self.session.get(Referral, rows.referral["id"])
            assert referral is not None
            pin = issue_access_pin(self.site.keys, referral)
        return RecordedScreening(rows, pin)

    def new_access_pin(self, referral_id: str) -> tuple[Referral, str]:
        """A fresh patient PIN for a referral slip (e.g. a reprint); the old PIN stops working."""
        referral = self._referral(referral_id, "person.update", "treatment")
        return referral, issue_access_pin(self.site.keys, referral)

    def read_screening(self, screening_id: str, purpose: str | None) -> Screening:
        """One screening, if the caller may see its person's record."""
        screening = self.session.get(Screening, screening_id)
        self.require("screening.read", screening.person_id if screening else screening_id, purpose)
        assert screening is not None
        return screening

    def screenings_of(self, person_id: str, purpose: str | None) -> list[Screening]:
        """A person's screenings, newest first (VA history)."""
        self.require("screening.read", person_id, purpose)
        return list(
            self.session.scalars(
                select(Screening)
                .where(Screening.person_id == person_id)
                .order_by(Screening.screened_at.desc())
            )
        )

    # -- eye photos ---------------------------------------------------------------------------

    def photo_store(self) -> PhotoStore:
        """The content-addressed photo directory of this installation."""
        return PhotoStore(self.site.settings.home / "photos")

    def add_photo(
        self, screening_id: str, data: bytes, *, declared_type: str | None, eye: str | None
    ) -> Photo:
        """Attach an eye photo to a screening: checked, re-encoded without metadata, stored."""
        screening = self.session.get(Screening, screening_id)
        self.require(
            "photo.create", screening.person_id if screening else screening_id, "treatment"
        )
        if eye is not None:
            one_of("eye", eye, ("right", "left"))
        photo = process_upload(
            data, PhotoLimits.from_settings(self.site.settings), declared_type=declared_type
        )
        digest = self.photo_store().save(photo)
        record = Photo(
            screening_id=screening_id,
            eye=eye,
            digest=digest,
            width=photo.width,
            height=photo.height,
            uploaded_at=self.site.now(),
            uploaded_by=self.actor.user_id,
        )
        self.session.add(record)
        self.session.flush()
        return record

    def photos_of(self, screening_id: str, purpose: str | None) -> list[Photo]:
        """The photos of a screening (metadata only; images are fetched one by one)."""
        screening = self.session.get(Screening, screening_id)
        self.require("screening.read", screening.person_id if screening else screening_id, purpose)
        return list(
            self.session.scalars(
                select(Photo).where(Photo.screening_id == screening_id).order_by(Photo.uploaded_at)
            )
        )

    def read_photo(self, photo_id: str, purpose: str | None, *, thumbnail: bool) -> bytes:
        """One eye photo's image (or thumbnail), if the caller may see the person's record."""
        photo = self.session.get(Photo, photo_id)
        screening = self.session.get(Screening, photo.screening_id) if photo else None
        self.require("photo.read", screening.person_id if screening else photo_id, purpose)
        assert photo is not None
        return self.photo_store().open(photo.digest, thumbnail=thumbnail)

    # -- referrals, review, centre ------------------------------------------------------------

    def _referral(self, referral_id: str, action: str, purpose: str | None) -> Referral:
        referral = self.session.get(Referral, referral_id)
        self.require(action, referral.person_id if referral else referral_id, purpose)
        assert referral is not None
        return referral

    def read_referral(self, referral_id: str, purpose: str | None) -> Referral:
        """One referral, if the caller may see its person's record."""
        return self._referral(referral_id, "person.read", purpose)

    def worklist(
        self, *, limit: int = PAGE_SIZE, offset: int = 0
    ) -> Page[tuple[WorklistEntry, Identifiers]]:
        """One page of the screener's follow-up worklist, with names and phones to call.

        Only the people on the page shown are decrypted and logged as accessed.
        """
        self.require_general("worklist.read")
        assert self.actor.facility_id is not None
        days = self.site.programme.worklist_not_attended_days
        now = self.site.now()
        entries = follow_up_worklist(
            self.session,
            self.actor.facility_id,
            not_attended_days=days,
            now=now,
            limit=limit,
            offset=offset,
        )
        total = follow_up_worklist_size(
            self.session, self.actor.facility_id, not_attended_days=days, now=now
        )
        for entry in entries:
            self._audit("worklist.read", entry.person.id, "follow_up", "allowed")
        items = [(e, identifiers_of(self.site.keys, e.person)) for e in entries]
        return Page(items, total, offset)

    def review_queue(self, limit: int = PAGE_SIZE) -> list[Referral]:
        """Referrals awaiting online review in the reviewer's region, urgent then oldest."""
        self.require_general("review_queue.read")
        facility_ids = None
        if self.actor.region_path is not None:
            facility_ids = list(
                self.session.scalars(
                    select(Facility.id)
                    .join(Region, Facility.region_id == Region.id)
                    .where(Region.path.startswith(self.actor.region_path))
                )
            )
        queue = review_queue(self.session, facility_ids, limit=limit)
        for referral in queue:
            self._audit("review_queue.read", referral.person_id, "review", "allowed")
        return queue

    def record_review(self, review: ReviewInput) -> Review:
        """The reviewer's diagnosis and recommendation for a referral in their queue."""
        self._referral(review.referral_id, "review.create", "review")
        return record_review(self.session, review)

    def expected_at_centre(
        self, *, limit: int = PAGE_SIZE, offset: int = 0
    ) -> Page[tuple[Referral, Identifiers]]:
        """One page of the people referred to the caller's centre who have not attended yet."""
        self.require_general("centre_list.read")
        waiting = (
            Referral.to_facility_id == self.actor.facility_id,
            Referral.status.in_(("open", "reviewed")),
        )
        total = int(
            self.session.scalar(select(func.count()).select_from(Referral).where(*waiting)) or 0
        )
        rows = self.session.execute(
            select(Referral, Person)
            .join(Person, Person.id == Referral.person_id)
            .where(*waiting)
            .order_by(Referral.priority.desc(), Referral.referred_at, Referral.id)
            .offset(offset)
            .limit(limit)
        ).all()
        items = []
        for referral, person in rows:
            self._audit("centre_list.read", referral.person_id, "treatment", "allowed")
            items.append((referral, identifiers_of(self.site.keys, person)))
        return Page(items, total, offset)

    def record_attendance(
        self, referral_id: str, attended_at: datetime, attendance_id: str | None = None
    ) -> Attendance:
        """The referred person arrived at the caller's centre."""
        self._referral(referral_id, "attendance.create", "treatment")
        return record_attendance(
            self.session,
            referral_id,
            attended_at,
            recorded_by=self.actor.user_id,
            attendance_id=attendance_id,
        )

    def record_surgery(self, surgery: SurgeryInput) -> Surgery:
        """An operation at the caller's centre."""
        self._referral(surgery.referral_id, "surgery.create", "treatment")
        if surgery.facility_id != self.actor.facility_id:
            raise InvalidInput("record surgery at your own centre", field="facility")
        return record_surgery(self.session, surgery, today=self.site.today())

    def record_follow_up(self, follow_up: FollowUpInput) -> FollowUp:
        """Follow-up VA of an eye operated at the caller's centre."""
        surgery = self.session.get(Surgery, follow_up.surgery_id)
        person_id = surgery.person_id if surgery else follow_up.surgery_id
        self.require("follow_up.create", person_id, "follow_up")
        return record_follow_up(self.session, follow_up, today=self.site.today())

    def erase_person(self, person_id: str) -> Person:
        """Erase a person's identifiers on request (privacy officers); logged like any access."""
        self.require_general("person.erase")
        person = self.session.get(Person, person_id)
        if person is None:
            raise NotFound(f"no person {person_id!r}", field="person_id")
        erase_identifiers(person, self.site.now())
        self.session.flush()
        self._audit("person.erase", person_id, None, "allowed")
        return person

    # -- emergency access -----------------------------------------------------------------

    def open_break_glass(self, person_id: str, reason: str) -> BreakGlassGrant:
        """Open one record for a limited time with a written reason, flagged for review."""
        reason = reason.strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise InvalidInput(
                f"write why emergency access is needed (at least {MIN_REASON_LENGTH} characters)",
                field="reason",
            )
        if self.actor.role not in ("screener", "reviewer", "surgeon") or (
            self.session.get(Person, person_id) is None
        ):
            self._audit("break_glass.open", person_id, "emergency", "denied")
            raise NotFound(f"no person {person_id!r}", field="person_id")
        now = self.site.now()
        grant = BreakGlassGrant(
            user_id=self.actor.user_id,
            person_id=person_id,
            reason=reason,
            opened_at=now,
            expires_at=now + timedelta(minutes=self.site.settings.break_glass_minutes),
        )
        self.session.add(grant)
        self.session.flush()
        self._audit("break_glass.open", person_id, "emergency", "break_glass", reason)
        return grant

    def break_glass_to_review(self) -> Sequence[BreakGlassGrant]:
        """Emergency accesses not yet reviewed by a privacy officer, oldest first."""
        self.require_general("break_glass.review")
        return list(
            self.session.scalars(
                select(BreakGlassGrant)
                .where(BreakGlassGrant.reviewed_at.is_(None))
                .order_by(BreakGlassGrant.opened_at)
            )
        )

    def review_break_glass(self, grant_id: str, note: str) -> BreakGlassGrant:
        """A privacy officer's verdict on one emergency access."""
        self.require_general("break_glass.review")
        grant = self.session.get(BreakGlassGrant, grant_id)
        if grant is None:
            raise NotFound(f"no emergency access {grant_id!r}", field="grant_id")
        if grant.reviewed_at is not None:
            raise InvalidInput("this emergency access is already reviewed", field="grant_id")
        grant.reviewed_at = self.site.now()
        grant.reviewed_by = self.actor.user_id
        grant.review_note = note.strip() or None
        self.session.flush()
        return grant
