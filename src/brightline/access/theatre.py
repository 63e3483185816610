"""The surgical centre's theatre list through the policy: appointments, name search of the
expected patients, the centre's surgeons, and eyes not operated — each access audited."""

from __future__ import annotations

from datetime import date

from brightline.access.base import AccessCore, not_found
from brightline.errors import InvalidInput
from brightline.records import ExpectedPatient, ReferralRecord, record_of
from brightline.service import lookups
from brightline.service.people import identifiers_of, reveal_fields
from brightline.service.theatre import centre_surgeons, record_not_operated, set_appointment
from brightline.store.models import Referral
from brightline.theatre_records import NotOperatedInput, NotOperatedRecord, Surgeon

# Name search shows at most this many patients: a search is for one person, not a list.
SEARCH_LIMIT = 20


class Theatre(AccessCore):
    """What the surgical centre does with its own referrals beyond arrival and surgery."""

    def _centre_referral(self, referral_id: str, action: str) -> Referral:
        """A referral sent to the caller's own centre, after the policy and its audit entry."""
        referral = lookups.by_id(self.session, Referral, referral_id)
        missing = not_found("referral", referral_id)
        if referral is not None and referral.to_facility_id != self.actor.facility_id:
            # Another centre's referral of a patient this centre also has looks missing.
            referral = None
        self.require(action, referral.person_id if referral else None, "treatment", missing=missing)
        assert referral is not None
        return referral

    def set_appointment(self, referral_id: str, day: date | None) -> ReferralRecord:
        """Give (or change, or clear) the day the centre expects a referred patient."""
        referral = self._centre_referral(referral_id, "appointment.set")
        set_appointment(self.session, referral.id, day, today=self.site.today())
        return record_of(ReferralRecord, referral)

    def record_not_operated(self, entry: NotOperatedInput) -> NotOperatedRecord:
        """An eye the patient came for and was not operated on, with the reason."""
        referral = self._centre_referral(entry.referral_id, "not_operated.create")
        here = NotOperatedInput(
            referral_id=referral.id,
            eye=entry.eye,
            decided_on=entry.decided_on,
            reason=entry.reason,
            note=entry.note,
            facility_id=self.actor.facility_id,
            recorded_by=self.actor.user_id,
            id=entry.id,
        )
        stored = record_not_operated(self.session, here, today=self.site.today())
        return record_of(NotOperatedRecord, stored)

    def centre_surgeons(self) -> list[Surgeon]:
        """The surgeon accounts of the caller's centre, for the operating-surgeon choice."""
        self.require_general("centre_list.read")
        return [
            Surgeon(user.id, user.username)
            for user in centre_surgeons(self.session, self._own_facility())
        ]

    def search_expected(self, name: str) -> list[ExpectedPatient]:
        """The centre's expected patients whose name contains ``name`` (never anyone else's).

        Every name on the centre's list is decrypted to compare, in memory; only the people
        found are shown, and each is logged as found.
        """
        self.require_general("centre_list.search")
        needle = name.strip().casefold()
        if len(needle) < 2:
            raise InvalidInput("type at least 2 letters of the name", field="name")
        _, rows = lookups.expected_at_centre(self.session, self._own_facility(), limit=None)
        found = []
        for referral, person in rows:
            # Only the name is opened to compare; the rest only for the people found.
            sealed = {"name": person.name_ct}
            typed = reveal_fields(self.site.keys, person.id, person.data_key, sealed)["name"]
            if typed and needle in typed.casefold():
                identifiers = identifiers_of(self.site.keys, person)
                found.append(ExpectedPatient(record_of(ReferralRecord, referral), identifiers))
            if len(found) == SEARCH_LIMIT:
                break
        for patient in found:
            self._audit("centre_list.search", patient.referral.person_id, "treatment", "allowed")
        return found
