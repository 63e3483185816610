"""Corrections of a person's record: each keeps the earlier version, who, when and why.

Earlier identifiers are kept as the very ciphertexts they were (sealed under the person's own
data key), and the reason is sealed under that key too, so erasing the person shreds the
whole history of their identifiers with the record. Clinical corrections (a voided
screening, an undone arrival, an amended review) live in ``service/pathway_corrections.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from brightline.correction_records import (
    PERSON_DEMOGRAPHIC_FIELDS,
    PERSON_FIELDS,
    PERSON_IDENTIFIER_FIELDS,
    PersonCorrection,
    raise_problems,
    reason_problem,
)
from brightline.errors import Conflict, InvalidInput, TransitionRefused
from brightline.identifiers import IdentifierKeys, national_id_pseudonym, open_person_key
from brightline.problems import Problem
from brightline.service.claims import claim_id
from brightline.service.people import IDENTIFIER_LIMITS, MAX_AGE, phone_problem, reveal_fields
from brightline.store.models import SEXES, Correction, Person, User


def stale(kind: str, current: int, seen: int) -> Conflict:
    """The refusal of a correction made from an earlier version than the one stored."""
    return Conflict(
        f"this {kind} was changed by someone else since you opened it (version {current} now, "
        f"yours was {seen}); open it again and make your correction on what is there now",
        field="version",
    )


def flush_or_stale(session: Session, kind: str, seen: int) -> None:
    """Write the change; a concurrent change of the same version (PostgreSQL) is a 409."""
    try:
        session.flush()
    except StaleDataError:
        raise stale(kind, seen + 1, seen) from None


def _reason_field(correction_id: str) -> str:
    # Bound to this correction: a sealed reason moved onto another row does not open.
    return f"correction:{correction_id}:reason"


def keep_correction(
    session: Session,
    keys: IdentifierKeys,
    person: Person,
    *,
    kind: str,
    record_id: str,
    reason: str,
    made_by: int,
    now: datetime,
    changed: list[str],
    before: Mapping[str, Any],
    earlier: Mapping[str, bytes | None] | None = None,
    correction_id: str | None = None,
) -> Correction:
    """Store one correction with the earlier values; the reason sealed under the person's key
    (an erased person has no key: the reason, which may name them, is then not kept)."""
    correction_id = claim_id(session, Correction, correction_id)
    reason_ct = None
    if person.data_key is not None:
        person_key = open_person_key(keys, person.id, person.data_key)
        reason_ct = person_key.seal(_reason_field(correction_id), reason.strip())
    correction = Correction(
        id=correction_id,
        person_id=person.id,
        kind=kind,
        record_id=record_id,
        made_by=made_by,
        made_at=now,
        reason_ct=reason_ct,
        changed=",".join(changed),
        before=json.dumps(dict(before), sort_keys=True, default=str),
        **{f"{name}_ct": (earlier or {}).get(name) for name in PERSON_IDENTIFIER_FIELDS},
    )
    session.add(correction)
    return correction


def _written(name: str, value: Any) -> Any:
    """A value as it will be stored: identifiers trimmed (empty: removed)."""
    if name in PERSON_IDENTIFIER_FIELDS and isinstance(value, str):
        return value.strip() or None
    return value


def person_correction_problems(change: PersonCorrection, today: date) -> dict[str, str | Problem]:
    """Every problem of a correction of a person at once, by field (the phone's coded, as when
    the person is registered)."""
    problems: dict[str, str | Problem] = {}
    for name, value in change.changes.items():
        value = _written(name, value)
        if name not in PERSON_FIELDS:
            problems[name] = f"not a field of a person; correct one of: {', '.join(PERSON_FIELDS)}"
        elif name == "sex" and value not in SEXES:
            problems[name] = f"{value!r} is not valid; use one of: {', '.join(SEXES)}"
        elif name == "birth_year" and (
            not isinstance(value, int) or not today.year - MAX_AGE <= value <= today.year
        ):
            problems[name] = (
                f"birth year {value!r} is not valid; use a year from "
                f"{today.year - MAX_AGE} to {today.year}"
            )
        elif name in IDENTIFIER_LIMITS and value is not None:
            if not isinstance(value, str):
                problems[name] = "write it as text"
            elif len(value) > IDENTIFIER_LIMITS[name]:
                problems[name] = f"longer than {IDENTIFIER_LIMITS[name]} characters"
            elif name == "phone" and (found := phone_problem(value)) is not None:
                problems[name] = found
    why = reason_problem(change.reason)
    if why is not None:
        problems["reason"] = why
    return problems


def correct_person(
    session: Session,
    keys: IdentifierKeys,
    person: Person,
    change: PersonCorrection,
    *,
    made_by: int,
    now: datetime,
    today: date,
) -> Correction:
    """Change some of a person's identifiers and demographics, keeping the earlier ones."""
    raise_problems(person_correction_problems(change, today))
    if person.erased_at is not None or person.data_key is None:
        raise TransitionRefused(
            "this person's identifiers were erased; their record cannot be corrected",
            field="person_id",
        )
    if change.version != person.version:
        raise stale("person", person.version, change.version)
    sealed = {name: getattr(person, f"{name}_ct") for name in PERSON_IDENTIFIER_FIELDS}
    shown = reveal_fields(keys, person.id, person.data_key, sealed)
    current: dict[str, Any] = {**shown, "sex": person.sex, "birth_year": person.birth_year}
    new = {name: _written(name, value) for name, value in change.changes.items()}
    changed = [name for name in PERSON_FIELDS if name in new and new[name] != current[name]]
    if not changed:
        raise InvalidInput(
            "nothing to correct: every value given is the one already recorded", field="form"
        )
    person_key = open_person_key(keys, person.id, person.data_key)
    if "national_id" in changed:
        hmac = national_id_pseudonym(keys, new["national_id"]) if new["national_id"] else None
        if hmac is not None and session.scalar(
            select(Person.id).where(Person.national_id_hmac == hmac, Person.id != person.id)
        ):
            raise Conflict(
                "another person is registered with this national ID", field="national_id"
            )
        person.national_id_hmac = hmac
    correction = keep_correction(
        session,
        keys,
        person,
        kind="person_edit",
        record_id=person.id,
        reason=change.reason,
        made_by=made_by,
        now=now,
        changed=changed,
        before={n: current[n] for n in changed if n in PERSON_DEMOGRAPHIC_FIELDS},
        earlier={n: sealed[n] for n in changed if n in PERSON_IDENTIFIER_FIELDS},
        correction_id=change.id,
    )
    for name in changed:
        if name in PERSON_IDENTIFIER_FIELDS:
            value = new[name]
            setattr(person, f"{name}_ct", person_key.seal(name, value) if value else None)
        else:
            setattr(person, name, new[name])
    flush_or_stale(session, "person", change.version)
    return correction


