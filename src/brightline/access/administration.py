"""Emergency access, erasure, the caller's own account and administration, through the policy."""

from __future__ import annotations

from dataclasses import dataclass

from brightline.access.account_admin import AccountAdministration
from brightline.access.base import not_found
from brightline.access.emergency_reason import check_emergency_reason
from brightline.access.policy import decide
from brightline.audit.access_counts import monthly_counts, transparency
from brightline.audit.log import record_pseudonym
from brightline.audit.reports import TransparencyRow, transparency_report
from brightline.audit.tree import StoredCheckpoint, latest_checkpoint, tree_size
from brightline.audit.verify import VerificationReport, verify_log
from brightline.records import (
    AccountRecord,
    EmergencyGrant,
    EmergencyToReview,
    FacilityRecord,
    PersonRecord,
    RegionRecord,
    record_of,
)
from brightline.service import lookups
from brightline.service.accounts import scope_of
from brightline.service.corrections import shred_corrections
from brightline.service.emergency import open_grant, review_grant
from brightline.service.people import erase_identifiers
from brightline.service.places import add_facility, add_region
from brightline.site import Site
from brightline.store.db import checkpoint_wal
from brightline.store.models import (
    Person,
    User,
)


@dataclass(frozen=True)
class AuditOverview:
    """What the privacy officer's page shows of the log: size, checkpoint, monthly counts."""

    size: int
    checkpoint: StoredCheckpoint | None
    transparency: list[TransparencyRow]


class Administration(AccountAdministration):
    """The access methods that are not about the care pathway itself."""

    def erase_person(self, person_id: str) -> PersonRecord:
        """Erase a person's identifiers on request (privacy officers); logged like any access."""
        self.require_general("person.erase")
        person = lookups.by_id(self.session, Person, person_id)
        if person is None:
            raise not_found("person", person_id)
        erase_identifiers(person, self.site.now())
        shred_corrections(self.session, person_id)
        self.session.flush()
        # Once committed, the WAL's copies of the wrapped key go too.
        self.after_commit.append(lambda: checkpoint_wal(self.site.engine))
        self._audit("person.erase", person_id, None, "allowed")
        return record_of(PersonRecord, person)

    # -- emergency access -----------------------------------------------------------------

    def open_break_glass(self, person_id: str, reason: str) -> EmergencyGrant:
        """Open one record for a limited time with a written reason, flagged for review."""
        reason = check_emergency_reason(reason)
        allowed = decide(self.actor, "break_glass.open").allowed
        if not allowed or lookups.by_id(self.session, Person, person_id) is None:
            why = "no such record" if allowed else f"{self.actor.role} may not break_glass.open"
            self._audit("break_glass.open", person_id, "emergency", "denied", denial_reason=why)
            raise not_found("person", person_id)
        grant = open_grant(
            self.session,
            user_id=self.actor.user_id,
            person_id=person_id,
            reason=reason,
            now=self.site.now(),
            minutes=self.site.settings.break_glass_minutes,
        )
        self._audit("break_glass.open", person_id, "emergency", "break_glass", reason)
        return record_of(EmergencyGrant, grant)

    def break_glass_to_review(self) -> list[EmergencyToReview]:
        """Emergency accesses not yet reviewed by a privacy officer, oldest first."""
        self.require_general("break_glass.review")
        return [
            EmergencyToReview(
                record_of(EmergencyGrant, grant),
                staff.username if staff else "?",
                staff.role if staff else "?",
                record_pseudonym(self.site.keys, grant.person_id)[:16],
            )
            for grant, staff in lookups.grants_to_review(self.session)
        ]

    def review_break_glass(self, grant_id: str, note: str) -> EmergencyGrant:
        """A privacy officer's verdict on one emergency access."""
        self.require_general("break_glass.review")
        grant = review_grant(
            self.session, grant_id, reviewer_id=self.actor.user_id, note=note, now=self.site.now()
        )
        return record_of(EmergencyGrant, grant)

    # -- the caller's own account, and administration --------------------------------------

    def account(self) -> AccountRecord:
        """The signed-in account (for the page header: username and role, no personal data)."""
        user = lookups.by_id(self.session, User, self.actor.user_id)
        assert user is not None  # the token resolved to this account
        return record_of(AccountRecord, user)

    def scope(self) -> str:
        """The signed-in account's scope written as codes (``all``, ``region:P1`` …)."""
        user = lookups.by_id(self.session, User, self.actor.user_id)
        assert user is not None
        return str(scope_of(self.session, user))

    def audit_overview(self, months: int = 60) -> AuditOverview:
        """The audit log's size, latest checkpoint and accesses per month (privacy officers)."""
        self.require_general("audit.read")
        return AuditOverview(
            tree_size(self.session),
            latest_checkpoint(self.session),
            # Counted incrementally (``audit.access_counts``): the log only grows.
            transparency(monthly_counts(self.session), months),
        )

    def transparency(self) -> list[TransparencyRow]:
        """Accesses per month by role, purpose and outcome (privacy officers)."""
        self.require_general("audit.read")
        return transparency_report(self.session)

    def add_region(self, code: str, name: str, level: str, parent: str | None) -> RegionRecord:
        """Add a province, county or township (admins)."""
        self.require_general("admin.manage")
        return record_of(RegionRecord, add_region(self.session, code, name, level, parent))

    def regions(self) -> list[RegionRecord]:
        """Every region, in tree order (admins)."""
        self.require_general("admin.manage")
        return [record_of(RegionRecord, r) for r in lookups.regions(self.session)]

    def add_facility(self, code: str, name: str, kind: str, region: str) -> FacilityRecord:
        """Add a clinic or surgical centre (admins)."""
        self.require_general("admin.manage")
        return record_of(FacilityRecord, add_facility(self.session, code, name, kind, region))

    def facilities(self) -> list[FacilityRecord]:
        """Every facility (admins)."""
        self.require_general("admin.manage")
        return [record_of(FacilityRecord, f) for f in lookups.facilities(self.session)]


def verify_audit_log(site: Site) -> VerificationReport:
    """Recompute the whole audit log and check every checkpoint, holding no write lock.

    Call it after the caller's access (which asked the policy for ``audit.read``) has ended:
    it reads a snapshot of its own, so clinics keep writing while it runs.
    """
    return verify_log(site.engine, site.audit_signer().verifier_key())
