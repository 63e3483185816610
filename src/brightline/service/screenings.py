"""Screenings: validate per-eye findings, triage them and open the referral the result asks for."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Final, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from brightline import reasons
from brightline.errors import InvalidInput, one_of
from brightline.pathway import referral_plan
from brightline.problems import (
    Problem,
    Problems,
    day_problem,
    problem,
    problems_of,
    raise_if_any,
)
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
from brightline.vocabulary import (
    OPEN_REFERRAL_STATUSES,
    Priority,
    ReferralKind,
    ReferralStatus,
    Untestable,
    values,
)

T = TypeVar("T")

# No I, L, O, U, 0 or 1: a code read aloud over a bad phone line must not be ambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 12


@dataclass(frozen=True)
class ScreeningRows:
    """The rows one screening writes, ready for a single or a bulk insert."""

    screening: dict[str, Any]
    referral: dict[str, Any] | None
    triage: TriageResult
    attached_to: Referral | None = None


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
UNTESTABLE = values(Untestable)


def _checked(found: list[Problem], check: Callable[[], T], default: T) -> T:
    """Run one field's check, keeping its problem so every field is checked before refusing."""
    try:
        return check()
    except Problems as exc:
        found.extend(exc.problems)
    except InvalidInput as exc:
        found.extend(problems_of(exc))
    return default


def _eye_problems(eye: str, presenting: str | None, untestable: str | None) -> list[Problem]:
    """Each eye is measured or marked not testable with a reason (RAAB 7), never neither."""
    if untestable is not None and untestable not in UNTESTABLE:
        return [problem(f"{eye}_untestable", "untestable_reason")]
    if presenting is None and untestable is None:
        return [problem(f"{eye}_presenting_va", "va_or_untestable")]
    if presenting is not None and untestable is not None:
        return [problem(f"{eye}_untestable", "va_and_untestable")]
    return []


@lru_cache(maxsize=8192)
def _assessed(
    rules: TriageRules,
    vas_written: tuple[str | None, ...],
    lenses_written: tuple[str | None, str | None],
    untestable_written: tuple[str | None, str | None],
    symptoms_written: tuple[str, ...],
) -> tuple[dict[str, Any], TriageResult]:
    """Validated findings and their triage, as the screening row's columns.

    Every field is checked before anything is refused, so one answer names every problem.
    """
    # Pure, so cached: a programme's screenings repeat the same few findings many times over.
    found: list[Problem] = []
    written = dict(zip(_VA_FIELDS, vas_written, strict=True))
    vas = {
        name: _checked(found, lambda n=name, t=text: parse_va_field(n, t), None)  # type: ignore[misc]
        for name, text in written.items()
    }
    untestable = {"right": untestable_written[0], "left": untestable_written[1]}
    for eye, reason_given in untestable.items():
        typed = written[f"{eye}_presenting_va"]
        found.extend(_eye_problems(eye, typed if typed and typed.strip() else None, reason_given))
    lenses = {
        "right_lens": _checked(found, lambda: _lens("right_lens", lenses_written[0]), None),
        "left_lens": _checked(found, lambda: _lens("left_lens", lenses_written[1]), None),
    }
    symptoms = sorted(
        {_checked(found, lambda s=s: one_of("symptoms", s, SYMPTOMS), "") for s in symptoms_written}  # type: ignore[misc]
        - {""}
    )
    raise_if_any(found)
    result = triage(
        TriageInput(
            right=EyeFindings(
                vas["right_presenting_va"],
                vas["right_pinhole_va"],
                lenses["right_lens"],
                untestable["right"],
            ),
            left=EyeFindings(
                vas["left_presenting_va"],
                vas["left_pinhole_va"],
                lenses["left_lens"],
                untestable["left"],
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
        "right_untestable": untestable["right"],
        "left_untestable": untestable["left"],
        **lenses,
    }
    for name, va in vas.items():
        columns[name] = va.snellen_metric if va else None
        columns[name.removesuffix("_va") + "_logmar"] = va.logmar if va else None
    return columns, result


def _reason_of(text: str | None) -> str | None:
    """An untestable reason as typed: trimmed, lower case, None when empty."""
    return text.strip().lower() or None if text is not None else None


def screening_rows(
    programme: Programme,
    screening: ScreeningInput,
    *,
    refer_to_facility_id: int | Callable[[], int],
    today: date | None = None,
) -> ScreeningRows:
    """Validate and triage a screening; return its row and, if referred, the referral row.

    ``today`` bounds the screening's date (1900 to tomorrow); callers that date screenings
    themselves (the demo's synthetic past) leave it out.

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
        (_reason_of(screening.right_untestable), _reason_of(screening.left_untestable)),
        tuple(screening.symptoms),
    )
    if today is not None:
        raise_if_any(
            p for p in [day_problem("screened_at", screening.screened_at.date(), today)] if p
        )
    screening_id = screening.id or new_id()
    row: dict[str, Any] = {
        "id": screening_id,
        "person_id": screening.person_id,
        "facility_id": screening.facility_id,
        "screener_id": screening.screener_id,
        "screened_at": screening.screened_at,
        "client_record_id": screening.client_record_id,
        "attached_referral_id": None,
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
_KIND_RANK: Final = {kind: rank for rank, kind in enumerate(values(ReferralKind))}
_STILL_OPEN: Final = (*OPEN_REFERRAL_STATUSES, ReferralStatus.ATTENDED.value)


def open_referral_of(session: Session, person_id: str) -> Referral | None:
    """The person's referral still waiting for care or at the centre (newest), if any."""
    return session.scalar(
        select(Referral)
        .where(Referral.person_id == person_id, Referral.status.in_(_STILL_OPEN))
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(1)
    )


def _attach(rows: ScreeningRows, referral: Referral) -> ScreeningRows:
    """New findings join the open referral: one person, one referral; more urgent raises it."""
    wanted = rows.referral
    assert wanted is not None
    if wanted["priority"] == Priority.URGENT and referral.priority != Priority.URGENT:
        referral.priority = Priority.URGENT.value
    if referral.status == "open" and _KIND_RANK[wanted["kind"]] > _KIND_RANK[referral.kind]:
        # Glasses first, then review: a referral not yet acted on takes the stronger kind.
        referral.kind = wanted["kind"]
    screening = {**rows.screening, "attached_referral_id": referral.id}
    return ScreeningRows(screening, None, rows.triage, attached_to=referral)


def record_screening(
    session: Session,
    programme: Programme,
    screening: ScreeningInput,
    *,
    refer_to_facility_id: int | Callable[[], int],
    today: date | None = None,
) -> ScreeningRows:
    """Validate, triage and store one screening with its referral, in the caller's transaction.

    A person who already has an open referral keeps that one: the new screening is attached
    to it (``attached_to``) instead of opening a second.
    """
    if screening.id is not None:
        claim_id(session, Screening, screening.id)
    rows = screening_rows(
        programme, screening, refer_to_facility_id=refer_to_facility_id, today=today
    )
    if rows.referral is not None:
        already = open_referral_of(session, screening.person_id)
        if already is not None:
            rows = _attach(rows, already)
    # Core on the session's connection: the ORM's bulk-insert path adds nothing for one row.
    connection = session.connection()
    connection.execute(_INSERT_SCREENING, rows.screening)
    if rows.referral is not None:
        connection.execute(_INSERT_REFERRAL, rows.referral)
    session.flush()
    return rows
