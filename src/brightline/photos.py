"""Eye photos: made safe on upload (no metadata, no bombs, no polyglots) and stored by content.

An upload is checked as bytes first (size, real type, structure, trailing data, embedded
documents), decoded only when its declared pixel count is within the limit, turned upright
from its EXIF orientation, and re-encoded from pixels alone as an RGB JPEG. Nothing of the
uploaded file but its pixels survives, so GPS positions, device serials and anything hidden in
metadata or after the image never reach the store (``brightline.photo_store``). See
docs/photos.md.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, NoReturn

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from brightline.errors import InvalidInput
from brightline.photo_store import PhotoStore

if TYPE_CHECKING:
    from brightline.settings import Settings

__all__ = [
    "MIN_SIDE",
    "THUMBNAIL_SIDE",
    "PhotoLimits",
    "PhotoRejected",
    "PhotoStore",
    "ProcessedPhoto",
    "process_upload",
]

PhotoFormat = Literal["JPEG", "PNG"]

MIN_SIDE: Final = 32
"""Smallest accepted width and height: anything smaller cannot show an eye."""
THUMBNAIL_SIDE: Final = 320
"""Longest side of a thumbnail, in pixels (smaller photos are not enlarged)."""
JPEG_QUALITY: Final = 85
THUMBNAIL_QUALITY: Final = 80
STORED_MAX_PIXELS: Final = 12_000_000
"""Largest stored photo (a 4000 × 3000 phone camera frame); larger uploads are scaled down on
decoding, a JPEG by its decoder's DCT scaling before a single full-size pixel is allocated."""
DECODE_SLOTS: Final = max(1, min(4, os.cpu_count() or 1))
"""Photos decoded at the same time in one process: decoding is CPU-bound, so more would only
add their memory (tens to hundreds of MB each) without finishing any sooner."""
# Decoding runs on these few threads only, never on the server's many request threads: glibc
# gives each thread its own heap and keeps what a decode freed there, so pixels decoded on 40
# request threads would leave 40 decodes' worth of memory behind.
_DECODERS: Final = ThreadPoolExecutor(DECODE_SLOTS, thread_name_prefix="photo-decode")

# Metadata is thrown away, so it only has to be small enough to parse safely: this bounds the
# decompressed size of all PNG text and ICC chunks together (Pillow's own cap is 1 MiB per chunk
# and 64 MiB in all, global to the process).
_PNG_METADATA_BUDGET: Final = 2 * 1024 * 1024
# A progressive JPEG needs about ten scans; thousands of tiny scans make decoding slow on purpose.
_MAX_JPEG_SCANS: Final = 100

_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"

_DECLARED_TYPES: Final[dict[str, PhotoFormat | None]] = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/x-png": "PNG",
    # A generic upload makes no claim about the type, so it cannot disagree with the bytes.
    "application/octet-stream": None,
}

