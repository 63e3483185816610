"""The one authorisation decision: role × scope × purpose of use × action, deny by default.

Every request that touches personal data is decided here and nowhere else. Screeners see the
people of their own facility, reviewers the cases in their queue, surgical-centre staff the
patients referred to their centre, managers only aggregates of their region, privacy officers
audit metadata, admins no clinical records. Actions are declared once, below, with whether
they concern one person's record (and so need a purpose of use).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from brightline.vocabulary import Purpose, Role, values

PURPOSES = values(Purpose)


@dataclass(frozen=True)
class Action:
    """Something a caller may ask to do, as the policy and the audit log name it."""

    name: str
    description: str
    on_record: bool = False  # about one person's record: needs a purpose and a record
    at_own_facility: bool = False  # only staff attached to a facility may do it


def _declare(*actions: Action) -> dict[str, Action]:
    return {action.name: action for action in actions}


ACTIONS: Mapping[str, Action] = _declare(
    Action("person.read", "read a person's record", on_record=True),
    Action("person.identifiers.read", "see a person's name, phone and IDs", on_record=True),
    Action("person.update", "change a person's record or slip", on_record=True),
    Action("screening.create", "record a screening", on_record=True, at_own_facility=True),
    Action("screening.read", "read a person's screenings", on_record=True),
    Action("photo.create", "attach an eye photo", on_record=True, at_own_facility=True),
    Action("photo.read", "look at an eye photo", on_record=True),
    Action("review.create", "record an online review", on_record=True),
    Action("attendance.create", "record arrival at a centre", on_record=True),
    Action("surgery.create", "record an operation", on_record=True, at_own_facility=True),
    Action("follow_up.create", "record follow-up visual acuity", on_record=True),
    Action("person.create", "register a person", at_own_facility=True),
    Action("person.search", "find people of one's own facility by name"),
    Action("worklist.read", "read the clinic's follow-up worklist", at_own_facility=True),
    Action("review_queue.read", "read the online review queue"),
    Action("centre_list.read", "read the centre's expected patients", at_own_facility=True),
    Action("aggregate.read", "read aggregate indicators of one's region"),
    Action("audit.read", "read audit metadata and verify the log"),
    Action("break_glass.open", "open one record in an emergency"),
    Action("break_glass.review", "review emergency accesses"),
    Action("person.erase", "erase a person's identifiers on request"),
    Action("admin.manage", "manage regions, facilities and accounts"),
    Action("records.import", "write records in bulk (CSV import)"),
    Action("account.create", "create a staff account"),
    Action("account.update", "change a staff account's role or scope"),
    Action("account.disable", "disable a staff account and revoke its tokens"),
    Action("account.enable", "enable a disabled staff account again"),
    Action("account.password", "set a staff account's password"),
    # Logged for every account, never asked of the policy: signing in is how one becomes
    # an actor at all, and anyone signed in may sign out.
    Action("account.sign_in", "sign in"),
    Action("account.sign_in_failed", "try to sign in and fail"),
    Action("account.sign_out", "sign out"),
    # Corrections: each keeps the earlier version, who, when and why.
    Action(
        "person.correct", "correct a person's identifiers or sex and birth year", on_record=True
    ),
    Action(
        "screening.void", "void a screening typed in error", on_record=True, at_own_facility=True
    ),
    Action(
        "attendance.undo", "undo an arrival recorded in error", on_record=True, at_own_facility=True
    ),
    Action("review.amend", "amend one's own online review", on_record=True),
    Action("correction.read", "read the corrections of a person's record", on_record=True),
    Action(
        "contact_attempt.create",
        "record an attempt to reach a person on the follow-up worklist",
        on_record=True,
        at_own_facility=True,
    ),
    # The three ways data may leave (docs/privacy.md): each proposed by one person and
    # decided by a privacy officer.
    Action("release.propose", "propose a differentially private release of one's region"),
    Action("release.read", "read proposed and published releases and the ε ledger"),
    Action("release.decide", "approve or refuse a release (it is computed on approval)"),
    Action("export.research.request", "file a researcher's request for de-identified data"),
    Action("export.research.produce", "write an approved de-identified research export"),
    Action("export.identified.request", "request a bulk export with identifiers"),
    Action("export.identified.produce", "write an approved identified export, encrypted"),
    Action("export.identified", "be included in an identified export (one entry a person)"),
    Action("export.read", "read export requests"),
    Action("export.decide", "approve or refuse an export request"),
    # A bulk read of pseudonymous records (FHIR Bulk Data): one entry per person exported.
    Action("records.export", "export pseudonymous records in bulk (FHIR)"),
    # The surgical centre's theatre list.
    Action(
        "appointment.set",
        "give or change a patient's appointment date",
        on_record=True,
        at_own_facility=True,
    ),
    Action(
        "not_operated.create",
        "record an eye not operated, and why",
        on_record=True,
        at_own_facility=True,
    ),
    Action(
        "centre_list.search", "find the centre's expected patients by name", at_own_facility=True
    ),
    # A case a reviewer cannot grade goes back to its clinic: photo retake, VA re-test.
    Action("review.return", "send a case back to its screening clinic", on_record=True),
    Action("snapshot.request", "take a new analytics snapshot now"),
    # The programme's operational settings (name, VA notation, days …), versioned.
    Action("programme.change", "change the programme's operational settings"),
)
# The actions of account events: what the privacy officer's list of account events shows.
ACCOUNT_ACTIONS = tuple(name for name in ACTIONS if name.startswith("account."))

# Which role may do which action on a record, and for which purposes.
PERSON_RULES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    Role.SCREENER: {
        "person.read": ("treatment", "follow_up"),
        "person.identifiers.read": ("treatment", "follow_up"),
        "person.update": ("treatment", "follow_up"),
        "screening.create": ("treatment",),
        "screening.read": ("treatment", "follow_up"),
        "photo.create": ("treatment",),
        "photo.read": ("treatment", "follow_up"),
        "person.correct": ("treatment",),
        "screening.void": ("treatment",),
        "correction.read": ("treatment", "follow_up"),
        "contact_attempt.create": ("follow_up",),
    },
    Role.REVIEWER: {
        "person.read": ("review", "quality"),
        "screening.read": ("review", "quality"),
        "photo.read": ("review", "quality"),
        "review.create": ("review",),
        "review.amend": ("review",),
        "correction.read": ("review", "quality"),
        "review.return": ("review",),
    },
    Role.SURGEON: {
        "person.read": ("treatment", "follow_up", "quality"),
        "person.identifiers.read": ("treatment", "follow_up"),
        "screening.read": ("treatment", "follow_up", "quality"),
        "photo.read": ("treatment", "follow_up"),
        "attendance.create": ("treatment",),
        "surgery.create": ("treatment",),
        "follow_up.create": ("follow_up", "treatment"),
        "attendance.undo": ("treatment",),
        "correction.read": ("treatment", "follow_up", "quality"),
        "appointment.set": ("treatment",),
        "not_operated.create": ("treatment",),
    },
}
# Emergency access opens reading, never writing, and only for the clinical roles.
BREAK_GLASS_ROLES = (Role.SCREENER, Role.REVIEWER, Role.SURGEON)
BREAK_GLASS_ACTIONS = ("person.read", "person.identifiers.read", "screening.read", "photo.read")
# Releases and exports (docs/privacy.md): the privacy officer decides, never the requester
# (the access layer and a CHECK constraint refuse self-approval).
GENERAL_RULES: Mapping[str, tuple[str, ...]] = {
    Role.SCREENER: ("person.create", "person.search", "worklist.read", "break_glass.open"),
    Role.REVIEWER: ("review_queue.read", "break_glass.open"),
    Role.SURGEON: ("centre_list.read", "break_glass.open", "centre_list.search"),
    Role.MANAGER: (
        "aggregate.read",
        "snapshot.request",
        "release.propose",
        "release.read",
        "export.research.request",
        "export.research.produce",
        "export.read",
    ),
    Role.PRIVACY_OFFICER: (
        "audit.read",
        "break_glass.review",
        "person.erase",
        "release.read",
        "release.decide",
        "export.read",
        "export.decide",
    ),
    Role.ADMIN: (
        "admin.manage",
        "records.import",
        "account.create",
        "account.update",
        "account.disable",
        "account.enable",
        "account.password",
        "export.identified.request",
        "export.identified.produce",
        "export.read",
        "records.export",
        "programme.change",
    ),
}


@dataclass(frozen=True)
class Actor:
    """A signed-in staff member as the policy sees them."""

    user_id: int
    role: str
    pseudonym: str
    region_path: str | None  # None: the whole programme
    facility_id: int | None


@dataclass(frozen=True)
class RecordContext:
    """Where one person's record belongs: the facilities that screened and received them."""

    screened_at: frozenset[int]
    referred_to: frozenset[int]
    awaiting_or_reviewed_at: frozenset[int]
    facility_paths: Mapping[int, str] = field(default_factory=dict)
    break_glass_open: bool = False


