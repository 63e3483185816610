"""Request bodies larger than their route needs are refused (413) before they are read.

An ASGI middleware, so the check runs before authentication, form parsing or JSON decoding:
a declared ``Content-Length`` over the limit is answered at once, and a body streamed without
one (chunked) is counted as it arrives and cut off at the limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brightline.settings import Settings
from brightline.web.routes.screener import PHOTO_LIMIT

MIB = 1024 * 1024
# JSON bodies and web forms: a screening or review is a few hundred bytes.
JSON_LIMIT = 1 * MIB
# An offline sync batch: up to 500 records of a few hundred bytes each, with room to spare.
SYNC_LIMIT = 4 * MIB
# Multipart framing around the photos themselves (boundaries, part headers, other fields).
FORM_OVERHEAD = 64 * 1024

_PHOTO_UPLOAD = re.compile(r"^/api/v1/screenings/[^/]+/images$")
_SCREENING_FORM = re.compile(r"^/screener/people/[^/]+/screen$")


@dataclass(frozen=True)
class BodyLimits:
    """The largest body each kind of route accepts, from the installation's photo limit."""

    photo: int
    screening_form: int
    sync: int = SYNC_LIMIT
    other: int = JSON_LIMIT

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            photo=settings.image_max_bytes + FORM_OVERHEAD,
            screening_form=PHOTO_LIMIT * settings.image_max_bytes + FORM_OVERHEAD,
        )

    def for_path(self, path: str) -> int:
        """The limit of the route a path belongs to."""
        if _PHOTO_UPLOAD.match(path):
            return self.photo
        if _SCREENING_FORM.match(path):
            return self.screening_form
        if path == "/api/v1/sync":
            return self.sync
        return self.other


def too_large_message(limit: int) -> str:
    """What a 413 says: the limit, so the sender knows how much to cut."""
    return f"the request body is larger than {limit} bytes, the most this endpoint accepts"


class BodyTooLarge(HTTPException):
    """A streamed body went past its route's limit (an HTTP error, so that FastAPI's body
    reading passes it on as it is and the application's error handler answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def _too_large_body(limit: int) -> bytes:
    error = {"code": "payload_too_large", "message": too_large_message(limit), "field": None}
    return json.dumps({"error": error}).encode()


class BodyLimit:
    """Refuse a request body over its route's limit with 413 and the JSON error body."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(str(scope["path"]))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer_413(send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Raised while the app reads the body, before it answered anything.
            if not started:
                await _answer_413(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer_413(send: Send, limit: int) -> None:
    body = _too_large_body(limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
