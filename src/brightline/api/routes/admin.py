"""Regions, facilities and staff accounts (admins only; no personal data here)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN
from brightline.api.schemas import (
    FacilityCreate,
    FacilityPublic,
    RegionCreate,
    RegionPublic,
    Strict,
    UserCreate,
    UserPublic,
)
from brightline.vocabulary import Role

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


class UserUpdate(Strict):
    role: Role
    scope: str = Field(description="all, region:CODE or facility:CODE")


class PasswordSet(Strict):
    password: str = Field(
        min_length=1, max_length=200, description="12+ characters, not a common password"
    )


@router.patch("/users/{username}", response_model=UserPublic)
def update_user(username: str, body: UserUpdate, caller: CallerDep) -> UserPublic:
    """Give an account a new role and scope (logged as ``account.update``)."""
    with caller.access() as access:
        return UserPublic.model_validate(access.change_account(username, body.role, body.scope))


@router.post("/users/{username}/disable", response_model=UserPublic)
def disable_user(username: str, caller: CallerDep) -> UserPublic:
    """Disable an account and revoke every live token of it at once."""
    with caller.access() as access:
        return UserPublic.model_validate(access.disable_account(username))


@router.post("/users/{username}/enable", response_model=UserPublic)
def enable_user(username: str, caller: CallerDep) -> UserPublic:
    """Let a disabled account sign in again (its old tokens stay revoked)."""
    with caller.access() as access:
        return UserPublic.model_validate(access.enable_account(username))


@router.post("/users/{username}/password", response_model=UserPublic)
def set_user_password(username: str, body: PasswordSet, caller: CallerDep) -> UserPublic:
    """Set an account's password (the policy applies; its live tokens are revoked)."""
    with caller.access() as access:
        return UserPublic.model_validate(access.reset_password(username, body.password))
