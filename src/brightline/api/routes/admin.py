"""Regions, facilities and staff accounts (admins only; no personal data here)."""

from __future__ import annotations

from fastapi import APIRouter

from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import (
    FacilityCreate,
    FacilityPublic,
    RegionCreate,
    RegionPublic,
    UserCreate,
    UserPublic,
)

router = APIRouter(tags=["administration"], responses=SIGNED_IN)


@router.post("/regions", response_model=RegionPublic, status_code=201)
def create_region(body: RegionCreate, caller: CallerDep) -> RegionPublic:
    """Add a province, county or township."""
    with caller.access() as access:
        region = access.add_region(body.code, body.name, body.level, body.parent)
        return RegionPublic.model_validate(region)


@router.get("/regions", response_model=list[RegionPublic])
def list_regions(caller: CallerDep) -> list[RegionPublic]:
    """Every region, in tree order."""
    with caller.access() as access:
        return [RegionPublic.model_validate(r) for r in access.regions()]


@router.post("/facilities", response_model=FacilityPublic, status_code=201)
def create_facility(body: FacilityCreate, caller: CallerDep) -> FacilityPublic:
    """Add a clinic or surgical centre."""
    with caller.access() as access:
        facility = access.add_facility(body.code, body.name, body.kind, body.region)
        return FacilityPublic.model_validate(facility)


@router.get("/facilities", response_model=list[FacilityPublic])
def list_facilities(caller: CallerDep) -> list[FacilityPublic]:
    """Every facility."""
    with caller.access() as access:
        return [FacilityPublic.model_validate(f) for f in access.facilities()]


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, caller: CallerDep) -> UserPublic:
    """Create a staff account."""
    with caller.access() as access:
        user = access.add_account(body.username, body.password, body.role, body.scope)
        return UserPublic.model_validate(user)


@router.get("/users", response_model=list[UserPublic])
def list_users(caller: CallerDep) -> list[UserPublic]:
    """Every staff account (no passwords, no pseudonyms)."""
    with caller.access() as access:
        return [UserPublic.model_validate(u) for u in access.accounts()]
