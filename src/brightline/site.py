"""One Brightline installation: its settings, store, keys and programme, opened together."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from brightline.access.account_events import created_by
from brightline.audit.checkpoint import NoteSigner
from brightline.audit.log import AuditLog
from brightline.identifiers import (
    DecryptionError,
    IdentifierKeys,
    KeyFileError,
    check_key_check,
    make_key_check,
    open_person_key,
    write_secret_file,
)
from brightline.programme import Programme, ProgrammeError, load_programme
from brightline.programme.operational import stored_settings
from brightline.service import programme_settings
from brightline.service.accounts import add_user
from brightline.settings import Settings
from brightline.store.db import READ_ONLY, engine_for, migrate, session_factory, transaction
from brightline.store.models import Person, User
from brightline.store.programme_models import ProgrammeSettingVersion
from brightline.store.security_models import KeyCheck
from brightline.timestamps import utcnow


@dataclass
class Site:
    """An opened installation; every shell (CLI, API, web) works through one of these."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keys: IdentifierKeys
    # The programme file as this process loaded it (triage rules come only from it).
    programme_file: Programme
    # When this process last looked whether an audit checkpoint was due by time.
    last_checkpoint_check: datetime | None = None
    # The programme in force and the stored settings version it was built from (0: the
    # file alone); None while the store has no versions table (not migrated yet).
    in_force: tuple[int, Programme] | None = None

    @property
    def programme(self) -> Programme:
        """The programme in force: the file with the latest stored settings on top, as this
        process last saw them (each transaction looks whether a newer version came)."""
        return self.in_force[1] if self.in_force is not None else self.programme_file

    def refresh_programme(self, connection: Session | Connection) -> Programme:
        """Look whether another process stored newer settings and load them only if so."""
        seen = self.in_force
        if seen is None:
            return self.programme_file
        latest = programme_settings.latest_number(connection)
        if latest != seen[0]:
            programme = self.programme_file
            values = programme_settings.version_values(connection, latest)
            if values is not None:
                programme = stored_settings(values, version=latest).applied_to(programme)
            # One assignment: a server's other threads see the old pair or the new, whole.
            self.in_force = (latest, programme)
        return self.programme

    @classmethod
    def open(cls, settings: Settings) -> Site:
        """Open an initialised installation (``brightline init`` creates one)."""
        engine = engine_for(settings)
        keys = IdentifierKeys.load(settings.resolved_key_file, settings.resolved_pseudonym_key_file)
        try:
            check_keys_match_data(engine, keys, settings)
        except KeyFileError:
            engine.dispose()
            raise
        site = cls(
            settings, engine, session_factory(engine), keys, load_programme(settings.programme_file)
        )
        try:
            with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
                if inspect(connection).has_table(ProgrammeSettingVersion.__tablename__):
                    site.in_force = (0, site.programme_file)
                    site.refresh_programme(connection)
        except ProgrammeError:
            engine.dispose()
            raise
        return site

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work on the store; all of it or nothing, with the programme in force
        as stored when it began (a change made by another worker or the CLI included)."""
        with transaction(self.sessions) as session:
            self.refresh_programme(session)
            yield session

    def audit_signer(self) -> NoteSigner:
        """The key that signs the audit checkpoints (``brightline init`` creates it)."""
        path = audit_signing_key_path(self.settings)
        try:
            return NoteSigner.from_key_string(path.read_text(encoding="ascii").strip())
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise KeyFileError(
                f"audit signing key {path} cannot be read; run 'brightline init' or restore it"
            ) from exc

    def now(self) -> datetime:
        """The current time as stored (naive UTC)."""
        return utcnow()

    def today(self) -> date:
        """Today's date in UTC."""
        return utcnow().date()

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def check_keys_match_data(engine: Engine, keys: IdentifierKeys, settings: Settings) -> None:
    """Refuse keys that cannot open this store's data, instead of failing every read later.

    The installation's key check (written by ``brightline init``) proves both key files; one
    stored person key is unwrapped too (any one: a rotation keeps every version it still
    needs in the key file until the last key is rewrapped), which also covers a store from
    before key checks.
    """
    # Read-only: opening the installation must never wait for, or block, a clinic's write.
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        tables = set(inspect(connection).get_table_names())
        if "people" not in tables:
            return  # an empty store: nothing to open yet
        if "data_key" not in {c["name"] for c in inspect(connection).get_columns("people")}:
            return  # not migrated yet: 'brightline init' re-seals with these same keys
        check = None
        if KeyCheck.__tablename__ in tables:
            check = connection.execute(select(KeyCheck.wrapped, KeyCheck.pseudonym_check)).first()
        row = connection.execute(
            select(Person.id, Person.data_key).where(Person.data_key.is_not(None)).limit(1)
        ).first()
    try:
        if check is not None:
            check_key_check(keys, check.wrapped, check.pseudonym_check)
        if row is not None:
            open_person_key(keys, row.id, row.data_key)
    except DecryptionError as exc:
        raise KeyFileError(
            f"the key files {settings.resolved_key_file} and "
            f"{settings.resolved_pseudonym_key_file} do not open the data in "
            f"{settings.home} ({engine.url.render_as_string(hide_password=True)}): {exc}. Point "
            "BRIGHTLINE_KEY_FILE and BRIGHTLINE_PSEUDONYM_KEY_FILE at this installation's key "
            "files, or restore them from backup"
        ) from exc


