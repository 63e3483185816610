"""Backups of one installation in one tar archive, and restores that prove themselves first.

The archive holds a consistent online copy of the database (SQLite's backup API, or
``pg_dump`` on PostgreSQL), the photos, the settings in force, the programme file and — only
when asked — the key files, with ``MANIFEST.json`` listing the SHA-256 of every file. A
restore refuses a damaged archive, keys that do not open the data and an audit log that does
not verify, and builds the new data directory beside the target, renaming it into place only
when every check has passed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import create_engine, inspect, make_url, select, text

from brightline.audit.verify import verify_log
from brightline.errors import BrightlineError
from brightline.identifiers import DecryptionError, KeyFileError
from brightline.service.people import IDENTIFIER_LIMITS, reveal_fields
from brightline.settings import Settings
from brightline.site import Site, audit_signing_key_path
from brightline.store.db import HIDE_PARAMETERS
from brightline.store.models import Person

FORMAT: Final = 1
MANIFEST: Final = "MANIFEST.json"
SQLITE_COPY: Final = "database/brightline.db"
POSTGRES_DUMP: Final = "database/brightline.pgdump"
SETTINGS_COPY: Final = "settings.json"
PROGRAMME_COPY: Final = "programme.toml"
KEY_FILES: Final = ("keys/identifiers.key", "keys/pseudonym.key", "keys/audit-signing.key")
# People whose fields a restore opens, beyond unwrapping every person key.
SAMPLE_PEOPLE: Final = 100
_CHUNK: Final = 1024 * 1024


class BackupError(BrightlineError):
    """A backup that cannot be made or an archive that cannot be restored; says why."""


@dataclass(frozen=True)
class BackupReport:
    """What ``create_backup`` wrote."""

    archive: Path
    files: int
    bytes: int
    with_keys: bool


@dataclass(frozen=True)
class RestoreReport:
    """What ``restore_backup`` restored and checked."""

    home: Path
    files: int
    people_keys_checked: int
    audit_entries: int
    keys_from_archive: bool


# --- backup ----------------------------------------------------------------------------------


def create_backup(settings: Settings, out: Path, *, with_keys: bool = False) -> BackupReport:
    """Write the installation's archive to ``out`` (0600), refusing to overwrite a file."""
    if out.exists():
        raise BackupError(f"{out} exists already; choose a new file name for the backup")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".brightline-backup-", dir=out.parent) as work:
        folder = Path(work)
        database = _copy_database(settings, folder)
        members = [(database, folder / database)]
        members += _tree("photos", settings.home / "photos")
        settings_file = folder / SETTINGS_COPY
        settings_file.write_text(_settings_json(settings), encoding="utf-8")
        members.append((SETTINGS_COPY, settings_file))
        if settings.programme_file is not None:
            members.append((PROGRAMME_COPY, settings.programme_file))
        if with_keys:
            members += list(zip(KEY_FILES, _key_paths(settings), strict=True))
        manifest = _manifest(members, settings, with_keys=with_keys)
        partial = out.with_name(f".{out.name}.partial-{secrets.token_hex(4)}")
        # 0600 from the first byte: the archive holds identifiers (and perhaps the keys).
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as tar:
                for name, path in members:
                    tar.add(path, arcname=name, recursive=False, filter=_private)
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupReport(out, len(members), out.stat().st_size, with_keys)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _copy_database(settings: Settings, folder: Path) -> str:
    """A consistent copy of the store taken while it is in use; returns its archive name."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        target = folder / SQLITE_COPY
        target.parent.mkdir()
        source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            # One step: the copy is the database as of one committed transaction; writers in
            # WAL mode carry on meanwhile.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()
        return SQLITE_COPY
    target = folder / POSTGRES_DUMP
    target.parent.mkdir()
    command, environment = _libpq_command("pg_dump", url.render_as_string(hide_password=False))
    _run([*command, "--format=custom", "--no-owner", f"--file={target}"], environment)
    return POSTGRES_DUMP


def _libpq_command(program: str, database_url: str) -> tuple[list[str], dict[str, str]]:
    """``program`` with a libpq URL; the password goes by environment, not the command line."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} is not on PATH; install the PostgreSQL client tools of the server's "
            "version (e.g. /usr/lib/postgresql/15/bin) and add them to PATH"
        )
    url = make_url(database_url)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return [found, f"--dbname={plain.render_as_string(hide_password=False)}"], environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    # The program is the one found on PATH, the arguments are ours: no shell, no user text.
    finished = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed: {finished.stderr.strip()[-500:]}")


