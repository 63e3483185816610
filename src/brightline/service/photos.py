"""Eye photo records: the metadata row beside the re-encoded image in the photo store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from brightline.photos import ProcessedPhoto
from brightline.store.models import Photo


def store_photo(
    session: Session,
    screening_id: str,
    photo: ProcessedPhoto,
    digest: str,
    *,
    eye: str | None,
    uploaded_at: datetime,
    uploaded_by: int,
) -> Photo:
    """The row naming a stored image (by its digest) as a photo of this screening."""
    record = Photo(
        screening_id=screening_id,
        eye=eye,
        digest=digest,
        width=photo.width,
        height=photo.height,
        uploaded_at=uploaded_at,
        uploaded_by=uploaded_by,
    )
    session.add(record)
    session.flush()
    return record
