"""A request to a route that needs a signed-in caller is refused (401) before its body is read.

FastAPI reads and decodes a body before it solves any dependency, so a dependency alone
would let malformed JSON or multipart answer 422 or 400 to a caller without a token. This
middleware checks the bearer token first; ``api.deps.live_token`` then knows it was checked.
"""

from __future__ import annotations

import re

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from brightline.access.gate import TokenGate
from brightline.api.deps import CHECKED
from brightline.errors import Unauthenticated
from brightline.site import Site


def bearer_of(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if the request has one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            return token.strip() or None
    return None


# The API's endpoints that anyone may call; every other endpoint needs a live token (deny by
# default: a new public endpoint must be listed here; the tests check the list). The OpenAPI
# and docs pages are no endpoints of the routers and pass on.
PUBLIC_PATHS = frozenset(
    {
        "/auth/token",
        "/patient/access-report",
        "/audit/checkpoint",
        "/audit/verifier-key",
        "/audit/proof/inclusion",
        "/audit/proof/consistency",
        # Published differentially private releases: made to be public.
        "/public/releases",
        "/public/releases/{release_id}.json",
        "/public/releases/{release_id}.csv",
    }
)


def _path_pattern(template: str) -> str:
    """A regular expression for an OpenAPI path: each ``{parameter}`` one path segment."""
    return "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]*\}", template))


class SignInFirst:
    """Refuse requests without a live token to the API's signed-in paths, before anything else.

    A path no endpoint has passes on (and answers 404).
    """

    def __init__(self, app: ASGIApp, site: Site, prefix: str, paths: list[str]) -> None:
        self.app = app
        self.gate = TokenGate(site)
        # The API's endpoint paths (templates such as /people/{person_id}) under ``prefix``.
        self.guarded = re.compile(
            "|".join(_path_pattern(prefix + path) for path in paths if path not in PUBLIC_PATHS)
        )

    def _guards(self, path: str) -> bool:
        return self.guarded.fullmatch(path) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._guards(str(scope["path"])):
            await self.app(scope, receive, send)
            return
        token = bearer_of(scope)
        try:
            # The database only when needed: a thread-pool hop costs more than the rest here.
            if not self.gate.remembered(token):
                await run_in_threadpool(self.gate.check, token)
        except Unauthenticated as error:
            body = {"error": {"code": error.code, "message": error.message, "field": error.field}}
            response = JSONResponse(body, 401, headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[CHECKED] = token
        await self.app(scope, receive, send)
