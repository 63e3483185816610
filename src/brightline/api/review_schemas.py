"""Shapes of the review-queue rows and of sending a case back to its clinic."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from brightline.api.bounds import UtcTime
from brightline.api.schemas import ReferralPublic, Strict
from brightline.records import ReferralRecord
from brightline.review_records import EyeSummary, QueueLine, ReturnedCase

ReturnReasonText = Literal["ungradable_photo", "retest_va"]


class EyeSummaryPublic(BaseModel):
    presenting_va: str | None = Field(description="Metric Snellen as stored; null: not measured.")
    who_category: int = Field(description="WHO / ICD-10 H54 category 0-5; 9: not measured.")

    @classmethod
    def of(cls, eye: EyeSummary) -> EyeSummaryPublic:
        return cls(presenting_va=eye.va, who_category=eye.category)


class ReturnPublic(BaseModel):
    reason: ReturnReasonText
    note: str | None
    returned_at: UtcTime
    resumed_at: UtcTime | None = Field(description="When the clinic's work brought it back.")

    @classmethod
    def of(cls, referral: ReferralRecord) -> ReturnPublic | None:
        if referral.returned_at is None or referral.return_reason is None:
            return None
        return cls(
            reason=referral.return_reason,
            note=referral.return_note,
            returned_at=referral.returned_at,
            resumed_at=referral.resumed_at,
        )


class QueueCasePublic(BaseModel):
    referral: ReferralPublic
    sex: str
    age: int
    better_eye: EyeSummaryPublic
    worse_eye: EyeSummaryPublic
    clinic: str
    county: str | None
    days_waiting: int
    photo_count: int
    urgent: bool
    sent_back: ReturnPublic | None = Field(description="Set when it came back from its clinic.")

    @classmethod
    def of(cls, line: QueueLine) -> QueueCasePublic:
        return cls(
            referral=ReferralPublic.of(line.referral),
            sex=line.sex,
            age=line.age,
            better_eye=EyeSummaryPublic.of(line.better),
            worse_eye=EyeSummaryPublic.of(line.worse),
            clinic=line.clinic,
            county=line.county,
            days_waiting=line.days_waiting,
            photo_count=line.photo_count,
            urgent=line.urgent,
            sent_back=ReturnPublic.of(line.referral),
        )


class ReturnCreate(Strict):
    reason: ReturnReasonText
    note: Annotated[str, Field(max_length=500)] | None = None


class ReturnedReferralPublic(BaseModel):
    referral: ReferralPublic
    sent_back: ReturnPublic | None

    @classmethod
    def of(cls, referral: ReferralRecord) -> ReturnedReferralPublic:
        return cls(referral=ReferralPublic.of(referral), sent_back=ReturnPublic.of(referral))


class ReturnedCasePublic(BaseModel):
    referral: ReferralPublic
    sent_back: ReturnPublic | None
    person_id: str
    name: str | None
    phone: str | None

    @classmethod
    def of(cls, case: ReturnedCase) -> ReturnedCasePublic:
        return cls(
            referral=ReferralPublic.of(case.referral),
            sent_back=ReturnPublic.of(case.referral),
            person_id=case.person.id,
            name=case.name,
            phone=case.phone,
        )
