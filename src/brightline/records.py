"""The pathway's records as plain values: what a caller asks to record, and what it may see.

The shells (API, web, CLI) speak to the access layer in these terms only, never in storage
rows: inputs go in, frozen views come out, built inside the transaction that checked the
policy and wrote the audit entry. Pure: no I/O, no database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from brightline.acuity import AcuityError, VisualAcuity, parse_va
from brightline.problems import Problem, Problems, problem
from brightline.theatre_records import NotOperatedRecord, Surgeon
from brightline.vocabulary import SnapshotJobState

T = TypeVar("T")

# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PersonInput:
    """What a screener enters to register a person (identifiers are plaintext here only).

    ``facility_id`` and ``region_id`` are filled in by the access layer from the caller's
    facility (and the township given) when a shell leaves them out.
    """

    sex: str
    birth_year: int
    facility_id: int | None = None
    region_id: int | None = None
    name: str | None = None
    phone: str | None = None
    national_id: str | None = None
    address: str | None = None
    id: str | None = None
    client_record_id: str | None = None
    township: str | None = None


@dataclass(frozen=True)
class Identifiers:
    """Decrypted direct identifiers of one person (only the access layer should build this)."""

    name: str | None
    phone: str | None
    national_id: str | None
    address: str | None


NO_IDENTIFIERS = Identifiers(None, None, None, None)


@dataclass(frozen=True, kw_only=True)
class ScreeningInput:
    """Findings of one screening as entered (VA in any accepted notation).

    Where and by whom (``facility_id``, ``screener_id``) come from the signed-in screener.
    """

    person_id: str
    screened_at: datetime
    right_presenting_va: str | None = None
    left_presenting_va: str | None = None
    right_pinhole_va: str | None = None
    left_pinhole_va: str | None = None
    right_lens: str | None = None
    left_lens: str | None = None
    right_untestable: str | None = None
    left_untestable: str | None = None
    symptoms: Collection[str] = field(default_factory=tuple)
    facility_id: int | None = None
    screener_id: int | None = None
    id: str | None = None
    client_record_id: str | None = None

    @classmethod
    def from_written(
        cls,
        person_id: str,
        screened_at: datetime,
        written: Mapping[str, str],
        symptoms: Collection[str],
        **who: Any,
    ) -> ScreeningInput:
        """From the per-eye entries as typed in a form or a file (empty: not measured)."""
        return cls(
            person_id=person_id,
            screened_at=screened_at,
            right_presenting_va=written.get("right_presenting_va") or None,
            left_presenting_va=written.get("left_presenting_va") or None,
            right_pinhole_va=written.get("right_pinhole_va") or None,
            left_pinhole_va=written.get("left_pinhole_va") or None,
            right_lens=written.get("right_lens") or None,
            left_lens=written.get("left_lens") or None,
            right_untestable=written.get("right_untestable") or None,
            left_untestable=written.get("left_untestable") or None,
            symptoms=symptoms,
            **who,
        )


@dataclass(frozen=True, kw_only=True)
class ReviewInput:
    """An ophthalmologist's findings for one referral (the reviewer is the signed-in one)."""

    referral_id: str
    reviewed_at: datetime
    recommendation: str
    urgency: str = "routine"
    surgery_eyes: Collection[str] = ()
    right_icd10: str | None = None
    right_icd11: str | None = None
    left_icd10: str | None = None
    left_icd11: str | None = None
    notes: str | None = None
    reviewer_id: int | None = None
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SurgeryInput:
    """One operation on one eye, recorded by the surgical centre that did it."""

    referral_id: str
    eye: str
    operated_on: date
    technique: str
    iol: bool
    facility_id: int | None = None
    # Complication codes (vocabulary.Complication); ``complication_note`` words an "other".
    complications: tuple[str, ...] = ()
    complication_note: str = ""
    iol_power: float | None = None
    iol_position: str | None = None
    anaesthesia: str | None = None
    # The operating surgeon (an account of the centre); None: the account recording it.
    surgeon_id: int | None = None
    recorded_by: int | None = None
    id: str | None = None


@dataclass(frozen=True, kw_only=True)
class FollowUpInput:
    """Visual acuity of an operated eye at a follow-up visit."""

    surgery_id: str
    examined_on: date
    presenting_va: str
    best_corrected_va: str | None = None
    recorded_by: int | None = None
    id: str | None = None


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
        # Only the start of what was typed is repeated: a form field can hold a megabyte.
        shown = text.strip() if len(text.strip()) <= 24 else text.strip()[:24] + "…"
        raise Problems([problem(field_name, exc.code, text=shown)]) from exc


