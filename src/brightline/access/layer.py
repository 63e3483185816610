"""The access layer: the only road to personal data, with a policy check and an audit entry.

Every method decides through :func:`brightline.access.policy.decide`, does the work through
the service layer and appends one audit entry per person touched, all in the caller's
transaction — so an access that is not logged cannot happen, and a failed write leaves
neither record nor log entry. A record outside the caller's scope raises ``NotFound``,
exactly like a missing one, after logging the attempt. What leaves is a frozen view
(:mod:`brightline.records`), never a storage row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from brightline.access.administration import Administration
from brightline.access.base import not_found
from brightline.access.bulk_data import BulkData
from brightline.access.corrections import Corrections
from brightline.access.device import DevicePhotos
from brightline.access.exports import Exports
from brightline.access.fhir_reads import FhirReads
from brightline.access.patient import issue_access_pin, normalise_code
from brightline.access.policy import RecordContext
from brightline.access.programme_settings import ProgrammeSettings
from brightline.access.recall import Recall
from brightline.access.releases import Releases
from brightline.access.review_work import ReviewWork
from brightline.access.signin import resolve_token
from brightline.access.theatre import Theatre
from brightline.access.workstations import Workstations
from brightline.audit.log import AuditLog
from brightline.audit.tree import checkpoint_if_due
from brightline.errors import Conflict, InvalidInput, one_of
from brightline.photos import PhotoLimits, PhotoStore, process_upload
from brightline.problems import Problems, problem
from brightline.reasons import from_stored
from brightline.records import (
    AttendanceRecord,
    CentrePatient,
    ExpectedPatient,
    FollowUpInput,
    FollowUpRecord,
    OperatedEye,
    Page,
    PersonInput,
    PersonRecord,
    PersonView,
    PhotoRecord,
    RecordedScreening,
    ReferralRecord,
    ReferralSlip,
    ReviewCase,
    ReviewInput,
    ReviewRecord,
    ScreeningInput,
    ScreeningRecord,
    ScreeningView,
    SurgeryInput,
    SurgeryRecord,
    record_of,
)
from brightline.service import lookups
from brightline.service.people import identifiers_of, people_by_identifier, register_person
from brightline.service.photos import store_photo
from brightline.service.places import refer_to_centre, region_by_code
from brightline.service.referrals import (
    latest_review,
    record_attendance,
    record_review,
    review_queue,
)
from brightline.service.review_queue import resume_after_photo, resume_after_screening
from brightline.service.screenings import record_screening
from brightline.service.surgery import record_follow_up, record_surgery
from brightline.service.sync import keep_receipt, receipt_for
from brightline.service.theatre import not_operated_of
from brightline.site import Site
from brightline.store.models import (
    Facility,
    FollowUp,
    Person,
    Photo,
    Referral,
    Screening,
    Surgery,
)
from brightline.theatre_records import NotOperatedRecord
from brightline.vocabulary import Eye, values

# Lists show a page at a time: only what is on screen is decrypted and logged as accessed.
PAGE_SIZE = 50
# The furthest a list may be paged: far past any real list, far below a database integer.
MAX_OFFSET = 1_000_000


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
    for work in access.after_commit:
        work()
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
    time threshold T) is still :func:`brightline.audit.tree.checkpoint_if_due`'s.
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


class Access(
    ReviewWork,
    Theatre,
    Corrections,
    Recall,
    Releases,
    Exports,
    FhirReads,
    DevicePhotos,
    Workstations,
    BulkData,
    ProgrammeSettings,
    Administration,
):
    """Policy-checked, audited access to personal data for one actor in one transaction."""

    # -- people ---------------------------------------------------------------------------

    def register_person(self, person: PersonInput) -> tuple[PersonView, bool]:
        """Register a person at the screener's own facility (or find them by national ID).

        They live in the township given (a region code), else in the clinic's own region.
        """
        self.require_general("person.create")
        facility_id = self._own_facility()
        if person.facility_id is not None and person.facility_id != facility_id:
            raise InvalidInput(
                "you can only register people at your own facility", field="facility"
            )
        facility = lookups.by_id(self.session, Facility, facility_id)
        assert facility is not None  # an account's facility is a foreign key
        region_id = facility.region_id
        if person.township:
            region_id = region_by_code(self.session, person.township, field="township").id
        placed = replace(person, facility_id=facility_id, region_id=region_id)
        record, created = register_person(self.session, self.site.keys, placed, self.site.today())
        if record.facility_id != facility_id:
            # Another clinic's person: say only that the ID is taken, never whose it is.
            self._audit(
                "person.create",
                record.id,
                "treatment",
                "denied",
                denial_reason="national ID registered at another facility",
            )
            raise Problems([problem("national_id", "national_id_elsewhere")])
        self._audit("person.create", record.id, "treatment", "allowed")
        view = PersonView(record_of(PersonRecord, record), identifiers_of(self.site.keys, record))
        return view, created

    def read_person(self, person_id: str, purpose: str | None) -> PersonView:
        """A person's record; identifiers only for roles that need them for care."""
        context = self.require("person.read", person_id, purpose)
        person = lookups.by_id(self.session, Person, person_id)
        assert person is not None and purpose is not None  # the policy checked both
        return self._person_view(person, context, purpose)

    def search_people(self, name: str) -> list[PersonView]:
        """People of the caller's own facility whose name contains ``name``, or whose national
        ID or phone number is exactly it (matched through their keyed pseudonyms; never wider)."""
        self.require_general("person.search")
        needle = name.strip().casefold()
        if len(needle) < 2:
            raise InvalidInput("type at least 2 letters of the name", field="name")
        facility_id = self._own_facility()
        exact = people_by_identifier(self.session, self.site.keys, facility_id, name.strip())
        found = [
            PersonView(record_of(PersonRecord, p), identifiers_of(self.site.keys, p)) for p in exact
        ]
        known = {p.id for p in exact}
        for person in lookups.people_of_facility(self.session, facility_id):
            if person.id in known:
                continue
            identifiers = identifiers_of(self.site.keys, person)
            if identifiers.name and needle in identifiers.name.casefold():
                found.append(PersonView(record_of(PersonRecord, person), identifiers))
        for view in found:
            self._audit("person.search", view.person.id, "treatment", "allowed")
        return found

    # -- screening ------------------------------------------------------------------------

    def record_screening(
        self, screening: ScreeningInput, *, with_slip: bool = False
    ) -> RecordedScreening:
        """Record a screening at the screener's facility; triage and referral follow.

        ``with_slip`` also returns the person and the referral slip for the result page,
        covered by this one access and its one audit entry.
        """
        facility_id = self.actor.facility_id
        if screening.facility_id is not None and screening.facility_id != facility_id:
            raise InvalidInput(
                "you can only record screenings at your own facility", field="facility"
            )
        context = self.require("screening.create", screening.person_id, "treatment")
        assert facility_id is not None  # screening.create is bound to a facility
        here = replace(screening, facility_id=facility_id, screener_id=self.actor.user_id)
        rows = record_screening(
            self.session,
            self.site.programme,
            here,
            refer_to_facility_id=lambda: refer_to_centre(self.session, facility_id),
            today=self.site.today(),
        )
        # A VA re-test a reviewer asked for is answered by this screening: back to the queue.
        resume_after_screening(
            self.session,
            screening.person_id,
            screened_at=screening.screened_at,
            with_photos=False,
            now=self.site.now(),
        )
        pin = None
        referral = None
        if rows.attached_to is not None:
            referral = record_of(ReferralRecord, rows.attached_to)
        elif rows.referral is not None:
            stored = lookups.by_id(self.session, Referral, rows.referral["id"])
            assert stored is not None
            pin = issue_access_pin(self.site.keys, stored)
            referral = record_of(ReferralRecord, rows.referral)
        recorded = RecordedScreening(
            record_of(ScreeningRecord, rows.screening),
            referral,
            tuple(rows.triage.reasons),
            pin,
            attached=rows.attached_to is not None,
        )
        if not with_slip:
            return recorded
        view = self._care_view(screening.person_id, context)
        slip = self._slip(referral, view, pin) if referral is not None else None
        return replace(recorded, person=view, slip=slip)

    def recorded_before(self, screening_id: str) -> RecordedScreening | None:
        """The screening already stored under this id, as its result page shows it (a form
        sent twice: a reload, a retry on a bad line), or None. The PIN was shown once."""
        screening = lookups.by_id(self.session, Screening, screening_id)
        if screening is None:
            return None
        missing = not_found("screening", screening_id)
        context = self.require("screening.read", screening.person_id, "treatment", missing=missing)
        view = self._care_view(screening.person_id, context)
        stored = lookups.referrals_of_screenings(self.session, [screening.id]).get(screening.id)
        referral = record_of(ReferralRecord, stored) if stored else None
        slip = self._slip(referral, view, None) if referral is not None else None
        reasons = tuple(from_stored(screening.triage_reasons))
        shown = record_of(ScreeningRecord, screening)
        return RecordedScreening(shown, referral, reasons, None, person=view, slip=slip)

    def _screening(self, screening_id: str, action: str, purpose: str | None) -> Screening:
        screening = lookups.by_id(self.session, Screening, screening_id)
        person_id = screening.person_id if screening else None
        self.require(action, person_id, purpose, missing=not_found("screening", screening_id))
        assert screening is not None
        return screening

    def read_screening(self, screening_id: str, purpose: str | None) -> ScreeningView:
        """One screening and the referral it opened, if the caller may see the record."""
        screening = self._screening(screening_id, "screening.read", purpose)
        referral = lookups.referrals_of_screenings(self.session, [screening.id]).get(screening.id)
        return ScreeningView(
            record_of(ScreeningRecord, screening),
            record_of(ReferralRecord, referral) if referral else None,
        )

    def screenings_of(self, person_id: str, purpose: str | None) -> list[ScreeningRecord]:
        """A person's screenings, newest first (VA history)."""
        self.require("screening.read", person_id, purpose)
        return [
            record_of(ScreeningRecord, s)
            for s in lookups.screenings_of_person(self.session, person_id)
        ]

    def screening_history(self, person_id: str, purpose: str | None) -> list[ScreeningView]:
        """A person's screenings, newest first, each with the referral it opened."""
        screenings = self.screenings_of(person_id, purpose)
        referrals = lookups.referrals_of_screenings(self.session, [s.id for s in screenings])
        return [
            ScreeningView(
                s, record_of(ReferralRecord, referrals[s.id]) if s.id in referrals else None
            )
            for s in screenings
        ]

    # -- eye photos -----------------------------------------------------------------------

    def photo_store(self) -> PhotoStore:
        """The content-addressed photo directory of this installation."""
        return PhotoStore(self.site.settings.home / "photos")

    def add_photo(
        self, screening_id: str, data: bytes, *, declared_type: str | None, eye: str | None
    ) -> PhotoRecord:
        """Attach an eye photo to a screening: checked, re-encoded without metadata, stored."""
        screening = self._screening(screening_id, "photo.create", "treatment")
        if eye is not None:
            one_of("eye", eye, values(Eye))
        photo = process_upload(
            data, PhotoLimits.from_settings(self.site.settings), declared_type=declared_type
        )
        digest = self.photo_store().save(photo)
        stored = store_photo(
            self.session,
            screening.id,
            photo,
            digest,
            eye=eye,
            uploaded_at=self.site.now(),
            uploaded_by=self.actor.user_id,
        )
        resume_after_photo(self.session, screening, now=self.site.now())
        return record_of(PhotoRecord, stored)

    def photos_of(self, screening_id: str, purpose: str | None) -> list[PhotoRecord]:
        """The photos of a screening (metadata only; images are fetched one by one)."""
        screening = self._screening(screening_id, "screening.read", purpose)
        photos = lookups.photos_of_screenings(self.session, [screening.id])[screening.id]
        return [record_of(PhotoRecord, p) for p in photos]

    def read_photo(self, photo_id: str, purpose: str | None, *, thumbnail: bool) -> bytes:
        """One eye photo's image (or thumbnail), if the caller may see the person's record."""
        photo = lookups.by_id(self.session, Photo, photo_id)
        screening = lookups.by_id(self.session, Screening, photo.screening_id) if photo else None
        person_id = screening.person_id if screening else None
        self.require("photo.read", person_id, purpose, missing=not_found("photo", photo_id))
        assert photo is not None
        return self.photo_store().open(photo.digest, thumbnail=thumbnail)

    # -- referrals and slips --------------------------------------------------------------

    def _referral(self, referral_id: str, action: str, purpose: str | None) -> Referral:
        referral = lookups.by_id(self.session, Referral, referral_id)
        person_id = referral.person_id if referral else None
        self.require(action, person_id, purpose, missing=not_found("referral", referral_id))
        assert referral is not None
        return referral

    def read_referral(self, referral_id: str, purpose: str | None) -> ReferralRecord:
        """One referral, if the caller may see its person's record."""
        return record_of(ReferralRecord, self._referral(referral_id, "person.read", purpose))

    def new_access_pin(self, referral_id: str) -> tuple[ReferralRecord, str]:
        """A fresh patient PIN for a referral slip (e.g. a reprint); the old PIN stops working."""
        referral = self._referral(referral_id, "person.update", "treatment")
        pin = issue_access_pin(self.site.keys, referral)
        return record_of(ReferralRecord, referral), pin

    def referral_slip(self, referral_id: str, *, new_pin: bool = False) -> ReferralSlip:
        """What the slip shows: code, person, where to go; a new PIN when asked for one."""
        pin = None
        if new_pin:
            referral, pin = self.new_access_pin(referral_id)
        else:
            referral = self.read_referral(referral_id, "treatment")
        return self._slip(referral, self.read_person(referral.person_id, "treatment"), pin)

    def _care_view(self, person_id: str, context: RecordContext) -> PersonView:
        """The person of a record the policy has just let in, as the screening clinic sees it."""
        person = lookups.by_id(self.session, Person, person_id)
        assert person is not None  # the policy found the record
        return self._person_view(person, context, "treatment")

    def _slip(self, referral: ReferralRecord, person: PersonView, pin: str | None) -> ReferralSlip:
        """A referral slip: the code, the person, the centre to go to, the PIN if just drawn."""
        centre = lookups.by_id(self.session, Facility, referral.to_facility_id)
        return ReferralSlip(referral, person, centre.name if centre else "", pin)

    # -- online review --------------------------------------------------------------------

    def review_queue(self, limit: int = PAGE_SIZE) -> list[ReferralRecord]:
        """Referrals awaiting online review in the reviewer's region, urgent then oldest."""
        self.require_general("review_queue.read")
        facility_ids = None
        if self.actor.region_path is not None:
            facility_ids = lookups.facilities_in_region(self.session, self.actor.region_path)
        queue = review_queue(self.session, facility_ids, limit=limit)
        for referral in queue:
            self._audit("review_queue.read", referral.person_id, "review", "allowed")
        return [record_of(ReferralRecord, r) for r in queue]

    def review_case(self, referral_id: str) -> ReviewCase:
        """A case for online review: referral, person, VA history and photos (purpose review)."""
        referral = self.read_referral(referral_id, "review")
        person = self.read_person(referral.person_id, "review")
        screenings = self.screenings_of(referral.person_id, "review")
        photos = lookups.photos_of_screenings(self.session, [s.id for s in screenings])
        shown = {sid: [record_of(PhotoRecord, p) for p in ps] for sid, ps in photos.items()}
        review = latest_review(self.session, referral.id)
        latest = record_of(ReviewRecord, review) if review else None
        return ReviewCase(referral, person, screenings, shown, latest)

    def record_review(self, review: ReviewInput) -> ReviewRecord:
        """The reviewer's diagnosis and recommendation for a referral in their queue."""
        self._referral(review.referral_id, "review.create", "review")
        mine = replace(review, reviewer_id=self.actor.user_id)
        return record_of(ReviewRecord, record_review(self.session, mine))

    # -- surgical centre ------------------------------------------------------------------

    def expected_at_centre(
        self, *, limit: int = PAGE_SIZE, offset: int = 0
    ) -> Page[ExpectedPatient]:
        """One page of the people referred to the caller's centre who have not attended yet."""
        self.require_general("centre_list.read")
        total, rows = lookups.expected_at_centre(
            self.session, self._own_facility(), limit=limit, offset=offset
        )
        items = []
        for referral, person in rows:
            self._audit("centre_list.read", referral.person_id, "treatment", "allowed")
            items.append(
                ExpectedPatient(
                    record_of(ReferralRecord, referral), identifiers_of(self.site.keys, person)
                )
            )
        return Page(items, total, offset)

    def find_at_centre(self, code: str) -> str | None:
        """The referral behind a slip's code, if it was sent to the caller's own centre."""
        self.require_general("centre_list.read")
        referral = lookups.referral_at_centre(
            self.session, normalise_code(code), self._own_facility()
        )
        return referral.id if referral else None

    def centre_patient(self, referral_id: str) -> CentrePatient:
        """A referred patient's record and pathway so far, as the centre works with them."""
        referral = self._referral(referral_id, "person.read", "treatment")
        person = self.read_person(referral.person_id, "treatment")
        screenings = self.screenings_of(referral.person_id, "treatment")
        review = latest_review(self.session, referral.id)
        attendance = lookups.attendance_of(self.session, referral.id)
        operations = [
            OperatedEye(
                record_of(SurgeryRecord, surgery),
                [record_of(FollowUpRecord, f) for f in follow_ups],
            )
            for surgery, follow_ups in lookups.operations_of(self.session, referral.id)
        ]
        photos = lookups.photos_of_screenings(self.session, [referral.screening_id])
        return CentrePatient(
            record_of(ReferralRecord, referral),
            person,
            screenings[0] if screenings else None,
            record_of(ReviewRecord, review) if review else None,
            record_of(AttendanceRecord, attendance) if attendance else None,
            operations,
            photos=[record_of(PhotoRecord, p) for p in photos[referral.screening_id]],
            not_operated=[
                record_of(NotOperatedRecord, n) for n in not_operated_of(self.session, referral.id)
            ],
            surgeons=self.centre_surgeons(),
        )

    def record_attendance(
        self, referral_id: str, attended_at: datetime, attendance_id: str | None = None
    ) -> AttendanceRecord:
        """The referred person arrived at the caller's centre."""
        self._referral(referral_id, "attendance.create", "treatment")
        attendance = record_attendance(
            self.session,
            referral_id,
            attended_at,
            recorded_by=self.actor.user_id,
            attendance_id=attendance_id,
            recorded_at=self.site.now(),
            today=self.site.today(),
        )
        return record_of(AttendanceRecord, attendance)

    def record_surgery(self, surgery: SurgeryInput) -> SurgeryRecord:
        """An operation at the caller's centre."""
        self._referral(surgery.referral_id, "surgery.create", "treatment")
        centre = self._own_facility()
        if surgery.facility_id is not None and surgery.facility_id != centre:
            raise InvalidInput("record surgery at your own centre", field="facility")
        surgeon = surgery.surgeon_id or self.actor.user_id
        here = replace(
            surgery, facility_id=centre, surgeon_id=surgeon, recorded_by=self.actor.user_id
        )
        return record_of(SurgeryRecord, record_surgery(self.session, here, today=self.site.today()))

    def record_follow_up(self, follow_up: FollowUpInput) -> FollowUpRecord:
        """Follow-up VA of an eye operated at the caller's centre."""
        surgery = lookups.by_id(self.session, Surgery, follow_up.surgery_id)
        missing = not_found("surgery", follow_up.surgery_id)
        self.require(
            "follow_up.create", surgery.person_id if surgery else None, "follow_up", missing=missing
        )
        mine = replace(follow_up, recorded_by=self.actor.user_id)
        stored: FollowUp = record_follow_up(
            self.session,
            mine,
            today=self.site.today(),
            window_days=self.site.programme.follow_up_window_days,
        )
        return record_of(FollowUpRecord, stored)

    # -- offline sync ---------------------------------------------------------------------

    def sync_answer(self, client_uuid: str, kind: str) -> str | None:
        """The answer already given to this caller's offline record (JSON), if it was applied.

        A UUID used by another account or for another kind of record is a conflict, answered
        without saying whose it is.
        """
        receipt = receipt_for(self.session, client_uuid)
        if receipt is None:
            return None
        if receipt.user_id != self.actor.user_id or receipt.kind != kind:
            raise Conflict("this record UUID is already used by another record", field="uuid")
        return receipt.result

    def keep_sync_answer(self, client_uuid: str, kind: str, answer: str) -> None:
        """Remember the answer given to an applied offline record, for re-sends."""
        keep_receipt(
            self.session,
            client_uuid,
            user_id=self.actor.user_id,
            kind=kind,
            result=answer,
            now=self.site.now(),
        )