# What a rejected file most likely is, to tell the person what to do instead.
_OTHER_FORMATS: Final = (
    (re.compile(rb"GIF8[79]a"), "a GIF image"),
    (re.compile(rb"BM"), "a BMP image"),
    (re.compile(rb"RIFF....WEBP", re.DOTALL), "a WebP image"),
    (
        re.compile(rb"....ftyp(?:heic|heix|hevc|heim|heis|mif1|msf1|avif)", re.DOTALL),
        "a HEIC/AVIF photo",
    ),
    (re.compile(rb"II\*\x00|MM\x00\*"), "a TIFF image"),
    (re.compile(rb"%PDF-"), "a PDF document"),
    (re.compile(rb"PK\x03\x04"), "a ZIP archive (or Office document)"),
    (re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?<svg", re.IGNORECASE), "an SVG drawing"),
    (re.compile(rb"\s*<(?:!doctype|html)", re.IGNORECASE), "an HTML page"),
)

# Signs that the file is also a document a browser, PDF reader or unzip tool would open.
# Searched in the whole file: long enough that random compressed pixels essentially never match.
_DOCUMENT_ANYWHERE: Final = re.compile(
    rb"<script[\s>/]|<html[\s>]|<iframe[\s>/]|<!doctype\s+html|<\?php\s|%PDF-\d\.\d",
    re.IGNORECASE,
)
# Searched in metadata only (short signatures would match compressed pixels by chance).
_DOCUMENT_IN_METADATA: Final = re.compile(rb"PK\x03\x04|PK\x01\x02|PK\x05\x06|(?i:<svg[\s>])")
# A ZIP reader looks for its end record in the last 64 KiB (+ 22 bytes) of a file.
_ZIP_END_RECORD: Final = b"PK\x05\x06"
_ZIP_END_SEARCH: Final = 65_536 + 22


class PhotoRejected(InvalidInput):
    """An uploaded photo that cannot be accepted; the message says why and what is accepted.

    ``reason`` is a stable short code for logs and tests: ``too_large``, ``empty``,
    ``not_jpeg_or_png``, ``type_mismatch``, ``too_many_pixels``, ``too_small``, ``damaged``,
    ``trailing_data``, ``embedded_document``, ``metadata_bomb`` or ``animated``.
    """

    def __init__(self, problem: str, limits: PhotoLimits, *, reason: str) -> None:
        super().__init__(f"{problem}. Accepted: {limits.describe()}.", field="image")
        self.problem = problem
        self.reason = reason


@dataclass(frozen=True)
class PhotoLimits:
    """Upload limits, from ``Settings.image_max_bytes`` and ``Settings.image_max_pixels``."""

    max_bytes: int
    max_pixels: int

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.max_pixels < MIN_SIDE * MIN_SIDE:
            raise ValueError(f"photo limits too small: {self}")

    @classmethod
    def from_settings(cls, settings: Settings) -> PhotoLimits:
        """The limits configured for this installation."""
        return cls(max_bytes=settings.image_max_bytes, max_pixels=settings.image_max_pixels)

    @property
    def pixel_ceiling(self) -> int:
        """The pixel limit in force: never above Pillow's own bomb limit, so it never warns."""
        pillow_limit = Image.MAX_IMAGE_PIXELS
        return self.max_pixels if pillow_limit is None else min(self.max_pixels, pillow_limit)

    def describe(self) -> str:
        """The accepted photos in words, for error messages."""
        return (
            f"a single JPEG or PNG photo of at most {_megabytes(self.max_bytes)} MB and "
            f"{_megapixels(self.pixel_ceiling)} megapixels, at least {MIN_SIDE} × {MIN_SIDE} pixels"
        )


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo as stored: upright RGB JPEG pixels and a thumbnail, with no metadata at all."""

    digest: str
    """SHA-256 (hex) of ``image``: the photo's name in the store."""
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    media_type: str = field(default="image/jpeg", init=False)


# --- upload -----------------------------------------------------------------------------------


def process_upload(
    data: bytes, limits: PhotoLimits, *, declared_type: str | None = None
) -> ProcessedPhoto:
    """Check an uploaded eye photo and re-encode it from pixels only, or raise PhotoRejected.

    ``declared_type`` is the media type the client sent (e.g. the multipart Content-Type); it is
    only compared with the real type, read from the bytes.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A process-wide Pillow switch that would let cut-off uploads through as grey blocks.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    # Size first: nothing is parsed or decoded from an oversized upload.
    if len(data) > limits.max_bytes:
        raise PhotoRejected(
            f"the file is {_megabytes(len(data))} MB, more than the limit",
            limits,
            reason="too_large",
        )
    if not data:
        raise PhotoRejected("the file is empty", limits, reason="empty")
    kind = _sniff(data, limits)
    _check_declared_type(declared_type, kind, limits)
    width, height = (_check_jpeg if kind == "JPEG" else _check_png)(data, limits)
    _check_dimensions(width, height, limits)
    _check_no_embedded_document(data, limits)
    return _DECODERS.submit(_decode_and_encode, data, kind, (width, height), limits).result()


def _decode_and_encode(
    data: bytes, kind: PhotoFormat, size: tuple[int, int], limits: PhotoLimits
) -> ProcessedPhoto:
    return _encode(_decode_upright_rgb(data, kind, size, limits))


def _sniff(data: bytes, limits: PhotoLimits) -> PhotoFormat:
    """The real type, from the magic bytes: only JPEG and PNG, whatever the name or declaration."""
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    head = data[:64]
    seen = next((name for pattern, name in _OTHER_FORMATS if pattern.match(head)), None)
    problem = f"the file is {seen}, not a JPEG or PNG" if seen else "the file is not a JPEG or PNG"
    raise PhotoRejected(problem, limits, reason="not_jpeg_or_png")


def _check_declared_type(declared: str | None, kind: PhotoFormat, limits: PhotoLimits) -> None:
    if declared is None or not declared.strip():
        return
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type in _DECLARED_TYPES:
        claimed = _DECLARED_TYPES[media_type]
        if claimed is None or claimed == kind:
            return
    raise PhotoRejected(
        f"the file was sent as {media_type[:60]!r} but is a {kind}", limits, reason="type_mismatch"
    )


def _check_dimensions(width: int, height: int, limits: PhotoLimits) -> None:
    if width * height > limits.pixel_ceiling:
        raise PhotoRejected(
            f"the image is {width} × {height} pixels ({_megapixels(width * height)} megapixels)",
            limits,
            reason="too_many_pixels",
        )
    if width < MIN_SIDE or height < MIN_SIDE:
        raise PhotoRejected(
            f"the image is only {width} × {height} pixels", limits, reason="too_small"
        )


def _check_no_embedded_document(data: bytes, limits: PhotoLimits) -> None:
    """Refuse files that another program would also open as HTML, PDF or ZIP (polyglots)."""
    if _DOCUMENT_ANYWHERE.search(data) or _ZIP_END_RECORD in data[-_ZIP_END_SEARCH:]:
        _reject_polyglot(limits)


def _reject_polyglot(limits: PhotoLimits) -> NoReturn:
    raise PhotoRejected(
        "the file also contains a document or archive (HTML, script, PDF, SVG or ZIP)",
        limits,
        reason="embedded_document",
    )


def _reject_damaged(kind: PhotoFormat, limits: PhotoLimits, detail: str) -> NoReturn:
    raise PhotoRejected(
        f"the {kind} file is damaged or incomplete ({detail})", limits, reason="damaged"
    )


def _reject_trailing(kind: PhotoFormat, extra: int, limits: PhotoLimits) -> NoReturn:
    raise PhotoRejected(
        f"the {kind} file has {extra} bytes of other data after the end of the image",
        limits,
        reason="trailing_data",
    )


# --- JPEG structure ---------------------------------------------------------------------------

_SOF_MARKERS: Final = frozenset(
    {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), 0xCD, 0xCE, 0xCF}
)
_SOS, _EOI, _SOI = 0xDA, 0xD9, 0xD8
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and the restart markers


def _check_jpeg(data: bytes, limits: PhotoLimits) -> tuple[int, int]:
    """Walk every JPEG segment to the final EOI; return (width, height) from the single frame.

    Segments are skipped by their declared length, so an EXIF thumbnail (a JPEG inside APP1)
    is never mistaken for the end of the image.
    """
    size: tuple[int, int] | None = None
    scans = 0
    pos = 2  # after SOI
    end = len(data)
    while True:
        marker, pos = _next_marker(data, pos, limits)
        if marker == _EOI:
            break
        if marker in _STANDALONE or marker == _SOI:
            _reject_damaged("JPEG", limits, f"unexpected marker FF{marker:02X}")
        if pos + 2 > end:
            _reject_damaged("JPEG", limits, "cut off inside a segment header")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > end:
            _reject_damaged("JPEG", limits, f"segment FF{marker:02X} runs past the end")
        segment = data[pos + 2 : pos + length]
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn and COM: metadata
            if _DOCUMENT_IN_METADATA.search(segment):
                _reject_polyglot(limits)
        elif marker in _SOF_MARKERS:
            if size is not None:
                _reject_damaged("JPEG", limits, "more than one frame")
            if len(segment) < 5:
                _reject_damaged("JPEG", limits, "short frame header")
            height, width = struct.unpack(">HH", segment[1:5])
            size = (width, height)
        pos += length
        if marker == _SOS:
            scans += 1
            if size is None:
                _reject_damaged("JPEG", limits, "scan before frame header")
            if scans > _MAX_JPEG_SCANS:
                _reject_damaged("JPEG", limits, f"more than {_MAX_JPEG_SCANS} scans")
            pos = _skip_entropy_coded(data, pos, limits)
    if size is None or scans == 0:
        _reject_damaged("JPEG", limits, "no image data")
    if pos != end:
        _reject_trailing("JPEG", end - pos, limits)
    return size


def _next_marker(data: bytes, pos: int, limits: PhotoLimits) -> tuple[int, int]:
    """The marker at ``pos`` (after optional 0xFF fill bytes) and the position after it."""
    if pos >= len(data) or data[pos] != 0xFF:
        _reject_damaged("JPEG", limits, "missing end-of-image marker")
    while pos < len(data) and data[pos] == 0xFF:
        pos += 1
    if pos >= len(data):
        _reject_damaged("JPEG", limits, "missing end-of-image marker")
    return data[pos], pos + 1


def _skip_entropy_coded(data: bytes, pos: int, limits: PhotoLimits) -> int:
    """Position of the first real marker after compressed scan data (FF00 and RSTn are data)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            _reject_damaged("JPEG", limits, "missing end-of-image marker")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


# --- PNG structure ----------------------------------------------------------------------------

_PNG_TEXT_AND_ICC: Final = frozenset({b"tEXt", b"zTXt", b"iTXt", b"iCCP"})
_PNG_ANIMATION: Final = frozenset({b"acTL", b"fcTL", b"fdAT"})


def _check_png(data: bytes, limits: PhotoLimits) -> tuple[int, int]:
    """Walk every PNG chunk (checking CRCs) to IEND; return (width, height) from IHDR."""
    size: tuple[int, int] | None = None
    metadata_budget = _PNG_METADATA_BUDGET
    seen_idat = False
    for kind, body, is_first in _png_chunks(data, limits):
        if is_first != (kind == b"IHDR"):
            _reject_damaged("PNG", limits, "IHDR is not the first chunk")
        if kind == b"IHDR":
            if len(body) != 13:
                _reject_damaged("PNG", limits, "bad IHDR")
            width, height = struct.unpack(">II", body[:8])
            size = (width, height)
        elif kind == b"IDAT":
            seen_idat = True
        elif kind in _PNG_ANIMATION:
            raise PhotoRejected("the PNG is animated (APNG)", limits, reason="animated")
        elif kind == b"IEND":
            if size is None or not seen_idat:
                _reject_damaged("PNG", limits, "no image data")
            return size
        else:
            if _DOCUMENT_IN_METADATA.search(body):
                _reject_polyglot(limits)
            if kind in _PNG_TEXT_AND_ICC:
                metadata_budget -= _png_metadata_size(kind, body, metadata_budget, limits)
    _reject_damaged("PNG", limits, "missing IEND chunk")


def _png_chunks(data: bytes, limits: PhotoLimits) -> Iterator[tuple[bytes, bytes, bool]]:
    """(type, data, is_first) of each chunk up to IEND; trailing bytes after IEND rejected."""
    pos = len(_PNG_MAGIC)
    end = len(data)
    first = True
    while pos < end:
        if pos + 12 > end:
            _reject_damaged("PNG", limits, "cut off inside a chunk header")
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if length > 0x7FFFFFFF or not kind.isalpha():
            _reject_damaged("PNG", limits, "bad chunk header")
        if pos + 12 + length > end:
            _reject_damaged("PNG", limits, "cut off inside a chunk")
        body = data[pos + 8 : pos + 8 + length]
        crc = int.from_bytes(data[pos + 8 + length : pos + 12 + length], "big")
        if zlib.crc32(body, zlib.crc32(kind)) != crc:
            _reject_damaged("PNG", limits, f"checksum error in {kind.decode('ascii')} chunk")
        pos += 12 + length
        if kind == b"IEND" and pos != end:
            _reject_trailing("PNG", end - pos, limits)
        yield kind, body, first
        first = False


def _png_metadata_size(kind: bytes, body: bytes, budget: int, limits: PhotoLimits) -> int:
    """Decompressed size of a text or ICC chunk, refusing one that would exceed ``budget``."""
    compressed: bytes | None = None
    keyword_end = body.find(b"\x00")
    if keyword_end < 0 and kind != b"tEXt":
        _reject_damaged("PNG", limits, f"bad {kind.decode('ascii')} chunk")
    if kind in (b"zTXt", b"iCCP"):
        compressed = body[keyword_end + 2 :]
    elif kind == b"iTXt" and body[keyword_end + 1 : keyword_end + 2] == b"\x01":
        rest = body[keyword_end + 3 :]
        language_end = rest.find(b"\x00")
        translated_end = rest.find(b"\x00", language_end + 1)
        if language_end < 0 or translated_end < 0:
            _reject_damaged("PNG", limits, "bad iTXt chunk")
        compressed = rest[translated_end + 1 :]
    if compressed is None:
        size = len(body)
    else:
        inflater = zlib.decompressobj()
        try:
            size = len(inflater.decompress(compressed, budget + 1))
        except zlib.error:
            _reject_damaged("PNG", limits, f"bad {kind.decode('ascii')} chunk")
    if size > budget:
        raise PhotoRejected(
            "the PNG carries too much text or colour-profile data", limits, reason="metadata_bomb"
        )
    return size


# --- pixels -----------------------------------------------------------------------------------

# Errors Pillow raises for files it cannot decode (truncated data, bad Huffman tables, its own
# bomb and text limits).
_DECODE_ERRORS: Final = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
)


