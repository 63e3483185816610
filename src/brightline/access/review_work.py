"""The reviewer's queue as a doctor triages it, and cases sent back to the screening clinic.

Through the policy like every access: the queue needs ``review_queue.read`` and logs each
person on the page shown (never the whole queue); sending a case back is ``review.return``
on the person's record, one audit entry; the clinic reads its sent-back cases under
``worklist.read``, as it reads its follow-up worklist.
"""

from __future__ import annotations

from sqlalchemy import select

from brightline.access.base import AccessCore, not_found
from brightline.access.patient import normalise_code
from brightline.errors import InvalidInput
from brightline.records import Page, PersonRecord, ReferralRecord, record_of
from brightline.review_records import QueueChoices, QueueLine, QueueQuery, ReturnedCase, queue_line
from brightline.service import lookups
from brightline.service.people import identifiers_of
from brightline.service.review_queue import (
    queue_ids,
    queue_page,
    return_to_clinic,
    returned_from_clinic,
)
from brightline.store.models import Referral, Region
from brightline.vocabulary import FacilityKind, RegionLevel

QUEUE_PAGE_SIZE = 50
QUEUE_MAX_OFFSET = 1_000_000


class ReviewWork(AccessCore):
    """The triaged review queue, its filters, "next case", and sending a case back."""

    def _region_facilities(self) -> list[int] | None:
        if self.actor.region_path is None:
            return None
        return lookups.facilities_in_region(self.session, self.actor.region_path)

    def review_queue_page(
        self, wanted: QueueQuery, *, limit: int = QUEUE_PAGE_SIZE, offset: int = 0
    ) -> Page[QueueLine]:
        """One page of the queue of the reviewer's region, filtered; only that page is logged."""
        self.require_general("review_queue.read")
        if not 0 <= offset <= QUEUE_MAX_OFFSET:
            raise InvalidInput(f"offset must be 0 to {QUEUE_MAX_OFFSET}", field="offset")
        county_path = None
        if wanted.county:
            county = self.session.scalar(select(Region).where(Region.code == wanted.county))
            if county is None or county.level != RegionLevel.COUNTY:
                raise InvalidInput(f"no county {wanted.county[:32]!r}", field="county")
            county_path = county.path
        code = normalise_code(wanted.code) if wanted.code else None
        total, rows = queue_page(
            self.session,
            self._region_facilities(),
            QueueQuery(wanted.clinic, None, wanted.urgent_only, wanted.with_photos, code),
            county_path=county_path,
            limit=limit,
            offset=offset,
        )
        now = self.site.now()
        lines = []
        for row in rows:
            self._audit("review_queue.read", row.referral.person_id, "review", "allowed")
            lines.append(
                queue_line(
                    record_of(ReferralRecord, row.referral),
                    sex=row.sex,
                    age=now.year - row.birth_year,
                    right_va=row.right_va,
                    left_va=row.left_va,
                    clinic=row.clinic,
                    county=row.county,
                    days_waiting=(now - row.referral.referred_at).days,
                    photo_count=row.photo_count,
                )
            )
        return Page(lines, total, offset)

    def queue_choices(self) -> QueueChoices:
        """The clinics and counties of the reviewer's region, for the queue's filters."""
        self.require_general("review_queue.read")
        path = self.actor.region_path or "/"
        places = {r.id: r for r in lookups.regions(self.session)}
        clinics = [
            (f.id, f.name)
            for f in lookups.facilities(self.session)
            if f.kind == FacilityKind.CLINIC and places[f.region_id].path.startswith(path)
        ]
        counties = [
            (r.code, r.name)
            for r in places.values()
            if r.level == RegionLevel.COUNTY
            and (r.path.startswith(path) or path.startswith(r.path))
        ]
        by_name = lambda choice: choice[1]  # noqa: E731
        return QueueChoices(sorted(clinics, key=by_name), sorted(counties, key=by_name))

    def next_in_queue(self, *, after: str = "", done: str = "") -> str | None:
        """The case to open next: the one after ``after`` (wrapping round), skipping ``done``.

        Ids only: nothing personal is read, so nothing is logged until the case is opened.
        """
        self.require_general("review_queue.read")
        ids = queue_ids(self.session, self._region_facilities())
        if after in ids:
            at = ids.index(after)
            ids = ids[at + 1 :] + ids[:at]
        ids = [i for i in ids if i not in (done, after)]
        return ids[0] if ids else None

    def return_case(self, referral_id: str, reason: str, note: str | None) -> ReferralRecord:
        """Send a case back to its clinic (photo retake, VA re-test); it leaves the queue."""
        referral = lookups.by_id(self.session, Referral, referral_id)
        person_id = referral.person_id if referral else None
        missing = not_found("referral", referral_id)
        self.require("review.return", person_id, "review", missing=missing)
        assert referral is not None
        returned = return_to_clinic(
            self.session,
            referral,
            reason,
            note,
            returned_by=self.actor.user_id,
            now=self.site.now(),
        )
        return record_of(ReferralRecord, returned)

    def returned_cases(self) -> list[ReturnedCase]:
        """The clinic's cases sent back by a reviewer, with the names and phones to call."""
        self.require_general("worklist.read")
        clinic = self._own_facility()
        cases = []
        for referral, person in returned_from_clinic(self.session, clinic):
            self._audit("worklist.read", person.id, "follow_up", "allowed")
            ids = identifiers_of(self.site.keys, person)
            cases.append(
                ReturnedCase(
                    record_of(ReferralRecord, referral),
                    record_of(PersonRecord, person),
                    ids.name,
                    ids.phone,
                )
            )
        return cases
