"""Engine and session set-up for SQLite (default) or PostgreSQL, and schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from brightline.errors import Conflict
from brightline.identifiers import IdentifierKeys
from brightline.settings import Settings


def sqlite_pragmas(busy_timeout_ms: int) -> tuple[str, ...]:
    """The settings every SQLite connection of Brightline gets, as ``PRAGMA`` arguments."""
    return (
        # WAL lets readers work while one writer commits; foreign keys are off by default.
        "journal_mode=WAL",
        "foreign_keys=ON",
        f"busy_timeout={int(busy_timeout_ms)}",
        "synchronous=NORMAL",
        # Overwrite deleted content, so erased identifiers do not linger in free pages.
        "secure_delete=ON",
    )


# A failed statement's error (and so the server log) never shows its parameters: they can be
# names, phones or sealed identifiers.
HIDE_PARAMETERS = True

# Execution option of a connection that only reads (SQLite: no write lock at BEGIN).
READ_ONLY = "brightline_read_only"


def make_engine(url: str, *, busy_timeout_ms: int = 5000) -> Engine:
    """An engine for ``url``; SQLite gets WAL, enforced foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        # isolation_level=None stops the driver's own BEGIN, so the "begin" hook below decides.
        # One connection per process: every transaction takes SQLite's write lock at BEGIN,
        # so more connections only queue inside SQLite's sleep-and-retry loop (and time out
        # under load) instead of fairly in the pool.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "isolation_level": None},
            pool_size=1,
            max_overflow=0,
            hide_parameters=HIDE_PARAMETERS,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in sqlite_pragmas(busy_timeout_ms):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # Take the write lock at the start: a transaction that reads then writes (audit
            # appends, idempotency checks) can never fail half-way on a lock upgrade. A
            # connection marked READ_ONLY only reads, so it begins deferred and locks nothing.
            if connection.get_execution_options().get(READ_ONLY):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=HIDE_PARAMETERS)


def engine_for(settings: Settings) -> Engine:
    """The engine of the configured operational store."""
    return make_engine(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (records are passed on to shells)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll everything back if it raises.

    A unique key that another transaction took first (two devices sending a record with the
    same new id at the same moment, on PostgreSQL, where the id checks of ``service/claims``
    cannot see the other's uncommitted row) is a conflict to send again, not a server error.
    """
    try:
        with factory() as session, session.begin():
            yield session
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        # The answer names no key or value: which record holds it must stay unsaid.
        raise Conflict(
            "another record with the same id or national ID was stored at the same moment; "
            "nothing was saved: send it again"
        ) from exc


# PostgreSQL's SQLSTATE for unique_violation; SQLite's extended result codes for the same.
_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def _is_unique_violation(exc: IntegrityError) -> bool:
    original = exc.orig
    return (
        getattr(original, "sqlstate", None) == _PG_UNIQUE_VIOLATION
        or getattr(original, "sqlite_errorname", None) in _SQLITE_UNIQUE
    )


def alembic_config(engine: Engine, keys: IdentifierKeys | None = None) -> Config:
    """Alembic configuration pointing at the packaged migrations, this engine and its keys."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("brightline.store") / "migrations")
    )
    config.attributes["engine"] = engine
    # Migrations that re-seal identifiers (0007) need the installation keys.
    config.attributes["identifier_keys"] = keys
    return config


def migrate(engine: Engine, revision: str = "head", *, keys: IdentifierKeys | None = None) -> None:
    """Bring the schema to ``revision`` (idempotent: an up-to-date store is left alone)."""
    command.upgrade(alembic_config(engine, keys), revision)


def checkpoint_wal(engine: Engine) -> None:
    """Move SQLite's WAL into the database file and empty it (no-op on PostgreSQL).

    After an erasure, the WAL still holds the old pages with the person's wrapped key; once
    they are checkpointed, ``secure_delete`` has zeroed them in the file and the WAL is cut to
    nothing. Readers still on an older snapshot make it a partial checkpoint, which the next
    automatic checkpoint completes.
    """
    if engine.url.get_backend_name() != "sqlite":
        return
    # The raw connection: a checkpoint cannot run inside the BEGIN IMMEDIATE every SQLAlchemy
    # transaction here starts with.
    connection = engine.raw_connection()
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()
