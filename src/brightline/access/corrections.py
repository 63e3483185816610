"""Corrections through the policy: one audit entry per change, the earlier version kept.

A correction is allowed by the policy on the person's record (the caller's caseload) and,
for clinical records, only to the place or person that wrote the record: the clinic that
recorded a screening, the centre that recorded an arrival, the eye doctor who wrote a
review. A refusal is logged like any other and answers as the policy's refusals do.
"""

from __future__ import annotations

import json

from brightline.access.base import AccessCore, not_found
from brightline.access.policy import RecordContext, decide
from brightline.correction_records import CorrectionRecord, PersonCorrection, ReviewAmendment
from brightline.errors import Forbidden
from brightline.records import (
    PersonView,
    ReferralRecord,
    ReviewRecord,
    ScreeningRecord,
    ScreeningView,
    record_of,
)
from brightline.service import lookups
from brightline.service.corrections import correct_person, corrections_of, open_correction
from brightline.service.pathway_corrections import amend_review, undo_attendance, void_screening
from brightline.store.models import (
    Attendance,
    Correction,
    Person,
    Referral,
    Review,
    Screening,
    User,
)


class Corrections(AccessCore):
    """Edit a person, void a screening, undo an arrival, amend a review; read the history."""

    def _refuse(self, action: str, person_id: str, purpose: str, why: str, answer: str) -> None:
        """Log a refusal the policy's scope did not catch (another clinic's record) and refuse."""
        self._audit(action, person_id, purpose, "denied", denial_reason=why)
        raise Forbidden(answer)

    def correct_person(self, change: PersonCorrection) -> tuple[PersonView, CorrectionRecord]:
        """Correct a person's identifiers or demographics from the version the caller saw."""
        context = self.require("person.correct", change.person_id, "treatment")
        person = lookups.by_id(self.session, Person, change.person_id)
        assert person is not None  # the policy found the record
        correction = correct_person(
            self.session,
            self.site.keys,
            person,
            change,
            made_by=self.actor.user_id,
            now=self.site.now(),
            today=self.site.today(),
        )
        view = self._person_view(person, context, "treatment")
        return view, self._correction_view(person, correction, context, "treatment")

    def void_screening(
        self, screening_id: str, reason: str, correction_id: str | None = None
    ) -> ScreeningView:
        """Void a screening recorded at the caller's clinic; it leaves lists and figures."""
        screening = lookups.by_id(self.session, Screening, screening_id)
        person_id = screening.person_id if screening else None
        missing = not_found("screening", screening_id)
        self.require("screening.void", person_id, "treatment", missing=missing)
        assert screening is not None
        if screening.facility_id != self.actor.facility_id:
            self._refuse(
                "screening.void",
                screening.person_id,
                "treatment",
                "screening recorded at another facility",
                "only the clinic that recorded a screening may void it",
            )
        void_screening(
            self.session,
            self.site.keys,
            screening,
            reason,
            made_by=self.actor.user_id,
            now=self.site.now(),
            correction_id=correction_id,
        )
        referral = lookups.referrals_of_screenings(self.session, [screening.id]).get(screening.id)
        return ScreeningView(
            record_of(ScreeningRecord, screening),
            record_of(ReferralRecord, referral) if referral else None,
        )

    def undo_attendance(self, attendance_id: str, reason: str) -> ReferralRecord:
        """Undo an arrival recorded at the caller's centre, within the installation's window."""
        attendance = lookups.by_id(self.session, Attendance, attendance_id)
        referral = (
            lookups.by_id(self.session, Referral, attendance.referral_id) if attendance else None
        )
        person_id = referral.person_id if referral else None
        missing = not_found("attendance", attendance_id)
        self.require("attendance.undo", person_id, "treatment", missing=missing)
        assert attendance is not None and referral is not None
        if attendance.facility_id != self.actor.facility_id:
            self._refuse(
                "attendance.undo",
                referral.person_id,
                "treatment",
                "arrival recorded at another centre",
                "only the centre that recorded an arrival may undo it",
            )
        _correction, referral = undo_attendance(
            self.session,
            self.site.keys,
            attendance,
            reason,
            made_by=self.actor.user_id,
            now=self.site.now(),
            window_days=self.site.settings.attendance_undo_days,
        )
        return record_of(ReferralRecord, referral)

    def amend_review(self, amendment: ReviewAmendment) -> ReviewRecord:
        """Amend the caller's own review (the latest of its referral), keeping the earlier one."""
        review = lookups.by_id(self.session, Review, amendment.review_id)
        person_id = review.person_id if review else None
        missing = not_found("review", amendment.review_id)
        self.require("review.amend", person_id, "review", missing=missing)
        assert review is not None
        if review.reviewer_id != self.actor.user_id:
            self._refuse(
                "review.amend",
                review.person_id,
                "review",
                "review written by another reviewer",
                "only the eye doctor who wrote a review may amend it; record a new review instead",
            )
        amend_review(
            self.session,
            self.site.keys,
            review,
            amendment,
            made_by=self.actor.user_id,
            now=self.site.now(),
        )
        return record_of(ReviewRecord, review)

    def correction_history(self, person_id: str, purpose: str | None) -> list[CorrectionRecord]:
        """Every correction of a person's record, newest first; earlier identifiers only for
        roles that may see identifiers."""
        context = self.require("correction.read", person_id, purpose)
        person = lookups.by_id(self.session, Person, person_id)
        assert person is not None and purpose is not None  # the policy checked both
        return [
            self._correction_view(person, correction, context, purpose, made_by=username)
            for correction, username in corrections_of(self.session, person_id)
        ]

    def _correction_view(
        self,
        person: Person,
        correction: Correction,
        context: RecordContext,
        purpose: str,
        *,
        made_by: str | None = None,
    ) -> CorrectionRecord:
        reason, earlier = open_correction(self.site.keys, person, correction)
        may_see = decide(self.actor, "person.identifiers.read", purpose=purpose, record=context)
        return CorrectionRecord(
            id=correction.id,
            person_id=correction.person_id,
            kind=correction.kind,
            record_id=correction.record_id,
            made_at=correction.made_at,
            made_by=made_by if made_by is not None else self.account_name(),
            changed=tuple(correction.changed.split(",")),
            reason=reason,
            before=json.loads(correction.before),
            earlier_identifiers=earlier if may_see.allowed else None,
        )

    def account_name(self) -> str:
        """The signed-in account's username (who made a correction just now)."""
        user = lookups.by_id(self.session, User, self.actor.user_id)
        return user.username if user else "?"
