"""Shared by the audit tests: events, appending them for real, bypassing the triggers, the CLI."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import text
from typer.testing import CliRunner, Result

from brightline.audit import merkle
from brightline.audit.log import AuditEvent, AuditLog
from brightline.cli import app
from brightline.settings import Settings
from brightline.site import Site

START = datetime(2026, 3, 2, 9, 30)
APPEND_ONLY_TABLES = ("audit_entries", "audit_nodes", "audit_checkpoints", "audit_cosignatures")
runner = CliRunner()


def event(number: int, **fields: object) -> AuditEvent:
    """A screener reading a record, one minute after the previous event, unless told otherwise."""
    values: dict[str, object] = {
        "actor": f"{number % 7:032x}",
        "role": "screener",
        "action": "person.read",
        "record": f"{number % 5:032x}",
        "purpose": "treatment",
        "outcome": "allowed",
        "at": START + timedelta(minutes=number),
    }
    values.update(fields)
    return AuditEvent(**values)  # type: ignore[arg-type]


def append(site: Site, events: Sequence[AuditEvent]) -> list[bytes]:
    """Append events through AuditLog in one transaction; return their leaf hashes."""
    log = AuditLog()
    with site.transaction() as session:
        for item in events:
            log.append(session, item)
    return [merkle.leaf_hash(item.entry()) for item in events]


def append_many(site: Site, count: int, *, first: int = 0, per_transaction: int = 7) -> list[bytes]:
    """Append ``count`` generic events in several transactions; return their leaf hashes."""
    leaves: list[bytes] = []
    numbers = list(range(first, first + count))
    for offset in range(0, count, per_transaction):
        leaves += append(site, [event(n) for n in numbers[offset : offset + per_transaction]])
    return leaves


@contextmanager
def append_only_bypassed(site: Site) -> Iterator[None]:
    """Let raw SQL update and delete audit rows, as someone with the database files could."""
    with site.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            for table in APPEND_ONLY_TABLES:
                for verb in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER {table}_no_{verb}"))
        else:
            for table in APPEND_ONLY_TABLES:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER ALL"))
    yield


def tamper(site: Site, *statements: str, **params: object) -> None:
    """Run raw SQL against the audit tables with the append-only triggers out of the way."""
    with append_only_bypassed(site), site.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)


def cli(settings: Settings, *args: str) -> Result:
    """Run ``brightline`` against the installation of ``settings``."""
    options = ["--home", str(settings.home)]
    if settings.database_url:
        options += ["--database-url", settings.database_url]
    return runner.invoke(app, [*options, *args], catch_exceptions=False)


def empty_the_log(site: Site) -> None:
    """Take the log back to no leaves, triggers and all, as before 'brightline init' wrote.

    The tests of the log's mechanics count leaves, proofs and checkpoint thresholds from the
    first leaf; a new installation's own first entry (the first admin's creation) is tested
    with 'brightline init' itself.
    """
    tables = ("audit_cosignatures", "audit_checkpoints", "audit_nodes", "audit_entries")
    with site.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            triggers = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _ in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            for table in (*tables, "audit_head"):
                connection.execute(text(f"DELETE FROM {table}"))
            for _, sql in triggers:
                connection.execute(text(sql))
        else:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            for table in (*tables, "audit_head"):
                connection.execute(text(f"DELETE FROM {table}"))
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
