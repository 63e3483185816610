"""Eye photos: upload to a screening, list, and fetch through the same policy and audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel

from brightline.api.bounds import PathId
from brightline.api.deps import CallerDep
from brightline.api.openapi_errors import SIGNED_IN, errors_beside
from brightline.errors import InvalidInput
from brightline.records import PhotoRecord

router = APIRouter(tags=["eye photos"], responses=SIGNED_IN)


class PhotoPublic(BaseModel):
    """An eye photo's metadata (the image itself is fetched separately)."""

    id: str
    screening_id: str
    eye: str | None
    width: int
    height: int

    @classmethod
    def of(cls, photo: PhotoRecord) -> PhotoPublic:
        return cls(
            id=photo.id,
            screening_id=photo.screening_id,
            eye=photo.eye,
            width=photo.width,
            height=photo.height,
        )


@router.post("/screenings/{screening_id}/images", response_model=PhotoPublic, status_code=201)
def upload(
    screening_id: PathId,
    caller: CallerDep,
    image: Annotated[UploadFile, File(description="A JPEG or PNG eye photo.")],
    eye: Annotated[str | None, Form(description="right or left")] = None,
) -> PhotoPublic:
    """Attach a photo; it is re-encoded so that EXIF, GPS and other metadata are gone."""
    limit = caller.site.settings.image_max_bytes
    data = image.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(
            f"the image is larger than {limit // (1024 * 1024)} MB; send a smaller photo",
            field="image",
        )
    with caller.access() as access:
        photo = access.add_photo(
            screening_id, data, declared_type=image.content_type, eye=eye or None
        )
        return PhotoPublic.of(photo)


@router.get("/screenings/{screening_id}/images", response_model=list[PhotoPublic])
def list_photos(screening_id: PathId, caller: CallerDep) -> list[PhotoPublic]:
    """The photos of a screening; requires a purpose of use."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        return [PhotoPublic.of(p) for p in access.photos_of(screening_id, purpose)]


@router.get(
    "/images/{photo_id}",
    response_class=Response,
    responses=errors_beside(400, 401, 403, 404, 409, 413, 422),
)
def fetch(photo_id: PathId, caller: CallerDep, thumbnail: bool = False) -> Response:
    """One photo as JPEG; requires a purpose of use. Never cached by shared caches."""
    purpose = caller.need_purpose()
    with caller.access() as access:
        content = access.read_photo(photo_id, purpose, thumbnail=thumbnail)
    return Response(
        content,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