def _ensure_key_check(session: Session, keys: IdentifierKeys) -> None:
    """Write the key check once, after the keys were checked against the data stored."""
    if session.scalar(select(func.count()).select_from(KeyCheck)) == 0:
        wrapped, pseudonym_check = make_key_check(keys)
        session.add(KeyCheck(id=1, wrapped=wrapped, pseudonym_check=pseudonym_check))


def audit_signing_key_path(settings: Settings) -> Path:
    """File holding the audit checkpoint signing key."""
    return settings.audit_signing_key_file or settings.keys_dir / "audit-signing.key"


@dataclass
class InitReport:
    """What ``brightline init`` did, for the person running it."""

    home: Path
    database_url: str
    created_keys: list[Path] = field(default_factory=list)
    admin_username: str | None = None
    admin_password: str | None = None


def initialise(
    settings: Settings, *, admin_username: str = "admin", admin_password: str | None = None
) -> InitReport:
    """Create the data directory, keys (0600), schema and the first admin; safe to re-run."""
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)
    report = InitReport(settings.home, settings.resolved_database_url)
    aes_path, pseudonym_path = settings.resolved_key_file, settings.resolved_pseudonym_key_file
    if not aes_path.exists() or not pseudonym_path.exists():
        if aes_path.exists() != pseudonym_path.exists():
            raise RuntimeError(
                f"only one of {aes_path} and {pseudonym_path} exists; restore the missing key "
                "from backup rather than creating a new one"
            )
        generated = IdentifierKeys.generate()
        write_secret_file(aes_path, generated.aes_key_file())
        write_secret_file(pseudonym_path, generated.pseudonym_key_file())
        report.created_keys += [aes_path, pseudonym_path]
    keys = IdentifierKeys.load(aes_path, pseudonym_path)
    audit_key_path = audit_signing_key_path(settings)
    if not audit_key_path.exists():
        signer = NoteSigner.generate(settings.audit_origin)
        write_secret_file(audit_key_path, signer.to_key_string().encode("ascii") + b"\n")
        report.created_keys.append(audit_key_path)
    engine = engine_for(settings)
    try:
        migrate(engine, keys=keys)
        if engine.url.get_backend_name() == "sqlite" and engine.url.database:
            Path(engine.url.database).chmod(0o600)
        check_keys_match_data(engine, keys, settings)
        with transaction(session_factory(engine)) as session:
            _ensure_key_check(session, keys)
            if session.scalar(select(func.count()).select_from(User)) == 0:
                # Shown once on the terminal; only its argon2id hash is stored.
                password = admin_password or secrets.token_urlsafe(12)
                admin = add_user(
                    session,
                    admin_username,
                    password,
                    "admin",
                    "all",
                    profile=settings.argon2_profile,
                )
                # The log's first entry: every account, the first admin's too, has a creation
                # on record, made by the installation itself.
                AuditLog().append(session, created_by(None, admin.pseudonym, utcnow()))
                report.admin_username, report.admin_password = admin_username, password
    finally:
        engine.dispose()
    return report
