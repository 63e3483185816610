"""Backup while screening goes on; restores refuse damaged archives and wrong keys."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select, text
from typer.testing import CliRunner

from brightline.access.layer import acting_as
from brightline.access.signin import sign_in
from brightline.backup import BackupError, create_backup, restore_backup
from brightline.cli import app
from brightline.service.people import PersonInput, identifiers_of
from brightline.service.screenings import ScreeningInput
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.store.models import AuditEntry, Person, Screening
from tests.conftest import PASSWORD, POSTGRES_URL, World, add_staff

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _token(site: Site) -> str:
    with site.transaction() as session:
        issued = sign_in(
            session, site.settings, "screener_a", PASSWORD, client="test", now=site.now()
        )
    assert issued is not None
    return issued.token


def _screen(site: Site, world: World, token: str, name: str) -> str:
    """Register and screen one person through the access layer (audited); the screening id."""
    with acting_as(site, token) as access:
        view, _ = access.register_person(
            PersonInput(
                facility_id=world.clinic_a,
                region_id=world.township_a,
                sex="female",
                birth_year=1950,
                name=name,
            )
        )
        recorded = access.record_screening(
            ScreeningInput(
                person_id=view.person.id,
                facility_id=world.clinic_a,
                screened_at=datetime(2026, 5, 1, 9, 0),
                right_presenting_va="6/60",
                left_presenting_va="6/9",
            )
        )
    return recorded.screening.id


@pytest.fixture
def restore_url(site: Site) -> Iterator[str | None]:
    """An empty database to restore a PostgreSQL backup into (None on SQLite)."""
    url = make_url(site.settings.resolved_database_url)
    if url.get_backend_name() != "postgresql":
        yield None
        return
    target = url.set(database=f"{url.database}_restore")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    yield target.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def _restored_site(home: Path, database_url: str | None = None) -> Site:
    return Site.open(Settings(home=home, database_url=database_url))


def test_backup_while_screening_goes_on_holds_every_acknowledged_write(
    site: Site, world: World, tmp_path: Path, restore_url: str | None
) -> None:
    add_staff(site)
    token = _token(site)
    for number in range(20):
        _screen(site, world, token, f"Before {number}")
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()

    def keep_screening() -> None:
        number = 0
        while not stop.is_set():
            screening_id = _screen(site, world, token, f"During {number}")
            acknowledged.append((os.times().elapsed, screening_id))  # after the commit
            number += 1

    writer = threading.Thread(target=keep_screening)
    writer.start()
    try:
        while len(acknowledged) < 5:
            threading.Event().wait(0.05)
        began = os.times().elapsed
        report = create_backup(site.settings, tmp_path / "backup.tar", with_keys=True)
        while len(acknowledged) < len([a for a in acknowledged if a[0] < began]) + 3:
            threading.Event().wait(0.05)  # the writer went on during and after the backup
    finally:
        stop.set()
        writer.join()
    assert stat.S_IMODE(report.archive.stat().st_mode) == 0o600
    before_backup = {sid for at, sid in acknowledged if at < began}
    assert before_backup

    restored = restore_backup(
        report.archive, tmp_path / "restored", site.settings, database_url=restore_url
    )
    assert restored.keys_from_archive and restored.audit_entries > 40
    copy = _restored_site(tmp_path / "restored", restore_url)
    try:
        with copy.transaction() as session:
            stored = set(session.scalars(select(Screening.id)))
            assert before_backup <= stored
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == (
                restored.audit_entries
            )
            person = session.scalars(select(Person).where(Person.data_key.is_not(None))).first()
            assert person is not None
            assert identifiers_of(copy.keys, person).name in {
                *(f"Before {n}" for n in range(20)),
                *(f"During {n}" for n in range(len(acknowledged))),
            }
    finally:
        copy.close()


def _backup(site: Site, world: World, tmp_path: Path, *, with_keys: bool) -> Path:
    add_staff(site)
    _screen(site, world, _token(site), "Li Wei")
    return create_backup(site.settings, tmp_path / "backup.tar", with_keys=with_keys).archive


def test_an_archive_with_one_byte_changed_is_refused_naming_the_file(
    site: Site, world: World, tmp_path: Path
) -> None:
    if site.engine.url.get_backend_name() != "sqlite":
        pytest.skip("the byte is changed inside the SQLite copy")
    archive = _backup(site, world, tmp_path, with_keys=True)
    with tarfile.open(archive) as tar:
        member = tar.getmember("database/brightline.db")
    data = bytearray(archive.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    target = tmp_path / "restored"
    with pytest.raises(BackupError, match=r"database/brightline\.db does not match its SHA-256"):
        restore_backup(archive, target, site.settings)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".restored")] == []


def test_restore_with_the_wrong_keys_is_refused_and_leaves_nothing(
    site: Site, world: World, tmp_path: Path
) -> None:
    if site.engine.url.get_backend_name() != "sqlite":
        pytest.skip("a PostgreSQL restore needs its own empty database; see the test below")
    archive = _backup(site, world, tmp_path, with_keys=False)
    stranger = Settings(home=tmp_path / "stranger")
    initialise(stranger)
    target = tmp_path / "restored"
    target.mkdir()
    shutil.copytree(stranger.keys_dir, target / "keys")  # keys, but another installation's
    with pytest.raises(BackupError, match="do not open this backup"):
        restore_backup(archive, target, Settings(home=target))
    assert [p.name for p in target.iterdir()] == ["keys"]
    # With the right keys in place, the same archive restores into the same directory.
    shutil.rmtree(target / "keys")
    shutil.copytree(site.settings.keys_dir, target / "keys")
    report = restore_backup(archive, target, Settings(home=target))
    assert not report.keys_from_archive and report.people_keys_checked == 1


def test_restore_refuses_a_directory_in_use(site: Site, world: World, tmp_path: Path) -> None:
    archive = _backup(site, world, tmp_path, with_keys=True)
    # On SQLite the home holds the database; on PostgreSQL only keys/, which clash with the
    # archive's own.
    with pytest.raises(BackupError, match=r"is not empty|archive brings its own keys"):
        restore_backup(archive, site.settings.home, site.settings)
    assert archive.exists() and site.settings.resolved_key_file.exists()


def test_backup_and_restore_commands(site: Site, world: World, tmp_path: Path) -> None:
    if site.engine.url.get_backend_name() != "sqlite":
        pytest.skip("the PostgreSQL path is tested below")
    add_staff(site)
    _screen(site, world, _token(site), "Li Wei")
    runner = CliRunner()
    env = {"BRIGHTLINE_HOME": str(site.settings.home)}
    archive = tmp_path / "b.tar"
    made = runner.invoke(app, ["backup", "--out", str(archive)], env=env)
    assert made.exit_code == 0, made.output
    assert "the key files are NOT in it" in made.output
    with tarfile.open(archive) as tar:
        assert not any(name.startswith("keys/") for name in tar.getnames())
    again = runner.invoke(app, ["backup", "--out", str(archive)], env=env)
    assert again.exit_code == 2 and "exists already" in again.output
    target = tmp_path / "restored"
    done = runner.invoke(app, ["restore", str(archive), "--home", str(target)], env=env)
    assert done.exit_code == 0, done.output
    assert "audit log of" in done.output and "verifies" in done.output


@pytest.mark.skipif(
    not POSTGRES_URL or not (PG_BIN / "pg_dump").exists(),
    reason="needs BRIGHTLINE_TEST_POSTGRES_URL and pg_dump/pg_restore 15",
)
def test_postgresql_backup_restores_into_an_empty_database_only(
    site: Site,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    restore_url: str | None,
) -> None:
    if restore_url is None:
        pytest.skip("the PostgreSQL half")
    monkeypatch.setenv("PATH", f"{PG_BIN}{os.pathsep}{os.environ['PATH']}")
    archive = _backup(site, world, tmp_path, with_keys=True)
    with pytest.raises(BackupError, match="give --database-url"):
        restore_backup(archive, tmp_path / "restored", site.settings)
    in_use = site.settings.resolved_database_url
    with pytest.raises(BackupError, match="is not empty"):
        restore_backup(archive, tmp_path / "restored", site.settings, database_url=in_use)
    report = restore_backup(archive, tmp_path / "restored", site.settings, database_url=restore_url)
    assert report.keys_from_archive and report.people_keys_checked == 1
    copy = _restored_site(tmp_path / "restored", restore_url)
    try:
        with copy.transaction() as session:
            person = session.scalars(select(Person)).one()
            assert identifiers_of(copy.keys, person).name == "Li Wei"
    finally:
        copy.close()


def test_backup_on_postgresql_without_pg_dump_says_so(
    site: Site, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if site.engine.url.get_backend_name() != "postgresql":
        pytest.skip("the PostgreSQL half")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump is not on PATH"):
        create_backup(site.settings, tmp_path / "b.tar")
    assert not (tmp_path / "b.tar").exists()
