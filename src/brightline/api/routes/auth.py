"""Sign-in and sign-out (OAuth2 password flow with bearer tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from brightline.access.signin import sign_in_logged, sign_out
from brightline.api.deps import CallerDep, SiteDep, client_address
from brightline.api.openapi_errors import SIGNED_IN, THROTTLED
from brightline.api.schemas import MePublic, TokenPublic
from brightline.errors import Unauthenticated

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=THROTTLED)


@router.post("/token", response_model=TokenPublic)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], site: SiteDep, request: Request
) -> TokenPublic:
    """Exchange username and password for a bearer token."""
    issued = sign_in_logged(site, form.username, form.password, client=client_address(request))
    if issued is None:
        raise Unauthenticated("wrong username or password")
    return TokenPublic(access_token=issued.token, expires_in=issued.expires_in)


@router.post("/logout", status_code=204, responses=SIGNED_IN)
def logout(caller: CallerDep) -> None:
    """Revoke the token used for this request."""
    if not caller.token:
        raise Unauthenticated("no token to revoke")
    with caller.access():
        pass  # a token revoked or expired a moment ago is refused here (401), not "revoked"
    with caller.site.transaction() as session:
        sign_out(session, caller.token, now=caller.site.now())


@router.get("/me", response_model=MePublic, responses=SIGNED_IN)
def me(caller: CallerDep) -> MePublic:
    """Who is signed in, with which role and scope."""
    with caller.access() as access:
        account = access.account()
        return MePublic(username=account.username, role=account.role, scope=access.scope())
