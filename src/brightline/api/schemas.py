"""API schemas (what goes over the wire), kept apart from the storage models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brightline import reasons
from brightline.api.bounds import (
    MAX_CODE_LENGTH,
    MAX_VA_LENGTH,
    ClientId,
    IcdCode,
    PlaceCode,
    RecordedDay,
    RecordedTime,
    RecordRef,
    UtcTime,
    VaText,
)
from brightline.records import (
    NO_IDENTIFIERS,
    AttendanceRecord,
    EmergencyGrant,
    FollowUpInput,
    FollowUpRecord,
    Identifiers,
    PersonInput,
    PersonRecord,
    ReferralRecord,
    ReviewInput,
    ReviewRecord,
    ScreeningRecord,
)
from brightline.timestamps import stored_time
from brightline.vocabulary import (
    Eye,
    FacilityKind,
    LensStatus,
    Recommendation,
    RegionLevel,
    Role,
    Sex,
    Symptom,
    Untestable,
    Urgency,
)


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a typo must not be silently dropped."""

    # Enum fields hold the plain stored string, as every layer below expects.
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class ErrorDetail(BaseModel):
    """One error: a stable code, a message a person can act on, the field at fault."""

    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class TokenPublic(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class MePublic(BaseModel):
    """The signed-in account."""

    username: str
    role: str
    scope: str


# -- places and accounts ------------------------------------------------------------------


class RegionCreate(Strict):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    level: RegionLevel
    parent: PlaceCode | None = Field(default=None, description="Code of the parent region.")


class RegionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # built from the stored record

    code: str
    name: str
    level: str
    path: str


class FacilityCreate(Strict):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: FacilityKind
    region: PlaceCode = Field(description="Code of the region the facility is in.")


class FacilityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # built from the stored record

    id: int
    code: str
    name: str
    kind: str


class UserCreate(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(
        min_length=1, max_length=200, description="12+ characters, not a common password"
    )
    role: Role
    scope: str = Field(
        max_length=MAX_CODE_LENGTH + 9, description="all, region:CODE or facility:CODE"
    )


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # built from the stored record

    id: int
    username: str
    role: str
    active: bool


# -- people -------------------------------------------------------------------------------


class PersonCreate(Strict):
    id: ClientId | None = None
    sex: Sex
    birth_year: int = Field(ge=1900, le=9999, description="Checked against today: age 0–120.")
    township: PlaceCode | None = Field(
        default=None, description="Region code of residence (default: the clinic's region)."
    )
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    national_id: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)

    def to_input(self) -> PersonInput:
        """The registration, to be placed at the caller's facility by the access layer."""
        return PersonInput(
            township=self.township,
            sex=self.sex,
            birth_year=self.birth_year,
            name=self.name,
            phone=self.phone,
            national_id=self.national_id,
            address=self.address,
            id=self.id,
        )


class PersonPublic(BaseModel):
    id: str
    sex: str
    birth_year: int
    facility_id: int
    name: str | None = None
    phone: str | None = None
    national_id: str | None = None
    address: str | None = None
    version: int | None = Field(default=None, description="Send it back to correct the person.")

    @classmethod
    def of(cls, person: PersonRecord, identifiers: Identifiers | None) -> PersonPublic:
        shown = identifiers or NO_IDENTIFIERS
        return cls(
            id=person.id,
            sex=person.sex,
            birth_year=person.birth_year,
            facility_id=person.facility_id,
            name=shown.name,
            phone=shown.phone,
            national_id=shown.national_id,
            address=shown.address,
            version=person.version,
        )


# -- screening and referral ---------------------------------------------------------------


class ScreeningCreate(Strict):
    id: ClientId | None = None
    person_id: RecordRef
    screened_at: RecordedTime | None = Field(default=None, description="Default: now.")
    right_presenting_va: VaText | None = Field(default=None, examples=["6/18"])
    left_presenting_va: VaText | None = Field(default=None, examples=["CF 1m"])
    right_pinhole_va: VaText | None = None
    left_pinhole_va: VaText | None = None
    right_lens: LensStatus | None = None
    left_lens: LensStatus | None = None
    right_untestable: Untestable | None = Field(
        default=None, description="Why the right eye's VA could not be tested (instead of a VA)."
    )
    left_untestable: Untestable | None = Field(
        default=None, description="Why the left eye's VA could not be tested (instead of a VA)."
    )
    symptoms: list[Symptom] = Field(default_factory=list, max_length=len(Symptom))


class CodedReason(BaseModel):
    code: str = Field(examples=["presenting_worse_than"], description="See docs/triage.md.")
    parameters: dict[str, str] = Field(examples=[{"eye": "right", "va": "CF", "limit": "6/12"}])
    text: str = Field(description="The reason in English, as in ``reasons``.")


class TriagePublic(BaseModel):
    decision: str
    reasons: list[str] = Field(description="Each reason as an English sentence.")
    coded_reasons: list[CodedReason] = Field(
        description="The same reasons as codes with parameters, for rendering in any language."
    )
    rule_version: str
    suspected_cataract: bool

    @classmethod
    def of(cls, value: Callable[[str], Any]) -> TriagePublic:
        """From the triage columns of a stored screening or of the row just written."""
        stored = reasons.from_stored(value("triage_reasons"))
        coded = [
            CodedReason(code=r.code, parameters=dict(r.parameters), text=reasons.render(r))
            for r in stored
        ]
        return cls(
            decision=value("triage_decision"),
            reasons=[r.text for r in coded],
            coded_reasons=coded,
            rule_version=value("triage_rule_version"),
            suspected_cataract=value("suspected_cataract"),
        )


class ReferralPublic(BaseModel):
    id: str
    code: str
    person_id: str
    kind: str
    priority: str
    status: str
    to_facility_id: int
    referred_at: UtcTime
    appointment_on: date | None = Field(
        default=None, description="The day the surgical centre gave the patient, if any."
    )

    @classmethod
    def of(cls, referral: ReferralRecord) -> ReferralPublic:
        return cls(
            id=referral.id,
            code=referral.code,
            person_id=referral.person_id,
            kind=referral.kind,
            priority=referral.priority,
            status=referral.status,
            to_facility_id=referral.to_facility_id,
            referred_at=referral.referred_at,
            appointment_on=referral.appointment_on,
        )


class EyePublic(BaseModel):
    presenting_va: str | None
    presenting_logmar: float | None
    pinhole_va: str | None
    pinhole_logmar: float | None
    lens: str | None
    untestable: str | None = None


class ScreeningPublic(BaseModel):
    id: str
    person_id: str
    facility_id: int
    screened_at: UtcTime
    right: EyePublic
    left: EyePublic
    symptoms: list[str]
    triage: TriagePublic
    referral: ReferralPublic | None = None
    access_pin: str | None = Field(
        default=None,
        description="The patient's PIN for their access report: returned once, when the "
        "screening refers the person; print it on the slip.",
    )
    voided_at: UtcTime | None = Field(default=None, description="Set once the screening is voided.")
    attached_referral_id: str | None = Field(
        default=None,
        description="The person already had an open referral: these findings joined it "
        "(its priority raised if they are more urgent) and no new referral or PIN was issued.",
    )

    @classmethod
    def of(cls, screening: ScreeningRecord, referral: ReferralRecord | None) -> ScreeningPublic:
        value = partial(getattr, screening)

        def eye(side: str) -> EyePublic:
            return EyePublic(
                presenting_va=value(f"{side}_presenting_va"),
                presenting_logmar=value(f"{side}_presenting_logmar"),
                pinhole_va=value(f"{side}_pinhole_va"),
                pinhole_logmar=value(f"{side}_pinhole_logmar"),
                lens=value(f"{side}_lens"),
                untestable=value(f"{side}_untestable"),
            )

        return cls(
            id=value("id"),
            person_id=value("person_id"),
            facility_id=value("facility_id"),
            screened_at=value("screened_at"),
            right=eye("right"),
            left=eye("left"),
            symptoms=[s for s in value("symptoms").split(",") if s],
            triage=TriagePublic.of(value),
            referral=ReferralPublic.of(referral) if referral is not None else None,
            voided_at=value("voided_at"),
            attached_referral_id=value("attached_referral_id"),
        )


class ExpectedPatient(BaseModel):
    referral: ReferralPublic
    name: str | None
    phone: str | None
    sex: str | None = None
    birth_year: int | None = None


class ReviewCreate(Strict):
    id: ClientId | None = None
    reviewed_at: RecordedTime | None = Field(default=None, description="Default: now.")
    recommendation: Recommendation
    urgency: Urgency = Urgency.ROUTINE
    surgery_eyes: list[Eye] = Field(default_factory=list, max_length=len(Eye))
    right_icd10: IcdCode | None = Field(default=None, examples=["H25.1"])
    right_icd11: IcdCode | None = Field(default=None, examples=["9B10.21"])
    left_icd10: IcdCode | None = None
    left_icd11: IcdCode | None = None
    notes: str | None = Field(default=None, max_length=2000)

    def to_input(self, referral_id: str, now: datetime) -> ReviewInput:
        return ReviewInput(
            referral_id=referral_id,
            reviewed_at=stored_time(self.reviewed_at, now),
            recommendation=self.recommendation,
            urgency=self.urgency,
            surgery_eyes=tuple(self.surgery_eyes),
            right_icd10=self.right_icd10,
            right_icd11=self.right_icd11,
            left_icd10=self.left_icd10,
            left_icd11=self.left_icd11,
            notes=self.notes,
            id=self.id,
        )


class ReviewPublic(BaseModel):
    id: str
    referral_id: str
    recommendation: str
    urgency: str
    surgery_eyes: list[str]
    right_icd10: str | None
    right_icd11: str | None
    left_icd10: str | None
    left_icd11: str | None
    reviewed_at: UtcTime
    notes: str | None = None
    version: int | None = Field(default=None, description="Send it back to amend the review.")

    @classmethod
    def of(cls, review: ReviewRecord) -> ReviewPublic:
        eyes = [
            e for e, on in (("right", review.surgery_right), ("left", review.surgery_left)) if on
        ]
        return cls(
            id=review.id,
            referral_id=review.referral_id,
            recommendation=review.recommendation,
            urgency=review.urgency,
            surgery_eyes=eyes,
            right_icd10=review.right_icd10,
            right_icd11=review.right_icd11,
            left_icd10=review.left_icd10,
            left_icd11=review.left_icd11,
            reviewed_at=review.reviewed_at,
            notes=review.notes,
            version=review.version,
        )


class AttendanceCreate(Strict):
    id: ClientId | None = None
    attended_at: RecordedTime | None = Field(default=None, description="Default: now.")


class AttendancePublic(BaseModel):
    id: str
    referral_id: str
    attended_at: UtcTime

    @classmethod
    def of(cls, attendance: AttendanceRecord) -> AttendancePublic:
        return cls(
            id=attendance.id,
            referral_id=attendance.referral_id,
            attended_at=attendance.attended_at,
        )


class FollowUpCreate(Strict):
    id: ClientId | None = None
    examined_on: RecordedDay
    presenting_va: str = Field(min_length=1, max_length=MAX_VA_LENGTH, examples=["6/12"])
    best_corrected_va: VaText | None = None

    def to_input(self, surgery_id: str) -> FollowUpInput:
        return FollowUpInput(
            surgery_id=surgery_id,
            examined_on=self.examined_on,
            presenting_va=self.presenting_va,
            best_corrected_va=self.best_corrected_va,
            id=self.id,
        )


class FollowUpPublic(BaseModel):
    id: str
    surgery_id: str
    examined_on: date
    days_after_surgery: int
    presenting_va: str
    best_corrected_va: str | None
    outcome_presenting: str
    outcome_best_corrected: str | None
    within_window: bool = Field(
        description="Examined within the programme's follow-up window (default 28 to 84 "
        "days after surgery); outside it the outcome is kept but counted apart."
    )

    @classmethod
    def of(cls, follow_up: FollowUpRecord) -> FollowUpPublic:
        return cls(
            id=follow_up.id,
            surgery_id=follow_up.surgery_id,
            examined_on=follow_up.examined_on,
            days_after_surgery=follow_up.days_after_surgery,
            presenting_va=follow_up.presenting_va,
            best_corrected_va=follow_up.best_corrected_va,
            outcome_presenting=follow_up.outcome_presenting,
            outcome_best_corrected=follow_up.outcome_best_corrected,
            within_window=follow_up.within_window,
        )


# -- emergency access ---------------------------------------------------------------------


class BreakGlassCreate(Strict):
    person_id: RecordRef
    # How much writing is enough is decided by access.reasons, for every script alike.
    reason: str = Field(min_length=1, max_length=1000)


class BreakGlassPublic(BaseModel):
    id: str
    person_id: str
    opened_at: UtcTime
    expires_at: UtcTime
    reviewed_at: UtcTime | None
    reason: str | None = None

    @classmethod
    def of(cls, grant: EmergencyGrant, *, with_reason: bool = False) -> BreakGlassPublic:
        return cls(
            id=grant.id,
            person_id=grant.person_id,
            opened_at=grant.opened_at,
            expires_at=grant.expires_at,
            reviewed_at=grant.reviewed_at,
            reason=grant.reason if with_reason else None,
        )


class BreakGlassReview(Strict):
    note: str = Field(default="", max_length=2000)


class AccessPinPublic(BaseModel):
    referral_code: str
    access_pin: str


class PatientAccessRequest(Strict):
    referral_code: str = Field(min_length=4, max_length=40, examples=["K7QD-2M9X-4HTA"])
    pin: str = Field(min_length=4, max_length=20)


class AccessLinePublic(BaseModel):
    """One access to the patient's record: when, why, by which role (never a name)."""

    date: date
    action: str
    purpose: str
    role: str
    outcome: str
    break_glass: bool
    index: int
    leaf_hash: str
    tree_size: int
    root: str
    proof: list[str]
    checkpointed: bool
