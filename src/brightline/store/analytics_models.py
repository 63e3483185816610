"""Storage models the analytics read or run by: population figures (the surgical rate's
denominator) and background snapshot jobs. They share ``Base.metadata`` with the pathway."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightline.store.models import SEXES, Base, _one_of
from brightline.vocabulary import SnapshotJobState, values

SNAPSHOT_JOB_STATES = values(SnapshotJobState)


class Population(Base):
    """Census or projected population of a region, by year, five-year age band and sex.

    The denominator of the cataract surgical rate (WHO, "Monitoring cataract surgical
    services"); ``age_band`` is written "40-44" or "85+".
    """

    __tablename__ = "population"
    __table_args__ = (
        CheckConstraint(_one_of("sex", SEXES), name="sex"),
        CheckConstraint("count >= 0", name="count"),
        Index("ix_population_cell", "region_id", "year", "age_band", "sex", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    year: Mapped[int] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(8))
    sex: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer)


class SnapshotJob(Base):
    """One request for a new analytics snapshot, run in the background by a server worker.

    Its state lives here, not in a process, so any worker can report it; ``running_slot`` is
    1 while the job is queued or running and NULL after, and is unique, so the database
    itself refuses a second snapshot at the same time.
    """

    __tablename__ = "snapshot_jobs"
    __table_args__ = (CheckConstraint(_one_of("state", SNAPSHOT_JOB_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The staff pseudonym of who asked, or "schedule" for the periodic refresh.
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    running_slot: Mapped[int | None] = mapped_column(Integer, unique=True, default=1)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text, default=None)
