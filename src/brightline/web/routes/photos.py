"""Eye photos for the pages: served through the access layer with the role's natural purpose."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brightline.web.session import PageNotFound, staff_access

router = APIRouter()
# The purpose a page opens a photo for, by role (the same purposes its pages use).
PHOTO_PURPOSE = {"screener": "treatment", "reviewer": "review", "surgeon": "treatment"}


@router.get("/photos/{photo_id}")
def photo(request: Request, photo_id: str, thumbnail: bool = False) -> Response:
    """One eye photo (or its thumbnail) as JPEG, never stored by any cache."""
    with staff_access(request) as access:
        purpose = PHOTO_PURPOSE.get(access.actor.role)
        if purpose is None:
            raise PageNotFound()
        content = access.read_photo(photo_id, purpose, thumbnail=thumbnail)
    return Response(
        content, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"}
    )
