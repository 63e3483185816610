"""Differentially private releases in the store: proposals, decisions and the ε ledger.

Each calendar year of data has a total privacy budget ε (``BRIGHTLINE_PRIVACY_BUDGET_PER_YEAR``).
A release that uses data of a year charges its whole ε to that year (a person screened
that year is in it with all of it: sequential composition, Dwork and Roth 2014, Thm 3.14);
a release over 2025-07..2026-06 charges 2025 and 2026 each. The ledger only grows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightline.errors import Conflict, Forbidden, InvalidInput
from brightline.store.disclosure_models import PrivacyLedger, Release
from brightline.store.models import REGION_LEVELS, Region
from brightline.vocabulary import ReleaseStatus

# ε is kept to six decimals, so the ledger's sums are exact enough to compare.
EPSILON_DIGITS = 6
SLACK = 1e-9


def data_years(start: date, end: date) -> list[int]:
    """The calendar years whose data a period [start, end) uses."""
    last = date.fromordinal(end.toordinal() - 1).year
    return list(range(start.year, last + 1))


def spent_by_year(session: Session, years: list[int]) -> dict[int, float]:
    """ε already charged to each of ``years`` (0 for a year nothing used)."""
    rows = session.execute(
        select(PrivacyLedger.data_year, func.sum(PrivacyLedger.epsilon))
        .where(PrivacyLedger.data_year.in_(years))
        .group_by(PrivacyLedger.data_year)
    )
    spent = {year: 0.0 for year in years}
    spent.update({int(year): float(total) for year, total in rows})
    return spent


def check_budget(
    session: Session, start: date, end: date, epsilon: float, budget: float
) -> dict[int, float]:
    """Refuse a charge that would take any year of the period past its budget, naming what
    remains; otherwise the remaining budget of each year after the charge."""
    years = data_years(start, end)
    remaining = {
        y: round(budget - s, EPSILON_DIGITS) for y, s in spent_by_year(session, years).items()
    }
    short = {y: r for y, r in remaining.items() if epsilon > r + SLACK}
    if short:
        left = ", ".join(f"{y}: ε {max(r, 0):g} left" for y, r in sorted(short.items()))
        raise InvalidInput(
            f"this release needs ε {epsilon:g} of each year of its period, more than the "
            f"privacy budget has ({left}; the budget is ε {budget:g} per year of data)",
            field="epsilons",
        )
    return {y: round(r - epsilon, EPSILON_DIGITS) for y, r in remaining.items()}


def propose_release(
    session: Session,
    *,
    title: str,
    level: str,
    region_code: str | None,
    start: date,
    end: date,
    epsilons: Mapping[str, float],
    requested_by: int,
    now: datetime,
    budget: float,
) -> Release:
    """Store a proposal after checking that the budget could pay for it today."""
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise InvalidInput("give the release a title of 1 to 200 characters", field="title")
    total = round(sum(epsilons.values()), EPSILON_DIGITS)
    check_budget(session, start, end, total, budget)
    release = Release(
        status=ReleaseStatus.PROPOSED.value,
        title=title,
        level=level,
        region_code=region_code,
        period_start=start,
        period_end=end,
        epsilons=json.dumps({k: round(v, EPSILON_DIGITS) for k, v in epsilons.items()}),
        epsilon_total=total,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(release)
    session.flush()
    return release


def check_undecided(release: Release, decided_by: int) -> None:
    """A release is decided once, and never by the one who proposed it."""
    if release.status != ReleaseStatus.PROPOSED:
        raise Conflict(f"release {release.id} is already {release.status}", field="release_id")
    if release.requested_by == decided_by:
        raise Forbidden("a release is approved or refused by someone other than its proposer")


def publish_release(
    session: Session,
    release: Release,
    *,
    decided_by: int,
    now: datetime,
    result: str,
    snapshot_created_at: str | None,
    budget: float,
    note: str | None = None,
) -> Release:
    """Charge the ledger, then store the computed figures as the published release."""
    check_undecided(release, decided_by)
    check_budget(session, release.period_start, release.period_end, release.epsilon_total, budget)
    for year in data_years(release.period_start, release.period_end):
        session.add(
            PrivacyLedger(
                data_year=year, release_id=release.id, epsilon=release.epsilon_total, spent_at=now
            )
        )
    release.status = ReleaseStatus.PUBLISHED.value
    release.decided_by, release.decided_at, release.decision_note = decided_by, now, note
    release.result, release.snapshot_created_at = result, snapshot_created_at
    session.flush()
    return release


def refuse_release(
    session: Session, release: Release, *, decided_by: int, now: datetime, note: str | None
) -> Release:
    """Refuse a proposal: nothing is computed and nothing is charged."""
    check_undecided(release, decided_by)
    release.status = ReleaseStatus.REFUSED.value
    release.decided_by, release.decided_at, release.decision_note = decided_by, now, note
    session.flush()
    return release


def releases(session: Session, *, published_only: bool = False) -> list[Release]:
    """Releases, newest first."""
    query = select(Release).order_by(Release.requested_at.desc(), Release.id)
    if published_only:
        query = query.where(Release.status == ReleaseStatus.PUBLISHED.value)
    return list(session.scalars(query))


def ledger(session: Session) -> list[PrivacyLedger]:
    """Every charge of the ledger, in the order they were made."""
    return list(session.scalars(select(PrivacyLedger).order_by(PrivacyLedger.id)))


def budget_by_year(session: Session, budget: float) -> list[tuple[int, float, float]]:
    """(year, spent, remaining) for every year the ledger has charged."""
    spent: dict[int, float] = defaultdict(float)
    for line in ledger(session):
        spent[line.data_year] += line.epsilon
    return [
        (year, round(s, EPSILON_DIGITS), round(budget - s, EPSILON_DIGITS))
        for year, s in sorted(spent.items())
    ]


def region_units(
    session: Session, level: str, scope_path: str | None
) -> list[tuple[str, tuple[str, ...]]]:
    """The regions at ``level`` inside a scope, each with its ancestors inside that scope."""
    depth = REGION_LEVELS.index(level) + 1
    scope_depth = len([p for p in (scope_path or "").split("/") if p])
    units = []
    for region in session.scalars(
        select(Region).where(Region.level == level).order_by(Region.path)
    ):
        if scope_path and not region.path.startswith(scope_path):
            continue
        parts = [p for p in region.path.split("/") if p]
        # The scope region itself is a parent too; regions above it are not published.
        ancestors = tuple(parts[max(0, scope_depth - 1) : depth - 1])
        units.append((region.code, ancestors))
    return units


def region_names(session: Session, codes: list[str]) -> dict[str, str]:
    """The names of the regions a published release names (public place names, by code)."""
    if not codes:
        return {}
    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}
