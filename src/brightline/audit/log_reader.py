"""The stored audit log read for verification: a read-only snapshot, and what is wrong in it.

``brightline.audit.verify`` checks the entries and tree, ``brightline.audit.verify_checkpoints``
the checkpoints and witness signatures; both read through one :class:`LogReader` and name
each fault as a :class:`Problem`.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from brightline.store.db import HIDE_PARAMETERS


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stored log; ``position`` is the first entry it concerns."""

    kind: str
    message: str
    position: int | None = None


class LogReader:
    """A read-only snapshot through a DB-API connection of its own.

    Sessions on SQLite begin with BEGIN IMMEDIATE, the write lock; a long verification must
    not stop the clinics from working, so it reads outside SQLAlchemy's transactions.
    """

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, poolclass=NullPool, hide_parameters=HIDE_PARAMETERS)
        self.dialect = self._engine.dialect.name
        self._connection = self._engine.raw_connection()
        self._driver: Any = cast(Any, self._connection.driver_connection)
        self._names = itertools.count()
        self.errors: tuple[type[Exception], ...]
        if self.dialect == "sqlite":
            self.errors = (sqlite3.Error,)
            self._driver.isolation_level = None
            self._driver.execute("BEGIN")
        else:
            import psycopg

            self.errors = (psycopg.Error,)
            # SET TRANSACTION must open the transaction: end whatever connecting started.
            self._driver.rollback()
            with self._driver.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def one(self, sql: str, params: Sequence[int] = (), *, guarded: bool = False) -> Any:
        """The first column of the first row, or None.

        ``guarded``: if the query fails, the snapshot stays usable (PostgreSQL would otherwise
        abort the whole transaction).
        """
        if self.dialect == "sqlite":
            row = self._driver.execute(sql, params).fetchone()
            return None if row is None else row[0]
        with self._driver.cursor() as cursor:
            if guarded:
                cursor.execute("SAVEPOINT guarded")
            try:
                cursor.execute(self._sql(sql), params)
            except self.errors:
                if guarded:
                    cursor.execute("ROLLBACK TO SAVEPOINT guarded")
                raise
            row = cursor.fetchone()
        return None if row is None else row[0]

    def rows(self, sql: str, params: Sequence[int] = ()) -> Iterator[tuple[Any, ...]]:
        """Stream the rows of a query without holding them all in memory."""
        if self.dialect == "sqlite":
            # The cursor itself: no generator in between, since this runs once per row.
            cursor: Iterator[tuple[Any, ...]] = self._driver.execute(sql, params)
            return cursor
        return self._server_rows(sql, params)

    def _server_rows(self, sql: str, params: Sequence[int]) -> Iterator[tuple[Any, ...]]:
        # A named cursor lives on the server and sends rows in batches.
        with self._driver.cursor(name=f"audit_verify_{next(self._names)}") as cursor:
            cursor.itersize = 10_000
            cursor.execute(self._sql(sql), params)
            yield from cursor

    def close(self) -> None:
        """End the snapshot and release the connection."""
        self._connection.rollback()
        self._connection.close()
        self._engine.dispose()