def va_problems(entries: Mapping[str, str | None]) -> list[Problem]:
    """Every VA entry checked at once, so that each wrong one gets its message beside it."""
    found: list[Problem] = []
    for name, text in entries.items():
        try:
            parse_va_field(name, text)
        except Problems as exc:
            found.extend(exc.problems)
    return found


# -- views: stored records as a caller may see them -----------------------------------------

R = TypeVar("R")


def record_of(view: type[R], row: object) -> R:
    """A view built from a stored row (attributes) or a row as written (a mapping).

    A column a written row leaves out was stored as NULL, so it reads as None.
    """
    names = [f.name for f in fields(view)]  # type: ignore[arg-type]
    if isinstance(row, Mapping):
        return view(**{name: row.get(name) for name in names})
    return view(**{name: getattr(row, name) for name in names})


@dataclass(frozen=True)
class PersonRecord:
    """A person without their identifiers (those travel apart, as ``Identifiers``)."""

    id: str
    facility_id: int
    region_id: int
    sex: str
    birth_year: int
    created_at: datetime
    erased_at: datetime | None
    version: int | None = None


@dataclass(frozen=True)
class ScreeningRecord:
    """One screening visit: per-eye VA (as written and in logMAR), lens, symptoms, triage."""

    id: str
    person_id: str
    facility_id: int
    screener_id: int | None
    screened_at: datetime
    right_presenting_va: str | None
    right_presenting_logmar: float | None
    left_presenting_va: str | None
    left_presenting_logmar: float | None
    right_pinhole_va: str | None
    right_pinhole_logmar: float | None
    left_pinhole_va: str | None
    left_pinhole_logmar: float | None
    right_lens: str | None
    left_lens: str | None
    right_untestable: str | None
    left_untestable: str | None
    symptoms: str
    triage_decision: str
    triage_reasons: str
    triage_rule_version: str
    suspected_cataract: bool
    attached_referral_id: str | None = None
    voided_at: datetime | None = None


@dataclass(frozen=True)
class ReferralRecord:
    """A referral and where it is on the pathway (never its PIN hash)."""

    id: str
    screening_id: str
    person_id: str
    from_facility_id: int
    to_facility_id: int
    kind: str
    priority: str
    status: str
    code: str
    referred_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    appointment_on: date | None = None
    # Sent back to the screening clinic by a reviewer, and when the clinic's work brought it back.
    return_reason: str | None = None
    returned_at: datetime | None = None
    return_note: str | None = None
    resumed_at: datetime | None = None


@dataclass(frozen=True)
class ReviewRecord:
    """An online review: diagnosis per eye and the recommendation."""

    id: str
    referral_id: str
    person_id: str
    reviewer_id: int | None
    reviewed_at: datetime
    right_icd10: str | None
    right_icd11: str | None
    left_icd10: str | None
    left_icd11: str | None
    recommendation: str
    surgery_right: bool
    surgery_left: bool
    urgency: str
    notes: str | None
    version: int | None = None


@dataclass(frozen=True)
class AttendanceRecord:
    """The referred person reached the facility they were referred to."""

    id: str
    referral_id: str
    facility_id: int
    attended_at: datetime


@dataclass(frozen=True)
class SurgeryRecord:
    """A cataract operation on one eye."""

    id: str
    person_id: str
    referral_id: str
    eye: str
    operated_on: date
    technique: str
    iol: bool
    complication_codes: str
    complication_note: str
    facility_id: int
    surgeon_id: int | None
    iol_power: float | None = None
    iol_position: str | None = None
    anaesthesia: str | None = None

    @property
    def complications(self) -> tuple[str, ...]:
        """The coded intra-operative complications, in vocabulary order."""
        return tuple(code for code in self.complication_codes.split(",") if code)


@dataclass(frozen=True)
class FollowUpRecord:
    """Visual acuity of an operated eye after surgery, with both outcome categories."""

    id: str
    surgery_id: str
    examined_on: date
    days_after_surgery: int
    presenting_va: str
    presenting_logmar: float
    best_corrected_va: str | None
    best_corrected_logmar: float | None
    outcome_presenting: str
    outcome_best_corrected: str | None
    within_window: bool
    """Examined within the programme's follow-up window; outside it the outcome is kept and
    shown but counts only in the "all follow-ups" indicators."""


@dataclass(frozen=True)
class PhotoRecord:
    """An eye photo's metadata (its pixels are fetched one by one, through the policy)."""

    id: str
    screening_id: str
    eye: str | None
    width: int
    height: int
    uploaded_at: datetime


