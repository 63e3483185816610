"""What every request needs: the installation, the caller's token, purpose and transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

from brightline.access.gate import check_token
from brightline.access.layer import Access, acting_as
from brightline.access.policy import PURPOSES
from brightline.errors import InvalidInput, PurposeRequired, Unauthenticated
from brightline.site import Site

JSON = "application/json"
# Set in a request's state by ``SignInFirst`` to the token it found live.
CHECKED = "bearer_checked"
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_site(request: Request) -> Site:
    """The installation this application serves.

    The dependencies here are ``async`` because they never block: FastAPI runs a plain
    ``def`` dependency in the thread pool, a hand-off per dependency per request.
    """
    site: Site = request.app.state.site
    return site


def client_address(request: Request) -> str:
    """The caller's address, for per-client login throttling."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Caller:
    """A request's credentials and declared purpose, turned into an Access in a transaction."""

    site: Site
    token: str | None
    purpose: str | None
    break_glass_reason: str | None

    @contextmanager
    def access(self) -> Iterator[Access]:
        """One transaction: resolve the token, then act through the access layer."""
        token = self.token
        if not token:
            raise Unauthenticated("sign in first: send 'Authorization: Bearer <token>'")
        with acting_as(self.site, token) as access:
            yield access

    def need_purpose(self) -> str:
        """The purpose of use, required on every read of a person's record."""
        if self.purpose is None:
            raise PurposeRequired(
                f"say why you open this record: send X-Purpose-Of-Use with one of "
                f"{', '.join(PURPOSES)}",
                field="X-Purpose-Of-Use",
            )
        return self.purpose


async def live_token(
    request: Request,
    site: Annotated[Site, Depends(get_site)],
    token: Annotated[str | None, Depends(bearer)],
) -> str:
    """The request's bearer token, refused with 401 unless it is live.

    ``SignInFirst`` checks it before the body is read; this dependency marks the routes it
    guards and checks again only where that did not run (FastAPI solves dependencies before
    it validates query, header and body parameters, so the order holds here too).
    """
    if token is None or getattr(request.state, CHECKED, None) != token:
        await run_in_threadpool(check_token, site, token)
    assert token is not None  # check_token refused a missing one
    return token


async def get_caller(
    site: Annotated[Site, Depends(get_site)],
    token: Annotated[str, Depends(live_token)],
    purpose_header: Annotated[
        str | None,
        Header(
            alias="X-Purpose-Of-Use",
            max_length=40,
            json_schema_extra={"enum": list(PURPOSES)},
            description="Why the record is opened: treatment, review, follow_up, quality, "
            "emergency.",
        ),
    ] = None,
    purpose_query: Annotated[
        str | None,
        Query(
            alias="purpose",
            max_length=40,
            json_schema_extra={"enum": list(PURPOSES)},
            description="Same as X-Purpose-Of-Use.",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        Header(
            alias="X-Break-Glass-Reason",
            max_length=1000,
            description="Written reason for emergency access (with purpose emergency).",
        ),
    ] = None,
) -> Caller:
    """The caller of this request (signed in: ``live_token`` checked that first)."""
    purpose = purpose_header or purpose_query
    if purpose is not None and purpose not in PURPOSES:
        raise InvalidInput(
            f"purpose {purpose!r} is not valid; use one of: {', '.join(PURPOSES)}",
            field="X-Purpose-Of-Use",
        )
    return Caller(site, token, purpose, reason)


def sent_as_is(model: BaseModel, status_code: int = 200) -> Response:
    """A response model's JSON, sent without FastAPI checking it against ``response_model``
    again: for a plain ``def`` endpoint that check runs in a thread-pool hop of its own,
    which made up a fifth of a screening POST. The model was validated when it was built;
    ``response_model`` still documents the response."""
    return Response(model.model_dump_json(), status_code=status_code, media_type=JSON)


CallerDep = Annotated[Caller, Depends(get_caller)]
SiteDep = Annotated[Site, Depends(get_site)]