def corrections_of(session: Session, person_id: str) -> list[tuple[Correction, str]]:
    """A person's corrections, newest first, each with the username of who made it."""
    rows = session.execute(
        select(Correction, User.username)
        .join(User, User.id == Correction.made_by)
        .where(Correction.person_id == person_id)
        .order_by(Correction.made_at.desc(), Correction.id)
    ).all()
    return [(correction, username) for correction, username in rows]


def open_correction(
    keys: IdentifierKeys, person: Person, correction: Correction
) -> tuple[str | None, dict[str, str | None] | None]:
    """The reason and the earlier identifiers of a correction (None, None after erasure)."""
    if person.data_key is None:
        return None, None
    person_key = open_person_key(keys, person.id, person.data_key)
    reason = (
        person_key.open(_reason_field(correction.id), correction.reason_ct)
        if correction.reason_ct
        else None
    )
    earlier = None
    if correction.kind == "person_edit":
        changed = correction.changed.split(",")
        sealed = {
            name: getattr(correction, f"{name}_ct")
            for name in PERSON_IDENTIFIER_FIELDS
            if name in changed
        }
        earlier = reveal_fields(keys, person.id, person.data_key, sealed)
    return reason, earlier


def shred_corrections(session: Session, person_id: str) -> None:
    """Drop the sealed reasons and earlier identifiers of an erased person's corrections
    (their key is gone already; this leaves not even the ciphertexts)."""
    sealed = {f"{name}_ct": None for name in PERSON_IDENTIFIER_FIELDS}
    session.execute(
        update(Correction)
        .where(Correction.person_id == person_id)
        .values(reason_ct=None, **sealed)
        .execution_options(synchronize_session=False)
    )
