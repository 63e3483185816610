"""The core commands through Typer's runner: init, places, users, keys, worklist."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from brightline.cli import app
from brightline.identifiers import IdentifierKeys, wrapped_key_version
from brightline.records import PersonInput
from brightline.service.people import identifiers_of, register_person
from brightline.settings import Settings
from brightline.site import Site
from brightline.store.models import AuditEntry, Person, User

runner = CliRunner()


def run(home: Path, *args: str) -> str:
    result = runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_init_creates_private_keys_and_admin(tmp_path: Path) -> None:
    home = tmp_path / "data"
    output = run(home, "init", "--admin-password", "first-admin-password")
    assert "admin / first-admin-password" in output
    for key in ("identifiers.key", "pseudonym.key"):
        mode = stat.S_IMODE((home / "keys" / key).stat().st_mode)
        assert mode == 0o600
    assert stat.S_IMODE((home / "brightline.db").stat().st_mode) == 0o600
    again = run(home, "init")
    assert "Already initialised" in again


def test_init_logs_the_first_admins_creation_as_the_logs_first_entry(tmp_path: Path) -> None:
    home = tmp_path / "data"
    run(home, "init", "--admin-password", "first-admin-password")
    run(home, "init")  # re-running creates no account and logs nothing
    site = Site.open(Settings(home=home))
    try:
        with site.transaction() as session:
            admin = session.scalars(select(User.pseudonym)).one()
            entries = [json.loads(e) for e in session.scalars(select(AuditEntry.entry))]
        assert [(e["action"], e["actor"], e["role"], e["account"]) for e in entries] == [
            ("account.create", "init", "system", admin)
        ]
        assert "first-admin-password" not in json.dumps(entries)
    finally:
        site.close()
    assert "verified" in run(home, "audit", "verify").lower()


def test_places_users_and_errors(tmp_path: Path) -> None:
    home = tmp_path / "data"
    run(home, "init", "--admin-password", "first-admin-password")
    run(home, "region", "add", "P1", "Province", "--level", "province")
    run(home, "region", "add", "C1", "County", "--level", "county", "--parent", "P1")
    run(home, "facility", "add", "CL-1", "Clinic", "--kind", "clinic", "--region", "C1")
    output = run(
        home,
        "user",
        "add",
        "amina",
        "--role",
        "screener",
        "--scope",
        "facility:CL-1",
        "--password",
        "a-long-password",
    )
    assert "Created screener amina" in output
    bad = runner.invoke(
        app,
        [
            "--home",
            str(home),
            "user",
            "add",
            "x",
            "--role",
            "screener",
            "--scope",
            "region:C1",
            "--password",
            "a-long-password",
        ],
    )
    assert bad.exit_code == 2 and "facility:CODE" in bad.output
    wrong_parent = runner.invoke(
        app,
        ["--home", str(home), "region", "add", "T1", "T", "--level", "township", "--parent", "P1"],
    )
    assert wrong_parent.exit_code == 2 and "must be a county" in wrong_parent.output
    listing = run(home, "worklist", "--facility", "CL-1")
    assert "0 referral(s) not attended." in listing


def test_key_rotation_re_encrypts_everything(tmp_path: Path) -> None:
    home = tmp_path / "data"
    run(home, "init", "--admin-password", "first-admin-password")
    run(home, "region", "add", "P1", "Province", "--level", "province")
    run(home, "facility", "add", "CL-1", "Clinic", "--kind", "clinic", "--region", "P1")
    site = Site.open(Settings(home=home))
    with site.transaction() as session:
        person, _ = register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=1,
                region_id=1,
                sex="male",
                birth_year=1950,
                name="Ma Long",
                phone="13800138000",
            ),
            site.today(),
        )
    site.close()
    output = run(home, "keys", "rotate")
    assert "Key version 2" in output and "1 person keys rewrapped" in output
    settings = Settings(home=home)
    keys = IdentifierKeys.load(settings.resolved_key_file, settings.resolved_pseudonym_key_file)
    assert set(keys.aes_keys) == {2}
    assert stat.S_IMODE(settings.resolved_key_file.stat().st_mode) == 0o600
    site = Site.open(settings)
    with site.transaction() as session:
        stored = session.get(Person, person.id)
        assert stored is not None and stored.name_ct is not None
        assert stored.data_key is not None and wrapped_key_version(stored.data_key) == 2
        assert identifiers_of(site.keys, stored).name == "Ma Long"
    site.close()
    assert json.loads(settings.resolved_key_file.read_text())["aes_keys"].keys() == {"2"}
