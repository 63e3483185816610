"""What the access layer returns about releases and exports: frozen views, no storage rows.

Kept beside ``brightline.records`` (same rules: pure, no I/O) for the three ways data may
leave the programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class ReleaseRecord:
    """A release as managers and the privacy officer see it (figures only once published)."""

    id: str
    status: str
    title: str
    level: str
    region_code: str | None
    period_start: date
    period_end: date
    epsilons: dict[str, float]
    epsilon_total: float
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    result: dict[str, Any] | None


@dataclass(frozen=True)
class PublicRelease:
    """A published release as its public page shows it: the release and its regions' names."""

    release: ReleaseRecord
    region_names: dict[str, str]


@dataclass(frozen=True)
class LedgerLine:
    """One charge of ε to one year of data."""

    data_year: int
    release_id: str
    epsilon: float
    spent_at: datetime


@dataclass(frozen=True)
class BudgetLine:
    """How much of a year's privacy budget is spent and how much remains."""

    data_year: int
    budget: float
    spent: float
    remaining: float


@dataclass(frozen=True)
class Ledger:
    """The privacy budget ledger: every charge, and each year's totals."""

    budget_per_year: float
    lines: list[LedgerLine]
    years: list[BudgetLine]


@dataclass(frozen=True)
class ExportRequestRecord:
    """A request for person-level data as its requester and the privacy officer see it."""

    id: str
    kind: str
    status: str
    recipient: str
    purpose: str
    region_code: str | None
    period_start: date | None
    period_end: date | None
    variables: list[str]
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    expires_at: datetime | None
    produced_at: datetime | None
    people: int | None
    suppressed: int | None


@dataclass(frozen=True)
class ProducedExport:
    """An export written to a file; the passphrase (identified exports) exists only here."""

    request: ExportRequestRecord
    path: str
    passphrase: str | None


@dataclass(frozen=True)
class ReleaseProposal:
    """What a manager proposes: a title, the region level, the period [start, end), ε per table."""

    title: str
    level: str
    start: date
    end: date
    tables: dict[str, float]


@dataclass(frozen=True)
class ExportAsk:
    """What an export request names: who receives it, why, which region, period, variables."""

    recipient: str
    purpose: str
    region_code: str | None = None
    start: date | None = None
    end: date | None = None
    variables: tuple[str, ...] = ()
