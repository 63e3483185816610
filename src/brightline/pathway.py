"""The rules of the referral pathway: which step may follow which, as pure functions.

screening → triage → referral → online review → attendance → surgery (per eye) → follow-up.
Each check raises :class:`TransitionRefused` with a message a health worker can act on;
nothing here reads or writes storage, so the same rules serve the CLI, API, sync and import.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from brightline.errors import InvalidInput, TransitionRefused, one_of
from brightline.problems import day_problem, order_problem, raise_if_any
from brightline.vocabulary import (
    OPEN_REFERRAL_STATUSES,
    Eye,
    Recommendation,
    Technique,
    Urgency,
    values,
)

EYES = values(Eye)
RECOMMENDATIONS = values(Recommendation)
TECHNIQUES = values(Technique)
URGENCIES = values(Urgency)
OPEN_STATUSES = OPEN_REFERRAL_STATUSES


@dataclass(frozen=True)
class ReferralPlan:
    """What a triage decision asks for: the kind of referral and its priority."""

    kind: str
    priority: str


def referral_plan(triage_decision: str) -> ReferralPlan | None:
    """The referral a triage decision creates (none for ``none``), as docs/pathway.md describes."""
    plans = {
        "refraction": ReferralPlan("refraction", "routine"),
        "review": ReferralPlan("review", "routine"),
        "urgent_review": ReferralPlan("urgent_review", "urgent"),
    }
    if triage_decision == "none":
        return None
    if triage_decision not in plans:
        raise InvalidInput(f"unknown triage decision {triage_decision!r}", field="triage_decision")
    return plans[triage_decision]


@dataclass(frozen=True)
class ReviewDecision:
    """A validated review outcome: recommendation, eyes to operate, urgency."""

    recommendation: str
    surgery_eyes: frozenset[str]
    urgency: str


def check_review(
    referral_status: str, recommendation: str, surgery_eyes: Collection[str], urgency: str
) -> ReviewDecision:
    """A review is possible on any referral not closed; surgery must name the eye(s)."""
    one_of("recommendation", recommendation, RECOMMENDATIONS)
    one_of("urgency", urgency, URGENCIES)
    eyes = frozenset(surgery_eyes)
    for eye in eyes:
        one_of("surgery_eyes", eye, EYES)
    if referral_status == "closed":
        raise TransitionRefused(
            "this referral is closed; open a new screening to refer the person again",
            field="referral_id",
        )
    if recommendation == "surgery" and not eyes:
        raise InvalidInput(
            "a surgery recommendation must name the eye(s) to operate: right, left or both",
            field="surgery_eyes",
        )
    if recommendation != "surgery" and eyes:
        raise InvalidInput(
            f"eyes to operate were given but the recommendation is {recommendation!r}; "
            "use recommendation 'surgery' or leave the eyes empty",
            field="surgery_eyes",
        )
    return ReviewDecision(recommendation, eyes, urgency)


def status_after_review(current_status: str, recommendation: str) -> tuple[str, str | None]:
    """Referral status (and close reason) after a review; 'no action' ends the referral."""
    if recommendation == "no_action":
        return "closed", "no action recommended at review"
    return ("attended" if current_status == "attended" else "reviewed"), None


def check_attendance(
    referral_status: str, attended_at: datetime, referred_at: datetime, today: date | None = None
) -> None:
    """A person can attend an open referral once, not before they were referred, on a day from
    1900 to tomorrow (coded problems ``date_before`` / ``date_range``)."""
    if referral_status == "attended":
        raise TransitionRefused(
            "attendance is already recorded for this referral", field="referral_id"
        )
    if referral_status == "closed":
        raise TransitionRefused(
            "this referral is closed; attendance cannot be recorded", field="referral_id"
        )
    raise_if_any(
        found
        for found in (
            day_problem("attended_at", attended_at.date(), today) if today else None,
            order_problem("attended_at", attended_at, "referral", referred_at),
        )
        if found
    )


def check_surgery(
    *,
    eye: str,
    technique: str,
    operated_on: date,
    referral_status: str,
    attended_on: date | None,
    recommended_eyes: frozenset[str] | None,
    operated_eyes: Collection[str],
    today: date,
) -> None:
    """Surgery needs attendance and a review recommending surgery on this eye, not yet operated.

    A second-eye operation is allowed (each eye needs its own recommendation); operating the
    same eye twice is refused here — a re-operation is recorded as a complication.
    """
    one_of("eye", eye, EYES)
    one_of("technique", technique, TECHNIQUES)
    if recommended_eyes is None:
        raise TransitionRefused(
            "no review of this referral recommends surgery; record a review first",
            field="referral_id",
        )
    if eye not in recommended_eyes:
        raise TransitionRefused(
            f"the review recommends surgery on the {' and '.join(sorted(recommended_eyes))} "
            f"eye, not the {eye} eye",
            field="eye",
        )
    if referral_status != "attended" or attended_on is None:
        raise TransitionRefused(
            "record the person's attendance at the surgical centre before the surgery",
            field="referral_id",
        )
    if eye in operated_eyes:
        raise TransitionRefused(f"the {eye} eye is already recorded as operated", field="eye")
    raise_if_any(
        found
        for found in (
            day_problem("operated_on", operated_on, today),
            order_problem("operated_on", operated_on, "attendance", attended_on),
        )
        if found
    )


def check_follow_up(operated_on: date, examined_on: date, today: date) -> int:
    """A follow-up must be on or after the day of surgery, from 1900 to tomorrow; returns the
    days after surgery."""
    raise_if_any(
        found
        for found in (
            day_problem("examined_on", examined_on, today),
            order_problem("examined_on", examined_on, "surgery", operated_on),
        )
        if found
    )
    return (examined_on - operated_on).days
