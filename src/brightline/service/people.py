"""People: registration with identifiers sealed under a per-person key, and ID de-duplication."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, one_of
from brightline.identifiers import (
    IdentifierKeys,
    national_id_pseudonym,
    new_person_key,
    open_person_key,
    phone_pseudonym,
    random_pseudonym,
)
from brightline.problems import Problem, Problems, problem
from brightline.records import Identifiers, PersonInput
from brightline.service.claims import claim_id
from brightline.store.models import SEXES, Person, new_id

MAX_AGE = 120
IDENTIFIER_LIMITS = {"name": 200, "phone": 32, "national_id": 32, "address": 300}


def check_birth_year(birth_year: int, today: date) -> int:
    """Birth year within the last 120 years and not in the future; a coded problem, so the
    offline app and the web UI word it in the reader's language."""
    low, high = today.year - MAX_AGE, today.year
    if not isinstance(birth_year, int) or not low <= birth_year <= high:
        raise Problems([problem("birth_year", "birth_year_range", low=str(low), high=str(high))])
    return birth_year


PHONE_DIGITS = range(5, 16)
# Decimal digits (NFKC turns full-width ones into ASCII), a leading +, and the separators
# people write numbers with: spaces, hyphens (ASCII, Unicode hyphen, en dash), dots, brackets.
_PHONE_WRITING = re.compile(r"\+?[\d ().\-\u2010\u2013]*")


def phone_problem(phone: str) -> Problem | None:
    """A phone number no one could call: 5 to 15 digits (ITU-T E.164 caps an international
    number at 15; 5 admits the short local numbers of small networks), written with digits,
    a leading +, spaces, hyphens, dots and brackets only. Empty is no problem (it is optional)."""
    text = unicodedata.normalize("NFKC", phone).strip()
    if not text:
        return None
    digits = sum(ch.isdecimal() for ch in text)
    if _PHONE_WRITING.fullmatch(text) and digits in PHONE_DIGITS:
        return None
    return problem("phone", "phone_form")


def person_row(keys: IdentifierKeys, person: PersonInput, today: date) -> dict[str, Any]:
    """Validated ``people`` row: a new person key, wrapped, and the identifiers sealed under it.

    Every road that creates people (single records, sync, CSV import, the demo) builds its
    rows here, so no identifier is ever sealed any other way.
    """
    one_of("sex", person.sex, SEXES)
    if person.facility_id is None or person.region_id is None:
        raise InvalidInput("a person is registered at a facility and in a region", field="facility")
    check_birth_year(person.birth_year, today)
    person_id = person.id or new_id()
    person_key, wrapped = new_person_key(keys, person_id)
    row: dict[str, Any] = {
        "id": person_id,
        "pseudonym": random_pseudonym(),
        "facility_id": person.facility_id,
        "region_id": person.region_id,
        "sex": person.sex,
        "birth_year": person.birth_year,
        "data_key": wrapped,
        "national_id_hmac": None,
        "phone_hmac": None,
        "client_record_id": person.client_record_id,
    }
    for field_name, limit in IDENTIFIER_LIMITS.items():
        value = getattr(person, field_name)
        value = value.strip() if isinstance(value, str) else None
        if value and len(value) > limit:
            raise InvalidInput(f"longer than {limit} characters", field=field_name)
        if field_name == "phone" and value and (found := phone_problem(value)) is not None:
            raise Problems([found])
        row[f"{field_name}_ct"] = person_key.seal(field_name, value) if value else None
        if field_name == "national_id" and value:
            row["national_id_hmac"] = national_id_pseudonym(keys, value)
        if field_name == "phone" and value:
            row["phone_hmac"] = phone_pseudonym(keys, value)
    return row


def register_person(
    session: Session, keys: IdentifierKeys, person: PersonInput, today: date
) -> tuple[Person, bool]:
    """Register a person, or return the one already registered with the same national ID."""
    if person.id is not None:
        claim_id(session, Person, person.id)
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


def people_by_identifier(
    session: Session, keys: IdentifierKeys, facility_id: int, typed: str
) -> list[Person]:
    """People of one facility whose national ID or phone number is exactly ``typed``.

    Matched through the keyed pseudonyms only: no one's identifiers are decrypted to search.
    """
    wanted = [Person.national_id_hmac == national_id_pseudonym(keys, typed)]
    if (phone := phone_pseudonym(keys, typed)) is not None:
        wanted.append(Person.phone_hmac == phone)
    return list(
        session.scalars(
            select(Person)
            .where(Person.facility_id == facility_id, or_(*wanted))
            .order_by(Person.created_at, Person.id)
        )
    )


def reveal_fields(
    keys: IdentifierKeys,
    person_id: str,
    data_key: bytes | None,
    sealed: Mapping[str, bytes | None],
) -> dict[str, str | None]:
    """Open the given sealed fields of one person; without their key (erased) there are none."""
    if data_key is None:
        return dict.fromkeys(sealed)
    person_key = open_person_key(keys, person_id, data_key)
    return {name: person_key.open(name, ct) if ct else None for name, ct in sealed.items()}


def identifiers_of(keys: IdentifierKeys, person: Person) -> Identifiers:
    """Decrypt a person's identifiers; erased people have none."""
    sealed = {name: getattr(person, f"{name}_ct") for name in IDENTIFIER_LIMITS}
    return Identifiers(**reveal_fields(keys, person.id, person.data_key, sealed))


def erase_identifiers(person: Person, now: datetime) -> None:
    """Crypto-shred a person's direct identifiers: their person key goes, with everything it sealed.

    Without the wrapped key no copy of the fields (WAL, an old file) can be opened with the
    installation key; the ciphertexts and the ID pseudonym are dropped too. Clinical records
    stay (they are pseudonymous and count in the programme's indicators); the audit log is
    untouched, so it still verifies and the person's access report still works by record id.
    """
    person.data_key = None
    for field_name in IDENTIFIER_LIMITS:
        setattr(person, f"{field_name}_ct", None)
    person.national_id_hmac = None
    person.phone_hmac = None
    person.erased_at = now
