"""Migration 0017: sent-back cases on referrals; it upgrades a store with referrals and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from brightline.settings import Settings
from brightline.store.db import alembic_config, engine_for, migrate

RETURN_COLUMNS = {"return_reason", "returned_at", "returned_by", "return_note", "resumed_at"}


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    settings.home.mkdir(parents=True)
    made = engine_for(settings)
    yield made
    made.dispose()


def _columns(engine: Engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("referrals")}


def test_0017_adds_the_return_columns_and_removes_them_on_downgrade(engine: Engine) -> None:
    migrate(engine, "0016")
    assert not RETURN_COLUMNS & _columns(engine)
    migrate(engine, "0017")
    assert _columns(engine) >= RETURN_COLUMNS
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0017"
    command.downgrade(alembic_config(engine), "0016")
    assert not RETURN_COLUMNS & _columns(engine)
    migrate(engine)
    assert _columns(engine) >= RETURN_COLUMNS
