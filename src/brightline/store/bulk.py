"""Many rows into one table with one driver-level ``executemany``.

A Core ``insert(table)`` given a list of dicts runs SQLAlchemy's parameter processing for
every row (compiled-parameter construction, then a bind processor per value); in a large
import that was about a fifth of the time (docs/benchmarks.md). :func:`insert_many` looks the
bind processors up once per column, converts only the columns that have one, and hands the
driver plain tuples. Python-side column defaults are applied to the columns a row leaves
out, exactly as Core would, so the rows stored are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table

_Processor = Callable[[Any], Any] | None


def _processor(column: Column[Any], connection: Connection) -> _Processor:
    dialect = connection.dialect
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _defaults(table: Table, given: Sequence[str]) -> list[tuple[str, Any, bool]]:
    """(column, default, is_callable) for each column left out that has a Python default."""
    missing = []
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if not (default.is_scalar or default.is_callable):  # pragma: no cover - not in our schema
            raise ValueError(f"{table.name}.{column.name}: give a value (default is not Python)")
        missing.append((column.name, default.arg, default.is_callable))  # type: ignore[attr-defined]
    return missing


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` with one executemany."""
    if not rows:
        return
    given = list(rows[0])
    unknown = [name for name in given if name not in table.columns]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(map(repr, unknown))}")
    defaults = _defaults(table, given)
    names = given + [name for name, _, _ in defaults]
    processors = [
        (position, processor)
        for position, name in enumerate(names)
        if (processor := _processor(table.c[name], connection)) is not None
    ]
    parameters: list[tuple[Any, ...]] = []
    append = parameters.append
    pick, width = itemgetter(*given), len(given)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{table.name}: every row must have the columns {', '.join(given)}")
        values = list(pick(row)) if width > 1 else [pick(row)]
        for _, arg, is_callable in defaults:
            # Core wraps a zero-argument default into one taking the execution context.
            values.append(arg(None) if is_callable else arg)
        for position, processor in processors:
            value = values[position]
            if value is not None:
                values[position] = processor(value)
        append(tuple(values))
    # Names come from the table's metadata, quoted by the dialect; every value is bound.
    quote = connection.dialect.identifier_preparer.quote
    placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(map(quote, names))
    marks = ", ".join(placeholder for _ in names)
    statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    connection.exec_driver_sql(statement, parameters)
