"""Erasure destroys the person's own key: copies of their fields (WAL, old files) stay sealed."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from brightline.identifiers import (
    IDENTIFIER_FIELDS,
    DecryptionError,
    IdentifierKeys,
    KeyFileError,
    open_person_key,
    write_secret_file,
)
from brightline.service.key_rotation import rotate_identifier_key
from brightline.service.people import (
    PersonInput,
    erase_identifiers,
    identifiers_of,
    register_person,
)
from brightline.settings import Settings
from brightline.site import Site, initialise
from brightline.store.db import checkpoint_wal, engine_for, migrate
from brightline.store.models import Person, utcnow
from tests.conftest import World, build_world

TODAY = date(2026, 6, 1)


def _register(site: Site, world: World, name: str, national_id: str) -> str:
    with site.transaction() as session:
        person, _ = register_person(
            session,
            site.keys,
            PersonInput(
                facility_id=world.clinic_a,
                region_id=world.township_a,
                sex="female",
                birth_year=1950,
                name=name,
                phone="+254 700 123456",
                national_id=national_id,
                address="12 Riverside Village",
            ),
            TODAY,
        )
        return person.id


def _stored(database: Path, person_id: str) -> sqlite3.Row:
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    try:
        row = connection.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone()
    finally:
        connection.close()
    assert row is not None
    return row


def _copy_live_files(database: Path, folder: Path) -> Path:
    """What a careless hot copy or an old backup holds: the file and its WAL, as they are."""
    folder.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = database.with_name(database.name + suffix)
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    return folder / database.name


def _opens_with_installation_keys(keys: IdentifierKeys, person_id: str, sealed: bytes) -> bool:
    """Whether a field opens under any installation key directly (the pre-envelope way)."""
    associated = f"brightline:people:{person_id}:name".encode()
    for cipher in keys.ciphers.values():
        try:
            cipher.decrypt(sealed[1:13], sealed[13:], associated)
        except InvalidTag:
            continue
        return True
    return False


def test_erased_person_cannot_be_read_from_an_older_copy(
    site: Site, world: World, tmp_path: Path
) -> None:
    if site.engine.url.get_backend_name() != "sqlite":
        pytest.skip("the copy of the database file is SQLite's")
    erased_id = _register(site, world, "Canary Wanjiru", "CANARY-0001")
    kept_id = _register(site, world, "Amina Otieno", "KEPT-0002")
    database = site.settings.home / "brightline.db"
    copy = _copy_live_files(database, tmp_path / "copy")
    in_copy = _stored(copy, erased_id)
    assert in_copy["name_ct"] is not None and in_copy["data_key"] is not None

    with site.transaction() as session:
        person = session.get(Person, erased_id)
        assert person is not None
        erase_identifiers(person, site.now())
    checkpoint_wal(site.engine)

    live = _stored(database, erased_id)
    assert live["data_key"] is None and live["name_ct"] is None
    # The installation keys alone open nothing of the copy: the field is under the person key.
    assert not _opens_with_installation_keys(site.keys, erased_id, in_copy["name_ct"])
    # No person key the live store still holds opens the copy's field either.
    with site.transaction() as session:
        held = session.execute(
            select(Person.id, Person.data_key).where(Person.data_key.is_not(None))
        )
        for person_id, wrapped in held:
            with pytest.raises(DecryptionError):
                open_person_key(site.keys, person_id, wrapped).open("name", in_copy["name_ct"])
    # Neither the database file nor its WAL still holds the wrapped key or the name's ciphertext.
    live_bytes = b"".join(
        path.read_bytes() for path in database.parent.glob("brightline.db*") if path.is_file()
    )
    assert in_copy["data_key"] not in live_bytes
    assert in_copy["name_ct"] not in live_bytes
    # Everyone else in the copy still opens with the installation keys.
    kept = _stored(copy, kept_id)
    assert open_person_key(site.keys, kept_id, kept["data_key"]).open("name", kept["name_ct"]) == (
        "Amina Otieno"
    )


def test_a_pre_erasure_copy_opens_until_the_installation_key_is_retired(
    site: Site, world: World, tmp_path: Path
) -> None:
    """The limit docs/security.md states: an old copy holds the wrapped key, until the key
    that wrapped it is retired by a rotation."""
    if site.engine.url.get_backend_name() != "sqlite":
        pytest.skip("the copy of the database file is SQLite's")
    erased_id = _register(site, world, "Canary Wanjiru", "CANARY-0001")
    copy = _copy_live_files(site.settings.home / "brightline.db", tmp_path / "copy")
    with site.transaction() as session:
        person = session.get(Person, erased_id)
        assert person is not None
        erase_identifiers(person, site.now())
    old = _stored(copy, erased_id)
    assert open_person_key(site.keys, erased_id, old["data_key"]).open("name", old["name_ct"]) == (
        "Canary Wanjiru"
    )
    rotate_identifier_key(site)
    with pytest.raises(DecryptionError):
        open_person_key(site.keys, erased_id, old["data_key"])


def test_erasure_and_rotation_touch_only_the_wrapped_key(site: Site, world: World) -> None:
    person_id = _register(site, world, "Ma Long", "ML-1")
    with site.transaction() as session:
        before = session.get(Person, person_id)
        assert before is not None
        fields = [getattr(before, f"{name}_ct") for name in IDENTIFIER_FIELDS]
        wrapped = before.data_key
    report = rotate_identifier_key(site)
    assert report.rewrapped_people == 1
    with site.transaction() as session:
        after = session.get(Person, person_id)
        assert after is not None
        assert [getattr(after, f"{name}_ct") for name in IDENTIFIER_FIELDS] == fields
        assert after.data_key != wrapped
        assert identifiers_of(site.keys, after).national_id == "ML-1"


def _legacy_seal(keys: IdentifierKeys, person_id: str, name: str, value: str) -> bytes:
    """A field as releases before per-person keys sealed it: under the installation key."""
    nonce = secrets.token_bytes(12)
    cipher = AESGCM(keys.aes_keys[keys.current_version])
    sealed = cipher.encrypt(nonce, value.encode(), f"brightline:people:{person_id}:{name}".encode())
    return bytes([keys.current_version]) + nonce + sealed


def test_migration_0007_gives_existing_people_their_own_keys(settings: Settings) -> None:
    keys = IdentifierKeys.generate()
    write_secret_file(settings.resolved_key_file, keys.aes_key_file())
    write_secret_file(settings.resolved_pseudonym_key_file, keys.pseudonym_key_file())
    engine = engine_for(settings)
    migrate(engine, "0005")  # a store as the release before per-person keys left it
    site = Site.open(settings)  # a store not yet migrated is opened without a key check
    world = build_world(site)
    site.close()
    people = [f"00000000-0000-4000-8000-{index:012d}" for index in range(2500)]
    with engine.begin() as connection:
        connection.execute(
            Person.__table__.insert(),
            [
                {
                    "id": person_id,
                    "pseudonym": secrets.token_hex(16),
                    "facility_id": world.clinic_a,
                    "region_id": world.township_a,
                    "sex": "male",
                    "birth_year": 1944,
                    "name_ct": _legacy_seal(keys, person_id, "name", f"Person {index}"),
                    "address_ct": _legacy_seal(keys, person_id, "address", "Hill Village"),
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
                for index, person_id in enumerate(people)
            ],
        )
    with pytest.raises(RuntimeError, match="needs the identifier keys"):
        migrate(engine)
    migrate(engine, keys=keys)
    engine.dispose()
    site = Site.open(settings)
    with site.transaction() as session:
        stored = {p.id: p for p in session.scalars(select(Person))}
        assert all(p.data_key is not None and p.name_ct[0] == 0 for p in stored.values())  # type: ignore[index]
        assert identifiers_of(site.keys, stored[people[2499]]).name == "Person 2499"
        assert identifiers_of(site.keys, stored[people[0]]).address == "Hill Village"
        assert identifiers_of(site.keys, stored[people[0]]).phone is None
    site.close()


def test_keys_that_do_not_open_the_data_are_refused_at_start(
    site: Site, world: World, tmp_path: Path
) -> None:
    _register(site, world, "Ma Long", "ML-1")
    other = Settings(home=tmp_path / "other")
    initialise(other)
    wrong = site.settings.model_copy(update={"key_file": other.resolved_key_file})
    with pytest.raises(KeyFileError) as refused:
        Site.open(wrong)
    assert str(other.resolved_key_file) in str(refused.value)
    assert str(site.settings.home) in str(refused.value)


def test_serve_refuses_keys_that_do_not_open_the_data(
    site: Site, world: World, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from brightline.cli import app

    _register(site, world, "Ma Long", "ML-1")
    other = Settings(home=tmp_path / "other")
    initialise(other)
    result = CliRunner().invoke(
        app,
        ["serve", "--port", "1"],
        env={
            "BRIGHTLINE_HOME": str(site.settings.home),
            "BRIGHTLINE_DATABASE_URL": site.settings.database_url or "",
            "BRIGHTLINE_KEY_FILE": str(other.resolved_key_file),
        },
    )
    assert result.exit_code == 2
    assert str(other.resolved_key_file) in result.output
