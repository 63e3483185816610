"""``brightline import screenings`` through the CLI runner: exit codes and messages."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from brightline.cli import app
from brightline.service.importing import TEMPLATE_COLUMNS
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import AuditEntry
from tests.conftest import World

ROW = {
    "client_record_id": "CLI-1",
    "facility_code": "CL-A",
    "screened_on": "2026-03-02",
    "sex": "female",
    "birth_year": "1950",
    "right_presenting_va": "6/60",
    "left_presenting_va": "6/9",
}


def run(settings: Settings, *args: str) -> Result:
    """The command in-process, against the test installation."""
    store = ["--database-url", settings.database_url] if settings.database_url else []
    return CliRunner().invoke(app, ["--home", str(settings.home), *store, "import", *args])


def write(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_template_prints_the_header(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path), "import", "screenings", "--template"]
    )
    assert result.exit_code == 0
    assert result.stdout == ",".join(TEMPLATE_COLUMNS) + "\n"


def test_good_file_then_reimport(
    site: Site, world: World, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "camp.csv", ROW, {**ROW, "client_record_id": "CLI-2"})
    first = run(settings, "screenings", str(path))
    assert first.exit_code == 0, first.output
    assert "2 imported, 0 already imported, 0 rejected, 2 referred" in first.stdout
    again = run(settings, "screenings", str(path))
    assert again.exit_code == 0
    assert "0 imported, 2 already imported" in again.stdout


def test_bad_file_exits_2_naming_every_bad_row(
    site: Site, world: World, settings: Settings, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "bad.csv",
        ROW,
        {**ROW, "client_record_id": "CLI-2", "right_presenting_va": "6/0"},
        {**ROW, "client_record_id": "CLI-3", "sex": "x"},
    )
    result = run(settings, "screenings", str(path))
    assert result.exit_code == 2
    assert "nothing imported; 2 of 3 rows have problems" in result.stderr
    assert "line 3, right_presenting_va" in result.stderr
    assert "line 4, sex" in result.stderr
    assert "Traceback" not in result.output


def test_skip_invalid_reports_the_rejects_file(
    site: Site, world: World, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "camp.csv", ROW, {**ROW, "client_record_id": "CLI-2", "sex": "x"})
    rejects = tmp_path / "to-fix.csv"
    result = run(settings, "screenings", str(path), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert "1 imported, 0 already imported, 1 rejected" in result.stdout
    assert f"1 rejected rows, with the reason, in {rejects}" in result.stdout
    assert rejects.exists()


def test_missing_file_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "import", "screenings"])
    assert result.exit_code == 2
    assert "--template" in result.output


def test_the_import_names_the_account_it_ran_as(site: Site, world: World, tmp_path: Path) -> None:
    path = write(tmp_path / "one.csv", ROW)
    refused = run(site.settings, "screenings", str(path), "--as", "nobody")
    assert refused.exit_code != 0
    assert "no active account 'nobody'" in refused.output
    done = run(site.settings, "screenings", str(path), "--as", "admin")
    assert done.exit_code == 0, done.output
    with site.transaction() as session:
        roles = session.scalars(
            select(AuditEntry.role).where(AuditEntry.action == "person.import")
        ).all()
    assert roles == ["admin"]