@dataclass(frozen=True)
class Decision:
    """The outcome of one policy check and why (the reason of a denial is logged)."""

    allowed: bool
    reason: str
    break_glass: bool = False


def _in_region(actor: Actor, facility_ids: frozenset[int], paths: Mapping[int, str]) -> bool:
    if actor.region_path is None:
        return bool(facility_ids)
    return any(paths.get(f, "").startswith(actor.region_path) for f in facility_ids)


def _in_scope(actor: Actor, record: RecordContext) -> bool:
    """The record is inside the actor's own caseload."""
    if actor.role == Role.SCREENER:
        return actor.facility_id in record.screened_at
    if actor.role == Role.SURGEON:
        return actor.facility_id in record.referred_to
    if actor.role == Role.REVIEWER:
        return _in_region(actor, record.awaiting_or_reviewed_at, record.facility_paths)
    return False


def decide(
    actor: Actor,
    action: Action | str,
    *,
    purpose: str | None = None,
    record: RecordContext | None = None,
) -> Decision:
    """Allow ``action`` only if a rule grants it; everything not granted is denied."""
    declared = ACTIONS.get(action) if isinstance(action, str) else action
    if declared is None:
        return Decision(False, f"unknown action {action!r}")
    if declared.at_own_facility and actor.facility_id is None:
        return Decision(False, f"only staff of a facility may {declared.description}")
    if not declared.on_record:
        if declared.name in GENERAL_RULES.get(actor.role, ()):
            return Decision(True, f"{actor.role} may {declared.name}")
        return Decision(False, f"{actor.role} may not {declared.name}")
    if purpose not in PURPOSES:
        return Decision(False, "a purpose of use is required")
    if record is None:
        return Decision(False, "no record")
    if purpose == Purpose.EMERGENCY:
        if (
            actor.role in BREAK_GLASS_ROLES
            and declared.name in BREAK_GLASS_ACTIONS
            and record.break_glass_open
        ):
            return Decision(True, "emergency access open", break_glass=True)
        return Decision(False, "no open emergency access for this record")
    allowed_purposes = PERSON_RULES.get(actor.role, {}).get(declared.name, ())
    if purpose not in allowed_purposes:
        return Decision(False, f"{actor.role} may not {declared.name} for {purpose}")
    if not _in_scope(actor, record):
        return Decision(False, "record outside the caller's scope")
    return Decision(True, f"{actor.role} may {declared.name} for {purpose}")
