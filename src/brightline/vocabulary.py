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


class ContactOutcome(StrEnum):
    """What one attempt to reach a referred person found (the clinic's follow-up worklist)."""

    WILL_ATTEND = "will_attend"
    DECLINED = "declined"
    NOT_REACHABLE = "not_reachable"
    MOVED = "moved"
    DIED = "died"
    ATTENDED_ELSEWHERE = "attended_elsewhere"


class DeclineReason(StrEnum):
    """Why a reached person declines care, after RAAB's barriers to cataract surgery."""

    COST = "cost"
    FEAR = "fear"
    NO_ESCORT = "no_escort"
    DISTANCE = "distance"
    OTHER = "other"


CLOSING_CONTACT_OUTCOMES = (
    ContactOutcome.DECLINED.value,
    ContactOutcome.MOVED.value,
    ContactOutcome.DIED.value,
    ContactOutcome.ATTENDED_ELSEWHERE.value,
)
"""Contact outcomes that close the referral, with the outcome as its closing reason."""

NOT_ELIGIBLE_CONTACT_OUTCOMES = (
    ContactOutcome.MOVED.value,
    ContactOutcome.DIED.value,
    ContactOutcome.ATTENDED_ELSEWHERE.value,
)
"""Closing reasons that take a referral out of the eligible uptake denominator: the person
could no longer attend this programme's centre (declining is a drop-out and stays in)."""

NOT_TRIED = "not_tried"
"""The worklist filter for entries no one has tried to reach yet."""

WORKLIST_OUTCOMES = (
    NOT_TRIED,
    ContactOutcome.NOT_REACHABLE.value,
    ContactOutcome.WILL_ATTEND.value,
)
"""The latest outcomes an entry still on the worklist can have: the others close the referral."""


class ReleaseStatus(StrEnum):
    """Where a differentially private release stands: proposed, then published or refused."""

    PROPOSED = "proposed"
    PUBLISHED = "published"
    REFUSED = "refused"


class ExportKind(StrEnum):
    """The two ways person-level data may leave: de-identified for research, or identified."""

    RESEARCH = "research"
    IDENTIFIED = "identified"


class ExportStatus(StrEnum):
    """Where an export request stands: requested, approved or refused, then produced once."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    PRODUCED = "produced"


class Anaesthesia(StrEnum):
    """Anaesthesia for cataract surgery, as a theatre register records it."""

    TOPICAL = "topical"
    PERIBULBAR = "peribulbar"
    RETROBULBAR = "retrobulbar"
    GENERAL = "general"


class IolPosition(StrEnum):
    """Where the intraocular lens sits: in the capsular bag, the ciliary sulcus, or the AC."""

    BAG = "bag"
    SULCUS = "sulcus"
    ANTERIOR_CHAMBER = "anterior_chamber"


class Complication(StrEnum):
    """Intra-operative complications, coded so they are counted (posterior capsule rupture
    is the usual quality measure of cataract surgery audits); "other" carries words."""

    POSTERIOR_CAPSULE_RUPTURE = "posterior_capsule_rupture"
    VITREOUS_LOSS = "vitreous_loss"
    DROPPED_NUCLEUS = "dropped_nucleus"
    IRIS_DAMAGE = "iris_damage"
    OTHER = "other"


class NotOperatedReason(StrEnum):
    """Why a patient who came for the operation was not operated on that eye."""

    DECLINED = "declined"
    CONTRAINDICATION = "medical_contraindication"
    NOT_CATARACT = "not_cataract"
    OTHER = "other"


IOL_POWER_DIOPTRES = (-10.0, 40.0)
"""The IOL powers a record may hold, in dioptres: the span of manufactured posterior- and
anterior-chamber lenses (negative powers for high axial myopia)."""

IOL_POWER_STEP = 0.25
"""IOLs are made in 0.5 D steps (0.25 D in some ranges); a power is a multiple of 0.25 D."""


class ReturnReason(StrEnum):
    """Why a reviewer sends a case back to the screening clinic instead of diagnosing it.

    A photo the grader cannot read, or a VA that does not fit the lens, is a quality outcome
    of its own (as in teleophthalmology grading: "ungradable image"), not a diagnosis.
    """

    UNGRADABLE_PHOTO = "ungradable_photo"
    RETEST_VA = "retest_va"


class Untestable(StrEnum):
    """Why an eye's presenting VA could not be tested at screening (RAAB 7 "cannot be examined").

    An untestable eye is WHO category 9 (not measured): it never counts as the better eye.
    """

    COULD_NOT_COOPERATE = "could_not_cooperate"
    EYE_ABSENT = "eye_absent"
    NOT_ATTEMPTED = "not_attempted"


class SnapshotJobState(StrEnum):
    """Where a requested analytics snapshot is: waiting, being written, published or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
