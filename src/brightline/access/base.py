"""The access layer's two primitives: ask the policy, write the audit entry.

:class:`brightline.access.layer.Access` builds every method on these, so that an access the
policy refused answers exactly like a missing record and is logged all the same.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from brightline.access.policy import ACTIONS, Action, Actor, RecordContext, decide
from brightline.audit.log import AuditEvent, AuditLog, record_pseudonym
from brightline.errors import Forbidden, NotFound
from brightline.records import (
    PersonRecord,
    PersonView,
    record_of,
)
from brightline.service.people import identifiers_of
from brightline.service.scope import record_context
from brightline.site import Site
from brightline.store.models import (
    Person,
)

# A refusal echoes what the caller sent, and no more than this of it.
ECHO_LIMIT = 80


def not_found(kind: str, asked: object) -> NotFound:
    """'No such record', worded from what the caller sent only: never whose it is."""
    shown = str(asked)
    if len(shown) > ECHO_LIMIT:
        shown = shown[:ECHO_LIMIT] + "…"
    return NotFound(f"no {kind.replace('_', ' ')} {shown!r}", field=f"{kind}_id")


class AccessCore:
    """The policy check and audit entry every access method is built on."""

    def __init__(self, site: Site, session: Session, actor: Actor) -> None:
        self.site = site
        self.session = session
        self.actor = actor
        self.log = AuditLog()
        # Refused attempts must be logged even though the request's transaction rolls back.
        self.denials: list[AuditEvent] = []
        # Leaf positions this access appended, to decide cheaply whether a checkpoint is due.
        self.positions: list[int] = []
        # Work that must wait until the transaction has committed (e.g. emptying the WAL).
        self.after_commit: list[Callable[[], None]] = []

    # -- the primitives -------------------------------------------------------------------

    def _audit(
        self,
        action: str,
        person_id: str | None,
        purpose: str | None,
        outcome: str,
        reason: str | None = None,
        *,
        denial_reason: str | None = None,
        detail: str | None = None,
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
            denial_reason=denial_reason,
            detail=detail,
        )
        self.positions.append(self.log.append(self.session, event))
        if outcome == "denied":
            self.denials.append(event)

    def _context(self, person_id: str) -> RecordContext | None:
        """Where the person's record belongs (None: no such person)."""
        return record_context(
            self.session, person_id, user_id=self.actor.user_id, now=self.site.now()
        )

    def require(
        self,
        action: Action | str,
        person_id: str | None,
        purpose: str | None,
        *,
        missing: NotFound | None = None,
    ) -> RecordContext:
        """Allow ``action`` on a person's record or log the attempt and answer 'not found'.

        ``missing`` is the answer for a record that does not exist, worded from what the
        caller asked for; a refusal gives exactly the same answer. Returns the record's
        context, so a caller with a second, narrower question (may this caller also see
        identifiers?) asks it without looking the record up again.
        """
        declared = ACTIONS[action] if isinstance(action, str) else action
        context = self._context(person_id) if person_id else None
        decision = decide(self.actor, declared, purpose=purpose, record=context)
        if context is None or not decision.allowed:
            why = decision.reason if context is not None else "no such record"
            self._audit(declared.name, person_id, purpose, "denied", denial_reason=why)
            raise missing or not_found("person", person_id)
        outcome = "break_glass" if decision.break_glass else "allowed"
        self._audit(declared.name, person_id, purpose, outcome)
        return context

    def require_general(self, action: Action | str) -> None:
        """Allow an action that is not about one record, or refuse it."""
        declared = ACTIONS[action] if isinstance(action, str) else action
        decision = decide(self.actor, declared)
        if not decision.allowed:
            role = self.actor.role
            article = "an" if role[:1] in "aeiou" else "a"
            raise Forbidden(f"{article} {role} may not do this ({declared.name})")

    def _own_facility(self) -> int:
        """The caller's facility (the policy has made sure facility-bound actions have one)."""
        if self.actor.facility_id is None:
            raise Forbidden("only staff of a facility may do this")
        return self.actor.facility_id

    def _person_view(self, person: Person, context: RecordContext, purpose: str) -> PersonView:
        identifiers = None
        if decide(self.actor, "person.identifiers.read", purpose=purpose, record=context).allowed:
            identifiers = identifiers_of(self.site.keys, person)
        return PersonView(record_of(PersonRecord, person), identifiers)
