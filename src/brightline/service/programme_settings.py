"""Queries of the programme's settings versions: the latest number, the history, a new one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightline.errors import Conflict
from brightline.store.programme_models import ProgrammeSettingVersion

# The question every transaction asks: one look at the primary key's index.
_LATEST_NUMBER = "SELECT max(version) FROM programme_setting_versions"
assert ProgrammeSettingVersion.__tablename__ in _LATEST_NUMBER  # one name, written twice


def latest_number(session: Session | Connection) -> int:
    """The latest stored version's number; 0 when only the programme file is in force."""
    connection = session.connection() if isinstance(session, Session) else session
    # Plain SQL: asked in every transaction, it skips the ORM's per-statement work (about a
    # quarter of the time of the same select built with the ORM, measured on SQLite).
    number = connection.exec_driver_sql(_LATEST_NUMBER).scalar()
    return int(number or 0)


def version_values(session: Session | Connection, version: int) -> str | None:
    """The stored JSON of one version (None for version 0, the programme file alone)."""
    return session.scalar(
        select(ProgrammeSettingVersion.setting_values).where(
            ProgrammeSettingVersion.version == version
        )
    )


def history(session: Session, limit: int = 100) -> list[ProgrammeSettingVersion]:
    """The stored versions, newest first."""
    query = select(ProgrammeSettingVersion).order_by(ProgrammeSettingVersion.version.desc())
    return list(session.scalars(query.limit(limit)))


def stale(current: int, seen: int) -> Conflict:
    """The refusal of a change made from an earlier version than the one in force."""
    return Conflict(
        f"the programme's settings were changed since you opened them (version {current} now, "
        f"yours was {seen}); open them again and make your change on what is there now",
        field="version",
    )


def add_version(
    session: Session, *, seen: int, values: str, changed_by: str, at: datetime, reason: str
) -> ProgrammeSettingVersion:
    """Store version ``seen + 1``, refused as stale when another change came first."""
    current = latest_number(session)
    if current != seen:
        raise stale(current, seen)
    row = ProgrammeSettingVersion(
        version=seen + 1, setting_values=values, changed_by=changed_by, changed_at=at, reason=reason
    )
    session.add(row)
    try:
        # Two changes from the same version at the same moment (PostgreSQL): the key decides.
        session.flush()
    except IntegrityError:
        raise stale(seen + 1, seen) from None
    return row
