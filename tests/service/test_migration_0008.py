"""Migration 0008: an account column for audit entries; usernames unique in any case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from brightline.settings import Settings
from brightline.store.db import alembic_config, engine_for, migrate

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("username", sa.String),
    sa.Column("password_hash", sa.String),
    sa.Column("role", sa.String),
    sa.Column("pseudonym", sa.String),
    sa.Column("active", sa.Boolean),
    sa.Column("created_at", sa.DateTime),
)


def store_at_0007(engine: Engine, usernames: list[str]) -> None:
    """A store at revision 0007 holding these accounts."""
    migrate(engine, "0007")
    with engine.begin() as connection:
        connection.execute(
            users.insert(),
            [
                {
                    "id": number,
                    "username": username,
                    "password_hash": "argon2-hash",
                    "role": "manager",
                    "pseudonym": f"{number:032x}",
                    "active": True,
                    "created_at": datetime(2026, 11, 1),
                }
                for number, username in enumerate(usernames, start=1)
            ],
        )


def _new_user(engine: Engine, username: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            users.insert(),
            {
                "id": 99,
                "username": username,
                "password_hash": "h",
                "role": "manager",
                "pseudonym": "e" * 32,
                "active": True,
                "created_at": datetime(2026, 12, 1),
            },
        )


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    settings.home.mkdir(parents=True)
    made = engine_for(settings)
    yield made
    made.dispose()


def test_existing_accounts_migrate_and_case_twins_are_refused_after(engine: Engine) -> None:
    store_at_0007(engine, ["admin", "Screener_A", "reviewer"])
    migrate(engine)
    with engine.connect() as connection:
        names = connection.scalars(sa.select(users.c.username).order_by(users.c.id)).all()
        columns = {c["name"] for c in sa.inspect(connection).get_columns("audit_entries")}
    assert names == ["admin", "Screener_A", "reviewer"]  # stored as typed
    assert "account" in columns
    with pytest.raises(IntegrityError):
        _new_user(engine, "screener_a")
    _new_user(engine, "screener_b")


def test_usernames_that_collide_in_case_stop_the_migration_naming_them(engine: Engine) -> None:
    store_at_0007(engine, ["admin", "Screener_A", "screener_a", "reviewer"])
    with pytest.raises(RuntimeError) as refused:
        migrate(engine)
    assert "'Screener_A' and 'screener_a'" in str(refused.value)
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("audit_entries")}
        revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert "account" not in columns and revision == "0007"  # nothing half-done


def test_downgrade_keeps_the_audit_log_append_only(engine: Engine) -> None:
    store_at_0007(engine, ["admin"])
    migrate(engine)
    command.downgrade(alembic_config(engine), "0007")
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("audit_entries")}
    assert "account" not in columns
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO audit_entries (position, entry, leaf_hash, at, actor, role, action,"
                " outcome, break_glass) VALUES (0, '{}', :leaf, :at, 'a', 'admin', 'x',"
                " 'allowed', false)"
            ),
            {"leaf": bytes(32), "at": datetime(2026, 12, 1)},
        )
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_entries"))
