"""A differentially private county release of every table, next to the same counts without noise.

    python benchmarks/bench_release.py [--rows 10000000]

Writes the synthetic snapshot of ``bench_indicators`` (``--rows`` screenings, 100 counties),
then times, on the default engine, (1) the exact person-level counts of every release table
and the population (what the release would cost without any privacy) and (2) the whole
release: the same counts, discrete Laplace noise on every cell, the region hierarchy, shares
and intervals. Goal: (2) at most 5 % more than (1). Record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

from bench_indicators import END, START, write_snapshot
from brightline.analytics.engines import DEFAULT_ENGINE, connect
from brightline.analytics.indicator_queries import IndicatorQuery, snapshot_tables
from brightline.analytics.release import RegionUnit, _population, compute_release, exact_counts
from brightline.analytics.release_queries import RELEASE_TABLES
from brightline.analytics.snapshot import current_snapshot
from machine import machine

warnings.filterwarnings("ignore", r"fetch_arrow_table\(\) is deprecated", DeprecationWarning)
EPSILONS = {"screened": 0.5, "referral_uptake": 0.5, "surgical_outcome": 0.5, "surgeries": 0.5}


def exact(root: Path, query: IndicatorQuery) -> float:
    """Seconds for every table's true counts and the population: the release without noise."""
    started = time.perf_counter()
    runner = connect(DEFAULT_ENGINE)
    tables = snapshot_tables(runner, current_snapshot(root))
    for name in RELEASE_TABLES:
        exact_counts(runner, tables, query, name)
    _population(runner, tables, query)
    return time.perf_counter() - started


def noisy(root: Path, query: IndicatorQuery, units: list[RegionUnit]) -> float:
    """Seconds for the whole differentially private release."""
    started = time.perf_counter()
    compute_release(root, query, units, EPSILONS, now=datetime(2025, 7, 1))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    print(f"{datetime.now():%Y-%m-%d} · {machine()}")
    with tempfile.TemporaryDirectory(prefix="brightline-bench-") as directory:
        root = Path(directory)
        started = time.perf_counter()
        counts = write_snapshot(root / "current", args.rows)
        print(
            f"synthetic snapshot, {counts['screenings']:,} screenings: "
            f"{time.perf_counter() - started:.1f} s"
        )
        query = IndicatorQuery("county", START, END)
        runner = connect(DEFAULT_ENGINE)
        screenings = snapshot_tables(runner, current_snapshot(root)).screenings
        pairs = runner.rows(screenings.select("province", "county").distinct())
        units = [RegionUnit(r["county"], (r["province"],)) for r in pairs]
        rounds = [(exact(root, query), noisy(root, query, units)) for _ in range(3)]
        plain, private = min(r[0] for r in rounds), min(r[1] for r in rounds)
        print(f"{len(units)} counties, {len(RELEASE_TABLES)} tables; best of 3 rounds")
        print(f"exact counts, no noise:       {plain:6.2f} s")
        print(
            f"differentially private release: {private:6.2f} s "
            f"({(private / plain - 1) * 100:+.1f} %)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
