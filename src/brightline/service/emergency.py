"""Emergency (break-glass) grants: opened with a reason, time-limited, reviewed afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, NotFound
from brightline.service.lookups import by_id
from brightline.store.security_models import BreakGlassGrant


def open_grant(
    session: Session, *, user_id: int, person_id: str, reason: str, now: datetime, minutes: int
) -> BreakGlassGrant:
    """A grant opening one record to one user for ``minutes``, flagged for review."""
    grant = BreakGlassGrant(
        user_id=user_id,
        person_id=person_id,
        reason=reason,
        opened_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(grant)
    session.flush()
    return grant


def review_grant(
    session: Session, grant_id: str, *, reviewer_id: int, note: str, now: datetime
) -> BreakGlassGrant:
    """Record a privacy officer's review of one grant (once)."""
    grant = by_id(session, BreakGlassGrant, grant_id)
    if grant is None:
        raise NotFound(f"no emergency access {grant_id[:80]!r}", field="grant_id")
    if grant.reviewed_at is not None:
        raise InvalidInput("this emergency access is already reviewed", field="grant_id")
    grant.reviewed_at = now
    grant.reviewed_by = reviewer_id
    grant.review_note = note.strip() or None
    session.flush()
    return grant
