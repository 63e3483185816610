"""Audit entries of account events: created, changed, disabled, signed in, failed, signed out.

Each names the acting staff pseudonym and role and the subject account by its pseudonym,
never a username: the log stays free of personal data. A sign-in that fails has no actor
yet: it is logged as ``unknown`` and names the subject account only when the typed
username belongs to one (the typed text itself is never written).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from brightline.access.policy import ACTIONS, Actor
from brightline.audit.log import AuditEvent
from brightline.service.accounts import first_admin
from brightline.store.models import User

# Who a failed sign-in is by: nobody is signed in yet.
UNKNOWN_ACTOR = "unknown"
UNKNOWN_ROLE = "unknown"
# Who created the first admin account: the installation itself, at ``brightline init``.
INIT_ACTOR = "init"
INIT_ROLE = "system"


def account_event(
    action: str,
    *,
    actor: str,
    role: str,
    account: str | None,
    at: datetime,
    outcome: str = "allowed",
    reason: str | None = None,
) -> AuditEvent:
    """One account event; ``action`` must be a declared ``account.*`` action."""
    assert action in ACTIONS and action.startswith("account."), action
    return AuditEvent(
        actor=actor,
        role=role,
        action=action,
        record=None,
        purpose=None,
        outcome=outcome,
        at=at,
        denial_reason=reason,
        account=account,
    )


def by_actor(action: str, actor: Actor, account: str, at: datetime) -> AuditEvent:
    """An account event done by a signed-in member of staff to the account ``account``."""
    return account_event(action, actor=actor.pseudonym, role=actor.role, account=account, at=at)


def created_by(operator: User | None, account: str, at: datetime) -> AuditEvent:
    """An account made by ``operator`` (an admin), or by the installation when there is none."""
    return account_event(
        "account.create",
        actor=operator.pseudonym if operator else INIT_ACTOR,
        role=operator.role if operator else INIT_ROLE,
        account=account,
        at=at,
    )


def accounts_created(session: Session, accounts: Iterable[Actor], at: datetime) -> list[AuditEvent]:
    """The creation of accounts made outside a signed-in request (the demo's), each logged
    as made by the installation's first admin, as ``brightline user add`` would be."""
    operator = first_admin(session)
    return [created_by(operator, account.pseudonym, at) for account in accounts]
