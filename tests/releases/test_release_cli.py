"""``brightline release`` and ``brightline export`` as named accounts with their passwords."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from brightline.cli import app
from brightline.site import Site
from tests.analytics.helpers import DUCKDB_DEPRECATION
from tests.conftest import PASSWORD
from tests.releases.conftest import PREFIX

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)
runner = CliRunner()


def run(site: Site, *args: str, password: str = PASSWORD, code: int = 0) -> str:
    env = {"BRIGHTLINE_PASSWORD": password}
    result = runner.invoke(app, ["--home", str(site.settings.home), *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


def failed_sign_ins(site: Site) -> int:
    with site.transaction() as session:
        return int(
            session.execute(
                text("SELECT count(*) FROM audit_entries WHERE action = 'account.sign_in_failed'")
            ).scalar_one()
        )


def test_propose_approve_show_and_ledger_from_the_command_line(release_site: Site) -> None:
    proposed = run(
        release_site,
        "release", "propose", "--as", PREFIX + "manager", "--title", "2025 H1",
        "--level", "county", "--from", "2025-01-01", "--to", "2025-07-01",
        "--table", "screened=0.5", "--table", "surgeries=0.25",
    )  # fmt: skip
    release_id = re.search(r"release ([0-9a-f-]{36})", proposed).group(1)  # type: ignore[union-attr]
    assert "ε 0.75" in proposed
    refused = run(
        release_site, "release", "approve", release_id, "--as", PREFIX + "manager", code=2
    )
    assert "may not" in refused
    run(release_site, "release", "approve", release_id, "--as", PREFIX + "privacy")
    shown = run(release_site, "release", "show", release_id, "--as", PREFIX + "manager")
    assert '"status": "published"' in shown
    ledger = run(release_site, "release", "ledger", "--as", PREFIX + "privacy")
    assert "2025" in ledger and "1.25" in ledger


def test_a_wrong_password_is_refused_and_logged_as_a_failed_sign_in(release_site: Site) -> None:
    before = failed_sign_ins(release_site)
    output = run(
        release_site, "release", "ledger", "--as", PREFIX + "privacy", password="nope", code=2
    )
    assert "wrong username or password" in output
    assert failed_sign_ins(release_site) == before + 1


def test_identified_export_from_request_to_open(release_site: Site, tmp_path: Path) -> None:
    requested = run(
        release_site,
        "export", "request-identified", "--as", PREFIX + "admin2",
        "--recipient", "County Hospital", "--purpose", "transfer of care to the hospital",
    )  # fmt: skip
    request_id = requested.split()[1]
    run(release_site, "export", "decide", request_id, "--approve", "--as", PREFIX + "privacy")
    out = tmp_path / "people.blx"
    produced = run(
        release_site, "export", "produce", request_id, "--as", PREFIX + "admin2", "--out", str(out)
    )
    passphrase = produced.strip().rsplit(" ", 1)[-1]
    opened = tmp_path / "people.zip"
    wrong = runner.invoke(
        app, ["export", "open", str(out), "--out", str(opened), "--passphrase", "wrong"]
    )
    assert wrong.exit_code == 2 and not opened.exists()
    right = runner.invoke(
        app, ["export", "open", str(out), "--out", str(opened), "--passphrase", passphrase]
    )
    assert right.exit_code == 0, right.output
    with zipfile.ZipFile(io.BytesIO(opened.read_bytes())) as archive:
        assert "people.csv" in archive.namelist()
