"""Screenings imported from a CSV file: the whole file checked, then written in one transaction.

Each row is checked and built by the row checker (``service.import_rows``: the same row
builders as a screening entered by hand, so validation and triage have one definition) and
stored by the batch writer (``service.import_writer``). The file is streamed: rows are
checked in one pass and inserted in batches inside one transaction; after the first bad row
nothing more is inserted (the rest is still checked, to report every problem) and the
transaction is rolled back. ``client_record_id`` makes a re-import change nothing. Columns
and examples: docs/import.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session

from brightline.csvfiles import (
    ColumnReader,
    CsvFile,
    ImportReport,
    data_rows,
    open_csv,
    rows_rejected,
)
from brightline.errors import InvalidInput
from brightline.service.import_rows import (
    AGE_COLUMN,
    IGNORED_COLUMNS,
    REQUIRED_COLUMNS,
    SCREENINGS_LAYOUT,
    TEMPLATE_COLUMNS,
    ScreeningRowChecker,
)
from brightline.service.import_writer import (
    BatchWriter,
    RejectsFile,
    StoredClinics,
    stored_regions,
)
from brightline.site import Site
from brightline.store.models import User


class BulkWrite(Protocol):
    """A bulk write's transaction and its audit (``brightline.access.bulk.BulkRecorder``)."""

    session: Session

    def touched(self, person_id: str, action: str) -> None:
        """Note one access to a person's record for the audit log."""

    def refused(self, person_id: str, action: str, denial_reason: str) -> None:
        """Note a refused access to a person's record (kept even if the write rolls back)."""

    def flush(self) -> list[int]:
        """Append what was noted to the audit log."""


# The import's public names; the columns are defined beside the row checker.
__all__ = [
    "AGE_COLUMN",
    "BATCH_ROWS",
    "IGNORED_COLUMNS",
    "REQUIRED_COLUMNS",
    "SCREENINGS_LAYOUT",
    "SQLITE_IMPORT_CACHE_KIB",
    "TEMPLATE_COLUMNS",
    "default_rejects_path",
    "import_screenings",
    "template_header",
]

BATCH_ROWS: Final = 4000
IMPORT_ACTION: Final = "person.import"
# The web's and the API's denial reason for the same refusal (Access.register_person).
OTHER_CLINIC: Final = "national ID registered at another facility"
# SQLite page cache while importing: random-key index inserts (UUIDs, pseudonyms) otherwise
# miss the default 2 MiB cache once tables grow; 256 MiB made a 500,000-row import 2.4x
# faster in its database part (docs/benchmarks.md). Restored when the import ends.
SQLITE_IMPORT_CACHE_KIB: Final = 256 * 1024
_STRICT_ADVICE: Final = (
    "Fix these rows and import the file again, or import with --skip-invalid to import the "
    "good rows and write the bad ones, with the reason, to a rejects file."
)


def template_header() -> str:
    """The header line of the import template."""
    return ",".join(TEMPLATE_COLUMNS)


def default_rejects_path(path: Path) -> Path:
    """Where ``--skip-invalid`` writes rejected rows: ``camp.csv`` -> ``camp.rejects.csv``."""
    return path.with_suffix(".rejects.csv")


def _counting(lines: Iterable[str], bar: Any) -> Iterator[str]:
    """Pass lines through, moving the progress bar by their length every thousand lines."""
    done = 0
    for number, line in enumerate(lines, start=1):
        done += len(line)
        if number % 1000 == 0:
            bar.update(done)
            done = 0
        yield line
    bar.update(done)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Any]:
    """A progress bar on stderr over the file's size, or None."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr, leave=False) as bar:
        yield bar


@contextmanager
def _sqlite_page_cache(session: Session, kib: int) -> Iterator[None]:
    """A larger SQLite page cache for this connection while the block runs (no-op elsewhere)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")


def _import_rows(
    site: Site,
    session: Session,
    opened: CsvFile,
    lines: Iterable[str],
    report: ImportReport,
    rejects: RejectsFile | None,
    screener_id: int | None,
    bulk: BulkWrite,
) -> None:
    """Check and store every row; raise ImportRejected (roll back) if any is bad and there is
    no rejects file for it. Every person created or linked gets one audit entry."""
    checker = ScreeningRowChecker(
        keys=site.keys,
        programme=site.programme,
        now=site.now(),
        clinics=StoredClinics(session),
        regions=stored_regions(session),
        columns=ColumnReader(SCREENINGS_LAYOUT, opened.positions, len(opened.header)),
        screener_id=screener_id,
    )

    def log_people(person_ids: list[str]) -> None:
        for person_id in person_ids:
            bulk.touched(person_id, IMPORT_ACTION)
        bulk.flush()  # a batch at a time: a million rows never hold a million events

    def log_refusal(person_id: str) -> None:
        bulk.refused(person_id, IMPORT_ACTION, OTHER_CLINIC)

    writer = BatchWriter(session, site.keys, report, rejects, BATCH_ROWS, log_people, log_refusal)
    for line, cells in data_rows(opened, SCREENINGS_LAYOUT, lines):
        report.rows += 1
        writer.add(checker.check(line, cells))
    writer.flush()
    if report.rejected and rejects is None:
        report.imported = report.referred = report.people_matched = 0
        raise rows_rejected(report, _STRICT_ADVICE, outcome="nothing imported")


def import_screenings(
    site: Site,
    path: Path,
    *,
    bulk: Callable[[], AbstractContextManager[BulkWrite]],
    skip_invalid: bool,
    rejects_path: Path | None,
    screener_id: int | None = None,
    progress: bool = False,
) -> ImportReport:
    """Import a screenings CSV file: every row or none (``skip_invalid``: the good ones).

    ``bulk`` opens the write's transaction through the access layer
    (:func:`brightline.access.bulk.import_screenings` is the entry point), which logs every
    person the file creates or links.

    Raises :class:`ImportRejected`, listing every problem, when the file cannot be imported.
    With ``skip_invalid`` bad rows go, with their reason, to ``rejects_path`` (default
    ``FILE.rejects.csv``) and the good rows are imported. Re-importing changes nothing.
    """
    path = Path(path)
    target = (rejects_path or default_rejects_path(path)) if skip_invalid else None
    if target is not None and target.resolve() == path.resolve():
        raise InvalidInput("must not be the file being imported", field="rejects")
    report = ImportReport(path)
    rejects: RejectsFile | None = None
    try:
        with (
            open_csv(path, SCREENINGS_LAYOUT) as opened,
            _progress(progress, path.stat().st_size) as bar,
        ):
            header, delimiter = opened.header, opened.delimiter
            rejects = RejectsFile(target, header, delimiter) if target is not None else None
            lines = _counting(opened.handle, bar) if bar is not None else opened.handle
            with bulk() as write:
                session = write.session
                if screener_id is not None and session.get(User, screener_id) is None:
                    raise InvalidInput(f"no user with id {screener_id}", field="screener_id")
                with _sqlite_page_cache(session, SQLITE_IMPORT_CACHE_KIB):
                    _import_rows(site, session, opened, lines, report, rejects, screener_id, write)
    except BaseException:
        if rejects is not None:
            rejects.discard()
        raise
    if rejects is not None:
        report.rejects_path = rejects.commit()
    return report
