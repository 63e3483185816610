"""Small-cell suppression for every indicator table that leaves the system (CSV, JSON).

Every table that leaves the system applies small-cell suppression (docs/security.md). The
rule (docs/indicators.md has a worked example):

1. primary: a count from 1 to 10 is shown as "<11" (0 and 11 or more are shown);
2. complementary: in every group of counts bound by a sum (categories and their total,
   regions and the all-regions row, centres or surgeons and their region), if exactly one
   count is hidden, the next smallest shown count of the group (a non-zero one first) is
   hidden too and shown as "x"; repeated until nothing changes;
3. a final check solves the whole table as a system of equations (exact arithmetic) and
   hides one more count beside any hidden count that could still be worked out by combining
   several sums; repeated until none can;
4. a rate or median is hidden ("x") when a count it is computed from is hidden.

Exact counts stay inside the system: only exports go through here.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from brightline.analytics.indicators import Cell, CellKey, IndicatorTable

SMALL_MAX = 10
EXPORT_FORMATS = ("csv", "json")
COLUMNS = ("level", "region", "indicator", "breakdown", "category", "count", "value")
PRIMARY = "<11"
COMPLEMENTARY = "x"
HIDDEN_VALUE = "x"


@dataclass(frozen=True)
class Suppression:
    """Which counts of a table are hidden, and why ("primary" or "complementary")."""

    hidden: dict[CellKey, str]

    def hides(self, cell: Cell) -> bool:
        """Whether this cell (count, or value derived from counts) is hidden."""
        if cell.count is not None:
            return cell.key in self.hidden
        return any(key in self.hidden for key in cell.derived_from)


def _pick_complement(
    members: Iterable[CellKey], counts: dict[CellKey, int], hidden: dict[CellKey, str]
) -> CellKey | None:
    shown = [k for k in members if k in counts and k not in hidden]
    if not shown:
        return None
    # A hidden zero protects less (a reader may guess structural zeros): non-zero first.
    return min(shown, key=lambda k: (counts[k] == 0, counts[k], k))


def _determined(hidden: set[CellKey], relations: list[tuple[CellKey, ...]]) -> list[CellKey]:
    """Hidden cells the published numbers pin down through any combination of sums.

    Each sum with hidden members gives one linear equation over the hidden cells (the shown
    members are known). A hidden cell is determined when its unit vector lies in the row space
    of those equations: reduced row echelon form (exact, modulo a prime), per connected group.
    """
    equations = [tuple(sorted({k for k in r if k in hidden})) for r in relations]
    by_cell: dict[CellKey, list[int]] = defaultdict(list)
    for index, members in enumerate(equations):
        for key in members:
            by_cell[key].append(index)
    seen: set[CellKey] = set()
    found: list[CellKey] = []
    for start in sorted(by_cell):
        if start in seen:
            continue
        # The connected group of hidden cells sharing equations with ``start``.
        group: list[CellKey] = []
        rows: set[int] = set()
        stack = [start]
        seen.add(start)
        while stack:
            key = stack.pop()
            group.append(key)
            for index in by_cell[key]:
                if index not in rows:
                    rows.add(index)
                    for other in equations[index]:
                        if other not in seen:
                            seen.add(other)
                            stack.append(other)
        group.sort()
        columns = {key: i for i, key in enumerate(group)}
        matrix = [{columns[key]: 1 for key in equations[index]} for index in sorted(rows)]
        found += [group[column] for column in _pinned_columns(matrix)]
    return found


# Row reduction is done modulo this prime: exact integer arithmetic, much faster than
# fractions; a 0/1 system of a few hundred sums is misjudged only with probability ~1e-18.
_PRIME = 2**61 - 1


def _pinned_columns(matrix: list[dict[int, int]]) -> list[int]:
    """Columns whose value a linear system fixes: RREF rows with a single non-zero entry.

    Rows are sparse (column -> coefficient); the reduced basis is built row by row.
    """
    basis: dict[int, dict[int, int]] = {}  # pivot column -> fully reduced row
    for original in matrix:
        row = {c: v % _PRIME for c, v in original.items() if v % _PRIME}
        # Reduce by every pivot it holds (subtracting a pivot row never brings one back).
        while pivots := [c for c in row if c in basis]:
            column = pivots[0]
            factor = row[column]
            for c, v in basis[column].items():
                updated = (row.get(c, 0) - factor * v) % _PRIME
                if updated:
                    row[c] = updated
                else:
                    row.pop(c, None)
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        row = {c: v * inverse % _PRIME for c, v in row.items()}
        for other in basis.values():
            factor = other.get(pivot, 0)
            if factor:
                for c, v in row.items():
                    updated = (other.get(c, 0) - factor * v) % _PRIME
                    if updated:
                        other[c] = updated
                    else:
                        other.pop(c, None)
        basis[pivot] = row
    return sorted(column for column, row in basis.items() if len(row) == 1)


def suppress(table: IndicatorTable) -> Suppression:
    """Primary and complementary suppression of a table's counts, to a fixed point."""
    counts = table.counts()
    hidden = {k: "primary" for k, n in counts.items() if 1 <= n <= SMALL_MAX}
    relations = [tuple(k for k in r if k in counts) for r in table.relations]
    while True:
        changed = False
        for members in relations:
            if sum(1 for k in members if k in hidden) == 1:
                complement = _pick_complement(members, counts, hidden)
                if complement is not None:
                    hidden[complement] = "complementary"
                    changed = True
        if changed:
            continue
        pinned = _determined(set(hidden), relations)
        complements = [
            c
            for key in pinned
            for members in relations
            if key in members and (c := _pick_complement(members, counts, hidden)) is not None
        ]
        if not complements:
            return Suppression(hidden)
        # One at a time: each new hidden count may already protect the other pinned cells.
        hidden[min(complements, key=lambda k: (counts[k] == 0, counts[k], k))] = "complementary"


