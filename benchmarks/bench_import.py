"""CSV import throughput: ``brightline import screenings`` against a raw SQLite executemany.

Generates a realistic screenings file with a seeded RNG, then in the same run times
(a) reading it with the csv module and inserting every cell as text into one flat SQLite
table with ``sqlite3.executemany`` in one transaction, (b) importing it through
``brightline.service.importing.import_screenings`` into a fresh installation (validation,
triage, identifier encryption, three tables with their indexes, one transaction), and
(c) inserting the rows the import stored, read back as SQLite holds them, into a second fresh
installation's tables with ``sqlite3.executemany`` (the storage cost alone).

    python benchmarks/bench_import.py [--rows N] [--seed S] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from brightline.access.bulk import import_screenings
from brightline.service.importing import SQLITE_IMPORT_CACHE_KIB, TEMPLATE_COLUMNS
from brightline.service.places import add_facility, add_region
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.store.db import sqlite_pragmas

COUNTIES = 6
TOWNSHIPS_PER_COUNTY = 5
CLINICS_PER_TOWNSHIP = 2
FIRST_NAMES = ["Amina", "Wanjiru", "Li", "Mei", "Chen", "Aung", "Thandiwe", "Fatuma", "Ravi"]
FAMILY_NAMES = ["Otieno", "Wang", "Zhang", "Kyaw", "Nkosi", "Hassan", "Sharma", "Mensah", "Liu"]
# Presenting VA written as clinics write it: mostly metric Snellen, some imperial and decimal.
GOOD_VA = ["6/6", "6/6", "6/9", "6/9", "6/12", "6/7.5", "6/5", "20/20", "20/30", "1.0", "0.8"]
POOR_VA = ["6/18", "6/24", "6/36", "6/60", "3/60", "CF", "CF 1m", "HM", "LP", "20/200", "0.1"]
PINHOLE_VA = ["6/9", "6/12", "6/18", "6/36", "6/60", "CF"]


def generate(path: Path, rows: int, seed: int) -> None:
    """A screenings CSV of ``rows`` rows: ~10% with poor vision, most with name and phone."""
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    national_ids: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TEMPLATE_COLUMNS)
        for number in range(rows):
            county = rng.randrange(COUNTIES)
            township = rng.randrange(TOWNSHIPS_PER_COUNTY)
            clinic = f"CL-{county}-{township}-{rng.randrange(CLINICS_PER_TOWNSHIP)}"
            day = start + timedelta(days=rng.randrange(360))
            screened_on = day.isoformat()
            if rng.random() < 0.5:
                screened_on += f"T{rng.randrange(8, 17):02d}:{rng.randrange(60):02d}"
            home = f"T-{county}-{rng.randrange(TOWNSHIPS_PER_COUNTY)}" if rng.random() < 0.7 else ""
            national_id = ""
            if rng.random() < 0.3:
                if national_ids and rng.random() < 0.02:
                    national_id = rng.choice(national_ids)  # the same person screened again
                else:
                    national_id = f"{rng.randrange(10**9):09d}"
                    if len(national_ids) < 10_000:
                        national_ids.append(national_id)
            eyes = []
            poor = rng.random() < 0.1
            for _ in range(2):
                if poor and rng.random() < 0.7:
                    va = rng.choice(POOR_VA)
                    pinhole = rng.choice(PINHOLE_VA) if rng.random() < 0.8 else ""
                    lens = rng.choice(["opacity", "opacity", "clear", "not_visible", ""])
                else:
                    va, pinhole = rng.choice(GOOD_VA), ""
                    lens = rng.choice(["clear", "clear", ""])
                eyes.append((va, pinhole, lens))
            symptoms = rng.choice(["trauma", "painful_red_eye"]) if rng.random() < 0.005 else ""
            writer.writerow(
                [
                    f"CAMP{number // 5000:04d}-{number:07d}",
                    clinic,
                    screened_on,
                    home,
                    rng.choice(["female", "male"]),
                    str(day.year - rng.randrange(40, 95)),
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"
                    if rng.random() < 0.95
                    else "",
                    f"+2547{rng.randrange(10**8):08d}" if rng.random() < 0.8 else "",
                    national_id,
                    f"Village {rng.randrange(500)}" if rng.random() < 0.2 else "",
                    eyes[0][0],
                    eyes[1][0],
                    eyes[0][1],
                    eyes[1][1],
                    eyes[0][2],
                    eyes[1][2],
                    symptoms,
                ]
            )


def raw_insert(csv_path: Path, database: Path) -> int:
    """Every cell as text into one flat table, one executemany, one transaction."""
    connection = sqlite3.connect(database)
    columns = ", ".join(f"{name} TEXT" for name in TEMPLATE_COLUMNS)
    connection.execute(f"CREATE TABLE screenings_raw ({columns})")
    placeholders = ", ".join("?" for _ in TEMPLATE_COLUMNS)
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        with connection:
            connection.executemany(f"INSERT INTO screenings_raw VALUES ({placeholders})", reader)
    (count,) = connection.execute("SELECT count(*) FROM screenings_raw").fetchone()
    connection.close()
    return int(count)


TABLES = ("people", "screenings", "referrals")  # parents first: foreign keys are checked


def stored_rows(database: Path) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """Every row the import stored, as SQLite holds it, per table: (columns, rows)."""
    connection = sqlite3.connect(database)
    rows = {}
    for table in TABLES:
        cursor = connection.execute(f"SELECT * FROM {table} ORDER BY rowid")
        rows[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    connection.close()
    return rows


def raw_insert_same_tables(
    database: Path, rows: dict[str, tuple[list[str], list[tuple[object, ...]]]]
) -> int:
    """The import's stored rows into a fresh installation's tables (same schema, indexes,
    foreign keys and pragmas, the import's page cache), one executemany per table, one
    transaction: the storage cost alone, with no reading, checking, triage or encryption."""
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in (*sqlite_pragmas(5000), f"cache_size=-{SQLITE_IMPORT_CACHE_KIB}"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        columns, table_rows = rows[table]
        marks = ", ".join("?" for _ in columns)
        connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", table_rows
        )
    connection.execute("COMMIT")
    (count,) = connection.execute("SELECT count(*) FROM screenings").fetchone()
    connection.close()
    return int(count)


def fresh_site(home: Path) -> Site:
    """An initialised installation with the benchmark's regions and facilities."""
    settings = Settings(home=home)
    initialise(settings, admin_password="benchmark-admin-password")
    site = Site.open(settings)
    with site.transaction() as session:
        add_region(session, "P", "Province", "province")
        for county in range(COUNTIES):
            add_region(session, f"C-{county}", f"County {county}", "county", "P")
            add_facility(
                session, f"SC-{county}", f"Hospital {county}", "surgical_centre", f"C-{county}"
            )
            for township in range(TOWNSHIPS_PER_COUNTY):
                code = f"T-{county}-{township}"
                add_region(session, code, f"Township {code}", "township", f"C-{county}")
                for clinic in range(CLINICS_PER_TOWNSHIP):
                    clinic_code = f"CL-{county}-{township}-{clinic}"
                    add_facility(session, clinic_code, f"Clinic {clinic_code}", "clinic", code)
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the import here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        work = Path(scratch)
        csv_path = work / "screenings.csv"
        began = time.perf_counter()
        generate(csv_path, args.rows, args.seed)
        size_mb = csv_path.stat().st_size / 1e6
        elapsed = time.perf_counter() - began
        print(
            f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {elapsed:.1f} s", file=sys.stderr
        )

        began, cpu = time.perf_counter(), time.process_time()
        raw_rows = raw_insert(csv_path, work / "raw.sqlite")
        raw_seconds, raw_cpu = time.perf_counter() - began, time.process_time() - cpu

        site = fresh_site(work / "home")
        profiler = cProfile.Profile() if args.profile else None
        began, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        report = import_screenings(site, csv_path, skip_invalid=False, rejects_path=None)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        import_seconds, import_cpu = time.perf_counter() - began, time.process_time() - cpu
        site.close()
        import_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        rows = stored_rows(work / "home" / "brightline.db")
        fresh_site(work / "same").close()
        began, cpu = time.perf_counter(), time.process_time()
        same_rows = raw_insert_same_tables(work / "same" / "brightline.db", rows)
        same_seconds, same_cpu = time.perf_counter() - began, time.process_time() - cpu
        del rows
    assert raw_rows == report.rows == same_rows == args.rows, (raw_rows, report.rows, same_rows)
    print(report.summary(), file=sys.stderr)
    table = [
        ("raw sqlite3 executemany (text, 1 table)", raw_rows, raw_seconds, raw_cpu),
        ("raw sqlite3 executemany (stored rows, same 3 tables)", same_rows, same_seconds, same_cpu),
        ("brightline import screenings", report.imported, import_seconds, import_cpu),
    ]
    # CPU seconds too: on a shared machine wall time also measures the neighbours.
    print("| method | rows | seconds | rows/s | CPU seconds | rows/CPU s |")
    print("|---|---:|---:|---:|---:|---:|")
    for method, rows, seconds, cpu_seconds in table:
        print(
            f"| {method} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} "
            f"| {cpu_seconds:.1f} | {rows / cpu_seconds:,.0f} |"
        )
    print()
    for baseline, rows_done, seconds, cpu_seconds in table[:2]:
        wall_ratio = (report.imported / import_seconds) / (rows_done / seconds)
        cpu_ratio = (report.imported / import_cpu) / (rows_done / cpu_seconds)
        print(
            f"import rate / {baseline} rate: {wall_ratio:.3f} wall, {cpu_ratio:.3f} CPU "
            "(goal >= 0.5)"
        )
    print(
        "peak memory of the process up to the end of the import (max RSS): "
        f"{import_peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
