"""Eye photo uploads: metadata stripped, bombs and polyglots refused, content-addressed store."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile
from PIL.PngImagePlugin import PngInfo

from brightline.errors import InvalidInput, NotFound
from brightline.photos import (
    MIN_SIDE,
    THUMBNAIL_SIDE,
    PhotoLimits,
    PhotoRejected,
    PhotoStore,
    ProcessedPhoto,
    process_upload,
)
from brightline.settings import Settings

LIMITS = PhotoLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
SERIAL = "SN-998877-EYECAM"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="EyeCam"/>'
    b"</rdf:RDF></x:xmpmeta>"
)

# --- fixture images, made in memory ------------------------------------------------------------


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _photo(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A blue picture with a red top-left corner, so orientation can be checked."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 16, 16))
    return image


def _jpeg(size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    return _encoded(_photo(size), "JPEG", **options)


def _png(size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    return _encoded(_photo(size), "PNG", **options)


def _exif_with_gps_and_serial(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "EyeCam"
    exif[ExifTags.Base.Model] = "Retina 3000"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = SERIAL
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (12.0, 30.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (36.0, 49.0, 2.5)
    return exif


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_from_chunks(
    width: int, height: int, idat: bytes, *, depth: int = 8, colour: int = 0
) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _rejected(data: bytes, limits: PhotoLimits = LIMITS, **kwargs: str | None) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        process_upload(data, limits, **kwargs)
    return caught.value


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every JPEG segment up to the first scan."""
    segments = []
    pos = 2
    while True:
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segments.append((marker, data[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:
            return segments
        pos += 2 + length


def _assert_clean_jpeg(data: bytes) -> Image.Image:
    """Output is one plain RGB JPEG: nothing after EOI, no metadata of any kind."""
    assert data.startswith(b"\xff\xd8\xff")
    assert data.index(b"\xff\xd9") == len(data) - 2  # the only EOI is the last two bytes
    markers = {marker for marker, _ in _jpeg_segments(data)}
    assert markers <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}  # JFIF, tables, frame, scan only
    for needle in (b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", SERIAL.encode()):
        assert needle not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert not image.getexif()
    for key in ("exif", "comment", "icc_profile", "xmp", "XML:com.adobe.xmp"):
        assert key not in image.info
    return image


# --- what survives an upload -------------------------------------------------------------------


def test_jpeg_exif_gps_serial_comment_xmp_and_icc_are_all_removed() -> None:
    upload = _jpeg(
        exif=_exif_with_gps_and_serial(orientation=1),
        comment=b"clinic 7, camera 42",
        xmp=XMP,
        icc_profile=b"\x00" * 256,
    )
    assert SERIAL.encode() in upload and b"http://ns.adobe.com/xap" in upload  # fixture check

    photo = process_upload(upload, LIMITS, declared_type="image/jpeg")

    image = _assert_clean_jpeg(photo.image)
    _assert_clean_jpeg(photo.thumbnail)
    assert b"clinic 7" not in photo.image
    assert (image.width, image.height) == (photo.width, photo.height) == (64, 48)
    assert photo.media_type == "image/jpeg"


def test_exif_orientation_is_applied_before_stripping() -> None:
    # Orientation 6: the camera was turned; the picture must be rotated 90° clockwise to view.
    upload = _jpeg(exif=_exif_with_gps_and_serial(orientation=6))

    photo = process_upload(upload, LIMITS)

    image = _assert_clean_jpeg(photo.image)
    assert (photo.width, photo.height) == image.size == (48, 64)
    red, _, blue = image.getpixel((48 - 5, 5))  # type: ignore[misc]
    assert red > 200 and blue < 60  # the red corner moved from top-left to top-right
    red, _, blue = image.getpixel((5, 5))  # type: ignore[misc]
    assert blue > 200 and red < 60


def test_png_text_itxt_ztxt_exif_and_icc_are_removed() -> None:
    info = PngInfo()
    info.add_text("Author", "Dr Example")
    info.add_text("Comment", "patient 4411, village of Ndola", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=True)
    upload = _png(
        pnginfo=info, exif=_exif_with_gps_and_serial(orientation=1), icc_profile=b"x" * 64
    )

    photo = process_upload(upload, LIMITS, declared_type="image/png")

    _assert_clean_jpeg(photo.image)
    for needle in (b"Dr Example", b"Ndola", b"4411"):
        assert needle not in photo.image and needle not in photo.thumbnail


@pytest.mark.parametrize(
    ("image", "fmt"),
    [
        (Image.new("CMYK", (40, 40), (0, 255, 255, 0)), "JPEG"),
        (Image.new("L", (40, 40), 128), "JPEG"),
        (Image.new("LA", (40, 40), (128, 255)), "PNG"),
        (Image.new("RGBA", (40, 40), (255, 0, 0, 255)), "PNG"),
        (Image.new("1", (40, 40), 1), "PNG"),
        (Image.new("P", (40, 40), 3), "PNG"),
        (Image.new("I;16", (40, 40), 40_000), "PNG"),
    ],
    ids=["cmyk-jpeg", "grey-jpeg", "la", "rgba", "mono", "palette", "grey-16-bit"],
)
def test_every_accepted_mode_becomes_rgb(image: Image.Image, fmt: str) -> None:
    photo = process_upload(_encoded(image, fmt), LIMITS)

    assert _assert_clean_jpeg(photo.image).size == (40, 40)


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    upload = _encoded(Image.new("I;16", (40, 40), 40_000), "PNG")

    grey = Image.open(io.BytesIO(process_upload(upload, LIMITS).image)).getpixel((20, 20))

    assert grey is not None and abs(grey[0] - 40_000 // 256) <= 3  # type: ignore[index]


def test_sixteen_bit_rgb_png_is_accepted() -> None:
    rows = b"".join(b"\x00" + b"\xff\xff\x00\x00\x00\x00" * 40 for _ in range(40))
    upload = _png_from_chunks(40, 40, zlib.compress(rows), depth=16, colour=2)

    image = _assert_clean_jpeg(process_upload(upload, LIMITS).image)

    red, green, blue = image.getpixel((20, 20))  # type: ignore[misc]
    assert red > 240 and green < 15 and blue < 15


def test_transparency_is_flattened_onto_white() -> None:
    upload = _encoded(Image.new("RGBA", (40, 40), (255, 0, 0, 0)), "PNG")

    image = Image.open(io.BytesIO(process_upload(upload, LIMITS).image))

    assert min(image.getpixel((20, 20))) > 245  # type: ignore[arg-type]


def test_thumbnail_longest_side_is_320_and_small_photos_are_not_enlarged() -> None:
    wide = process_upload(_jpeg((1000, 500)), LIMITS)
    tall = process_upload(_png((400, 900)), LIMITS)
    small = process_upload(_jpeg((100, 60)), LIMITS)

    assert Image.open(io.BytesIO(wide.thumbnail)).size == (THUMBNAIL_SIDE, 160)
    assert Image.open(io.BytesIO(tall.thumbnail)).size == (142, THUMBNAIL_SIDE)
    assert Image.open(io.BytesIO(small.thumbnail)).size == (100, 60)
    assert (wide.width, wide.height) == (1000, 500)


def test_digest_is_the_sha256_of_the_image_and_stable_for_the_same_upload() -> None:
    upload = _jpeg(exif=_exif_with_gps_and_serial())

    first = process_upload(upload, LIMITS)
    second = process_upload(upload, LIMITS)

    assert first == second
    assert first.digest == hashlib.sha256(first.image).hexdigest()


def test_output_is_itself_an_acceptable_upload() -> None:
    photo = process_upload(_png(), LIMITS)

    assert process_upload(photo.image, LIMITS).width == photo.width


# --- size, pixels and bombs --------------------------------------------------------------------


def test_oversized_upload_is_rejected_before_it_is_parsed() -> None:
    limits = PhotoLimits(max_bytes=2048, max_pixels=LIMITS.max_pixels)
    not_even_an_image = b"\xff\xd8\xff" + b"\x00" * 2048

    error = _rejected(not_even_an_image, limits)

    assert error.reason == "too_large"
    assert isinstance(error, InvalidInput) and error.field == "image"
    assert "JPEG or PNG" in error.message and "2 MB" not in error.message


def test_message_says_what_is_wrong_and_what_is_accepted() -> None:
    error = _rejected(b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024))

    assert "11 MB" in error.message
    assert "JPEG or PNG" in error.message
    assert "10 MB" in error.message and "40 megapixels" in error.message
    assert str(error).startswith("image: ")


def test_crafted_png_declaring_50000_by_50000_pixels_is_rejected() -> None:
    bomb = _png_from_chunks(50_000, 50_000, zlib.compress(b"\x00" * 1024))

    assert len(bomb) < 200
    assert _rejected(bomb).reason == "too_many_pixels"


def test_large_mono_png_over_the_pixel_limit_is_rejected() -> None:
    bomb = _encoded(Image.new("1", (8000, 6000)), "PNG")  # 48 MP, a few kB

    error = _rejected(bomb)

    assert error.reason == "too_many_pixels"
    assert "8000 × 6000" in error.message


def test_pillows_bomb_warning_never_leaks_even_with_a_limit_above_pillows() -> None:
    # 100 MP is between Pillow's warning and error thresholds; a warning here fails the test run.
    generous = PhotoLimits(max_bytes=LIMITS.max_bytes, max_pixels=500_000_000)
    bomb = _png_from_chunks(10_000, 10_000, zlib.compress(b"\x00" * 1024))

    assert _rejected(bomb, generous).reason == "too_many_pixels"
    assert Image.MAX_IMAGE_PIXELS is not None
    assert generous.pixel_ceiling == Image.MAX_IMAGE_PIXELS


def test_png_text_decompression_bomb_is_rejected() -> None:
    info = PngInfo()
    info.add_text("Comment", "A" * (3 * 1024 * 1024), zip=True)
    upload = _png(pnginfo=info)
    assert len(upload) < 50_000

    assert _rejected(upload).reason == "metadata_bomb"


def test_pillow_globals_are_left_alone() -> None:
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    process_upload(_png(), PhotoLimits(max_bytes=LIMITS.max_bytes, max_pixels=10_000))

    assert before == (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)


def test_refuses_to_run_with_truncated_images_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        process_upload(_jpeg(), LIMITS)


def test_too_small_and_empty_are_rejected() -> None:
    assert _rejected(_png((MIN_SIDE - 1, 100))).reason == "too_small"
    assert _rejected(b"").reason == "empty"


# --- type and structure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "named"),
    [
        (_encoded(_photo(), "GIF"), "GIF"),
        (_encoded(_photo(), "BMP"), "BMP"),
        (_encoded(_photo(), "WEBP"), "WebP"),
        (_encoded(_photo(), "TIFF"), "TIFF"),
        (_encoded(_photo(), "PDF"), "PDF"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "HTML"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
        (b"just text", ""),
    ],
    ids=["gif", "bmp", "webp", "tiff", "pdf", "svg", "html", "heic", "zip", "text"],
)
def test_only_jpeg_and_png_are_accepted_whatever_the_declared_type(
    upload: bytes, named: str
) -> None:
    error = _rejected(upload, declared_type="image/jpeg")

    assert error.reason == "not_jpeg_or_png"
    assert named in error.message


@pytest.mark.parametrize(
    ("upload", "declared"),
    [
        (_png(), "image/jpeg"),
        (_jpeg(), "image/png"),
        (_jpeg(), "text/html"),
        (_jpeg(), "image/svg+xml"),
        (_png(), "image/gif"),
    ],
)
def test_declared_type_that_disagrees_is_rejected(upload: bytes, declared: str) -> None:
    error = _rejected(upload, declared_type=declared)

    assert error.reason == "type_mismatch"
    assert declared in error.message


@pytest.mark.parametrize(
    ("upload", "declared"),
    [
        (_jpeg(), "IMAGE/JPEG"),
        (_jpeg(), "image/jpg"),
        (_png(), "image/png; charset=binary"),
        (_png(), "application/octet-stream"),
        (_png(), ""),
        (_png(), None),
    ],
)
def test_declared_type_that_agrees_or_makes_no_claim_is_accepted(
    upload: bytes, declared: str | None
) -> None:
    assert process_upload(upload, LIMITS, declared_type=declared).width == 64


@pytest.mark.parametrize(
    "upload",
    [_jpeg()[:-200], _jpeg()[:-2], _png()[:-30], _png()[:60]],
    ids=["jpeg-cut", "jpeg-no-eoi", "png-cut", "png-header-only"],
)
def test_truncated_image_is_rejected(upload: bytes) -> None:
    assert _rejected(upload).reason == "damaged"


def test_png_with_truncated_pixel_data_but_intact_chunks_is_rejected() -> None:
    rows = b"".join(b"\x00" + bytes(range(64)) for _ in range(64))
    upload = _png_from_chunks(64, 64, zlib.compress(rows)[:-40])

    error = _rejected(upload)

    assert error.reason == "damaged"


def test_png_with_bad_checksum_is_rejected() -> None:
    upload = bytearray(_png())
    upload[40] ^= 0xFF

    assert _rejected(bytes(upload)).reason == "damaged"


def test_jpeg_with_too_many_scans_is_rejected_before_decoding() -> None:
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 64, 64, 1) + b"\x01\x11\x00"
    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00" + b"\x00"
    upload = b"\xff\xd8" + frame + scan * 101 + b"\xff\xd9"

    error = _rejected(upload)

    assert error.reason == "damaged" and "scans" in error.message


def test_animated_png_is_rejected() -> None:
    frames = [_photo(), Image.new("RGB", (64, 48), (0, 255, 0))]
    upload = _encoded(frames[0], "PNG", save_all=True, append_images=frames[1:])

    assert _rejected(upload).reason == "animated"


# --- polyglots ---------------------------------------------------------------------------------


def _text_chunk(key: str, value: str) -> PngInfo:
    info = PngInfo()
    info.add_text(key, value)
    return info


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "upload",
    [
        _jpeg() + _zip(),
        _jpeg() + b"\x00",
        _jpeg() + _jpeg(),
        _png() + b"<html><script>alert(1)</script></html>",
        _png() + b"%PDF-1.4\n",
    ],
    ids=["jpeg+zip", "jpeg+byte", "jpeg+jpeg", "png+html", "png+pdf"],
)
def test_data_after_the_end_of_the_image_is_rejected(upload: bytes) -> None:
    assert _rejected(upload).reason == "trailing_data"


@pytest.mark.parametrize(
    "upload",
    [
        _jpeg(comment=b"<script>alert(document.cookie)</script>"),
        _jpeg(comment=b"x<HTML>"),
        _jpeg(comment=_zip()),
        _jpeg(comment=b"%PDF-1.7\n1 0 obj"),
        _jpeg(comment=b'<svg onload="alert(1)">'),
        _png(pnginfo=_text_chunk("Comment", "<iframe src=x>")),
    ],
    ids=["jpeg-script", "jpeg-html", "jpeg-zip", "jpeg-pdf", "jpeg-svg", "png-iframe"],
)
def test_documents_hidden_inside_the_image_are_rejected(upload: bytes) -> None:
    assert _rejected(upload).reason == "embedded_document"


def test_exif_thumbnail_inside_the_jpeg_is_not_mistaken_for_its_end() -> None:
    # An APP1 segment holding a complete JPEG (as an EXIF thumbnail does) contains FFD9 early.
    embedded = _jpeg((32, 32))
    upload = _jpeg(exif=b"Exif\x00\x00" + embedded)

    assert upload.index(b"\xff\xd9") < len(upload) - 2
    _assert_clean_jpeg(process_upload(upload, LIMITS).image)


# --- limits from settings ----------------------------------------------------------------------


def test_limits_come_from_settings() -> None:
    settings = Settings(image_max_bytes=5_000_000, image_max_pixels=12_000_000)

    assert PhotoLimits.from_settings(settings) == PhotoLimits(5_000_000, 12_000_000)
    defaults = Settings.model_fields
    assert defaults["image_max_bytes"].default == LIMITS.max_bytes
    assert defaults["image_max_pixels"].default == LIMITS.max_pixels


# --- the store ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def photo() -> ProcessedPhoto:
    return process_upload(_jpeg((400, 300), exif=_exif_with_gps_and_serial()), LIMITS)


def test_store_saves_opens_and_lays_out_by_digest(tmp_path: Path, photo: ProcessedPhoto) -> None:
    store = PhotoStore(tmp_path / "photos")

    digest = store.save(photo)

    folder = tmp_path / "photos" / digest[:2] / digest[2:4]
    assert digest == photo.digest
    assert (folder / f"{digest}.jpg").read_bytes() == photo.image
    assert (folder / f"{digest}.thumb.jpg").read_bytes() == photo.thumbnail
    assert store.open(digest) == photo.image
    assert store.open(digest, thumbnail=True) == photo.thumbnail
    assert store.exists(digest)
    assert sorted(p.name for p in folder.iterdir()) == [f"{digest}.jpg", f"{digest}.thumb.jpg"]


def test_store_files_are_0600_and_folders_0700(tmp_path: Path, photo: ProcessedPhoto) -> None:
    root = tmp_path / "photos"
    digest = PhotoStore(root).save(photo)

    folder = root / digest[:2] / digest[2:4]
    for file in folder.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    for directory in (root, folder.parent, folder):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_store_save_is_idempotent(tmp_path: Path, photo: ProcessedPhoto) -> None:
    store = PhotoStore(tmp_path)
    store.save(photo)
    path = tmp_path / photo.digest[:2] / photo.digest[2:4] / f"{photo.digest}.jpg"
    first_inode = path.stat().st_ino

    assert store.save(photo) == photo.digest

    assert path.stat().st_ino == first_inode  # identical content is not rewritten
    assert len(list(path.parent.iterdir())) == 2


def test_store_repairs_a_missing_thumbnail(tmp_path: Path, photo: ProcessedPhoto) -> None:
    store = PhotoStore(tmp_path)
    store.save(photo)
    thumbnail = tmp_path / photo.digest[:2] / photo.digest[2:4] / f"{photo.digest}.thumb.jpg"
    thumbnail.unlink()

    store.save(photo)

    assert store.open(photo.digest, thumbnail=True) == photo.thumbnail


def test_store_refuses_a_photo_whose_digest_does_not_match(
    tmp_path: Path, photo: ProcessedPhoto
) -> None:
    forged = ProcessedPhoto(
        digest="0" * 64,
        image=photo.image,
        thumbnail=photo.thumbnail,
        width=photo.width,
        height=photo.height,
    )

    with pytest.raises(ValueError, match="SHA-256"):
        PhotoStore(tmp_path).save(forged)
    assert list(tmp_path.iterdir()) == []


def test_store_delete_removes_both_files_and_empty_folders(
    tmp_path: Path, photo: ProcessedPhoto
) -> None:
    store = PhotoStore(tmp_path)
    store.save(photo)

    store.delete(photo.digest)

    assert list(tmp_path.iterdir()) == []
    assert not store.exists(photo.digest)
    with pytest.raises(NotFound):
        store.open(photo.digest)
    with pytest.raises(NotFound):
        store.open(photo.digest, thumbnail=True)
    store.delete(photo.digest)  # erasure can be repeated safely


def test_store_delete_keeps_other_photos(tmp_path: Path, photo: ProcessedPhoto) -> None:
    store = PhotoStore(tmp_path)
    other = process_upload(_png((50, 50)), LIMITS)
    store.save(photo)
    store.save(other)

    store.delete(photo.digest)

    assert store.open(other.digest) == other.image


def test_store_open_of_an_absent_photo_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        PhotoStore(tmp_path).open("a" * 64)


@pytest.mark.parametrize(
    "digest",
    [
        "../" * 21 + "a",
        "../../etc/passwd",
        "ab/../../../../etc/passwd" + "a" * 39,
        "/etc/passwd",
        "A" * 64,
        "a" * 63,
        "a" * 65,
        "a" * 64 + "\n",
        "g" * 64,
        "",
        "..",
    ],
)
def test_store_rejects_anything_but_a_64_character_lowercase_hex_digest(
    tmp_path: Path, digest: str
) -> None:
    store = PhotoStore(tmp_path / "photos")

    for attempt in (
        lambda: store.open(digest),
        lambda: store.open(digest, thumbnail=True),
        lambda: store.delete(digest),
        lambda: store.exists(digest),
    ):
        with pytest.raises(InvalidInput) as caught:
            attempt()
        assert caught.value.field == "digest"
    assert not (tmp_path / "photos").exists()


# --- decoding memory ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_photo_above_12_megapixels_is_stored_scaled_down_upright(fmt: str) -> None:
    """A 36-megapixel file is within the pixel limit but stored at most 12 megapixels."""
    from brightline.photos import STORED_MAX_PIXELS

    image = Image.new("RGB", (7350, 4900), (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken rotated: shown 90° clockwise
    photo = process_upload(_encoded(image, fmt, exif=exif.tobytes()), LIMITS)
    assert photo.width * photo.height <= STORED_MAX_PIXELS
    assert (photo.width, photo.height) == (4900 // 2, 7350 // 2)
    with Image.open(io.BytesIO(photo.image)) as stored:
        red, green, _ = stored.getpixel((10, 10))  # type: ignore[misc]
    assert red > 180 and green < 70


_PEAK_PROBE = """
import io, sys, threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from brightline.photos import PhotoLimits, process_upload

def kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = Path(sys.argv[1]).read_bytes()
limits = PhotoLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
before = kib("VmRSS")
with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda _: process_upload(data, limits), range(8)))
print((kib("VmHWM") - before) // 1024)
"""


def test_concurrent_uploads_of_a_36_megapixel_png_stay_within_bounded_memory(
    tmp_path: Path,
) -> None:
    """Eight uploads at once of a 120 KB, 36-megapixel PNG: the peak does not grow with them.

    Before decoding was bounded this raised the process's peak by about 270 MB per upload
    (2.1 GB for eight); now at most DECODE_SLOTS decodes of about 180 MB each are alive.
    """
    import subprocess
    import sys

    path = tmp_path / "big.png"
    path.write_bytes(_encoded(Image.new("RGB", (7350, 4900), (180, 90, 60)), "PNG"))
    # A fresh process: the peak of this one already holds the test's own images.
    rise_mb = int(
        subprocess.run(
            [sys.executable, "-c", _PEAK_PROBE, str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert rise_mb < 800, f"peak memory rose {rise_mb} MB for 8 concurrent uploads"
