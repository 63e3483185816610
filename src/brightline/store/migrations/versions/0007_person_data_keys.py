"""Give every person their own data key, wrapped by the installation key (envelope encryption).

Erasure then destroys one wrapped key and with it every copy of the person's fields (WAL,
older files), and key rotation rewraps keys instead of re-encrypting fields. Existing people
get a fresh key each and their fields are re-sealed under it, in batches, all in the one
migration transaction.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import context, op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from brightline.identifiers import (
    IDENTIFIER_FIELDS,
    NONCE_BYTES,
    PERSON_SEALED,
    IdentifierKeys,
    new_person_key,
    open_person_key,
)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 1000
_COLUMNS = tuple(f"{name}_ct" for name in IDENTIFIER_FIELDS)
_people = sa.table(
    "people",
    sa.column("id", sa.String),
    sa.column("data_key", sa.LargeBinary),
    *(sa.column(column, sa.LargeBinary) for column in _COLUMNS),
)


def _keys(needed_for: str) -> IdentifierKeys:
    keys = context.config.attributes.get("identifier_keys")
    if not isinstance(keys, IdentifierKeys):
        raise RuntimeError(
            f"migration 0007 must {needed_for} and needs the identifier keys: "
            "run 'brightline init' with the installation's key files in place"
        )
    return keys


def _legacy_open(keys: IdentifierKeys, person_id: str, name: str, sealed: bytes) -> str:
    """A field sealed the pre-0007 way: installation key version ‖ nonce ‖ AES-GCM."""
    cipher = AESGCM(keys.aes_keys[sealed[0]])
    associated = f"brightline:people:{person_id}:{name}".encode()
    return cipher.decrypt(
        sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :], associated
    ).decode()


def _legacy_seal(keys: IdentifierKeys, person_id: str, name: str, value: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    associated = f"brightline:people:{person_id}:{name}".encode()
    sealed = keys.ciphers[keys.current_version].encrypt(nonce, value.encode(), associated)
    return bytes([keys.current_version]) + nonce + sealed


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("data_key", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    # Erased people (no field left) get no key: there is nothing to seal.
    pending = sa.or_(*(_people.c[column].is_not(None) for column in _COLUMNS))
    last_id = ""
    while True:
        rows = list(
            bind.execute(
                sa.select(_people)
                .where(pending, _people.c.id > last_id)
                .order_by(_people.c.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return
        keys = _keys("re-seal existing identifiers under per-person keys")
        updates = []
        for row in rows:
            person_key, wrapped = new_person_key(keys, row.id)
            update = {"person_id": row.id, "data_key": wrapped}
            for name, column in zip(IDENTIFIER_FIELDS, _COLUMNS, strict=True):
                sealed = getattr(row, column)
                if sealed is not None and sealed[0] != PERSON_SEALED:
                    sealed = person_key.seal(name, _legacy_open(keys, row.id, name, sealed))
                update[column] = sealed
            updates.append(update)
        bind.execute(
            _people.update()
            .where(_people.c.id == sa.bindparam("person_id"))
            .values({c: sa.bindparam(c) for c in ("data_key", *_COLUMNS)}),
            updates,
        )
        last_id = rows[-1].id


def downgrade() -> None:
    bind = op.get_bind()
    last_id = ""
    while True:
        rows = list(
            bind.execute(
                sa.select(_people)
                .where(_people.c.data_key.is_not(None), _people.c.id > last_id)
                .order_by(_people.c.id)
                .limit(BATCH)
            )
        )
        if not rows:
            break
        keys = _keys("re-seal identifiers under the installation key")
        updates = []
        for row in rows:
            person_key = open_person_key(keys, row.id, row.data_key)
            update = {"person_id": row.id}
            for name, column in zip(IDENTIFIER_FIELDS, _COLUMNS, strict=True):
                sealed = getattr(row, column)
                update[column] = (
                    _legacy_seal(keys, row.id, name, person_key.open(name, sealed))
                    if sealed is not None
                    else None
                )
            updates.append(update)
        bind.execute(
            _people.update()
            .where(_people.c.id == sa.bindparam("person_id"))
            .values({c: sa.bindparam(c) for c in _COLUMNS}),
            updates,
        )
        last_id = rows[-1].id
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would have to drop
    # "people", which every pathway table references.
    op.drop_column("people", "data_key")
