"""People: registration with encrypted identifiers and national-ID de-duplication."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, one_of
from brightline.identifiers import (
    IdentifierKeys,
    decrypt_field,
    encrypt_field,
    national_id_pseudonym,
    random_pseudonym,
)
from brightline.records import Identifiers, PersonInput
from brightline.store.models import SEXES, Person, new_id

MAX_AGE = 120
IDENTIFIER_LIMITS = {"name": 200, "phone": 32, "national_id": 32, "address": 300}


def check_birth_year(birth_year: int, today: date) -> int:
    """Birth year within the last 120 years and not in the future."""
    if not isinstance(birth_year, int) or not today.year - MAX_AGE <= birth_year <= today.year:
        raise InvalidInput(
            f"birth year {birth_year!r} is not valid; use a year from "
            f"{today.year - MAX_AGE} to {today.year}",
            field="birth_year",
        )
    return birth_year


def person_row(keys: IdentifierKeys, person: PersonInput, today: date) -> dict[str, Any]:
    """Validated ``people`` row with identifiers sealed to the new record's id."""
    one_of("sex", person.sex, SEXES)
    if person.facility_id is None or person.region_id is None:
        raise InvalidInput("a person is registered at a facility and in a region", field="facility")
    check_birth_year(person.birth_year, today)
    person_id = person.id or new_id()
    row: dict[str, Any] = {
        "id": person_id,
        "pseudonym": random_pseudonym(),
        "facility_id": person.facility_id,
        "region_id": person.region_id,
        "sex": person.sex,
        "birth_year": person.birth_year,
        "national_id_hmac": None,
        "client_record_id": person.client_record_id,
    }
    for field_name, limit in IDENTIFIER_LIMITS.items():
        value = getattr(person, field_name)
        value = value.strip() if isinstance(value, str) else None
        if value and len(value) > limit:
            raise InvalidInput(f"longer than {limit} characters", field=field_name)
        row[f"{field_name}_ct"] = (
            encrypt_field(keys, "people", person_id, field_name, value) if value else None
        )
        if field_name == "national_id" and value:
            row["national_id_hmac"] = national_id_pseudonym(keys, value)
    return row


def register_person(
    session: Session, keys: IdentifierKeys, person: PersonInput, today: date
) -> tuple[Person, bool]:
    """Register a person, or return the one already registered with the same national ID."""
    row = person_row(keys, person, today)
    if row["national_id_hmac"] is not None:
        existing = session.scalar(
            select(Person).where(Person.national_id_hmac == row["national_id_hmac"])
        )
        if existing is not None:
            return existing, False
    session.execute(insert(Person), [row])
    created = session.get(Person, row["id"])
    assert created is not None
    return created, True


def identifiers_of(keys: IdentifierKeys, person: Person) -> Identifiers:
    """Decrypt a person's identifiers; erased people have none."""

    def reveal(field_name: str) -> str | None:
        sealed: bytes | None = getattr(person, f"{field_name}_ct")
        return decrypt_field(keys, "people", person.id, field_name, sealed) if sealed else None

    return Identifiers(reveal("name"), reveal("phone"), reveal("national_id"), reveal("address"))


def erase_identifiers(person: Person, now: datetime) -> None:
    """Crypto-shred a person's direct identifiers: ciphertexts and ID pseudonym are dropped.

    Clinical records stay (they are pseudonymous and count in the programme's indicators);
    the audit log is untouched, so it still verifies and the person's access report still
    works by record id.
    """
    for field_name in IDENTIFIER_LIMITS:
        setattr(person, f"{field_name}_ct", None)
    person.national_id_hmac = None
    person.erased_at = now
