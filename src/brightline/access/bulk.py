"""Bulk writes through the access layer: a CSV import or the demo, with one audit entry per
person touched, in the transaction that writes the records.

A bulk write is run as a named account (``--as``): the policy must allow that account to
write records in bulk, and every person the write creates, links or changes gets an entry
naming that account, so each person's access report shows it. The demo, which plays a whole
programme's year, records each step as the member of staff who took it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path

from sqlalchemy.orm import Session

from brightline.access.policy import Actor, decide
from brightline.access.signin import account_actor
from brightline.audit.log import AuditEvent, AuditLog, record_pseudonym
from brightline.audit.tree import checkpoint_if_due
from brightline.csvfiles import ImportReport
from brightline.errors import Forbidden
from brightline.service import importing
from brightline.site import Site

BULK_ACTION = "records.import"


@dataclass
class BulkRecorder:
    """Collects the audit entries of a bulk write and appends them, in time order, in one go."""

    site: Site
    session: Session
    operator: Actor
    events: list[AuditEvent] = field(default_factory=list)
    # Refusals are logged even when the write rolls back (as ``acting_as`` logs them).
    denials: list[AuditEvent] = field(default_factory=list)

    def touched(
        self,
        person_id: str,
        action: str,
        *,
        purpose: str | None = "treatment",
        at: datetime | None = None,
        by: Actor | None = None,
    ) -> None:
        """Note one access to a person's record (by the operator unless ``by`` is given)."""
        actor = by or self.operator
        self.events.append(
            AuditEvent(
                actor=actor.pseudonym,
                role=actor.role,
                action=action,
                record=record_pseudonym(self.site.keys, person_id),
                purpose=purpose,
                outcome="allowed",
                at=at or self.site.now(),
            )
        )

    def refused(self, person_id: str, action: str, denial_reason: str) -> None:
        """Note a refused access to a person's record, by the operator, now."""
        event = AuditEvent(
            actor=self.operator.pseudonym,
            role=self.operator.role,
            action=action,
            record=record_pseudonym(self.site.keys, person_id),
            purpose="treatment",
            outcome="denied",
            at=self.site.now(),
            denial_reason=denial_reason,
        )
        self.events.append(event)
        self.denials.append(event)

    def flush(self) -> list[int]:
        """Append what was noted, oldest first (a stable sort keeps same-time steps in order)."""
        self.events.sort(key=attrgetter("at"))
        positions = AuditLog().append_many(self.session, self.events)
        self.events.clear()
        return positions


@contextmanager
def writing_in_bulk(site: Site, username: str | None) -> Iterator[BulkRecorder]:
    """One transaction acting as ``username`` (default: the first admin) for a bulk write,
    if the policy allows it."""
    recorder: BulkRecorder | None = None
    try:
        with site.transaction() as session:
            operator = account_actor(session, username)
            if not decide(operator, BULK_ACTION).allowed:
                raise Forbidden(
                    f"account {username!r} ({operator.role}) may not write records in bulk; "
                    "run the command as an administrator (--as)"
                )
            recorder = BulkRecorder(site, session, operator)
            yield recorder
            recorder.flush()
    except BaseException:
        if recorder is not None and recorder.denials:
            with site.transaction() as session:
                AuditLog().append_many(session, recorder.denials)
        raise
    # After commit, as for any access: a slow signature never holds the write lock.
    checkpoint_if_due(site)


def import_screenings(
    site: Site,
    path: Path,
    *,
    as_user: str | None = None,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: bool = False,
) -> ImportReport:
    """Import a screenings CSV file as an account (``--as``; default: the first admin).

    One audit entry (``person.import``) per person the file creates or links, naming that
    account, in the import's own transaction: each person's access report shows it.
    """
    return importing.import_screenings(
        site,
        path,
        bulk=lambda: writing_in_bulk(site, as_user),
        skip_invalid=skip_invalid,
        rejects_path=rejects_path,
        progress=progress,
    )
