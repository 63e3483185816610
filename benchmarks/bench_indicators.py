"""Service indicators on a large synthetic snapshot: Ibis engines vs hand-written Polars.

    python benchmarks/bench_indicators.py [--rows 10000000] [--compare-rows 1000000] [--no-spark]

1. Writes a synthetic snapshot (screenings by month, referrals, surgeries, follow-ups,
   population) straight to Parquet with numpy and Polars: ``--rows`` screenings of ~90% distinct
   people in 100 counties / 1,000 townships over two years; ~10% referred, the usual drop-out,
   review, surgery and follow-up shares.
2. On ``--compare-rows`` screenings: the county indicator set through Ibis on DuckDB and on
   Polars (which embedded engine should be the default).
3. On ``--rows`` screenings: the county indicator set on the default embedded engine, next to a
   hand-written Polars computation of the same numbers (asserted equal), a cold one-shot
   ``brightline indicators`` subprocess (wall time, peak memory) and Spark local mode.

Benchmarks never fail a test run; record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from brightline.analytics.engines import DEFAULT_ENGINE, connect
from brightline.analytics.indicators import (
    ALL,
    IndicatorQuery,
    IndicatorTable,
    compute_indicators,
    snapshot_tables,
)
from brightline.analytics.snapshot import MANIFEST, SCHEMA_VERSION
from machine import machine

warnings.filterwarnings("ignore", r"fetch_arrow_table\(\) is deprecated", DeprecationWarning)

START, END = date(2024, 7, 1), date(2025, 7, 1)
FIRST_DAY = datetime(2024, 1, 1)
DAYS = 730
LADDER = np.array(
    [0.0, 0.1, 0.18, 0.3, 0.48, 0.6, 0.78, 1.0, 1.08, 1.3, 1.48, 1.78, 1.9, 2.3, 2.7, 3.0]
)
LADDER_P = np.array([40, 20, 17, 18, 1.5, 0.8, 0.6, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.05])


def _va(rng: np.random.Generator, n: int) -> np.ndarray:
    values = rng.choice(LADDER, n, p=LADDER_P / LADDER_P.sum())
    values[rng.random(n) < 0.01] = np.nan
    return values


def _partitioned(frame: pl.DataFrame, directory: Path) -> None:
    directory.mkdir(parents=True)
    for (year, month), part in frame.group_by(["year", "month"]):
        part.write_parquet(directory / f"{year:04d}-{month:02d}.parquet", compression="zstd")


def write_snapshot(root: Path, rows: int, seed: int = 1) -> dict[str, int]:
    """A synthetic snapshot of ``rows`` screenings under ``root`` (tables as the real one)."""
    rng = np.random.default_rng(seed)
    people = int(rows * 0.9)
    person_of = np.concatenate([np.arange(people), rng.integers(0, people, rows - people)])
    township_of_person = rng.integers(0, 1000, people)
    township = township_of_person[person_of]
    seconds = rng.integers(0, DAYS * 86400, rows)
    screened_at = pl.Series(np.datetime64(FIRST_DAY) + seconds.astype("timedelta64[s]"))
    birth_year = rng.integers(1930, 1986, people)[person_of]
    sex = np.where(rng.random(people) < 0.56, "female", "male")[person_of]
    right, left = _va(rng, rows), _va(rng, rows)
    worse = np.fmax(right, left)
    decision = np.full(rows, "none", dtype="<U13")
    decision[worse > 0.3] = np.where(rng.random(rows) < 0.3, "refraction", "review")[worse > 0.3]
    decision[(worse >= 1.3) & (rng.random(rows) < 0.2)] = "urgent_review"
    frame = pl.DataFrame(
        {
            "person": pl.Series(person_of).cast(pl.String).str.pad_start(9, "0"),
            "sex": sex,
            "birth_year": birth_year.astype(np.int32),
            "screened_at": screened_at.cast(pl.Datetime("us")),
            "facility": pl.Series(township).cast(pl.String),
            "township": pl.Series(township).cast(pl.String).str.pad_start(4, "0"),
            "right_presenting_logmar": right,
            "left_presenting_logmar": left,
            "triage_decision": decision,
        }
    ).with_columns(
        pl.col("right_presenting_logmar").fill_nan(None),
        pl.col("left_presenting_logmar").fill_nan(None),
    )
    frame = frame.with_columns(
        screened_on=pl.col("screened_at").dt.date(),
        year=pl.col("screened_at").dt.year().cast(pl.Int32),
        month=pl.col("screened_at").dt.month().cast(pl.Int32),
        county=pl.lit("C") + pl.col("township").str.slice(0, 3),
        province=pl.lit("P") + pl.col("township").str.slice(0, 1),
        facility=pl.lit("CL-") + pl.col("township"),
        suspected_cataract=pl.col("triage_decision") == "review",
    ).with_columns(
        age=(pl.col("year") - pl.col("birth_year")).cast(pl.Int32),
        right_pinhole_logmar=pl.col("right_presenting_logmar"),
        left_pinhole_logmar=pl.col("left_presenting_logmar"),
        right_lens=pl.lit("clear"),
        left_lens=pl.lit("clear"),
        triage_rule_version=pl.lit("default-1"),
    )
    _partitioned(frame, root / "screenings")

    referred = frame.filter(pl.col("triage_decision") != "none")
    n = referred.height
    attended = rng.random(n) < 0.55
    reviewed = (referred["triage_decision"] != "refraction").to_numpy() & (rng.random(n) < 0.9)
    review_days = rng.geometric(0.25, n)
    surgery = reviewed & (rng.random(n) < 0.6)
    referrals = (
        referred.select(
            "person",
            "sex",
            "birth_year",
            "province",
            "county",
            "township",
            "year",
            "month",
            kind=pl.col("triage_decision"),
            referred_at=pl.col("screened_at"),
            referred_on=pl.col("screened_on"),
            from_facility=pl.col("facility"),
        )
        .with_columns(
            referral=pl.Series([f"r{i}" for i in range(n)]),
            priority=pl.lit("routine"),
            status=pl.lit("open"),
            to_facility=pl.lit("SC-") + pl.col("county"),
            days_to_attendance=pl.Series(np.where(attended, rng.geometric(0.07, n), -1)).cast(
                pl.Int32
            ),
            days_to_first_review=pl.Series(np.where(reviewed, review_days, -1)).cast(pl.Int32),
            recommendation=pl.Series(
                np.where(surgery, "surgery", np.where(reviewed, "glasses", ""))
            ),
            surgery_right=pl.Series(surgery & (rng.random(n) < 0.8)),
            surgery_left=pl.Series(surgery & (rng.random(n) < 0.6)),
        )
        .with_columns(
            days_to_attendance=pl.when(pl.col("days_to_attendance") >= 0).then(
                "days_to_attendance"
            ),
            days_to_first_review=pl.when(pl.col("days_to_first_review") >= 0).then(
                "days_to_first_review"
            ),
            recommendation=pl.when(pl.col("recommendation") != "").then("recommendation"),
        )
        .with_columns(
            attended_at=pl.col("referred_at") + pl.duration(days=pl.col("days_to_attendance")),
            first_reviewed_at=pl.col("referred_at")
            + pl.duration(days=pl.col("days_to_first_review")),
            recommended_on=pl.col("referred_on") + pl.duration(days=pl.col("days_to_first_review")),
            closed_at=pl.lit(None, pl.Datetime("us")),
        )
        .with_columns(
            surgery_right=pl.when(pl.col("recommendation").is_not_null()).then("surgery_right"),
            surgery_left=pl.when(pl.col("recommendation").is_not_null()).then("surgery_left"),
            recommended_on=pl.col("recommended_on").cast(pl.Date),
        )
    )
    _partitioned(referrals, root / "referrals")

    wanted = pl.concat(
        [
            referrals.filter(pl.col("surgery_right")).with_columns(eye=pl.lit("right")),
            referrals.filter(pl.col("surgery_left")).with_columns(eye=pl.lit("left")),
        ]
    )
    wanted = wanted.filter(pl.Series(rng.random(wanted.height) < 0.5))
    m = wanted.height
    surgeries = (
        wanted.select(
            "referral",
            "person",
            "sex",
            "birth_year",
            "province",
            "county",
            "township",
            "eye",
            operated_on=(
                pl.col("recommended_on") + pl.duration(days=pl.Series(rng.integers(0, 60, m)))
            ).cast(pl.Date),
            centre=pl.col("to_facility"),
            surgeon=pl.col("to_facility") + "-" + pl.Series(rng.integers(0, 3, m)).cast(pl.String),
        )
        .with_columns(
            surgery=pl.Series([f"s{i}" for i in range(m)]),
            year=pl.col("operated_on").dt.year().cast(pl.Int32),
            month=pl.col("operated_on").dt.month().cast(pl.Int32),
            technique=pl.lit("MSICS"),
            iol=pl.lit(True),
            complicated=pl.Series(rng.random(m) < 0.04),
        )
        .with_columns(age=(pl.col("year") - pl.col("birth_year")).cast(pl.Int32))
    )
    _partitioned(surgeries, root / "surgeries")

    followed = surgeries.filter(pl.Series(rng.random(m) < 0.85))
    k = followed.height
    best = rng.choice(LADDER[:10], k)
    follow_ups = followed.select("surgery", "year", "month").with_columns(
        follow_up=pl.Series([f"f{i}" for i in range(k)]),
        examined_on=pl.lit(None, pl.Date),
        days_after_surgery=pl.Series(rng.integers(1, 90, k)).cast(pl.Int32),
        presenting_logmar=pl.Series(np.minimum(best + rng.choice([0, 0, 0.1, 0.3], k), 3.0)),
        best_corrected_logmar=pl.Series(np.where(rng.random(k) < 0.2, np.nan, best)).fill_nan(None),
        outcome_presenting=pl.lit("good"),
        outcome_best_corrected=pl.lit(None, pl.String),
    )
    _partitioned(follow_ups, root / "follow_ups")

    counties = sorted(frame["county"].unique().to_list())
    population = pl.DataFrame(
        {
            "region": [c for c in counties for _ in (2024, 2025)],
            "level": "county",
            "county": [c for c in counties for _ in (2024, 2025)],
            "year": [y for _ in counties for y in (2024, 2025)],
            "count": rng.integers(200_000, 900_000, 2 * len(counties)),
        }
    ).with_columns(
        province=pl.lit("P") + pl.col("county").str.slice(1, 1),
        township=pl.lit(None, pl.String),
        age_band=pl.lit("all"),
        sex=pl.lit("female"),
        year=pl.col("year").cast(pl.Int32),
    )
    (root / "population").mkdir()
    population.write_parquet(root / "population" / "all.parquet")
    counts = {"screenings": rows, "referrals": n, "surgeries": m, "follow_ups": k}
    manifest = {"schema_version": SCHEMA_VERSION, "created_at": "synthetic", "tables": counts}
    (root / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return counts


def polars_by_hand(root: Path) -> dict[tuple[str, str, str], float | int | None]:
    """The county indicators (no centre/surgeon breakdown) written directly in Polars."""

    def scan(name: str) -> pl.LazyFrame:
        return pl.scan_parquet(str(root / name / "*.parquet"))

    def hundredths(column: str) -> pl.Expr:
        return (pl.col(column) * 100).round(0).cast(pl.Int32)

    def category(h: pl.Expr) -> pl.Expr:
        return (
            pl.when(h.is_null())
            .then(9)
            .when(h <= 48)
            .then(0)
            .when(h <= 100)
            .then(1)
            .when(h <= 130)
            .then(2)
            .when(h <= 178)
            .then(3)
            .when(h <= 299)
            .then(4)
            .otherwise(5)
        )

    out: dict[tuple[str, str, str], float | int | None] = {}
    r, left = hundredths("right_presenting_logmar"), hundredths("left_presenting_logmar")
    better = (
        pl.when(r.is_null())
        .then(left)
        .when(left.is_null())
        .then(r)
        .otherwise(pl.min_horizontal(r, left))
    )
    screened = (
        scan("screenings")
        .filter(pl.col("screened_on").is_between(START, END, closed="left"))
        .with_columns(cat=category(better), region=pl.col("county").fill_null("(unassigned)"))
        .with_columns(latest=pl.col("screened_at").dt.epoch("s") * 10 + pl.col("cat"))
        .group_by("region", "person")
        .agg(pl.col("latest").max())
        .group_by("region", cat=pl.col("latest") % 10)
        .len()
        .collect()
    )
    for region, cat, n in screened.iter_rows():
        out[(region, "vi_presenting", str(cat))] = n
        out[(region, "screened", "people")] = out.get((region, "screened", "people"), 0) + n  # type: ignore[operator]
    ref = (
        scan("referrals")
        .filter(pl.col("referred_on").is_between(START, END, closed="left"))
        .with_columns(region=pl.col("county").fill_null("(unassigned)"))
        .collect()
    )
    for (region, kind), part in ref.group_by(["region", "kind"]):
        out[(region, "referred", kind)] = part.height
    for (region,), part in ref.group_by(["region"]):
        out[(region, "referred", "total")] = part.height
        out[(region, "referral_uptake", "attended")] = part["attended_at"].is_not_null().sum()
        out[(region, "referral_uptake", "median_days")] = part["days_to_attendance"].median()
        out[(region, "online_review", "median_days")] = part["days_to_first_review"].median()
    surgeries = (
        scan("surgeries")
        .filter(pl.col("operated_on").is_between(START, END, closed="left"))
        .with_columns(region=pl.col("county").fill_null("(unassigned)"))
    )
    latest = (
        scan("follow_ups")
        .with_columns(
            p=pl.when(hundredths("presenting_logmar") <= 48)
            .then(0)
            .when(hundredths("presenting_logmar") <= 100)
            .then(1)
            .otherwise(2)
        )
        .with_columns(packed=pl.col("days_after_surgery").cast(pl.Int64) * 100 + pl.col("p") * 10)
        .group_by("surgery")
        .agg(pl.col("packed").max())
    )
    eyes = surgeries.join(latest, on="surgery", how="left").collect()
    for (region,), part in eyes.group_by(["region"]):
        out[(region, "surgeries", "eyes")] = part.height
        out[(region, "follow_up", "followed_up")] = part["packed"].is_not_null().sum()
        outcome = (part["packed"].drop_nulls() % 100) // 10
        for index, name in enumerate(("good", "borderline", "poor")):
            out[(region, "outcome_presenting", name)] = int((outcome == index).sum())
    return out


def _compare(table: IndicatorTable, by_hand: dict[tuple[str, str, str], Any]) -> int:
    cells = {
        (c.region, c.indicator, c.category): (c.count if c.count is not None else c.value)
        for c in table.cells
        if not c.breakdown and c.region != ALL
    }
    for key, expected in by_hand.items():
        assert cells.get(key, 0) == expected, (key, cells.get(key), expected)
    return len(by_hand)


def _timed(engine: str, root: Path, spark: Any = None) -> tuple[float, IndicatorTable]:
    runner = connect(engine, spark=spark)
    started = time.perf_counter()
    table = compute_indicators(
        runner, snapshot_tables(runner, root), IndicatorQuery("county", START, END)
    )
    return time.perf_counter() - started, table


def _cold_cli(root: Path) -> tuple[float, float]:
    home = Path(tempfile.mkdtemp(prefix="brightline-bench-home-"))
    command = [
        str(Path(sys.executable).with_name("brightline")),
        "--home",
        str(home),
        "indicators",
        "--level",
        "county",
        "--from",
        START.isoformat(),
        "--to",
        END.isoformat(),
        "--format",
        "csv",
        "--snapshot",
        str(root.parent),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    shutil.rmtree(home)
    return seconds, peak_mib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--compare-rows", type=int, default=1_000_000)
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args()
    print(f"{date.today()} · {machine()}")
    results: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="brightline-bench-") as directory:
        small = Path(directory) / "small" / "current"
        write_snapshot(small, args.compare_rows)
        for engine in ("duckdb", "polars", "duckdb", "polars"):  # second round: warm
            seconds, _ = _timed(engine, small)
            results.append((f"Ibis {engine}, {args.compare_rows:,} rows", f"{seconds:.2f} s"))
        shutil.rmtree(small.parent)

        root = Path(directory) / "large" / "current"
        started = time.perf_counter()
        counts = write_snapshot(root, args.rows)
        results.append(
            (
                f"write synthetic snapshot ({counts['screenings']:,} screenings, "
                f"{counts['referrals']:,} referrals, {counts['surgeries']:,} surgeries)",
                f"{time.perf_counter() - started:.1f} s",
            )
        )
        embedded, table = _timed(DEFAULT_ENGINE, root)
        started = time.perf_counter()
        by_hand = polars_by_hand(root)
        hand = time.perf_counter() - started
        compared = _compare(table, by_hand)
        results.append(
            (f"Ibis {DEFAULT_ENGINE}, county set, {args.rows:,} rows", f"{embedded:.2f} s")
        )
        results.append((f"hand-written Polars, same numbers ({compared} agree)", f"{hand:.2f} s"))
        ratio = embedded / hand
        results.append(
            ("embedded / Polars (goal ≤ 2)", f"{ratio:.2f} ({'met' if ratio <= 2 else 'not met'})")
        )
        seconds, peak = _cold_cli(root)
        results.append(
            ("cold `brightline indicators` subprocess", f"{seconds:.2f} s, peak {peak:,.0f} MiB")
        )
        if not args.no_spark:
            from brightline.analytics.engines import spark_session

            started = time.perf_counter()
            spark = spark_session()
            results.append(
                ("Spark local[2] session start", f"{time.perf_counter() - started:.1f} s")
            )
            seconds, spark_table = _timed("spark", root, spark)
            assert spark_table.cells == table.cells
            results.append(("Spark local[2], county set (equal to DuckDB)", f"{seconds:.1f} s"))
            spark.stop()
    width = max(len(name) for name, _ in results)
    for name, value in results:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
