"""Eye photos stored by content: each photo a file named by its SHA-256, owner-only.

The photos come from ``brightline.photos``, which makes every upload safe before it is
stored. See docs/photos.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from brightline.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from brightline.photos import ProcessedPhoto

_DIGEST: Final = re.compile(r"[0-9a-f]{64}")


class PhotoStore:
    """Photos as files named by their SHA-256 under ``root`` (``<home>/photos``).

    ``root/ab/cd/<digest>.jpg`` and ``<digest>.thumb.jpg``; files 0600, folders 0700. A digest
    names exactly one content, so saving twice is harmless and two records may share a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def save(self, photo: ProcessedPhoto) -> str:
        """Store a processed photo (idempotent, atomic per file) and return its digest."""
        digest = _valid_digest(photo.digest)
        if hashlib.sha256(photo.image).hexdigest() != digest:
            raise ValueError("ProcessedPhoto.digest is not the SHA-256 of its image")
        folder = self._folder(digest)
        _make_private_dirs(self.root, folder)
        # Thumbnail first: a full image on disk always has its thumbnail beside it.
        _write_atomically(folder / f"{digest}.thumb.jpg", photo.thumbnail)
        _write_atomically(folder / f"{digest}.jpg", photo.image)
        return digest

    def open(self, digest: str, *, thumbnail: bool = False) -> bytes:
        """The stored JPEG (or its thumbnail); NotFound if there is none."""
        path = self._path(_valid_digest(digest), thumbnail=thumbnail)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound("no photo with this digest", field="photo") from None

    def exists(self, digest: str) -> bool:
        """Whether the full image of ``digest`` is stored."""
        return self._path(_valid_digest(digest), thumbnail=False).is_file()

    def delete(self, digest: str) -> None:
        """Remove a photo and its thumbnail (erasure); nothing to do if already gone.

        The caller deletes only when no remaining record refers to the digest.
        """
        digest = _valid_digest(digest)
        # The full image goes first, keeping "image on disk ⇒ thumbnail on disk" true.
        self._path(digest, thumbnail=False).unlink(missing_ok=True)
        self._path(digest, thumbnail=True).unlink(missing_ok=True)
        folder = self._folder(digest)
        for empty in (folder, folder.parent):
            try:
                empty.rmdir()
            except OSError:
                break  # not empty (another photo) or already gone

    def _folder(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4]

    def _path(self, digest: str, *, thumbnail: bool) -> Path:
        return self._folder(digest) / (f"{digest}.thumb.jpg" if thumbnail else f"{digest}.jpg")


def _valid_digest(digest: object) -> str:
    """A digest is exactly 64 lowercase hex characters: nothing else can become a path."""
    if isinstance(digest, str) and _DIGEST.fullmatch(digest):
        return digest
    raise InvalidInput("a photo digest is 64 lowercase hexadecimal characters", field="digest")


def _make_private_dirs(root: Path, folder: Path) -> None:
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for level in (folder.parent, folder):
        level.mkdir(mode=0o700, exist_ok=True)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` via a 0600 temporary file and rename; skip if identical."""
    try:
        if path.read_bytes() == content:
            return
    except FileNotFoundError:
        pass
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".jpg")
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # mkstemp already does; keep it explicit for photos
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
