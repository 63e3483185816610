"""The recall loop's indicators: why referrals closed, uptake among those who could attend, and
the barriers given by people who declined (counted like RAAB's barrier questions).

Definitions (docs/indicators.md):

- ``referral_closed`` · declined / moved / died / attended_elsewhere: referrals of the period
  that a contact attempt closed with that reason, by the snapshot;
- ``referral_uptake`` · ``eligible`` = referred − moved − died − attended elsewhere (the
  people who could still reach this programme's centre; declining is a drop-out, so it stays
  in); ``rate_eligible`` = attended ÷ eligible, beside the WHO/PBL/98.68 rate attended ÷
  referred;
- ``barriers`` · cost / fear / no_escort / distance / other: the declined referrals by the
  reason the person gave (RAAB, barriers to cataract surgery).

Each group is bound by a sum, so small-cell suppression keeps every hidden count hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brightline.analytics.indicator_queries import (
    IndicatorQuery,
    SnapshotTables,
    barriers_by_reason,
)
from brightline.vocabulary import (
    CLOSING_CONTACT_OUTCOMES,
    NOT_ELIGIBLE_CONTACT_OUTCOMES,
    DeclineReason,
    values,
)

if TYPE_CHECKING:
    from brightline.analytics.engines import Engine
    from brightline.analytics.indicators import _Builder

BARRIERS = values(DeclineReason)
RECALL_COUNT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "referral_closed": CLOSING_CONTACT_OUTCOMES,
    "barriers": BARRIERS,
}
# Within each region: the ones who could not attend here and the eligible make all referred;
# the barriers make all who declined.
RECALL_SUMS: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        *(("referral_closed", reason) for reason in NOT_ELIGIBLE_CONTACT_OUTCOMES),
        ("referral_uptake", "eligible"),
        ("referred", "total"),
    ),
    (*(("barriers", reason) for reason in BARRIERS), ("referral_closed", "declined")),
)
RECALL_INDICATORS = ("referral_closed", "barriers")
RECALL_CATEGORIES = ("eligible", "rate_eligible", *CLOSING_CONTACT_OUTCOMES, *BARRIERS)


def add_closures(b: _Builder, region: str, row: dict[str, Any]) -> None:
    """One row of ``referrals_by_kind``: its closures by reason and its eligible referrals."""
    for reason in CLOSING_CONTACT_OUTCOMES:
        b.add(region, "referral_closed", reason, row[reason])
    gone = sum(row[reason] for reason in NOT_ELIGIBLE_CONTACT_OUTCOMES)
    b.add(region, "referral_uptake", "eligible", row["referred"] - gone)


def count_barriers(b: _Builder, engine: Engine, t: SnapshotTables, query: IndicatorQuery) -> None:
    """The declined referrals of the period by the reason given."""
    for row in engine.rows(barriers_by_reason(t, query)):
        b.add(row["region"], "barriers", row["barrier"], row["referrals"])


def derive_eligible_uptake(b: _Builder, every: list[str]) -> None:
    """Referral uptake among the referrals that could still attend (attended ÷ eligible)."""
    for region in every:
        b.ratio(
            region,
            "referral_uptake",
            "rate_eligible",
            (region, "referral_uptake", "", "attended"),
            (region, "referral_uptake", "", "eligible"),
        )
