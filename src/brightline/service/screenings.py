"""Screenings: validate per-eye findings, triage them and open the referral the result asks for."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from sqlalchemy import insert
from sqlalchemy.orm import Session

from brightline import reasons
from brightline.errors import one_of
from brightline.pathway import referral_plan
from brightline.programme import Programme
from brightline.records import ScreeningInput, parse_va_field
from brightline.service.claims import claim_id
from brightline.store.models import Referral, Screening, new_id
from brightline.triage import (
    LENS_STATUSES,
    SYMPTOMS,
    EyeFindings,
    TriageInput,
    TriageResult,
    TriageRules,
    triage,
)

# No I, L, O, U, 0 or 1: a code read aloud over a bad phone line must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12


@dataclass(frozen=True)
class ScreeningRows:
    """The rows one screening writes, ready for a single or a bulk insert."""

    screening: dict[str, Any]
    referral: dict[str, Any] | None
    triage: TriageResult


def referral_code() -> str:
    """A random 12-character referral code written XXXX-XXXX-XXXX (about 2**59 codes)."""
    # One uniform draw below 30**12, written in base 30: each character uniform, as with
    # twelve secrets.choice calls, at a tenth of the cost.
    number = secrets.randbelow(len(CODE_ALPHABET) ** CODE_LENGTH)
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return f"{''.join(chars[:4])}-{''.join(chars[4:8])}-{''.join(chars[8:])}"


def _lens(field_name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return one_of(field_name, value.strip().lower(), LENS_STATUSES)


_VA_FIELDS = ("right_presenting_va", "left_presenting_va", "right_pinhole_va", "left_pinhole_va")


@lru_cache(maxsize=8192)
def _assessed(
    rules: TriageRules,
    vas_written: tuple[str | None, ...],
    lenses_written: tuple[str | None, str | None],
    symptoms_written: tuple[str, ...],
) -> tuple[dict[str, Any], TriageResult]:
    """Validated findings and their triage, as the screening row's columns."""
    # Pure, so cached: a programme's screenings repeat the same few findings many times over.
    vas = {
        name: parse_va_field(name, text) for name, text in zip(_VA_FIELDS, vas_written, strict=True)
    }
    lenses = {
        "right_lens": _lens("right_lens", lenses_written[0]),
        "left_lens": _lens("left_lens", lenses_written[1]),
    }
    symptoms = sorted({one_of("symptoms", s, SYMPTOMS) for s in symptoms_written})
    result = triage(
        TriageInput(
            right=EyeFindings(
                vas["right_presenting_va"], vas["right_pinhole_va"], lenses["right_lens"]
            ),
            left=EyeFindings(
                vas["left_presenting_va"], vas["left_pinhole_va"], lenses["left_lens"]
            ),
            symptoms=frozenset(symptoms),
        ),
        rules,
    )
    columns: dict[str, Any] = {
        "symptoms": ",".join(symptoms),
        "triage_decision": result.decision,
        "triage_reasons": reasons.to_stored(result.reasons),
        "triage_rule_version": result.rule_version,
        "suspected_cataract": result.suspected_cataract,
        **lenses,
    }
    for name, va in vas.items():
        columns[name] = va.snellen_metric if va else None
        columns[name.removesuffix("_va") + "_logmar"] = va.logmar if va else None
    return columns, result


def screening_rows(
    programme: Programme,
    screening: ScreeningInput,
    *,
    refer_to_facility_id: int | Callable[[], int],
) -> ScreeningRows:
    """Validate and triage a screening; return its row and, if referred, the referral row.

    The destination may be given lazily: most screenings refer nobody, so a caller that
    must look the destination up only pays for it when the triage refers.
    """
    columns, result = _assessed(
        programme.triage,
        (
            screening.right_presenting_va,
            screening.left_presenting_va,
            screening.right_pinhole_va,
            screening.left_pinhole_va,
        ),
        (screening.right_lens, screening.left_lens),
        tuple(screening.symptoms),
    )
    screening_id = screening.id or new_id()
    row: dict[str, Any] = {
        "id": screening_id,
        "person_id": screening.person_id,
        "facility_id": screening.facility_id,
        "screener_id": screening.screener_id,
        "screened_at": screening.screened_at,
        "client_record_id": screening.client_record_id,
        **columns,
    }
    plan = referral_plan(result.decision)
    referral = None
    if plan is not None:
        referral = {
            "id": new_id(),
            "screening_id": screening_id,
            "person_id": screening.person_id,
            "from_facility_id": screening.facility_id,
            "to_facility_id": (
                refer_to_facility_id() if callable(refer_to_facility_id) else refer_to_facility_id
            ),
            "kind": plan.kind,
            "priority": plan.priority,
            "status": "open",
            "code": referral_code(),
            "referred_at": screening.screened_at,
        }
    return ScreeningRows(row, referral, result)


_INSERT_SCREENING: Final = insert(Screening)
_INSERT_REFERRAL: Final = insert(Referral)


def record_screening(
    session: Session,
    programme: Programme,
    screening: ScreeningInput,
    *,
    refer_to_facility_id: int | Callable[[], int],
) -> ScreeningRows:
    """Validate, triage and store one screening with its referral, in the caller's transaction."""
    if screening.id is not None:
        claim_id(session, Screening, screening.id)
    rows = screening_rows(programme, screening, refer_to_facility_id=refer_to_facility_id)
    # Core on the session's connection: the ORM's bulk-insert path adds nothing for one row.
    connection = session.connection()
    connection.execute(_INSERT_SCREENING, rows.screening)
    if rows.referral is not None:
        connection.execute(_INSERT_REFERRAL, rows.referral)
    return rows
