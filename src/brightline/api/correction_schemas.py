"""API schemas of corrections: what a correction sends, and a record's history as it is read."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from brightline.api.bounds import IcdCode, UtcTime
from brightline.api.schemas import Strict
from brightline.correction_records import (
    PERSON_FIELDS,
    REASON_LIMIT,
    REVIEW_FIELDS,
    CorrectionRecord,
    PersonCorrection,
    ReviewAmendment,
)
from brightline.vocabulary import Eye, Recommendation, Sex, Urgency

Reason = Field(
    max_length=REASON_LIMIT,
    description="Why, in words: at least 10 letters or 4 Chinese characters.",
    examples=["the name was misspelt at registration"],
)
Version = Field(
    ge=1,
    description="The version you corrected, as last read; another version answers 409.",
)


class PersonPatch(Strict):
    """Only the fields sent are changed; an identifier sent as null is removed."""

    version: int = Version
    reason: str = Reason
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    national_id: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    sex: Sex | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=9999)

    def to_input(self, person_id: str, correction_id: str | None = None) -> PersonCorrection:
        sent = self.model_fields_set
        changes = {name: getattr(self, name) for name in PERSON_FIELDS if name in sent}
        return PersonCorrection(
            person_id=person_id,
            version=self.version,
            reason=self.reason,
            changes=changes,
            id=correction_id,
        )


class VoidBody(Strict):
    reason: str = Reason


class UndoBody(Strict):
    reason: str = Reason


class ReviewPatch(Strict):
    """Only the fields sent are changed; the amended review is checked like a new one."""

    version: int = Version
    reason: str = Reason
    recommendation: Recommendation | None = None
    urgency: Urgency | None = None
    surgery_eyes: list[Eye] | None = Field(default=None, max_length=len(Eye))
    right_icd10: IcdCode | None = None
    right_icd11: IcdCode | None = None
    left_icd10: IcdCode | None = None
    left_icd11: IcdCode | None = None
    notes: str | None = Field(default=None, max_length=2000)

    def to_input(self, review_id: str) -> ReviewAmendment:
        sent = self.model_fields_set
        changes = {name: getattr(self, name) for name in REVIEW_FIELDS if name in sent}
        return ReviewAmendment(
            review_id=review_id, version=self.version, reason=self.reason, changes=changes
        )


class CorrectionPublic(BaseModel):
    id: str
    kind: str = Field(description="person_edit, screening_void, attendance_undo, review_amend.")
    record_id: str = Field(description="The person, screening, attendance or review corrected.")
    made_at: UtcTime
    made_by: str = Field(description="The username of who made the correction.")
    changed: list[str] = Field(description="The fields changed.")
    reason: str | None = Field(description="Why; null after the person was erased.")
    before: dict[str, Any] = Field(description="The earlier values that are not identifiers.")
    earlier_identifiers: dict[str, str | None] | None = Field(
        description="The earlier name, phone, national ID or address; only for roles that "
        "see identifiers, null after erasure."
    )

    @classmethod
    def of(cls, correction: CorrectionRecord) -> CorrectionPublic:
        earlier = correction.earlier_identifiers
        return cls(
            id=correction.id,
            kind=correction.kind,
            record_id=correction.record_id,
            made_at=correction.made_at,
            made_by=correction.made_by,
            changed=list(correction.changed),
            reason=correction.reason,
            before=dict(correction.before),
            earlier_identifiers=dict(earlier) if earlier is not None else None,
        )
