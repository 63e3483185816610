"""The recall loop in the access layer: the clinic's follow-up worklist and its contact attempts.

Only staff of the referring clinic work its worklist: the policy's ``contact_attempt.create``
(screeners, purpose follow-up, people screened at their facility) and, on top, the referral
must come from the caller's own clinic — another clinic's referral answers like a missing one.
Each attempt is one audit entry; each person on a page of the worklist is one entry too.
"""

from __future__ import annotations

from brightline.access.base import AccessCore, not_found
from brightline.access.policy import decide
from brightline.contact_records import (
    ContactAttemptInput,
    ContactAttemptRecord,
    WorklistEntryView,
    WorklistFilter,
)
from brightline.records import Page, PersonRecord, ReferralRecord, WorklistLine, record_of
from brightline.service import lookups
from brightline.service.contacts import contact_attempts_of, record_contact_attempt, view_of
from brightline.service.people import identifiers_of
from brightline.service.worklist import follow_up_worklist, follow_up_worklist_size
from brightline.store.models import Person, Referral, User

# Lists show a page at a time: only what is on screen is decrypted and logged as accessed.
WORKLIST_PAGE = 50


class Recall(AccessCore):
    """The follow-up worklist and the attempts to reach the people on it."""

    def worklist(
        self,
        *,
        limit: int = WORKLIST_PAGE,
        offset: int = 0,
        shown: WorklistFilter | None = None,
        not_attended_days: int | None = None,
    ) -> Page[WorklistLine]:
        """One page of the clinic's follow-up worklist, with names and phones to call.

        Only the people on the page shown are decrypted and logged as accessed.
        """
        self.require_general("worklist.read")
        clinic = self._own_facility()
        days = not_attended_days
        if days is None:
            days = self.site.programme.worklist_not_attended_days
        now = self.site.now()
        entries = follow_up_worklist(
            self.session,
            clinic,
            not_attended_days=days,
            now=now,
            limit=limit,
            offset=offset,
            shown=shown,
        )
        total = follow_up_worklist_size(
            self.session, clinic, not_attended_days=days, now=now, shown=shown
        )
        lines = []
        for entry in entries:
            self._audit("worklist.read", entry.person.id, "follow_up", "allowed")
            last = entry.last_attempt
            lines.append(
                WorklistLine(
                    record_of(ReferralRecord, entry.referral),
                    record_of(PersonRecord, entry.person),
                    entry.days_waiting,
                    identifiers_of(self.site.keys, entry.person),
                    last.outcome if last else None,
                    last.attempted_at if last else None,
                    entry.attempts,
                )
            )
        return Page(lines, total, offset)

    def _clinic_referral(self, referral_id: str, action: str) -> Referral:
        """A referral made by the caller's own clinic, with the policy's leave for ``action``
        (purpose follow-up); any other answers 'no such referral', logged as refused."""
        referral = lookups.by_id(self.session, Referral, referral_id)
        missing = not_found("referral", referral_id)
        person_id = referral.person_id if referral else None
        if referral is not None and referral.from_facility_id != self.actor.facility_id:
            context = self._context(referral.person_id)
            if decide(self.actor, action, purpose="follow_up", record=context).allowed:
                # The policy lets a clinic see the people it screened; a referral another
                # clinic made is that clinic's to follow up.
                why = "referral made by another facility"
                self._audit(action, person_id, "follow_up", "denied", denial_reason=why)
                raise missing
        self.require(action, person_id, "follow_up", missing=missing)
        assert referral is not None
        return referral

    def record_contact_attempt(self, attempt: ContactAttemptInput) -> ContactAttemptRecord:
        """One attempt to reach a person on the caller's worklist; a closing outcome (declined,
        moved, died, attended elsewhere) closes the referral with that reason."""
        self._clinic_referral(attempt.referral_id, "contact_attempt.create")
        now = self.site.now()
        stored = record_contact_attempt(
            self.session,
            self.site.keys,
            attempt,
            attempted_at=attempt.attempted_at or now,
            attempted_by=self.actor.user_id,
            today=self.site.today(),
        )
        me = lookups.by_id(self.session, User, self.actor.user_id)
        note = attempt.note.strip() if stored.note_ct is not None and attempt.note else None
        return view_of(stored, me.username if me else None, note)

    def worklist_entry(self, referral_id: str) -> WorklistEntryView:
        """A referral of the caller's clinic as the worklist works it: who, and every attempt."""
        referral = self._clinic_referral(referral_id, "person.read")
        person = lookups.by_id(self.session, Person, referral.person_id)
        assert person is not None  # the policy found the record
        return WorklistEntryView(
            record_of(ReferralRecord, referral),
            identifiers_of(self.site.keys, person),
            (self.site.now() - referral.referred_at).days,
            contact_attempts_of(self.session, self.site.keys, referral.id),
        )
