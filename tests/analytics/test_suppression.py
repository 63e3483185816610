"""Small-cell suppression: nothing hidden can be worked out from what an export shows."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import numpy as np
import pytest

from brightline.analytics.engines import connect
from brightline.analytics.indicators import (
    ALL,
    Cell,
    CellKey,
    IndicatorQuery,
    IndicatorTable,
    compute_indicators,
    snapshot_tables,
)
from brightline.analytics.suppression import (
    COMPLEMENTARY,
    PRIMARY,
    Suppression,
    export,
    published_rows,
    suppress,
)
from tests.analytics.conftest import DemoSnapshot
from tests.analytics.helpers import DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

QUERY = IndicatorQuery("county", date(2024, 1, 1), date(2025, 7, 1))


def _table(counts: dict[CellKey, int], relations: list[tuple[CellKey, ...]]) -> IndicatorTable:
    cells = [Cell(k[0], k[1], k[3], k[2], n) for k, n in counts.items()]
    return IndicatorTable(QUERY, sorted({k[0] for k in counts}), cells, relations)


def _k(region: str, category: str) -> CellKey:
    return (region, "vi_presenting", "", category)


def test_small_counts_are_hidden_with_a_complement() -> None:
    counts = {_k("A", "0"): 50, _k("A", "1"): 4, _k("A", "2"): 30, _k("A", "9"): 12}
    counts[_k("A", "total")] = 96
    table = _table(counts, [tuple(counts)])
    hidden = suppress(table).hidden
    # 4 is primary; the next smallest of the group (12) is hidden with it.
    assert hidden == {_k("A", "1"): "primary", _k("A", "9"): "complementary"}
    shown = {row["category"]: row["count"] for row in published_rows(table, suppress(table))}
    assert shown == {"0": 50, "1": PRIMARY, "2": 30, "9": COMPLEMENTARY, "total": 96}


def test_zero_and_eleven_are_shown_and_complements_reach_a_fixed_point() -> None:
    # Two regions and their all-regions row: hiding A's 5 forces B's row and column too.
    counts = {
        _k("A", "x"): 5,
        _k("A", "y"): 20,
        _k("A", "total"): 25,
        _k("B", "x"): 11,
        _k("B", "y"): 0,
        _k("B", "total"): 11,
        _k(ALL, "x"): 16,
        _k(ALL, "y"): 20,
        _k(ALL, "total"): 36,
    }
    relations = [(_k(r, "x"), _k(r, "y"), _k(r, "total")) for r in ("A", "B", ALL)] + [
        (_k("A", c), _k("B", c), _k(ALL, c)) for c in ("x", "y", "total")
    ]
    table = _table(counts, relations)
    suppression = suppress(table)
    assert suppression.hidden[_k("A", "x")] == "primary"
    assert _k("B", "y") not in suppression.hidden or counts[_k("B", "y")] == 0
    _assert_nothing_derivable(table, suppression)


def test_rates_and_medians_from_hidden_counts_are_hidden() -> None:
    attended, referred = ("A", "referral_uptake", "", "attended"), ("A", "referred", "", "total")
    table = _table({attended: 7, referred: 40}, [])
    table.cells.append(
        Cell("A", "referral_uptake", "rate", value=0.175, derived_from=(attended, referred))
    )
    rows = published_rows(table, suppress(table))
    assert [r["value"] for r in rows if r["category"] == "rate"] == ["x"]
    assert [r["value"] for r in published_rows(table, None) if r["category"] == "rate"] == [0.175]


def _assert_nothing_derivable(table: IndicatorTable, suppression: Suppression) -> None:
    """Brute force: no sum has one hidden count, and no combination of sums pins one down."""
    hidden = sorted(suppression.hidden)
    counts = table.counts()
    equations = []
    for relation in table.relations:
        members = [k for k in relation if k in counts]
        unknown = [k for k in members if k in suppression.hidden]
        assert len(unknown) != 1, f"{unknown[0]} = a published total minus published cells"
        if unknown:
            equations.append([1.0 if k in unknown else 0.0 for k in hidden])
    if not equations:
        return
    # A hidden count is pinned down when every solution of the system agrees on it, i.e.
    # when the null space of the system is zero in its column.
    system = np.array(equations)
    _, singular, vt = np.linalg.svd(system)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    for i, key in enumerate(hidden):
        assert null_space.shape[0] and np.abs(null_space[:, i]).max() > 1e-9, f"{key} derivable"


@pytest.mark.parametrize("level", ["county", "township"])
def test_no_hidden_count_of_the_demo_can_be_derived(
    demo_snapshot: DemoSnapshot, level: str
) -> None:
    engine = connect("duckdb")
    query = IndicatorQuery(level, date(2024, 7, 1), date(2025, 7, 1))
    table = compute_indicators(engine, snapshot_tables(engine, demo_snapshot.snapshot), query)
    suppression = suppress(table)
    assert any(v == "primary" for v in suppression.hidden.values())
    _assert_nothing_derivable(table, suppression)
    # Every small count is hidden in both exports; hidden counts' rates and medians too.
    document = json.loads(export(table, "json"))
    for row in [*document["rows"], *csv.DictReader(io.StringIO(export(table, "csv")))]:
        count = row["count"]
        assert not (isinstance(count, int) and 1 <= count <= 10), row
        assert not (isinstance(count, str) and count.isdigit() and 1 <= int(count) <= 10), row
    exact = {c.key: c for c in table.cells}
    for cell in table.cells:
        if cell.count is None and any(k in suppression.hidden for k in cell.derived_from):
            assert suppression.hides(exact[cell.key])
