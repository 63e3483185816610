"""Regions, facilities and staff accounts (admins only; no personal data here)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from brightline.api.deps import CallerDep
from brightline.api.schemas import (
    FacilityCreate,
    FacilityPublic,
    RegionCreate,
    RegionPublic,
    UserCreate,
    UserPublic,
)
from brightline.service.accounts import add_user
from brightline.service.places import add_facility, add_region
from brightline.store.models import Facility, Region, User

router = APIRouter(tags=["administration"])


@router.post("/regions", response_model=RegionPublic, status_code=201)
def create_region(body: RegionCreate, caller: CallerDep) -> RegionPublic:
    """Add a province, county or township."""
    with caller.access() as access:
        access.require_general("admin.manage")
        region = add_region(access.session, body.code, body.name, body.level, body.parent)
        return RegionPublic.model_validate(region)


@router.get("/regions", response_model=list[RegionPublic])
def list_regions(caller: CallerDep) -> list[RegionPublic]:
    """Every region, in tree order."""
    with caller.access() as access:
        access.require_general("admin.manage")
        regions = access.session.scalars(select(Region).order_by(Region.path))
        return [RegionPublic.model_validate(r) for r in regions]


@router.post("/facilities", response_model=FacilityPublic, status_code=201)
def create_facility(body: FacilityCreate, caller: CallerDep) -> FacilityPublic:
    """Add a clinic or surgical centre."""
    with caller.access() as access:
        access.require_general("admin.manage")
        facility = add_facility(access.session, body.code, body.name, body.kind, body.region)
        return FacilityPublic.model_validate(facility)


@router.get("/facilities", response_model=list[FacilityPublic])
def list_facilities(caller: CallerDep) -> list[FacilityPublic]:
    """Every facility."""
    with caller.access() as access:
        access.require_general("admin.manage")
        rows = access.session.scalars(select(Facility).order_by(Facility.code))
        return [FacilityPublic.model_validate(f) for f in rows]


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, caller: CallerDep) -> UserPublic:
    """Create a staff account."""
    with caller.access() as access:
        access.require_general("admin.manage")
        user = add_user(
            access.session,
            body.username,
            body.password,
            body.role,
            body.scope,
            profile=access.site.settings.argon2_profile,
        )
        return UserPublic.model_validate(user)


@router.get("/users", response_model=list[UserPublic])
def list_users(caller: CallerDep) -> list[UserPublic]:
    """Every staff account (no passwords, no pseudonyms)."""
    with caller.access() as access:
        access.require_general("admin.manage")
        users = access.session.scalars(select(User).order_by(User.username))
        return [UserPublic.model_validate(u) for u in users]
