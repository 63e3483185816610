"""Accesses to records counted per month, fast on a long log: the privacy officer's page.

Counts by role, purpose and outcome (the transparency report) and by what was done, with how
many were refused; no one named. The log is append-only, so the counts of its first N entries
never change: each process keeps its counts with N and the Merkle tree root of those N
leaves (RFC 9162 §2.1), and the next page view counts only the entries after them (a range
of the primary key). When the log's first N leaves no longer have that root (a restored or
replaced store) it counts afresh.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightline.audit.reports import TransparencyRow
from brightline.audit.tree import root_at, tree_size
from brightline.store.models import AuditEntry


@dataclass(frozen=True)
class ActionCount:
    """How many times one action was asked in one month, and how many were refused."""

    month: str
    action: str
    count: int
    refused: int


# (month, role, purpose, outcome, action) → accesses
Counts = dict[tuple[str, str, str | None, str, str], int]
# Per store: how many entries were counted, the tree root of those, and their counts.
_kept: dict[str, tuple[int, bytes, Counts]] = {}
_lock = threading.Lock()


def _count(session: Session, first: int, last: int) -> Counts:
    """The accesses of the entries at positions first..last."""
    if session.get_bind().dialect.name == "sqlite":
        month = func.strftime("%Y-%m", AuditEntry.at)
    else:
        month = func.to_char(AuditEntry.at, "YYYY-MM")
    columns = (month, AuditEntry.role, AuditEntry.purpose, AuditEntry.outcome, AuditEntry.action)
    query = (
        select(*columns, func.count())
        .where(AuditEntry.position.between(first, last))
        .where(AuditEntry.action.not_like("account.%"))
        .group_by(*columns)
    )
    return {
        (m, role, why, outcome, action): n
        for m, role, why, outcome, action, n in session.execute(query)
    }


def monthly_counts(session: Session) -> Counts:
    """Every access to a record by month, role, purpose, outcome and action."""
    size = tree_size(session)
    if size == 0:
        return {}
    store = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        kept = _kept.get(store)
    counted, counts = 0, {}
    if kept is not None and 0 < kept[0] <= size and root_at(session, kept[0]) == kept[1]:
        counted, counts = kept[0], dict(kept[2])
    # Up to the size read first: entries committed meanwhile wait for the next view.
    for key, n in _count(session, counted, size - 1).items():
        counts[key] = counts.get(key, 0) + n
    with _lock:
        _kept[store] = (size, root_at(session, size), counts)
    return dict(counts)


def transparency(counts: Counts, months: int = 60) -> list[TransparencyRow]:
    """By month, role, purpose and outcome (the transparency report), the latest months."""
    summed: dict[tuple[str, str, str | None, str], int] = defaultdict(int)
    for (month, role, purpose, outcome, _action), n in counts.items():
        summed[(month, role, purpose, outcome)] += n
    rows = [
        TransparencyRow(m, role, purpose, outcome, n)
        for (m, role, purpose, outcome), n in summed.items()
    ]
    rows.sort(key=lambda r: (r.month, r.role, r.purpose or "", r.outcome))
    latest = set(sorted({r.month for r in rows})[-months:])
    return [r for r in rows if r.month in latest]


def by_action(counts: Counts, months: int = 12) -> list[ActionCount]:
    """By month and action with the refusals, the latest ``months`` months, newest first."""
    summed: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (month, _role, _purpose, outcome, action), n in counts.items():
        summed[(month, action)][0] += n
        if outcome == "denied":
            summed[(month, action)][1] += n
    rows = [ActionCount(m, action, n, refused) for (m, action), (n, refused) in summed.items()]
    latest = set(sorted({r.month for r in rows}, reverse=True)[:months])
    kept = sorted((r for r in rows if r.month in latest), key=lambda r: (-r.count, r.action))
    # Stable: within a month the most frequent action stays first.
    return sorted(kept, key=lambda r: r.month, reverse=True)
