"""``kill -9`` of a running ``brightline import screenings``: all of the file or none of it.

The import is one transaction (docs/import.md). A process killed at any moment must leave a
sound database file, a verifiable audit log and either every row of the file or none; the
same import run again then stores every row exactly once.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from brightline.service.importing import TEMPLATE_COLUMNS
from brightline.settings import Settings
from tests.crash.helpers import (
    audit_verified,
    brightline_command,
    cli,
    database_file,
    fresh_installation,
    integrity,
    process_environment,
)

pytestmark = pytest.mark.slow

ROWS = 8_000  # a few seconds of import with start-up (docs/benchmarks.md: ~7,000 rows/s)
TRIALS = 4
SEED = 20261201
CLINICS = (("CL-A", "TA"), ("CL-B", "TB"))  # the test world's clinics and their townships
GOOD_VA = ["6/6", "6/9", "6/12", "20/20", "1.0"]
POOR_VA = ["6/24", "6/60", "3/60", "CF", "HM", "20/200"]


def write_camp_file(path: Path, rows: int, seed: int) -> Path:
    """A screening camp's CSV: both clinics, ~10% poor vision, most with a name and phone."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS, restval="")
        writer.writeheader()
        for number in range(rows):
            clinic, township = rng.choice(CLINICS)
            poor = rng.random() < 0.1
            row = {
                "client_record_id": f"CRASH-{number:06d}",
                "facility_code": clinic,
                "screened_on": f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 29):02d}",
                "township_code": township,
                "sex": rng.choice(["female", "male"]),
                "birth_year": str(rng.randrange(1930, 1986)),
                "name": f"Person {number}",
                "phone": f"+2547{rng.randrange(10**8):08d}",
                "right_presenting_va": rng.choice(POOR_VA if poor else GOOD_VA),
                "left_presenting_va": rng.choice(GOOD_VA),
                "right_lens": "opacity" if poor else "clear",
            }
            writer.writerow(row)
    return path


def stored(settings: Settings) -> dict[str, int]:
    """Rows of the camp file in the store: screenings (and distinct ids), people, referrals."""
    connection = sqlite3.connect(database_file(settings))
    try:
        query = "SELECT count(*), count(DISTINCT client_record_id) FROM screenings"
        screenings, distinct = connection.execute(
            f"{query} WHERE client_record_id LIKE 'CRASH-%'"
        ).fetchone()
        (people,) = connection.execute("SELECT count(*) FROM people").fetchone()
        (referrals,) = connection.execute("SELECT count(*) FROM referrals").fetchone()
    finally:
        connection.close()
    return {
        "screenings": screenings,
        "distinct": distinct,
        "people": people,
        "referrals": referrals,
    }


def import_process(settings: Settings, camp: Path, log: Path) -> subprocess.Popen[bytes]:
    """``brightline import screenings FILE`` as a process of its own, its output in ``log``."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [*brightline_command(), "import", "screenings", str(camp)],
            env=process_environment(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_killed_import_leaves_all_or_nothing_and_reruns_cleanly(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    camp = write_camp_file(tmp_path / "camp.csv", ROWS, SEED)
    # The expected duration, measured here: the kill moments scale with this machine's speed.
    reference = fresh_installation(tmp_path_factory, "import-reference")
    began = time.monotonic()
    log = tmp_path / "import.log"
    finished = import_process(reference, camp, log)
    finished.wait(timeout=300)
    duration = time.monotonic() - began
    assert finished.returncode == 0, log.read_text()
    complete = stored(reference)
    assert complete["screenings"] == complete["distinct"] == ROWS
    empty = stored(fresh_installation(tmp_path_factory, "import-empty"))

    rng = random.Random(SEED)
    killed_running = 0
    for trial in range(TRIALS):
        settings = fresh_installation(tmp_path_factory, f"import-kill-{trial}")
        # From after the interpreter's start-up to just before the commit is expected.
        moment = rng.uniform(0.2, 0.95) * duration
        running = import_process(settings, camp, log)
        time.sleep(moment)
        killed_running += running.poll() is None
        running.kill()
        running.wait(timeout=30)

        assert integrity(settings) == "ok", f"trial {trial} at {moment:.2f} s"
        verified = audit_verified(settings)
        assert verified.exit_code == 0, verified.output
        after_kill = stored(settings)
        assert after_kill in (empty, complete), (trial, moment, after_kill)

        rerun = cli(settings, "import", "screenings", str(camp))
        assert rerun.exit_code == 0, rerun.output
        if after_kill == empty:
            assert f"{ROWS} imported, 0 already imported" in rerun.stdout
        else:
            assert f"0 imported, {ROWS} already imported" in rerun.stdout
        assert stored(settings) == complete, trial
        assert integrity(settings) == "ok"
        assert audit_verified(settings).exit_code == 0
    # The seed's moments must have caught the import at work, or nothing was tested.
    assert killed_running >= TRIALS - 1, f"only {killed_running} kills hit a running import"
