"""The one authorisation decision: role × scope × purpose of use × action, deny by default.

Every request that touches personal data is decided here and nowhere else. The rules follow
DESIGN.md "Who uses it": screeners see the people of their own facility, reviewers the cases
in their queue, surgical-centre staff the patients referred to their centre, managers only
aggregates of their region, privacy officers audit metadata, admins no clinical records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PURPOSES = ("treatment", "review", "follow_up", "quality", "emergency")

# Actions on one person's record (need a purpose) and actions on everything else.
PERSON_ACTIONS = (
    "person.read",
    "person.identifiers.read",
    "person.update",
    "screening.create",
    "screening.read",
    "photo.create",
    "photo.read",
    "review.create",
    "attendance.create",
    "surgery.create",
    "follow_up.create",
)
GENERAL_ACTIONS = (
    "person.create",
    "person.search",
    "worklist.read",
    "review_queue.read",
    "centre_list.read",
    "aggregate.read",
    "audit.read",
    "break_glass.review",
    "person.erase",
    "admin.manage",
)

# Which role may do which action on a record, and for which purposes.
PERSON_RULES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "screener": {
        "person.read": ("treatment", "follow_up"),
        "person.identifiers.read": ("treatment", "follow_up"),
        "person.update": ("treatment", "follow_up"),
        "screening.create": ("treatment",),
        "screening.read": ("treatment", "follow_up"),
        "photo.create": ("treatment",),
        "photo.read": ("treatment", "follow_up"),
    },
    "reviewer": {
        "person.read": ("review", "quality"),
        "screening.read": ("review", "quality"),
        "photo.read": ("review", "quality"),
        "review.create": ("review",),
    },
    "surgeon": {
        "person.read": ("treatment", "follow_up", "quality"),
        "person.identifiers.read": ("treatment", "follow_up"),
        "screening.read": ("treatment", "follow_up", "quality"),
        "photo.read": ("treatment", "follow_up"),
        "attendance.create": ("treatment",),
        "surgery.create": ("treatment",),
        "follow_up.create": ("follow_up", "treatment"),
    },
}
# Emergency access opens reading, never writing, and only for the clinical roles.
BREAK_GLASS_ROLES = ("screener", "reviewer", "surgeon")
BREAK_GLASS_ACTIONS = ("person.read", "person.identifiers.read", "screening.read", "photo.read")
GENERAL_RULES: Mapping[str, tuple[str, ...]] = {
    "screener": ("person.create", "person.search", "worklist.read"),
    "reviewer": ("review_queue.read",),
    "surgeon": ("centre_list.read",),
    "manager": ("aggregate.read",),
    "privacy_officer": ("audit.read", "break_glass.review", "person.erase"),
    "admin": ("admin.manage",),
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
    """The outcome of one policy check and why."""

    allowed: bool
    reason: str
    break_glass: bool = False


def _in_region(actor: Actor, facility_ids: frozenset[int], paths: Mapping[int, str]) -> bool:
    if actor.region_path is None:
        return bool(facility_ids)
    return any(paths.get(f, "").startswith(actor.region_path) for f in facility_ids)


def _in_scope(actor: Actor, record: RecordContext) -> bool:
    """The record is inside the actor's own caseload."""
    if actor.role == "screener":
        return actor.facility_id in record.screened_at
    if actor.role == "surgeon":
        return actor.facility_id in record.referred_to
    if actor.role == "reviewer":
        return _in_region(actor, record.awaiting_or_reviewed_at, record.facility_paths)
    return False


def decide(
    actor: Actor, action: str, *, purpose: str | None = None, record: RecordContext | None = None
) -> Decision:
    """Allow ``action`` only if a rule grants it; everything not granted is denied."""
    if action in GENERAL_ACTIONS:
        if action in GENERAL_RULES.get(actor.role, ()):
            return Decision(True, f"{actor.role} may {action}")
        return Decision(False, f"{actor.role} may not {action}")
    if action not in PERSON_ACTIONS:
        return Decision(False, f"unknown action {action!r}")
    if purpose not in PURPOSES:
        return Decision(False, "a purpose of use is required")
    if record is None:
        return Decision(False, "no record")
    if purpose == "emergency":
        if (
            actor.role in BREAK_GLASS_ROLES
            and action in BREAK_GLASS_ACTIONS
            and record.break_glass_open
        ):
            return Decision(True, "emergency access open", break_glass=True)
        return Decision(False, "no open emergency access for this record")
    allowed_purposes = PERSON_RULES.get(actor.role, {}).get(action, ())
    if purpose not in allowed_purposes:
        return Decision(False, f"{actor.role} may not {action} for {purpose}")
    if not _in_scope(actor, record):
        return Decision(False, "record outside the caller's scope")
    return Decision(True, f"{actor.role} may {action} for {purpose}")
