"""Accesses to records counted by what was done, per month: the privacy officer's second view
beside the transparency report (which counts by role, purpose and outcome). No one named."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from brightline.store.models import AuditEntry


@dataclass(frozen=True)
class ActionCount:
    """How many times one action was asked in one month, and how many were refused."""

    month: str
    action: str
    count: int
    refused: int


def counts_by_action(session: Session, months: int = 12) -> list[ActionCount]:
    """The latest ``months`` months' accesses to records by action, newest month first."""
    if session.get_bind().dialect.name == "sqlite":
        month = func.strftime("%Y-%m", AuditEntry.at)
    else:
        month = func.to_char(AuditEntry.at, "YYYY-MM")
    refused = func.sum(case((AuditEntry.outcome == "denied", 1), else_=0))
    rows = session.execute(
        select(month, AuditEntry.action, func.count(), refused)
        .where(AuditEntry.action.not_like("account.%"))
        .group_by(month, AuditEntry.action)
    ).all()
    counts = [ActionCount(m, action, int(n), int(r or 0)) for m, action, n, r in rows]
    latest = set(sorted({c.month for c in counts}, reverse=True)[:months])
    kept = sorted((c for c in counts if c.month in latest), key=lambda c: (-c.count, c.action))
    # Stable: within a month the most frequent action stays first.
    return sorted(kept, key=lambda c: c.month, reverse=True)
