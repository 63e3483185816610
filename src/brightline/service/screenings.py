"""Screenings: validate per-eye findings, triage them and open the referral the result asks for."""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from brightline.acuity import AcuityError, VisualAcuity, parse_va
from brightline.errors import InvalidInput, one_of
from brightline.pathway import referral_plan
from brightline.programme import Programme
from brightline.store.models import Referral, Screening, new_id
from brightline.triage import (
    LENS_STATUSES,
    SYMPTOMS,
    EyeFindings,
    TriageInput,
    TriageResult,
    triage,
)

# No I, L, O, U, 0 or 1: a code read aloud over a bad phone line must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12


@dataclass(frozen=True)
class ScreeningInput:
    """Findings of one screening as entered (VA in any accepted notation)."""

    person_id: str
    facility_id: int
    screened_at: datetime
    right_presenting_va: str | None = None
    left_presenting_va: str | None = None
    right_pinhole_va: str | None = None
    left_pinhole_va: str | None = None
    right_lens: str | None = None
    left_lens: str | None = None
    symptoms: Collection[str] = field(default_factory=tuple)
    screener_id: int | None = None
    id: str | None = None
    client_record_id: str | None = None


@dataclass(frozen=True)
class ScreeningRows:
    """The rows one screening writes, ready for a single or a bulk insert."""

    screening: dict[str, Any]
    referral: dict[str, Any] | None
    triage: TriageResult


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> VisualAcuity:
    return parse_va(text)


def parse_va_field(field_name: str, text: str | None) -> VisualAcuity | None:
    """Parse a VA entry; an error names the field (VA notations repeat, so parses are cached)."""
    if text is None or not text.strip():
        return None
    try:
        return _parse_cached(text)
    except AcuityError as exc:
        raise InvalidInput(str(exc), field=field_name) from exc


def referral_code() -> str:
    """A random 12-character referral code written XXXX-XXXX-XXXX (about 2**59 codes)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _lens(field_name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return one_of(field_name, value.strip().lower(), LENS_STATUSES)


def screening_rows(
    programme: Programme, screening: ScreeningInput, *, refer_to_facility_id: int
) -> ScreeningRows:
    """Validate and triage a screening; return its row and, if referred, the referral row."""
    vas = {
        name: parse_va_field(name, getattr(screening, name))
        for name in (
            "right_presenting_va",
            "left_presenting_va",
            "right_pinhole_va",
            "left_pinhole_va",
        )
    }
    lenses = {
        "right_lens": _lens("right_lens", screening.right_lens),
        "left_lens": _lens("left_lens", screening.left_lens),
    }
    symptoms = sorted({one_of("symptoms", s, SYMPTOMS) for s in screening.symptoms})
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
        programme.triage,
    )
    screening_id = screening.id or new_id()
    row: dict[str, Any] = {
        "id": screening_id,
        "person_id": screening.person_id,
        "facility_id": screening.facility_id,
        "screener_id": screening.screener_id,
        "screened_at": screening.screened_at,
        "symptoms": ",".join(symptoms),
        "triage_decision": result.decision,
        "triage_reasons": json.dumps(list(result.reasons), ensure_ascii=False),
        "triage_rule_version": result.rule_version,
        "suspected_cataract": result.suspected_cataract,
        "client_record_id": screening.client_record_id,
        **lenses,
    }
    for name, va in vas.items():
        row[name] = va.snellen_metric if va else None
        row[name.removesuffix("_va") + "_logmar"] = va.logmar if va else None
    plan = referral_plan(result.decision)
    referral = None
    if plan is not None:
        referral = {
            "id": new_id(),
            "screening_id": screening_id,
            "person_id": screening.person_id,
            "from_facility_id": screening.facility_id,
            "to_facility_id": refer_to_facility_id,
            "kind": plan.kind,
            "priority": plan.priority,
            "status": "open",
            "code": referral_code(),
            "referred_at": screening.screened_at,
        }
    return ScreeningRows(row, referral, result)


def record_screening(
    session: Session, programme: Programme, screening: ScreeningInput, *, refer_to_facility_id: int
) -> ScreeningRows:
    """Validate, triage and store one screening with its referral, in the caller's transaction."""
    rows = screening_rows(programme, screening, refer_to_facility_id=refer_to_facility_id)
    session.execute(insert(Screening), [rows.screening])
    if rows.referral is not None:
        session.execute(insert(Referral), [rows.referral])
    return rows
