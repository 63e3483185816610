"""Where a person's record belongs, as the policy needs to know it: one query per decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Integer,
    Select,
    String,
    bindparam,
    literal,
    null,
    select,
    union,
)
from sqlalchemy.orm import Session

from brightline.access.policy import RecordContext
from brightline.store.models import Facility, Person, Referral, Region, Screening
from brightline.store.security_models import BreakGlassGrant
from brightline.vocabulary import REVIEW_REFERRAL_KINDS


def _where_the_record_is() -> CompoundSelect[Any]:
    """(source, facility, referral kind, facility's region path) rows for one person: where
    they are registered, every facility that screened them, every facility they were
    referred to, and a row ``grant`` if this user holds an open break-glass grant.

    Built once with bound parameters (person_id, user_id, now): constructing the statement
    cost more than running it.
    """
    person_id = bindparam("person_id", type_=String)

    def located(source: str, facility: Any, kind: Any, table: Any, where: Any) -> Select[Any]:
        return (
            select(literal(source), facility, kind, Region.path)
            .select_from(table)
            .join(Facility, Facility.id == facility)
            .join(Region, Region.id == Facility.region_id)
            .where(where)
        )

    no_kind = null().label("kind")
    # UNION, not UNION ALL: a person screened forty times at one clinic is one row.
    return union(
        located("registered", Person.facility_id, no_kind, Person, Person.id == person_id),
        located(
            "screened", Screening.facility_id, no_kind, Screening, Screening.person_id == person_id
        ),
        located(
            "referred",
            Referral.to_facility_id,
            Referral.kind,
            Referral,
            Referral.person_id == person_id,
        ),
        select(literal("grant"), null(), null(), null()).where(
            BreakGlassGrant.user_id == bindparam("user_id", type_=Integer),
            BreakGlassGrant.person_id == person_id,
            BreakGlassGrant.expires_at > bindparam("now", type_=DateTime),
        ),
    )


_WHERE_THE_RECORD_IS: Final = _where_the_record_is()


def record_context(
    session: Session, person_id: str, *, user_id: int, now: datetime
) -> RecordContext | None:
    """Where the person's record belongs, read with one query (None: no such person)."""
    screened: set[int] = set()
    referred_to: set[int] = set()
    for_review: set[int] = set()
    paths: dict[int, str] = {}
    registered = grant = False
    parameters = {"person_id": person_id, "user_id": user_id, "now": now}
    for source, facility, kind, path in session.execute(_WHERE_THE_RECORD_IS, parameters):
        if source == "grant":
            grant = True
            continue
        paths[facility] = path
        if source == "referred":
            referred_to.add(facility)
            if kind in REVIEW_REFERRAL_KINDS:
                for_review.add(facility)
        else:
            registered = registered or source == "registered"
            screened.add(facility)
    if not registered:
        return None
    return RecordContext(
        frozenset(screened),
        frozenset(referred_to),
        frozenset(for_review),
        paths,
        break_glass_open=grant,
    )
