"""Identifier key rotation: add a new installation key, rewrap every person key, retire old keys."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from brightline.identifiers import (
    IdentifierKeys,
    rewrap_key_check,
    rewrap_person_key,
    wrapped_key_version,
)
from brightline.site import Site
from brightline.store.models import Person
from brightline.store.security_models import KeyCheck

BATCH = 1000


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did."""

    new_version: int
    rewrapped_people: int
    retired_versions: tuple[int, ...]


def replace_secret_file(path: Path, content: bytes) -> None:
    """Atomically replace a key file, keeping it 0600 (a crash leaves the old or the new)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rotating-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, content)
        os.fsync(handle)
    finally:
        os.close(handle)
    os.replace(temporary, path)


def rotate_identifier_key(site: Site, *, retire_old: bool = True) -> RotationReport:
    """Add a key version, rewrap every person key under it, then drop the unused versions.

    Only the 61-byte wrapped person keys change; the identifier fields stay sealed under their
    person keys. The new key is saved before any row changes and old keys are only dropped
    after every person key is rewrapped, so an interruption at any point leaves every
    identifier readable; running the command again finishes the job.
    """
    keys = site.keys.with_new_version()
    key_file = site.settings.resolved_key_file
    replace_secret_file(key_file, keys.aes_key_file())
    site.keys = keys
    with site.transaction() as session:
        check = session.get(KeyCheck, 1)
        if check is not None:
            check.wrapped = rewrap_key_check(keys, check.wrapped, check.pseudonym_check)
    changed = 0
    last_id = ""
    while True:
        with site.transaction() as session:
            people = list(
                session.scalars(
                    select(Person).where(Person.id > last_id).order_by(Person.id).limit(BATCH)
                )
            )
            if not people:
                break
            for person in people:
                changed += _rewrap(keys, person)
            last_id = people[-1].id
    retired: tuple[int, ...] = ()
    if retire_old:
        retired = tuple(v for v in keys.aes_keys if v != keys.current_version)
        keys = IdentifierKeys(
            {keys.current_version: keys.aes_keys[keys.current_version]}, keys.pseudonym_key
        )
        replace_secret_file(key_file, keys.aes_key_file())
        site.keys = keys
    return RotationReport(keys.current_version, changed, retired)


def _rewrap(keys: IdentifierKeys, person: Person) -> int:
    wrapped = person.data_key
    if wrapped is None or wrapped_key_version(wrapped) == keys.current_version:
        return 0  # erased, or already rewrapped by an interrupted earlier run
    person.data_key = rewrap_person_key(keys, person.id, wrapped)
    return 1
