"""Corrections as plain values: what a caller asks to correct, and the history it may see.

A correction never overwrites silently: it names the version it corrects, says why in words,
and leaves the earlier values in the record's history. Pure: no I/O, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from brightline.access.emergency_reason import (
    MIN_REASON_IDEOGRAPHS,
    MIN_REASON_LETTERS,
    reason_weight,
)
from brightline.problems import Problem, Problems

PERSON_IDENTIFIER_FIELDS = ("name", "phone", "national_id", "address")
PERSON_DEMOGRAPHIC_FIELDS = ("sex", "birth_year")
PERSON_FIELDS = PERSON_IDENTIFIER_FIELDS + PERSON_DEMOGRAPHIC_FIELDS
REVIEW_FIELDS = (
    "recommendation",
    "urgency",
    "surgery_eyes",
    "right_icd10",
    "right_icd11",
    "left_icd10",
    "left_icd11",
    "notes",
)
REASON_LIMIT = 1000


class InvalidInputs(Problems):
    """Several values that cannot be accepted, each with its field and a plain message: the
    same all-at-once error as the coded problems, so every shell shows them the same way."""

    def __init__(self, problems: Mapping[str, str | Problem]) -> None:
        super().__init__(
            found if isinstance(found, Problem) else Problem(name, "message", {"text": found})
            for name, found in problems.items()
        )


def raise_problems(problems: Mapping[str, str | Problem]) -> None:
    """Raise every problem at once, or nothing when there are none."""
    if problems:
        raise InvalidInputs(problems)


def reason_problem(reason: str | None) -> str | None:
    """What is wrong with a correction's reason, or None: it must be real words, like an
    emergency access's reason (letters in any script; spaces, digits, punctuation count nothing)."""
    if reason is None or reason_weight(reason) < MIN_REASON_LETTERS:
        return (
            f"write in words why this is corrected (at least {MIN_REASON_LETTERS} letters, "
            f"or {MIN_REASON_IDEOGRAPHS} Chinese characters); spaces, digits and punctuation "
            "do not count"
        )
    if len(reason) > REASON_LIMIT:
        return f"write at most {REASON_LIMIT} characters"
    return None


# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PersonCorrection:
    """New values for some of a person's fields, from the version the corrector saw.

    ``changes`` holds only the fields to change (``PERSON_FIELDS``); an identifier set to
    None is removed. ``id`` is the client's UUID for the change (offline sync).
    """

    person_id: str
    version: int
    reason: str
    changes: Mapping[str, Any]
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewAmendment:
    """New values for some of a review's fields (``REVIEW_FIELDS``), from the version seen."""

    review_id: str
    version: int
    reason: str
    changes: Mapping[str, Any]


# -- views ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectionRecord:
    """One correction as staff allowed to see the record see it in its history.

    ``before`` holds the earlier non-identifying values; ``earlier_identifiers`` the earlier
    name, phone, national ID or address, only for staff who may see identifiers (None
    otherwise, and after erasure). ``reason`` is None once the person was erased.
    """

    id: str
    person_id: str
    kind: str
    record_id: str
    made_at: datetime
    made_by: str
    changed: tuple[str, ...]
    reason: str | None
    before: Mapping[str, Any] = field(default_factory=dict)
    earlier_identifiers: Mapping[str, str | None] | None = None