def _decode_upright_rgb(
    data: bytes, kind: PhotoFormat, size: tuple[int, int], limits: PhotoLimits
) -> Image.Image:
    """Decode, apply the EXIF orientation and return plain RGB pixels with no metadata.

    At most :data:`STORED_MAX_PIXELS` come out, and each step frees the image before it, so a
    decode holds the decoded file plus one image of at most that size.
    """
    decoded = _decode_upright(data, kind, size, limits)
    # A new image holds the pixels only: no EXIF, GPS, ICC profile, comment or XMP can follow.
    clean = Image.new("RGB", decoded.size, (255, 255, 255))
    source = _to_rgb(decoded)
    del decoded
    # Pasting through its own alpha flattens transparency onto white in this one buffer.
    clean.paste(source, mask=source if source.mode == "RGBA" else None)
    return clean


def _reduction(size: tuple[int, int]) -> int:
    """The smallest whole factor that brings ``size`` within :data:`STORED_MAX_PIXELS`."""
    factor = 1
    while (size[0] // factor) * (size[1] // factor) > STORED_MAX_PIXELS:
        factor += 1
    return factor


def _decode_upright(
    data: bytes, kind: PhotoFormat, size: tuple[int, int], limits: PhotoLimits
) -> Image.Image:
    try:
        # ``formats`` pins the decoder to the sniffed type: no guessing another format.
        with Image.open(io.BytesIO(data), formats=(kind,)) as image:
            # Image.open is lazy: the size is known, no pixel has been decoded yet.
            if image.size != size or image.width * image.height > limits.pixel_ceiling:
                _reject_damaged(kind, limits, "inconsistent size in the header")
            if getattr(image, "n_frames", 1) != 1 or getattr(image, "is_animated", False):
                raise PhotoRejected(
                    "the file holds several images or an animation", limits, reason="animated"
                )
            factor = _reduction(image.size)
            if kind == "JPEG" and factor > 1:
                # DCT scaling (1/2, 1/4, 1/8): the full-size pixels are never allocated.
                image.draft(image.mode, (-(-image.width // factor), -(-image.height // factor)))
            image.load()
            reduced = _reduced(image)
            ImageOps.exif_transpose(reduced, in_place=True)
            return reduced
    except PhotoRejected:
        raise
    except _DECODE_ERRORS as error:
        _reject_damaged(kind, limits, _short(error))


def _reduced(image: Image.Image) -> Image.Image:
    """``image`` within :data:`STORED_MAX_PIXELS` (box-averaged), EXIF kept for orientation."""
    factor = _reduction(image.size)
    if factor == 1:
        return image
    if image.mode not in ("L", "RGB", "RGBA"):
        image = _to_rgb(image)
    exif = image.info.get("exif")
    smaller = image.reduce(factor)
    if exif is not None:
        smaller.info["exif"] = exif
    return smaller


def _to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB, or RGBA where there is transparency (flattened by the caller onto white).

    16-bit grey is scaled, not clipped.
    """
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode.startswith("I"):
        # Pillow clips 16-bit values to 255 when converting; scale them into 0–255 instead.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "PA", "RGBa", "La"):
        return image.convert("RGBA")
    return image.convert("RGB")


def _encode(pixels: Image.Image) -> ProcessedPhoto:
    image = _jpeg_bytes(pixels, JPEG_QUALITY)
    return ProcessedPhoto(
        digest=hashlib.sha256(image).hexdigest(),
        image=image,
        thumbnail=_jpeg_bytes(_thumbnail(pixels), THUMBNAIL_QUALITY),
        width=pixels.width,
        height=pixels.height,
    )


def _thumbnail(pixels: Image.Image) -> Image.Image:
    """At most THUMBNAIL_SIDE on the longest side, resized straight from ``pixels`` (no copy)."""
    scale = THUMBNAIL_SIDE / max(pixels.size)
    if scale >= 1:
        return pixels
    size = (max(1, round(pixels.width * scale)), max(1, round(pixels.height * scale)))
    return pixels.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg_bytes(pixels: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    # No exif=, icc_profile= or comment= arguments, and the image's info is empty.
    pixels.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _megabytes(size: int) -> str:
    # Binary megabytes, so the default 10 × 1024 × 1024 reads as "10 MB".
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")
