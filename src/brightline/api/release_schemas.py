"""The request and response bodies of differentially private releases."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field

from brightline.api.bounds import UtcTime
from brightline.api.schemas import Strict
from brightline.disclosure_records import Ledger, ReleaseRecord
from brightline.timestamps import EARLIEST_DAY

LAST_DAY = date(2200, 1, 1)


class ReleaseCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    level: Literal["province", "county", "township"]
    start: date = Field(alias="from", ge=EARLIEST_DAY, le=LAST_DAY)
    end: date = Field(alias="to", ge=EARLIEST_DAY, le=LAST_DAY)
    # ε per table, e.g. {"screened": 0.5, "surgeries": 0.25}: named as in the answer;
    # "tables", its earlier name, is still read.
    epsilons: dict[str, float] = Field(
        min_length=1, max_length=10, validation_alias=AliasChoices("epsilons", "tables")
    )


class ReleaseDecision(Strict):
    note: str | None = Field(default=None, max_length=1000)


class PublishedReleasePublic(BaseModel):
    """A release as anyone may read it: the figures and their parameters, no staff's words."""

    id: str
    status: str
    title: str
    level: str
    region: str | None
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    epsilons: dict[str, float]
    epsilon_total: float
    requested_at: UtcTime
    decided_at: UtcTime | None
    result: dict[str, Any] | None

    @classmethod
    def fields_of(cls, r: ReleaseRecord) -> dict[str, Any]:
        """The public fields of a release record."""
        return {
            "id": r.id,
            "status": r.status,
            "title": r.title,
            "level": r.level,
            "region": r.region_code,
            "start": r.period_start,
            "end": r.period_end,
            "epsilons": r.epsilons,
            "epsilon_total": r.epsilon_total,
            "requested_at": r.requested_at,
            "decided_at": r.decided_at,
            "result": r.result,
        }

    @classmethod
    def of(cls, r: ReleaseRecord) -> PublishedReleasePublic:
        return cls(**cls.fields_of(r))


class ReleasePublic(PublishedReleasePublic):
    """A release as managers and privacy officers see it: also the decision's note."""

    decision_note: str | None

    @classmethod
    def of(cls, r: ReleaseRecord) -> ReleasePublic:
        return cls(**cls.fields_of(r), decision_note=r.decision_note)


class LedgerYear(BaseModel):
    year: int
    budget: float
    spent: float
    remaining: float


class LedgerCharge(BaseModel):
    year: int
    release_id: str
    epsilon: float
    spent_at: UtcTime


class LedgerPublic(BaseModel):
    budget_per_year: float
    years: list[LedgerYear]
    charges: list[LedgerCharge]

    @classmethod
    def of(cls, ledger: Ledger) -> LedgerPublic:
        return cls(
            budget_per_year=ledger.budget_per_year,
            years=[
                LedgerYear(year=y.data_year, budget=y.budget, spent=y.spent, remaining=y.remaining)
                for y in ledger.years
            ],
            charges=[
                LedgerCharge(
                    year=c.data_year,
                    release_id=c.release_id,
                    epsilon=c.epsilon,
                    spent_at=c.spent_at,
                )
                for c in ledger.lines
            ],
        )
