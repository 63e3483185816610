"""The de-identified analytics snapshot: pathway records as Parquet, pseudonyms only.

Analytics never see identifiers (docs/architecture.md): the snapshot
holds the person's analytics pseudonym (``people.pseudonym``), birth year, sex, the region
codes of their residence (province, county, township), facility codes, staff pseudonyms and
clinical fields. It never holds a name, phone, national ID or address (not even their
ciphertexts) nor any record UUID of the operational store: records that other tables refer to
(referrals, surgeries, follow-ups) are named by a keyed HMAC pseudonym instead. The rows are
read from the store by ``brightline.analytics.snapshot_rows``; this module writes and
publishes them.

Layout under the snapshot directory (``<home>/snapshot`` by default)::

    current -> v-20261127T101500-3f2a     symlink, swapped atomically when a snapshot is done
    v-20261127T101500-3f2a/
        manifest.json                     time, schema version, row counts, change fingerprints
        screenings/2025-06.parquet        one file per month (screened)
        referrals/2025-06.parquet         one file per month (referred)
        surgeries/2025-06.parquet         one file per month (operated)
        follow_ups/2025-06.parquet        one file per month of the operation followed up
        population/all.parquet

Incremental refresh (``incremental=True``) rewrites a month file only when its content may have
changed and hard-links the others from the previous snapshot. Pathway records are append-only
(a referral's status and closing time change when a review or attendance is added) except
for corrections, each of which is a row of ``corrections``; so a month is rewritten when (1)
the number of records behind it changed — new screenings; new referrals, reviews,
attendances or closures of the month's referrals; new surgeries or follow-ups of the month's
operations — or (2) a person with records in it was created, updated (``people.updated_at``)
or corrected (``corrections.made_at``: a voided screening, an undone arrival, an amended
review) since the previous snapshot started. Voided screenings, and referrals closed because
their screening was voided, are in no snapshot. Any change to
regions, facilities or staff pseudonyms, or a new schema version, forces a full snapshot.
The result is the same as a full snapshot (tested).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import extract, func, or_, select
from sqlalchemy.orm import Session

from brightline import __version__
from brightline.analytics.snapshot_rows import EXTRACTS, Places, Row, not_voided_referral
from brightline.errors import NotFound
from brightline.site import Site
from brightline.store.models import (
    Attendance,
    Correction,
    FollowUp,
    Person,
    Referral,
    Review,
    Screening,
    Surgery,
)

# 2: referrals' closing reason and barrier (the recall loop); 3: the first reviewer's staff
# pseudonym (review turnaround per reviewer).
SCHEMA_VERSION = 3
CURRENT = "current"
MANIFEST = "manifest.json"
VERSION_PREFIX = "v-"
EMPTY_PARTITION = "none"

_REGION = [("province", pa.string()), ("county", pa.string()), ("township", pa.string())]
_PERSON = [("person", pa.string()), ("sex", pa.string()), ("birth_year", pa.int32())]
_MONTH = [("year", pa.int32()), ("month", pa.int32())]

SCHEMAS: dict[str, pa.Schema] = {
    "screenings": pa.schema(
        [
            *_PERSON,
            ("screened_at", pa.timestamp("us")),
            ("screened_on", pa.date32()),
            *_MONTH,
            ("age", pa.int32()),
            ("facility", pa.string()),
            *_REGION,
            ("right_presenting_logmar", pa.float64()),
            ("left_presenting_logmar", pa.float64()),
            ("right_pinhole_logmar", pa.float64()),
            ("left_pinhole_logmar", pa.float64()),
            ("right_lens", pa.string()),
            ("left_lens", pa.string()),
            ("triage_decision", pa.string()),
            ("triage_rule_version", pa.string()),
            ("suspected_cataract", pa.bool_()),
        ]
    ),
    "referrals": pa.schema(
        [
            ("referral", pa.string()),
            *_PERSON,
            ("kind", pa.string()),
            ("priority", pa.string()),
            ("status", pa.string()),
            ("referred_at", pa.timestamp("us")),
            ("referred_on", pa.date32()),
            *_MONTH,
            ("from_facility", pa.string()),
            ("to_facility", pa.string()),
            *_REGION,
            ("attended_at", pa.timestamp("us")),
            ("days_to_attendance", pa.int32()),
            ("first_reviewed_at", pa.timestamp("us")),
            ("days_to_first_review", pa.int32()),
            ("first_reviewer", pa.string()),
            ("recommendation", pa.string()),
            ("recommended_on", pa.date32()),
            ("surgery_right", pa.bool_()),
            ("surgery_left", pa.bool_()),
            ("closed_at", pa.timestamp("us")),
            ("close_reason", pa.string()),
            ("barrier", pa.string()),
        ]
    ),
    "surgeries": pa.schema(
        [
            ("surgery", pa.string()),
            ("referral", pa.string()),
            *_PERSON,
            ("operated_on", pa.date32()),
            *_MONTH,
            ("age", pa.int32()),
            ("eye", pa.string()),
            ("technique", pa.string()),
            ("iol", pa.bool_()),
            ("complicated", pa.bool_()),
            ("centre", pa.string()),
            ("surgeon", pa.string()),
            *_REGION,
        ]
    ),
    "follow_ups": pa.schema(
        [
            ("follow_up", pa.string()),
            ("surgery", pa.string()),
            *_MONTH,
            ("examined_on", pa.date32()),
            ("days_after_surgery", pa.int32()),
            ("presenting_logmar", pa.float64()),
            ("best_corrected_logmar", pa.float64()),
            ("outcome_presenting", pa.string()),
            ("outcome_best_corrected", pa.string()),
        ]
    ),
    "population": pa.schema(
        [
            ("region", pa.string()),
            ("level", pa.string()),
            *_REGION,
            ("year", pa.int32()),
            ("age_band", pa.string()),
            ("sex", pa.string()),
            ("count", pa.int64()),
        ]
    ),
}
TABLES = tuple(SCHEMAS)
# Month-partitioned tables and the partition group whose fingerprint decides their rewrite.
MONTHLY = {"screenings": "screenings", "referrals": "referrals", "surgeries": "surgeries"}
MONTHLY["follow_ups"] = "surgeries"


class SnapshotMissing(NotFound):
    """No snapshot has been taken yet in the directory asked for."""

    code = "no_snapshot"


@dataclass(frozen=True)
class SnapshotReport:
    """What one ``take_snapshot`` wrote."""

    path: Path
    created_at: datetime
    incremental: bool
    rows: dict[str, int]
    partitions_written: int
    partitions_kept: int
    full_reason: str | None = None

    def summary(self) -> str:
        """One paragraph for the person who ran the command."""
        counts = ", ".join(f"{n:,} {name}" for name, n in self.rows.items())
        how = "incremental" if self.incremental else "full"
        text = (
            f"Snapshot ({how}) written to {self.path}: {counts}. "
            f"{self.partitions_written} partition file(s) written, {self.partitions_kept} kept."
        )
        if self.full_reason:
            text += f" Full snapshot because {self.full_reason}."
        return text


def default_snapshot_dir(site_home: Path) -> Path:
    """Where snapshots go unless told otherwise: ``<home>/snapshot``."""
    return site_home / "snapshot"


def current_snapshot(root: Path) -> Path:
    """The directory of the latest complete snapshot under ``root``, or ``SnapshotMissing``."""
    current = root / CURRENT
    if not (current / MANIFEST).is_file():
        raise SnapshotMissing(
            f"no analytics snapshot in {root} yet; run 'brightline snapshot' first",
            field="snapshot",
        )
    return current.resolve()


def read_manifest(snapshot: Path) -> dict[str, Any]:
    """The manifest of a snapshot directory (as returned by ``current_snapshot``)."""
    manifest: dict[str, Any] = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    return manifest


# -- change detection -----------------------------------------------------------------------


def _by_month(column: Any) -> tuple[Any, Any]:
    return extract("year", column), extract("month", column)


def _key(year: Any, month: Any) -> str:
    return f"{int(year):04d}-{int(month):02d}"


def fingerprints(session: Session) -> dict[str, dict[str, list[int]]]:
    """Record counts behind every month partition; a changed count means changed content."""
    result: dict[str, dict[str, list[int]]] = {name: {} for name in set(MONTHLY.values())}
    year, month = _by_month(Screening.screened_at)
    for y, m, n in session.execute(
        select(year, month, func.count())
        .select_from(Screening)
        .where(Screening.voided_at.is_(None))
        .group_by(year, month)
    ):
        result["screenings"][_key(y, m)] = [n]
    year, month = _by_month(Referral.referred_at)
    reviews = (
        select(Review.referral_id, func.count().label("n")).group_by(Review.referral_id).subquery()
    )
    for y, m, n, attended, reviewed, closed in session.execute(
        select(
            year,
            month,
            func.count(Referral.id),
            func.count(Attendance.id),
            func.coalesce(func.sum(reviews.c.n), 0),
            func.count(Referral.closed_at),
        )
        .select_from(Referral)
        .outerjoin(Attendance, Attendance.referral_id == Referral.id)
        .outerjoin(reviews, reviews.c.referral_id == Referral.id)
        .where(not_voided_referral())
        .group_by(year, month)
    ):
        result["referrals"][_key(y, m)] = [n, attended, int(reviewed), closed]
    year, month = _by_month(Surgery.operated_on)
    follow_ups = (
        select(FollowUp.surgery_id, func.count().label("n"))
        .group_by(FollowUp.surgery_id)
        .subquery()
    )
    for y, m, n, followed in session.execute(
        select(year, month, func.count(Surgery.id), func.coalesce(func.sum(follow_ups.c.n), 0))
        .select_from(Surgery)
        .outerjoin(follow_ups, follow_ups.c.surgery_id == Surgery.id)
        .group_by(year, month)
    ):
        result["surgeries"][_key(y, m)] = [n, int(followed)]
    return result


def _months_of_people_changed_since(session: Session, since: datetime) -> dict[str, set[str]]:
    """Month partitions holding records of people created, updated or corrected (a voided
    screening, an undone arrival, an amended review) after ``since``."""
    corrected = select(Correction.person_id).where(Correction.made_at > since)
    changed = select(Person.id).where(
        or_(Person.updated_at > since, Person.created_at > since, Person.id.in_(corrected))
    )
    months: dict[str, set[str]] = {name: set() for name in set(MONTHLY.values())}
    for group, model, column in (
        ("screenings", Screening, Screening.screened_at),
        ("referrals", Referral, Referral.referred_at),
        ("surgeries", Surgery, Surgery.operated_on),
    ):
        year, month = _by_month(column)
        query = select(year, month).where(model.person_id.in_(changed)).group_by(year, month)
        months[group] |= {_key(y, m) for y, m in session.execute(query)}
    return months


# -- writing --------------------------------------------------------------------------------


# A snapshot is de-identified, not public: only the installation's account reads it.
PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600


def _write_partition(directory: Path, name: str, rows: list[Row], schema: pa.Schema) -> None:
    directory.mkdir(mode=PRIVATE_DIRECTORY, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    path = directory / f"{name}.parquet"
    pq.write_table(table, path, compression="zstd")
    # Inside a 0700 directory from the start, so nobody else could open it before this.
    path.chmod(PRIVATE_FILE)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(mode=PRIVATE_DIRECTORY, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@dataclass
class _Plan:
    """Which month partitions to rewrite (None: all) and why a full snapshot was chosen."""

    dirty: dict[str, set[str]] | None
    previous: Path | None = None
    previous_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    full_reason: str | None = None


def _plan(
    session: Session,
    root: Path,
    places: Places,
    prints: dict[str, dict[str, list[int]]],
    incremental: bool,
) -> _Plan:
    if not incremental:
        return _Plan(None)
    try:
        previous = current_snapshot(root)
    except SnapshotMissing:
        return _Plan(None, full_reason="there is no previous snapshot")
    manifest = read_manifest(previous)
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return _Plan(None, full_reason="the previous snapshot has another schema version")
    if manifest.get("places") != places.fingerprint:
        return _Plan(None, full_reason="regions, facilities or staff changed")
    since = datetime.fromisoformat(manifest["started_at"])
    dirty = _months_of_people_changed_since(session, since)
    old_prints: dict[str, dict[str, list[int]]] = manifest["fingerprints"]
    for group, months in prints.items():
        old = old_prints.get(group, {})
        dirty[group] |= {k for k in months.keys() | old.keys() if months.get(k) != old.get(k)}
    rows = {name: dict(info["partitions"]) for name, info in manifest["tables"].items()}
    return _Plan(dirty, previous, rows)


def take_snapshot(
    site: Site,
    out: Path | None = None,
    *,
    incremental: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotReport:
    """Write a de-identified snapshot of the store under ``out``; publish it atomically.

    ``progress(done, total)`` is called after each table (the dashboard's progress bar).
    """
    root = (out or default_snapshot_dir(site.settings.home)).resolve()
    if not root.exists():
        root.mkdir(mode=PRIVATE_DIRECTORY, parents=True)
    started = site.now()
    version = root / f"{VERSION_PREFIX}{started:%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"
    version.mkdir(mode=PRIVATE_DIRECTORY)
    tables: dict[str, dict[str, Any]] = {}
    written = kept = 0
    try:
        with site.transaction() as session:
            places = Places.load(session)
            prints = fingerprints(session)
            plan = _plan(session, root, places, prints, incremental)
            for done, (table, extract_rows) in enumerate(EXTRACTS.items()):
                if progress is not None:
                    progress(done, len(EXTRACTS))
                group = MONTHLY.get(table)
                months = None if plan.dirty is None or group is None else plan.dirty[group]
                partitions: dict[str, list[Row]] = defaultdict(list)
                for partition, row in extract_rows(session, places, site.keys, months):
                    partitions[partition].append(row)
                counts: dict[str, int] = {}
                if months is not None and plan.previous is not None:
                    for partition, n in plan.previous_rows.get(table, {}).items():
                        if partition not in months and partition != EMPTY_PARTITION:
                            name = f"{table}/{partition}.parquet"
                            _link_or_copy(plan.previous / name, version / name)
                            counts[partition] = n
                            kept += 1
                for partition, rows in sorted(partitions.items()):
                    _write_partition(version / table, partition, rows, SCHEMAS[table])
                    counts[partition] = len(rows)
                    written += 1
                if not counts:
                    # An empty table still has a file, so every engine can read its schema.
                    _write_partition(version / table, EMPTY_PARTITION, [], SCHEMAS[table])
                    counts[EMPTY_PARTITION] = 0
                tables[table] = {
                    "rows": sum(counts.values()),
                    "partitions": dict(sorted(counts.items())),
                }
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "created_at": site.now().isoformat(timespec="seconds") + "Z",
            # Changes after this moment are picked up by the next incremental snapshot.
            "started_at": started.isoformat(),
            "brightline_version": __version__,
            "incremental": plan.dirty is not None,
            "tables": tables,
            "places": places.fingerprint,
            "fingerprints": prints,
        }
        (version / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        (version / MANIFEST).chmod(PRIVATE_FILE)
        _publish(root, version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    return SnapshotReport(
        version,
        started,
        plan.dirty is not None,
        {name: info["rows"] for name, info in tables.items()},
        written,
        kept,
        plan.full_reason,
    )


def _publish(root: Path, version: Path) -> None:
    """Point ``current`` at the new version in one rename; keep one previous version."""
    link = root / CURRENT
    previous = link.resolve() if link.is_symlink() else None
    temporary = root / f".{CURRENT}-{secrets.token_hex(4)}"
    temporary.symlink_to(version.name, target_is_directory=True)
    os.replace(temporary, link)
    # Readers that opened the previous version a moment ago may still be reading it.
    for old in root.glob(f"{VERSION_PREFIX}*"):
        if old not in (version, previous) and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