@dataclass(frozen=True)
class EmergencyGrant:
    """An emergency (break-glass) access: who, whose record, why, until when, reviewed?"""

    id: str
    user_id: int
    person_id: str
    reason: str
    opened_at: datetime
    expires_at: datetime
    reviewed_at: datetime | None
    reviewed_by: int | None
    review_note: str | None


@dataclass(frozen=True)
class RegionRecord:
    """A province, county or township."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str


@dataclass(frozen=True)
class FacilityRecord:
    """A clinic or surgical centre."""

    id: int
    code: str
    name: str
    kind: str
    region_id: int


@dataclass(frozen=True)
class AccountRecord:
    """A staff account as administrators see it (no password hash)."""

    id: int
    username: str
    role: str
    region_id: int | None
    facility_id: int | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class AccountEvent:
    """One account event as the privacy officer sees it: who did what to which account.

    The actor is shown by role and pseudonym prefix; the subject account by username
    (None for a failed sign-in whose username named no account).
    """

    position: int
    at: datetime
    action: str
    outcome: str
    actor_role: str
    actor: str
    account: str | None
    username: str | None
    reason: str | None


# -- composite views ------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with the size of the whole list."""

    items: list[T]
    total: int
    offset: int


@dataclass(frozen=True)
class PersonView:
    """A person's record as one caller may see it; identifiers only where allowed."""

    person: PersonRecord
    identifiers: Identifiers | None


@dataclass(frozen=True)
class ScreeningView:
    """A screening with the referral it opened, if any."""

    screening: ScreeningRecord
    referral: ReferralRecord | None


@dataclass(frozen=True)
class ReferralSlip:
    """What a referral slip shows: the code, who, where to go, and the PIN when just issued."""

    referral: ReferralRecord
    person: PersonView
    facility_name: str
    access_pin: str | None


@dataclass(frozen=True)
class RecordedScreening:
    """A screening just stored, its triage reasons and referral, and the slip's PIN (once).

    ``person`` and ``slip`` are filled only when asked for (the screener's result page):
    the same access that recorded the screening shows them, with no second audit entry.
    """

    screening: ScreeningRecord
    referral: ReferralRecord | None
    triage_reasons: tuple[Any, ...]
    access_pin: str | None
    person: PersonView | None = None
    slip: ReferralSlip | None = None
    attached: bool = False
    """The findings joined the person's open referral (no new referral, no new PIN)."""


@dataclass(frozen=True)
class WorklistLine:
    """A referred person who has not attended, with the name and phone to reach them."""

    referral: ReferralRecord
    person: PersonRecord
    days_waiting: int
    identifiers: Identifiers
    # The latest contact attempt (None: nobody has tried yet) and how many there were.
    last_outcome: str | None = None
    last_attempt_at: datetime | None = None
    attempts: int = 0


@dataclass(frozen=True)
class ExpectedPatient:
    """A person referred to the caller's centre who has not arrived yet."""

    referral: ReferralRecord
    identifiers: Identifiers


@dataclass(frozen=True)
class OperatedEye:
    """One operation and its follow-up visits, oldest first."""

    surgery: SurgeryRecord
    follow_ups: list[FollowUpRecord]


@dataclass(frozen=True)
class CentrePatient:
    """A referred patient as the surgical centre works with them: record and pathway so far."""

    referral: ReferralRecord
    person: PersonView
    screening: ScreeningRecord | None
    review: ReviewRecord | None
    attendance: AttendanceRecord | None
    operations: list[OperatedEye]
    # The photos of the screening shown, the eyes not operated, and the centre's surgeons.
    photos: list[PhotoRecord] = field(default_factory=list)
    not_operated: list[NotOperatedRecord] = field(default_factory=list)
    surgeons: list[Surgeon] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewCase:
    """A case as an online reviewer sees it: the referral, the person, VA history, photos."""

    referral: ReferralRecord
    person: PersonView
    screenings: list[ScreeningRecord]
    photos: dict[str, list[PhotoRecord]]
    # The referral's latest review, if any: its own author sees it to amend it.
    review: ReviewRecord | None = None


@dataclass(frozen=True)
class EmergencyToReview:
    """An emergency access waiting for the privacy officer, with who opened it."""

    grant: EmergencyGrant
    staff: str
    role: str
    record: str


@dataclass(frozen=True)
class SnapshotJobRecord:
    """A requested analytics snapshot: who asked (pseudonym), its state and progress."""

    id: int
    requested_by: str
    requested_at: datetime
    state: str
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    steps_done: int
    steps_total: int
    message: str | None

    @property
    def active(self) -> bool:
        """Queued or being written."""
        return self.state in (SnapshotJobState.QUEUED, SnapshotJobState.RUNNING)
