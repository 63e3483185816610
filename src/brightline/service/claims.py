"""Ids a client chose for its new records, checked inside the transaction that stores them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.errors import Conflict
from brightline.store.models import Base, new_id


def claim_id(session: Session, model: type[Base], record_id: str | None) -> str:
    """The new record's id: the client's UUID if no record of this kind holds it, else 409.

    Checked in the storing transaction (SQLite's write lock is taken at BEGIN, so nothing
    slips in between). The answer is the same whoever holds the id: a clash must not tell
    one clinic that another clinic's record exists.
    """
    if record_id is None:
        return new_id()
    key = model.__mapper__.primary_key[0]
    if session.scalar(select(key).where(key == record_id)) is not None:
        raise Conflict(
            f"id {record_id!r} is already used by another record; give this record a new UUID",
            field="id",
        )
    return record_id