def _tree(prefix: str, root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    return [
        (f"{prefix}/{path.relative_to(root).as_posix()}", path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]


def _settings_json(settings: Settings) -> str:
    """The settings in force, for the record: paths as they were, no secrets."""
    values = settings.model_dump(mode="json")
    if settings.database_url:
        values["database_url"] = make_url(settings.database_url).render_as_string(
            hide_password=True
        )
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


def _key_paths(settings: Settings) -> list[Path]:
    return [
        settings.resolved_key_file,
        settings.resolved_pseudonym_key_file,
        audit_signing_key_path(settings),
    ]


def _manifest(
    members: list[tuple[str, Path]], settings: Settings, *, with_keys: bool
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": make_url(settings.resolved_database_url).get_backend_name(),
        "with_keys": with_keys,
        "files": {name: _sha256(path) for name, path in members},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- restore ---------------------------------------------------------------------------------


def restore_backup(
    archive: Path, home: Path, settings: Settings, *, database_url: str | None = None
) -> RestoreReport:
    """Restore ``archive`` as the data directory ``home``, only once it is proven whole.

    ``settings`` gives the key files to use when the archive holds none; ``database_url``
    is the empty PostgreSQL database to restore a PostgreSQL backup into.
    """
    home = home.absolute()
    _check_target(home)
    if database_url:
        _check_empty_database(database_url)
    staging = home.with_name(f".{home.name}.restoring-{secrets.token_hex(4)}")
    staging.mkdir(mode=0o700, parents=True)
    try:
        manifest = _unpack(archive, staging)
        if (staging / SQLITE_COPY).exists():
            os.rename(staging / SQLITE_COPY, staging / "brightline.db")
            (staging / SQLITE_COPY).parent.rmdir()
        keys_from_archive = bool(manifest.get("with_keys"))
        restored = _restored_settings(staging, home, settings, manifest, database_url)
        report = _prove(restored, manifest, keys_from_archive)
        _move_into_place(staging, home)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files, people, entries = report
    return RestoreReport(home, files, people, entries, keys_from_archive)


def _check_empty_database(database_url: str) -> None:
    engine = create_engine(database_url, hide_parameters=HIDE_PARAMETERS)
    try:
        if inspect(engine).get_table_names():
            raise BackupError(
                f"the database {engine.url.render_as_string(hide_password=True)} is not empty; "
                "restore into a newly created database"
            )
    finally:
        engine.dispose()


def _empty_database(database_url: str) -> None:
    """Drop what a failed restore put into a database that was empty before it."""
    engine = create_engine(database_url, hide_parameters=HIDE_PARAMETERS)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _check_target(home: Path) -> None:
    if home.exists() and any(p.name != "keys" for p in home.iterdir()):
        raise BackupError(
            f"{home} is not empty; restore into a new or empty directory (it may hold only keys/)"
        )


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract every file listed in the manifest, checking its SHA-256 as it is written."""
    try:
        with tarfile.open(archive, mode="r:") as tar:
            manifest = _read_manifest(tar, archive)
            expected: dict[str, str] = manifest["files"]
            seen: set[str] = set()
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile():
                    raise BackupError(f"{archive}: {member.name!r} is not in its manifest")
                source = tar.extractfile(member)
                assert source is not None
                if _write_checked(source, staging / member.name) != expected[member.name]:
                    raise BackupError(
                        f"{archive}: {member.name} does not match its SHA-256 in the manifest; "
                        "the archive is damaged or was altered"
                    )
                seen.add(member.name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable Brightline backup: {exc}") from exc
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{archive}: files of the manifest are missing: {', '.join(missing)}")
    return manifest


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        handle = tar.extractfile(MANIFEST)
        assert handle is not None
        manifest: dict[str, Any] = json.loads(handle.read())
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{archive} has no readable {MANIFEST}") from exc
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive}: {MANIFEST} is not of backup format {FORMAT}")
    for name in manifest["files"]:
        # Names stay inside the new directory: no absolute paths, no '..'.
        if name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"{archive}: {name!r} would be written outside the directory")
    return manifest


def _write_checked(source: IO[bytes], target: Path) -> str:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def _restored_settings(
    staging: Path,
    home: Path,
    settings: Settings,
    manifest: dict[str, Any],
    database_url: str | None,
) -> Settings:
    """Settings of the directory being restored: its keys, or the ones configured."""
    overrides: dict[str, Any] = {"home": staging, "database_url": None, "programme_file": None}
    if (staging / PROGRAMME_COPY).exists():
        overrides["programme_file"] = staging / PROGRAMME_COPY
    if manifest.get("with_keys") and (home / "keys").exists():
        raise BackupError(
            f"{home / 'keys'} exists and the archive brings its own keys; restore into an "
            "empty directory, or use a backup made without --with-keys"
        )
    if manifest.get("with_keys"):
        # The archive's keys, now under staging/keys, whatever the settings point at.
        overrides |= dict.fromkeys(("key_file", "pseudonym_key_file", "audit_signing_key_file"))
    elif (home / "keys").is_dir():
        # Keys already in the target directory (taken over when the restore succeeds).
        in_target = Settings(home=home)
        overrides |= {
            "key_file": in_target.resolved_key_file,
            "pseudonym_key_file": in_target.resolved_pseudonym_key_file,
            "audit_signing_key_file": audit_signing_key_path(in_target),
        }
    else:
        _copy_configured_keys(settings, staging)
    if manifest.get("database") == "postgresql":
        overrides["database_url"] = _restore_postgres(staging, database_url)
    return settings.model_copy(update=overrides)


def _copy_configured_keys(settings: Settings, staging: Path) -> None:
    """Key files where the settings point: one set explicitly (a mounted secret) is used in
    place; one in the current data directory is copied into the new one."""
    fields = ("key_file", "pseudonym_key_file", "audit_signing_key_file")
    for field, name, path in zip(fields, KEY_FILES, _key_paths(settings), strict=True):
        if getattr(settings, field) is not None:
            continue
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise BackupError(
                f"the backup holds no keys and {path} cannot be read: put the installation's "
                "keys/ in the target directory, or restore an archive made --with-keys"
            ) from exc
        target = staging / name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)


def _restore_postgres(staging: Path, database_url: str | None) -> str:
    if not database_url or make_url(database_url).get_backend_name() != "postgresql":
        raise BackupError(
            "this is a PostgreSQL backup: give --database-url of an empty PostgreSQL database "
            "to restore it into"
        )
    command, environment = _libpq_command("pg_restore", database_url)
    _run([*command, "--no-owner", "--exit-on-error", str(staging / POSTGRES_DUMP)], environment)
    (staging / POSTGRES_DUMP).unlink()
    return database_url


def _prove(
    settings: Settings, manifest: dict[str, Any], from_archive: bool
) -> tuple[int, int, int]:
    """Open the restored store with its keys, unwrap every person key and verify the log."""
    where = "in the archive" if from_archive else f"from {settings.resolved_key_file}"
    try:
        site = Site.open(settings)
    except KeyFileError as exc:
        raise BackupError(f"the keys {where} do not open this backup: {exc}") from exc
    try:
        with site.transaction() as session:
            checked = _open_people(site, session)
            report = verify_log(session, site.audit_signer().verifier_key(), origin=None, workers=1)
    except (DecryptionError, KeyFileError) as exc:
        raise BackupError(f"the keys {where} do not open this backup: {exc}") from exc
    finally:
        site.close()
    if not report.ok:
        first = report.problems[0].message
        raise BackupError(f"the restored audit log does not verify: {first}")
    return len(manifest["files"]), checked, report.size


def _open_people(site: Site, session: Any) -> int:
    """Unwrap every stored person key and open the fields of the first SAMPLE_PEOPLE."""
    columns = [getattr(Person, f"{name}_ct") for name in IDENTIFIER_LIMITS]
    rows = session.execute(
        select(Person.id, Person.data_key, *columns).where(Person.data_key.is_not(None))
    )
    checked = 0
    for row in rows:
        sealed = (
            dict.fromkeys(IDENTIFIER_LIMITS)
            if checked >= SAMPLE_PEOPLE
            else {name: getattr(row, f"{name}_ct") for name in IDENTIFIER_LIMITS}
        )
        reveal_fields(site.keys, row.id, row.data_key, sealed)
        checked += 1
    return checked


def _move_into_place(staging: Path, home: Path) -> None:
    """Rename the proven directory to ``home``, taking over keys/ already there."""
    if home.exists():
        if (home / "keys").exists():
            os.rename(home / "keys", staging / "keys")
        home.rmdir()
    os.rename(staging, home)