def published_rows(table: IndicatorTable, suppression: Suppression | None) -> list[dict[str, Any]]:
    """The table as rows for export: level, region, indicator, breakdown, category, count, value.

    With ``suppression`` (anything that leaves the system), hidden counts read "<11" or "x"
    and hidden rates and medians "x"; without it (inside the system) every number is exact.
    """
    rows = []
    for cell in table.cells:
        count: int | str | None = cell.count
        value: float | str | None = cell.value
        if suppression is not None and suppression.hides(cell):
            if cell.count is not None:
                count = PRIMARY if suppression.hidden[cell.key] == "primary" else COMPLEMENTARY
            else:
                value = HIDDEN_VALUE
        rows.append(
            {
                "level": table.query.level if cell.region != "(all)" else "all",
                "region": cell.region,
                "indicator": cell.indicator,
                "breakdown": cell.breakdown,
                "category": cell.category,
                "count": count,
                "value": value,
            }
        )
    return rows


def export(table: IndicatorTable, fmt: str) -> str:
    """The table as it may leave the system: suppressed, as CSV or JSON text."""
    rows = published_rows(table, suppress(table))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        return out.getvalue()
    if fmt == "json":
        document = {
            "level": table.query.level,
            "from": table.query.start.isoformat(),
            "to": table.query.end.isoformat(),
            "scope": table.query.scope.code if table.query.scope else None,
            "good_outcome_at_least_logmar": table.query.good_at_least / 100,
            "snapshot_created_at": table.snapshot_created_at,
            "suppression": f"counts 1-{SMALL_MAX} shown as {PRIMARY!r}, complementary as "
            f"{COMPLEMENTARY!r}; rates and medians from hidden counts as {HIDDEN_VALUE!r}",
            "rows": rows,
        }
        return json.dumps(document, indent=1) + "\n"
    raise ValueError(f"unknown export format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
