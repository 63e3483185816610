"""Offline screener app: eye photos sent from a device, each applied exactly once by its UUID."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from brightline.records import PhotoRecord

PHOTO_KIND = "photo"


class DevicePhotos:
    """A photo the device gave a UUID: a re-send returns the first answer, never a second photo."""

    if TYPE_CHECKING:  # provided by brightline.access.layer.Access, which this is mixed into

        def sync_answer(self, client_uuid: str, kind: str) -> str | None: ...

        def keep_sync_answer(self, client_uuid: str, kind: str, answer: str) -> None: ...

        def add_photo(
            self, screening_id: str, data: bytes, *, declared_type: str | None, eye: str | None
        ) -> PhotoRecord: ...

    def add_device_photo(
        self,
        photo_uuid: str,
        screening_id: str,
        data: bytes,
        *,
        declared_type: str | None,
        eye: str | None,
    ) -> str:
        """Attach the photo (checked, re-encoded, audited as ``photo.create``) once; its id."""
        answered = self.sync_answer(photo_uuid, PHOTO_KIND)
        if answered is not None:
            stored: str = json.loads(answered)["id"]
            return stored
        photo: PhotoRecord = self.add_photo(
            screening_id, data, declared_type=declared_type, eye=eye
        )
        self.keep_sync_answer(photo_uuid, PHOTO_KIND, json.dumps({"id": photo.id}))
        return photo.id
