"""Regions (province → county → township) and facilities (clinics, surgical centres)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, NotFound, one_of
from brightline.store.models import FACILITY_KINDS, REGION_LEVELS, Facility, Region

PARENT_LEVEL = {"province": None, "county": "province", "township": "county"}


def add_region(
    session: Session, code: str, name: str, level: str, parent_code: str | None = None
) -> Region:
    """Add a region under its parent; a county needs a province, a township a county."""
    one_of("level", level, REGION_LEVELS)
    if session.scalar(select(Region).where(Region.code == code)) is not None:
        raise InvalidInput(f"region code {code!r} is already used", field="code")
    expected_parent = PARENT_LEVEL[level]
    parent: Region | None = None
    if expected_parent is not None:
        if parent_code is None:
            raise InvalidInput(f"a {level} needs a parent {expected_parent}", field="parent")
        parent = region_by_code(session, parent_code, field="parent")
        if parent.level != expected_parent:
            raise InvalidInput(
                f"the parent of a {level} must be a {expected_parent}, "
                f"not the {parent.level} {parent_code!r}",
                field="parent",
            )
    elif parent_code is not None:
        raise InvalidInput("a province has no parent region", field="parent")
    path = f"{parent.path}{code}/" if parent else f"/{code}/"
    region = Region(code=code, name=name, level=level, parent_id=parent and parent.id, path=path)
    session.add(region)
    session.flush()
    return region


def region_by_code(session: Session, code: str, *, field: str = "region") -> Region:
    """The region with ``code``, or an error naming the field."""
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound(f"no region with code {code!r}", field=field)
    return region


def add_facility(session: Session, code: str, name: str, kind: str, region_code: str) -> Facility:
    """Add a clinic or surgical centre located in a region."""
    one_of("kind", kind, FACILITY_KINDS)
    if session.scalar(select(Facility).where(Facility.code == code)) is not None:
        raise InvalidInput(f"facility code {code!r} is already used", field="code")
    region = region_by_code(session, region_code)
    facility = Facility(code=code, name=name, kind=kind, region_id=region.id)
    session.add(facility)
    session.flush()
    return facility


def facility_by_code(session: Session, code: str, *, field: str = "facility") -> Facility:
    """The facility with ``code``, or an error naming the field."""
    facility = session.scalar(select(Facility).where(Facility.code == code))
    if facility is None:
        raise NotFound(f"no facility with code {code!r}", field=field)
    return facility


def region_subtree_ids(session: Session, region: Region) -> list[int]:
    """Ids of ``region`` and every region below it."""
    return list(session.scalars(select(Region.id).where(Region.path.startswith(region.path))))


def serving_surgical_centre(session: Session, facility: Facility) -> Facility:
    """The surgical centre a clinic refers to: the nearest one up its region tree."""
    if facility.kind == "surgical_centre":
        return facility
    region = session.get(Region, facility.region_id)
    while region is not None:
        centre = session.scalar(
            select(Facility)
            .join(Region, Facility.region_id == Region.id)
            .where(Facility.kind == "surgical_centre", Region.path.startswith(region.path))
            .order_by(Facility.id)
            .limit(1)
        )
        if centre is not None:
            return centre
        region = session.get(Region, region.parent_id) if region.parent_id else None
    raise NotFound(
        f"no surgical centre serves facility {facility.code!r}; add one to its county or province",
        field="to_facility",
    )


def refer_to_centre(session: Session, clinic_id: int) -> int:
    """The id of the surgical centre a clinic's referrals go to."""
    clinic = session.get(Facility, clinic_id)
    if clinic is None:
        raise NotFound(f"no facility {clinic_id}", field="facility")
    return serving_surgical_centre(session, clinic).id


def region_codes(session: Session, level: str) -> list[str]:
    """The codes of every region of one level, in code order (a DHIS2 mapping's rows)."""
    return list(
        session.scalars(select(Region.code).where(Region.level == level).order_by(Region.code))
    )


def region_names_inside(session: Session, region: Region) -> dict[str, str]:
    """The name of ``region`` and of every region below it, by code (a report's rows)."""
    rows = session.execute(
        select(Region.code, Region.name).where(Region.path.startswith(region.path))
    )
    return {code: name for code, name in rows}
