"""Migration 0018: snapshot jobs (one at a time, by the database) and password reset codes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightline.errors import Conflict
from brightline.service.snapshot_jobs import STALE_AFTER, active_job, queue_job
from brightline.settings import Settings
from brightline.store.analytics_models import SnapshotJob
from brightline.store.db import alembic_config, engine_for, migrate


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    settings.home.mkdir(parents=True)
    made = engine_for(settings)
    yield made
    made.dispose()


def _columns(engine: Engine, table: str) -> set[str]:
    with engine.connect() as connection:
        return {c["name"] for c in sa.inspect(connection).get_columns(table)}


def test_upgrade_adds_the_jobs_and_reset_columns_and_downgrade_removes_them(engine: Engine) -> None:
    migrate(engine, "0015")
    migrate(engine)
    assert {"reset_code_hash", "reset_expires_at"} <= _columns(engine, "users")
    assert "running_slot" in _columns(engine, "snapshot_jobs")
    command.downgrade(alembic_config(engine), "0015")
    assert "reset_code_hash" not in _columns(engine, "users")
    with engine.connect() as connection:
        assert "snapshot_jobs" not in sa.inspect(connection).get_table_names()
    migrate(engine)  # and up again
    assert "snapshot_jobs" in sa.inspect(engine).get_table_names()


def test_the_database_refuses_a_second_running_job(engine: Engine) -> None:
    migrate(engine)
    now = datetime(2026, 12, 1, 10, 0)
    with Session(engine) as session, session.begin():
        queue_job(session, "a" * 32, now)
    with Session(engine) as session, session.begin(), pytest.raises(Conflict):
        queue_job(session, "b" * 32, now + timedelta(minutes=1))
    # Even bypassing the check, the unique slot holds.
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        session.add(
            SnapshotJob(
                requested_by="c" * 32,
                requested_at=now,
                state="queued",
                running_slot=1,
                steps_done=0,
                steps_total=0,
            )
        )
    # A job whose worker went silent for too long gives way to a new one.
    later = now + STALE_AFTER + timedelta(seconds=1)
    with Session(engine) as session, session.begin():
        fresh = queue_job(session, "d" * 32, later)
        assert fresh.requested_by == "d" * 32
    with Session(engine) as session:
        states = session.scalars(sa.select(SnapshotJob.state).order_by(SnapshotJob.id)).all()
        assert states == ["failed", "queued"]
        active = active_job(session)
        assert active is not None and active.requested_by == "d" * 32
