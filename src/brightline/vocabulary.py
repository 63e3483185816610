"""The words of the cataract pathway, each defined once: roles, eyes, lens status, outcomes …

Pure: the database CHECK constraints, the API schemas, the policy, the web forms, analytics
and the demo all import these, so a value cannot be allowed in one place and refused in
another. Values are the stored strings; ``StrEnum`` members compare equal to them.
"""

from __future__ import annotations

from enum import StrEnum


def values(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The stored values of a vocabulary, in declaration order (for CHECKs and messages)."""
    return tuple(member.value for member in vocabulary)


class Role(StrEnum):
    """Staff roles; each sees only what its work needs (docs/security.md)."""

    SCREENER = "screener"
    REVIEWER = "reviewer"
    SURGEON = "surgeon"
    MANAGER = "manager"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


class RegionLevel(StrEnum):
    """Administrative levels, from the widest down."""

    PROVINCE = "province"
    COUNTY = "county"
    TOWNSHIP = "township"


class FacilityKind(StrEnum):
    """A clinic screens; a surgical centre receives referrals and operates."""

    CLINIC = "clinic"
    SURGICAL_CENTRE = "surgical_centre"


class Sex(StrEnum):
    """Sex as recorded for age–sex standardisation (WHO, RAAB)."""

    FEMALE = "female"
    MALE = "male"


class Eye(StrEnum):
    """Laterality of an eye finding."""

    RIGHT = "right"
    LEFT = "left"


class LensStatus(StrEnum):
    """Lens status per eye as seen with a torch or ophthalmoscope (RAAB lens examination)."""

    CLEAR = "clear"
    OPACITY = "opacity"
    PSEUDOPHAKIA = "pseudophakia"
    APHAKIA = "aphakia"
    NOT_VISIBLE = "not_visible"


class Symptom(StrEnum):
    """Symptoms that make a referral urgent whatever the visual acuity."""

    SUDDEN_VISION_LOSS = "sudden_vision_loss"
    PAINFUL_RED_EYE = "painful_red_eye"
    TRAUMA = "trauma"


class TriageDecision(StrEnum):
    """Triage decisions in order of severity: a later one always outranks an earlier one."""

    NONE = "none"
    REFRACTION = "refraction"
    REVIEW = "review"
    URGENT_REVIEW = "urgent_review"


class ReferralKind(StrEnum):
    """What a referral asks for: glasses, or an online review (urgent or not)."""

    REFRACTION = "refraction"
    REVIEW = "review"
    URGENT_REVIEW = "urgent_review"


class Priority(StrEnum):
    """A referral's priority in queues."""

    ROUTINE = "routine"
    URGENT = "urgent"


class ReferralStatus(StrEnum):
    """Where a referral is on the pathway; open and reviewed referrals still wait for care."""

    OPEN = "open"
    REVIEWED = "reviewed"
    ATTENDED = "attended"
    CLOSED = "closed"


class Recommendation(StrEnum):
    """A reviewer's recommendation for a referred person."""

    SURGERY = "surgery"
    GLASSES = "glasses"
    OTHER_REFERRAL = "other_referral"
    NO_ACTION = "no_action"


class Urgency(StrEnum):
    """How soon the reviewer wants the person seen."""

    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class Technique(StrEnum):
    """Cataract surgery techniques: manual small-incision, phacoemulsification, extracapsular."""

    MSICS = "MSICS"
    PHACO = "phaco"
    ECCE = "ECCE"


class Outcome(StrEnum):
    """Surgical outcome per operated eye (WHO: good ≥ 6/18, borderline ≥ 6/60, poor < 6/60)."""

    GOOD = "good"
    BORDERLINE = "borderline"
    POOR = "poor"


class Purpose(StrEnum):
    """Purposes of use, one declared on every access to a person's record."""

    TREATMENT = "treatment"
    REVIEW = "review"
    FOLLOW_UP = "follow_up"
    QUALITY = "quality"
    EMERGENCY = "emergency"


OPEN_REFERRAL_STATUSES = (ReferralStatus.OPEN.value, ReferralStatus.REVIEWED.value)
"""Referrals still waiting for care: on worklists and centre lists, and may be reviewed."""

REVIEW_REFERRAL_KINDS = (ReferralKind.REVIEW.value, ReferralKind.URGENT_REVIEW.value)
"""Referrals that go to an online reviewer's queue."""


class CorrectionKind(StrEnum):
    """What a correction changed: nothing typed is overwritten without one of these."""

    PERSON_EDIT = "person_edit"
    SCREENING_VOID = "screening_void"
    ATTENDANCE_UNDO = "attendance_undo"
    REVIEW_AMEND = "review_amend"


SCREENING_VOIDED = "its screening was voided"
"""The close reason of a referral that no screening holds open any more: it leaves the figures."""


class SnapshotJobState(StrEnum):
    """Where a requested analytics snapshot is: waiting, being written, published or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
